#!/usr/bin/env node
// Worker messaging in Chromium: what posting a chunk's results costs, as structured-cloned TextResult objects (what the
// app posts) against the same numbers packed into typed arrays and transferred (issue 11's messaging lever).
// A measurement: it prints figures and asserts nothing.
//
// Usage: node bench/messaging.mjs [--labels 5] [--chunks 1,8,32,1000] [--messages 40] [--json FILE]
//   A worker (a Blob, no app code) builds results of the engine's TextResult shape (src/engine/engine.ts: index,
//   truncated, windows, tokens, and per label nli, poly, alpha, blended) and posts `--messages` messages of each chunk
//   size both ways, interleaved. Timed: the worker's postMessage call (serialising) and, on the main thread, reading
//   `event.data` and every number in it (deserialising, as the store's applyChunk reads them). Medians per message.
import { parseArgs } from 'node:util';
import { chromium } from '@playwright/test';
import { CHROMIUM_ARGS, CHROMIUM_PATH } from '../scripts/chromium.mjs';
import { machine, writeJson } from './common.mjs';

const { values: args } = parseArgs({
  options: {
    labels: { type: 'string', default: '5' },
    chunks: { type: 'string', default: '1,8,32,1000' },
    messages: { type: 'string', default: '40' },
    json: { type: 'string' },
  },
});
const job = { labels: Number(args.labels), chunks: args.chunks.split(',').map(Number), messages: Number(args.messages) };

/** Runs in the page: one worker, both encodings per chunk size, interleaved; returns medians in ms per message. */
async function measure({ labels, chunks, messages }) {
  const workerSource = `
    const FIELDS = 4; // nli, poly, alpha, blended
    function objects(n, labels) {
      return Array.from({ length: n }, (_, i) => ({
        index: i, truncated: i % 7 === 0, windows: 1, tokens: 20 + (i % 60),
        scores: Array.from({ length: labels }, (_, j) => ({ nli: Math.random(), poly: j % 2 ? null : Math.random(), alpha: j % 2 ? null : 0.5, blended: Math.random() })),
      }));
    }
    function packed(results, labels) {
      const meta = new Int32Array(results.length * 4);
      const scores = new Float64Array(results.length * labels * FIELDS);
      results.forEach((r, i) => {
        meta.set([r.index, r.truncated ? 1 : 0, r.windows, r.tokens], i * 4);
        r.scores.forEach((s, j) => scores.set([s.nli, s.poly ?? NaN, s.alpha ?? NaN, s.blended], (i * labels + j) * FIELDS));
      });
      return { meta, scores };
    }
    onmessage = (e) => {
      const { n, labels, way } = e.data;
      const results = objects(n, labels);
      const t = performance.now();
      if (way === 'clone') postMessage({ way, results, sent: 0 });
      else { const p = packed(results, labels); postMessage({ way, ...p, sent: 0 }, [p.meta.buffer, p.scores.buffer]); }
      postMessage({ postMs: performance.now() - t });
    };`;
  const worker = new globalThis.Worker(URL.createObjectURL(new Blob([workerSource], { type: 'text/javascript' })));
  const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  const once = (n, way) =>
    new Promise((done) => {
      let readMs = 0;
      worker.onmessage = (e) => {
        const t = performance.now();
        const d = e.data;
        if ('postMs' in d) return done({ readMs, postMs: d.postMs });
        let sum = 0;
        if (d.way === 'clone') for (const r of d.results) for (const s of r.scores) sum += s.nli + (s.poly ?? 0) + (s.alpha ?? 0) + s.blended + r.index;
        else for (let i = 0; i < d.scores.length; i++) sum += Number.isNaN(d.scores[i]) ? 0 : d.scores[i];
        readMs = performance.now() - t + (sum === -1 ? 1 : 0);
      };
      worker.postMessage({ n, labels, way });
    });
  const rows = [];
  for (const n of chunks) {
    const runs = { clone: [], transfer: [] };
    for (let m = 0; m < messages; m++) for (const way of m % 2 ? ['transfer', 'clone'] : ['clone', 'transfer']) runs[way].push(await once(n, way));
    rows.push({
      texts: n,
      clone: { postMs: median(runs.clone.map((r) => r.postMs)), readMs: median(runs.clone.map((r) => r.readMs)) },
      transfer: { postMs: median(runs.transfer.map((r) => r.postMs)), readMs: median(runs.transfer.map((r) => r.readMs)) },
    });
  }
  worker.terminate();
  return rows;
}

const browser = await chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS, headless: true });
let rows;
try {
  const page = await browser.newPage();
  // A cross-origin isolated page (served by the route itself; localhost is a secure context), so that performance.now() has µs resolution, not 0.1 ms.
  await page.route('http://localhost:9/', (route) =>
    route.fulfill({ contentType: 'text/html', body: '<!doctype html><title>messaging</title>', headers: { 'Cross-Origin-Opener-Policy': 'same-origin', 'Cross-Origin-Embedder-Policy': 'require-corp' } }),
  );
  await page.goto('http://localhost:9/');
  if (!(await page.evaluate(() => globalThis.crossOriginIsolated))) throw new Error('the page is not cross-origin isolated: timers would be coarse');
  rows = await page.evaluate(measure, job);
} finally {
  await browser.close();
}
const command = `node bench/messaging.mjs --labels ${args.labels} --chunks ${args.chunks} --messages ${args.messages}`;
console.log(`${command}\n${job.labels} labels; median ms per message (worker: postMessage; main thread: read event.data and every number)`);
console.log('| texts per message | clone: worker | clone: main thread | typed arrays: worker (pack + post) | typed arrays: main thread |\n|---|---|---|---|---|');
for (const r of rows) console.log(`| ${r.texts} | ${r.clone.postMs.toFixed(3)} | ${r.clone.readMs.toFixed(3)} | ${r.transfer.postMs.toFixed(3)} | ${r.transfer.readMs.toFixed(3)} |`);
if (args.json) {
  writeJson(args.json, { date: new Date().toISOString(), command, machine: machine(), labels: job.labels, rows });
}
