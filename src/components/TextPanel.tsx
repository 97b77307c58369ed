// Classify one text: a text box (Ctrl+Enter runs), the run button, and the scores with every term.
import { useId } from 'react';
import { useShallow } from 'zustand/react/shallow';
import { decide } from '../engine/blend';
import { selectTextScoreRows, selectTextStale } from '../store/selectors';
import { useAppStore } from '../store/store';
import { formatDuration } from './format';
import { ProblemBox } from './ProblemBox';
import { ScoreTable } from './ScoreTable';

/** The single-text panel: text box, run button, and the result with every score term. */
export function TextPanel() {
  const { text, run, running, canRun, problem, rows, stale, setText, classifyText } = useAppStore(
    useShallow((s) => ({
      text: s.text,
      run: s.textRun,
      running: s.textRunning,
      canRun: s.engineStatus === 'ready',
      problem: s.textProblem,
      rows: selectTextScoreRows(s),
      stale: selectTextStale(s),
      setText: s.setText,
      classifyText: s.classifyText,
    })),
  );
  const id = useId();
  const onRun = () => void classifyText();
  const predicted = rows.filter((r) => decide(r.score.blended, r.threshold)).map((r) => r.label);
  return (
    <section className="panel text-panel" aria-labelledby="text-title">
      <h2 id="text-title">Classify a text</h2>
      <label htmlFor={id}>Text to classify</label>
      <textarea
        id={id}
        rows={5}
        value={text}
        placeholder="Paste or type a text, e.g. “The central bank raised interest rates to fight inflation.”"
        onChange={(e) => setText(e.target.value)}
        onKeyDown={(e) => {
          if (e.key === 'Enter' && (e.ctrlKey || e.metaKey)) {
            e.preventDefault();
            onRun();
          }
        }}
        aria-describedby={`${id}-help`}
      />
      <div className="row">
        <button type="button" className="primary" onClick={onRun} disabled={running || !canRun} aria-keyshortcuts="Control+Enter">
          {running ? 'Classifying…' : 'Classify'}
        </button>
        <span className="muted" id={`${id}-help`}>
          or press Ctrl+Enter in the box. Nothing leaves this page.
        </span>
      </div>
      <ProblemBox problem={problem} testId="text-problem" />
      {run && (
        <div className="result" data-testid="text-result" data-run={run.seq} aria-live="polite">
          <p className="result-summary">
            <span data-testid="predicted-labels">{predicted.length ? predicted.join(', ') : 'No label reaches its threshold'}</span>
            <span className="muted">
              {' '}
              · {formatDuration(run.elapsedMs)} on <span data-testid="result-backend">{run.backend}</span> ({run.dtype}) · {run.tokens}{run.truncated ? '+' : ''} tokens
              {run.truncated ? ' · the text was cut to fit the model' : ''}
              {run.windows > 1 ? ` · read in ${run.windows} windows` : ''}
            </span>
          </p>
          {stale && <p className="note">Labels or hypotheses changed since this run: classify again to update the scores.</p>}
          <ScoreTable rows={rows} />
        </div>
      )}
    </section>
  );
}
