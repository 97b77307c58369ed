// The production build renders, is cross-origin isolated, and sees WebGPU only in the WebGPU project.
import { expect, test } from '@playwright/test';
import { AppPage, projectHasWebGpu } from './pages/AppPage';

test('the production build renders and reports the WebGPU adapter it has', async ({ page }, testInfo) => {
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  const app = new AppPage(page);
  await app.open();

  const expectGpu = projectHasWebGpu(testInfo);
  expect(await app.hasWebGpuAdapter()).toBe(expectGpu);
  await expect(app.webgpuStatus).toHaveAttribute('data-state', expectGpu ? 'yes' : 'no');
  expect(await page.evaluate(() => globalThis.crossOriginIsolated)).toBe(true);
  // The engine worker started and loaded the one ONNX Runtime Web the app ships.
  await expect(page.getByTestId('env-ort')).toHaveText(/^\d+\.\d+\.\d+/);
  expect(errors).toEqual([]);
});
