// CSV batch controls: pick or drop a file, choose the text column, run, watch progress, cancel, download.
import { useId, useRef } from 'react';
import { formatBytes } from '../io/csv';
import type { BatchRun, CsvFileInfo, CsvReadStatus, Problem } from '../store/types';
import { formatCount, formatDuration } from './format';
import { ProblemBox } from './ProblemBox';

export interface CsvPanelProps {
  file: CsvFileInfo | null;
  status: CsvReadStatus;
  readProgress: number;
  problem: Problem | null;
  warnings: string[];
  header: string[] | null;
  rowCount: number;
  textColumn: number;
  goldSummary: string | null;
  run: BatchRun;
  rates: { rowsPerSecond: number | null; secondsLeft: number | null; fraction: number };
  canRun: boolean;
  hasResults: boolean;
  resultNote: string | null;
  onFile: (file: File) => void;
  onTextColumn: (column: number) => void;
  onRun: () => void;
  onCancel: () => void;
  onDownload: () => void;
  onSample: () => void;
}

const RUN_TEXT = {
  idle: '',
  running: 'Labelling',
  done: 'Done',
  cancelled: 'Cancelled',
  error: 'Stopped',
} as const;

/** The CSV panel: file picker, text column, run/cancel, progress with rates, download. */
export function CsvPanel(props: CsvPanelProps) {
  const fileId = useId();
  const columnId = useId();
  const input = useRef<HTMLInputElement>(null);
  const { run, rates } = props;
  const running = run.status === 'running';

  return (
    <section className="panel csv" aria-labelledby="csv-title">
      <h2 id="csv-title">Label a CSV</h2>
      <p className="muted">
        Drop a CSV anywhere on this page, or pick one. It needs a header row and a text column; gold labels (0/1 columns named as
        the labels, or one <code>labels</code> column like <code>Finance;Economy</code>) turn on the evaluation.
      </p>
      <div className="row">
        <label htmlFor={fileId} className="button">
          Choose a CSV file…
        </label>
        <input
          ref={input}
          id={fileId}
          className="visually-hidden-input"
          type="file"
          accept=".csv,.tsv,.txt,text/csv,text/plain"
          disabled={running}
          data-testid="csv-input"
          onChange={(e) => {
            const f = e.target.files?.[0];
            if (f) props.onFile(f);
            e.target.value = '';
          }}
        />
        <button type="button" className="link" onClick={props.onSample} disabled={running}>
          or try the seed news sample (1,000 rows)
        </button>
      </div>
      {props.hasResults && !running && <p className="muted">Opening another file replaces the results below: download them first if you need them.</p>}

      {props.status === 'reading' && props.file && (
        <div role="status" className="row">
          Reading {props.file.name}… <progress max={1} value={props.readProgress} aria-label="Reading the CSV" />
        </div>
      )}
      <ProblemBox problem={props.problem} testId="csv-problem" />
      {props.warnings.length > 0 && (
        <ul className="warnings" data-testid="csv-warnings">
          {props.warnings.map((w) => (
            <li key={w}>{w}</li>
          ))}
        </ul>
      )}

      {props.header && props.file && (
        <div className="csv-setup">
          <p data-testid="csv-summary">
            <strong>{props.file.name}</strong>: {formatCount(props.rowCount)} rows, {props.header.length} columns, {formatBytes(props.file.bytes)}.
            {props.goldSummary ? ` ${props.goldSummary}` : ''}
          </p>
          <div className="row">
            <label htmlFor={columnId}>Text column</label>
            <select id={columnId} value={props.textColumn} disabled={running} onChange={(e) => props.onTextColumn(Number(e.target.value))}>
              {props.header.map((h, i) => (
                <option key={`${i}-${h}`} value={i}>
                  {h}
                </option>
              ))}
            </select>
            {running ? (
              <button type="button" className="danger" onClick={props.onCancel}>
                Cancel
              </button>
            ) : (
              <button type="button" className="primary" onClick={props.onRun} disabled={!props.canRun}>
                {props.hasResults ? 'Label again' : 'Label all rows'}
              </button>
            )}
            <button type="button" onClick={props.onDownload} disabled={!props.hasResults || running}>
              Download labelled CSV
            </button>
          </div>
        </div>
      )}

      {run.status !== 'idle' && (
        <div className="progress" data-testid="batch-progress" data-status={run.status} data-done={run.done} data-total={run.total}>
          <progress max={1} value={rates.fraction} aria-label="Rows labelled" />
          <p role="status" aria-live="polite">
            {RUN_TEXT[run.status]}: {formatCount(run.done)} of {formatCount(run.total)} rows
            {rates.rowsPerSecond !== null && ` · ${rates.rowsPerSecond.toFixed(rates.rowsPerSecond < 10 ? 1 : 0)} rows/s`}
            {running && rates.secondsLeft !== null && ` · about ${formatDuration(rates.secondsLeft * 1000)} left`}
            {!running && run.elapsedMs > 0 && ` · took ${formatDuration(run.elapsedMs)}`}
          </p>
        </div>
      )}
      <ProblemBox problem={run.problem} testId="batch-problem" />
      {props.resultNote && <p className="note">{props.resultNote}</p>}
    </section>
  );
}
