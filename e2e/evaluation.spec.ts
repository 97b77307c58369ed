// The evaluation table and threshold tuning, checked against numbers the test computes from the golden outputs and gold labels.
import { fileURLToPath } from 'node:url';
import { expect, test } from './fixtures';
import { writeCsv } from './helpers/csvdata';
import { type GoldenCase, loadGolden, nearAny } from './helpers/golden';
import { crossValidated, GRID, type Metrics, metrics, tune } from './helpers/reference';
import { flowQuery } from './pages/AppPage';

function expectRow(ui: Record<string, number>, ref: Metrics, labels: string[]) {
  expect(ui.macroF1).toBeCloseTo(ref.macroF1, 10);
  expect(ui.hammingAccuracy).toBeCloseTo(ref.hammingAccuracy, 10);
  expect(ui.exactMatch).toBeCloseTo(ref.exactMatch, 10);
  expect(ui.macroPrecision).toBeCloseTo(ref.macroPrecision, 10);
  expect(ui.macroRecall).toBeCloseTo(ref.macroRecall, 10);
  labels.forEach((l, j) => expect(ui[`f1:${l}`]).toBeCloseTo(ref.f1[j]!, 10));
}

test('evaluation matches metrics computed from the golden scores and the gold labels; tuning matches too', async ({ app, page }, testInfo) => {
  const golden = loadGolden();
  const labels = golden.labels.map((l) => l.name);
  const bundleThresholds = golden.labels.map((l) => l.threshold);
  // Rows whose scores sit away from every point where a decision could flip (thresholds, 0.5, the
  // tuning grid): fp32 in the browser differs from PyTorch by ~1e-6, which must not flip one.
  const cases: GoldenCase[] = golden.cases.filter((c) => c.text.trim() !== '' && !nearAny(c, [...GRID, ...bundleThresholds]));
  expect(cases.length).toBeGreaterThan(30);
  // Gold labels: a fixed pattern, loosely tied to the scores so that F1 is neither 0 nor 1.
  const gold = cases.map((c, i) => c.scores.map((s, j) => ((s.nli > 0.5 ? 1 : 0) ^ ((i * 3 + j * 5) % 7 === 0 ? 1 : 0))));
  for (let j = 0; j < labels.length; j++) expect(gold.some((g) => g[j] === 1)).toBe(true);

  const header = ['text', ...labels];
  const path = writeCsv(testInfo, 'golden-gold.csv', header, cases.map((c, i) => [c.text, ...gold[i]!.map(String)]));
  await app.openReady(flowQuery(testInfo, '?dtype=fp32'));
  await app.chooseCsv(path);
  await expect(app.csvSummary).toContainText(`Gold labels found (0/1 columns) for ${labels.join(', ')}`);
  await app.runBatch();
  await app.waitBatch('done');
  await expect(app.evaluation).toContainText(`${cases.length} labelled rows with gold labels`);

  const nli = cases.map((c) => c.scores.map((s) => s.nli));
  const blended = cases.map((c) => c.scores.map((s) => s.blended));
  const decide = (scores: number[][], t: number[]) => scores.map((row) => row.map((s, j) => (s >= t[j]! ? 1 : 0)));

  expectRow(await app.metricRow('nli'), metrics(decide(nli, labels.map(() => 0.5)), gold), labels);
  expectRow(await app.metricRow('hybrid'), metrics(decide(blended, bundleThresholds), gold), labels);

  // A slider moves the hybrid row (and only it).
  await app.setThreshold('Finance', 0.5);
  const moved = bundleThresholds.map((t, j) => (labels[j] === 'Finance' ? 0.5 : t));
  expectRow(await app.metricRow('hybrid'), metrics(decide(blended, moved), gold), labels);
  await app.shot('evaluation');

  // Tuning: per-label best grid thresholds, their in-sample metrics, and 5-fold CV (Python's folds, seed 42).
  await page.getByRole('button', { name: 'Tune thresholds on this data' }).click();
  const tuned = tune(blended, gold, cases.map((_, i) => i));
  const tunedCells = page.getByTestId('tuned-thresholds').locator('td');
  await expect(tunedCells).toHaveCount(labels.length);
  expect((await tunedCells.evaluateAll((tds) => tds.map((td) => Number((td as HTMLElement).dataset.value))))).toEqual(tuned);
  const inSample = metrics(decide(blended, tuned), gold);
  expectRow(await app.metricRow('tuned'), inSample, labels);
  expectRow(await app.metricRow('cv'), metrics(crossValidated(blended, gold, 5, 42), gold), labels);
  await app.shot('evaluation-tuned');

  // Discard keeps the thresholds; Apply sets them, and the hybrid row becomes the in-sample row.
  await page.getByRole('button', { name: 'Discard' }).click();
  await expect(page.getByTestId('threshold-Finance')).toHaveText('0.50');
  await page.getByRole('button', { name: 'Tune thresholds on this data' }).click();
  await page.getByRole('button', { name: 'Apply tuned thresholds' }).click();
  for (let j = 0; j < labels.length; j++) await expect(page.getByTestId(`threshold-${labels[j]}`)).toHaveText(tuned[j]!.toFixed(2));
  expectRow(await app.metricRow('hybrid'), inSample, labels);
});

test('a label without a positive gold row gets no tuned threshold, a message saying why, and keeps its threshold on Apply', async ({ app, page }, testInfo) => {
  await app.openReady(flowQuery(testInfo));
  await app.chooseCsv(fileURLToPath(new URL('./data/no-positives.csv', import.meta.url)));
  await expect(app.csvSummary).toContainText('Gold labels found (0/1 columns) for Health, Finance.');
  await app.runBatch();
  await app.waitBatch('done');
  const before = await page.getByTestId('threshold-Health').innerText();
  await page.getByRole('button', { name: 'Tune thresholds on this data' }).click();
  await expect(page.getByTestId('tuning-warnings')).toHaveText(
    'No row in the gold column has label Health; a threshold cannot be tuned. Its current threshold stays.',
  );
  const cells = page.getByTestId('tuned-thresholds').locator('td');
  await expect(cells.and(page.locator('[data-label="Health"]'))).toHaveText('—');
  await expect(cells.and(page.locator('[data-label="Finance"]'))).not.toHaveText('—');
  await page.getByRole('button', { name: 'Apply tuned thresholds' }).click();
  await expect(page.getByTestId('threshold-Health')).toHaveText(before);
});
