// Length-sorted batching with dynamic padding: the fewest padded tokens for a token budget.

/** Limits of one backbone run. */
export interface BatchLimits {
  /** Most sequences in one run. */
  maxBatch: number;
  /** Most tokens (batch x padded length) in one run. */
  maxTokens: number;
}

/** Groups sequence indices into batches of similar length, longest first (fail fast on memory). */
export function planBatches(lengths: readonly number[], limits: BatchLimits): number[][] {
  const order = lengths.map((_, i) => i).sort((a, b) => lengths[b]! - lengths[a]! || a - b);
  const batches: number[][] = [];
  let current: number[] = [];
  let width = 0;
  for (const i of order) {
    const len = lengths[i]!;
    const w = Math.max(width, len);
    if (current.length > 0 && (current.length + 1 > limits.maxBatch || w * (current.length + 1) > limits.maxTokens)) {
      batches.push(current);
      current = [];
    }
    width = current.length === 0 ? len : Math.max(width, len);
    current.push(i);
  }
  if (current.length) batches.push(current);
  return batches;
}

/**
 * Pads sequences on the right into int64 input_ids and attention_mask of shape [B, T], T the
 * longest sequence rounded up to `multiple` (the manifest's `pad_multiple`): WASM kernels then
 * see each text's tokens in the same vector lanes whatever its batch, so its scores do not
 * depend on its neighbours.
 */
export function padBatch(
  seqs: ReadonlyArray<readonly number[]>,
  padId: number,
  multiple = 1,
): { ids: BigInt64Array; mask: BigInt64Array; dims: [number, number] } {
  const T = Math.ceil(Math.max(1, ...seqs.map((s) => s.length)) / multiple) * multiple;
  const B = seqs.length;
  const ids = new BigInt64Array(B * T).fill(BigInt(padId));
  const mask = new BigInt64Array(B * T);
  seqs.forEach((s, b) => {
    for (let t = 0; t < s.length; t++) {
      ids[b * T + t] = BigInt(s[t]!);
      mask[b * T + t] = 1n;
    }
  });
  return { ids, mask, dims: [B, T] };
}

/**
 * The streamed chunks of a classify request as [start, end) text ranges: 1, 2, 4, … texts, doubling
 * up to `max`, then `max` at a time, so the first results show after one text's run instead of a
 * full chunk's. Chunking never changes a score (a text's scores do not depend on its batch:
 * invariance.test.ts); it only decides when results are streamed.
 */
export function growingChunks(total: number, max: number): Array<[number, number]> {
  const limit = Math.max(1, Math.floor(max));
  const chunks: Array<[number, number]> = [];
  let size = 1;
  for (let start = 0; start < total; start += size, size = Math.min(limit, size * 2)) {
    size = Math.min(size, limit);
    chunks.push([start, Math.min(total, start + size)]);
  }
  return chunks;
}
