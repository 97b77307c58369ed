#!/usr/bin/env node
// Batch shape on WASM: the engine's own NLI batches timed in Chromium under several batch limits (issue 11's "batch
// shape and token budget per backend" lever); results to bench/results/batch-sweep.json and stdout.
//
// Usage: node bench/batch-sweep.mjs [--model xsmall] [--dtype fp32] [--texts 48] [--rounds 3]
//          [--limits 1x4096,4x4096,8x4096,16x4096,32x4096,32x2048,32x1024] [--json bench/results/batch-sweep.json]
//   Each limit is maxBatch x maxTokens (src/engine/batching.ts BatchLimits). One WASM session (the app's thread rule)
//   runs every limit's batches once per round, the order reversed on odd rounds; the claims are ratios within a round.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { benchTexts, ensureRandomBundle, machine, median, openBenchPage, ROOT, withChromium } from './common.mjs';

const { values: args } = parseArgs({
  options: {
    model: { type: 'string', default: 'xsmall' },
    dtype: { type: 'string', default: 'fp32' },
    texts: { type: 'string', default: '48' },
    rounds: { type: 'string', default: '3' },
    limits: { type: 'string', default: '1x4096,4x4096,8x4096,16x4096,32x4096,32x2048,32x1024' },
    json: { type: 'string', default: 'bench/results/batch-sweep.json' },
  },
});
const dir = args.model === 'fixture' ? join(ROOT, 'public/models/demo-fixture') : ensureRandomBundle(args.model, `bench/models/random-${args.model}`, ['--variants', 'fp32,q8', '--web-check', 'off']);
const url = `/${dir.slice(ROOT.length + 1).replace(/^public\//, '')}/`;
const manifest = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8'));
const limits = args.limits.split(',').map((s) => {
  const [b, t] = s.split('x').map(Number);
  if (!(b > 0 && t > 0)) throw new Error(`bad limit '${s}': write maxBatch x maxTokens, e.g. 8x4096`);
  return { maxBatch: b, maxTokens: t };
});
const texts = benchTexts(Number(args.texts));
const loads = [loadavg()[0]];
const timer = setInterval(() => loads.push(loadavg()[0]), 10_000);

const result = await withChromium(async ({ base, browser }) => {
  const page = await openBenchPage(await browser.newContext(), base);
  page.on('console', (m) => console.error(m.text()));
  return page.evaluate((j) => globalThis.benchSweep(j), {
    bundle: url,
    dtype: args.dtype,
    texts,
    hypotheses: manifest.labels.map((l) => l.hypothesis),
    limits,
    rounds: Number(args.rounds),
  });
});
clearInterval(timer);

// Per limit: texts/s (median over rounds) and its ratio to the first limit within each round (median).
const rows = limits.map((l, k) => ({
  limit: `${l.maxBatch}x${l.maxTokens}`,
  textsPerSecond: median(result.ms.map((r) => (1000 * texts.length) / r[k])),
  vsFirst: median(result.ms.map((r) => r[0] / r[k])),
  runs: result.runs[k],
  paddedTokens: result.paddedTokens[k],
}));
const doc = { date: new Date().toISOString(), command: `node bench/batch-sweep.mjs --model ${args.model} --dtype ${args.dtype} --texts ${args.texts} --rounds ${args.rounds} --limits ${args.limits}`, machine: machine(), load: { min: Math.min(...loads), median: median(loads), max: Math.max(...loads) }, pairs: result.pairs, threads: result.threads, rows, ms: result.ms };
mkdirSync(dirname(resolve(ROOT, args.json)), { recursive: true });
writeFileSync(resolve(ROOT, args.json), `${JSON.stringify(doc, null, 2)}\n`);
console.log(`${doc.command}\nload ${doc.load.min.toFixed(1)}–${doc.load.max.toFixed(1)}; ${result.pairs} pairs; ${result.threads} WASM threads`);
console.log('| limit (batch x tokens) | texts/s | × first | runs | padded tokens |\n|---|---|---|---|---|');
for (const r of rows) console.log(`| ${r.limit} | ${r.textsPerSecond.toFixed(2)} | ${r.vsFirst.toFixed(2)} | ${r.runs} | ${r.paddedTokens} |`);
