#!/usr/bin/env node
// Batch shape on WASM: the engine's own NLI batches timed in Chromium under several batch limits (issue 11's "batch
// shape and token budget per backend" lever); results to bench/results/batch-sweep.json and stdout.
//
// Usage: node bench/batch-sweep.mjs [--model xsmall] [--dtype fp32] [--texts 48] [--rounds 3]
//          [--limits 1x4096,4x4096,8x4096,16x4096,32x4096,32x2048,32x1024] [--json bench/results/batch-sweep.json]
//   Each limit is maxBatch x maxTokens (src/engine/batching.ts BatchLimits). One WASM session (the app's thread rule)
//   runs every limit's batches once per round, the order reversed on odd rounds; the claims are ratios within a round.
//   --profile: no rounds; per limit, ORT's profiler on a fresh session (bench-worker.ts SweepJob.profile), its kernel
//   times summed per op type, and the share of the runs' wall time spent outside kernels (JSON: `profile`).
//   --workers N: no limits sweep; per round, one worker with N WASM threads on all the texts against N workers with 1
//   thread each on 1/N of them (texts dealt in turn), all at once, under the first limit (issue 11's threads lever).
//   --model also takes xsmall-windowed (the same weights, windowed relative-position attention).
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
    profile: { type: 'boolean', default: false },
    workers: { type: 'string', default: '0' },
  },
});
const [size, attention = 'stock'] = args.model.split('-');
const dir = args.model === 'fixture' ? join(ROOT, 'public/models/demo-fixture') : ensureRandomBundle(size, `bench/models/random-${args.model}`, ['--variants', 'fp32,q8', '--web-check', 'off', '--attention', attention]);
const url = `/${dir.slice(ROOT.length + 1).replace(/^public\//, '')}/`;
const manifest = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8'));
const limits = args.limits.split(',').map((s) => {
  const [b, t] = s.split('x').map(Number);
  if (!(b > 0 && t > 0)) throw new Error(`bad limit '${s}': write maxBatch x maxTokens, e.g. 8x4096`);
  return { maxBatch: b, maxTokens: t };
});
const texts = benchTexts(Number(args.texts));
const loads = [loadavg()[0]];
const profileLines = [];

/** Writes `doc` to --json (every mode's results file). */
function writeJson(doc) {
  mkdirSync(dirname(resolve(ROOT, args.json)), { recursive: true });
  writeFileSync(resolve(ROOT, args.json), `${JSON.stringify(doc, null, 2)}\n`);
}

/**
 * ORT's profiler events (Chrome trace objects printed one per line, after a `profile-mark k runs` line of
 * bench-worker.ts) into, per limit, the profiled pass's model_run count and ms and its kernel ms per op type. The
 * profiled pass is the last `runs` model_run events; earlier events (session creation, the warm-up) are dropped.
 */
function kernelProfile(lines, count) {
  const events = Array.from({ length: count }, () => []);
  const passRuns = [];
  let k = -1;
  for (const line of lines) {
    const m = /^profile-mark (\d+) (\d+)$/.exec(line);
    if (m) {
      k = Number(m[1]);
      passRuns[k] = Number(m[2]);
      continue;
    }
    for (const text of line.split('\n')) {
      const json = text.trim().replace(/,$/, '');
      if (k >= 0 && json.startsWith('{') && json.includes('"ph"')) events[k].push(JSON.parse(json));
    }
  }
  return events.map((list, i) => {
    const runs = list.filter((e) => e.name === 'model_run').sort((a, b) => a.ts - b.ts).slice(-passRuns[i]);
    const from = runs[0]?.ts ?? Infinity;
    const out = { runs: runs.length, runMs: runs.reduce((s, e) => s + e.dur / 1000, 0), kernelMs: 0, ops: {} };
    for (const e of list) {
      if (e.ts < from || e.cat !== 'Node' || !e.name.endsWith('_kernel_time')) continue;
      const op = e.args?.op_name ?? '?';
      out.kernelMs += e.dur / 1000;
      out.ops[op] = (out.ops[op] ?? 0) + e.dur / 1000;
    }
    out.ops = Object.fromEntries(Object.entries(out.ops).sort((a, b) => b[1] - a[1]));
    return out;
  });
}
const timer = setInterval(() => loads.push(loadavg()[0]), 10_000);

if (Number(args.workers) > 1) {
  const n = Number(args.workers);
  const job = { bundle: url, dtype: args.dtype, hypotheses: manifest.labels.map((l) => l.hypothesis), limits: [limits[0]], rounds: 1 };
  const runs = await withChromium(async ({ base, browser }) => {
    const page = await openBenchPage(await browser.newContext(), base);
    page.on('console', (m) => console.error(m.text()));
    const one = async () => (await page.evaluate((j) => globalThis.benchSweepWorkers(j), [{ ...job, texts, threads: n }]))[0].ms[0][0];
    const many = async () => {
      const parts = Array.from({ length: n }, (_, w) => texts.filter((_, i) => i % n === w));
      const results = await page.evaluate((j) => globalThis.benchSweepWorkers(j), parts.map((part) => ({ ...job, texts: part, threads: 1 })));
      return Math.max(...results.map((r) => r.ms[0][0]));
    };
    const rows = [];
    for (let round = 0; round < Number(args.rounds); round++) {
      const row = round % 2 ? { many: await many(), one: await one() } : { one: await one(), many: await many() };
      console.error(`round ${round}: 1 worker x ${n} threads ${row.one.toFixed(0)} ms, ${n} workers x 1 thread ${row.many.toFixed(0)} ms`);
      rows.push(row);
    }
    return rows;
  });
  clearInterval(timer);
  const doc = {
    date: new Date().toISOString(), command: `node bench/batch-sweep.mjs --workers ${n} --model ${args.model} --dtype ${args.dtype} --texts ${args.texts} --rounds ${args.rounds} --limits ${args.limits.split(',')[0]}`,
    machine: machine(), load: { min: Math.min(...loads), median: median(loads), max: Math.max(...loads) },
    oneWorkerTextsPerSecond: median(runs.map((r) => (1000 * texts.length) / r.one)),
    workersTextsPerSecond: median(runs.map((r) => (1000 * texts.length) / r.many)),
    workersVsOne: median(runs.map((r) => r.one / r.many)), runs,
  };
  writeJson(doc);
  console.log(`${doc.command}\nload ${doc.load.min.toFixed(1)}–${doc.load.max.toFixed(1)}`);
  console.log(`1 worker x ${n} threads: ${doc.oneWorkerTextsPerSecond.toFixed(2)} texts/s; ${n} workers x 1 thread: ${doc.workersTextsPerSecond.toFixed(2)} texts/s; workers / one: ${doc.workersVsOne.toFixed(2)} (median of the rounds' ratios)`);
  process.exit(0);
}

const result = await withChromium(async ({ base, browser }) => {
  const page = await openBenchPage(await browser.newContext(), base);
  page.on('console', (m) => (args.profile ? profileLines.push(m.text()) : console.error(m.text())));
  return page.evaluate((j) => globalThis.benchSweep(j), {
    bundle: url,
    dtype: args.dtype,
    texts,
    hypotheses: manifest.labels.map((l) => l.hypothesis),
    limits,
    rounds: Number(args.rounds),
    profile: args.profile,
  });
});
if (args.profile) {
  const profile = kernelProfile(profileLines, limits.length);
  const doc = { date: new Date().toISOString(), command: `node bench/batch-sweep.mjs --profile --model ${args.model} --dtype ${args.dtype} --texts ${args.texts} --limits ${args.limits}`, machine: machine(), load: { min: Math.min(...loads), max: Math.max(...loads) }, pairs: result.pairs, threads: result.threads, limits: limits.map((l) => `${l.maxBatch}x${l.maxTokens}`), wallMs: result.ms[0], profile };
  writeJson(doc);
  console.log(`${doc.command}\nload ${doc.load.min.toFixed(1)}–${doc.load.max.toFixed(1)}; ${result.pairs} pairs; ${result.threads} WASM threads`);
  console.log('| limit | wall ms | runs (model_run ms) | kernel ms | outside kernels | top ops (kernel ms) |\n|---|---|---|---|---|---|');
  profile.forEach((p, k) => {
    const top = Object.entries(p.ops).slice(0, 6).map(([op, ms]) => `${op} ${ms.toFixed(0)}`).join(', ');
    console.log(`| ${doc.limits[k]} | ${result.ms[0][k].toFixed(0)} | ${p.runs} (${p.runMs.toFixed(0)}) | ${p.kernelMs.toFixed(0)} | ${(100 * (1 - p.kernelMs / p.runMs)).toFixed(1)}% | ${top} |`);
  });
  process.exit(0);
}
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
writeJson(doc);
console.log(`${doc.command}\nload ${doc.load.min.toFixed(1)}–${doc.load.max.toFixed(1)}; ${result.pairs} pairs; ${result.threads} WASM threads`);
console.log('| limit (batch x tokens) | texts/s | × first | runs | padded tokens |\n|---|---|---|---|---|');
for (const r of rows) console.log(`| ${r.limit} | ${r.textsPerSecond.toFixed(2)} | ${r.vsFirst.toFixed(2)} | ${r.runs} | ${r.paddedTokens} |`);
