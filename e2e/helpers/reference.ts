// The tests' own reference arithmetic: multi-label metrics, threshold tuning and k-fold CV, written for checking the app.

export interface Metrics {
  macroF1: number;
  hammingAccuracy: number;
  exactMatch: number;
  macroPrecision: number;
  macroRecall: number;
  f1: number[];
}

/** pred[i][j], gold[i][j] in {0, 1}: rows are texts, columns labels. */
export function metrics(pred: number[][], gold: number[][]): Metrics {
  const n = gold.length;
  const L = gold[0]?.length ?? 0;
  const p: number[] = [];
  const r: number[] = [];
  const f: number[] = [];
  let agree = 0;
  let exact = 0;
  for (let j = 0; j < L; j++) {
    let tp = 0;
    let fp = 0;
    let fn = 0;
    for (let i = 0; i < n; i++) {
      if (pred[i]![j] && gold[i]![j]) tp++;
      else if (pred[i]![j]) fp++;
      else if (gold[i]![j]) fn++;
    }
    p.push(tp + fp ? tp / (tp + fp) : 0);
    r.push(tp + fn ? tp / (tp + fn) : 0);
    f.push(2 * tp + fp + fn ? (2 * tp) / (2 * tp + fp + fn) : 0);
  }
  for (let i = 0; i < n; i++) {
    let all = true;
    for (let j = 0; j < L; j++) {
      if (pred[i]![j] === gold[i]![j]) agree++;
      else all = false;
    }
    if (all) exact++;
  }
  const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
  return { macroF1: mean(f), hammingAccuracy: agree / (n * L), exactMatch: exact / n, macroPrecision: mean(p), macroRecall: mean(r), f1: f };
}

export const GRID = Array.from({ length: 98 }, (_, i) => 0.01 + i * 0.01);

/** Per label: the grid threshold with the best F1 on `rows` (first, i.e. lowest, on ties). */
export function tune(scores: number[][], gold: number[][], rows: number[]): number[] {
  const L = scores[0]!.length;
  return Array.from({ length: L }, (_, j) => {
    let best = GRID[0]!;
    let bestF1 = -1;
    for (const t of GRID) {
      const m = metrics(
        rows.map((i) => [scores[i]![j]! >= t ? 1 : 0]),
        rows.map((i) => [gold[i]![j]!]),
      );
      if (m.macroF1 > bestF1) {
        bestF1 = m.macroF1;
        best = t;
      }
    }
    return best;
  });
}

/** CPython's random.Random(seed).shuffle for small int seeds (MT19937, init_by_array([seed])). */
export function pythonShuffle(n: number, seed: number): number[] {
  const mt = new Array<number>(624);
  mt[0] = 19650218;
  for (let i = 1; i < 624; i++) mt[i] = (Math.imul(1812433253, mt[i - 1]! ^ (mt[i - 1]! >>> 30)) + i) >>> 0;
  let i = 1;
  for (let k = 624; k > 0; k--) {
    mt[i] = ((mt[i]! ^ Math.imul(mt[i - 1]! ^ (mt[i - 1]! >>> 30), 1664525)) + seed) >>> 0;
    if (++i >= 624) {
      mt[0] = mt[623]!;
      i = 1;
    }
  }
  for (let k = 623; k > 0; k--) {
    mt[i] = ((mt[i]! ^ Math.imul(mt[i - 1]! ^ (mt[i - 1]! >>> 30), 1566083941)) - i) >>> 0;
    if (++i >= 624) {
      mt[0] = mt[623]!;
      i = 1;
    }
  }
  mt[0] = 0x80000000;
  let idx = 624;
  const next = () => {
    if (idx >= 624) {
      for (let k = 0; k < 624; k++) {
        const y = (mt[k]! & 0x80000000) | (mt[(k + 1) % 624]! & 0x7fffffff);
        mt[k] = (mt[(k + 397) % 624]! ^ (y >>> 1) ^ (y & 1 ? 0x9908b0df : 0)) >>> 0;
      }
      idx = 0;
    }
    let y = mt[idx++]!;
    y ^= y >>> 11;
    y ^= (y << 7) & 0x9d2c5680;
    y ^= (y << 15) & 0xefc60000;
    y ^= y >>> 18;
    return y >>> 0;
  };
  const x = Array.from({ length: n }, (_, k) => k);
  for (let k = n - 1; k > 0; k--) {
    const bits = 32 - Math.clz32(k + 1);
    let r: number;
    do r = next() >>> (32 - bits);
    while (r >= k + 1);
    [x[k], x[r]] = [x[r]!, x[k]!];
  }
  return x;
}

/** model-export's k-fold CV of threshold tuning: predictions of each fold from thresholds tuned on the rest. */
export function crossValidated(scores: number[][], gold: number[][], k = 5, seed = 42): number[][] {
  const n = scores.length;
  const idx = pythonShuffle(n, seed);
  const pred = scores.map((row) => row.map(() => 0));
  for (let f = 0; f < k; f++) {
    const test = new Set(idx.filter((_, p) => p % k === f));
    const train = Array.from({ length: n }, (_, i) => i).filter((i) => !test.has(i));
    const t = tune(scores, gold, train);
    for (const i of test) pred[i] = scores[i]!.map((s, j) => (s >= t[j]! ? 1 : 0));
  }
  return pred;
}
