// The production build renders, is cross-origin isolated, picks the backend it should (never a software WebGPU adapter by
// itself, yet runs on one when asked), shows the demo banner; the README screenshot.
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { expect, test } from './fixtures';
import { projectHasWebGpu } from './pages/AppPage';

/** The embedded bundle's own verdict on q8 decides what WASM picks by itself (docs/precision.md). */
const Q8_RECOMMENDED = (
  JSON.parse(readFileSync(new URL('../public/models/demo-fixture/manifest.json', import.meta.url), 'utf8')) as { variants: { q8: { recommended: boolean } } }
).variants.q8.recommended;
const README_SCREENSHOT = fileURLToPath(new URL('../docs/screenshot.png', import.meta.url));
/** docs/screenshot.png is rewritten when missing or on request, so a plain test run leaves the tree clean. */
const WRITE_README_SCREENSHOT = process.env.UPDATE_README_SCREENSHOT === '1' || !existsSync(README_SCREENSHOT);

test('the production page renders, is cross-origin isolated and reports the backend it really uses', async ({ app, page }, testInfo) => {
  await app.openReady();
  const gpu = projectHasWebGpu(testInfo);
  expect(await app.hasWebGpuAdapter()).toBe(gpu);
  expect(await page.evaluate(() => globalThis.crossOriginIsolated)).toBe(true);

  // Automatic choice: WASM in both projects (the webgpu project's adapter is SwiftShader, a software renderer,
  // which the app never picks by itself): q8 when the exporter recommends it for this bundle, else fp32, with the reason.
  await expect(app.backend).toHaveText('wasm');
  await expect(app.dtype).toHaveText(Q8_RECOMMENDED ? 'q8' : 'fp32');
  await expect(app.backendReason).toContainText(
    gpu
      ? 'WebGPU adapter is a software renderer (SwiftShader): using WASM, which is much faster here; ?backend=webgpu forces it'
      : 'no WebGPU adapter: using WASM',
  );
  if (!Q8_RECOMMENDED) await expect(app.backendReason).toContainText('the exporter does not recommend q8');
  await expect(page.getByTestId('ort-version')).toHaveText(/^\d+\.\d+\.\d+/);

  // The demo bundle says so, with the command that exports the real model.
  await expect(app.demoBanner).toContainText('Demo model loaded');
  // No link that cannot work on a fresh clone: the real bundle's address is shown as text.
  await expect(app.demoBanner.getByRole('link')).toHaveCount(0);
  await expect(app.demoBanner.locator('code')).toHaveText(
    'cd model-export && .venv/bin/python -m model_export export MoritzLaurer/deberta-v3-large-zeroshot-v2.0 --out ../public/models/deberta-v3-large-zeroshot',
  );
  await app.shot('main');

  // The README screenshot (UPDATE_README_SCREENSHOT=1 npx playwright test e2e/app.spec.ts --project=wasm):
  // the main screen with a classified text, 1280 px wide, down to the scores.
  await app.classify('The central bank raised interest rates to fight inflation, and chip makers lost 4% on the news.');
  await app.textBox.blur();
  await app.shot('main-with-result');
  if (!gpu && WRITE_README_SCREENSHOT) {
    const box = (await app.textResult.boundingBox())!;
    await page.screenshot({ path: README_SCREENSHOT, fullPage: true, clip: { x: 0, y: 0, width: 1280, height: Math.ceil(box.y + box.height + 24) } });
  }
});

test('?backend=webgpu runs on a software adapter, saying so, and is refused where there is no adapter', async ({ app, page }, testInfo) => {
  if (!projectHasWebGpu(testInfo)) {
    await app.open('?backend=webgpu');
    await expect(app.modelStatus).toHaveAttribute('data-state', 'error');
    await expect(page.getByTestId('load-problem')).toContainText('WebGPU was requested, but no WebGPU adapter');
    return;
  }
  await app.openReady('?backend=webgpu');
  await expect(app.backend).toHaveText('webgpu');
  // No shader-f16 on SwiftShader: q4 or fp32, whichever the exporter recommends.
  await expect(app.dtype).toHaveText(/^(q4|fp32)$/);
  await expect(app.backendReason).toContainText('WebGPU as requested, on a software renderer (SwiftShader): expect it to be much slower than WASM');
  expect(await app.classify('Stocks rallied.')).toHaveLength(5);
});
