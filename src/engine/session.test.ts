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

  it('runOnDevice leaves an output for the heads graph to read where it lies; the heads give the same bits as from a host copy', async () => {
    const source = fsSource(DEMO_BUNDLE);
    const m = await loadManifest(source);
    const [backboneFile, headsFile] = [m.variants.fp32!.backbone, m.heads!.file];
    const files = await loadFiles(m, source, [backboneFile, headsFile], () => {});
    const backbone = await createSession(files.get(backboneFile)!.bytes, 'wasm', [], backboneFile, { keepOnDevice: ['last_hidden_state'] });
    const heads = await createSession(files.get(headsFile)!.bytes, 'wasm', [], headsFile);
    // Two rows, the second padded: the mask travels beside the kept states.
    const ids = [1, 243, 1114, 260, 857, 2, 1, 436, 260, 2, 0, 0];
    const mask = ids.map((_, i) => (i >= 10 ? 0n : 1n));
    const dims = [2, 6];
    const feeds = { input_ids: { data: BigInt64Array.from(ids, BigInt), dims }, attention_mask: { data: BigInt64Array.from(mask), dims } };
    try {
      const host = (await backbone.run(feeds, ['last_hidden_state'])).last_hidden_state!;
      const kept = await backbone.runOnDevice(feeds, 'last_hidden_state');
      // WASM has no device memory: the output stays ORT's own CPU tensor (on WebGPU: 'gpu-buffer', e2e parity.spec).
      expect(kept.location).toBe('cpu');
      expect(kept.dims).toEqual(host.dims);
      const fromHost = (await heads.run({ last_hidden_state: host, attention_mask: feeds.attention_mask }, ['poly_logits'])).poly_logits!;
      const fromKept = (await heads.run({ last_hidden_state: kept, attention_mask: feeds.attention_mask }, ['poly_logits'])).poly_logits!;
      expect(fromKept.dims).toEqual([2, m.heads!.labels.length]);
      expect(Array.from(fromKept.data)).toEqual(Array.from(fromHost.data));
      kept.dispose();
      kept.dispose();
      await expect(heads.run({ last_hidden_state: kept, attention_mask: feeds.attention_mask }, ['poly_logits'])).rejects.toThrow(
        "feed 'last_hidden_state' was disposed before this run",
      );
    } finally {
      await backbone.release();
      await heads.release();
    }
  });
});
