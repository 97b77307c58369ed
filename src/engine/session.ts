// The one module that imports onnxruntime-web: runtime setup, backend choice and session creation.
import * as ort from 'onnxruntime-web/webgpu';
// NOTE: point ORT at its own .wasm/.mjs, emitted same-origin by Vite. This keeps
// transformers.js from pointing it at a CDN, and makes WASM threads start from
// ORT's own file rather than re-running our bundled worker (which swallows their
// messages in a production build). See ../shared/design/browser-stack-notes.md and
// https://onnxruntime.ai/docs/tutorials/web/env-flags-and-session-options.html#wasmpaths
import ortWasmUrl from 'onnxruntime-web/ort-wasm-simd-threaded.asyncify.wasm?url';
import ortMjsUrl from 'onnxruntime-web/ort-wasm-simd-threaded.asyncify.mjs?url';

export type { InferenceSession } from 'onnxruntime-web/webgpu';

/** The version of ONNX Runtime Web bundled with the app. */
export const ortVersion: string = ort.env.versions.web ?? 'unknown';

/** Configures ORT once: same-origin assets, threads when cross-origin isolated. */
export function configureRuntime(): void {
  ort.env.wasm.wasmPaths = { wasm: ortWasmUrl, mjs: ortMjsUrl };
  const isolated = (globalThis as { crossOriginIsolated?: boolean }).crossOriginIsolated === true;
  const cores = (globalThis.navigator?.hardwareConcurrency ?? 1) | 0;
  ort.env.wasm.numThreads = isolated ? Math.max(1, Math.min(4, cores)) : 1;
}
