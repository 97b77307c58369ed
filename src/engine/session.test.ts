// Which ONNX Runtime build serves each backend: the WASM-only build on WASM, the WebGPU build after WebGPU was tried, with identical numbers.
import { describe, expect, it } from 'vitest';
import { loadFiles, loadManifest } from './bundle';
import { SessionError } from './errors';
import { DEMO_BUNDLE, fsSource } from './fsSource.testutil';
import { buildFor, configureRuntime, createSession, ortVersion } from './session';

describe('buildFor', () => {
  it('serves WASM with the WASM-only build until the WebGPU build is loaded, then with that', () => {
    expect(buildFor('wasm', new Set())).toBe('wasm');
    expect(buildFor('wasm', new Set(['wasm']))).toBe('wasm');
    expect(buildFor('wasm', new Set(['webgpu']))).toBe('webgpu');
    expect(buildFor('wasm', new Set(['wasm', 'webgpu']))).toBe('webgpu');
  });
  it('serves WebGPU with the WebGPU build only', () => {
    expect(buildFor('webgpu', new Set())).toBe('webgpu');
    expect(buildFor('webgpu', new Set(['wasm']))).toBe('webgpu');
  });
});

describe('the runtime in Node (these tests share the module state of session.ts, in order)', () => {
  /** The demo bundle's fp32 backbone on `backend`, run on one 9-token text; returns the session's build and hidden states. */
  async function hidden(backend: 'wasm' | 'webgpu') {
    const source = fsSource(DEMO_BUNDLE);
    const m = await loadManifest(source);
    const file = m.variants.fp32!.backbone;
    const files = await loadFiles(m, source, [file], () => {});
    const session = await createSession(files.get(file)!.bytes, backend, [], file);
    const ids = [1, 243, 1114, 260, 857, 1263, 436, 260, 2];
    const dims = [1, ids.length];
    try {
      const out = await session.run(
        { input_ids: { data: BigInt64Array.from(ids, BigInt), dims }, attention_mask: { data: new BigInt64Array(ids.length).fill(1n), dims } },
        ['last_hidden_state'],
      );
      return { build: session.ortBuild, data: out.last_hidden_state!.data };
    } finally {
      await session.release();
    }
  }

  let wasmOnly: Float32Array;

  it('runs WASM on the WASM-only build and reports its version once loaded', async () => {
    expect(configureRuntime({ appAssets: false, threads: 1 })).toBe(1);
    expect(ortVersion()).toBe('unknown');
    const { build, data } = await hidden('wasm');
    expect(build).toBe('wasm');
    expect(ortVersion()).toMatch(/^\d+\.\d+\.\d+/);
    wasmOnly = data;
  });

  it('after WebGPU was tried (Node has none), runs WASM on the WebGPU build with the same bits', async () => {
    await expect(hidden('webgpu')).rejects.toBeInstanceOf(SessionError);
    const { build, data } = await hidden('wasm');
    expect(build).toBe('webgpu');
    expect(data.length).toBe(wasmOnly.length);
    expect(Array.from(data)).toEqual(Array.from(wasmOnly));
  });
});
