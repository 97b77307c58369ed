// Page object for the Model panel's other-model form and the facts it shows about a Hub-style model.
import type { Locator, Page } from '@playwright/test';

export class ModelPanel {
  constructor(readonly page: Page) {}

  get addressBox(): Locator {
    return this.page.getByLabel('Bundle folder, Hub id or URL');
  }
  get loadProblem(): Locator {
    return this.page.getByTestId('load-problem');
  }
  /** The "NLI only" facts of a model derived from a Hub-style folder. */
  get hubModel(): Locator {
    return this.page.getByTestId('hub-model');
  }
  /** What the files were checked against. */
  get fileChecks(): Locator {
    return this.page.getByTestId('file-checks');
  }
  get cacheSummary(): Locator {
    return this.page.getByTestId('cache-summary');
  }
  get bundleName(): Locator {
    return this.page.getByTestId('bundle-name');
  }
  fileRow(path: string): Locator {
    return this.page.locator(`li.file-row[data-path="${path}"]`);
  }

  /** Types an address into the form (opening it first) and submits it. */
  async load(address: string): Promise<void> {
    const details = this.page.locator('details.other-bundle');
    if ((await details.getAttribute('open')) === null) await details.locator('summary').click();
    await this.addressBox.fill(address);
    await this.page.getByRole('button', { name: 'Load', exact: true }).click();
  }
}
