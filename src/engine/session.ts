// The one module that imports onnxruntime-web: runtime setup, sessions and runs.
import type * as Ort from 'onnxruntime-web';
// NOTE: point ORT at its own .wasm/.mjs, emitted same-origin by Vite. This keeps
// transformers.js from pointing it at a CDN, and makes WASM threads start from
// ORT's own file rather than re-running our bundled worker (which swallows their
// messages in a production build). See ../shared/design/browser-stack-notes.md and
// https://onnxruntime.ai/docs/tutorials/web/env-flags-and-session-options.html#wasmpaths
import wasmOnlyWasmUrl from 'onnxruntime-web/ort-wasm-simd-threaded.wasm?url';
import wasmOnlyMjsUrl from 'onnxruntime-web/ort-wasm-simd-threaded.mjs?url';
import webGpuWasmUrl from 'onnxruntime-web/ort-wasm-simd-threaded.asyncify.wasm?url';
import webGpuMjsUrl from 'onnxruntime-web/ort-wasm-simd-threaded.asyncify.mjs?url';
import { type GpuProbe, softwareRenderer } from './backend';
import { BundleError } from './bundle';
import type { Backend } from './constants';
import { SessionError } from './errors';

type OrtModule = typeof Ort;

/**
 * ORT's builds, by the backend each is loaded for; each is its own module with its own `env`,
 * imported on first use so that a page downloads only the one it runs on. The WASM-only build
 * (14 MB .wasm) has the CPU EP alone; the WebGPU build (27 MB asyncify .wasm) has both EPs.
 */
const BUILDS = {
  wasm: { name: 'WASM-only', load: () => import('onnxruntime-web/wasm'), paths: { wasm: wasmOnlyWasmUrl, mjs: wasmOnlyMjsUrl } },
  webgpu: { name: 'WebGPU', load: () => import('onnxruntime-web/webgpu'), paths: { wasm: webGpuWasmUrl, mjs: webGpuMjsUrl } },
} as const satisfies Record<Backend, { name: string; load: () => Promise<OrtModule>; paths: { wasm: string; mjs: string } }>;

/**
 * The build that serves `backend`, given the builds already imported: WebGPU needs the WebGPU
 * build; WASM gets the WASM-only build, unless the WebGPU build is already loaded (a fallback
 * from WebGPU, host.ts): its own WASM EP then serves, so nothing is downloaded twice.
 */
export function buildFor(backend: Backend, loaded: ReadonlySet<Backend>): Backend {
  switch (backend) {
    case 'webgpu':
      return 'webgpu';
    case 'wasm':
      return loaded.has('webgpu') ? 'webgpu' : 'wasm';
    default: {
      const never: never = backend;
      throw new Error(`unknown backend ${String(never)}`);
    }
  }
}

/** How every build's `env` is set: whether to use the app's copies of ORT's files, and the thread count. */
interface RuntimeSettings {
  appAssets: boolean;
  threads: number;
}

/** Set by configureRuntime; until then each build keeps ORT's defaults. */
let settings: RuntimeSettings | null = null;
const imported = new Map<Backend, OrtModule>();
const importing = new Map<Backend, Promise<OrtModule>>();

/** The one place an ORT build's `env` is set: the same threads, log level and (in the app) same-origin files for both builds. */
function applySettings(ort: OrtModule, build: Backend): void {
  if (!settings) return;
  if (settings.appAssets) ort.env.wasm.wasmPaths = { ...BUILDS[build].paths };
  ort.env.wasm.numThreads = settings.threads;
  ort.env.logLevel = 'error';
}

/** Imports (once) and configures an ORT build. */
function runtime(build: Backend): Promise<OrtModule> {
  let ort = importing.get(build);
  if (!ort) {
    ort = BUILDS[build].load().then((m) => {
      applySettings(m, build);
      imported.set(build, m);
      return m;
    });
    void ort.catch(() => importing.delete(build));
    importing.set(build, ort);
  }
  return ort;
}

/** The version of ONNX Runtime Web the loaded builds report ('unknown' before the first session). */
export function ortVersion(): string {
  for (const ort of imported.values()) if (ort.env.versions.web) return ort.env.versions.web;
  return 'unknown';
}

/**
 * Configures ORT for every build, loaded or to come, and returns the thread count.
 * `appAssets: false` (Node tests) lets ORT find its files inside the package.
 */
export function configureRuntime({ appAssets = true, threads }: { appAssets?: boolean; threads?: number } = {}): number {
  const isolated = (globalThis as { crossOriginIsolated?: boolean }).crossOriginIsolated === true;
  const cores = (globalThis.navigator?.hardwareConcurrency ?? 1) | 0;
  settings = { appAssets, threads: threads ?? (isolated ? Math.max(1, Math.min(4, cores)) : 1) };
  for (const [build, ort] of imported) applySettings(ort, build);
  return settings.threads;
}

/** A plain tensor crossing the session boundary, so no other module needs ORT's types. */
export interface HostTensor<T extends BigInt64Array | Float32Array = BigInt64Array | Float32Array> {
  data: T;
  dims: readonly number[];
}

/**
 * An output left where its backend computed it: a GPU buffer on WebGPU (ORT's `preferredOutputLocation:
 * 'gpu-buffer'`), ORT's own CPU tensor on WASM. Opaque outside this module: the only thing to do with it is
 * to feed it to another session of the same engine, then `dispose` it (its owner's duty, once; on WebGPU an
 * undisposed one holds GPU memory until the page closes).
 */
export interface DeviceTensor {
  readonly dims: readonly number[];
  /** Where its data is: 'gpu-buffer' (no copy to the CPU was made) or 'cpu'. */
  readonly location: 'cpu' | 'gpu-buffer';
  dispose(): void;
}

/** The ORT tensor behind each live DeviceTensor (module-private, so no other module sees ORT's types). */
const deviceTensors = new WeakMap<DeviceTensor, Ort.Tensor>();

function isDeviceTensor(t: HostTensor | DeviceTensor): t is DeviceTensor {
  return 'location' in t;
}

/** One ONNX graph loaded on one backend. */
export interface ModelSession {
  readonly backend: Backend;
  /** The ORT build that runs it (BUILDS' key): WASM runs on the WebGPU build once that is loaded (buildFor). */
  readonly ortBuild: Backend;
  readonly inputNames: readonly string[];
  readonly outputNames: readonly string[];
  /** The declared shape of an input or output (numbers, or names for dynamic axes); null when the graph does not say. */
  dims(name: string): ReadonlyArray<number | string> | null;
  /**
   * Runs the graph and returns the requested outputs as float32 host tensors. A feed may be a DeviceTensor
   * from another session of the same engine: it is read where it lies, and stays its owner's to dispose.
   */
  run(feeds: Record<string, HostTensor | DeviceTensor>, outputs: readonly string[]): Promise<Record<string, HostTensor<Float32Array>>>;
  /**
   * Runs the graph for one output and leaves it where it was computed: on WebGPU in a GPU buffer when the
   * session was created with `keepOnDevice` naming it (else ORT reads it back, as `run` does). The caller
   * owns the result and must `dispose` it, also when feeding it fails.
   */
  runOnDevice(feeds: Record<string, HostTensor | DeviceTensor>, output: string): Promise<DeviceTensor>;
  release(): Promise<void>;
  /**
   * Only on sessions created with `{ profile: true }` (benchmarks): ends ORT's profiler, which on WASM prints its
   * events (Chrome trace JSON objects, one per kernel run) to the console of the worker that owns the session.
   */
  endProfiling?(): void;
}

/** Session settings beyond the backend: `keepOnDevice` is the engine's; `profile` and `verbose` only benchmarks set. */
export interface SessionTuning {
  /**
   * Outputs that `runOnDevice` leaves on the GPU on WebGPU (`preferredOutputLocation: 'gpu-buffer'`), so that
   * another session reads them with no round trip through the CPU; ignored on WASM, where outputs are in memory.
   */
  keepOnDevice?: readonly string[];
  /** ORT's per-kernel profiler (`enableProfiling`); read it with ModelSession.endProfiling. */
  profile?: boolean;
  /** ORT's verbose log for this session (node placements per execution provider), printed to the console. */
  verbose?: boolean;
}

/** ORT's words for a file that is not a whole ONNX model (ERROR_CODE 7, INVALID_PROTOBUF). */
const NOT_AN_ONNX_MODEL = /protobuf parsing failed|ERROR_CODE: 7\b/i;

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * Creates a session on exactly one execution provider: listing ['webgpu', 'wasm']
 * would let ORT fall back silently, and we must know (and say) what really runs.
 * Throws a BundleError naming `file` when its bytes are not a whole ONNX model (truncated or
 * damaged), else a SessionError for any ORT failure; runs throw SessionErrors too.
 */
export async function createSession(
  model: Uint8Array,
  backend: Backend,
  externalData: ReadonlyArray<{ path: string; data: Uint8Array }> = [],
  file = 'the model graph',
  tuning: SessionTuning = {},
): Promise<ModelSession> {
  const options: Ort.InferenceSession.SessionOptions = {
    executionProviders: [backend],
    graphOptimizationLevel: 'all',
    logSeverityLevel: tuning.verbose ? 0 : 3,
    ...(tuning.verbose ? { logVerbosityLevel: 0 } : {}),
    ...(tuning.profile ? { enableProfiling: true } : {}),
    ...(backend === 'webgpu' && tuning.keepOnDevice?.length
      ? { preferredOutputLocation: Object.fromEntries(tuning.keepOnDevice.map((name) => [name, 'gpu-buffer' as const])) }
      : {}),
    ...(externalData.length ? { externalData: externalData.map((e) => ({ path: e.path, data: e.data })) } : {}),
  };
  const build = buildFor(backend, new Set(importing.keys()));
  const ort = await runtime(build).catch((error: unknown) => {
    throw new SessionError(backend, 'create', file, `ONNX Runtime's ${BUILDS[build].name} build could not be loaded (${messageOf(error)}); check the connection and reload the page`);
  });
  let session: Ort.InferenceSession;
  try {
    session = await ort.InferenceSession.create(model, options);
  } catch (error) {
    if (NOT_AN_ONNX_MODEL.test(messageOf(error))) {
      throw new BundleError(
        `${file} is not a complete ONNX model (ONNX Runtime: ${messageOf(error)}). It is truncated or damaged: re-export the bundle, or download or copy it again.`,
      );
    }
    throw new SessionError(backend, 'create', file, messageOf(error));
  }
  const metadata = [...session.inputMetadata, ...session.outputMetadata];
  const runOrt = async (feeds: Record<string, HostTensor | DeviceTensor>, outputs: readonly string[]): Promise<Ort.InferenceSession.ReturnType> => {
    const ortFeeds: Record<string, Ort.Tensor> = {};
    for (const [name, t] of Object.entries(feeds)) {
      if (isDeviceTensor(t)) {
        const kept = deviceTensors.get(t);
        if (!kept) throw new Error(`feed '${name}' was disposed before this run`);
        // A kept CPU tensor may come from the other ORT build (after a fallback): wrapping its data again copies nothing.
        ortFeeds[name] = kept.location === 'cpu' ? new ort.Tensor('float32', kept.data as Float32Array, kept.dims) : kept;
      } else {
        ortFeeds[name] = new ort.Tensor(t.data instanceof BigInt64Array ? 'int64' : 'float32', t.data, t.dims);
      }
    }
    try {
      return await session.run(ortFeeds, outputs as string[]);
    } catch (error) {
      throw new SessionError(backend, 'run', file, messageOf(error));
    }
  };
  return {
    backend,
    ortBuild: build,
    inputNames: session.inputNames,
    outputNames: session.outputNames,
    dims(name) {
      const m = metadata.find((v) => v.name === name);
      return m?.isTensor && m.shape.length ? m.shape : null;
    },
    async run(feeds, outputs) {
      const result = await runOrt(feeds, outputs);
      const out: Record<string, HostTensor<Float32Array>> = {};
      for (const name of outputs) {
        const tensor = result[name];
        if (!tensor) throw new Error(`the graph returned no '${name}' output`);
        let data: Ort.Tensor['data'];
        try {
          data = tensor.location === 'cpu' ? tensor.data : await tensor.getData(true);
        } catch (error) {
          throw new SessionError(backend, 'run', file, `reading '${name}' back: ${messageOf(error)}`);
        }
        if (!(data instanceof Float32Array)) throw new Error(`output '${name}' is ${tensor.type}, expected float32`);
        out[name] = { data, dims: tensor.dims };
        tensor.dispose();
      }
      return out;
    },
    async runOnDevice(feeds, output) {
      const tensor = (await runOrt(feeds, [output]))[output];
      if (!tensor) throw new Error(`the graph returned no '${output}' output`);
      if (tensor.type !== 'float32') {
        tensor.dispose();
        throw new Error(`output '${output}' is ${tensor.type}, expected float32`);
      }
      const location = tensor.location === 'gpu-buffer' ? 'gpu-buffer' : 'cpu';
      const kept: DeviceTensor = {
        dims: tensor.dims,
        location,
        dispose() {
          // Forgotten first: a second dispose, or a feed after this one, finds nothing.
          if (deviceTensors.delete(kept)) tensor.dispose();
        },
      };
      deviceTensors.set(kept, tensor);
      return kept;
    },
    release: () => session.release(),
    ...(tuning.profile ? { endProfiling: () => session.endProfiling() } : {}),
  };
}

/** Asks the browser for a WebGPU adapter, whether it supports shader-f16 and whether it is a software renderer. */
export async function probeWebGpu(): Promise<Extract<GpuProbe, { available: false }> | (Extract<GpuProbe, { available: true }> & { adapter: string })> {
  const gpu = (globalThis.navigator as (Navigator & { gpu?: GPU }) | undefined)?.gpu;
  if (!gpu) return { available: false, reason: 'this browser has no WebGPU' };
  try {
    const adapter = await gpu.requestAdapter();
    if (!adapter) return { available: false, reason: 'no WebGPU adapter' };
    const name = [adapter.info?.vendor, adapter.info?.architecture].filter(Boolean).join(' ') || 'unknown adapter';
    // isFallbackAdapter moved from GPUAdapter to GPUAdapterInfo; older Chromium has only the first, or neither.
    const legacyFallback = (adapter as GPUAdapter & { isFallbackAdapter?: boolean }).isFallbackAdapter;
    const info = adapter.info as Partial<GPUAdapterInfo> | undefined;
    // GPUAdapterInfo's fields are prototype getters: read them one by one (a spread copies none).
    const software = softwareRenderer({
      vendor: info?.vendor,
      architecture: info?.architecture,
      device: info?.device,
      description: info?.description,
      isFallbackAdapter: info?.isFallbackAdapter ?? legacyFallback,
    });
    const device = [info?.vendor, info?.architecture, info?.device, info?.description].map((w) => w?.trim() ?? '').join('/');
    return { available: true, shaderF16: adapter.features.has('shader-f16'), software, device, adapter: name };
  } catch (error) {
    return { available: false, reason: `the WebGPU adapter request failed (${String(error)})` };
  }
}
