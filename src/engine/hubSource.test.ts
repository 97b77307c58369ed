// Hub-style sources against the Hub mimic (scripts/hub-mimic.mjs) over real HTTP: listing and HEAD checks, redirects, refusals, and scores equal to the exported bundle's.
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { type HubMimic, startHubMimic } from '../../scripts/hub-mimic.mjs';
import { BundleError, loadManifest } from './bundle';
import { Engine, type LabelSpec } from './engine';
import { DEMO_BUNDLE, fsSource, REPO_ROOT } from './fsSource.testutil';
import { checkOfHead, checkOfSibling, fetchFailure, folderSource, hubSource, sha256OfEtag } from './hubSource';
import { configureRuntime } from './session';

const wasmFp32 = { request: { backend: 'wasm', dtype: 'fp32' }, gpu: { available: false, reason: 'Node' } } as const;
const PLAIN = ['config.json', 'tokenizer.json', 'tokenizer_config.json', 'onnx/model.onnx'];
let mimic: HubMimic;
const repo = (id: string, revision = 'main') => ({ id, revision, host: mimic.origin });

beforeAll(async () => {
  configureRuntime({ appAssets: false, threads: 1 });
  mimic = await startHubMimic({
    port: 0,
    cdnPort: 0,
    root: REPO_ROOT,
    repos: {
      't/demo': { from: DEMO_BUNDLE },
      't/plain': { from: DEMO_BUNDLE, only: PLAIN },
      't/no-config': { from: DEMO_BUNDLE, omit: ['config.json'] },
      't/not-nli': { from: DEMO_BUNDLE, patch: { 'config.json': { id2label: { 0: 'negative', 1: 'positive' } } } },
    },
  });
});
afterAll(() => mimic.close());

describe('hubSource', () => {
  it('loads the demo model by id: files checked against the listing, LFS files fetched through the CDN redirect, NLI scores equal the exported bundle’s', async () => {
    mimic.log.length = 0;
    const hub = await Engine.load(hubSource(repo('t/demo')), wasmFp32);
    const exported = await Engine.load(fsSource(DEMO_BUNDLE), wasmFp32);
    try {
      expect(hub.info.checkedAgainst).toBe("the Hub's listing");
      expect(hub.info.files.map((f) => [f.path, f.checked])).toEqual([
        ['tokenizer.json', 'git-sha1'],
        ['tokenizer_config.json', 'git-sha1'],
        ['onnx/model.onnx', 'sha256'],
      ]);
      expect(mimic.log).toContain('GET /api/models/t/demo/revision/main?blobs=true');
      expect(mimic.log.some((l) => /^GET cdn\/repos\/[0-9a-f]{2}\/[0-9a-f]{64}$/.test(l))).toBe(true);
      // tokenizer.json was read once, while deriving the manifest.
      expect(mimic.log.filter((l) => l === 'GET /t/demo/resolve/main/tokenizer.json')).toHaveLength(1);
      const labels: LabelSpec[] = ['sports', 'monetary policy'].map((name) => hub.zeroShotLabel(name));
      expect(labels).toEqual(['sports', 'monetary policy'].map((name) => exported.zeroShotLabel(name)));
      const texts = ['The central bank raised interest rates.', 'A late goal won the cup final.', ''];
      const score = async (e: Engine) => {
        const out: number[] = [];
        await e.classify(texts, labels, (rs) => rs.forEach((r) => out.push(...r.scores.map((s) => s.nli))), () => false);
        return out;
      };
      const [a, b] = [await score(hub), await score(exported)];
      expect(a).toHaveLength(6);
      a.forEach((x, i) => expect(Math.abs(x - b[i]!)).toBeLessThanOrEqual(1e-6));
    } finally {
      await hub.dispose();
      await exported.dispose();
    }
  });

  it('refuses a repository without config.json, a model that is not NLI, and an unknown repository or revision', async () => {
    const message = (p: Promise<unknown>) => p.then(() => 'loaded', (e: Error) => (e instanceof BundleError ? e.message : `not a BundleError: ${String(e)}`));
    expect(await message(loadManifest(hubSource(repo('t/no-config'))))).toMatch(/^t\/no-config on http:\/\/127\.0\.0\.1:\d+ has no config\.json, so it is not a model folder in the transformers\.js layout/);
    expect(await message(loadManifest(hubSource(repo('t/not-nli'))))).toMatch(/ is not an NLI model: config\.json id2label has no entailment label \({"0":"negative","1":"positive"}\)/);
    expect(await message(loadManifest(hubSource(repo('t/none'))))).toMatch(/^There is no model t\/none on http:\/\/127\.0\.0\.1:\d+ \(RepoNotFound\)\. Check the id/);
    expect(await message(loadManifest(hubSource(repo('t/demo', 'v2'))))).toMatch(/^t\/demo has no revision 'v2' on /);
  });

  it('refuses a file whose bytes differ from the listing, and says what to do', async () => {
    const realFetch = globalThis.fetch;
    vi.stubGlobal('fetch', async (url: string, init?: RequestInit) => {
      const response = await realFetch(url, init);
      if (!String(url).endsWith('/tokenizer_config.json')) return response;
      const bytes = new Uint8Array(await response.arrayBuffer());
      bytes[0] = bytes[0]! ^ 1;
      return new Response(bytes, { status: 200, headers: response.headers });
    });
    try {
      await expect(loadManifest(hubSource(repo('t/demo')))).rejects.toThrow(
        /^'tokenizer_config\.json' from t\/demo on .* is corrupt: its git blob id is [0-9a-f]{12}…, the Hub's listing says [0-9a-f]{12}…\. The repository may have changed while loading/,
      );
    } finally {
      vi.unstubAllGlobals();
    }
  });
});

describe('folderSource', () => {
  it('reads a folder without manifest.json with HEAD: sizes, and sha256 where the ETag is one', async () => {
    const source = folderSource(`${mimic.origin}/t/plain/resolve/main/`);
    const engine = await Engine.load(source, wasmFp32);
    try {
      expect(engine.manifest.provenance.source_model).toBe(`${mimic.origin}/t/plain/resolve/main/`);
      expect(engine.info.checkedAgainst).toBe("the server's headers");
      // The CDN's ETag of an LFS file is its sha256; a git blob id is no sha256, so the others are checked by size.
      expect(engine.info.files.map((f) => [f.path, f.checked])).toEqual([
        ['tokenizer.json', 'size'],
        ['tokenizer_config.json', 'size'],
        ['onnx/model.onnx', 'sha256'],
      ]);
    } finally {
      await engine.dispose();
    }
  });

  it('keeps exported bundles as they were: manifest.json first, checked against it', async () => {
    const engine = await Engine.load(folderSource(`${mimic.origin}/t/demo/resolve/main/`), wasmFp32);
    try {
      expect(engine.info.checkedAgainst).toBe('the manifest');
      expect(engine.manifest.heads).not.toBeNull();
      expect(engine.info.files.every((f) => f.checked === 'sha256')).toBe(true);
    } finally {
      await engine.dispose();
    }
  });

  it('says when nothing is at a folder, with the two ways to get a model', async () => {
    await expect(loadManifest(folderSource(`${mimic.origin}/t/none/resolve/main/`))).rejects.toThrow(
      `Nothing is at ${mimic.origin}/t/none/resolve/main/: it has no manifest.json (a bundle exported by model-export) and no config.json (a Hub-style model folder). To make a bundle there, export it with model-export`,
    );
  });
});

describe('what a server says of a file', () => {
  it('reads the listing: LFS files by sha256, others by git blob id, nothing without a size', () => {
    const sha = 'a'.repeat(64);
    expect(checkOfSibling({ rfilename: 'onnx/model.onnx', size: 9, blobId: 'b'.repeat(40), lfs: { size: 1000, sha256: sha } })).toEqual({ bytes: 1000, sha256: sha, gitSha1: null });
    expect(checkOfSibling({ rfilename: 'config.json', size: 12, blobId: 'b'.repeat(40) })).toEqual({ bytes: 12, sha256: null, gitSha1: 'b'.repeat(40) });
    expect(checkOfSibling({ rfilename: 'config.json' })).toBeNull();
  });

  it('reads HEAD answers: X-Linked-Size and X-Linked-Etag first, a web page is no file', () => {
    const sha = 'c'.repeat(64);
    const head = (headers: Record<string, string>, status = 200) => checkOfHead(new Response(null, { status, headers }));
    expect(head({ 'x-linked-size': '77', 'x-linked-etag': `"${sha}"`, 'content-length': '5', etag: '"x"' })).toEqual({ bytes: 77, sha256: sha, etag: null });
    expect(head({ 'content-length': '5', etag: 'W/"abc"' })).toEqual({ bytes: 5, sha256: null, etag: 'W/"abc"' });
    expect(head({ 'content-length': '5', 'content-type': 'text/html' })).toBeNull();
    expect(head({ 'content-length': '5' }, 404)).toBeNull();
    expect(sha256OfEtag(`W/"${sha}"`)).toBe(sha);
    expect(sha256OfEtag('"abc"')).toBeNull();
  });

  it('says when the page’s policy refused a host, and how to allow it', () => {
    expect(fetchFailure('http://127.0.0.1:9/api/x', new TypeError('Failed to fetch'), true).message).toBe(
      "This page's Content-Security-Policy does not allow http://127.0.0.1:9, so the browser refused to fetch http://127.0.0.1:9/api/x. " +
        'The app reaches only its own site and the Hugging Face Hub (https://huggingface.co, https://*.hf.co) unless it is built and served with EXTRA_MODEL_HOSTS=http://127.0.0.1:9 (README, "Use a model from the Hugging Face Hub").',
    );
    expect(fetchFailure('https://huggingface.co/x', new TypeError('Failed to fetch'), false).message).toMatch(/^Could not fetch https:\/\/huggingface\.co\/x \(TypeError: Failed to fetch\)\. Check the address/);
  });
});
