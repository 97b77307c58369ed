// Vite + Vitest configuration: React, same-origin ONNX Runtime assets, cross-origin isolation, the Content-Security-Policy.
import { defineConfig } from 'vitest/config';
import react from '@vitejs/plugin-react';
import { CSP_HEADER, cspMetaPlugin } from './scripts/csp.mjs';

/**
 * Cross-origin isolation lets ONNX Runtime Web's WASM backend use threads
 * (SharedArrayBuffer). NOTE: both dev and preview need it:
 * https://developer.mozilla.org/en-US/docs/Web/API/Window/crossOriginIsolated
 */
const isolationHeaders = {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
} as const;

/** Preview serves the production build: isolation plus the policy (scripts/csp.mjs), which also covers the workers' own scripts. */
const previewHeaders = { ...isolationHeaders, 'Content-Security-Policy': CSP_HEADER } as const;

export default defineConfig({
  plugins: [react(), cspMetaPlugin()],
  server: { headers: isolationHeaders, port: 5173, strictPort: true },
  preview: { headers: previewHeaders, port: 4173, strictPort: true },
  worker: { format: 'es' },
  // NOTE: pre-bundling these on a cold cache re-bundles mid-test and reloads the
  // page; they are ESM already (see ../shared/design/browser-stack-notes.md).
  optimizeDeps: { exclude: ['onnxruntime-web', '@huggingface/transformers'] },
  build: { target: 'es2022', chunkSizeWarningLimit: 4096 },
  test: {
    include: ['src/**/*.test.ts', 'scripts/**/*.test.ts', 'bench/**/*.test.ts'],
    environment: 'node',
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // NOTE: Node background-compiles ORT's 27 MB wasm with TurboFan and can stall the
    // first runs for minutes on a busy 2-core machine; baseline (Liftoff) code avoids it.
    // See ../shared/design/webgpu-in-node-notes.md.
    execArgv: ['--liftoff-only'],
  },
});
