// SentencePiece exactly as the model was trained with it: the precompiled character map and the float32 Unigram Viterbi.
//
// transformers.js approximates both (NFKC instead of the map, float64 path scores), which gives
// other token ids for full-width text, reordered combining marks or digit runs such as '26099999'.
// These are ports of sentencepiece's normalizer.cc (NormalizePrefix) and unigram_model.cc
// (EncodeOptimized); tokenize.ts plugs them into the transformers.js tokenizer.

/** sentencepiece's `precompiled_charsmap`: a darts-clone double-array trie over UTF-8 keys, then NUL-terminated values. */
export class CharsMap {
  private readonly units: Uint32Array;
  private readonly blob: Uint8Array;
  private readonly values = new Map<number, Uint8Array>();

  /** @throws Error when the bytes are not a precompiled charsmap. */
  constructor(bytes: Uint8Array) {
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const trieBytes = bytes.byteLength >= 4 ? view.getUint32(0, true) : -1;
    if (trieBytes < 4 || trieBytes % 4 !== 0 || 4 + trieBytes > bytes.byteLength) {
      throw new Error('tokenizer.json: precompiled_charsmap is not a sentencepiece character map');
    }
    this.units = new Uint32Array(trieBytes / 4);
    for (let i = 0; i < this.units.length; i++) this.units[i] = view.getUint32(4 + 4 * i, true);
    this.blob = bytes.subarray(4 + trieBytes);
  }

  /** Builds the map from tokenizer.json's base64 `precompiled_charsmap`. */
  static fromBase64(b64: string): CharsMap {
    const raw = atob(b64);
    const bytes = new Uint8Array(raw.length);
    for (let i = 0; i < raw.length; i++) bytes[i] = raw.charCodeAt(i);
    return new CharsMap(bytes);
  }

  /**
   * The longest key that starts at `bytes[start]`: [key length in bytes, value offset], or null.
   * darts-clone's commonPrefixSearch, keeping the last (longest) hit.
   */
  private longest(bytes: Uint8Array, start: number): [number, number] | null {
    const u = this.units;
    const offset = (unit: number): number => (unit >>> 10) << ((unit & (1 << 9)) >>> 6);
    let pos = offset(u[0]!);
    let hit: [number, number] | null = null;
    for (let i = start; i < bytes.length; i++) {
      const c = bytes[i]!;
      pos ^= c;
      const unit = u[pos];
      if (unit === undefined || ((unit & 0x800000ff) >>> 0) !== c) break;
      pos ^= offset(unit);
      if ((unit >>> 8) & 1) hit = [i - start + 1, u[pos]! & 0x7fffffff];
    }
    return hit;
  }

  /**
   * The bytes that occur in some key of two or more bytes (a walk over the whole trie). A byte
   * outside this set is matched only on its own: the map never joins it with its neighbours, so
   * the text before it and the text after it are mapped independently.
   */
  joinedBytes(): Set<number> {
    const u = this.units;
    const joined = new Set<number>();
    // Iterative depth-first walk over (node, next label) with the key so far in `path`.
    const nodes = new Int32Array(64);
    const labels = new Int32Array(64);
    const path = new Uint8Array(64);
    const root = u[0]!;
    nodes[0] = (root >>> 10) << ((root & (1 << 9)) >>> 6);
    labels[0] = 1;
    let depth = 0;
    while (depth >= 0) {
      const c = labels[depth]!;
      if (c > 255) {
        depth--;
        continue;
      }
      labels[depth] = c + 1;
      const child = nodes[depth]! ^ c;
      const unit = u[child];
      if (unit === undefined || ((unit & 0x800000ff) >>> 0) !== c) continue;
      path[depth] = c;
      if ((unit >>> 8) & 1 && depth >= 1) for (let k = 0; k <= depth; k++) joined.add(path[k]!);
      if (depth + 1 >= nodes.length) throw new Error('CharsMap: key longer than 64 bytes');
      depth++;
      nodes[depth] = child ^ ((unit >>> 10) << ((unit & (1 << 9)) >>> 6));
      labels[depth] = 1;
    }
    return joined;
  }

  private value(at: number): Uint8Array {
    let v = this.values.get(at);
    if (!v) {
      const end = this.blob.indexOf(0, at);
      v = this.blob.subarray(at, end < 0 ? this.blob.length : end);
      this.values.set(at, v);
    }
    return v;
  }

  /**
   * Applies the map by longest match from left to right, as sentencepiece does (no whitespace
   * rules: tokenizer.json's Replace steps and Metaspace do those).
   */
  normalize(text: string): string {
    const bytes = new TextEncoder().encode(text);
    const out = new Uint8Array(bytes.length * 4 + 16);
    let n = 0;
    const push = (chunk: Uint8Array): void => {
      if (n + chunk.length > out.length) throw new Error('CharsMap: output buffer overflow');
      out.set(chunk, n);
      n += chunk.length;
    };
    let i = 0;
    while (i < bytes.length) {
      const hit = this.longest(bytes, i);
      if (hit) {
        push(this.value(hit[1]));
        i += hit[0];
      } else {
        // TextEncoder output is valid UTF-8: the lead byte gives the character's length.
        const lead = bytes[i]!;
        const len = lead < 0x80 ? 1 : lead < 0xe0 ? 2 : lead < 0xf0 ? 3 : 4;
        push(bytes.subarray(i, i + len));
        i += len;
      }
    }
    return new TextDecoder().decode(out.subarray(0, n));
  }
}

/** What the Viterbi needs of a Unigram vocabulary. */
export interface UnigramVocab {
  /** Pieces that start at `chars[start]`, shortest first. */
  prefixes(chars: readonly string[], start: number): Iterable<string>;
  /** Log-probability of a piece (float32 in the model). */
  score(piece: string): number;
  /** The lowest piece score; unknown characters score that minus 10, as in sentencepiece. */
  minScore: number;
}

/**
 * Best segmentation of one pre-token into pieces, with sentencepiece's float32 path scores and
 * tie rule (the earliest start wins). `round` is the precision of the path sums: float32 as in
 * sentencepiece (the identity gives the float64 sums of transformers.js, for comparison). An unknown character becomes a one-character piece whose
 * surface is not in the vocabulary (the caller maps it to [UNK] and fuses runs of them).
 */
export function viterbiF32(chars: readonly string[], vocab: UnigramVocab, round: (x: number) => number = Math.fround): string[] {
  const n = chars.length;
  const best = new Float64Array(n + 1);
  const from = new Int32Array(n + 1).fill(-1);
  const piece = new Array<string>(n + 1);
  const unkScore = round(round(vocab.minScore) - 10);
  const offer = (start: number, end: number, score: number, p: string): void => {
    const candidate = round(round(score) + best[start]!);
    if (from[end] === -1 || candidate > best[end]!) {
      best[end] = candidate;
      from[end] = start;
      piece[end] = p;
    }
  };
  for (let start = 0; start < n; start++) {
    let single = false;
    for (const p of vocab.prefixes(chars, start)) {
      const length = [...p].length;
      offer(start, start + length, vocab.score(p), p);
      if (length === 1) single = true;
    }
    if (!single) offer(start, start + 1, unkScore, chars[start]!);
  }
  const pieces: string[] = [];
  for (let end = n; end > 0; end = from[end]!) pieces.push(piece[end]!);
  return pieces.reverse();
}
