// Models from a Hub-style repository (no manifest.json of ours), loaded by id from a local Hub mimic: scores, checks, refusals, the cache and the policy.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { expect, test } from './fixtures';
import { APP_URL, HUB_APP_URL, HUB_ORIGIN } from './helpers/hubServers';
import { NetworkWatch } from './helpers/network';
import { type AppPage, flowQuery } from './pages/AppPage';
import { ModelPanel } from './pages/ModelPanel';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const TEXT = 'The central bank raised interest rates to fight inflation, and chip makers lost 4% on the news.';
/** Zero-shot labels both bundles fill from the same template, so their hypotheses, and NLI scores, must agree. */
const LABELS = ['sports', 'monetary policy'];
const hub = (query: string) => `${query}${query ? '&' : '?'}hub=${encodeURIComponent(HUB_ORIGIN)}`;

// The app served with the mimic's origins allowed (playwright.config.ts, EXTRA_MODEL_HOSTS).
test.use({ baseURL: HUB_APP_URL });

test.beforeAll(() => {
  // The 3-way repository's graph: the demo graph with a neutral logit added (model_export/widen_nli.py).
  const python = `${ROOT}model-export/.venv/bin/python`;
  if (!existsSync(python)) throw new Error(`${python} is missing: run 'bash scripts/setup.sh python' first.`);
  execFileSync(python, ['-m', 'model_export', 'widen-nli', '--model', `${ROOT}public/models/demo-fixture/onnx/model.onnx`, '--out', `${ROOT}e2e/.generated/three-way/model.onnx`], {
    cwd: `${ROOT}model-export`,
    stdio: 'inherit',
    timeout: 120_000,
  });
});

/** Adds LABELS, classifies TEXT and returns their NLI scores. */
async function nliScores(app: AppPage): Promise<number[]> {
  for (const name of LABELS) await app.addLabel(name);
  const scores = await app.classify(TEXT);
  return LABELS.map((name) => scores.find((s) => s.label === name)!.nli);
}

/** Console errors a refused or missing request leaves (the browser's own lines); anything else still fails the test. */
function dropRequestErrors(errors: string[]): void {
  errors.splice(0, errors.length, ...errors.filter((e) => !/404|Content Security Policy|Failed to load resource/.test(e)));
}

test('a Hub id loads the demo model from the Hub mimic, NLI only, with its NLI scores equal to the exported bundle’s', async ({ app, page }, testInfo) => {
  const panel = new ModelPanel(page);
  await app.openReady(flowQuery(testInfo, hub('?dtype=fp32')));
  await expect(panel.bundleName).toContainText('Demo fixture');
  // The demo banner offers this path: a Hub id, NLI only.
  await expect(app.demoBanner.getByTestId('hub-path')).toContainText('for NLI only and without Python: type a Hub id in the Model panel');
  const exported = await nliScores(app);

  await panel.load('test/demo-fixture');
  await expect(panel.bundleName).toHaveText(`test/demo-fixture on ${HUB_ORIGIN} (NLI only)`);
  await app.waitReady();
  await expect(app.dtype).toHaveText('fp32');
  await expect(panel.hubModel).toContainText('NLI only');
  await expect(panel.hubModel).toContainText('tokenizer.json, with spm.model in the folder as the reference');
  // LFS files by the listing's sha256, the others by their git blob id.
  await expect(panel.fileChecks).toHaveText("3 files checked against the Hub's listing: sizes, and sha256 of 1 and git blob id of 2");
  await expect(app.demoBanner).toHaveCount(0);
  const derived = await nliScores(app);
  for (let i = 0; i < LABELS.length; i++) expect(Math.abs(derived[i]! - exported[i]!), LABELS[i]).toBeLessThanOrEqual(1e-6);
  // The derived bundle's own labels: the seed labels, by NLI alone.
  const scores = await app.scores();
  expect(scores.map((s) => s.label)).toEqual(['Technology', 'Health', 'Finance', 'Economy', 'Environment', ...LABELS]);
  expect(scores.every((s) => s.poly === null && s.alpha === null)).toBe(true);
  await app.shot('hub-model');
});

test('a second visit takes the model from the browser cache: no request for the ONNX file', async ({ app, page, context }, testInfo) => {
  const panel = new ModelPanel(page);
  const address = flowQuery(testInfo, hub('?model=test/demo-fixture'));
  await app.openReady(address);
  await expect(panel.bundleName).toHaveText(`test/demo-fixture on ${HUB_ORIGIN} (NLI only)`);
  await expect(panel.cacheSummary).toHaveText('downloaded');

  const watch = await NetworkWatch.start(context, page);
  const again = await context.newPage();
  const second = new ModelPanel(again);
  await again.goto(`/${address}`);
  await expect(again.getByTestId('model-status')).toHaveAttribute('data-state', 'ready', { timeout: 90_000 });
  await expect(second.bundleName).toHaveText(`test/demo-fixture on ${HUB_ORIGIN} (NLI only)`);
  await expect(second.cacheSummary).toHaveText('all from the browser cache');
  await expect(second.fileRow('onnx/model.onnx')).toHaveAttribute('data-from-cache', 'true');
  const offOrigin = watch.offOrigin(new URL(again.url()).origin);
  // The listing is asked again (a revision can move); no file is fetched.
  expect(offOrigin.some((u) => u.includes('/api/models/test/demo-fixture/revision/main'))).toBe(true);
  expect(offOrigin.filter((u) => u.includes('/resolve/') || u.includes('/repos/'))).toEqual([]);
});

test('a 3-way NLI model loads and scores entailment against contradiction', async ({ app, page }, testInfo) => {
  const panel = new ModelPanel(page);
  await app.openReady(flowQuery(testInfo, hub('?dtype=fp32')));
  const exported = await nliScores(app);
  await panel.load('test/three-way');
  await expect(panel.bundleName).toHaveText(`test/three-way on ${HUB_ORIGIN} (NLI only)`);
  await app.waitReady();
  // This repository has no spm.model: the panel says tokenizer.json is all there is.
  await expect(panel.hubModel).toContainText('tokenizer.json (the folder has no spm.model to compare it with)');
  // Its graph is the demo graph with a neutral logit added: entailment vs contradiction is the 2-way score.
  const derived = await nliScores(app);
  for (let i = 0; i < LABELS.length; i++) expect(Math.abs(derived[i]! - exported[i]!), LABELS[i]).toBeLessThanOrEqual(1e-6);
});

test('a repository without config.json, one that is not NLI and one that does not exist are refused with what to do', async ({ app, page, consoleErrors }, testInfo) => {
  const panel = new ModelPanel(page);
  await app.open(flowQuery(testInfo, hub('?model=test/no-config')));
  await expect(app.modelStatus).toHaveAttribute('data-state', 'error');
  await expect(panel.loadProblem).toContainText(
    `test/no-config on ${HUB_ORIGIN} has no config.json, so it is not a model folder in the transformers.js layout (config.json, tokenizer.json, tokenizer_config.json, onnx/model*.onnx).`,
  );

  await panel.load('test/not-nli');
  await expect(panel.loadProblem).toContainText(`test/not-nli on ${HUB_ORIGIN} is not an NLI model: config.json id2label has no entailment label ({"0":"negative","1":"positive"})`);
  await expect(panel.loadProblem).toContainText('Pick an NLI model');

  await panel.load('test/no-such-model');
  await expect(panel.loadProblem).toContainText(`There is no model test/no-such-model on ${HUB_ORIGIN} (RepoNotFound). Check the id`);
  await panel.load('test/demo-fixture@v9');
  await expect(panel.loadProblem).toContainText("test/demo-fixture has no revision 'v9'");
  // Not a backend problem: no backend advice.
  await expect(panel.loadProblem).not.toContainText('WASM');
  await expect(panel.loadProblem).not.toContainText('WebGPU');
  dropRequestErrors(consoleErrors);
});

test.describe('on the app served without extra hosts', () => {
  test.use({ baseURL: APP_URL });

  test('a host outside the page’s policy is refused by the browser, and the page says how to allow it', async ({ app, page, context, consoleErrors }, testInfo) => {
    const watch = await NetworkWatch.start(context, page);
    const panel = new ModelPanel(page);
    await app.open(flowQuery(testInfo, hub('?model=test/demo-fixture')));
    await expect(app.modelStatus).toHaveAttribute('data-state', 'error');
    await expect(panel.loadProblem).toContainText(`This page's Content-Security-Policy does not allow ${HUB_ORIGIN}`);
    await expect(panel.loadProblem).toContainText(`EXTRA_MODEL_HOSTS=${HUB_ORIGIN}`);
    // The typed host is the only one the page tried.
    expect(watch.offOrigin(new URL(page.url()).origin).filter((u) => !u.startsWith(HUB_ORIGIN))).toEqual([]);
    dropRequestErrors(consoleErrors);
  });
});
