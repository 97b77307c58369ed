// Plain arithmetic of the hybrid score, so the UI can show every term.

/** Per (text, label) score with every term that produced it. */
export interface LabelScore {
  /** NLI entailment probability: sigmoid(logit[entail] - logit[not_entail]). */
  nli: number;
  /** sigmoid(poly_logit), or null for a label without a head. */
  poly: number | null;
  /** Weight of the NLI term, sigmoid(alpha_raw); null for a label without a head. */
  alpha: number | null;
  /** alpha * nli + (1 - alpha) * poly, or nli alone without a head. */
  blended: number;
}

/**
 * The one decision rule: a label is predicted for a text when its score reaches the label's
 * threshold (equality predicts), as the original model and model-export's evaluate decide.
 * Every place that turns a score into a yes/no (UI, export, metrics, tuning) calls this.
 */
export function decide(score: number, threshold: number): boolean {
  return score >= threshold;
}

/** Numerically stable logistic function. */
export function sigmoid(x: number): number {
  if (x >= 0) return 1 / (1 + Math.exp(-x));
  const e = Math.exp(x);
  return e / (1 + e);
}

/**
 * Entailment probability of one NLI row: a softmax over the entailment and
 * not-entailment (or contradiction) logits only, as the zero-shot pipeline's
 * multi-label mode does.
 */
export function entailmentScore(logits: ArrayLike<number>, entailmentId: number, notEntailmentId: number): number {
  const entail = logits[entailmentId];
  const notEntail = logits[notEntailmentId];
  if (entail === undefined || notEntail === undefined) {
    throw new RangeError(`NLI logits have ${logits.length} classes; ids ${entailmentId}/${notEntailmentId} are out of range`);
  }
  return sigmoid(entail - notEntail);
}

/**
 * The NLI score as the original model used it: Python's `round(score, 6)` (the exact decimal value
 * rounded half to even). `toFixed` rounds half up, which differs on exact binary ties such as
 * 0.5078125; model_export's `heads.round_nli` is the Python side of this rule.
 */
export function roundNli(score: number): number {
  const exact = score.toFixed(100).replace(/0+$/, '');
  const [whole, frac = ''] = exact.split('.');
  if (frac.length === 7 && frac.endsWith('5')) {
    const down = `${whole}.${frac.slice(0, 6)}`;
    return Number(frac[5]) % 2 === 0 ? Number(down) : Number((Number(down) + 1e-6).toFixed(6));
  }
  return Number(score.toFixed(6));
}

/**
 * Blends in probability space; the threshold is applied later, by whoever shows or uses the score
 * (`decide`), so moving a threshold never needs the model. The NLI term is rounded to 6 decimals
 * first, as the original `predict()` did; `nli` in the result is that rounded value, so every
 * term shown is the one used.
 */
export function blendScore(rawNli: number, head: { polyLogit: number; alpha: number } | null): LabelScore {
  const nli = roundNli(rawNli);
  if (head === null) return { nli, poly: null, alpha: null, blended: nli };
  const poly = sigmoid(head.polyLogit);
  return { nli, poly, alpha: head.alpha, blended: head.alpha * nli + (1 - head.alpha) * poly };
}
