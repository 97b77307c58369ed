import { describe, expect, it } from 'vitest';
import { BackendError, type BackendPlan, chooseBackend, parseBackendRequest, planBackend, raceOutcome, softwareRenderer, type TimedChoice, timedChoiceKey } from './backend';
import type { Dtype } from './constants';
import type { Manifest, Variant } from './manifest';

const variant = (dtype: Dtype): Variant => ({
  backbone: `onnx/backbone.${dtype}.onnx`,
  external_data: [],
  weights: dtype === 'fp32' ? 'fp32' : dtype === 'fp16' ? 'fp16' : dtype === 'q8' ? 'int8' : 'int4',
  activations: dtype === 'fp16' || dtype === 'q4f16' ? 'fp16' : 'fp32',
  requires_shader_f16: dtype === 'fp16' || dtype === 'q4f16',
  intended_backends: dtype === 'q8' ? ['wasm'] : ['webgpu', 'wasm'],
  method: 'test',
  max_abs_error: { logits: 0, entailment: 0, last_hidden_state: 0 },
  decisions: { threshold: 0.5, pairs: 10, pairs_agreeing: 10, texts: 2, texts_agreeing: 2 },
  batch_dependence: dtype === 'q8' ? 0.1 : 0,
  run_alone: dtype === 'q8',
  recommended: true,
  assessment: 'decisions as fp32 PyTorch on 2/2 reference texts',
});

function manifest(dtypes: Dtype[], notRecommended: Dtype[] = []): Manifest {
  const variants = Object.fromEntries(dtypes.map((d) => [d, { ...variant(d), recommended: !notRecommended.includes(d), assessment: `${d} assessment` }]));
  return { variants } as unknown as Manifest;
}

const all = manifest(['fp32', 'fp16', 'q4f16', 'q4', 'q8']);
const noGpu = { available: false as const, reason: 'no WebGPU adapter' };
const gpu = { available: true as const, shaderF16: false, software: null };
const gpuF16 = { available: true as const, shaderF16: true, software: null };
/** Chromium with --enable-unsafe-webgpu and no GPU. */
const swiftShader = { available: true as const, shaderF16: false, software: 'SwiftShader' };
const auto = { backend: 'auto', dtype: 'auto' } as const;

describe('chooseBackend', () => {
  it('prefers q4f16 on a GPU with shader-f16, q4 without, q8 on WASM', () => {
    expect(chooseBackend(all, gpuF16, auto)).toMatchObject({ backend: 'webgpu', dtype: 'q4f16' });
    expect(chooseBackend(all, gpu, auto)).toMatchObject({ backend: 'webgpu', dtype: 'q4' });
    expect(chooseBackend(all, noGpu, auto)).toMatchObject({ backend: 'wasm', dtype: 'q8', reason: 'no WebGPU adapter: using WASM' });
  });
  it('never puts q8 on WebGPU nor an f16 variant on a GPU without shader-f16', () => {
    expect(chooseBackend(manifest(['q8']), gpu, auto)).toMatchObject({ backend: 'wasm', dtype: 'q8' });
    expect(() => chooseBackend(all, gpu, { backend: 'webgpu', dtype: 'fp16' })).toThrow(/shader-f16/);
    expect(() => chooseBackend(all, gpuF16, { backend: 'webgpu', dtype: 'q8' })).toThrow(BackendError);
  });
  it('honours a forced backend and dtype, or refuses with the reason', () => {
    expect(chooseBackend(all, gpu, { backend: 'wasm', dtype: 'fp32' })).toMatchObject({ backend: 'wasm', dtype: 'fp32' });
    expect(chooseBackend(all, gpu, { backend: 'auto', dtype: 'fp32' })).toMatchObject({ backend: 'webgpu', dtype: 'fp32' });
    expect(() => chooseBackend(all, noGpu, { backend: 'webgpu', dtype: 'auto' })).toThrow(/no WebGPU adapter/);
    expect(() => chooseBackend(manifest(['fp32']), noGpu, { backend: 'wasm', dtype: 'q8' })).toThrow(/no q8 variant/);
  });
});

describe('softwareRenderer', () => {
  it('names SwiftShader as Chromium 156 headless reports it without a GPU', () => {
    expect(softwareRenderer({ vendor: 'google', architecture: 'swiftshader', device: '', description: '', isFallbackAdapter: true })).toBe('SwiftShader');
    // Older Chromium: no isFallbackAdapter, the renderer named in the description only.
    expect(softwareRenderer({ vendor: 'google', architecture: '', description: 'SwiftShader Device (Subzero)' })).toBe('SwiftShader');
  });
  it('names other CPU renderers by vendor, architecture, device or description', () => {
    expect(softwareRenderer({ vendor: 'mesa', architecture: '', device: 'llvmpipe (LLVM 15.0.6, 256 bits)' })).toBe('llvmpipe');
    expect(softwareRenderer({ vendor: 'mesa', description: 'Lavapipe' })).toBe('lavapipe');
    expect(softwareRenderer({ vendor: 'microsoft', description: 'Microsoft Basic Render Driver' })).toBe('Microsoft Basic Render Driver');
    expect(softwareRenderer({ vendor: 'acme', description: 'ACME Software Rasterizer' })).toBe('acme ACME Software Rasterizer');
  });
  it('counts any adapter the browser calls a fallback adapter as software', () => {
    expect(softwareRenderer({ vendor: '', architecture: '', isFallbackAdapter: true })).toBe('fallback adapter');
    expect(softwareRenderer({ vendor: 'acme', architecture: 'emu', isFallbackAdapter: true })).toBe('acme emu');
  });
  it('leaves real GPUs alone, and missing fields or info are not evidence of software', () => {
    expect(softwareRenderer({ vendor: 'nvidia', architecture: 'ada', device: '', description: '', isFallbackAdapter: false })).toBeNull();
    expect(softwareRenderer({ vendor: 'apple', architecture: 'metal-3', description: 'Apple M2 Pro' })).toBeNull();
    expect(softwareRenderer({ vendor: 'intel', architecture: 'gen-12lp', description: 'Intel(R) UHD Graphics 770' })).toBeNull();
    expect(softwareRenderer({ vendor: 'amd', architecture: 'rdna-3' })).toBeNull();
    expect(softwareRenderer({})).toBeNull();
    expect(softwareRenderer({ vendor: '', architecture: '', device: '', description: '' })).toBeNull();
    expect(softwareRenderer(undefined)).toBeNull();
    expect(softwareRenderer(null)).toBeNull();
  });
});

describe('a software WebGPU adapter', () => {
  const reason = 'WebGPU adapter is a software renderer (SwiftShader): using WASM, which is much faster here; ?backend=webgpu forces it';
  it('is never picked automatically: WASM is, and the reason says why and how to force WebGPU', () => {
    expect(chooseBackend(all, swiftShader, auto)).toEqual({ backend: 'wasm', dtype: 'q8', reason });
    expect(chooseBackend(all, { ...swiftShader, shaderF16: true }, auto)).toMatchObject({ backend: 'wasm', dtype: 'q8', reason });
    // A requested dtype with the backend left to the app also goes to WASM.
    expect(chooseBackend(all, swiftShader, { backend: 'auto', dtype: 'fp32' })).toEqual({ backend: 'wasm', dtype: 'fp32', reason: `${reason}; fp32 as requested` });
    expect(chooseBackend(manifest(['fp32', 'q4', 'q8'], ['q8']), swiftShader, auto)).toMatchObject({
      backend: 'wasm',
      dtype: 'fp32',
      reason: `${reason}; fp32, since the exporter does not recommend q8 for this bundle`,
    });
  });
  it('still runs WebGPU when forced, and the reason says it is software', () => {
    const forced = chooseBackend(all, swiftShader, { backend: 'webgpu', dtype: 'auto' });
    expect(forced).toMatchObject({ backend: 'webgpu', dtype: 'q4' });
    expect(forced.reason).toBe('WebGPU as requested, on a software renderer (SwiftShader): expect it to be much slower than WASM');
    expect(chooseBackend(all, swiftShader, { backend: 'webgpu', dtype: 'fp32' })).toMatchObject({ backend: 'webgpu', dtype: 'fp32' });
    expect(() => chooseBackend(all, swiftShader, { backend: 'webgpu', dtype: 'q4f16' })).toThrow(/shader-f16/);
  });
  it('a real GPU keeps the WebGPU choice and its plain reasons', () => {
    expect(chooseBackend(all, gpu, auto)).toMatchObject({ backend: 'webgpu', reason: 'WebGPU adapter found (no shader-f16)' });
    expect(chooseBackend(all, gpuF16, auto)).toMatchObject({ backend: 'webgpu', reason: 'WebGPU adapter found with shader-f16' });
    expect(chooseBackend(all, gpu, { backend: 'webgpu', dtype: 'auto' })).toMatchObject({ backend: 'webgpu', reason: 'WebGPU as requested' });
  });
});

describe('variants the exporter does not recommend', () => {
  it('are never picked automatically: the next recommended one in the order is', () => {
    const q8Off = manifest(['fp32', 'q4', 'q8'], ['q8']);
    expect(chooseBackend(q8Off, noGpu, auto)).toMatchObject({
      dtype: 'fp32',
      reason: 'no WebGPU adapter: using WASM; fp32, since the exporter does not recommend q8 for this bundle',
    });
    expect(chooseBackend(manifest(['fp32', 'q4f16', 'q4'], ['q4f16']), gpuF16, auto)).toMatchObject({ backend: 'webgpu', dtype: 'q4' });
    expect(() => chooseBackend(manifest(['q8'], ['q8']), noGpu, auto)).toThrow(/No recommended variant/);
  });
  it('still run when the user asks for them, and the reason says why they are not recommended', () => {
    const choice = chooseBackend(manifest(['fp32', 'q8'], ['q8']), noGpu, { backend: 'wasm', dtype: 'q8' });
    expect(choice).toMatchObject({ backend: 'wasm', dtype: 'q8' });
    expect(choice.reason).toContain('q8 assessment');
  });
});

describe('parseBackendRequest', () => {
  it('reads known values and reports unknown ones', () => {
    expect(parseBackendRequest('?backend=wasm&dtype=fp32')).toEqual({ backend: 'wasm', dtype: 'fp32', problems: [] });
    const bad = parseBackendRequest('?backend=cuda&dtype=int3');
    expect(bad).toMatchObject({ backend: 'auto', dtype: 'auto' });
    expect(bad.problems).toHaveLength(2);
  });
});

describe('the timed backend choice (planBackend, raceOutcome)', () => {
  const bundle = { ...all, id: 'news', files: { 'onnx/backbone.q4.onnx': { bytes: 1, sha256: 'a'.repeat(64) }, 'onnx/backbone.q8.onnx': { bytes: 1, sha256: 'b'.repeat(64) } } } as Manifest;
  const rtx = { ...gpu, device: 'nvidia/ada//NVIDIA RTX 4070' };
  const memory = { threads: 4, remembered: {} };
  const race = (plan: BackendPlan) => {
    if (plan.kind !== 'race') throw new Error(`expected a race, got ${JSON.stringify(plan)}`);
    return plan;
  };
  const measured = (backend: 'webgpu' | 'wasm', webgpuMs: number, wasmMs: number): TimedChoice => ({
    key: timedChoiceKey(bundle, rtx, 4, 'q4', 'q8'),
    backend,
    webgpu: { dtype: 'q4', ms: webgpuMs },
    wasm: { dtype: 'q8', ms: wasmMs },
    measuredAt: 1,
  });

  it('never races on a fallback adapter or a software renderer: WASM by rule, as before', () => {
    const fallback = { ...gpu, software: softwareRenderer({ vendor: '', architecture: '', isFallbackAdapter: true }) };
    expect(planBackend(bundle, fallback, auto, memory)).toEqual({ kind: 'chosen', choice: chooseBackend(bundle, fallback, auto), timed: null });
    expect(planBackend(bundle, swiftShader, auto, memory)).toMatchObject({ kind: 'chosen', choice: { backend: 'wasm', dtype: 'q8' }, timed: null });
    expect(planBackend(bundle, noGpu, auto, memory)).toMatchObject({ kind: 'chosen', choice: { backend: 'wasm' }, timed: null });
  });

  it('never races a forced backend, even with a remembered choice', () => {
    const remembered = { threads: 4, remembered: { [measured('wasm', 300, 100).key]: measured('wasm', 300, 100) } };
    expect(planBackend(bundle, rtx, { backend: 'webgpu', dtype: 'auto' }, remembered)).toMatchObject({ kind: 'chosen', choice: { backend: 'webgpu', reason: 'WebGPU as requested' }, timed: null });
    expect(planBackend(bundle, rtx, { backend: 'wasm', dtype: 'auto' }, memory)).toMatchObject({ kind: 'chosen', choice: { backend: 'wasm', reason: 'WASM as requested' }, timed: null });
  });

  it('does not race when only one backend can run the bundle', () => {
    // No variant suits the GPU: WASM by rule.
    expect(planBackend({ ...bundle, variants: { q8: bundle.variants.q8 } }, rtx, auto, memory)).toMatchObject({ kind: 'chosen', choice: { backend: 'wasm' } });
    // No recommended variant runs on WASM: WebGPU by rule.
    expect(planBackend(manifest(['q4f16']), gpuF16, auto, memory)).toMatchObject({ kind: 'chosen', choice: { backend: 'webgpu', dtype: 'q4f16' }, timed: null });
  });

  it('races a real GPU against WASM, each with its own variant, when nothing is remembered for this device and bundle', () => {
    const plan = race(planBackend(bundle, rtx, auto, memory));
    expect(plan.webgpu).toEqual(chooseBackend(bundle, rtx, auto));
    expect(plan.wasm).toMatchObject({ backend: 'wasm', dtype: 'q8' });
    expect(plan.key).toBe(`news|webgpu:q4:${'a'.repeat(16)}|wasm:q8:${'b'.repeat(16)}|threads:4|gpu:nvidia/ada//NVIDIA RTX 4070`);
    // A requested dtype with the backend left to the app races that dtype on both.
    expect(race(planBackend(bundle, rtx, { backend: 'auto', dtype: 'fp32' }, memory))).toMatchObject({ webgpu: { dtype: 'fp32' }, wasm: { dtype: 'fp32' } });
  });

  it('keeps WebGPU when its warm-up is faster, and says by how much', () => {
    const plan = race(planBackend(bundle, rtx, auto, memory));
    const out = raceOutcome(plan, { ms: 50 }, { ms: 400 }, 1234)!;
    expect(out.choice).toEqual({ backend: 'webgpu', dtype: 'q4', reason: 'WebGPU chosen: 8.0× faster than WASM on this device in a warm-up run (WebGPU q4 50 ms, WASM q8 400 ms)' });
    expect(out.timed).toEqual({ ...measured('webgpu', 50, 400), measuredAt: 1234 });
    // A tie keeps WebGPU (the CPU stays free).
    expect(raceOutcome(plan, { ms: 80 }, { ms: 80 }, 0)!.choice.backend).toBe('webgpu');
  });

  it('keeps WASM when its warm-up is faster', () => {
    const out = raceOutcome(race(planBackend(bundle, rtx, auto, memory)), { ms: 360 }, { ms: 200 }, 7)!;
    expect(out.choice).toEqual({ backend: 'wasm', dtype: 'q8', reason: 'WASM chosen: 1.8× faster than WebGPU on this device in a warm-up run (WASM q8 200 ms, WebGPU q4 360 ms)' });
    expect(out.timed).toEqual({ ...measured('wasm', 360, 200), measuredAt: 7 });
  });

  it('uses a remembered choice without racing, and says it was remembered', () => {
    const known = measured('wasm', 360, 200);
    const plan = planBackend(bundle, rtx, auto, { threads: 4, remembered: { [known.key]: known } });
    expect(plan).toEqual({
      kind: 'chosen',
      choice: { backend: 'wasm', dtype: 'q8', reason: 'WASM chosen: 1.8× faster than WebGPU on this device in a warm-up run (WASM q8 200 ms, WebGPU q4 360 ms); remembered' },
      timed: known,
    });
    // Another GPU, another thread count or a re-exported backbone is measured anew.
    expect(planBackend(bundle, { ...rtx, device: 'amd/rdna-3//' }, auto, { threads: 4, remembered: { [known.key]: known } }).kind).toBe('race');
    expect(planBackend(bundle, rtx, auto, { threads: 2, remembered: { [known.key]: known } }).kind).toBe('race');
    const reexported = { ...bundle, files: { ...bundle.files, 'onnx/backbone.q8.onnx': { bytes: 1, sha256: 'c'.repeat(64) } } } as Manifest;
    expect(planBackend(reexported, rtx, auto, { threads: 4, remembered: { [known.key]: known } }).kind).toBe('race');
  });

  it('moves to WASM when WebGPU fails in its warm-up, without remembering it; WebGPU stays when WASM fails', () => {
    const plan = race(planBackend(bundle, rtx, auto, memory));
    expect(raceOutcome(plan, { failed: 'GPUDevice was lost' }, { ms: 200 }, 0)).toEqual({
      choice: { backend: 'wasm', dtype: 'q8', reason: 'WebGPU failed in its warm-up run (GPUDevice was lost): using WASM' },
      timed: null,
    });
    expect(raceOutcome(plan, { ms: 90 }, { failed: 'out of memory' }, 0)).toEqual({
      choice: { backend: 'webgpu', dtype: 'q4', reason: 'WebGPU adapter found (no shader-f16); WASM failed in its warm-up run (out of memory)' },
      timed: null,
    });
    expect(raceOutcome(plan, { failed: 'lost' }, { failed: 'out of memory' }, 0)).toBeNull();
  });
});
