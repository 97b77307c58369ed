// The embedded default: the trained demo bundle opens with no query, says what it is, and labels the sample sentence sensibly.
import { readFileSync } from 'node:fs';
import { expect, test } from './fixtures';
import { flowQuery } from './pages/AppPage';

/** The text box's own example (src/components/TextPanel.tsx placeholder), the sentence the README and the banner point to. */
const SAMPLE = 'The central bank raised interest rates to fight inflation.';

const manifest = JSON.parse(readFileSync('public/models/demo-seed-news/manifest.json', 'utf8')) as {
  name: string;
  description: string;
  evaluation: { headline: { macro_f1: number } };
};

test('opens on the trained demo bundle and labels the sample sentence Finance and Economy only, not Health', async ({ app, page }, testInfo) => {
  await app.openReady(flowQuery(testInfo), 'default');
  await expect(page.getByTestId('bundle-name')).toHaveText(manifest.name);
  // The banner states what the bundle is and its measured macro F1, both from the manifest.
  await expect(app.demoBanner).toContainText(manifest.description);
  await expect(app.demoBanner).toContainText(`macro F1 ${manifest.evaluation.headline.macro_f1.toFixed(2)}`);
  await expect(app.textBox).toHaveAttribute('placeholder', new RegExp(SAMPLE.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')));

  const scores = await app.classify(SAMPLE);
  const predicted = scores.filter((s) => s.predicted).map((s) => s.label);
  expect(predicted).toContain('Finance');
  expect(predicted).toContain('Economy');
  expect(predicted).not.toContain('Health');
  // And nothing else: the earlier demo model also said Technology here.
  expect(predicted.sort()).toEqual(['Economy', 'Finance']);
  await app.shot('demo-sample');
});
