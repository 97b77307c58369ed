#!/usr/bin/env node
// Cold load of the production build: time from navigation to "model ready" and the bytes the page and its workers
// download, each run in a fresh browser context (nothing cached). A measurement: it prints figures and asserts nothing.
//
// Usage: npx vite build && node bench/cold-load.mjs [--dist dist] [--runs 3] [--query ?backend=wasm] [--port 4494] [--webgpu] [--verbose]
//   --webgpu: Chromium with a WebGPU adapter (SwiftShader here); --verbose: every request with its size.
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { chromium } from '@playwright/test';
import { preview } from 'vite';
import { CHROMIUM_ARGS, CHROMIUM_PATH, WEBGPU_ARG } from '../scripts/chromium.mjs';
import { median, ROOT } from './common.mjs';

const { values: args } = parseArgs({
  options: {
    dist: { type: 'string', default: 'dist' },
    runs: { type: 'string', default: '3' },
    query: { type: 'string', default: '' },
    port: { type: 'string', default: '4494' },
    webgpu: { type: 'boolean', default: false },
    verbose: { type: 'boolean', default: false },
  },
});

const server = await preview({ root: ROOT, logLevel: 'warn', build: { outDir: resolve(args.dist) }, preview: { port: Number(args.port), strictPort: true, host: '127.0.0.1' } });
const base = server.resolvedUrls.local[0];
const browser = await chromium.launch({ executablePath: CHROMIUM_PATH, args: [...CHROMIUM_ARGS, ...(args.webgpu ? [WEBGPU_ARG] : [])], headless: true });
const runs = [];
try {
  for (let i = 0; i < Number(args.runs); i++) {
    const context = await browser.newContext();
    const page = await context.newPage();
    const sizes = [];
    // NOTE: context-level events include the dedicated workers' fetches (the bundle, ORT's .wasm).
    context.on('requestfinished', (r) => sizes.push(r.sizes().then((s) => ({ path: new URL(r.url()).pathname, bytes: s.responseBodySize + s.responseHeadersSize }))));
    const started = Date.now();
    await page.goto(`${base}${args.query}`);
    await page.waitForSelector('[data-testid="model-status"][data-state="ready"]', { timeout: 300_000 });
    const readyMs = Date.now() - started;
    const backend = await page.getByTestId('backend').textContent();
    const files = await Promise.all(sizes);
    await context.close();
    const total = files.reduce((s, f) => s + f.bytes, 0);
    const ortWasm = files.filter((f) => /ort-wasm.*\.wasm$/.test(f.path));
    runs.push({ readyMs, total, backend, ortWasm });
    if (args.verbose) for (const f of files) console.log(`  ${f.path} ${f.bytes} B`);
    console.log(`run ${i + 1}: ready in ${readyMs} ms on ${backend}; ${(total / 1e6).toFixed(2)} MB in ${files.length} requests; ORT wasm: ${ortWasm.map((f) => `${f.path} ${(f.bytes / 1e6).toFixed(2)} MB`).join(', ')}`);
  }
} finally {
  await browser.close();
  await server.close();
}
console.log(`median of ${runs.length}: ready in ${median(runs.map((r) => r.readyMs))} ms; ${(median(runs.map((r) => r.total)) / 1e6).toFixed(2)} MB downloaded`);
