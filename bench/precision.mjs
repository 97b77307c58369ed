#!/usr/bin/env node
// Precision benchmark: every WASM variant of each bundle through the real engine in headless Chromium, side by side,
// with the exporter's accuracy figures, written to bench/results/precision.json and the table in docs/precision.md.
//
// Usage: node bench/precision.mjs [--bundles fixture,xsmall,base] [--texts 100] [--rounds 2] [--threads 2]
//                                 [--out docs/precision.md] [--json bench/results/precision.json]
// Random-weight xsmall/base bundles are exported on demand into model-export/out/ (minutes; needs the venv).
// Runs are interleaved: in each round every variant of every bundle runs once, the order reversed on odd
// rounds, so that load on this shared machine falls on all alike. Ratios to fp32 come from the same rounds.
import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { benchTexts, ensureRandomBundle, machine as describeMachine, median, ROOT, withChromium, writeJson } from './common.mjs';

const root = ROOT;
const { values: args } = parseArgs({
  options: {
    bundles: { type: 'string', default: 'fixture,xsmall,base' },
    texts: { type: 'string', default: '100' },
    rounds: { type: 'string', default: '2' },
    threads: { type: 'string', default: '2' },
    out: { type: 'string', default: 'docs/precision.md' },
    json: { type: 'string', default: 'bench/results/precision.json' },
  },
});

const BUNDLES = {
  fixture: { dir: 'public/models/demo-fixture', url: '/models/demo-fixture/', make: null },
  xsmall: { dir: 'model-export/out/random-xsmall', make: 'xsmall' },
  base: { dir: 'model-export/out/random-base', make: 'base' },
};

function ensureBundle(name) {
  const spec = BUNDLES[name];
  if (!spec) throw new Error(`unknown bundle ${name}; choose from ${Object.keys(BUNDLES).join(', ')}`);
  const dir = spec.make ? ensureRandomBundle(spec.make, spec.dir) : join(root, spec.dir);
  if (!existsSync(join(dir, 'manifest.json'))) throw new Error(`${spec.dir} is missing`);
  const manifest = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8'));
  return { name, dir, url: spec.url ?? `/${spec.dir}/`, manifest };
}

const bundles = args.bundles.split(',').map(ensureBundle);
const texts = benchTexts(Number(args.texts));
const threads = Number(args.threads);
const runs = [];
const chromiumVersion = await withChromium(async ({ base, browser }) => {
  const page = await browser.newPage();
  page.on('pageerror', (e) => console.error('[page error]', e.message));
  // A fresh clone's first load makes Vite pre-bundle the dependencies: minutes on a busy 2-core machine.
  await page.goto(`${base}bench/precision.html`, { timeout: 600_000 });
  await page.waitForFunction(() => globalThis.benchReady === true, null, { timeout: 600_000 });
  if (threads > 1 && !(await page.evaluate(() => globalThis.crossOriginIsolated))) throw new Error('the page is not cross-origin isolated: WASM threads would be off');
  for (let round = 0; round < Number(args.rounds); round++) {
    for (const b of bundles) {
      const variants = Object.entries(b.manifest.variants).filter(([, v]) => v.intended_backends.includes('wasm')).map(([d]) => d);
      for (const dtype of round % 2 ? [...variants].reverse() : variants) {
        const result = await page.evaluate((job) => globalThis.bench(job), { bundle: b.url, backend: 'wasm', dtype, texts, threads });
        runs.push({ bundle: b.name, round, ...result });
        console.error(`round ${round} ${b.name} ${dtype}: ${result.textsPerSecond.toFixed(2)} texts/s (${result.labels} labels)`);
      }
    }
  }
  return browser.version();
});

const ortVersion = JSON.parse(readFileSync(join(root, 'node_modules/onnxruntime-web/package.json'), 'utf8')).version;
const machine = describeMachine();
const command = `node bench/precision.mjs --bundles ${args.bundles} --texts ${args.texts} --rounds ${args.rounds} --threads ${args.threads}`;
const table = bundles.map((b) => {
  const rows = Object.entries(b.manifest.variants).map(([dtype, v]) => {
    const mine = runs.filter((r) => r.bundle === b.name && r.dtype === dtype);
    const ratios = mine.map((r) => r.textsPerSecond / runs.find((f) => f.bundle === b.name && f.round === r.round && f.dtype === 'fp32').textsPerSecond);
    const bytes = [v.backbone, ...v.external_data].reduce((sum, p) => sum + b.manifest.files[p].bytes, 0);
    return {
      dtype,
      backends: v.intended_backends,
      megabytes: bytes / 1e6,
      maxAbsEntailment: v.max_abs_error.entailment,
      decisions: v.decisions,
      batchDependence: v.batch_dependence,
      runAlone: v.run_alone,
      recommended: v.recommended,
      wasmTextsPerSecond: mine.length ? median(mine.map((r) => r.textsPerSecond)) : null,
      wasmVsFp32: mine.length ? median(ratios) : null,
      checksumsAgree: mine.every((r) => Math.abs(r.checksum - mine[0].checksum) < 1e-9),
    };
  });
  return { bundle: b.name, source: b.manifest.provenance.source_model, hiddenSize: b.manifest.backbone.hidden_size, layers: b.manifest.backbone.num_layers, labels: b.manifest.labels.length, heads: b.manifest.heads?.labels.length ?? 0, rows };
});
const doc = { date: new Date().toISOString(), command, machine, chromium: chromiumVersion, onnxruntimeWeb: ortVersion, threads, texts: texts.length, rounds: Number(args.rounds), table, runs };
writeJson(args.json, doc);

const fmt = (x, d = 2) => (x === null ? '—' : x.toFixed(d));
const lines = [
  `Measured ${doc.date.slice(0, 10)} with \`${command}\` on ${machine.cpu} (${machine.cores} cores, ${machine.memoryGiB} GiB), headless Chromium ${chromiumVersion},`,
  `ONNX Runtime Web ${ortVersion}, WASM with ${threads} threads (cross-origin isolated); ${texts.length} news-like texts of 1–5 sentences per run,`,
  `${doc.rounds} interleaved rounds, median texts/s. Accuracy columns come from each bundle's manifest (the exporter's reference set, worse of ONNX Runtime CPU and Web, batched and alone).`,
  '',
];
for (const t of table) {
  lines.push(`### ${t.bundle}: ${t.source} (hidden ${t.hiddenSize}, ${t.layers} layers; ${t.labels} labels, ${t.heads} with heads)`, '');
  lines.push('| variant | meant for | size (MB) | max \\|Δ entailment\\| vs fp32 PyTorch | decisions as fp32 (texts; pairs) | batch dependence | recommended | WASM texts/s | × fp32 |');
  lines.push('|---|---|---|---|---|---|---|---|---|');
  for (const r of t.rows) {
    const d = r.decisions;
    lines.push(`| ${r.dtype} | ${r.backends.join(', ')} | ${fmt(r.megabytes, 1)} | ${r.maxAbsEntailment.toExponential(2)} | ${d.texts_agreeing}/${d.texts}; ${d.pairs_agreeing}/${d.pairs} | ${r.batchDependence === 0 ? '0' : r.batchDependence.toExponential(1)}${r.runAlone ? ' (runs alone)' : ''} | ${r.recommended ? 'yes' : 'no'} | ${fmt(r.wasmTextsPerSecond)} | ${fmt(r.wasmVsFp32)} |`);
  }
  lines.push('');
}
const outPath = resolve(root, args.out);
const begin = '<!-- precision:begin (written by bench/precision.mjs) -->';
const end = '<!-- precision:end -->';
const previous = existsSync(outPath) ? readFileSync(outPath, 'utf8') : `# Precision per backend\n\n${begin}\n${end}\n`;
if (!previous.includes(begin) || !previous.includes(end)) throw new Error(`${args.out} lacks the ${begin} / ${end} markers`);
writeFileSync(outPath, `${previous.slice(0, previous.indexOf(begin) + begin.length)}\n${lines.join('\n')}\n${previous.slice(previous.indexOf(end))}`);
console.error(`wrote ${args.json} and the table in ${args.out} (${statSync(outPath).size} bytes)`);
