// Long texts in the real UI: cut to fit by default (✂), or read in token windows when chosen (⧉N), the setting kept across reloads.
import { writeFileSync } from 'node:fs';
import { expect, test } from './fixtures';

/** A CSV with one text of a few thousand tokens and one short text. */
function longCsv(path: string): string {
  const sentence = 'The central bank raised interest rates while hospitals reported fewer admissions and solar output grew.';
  const long = Array.from({ length: 120 }, (_, i) => `${sentence} (${i})`).join(' ');
  writeFileSync(path, `text\n"${long}"\nStocks rallied.\n`);
  return path;
}

test('a long text is cut to fit by default, and read in windows when the setting says so, which a reload keeps', async ({ app, page }, testInfo) => {
  await app.openReady();
  const csv = longCsv(testInfo.outputPath('long.csv'));
  await app.dropCsv(csv, 'long.csv');
  await expect(app.csvSummary).toContainText('long.csv: 2 rows, 1 columns');
  await expect(app.longTexts.getByLabel(/cut to fit/)).toBeChecked();
  const rows = app.resultsTable.locator('[role="row"][data-row]');

  await app.runBatch();
  await app.waitBatch();
  await expect(rows.nth(0)).toHaveAttribute('data-cut', 'true');
  await expect(rows.nth(0)).not.toHaveAttribute('data-windows');

  await app.setLongTexts({ mode: 'windows', stride: 400, aggregate: 'mean' });
  await app.runBatch();
  await app.waitBatch();
  await expect(rows.nth(0)).toHaveAttribute('data-scored', 'true');
  // The demo's labels have heads, which still read only the text's beginning: the row stays marked cut as well.
  await expect(rows.nth(0)).toHaveAttribute('data-cut', 'true');
  const windows = Number(await rows.nth(0).getAttribute('data-windows'));
  expect(windows).toBeGreaterThan(2);
  await expect(rows.nth(0).getByLabel(`text read in ${windows} windows`)).toBeVisible();
  await expect(rows.nth(1)).not.toHaveAttribute('data-windows');
  await expect(rows.nth(1)).toHaveAttribute('data-cut', 'false');
  await app.shot('long-texts-windows');

  await page.reload();
  await app.waitReady();
  await app.dropCsv(csv, 'long.csv');
  await expect(app.longTexts.getByLabel('score in windows')).toBeChecked();
  await expect(app.longTexts.getByLabel('stride')).toHaveValue('400');
  await expect(app.longTexts.getByLabel("each label's")).toHaveValue('mean');
});
