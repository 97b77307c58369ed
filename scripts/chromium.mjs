// The one home of how this project launches Debian's Chromium headless (Playwright tests and benchmarks).

/** Flags for a sandboxed, offline headless Chromium on these machines (see DEVELOPERS notes). */
export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** Adds a WebGPU adapter (SwiftShader on the CPU here, without shader-f16). */
export const WEBGPU_ARG = '--enable-unsafe-webgpu';

/** Debian's Chromium, or CHROMIUM_PATH. Never Playwright's own download. */
export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
