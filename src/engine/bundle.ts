// Loads a model bundle: manifest, then each needed file with progress, sha256 check and a browser cache.
import type { Dtype } from './constants';
import { sha256Hex } from '../io/sha256';
import { type Manifest, ManifestError, parseManifest } from './manifest';

/** Where a bundle's files come from: a URL folder, files the user picked, or (in tests) the disk. */
export interface BundleSource {
  /** Shown in messages, e.g. "/models/demo-fixture/". */
  readonly label: string;
  /** Reads one file; `expectedBytes` lets sources size buffers and report progress. */
  read(path: string, onBytes: (loaded: number) => void, expectedBytes?: number): Promise<Uint8Array>;
  /** Looks a verified file up in a persistent cache, if the source has one. */
  cached?(path: string, sha256: string): Promise<Uint8Array | null>;
  /** Keeps a verified file for the next visit. */
  store?(path: string, sha256: string, bytes: Uint8Array): Promise<void>;
}

/** A bundle file that is missing, unreadable or corrupt. */
export class BundleError extends Error {
  override name = 'BundleError';
}

export interface FileProgress {
  path: string;
  loaded: number;
  total: number;
  fromCache: boolean;
  done: boolean;
}

export interface LoadedFile {
  path: string;
  bytes: Uint8Array;
  fromCache: boolean;
  /** Why a downloaded file could not be kept in the browser cache (e.g. a full quota); absent when it was, or could not be. */
  cacheError?: string;
}

/**
 * One notice for every file a load could not cache, or null: such files are downloaded again
 * on every visit, and the user should know why and how much.
 */
export function cacheNotice(files: Iterable<Pick<LoadedFile, 'bytes' | 'cacheError'>>): string | null {
  const failed = [...files].filter((f) => f.cacheError !== undefined);
  if (failed.length === 0) return null;
  const mb = failed.reduce((sum, f) => sum + f.bytes.byteLength, 0) / 1e6;
  const size = mb >= 10 ? mb.toFixed(0) : mb >= 0.1 ? mb.toFixed(1) : '< 0.1';
  return (
    `${failed.length} model file${failed.length === 1 ? '' : 's'} could not be cached (${failed[0]!.cacheError}): ${size} MB will be downloaded again next time. ` +
    'Free some browser storage for this site (site data) to keep the model.'
  );
}

/** Reads and validates manifest.json; a manifest that cannot be used is named, with what to do. */
export async function loadManifest(source: BundleSource): Promise<Manifest> {
  const raw = await source.read('manifest.json', () => {});
  let data: unknown;
  try {
    data = JSON.parse(new TextDecoder().decode(raw));
  } catch (error) {
    throw new ManifestError(`manifest.json at ${source.label} is not valid JSON (${String(error)}). Re-export the bundle.`);
  }
  try {
    return parseManifest(data);
  } catch (error) {
    // parseManifest's words are shared with model-export; here they get the file and, if they lack one, what to do.
    if (!(error instanceof ManifestError)) throw error;
    const todo = /Re-export/.test(error.message) ? '' : ' Re-export the bundle with model-export.';
    throw new ManifestError(`manifest.json at ${source.label}: ${error.message}${todo}`);
  }
}

/** The files a session with this variant needs: tokenizer, backbone (+ external data), heads. */
export function filesFor(m: Manifest, dtype: Dtype): string[] {
  const v = m.variants[dtype];
  if (!v) throw new BundleError(`The bundle has no ${dtype} variant.`);
  return [...m.tokenizer.files, v.backbone, ...v.external_data, ...(m.heads ? [m.heads.file] : [])];
}

export { sha256Hex };

/**
 * Fetches one listed file, from the cache when a verified copy is there, and checks
 * its size and sha256 either way: a corrupt file is never used, and never cached.
 */
export async function loadFile(
  m: Manifest,
  source: BundleSource,
  path: string,
  onProgress: (p: FileProgress) => void,
): Promise<LoadedFile> {
  const entry = m.files[path];
  if (!entry) throw new BundleError(`'${path}' is not listed in manifest.json's files.`);
  const cached = source.cached ? await source.cached(path, entry.sha256) : null;
  if (cached && cached.byteLength === entry.bytes && (await sha256Hex(cached)) === entry.sha256) {
    onProgress({ path, loaded: entry.bytes, total: entry.bytes, fromCache: true, done: true });
    return { path, bytes: cached, fromCache: true };
  }
  onProgress({ path, loaded: 0, total: entry.bytes, fromCache: false, done: false });
  const bytes = await source.read(path, (loaded) => onProgress({ path, loaded, total: entry.bytes, fromCache: false, done: false }), entry.bytes);
  if (bytes.byteLength !== entry.bytes) {
    throw new BundleError(
      `'${path}' from ${source.label} has ${bytes.byteLength} bytes, the manifest says ${entry.bytes}. The bundle is incomplete or out of date: re-export or re-copy it.`,
    );
  }
  const actual = await sha256Hex(bytes);
  if (actual !== entry.sha256) {
    throw new BundleError(
      `'${path}' from ${source.label} is corrupt: its sha256 is ${actual.slice(0, 12)}…, the manifest says ${entry.sha256.slice(0, 12)}…. Re-export or re-copy the bundle.`,
    );
  }
  let cacheError: string | undefined;
  if (source.store) {
    await source.store(path, entry.sha256, bytes).catch((error: unknown) => {
      cacheError = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
    });
  }
  onProgress({ path, loaded: entry.bytes, total: entry.bytes, fromCache: false, done: true });
  return { path, bytes, fromCache: false, ...(cacheError !== undefined ? { cacheError } : {}) };
}

/** Loads several files one after another (parallel downloads would only share the same pipe). */
export async function loadFiles(
  m: Manifest,
  source: BundleSource,
  paths: string[],
  onProgress: (p: FileProgress) => void,
): Promise<Map<string, LoadedFile>> {
  const out = new Map<string, LoadedFile>();
  for (const path of paths) out.set(path, await loadFile(m, source, path, onProgress));
  return out;
}

const CACHE_NAME = 'zeroshot-bundles-v1';

/** A bundle served over HTTP(S) from `baseUrl` (a folder URL ending in '/'), cached with the Cache API. */
export function urlSource(baseUrl: string): BundleSource {
  const base = baseUrl.endsWith('/') ? baseUrl : `${baseUrl}/`;
  const cacheKey = (path: string, sha: string) => `${new URL(path, new URL(base, globalThis.location?.href)).href}#sha256=${sha}`;
  const hasCache = typeof caches !== 'undefined';
  return {
    label: base,
    async read(path, onBytes, expectedBytes) {
      const url = new URL(path, new URL(base, globalThis.location?.href)).href;
      let response: Response;
      try {
        response = await fetch(url, { cache: path === 'manifest.json' ? 'no-cache' : 'default' });
      } catch (error) {
        throw new BundleError(`Could not fetch ${url} (${String(error)}). Check the bundle URL and that the server is running.`);
      }
      // NOTE: SPA servers (vite preview among them) answer unknown paths with index.html.
      if (response.ok && (response.headers.get('content-type') ?? '').includes('text/html')) {
        throw new BundleError(
          `${path} is missing from the bundle at ${base} (the server answered with a web page). ${path === 'manifest.json' ? 'Is this a bundle folder?' : 'Re-export the bundle or copy the missing file.'}`,
        );
      }
      if (!response.ok) {
        throw new BundleError(
          `${path} is missing from the bundle at ${base} (HTTP ${response.status}). ${path === 'manifest.json' ? 'Is this a bundle folder?' : 'Re-export the bundle or copy the missing file.'}`,
        );
      }
      return readBody(response, onBytes, expectedBytes);
    },
    cached: hasCache
      ? async (path, sha) => {
          const hit = await (await caches.open(CACHE_NAME)).match(cacheKey(path, sha));
          return hit ? new Uint8Array(await hit.arrayBuffer()) : null;
        }
      : undefined,
    store: hasCache
      ? async (path, sha, bytes) => {
          const cache = await caches.open(CACHE_NAME);
          await cache.put(cacheKey(path, sha), new Response(bytes as Uint8Array<ArrayBuffer>));
        }
      : undefined,
  };
}

/** Streams a response body into one buffer, reporting bytes as they arrive. */
async function readBody(response: Response, onBytes: (n: number) => void, expectedBytes?: number): Promise<Uint8Array> {
  if (!response.body) return new Uint8Array(await response.arrayBuffer());
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let loaded = 0;
  let buffer = expectedBytes !== undefined ? new Uint8Array(expectedBytes) : null;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    if (buffer && loaded + value.byteLength <= buffer.byteLength) buffer.set(value, loaded);
    else {
      if (buffer) chunks.push(buffer.subarray(0, loaded));
      buffer = null;
      chunks.push(value);
    }
    loaded += value.byteLength;
    onBytes(loaded);
  }
  if (buffer) return loaded === buffer.byteLength ? buffer : buffer.subarray(0, loaded);
  const out = new Uint8Array(loaded);
  let offset = 0;
  for (const c of chunks) {
    out.set(c, offset);
    offset += c.byteLength;
  }
  return out;
}

/** A bundle folder the user picked or dropped: files keyed by their path inside the folder. */
export function fileListSource(files: ReadonlyArray<{ path: string; file: Blob }>, label = 'the chosen folder'): BundleSource {
  // Accept both "bundle/manifest.json" (folder picker) and "manifest.json" paths.
  const manifest = files.find((f) => f.path === 'manifest.json' || f.path.endsWith('/manifest.json'));
  const prefix = manifest ? manifest.path.slice(0, manifest.path.length - 'manifest.json'.length) : '';
  const byPath = new Map(files.map((f) => [f.path.startsWith(prefix) ? f.path.slice(prefix.length) : f.path, f.file]));
  return {
    label,
    async read(path, onBytes) {
      const file = byPath.get(path);
      if (!file) throw new BundleError(`${path} is missing from ${label}. Pick the bundle folder itself (the one holding manifest.json).`);
      const bytes = new Uint8Array(await file.arrayBuffer());
      onBytes(bytes.byteLength);
      return bytes;
    },
  };
}
