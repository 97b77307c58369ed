// Text slice: classify one pasted text and keep every term of its scores.
import type { StateCreator } from 'zustand';
import type { LabelScore } from '../engine/blend';
import type { LabelSpec, TextResult } from '../engine/engine';
import type { ReadyInfo } from '../worker/protocol';
import type { LabelState } from './labelsSlice';
import { engineProblem, faultProblem } from './problems';
import type { AppState, Problem, RunLabel, SetState, StoreDeps } from './types';

/** The result of classifying one pasted text. */
export interface TextRun {
  /** Counts runs, so a new result is told apart from an identical previous one. */
  seq: number;
  text: string;
  labels: RunLabel[];
  /** Every term of every score, in label order. */
  scores: LabelScore[];
  truncated: boolean;
  /** Windows the text was read in (1 unless the long-text setting scores in windows and it did not fit). */
  windows: number;
  tokens: number;
  elapsedMs: number;
  backend: string;
  dtype: string;
}

export interface TextSlice {
  text: string;
  textRun: TextRun | null;
  textRunning: boolean;
  textProblem: Problem | null;
  setText: (text: string) => void;
  classifyText: () => Promise<void>;
}

/** The labels as a run records them: what the engine sees, and the thresholds in force. */
export function runLabels(labels: readonly LabelState[]): RunLabel[] {
  return labels.map((l) => ({ name: l.name, hypothesis: l.hypothesis, head: l.head, threshold: l.threshold }));
}

/** The label list as the engine takes it (no thresholds: decisions are the UI's). */
export function labelSpecs(labels: readonly RunLabel[]): LabelSpec[] {
  return labels.map((l) => ({ name: l.name, hypothesis: l.hypothesis, head: l.head }));
}

/** Why nothing can run right now, or null when the engine is ready for labels. */
export function notReadyProblem(s: AppState): Problem | null {
  if (s.engineStatus === 'loading') return { message: 'The model is still loading.', hint: 'Wait until the status says ready.' };
  if (s.engineStatus !== 'ready' || !s.engine) return { message: 'No model is loaded.', hint: 'Load a bundle first (see Model above).' };
  if (s.labels.length === 0) return { message: 'There are no labels to score.', hint: 'Add at least one label.' };
  return null;
}

/** When the worker moved from WebGPU to WASM mid-run, it sends new ready info: show it and say why. */
export function onBackendChange(set: SetState) {
  return (info: ReadyInfo) => set((s) => ({ ready: info, notices: [...s.notices, info.reason] }));
}

/** The text slice: one pasted text, classified with every term kept. */
export const createTextSlice =
  (_deps: StoreDeps): StateCreator<AppState, [], [], TextSlice> =>
  (set, get) => ({
    text: '',
    textRun: null,
    textRunning: false,
    textProblem: null,

    setText(text) {
      set({ text, textProblem: null });
    },

    async classifyText() {
      const s = get();
      if (s.textRunning) return;
      const text = s.text;
      if (!text.trim()) {
        set({ textProblem: { message: 'There is no text to classify.', hint: 'Type or paste a text (a sentence or more) into the box, then run.' } });
        return;
      }
      const notReady = notReadyProblem(s);
      if (notReady) return set({ textProblem: notReady });
      if (s.run.status === 'running') {
        set({ textProblem: { message: 'A CSV is being labelled.', hint: 'Wait for it to finish or cancel it, then run again.' } });
        return;
      }
      const labels = runLabels(s.labels);
      const ready = s.ready!;
      set({ textRunning: true, textProblem: null });
      let result: TextResult | null = null;
      try {
        const { finished } = s.engine!.classify([text], labelSpecs(labels), (results) => (result = results[0] ?? result), onBackendChange(set), s.longText);
        const { elapsedMs } = await finished;
        if (!result) throw new Error('The engine returned no scores.');
        const r: TextResult = result;
        const now = get().ready ?? ready;
        if (r.error) return set({ textRunning: false, textProblem: faultProblem(r.error, now.backend) });
        set({
          textRunning: false,
          textRun: { seq: (get().textRun?.seq ?? 0) + 1, text, labels, scores: r.scores, truncated: r.truncated, windows: r.windows, tokens: r.tokens, elapsedMs, backend: now.backend, dtype: now.dtype },
        });
      } catch (error) {
        set({ textRunning: false, textProblem: engineProblem(error, (get().ready ?? ready).backend) });
      }
    },
  });
