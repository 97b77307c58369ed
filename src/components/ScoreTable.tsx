// Every term of every score of one text: NLI, poly, alpha, blended (bar with threshold), threshold, decision.
import { decide } from '../engine/blend';
import type { ScoreRow } from '../store/selectors';
import { fmt, raw } from './format';
import { ScoreBar } from './ScoreBar';

/** One row per label; each row carries the full-precision values as data-* attributes. */
export function ScoreTable({ rows }: { rows: ScoreRow[] }) {
  return (
    <div className="table-scroll">
      <table className="scores" data-testid="score-table">
        <caption className="sr-only">Scores per label</caption>
        <thead>
          <tr>
            <th scope="col">Label</th>
            <th scope="col" title="Entailment probability of the NLI model">
              NLI
            </th>
            <th scope="col" title="PolyEncoder head, sigmoid of its logit">
              Poly
            </th>
            <th scope="col" title="Weight of NLI in the blend">
              α
            </th>
            <th scope="col">Score (α·NLI + (1−α)·Poly)</th>
            <th scope="col">Threshold</th>
            <th scope="col">Predicted</th>
          </tr>
        </thead>
        <tbody>
          {rows.map(({ label, score, threshold }) => {
            const predicted = decide(score.blended, threshold);
            return (
              <tr
                key={label}
                className={predicted ? 'predicted' : undefined}
                data-label={label}
                data-nli={raw(score.nli)}
                data-poly={raw(score.poly)}
                data-alpha={raw(score.alpha)}
                data-blended={raw(score.blended)}
                data-threshold={raw(threshold)}
                data-predicted={String(predicted)}
              >
                <th scope="row">{label}</th>
                <td className="num" data-name="NLI">
                  {fmt(score.nli)}
                </td>
                <td className="num" data-name="Poly">
                  {fmt(score.poly)}
                </td>
                <td className="num" data-name="α">
                  {fmt(score.alpha, 2)}
                </td>
                <td className="score-cell" data-name="Score">
                  <div className="bar-cell">
                    <span className="num">{fmt(score.blended)}</span>
                    <ScoreBar value={score.blended} threshold={threshold} predicted={predicted} />
                  </div>
                </td>
                <td className="num" data-name="Threshold">
                  {threshold.toFixed(2)}
                </td>
                <td className="decision" data-name="Predicted">
                  {predicted ? <strong>✓ yes</strong> : <span className="muted">no</span>}
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}
