// The README promise: label, evaluate and download the 1,000-row seed sample, all from the UI.
import { expect, test } from './fixtures';
import { readCsv } from './helpers/csvdata';
import { metrics } from './helpers/reference';
import { flowQuery } from './pages/AppPage';

const LABELS = ['Technology', 'Health', 'Finance', 'Economy', 'Environment'];

test('the seed news sample: 1,000 rows labelled, evaluated against its labels column, and downloaded', async ({ app, page }, testInfo) => {
  test.setTimeout(240_000);
  await app.openReady(flowQuery(testInfo));
  await page.getByRole('button', { name: /try the seed news sample/ }).click();
  await expect(app.csvSummary).toContainText('seed-news.csv: 1,000 rows, 3 columns');
  await expect(app.csvSummary).toContainText(`Gold labels found (column 'labels') for ${LABELS.join(', ')}`);
  await app.runBatch();
  await app.waitBatch('done', 200_000);
  await expect(app.progress).toHaveAttribute('data-done', '1000');
  await expect(app.evaluation).toContainText('1000 labelled rows with gold labels');
  await app.shot('seed-evaluated');

  const { records } = readCsv((await app.download()).text);
  expect(records).toHaveLength(1000);
  // The evaluation's hybrid row, recomputed from the downloaded scores and the file's own labels column.
  const thresholds = await Promise.all(LABELS.map(async (l) => Number(await page.getByTestId(`threshold-${l}`).innerText())));
  const gold = records.map((r) => LABELS.map((l) => (r.labels!.split(';').includes(l) ? 1 : 0)));
  const pred = records.map((r) => LABELS.map((l, j) => (Number(r[`${l}_score`]) >= thresholds[j]! ? 1 : 0)));
  const nliPred = records.map((r) => LABELS.map((l) => (Number(r[`${l}_nli`]) >= 0.5 ? 1 : 0)));
  const hybrid = await app.metricRow('hybrid');
  expect(hybrid.macroF1).toBeCloseTo(metrics(pred, gold).macroF1, 10);
  expect(hybrid.exactMatch).toBeCloseTo(metrics(pred, gold).exactMatch, 10);
  expect((await app.metricRow('nli')).hammingAccuracy).toBeCloseTo(metrics(nliPred, gold).hammingAccuracy, 10);
  records.forEach((r, i) => expect(r.predicted_labels, `row ${i + 1}`).toBe(LABELS.filter((_, j) => pred[i]![j]).join(';')));
});
