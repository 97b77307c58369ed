// The evaluation table in the original model's format (NLI baseline vs hybrid) and threshold tuning on the user's data.
import { crossValidatedPredictions, type GoldColumn, multiLabelMetrics, type MultiLabelMetrics, predict, type ScoreColumn, tuneThresholds, withFallback } from './metrics';

/** The systems a table row can describe. */
export const SYSTEMS = {
  nli: 'NLI baseline (t=0.5)',
  hybrid: 'Hybrid (current thresholds)',
  tuned: 'Hybrid (tuned on this data, in-sample)',
  cv: 'Hybrid (tuned, k-fold cross-validated)',
} as const;
export type SystemKey = keyof typeof SYSTEMS;

export interface EvaluationRow {
  key: SystemKey;
  system: string;
  /** Thresholds per evaluated label (for the CV row: the mean over folds). */
  thresholds: number[];
  metrics: MultiLabelMetrics;
  note?: string;
}

/** Scores and gold of the evaluated rows, one column per evaluated label. */
export interface EvaluationData {
  labels: string[];
  nli: ScoreColumn[];
  blended: ScoreColumn[];
  gold: GoldColumn[];
}

/** The two rows always shown: NLI score at 0.5 and the hybrid score at the current thresholds. */
export function evaluationRows(data: EvaluationData, thresholds: readonly number[]): EvaluationRow[] {
  const half = data.labels.map(() => 0.5);
  return [
    { key: 'nli', system: SYSTEMS.nli, thresholds: half, metrics: multiLabelMetrics(predict(data.nli, half), data.gold) },
    { key: 'hybrid', system: SYSTEMS.hybrid, thresholds: [...thresholds], metrics: multiLabelMetrics(predict(data.blended, thresholds), data.gold) },
  ];
}

/** Why a label gets no tuned threshold: the same words as model-export's evaluate.untunable_message (model_export/tuning_cases.json). */
export function untunableMessage(label: string): string {
  return `no row in the gold column has label ${label}; a threshold cannot be tuned`;
}

export interface Tuning {
  /** Per evaluated label, the grid threshold maximising F1 on all evaluated rows; null: none can be tuned (no positive gold row). */
  thresholds: (number | null)[];
  /** One message per label that got no threshold (`untunableMessage`), in label order. */
  untunable: string[];
  inSample: EvaluationRow;
  crossValidated: EvaluationRow;
  perFold: (number | null)[][];
}

/**
 * Tunes thresholds on the blended scores (grid 0.01..0.98, max F1 per label) and scores
 * them in-sample (optimistic) and with k-fold cross-validation (deterministic folds,
 * seed 42, the same folds as model-export), so both can be shown side by side. A label
 * without a positive gold row gets no threshold: both rows decide it at `current`.
 */
export function tuneOnData(data: EvaluationData, k = 5, seed = 42, current: readonly number[] = data.labels.map(() => 0.5)): Tuning {
  const thresholds = tuneThresholds(data.blended, data.gold);
  const used = withFallback(thresholds, current);
  const cv = crossValidatedPredictions(data.blended, data.gold, k, seed, current);
  const meanPerLabel = data.labels.map((_, j) => cv.perFold.reduce((a, t) => a + (t[j] ?? current[j]!), 0) / cv.perFold.length);
  return {
    thresholds,
    untunable: data.labels.flatMap((label, j) => (thresholds[j] === null ? [untunableMessage(label)] : [])),
    perFold: cv.perFold,
    inSample: {
      key: 'tuned',
      system: SYSTEMS.tuned,
      thresholds: used,
      metrics: multiLabelMetrics(predict(data.blended, used), data.gold),
      note: 'thresholds tuned and scored on the same rows: optimistic',
    },
    crossValidated: {
      key: 'cv',
      system: SYSTEMS.cv,
      thresholds: meanPerLabel,
      metrics: multiLabelMetrics(cv.pred, data.gold),
      note: `${cv.k}-fold cross-validation: each fold decided with thresholds tuned on the other folds (thresholds shown: mean over folds)`,
    },
  };
}
