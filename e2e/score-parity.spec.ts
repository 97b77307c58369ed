// One CSV through the app's download and through `python -m model_export score` (local and Ray): same rows, decisions and scores.
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect, test } from './fixtures';
import { readCsv } from './helpers/csvdata';
import { scoreWithPython } from './helpers/score';
import { flowQuery } from './pages/AppPage';

const CSV = fileURLToPath(new URL('./data/score-parity.csv', import.meta.url));
const LABELS = ['Technology', 'Health', 'Finance', 'Economy', 'Environment'] as const;
/** The bound for fp32: the browser (ORT Web, WASM) and native ONNX Runtime on the CPU. */
const MAX_SCORE_DELTA = 1e-5;

test('the labelled CSV from `score` (local and Ray) matches the browser download: rows, order, decisions, scores', async ({ app, page }, testInfo) => {
  test.setTimeout(600_000);
  await app.openReady(flowQuery(testInfo, '?dtype=fp32'));
  await expect(app.dtype).toHaveText('fp32');
  await app.chooseCsv(CSV);
  await expect(app.csvSummary).toContainText('score-parity.csv: 12 rows, 4 columns');
  await expect(page.getByLabel('Text column')).toHaveValue('1');
  await app.runBatch();
  await app.waitBatch('done');
  const browser = readCsv((await app.download()).text);

  // Shared by both projects (Playwright empties the output folder once per run): the second one resumes.
  const out = join(testInfo.project.outputDir, 'score-parity-python');
  for (const engine of ['local', 'ray'] as const) {
    const python = await scoreWithPython(CSV, join(out, engine), engine);
    expect(python.header, engine).toEqual(browser.header);
    expect(python.records.length, engine).toBe(12);
    let worst = 0;
    python.records.forEach((row, i) => {
      const want = browser.records[i]!;
      for (const column of browser.header.slice(0, 4)) expect(row[column], `${engine} row ${i} ${column}`).toBe(want[column]);
      expect(row.predicted_labels, `${engine} row ${i} decisions`).toBe(want.predicted_labels);
      for (const label of LABELS) {
        for (const term of ['score', 'nli', 'poly']) {
          const [got, exp] = [row[`${label}_${term}`]!, want[`${label}_${term}`]!];
          expect(got === '', `${engine} row ${i} ${label}_${term} empty`).toBe(exp === '');
          if (exp !== '') worst = Math.max(worst, Math.abs(Number(got) - Number(exp)));
        }
      }
    });
    testInfo.annotations.push({ type: `max |Δ score| ${engine}`, description: String(worst) });
    expect(worst, engine).toBeLessThanOrEqual(MAX_SCORE_DELTA);
  }
  // Rows without text are labelled by neither (ids 9 and 11).
  expect(browser.records.filter((r) => r.Technology_score === '').map((r) => r.id)).toEqual(['9', '11']);
});
