// Playwright: every e2e test runs in Debian's Chromium twice, with and without a WebGPU adapter
// (flow tests force WASM in both; the README lists what runs on WebGPU).
import { defineConfig } from '@playwright/test';
import { CHROMIUM_ARGS, CHROMIUM_PATH, WEBGPU_ARG } from './scripts/chromium.mjs';
import { HUB_APP_PORT, HUB_APP_URL, HUB_CDN_ORIGIN, HUB_CDN_PORT, HUB_ORIGIN, HUB_PORT } from './e2e/helpers/hubServers';

const baseArgs = [...CHROMIUM_ARGS];
const executablePath = CHROMIUM_PATH;
const port = Number(process.env.E2E_PORT ?? 4173);

export default defineConfig({
  testDir: 'e2e',
  outputDir: 'test-results',
  timeout: 120_000,
  expect: { timeout: 30_000 },
  fullyParallel: false,
  workers: 1,
  forbidOnly: !!process.env.CI,
  retries: 0,
  reporter: process.env.CI ? [['list'], ['html', { open: 'never' }]] : [['list']],
  use: {
    baseURL: `http://localhost:${port}`,
    trace: 'retain-on-failure',
    screenshot: 'only-on-failure',
    viewport: { width: 1280, height: 900 },
  },
  projects: [
    {
      name: 'wasm',
      metadata: { webgpu: false },
      use: { launchOptions: { executablePath, args: baseArgs } },
    },
    {
      name: 'webgpu',
      metadata: { webgpu: true },
      // NOTE: --enable-unsafe-webgpu gives a SwiftShader (CPU) adapter without shader-f16, which the app never
      // picks by itself (a software renderer): specs that test WebGPU force ?backend=webgpu.
      use: { launchOptions: { executablePath, args: [...baseArgs, WEBGPU_ARG] } },
    },
  ],
  webServer: [
    {
      command: `npx vite preview --port ${port} --strictPort`,
      url: `http://localhost:${port}`,
      reuseExistingServer: !process.env.CI,
      timeout: 60_000,
    },
    // e2e/hub.spec.ts: a Hub stand-in, and the same build served with its origins allowed, as an operator would (README).
    {
      command: `node scripts/hub-mimic.mjs --port ${HUB_PORT} --cdn-port ${HUB_CDN_PORT} --repos e2e/data/hub/repos.json`,
      url: `${HUB_ORIGIN}/api/models/test/demo-fixture/revision/main`,
      reuseExistingServer: !process.env.CI,
      timeout: 30_000,
    },
    {
      command: `npx vite preview --port ${HUB_APP_PORT} --strictPort`,
      url: HUB_APP_URL,
      env: { EXTRA_MODEL_HOSTS: `${HUB_ORIGIN},${HUB_CDN_ORIGIN}` },
      reuseExistingServer: !process.env.CI,
      timeout: 60_000,
    },
  ],
});
