// No lost work: a reload mid-run offers to resume, labels only the rows left, and the download equals an uninterrupted run's, byte for byte.
import { expect, test } from './fixtures';
import { writeCsv } from './helpers/csvdata';
import { loadGolden } from './helpers/golden';
import { AppPage, flowQuery } from './pages/AppPage';
import { ResumePage } from './pages/ResumePage';

/** Rows of the test file: golden texts, each row's own, with every tenth row repeating an earlier text (scored once, written to both). */
const N = 240;

test('a reload mid-run offers to resume, and the resumed download equals an uninterrupted run byte for byte', async ({ app, page, browser }, testInfo) => {
  // Two full runs of the file in one test: slow on a loaded machine, which is not what this test is about.
  test.setTimeout(600_000);
  const texts = loadGolden().cases.map((c) => c.text).filter((t) => t.trim() !== '' && t.length < 300);
  const rows = Array.from({ length: N }, (_, i) => [String(i + 1), i % 10 === 9 ? `${texts[0]!} (1)` : `${texts[i % texts.length]!} (${i + 1})`]);
  const csv = writeCsv(testInfo, 'resume.csv', ['id', 'text'], rows);
  const resume = new ResumePage(app);
  await app.openReady(flowQuery(testInfo));
  await app.chooseCsv(csv);
  await app.runBatch();
  await expect.poll(() => resume.done(), { timeout: 180_000, intervals: [50] }).toBeGreaterThanOrEqual(20);
  await page.reload();
  await app.waitReady();

  await expect(resume.offer).toContainText(/Resume labelling resume\.csv: \d+ of 240 rows done\./);
  const saved = Number(await resume.offer.getAttribute('data-done'));
  expect(saved).toBeGreaterThan(0);
  expect(saved).toBeLessThan(N);
  await app.shot('resume-offer');
  await resume.resumeButton.click();
  await expect(resume.offer).toBeHidden();
  await expect(app.csvSummary).toContainText('resume.csv: 240 rows');
  // The run starts from the saved rows, not from zero: its first progress already counts them.
  await expect(app.progress).toHaveAttribute('data-status', /running|done/);
  expect(await resume.done()).toBeGreaterThanOrEqual(saved);
  await app.waitBatch('done', 300_000);
  await expect(app.progress).toHaveAttribute('data-done', String(N));
  const resumed = await resume.downloadBytes();

  // The same run, never interrupted, in a fresh browser context (its own, empty IndexedDB).
  const context = await browser.newContext();
  try {
    const fresh = new AppPage(await context.newPage(), testInfo);
    await fresh.openReady(flowQuery(testInfo));
    await expect(fresh.page.getByTestId('saved-run')).toHaveCount(0);
    const other = new ResumePage(fresh);
    await fresh.chooseCsv(csv);
    await fresh.runBatch();
    await fresh.waitBatch('done', 300_000);
    const uninterrupted = await other.downloadBytes();
    expect(resumed.length).toBe(uninterrupted.length);
    expect(resumed.equals(uninterrupted)).toBe(true);
  } finally {
    await context.close();
  }

  // After a reload the finished run can be restored, or discarded for good.
  await page.reload();
  await app.waitReady();
  await expect(resume.offer).toContainText('Restore the labelled resume.csv: 240 of 240 rows done.');
  await resume.discardButton.click();
  await expect(resume.offer).toBeHidden();
  await page.reload();
  await app.waitReady();
  await expect(resume.offer).toHaveCount(0);
});
