// Model folders served over HTTP: a Hub repository by id, or a URL folder with our manifest.json or in the Hub's (transformers.js) layout.
import {
  BundleError,
  type BundleSource,
  type FileCheck,
  type LoadedFile,
  loadChecked,
  MissingFileError,
  parseManifestBytes,
  readBody,
  urlSource,
} from './bundle';
import { type HubRepo, hubLabel, listingUrl, resolveUrl } from './hubAddress';
import { candidateFiles, deriveManifest, HUB_CONFIG, HUB_TOKENIZER_FILES, resolveNliLabels } from './hubModel';
import type { Manifest } from './manifest';

/** Origins whose requests this context's Content-Security-Policy refused (the worker hears its own violations). */
const refusedOrigins = new Set<string>();
if (typeof globalThis.addEventListener === 'function') {
  globalThis.addEventListener('securitypolicyviolation', (event) => {
    try {
      refusedOrigins.add(new URL((event as SecurityPolicyViolationEvent).blockedURI).origin);
    } catch {
      // 'inline', 'eval' and the like name no origin.
    }
  });
}

/**
 * Why a fetch of `url` failed, with what to do. The page's policy (scripts/csp.mjs) lets it reach
 * its own site and the Hub; any other host only when the app is served with EXTRA_MODEL_HOSTS.
 */
export function fetchFailure(url: string, error: unknown, refusedByPolicy: boolean): BundleError {
  const origin = new URL(url).origin;
  if (refusedByPolicy) {
    return new BundleError(
      `This page's Content-Security-Policy does not allow ${origin}, so the browser refused to fetch ${url}. ` +
        `The app reaches only its own site and the Hugging Face Hub (https://huggingface.co, https://*.hf.co) unless it is built and served with EXTRA_MODEL_HOSTS=${origin} ` +
        '(README, "Use a model from the Hugging Face Hub").',
    );
  }
  return new BundleError(
    `Could not fetch ${url} (${String(error)}). Check the address, that the server is running, and that it allows this page by CORS (Access-Control-Allow-Origin); ` +
      `a host other than this site and the Hub must also be allowed with EXTRA_MODEL_HOSTS=${origin} when the app is built and served.`,
  );
}

/** fetch, with a failure (network, CORS, the page's policy) turned into a BundleError that says which. */
async function fetchOrExplain(url: string, init: RequestInit): Promise<Response> {
  try {
    return await fetch(url, init);
  } catch (error) {
    // The violation event is queued as a task; let it run before asking.
    await new Promise((resolve) => setTimeout(resolve, 0));
    throw fetchFailure(url, error, refusedOrigins.has(new URL(url).origin));
  }
}

/** A sha256 in an ETag (`"…"`, `W/"…"`), as the Hub's X-Linked-Etag of LFS files holds; null for any other ETag. */
export function sha256OfEtag(etag: string | null): string | null {
  const m = etag ? /^(?:W\/)?"?([0-9a-f]{64})"?$/.exec(etag.trim()) : null;
  return m ? m[1]! : null;
}

/** A sibling of the Hub API's revision listing with `?blobs=true`. */
interface Sibling {
  rfilename?: unknown;
  size?: unknown;
  blobId?: unknown;
  lfs?: { size?: unknown; sha256?: unknown } | null;
}

/** What a listing entry says of a file: LFS files by size and sha256, other files by size and git blob id; null without a size. */
export function checkOfSibling(s: Sibling): FileCheck | null {
  const lfs = s.lfs ?? null;
  const bytes = lfs ? lfs.size : s.size;
  if (typeof bytes !== 'number' || !Number.isInteger(bytes) || bytes < 0) return null;
  const sha256 = lfs && typeof lfs.sha256 === 'string' && /^[0-9a-f]{64}$/.test(lfs.sha256) ? lfs.sha256 : null;
  const gitSha1 = !lfs && typeof s.blobId === 'string' && /^[0-9a-f]{40}$/.test(s.blobId) ? s.blobId : null;
  return { bytes, sha256, gitSha1 };
}

/** What a HEAD answer says of a file: size (X-Linked-Size, else Content-Length) and a sha256 where an ETag is one; null when it is not there. */
export function checkOfHead(response: Response): FileCheck | null {
  if (!response.ok || (response.headers.get('content-type') ?? '').includes('text/html')) return null;
  const size = Number(response.headers.get('x-linked-size') ?? response.headers.get('content-length') ?? NaN);
  if (!Number.isInteger(size) || size < 0) return null;
  const linked = response.headers.get('x-linked-etag');
  const etag = response.headers.get('etag');
  const sha256 = sha256OfEtag(linked) ?? sha256OfEtag(etag);
  return { bytes: size, sha256, etag: sha256 ? null : (linked ?? etag) };
}

/** The Hub's own words for a 404, when it gives them (X-Error-Code). */
function hubErrorCode(response: Response): string | null {
  return response.headers.get('x-error-code');
}

/** How a derived source finds and fetches its files. */
interface FolderAccess {
  label: string;
  /** provenance.source_model. */
  source: string;
  url(path: string): string;
  /** The folder's files with what each is checked against. */
  list(): Promise<Map<string, FileCheck>>;
  reference: string;
  remedy: string;
}

const CACHE_NAME = 'zeroshot-bundles-v1';

/** Fetches one file of a folder, streaming its bytes (the Hub redirects LFS files to its CDN; fetch follows). */
async function readFile(access: FolderAccess, path: string, onBytes: (n: number) => void, expectedBytes?: number): Promise<Uint8Array> {
  const url = access.url(path);
  const response = await fetchOrExplain(url, { cache: 'no-cache' });
  if (response.status === 404) throw new MissingFileError(`${path} is missing from ${access.label} (HTTP 404${hubErrorCode(response) ? `, ${hubErrorCode(response)}` : ''}).`, path);
  if (!response.ok) throw new BundleError(`${url} answered HTTP ${response.status}. Try again later, or check the address.`);
  return readBody(response, onBytes, expectedBytes);
}

/** Cache API access keyed by a file's URL and check (bundle.ts cacheVersion), as urlSource keys its files. */
function cacheOf(access: FolderAccess): Pick<BundleSource, 'cached' | 'store'> {
  if (typeof caches === 'undefined') return {};
  return {
    async cached(path, version) {
      const hit = await (await caches.open(CACHE_NAME)).match(`${access.url(path)}#${version}`);
      return hit ? new Uint8Array(await hit.arrayBuffer()) : null;
    },
    async store(path, version, bytes) {
      await (await caches.open(CACHE_NAME)).put(`${access.url(path)}#${version}`, new Response(bytes as Uint8Array<ArrayBuffer>));
    },
  };
}

/** A Hub-style folder as a bundle source: its manifest derived from its own files (hubModel.ts), each file checked against what the server says of it. */
function derivedSource(access: FolderAccess): BundleSource {
  let checks = new Map<string, FileCheck>();
  const early = new Map<string, LoadedFile>();
  const source: BundleSource = {
    label: access.label,
    get reference() {
      return access.reference;
    },
    remedy: access.remedy,
    read: (path, onBytes, expectedBytes) => readFile(access, path, onBytes, expectedBytes),
    ...cacheOf(access),
    check: (path) => checks.get(path),
    loaded: (path) => early.get(path),
    async derive(): Promise<Manifest> {
      checks = await access.list();
      const json = async (path: string): Promise<unknown> => {
        const file = await loadChecked(checks.get(path)!, source, path, () => {});
        early.set(path, file);
        try {
          return JSON.parse(new TextDecoder().decode(file.bytes));
        } catch (error) {
          throw new BundleError(`${path} of ${access.label} is not valid JSON (${String(error)}).`);
        }
      };
      if (!checks.has(HUB_CONFIG)) {
        throw new MissingFileError(
          `${access.label} has no config.json, so it is not a model folder in the transformers.js layout (config.json, tokenizer.json, tokenizer_config.json, onnx/model*.onnx). Check the id or address.`,
          HUB_CONFIG,
        );
      }
      const config = await json(HUB_CONFIG);
      resolveNliLabels(config as { id2label?: unknown }, access.label);
      const [tokenizerJson, tokenizerConfig] = await Promise.all(HUB_TOKENIZER_FILES.map((p) => (checks.has(p) ? json(p) : Promise.resolve(null))));
      return deriveManifest({ label: access.label, source: access.source, files: checks, config, tokenizerJson, tokenizerConfig });
    },
  };
  return source;
}

/** Asks for each file a derived manifest may name with HEAD: those there, with their sizes and hashes (servers without a listing). */
async function probeFiles(url: (path: string) => string): Promise<Map<string, FileCheck>> {
  const found = new Map<string, FileCheck>();
  for (const path of candidateFiles()) {
    const response = await fetchOrExplain(url(path), { method: 'HEAD', cache: 'no-cache' });
    const check = checkOfHead(response);
    if (check) {
      found.set(path, check);
      if (path.endsWith('.onnx')) {
        const data = checkOfHead(await fetchOrExplain(url(`${path}_data`), { method: 'HEAD', cache: 'no-cache' }));
        if (data) found.set(`${path}_data`, data);
      }
    }
  }
  return found;
}

/**
 * A Hub repository: its files from the Hub API's listing (size, and LFS sha256 or git blob id
 * for every file), else, on a host without the API, from HEAD requests; fetched from
 * `{host}/{id}/resolve/{revision}/{path}` and kept in the Cache API by URL and hash.
 */
export function hubSource(repo: HubRepo): BundleSource {
  const label = hubLabel(repo);
  let reference = "the Hub's listing";
  const access: FolderAccess = {
    label,
    source: repo.revision === 'main' ? repo.id : `${repo.id}@${repo.revision}`,
    url: (path) => resolveUrl(repo, path),
    get reference() {
      return reference;
    },
    remedy: 'The repository may have changed while loading, or the download was damaged: load the model again.',
    async list() {
      const response = await fetchOrExplain(listingUrl(repo), { cache: 'no-cache' });
      const code = hubErrorCode(response);
      if (code === 'RepoNotFound' || (response.status === 401 && code === null)) {
        throw new BundleError(
          `There is no model ${repo.id} on ${repo.host} (${code ?? `HTTP ${response.status}`}). Check the id, e.g. Xenova/nli-deberta-v3-xsmall; private and gated repositories need a sign-in this app does not do.`,
        );
      }
      if (code === 'RevisionNotFound') throw new BundleError(`${repo.id} has no revision '${repo.revision}' on ${repo.host}. Check the branch, tag or commit after '@', or leave it out for main.`);
      let siblings: Sibling[] | null = null;
      if (response.ok) {
        const body = (await response.json().catch(() => null)) as { siblings?: unknown } | null;
        siblings = Array.isArray(body?.siblings) ? (body.siblings as Sibling[]) : null;
      }
      if (siblings === null) {
        reference = "the server's headers";
        return probeFiles((path) => resolveUrl(repo, path));
      }
      const files = new Map<string, FileCheck>();
      for (const s of siblings) {
        const check = checkOfSibling(s);
        if (typeof s.rfilename === 'string' && check) files.set(s.rfilename, check);
      }
      return files;
    },
  };
  return derivedSource(access);
}

/** The message for a URL folder with neither layout behind it, with the two ways to get a model. */
export function nothingThere(label: string): string {
  return (
    `Nothing is at ${label}: it has no manifest.json (a bundle exported by model-export) and no config.json (a Hub-style model folder). ` +
    'To make a bundle there, export it with model-export (README, "For real users: export the real model"); or type a Hub id (owner/name) in the Model panel to load an NLI model from the Hugging Face Hub.'
  );
}

/**
 * A URL folder: a bundle with our manifest.json when it has one (urlSource, unchanged), else a
 * Hub-style folder whose files are found with HEAD (size, and a sha256 where the ETag is one).
 */
export function folderSource(baseUrl: string): BundleSource {
  const plain = urlSource(baseUrl);
  const base = plain.label;
  let derived: BundleSource | null = null;
  const resolve = (path: string) => new URL(path, new URL(base, globalThis.location?.href)).href;
  return {
    label: base,
    get reference() {
      return derived?.reference;
    },
    get remedy() {
      return derived?.remedy;
    },
    read: (path, onBytes, expectedBytes) => (derived ?? plain).read(path, onBytes, expectedBytes),
    ...(plain.cached ? { cached: (path: string, version: string) => plain.cached!(path, version) } : {}),
    ...(plain.store ? { store: (path: string, version: string, bytes: Uint8Array) => plain.store!(path, version, bytes) } : {}),
    check: (path) => derived?.check?.(path),
    loaded: (path) => derived?.loaded?.(path),
    async derive(): Promise<Manifest> {
      derived = null;
      try {
        return parseManifestBytes(await plain.read('manifest.json', () => {}), base);
      } catch (error) {
        if (!(error instanceof MissingFileError)) throw error;
      }
      const hub = derivedSource({
        label: base,
        source: resolve(''),
        url: resolve,
        list: () => probeFiles(resolve),
        reference: "the server's headers",
        remedy: 'The folder may have changed while loading, or the download was damaged: load the model again.',
      });
      try {
        const manifest = await hub.derive!();
        derived = hub;
        return manifest;
      } catch (error) {
        if (error instanceof MissingFileError && error.path === HUB_CONFIG) throw new BundleError(nothingThere(base));
        throw error;
      }
    },
  };
}
