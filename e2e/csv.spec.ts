// CSV by drag-and-drop: gold detection, ragged rows, histograms, the download's content; malformed and empty files.
import { fileURLToPath } from 'node:url';
import { writeFileSync } from 'node:fs';
import { expect, test } from './fixtures';
import { expectedCell, readCsv } from './helpers/csvdata';
import { flowQuery } from './pages/AppPage';

const data = (name: string) => fileURLToPath(new URL(`./data/${name}`, import.meta.url));

test('a CSV dropped on the page is labelled, summarised and downloaded with every original cell kept and neutralised', async ({ app, page }, testInfo) => {
  await app.openReady(flowQuery(testInfo));
  await app.dropCsv(data('ragged-injection.csv'), 'ragged-injection.csv');
  await expect(app.csvSummary).toContainText('ragged-injection.csv: 6 rows, 5 columns');
  await expect(app.csvSummary).toContainText('Gold labels found (0/1 columns) for Health, Finance');
  await expect(page.getByTestId('csv-warnings')).toContainText('Rows 7 have fewer cells than the header');
  await expect(page.getByLabel('Text column')).toHaveValue('1');

  await app.runBatch();
  await app.waitBatch('done');
  await expect(app.progress).toHaveAttribute('data-done', '5');
  await expect(app.progress).toContainText(/Done: 5 of 5 rows · [\d.]+ rows\/s · took/);
  await expect(page.getByText('1 rows have no text and were not labelled.')).toBeVisible();
  // One histogram per label, with its threshold line.
  await expect(page.locator('figure.histogram')).toHaveCount(5);
  await expect(page.locator('figure.histogram[data-label="Finance"] line.threshold-line')).toHaveCount(1);
  await expect(app.evaluation).toBeVisible();
  await app.shot('csv-dropped');

  // Thresholds move decisions in the table and in the download without a re-run.
  await app.setThreshold('Health', 0);
  const { text } = await app.download();
  const { header, records } = readCsv(text);
  expect(header.slice(0, 5)).toEqual(['id', 'text', 'Finance', 'Health', 'note']);
  expect(records.map((r) => r.note)).toEqual(['=1+2', '+cmd', '-minus', '@at', 'empty text', ''].map(expectedCell));
  expect(records.map((r) => r.id)).toEqual(['1', '2', '3', '4', '5', '6']);
  const thresholds: Record<string, number> = {};
  for (const l of ['Technology', 'Health', 'Finance', 'Economy', 'Environment']) thresholds[l] = Number(await page.getByTestId(`threshold-${l}`).innerText());
  records.forEach((r, i) => {
    if (i === 4) {
      expect(r.Finance_score).toBe('');
      expect(r.predicted_labels).toBe('');
      return;
    }
    const predicted = Object.keys(thresholds).filter((l) => Number(r[`${l}_score`]) >= thresholds[l]!);
    expect(r.predicted_labels).toBe(predicted.join(';'));
    expect(predicted).toContain('Health');
    expect(r.Health_poly).toBe(''); // Health has no head: NLI only
    expect(Number(r.Health_score)).toBe(Number(r.Health_nli));
  });
});

test('malformed, empty and non-CSV files get a clear message and never replace the table', async ({ app }, testInfo) => {
  await app.openReady(flowQuery(testInfo));
  await app.chooseCsv(data('ragged-injection.csv'));
  await expect(app.csvSummary).toContainText('6 rows');

  await app.dropCsv(data('malformed.csv'), 'malformed.csv');
  await expect(app.csvProblem).toContainText('row 3: a quoted cell is never closed');
  await expect(app.csvProblem).toContainText('Your previous table and results are unchanged.');
  await expect(app.csvSummary).toContainText('ragged-injection.csv: 6 rows');

  const empty = testInfo.outputPath('empty.csv');
  writeFileSync(empty, '');
  await app.chooseCsv(empty);
  await expect(app.csvProblem).toContainText('empty.csv is empty (0 bytes)');

  const headerOnly = testInfo.outputPath('header-only.csv');
  writeFileSync(headerOnly, 'text,label\n');
  await app.chooseCsv(headerOnly);
  await expect(app.csvProblem).toContainText('The file has a header row but no data rows below it.');

  const xlsx = testInfo.outputPath('book.xlsx');
  writeFileSync(xlsx, 'PK\u0003\u0004 not really a spreadsheet');
  await app.chooseCsv(xlsx);
  await expect(app.csvProblem).toContainText('book.xlsx looks like a spreadsheet: save it as CSV (UTF-8) first.');

  await expect(app.csvSummary).toContainText('ragged-injection.csv: 6 rows');
  await app.shot('csv-errors');
});
