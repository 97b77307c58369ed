// Bundle errors say what to do; another bundle loads by its address or from a local folder.
import { fileURLToPath } from 'node:url';
import { expect, test } from './fixtures';
import { fixtureQuery, flowQuery, projectHasWebGpu } from './pages/AppPage';

const DEMO_FOLDER = fileURLToPath(new URL('../public/models/demo-fixture/', import.meta.url));

test('a missing bundle is explained; the demo then loads by URL and from a local folder', async ({ app, page, consoleErrors }, testInfo) => {
  await app.open(flowQuery(testInfo, '?bundle=/models/no-such-bundle/'));
  await expect(app.modelStatus).toHaveAttribute('data-state', 'error');
  // vite preview answers unknown paths with index.html (200): neither manifest.json nor config.json is there.
  await expect(page.getByTestId('load-problem')).toContainText(
    'Nothing is at /models/no-such-bundle/: it has no manifest.json (a bundle exported by model-export) and no config.json (a Hub-style model folder).',
  );
  await expect(page.getByTestId('load-problem')).toContainText('export it with model-export');
  await expect(page.getByTestId('load-problem')).toContainText('or type a Hub id (owner/name)');
  await expect(page.getByTestId('load-problem')).toContainText('Check the bundle address');
  // A 404, if the server sends one, is logged by the browser itself: the only console error allowed here.
  expect(consoleErrors.filter((e) => !/404/.test(e))).toEqual([]);
  consoleErrors.length = 0;
  await app.shot('load-error');

  const url = page.getByLabel('Bundle folder, Hub id or URL');
  await url.fill('my model');
  await page.getByRole('button', { name: 'Load', exact: true }).click();
  await expect(page.getByRole('alert').filter({ hasText: "'my model' is neither a Hub id (owner/name, optionally @revision) nor an http(s) URL" })).toBeVisible();
  await url.fill('/models/demo-fixture/');
  await page.getByRole('button', { name: 'Load', exact: true }).click();
  await app.waitReady();
  await expect(app.demoBanner).toBeVisible();

  await page.getByLabel('Or a bundle folder on this computer').setInputFiles(DEMO_FOLDER);
  await expect(app.modelStatus).toHaveAttribute('data-state', 'loading');
  await app.waitReady();
  await expect(page.getByTestId('bundle-name')).toContainText('Demo fixture');
  const scores = await app.classify('Stocks rallied.');
  expect(scores).toHaveLength(5);
});

test('a backend the browser cannot give is refused with the reason, and bad URL parameters are reported', async ({ app, page }, testInfo) => {
  const gpu = projectHasWebGpu(testInfo);
  // WASM project: no adapter for ?backend=webgpu. WebGPU project: SwiftShader lacks shader-f16 for q4f16.
  await app.open(gpu ? '?dtype=q4f16&backend=webgpu' : '?backend=webgpu');
  await expect(app.modelStatus).toHaveAttribute('data-state', 'error');
  await expect(page.getByTestId('load-problem')).toContainText(
    gpu ? 'Cannot run q4f16 on webgpu: q4f16 needs the WebGPU feature shader-f16' : 'WebGPU was requested, but no WebGPU adapter',
  );
  await page.goto(`/${fixtureQuery('?backend=cuda&dtype=int3')}`);
  await expect(page.getByRole('list', { name: 'Notices' })).toContainText("Unknown backend 'cuda' in the URL");
  await expect(page.getByRole('list', { name: 'Notices' })).toContainText("Unknown dtype 'int3' in the URL");
});

test('a failure gets the hint of its kind: a hypothesis too long is an input error, with no backend advice and no reload', async ({ app }, testInfo) => {
  await app.openReady(flowQuery(testInfo));
  const backend = await app.backend.innerText();
  const reason = await app.backendReason.innerText();
  const hypothesis = await app.hypothesisBox('Finance');
  await hypothesis.fill(`This text is about ${'money and markets '.repeat(200)}`);
  await hypothesis.press('Enter');
  await app.textBox.fill('Shares rose 4% in early trading.');
  await app.textBox.press('Control+Enter');
  await expect(app.textProblem).toContainText(/The hypothesis of 'Finance' is \d+ tokens long; with the text it must fit in 512 tokens\. Shorten the label's hypothesis\./);
  await expect(app.textProblem).toContainText('Change what the message names, then run again.');
  await expect(app.textProblem).not.toContainText('backend=');
  // Not a backend failure: the engine stayed where it was.
  await expect(app.backend).toHaveText(backend);
  await expect(app.backendReason).toHaveText(reason);
});
