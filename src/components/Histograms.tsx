// Histograms of blended scores per label, with the threshold drawn as a line (plain SVG).
import { useDeferredValue } from 'react';
import { useShallow } from 'zustand/react/shallow';
import { type Histogram, selectGold, selectHistograms } from '../store/selectors';
import { useAppStore } from '../store/store';
import { formatCount } from './format';

const W = 220;
const H = 80;

/** One label's histogram with its threshold line. */
function Chart({ h }: { h: Histogram }) {
  const bins = h.all.length;
  const max = Math.max(1, ...h.all);
  const bw = W / bins;
  const x = h.threshold * W;
  const above = h.all.reduce((a, c, b) => a + ((b + 1) / bins > h.threshold ? c : 0), 0);
  const describe = `${h.label}: blended scores of ${formatCount(h.scored)} rows in ${bins} bins; threshold ${h.threshold.toFixed(2)}.`;
  return (
    <figure className="histogram" data-label={h.label} data-threshold={String(h.threshold)} data-scored={h.scored}>
      <figcaption>
        <strong>{h.label}</strong> <span className="muted">threshold {h.threshold.toFixed(2)}</span>
      </figcaption>
      <svg viewBox={`0 0 ${W} ${H + 14}`} role="img" aria-label={describe} preserveAspectRatio="none">
        {h.all.map((count, b) => {
          const total = (count / max) * H;
          const pos = h.positive ? (h.positive[b]! / max) * H : 0;
          return (
            <g key={b}>
              <rect x={b * bw + 0.5} y={H - total} width={bw - 1} height={total} className={h.positive ? 'bar-neg' : 'bar-all'} />
              {h.positive && <rect x={b * bw + 0.5} y={H - pos} width={bw - 1} height={pos} className="bar-pos" />}
            </g>
          );
        })}
        <line x1={x} x2={x} y1={0} y2={H} className="threshold-line" />
        <text x={0} y={H + 12} className="axis">
          0
        </text>
        <text x={W} y={H + 12} className="axis" textAnchor="end">
          1
        </text>
      </svg>
      <span className="sr-only">About {formatCount(above)} rows fall in bins above the threshold.</span>
    </figure>
  );
}

/**
 * One small chart per label of the last run; bars split into gold positives and negatives when the CSV has gold.
 * Rendered from a deferred copy, as ResultsTable is: in slices, after the click that started the run.
 */
export function Histograms() {
  const { histograms, split } = useDeferredValue(useAppStore(useShallow((s) => ({ histograms: selectHistograms(s), split: selectGold(s) !== null }))));
  if (histograms.length === 0) return null;
  return (
    <section className="panel" aria-labelledby="hist-title">
      <h2 id="hist-title">Score distributions</h2>
      <p className="muted">
        Blended score per label over the labelled rows; the red line is the threshold.
        {split ? ' Dark: rows whose gold labels include the label; light: rows whose gold labels do not.' : ''}
      </p>
      <div className="histograms">
        {histograms.map((h) => (
          <Chart key={h.label} h={h} />
        ))}
      </div>
    </section>
  );
}
