// Page object for the app: model status, text classification, labels, CSV batch, evaluation.
import { readFileSync } from 'node:fs';
import { expect, type Locator, type Page, type TestInfo } from '@playwright/test';
import type { GoldenScore } from '../helpers/golden';

/** Whether the running Playwright project launches Chromium with a WebGPU adapter. */
export function projectHasWebGpu(testInfo: TestInfo): boolean {
  return testInfo.project.metadata?.webgpu === true;
}

/** Adds `backend=<backend>` to a query string (`''` or `?a=b…`). */
function withBackend(query: string, backend: 'wasm' | 'webgpu'): string {
  return query ? `${query}&backend=${backend}` : `?backend=${backend}`;
}

/**
 * Query for tests of UI flows rather than of a backend. The WebGPU project's adapter is
 * SwiftShader (WebGPU emulated on the CPU), a few hundred times slower than WASM here; the
 * app no longer picks it by itself, and flows say ?backend=wasm there anyway, so that they
 * never depend on what the adapter is. README (Development notes) lists what runs on WebGPU.
 */
export function flowQuery(testInfo: TestInfo, query = ''): string {
  return projectHasWebGpu(testInfo) ? withBackend(query, 'wasm') : query;
}

/**
 * Query for tests of the backend itself: in the WebGPU project, forces ?backend=webgpu, since the
 * app picks WASM by itself on SwiftShader (a software adapter); in the WASM project, unchanged.
 */
export function webgpuQuery(testInfo: TestInfo, query = ''): string {
  return projectHasWebGpu(testInfo) ? withBackend(query, 'webgpu') : query;
}

/** The random fixture: the bundle the parity goldens and the UI flows are written for, asked for explicitly since it is no longer the default. */
export const FIXTURE_BUNDLE_URL = '/models/demo-fixture/';

/** `query` with `bundle=` the fixture added, unless it names a bundle already. */
export function fixtureQuery(query = ''): string {
  if (/[?&]bundle=/.test(query)) return query;
  return query ? `${query}&bundle=${FIXTURE_BUNDLE_URL}` : `?bundle=${FIXTURE_BUNDLE_URL}`;
}

/** Which bundle `open` loads when the query names none: the fixture (every spec but demo.spec.ts), or the app's default. */
export type OpenBundle = 'fixture' | 'default';

/** One row of the score table, read from its data-* attributes (full precision): the same terms as the golden file. */
export type UiScore = GoldenScore;

const num = (v: string | null): number | null => (v === null || v === '' ? null : Number(v));

export class AppPage {
  constructor(
    readonly page: Page,
    readonly testInfo: TestInfo,
  ) {}

  async open(query = '', bundle: OpenBundle = 'fixture'): Promise<void> {
    await this.page.goto(`/${bundle === 'fixture' ? fixtureQuery(query) : query}`);
    await expect(this.heading).toBeVisible();
  }

  /** Opens the page and waits until the model is ready. */
  async openReady(query = '', bundle: OpenBundle = 'fixture'): Promise<void> {
    await this.open(query, bundle);
    await this.waitReady();
  }

  async waitReady(): Promise<void> {
    await expect(this.modelStatus).toHaveAttribute('data-state', 'ready', { timeout: 90_000 });
  }

  /** Saves a full-page screenshot as a test artifact. */
  async shot(name: string): Promise<void> {
    await this.page.screenshot({ path: this.testInfo.outputPath(`${name}.png`), fullPage: true });
  }

  get heading() {
    return this.page.getByRole('heading', { level: 1, name: 'Zero-shot classifier' });
  }
  get modelStatus() {
    return this.page.getByTestId('model-status');
  }
  get backend() {
    return this.page.getByTestId('backend');
  }
  get dtype() {
    return this.page.getByTestId('dtype');
  }
  get backendReason() {
    return this.page.getByTestId('backend-reason');
  }
  get demoBanner() {
    return this.page.getByTestId('demo-banner');
  }

  /** Asks the browser directly, bypassing the app, whether WebGPU yields an adapter. */
  async hasWebGpuAdapter(): Promise<boolean> {
    return this.page.evaluate(async () => {
      const gpu = (navigator as Navigator & { gpu?: GPU }).gpu;
      if (!gpu) return false;
      return (await gpu.requestAdapter()) !== null;
    });
  }

  // ---- one text -------------------------------------------------------------------------
  get textBox() {
    return this.page.getByLabel('Text to classify');
  }
  get classifyButton() {
    return this.page.getByRole('button', { name: 'Classify', exact: true });
  }
  get textResult() {
    return this.page.getByTestId('text-result');
  }
  get textProblem() {
    return this.page.getByTestId('text-problem');
  }

  /** Fills the text box and runs with Ctrl+Enter (or the button); waits for the scores of this text. */
  async classify(text: string, how: 'keyboard' | 'button' = 'keyboard', timeout = 90_000): Promise<UiScore[]> {
    // NOTE: read data-run only if the result exists; getAttribute would wait for it otherwise.
    const before = (await this.textResult.count()) ? Number(await this.textResult.getAttribute('data-run')) : 0;
    await this.textBox.fill(text);
    if (how === 'keyboard') await this.textBox.press('Control+Enter');
    else await this.classifyButton.click();
    await expect(this.textResult).toHaveAttribute('data-run', String(before + 1), { timeout });
    await expect(this.classifyButton).toHaveText('Classify');
    return this.scores();
  }

  /** The score table's rows, in label order. */
  async scores(): Promise<UiScore[]> {
    const rows = this.page.getByTestId('score-table').locator('tbody tr');
    return rows.evaluateAll((trs) =>
      trs.map((tr) => {
        const d = (tr as HTMLElement).dataset;
        return { label: d.label ?? '', nli: d.nli ?? '', poly: d.poly ?? '', alpha: d.alpha ?? '', blended: d.blended ?? '', threshold: d.threshold ?? '', predicted: d.predicted ?? '' };
      }),
    ).then((raw) =>
      raw.map((r) => ({
        label: r.label,
        nli: Number(r.nli),
        poly: num(r.poly),
        alpha: num(r.alpha),
        blended: Number(r.blended),
        threshold: Number(r.threshold),
        predicted: r.predicted === 'true',
      })),
    );
  }

  // ---- labels ---------------------------------------------------------------------------
  thresholdSlider(label: string): Locator {
    return this.page.getByRole('slider', { name: `Threshold for ${label}` });
  }

  async setThreshold(label: string, value: number): Promise<void> {
    await this.thresholdSlider(label).fill(String(value));
    await expect(this.page.getByTestId(`threshold-${label}`)).toHaveText(value.toFixed(2));
  }

  async addLabel(name: string): Promise<void> {
    await this.page.getByLabel('Add a zero-shot label').fill(name);
    await this.page.getByRole('button', { name: 'Add', exact: true }).click();
    await expect(this.labelRow(name)).toBeVisible();
  }

  labelRow(name: string): Locator {
    return this.page.locator(`li.label-row[data-label="${name}"]`);
  }

  /** Opens a label's hypothesis editor and returns its text box. */
  async hypothesisBox(name: string): Promise<Locator> {
    const row = this.labelRow(name);
    const details = row.locator('details');
    if ((await details.getAttribute('open')) === null) await row.locator('summary', { hasText: 'Hypothesis' }).click();
    return row.getByLabel('Hypothesis the model checks');
  }

  // ---- CSV ------------------------------------------------------------------------------
  get csvSummary() {
    return this.page.getByTestId('csv-summary');
  }
  /** "read as <encoding>" in the CSV summary. */
  get csvEncoding() {
    return this.page.getByTestId('csv-encoding');
  }
  get csvWarnings() {
    return this.page.getByTestId('csv-warnings');
  }
  get csvProblem() {
    return this.page.getByTestId('csv-problem');
  }
  get progress() {
    return this.page.getByTestId('batch-progress');
  }
  get resultsTable() {
    return this.page.getByTestId('results-table');
  }

  /** Opens a CSV through the real file chooser (the "Choose a CSV file…" button). */
  async chooseCsv(path: string): Promise<void> {
    const chooser = this.page.waitForEvent('filechooser');
    await this.page.getByText('Choose a CSV file…').click();
    await (await chooser).setFiles(path);
    // Reading starts in the change handler; wait until it ends (a table, or a message), so a click on
    // "Label all rows" cannot land on the previous table.
    await expect(this.page.locator('[data-csv-status]')).not.toHaveAttribute('data-csv-status', 'reading', { timeout: 120_000 });
  }

  /** Drops a file on the page, byte for byte: a DataTransfer with the file, dispatched as dragenter/dragover/drop. */
  async dropCsv(path: string, name: string, target = 'body'): Promise<void> {
    const bytes = [...readFileSync(path)];
    const dataTransfer = await this.page.evaluateHandle(
      ([content, fileName]) => {
        const dt = new DataTransfer();
        dt.items.add(new File([new Uint8Array(content)], fileName, { type: 'text/csv' }));
        return dt;
      },
      [bytes, name] as const,
    );
    await this.page.dispatchEvent(target, 'dragenter', { dataTransfer });
    await this.page.dispatchEvent(target, 'dragover', { dataTransfer });
    await expect(this.page.getByTestId('drop-overlay')).toBeVisible();
    await this.page.dispatchEvent(target, 'drop', { dataTransfer });
    await expect(this.page.getByTestId('drop-overlay')).toBeHidden();
  }

  /** The long-text setting (CSV panel): cut to fit, or windows with a stride and an aggregate. */
  get longTexts() {
    return this.page.getByTestId('long-text');
  }

  async setLongTexts(option: { mode: 'truncate' } | { mode: 'windows'; stride: number; aggregate: 'max' | 'mean' }): Promise<void> {
    if (option.mode === 'truncate') return this.longTexts.getByLabel(/cut to fit/).check();
    await this.longTexts.getByLabel('score in windows').check();
    await this.longTexts.getByLabel('stride').fill(String(option.stride));
    await this.longTexts.getByLabel("each label's").selectOption(option.aggregate);
  }

  async runBatch(): Promise<void> {
    await this.page.getByRole('button', { name: /^(Label all rows|Label again)$/ }).click();
  }

  /**
   * Waits for the run to end, then for the results table (drawn from a deferred copy of the store) to show
   * the run's last state: reads of its cells after this see the final scores.
   */
  async waitBatch(status: 'done' | 'cancelled' = 'done', timeout = 120_000): Promise<void> {
    await expect(this.progress).toHaveAttribute('data-status', status, { timeout });
    await expect(this.resultsTable).toHaveAttribute('aria-busy', 'false');
  }

  /** Clicks Download and returns the file's text. */
  async download(): Promise<{ name: string; text: string }> {
    const download = this.page.waitForEvent('download');
    await this.page.getByRole('button', { name: 'Download labelled CSV' }).click();
    const d = await download;
    const path = this.testInfo.outputPath(d.suggestedFilename());
    await d.saveAs(path);
    return { name: d.suggestedFilename(), text: readFileSync(path, 'utf-8') };
  }

  // ---- evaluation -----------------------------------------------------------------------
  get evaluation() {
    return this.page.getByTestId('evaluation');
  }

  /** Full-precision metrics of one evaluation row (data-system = nli | hybrid | tuned | cv). */
  async metricRow(system: string): Promise<Record<string, number>> {
    const cells = this.page.locator(`[data-testid="evaluation-table"] tr[data-system="${system}"] td[data-metric]`);
    await expect(cells.first()).toBeVisible();
    const pairs = await cells.evaluateAll((tds) => tds.map((td) => [(td as HTMLElement).dataset.metric!, (td as HTMLElement).dataset.value!] as const));
    return Object.fromEntries(pairs.map(([k, v]) => [k, Number(v)]));
  }
}
