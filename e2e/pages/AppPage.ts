// Page object for the app's main screen.
import { expect, type Page, type TestInfo } from '@playwright/test';

/** Whether the running Playwright project launches Chromium with a WebGPU adapter. */
export function projectHasWebGpu(testInfo: TestInfo): boolean {
  return testInfo.project.metadata?.webgpu === true;
}

export class AppPage {
  constructor(readonly page: Page) {}

  async open(query = ''): Promise<void> {
    await this.page.goto(`/${query}`);
    await expect(this.heading).toBeVisible();
  }

  get heading() {
    return this.page.getByRole('heading', { level: 1, name: 'Zero-shot classifier' });
  }

  get webgpuStatus() {
    return this.page.getByTestId('env-webgpu');
  }

  /** Asks the browser directly, bypassing the app, whether WebGPU yields an adapter. */
  async hasWebGpuAdapter(): Promise<boolean> {
    return this.page.evaluate(async () => {
      const gpu = (navigator as Navigator & { gpu?: GPU }).gpu;
      if (!gpu) return false;
      return (await gpu.requestAdapter()) !== null;
    });
  }
}
