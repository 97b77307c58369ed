// Cancelling a long CSV run mid-way: the run stops between chunks, scored rows are kept and downloadable.
import { expect, test } from './fixtures';
import { readCsv, writeCsv } from './helpers/csvdata';
import { loadGolden } from './helpers/golden';
import { flowQuery } from './pages/AppPage';

test('a 100,000-row CSV reads, scrolls virtualised, and cancel stops it mid-way keeping what was labelled', async ({ app, page }, testInfo) => {
  const texts = loadGolden().cases.map((c) => c.text).filter((t) => t.trim() !== '' && t.length < 300);
  const N = 100_000;
  const rows = Array.from({ length: N }, (_, i) => [String(i + 1), `${texts[i % texts.length]} (${i + 1})`]);
  await app.openReady(flowQuery(testInfo));
  await app.chooseCsv(writeCsv(testInfo, 'big.csv', ['id', 'text'], rows));
  await expect(app.csvSummary).toContainText('big.csv: 100,000 rows');
  await app.runBatch();
  await expect(app.progress).toHaveAttribute('data-status', 'running');
  // Progress shows rows done, rows per second and time left while running.
  await expect(app.progress).toContainText(/Labelling: [\d,]+ of 100,000 rows · [\d.]+ rows\/s · about .+ left/, { timeout: 60_000 });
  await app.shot('batch-running');
  await page.getByRole('button', { name: 'Cancel' }).click();
  await app.waitBatch('cancelled');
  const done = Number(await app.progress.getAttribute('data-done'));
  expect(done).toBeGreaterThan(0);
  expect(done).toBeLessThan(N);
  // The run is really stopped: the app takes new work through the same worker (a text, which it refuses
  // while a CSV is being labelled), and once that text is scored the count has not moved.
  await expect(page.getByRole('button', { name: 'Label again' })).toBeEnabled();
  await app.classify(texts[0]!);
  await expect(app.progress).toHaveAttribute('data-status', 'cancelled');
  await expect(app.progress).toHaveAttribute('data-done', String(done));

  // The virtualised table keeps only visible rows in the DOM, and scrolls to the end.
  expect(await app.resultsTable.locator('[data-row]').count()).toBeLessThan(100);
  await app.resultsTable.evaluate((el) => (el.scrollTop = el.scrollHeight));
  await expect(app.resultsTable.locator(`[data-row="${N - 1}"]`)).toHaveAttribute('data-scored', 'false');
  await app.resultsTable.evaluate((el) => (el.scrollTop = 0));
  await expect(app.resultsTable.locator('[data-row="0"]')).toHaveAttribute('data-scored', 'true');

  const { records } = readCsv((await app.download()).text);
  expect(records).toHaveLength(N);
  const scored = records.filter((r) => r.Finance_score !== '').length;
  expect(scored).toBe(done);
  expect(records[N - 1]!.Finance_score).toBe('');
});
