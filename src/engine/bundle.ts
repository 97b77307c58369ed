// Loads a model bundle: manifest, then each needed file with progress, sha256 check and a browser cache.
import type { Dtype } from './constants';
import { sha256Hex } from '../io/sha256';
import { type Manifest, ManifestError, parseManifest } from './manifest';

/** Where a bundle's files come from: a URL folder, files the user picked, a Hub-style model folder, or (in tests) the disk. */
export interface BundleSource {
  /** Shown in messages, e.g. "/models/demo-fixture/". */
  readonly label: string;
  /** Reads one file; `expectedBytes` lets sources size buffers and report progress. */
  read(path: string, onBytes: (loaded: number) => void, expectedBytes?: number): Promise<Uint8Array>;
  /** Looks a verified file up in a persistent cache, if the source has one; `version` is `cacheVersion` of its check. */
  cached?(path: string, version: string): Promise<Uint8Array | null>;
  /** Keeps a verified file for the next visit. */
  store?(path: string, version: string, bytes: Uint8Array): Promise<void>;
  /**
   * For sources with no manifest.json of ours (Hub-style folders, hubSource.ts): the manifest derived
   * from their own files, which `loadManifest` returns instead of reading manifest.json.
   */
  derive?(): Promise<Manifest>;
  /** What the source itself knows of a file (a Hub listing, a server's headers); when given, the file is checked against it, not against manifest.json. */
  check?(path: string): FileCheck | undefined;
  /** Files the source already fetched and checked while deriving its manifest (they are not fetched again). */
  loaded?(path: string): LoadedFile | undefined;
  /** What the checks compare with, in messages ("the manifest" unless the source says otherwise, e.g. "the Hub's listing"). */
  readonly reference?: string;
  /** What to do about a file that fails its check ("Re-export or re-copy the bundle." unless the source says otherwise). */
  readonly remedy?: string;
}

/** What a file is checked against: its size always, and a content hash when one is known. */
export interface FileCheck {
  bytes: number;
  /** Lower-case hex SHA-256 of the content, or null when the source gives none. */
  sha256: string | null;
  /** Git's blob id (SHA-1 of `blob {size}\0` and the content), which the Hub lists for files outside LFS. */
  gitSha1?: string | null;
  /** The server's ETag when it is no hash: only a cache key (a changed file gets another). */
  etag?: string | null;
}

/** How a loaded file was checked: by its sha256, its git blob id, or only its size. */
export const CHECK_KINDS = ['sha256', 'git-sha1', 'size'] as const;
export type CheckKind = (typeof CHECK_KINDS)[number];

/** The browser-cache key part of a file: its hash, or its size and ETag; null when nothing tells a changed file apart (then it is not cached). */
export function cacheVersion(check: FileCheck): string | null {
  if (check.sha256) return `sha256=${check.sha256}`;
  if (check.gitSha1) return `git-sha1=${check.gitSha1}`;
  if (check.etag) return `etag=${check.bytes}-${check.etag}`;
  return null;
}

/** A bundle file that is missing, unreadable or corrupt. */
export class BundleError extends Error {
  override name = 'BundleError';
}

/** A file the server says is not there (HTTP 404, or a web page in its place). */
export class MissingFileError extends BundleError {
  constructor(
    message: string,
    /** The file's path in the folder. */
    readonly path: string,
  ) {
    super(message);
  }
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
  /** What its content was checked against besides its size. */
  checked: CheckKind;
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

/** Reads and validates manifest.json (or the manifest a source derives from its own files); a manifest that cannot be used is named, with what to do. */
export async function loadManifest(source: BundleSource): Promise<Manifest> {
  if (source.derive) return source.derive();
  return parseManifestBytes(await source.read('manifest.json', () => {}), source.label);
}

/** Parses and validates the bytes of manifest.json read from `label`. */
export function parseManifestBytes(raw: Uint8Array, label: string): Manifest {
  let data: unknown;
  try {
    data = JSON.parse(new TextDecoder().decode(raw));
  } catch (error) {
    throw new ManifestError(`manifest.json at ${label} is not valid JSON (${String(error)}). Re-export the bundle.`);
  }
  try {
    return parseManifest(data);
  } catch (error) {
    // parseManifest's words are shared with model-export; here they get the file and, if they lack one, what to do.
    if (!(error instanceof ManifestError)) throw error;
    const todo = /Re-export/.test(error.message) ? '' : ' Re-export the bundle with model-export.';
    throw new ManifestError(`manifest.json at ${label}: ${error.message}${todo}`);
  }
}

/** The files a session with this variant needs: tokenizer, backbone (+ external data), heads. */
export function filesFor(m: Manifest, dtype: Dtype): string[] {
  const v = m.variants[dtype];
  if (!v) throw new BundleError(`The bundle has no ${dtype} variant.`);
  return [...m.tokenizer.files, v.backbone, ...v.external_data, ...(m.heads ? [m.heads.file] : [])];
}

export { sha256Hex };

/** Lower-case hex SHA-1 of `bytes` as git stores them: `blob {size}\0` and the content (git's blob id). */
export async function gitBlobSha1(bytes: Uint8Array): Promise<string> {
  const header = new TextEncoder().encode(`blob ${bytes.byteLength}\0`);
  const all = new Uint8Array(header.byteLength + bytes.byteLength);
  all.set(header);
  all.set(bytes, header.byteLength);
  const digest = await crypto.subtle.digest('SHA-1', all);
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, '0')).join('');
}

/** Why `bytes` fail `check` (size, then hash), or null when they pass; `ref` names what the check came from. */
async function checkProblem(bytes: Uint8Array, check: FileCheck, ref: string): Promise<{ size: boolean; message: string } | null> {
  if (bytes.byteLength !== check.bytes) return { size: true, message: `has ${bytes.byteLength} bytes, ${ref} says ${check.bytes}` };
  if (check.sha256) {
    const actual = await sha256Hex(bytes);
    if (actual !== check.sha256) return { size: false, message: `is corrupt: its sha256 is ${actual.slice(0, 12)}…, ${ref} says ${check.sha256.slice(0, 12)}…` };
  } else if (check.gitSha1) {
    const actual = await gitBlobSha1(bytes);
    if (actual !== check.gitSha1) return { size: false, message: `is corrupt: its git blob id is ${actual.slice(0, 12)}…, ${ref} says ${check.gitSha1.slice(0, 12)}…` };
  }
  return null;
}

/** How `check` checks a file besides its size. */
function checkKind(check: FileCheck): CheckKind {
  return check.sha256 ? 'sha256' : check.gitSha1 ? 'git-sha1' : 'size';
}

/**
 * Fetches one listed file, from the cache when a verified copy is there, and checks
 * its size and hash either way (against what the source knows of it, else manifest.json):
 * a corrupt file is never used, and never cached.
 */
export async function loadFile(
  m: Manifest,
  source: BundleSource,
  path: string,
  onProgress: (p: FileProgress) => void,
): Promise<LoadedFile> {
  const check = source.check?.(path) ?? m.files[path];
  if (!check) throw new BundleError(`'${path}' is not listed in manifest.json's files.`);
  return loadChecked(check, source, path, onProgress);
}

/** `loadFile` against a given check: what a source deriving its manifest uses for the files it reads first. */
export async function loadChecked(check: FileCheck, source: BundleSource, path: string, onProgress: (p: FileProgress) => void): Promise<LoadedFile> {
  const ref = source.reference ?? 'the manifest';
  const remedy = source.remedy ?? 'Re-export or re-copy the bundle.';
  const total = check.bytes;
  const checked = checkKind(check);
  const version = cacheVersion(check);
  const cached = source.cached && version ? await source.cached(path, version) : null;
  if (cached && (await checkProblem(cached, check, ref)) === null) {
    onProgress({ path, loaded: total, total, fromCache: true, done: true });
    return { path, bytes: cached, fromCache: true, checked };
  }
  onProgress({ path, loaded: 0, total, fromCache: false, done: false });
  const bytes = await source.read(path, (loaded) => onProgress({ path, loaded, total, fromCache: false, done: false }), total);
  const problem = await checkProblem(bytes, check, ref);
  if (problem) {
    const what = problem.size && ref === 'the manifest' ? ' The bundle is incomplete or out of date: re-export or re-copy it.' : ` ${remedy}`;
    throw new BundleError(`'${path}' from ${source.label} ${problem.message}.${what}`);
  }
  let cacheError: string | undefined;
  if (source.store && version) {
    await source.store(path, version, bytes).catch((error: unknown) => {
      cacheError = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
    });
  }
  onProgress({ path, loaded: total, total, fromCache: false, done: true });
  return { path, bytes, fromCache: false, checked, ...(cacheError !== undefined ? { cacheError } : {}) };
}

/** Loads several files one after another (parallel downloads would only share the same pipe). */
export async function loadFiles(
  m: Manifest,
  source: BundleSource,
  paths: string[],
  onProgress: (p: FileProgress) => void,
): Promise<Map<string, LoadedFile>> {
  const out = new Map<string, LoadedFile>();
  for (const path of paths) {
    const early = source.loaded?.(path);
    if (early) onProgress({ path, loaded: early.bytes.byteLength, total: early.bytes.byteLength, fromCache: early.fromCache, done: true });
    out.set(path, early ?? (await loadFile(m, source, path, onProgress)));
  }
  return out;
}

const CACHE_NAME = 'zeroshot-bundles-v1';

/** A bundle served over HTTP(S) from `baseUrl` (a folder URL ending in '/'), cached with the Cache API. */
export function urlSource(baseUrl: string): BundleSource {
  const base = baseUrl.endsWith('/') ? baseUrl : `${baseUrl}/`;
  const cacheKey = (path: string, version: string) => `${new URL(path, new URL(base, globalThis.location?.href)).href}#${version}`;
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
        throw new MissingFileError(
          `${path} is missing from the bundle at ${base} (the server answered with a web page). ${path === 'manifest.json' ? 'Is this a bundle folder?' : 'Re-export the bundle or copy the missing file.'}`,
          path,
        );
      }
      if (!response.ok) {
        const error = `${path} is missing from the bundle at ${base} (HTTP ${response.status}). ${path === 'manifest.json' ? 'Is this a bundle folder?' : 'Re-export the bundle or copy the missing file.'}`;
        throw response.status === 404 || response.status === 410 ? new MissingFileError(error, path) : new BundleError(error);
      }
      return readBody(response, onBytes, expectedBytes);
    },
    cached: hasCache
      ? async (path, version) => {
          const hit = await (await caches.open(CACHE_NAME)).match(cacheKey(path, version));
          return hit ? new Uint8Array(await hit.arrayBuffer()) : null;
        }
      : undefined,
    store: hasCache
      ? async (path, version, bytes) => {
          const cache = await caches.open(CACHE_NAME);
          await cache.put(cacheKey(path, version), new Response(bytes as Uint8Array<ArrayBuffer>));
        }
      : undefined,
  };
}

/** Streams a response body into one buffer, reporting bytes as they arrive (`expectedBytes` sizes the buffer). */
export async function readBody(response: Response, onBytes: (n: number) => void, expectedBytes?: number): Promise<Uint8Array> {
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
