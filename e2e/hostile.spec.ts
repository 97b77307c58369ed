// Hostile CSV files dropped through the real UI: mixed endings, encodings, a PNG, a table of numbers; rows counted, encoding shown.
import { writeFileSync } from 'node:fs';
import Papa from 'papaparse';
import { formatCount } from '../src/components/format';
import { HOSTILE_FILES } from '../src/io/hostile.testdata';
import { expect, test } from './fixtures';
import { expectedCell } from './helpers/csvdata';

/** Writes one of the generated hostile files into this test's output folder and returns its path. */
function hostile(name: string, outputPath: (name: string) => string): string {
  const file = HOSTILE_FILES.find((f) => f.name === name);
  if (!file) throw new Error(`no hostile file ${name}`);
  const path = outputPath(name);
  writeFileSync(path, file.bytes);
  return path;
}

test('hostile files dropped on the page are read row by row in the right encoding, or refused with what to do', async ({ app, page }, testInfo) => {
  await app.open();
  const drop = (name: string) => app.dropCsv(hostile(name, (n) => testInfo.outputPath(n)), name);

  await drop('mixed-endings.csv');
  await expect(app.csvSummary).toContainText('mixed-endings.csv: 3 rows, 2 columns');
  await expect(app.csvEncoding).toHaveText(', read as UTF-8');

  await drop('windows-1252.csv');
  await expect(app.csvSummary).toContainText('windows-1252.csv: 2 rows, 2 columns');
  await expect(app.csvEncoding).toHaveText(', read as windows-1252');

  await drop('utf16le-bom.csv');
  await expect(app.csvSummary).toContainText('utf16le-bom.csv: 2 rows, 2 columns');
  await expect(app.csvEncoding).toHaveText(', read as UTF-16LE with BOM');

  await drop('crlf-in-quotes-mixed.csv');
  await expect(app.csvSummary).toContainText('crlf-in-quotes-mixed.csv: 3 rows, 2 columns');

  await drop('image.csv');
  await expect(app.csvProblem).toContainText('image.csv is not a text file: it looks like a PNG image.');
  await expect(app.csvSummary).toContainText('crlf-in-quotes-mixed.csv: 3 rows');

  await drop('only-numbers.csv');
  await expect(app.csvSummary).toContainText('only-numbers.csv: 3 rows, 3 columns');
  await expect(app.csvWarnings).toContainText('No column looks like text');
  const column = page.getByLabel('Text column');
  await column.selectOption('1');
  await expect(column).toHaveValue('1');
  await app.shot('hostile-only-numbers');
});

test('a 1 MB cell is labelled beside a short row, and the table marks it as cut to fit the model', async ({ app }, testInfo) => {
  await app.openReady();
  await app.dropCsv(hostile('very-long-line.csv', (n) => testInfo.outputPath(n)), 'very-long-line.csv');
  await expect(app.csvSummary).toContainText('very-long-line.csv: 2 rows, 2 columns');
  await app.runBatch();
  await app.waitBatch();
  const rows = app.resultsTable.locator('[role="row"][data-row]');
  await expect(rows.nth(0)).toHaveAttribute('data-scored', 'true');
  await expect(rows.nth(0)).toHaveAttribute('data-cut', 'true');
  await expect(rows.nth(0).getByLabel('text cut to fit the model')).toBeVisible();
  await expect(rows.nth(1)).toHaveAttribute('data-scored', 'true');
  await expect(rows.nth(1)).toHaveAttribute('data-cut', 'false');
});

test('every hostile file goes through the real UI: refused with its message, or labelled with the download holding every input row, in order', async ({ app }, testInfo) => {
  test.setTimeout(900_000);
  expect(HOSTILE_FILES.length).toBeGreaterThanOrEqual(30);
  await app.openReady();
  for (const file of HOSTILE_FILES) {
    const drop = () => app.dropCsv(hostile(file.name, (n) => testInfo.outputPath(n)), file.name);
    const e = file.expect;
    if ('error' in e) {
      await drop();
      // A 0-byte file is refused before it is read (checkCsvFile), with a message of its own.
      await expect(app.csvProblem, file.name).toContainText(file.bytes.length === 0 ? `${file.name} is empty (0 bytes)` : e.error);
      continue;
    }
    await drop();
    await expect(app.csvSummary, file.name).toContainText(`${file.name}: ${formatCount(e.rows.length)} rows, ${formatCount(e.header.length)} columns`);
    await app.runBatch();
    await app.waitBatch('done', 300_000);
    const { text } = await app.download();
    const parsed = Papa.parse<string[]>(text, { header: false });
    expect(parsed.errors, file.name).toEqual([]);
    const [header, ...rows] = parsed.data;
    expect(header!.slice(0, e.header.length), file.name).toEqual(e.header.map(expectedCell));
    expect(rows.length, file.name).toBe(e.rows.length);
    // Every input row, in order, with its cells as read (neutralised against formulas).
    expect(rows.map((r) => r.slice(0, e.header.length)), file.name).toEqual(e.rows.map((r) => r.map(expectedCell)));
  }
});
