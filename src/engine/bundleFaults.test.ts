// Bundle faults name the file and say what to do: missing, corrupt, truncated ONNX, unknown format, hidden sizes that disagree; a failed cache write is reported once.
import { createHash } from 'node:crypto';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { BundleError, cacheNotice, loadFiles, loadManifest, urlSource } from './bundle';
import { checkHiddenSizes, Engine } from './engine';
import { errorKind } from './faults';
import { DEMO_BUNDLE, fsSource, readJson } from './fsSource.testutil';
import { type Manifest, ManifestError } from './manifest';
import { configureRuntime, type ModelSession } from './session';

const wasmFp32 = { request: { backend: 'wasm', dtype: 'fp32' }, gpu: { available: false, reason: 'Node' } } as const;
let dir: string;

beforeAll(() => {
  configureRuntime({ appAssets: false, threads: 1 });
  dir = mkdtempSync(join(tmpdir(), 'bundle-faults-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A copy of the demo bundle whose manifest `edit` may change. */
function copy(name: string, edit?: (m: Manifest) => void): string {
  const target = join(dir, name);
  cpSync(DEMO_BUNDLE, target, { recursive: true });
  if (edit) {
    const m = readJson<Manifest>(join(target, 'manifest.json'));
    edit(m);
    writeFileSync(join(target, 'manifest.json'), JSON.stringify(m));
  }
  return target;
}

async function loadError(bundle: string): Promise<Error> {
  const error = await Engine.load(fsSource(bundle), wasmFp32).then(
    (e) => e.dispose().then(() => null),
    (e: unknown) => e,
  );
  if (!(error instanceof Error)) throw new Error('the bundle loaded');
  return error;
}

describe('bundle faults', () => {
  it('a missing file is named', async () => {
    const b = copy('missing');
    rmSync(join(b, 'onnx/heads.onnx'));
    const error = await loadError(b);
    expect(errorKind(error)).toBe('bundle');
    expect(error.message).toMatch(/onnx\/heads\.onnx is missing/);
  });

  it('a sha256 mismatch names the file and says to re-export or re-copy', async () => {
    const b = copy('corrupt');
    const path = join(b, 'tokenizer_config.json');
    const text = readFileSync(path, 'utf8');
    writeFileSync(path, text.slice(0, -1) + (text.endsWith(' ') ? '\n' : ' ')); // same size, other bytes
    const error = await loadError(b);
    expect(errorKind(error)).toBe('bundle');
    expect(error.message).toMatch(/^'tokenizer_config\.json' from .* is corrupt: its sha256 is [0-9a-f]{12}…, the manifest says [0-9a-f]{12}…\. Re-export or re-copy the bundle\.$/);
  });

  it('a truncated ONNX graph (its manifest entry made to match) is named, with what to do', async () => {
    const b = copy('truncated');
    const path = join(b, 'onnx/heads.onnx');
    const bytes = readFileSync(path).subarray(0, 5000);
    writeFileSync(path, bytes);
    const m = readJson<Manifest>(join(b, 'manifest.json'));
    m.files['onnx/heads.onnx'] = { bytes: bytes.byteLength, sha256: createHash('sha256').update(bytes).digest('hex') };
    writeFileSync(join(b, 'manifest.json'), JSON.stringify(m));
    const error = await loadError(b);
    expect(error).toBeInstanceOf(BundleError);
    expect(error.message).toMatch(/^onnx\/heads\.onnx is not a complete ONNX model \(ONNX Runtime: .*protobuf parsing failed.*\)\. It is truncated or damaged: re-export the bundle, or download or copy it again\.$/);
  });

  it('an unknown manifest format names manifest.json and its folder, and says what to do', async () => {
    const b = copy('future', (m) => Object.assign(m, { format: 3 }));
    const error = (await loadManifest(fsSource(b)).catch((e: unknown) => e)) as Error;
    expect(error).toBeInstanceOf(ManifestError);
    expect(error.message).toBe(
      `manifest.json at ${b}: This bundle's manifest format is 3, but this version reads format 2 only. Re-export the bundle with the model-export of this version, or update the app.`,
    );
  });

  it('heads whose hidden size differs from the backbone in manifest.json: the rule, the file, what to do', async () => {
    const b = copy('heads-size', (m) => (m.heads!.hidden_size = 32));
    const error = (await loadManifest(fsSource(b)).catch((e: unknown) => e)) as Error;
    expect(errorKind(error)).toBe('bundle');
    expect(error.message).toBe(`manifest.json at ${b}: heads.hidden_size (32) differs from backbone.hidden_size (64). Re-export the bundle with model-export.`);
  });

  it('a manifest whose hidden size is not the backbone graph’s names the graph', async () => {
    const b = copy('graph-size', (m) => {
      m.backbone.hidden_size = 32;
      m.heads!.hidden_size = 32;
    });
    const error = await loadError(b);
    expect(errorKind(error)).toBe('bundle');
    expect(error.message).toBe(
      'onnx/model.onnx gives hidden states of width 64, but manifest.json says backbone.hidden_size 32. The manifest does not belong to this graph: re-export the bundle.',
    );
  });

  it('heads graph built for another backbone is named, with what to do', () => {
    const m = readJson<Manifest>(join(DEMO_BUNDLE, 'manifest.json'));
    const session = (width: number | string): ModelSession => ({
      backend: 'wasm',
      ortBuild: 'wasm',
      inputNames: [],
      outputNames: [],
      dims: (name) => (name === 'last_hidden_state' ? ['batch', 'sequence', width] : null),
      run: () => Promise.reject(new Error('not run')),
      runOnDevice: () => Promise.reject(new Error('not run')),
      release: () => Promise.resolve(),
    });
    expect(() => checkHiddenSizes(m, 'onnx/model.onnx', session(64), session(64))).not.toThrow();
    expect(() => checkHiddenSizes(m, 'onnx/model.onnx', session('hidden'), session(64))).not.toThrow();
    expect(() => checkHiddenSizes(m, 'onnx/model.onnx', session(64), session(1024))).toThrow(
      'onnx/heads.onnx takes hidden states of width 1024, but the backbone onnx/model.onnx gives 64: the heads were built for another backbone. Train or convert the heads for this backbone (model-export train or convert-checkpoint), or re-export the bundle.',
    );
  });
});

describe('a failed cache write', () => {
  afterEach(() => vi.unstubAllGlobals());

  /** urlSource over the demo bundle's files, with a Cache API whose put rejects as a full quota does. */
  function quotaSource() {
    const puts: string[] = [];
    vi.stubGlobal('fetch', (url: string) => {
      const path = new URL(url).pathname.replace(/^\/models\/demo\//, '');
      return Promise.resolve(new Response(readFileSync(join(DEMO_BUNDLE, path)), { headers: { 'content-type': 'application/octet-stream' } }));
    });
    vi.stubGlobal('location', { href: 'http://localhost:4173/' });
    vi.stubGlobal('caches', {
      open: () =>
        Promise.resolve({
          match: () => Promise.resolve(undefined),
          put: (key: string) => {
            puts.push(key);
            return Promise.reject(new DOMException('The quota has been exceeded.', 'QuotaExceededError'));
          },
        }),
    });
    return { source: urlSource('/models/demo/'), puts };
  }

  it('is reported once, with the size that will be downloaded again, and does not fail the load', async () => {
    const { source, puts } = quotaSource();
    const m = await loadManifest(source);
    const paths = ['tokenizer.json', 'tokenizer_config.json', 'onnx/heads.onnx'];
    const files = await loadFiles(m, source, paths, () => {});
    expect(puts).toHaveLength(3);
    expect([...files.values()].map((f) => f.cacheError)).toEqual(Array(3).fill('QuotaExceededError: The quota has been exceeded.'));
    const mb = paths.reduce((sum, p) => sum + m.files[p]!.bytes, 0) / 1e6;
    expect(cacheNotice(files.values())).toBe(
      `3 model files could not be cached (QuotaExceededError: The quota has been exceeded.): ${mb.toFixed(1)} MB will be downloaded again next time. Free some browser storage for this site (site data) to keep the model.`,
    );
  });

  it('reaches the loaded engine’s info; a load whose files were cached has no notice', async () => {
    const { source } = quotaSource();
    const engine = await Engine.load(source, wasmFp32);
    await engine.dispose();
    expect(engine.info.cacheNotice).toMatch(/^\d+ model files could not be cached \(QuotaExceededError: .*\): [\d.]+ MB will be downloaded again next time\./);
    const clean = await Engine.load(fsSource(DEMO_BUNDLE), wasmFp32);
    await clean.dispose();
    expect(clean.info.cacheNotice).toBeNull();
  });
});
