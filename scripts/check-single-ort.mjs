#!/usr/bin/env node
// Fails when a production build ships more (or less) than one copy of ONNX Runtime Web.
// transformers.js depends on its own onnxruntime-web build; without the npm override
// in package.json the app would ship two runtimes (and two ~27 MB .wasm files).
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

/** A string that ORT's JS API (onnxruntime-common's backend resolver) contains exactly once per copy. */
export const ORT_API_MARKER = 'no available backend found';
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
  const apiCopies = api.reduce((sum, f) => sum + f.copies, 0);
  const problems = [];
  if (wasm.length !== 1) problems.push(`expected 1 ONNX Runtime .wasm binary, found ${wasm.length}: ${wasm.join(', ') || 'none'}`);
  if (apiCopies !== 1) {
    problems.push(
      `expected 1 copy of ONNX Runtime Web's JS API, found ${apiCopies}: ${api.map((f) => `${f.file} (${f.copies})`).join(', ') || 'none'}`,
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
    console.error('  Fix: keep the "overrides" entry for onnxruntime-web in package.json and import only onnxruntime-web/webgpu.');
    process.exit(1);
  }
  console.log(`ONNX Runtime Web copies in ${dir}: OK (one wasm: ${report.wasm[0]}; JS API in ${report.api[0].file})`);
}
