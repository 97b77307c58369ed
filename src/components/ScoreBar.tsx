// A horizontal bar for a score in [0, 1] with the threshold marked on it.

/** Bar of `value` with a tick at `threshold`; filled darker when the label is predicted. */
export function ScoreBar({ value, threshold, predicted }: { value: number; threshold: number; predicted: boolean }) {
  const pct = Math.max(0, Math.min(100, value * 100));
  return (
    <span className="score-bar" aria-hidden="true">
      <span className={`score-fill ${predicted ? 'on' : ''}`} style={{ width: `${pct}%` }} />
      <span className="score-threshold" style={{ left: `${Math.max(0, Math.min(100, threshold * 100))}%` }} />
    </span>
  );
}
