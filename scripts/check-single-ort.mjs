#!/usr/bin/env node
// Fails when a production build ships other ONNX Runtime Web copies than one of each build the app loads
// (src/engine/session.ts: the WASM-only build for WASM, the WebGPU build for WebGPU). transformers.js depends
// on its own onnxruntime-web build; without the npm override in package.json the app would ship more runtimes.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

/** A string that ORT's JS API (onnxruntime-common's backend resolver) contains exactly once per copy. */
export const ORT_API_MARKER = 'no available backend found';
/** The ORT builds the app ships, each exactly once, by the name of its .wasm (Vite adds `-HASH`): session.ts' BUILDS. */
export const ORT_BUILDS = Object.freeze({ 'WASM-only': 'ort-wasm-simd-threaded', WebGPU: 'ort-wasm-simd-threaded.asyncify' });

/** The build a .wasm file name belongs to, or null. */
function buildOf(path) {
  const name = path.split(/[\\/]/).pop();
  return Object.keys(ORT_BUILDS).find((b) => name === `${ORT_BUILDS[b]}.wasm` || name.startsWith(`${ORT_BUILDS[b]}-`)) ?? null;
}
const WASM_MAGIC = Buffer.from([0x00, 0x61, 0x73, 0x6d]);

function* walk(dir) {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) yield* walk(path);
    else yield path;
  }
}

function countOccurrences(haystack, needle) {
  let count = 0;
  for (let i = haystack.indexOf(needle); i !== -1; i = haystack.indexOf(needle, i + needle.length)) count++;
  return count;
}

/**
 * Lists the ONNX Runtime Web copies in a build folder: the ORT WebAssembly binaries
 * and the JS files that hold ORT's API, with how many copies each holds.
 */
export function inspectBuild(dir) {
  const wasm = [];
  const api = [];
  for (const path of walk(dir)) {
    const bytes = readFileSync(path);
    const rel = relative(dir, path);
    if (bytes.subarray(0, 4).equals(WASM_MAGIC)) {
      if (bytes.includes('onnxruntime')) wasm.push(rel);
    } else if (/\.(m?js)$/.test(path)) {
      const copies = countOccurrences(bytes.toString('latin1'), ORT_API_MARKER);
      if (copies > 0) api.push({ file: rel, copies });
    }
  }
  const problems = [];
  for (const [build, name] of Object.entries(ORT_BUILDS)) {
    const found = wasm.filter((w) => buildOf(w) === build);
    if (found.length !== 1) problems.push(`expected 1 .wasm of ONNX Runtime's ${build} build (${name}*.wasm), found ${found.length}: ${found.join(', ') || 'none'}`);
  }
  const unknown = wasm.filter((w) => buildOf(w) === null);
  if (unknown.length) problems.push(`unexpected ONNX Runtime .wasm binaries: ${unknown.join(', ')}`);
  const builds = Object.keys(ORT_BUILDS).length;
  const apiCopies = api.reduce((sum, f) => sum + f.copies, 0);
  if (apiCopies !== builds) {
    problems.push(
      `expected ${builds} copies of ONNX Runtime Web's JS API (one per build), found ${apiCopies}: ${api.map((f) => `${f.file} (${f.copies})`).join(', ') || 'none'}`,
    );
  }
  return { wasm, api, ok: problems.length === 0, problems };
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const dir = process.argv[2] ?? 'dist';
  const report = inspectBuild(dir);
  if (!report.ok) {
    console.error(`ONNX Runtime Web copies in ${dir}: FAIL`);
    for (const p of report.problems) console.error(`  - ${p}`);
    console.error('  Fix: keep the "overrides" entry for onnxruntime-web in package.json, and import ORT only in src/engine/session.ts (its BUILDS).');
    process.exit(1);
  }
  console.log(`ONNX Runtime Web copies in ${dir}: OK (one per build: ${report.wasm.join(', ')}; JS API in ${report.api.map((f) => f.file).join(', ')})`);
}
