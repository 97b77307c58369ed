// Tuning slice: tune thresholds on the CSV's gold labels, show in-sample and cross-validated F1, apply or discard.
import type { StateCreator } from 'zustand';
import { type Tuning, tuneOnData } from '../io/evaluation';
import { selectEvaluationData } from './selectors';
import type { AppState, StoreDeps } from './types';

export interface TuningSlice {
  /** Thresholds tuned on the CSV's gold labels (one per label in `labels`), waiting for Apply or Discard. */
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
      if (!data) return;
      set({ tuning: { ...tuneOnData(data, CV_FOLDS, CV_SEED), labels: data.labels } });
    },

    applyTuning() {
      const tuning = get().tuning;
      if (!tuning) return;
      get().setThresholds(Object.fromEntries(tuning.labels.map((name, j) => [name, tuning.thresholds[j]!])));
      set({ tuning: null });
    },

    discardTuning() {
      set({ tuning: null });
    },
  });
