import { describe, expect, it } from 'vitest';
import { BackendError, chooseBackend, parseBackendRequest, softwareRenderer } from './backend';
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
