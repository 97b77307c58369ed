// Top-level layout: wires the store to the display components; the only place that reads the store.
import { useCallback, useEffect, useMemo } from 'react';
import { useShallow } from 'zustand/react/shallow';
import { CsvPanel } from '../components/CsvPanel';
import { DemoBanner } from '../components/DemoBanner';
import { DropOverlay } from '../components/DropOverlay';
import { EvaluationPanel } from '../components/EvaluationPanel';
import { Histograms } from '../components/Histograms';
import { LabelsPanel } from '../components/LabelsPanel';
import { ModelStatus } from '../components/ModelStatus';
import { ResultsTable } from '../components/ResultsTable';
import type { ScoreRow } from '../components/ScoreTable';
import { TextPanel } from '../components/TextPanel';
import { getAppStore, useAppStore } from '../store/store';
import {
  runRates,
  selectBatchStale,
  selectBatchThresholds,
  selectEvaluation,
  selectEvaluationData,
  selectGold,
  selectHistograms,
} from '../store/selectors';
import { downloadText } from './download';
import { useDocumentDrop } from './useDocumentDrop';

/** The seed data set as a CSV served with the app (public/samples/). */
export const SAMPLE_CSV = { url: '/samples/seed-news.csv', name: 'seed-news.csv' } as const;

function Notices() {
  const notices = useAppStore((s) => s.notices);
  const dismiss = useAppStore((s) => s.dismissNotice);
  if (notices.length === 0) return null;
  return (
    <ul className="notices" aria-label="Notices">
      {notices.map((n, i) => (
        <li key={`${i}-${n}`} role="status">
          {n}{' '}
          <button type="button" className="link" onClick={() => dismiss(i)} aria-label="Dismiss notice">
            Dismiss
          </button>
        </li>
      ))}
    </ul>
  );
}

function ModelSection() {
  const s = useAppStore(
    useShallow((st) => ({
      status: st.engineStatus,
      bundleLabel: st.bundleLabel,
      stage: st.loadStage,
      files: st.loadFiles,
      ready: st.ready,
      problem: st.loadProblem,
      busy: st.run.status === 'running',
      loadBundleUrl: st.loadBundleUrl,
      loadBundle: st.loadBundle,
    })),
  );
  return (
    <>
      {s.ready?.manifest.demo && <DemoBanner name={s.ready.manifest.name} />}
      <ModelStatus
        status={s.status}
        bundleLabel={s.bundleLabel}
        stage={s.stage}
        files={s.files}
        ready={s.ready}
        problem={s.problem}
        busy={s.busy}
        onLoadUrl={s.loadBundleUrl}
        onLoadFolder={(files, label) => void s.loadBundle({ kind: 'files', files, label })}
      />
    </>
  );
}

function LabelsSection() {
  const s = useAppStore(
    useShallow((st) => ({
      labels: st.labels,
      template: st.hypothesisTemplate,
      setThreshold: st.setThreshold,
      resetThresholds: st.resetThresholds,
      addLabel: st.addLabel,
      removeLabel: st.removeLabel,
      setHypothesis: st.setHypothesis,
      resetHypothesis: st.resetHypothesis,
    })),
  );
  return (
    <LabelsPanel
      labels={s.labels}
      template={s.template}
      onThreshold={s.setThreshold}
      onResetThresholds={s.resetThresholds}
      onAdd={s.addLabel}
      onRemove={s.removeLabel}
      onHypothesis={s.setHypothesis}
      onResetHypothesis={s.resetHypothesis}
    />
  );
}

function TextSection() {
  const s = useAppStore(
    useShallow((st) => ({
      text: st.text,
      run: st.textRun,
      running: st.textRunning,
      problem: st.textProblem,
      labels: st.labels,
      ready: st.engineStatus === 'ready',
      setText: st.setText,
      classify: st.classifyText,
    })),
  );
  const rows: ScoreRow[] = useMemo(
    () =>
      (s.run?.labels ?? []).map((l, j) => ({
        label: l.name,
        score: s.run!.scores[j]!,
        threshold: s.labels.find((c) => c.name === l.name)?.threshold ?? l.threshold,
      })),
    [s.run, s.labels],
  );
  const stale =
    !!s.run && (s.run.labels.length !== s.labels.length || s.run.labels.some((l, j) => s.labels[j]?.name !== l.name || s.labels[j]?.hypothesis !== l.hypothesis));
  return (
    <TextPanel
      text={s.text}
      running={s.running}
      canRun={s.ready}
      problem={s.problem}
      run={s.run}
      rows={rows}
      stale={stale}
      onText={s.setText}
      onRun={() => void s.classify()}
    />
  );
}

function CsvSection({ onSample }: { onSample: () => void }) {
  const s = useAppStore(
    useShallow((st) => ({
      file: st.csvFile,
      status: st.csvStatus,
      progress: st.csvProgress,
      problem: st.csvProblem,
      warnings: st.csvWarnings,
      table: st.table,
      textColumn: st.textColumn,
      run: st.run,
      batch: st.batch,
      ready: st.engineStatus === 'ready',
      stale: selectBatchStale(st),
      gold: selectGold(st),
      openCsv: st.openCsv,
      setTextColumn: st.setTextColumn,
      runBatch: st.runBatch,
      cancelBatch: st.cancelBatch,
    })),
  );
  const batch = s.batch;
  const notes: string[] = [];
  if (batch && s.run.status !== 'running') {
    if (batch.skippedEmpty) notes.push(`${batch.skippedEmpty} rows have no text and were not labelled.`);
    if (batch.truncated) notes.push(`${batch.truncated} texts were cut to fit the model.`);
    if (s.stale) notes.push('Labels or hypotheses changed since this run: label again to score them.');
  }
  const goldSummary = s.gold
    ? `Gold labels found (${s.gold.source.kind === 'columns' ? '0/1 columns' : `column '${s.table?.header[s.gold.source.column]}'`}) for ${s.gold.labels.join(', ')}.`
    : s.table && batch
      ? 'No gold labels for the current labels: no evaluation.'
      : null;
  return (
    <CsvPanel
      file={s.file}
      status={s.status}
      readProgress={s.progress}
      problem={s.problem}
      warnings={s.warnings}
      header={s.table?.header ?? null}
      rowCount={s.table?.rows.length ?? 0}
      textColumn={s.textColumn}
      goldSummary={goldSummary}
      run={s.run}
      rates={runRates(s.run)}
      canRun={s.ready && !!s.table}
      hasResults={!!batch}
      resultNote={notes.length ? notes.join(' ') : null}
      onFile={(f) => void s.openCsv(f)}
      onTextColumn={s.setTextColumn}
      onRun={s.runBatch}
      onCancel={s.cancelBatch}
      onDownload={() => {
        const out = getAppStore().getState().exportCsv();
        if (out) downloadText(out.csv, out.fileName);
      }}
      onSample={onSample}
    />
  );
}

function ResultsSection() {
  const s = useAppStore(
    useShallow((st) => ({
      table: st.table,
      textColumn: st.textColumn,
      batch: st.batch,
      version: st.batchVersion,
      thresholds: selectBatchThresholds(st),
      gold: selectGold(st),
      histograms: selectHistograms(st),
    })),
  );
  const { table, batch, gold } = s;
  const goldOf = useMemo(() => (gold ? (row: number) => gold.labels.filter((_, j) => gold.y[j]![row] === 1) : null), [gold]);
  if (!table || !batch || batch.rowCount !== table.rows.length) return null;
  return (
    <>
      <ResultsTable
        rows={table.rows}
        textColumn={s.textColumn}
        labels={batch.labels.map((l) => l.name)}
        thresholds={s.thresholds}
        blended={batch.blended}
        nli={batch.nli}
        poly={batch.poly}
        scored={batch.scored}
        gold={goldOf}
        version={s.version}
      />
      <EvaluationSection />
      <Histograms histograms={s.histograms} split={!!gold} />
    </>
  );
}

function EvaluationSection() {
  const s = useAppStore(
    useShallow((st) => ({
      rows: selectEvaluation(st),
      data: selectEvaluationData(st),
      gold: selectGold(st),
      tuning: st.tuning,
      labels: st.labels,
      tune: st.tuneThresholds,
      apply: st.applyTuning,
      discard: st.discardTuning,
    })),
  );
  if (!s.rows || !s.data) return null;
  const current = s.data.labels.map((name) => s.labels.find((l) => l.name === name)?.threshold ?? Number.NaN);
  return (
    <EvaluationPanel
      labels={s.data.labels}
      rows={s.rows}
      evaluatedRows={s.data.rows.length}
      notes={s.gold?.notes ?? []}
      tuning={s.tuning}
      currentThresholds={current}
      onTune={s.tune}
      onApply={s.apply}
      onDiscard={s.discard}
    />
  );
}

/** The whole page. */
export function App() {
  const init = useAppStore((s) => s.init);
  const openCsv = useAppStore((s) => s.openCsv);
  useEffect(() => init(), [init]);
  const onFile = useCallback((f: File) => void openCsv(f), [openCsv]);
  const dragging = useDocumentDrop(onFile);
  const onSample = useCallback(async () => {
    try {
      const response = await fetch(SAMPLE_CSV.url);
      if (!response.ok) throw new Error(`HTTP ${response.status}`);
      const blob = await response.blob();
      await openCsv(new File([blob], SAMPLE_CSV.name, { type: 'text/csv' }));
    } catch (error) {
      getAppStore().setState({ csvProblem: { message: `The sample could not be loaded (${String(error)}).`, hint: 'Reload the page and try again.' } });
    }
  }, [openCsv]);

  return (
    <div className="app">
      <a className="skip-link" href="#text-title">
        Skip to the classifier
      </a>
      <header className="app-header">
        <h1>Zero-shot classifier</h1>
        <p className="tagline">Multi-label text classification that runs entirely in your browser. Nothing you type or drop leaves this page.</p>
      </header>
      <Notices />
      <ModelSection />
      <main className="layout">
        <div className="col-side">
          <LabelsSection />
        </div>
        <div className="col-main">
          <TextSection />
          <CsvSection onSample={() => void onSample()} />
        </div>
      </main>
      <div className="wide">
        <ResultsSection />
      </div>
      <DropOverlay visible={dragging} />
    </div>
  );
}
