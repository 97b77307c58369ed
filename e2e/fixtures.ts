// Shared Playwright fixtures: the page object, and a check that no test leaves a console error or page error behind.
import { test as base, expect } from '@playwright/test';
import { AppPage } from './pages/AppPage';

export const test = base.extend<{ app: AppPage; consoleErrors: string[] }>({
  consoleErrors: [
    async ({ page }, use) => {
      const errors: string[] = [];
      page.on('console', (m) => {
        if (m.type() === 'error') errors.push(`console.error: ${m.text()}`);
      });
      page.on('pageerror', (e) => errors.push(`page error: ${e.message}`));
      await use(errors);
      expect(errors, 'console errors during the test').toEqual([]);
    },
    { auto: true },
  ],
  app: async ({ page }, use, testInfo) => {
    await use(new AppPage(page, testInfo));
  },
});

export { expect };
