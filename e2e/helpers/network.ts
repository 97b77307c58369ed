// Watches what a page sends and what its Content-Security-Policy refuses: every request of the page and its workers, and every violation.
import type { BrowserContext, Page } from '@playwright/test';

/** A CSP violation as the page's `securitypolicyviolation` event reports it. */
export interface Violation {
  directive: string;
  blocked: string;
}

declare global {
  interface Window {
    __cspViolations?: Violation[];
  }
}

/** Records every request the context makes (page and dedicated workers alike) and every CSP violation. */
export class NetworkWatch {
  readonly urls: string[] = [];
  /** console.error calls in the page's workers (CSP refusals there are not console calls: check them in the worker). */
  readonly workerErrors: string[] = [];

  private constructor(readonly page: Page) {}

  static async start(context: BrowserContext, page: Page): Promise<NetworkWatch> {
    const watch = new NetworkWatch(page);
    // NOTE: context-level 'request' also reports requests made by dedicated workers (the engine's fetches
    // of the bundle and ORT's .wasm); the spec checks that it does. https://playwright.dev/docs/network
    context.on('request', (r) => watch.urls.push(r.url()));
    page.on('worker', (w) =>
      w.on('console', (m) => {
        if (m.type() === 'error') watch.workerErrors.push(`${w.url()}: ${m.text()}`);
      }),
    );
    await page.addInitScript(() => {
      window.__cspViolations = [];
      document.addEventListener('securitypolicyviolation', (e) => {
        window.__cspViolations!.push({ directive: e.effectiveDirective, blocked: e.blockedURI });
      });
    });
    return watch;
  }

  /** Requests whose origin is not `origin`. blob: URLs carry their creator's origin; data: URLs never leave the page. */
  offOrigin(origin: string): string[] {
    return this.urls.filter((u) => !u.startsWith('data:') && new URL(u).origin !== origin);
  }

  async violations(): Promise<Violation[]> {
    return this.page.evaluate(() => window.__cspViolations ?? []);
  }
}
