#!/usr/bin/env node
// Which nodes of a bundle's graphs ONNX Runtime Web's WebGPU EP leaves to the CPU (issue 11: "ops that fall back to the
// CPU found with verbose logging"): creates a WebGPU session per graph with ORT's verbose log on and reads its node
// placements from the worker's console; results to stdout and --json.
//
// Usage: node bench/webgpu-placement.mjs [--bundle /models/demo-seed-news/] [--dtypes fp32,fp16,q4f16,q4] [--json FILE]
//   Runs on Chromium's WebGPU (--enable-unsafe-webgpu; here SwiftShader, a CPU adapter, so only placements are read,
//   never speeds; variants that need shader-f16 fail to load there and are reported as such).
import { parseArgs } from 'node:util';
import { openBenchPage, withChromium, writeJson } from './common.mjs';

const { values: args } = parseArgs({
  options: {
    bundle: { type: 'string', default: '/models/demo-seed-news/' },
    dtypes: { type: 'string', default: 'fp32,q4' },
    json: { type: 'string' },
  },
});

/** Node placements ORT logs at session creation: per execution provider, the op types and counts it was given. */
function placements(lines) {
  const out = {};
  let ep = null;
  for (const line of lines) {
    const head = /Node\(s\) placed on \[(\w+)\]\. Number of nodes: (\d+)/.exec(line);
    if (head) {
      ep = head[1];
      out[ep] = { nodes: Number(head[2]), ops: {} };
      continue;
    }
    const node = ep && /^\s*(\w+) \((.*)\)\s*$/.exec(line.replace(/^.*\] /, ''));
    if (node) out[ep].ops[node[1]] = (out[ep].ops[node[1]] ?? 0) + 1;
  }
  return out;
}

const results = await withChromium(
  async ({ base, browser }) => {
    const page = await openBenchPage(await browser.newContext(), base);
    const lines = [];
    page.on('console', (m) => lines.push(...m.text().split('\n')));
    const out = [];
    for (const dtype of args.dtypes.split(',')) {
      for (const graph of ['backbone', 'heads']) {
        lines.length = 0;
        const job = { bundle: args.bundle, dtype, graph };
        const error = await page.evaluate((j) => globalThis.benchPlacement(j).then(() => null, (e) => String(e.message ?? e)), job);
        out.push({ dtype, graph, error, placements: error ? null : placements(lines), raw: lines.filter((l) => /placed on|assigned|CPUExecutionProvider/.test(l)).slice(0, 40) });
      }
    }
    return out;
  },
  { webgpu: true },
);
for (const r of results) {
  console.log(`${r.dtype} ${r.graph}: ${r.error ? `not loaded (${r.error.slice(0, 160)})` : JSON.stringify(Object.fromEntries(Object.entries(r.placements).map(([ep, p]) => [ep, `${p.nodes} nodes: ${Object.entries(p.ops).map(([op, n]) => `${op} ${n}`).join(', ')}`])))}`);
}
if (args.json) writeJson(args.json, { date: new Date().toISOString(), bundle: args.bundle, results });
