// Classify one text: a text box (Ctrl+Enter runs), the run button, and the scores with every term.
import { useId } from 'react';
import { decide } from '../engine/blend';
import type { Problem, TextRun } from '../store/types';
import { formatDuration } from './format';
import { ProblemBox } from './ProblemBox';
import { type ScoreRow, ScoreTable } from './ScoreTable';

export interface TextPanelProps {
  text: string;
  running: boolean;
  canRun: boolean;
  problem: Problem | null;
  run: TextRun | null;
  rows: ScoreRow[];
  /** The labels or hypotheses changed since this result was computed. */
  stale: boolean;
  onText: (text: string) => void;
  onRun: () => void;
}

/** The single-text panel: text box, run button, and the result with every score term. */
export function TextPanel(props: TextPanelProps) {
  const id = useId();
  const { run } = props;
  const predicted = props.rows.filter((r) => decide(r.score.blended, r.threshold)).map((r) => r.label);
  return (
    <section className="panel text-panel" aria-labelledby="text-title">
      <h2 id="text-title">Classify a text</h2>
      <label htmlFor={id}>Text to classify</label>
      <textarea
        id={id}
        rows={5}
        value={props.text}
        placeholder="Paste or type a text, e.g. “The central bank raised interest rates to fight inflation.”"
        onChange={(e) => props.onText(e.target.value)}
        onKeyDown={(e) => {
          if (e.key === 'Enter' && (e.ctrlKey || e.metaKey)) {
            e.preventDefault();
            props.onRun();
          }
        }}
        aria-describedby={`${id}-help`}
      />
      <div className="row">
        <button type="button" className="primary" onClick={props.onRun} disabled={props.running || !props.canRun} aria-keyshortcuts="Control+Enter">
          {props.running ? 'Classifying…' : 'Classify'}
        </button>
        <span className="muted" id={`${id}-help`}>
          or press Ctrl+Enter in the box. Nothing leaves this page.
        </span>
      </div>
      <ProblemBox problem={props.problem} testId="text-problem" />
      {run && (
        <div className="result" data-testid="text-result" data-run={run.seq} aria-live="polite">
          <p className="result-summary">
            <span data-testid="predicted-labels">{predicted.length ? predicted.join(', ') : 'No label reaches its threshold'}</span>
            <span className="muted">
              {' '}
              · {formatDuration(run.elapsedMs)} on <span data-testid="result-backend">{run.backend}</span> ({run.dtype}) · {run.tokens} tokens
              {run.truncated ? ' · the text was cut to fit the model' : ''}
            </span>
          </p>
          {props.stale && <p className="note">Labels or hypotheses changed since this run: classify again to update the scores.</p>}
          <ScoreTable rows={props.rows} />
        </div>
      )}
    </section>
  );
}
