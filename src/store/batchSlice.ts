// Batch slice: read a CSV, label its text column in the worker with progress and cancel, export the result.
import type { StateCreator } from 'zustand';
import { guessTextColumn, noTextColumnWarning } from '../io/columns';
import { checkCsvFile, type ParsedCsv, parseCsv } from '../io/csv';
import { buildExportParts, exportFileName } from '../io/export';
import { csvProblem, engineProblem, exportProblem } from './problems';
import { applyChunk, createRun, planRun, refOf, releaseRun, republish, type ScoresRef, scoresOf, shouldPublish } from './run';
import { selectBatchThresholds } from './selectors';
import { labelSpecs, notReadyProblem, onBackendChange, runLabels } from './textSlice';
import type { AppState, Problem, RunLabel, StoreDeps } from './types';

export type CsvReadStatus = 'idle' | 'reading' | 'ready' | 'error';

export interface CsvFileInfo {
  name: string;
  bytes: number;
}

/**
 * The results of a CSV run as reactive state: facts of the run and a ref to its score buffers
 * (run.ts `scoresOf`). Replaced, never changed, whenever the buffers were filled further.
 */
export interface BatchResults {
  labels: RunLabel[];
  /** Rows of the table the run covered. */
  rowCount: number;
  /** Scored rows whose text was cut to fit the model. */
  truncated: number;
  /** Rows whose text was empty, which the run did not send. */
  skippedEmpty: number;
  scores: ScoresRef;
}

export const RUN_STATUSES = ['idle', 'running', 'done', 'cancelled', 'error'] as const;
export type RunStatus = (typeof RUN_STATUSES)[number];

export interface BatchRun {
  status: RunStatus;
  /** The classify request of a running run (what Cancel cancels). */
  requestId: number | null;
  done: number;
  total: number;
  elapsedMs: number;
  problem: Problem | null;
}

export interface BatchSlice {
  csvFile: CsvFileInfo | null;
  csvStatus: CsvReadStatus;
  /** Fraction of the file read while reading. */
  csvProgress: number;
  csvProblem: Problem | null;
  csvWarnings: string[];
  /** The table read, with the file it came from and the encoding it was read in (`encoding`). */
  table: (ParsedCsv & { file: CsvFileInfo }) | null;
  textColumn: number;
  batch: BatchResults | null;
  run: BatchRun;
  openCsv: (file: File) => Promise<void>;
  /** Opens the seed news sample served with the app. */
  openSampleCsv: () => Promise<void>;
  setTextColumn: (column: number) => void;
  runBatch: () => void;
  cancelBatch: () => void;
  /** Why the last download failed; cleared by the next one. */
  exportProblem: Problem | null;
  /** The labelled CSV as string parts (io/export.ts) and its file name; null without results or when it could not be built (`exportProblem` says why). */
  exportCsv: () => { parts: string[]; fileName: string } | null;
  /** Shows why saving the download failed (the Blob could not be made). */
  reportExportProblem: (error: unknown) => void;
}

/** The seed data set as a CSV served with the app (public/samples/). */
export const SAMPLE_CSV = { url: '/samples/seed-news.csv', name: 'seed-news.csv' } as const;

const IDLE_RUN = { status: 'idle', requestId: null, done: 0, total: 0, elapsedMs: 0, problem: null } as const satisfies BatchRun;

const stopped = (problem: Problem): BatchRun => ({ ...IDLE_RUN, status: 'error', problem });

/** The CSV slice: reading, one streamed run with cancel, exporting. */
export const createBatchSlice =
  (deps: StoreDeps): StateCreator<AppState, [], [], BatchSlice> =>
  (set, get) => ({
    csvFile: null,
    csvStatus: 'idle',
    csvProgress: 0,
    csvProblem: null,
    csvWarnings: [],
    table: null,
    textColumn: 0,
    batch: null,
    run: { ...IDLE_RUN },
    exportProblem: null,

    async openCsv(file) {
      if (get().run.status === 'running') {
        set({ csvProblem: { message: `Not opening ${file.name}: a CSV is being labelled.`, hint: 'Cancel the run or wait for it to finish first.' } });
        return;
      }
      if (get().csvStatus === 'reading') return;
      const check = checkCsvFile(file.name, file.size);
      if (!check.ok) {
        set({ csvProblem: { message: check.message, hint: get().table ? 'Your current table and results are unchanged.' : '' } });
        return;
      }
      const info = { name: file.name, bytes: file.size };
      set({ csvStatus: 'reading', csvFile: info, csvProgress: 0, csvProblem: null });
      try {
        const parsed = await parseCsv(file, { onProgress: (fraction) => set({ csvProgress: fraction }) });
        const previous = get().batch;
        const noText = noTextColumnWarning(parsed.header, parsed.rows);
        set({
          csvStatus: 'ready',
          csvWarnings: [...(check.warning ? [check.warning] : []), ...(noText ? [noText] : []), ...parsed.warnings],
          table: { ...parsed, file: info },
          textColumn: guessTextColumn(parsed.header, parsed.rows),
          batch: null,
          run: { ...IDLE_RUN },
          tuning: null,
        });
        releaseRun(previous?.scores);
      } catch (error) {
        const previous = get().table;
        set({ csvStatus: previous ? 'ready' : 'error', csvFile: previous?.file ?? null, csvProblem: csvProblem(error) });
      }
    },

    async openSampleCsv() {
      let file: File;
      try {
        file = await deps.fetchFile(SAMPLE_CSV.url, SAMPLE_CSV.name);
      } catch (error) {
        set({ csvProblem: { message: `The sample could not be loaded (${String(error)}).`, hint: 'Reload the page and try again.' } });
        return;
      }
      await get().openCsv(file);
    },

    setTextColumn(column) {
      const table = get().table;
      if (!table || column < 0 || column >= table.header.length || get().run.status === 'running') return;
      set({ textColumn: column });
    },

    runBatch() {
      const s = get();
      // Not while a new file is being read: its table would replace this run's rows under it.
      if (!s.table || s.run.status === 'running' || s.csvStatus === 'reading') return;
      const problem =
        notReadyProblem(s) ?? (s.textRunning ? { message: 'A text is being classified.', hint: 'Run the CSV again in a moment.' } : null);
      if (problem) return set({ run: stopped(problem) });
      const planned = planRun(s.table, s.textColumn, runLabels(s.labels));
      if ('problem' in planned) return set({ run: stopped(planned.problem) });

      const { plan } = planned;
      const scores = createRun(plan);
      const previous = s.batch;
      const total = plan.texts.length;
      set({
        batch: { labels: plan.labels, rowCount: plan.rowCount, truncated: 0, skippedEmpty: plan.rowCount - total, scores: refOf(scores) },
        tuning: null,
        run: { status: 'running', requestId: null, done: 0, total, elapsedMs: 0, problem: null },
      });
      releaseRun(previous?.scores);

      const started = deps.now();
      let lastPublished = started;
      let done = 0;
      /** Shows what the buffers hold now: a new ref for readers, progress for the bar. */
      const publish = () => {
        lastPublished = deps.now();
        set((st) =>
          st.batch?.scores.run === scores.id
            ? { batch: { ...st.batch, truncated: scores.truncated, scores: republish(st.batch.scores) }, run: { ...st.run, done, elapsedMs: lastPublished - started } }
            : {},
        );
      };
      // One request for the whole run: the engine streams results chunk by chunk and hears a
      // cancel between its batches, so Cancel answers within one batch.
      const { id, finished } = s.engine!.classify(
        plan.texts,
        labelSpecs(plan.labels),
        (results, doneSoFar) => {
          applyChunk(scores, plan, results);
          done = doneSoFar;
          if (shouldPublish(deps.now(), lastPublished, done, total)) publish();
        },
        onBackendChange(set),
      );
      set((st) => ({ run: { ...st.run, requestId: id } }));
      // A run's end is told only while its results are the ones shown (a newer file or run replaces them).
      const current = (st: AppState) => st.batch?.scores.run === scores.id;
      finished.then(
        ({ cancelled }) => {
          publish();
          set((st) => (current(st) ? { run: { ...st.run, status: cancelled ? 'cancelled' : 'done', requestId: null } } : {}));
        },
        (error: unknown) => {
          publish();
          set((st) => (current(st) ? { run: { ...st.run, status: 'error', requestId: null, problem: engineProblem(error, 'classify') } } : {}));
        },
      );
    },

    cancelBatch() {
      const { run, engine } = get();
      if (run.status === 'running' && run.requestId !== null) engine?.cancel(run.requestId);
    },

    exportCsv() {
      const s = get();
      const { table, batch } = s;
      if (!table || !batch) return null;
      const scores = scoresOf(batch.scores);
      const L = batch.labels.length;
      try {
        const parts = buildExportParts({
          header: table.header,
          rows: table.rows,
          labels: batch.labels.map((l) => l.name),
          thresholds: selectBatchThresholds(s),
          score: (i, j) => {
            if (!scores.scored[i]) return null;
            const poly = scores.poly[i * L + j]!;
            return { nli: scores.nli[i * L + j]!, poly: Number.isNaN(poly) ? null : poly, blended: scores.blended[i * L + j]! };
          },
        });
        set({ exportProblem: null });
        return { parts, fileName: exportFileName(table.file.name) };
      } catch (error) {
        set({ exportProblem: exportProblem(error) });
        return null;
      }
    },

    reportExportProblem(error) {
      set({ exportProblem: exportProblem(error) });
    },
  });
