// Interoperability: transformers.js's own zero-shot pipeline loads the exported demo bundle as a model folder and scores as our engine does.
import { join } from 'node:path';
import { env, pipeline } from '@huggingface/transformers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadFiles } from './bundle';
import { Engine, type LabelSpec } from './engine';
import { DEMO_BUNDLE, fsSource } from './fsSource.testutil';
import { configureRuntime } from './session';
import { createTokenizer, pairIds, type TextTokenizer } from './tokenize';

type ZeroShot = ((text: string, labels: string[], options: { hypothesis_template: string; multi_label: boolean }) => Promise<{ labels: string[]; scores: number[] }>) & {
  tokenizer: (text: string, options: { text_pair: string; truncation: boolean }) => { input_ids: { data: BigInt64Array } };
  dispose(): Promise<void>;
};

// Plain news sentences: transformers.js's stock tokenizer (NFKC, float64 Viterbi) gives the bundle's ids on these
// (checked below on every pair); on combining marks or digit runs it would not, which src/engine/spm.ts corrects.
const TEXTS = [
  'The central bank raised interest rates by half a point on Tuesday.',
  'A new smartphone with a faster AI chip goes on sale next week.',
  'Hospital staff warned that the vaccine trial was delayed again.',
  'Wind farms produced more electricity than coal for the first time this winter.',
  'Farmers questioned the new tariffs on imported grain.',
  'Stock markets celebrated record quarterly earnings. The government announced lower unemployment.',
  '',
  'Short.',
];

let engine: Engine;
let classifier: ZeroShot;
let labels: LabelSpec[];
let tokenizer: TextTokenizer;

beforeAll(async () => {
  configureRuntime({ appAssets: false, threads: 1 });
  engine = await Engine.load(fsSource(DEMO_BUNDLE), { request: { backend: 'wasm', dtype: 'fp32' }, gpu: { available: false, reason: 'Node' } });
  // NLI only: transformers.js knows nothing of the PolyEncoder heads.
  labels = engine.defaultLabels().map((l) => ({ ...l, head: false }));
  const m = engine.manifest;
  const files = await loadFiles(m, fsSource(DEMO_BUNDLE), ['tokenizer.json', 'tokenizer_config.json'], () => {});
  const json = (p: string) => JSON.parse(new TextDecoder().decode(files.get(p)!.bytes)) as object;
  tokenizer = createTokenizer(json('tokenizer.json'), json('tokenizer_config.json'), { cls: m.tokenizer.cls_token_id, sep: m.tokenizer.sep_token_id, pad: m.tokenizer.pad_token_id });
  env.allowRemoteModels = false;
  env.allowLocalModels = true;
  env.localModelPath = `${join(DEMO_BUNDLE, '..')}/`;
  env.useFSCache = false;
  classifier = await pipeline('zero-shot-classification', 'demo-fixture', { dtype: 'fp32' });
});

afterAll(async () => {
  await classifier?.dispose();
  await engine?.dispose();
});

describe('transformers.js loads the exported bundle as a model folder', () => {
  it('tokenises every (text, hypothesis) pair to the ids our engine feeds the graph', () => {
    const differ: string[] = [];
    for (const text of TEXTS) {
      for (const l of labels) {
        const theirs = Array.from(classifier.tokenizer(text, { text_pair: l.hypothesis, truncation: true }).input_ids.data, Number);
        const ours = pairIds(tokenizer.encode(text), tokenizer.encode(l.hypothesis), engine.manifest.backbone.max_length_pair, tokenizer.specials).ids;
        if (JSON.stringify(theirs) !== JSON.stringify(ours)) differ.push(`${JSON.stringify(text)} x ${l.name}`);
      }
    }
    expect(differ).toEqual([]);
  });

  it('gives the entailment scores of our engine (fp32, multi_label, the same hypotheses) within 1e-5', async () => {
    const ours: number[][] = [];
    await engine.classify(TEXTS, labels, (rows) => rows.forEach((r) => (ours[r.index] = r.scores.map((s) => s.nli))), () => false);
    const hypotheses = labels.map((l) => l.hypothesis);
    let worst = 0;
    for (const [i, text] of TEXTS.entries()) {
      // The template '{}' hands the pipeline our filled hypotheses unchanged.
      const out = await classifier(text, hypotheses, { hypothesis_template: '{}', multi_label: true });
      const theirs = hypotheses.map((h) => out.scores[out.labels.indexOf(h)]!);
      theirs.forEach((s, j) => (worst = Math.max(worst, Math.abs(s - ours[i]![j]!))));
    }
    expect(ours).toHaveLength(TEXTS.length);
    // Our `nli` is rounded to 6 decimals (blend.ts roundNli): at most 5e-7 of the bound.
    expect(worst).toBeLessThan(1e-5);
  });
});
