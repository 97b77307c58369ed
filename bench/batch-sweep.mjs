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
//   --model: any of bench/common.mjs BENCH_MODELS (fixture, xsmall, xsmall-windowed, base, large).
import { loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { benchModel, benchTexts, machine, median, openBenchPage, withChromium, writeJson } from './common.mjs';
import { kernelProfile } from './profile.mjs';

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
const model = benchModel(args.model);
const hypotheses = model.manifest.labels.map((l) => l.hypothesis);
const limits = args.limits.split(',').map((s) => {
  const [b, t] = s.split('x').map(Number);
  if (!(b > 0 && t > 0)) throw new Error(`bad limit '${s}': write maxBatch x maxTokens, e.g. 8x4096`);
  return { maxBatch: b, maxTokens: t };
});
const limitNames = limits.map((l) => `${l.maxBatch}x${l.maxTokens}`);
const texts = benchTexts(Number(args.texts));

/** Samples the load average every 10 s while `fn` runs; returns its result and the samples' min, median and max. */
async function underLoad(fn) {
  const loads = [loadavg()[0]];
  const timer = setInterval(() => loads.push(loadavg()[0]), 10_000);
  try {
    return { result: await fn(), load: { min: Math.min(...loads), median: median(loads), max: Math.max(...loads) } };
  } finally {
    clearInterval(timer);
  }
}

/** Runs bench-worker.ts's sweep (or its profiled passes) in Chromium; console lines go to `onConsole`. */
function sweep(onConsole) {
  return withChromium(async ({ base, browser }) => {
    const page = await openBenchPage(await browser.newContext(), base);
    page.on('console', (m) => onConsole(m.text()));
    return page.evaluate((j) => globalThis.benchSweep(j), { bundle: model.url, dtype: args.dtype, texts, hypotheses, limits, rounds: Number(args.rounds), profile: args.profile });
  });
}

/** --workers N: one worker with N threads against N workers with 1 thread each, all the texts, under the first limit. */
async function workersMode(n) {
  const job = { bundle: model.url, dtype: args.dtype, hypotheses, limits: [limits[0]], rounds: 1 };
  const { result: runs, load } = await underLoad(() =>
    withChromium(async ({ base, browser }) => {
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
    }),
  );
  const doc = {
    date: new Date().toISOString(),
    command: `node bench/batch-sweep.mjs --workers ${n} --model ${args.model} --dtype ${args.dtype} --texts ${args.texts} --rounds ${args.rounds} --limits ${limitNames[0]}`,
    machine: machine(),
    load,
    oneWorkerTextsPerSecond: median(runs.map((r) => (1000 * texts.length) / r.one)),
    workersTextsPerSecond: median(runs.map((r) => (1000 * texts.length) / r.many)),
    workersVsOne: median(runs.map((r) => r.one / r.many)),
    runs,
  };
  writeJson(args.json, doc);
  console.log(`${doc.command}\nload ${load.min.toFixed(1)}–${load.max.toFixed(1)}`);
  console.log(
    `1 worker x ${n} threads: ${doc.oneWorkerTextsPerSecond.toFixed(2)} texts/s; ${n} workers x 1 thread: ${doc.workersTextsPerSecond.toFixed(2)} texts/s; workers / one: ${doc.workersVsOne.toFixed(2)} (median of the rounds' ratios)`,
  );
}

/** --profile: per limit, ORT's profiler on a fresh session; kernel ms per op and the share outside kernels. */
async function profileMode() {
  const lines = [];
  const { result, load } = await underLoad(() => sweep((line) => lines.push(line)));
  const profile = kernelProfile(lines, limits.length);
  const doc = {
    date: new Date().toISOString(),
    command: `node bench/batch-sweep.mjs --profile --model ${args.model} --dtype ${args.dtype} --texts ${args.texts} --limits ${args.limits}`,
    machine: machine(),
    load: { min: load.min, max: load.max },
    pairs: result.pairs,
    threads: result.threads,
    limits: limitNames,
    wallMs: result.ms[0],
    profile,
  };
  writeJson(args.json, doc);
  console.log(`${doc.command}\nload ${load.min.toFixed(1)}–${load.max.toFixed(1)}; ${result.pairs} pairs; ${result.threads} WASM threads`);
  console.log('| limit | wall ms | runs (model_run ms) | kernel ms | outside kernels | top ops (kernel ms) |\n|---|---|---|---|---|---|');
  profile.forEach((p, k) => {
    const top = Object.entries(p.ops).slice(0, 6).map(([op, ms]) => `${op} ${ms.toFixed(0)}`).join(', ');
    console.log(`| ${limitNames[k]} | ${result.ms[0][k].toFixed(0)} | ${p.runs} (${p.runMs.toFixed(0)}) | ${p.kernelMs.toFixed(0)} | ${(100 * (1 - p.kernelMs / p.runMs)).toFixed(1)}% | ${top} |`);
  });
}

/** The sweep: per limit, texts/s (median over rounds) and its ratio to the first limit within each round (median). */
async function sweepMode() {
  const { result, load } = await underLoad(() => sweep((line) => console.error(line)));
  const rows = limits.map((_, k) => ({
    limit: limitNames[k],
    textsPerSecond: median(result.ms.map((r) => (1000 * texts.length) / r[k])),
    vsFirst: median(result.ms.map((r) => r[0] / r[k])),
    runs: result.runs[k],
    paddedTokens: result.paddedTokens[k],
  }));
  const doc = {
    date: new Date().toISOString(),
    command: `node bench/batch-sweep.mjs --model ${args.model} --dtype ${args.dtype} --texts ${args.texts} --rounds ${args.rounds} --limits ${args.limits}`,
    machine: machine(),
    load,
    pairs: result.pairs,
    threads: result.threads,
    rows,
    ms: result.ms,
  };
  writeJson(args.json, doc);
  console.log(`${doc.command}\nload ${load.min.toFixed(1)}–${load.max.toFixed(1)}; ${result.pairs} pairs; ${result.threads} WASM threads`);
  console.log('| limit (batch x tokens) | texts/s | × first | runs | padded tokens |\n|---|---|---|---|---|');
  for (const r of rows) console.log(`| ${r.limit} | ${r.textsPerSecond.toFixed(2)} | ${r.vsFirst.toFixed(2)} | ${r.runs} | ${r.paddedTokens} |`);
}

if (Number(args.workers) > 1) await workersMode(Number(args.workers));
else if (args.profile) await profileMode();
else await sweepMode();
