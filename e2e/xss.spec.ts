// Texts, label names and CSV cells that look like HTML are shown as typed and never run; the download keeps them, formula-safe.
import { fileURLToPath } from 'node:url';
import { expect, test } from './fixtures';
import { readCsv } from './helpers/csvdata';
import { flowQuery } from './pages/AppPage';

const data = (name: string) => fileURLToPath(new URL(`./data/${name}`, import.meta.url));

const IMG_LABEL = '<img src=x onerror=window.__pwned=1>';
const SCRIPT_LABEL = '"><script>window.__pwned=2</script>';
const TEXT = '"><script>window.__pwned=3</script><img src=x onerror=window.__pwned=4> <b>bold</b>';

declare global {
  interface Window {
    __pwned?: number;
  }
}

test('texts, label names and CSV cells that look like HTML are shown literally and nothing in them runs', async ({ app, page }, testInfo) => {
  await app.openReady(flowQuery(testInfo));
  const scripts = await page.locator('script').count();
  await app.addLabel(IMG_LABEL);
  await page.getByLabel('Add a zero-shot label').fill(SCRIPT_LABEL);
  await page.getByRole('button', { name: 'Add', exact: true }).click();
  await expect(page.locator('li.label-row').filter({ hasText: SCRIPT_LABEL })).toHaveCount(1);

  // A pasted text: the score table names the labels as typed.
  const scores = await app.classify(TEXT);
  expect(scores.map((s) => s.label)).toEqual(expect.arrayContaining([IMG_LABEL, SCRIPT_LABEL]));
  await expect(page.getByTestId('text-result').getByText(IMG_LABEL, { exact: true }).first()).toBeVisible();

  // A CSV whose header names the label and whose cells hold markup: the table, the gold columns and the evaluation.
  await app.chooseCsv(data('xss.csv'));
  await expect(app.csvSummary).toContainText(`Gold labels found (0/1 columns) for Health, ${IMG_LABEL}.`);
  await app.runBatch();
  await app.waitBatch('done');
  await expect(app.resultsTable.getByText('<img src=x onerror=window.__pwned=1> shares rose', { exact: true })).toBeVisible();
  await expect(app.resultsTable.getByText('"><script>window.__pwned=2</script> hospital beds', { exact: true })).toBeVisible();
  await expect(app.resultsTable.getByText('<b>bold</b> &amp; <svg onload=window.__pwned=3>', { exact: true })).toBeVisible();
  await expect(app.evaluation.getByRole('columnheader', { name: `F1 ${IMG_LABEL}` })).toBeVisible();
  await page.getByRole('button', { name: 'Tune thresholds on this data' }).click();
  await expect(page.getByTestId('tuning')).toBeVisible();
  await app.shot('markup-as-text');

  // Nothing was parsed as HTML: no element from the markup, no new script, no handler ran.
  await expect(page.locator('img, svg[onload], b')).toHaveCount(0);
  await expect(page.locator('[onerror], [onload]')).toHaveCount(0);
  expect(await page.locator('script').count()).toBe(scripts);
  expect(await page.evaluate(() => window.__pwned)).toBeUndefined();

  // The download keeps every cell as typed, formula-safe: a header cell named after the label is a plain string.
  const { text } = await app.download();
  const { header, records } = readCsv(text);
  expect(header).toEqual(expect.arrayContaining([IMG_LABEL, `${IMG_LABEL}_score`, `${SCRIPT_LABEL}_score`]));
  expect(records.map((r) => r.text)).toEqual([
    '<img src=x onerror=window.__pwned=1> shares rose',
    '"><script>window.__pwned=2</script> hospital beds',
    '<b>bold</b> &amp; <svg onload=window.__pwned=3>',
  ]);
});
