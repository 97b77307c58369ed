// Chooses the execution backend and the backbone variant for this browser and bundle.
import { BACKENDS, type Backend, DTYPES, type Dtype } from './constants';
import type { Manifest } from './manifest';

/**
 * What the worker found out about WebGPU before choosing. `software` names the renderer when the
 * adapter is a CPU emulation of a GPU (see softwareRenderer), null for a real GPU.
 */
export type GpuProbe =
  | { available: false; reason: string }
  /** `device`: the adapter's vendor, architecture, device and description, which a timed choice is remembered for. */
  | { available: true; shaderF16: boolean; software: string | null; device?: string };

/** The fields of a GPUAdapterInfo that tell a software adapter from a GPU; any may be missing or empty. */
export interface AdapterInfoLike {
  vendor?: string | undefined;
  architecture?: string | undefined;
  device?: string | undefined;
  description?: string | undefined;
  /** WebGPU spec; undefined in Chromium versions that predate it. */
  isFallbackAdapter?: boolean | undefined;
}

/** CPU renderers that pose as GPUs, by the words their adapter info carries, and the name the UI shows. */
const SOFTWARE_RENDERERS: readonly (readonly [RegExp, string])[] = [
  [/swiftshader/i, 'SwiftShader'],
  [/llvmpipe/i, 'llvmpipe'],
  [/lavapipe/i, 'lavapipe'],
  [/softpipe/i, 'softpipe'],
  [/microsoft basic render/i, 'Microsoft Basic Render Driver'],
];

/**
 * Names the software renderer behind a WebGPU adapter, or returns null for a real GPU. Software:
 * the spec's isFallbackAdapter, a known CPU renderer in vendor, architecture, device or description
 * (Chromium without a GPU: vendor 'google', architecture 'swiftshader', isFallbackAdapter true),
 * or the word "software" there. Missing fields count as unknown, never as software.
 */
export function softwareRenderer(info: AdapterInfoLike | null | undefined): string | null {
  if (!info) return null;
  const words = [info.vendor, info.architecture, info.device, info.description].filter((w): w is string => !!w?.trim()).join(' ');
  const known = SOFTWARE_RENDERERS.find(([pattern]) => pattern.test(words));
  if (known) return known[1];
  if (/\bsoftware\b/i.test(words)) return words;
  return info.isFallbackAdapter === true ? words || 'fallback adapter' : null;
}

/** The user's wish: from the URL (?backend=&dtype=) or the settings. */
export interface BackendRequest {
  backend: Backend | 'auto';
  dtype: Dtype | 'auto';
}

export interface BackendChoice {
  backend: Backend;
  dtype: Dtype;
  /** Why, in words the UI can show as is. */
  reason: string;
}

/**
 * Variants in order of preference per situation; only those the exporter recommends are
 * picked automatically. q8 (dynamic int8) has no proper WebGPU kernels, and fp16 / q4f16 need
 * shader-f16 (see product.md). On WASM, q8 run alone measured 1.27× fp32 batched and q4 0.97×
 * on DeBERTa-v3-xsmall shapes, so fp32 (exact) comes before q4: docs/precision.md.
 */
export const PREFERENCE = {
  webgpuF16: ['q4f16', 'fp16', 'q4', 'fp32'],
  webgpu: ['q4', 'fp32'],
  wasm: ['q8', 'fp32', 'q4'],
} as const satisfies Record<string, readonly Dtype[]>;

/** Thrown when the request cannot be met with this bundle and browser. */
export class BackendError extends Error {
  override name = 'BackendError';
}

function usable(m: Manifest, backend: Backend, dtype: Dtype, gpu: GpuProbe): string | null {
  const v = m.variants[dtype];
  if (!v) return `the bundle has no ${dtype} variant (it has ${Object.keys(m.variants).join(', ')})`;
  if (backend === 'webgpu') {
    if (!gpu.available) return gpu.reason;
    if (v.requires_shader_f16 && !gpu.shaderF16) return `${dtype} needs the WebGPU feature shader-f16, which this GPU lacks`;
    if (!v.intended_backends.includes('webgpu')) return `${dtype} has no proper WebGPU kernels`;
  }
  return null;
}

/** The first variant in `order` that runs here and that the exporter recommends (never an unrecommended one by itself). */
function firstUsable(m: Manifest, backend: Backend, order: readonly Dtype[], gpu: GpuProbe): Dtype | null {
  return order.find((d) => usable(m, backend, d, gpu) === null && m.variants[d]!.recommended) ?? null;
}

/** Picks backend and variant: a forced choice is honoured or refused with a reason, never silently changed. */
export function chooseBackend(m: Manifest, gpu: GpuProbe, req: BackendRequest): BackendChoice {
  const orderFor = (backend: Backend): readonly Dtype[] => {
    switch (backend) {
      case 'webgpu':
        return gpu.available && gpu.shaderF16 ? PREFERENCE.webgpuF16 : PREFERENCE.webgpu;
      case 'wasm':
        return PREFERENCE.wasm;
      default: {
        const never: never = backend;
        throw new Error(`unknown backend ${String(never)}`);
      }
    }
  };
  const pick = (backend: Backend, why: string): BackendChoice => {
    if (req.dtype !== 'auto') {
      const problem = usable(m, backend, req.dtype, gpu);
      if (problem) throw new BackendError(`Cannot run ${req.dtype} on ${backend}: ${problem}.`);
      const caveat = m.variants[req.dtype]!.recommended ? '' : ` (${m.variants[req.dtype]!.assessment})`;
      return { backend, dtype: req.dtype, reason: `${why}; ${req.dtype} as requested${caveat}` };
    }
    const order = orderFor(backend);
    const dtype = firstUsable(m, backend, order, gpu);
    if (!dtype) throw new BackendError(`No recommended variant of this bundle runs on ${backend}. Choose one with ?dtype=.`);
    const passedOver = order
      .slice(0, order.indexOf(dtype))
      .filter((d) => usable(m, backend, d, gpu) === null && !m.variants[d]!.recommended);
    const note = passedOver.length ? `; ${dtype}, since the exporter does not recommend ${passedOver.join(' or ')} for this bundle` : '';
    return { backend, dtype, reason: why + note };
  };

  switch (req.backend) {
    case 'webgpu':
      if (!gpu.available) throw new BackendError(`WebGPU was requested, but ${gpu.reason}. Use the WASM backend instead.`);
      return pick(
        'webgpu',
        gpu.software ? `WebGPU as requested, on a software renderer (${gpu.software}): expect it to be much slower than WASM` : 'WebGPU as requested',
      );
    case 'wasm':
      return pick('wasm', 'WASM as requested');
    case 'auto': {
      if (!gpu.available) return pick('wasm', `${gpu.reason}: using WASM`);
      // A CPU emulating a GPU runs this model a few hundred times slower than WASM (SwiftShader: 0.3 vs 90 rows/s).
      if (gpu.software) return pick('wasm', `WebGPU adapter is a software renderer (${gpu.software}): using WASM, which is much faster here; ?backend=webgpu forces it`);
      const ok = req.dtype === 'auto' ? firstUsable(m, 'webgpu', orderFor('webgpu'), gpu) : usable(m, 'webgpu', req.dtype, gpu) ? null : req.dtype;
      if (ok) return pick('webgpu', `WebGPU adapter found${gpu.shaderF16 ? ' with shader-f16' : ' (no shader-f16)'}`);
      return pick('wasm', 'no variant of this bundle suits this GPU: using WASM');
    }
    default: {
      const never: never = req.backend;
      throw new Error(`unknown backend ${String(never)}`);
    }
  }
}

/** How the UI names each backend. */
const BACKEND_NAMES = { webgpu: 'WebGPU', wasm: 'WASM' } as const satisfies Record<Backend, string>;

/**
 * A backend chosen by timing one warm-up batch on each (engine.ts `timeWarmUp`), as remembered per
 * device and bundle (`timedChoiceKey`): the winner, and each backend's variant and time.
 */
export interface TimedChoice {
  key: string;
  backend: Backend;
  webgpu: { dtype: Dtype; ms: number };
  wasm: { dtype: Dtype; ms: number };
  /** When it was measured, ms since the epoch. */
  measuredAt: number;
}

/** Remembered timed choices by `key`. */
export type TimedChoices = Readonly<Record<string, TimedChoice>>;

/**
 * The key a timed choice is remembered under: the bundle (id, and each candidate variant with its
 * backbone's SHA-256, so a re-export is measured anew), the WASM threads and the GPU adapter.
 */
export function timedChoiceKey(m: Manifest, gpu: Extract<GpuProbe, { available: true }>, threads: number, webgpu: Dtype, wasm: Dtype): string {
  const file = (d: Dtype) => m.files?.[m.variants[d]?.backbone ?? '']?.sha256.slice(0, 16) ?? 'unknown';
  return `${m.id}|webgpu:${webgpu}:${file(webgpu)}|wasm:${wasm}:${file(wasm)}|threads:${threads}|gpu:${gpu.device ?? 'unknown adapter'}`;
}

/** Why a timed choice was made, in words the UI shows as is. */
export function timedReason(t: TimedChoice, remembered: boolean): string {
  const loser: Backend = t.backend === 'webgpu' ? 'wasm' : 'webgpu';
  const ratio = t[loser].ms / Math.max(t[t.backend].ms, 1e-9);
  const times = `${BACKEND_NAMES[t.backend]} ${t[t.backend].dtype} ${Math.round(t[t.backend].ms)} ms, ${BACKEND_NAMES[loser]} ${t[loser].dtype} ${Math.round(t[loser].ms)} ms`;
  return `${BACKEND_NAMES[t.backend]} chosen: ${ratio.toFixed(1)}× faster than ${BACKEND_NAMES[loser]} on this device in a warm-up run (${times})${remembered ? '; remembered' : ''}`;
}

/**
 * How to get the backend: chosen by rule (`chooseBackend`), from a remembered timed choice
 * (`timed`), or by a race: load both candidates, time one warm-up batch on each (`raceOutcome`).
 */
export type BackendPlan =
  | { kind: 'chosen'; choice: BackendChoice; timed: TimedChoice | null }
  | { kind: 'race'; key: string; webgpu: BackendChoice; wasm: BackendChoice };

/**
 * Decides whether the backend is timed: only when the user forced neither backend, the adapter is
 * a real GPU (not a fallback or software one, which `chooseBackend` leaves for WASM) with a variant
 * that suits it, and WASM can run the bundle too. A timed choice remembered for this device and
 * bundle is used as is; without one, both are raced.
 */
export function planBackend(m: Manifest, gpu: GpuProbe, req: BackendRequest, memory: { threads: number; remembered: TimedChoices }): BackendPlan {
  const choice = chooseBackend(m, gpu, req);
  const byRule = { kind: 'chosen', choice, timed: null } as const;
  if (req.backend !== 'auto' || choice.backend !== 'webgpu' || !gpu.available) return byRule;
  let wasm: BackendChoice;
  try {
    wasm = chooseBackend(m, gpu, { backend: 'wasm', dtype: req.dtype });
  } catch (error) {
    if (error instanceof BackendError) return byRule;
    throw error;
  }
  const key = timedChoiceKey(m, gpu, memory.threads, choice.dtype, wasm.dtype);
  const known = memory.remembered[key];
  if (known) return { kind: 'chosen', choice: { ...(known.backend === 'webgpu' ? choice : wasm), reason: timedReason(known, true) }, timed: known };
  return { kind: 'race', key, webgpu: choice, wasm };
}

/** A candidate's warm-up: its time, or why it failed. */
export type WarmUp = { ms: number } | { failed: string };

/**
 * The winner of a race: the faster warm-up (WebGPU on a tie: it leaves the CPU free), remembered;
 * the one that worked when the other failed, not remembered (the failure may pass). Null when both failed.
 */
export function raceOutcome(plan: Extract<BackendPlan, { kind: 'race' }>, webgpu: WarmUp, wasm: WarmUp, now: number): { choice: BackendChoice; timed: TimedChoice | null } | null {
  if ('failed' in webgpu && 'failed' in wasm) return null;
  if ('failed' in webgpu) return { choice: { ...plan.wasm, reason: `WebGPU failed in its warm-up run (${webgpu.failed}): using WASM` }, timed: null };
  if ('failed' in wasm) return { choice: { ...plan.webgpu, reason: `${plan.webgpu.reason}; WASM failed in its warm-up run (${wasm.failed})` }, timed: null };
  const backend: Backend = wasm.ms < webgpu.ms ? 'wasm' : 'webgpu';
  const timed: TimedChoice = {
    key: plan.key,
    backend,
    webgpu: { dtype: plan.webgpu.dtype, ms: webgpu.ms },
    wasm: { dtype: plan.wasm.dtype, ms: wasm.ms },
    measuredAt: now,
  };
  return { choice: { ...plan[backend], reason: timedReason(timed, false) }, timed };
}

/** Reads ?backend= and ?dtype= from a query string; unknown values are reported, not ignored. */
export function parseBackendRequest(search: string): BackendRequest & { problems: string[] } {
  const params = new URLSearchParams(search);
  const problems: string[] = [];
  const backend = params.get('backend') ?? 'auto';
  const dtype = params.get('dtype') ?? 'auto';
  const okBackend = backend === 'auto' || (BACKENDS as readonly string[]).includes(backend);
  const okDtype = dtype === 'auto' || (DTYPES as readonly string[]).includes(dtype);
  if (!okBackend) problems.push(`Unknown backend '${backend}' in the URL (use ${BACKENDS.join(' or ')}).`);
  if (!okDtype) problems.push(`Unknown dtype '${dtype}' in the URL (use ${DTYPES.join(', ')}).`);
  return {
    backend: okBackend ? (backend as BackendRequest['backend']) : 'auto',
    dtype: okDtype ? (dtype as BackendRequest['dtype']) : 'auto',
    problems,
  };
}
