// Benchmark: our batched engine vs one backbone run per (text, label) pair, side by side in one run.
// Run: npx vitest bench --run src/engine/engine.bench.ts  (BENCH_BUNDLE=folder, BENCH_DTYPE=fp32|q8|..., BENCH_TEXTS=n)
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { bench, describe } from 'vitest';
import { loadFiles } from './bundle';
import { entailmentScore } from './blend';
import { Engine } from './engine';
import { fsSource, REPO_ROOT } from './fsSource.testutil';
import type { Dtype } from './constants';
import { configureRuntime, createSession } from './session';
import { createTokenizer, pairIds } from './tokenize';

const dir = process.env.BENCH_BUNDLE ?? join(REPO_ROOT, 'model-export/out/random-xsmall');
if (!existsSync(join(dir, 'manifest.json'))) {
  throw new Error(`No bundle at ${dir}. Make one: cd model-export && .venv/bin/python -m model_export export --random-init xsmall --out out/random-xsmall`);
}
const dtype = (process.env.BENCH_DTYPE ?? 'q8') as Dtype;
const n = Number(process.env.BENCH_TEXTS ?? 16);
const subjects = ['The central bank', 'A new smartphone', 'Hospital staff', 'Wind farms', 'Stock markets', 'The government'];
const verbs = ['reported', 'announced', 'warned about', 'celebrated', 'questioned'];
const objects = ['record quarterly earnings', 'a vaccine trial', 'rising carbon emissions', 'an AI chip', 'lower unemployment'];
// Texts of varied length, as real rows are: 1 to 6 sentences.
const texts = Array.from({ length: n }, (_, i) =>
  Array.from({ length: 1 + (i % 6) }, (_, k) => `${subjects[(i + k) % 6]} ${verbs[(i * 3 + k) % 5]} ${objects[(i * 7 + k) % 5]}.`).join(' '),
);

configureRuntime({ appAssets: false, threads: 1 });
const source = fsSource(dir);
const engine = await Engine.load(source, { request: { backend: 'wasm', dtype }, gpu: { available: false, reason: 'Node' } });
const labels = engine.defaultLabels().map((l) => ({ ...l, head: false }));
const m = engine.manifest;
const files = await loadFiles(m, source, ['tokenizer.json', 'tokenizer_config.json', m.variants[dtype]!.backbone], () => {});
const json = (p: string) => JSON.parse(new TextDecoder().decode(files.get(p)!.bytes)) as object;
const tok = createTokenizer(json('tokenizer.json'), json('tokenizer_config.json'), { cls: m.tokenizer.cls_token_id, sep: m.tokenizer.sep_token_id, pad: m.tokenizer.pad_token_id });
const session = await createSession(files.get(m.variants[dtype]!.backbone)!.bytes, 'wasm');

describe(`${m.id} ${dtype} on WASM (1 thread): ${n} texts x ${labels.length} labels`, () => {
  bench('batched, length-sorted pairs (this engine)', async () => {
    await engine.classify(texts, labels, () => {}, () => false, 64);
  }, { iterations: 2, warmupIterations: 1, time: 0 });

  bench('one run per (text, label) pair (transformers.js zero-shot pipeline style)', async () => {
    for (const text of texts) {
      const ids = tok.encode(text);
      for (const label of labels) {
        const seq = pairIds(ids, tok.encode(label.hypothesis), m.backbone.max_length_pair, tok.specials).ids;
        const dims = [1, seq.length];
        const out = await session.run(
          { input_ids: { data: BigInt64Array.from(seq, BigInt), dims }, attention_mask: { data: new BigInt64Array(seq.length).fill(1n), dims } },
          ['logits'],
        );
        entailmentScore(out.logits!.data, m.backbone.entailment_id, m.backbone.not_entailment_id);
      }
    }
  }, { iterations: 2, warmupIterations: 1, time: 0 });
});
