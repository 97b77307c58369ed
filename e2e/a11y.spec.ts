// Keyboard-only use, visible focus, labelled controls, and the 390 px wide layout.
import { expect, test } from './fixtures';
import { flowQuery } from './pages/AppPage';

test('works with the keyboard alone, shows focus, labels every control, and fits 390 px', async ({ app, page }, testInfo) => {
  await app.openReady(flowQuery(testInfo));

  // Every form control has an accessible name.
  const unnamed = await page.locator('input, select, textarea, button').evaluateAll((els) =>
    els.filter((el) => {
      const e = el as HTMLInputElement;
      return !(e.labels?.length || e.getAttribute('aria-label') || e.getAttribute('aria-labelledby') || (e.tagName === 'BUTTON' && e.textContent?.trim()));
    }).map((el) => el.outerHTML.slice(0, 80)),
  );
  expect(unnamed).toEqual([]);

  // Tab to the skip link, follow it, Tab into the text box, type, Ctrl+Enter.
  await page.keyboard.press('Tab');
  await expect(page.getByRole('link', { name: 'Skip to the classifier' })).toBeFocused();
  await page.keyboard.press('Enter');
  await page.keyboard.press('Tab');
  await expect(app.textBox).toBeFocused();
  expect(await app.textBox.evaluate((el) => getComputedStyle(el).outlineStyle)).not.toBe('none');
  await page.keyboard.type('Wind farms and solar parks cut emissions while utilities raise capital.');
  await page.keyboard.press('Control+Enter');
  await expect(app.textResult).toBeVisible();

  // Tab on to a threshold slider and move it with the arrow keys.
  const slider = app.thresholdSlider('Economy');
  const before = Number(await slider.inputValue());
  for (let i = 0; i < 80 && !(await slider.evaluate((el) => el === document.activeElement)); i++) await page.keyboard.press('Tab');
  await expect(slider).toBeFocused();
  await page.keyboard.press('ArrowRight');
  await expect(page.getByTestId('threshold-Economy')).toHaveText((before + 0.01).toFixed(2));
  await app.shot('keyboard');

  // 390 px: nothing wider than the screen, and the text flow still works.
  await page.setViewportSize({ width: 390, height: 844 });
  expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
  await app.classify('Hospitals use new software to shorten waiting lists.', 'button');
  expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
  await app.shot('mobile-390');
});
