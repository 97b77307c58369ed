// Evaluation against the CSV's gold labels in the original model's format, and threshold tuning with a CV estimate.
import { useShallow } from 'zustand/react/shallow';
import type { EvaluationRow } from '../io/evaluation';
import type { MultiLabelMetrics } from '../io/metrics';
import { selectEvaluatedThresholds, selectEvaluation, selectEvaluationData, selectGold } from '../store/selectors';
import { useAppStore } from '../store/store';
import { fmt, raw } from './format';

const METRICS = [
  ['macroF1', 'Macro F1'],
  ['hammingAccuracy', 'Hamming acc.'],
  ['exactMatch', 'Exact match'],
  ['macroPrecision', 'Macro P'],
  ['macroRecall', 'Macro R'],
] as const satisfies ReadonlyArray<readonly [keyof MultiLabelMetrics, string]>;

/** One system's metrics: the five summary figures, then F1 per label. */
function MetricRow({ row, labels, proposal }: { row: EvaluationRow; labels: string[]; proposal?: boolean }) {
  return (
    <tr data-system={row.key} className={proposal ? 'proposal' : undefined}>
      <th scope="row">
        {row.system}
        {row.note && <span className="row-note">{row.note}</span>}
      </th>
      {METRICS.map(([key]) => (
        <td key={key} className="num" data-metric={key} data-value={raw(row.metrics[key])}>
          {fmt(row.metrics[key], 4)}
        </td>
      ))}
      {labels.map((l, j) => (
        <td key={l} className="num" data-metric={`f1:${l}`} data-value={raw(row.metrics.perLabel[j]!.f1)}>
          {fmt(row.metrics.perLabel[j]!.f1, 4)}
        </td>
      ))}
    </tr>
  );
}

/** The evaluation table (NLI baseline vs hybrid) and the tuning proposal with Apply / Discard; nothing without gold or while running. */
export function EvaluationPanel() {
  const s = useAppStore(
    useShallow((st) => ({
      rows: selectEvaluation(st),
      data: selectEvaluationData(st),
      notes: selectGold(st)?.notes,
      currentThresholds: selectEvaluatedThresholds(st),
      tuning: st.tuning,
      tune: st.tuneThresholds,
      apply: st.applyTuning,
      discard: st.discardTuning,
    })),
  );
  const { rows, data, tuning, currentThresholds } = s;
  if (!rows || !data || !currentThresholds) return null;
  const labels = data.labels;
  const notes = s.notes ?? [];
  return (
    <section className="panel evaluation" aria-labelledby="eval-title" data-testid="evaluation">
      <h2 id="eval-title">Evaluation against the gold labels</h2>
      <p className="muted">
        {data.rows.length} labelled rows with gold labels. NLI baseline: the NLI score alone at 0.5. Hybrid: the blended score at
        the thresholds set above (moving a slider updates this table).
      </p>
      {notes.length > 0 && (
        <ul className="warnings">
          {notes.map((n) => (
            <li key={n}>{n}</li>
          ))}
        </ul>
      )}
      <div className="table-scroll">
        <table className="metrics" data-testid="evaluation-table">
          <caption className="sr-only">Evaluation metrics per system</caption>
          <thead>
            <tr>
              <td colSpan={1 + METRICS.length} />
              <th scope="colgroup" colSpan={labels.length} className="group">
                F1 per label
              </th>
            </tr>
            <tr>
              <th scope="col">System</th>
              {METRICS.map(([key, name]) => (
                <th scope="col" key={key}>
                  {name}
                </th>
              ))}
              {labels.map((l) => (
                <th scope="col" key={l} aria-label={`F1 ${l}`}>
                  {l}
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {rows.map((r) => (
              <MetricRow key={r.key} row={r} labels={labels} />
            ))}
            {tuning && <MetricRow row={tuning.inSample} labels={labels} proposal />}
            {tuning && <MetricRow row={tuning.crossValidated} labels={labels} proposal />}
          </tbody>
        </table>
      </div>

      {!tuning ? (
        <button type="button" onClick={s.tune}>
          Tune thresholds on this data
        </button>
      ) : (
        <div className="tuning" data-testid="tuning" role="region" aria-label="Tuned thresholds">
          <p>
            Per label, the threshold in 0.01…0.98 with the best F1 on these rows. The in-sample macro F1 (
            <strong data-testid="tuned-in-sample">{fmt(tuning.inSample.metrics.macroF1, 4)}</strong>) is optimistic; the{' '}
            {tuning.perFold.length}-fold cross-validated estimate (<strong data-testid="tuned-cv">{fmt(tuning.crossValidated.metrics.macroF1, 4)}</strong>) is
            what to expect on new rows like these.
          </p>
          <div className="table-scroll">
            <table className="metrics">
              <thead>
                <tr>
                  <th scope="col">Threshold</th>
                  {labels.map((l) => (
                    <th scope="col" key={l}>
                      {l}
                    </th>
                  ))}
                </tr>
              </thead>
              <tbody>
                <tr>
                  <th scope="row">Current</th>
                  {currentThresholds.map((t, j) => (
                    <td className="num" key={labels[j]}>
                      {t.toFixed(2)}
                    </td>
                  ))}
                </tr>
                <tr data-testid="tuned-thresholds">
                  <th scope="row">Tuned</th>
                  {tuning.thresholds.map((t, j) =>
                    t === null ? (
                      <td className="num" key={labels[j]} data-label={labels[j]} data-value="" title="no positive gold row: kept as it is">
                        —
                      </td>
                    ) : (
                      <td className="num" key={labels[j]} data-label={labels[j]} data-value={String(t)}>
                        {t.toFixed(2)}
                      </td>
                    ),
                  )}
                </tr>
                <tr>
                  <th scope="row">CV (mean over folds)</th>
                  {tuning.crossValidated.thresholds.map((t, j) => (
                    <td className="num" key={labels[j]}>
                      {t.toFixed(2)}
                    </td>
                  ))}
                </tr>
              </tbody>
            </table>
          </div>
          {tuning.untunable.length > 0 && (
            <ul className="warnings" data-testid="tuning-warnings">
              {tuning.untunable.map((m) => (
                <li key={m}>{`${m[0]!.toUpperCase()}${m.slice(1)}. Its current threshold stays.`}</li>
              ))}
            </ul>
          )}
          <div className="row">
            <button type="button" className="primary" onClick={s.apply}>
              Apply tuned thresholds
            </button>
            <button type="button" onClick={s.discard}>
              Discard
            </button>
          </div>
        </div>
      )}
    </section>
  );
}
