// Batch slice: read a CSV, label its text column in the worker with progress and cancel, export the result.
import type { StateCreator } from 'zustand';
import { guessTextColumn, noTextColumnWarning } from '../io/columns';
import { checkCsvFile, type ParsedCsv, parseCsv } from '../io/csv';
import { sha256Hex } from '../io/sha256';
import { EngineError } from '../worker/client';
import { buildExportParts, exportFileName } from '../io/export';
import { csvProblem, engineProblem, exportProblem } from './problems';
import {
  applyChunk,
  chunkOf,
  createRun,
  planRun,
  refOf,
  releaseRun,
  republish,
  reusableColumns,
  type RunPlan,
  type RunScores,
  type ScoreChunk,
  type ScoresRef,
  scoresOf,
  shouldPublish,
  unscoredTexts,
} from './run';
import { loadLongText, saveLongText } from './persist';
import { selectBatchThresholds, selectLoadBackend } from './selectors';
import type { LongTextOption } from '../engine/constants';
import { labelSpecs, notReadyProblem, onBackendChange, runLabels } from './textSlice';
import type { AppState, Problem, RunLabel, StoreDeps } from './types';

export type CsvReadStatus = 'idle' | 'reading' | 'ready' | 'error';

export interface CsvFileInfo {
  name: string;
  bytes: number;
  /** Hex SHA-256 of the file's bytes: a saved run is resumed only on the same file. */
  sha256: string;
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
  /** Rows whose text alone could not be scored (run.ts `RunScores.failed` says why). */
  failed: number;
  /** The text column and the model (`modelIdentity`) the scores come from: a later run over the same reuses them. */
  textColumn: number;
  model: string;
  scores: ScoresRef;
}

/**
 * A saved run's description (kept in IndexedDB, io/savedRuns.ts): enough to rebuild its plan on
 * the same file and to check that the same model would finish it.
 */
export interface SavedRunInfo {
  /** Files the run's chunks; new for every run. */
  key: string;
  file: CsvFileInfo;
  textColumn: number;
  labels: RunLabel[];
  /** The label columns the engine is asked for; the others come from the run before, in the first chunk. */
  ask: number[];
  model: string;
  rowCount: number;
  textRows: number;
  complete: boolean;
}

/** A saved chunk: the scores, and the rows done once it was applied (for the resume offer). */
export type SavedChunk = ScoreChunk & { done: number };

/** What the page offers after a reload: the saved run, how far it got, and why it cannot resume yet. */
export interface SavedRunOffer {
  fileName: string;
  done: number;
  total: number;
  complete: boolean;
  /** The source file is kept in the browser; otherwise the user opens it again. */
  fileKept: boolean;
  problem: Problem | null;
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

/**
 * The model scores come from: the bundle and its label facts (labelsKey), the backend and the
 * variant. Scores are reused or resumed only from the same model, so a resumed run equals one
 * that was never interrupted.
 */
export function modelIdentity(s: Pick<AppState, 'labelsKey' | 'ready' | 'longText'>): string {
  if (!s.ready) return '';
  const base = `${s.labelsKey}|${s.ready.backend}|${s.ready.dtype}`;
  // Cut to fit keeps the identity earlier versions saved runs under.
  return s.longText.mode === 'truncate' ? base : `${base}|windows:${s.longText.stride}:${s.longText.aggregate}`;
}

export interface BatchSlice {
  csvFile: CsvFileInfo | null;
  csvStatus: CsvReadStatus;
  /** Fraction of the file read while reading. */
  csvProgress: number;
  csvProblem: Problem | null;
  csvWarnings: string[];
  /** The table read, with the file it came from (`source`, kept for saving the run) and the encoding it was read in (`encoding`). */
  table: (ParsedCsv & { file: CsvFileInfo; source: Blob }) | null;
  textColumn: number;
  batch: BatchResults | null;
  run: BatchRun;
  openCsv: (file: File) => Promise<void>;
  /** Opens the seed news sample served with the app. */
  openSampleCsv: () => Promise<void>;
  setTextColumn: (column: number) => void;
  /** How texts longer than the model reads are scored (cut to fit by default); persisted. */
  longText: LongTextOption;
  /** Sets `longText` (ignored while a run is running); the next run uses it. */
  setLongText: (option: LongTextOption) => void;
  runBatch: () => void;
  cancelBatch: () => void;
  /** Why the last download failed; cleared by the next one. */
  exportProblem: Problem | null;
  /** The labelled CSV as string parts (io/export.ts) and its file name; null without results or when it could not be built (`exportProblem` says why). */
  exportCsv: () => { parts: string[]; fileName: string } | null;
  /** Shows why saving the download failed (the Blob could not be made). */
  reportExportProblem: (error: unknown) => void;
  /** A run saved before the page was reloaded, offered for resuming; null when there is none. */
  savedRun: SavedRunOffer | null;
  /** Looks for a saved run (at start-up). */
  checkSavedRun: () => Promise<void>;
  /** Resumes the saved run where it stopped: restores its table and results and labels only the rows left. */
  resumeRun: () => Promise<void>;
  /** Forgets the saved run. */
  discardSavedRun: () => Promise<void>;
}

/** The seed data set as a CSV served with the app (public/samples/). */
export const SAMPLE_CSV = { url: '/samples/seed-news.csv', name: 'seed-news.csv' } as const;

const IDLE_RUN = { status: 'idle', requestId: null, done: 0, total: 0, elapsedMs: 0, problem: null } as const satisfies BatchRun;

const stopped = (problem: Problem): BatchRun => ({ ...IDLE_RUN, status: 'error', problem });

/** Text of the notice shown once per run when its results cannot be saved. */
function notSavedNotice(error: unknown): string {
  return `This run's results could not be saved in the browser (${error instanceof Error ? error.message : String(error)}): a reload will lose them, so download them when it ends.`;
}

/** The table state for a parsed file, as openCsv and resumeRun set it. */
function tableState(parsed: ParsedCsv, info: CsvFileInfo, source: Blob, textColumn: number, warnings: string[]) {
  return {
    csvStatus: 'ready' as const,
    csvFile: info,
    csvWarnings: warnings,
    table: { ...parsed, file: info, source },
    textColumn,
    batch: null,
    run: { ...IDLE_RUN },
    tuning: null,
  };
}

/** The CSV slice: reading, one streamed run with cancel, saving as it goes and resuming, exporting. */
export const createBatchSlice =
  (deps: StoreDeps): StateCreator<AppState, [], [], BatchSlice> =>
  (set, get, api) => {
    /** The saved run's chunks and file, read at start-up (hot data, outside reactive state). */
    let saved: { meta: SavedRunInfo; file: Blob | null; chunks: SavedChunk[] } | null = null;
    /** Ends a run that waits for the engine to restart (Cancel has no request to cancel then). */
    let stopWaiting: (() => void) | null = null;

    /**
     * Saves a run as it goes, after `begin` (which starts a new saved run; none when resuming one):
     * writes are queued in order, and a failure is told once and stops saving.
     */
    const saver = (meta: SavedRunInfo, begin: ((runs: NonNullable<StoreDeps['runs']>) => Promise<unknown>) | null) => {
      const runs = deps.runs;
      let failed = false;
      let queue: Promise<unknown> = Promise.resolve();
      const write = (op: (runs: NonNullable<StoreDeps['runs']>) => Promise<unknown>) => {
        if (!runs || failed) return;
        queue = queue
          .then(() => op(runs))
          .catch((error: unknown) => {
            if (failed) return;
            failed = true;
            set((st) => ({ notices: [...st.notices, notSavedNotice(error)] }));
          });
      };
      if (begin) write(begin);
      return {
        append: (chunk: ScoreChunk, done: number) => write((r) => r.append(meta.key, { ...chunk, done })),
        end: (complete: boolean) => write((r) => r.update({ ...meta, complete })),
      };
    };

    /** Resolves once the engine is ready again (after a restart); rejects if its reload failed. */
    const engineReady = () =>
      new Promise<void>((resolve, reject) => {
        const check = (st: AppState) => {
          if (st.engineStatus === 'ready') return resolve(), true;
          if (st.engineStatus === 'error') return reject(new Error(st.loadProblem?.message ?? 'The engine could not be restarted.')), true;
          return false;
        };
        if (check(get())) return;
        const stop = api.subscribe((st) => {
          if (check(st)) stop();
        });
      });

    /**
     * Shows `scores` as the current results and asks the engine for every text of `plan` not yet
     * scored, label columns `ask` only; each chunk is applied, saved, and published. After an engine
     * restart the run goes on with the texts still left.
     */
    const label = (plan: RunPlan, scores: RunScores, meta: SavedRunInfo, save: ReturnType<typeof saver>) => {
      const started = deps.now();
      let lastPublished = started;
      const total = plan.textRows;
      const current = (st: AppState) => st.batch?.scores.run === scores.id;
      /** Shows what the buffers hold now: a new ref for readers, progress for the bar. */
      const publish = () => {
        lastPublished = deps.now();
        set((st) =>
          current(st) && st.batch
            ? { batch: { ...st.batch, truncated: scores.truncated, failed: scores.failed.size, scores: republish(st.batch.scores) }, run: { ...st.run, done: scores.done, elapsedMs: lastPublished - started } }
            : {},
        );
      };
      const end = (status: RunStatus, problem: Problem | null = null) => {
        publish();
        set((st) => (current(st) ? { run: { ...st.run, status, requestId: null, problem } } : {}));
        save.end(status === 'done');
      };
      set({ run: { status: 'running', requestId: null, done: scores.done, total, elapsedMs: 0, problem: null } });

      const ask = () => {
        const left = unscoredTexts(scores, plan);
        if (left.length === 0) return end('done');
        const specs = labelSpecs(meta.ask.map((j) => plan.labels[j]!));
        const textOf = (i: number) => {
          const k = left[i];
          if (k === undefined) throw new RangeError(`the engine returned text ${i} of a request of ${left.length}`);
          return k;
        };
        // One request for the texts left: the engine streams results chunk by chunk and hears a
        // cancel between its batches, so Cancel answers within one batch.
        const { id, finished } = get().engine!.classify(
          Array.from(left, (k) => plan.texts[k]!),
          specs,
          (results) => {
            const chunk = chunkOf(results, textOf, meta.ask);
            applyChunk(scores, plan, chunk);
            save.append(chunk, scores.done);
            if (shouldPublish(deps.now(), lastPublished, scores.done, total)) publish();
          },
          onBackendChange(set),
          get().longText,
        );
        set((st) => (current(st) ? { run: { ...st.run, requestId: id } } : {}));
        // A run's end is told only while its results are the ones shown (a newer file or run replaces them).
        finished.then(
          ({ cancelled }) => end(cancelled ? 'cancelled' : 'done'),
          (error: unknown) => {
            if (!(error instanceof EngineError && error.restarted) || !current(get())) return end('error', engineProblem(error, get().ready?.backend ?? 'wasm'));
            publish();
            set((st) => ({ run: { ...st.run, requestId: null } }));
            stopWaiting = () => end('cancelled');
            engineReady().then(
              () => {
                stopWaiting = null;
                if (current(get()) && get().run.status === 'running') ask();
              },
              (reload: unknown) => {
                stopWaiting = null;
                if (current(get()) && get().run.status === 'running') end('error', engineProblem(reload, selectLoadBackend(get())));
              },
            );
          },
        );
      };
      ask();
    };

    return {
      longText: loadLongText(deps.storage),
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
      savedRun: null,

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
        set({ csvStatus: 'reading', csvFile: { name: file.name, bytes: file.size, sha256: '' }, csvProgress: 0, csvProblem: null });
        try {
          const [parsed, sha256] = await Promise.all([
            parseCsv(file, { onProgress: (fraction) => set({ csvProgress: fraction }) }),
            file.arrayBuffer().then((b) => sha256Hex(new Uint8Array(b))),
          ]);
          const info = { name: file.name, bytes: file.size, sha256 };
          const previous = get().batch;
          const noText = noTextColumnWarning(parsed.header, parsed.rows);
          const warnings = [...(check.warning ? [check.warning] : []), ...(noText ? [noText] : []), ...parsed.warnings];
          set(tableState(parsed, info, file, guessTextColumn(parsed.header, parsed.rows), warnings));
          releaseRun(previous?.scores);
          // The file a saved run waits for: it can now resume.
          if (saved && get().savedRun && saved.meta.file.sha256 === sha256) set((st) => ({ savedRun: st.savedRun && { ...st.savedRun, problem: null } }));
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

      setLongText(option) {
        if (get().run.status === 'running') return;
        saveLongText(deps.storage, option);
        set({ longText: option });
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
        const model = modelIdentity(s);
        const scores = createRun(plan);
        const previous = s.batch;
        // Labels scored by the last run over the same texts and model keep their scores: only the others are asked.
        const reuse =
          previous && previous.textColumn === s.textColumn && previous.model === model && s.run.status === 'done'
            ? reusableColumns(scoresOf(previous.scores), previous.labels, plan)
            : null;
        if (reuse) applyChunk(scores, plan, reuse.copy);
        const meta: SavedRunInfo = {
          key: `${s.table.file.sha256}:${deps.now()}`,
          file: s.table.file,
          textColumn: s.textColumn,
          labels: plan.labels,
          ask: reuse ? reuse.ask : plan.labels.map((_, j) => j),
          model,
          rowCount: plan.rowCount,
          textRows: plan.textRows,
          complete: false,
        };
        saved = null;
        set({
          batch: { labels: plan.labels, rowCount: plan.rowCount, truncated: scores.truncated, skippedEmpty: plan.rowCount - plan.textRows, failed: scores.failed.size, textColumn: s.textColumn, model, scores: refOf(scores) },
          tuning: null,
          savedRun: null,
        });
        releaseRun(previous?.scores);
        const source = s.table.source;
        const save = saver(meta, (runs) => runs.start(meta, source));
        if (reuse) save.append(reuse.copy, scores.done);
        label(plan, scores, meta, save);
      },

      async checkSavedRun() {
        if (!deps.runs) return;
        try {
          saved = await deps.runs.load();
        } catch {
          saved = null; // IndexedDB unreadable (private mode): nothing to offer
        }
        if (!saved) return;
        const { meta, file, chunks } = saved;
        set({
          savedRun: {
            fileName: meta.file.name,
            done: chunks.reduce((most, c) => Math.max(most, c.done), 0),
            total: meta.textRows,
            complete: meta.complete,
            fileKept: file !== null,
            problem: file ? null : { message: `Open ${meta.file.name} again to resume.`, hint: 'The file itself could not be kept in this browser; its results were.' },
          },
        });
      },

      async resumeRun() {
        const s = get();
        const offer = s.savedRun;
        if (!saved || !offer || s.run.status === 'running' || s.csvStatus === 'reading') return;
        const { meta, file, chunks } = saved;
        const refuse = (problem: Problem) => set({ savedRun: { ...offer, problem } });
        const notReady = notReadyProblem(s);
        if (notReady) return refuse(notReady);
        if (modelIdentity(s) !== meta.model) {
          return refuse({
            message: `${meta.file.name} was being labelled with another model, backend, precision or long-text setting.`,
            hint: 'Load the model and choose the long-text setting it was started with, or discard the saved run.',
          });
        }
        if (!file && s.table?.file.sha256 !== meta.file.sha256) {
          return refuse({ message: `Open ${meta.file.name} again to resume.`, hint: 'The file itself could not be kept in this browser; its results were. It must be the same file, byte for byte.' });
        }
        if (file) {
          set({ csvStatus: 'reading', csvFile: meta.file, csvProgress: 0, csvProblem: null });
          try {
            const parsed = await parseCsv(file, { onProgress: (fraction) => set({ csvProgress: fraction }) });
            const previous = get().batch;
            set(tableState(parsed, meta.file, file, meta.textColumn, parsed.warnings));
            releaseRun(previous?.scores);
          } catch (error) {
            set({ csvStatus: 'error', csvFile: null, csvProblem: csvProblem(error) });
            return;
          }
        } else {
          set({ textColumn: meta.textColumn });
        }
        const table = get().table!;
        const planned = planRun(table, meta.textColumn, meta.labels);
        if ('problem' in planned || planned.plan.rowCount !== meta.rowCount || planned.plan.textRows !== meta.textRows) {
          return refuse({ message: `${meta.file.name} no longer matches its saved results.`, hint: 'Discard the saved run and label the file again.' });
        }
        const { plan } = planned;
        const scores = createRun(plan);
        for (const chunk of chunks) applyChunk(scores, plan, chunk);
        const previous = get().batch;
        saved = null;
        set({
          savedRun: null,
          batch: { labels: plan.labels, rowCount: plan.rowCount, truncated: scores.truncated, skippedEmpty: plan.rowCount - plan.textRows, failed: scores.failed.size, textColumn: meta.textColumn, model: meta.model, scores: refOf(scores) },
          tuning: null,
        });
        releaseRun(previous?.scores);
        // Goes on appending to the same saved run: its chunks so far stay valid.
        label(plan, scores, meta, saver(meta, null));
      },

      async discardSavedRun() {
        saved = null;
        set({ savedRun: null });
        try {
          await deps.runs?.clear();
        } catch {
          /* nothing more to forget */
        }
      },

      cancelBatch() {
        const { run, engine } = get();
        if (run.status !== 'running') return;
        if (run.requestId !== null) engine?.cancel(run.requestId);
        else stopWaiting?.();
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
            ...(scores.failed.size ? { error: (i: number) => scores.failed.get(i)?.message ?? null } : {}),
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
    };
  };
