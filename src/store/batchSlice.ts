// Batch slice: read a CSV, label its text column in the worker with progress and cancel, export the result.
import type { StateCreator } from 'zustand';
import { guessTextColumn } from '../io/columns';
import { checkCsvFile, parseCsv } from '../io/csv';
import { buildExportCsv, exportFileName } from '../io/export';
import { csvProblem, engineProblem } from './problems';
import { labelSpecs, notReadyProblem, onBackendChange, runLabels } from './textSlice';
import type { AppState, BatchResults, BatchSlice, StoreDeps } from './types';

/** How often (ms) streamed results are published to the UI; arrays fill in between. */
export const PUBLISH_INTERVAL_MS = 200;

const IDLE_RUN = { status: 'idle', requestId: null, done: 0, total: 0, elapsedMs: 0, problem: null } as const;

/** Empty result arrays for `rows` table rows and the given labels. */
export function emptyResults(rows: number, base: Omit<BatchResults, 'nli' | 'poly' | 'blended' | 'scored' | 'rowCount'>): BatchResults {
  const n = rows * base.labels.length;
  return {
    ...base,
    nli: new Float64Array(n).fill(Number.NaN),
    poly: new Float64Array(n).fill(Number.NaN),
    blended: new Float64Array(n).fill(Number.NaN),
    scored: new Uint8Array(rows),
    rowCount: rows,
  };
}

/** Thresholds for the batch's labels: the current ones by name, else those the run used. */
export function batchThresholds(s: Pick<AppState, 'batch' | 'labels'>): number[] {
  return (s.batch?.labels ?? []).map((l) => s.labels.find((c) => c.name === l.name)?.threshold ?? l.threshold);
}

/** Texts per classify request: one engine chunk, so a cancel lands within one chunk. */
export const REQUEST_TEXTS = 32;

/** The CSV slice: reading, running in chunks with cancel, exporting. */
export const createBatchSlice =
  (deps: StoreDeps): StateCreator<AppState, [], [], BatchSlice> =>
  (set, get) => {
    /** The running batch, so Cancel can stop it between requests. */
    let activeRun: { cancel(): void } | null = null;
    return {
    csvFile: null,
    csvStatus: 'idle',
    csvProgress: 0,
    csvProblem: null,
    csvWarnings: [],
    table: null,
    textColumn: 0,
    batch: null,
    batchVersion: 0,
    run: { ...IDLE_RUN },

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
        set({
          csvStatus: 'ready',
          csvWarnings: [...(check.warning ? [check.warning] : []), ...parsed.warnings],
          table: { ...parsed, file: info },
          textColumn: guessTextColumn(parsed.header, parsed.rows),
          batch: null,
          batchVersion: get().batchVersion + 1,
          run: { ...IDLE_RUN },
          tuning: null,
        });
      } catch (error) {
        const previous = get().table;
        set({ csvStatus: previous ? 'ready' : 'error', csvFile: previous?.file ?? null, csvProblem: csvProblem(error) });
      }
    },

    setTextColumn(column) {
      const table = get().table;
      if (!table || column < 0 || column >= table.header.length || get().run.status === 'running') return;
      set({ textColumn: column });
    },

    runBatch() {
      const s = get();
      const table = s.table;
      if (!table || s.run.status === 'running') return;
      const notReady = notReadyProblem(s);
      if (notReady) return set({ run: { ...IDLE_RUN, status: 'error', problem: notReady } });
      if (s.textRunning) return set({ run: { ...IDLE_RUN, status: 'error', problem: { message: 'A text is being classified.', hint: 'Run the CSV again in a moment.' } } });

      const texts: string[] = [];
      const rowOf: number[] = [];
      table.rows.forEach((row, i) => {
        const text = row[s.textColumn] ?? '';
        if (text.trim()) {
          texts.push(text);
          rowOf.push(i);
        }
      });
      if (texts.length === 0) {
        const column = table.header[s.textColumn];
        return set({ run: { ...IDLE_RUN, status: 'error', problem: { message: `The column '${column}' is empty in every row.`, hint: 'Choose the column that holds the text.' } } });
      }
      const labels = runLabels(s.labels);
      const ready = s.ready!;
      const results = emptyResults(table.rows.length, {
        labels,
        alpha: s.labels.map((l) => l.alpha),
        rowOf: Int32Array.from(rowOf),
        truncated: 0,
        skippedEmpty: table.rows.length - texts.length,
        bundle: ready.manifest.name,
        backend: ready.backend,
        dtype: ready.dtype,
      });
      const L = labels.length;
      const engine = s.engine!;
      const started = deps.now();
      let lastPublish = started;
      let progress = { done: 0, total: texts.length, elapsedMs: 0 };
      const publish = () => {
        lastPublish = deps.now();
        set((st) => ({ batchVersion: st.batchVersion + 1, run: { ...st.run, ...progress } }));
      };
      const control = { cancelled: false, requestId: null as number | null };
      activeRun = {
        cancel() {
          control.cancelled = true;
          if (control.requestId !== null) engine.cancel(control.requestId);
        },
      };
      set((st) => ({
        batch: results,
        batchVersion: st.batchVersion + 1,
        tuning: null,
        run: { status: 'running', requestId: null, done: 0, total: texts.length, elapsedMs: 0, problem: null },
      }));

      // NOTE: one classify request per REQUEST_TEXTS texts, the next sent when the last is done.
      // The worker reads a cancel message only once a request has run to its end (see the report
      // on the engine), so cancelling between requests is what makes Cancel answer within a chunk.
      const runAll = async (): Promise<boolean> => {
        for (let offset = 0; offset < texts.length; offset += REQUEST_TEXTS) {
          if (control.cancelled) return true;
          const slice = texts.slice(offset, offset + REQUEST_TEXTS);
          const { id, finished } = engine.classify(
            slice,
            labelSpecs(labels),
            (chunk, done) => {
              for (const r of chunk) {
                const row = results.rowOf[offset + r.index]!;
                results.scored[row] = 1;
                if (r.truncated) results.truncated++;
                r.scores.forEach((score, j) => {
                  results.nli[row * L + j] = score.nli;
                  results.poly[row * L + j] = score.poly ?? Number.NaN;
                  results.blended[row * L + j] = score.blended;
                });
              }
              progress = { done: offset + done, total: texts.length, elapsedMs: deps.now() - started };
              if (deps.now() - lastPublish >= PUBLISH_INTERVAL_MS || progress.done === texts.length) publish();
            },
            onBackendChange(set),
          );
          control.requestId = id;
          set((st) => ({ run: { ...st.run, requestId: id } }));
          const { cancelled } = await finished;
          control.requestId = null;
          if (cancelled) return true;
        }
        return control.cancelled;
      };
      runAll().then(
        (cancelled) => {
          activeRun = null;
          progress = { ...progress, elapsedMs: deps.now() - started };
          publish();
          set((st) => ({ run: { ...st.run, status: cancelled ? 'cancelled' : 'done', requestId: null } }));
        },
        (error: unknown) => {
          activeRun = null;
          publish();
          set((st) => ({ run: { ...st.run, status: 'error', requestId: null, problem: engineProblem(error, 'classify') } }));
        },
      );
    },

    cancelBatch() {
      if (get().run.status === 'running') activeRun?.cancel();
    },

    exportCsv() {
      const { table, batch } = get();
      if (!table || !batch) return null;
      const L = batch.labels.length;
      const csv = buildExportCsv({
        header: table.header,
        rows: table.rows,
        labels: batch.labels.map((l) => l.name),
        thresholds: batchThresholds(get()),
        score: (i, j) => {
          if (!batch.scored[i]) return null;
          const poly = batch.poly[i * L + j]!;
          return { nli: batch.nli[i * L + j]!, poly: Number.isNaN(poly) ? null : poly, blended: batch.blended[i * L + j]! };
        },
      });
      return { csv, fileName: exportFileName(table.file.name) };
    },
  };
  };
