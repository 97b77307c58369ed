// No egress: every request of the page and its workers stays on the page's origin, under a Content-Security-Policy that reports nothing.
import { fileURLToPath } from 'node:url';
import { expect, test } from './fixtures';
import { NetworkWatch } from './helpers/network';
import { fixtureQuery, flowQuery } from './pages/AppPage';
import { CSP_HEADER, CSP_META } from '../scripts/csp.mjs';

const data = (name: string) => fileURLToPath(new URL(`./data/${name}`, import.meta.url));

test('loading the model, a pasted text, a CSV run, tuning and the download send nothing off the page origin', async ({ app, page, context }, testInfo) => {
  const watch = await NetworkWatch.start(context, page);
  const response = await page.goto(`/${flowQuery(testInfo, fixtureQuery())}`);
  const origin = new URL(page.url()).origin;

  // The policy arrives as a header and as the built page's <meta>, from the one home in scripts/csp.mjs.
  const headers = response!.headers();
  expect(headers['content-security-policy']).toBe(CSP_HEADER);
  expect(headers['cross-origin-opener-policy']).toBe('same-origin');
  expect(headers['cross-origin-embedder-policy']).toBe('require-corp');
  await expect(page.locator('meta[http-equiv="Content-Security-Policy"]')).toHaveAttribute('content', CSP_META);
  expect(await page.evaluate(() => crossOriginIsolated)).toBe(true);

  await app.waitReady();
  await app.classify('Solar panels now generate 30% of the electricity, and utilities’ shares rose.');
  await app.chooseCsv(data('ragged-injection.csv'));
  await app.runBatch();
  await app.waitBatch('done');
  await page.getByRole('button', { name: 'Tune thresholds on this data' }).click();
  await expect(page.getByTestId('tuning')).toBeVisible();
  const { text } = await app.download();
  expect(text).toContain('predicted_labels');

  // The worker's own requests are seen: it fetches the bundle and ORT's runtime.
  const paths = watch.urls.map((u) => new URL(u).pathname);
  expect(paths).toContain('/models/demo-fixture/manifest.json');
  expect(paths.some((p) => p.startsWith('/models/demo-fixture/onnx/'))).toBe(true);
  expect(paths.some((p) => /\/assets\/ort-wasm-simd-threaded.*\.wasm$/.test(p))).toBe(true);
  expect(watch.offOrigin(origin)).toEqual([]);
  expect(await watch.violations()).toEqual([]);
  expect(watch.workerErrors).toEqual([]);
});

test('a bundle URL typed for another origin is the only off-origin address, and the app refuses it before fetching', async ({ app, page, context }, testInfo) => {
  const watch = await NetworkWatch.start(context, page);
  const typed = 'http://127.0.0.1:4999/models/demo-fixture/';
  await app.openReady(flowQuery(testInfo, `?bundle=${encodeURIComponent(typed)}`));
  await expect(page.getByText(`'${typed}' is not a bundle folder on this site.`)).toBeVisible();
  const offOrigin = watch.offOrigin(new URL(page.url()).origin);
  expect(offOrigin.every((u) => u.startsWith(typed))).toBe(true);
  expect(offOrigin).toEqual([]);
  expect(await watch.violations()).toEqual([]);
});

test('the policy lets the page and its worker reach the Hub hosts and refuses any other host', async ({ app, page, context, consoleErrors }, testInfo) => {
  const watch = await NetworkWatch.start(context, page);
  // Stand-ins for the Hub (unreachable here) and for another host, answering with CORS as the Hub does:
  // a request refused below can only have been refused by the policy.
  await context.route(/^(https:\/\/(huggingface\.co|[a-z0-9-]+\.hf\.co)|http:\/\/127\.0\.0\.1:4999)\//, (route) =>
    route.fulfill({ status: 200, body: 'ok', headers: { 'access-control-allow-origin': '*', 'content-type': 'text/plain' } }),
  );
  await app.openReady(flowQuery(testInfo));
  const probe = async (url: string) => {
    try {
      return await (await fetch(url)).text();
    } catch (e) {
      return `refused: ${String(e)}`;
    }
  };
  const allowed = ['https://huggingface.co/org/model/resolve/main/manifest.json', 'https://cdn-lfs.hf.co/x', 'https://cdn-lfs-us-1.hf.co/y'];
  const other = 'http://127.0.0.1:4999/models/x/manifest.json';
  for (const url of allowed) expect(await page.evaluate(probe, url)).toBe('ok');
  expect(await page.evaluate(probe, other)).toMatch(/^refused: TypeError/);

  // The engine worker runs under the header's policy too (a <meta> would not reach it).
  const worker = page.workers().find((w) => w.url().includes('/assets/worker'));
  expect(worker, `workers: ${page.workers().map((w) => w.url()).join(', ')}`).toBeDefined();
  await worker!.evaluate(() => {
    const scope = self as unknown as { __cspViolations: string[] } & EventTarget;
    scope.__cspViolations = [];
    scope.addEventListener('securitypolicyviolation', (e) => scope.__cspViolations.push((e as SecurityPolicyViolationEvent).blockedURI));
  });
  expect(await worker!.evaluate(probe, allowed[0]!)).toBe('ok');
  expect(await worker!.evaluate(probe, other)).toMatch(/^refused: TypeError/);
  expect(await worker!.evaluate(() => (self as unknown as { __cspViolations: string[] }).__cspViolations)).toEqual([other]);

  expect(watch.urls).toEqual(expect.arrayContaining(allowed));
  expect(watch.urls).not.toContain(other);
  // The page enforces two copies of the policy (header and <meta>): each reports the refusal.
  expect(await watch.violations()).toEqual([
    { directive: 'connect-src', blocked: other },
    { directive: 'connect-src', blocked: other },
  ]);
  // The refusals are the only console errors this test expects.
  const expected = consoleErrors.filter((e) => e.includes('http://127.0.0.1:4999/models/x/manifest.json') && e.includes('Content Security Policy'));
  expect(expected.length).toBeGreaterThanOrEqual(2);
  consoleErrors.splice(0, consoleErrors.length, ...consoleErrors.filter((e) => !expected.includes(e)));
});
