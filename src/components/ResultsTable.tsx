// The CSV results, virtualised: only the visible rows are in the DOM, so 100,000 rows scroll smoothly.
import { useVirtualizer } from '@tanstack/react-virtual';
import { memo, useDeferredValue, useMemo, useRef } from 'react';
import { useShallow } from 'zustand/react/shallow';
import { decide } from '../engine/blend';
import { heldScores, type RunScores } from '../store/run';
import { selectBatchThresholds, selectGold } from '../store/selectors';
import { useAppStore } from '../store/store';
import { formatCount, raw } from './format';

export interface ResultsGridProps {
  rows: readonly (readonly string[])[];
  textColumn: number;
  labels: string[];
  /** Thresholds in force, one per label. */
  thresholds: number[];
  /** The run's buffers (row-major, NaN where not scored), filled further between renders. */
  scores: RunScores;
  /** Gold label names per row, when the CSV has gold. */
  gold: ((row: number) => string[]) | null;
  /** Changes whenever the buffers were filled further. */
  version: number;
  /** True while the drawn state is older than the store's (a newer one is being rendered). */
  busy?: boolean;
}

const ROW_HEIGHT = 34;

/**
 * The CSV results, or nothing before a run over the current table. Renders from a deferred copy of the store's
 * values: React renders it in a transition, in slices that yield to the page, so the first render of a run's table
 * (hundreds of nodes) is not one long main-thread task inside the "Label all rows" click (docs/benchmarks.md, lever 6).
 * While the copy is behind the store the table says `aria-busy`; a copy whose run was released since draws nothing.
 */
export function ResultsTable() {
  const current = useAppStore(
    useShallow((s) => ({ table: s.table, textColumn: s.textColumn, batch: s.batch, thresholds: selectBatchThresholds(s), gold: selectGold(s) })),
  );
  const view = useDeferredValue(current);
  const { table, textColumn, batch, thresholds, gold } = view;
  const goldOf = useMemo(() => (gold ? (row: number) => gold.labels.filter((_, j) => gold.y[j]![row] === 1) : null), [gold]);
  const labels = useMemo(() => batch?.labels.map((l) => l.name) ?? [], [batch?.labels]);
  const scores = batch ? heldScores(batch.scores) : undefined;
  if (!table || !batch || !scores || batch.rowCount !== table.rows.length) return null;
  return (
    <ResultsGrid
      rows={table.rows}
      textColumn={textColumn}
      labels={labels}
      thresholds={thresholds}
      scores={scores}
      gold={goldOf}
      version={batch.scores.version}
      busy={view !== current}
    />
  );
}

/** The row number's tooltip: whether the text was cut and in how many windows it was read; undefined when neither. */
function rowNote(cut: boolean, windows: number): string | undefined {
  const notes = [
    windows > 1 ? `The text was read in ${windows} token windows (its NLI scores aggregate them).` : null,
    cut ? (windows > 1 ? 'The label heads read only its beginning.' : 'The text was cut to fit the model: only its beginning was read.') : null,
  ].filter((n) => n !== null);
  return notes.length ? notes.join(' ') : undefined;
}

/**
 * What of row `i` the buffers hold now: a row is drawn again only when this changes (it is scored,
 * fails, or is cut), not at every publish of a run (docs/benchmarks.md, "Main thread").
 */
function rowStamp(scores: RunScores, i: number): string {
  return `${scores.scored[i]}|${scores.cut[i]}|${scores.windows[i]}|${scores.failed.get(i)?.message ?? ''}`;
}

interface ResultRowProps {
  i: number;
  /** Offset from the top of the table body, px. */
  top: number;
  columns: string;
  text: string;
  labels: string[];
  thresholds: number[];
  scores: RunScores;
  /** `rowStamp` of this row: changes whenever its cells would. */
  stamp: string;
  gold: ((row: number) => string[]) | null;
}

/** One row of the results table: its scores (✓ when predicted), predicted and gold labels. */
const ResultRow = memo(function ResultRow({ i, top, columns, text, labels, thresholds, scores, gold }: ResultRowProps) {
  const { blended, nli, poly, scored, failed, cut, windows } = scores;
  const L = labels.length;
  const isScored = scored[i] === 1;
  const error = failed.get(i);
  const predicted = isScored ? labels.filter((_, j) => decide(blended[i * L + j]!, thresholds[j]!)) : [];
  return (
    <div
      role="row"
      aria-rowindex={i + 2}
      className={`vt-row ${i % 2 ? 'odd' : ''}`}
      data-row={i}
      data-scored={String(isScored)}
      data-failed={String(error !== undefined)}
      data-cut={String(cut[i] === 1)}
      data-windows={windows[i]! > 1 ? windows[i] : undefined}
      style={{ gridTemplateColumns: columns, transform: `translateY(${top}px)`, height: ROW_HEIGHT }}
    >
      <span role="cell" className="num muted" title={rowNote(cut[i] === 1, windows[i]!)}>
        {formatCount(i + 1)}
        {cut[i] === 1 ? <span aria-label="text cut to fit the model"> ✂</span> : null}
        {windows[i]! > 1 ? (
          <span aria-label={`text read in ${windows[i]} windows`}>
            {' '}⧉{windows[i]}
          </span>
        ) : null}
      </span>
      <span role="cell" className="vt-text" title={text}>
        {text}
      </span>
      {labels.map((l, j) => {
        const b = blended[i * L + j]!;
        const on = isScored && decide(b, thresholds[j]!);
        return (
          <span
            role="cell"
            key={l}
            className={`num ${on ? 'on' : ''}`}
            data-label={l}
            data-blended={raw(b)}
            data-nli={raw(nli[i * L + j])}
            data-poly={raw(poly[i * L + j])}
            data-predicted={String(on)}
          >
            {isScored ? `${b.toFixed(3)}${on ? ' ✓' : ''}` : '—'}
          </span>
        );
      })}
      {error ? (
        <span role="cell" className="vt-text row-error" data-testid="row-predicted" title={error.message}>
          could not be scored: {error.message}
        </span>
      ) : (
        <span role="cell" className="vt-text" data-testid="row-predicted">
          {isScored ? predicted.join('; ') || '(none)' : 'not scored'}
        </span>
      )}
      {gold && (
        <span role="cell" className="vt-text muted">
          {gold(i).join('; ')}
        </span>
      )}
    </div>
  );
});

/** A virtualised, ARIA-table of the labelled rows: scores per label (✓ when predicted), predicted and gold labels; ✂ marks a text cut to fit the model, ⧉N one read in N windows. */
export function ResultsGrid(props: ResultsGridProps) {
  const { rows, labels, thresholds, gold } = props;
  const L = labels.length;
  const scroller = useRef<HTMLDivElement>(null);
  // The app does not run the React Compiler, so its skipping this component changes nothing; TanStack documents this use.
  // eslint-disable-next-line react-hooks/incompatible-library
  const virtualizer = useVirtualizer({
    count: rows.length,
    getScrollElement: () => scroller.current,
    estimateSize: () => ROW_HEIGHT,
    overscan: 12,
  });
  const columns = `4rem minmax(14rem, 1fr) repeat(${L}, 7.5rem) minmax(9rem, 12rem)${gold ? ' minmax(9rem, 12rem)' : ''}`;
  const width = `calc(4rem + 14rem + ${L} * 7.5rem + 9rem${gold ? ' + 9rem' : ''})`;

  return (
    <section className="panel results" aria-labelledby="results-title">
      <h2 id="results-title">Results</h2>
      <div
        ref={scroller}
        className="virtual-scroll"
        tabIndex={0}
        role="table"
        aria-labelledby="results-title"
        aria-rowcount={rows.length + 1}
        data-testid="results-table"
        data-rows={rows.length}
        data-version={props.version}
        aria-busy={props.busy ?? false}
      >
        <div role="rowgroup" className="vt-head" style={{ minWidth: width }}>
          <div role="row" aria-rowindex={1} className="vt-row" style={{ gridTemplateColumns: columns }}>
            <span role="columnheader">Row</span>
            <span role="columnheader">Text</span>
            {labels.map((l) => (
              <span role="columnheader" key={l} className="num" title={`Score of ${l}; ✓ when it reaches the threshold`}>
                {l}
              </span>
            ))}
            <span role="columnheader">Predicted</span>
            {gold && <span role="columnheader">Gold</span>}
          </div>
        </div>
        <div role="rowgroup" style={{ height: virtualizer.getTotalSize(), position: 'relative', minWidth: width }}>
          {virtualizer.getVirtualItems().map((v) => (
            <ResultRow
              key={v.key}
              i={v.index}
              top={v.start}
              columns={columns}
              text={rows[v.index]![props.textColumn]!}
              labels={labels}
              thresholds={thresholds}
              scores={props.scores}
              stamp={rowStamp(props.scores, v.index)}
              gold={gold}
            />
          ))}
        </div>
      </div>
    </section>
  );
}
