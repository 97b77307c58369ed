// What the benchmarks share: the bench texts, medians, the machine's description, random-weight bundles made
// on demand, one Vite dev server plus Debian's headless Chromium (scripts/chromium.mjs) to run pages in, and the
// production build served by `vite preview` for runs of the real UI.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from '@playwright/test';
import { createServer, preview } from 'vite';
import { CHROMIUM_ARGS, CHROMIUM_PATH, WEBGPU_ARG } from '../scripts/chromium.mjs';

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
export const PYTHON = join(ROOT, 'model-export/.venv/bin/python');

/** News-like texts of 1 to 5 sentences (about 15 to 90 tokens), the same for every bundle, variant and system. */
export function benchTexts(n) {
  const subjects = ['The central bank', 'A new smartphone', 'Hospital staff', 'Wind farms', 'Stock markets', 'The government', 'A start-up', 'Farmers'];
  const verbs = ['reported', 'announced', 'warned about', 'celebrated', 'questioned', 'delayed'];
  const objects = ['record quarterly earnings', 'a vaccine trial', 'rising carbon emissions', 'an AI chip', 'lower unemployment', 'a drought', 'new tariffs'];
  return Array.from({ length: n }, (_, i) =>
    Array.from({ length: 1 + (i % 5) }, (_, k) => `${subjects[(i + 3 * k) % subjects.length]} ${verbs[(i * 5 + k) % verbs.length]} ${objects[(i * 7 + 2 * k) % objects.length]}.`).join(' '),
  );
}

/** The q-quantile (0..1) of `xs`, linearly interpolated; the median is quantile(xs, 0.5). */
export function quantile(xs, q) {
  const s = [...xs].sort((a, b) => a - b);
  if (!s.length) return null;
  const at = (s.length - 1) * q;
  const lo = Math.floor(at);
  return s[lo] + (s[Math.min(lo + 1, s.length - 1)] - s[lo]) * (at - lo);
}

export const median = (xs) => quantile(xs, 0.5);

/** Writes a bench's results as indented JSON to `path` (relative to the repository, or absolute), making its folder. */
export function writeJson(path, doc) {
  const abs = resolve(ROOT, path);
  mkdirSync(dirname(abs), { recursive: true });
  writeFileSync(abs, `${JSON.stringify(doc, null, 2)}\n`);
}

export function machine() {
  return { cpu: cpus()[0]?.model ?? 'unknown', cores: cpus().length, memoryGiB: Math.round(totalmem() / 2 ** 30) };
}

/**
 * Exports a random-weight DeBERTa-v3 bundle of `size` (xsmall, base, large) into `dir` (relative to the repository)
 * unless one is there already. Minutes; needs model-export/.venv.
 */
export function ensureRandomBundle(size, dir, extra = []) {
  const abs = join(ROOT, dir);
  if (existsSync(join(abs, 'manifest.json'))) return abs;
  if (!existsSync(PYTHON)) throw new Error('model-export/.venv is missing: run `bash scripts/setup.sh python` first');
  console.error(`exporting a random-weight DeBERTa-v3-${size} bundle into ${dir} (minutes)…`);
  execFileSync(PYTHON, ['-m', 'model_export', 'export', '--random-init', size, '--out', relative(join(ROOT, 'model-export'), abs), ...extra], {
    cwd: join(ROOT, 'model-export'),
    stdio: 'inherit',
  });
  return abs;
}

/**
 * The bench's models by name: `dir` in the repository, served by Vite at `/${served ?? dir}/`; `make` the random-weight
 * size the exporter makes on demand, with `export`'s extra flags. One table for every bench script.
 */
export const BENCH_MODELS = {
  fixture: { dir: 'public/models/demo-fixture', served: 'models/demo-fixture' },
  xsmall: { dir: 'bench/models/random-xsmall', make: 'xsmall' },
  // The same weights (seed 0) exported with the windowed relative-position attention (docs/benchmarks.md lever 1).
  'xsmall-windowed': { dir: 'bench/models/random-xsmall-windowed', make: 'xsmall', export: ['--attention', 'windowed'] },
  base: { dir: 'bench/models/random-base', make: 'base' },
  large: { dir: 'bench/models/random-large', make: 'large' },
};

/**
 * A bench model by name (BENCH_MODELS), exported first when it is a random-weight one not made yet: its folder,
 * URL, manifest, config.json and labels. Throws for an unknown name, or a folder without the transformers.js layout.
 */
export function benchModel(name) {
  const spec = BENCH_MODELS[name];
  if (!spec) throw new Error(`unknown model ${name}; choose from ${Object.keys(BENCH_MODELS).join(', ')}`);
  const dir = spec.make ? ensureRandomBundle(spec.make, spec.dir, ['--variants', 'fp32,q8', '--web-check', 'off', ...(spec.export ?? [])]) : join(ROOT, spec.dir);
  for (const f of ['manifest.json', 'config.json']) {
    if (!existsSync(join(dir, f))) throw new Error(`${spec.dir} has no ${f}: re-export it with \`python -m model_export export\` (the exporter writes the transformers.js layout)`);
  }
  const manifest = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8'));
  const config = JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8'));
  const labels = manifest.labels.map((l) => ({ name: l.name, hypothesis: l.hypothesis, head: l.head }));
  return { name, spec, dir, url: `/${spec.served ?? spec.dir}/`, manifest, config, labels };
}

/**
 * Runs `fn({ base, browser })` with a Vite dev server on a free port (the app's cross-origin isolation headers)
 * and a headless Chromium from scripts/chromium.mjs; closes both afterwards. `server` is Playwright's browser
 * server, whose process is the root of Chromium's process tree.
 */
export async function withChromium(fn, { webgpu = false } = {}) {
  const vite = await createServer({ root: ROOT, logLevel: 'warn', server: { port: 0, strictPort: false, host: '127.0.0.1' } });
  await vite.listen();
  const server = await chromium.launchServer({ executablePath: CHROMIUM_PATH, args: [...CHROMIUM_ARGS, ...(webgpu ? [WEBGPU_ARG] : [])], headless: true });
  const browser = await chromium.connect(server.wsEndpoint());
  try {
    return await fn({ base: vite.resolvedUrls.local[0], browser, server });
  } finally {
    await browser.close();
    await server.close();
    await vite.close();
  }
}

/** Opens bench/bench.html in `context` and waits until its workers are ready; throws if the page is not cross-origin isolated. */
export async function openBenchPage(context, base) {
  const page = await context.newPage();
  page.on('pageerror', (e) => console.error('[page error]', e.message));
  // A fresh clone's first load makes Vite pre-bundle the dependencies: minutes on a busy 2-core machine.
  await page.goto(`${base}bench/bench.html`, { timeout: 600_000 });
  await page.waitForFunction(() => globalThis.benchReady === true, null, { timeout: 600_000 });
  if (!(await page.evaluate(() => globalThis.crossOriginIsolated))) throw new Error('the bench page is not cross-origin isolated: WASM threads would be off');
  return page;
}

/**
 * Builds the app as users get it (`vite build`) into `outDir`; `minify: false` keeps function names, for profiles.
 * `links` maps paths inside the build to repository folders (bundles outside public/), linked in after the build.
 */
export function buildApp(outDir, { minify = true, links = {} } = {}) {
  execFileSync('npx', ['vite', 'build', '--outDir', outDir, '--emptyOutDir', '--logLevel', 'warn', ...(minify ? [] : ['--minify', 'false'])], { cwd: ROOT, stdio: 'inherit' });
  for (const [at, target] of Object.entries(links)) {
    mkdirSync(dirname(join(outDir, at)), { recursive: true });
    symlinkSync(resolve(ROOT, target), join(outDir, at));
  }
  return outDir;
}

/** Serves a build with `vite preview` (the app's isolation and CSP headers) on `port` (0: a free one); returns its base URL and close(). */
export async function previewApp(outDir, port = 0) {
  const server = await preview({ root: ROOT, logLevel: 'warn', build: { outDir }, preview: { port, strictPort: port !== 0, host: '127.0.0.1' } });
  const { port: bound } = server.httpServer.address();
  return { base: `http://127.0.0.1:${bound}/`, close: () => new Promise((done) => server.httpServer.close(done)) };
}
