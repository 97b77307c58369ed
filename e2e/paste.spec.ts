// Paste flow: classify a text with Ctrl+Enter or the button; thresholds, zero-shot labels and hypotheses; persistence.
import { expect, test } from './fixtures';
import { flowQuery, type UiScore } from './pages/AppPage';

const TEXT = 'Solar panels and wind turbines now generate 30% of the country’s electricity, and utilities’ shares rose.';

/** Every row is internally consistent: blended from its terms, decision from blended and threshold. */
function expectConsistent(scores: UiScore[]) {
  for (const s of scores) {
    expect(s.nli).toBeGreaterThanOrEqual(0);
    expect(s.nli).toBeLessThanOrEqual(1);
    if (s.poly === null) {
      expect(s.alpha).toBeNull();
      expect(s.blended).toBe(s.nli);
    } else {
      expect(s.blended).toBeCloseTo(s.alpha! * s.nli + (1 - s.alpha!) * s.poly, 12);
    }
    expect(s.predicted).toBe(s.blended >= s.threshold);
  }
}

test('pastes a text, runs it with Ctrl+Enter or the button, shows every term of every score, and refuses empty text', async ({ app, page }, testInfo) => {
  await app.openReady(flowQuery(testInfo));
  const scores = await app.classify(TEXT, 'keyboard');
  expect(scores.map((s) => s.label)).toEqual(['Technology', 'Health', 'Finance', 'Economy', 'Environment']);
  expectConsistent(scores);
  await expect(page.getByTestId('result-backend')).toHaveText(await app.backend.innerText());
  const predicted = scores.filter((s) => s.predicted).map((s) => s.label);
  await expect(page.getByTestId('predicted-labels')).toHaveText(predicted.length ? predicted.join(', ') : 'No label reaches its threshold');
  await app.shot('text-result');

  // The button runs too, and gives the same scores for the same text.
  const again = await app.classify(TEXT, 'button');
  expect(again).toEqual(scores);

  // Empty or whitespace-only text: a clear message, no run, the last result untouched.
  await app.textBox.fill('   \n\t  ');
  await app.textBox.press('Control+Enter');
  await expect(app.textProblem).toContainText('There is no text to classify.');
  await expect(app.textResult).toHaveAttribute('data-run', '2');
  await app.textBox.fill('Vaccines reduce hospital admissions.');
  await expect(app.textProblem).toHaveCount(0);
});

test('thresholds re-decide without a re-run; thresholds and zero-shot labels persist across reloads; reset and remove', async ({ app, page }, testInfo) => {
  await app.openReady(flowQuery(testInfo));
  await expect(page.getByTestId('cache-summary')).toHaveText('downloaded');
  const scores = await app.classify(TEXT);
  const s = scores.find((x) => x.label === 'Finance')!;
  const bundleThreshold = s.threshold;
  // Just above the score: not predicted; at or just below: predicted. No re-run: the score stays.
  const above = Math.min(1, Math.ceil(s.blended * 100 + 1e-9) / 100);
  const below = Math.floor(s.blended * 100) / 100;
  await app.setThreshold('Finance', above);
  const row = page.locator('[data-testid="score-table"] tr[data-label="Finance"]');
  await expect(row).toHaveAttribute('data-threshold', String(above));
  await expect(row).toHaveAttribute('data-predicted', String(s.blended >= above));
  await app.setThreshold('Finance', below);
  await expect(row).toHaveAttribute('data-predicted', 'true');
  await expect(row).toHaveAttribute('data-blended', String(s.blended));

  // A zero-shot label: NLI only, hypothesis from the bundle's template, editable; duplicates refused.
  await app.addLabel('Sports');
  await expect(app.labelRow('Sports')).toContainText('NLI only');
  const hypothesis = await app.hypothesisBox('Sports');
  await expect(hypothesis).toHaveValue('This text is about Sports.');
  await page.getByLabel('Add a zero-shot label').fill('sports');
  await page.getByRole('button', { name: 'Add', exact: true }).click();
  await expect(page.getByRole('alert').filter({ hasText: "There is already a label called 'sports'" })).toBeVisible();
  const match = 'The home team won the championship final in extra time.';
  const sports = (await app.classify(match)).find((x) => x.label === 'Sports')!;
  expect(sports).toMatchObject({ poly: null, alpha: null });
  expect(sports.blended).toBe(sports.nli);
  await hypothesis.fill('This text is about a football match.');
  await hypothesis.press('Enter');
  await expect(app.textResult).toContainText('Labels or hypotheses changed since this run');
  const edited = (await app.classify(match)).find((x) => x.label === 'Sports')!;
  expect(edited.nli).not.toBe(sports.nli);
  await app.shot('labels');

  // After a reload: same thresholds, label and hypothesis; every model file from the browser cache.
  await page.reload();
  await app.waitReady();
  await expect(page.getByTestId('cache-summary')).toHaveText('all from the browser cache');
  await expect(page.getByTestId('threshold-Finance')).toHaveText(below.toFixed(2));
  await expect(await app.hypothesisBox('Sports')).toHaveValue('This text is about a football match.');

  await page.getByRole('button', { name: 'Reset thresholds to the model’s values' }).click();
  await expect(page.getByTestId('threshold-Finance')).toHaveText(bundleThreshold.toFixed(2));
  await app.labelRow('Sports').getByRole('button', { name: 'Remove label Sports' }).click();
  await expect(app.labelRow('Sports')).toHaveCount(0);
  // What is stored for the next visit is the reset state.
  const saved = await page.evaluate(() =>
    Object.entries(localStorage)
      .filter(([k]) => k.startsWith('zeroshot.labels.'))
      .map(([, v]) => JSON.parse(String(v)) as { thresholds: object; userLabels: unknown[] }),
  );
  expect(saved.every((v) => Object.keys(v.thresholds).length === 0 && v.userLabels.length === 0)).toBe(true);
});
