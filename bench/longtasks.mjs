#!/usr/bin/env node
// Finds the main thread's long tasks (> 50 ms) in the real UI during a CSV run, each with what ran in it (Chromium trace + CPU profile).
//
// Usage: node bench/longtasks.mjs [--rows 1000] [--states cold,cached] [--minify] [--no-profile] [--no-trace] [--dist DIR]
//                                  [--port 0 (any free)] [--top 6] [--json FILE]
//   Builds the app (`vite build`, names kept unless --minify, into a temporary folder; --dist serves a build instead),
//   serves it with `vite preview` (the app's headers), opens it in headless Chromium on the demo fixture (fp32, WASM),
//   then, traced: chooses the first `--rows` rows of public/samples/seed-news.csv, "Label all rows" until done, and the
//   download. Prints each main-thread task over 50 ms: when (after which step), how long, the trace events that took
//   its time (script, style, layout, GC…) and the JS functions with the most self and total time in its CPU samples.
//   `--states cold,cached` runs a fresh page, then a second page of the same context (model files cached).
//   Tracing costs time of its own: `--no-profile` leaves out the CPU sampler, `--no-trace` counts with the page's
//   PerformanceObserver('longtask') alone (the figures to compare; the trace says why). Each task's "cpu" is the main
//   thread's own CPU time in it (the trace's thread duration): far below its wall time, the thread waited for a core
//   (on a 2-core machine, ORT's WASM threads hold both while a run goes).
// A benchmark: it asserts nothing; counts move with the machine's load.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { chromium } from '@playwright/test';
import { CHROMIUM_ARGS, CHROMIUM_PATH } from '../scripts/chromium.mjs';
import { buildApp, previewApp, ROOT } from './common.mjs';

const { values: args } = parseArgs({
  options: {
    rows: { type: 'string', default: '1000' },
    states: { type: 'string', default: 'cold,cached' },
    minify: { type: 'boolean', default: false },
    dist: { type: 'string' },
    port: { type: 'string', default: '0' },
    top: { type: 'string', default: '6' },
    json: { type: 'string' },
    trace: { type: 'boolean', default: true },
    profile: { type: 'boolean', default: true },
  },
  allowNegative: true,
});

/** A task is long above this (the Long Tasks API's threshold). */
const LONG_MS = 50;
const CATEGORIES = [
  'toplevel',
  'devtools.timeline',
  'disabled-by-default-devtools.timeline',
  'disabled-by-default-devtools.timeline.frame',
  'v8.execute',
  'blink.user_timing',
  ...(args.profile ? ['disabled-by-default-v8.cpu_profiler'] : []),
];
/** The steps of the flow, marked in the page (performance.mark) so that each task is placed after one. */
const STEPS = ['choose-file', 'table-ready', 'label-all', 'first-row', 'run-done', 'download', 'downloaded'];

const scratch = mkdtempSync(join(tmpdir(), 'longtasks-'));
process.on('exit', () => rmSync(scratch, { recursive: true, force: true }));

function build() {
  if (args.dist) return resolve(args.dist);
  const outDir = join(scratch, 'dist');
  console.error(`building the app into ${outDir}${args.minify ? '' : ' (not minified, so that functions keep their names)'}…`);
  return buildApp(outDir, { minify: args.minify });
}

/** The first `rows` rows of the seed sample (one row per line, so its head is a valid CSV). */
function sampleCsv(rows) {
  const lines = readFileSync(join(ROOT, 'public/samples/seed-news.csv'), 'utf8').split('\n');
  const path = join(scratch, 'seed-news.csv');
  writeFileSync(path, `${lines.slice(0, rows + 1).join('\n')}\n`);
  return path;
}

/** Runs the flow in `page` under tracing; returns the trace's events and what the page's own long-task observer saw. */
async function tracedRun(browser, page, base, csvPath) {
  await page.goto(`${base}?backend=wasm&dtype=fp32`, { timeout: 600_000 });
  await page.waitForSelector('[data-testid="model-status"][data-state="ready"]', { timeout: 600_000 });
  const mark = (name) => page.evaluate((n) => performance.mark(`longtasks:${n}`), name);
  if (args.trace) await browser.startTracing(page, { categories: CATEGORIES });
  const from = await page.evaluate(() => performance.now());
  await mark('choose-file');
  const chooser = page.waitForEvent('filechooser');
  await page.getByText('Choose a CSV file…').click();
  await (await chooser).setFiles(csvPath);
  await page.waitForSelector('[data-testid="csv-summary"]', { timeout: 600_000 });
  await page.waitForFunction(() => globalThis.document.querySelector('[data-csv-status]')?.getAttribute('data-csv-status') === 'ready', null, { timeout: 600_000 });
  await mark('table-ready');
  await mark('label-all');
  await page.getByRole('button', { name: /^(Label all rows|Label again)$/ }).click();
  await page.waitForSelector('[data-testid="results-table"] [data-scored="true"]', { timeout: 600_000 });
  await mark('first-row');
  await page.waitForSelector('[data-testid="batch-progress"][data-status="done"]', { timeout: 3_600_000 });
  await mark('run-done');
  // Whatever the end of the run set off (evaluation, histograms) runs before the download is clicked.
  await page.waitForTimeout(500);
  await mark('download');
  const download = page.waitForEvent('download');
  await page.getByRole('button', { name: 'Download labelled CSV' }).click();
  await (await download).path();
  await mark('downloaded');
  await page.waitForTimeout(500);
  const observed = (await page.evaluate(() => globalThis.longTasks)).filter((t) => t.start >= from);
  if (!args.trace) return { events: null, observed, steps: await page.evaluate(() => performance.getEntriesByType('mark').map((m) => [m.name, m.startTime])) };
  const trace = JSON.parse((await browser.stopTracing()).toString('utf8'));
  return { events: trace.traceEvents ?? trace, observed };
}

/** The renderer main thread that ran the marks: `pid:tid`. */
function mainThread(events) {
  const m = events.find((e) => e.cat?.includes('blink.user_timing') && e.name === 'longtasks:choose-file');
  if (!m) throw new Error('the trace has no longtasks:choose-file mark');
  return { pid: m.pid, tid: m.tid };
}

/** Self time (µs) of each complete event on one thread: its duration less its direct children's. */
function selfTimes(threadEvents) {
  const xs = threadEvents.filter((e) => e.ph === 'X' && e.dur > 0).sort((a, b) => a.ts - b.ts || b.dur - a.dur);
  const stack = [];
  for (const e of xs) {
    e.self = e.dur;
    while (stack.length && stack.at(-1).ts + stack.at(-1).dur <= e.ts) stack.pop();
    if (stack.length) stack.at(-1).self -= e.dur;
    stack.push(e);
  }
  return xs;
}

/** The sampled CPU profile of one thread: samples as { ts (µs, trace clock), node }, nodes by id. */
function cpuProfile(events, { pid, tid }) {
  const heads = events.filter((e) => e.name === 'Profile' && e.pid === pid && e.tid === tid);
  const samples = [];
  const nodes = new Map();
  for (const head of heads) {
    let ts = head.args.data.startTime;
    const chunks = events.filter((e) => e.name === 'ProfileChunk' && e.pid === pid && e.id === head.id).sort((a, b) => a.ts - b.ts);
    for (const c of chunks) {
      const p = c.args.data.cpuProfile ?? {};
      for (const n of p.nodes ?? []) nodes.set(`${head.id}:${n.id}`, { ...n, parent: n.parent === undefined ? null : `${head.id}:${n.parent}` });
      const deltas = c.args.data.timeDeltas ?? [];
      (p.samples ?? []).forEach((id, i) => {
        ts += deltas[i] ?? 0;
        samples.push({ ts, node: `${head.id}:${id}` });
      });
    }
  }
  samples.sort((a, b) => a.ts - b.ts);
  return { samples, nodes };
}

const frameName = (n) => {
  const f = n.callFrame;
  const where = f.url ? ` ${basename(f.url.split('?')[0])}:${f.lineNumber + 1}` : '';
  return `${f.functionName || '(anonymous)'}${where}`;
};

/** Top `k` entries of a Map of name → µs, as [name, ms]. */
const top = (map, k) =>
  [...map.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, k)
    .map(([name, us]) => [name, Math.round(us / 100) / 10]);

function analyse(events, observed, state) {
  const main = mainThread(events);
  const mine = events.filter((e) => e.pid === main.pid && e.tid === main.tid);
  const marks = STEPS.map((s) => ({ step: s, ts: mine.find((e) => e.name === `longtasks:${s}`)?.ts ?? Number.NaN }));
  const start = marks[0].ts;
  const timed = selfTimes(mine);
  const profile = cpuProfile(events, main);
  const tasks = timed.filter((e) => e.name === 'RunTask' && e.ts >= start && e.dur > LONG_MS * 1000);
  const k = Number(args.top);
  const described = tasks.map((t) => {
    const end = t.ts + t.dur;
    const byEvent = new Map();
    for (const e of timed) {
      if (e === t || e.ts < t.ts || e.ts >= end) continue;
      const name = e.name === 'FunctionCall' || e.name === 'EventDispatch' || e.name === 'TimerFire' ? `${e.name}${e.args?.data?.type ? ` ${e.args.data.type}` : ''}${e.args?.data?.functionName ? ` ${e.args.data.functionName}` : ''}` : e.name;
      byEvent.set(name, (byEvent.get(name) ?? 0) + e.self);
    }
    const self = new Map();
    const total = new Map();
    const inTask = profile.samples.filter((s) => s.ts >= t.ts && s.ts < end);
    inTask.forEach((s, i) => {
      const dt = (inTask[i + 1]?.ts ?? end) - s.ts;
      let node = profile.nodes.get(s.node);
      if (!node) return;
      self.set(frameName(node), (self.get(frameName(node)) ?? 0) + dt);
      const seen = new Set();
      for (; node; node = node.parent ? profile.nodes.get(node.parent) : null) {
        const name = frameName(node);
        if (seen.has(name) || name.startsWith('(root)')) continue;
        seen.add(name);
        total.set(name, (total.get(name) ?? 0) + dt);
      }
    });
    const after = marks.filter((m) => m.ts <= t.ts).at(-1)?.step ?? 'before';
    return {
      afterStep: after,
      atMs: Math.round((t.ts - start) / 1000),
      ms: Math.round(t.dur / 1000),
      cpuMs: t.tdur === undefined ? null : Math.round(t.tdur / 1000),
      events: top(byEvent, k),
      selfJs: top(self, k),
      totalJs: top(total, k),
      samples: inTask.length,
    };
  });
  // The main thread's own CPU time per phase, over all its tasks: what the code costs, whatever the machine's load.
  const at = Object.fromEntries(marks.map((m) => [m.step, m.ts]));
  const phases = { open: ['choose-file', 'label-all'], run: ['label-all', 'run-done'], download: ['download', null] };
  const cpu = Object.fromEntries(
    Object.entries(phases).map(([phase, [from, to]]) => {
      const ts = timed.filter((e) => e.name === 'RunTask' && e.ts >= at[from] && (to === null || e.ts < at[to]) && e.tdur !== undefined);
      const ms = ts.map((e) => e.tdur / 1000);
      return [phase, { tasks: ts.length, cpuMs: Math.round(ms.reduce((a, b) => a + b, 0)), maxCpuMs: Math.round(Math.max(0, ...ms)) }];
    }),
  );
  return {
    state,
    cpu,
    longTasks: described.length,
    longestMs: Math.max(0, ...described.map((d) => d.ms)),
    /** Long tasks whose own CPU time passed the threshold too. */
    cpuLong: described.filter((d) => d.cpuMs !== null && d.cpuMs > LONG_MS).length,
    observer: { longTasks: observed.length, longestMs: Math.round(Math.max(0, ...observed.map((o) => o.ms))) },
    steps: Object.fromEntries(marks.map((m) => [m.step, Math.round((m.ts - start) / 1000)])),
    tasks: described,
  };
}

/** What the page's own observer saw, placed after the steps (a run with --no-trace). */
function observedOnly(observed, steps, state) {
  const at = Object.fromEntries(steps.filter(([n]) => n.startsWith('longtasks:')).map(([n, t]) => [n.slice('longtasks:'.length), t]));
  const start = at['choose-file'];
  return {
    state,
    observer: { longTasks: observed.length, longestMs: Math.round(Math.max(0, ...observed.map((o) => o.ms))), at: observed.map((o) => `${Math.round(o.ms)}@${Math.round(o.start - start)}`) },
    steps: Object.fromEntries(STEPS.map((s) => [s, Math.round(at[s] - start)])),
    tasks: null,
  };
}

function print(r) {
  if (!r.tasks) {
    console.log(`\n== ${r.state}: PerformanceObserver: ${r.observer.longTasks} tasks over ${LONG_MS} ms, longest ${r.observer.longestMs} ms; at ${r.observer.at.join(', ')} ms`);
    console.log(`   steps (ms after choosing the file): ${Object.entries(r.steps).map(([s, ms]) => `${s} ${ms}`).join(', ')}`);
    return;
  }
  console.log(`\n== ${r.state}: ${r.longTasks} main-thread tasks over ${LONG_MS} ms (${r.cpuLong} with over ${LONG_MS} ms of CPU), longest ${r.longestMs} ms (PerformanceObserver: ${r.observer.longTasks}, longest ${r.observer.longestMs} ms)`);
  console.log(`   steps (ms after choosing the file): ${Object.entries(r.steps).map(([s, ms]) => `${s} ${ms}`).join(', ')}`);
  console.log(`   main-thread CPU: ${Object.entries(r.cpu).map(([p, c]) => `${p} ${c.cpuMs} ms in ${c.tasks} tasks (most ${c.maxCpuMs} ms)`).join('; ')}`);
  for (const t of r.tasks) {
    console.log(`-- ${t.ms} ms (cpu ${t.cpuMs ?? '?'} ms) at ${t.atMs} ms (after ${t.afterStep}; ${t.samples} CPU samples)`);
    console.log(`   events (self ms): ${t.events.map(([n, ms]) => `${n} ${ms}`).join(' | ')}`);
    console.log(`   JS self ms:       ${t.selfJs.map(([n, ms]) => `${n} ${ms}`).join(' | ')}`);
    console.log(`   JS total ms:      ${t.totalJs.map(([n, ms]) => `${n} ${ms}`).join(' | ')}`);
  }
}

const outDir = build();
const csvPath = sampleCsv(Number(args.rows));
const server = await previewApp(outDir, Number(args.port));
const browser = await chromium.launch({ executablePath: CHROMIUM_PATH, args: [...CHROMIUM_ARGS], headless: true });
const results = [];
try {
  const { base } = server;
  const context = await browser.newContext({ acceptDownloads: true, viewport: { width: 1280, height: 900 } });
  await context.addInitScript(() => {
    globalThis.longTasks = [];
    new PerformanceObserver((list) => list.getEntries().forEach((e) => globalThis.longTasks.push({ start: e.startTime, ms: e.duration }))).observe({ type: 'longtask', buffered: true });
  });
  for (const state of args.states.split(',')) {
    const page = await context.newPage();
    page.on('pageerror', (e) => console.error('[page error]', e.message));
    const { events, observed, steps } = await tracedRun(browser, page, base, csvPath);
    const r = events ? analyse(events, observed, state) : observedOnly(observed, steps, state);
    print(r);
    results.push(r);
    await page.close();
  }
  await context.close();
} finally {
  await browser.close();
  await server.close();
}
if (args.json) writeFileSync(resolve(args.json), `${JSON.stringify({ date: new Date().toISOString(), rows: Number(args.rows), minified: args.minify, results }, null, 2)}\n`);
