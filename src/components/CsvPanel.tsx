// CSV batch controls: pick or drop a file, choose the text column, run, watch progress, cancel, download.
import { useId, useRef } from 'react';
import { useShallow } from 'zustand/react/shallow';
import { formatBytes } from '../io/csv';
import { describeEncoding } from '../io/decode';
import { runRates, selectGoldSummary, selectResultNote } from '../store/selectors';
import { useAppStore } from '../store/store';
import { downloadParts } from './download';
import { formatCount, formatDuration } from './format';
import { LongTextSetting } from './LongTextSetting';
import { ProblemBox } from './ProblemBox';

const RUN_TEXT = {
  idle: '',
  running: 'Labelling',
  done: 'Done',
  cancelled: 'Cancelled',
  error: 'Stopped',
} as const;

/** The CSV panel: file picker, text column, run/cancel, progress with rates, download. */
export function CsvPanel() {
  const s = useAppStore(
    useShallow((st) => ({
      file: st.csvFile,
      status: st.csvStatus,
      readProgress: st.csvProgress,
      problem: st.csvProblem,
      warnings: st.csvWarnings,
      header: st.table?.header ?? null,
      rowCount: st.table?.rows.length ?? 0,
      encoding: st.table?.encoding ?? null,
      textColumn: st.textColumn,
      goldSummary: selectGoldSummary(st),
      run: st.run,
      canRun: st.engineStatus === 'ready' && !!st.table && st.csvStatus !== 'reading',
      hasResults: !!st.batch,
      resultNote: selectResultNote(st),
      openCsv: st.openCsv,
      openSampleCsv: st.openSampleCsv,
      setTextColumn: st.setTextColumn,
      runBatch: st.runBatch,
      cancelBatch: st.cancelBatch,
      exportCsv: st.exportCsv,
      exportProblem: st.exportProblem,
      reportExportProblem: st.reportExportProblem,
      savedRun: st.savedRun,
      engineReady: st.engineStatus === 'ready',
      resumeRun: st.resumeRun,
      discardSavedRun: st.discardSavedRun,
    })),
  );
  const download = () => {
    const out = s.exportCsv();
    if (!out) return;
    try {
      downloadParts(out.parts, out.fileName);
    } catch (error) {
      s.reportExportProblem(error);
    }
  };
  const fileId = useId();
  const columnId = useId();
  const input = useRef<HTMLInputElement>(null);
  const { run } = s;
  const rates = runRates(run);
  const running = run.status === 'running';

  return (
    <section className="panel csv" aria-labelledby="csv-title" data-csv-status={s.status}>
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
            if (f) void s.openCsv(f);
            e.target.value = '';
          }}
        />
        <button type="button" className="link" onClick={() => void s.openSampleCsv()} disabled={running}>
          or try the seed news sample (1,000 rows)
        </button>
      </div>
      {s.savedRun && !running && (
        <div className="saved-run" role="group" aria-label="Saved run" data-testid="saved-run" data-done={s.savedRun.done} data-total={s.savedRun.total}>
          <p>
            {s.savedRun.complete ? 'Restore the labelled ' : 'Resume labelling '}
            <strong>{s.savedRun.fileName}</strong>: {formatCount(s.savedRun.done)} of {formatCount(s.savedRun.total)} rows done.
          </p>
          <div className="row">
            <button type="button" className="primary" onClick={() => void s.resumeRun()} disabled={!s.engineReady || s.status === 'reading'}>
              {s.savedRun.complete ? 'Restore results' : 'Resume'}
            </button>
            <button type="button" onClick={() => void s.discardSavedRun()}>
              Discard
            </button>
          </div>
          <ProblemBox problem={s.savedRun.problem} testId="saved-run-problem" />
        </div>
      )}
      {s.hasResults && !running && <p className="muted">Opening another file replaces the results below: download them first if you need them.</p>}

      {s.status === 'reading' && s.file && (
        <div role="status" className="row">
          Reading {s.file.name}… <progress max={1} value={s.readProgress} aria-label="Reading the CSV" />
        </div>
      )}
      <ProblemBox problem={s.problem} testId="csv-problem" />
      {s.warnings.length > 0 && (
        <ul className="warnings" data-testid="csv-warnings">
          {s.warnings.map((w) => (
            <li key={w}>{w}</li>
          ))}
        </ul>
      )}

      {s.header && s.file && (
        <div className="csv-setup">
          <p data-testid="csv-summary">
            <strong>{s.file.name}</strong>: {formatCount(s.rowCount)} rows, {s.header.length} columns, {formatBytes(s.file.bytes)}
            {s.encoding && <span data-testid="csv-encoding">, read as {describeEncoding(s.encoding)}</span>}.
            {s.goldSummary ? ` ${s.goldSummary}` : ''}
          </p>
          <div className="row">
            <label htmlFor={columnId}>Text column</label>
            <select id={columnId} value={s.textColumn} disabled={running} onChange={(e) => s.setTextColumn(Number(e.target.value))}>
              {s.header.map((h, i) => (
                <option key={`${i}-${h}`} value={i}>
                  {h}
                </option>
              ))}
            </select>
            {running ? (
              <button type="button" className="danger" onClick={s.cancelBatch}>
                Cancel
              </button>
            ) : (
              <button type="button" className="primary" onClick={s.runBatch} disabled={!s.canRun}>
                {s.hasResults ? 'Label again' : 'Label all rows'}
              </button>
            )}
            <button type="button" onClick={download} disabled={!s.hasResults || running}>
              Download labelled CSV
            </button>
          </div>
          <LongTextSetting />
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
      <ProblemBox problem={s.exportProblem} testId="export-problem" />
      {s.resultNote && <p className="note">{s.resultNote}</p>}
    </section>
  );
}
