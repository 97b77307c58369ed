// NLI branch: runs (text, hypothesis) pairs through the backbone in length-sorted batches.
import { type BatchLimits, padBatch, planBatches } from './batching';
import { entailmentScore } from './blend';
import type { ModelSession } from './session';

/** What the NLI branch needs to know about the backbone. */
export interface NliConfig {
  entailmentId: number;
  notEntailmentId: number;
  padId: number;
  /** Batches are padded to a multiple of this many tokens (the manifest's `pad_multiple`). */
  padMultiple: number;
  /** maxBatch 1 for a variant whose scores depend on batch neighbours (`run_alone`). */
  limits: BatchLimits;
}

/** Thrown between batches when the caller cancelled. */
export class CancelledError extends Error {
  override name = 'CancelledError';
  constructor() {
    super('cancelled');
  }
}

/**
 * Lets the worker's event loop run, so that a `cancel` message posted meanwhile is
 * handled. ORT's WASM runs resolve through microtasks only, which never let queued
 * messages in: without this, cancel would wait for the whole request.
 */
export function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, 0));
}

/**
 * Entailment probability for every sequence (already `[CLS] text [SEP] hyp [SEP]`),
 * in input order. Only `logits` is read back from the graph.
 */
export async function scorePairs(
  backbone: ModelSession,
  seqs: ReadonlyArray<readonly number[]>,
  cfg: NliConfig,
  isCancelled: () => boolean,
): Promise<Float64Array> {
  const scores = new Float64Array(seqs.length);
  for (const batch of planBatches(seqs.map((s) => s.length), cfg.limits)) {
    await yieldToEventLoop();
    if (isCancelled()) throw new CancelledError();
    const { ids, mask, dims } = padBatch(batch.map((i) => seqs[i]!), cfg.padId, cfg.padMultiple);
    const { logits } = await backbone.run({ input_ids: { data: ids, dims }, attention_mask: { data: mask, dims } }, ['logits']);
    const width = logits!.dims[1]!;
    batch.forEach((seqIndex, row) => {
      scores[seqIndex] = entailmentScore(logits!.data.subarray(row * width, (row + 1) * width), cfg.entailmentId, cfg.notEntailmentId);
    });
  }
  return scores;
}
