#!/usr/bin/env node
// `npm run bench`: this app against the Transformers.js zero-shot pipeline and native ONNX Runtime, on the same backbone
// file, dtype, backend (WASM) and threads, runs interleaved; results to bench/results/bench.json and docs/benchmarks.md.
//
// Usage: npm run bench -- [--models xsmall] [--dtypes q8,fp32] [--texts 48] [--rounds 2] [--ui-rows 1000] [--smoke]
//   models: fixture (the committed random-weight fixture), xsmall, xsmall-windowed, base, large (random weights, exported on demand into
//   bench/models/ by the exporter, which also writes the transformers.js layout). --smoke: fixture, fp32, 4 texts,
//   1 round, a 40-row UI run, results to a temporary folder: it must complete; no figure is asserted.
// Each round runs, per model and dtype, A = the app's real worker (src/worker/client.ts), B = Transformers.js,
// C = Python onnxruntime on the engine's own padded batches; odd rounds run C B A, and the models in reverse order. Each browser run gets a fresh
// browser context (cold: nothing cached); the app then runs once more in a new page of that context (cached).
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { benchModel, benchTexts, buildApp, machine as describeMachine, median, openBenchPage, previewApp, PYTHON, quantile, ROOT, withChromium, writeJson } from './common.mjs';

const { values: args } = parseArgs({
  options: {
    models: { type: 'string', default: 'xsmall' },
    dtypes: { type: 'string', default: 'q8,fp32' },
    texts: { type: 'string', default: '48' },
    rounds: { type: 'string', default: '2' },
    'ui-rows': { type: 'string', default: '1000' },
    'ui-model': { type: 'string', default: 'fixture' },
    smoke: { type: 'boolean', default: false },
    out: { type: 'string', default: 'docs/benchmarks.md' },
    json: { type: 'string', default: 'bench/results/bench.json' },
  },
});
// Job files, the UI's CSV and the smoke's outputs; removed at exit.
const scratch = mkdtempSync(join(tmpdir(), 'bench-'));
process.on('exit', () => rmSync(scratch, { recursive: true, force: true }));
if (args.smoke) {
  Object.assign(args, { models: 'fixture', dtypes: 'fp32', texts: '4', rounds: '1', 'ui-rows': '40', 'ui-model': 'fixture', out: join(scratch, 'benchmarks.md'), json: join(scratch, 'bench.json') });
}

const SEED_CSV = join(ROOT, 'public/samples/seed-news.csv');
// One big fp32 MatMul (a DeBERTa-base FFN over 512 tokens): the peak each backend reaches on dense math.
const MATMUL = { m: 512, k: 768, n: 3072 };
const MATMUL_GRAPH = `bench/models/matmul-${MATMUL.m}x${MATMUL.k}x${MATMUL.n}.onnx`;
const DTYPES = args.dtypes.split(',');

/**
 * FLOPs of one (text, hypothesis) sequence of `t` tokens through the stock DeBERTa-v2/v3 graph: 2 per multiply-add of
 * the layers' weight matrices (4·H² attention + 2·H·I feed-forward per token), the attention products QKᵀ and AV
 * (2·T²·H each), the relative c2p and p2c products against all R = 2·position_buckets positions (2·T·R·H each) and the
 * projection of those R positions (2·2·R·H²); plus the pooler. Embedding gathers, softmax and norms are not counted.
 */
function flopsPerSequence(config, t) {
  const h = config.hidden_size;
  const r = 2 * (config.position_buckets > 0 ? config.position_buckets : config.max_position_embeddings);
  const layer = 2 * t * (4 * h * h + 2 * h * config.intermediate_size) + 4 * t * t * h + 4 * t * r * h + 4 * r * h * h;
  return config.num_hidden_layers * layer + 2 * h * h;
}

/** Resident memory of Chromium's renderer processes (the page and its workers), summed; MiB. */
function rendererRssMiB(rootPid) {
  const children = new Map();
  for (const pid of readdirSync('/proc').filter((p) => /^\d+$/.test(p))) {
    try {
      const ppid = Number(readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ')[1]);
      children.set(ppid, [...(children.get(ppid) ?? []), Number(pid)]);
    } catch {
      /* the process ended meanwhile */
    }
  }
  let kib = 0;
  const walk = (pid) => {
    for (const c of children.get(pid) ?? []) {
      try {
        if (readFileSync(`/proc/${c}/cmdline`, 'utf8').includes('--type=renderer')) kib += Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${c}/status`, 'utf8'))?.[1] ?? 0);
      } catch {
        /* the process ended meanwhile */
      }
      walk(c);
    }
  };
  walk(rootPid);
  return kib / 1024;
}

/** Runs `fn` while sampling renderer RSS every 100 ms; returns fn's result and the peak. */
async function withPeakRss(rootPid, fn) {
  let peak = rendererRssMiB(rootPid);
  const timer = setInterval(() => (peak = Math.max(peak, rendererRssMiB(rootPid))), 100);
  try {
    const result = await fn();
    return { result, peakRssMiB: Math.max(peak, rendererRssMiB(rootPid)) };
  } finally {
    clearInterval(timer);
  }
}

const python = (argv) => JSON.parse(execFileSync(PYTHON, [join(ROOT, 'bench/native_ort.py'), ...argv], { encoding: 'utf8', maxBuffer: 1 << 28 }));

/** ms per text, from chunks of texts timed together (a text's share of the chunk that delivered it). */
const perText = (chunks) => chunks.flatMap((c) => Array(c.texts).fill(c.ms / c.texts));
const maxAbsDiff = (a, b) => Math.max(...a.flatMap((row, i) => row.map((x, j) => Math.abs(x - b[i][j]))));

const models = args.models.split(',').map((name) => benchModel(name));
const uiModel = Number(args['ui-rows']) > 0 ? benchModel(args['ui-model']) : null;
// The machine's 1-minute load average every 10 s while the bench runs: the report says how idle the machine was.
const loads = [loadavg()[0]];
setInterval(() => loads.push(loadavg()[0]), 10_000).unref();
const texts = benchTexts(Number(args.texts));
const rounds = Number(args.rounds);
const runs = [];
const peaks = [];
let ui = [];
let threads = null;

report(await withChromium(async ({ base, browser, server }) => {
  const rootPid = server.process().pid;
  const inFreshContext = async (fn) => {
    const context = await browser.newContext();
    try {
      return await fn(context);
    } finally {
      await context.close();
    }
  };

  const systems = {
    app: (m, dtype) =>
      inFreshContext(async (context) => {
        const page = await openBenchPage(context, base);
        const job = { bundle: m.url, dtype, texts, labels: m.labels };
        const { result, peakRssMiB } = await withPeakRss(rootPid, () => page.evaluate((j) => globalThis.benchApp(j), job));
        threads ??= result.threads;
        // Cached: a new page of the same context (the Cache API holds the files); only the first chunk's texts.
        const again = await openBenchPage(context, base);
        const cached = await again.evaluate((j) => globalThis.benchApp(j), { ...job, texts: texts.slice(0, 32) });
        return { ...result, perTextMs: perText(result.chunks), peakRssMiB, cachedLoadMs: cached.loadMs, cachedFirstResultMs: cached.firstResultMs, cachedFiles: cached.filesFromCache };
      }),
    'transformers.js': (m, dtype) =>
      inFreshContext(async (context) => {
        const page = await openBenchPage(context, base);
        const job = { folder: m.url, dtype, threads, texts, hypotheses: m.labels.map((l) => l.hypothesis) };
        const { result, peakRssMiB } = await withPeakRss(rootPid, () => page.evaluate((j) => globalThis.benchTjs(j), job));
        return { ...result, peakRssMiB };
      }),
    'onnxruntime (Python)': async (m, dtype, batches) => {
      const jobPath = join(scratch, 'native-job.json');
      writeFileSync(jobPath, JSON.stringify({ model: join(m.dir, m.manifest.variants[dtype].backbone), threads, chunks: batches.chunks }));
      const r = python(['batches', jobPath]);
      const chunks = batches.chunks.map((_, i) => ({ texts: Math.min(32, texts.length - 32 * i), ms: r.chunkMs[i] }));
      return { ...r, perTextMs: perText(chunks), threads };
    },
  };

  console.error(`Chromium ${browser.version()} up; opening the bench page (a fresh Vite cache pre-bundles first)…`);
  const helperPage = await openBenchPage(await browser.newContext(), base);
  const batchesOf = new Map();
  for (let round = 0; round < rounds; round++) {
    // Odd rounds run the models in reverse too, so that no model always runs first in a round.
    for (const m of round % 2 ? [...models].reverse() : models) {
      for (const dtype of DTYPES) {
        const key = `${m.name}/${dtype}`;
        if (!batchesOf.has(key)) batchesOf.set(key, await helperPage.evaluate((j) => globalThis.benchBatches(j), { bundle: m.url, dtype, texts, hypotheses: m.labels.map((l) => l.hypothesis) }));
        let order = round % 2 ? Object.keys(systems).reverse() : Object.keys(systems);
        // The app runs first in round 0: its thread count is the one the others get.
        if (threads === null) order = ['app', ...order.filter((s) => s !== 'app')];
        for (const system of order) {
          const r = await systems[system](m, dtype, batchesOf.get(key));
          const flops = batchesOf.get(key).pairLengths.reduce((s, t) => s + flopsPerSequence(m.config, t), 0);
          runs.push({ model: m.name, dtype, round, system, textsPerSecond: (1000 * texts.length) / r.ms, gflops: flops / (r.ms / 1000) / 1e9, ...r });
          console.error(`round ${round} ${key} ${system}: ${((1000 * texts.length) / r.ms).toFixed(2)} texts/s`);
        }
      }
    }
    // Native first: it writes the graph (MATMUL_GRAPH) that the browser then fetches.
    peaks.push({ round, system: 'onnxruntime (Python)', ...python(['matmul', ...[MATMUL.m, MATMUL.k, MATMUL.n, threads].map(String), join(ROOT, MATMUL_GRAPH)]) });
    peaks.push({ round, system: 'ORT Web (WASM)', ...(await helperPage.evaluate((j) => globalThis.benchMatmul(j), { ...MATMUL, url: `/${MATMUL_GRAPH}`, threads })) });
  }

  // Written now and again after the UI runs, so that the model table survives an interrupted UI run.
  report(browser.version());
  if (uiModel) {
    console.error(`UI runs: ${args['ui-rows']} rows of seed-news.csv on ${uiModel.name}, cold then cached…`);
    ui = await uiRuns(browser, uiModel);
  }
  return browser.version();
}));

/**
 * The real UI as users get it (the production build, `vite build` + `vite preview`; bench/longtasks.mjs profiles
 * the same flow), cold then cached (a second page of the same context): open the app on `m` (fp32, WASM), choose
 * seed-news.csv (its first `ui-rows` rows), label all rows; main-thread long tasks (> 50 ms, PerformanceObserver
 * 'longtask') from choosing the file to the end of the run, and the time from the click to the first row.
 */
async function uiRuns(browser, m) {
  const rows = Number(args['ui-rows']);
  const dist = buildApp(join(scratch, 'dist'), { links: m.spec.served ? {} : { [m.spec.dir]: m.spec.dir } });
  const server = await previewApp(dist);
  const { base } = server;
  const lines = readFileSync(SEED_CSV, 'utf8').split('\n');
  const csvPath = join(scratch, 'seed-news.csv');
  // seed-news.csv has one row per line (no quoted newlines), so its head is a valid CSV.
  writeFileSync(csvPath, `${lines.slice(0, rows + 1).join('\n')}\n`);
  const context = await browser.newContext();
  const out = [];
  try {
    for (const state of ['cold', 'cached']) {
      const page = await context.newPage();
      await page.addInitScript(() => {
        globalThis.longTasks = [];
        new PerformanceObserver((list) => list.getEntries().forEach((e) => globalThis.longTasks.push({ start: e.startTime, ms: e.duration }))).observe({ type: 'longtask', buffered: true });
      });
      await page.goto(`${base}?bundle=${m.url}&backend=wasm&dtype=fp32`, { timeout: 600_000 });
      await page.waitForSelector('[data-testid="model-status"][data-state="ready"]', { timeout: 600_000 });
      const from = await page.evaluate(() => performance.now());
      const chooser = page.waitForEvent('filechooser');
      await page.getByText('Choose a CSV file…').click();
      await (await chooser).setFiles(csvPath);
      await page.waitForFunction(() => globalThis.document.querySelector('[data-csv-status]')?.getAttribute('data-csv-status') !== 'reading', null, { timeout: 600_000 });
      const clicked = await page.evaluate(() => performance.now());
      await page.getByRole('button', { name: /^(Label all rows|Label again)$/ }).click();
      const firstRow = await page.waitForFunction(() => (globalThis.document.querySelector('[data-testid="results-table"] [data-scored="true"]') ? performance.now() : 0), null, { timeout: 600_000, polling: 10 });
      const firstRowAt = await firstRow.jsonValue();
      await page.waitForSelector('[data-testid="batch-progress"][data-status="done"]', { timeout: 3_600_000 });
      const tasks = (await page.evaluate(() => globalThis.longTasks)).filter((t) => t.start >= from);
      out.push({ state, rows, model: m.name, longTasks: tasks.length, longestMs: tasks.length ? Math.max(...tasks.map((t) => t.ms)) : 0, tasks, firstRowMs: firstRowAt - clicked });
      console.error(`UI ${state}: ${tasks.length} long tasks, first row after ${(firstRowAt - clicked).toFixed(0)} ms`);
      await page.close();
    }
  } finally {
    await context.close();
    await server.close();
  }
  return out;
}

// ---- report -------------------------------------------------------------------------------------------------
/** Writes bench/results JSON and the table in docs/benchmarks.md from what has run so far. */
function report(chromiumVersion) {
  const version = (p) => JSON.parse(readFileSync(join(ROOT, 'node_modules', p, 'package.json'), 'utf8')).version;
  const pythonOrt = runs.find((r) => r.ortVersion)?.ortVersion ?? null;
  const machine = describeMachine();
  const command = args.smoke ? 'npm run bench -- --smoke' : `npm run bench -- --models ${args.models} --dtypes ${args.dtypes} --texts ${args.texts} --rounds ${args.rounds} --ui-rows ${args['ui-rows']} --ui-model ${args['ui-model']}`;
  const peakOf = (system) => median(peaks.filter((p) => p.system === (system === 'onnxruntime (Python)' ? system : 'ORT Web (WASM)')).map((p) => p.gflops));
  const table = [];
  for (const m of models) {
    for (const dtype of DTYPES) {
      const mine = runs.filter((r) => r.model === m.name && r.dtype === dtype);
      const app = mine.filter((r) => r.system === 'app');
      for (const system of ['app', 'transformers.js', 'onnxruntime (Python)']) {
        const rs = mine.filter((r) => r.system === system);
        const ratio = (other) => median(rs.map((r) => r.textsPerSecond / mine.find((o) => o.system === other && o.round === r.round).textsPerSecond));
        const all = rs.flatMap((r) => r.perTextMs);
        table.push({
          model: m.name,
          dtype,
          system,
          textsPerSecond: median(rs.map((r) => r.textsPerSecond)),
          vsTransformersJs: ratio('transformers.js'),
          vsNative: ratio('onnxruntime (Python)'),
          p50MsPerText: quantile(all, 0.5),
          p95MsPerText: quantile(all, 0.95),
          loadMs: median(rs.map((r) => r.loadMs)),
          firstResultColdMs: system === 'app' ? median(rs.map((r) => r.firstResultMs)) : null,
          firstResultCachedMs: system === 'app' ? median(rs.map((r) => r.cachedFirstResultMs)) : null,
          cachedLoadMs: system === 'app' ? median(rs.map((r) => r.cachedLoadMs)) : null,
          peakMemoryMiB: Math.max(...rs.map((r) => r.peakRssMiB)),
          gflops: median(rs.map((r) => r.gflops)),
          matmulPeakGflops: peakOf(system),
          maxAbsNliVsApp: system === 'transformers.js' ? Math.max(...rs.map((r, i) => maxAbsDiff(r.scores, app[i].scores))) : null,
        });
      }
    }
  }
  const doc = {
    date: new Date().toISOString(),
    command,
    machine,
    load: { min: Math.min(...loads), median: median(loads), max: Math.max(...loads), samples: loads.length },
    versions: { chromium: chromiumVersion, onnxruntimeWeb: version('onnxruntime-web'), transformersJs: version('@huggingface/transformers'), onnxruntimePython: pythonOrt },
    threads,
    texts: texts.length,
    labels: Object.fromEntries(models.map((m) => [m.name, m.labels.length])),
    rounds,
    matmul: { ...MATMUL, peaks },
    table,
    ui,
    runs: runs.map(({ scores: _scores, ...r }) => r),
  };
  writeJson(args.json, doc);

  const fmt = (x, d = 1) => (x === null || x === undefined || Number.isNaN(x) ? '—' : x.toFixed(d));
  const lines = [
    `Measured ${doc.date.slice(0, 10)} with \`${command}\` on ${machine.cpu} (${machine.cores} cores, ${machine.memoryGiB} GiB); 1-minute load average`,
    `during the run ${fmt(doc.load.median, 1)} (median; ${fmt(doc.load.min, 1)}–${fmt(doc.load.max, 1)}), the bench's own ${threads} threads included: absolute figures move with other jobs' load;`,
    `the claims are the ratios, each taken within one round (runs interleaved A B C, C B A; with several models, odd rounds take them in reverse order).`,
    `Headless Chromium ${doc.versions.chromium}, ONNX Runtime Web ${doc.versions.onnxruntimeWeb} (WASM, ${threads} threads, cross-origin isolated),`,
    `Transformers.js ${doc.versions.transformersJs} on the same ORT version (the WASM EP of the WebGPU build it imports; the app runs the WASM-only build), Python onnxruntime ${doc.versions.onnxruntimePython} (CPU EP, ${threads} intra-op threads).`,
    `${texts.length} news-like texts of 1–5 sentences × each bundle's labels; ${rounds} round(s); medians over rounds.`,
    '',
    '- **app**: the real engine worker (src/worker/client.ts), one classify request, streamed in chunks of 32 texts; on the fixture it also runs the heads pass.',
    '- **transformers.js**: `pipeline("zero-shot-classification", folder, {dtype, device: "wasm"})`, `multi_label`, the app\'s hypotheses as labels with the template `{}`; one run per pair, as the pipeline does.',
    '- **onnxruntime (Python)**: the same graph on the engine\'s own padded NLI batches (bench/native_ort.py).',
    '- **ms/text**: the app\'s and native\'s are a text\'s share of its chunk (batched); transformers.js\'s are each text\'s own call. **Load**: to the first possible run (app: files, sessions, warm-up). **First result**: from the classify request to the first chunk (app only), cold (fresh browser context) and cached (Cache API, new page).',
    '- **Peak memory**: browser systems, the summed RSS of Chromium\'s renderer processes (page + workers, shared pages included) sampled every 100 ms in a fresh context; native, the Python process\'s peak RSS (ru_maxrss).',
    `- **GFLOP/s**: useful FLOPs of the stock graph on unpadded pairs (≈ 2·weights·tokens + attention + the relative-position terms; bench.mjs \`flopsPerSequence\`) per second, against one ${MATMUL.m}×${MATMUL.k}×${MATMUL.n} fp32 MatMul's rate on the same runtime and threads (peak; for q8 the fp32 peak is the yardstick).`,
    '',
    '| model | dtype | system | texts/s | × transformers.js | × native | ms/text p50 | p95 | load ms | first result cold / cached ms | peak MiB | GFLOP/s (% of MatMul peak) | max \\|Δ NLI\\| vs app |',
    '|---|---|---|---|---|---|---|---|---|---|---|---|---|',
    ...table.map((r) => `| ${r.model} | ${r.dtype} | ${r.system} | ${fmt(r.textsPerSecond, 2)} | ${fmt(r.vsTransformersJs, 2)} | ${fmt(r.vsNative, 2)} | ${fmt(r.p50MsPerText)} | ${fmt(r.p95MsPerText)} | ${fmt(r.loadMs, 0)} | ${r.system === 'app' ? `${fmt(r.firstResultColdMs, 0)} / ${fmt(r.firstResultCachedMs, 0)}` : '—'} | ${fmt(r.peakMemoryMiB, 0)} | ${fmt(r.gflops, 2)} (${fmt((100 * r.gflops) / r.matmulPeakGflops, 0)}%) | ${r.maxAbsNliVsApp === null ? '—' : r.maxAbsNliVsApp.toExponential(1)} |`),
    '',
    `MatMul peak (median over rounds): ORT Web WASM ${fmt(peakOf('app'), 1)} GFLOP/s, Python onnxruntime ${fmt(peakOf('onnxruntime (Python)'), 1)} GFLOP/s.`,
    '',
    ...ui.map((u) => `UI, ${u.rows}-row seed-news.csv on ${u.model} fp32 (${u.state}): ${u.longTasks} main-thread long tasks (> 50 ms), the longest ${fmt(u.longestMs, 0)} ms; first row ${fmt(u.firstRowMs, 0)} ms after "Label all rows".`),
  ];
  const outPath = resolve(ROOT, args.out);
  const begin = '<!-- bench:begin (written by bench/bench.mjs) -->';
  const end = '<!-- bench:end -->';
  const previous = existsSync(outPath) ? readFileSync(outPath, 'utf8') : `# Benchmarks\n\n## This app against Transformers.js and native ONNX Runtime\n\n${begin}\n${end}\n`;
  if (!previous.includes(begin) || !previous.includes(end)) throw new Error(`${args.out} lacks the ${begin} / ${end} markers`);
  writeFileSync(outPath, `${previous.slice(0, previous.indexOf(begin) + begin.length)}\n${lines.join('\n')}\n${previous.slice(previous.indexOf(end))}`);
  console.error(`wrote ${args.json} and the table in ${args.out}`);
}
