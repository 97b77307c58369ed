// Which ONNX Runtime build a page downloads: the WASM-only build (14 MB .wasm) whenever the engine runs on WASM, the WebGPU build (27 MB) only on WebGPU.
import { expect, test } from './fixtures';
import { NetworkWatch } from './helpers/network';
import { projectHasWebGpu } from './pages/AppPage';

/** ORT's files as Vite emits them (`name-HASH.ext`), by build (src/engine/session.ts, BUILDS). */
const WASM_ONLY = /\/assets\/ort-wasm-simd-threaded-[^/.]+\.(wasm|mjs)$/;
const WEBGPU_BUILD = /\/assets\/ort-wasm-simd-threaded\.(asyncify|jsep|jspi)-[^/]+\.(wasm|mjs)$/;

const ortFiles = (watch: NetworkWatch, build: RegExp) => watch.urls.map((u) => new URL(u).pathname).filter((p) => build.test(p));

test('on WASM, chosen by the app, the page downloads the WASM-only runtime and nothing of the WebGPU build', async ({ app, page, context }, testInfo) => {
  const watch = await NetworkWatch.start(context, page);
  await app.openReady();
  // Both projects: no adapter, or a software one (SwiftShader) the app never picks by itself.
  await expect(app.backend).toHaveText('wasm');
  await expect(app.backendReason).toContainText(projectHasWebGpu(testInfo) ? 'software renderer' : 'no WebGPU adapter');
  await expect(page.getByTestId('ort-version')).toHaveText(/^\d+\.\d+\.\d+/);
  expect(await app.classify('Stocks rallied.')).toHaveLength(5);
  expect(ortFiles(watch, WASM_ONLY).filter((p) => p.endsWith('.wasm'))).toHaveLength(1);
  expect(ortFiles(watch, WEBGPU_BUILD)).toEqual([]);
});

test('?backend=webgpu downloads the WebGPU build and not the WASM-only one, or nothing where WebGPU is refused', async ({ app, page, context }, testInfo) => {
  const watch = await NetworkWatch.start(context, page);
  if (!projectHasWebGpu(testInfo)) {
    await app.open('?backend=webgpu');
    await expect(app.modelStatus).toHaveAttribute('data-state', 'error');
    await expect(page.getByTestId('load-problem')).toContainText('WebGPU was requested, but no WebGPU adapter');
    expect(ortFiles(watch, WASM_ONLY)).toEqual([]);
    expect(ortFiles(watch, WEBGPU_BUILD)).toEqual([]);
    return;
  }
  await app.openReady('?backend=webgpu');
  await expect(app.backend).toHaveText('webgpu');
  expect(await app.classify('Stocks rallied.')).toHaveLength(5);
  expect(ortFiles(watch, WEBGPU_BUILD).filter((p) => p.endsWith('.wasm'))).toHaveLength(1);
  expect(ortFiles(watch, WASM_ONLY)).toEqual([]);
});
