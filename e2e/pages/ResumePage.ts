// Page object for the saved-run offer after a reload (resume or discard) and for byte-exact downloads.
import { readFileSync } from 'node:fs';
import type { Page } from '@playwright/test';
import type { AppPage } from './AppPage';

export class ResumePage {
  readonly page: Page;
  constructor(readonly app: AppPage) {
    this.page = app.page;
  }

  /** The offer to resume (or restore) a saved run. */
  get offer() {
    return this.page.getByTestId('saved-run');
  }
  get resumeButton() {
    return this.offer.getByRole('button', { name: /^(Resume|Restore results)$/ });
  }
  get discardButton() {
    return this.offer.getByRole('button', { name: 'Discard' });
  }

  /** Rows labelled so far, from the progress bar. */
  async done(): Promise<number> {
    return Number(await this.app.progress.getAttribute('data-done'));
  }

  /** Clicks Download and returns the file's bytes, BOM included. */
  async downloadBytes(): Promise<Buffer> {
    const download = this.page.waitForEvent('download');
    await this.page.getByRole('button', { name: 'Download labelled CSV' }).click();
    const d = await download;
    const path = this.app.testInfo.outputPath(`${Date.now()}-${d.suggestedFilename()}`);
    await d.saveAs(path);
    return readFileSync(path);
  }
}
