// PolyEncoder branch: the text-only backbone pass, then the heads graph on its token embeddings.
import { padBatch, planBatches } from './batching';
import { CancelledError, type NliConfig, yieldToEventLoop } from './nli';
import type { DeviceTensor, ModelSession } from './session';

/**
 * poly_logits (one row of `numHeads` per sequence, input order) for text-only
 * sequences `[CLS] text [SEP]`. Hidden states go straight from the backbone run
 * to the heads run, batch by batch, so memory stays bounded; on WebGPU they stay
 * in a GPU buffer between the two runs (session.ts `runOnDevice`). `onFeed` is told
 * where each batch's hidden states were.
 */
export async function scoreHeads(
  backbone: ModelSession,
  heads: ModelSession,
  seqs: ReadonlyArray<readonly number[]>,
  numHeads: number,
  cfg: NliConfig,
  isCancelled: () => boolean,
  onFeed: (location: DeviceTensor['location']) => void = () => {},
): Promise<Float32Array> {
  const out = new Float32Array(seqs.length * numHeads);
  for (const batch of planBatches(seqs.map((s) => s.length), cfg.limits)) {
    await yieldToEventLoop();
    if (isCancelled()) throw new CancelledError();
    const { ids, mask, dims } = padBatch(batch.map((i) => seqs[i]!), cfg.padId, cfg.padMultiple);
    const hidden = await backbone.runOnDevice({ input_ids: { data: ids, dims }, attention_mask: { data: mask, dims } }, 'last_hidden_state');
    const { poly_logits } = await heads.run({ last_hidden_state: hidden, attention_mask: { data: mask, dims } }, ['poly_logits']).finally(() => hidden.dispose());
    onFeed(hidden.location);
    if (poly_logits!.dims[1] !== numHeads) throw new Error(`the heads graph returned ${poly_logits!.dims[1]} columns, the manifest lists ${numHeads} heads`);
    batch.forEach((seqIndex, row) => out.set(poly_logits!.data.subarray(row * numHeads, (row + 1) * numHeads), seqIndex * numHeads));
  }
  return out;
}
