#!/usr/bin/env node
// Fails when the production build's main-thread chunk holds Ajv, and prints its size.
// Manifest validation with Ajv belongs to the engine worker; the main thread only needs
// constants and types. .dependency-cruiser.cjs checks the imports; this checks the bundle.
import { existsSync, readFileSync } from 'node:fs';
import { join, posix } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';

/**
 * Strings that Ajv's code carries through minification: error messages of ajv/dist/core and compile/, and
 * the manifest schema's $id, which the generated validator (src/engine/manifest.validate.js) embeds.
 */
export const AJV_MARKERS = ['ajv implementation error', 'Disable strict mode or pass `true` to `ajv.addFormat`', 'manifest.schema.json'];

/** The entry script of index.html (`<script type="module" src=…>`), as a path inside the build folder. */
export function entryScript(html) {
  const tag = [...html.matchAll(/<script\b[^>]*>/g)].map((m) => m[0]).find((t) => /\btype=["']module["']/.test(t) && /\bsrc=/.test(t));
  const src = tag?.match(/\bsrc=["']([^"']+)["']/)?.[1];
  if (!src) throw new Error('index.html has no <script type="module" src=…>');
  return src.replace(/^\//, '');
}

/** Chunks a chunk loads before it runs: its static `import … from "./x.js"` and `import "./x.js"`. */
function staticImports(code, file) {
  const dir = posix.dirname(file);
  return [...code.matchAll(/(?:\bfrom|\bimport)\s*["'](\.{1,2}\/[^"']+\.m?js)["']/g)].map((m) => posix.join(dir, m[1]));
}

/**
 * The main-thread chunk of a build: the entry script of index.html, with the chunks it
 * imports statically (and index.html's modulepreload links), their sizes, and which hold Ajv.
 */
export function inspectMainChunk(dir) {
  const html = readFileSync(join(dir, 'index.html'), 'utf8');
  const entry = entryScript(html);
  const preloads = [...html.matchAll(/<link\b[^>]*\brel=["']modulepreload["'][^>]*>/g)]
    .map((m) => m[0].match(/\bhref=["']([^"']+)["']/)?.[1])
    .filter(Boolean)
    .map((href) => href.replace(/^\//, ''));
  const queue = [entry, ...preloads];
  const files = [];
  const seen = new Set();
  while (queue.length) {
    const file = queue.shift();
    if (seen.has(file)) continue;
    seen.add(file);
    if (!existsSync(join(dir, file))) throw new Error(`${file} (loaded by the main thread) is missing from ${dir}`);
    const bytes = readFileSync(join(dir, file));
    const code = bytes.toString('utf8');
    files.push({ file, bytes: bytes.length, gzipBytes: gzipSync(bytes).length, ajv: AJV_MARKERS.filter((m) => code.includes(m)) });
    queue.push(...staticImports(code, file));
  }
  const withAjv = files.filter((f) => f.ajv.length > 0);
  const problems = withAjv.map((f) => `${f.file} holds Ajv (found ${f.ajv.map((m) => JSON.stringify(m)).join(', ')})`);
  return { entry, files, ok: problems.length === 0, problems };
}

const kB = (n) => `${(n / 1000).toFixed(2)} kB`;

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const dir = process.argv[2] ?? 'dist';
  const report = inspectMainChunk(dir);
  for (const f of report.files) console.log(`main-thread chunk ${f.file}: ${kB(f.bytes)} (gzip ${kB(f.gzipBytes)})`);
  if (!report.ok) {
    console.error(`Ajv in the main-thread chunk of ${dir}: FAIL`);
    for (const p of report.problems) console.error(`  - ${p}`);
    console.error('  Fix: the main thread may import only types (import type) and side-effect-free constants from modules that use Ajv.');
    console.error('  `npm run check:deps` names the import path.');
    process.exit(1);
  }
  console.log(`Ajv in the main-thread chunk of ${dir}: none (OK)`);
}
