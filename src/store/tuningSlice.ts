// Tuning slice: tune thresholds on the CSV's gold labels, show in-sample and cross-validated F1, apply or discard.
import type { StateCreator } from 'zustand';
import { type Tuning, tuneOnData } from '../io/evaluation';
import { selectEvaluatedThresholds, selectEvaluationData } from './selectors';
import type { AppState, StoreDeps } from './types';

export interface TuningSlice {
  /** Thresholds tuned on the CSV's gold labels (one per label in `labels`, null where none can be), waiting for Apply or Discard. */
  tuning: (Tuning & { labels: string[] }) | null;
  tuneThresholds: () => void;
  applyTuning: () => void;
  discardTuning: () => void;
}

/** Folds of the cross-validated estimate. */
export const CV_FOLDS = 5;
/** Seed of the folds (model-export uses the same). */
export const CV_SEED = 42;

/** The tuning slice: thresholds tuned on the CSV gold labels, pending Apply or Discard. */
export const createTuningSlice =
  (_deps: StoreDeps): StateCreator<AppState, [], [], TuningSlice> =>
  (set, get) => ({
    tuning: null,

    tuneThresholds() {
      const data = selectEvaluationData(get());
      const current = selectEvaluatedThresholds(get());
      if (!data || !current) return;
      set({ tuning: { ...tuneOnData(data, CV_FOLDS, CV_SEED, current), labels: data.labels } });
    },

    applyTuning() {
      const tuning = get().tuning;
      if (!tuning) return;
      // A label without a tuned threshold (null) keeps the one in force.
      const tuned: Record<string, number> = {};
      tuning.labels.forEach((name, j) => {
        const t = tuning.thresholds[j];
        if (t !== null && t !== undefined) tuned[name] = t;
      });
      get().setThresholds(tuned);
      set({ tuning: null });
    },

    discardTuning() {
      set({ tuning: null });
    },
  });
