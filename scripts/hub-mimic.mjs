// A local stand-in for the Hugging Face Hub, for tests without the internet: its URL layout, listing API, redirects to a file CDN, headers and errors.
//
//   node scripts/hub-mimic.mjs --port 4492 --cdn-port 4493 --repos e2e/data/hub/repos.json
//
// Routes, as the Hub answers them (huggingface_hub's file_download.py and the Hub API docs):
// - GET /api/models/{owner}/{name}/revision/{rev}[?blobs=true]: {id, sha, siblings: [{rfilename,
//   and with blobs=true size, blobId (git's blob id), lfs: {size, sha256, pointerSize} for LFS files}]};
// - GET|HEAD /{owner}/{name}/resolve/{rev}/{path}: files outside LFS with 200, ETag "{git blob id}";
//   LFS files (*.onnx, *.onnx_data, *.model, or over 10 MB) with 302 to the CDN port, X-Linked-Etag
//   "{sha256}" and X-Linked-Size; X-Repo-Commit on both;
// - 404 with X-Error-Code RepoNotFound, RevisionNotFound or EntryNotFound;
// - CORS on every answer (Access-Control-Allow-Origin *, the Hub's Access-Control-Expose-Headers).
// A repository is a folder of this project, less some files, with JSON files patched (repos.json).
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { createServer } from 'node:http';
import { join, relative, resolve } from 'node:path';

/** The headers the Hub lets a page read. */
export const EXPOSED_HEADERS =
  'X-Repo-Commit,X-Request-Id,X-Error-Code,X-Error-Message,X-Total-Count,ETag,Link,Accept-Ranges,Content-Range,X-Linked-Size,X-Linked-ETag,X-Xet-Hash';

/** Files the Hub keeps in LFS: by extension (its default .gitattributes) or by size. */
export function isLfs(path, bytes) {
  return /\.(onnx|onnx_data|model|bin|safetensors)$/.test(path) || bytes > 10_000_000;
}

/** Git's blob id of some bytes: sha1 of `blob {size}\0` and the content. */
export function gitBlobSha1(bytes) {
  return createHash('sha1').update(`blob ${bytes.byteLength}\0`).update(bytes).digest('hex');
}

/** The revision every mimic repository is at (a fixed commit id, as the Hub's 40-hex ones). */
export const COMMIT = 'c0ffee0000000000000000000000000000000000';

/**
 * The files of one repository spec, as path -> bytes: `from` (a folder, relative to `root`), less
 * `omit`, only `only` when given, with `patch` (path -> object shallow-merged into that JSON file) and
 * `replace` (path -> another file, read when asked, so a test may write it after the server starts).
 */
export function repoFiles(spec, root) {
  const base = resolve(root, spec.from);
  const files = new Map();
  const walk = (dir) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const full = join(dir, entry.name);
      if (entry.isDirectory()) walk(full);
      else files.set(relative(base, full).split('\\').join('/'), () => readFileSync(full));
    }
  };
  walk(base);
  for (const path of spec.omit ?? []) files.delete(path);
  if (spec.only) for (const path of [...files.keys()]) if (!spec.only.includes(path)) files.delete(path);
  for (const [path, other] of Object.entries(spec.replace ?? {})) {
    const full = resolve(root, other);
    files.set(path, () => readFileSync(full));
  }
  for (const [path, patch] of Object.entries(spec.patch ?? {})) {
    const read = files.get(path);
    if (!read) throw new Error(`hub-mimic: ${spec.from} has no ${path} to patch`);
    files.set(path, () => Buffer.from(`${JSON.stringify({ ...JSON.parse(read().toString('utf8')), ...patch }, null, 2)}\n`));
  }
  return files;
}

/** One file as the Hub describes it: size, git blob id (for LFS files, the pointer file's), and for LFS files its sha256. */
function describe(path, bytes) {
  if (isLfs(path, bytes.byteLength)) {
    const sha256 = createHash('sha256').update(bytes).digest('hex');
    const pointer = Buffer.from(`version https://git-lfs.github.com/spec/v1\noid sha256:${sha256}\nsize ${bytes.byteLength}\n`);
    return { rfilename: path, size: bytes.byteLength, blobId: gitBlobSha1(pointer), lfs: { size: bytes.byteLength, sha256, pointerSize: pointer.byteLength }, sha256 };
  }
  return { rfilename: path, size: bytes.byteLength, blobId: gitBlobSha1(bytes) };
}

/**
 * Starts the mimic (Hub and CDN servers) and returns them with a log of the requests they served.
 * `repos` maps `owner/name` to a repository spec (repoFiles).
 */
export async function startHubMimic({ port, cdnPort, repos, root = process.cwd(), host = '127.0.0.1' }) {
  const log = [];
  const blobs = new Map();
  // Known once the CDN listens (port 0 picks a free one, as tests do).
  let cdnOrigin = `http://${host}:${cdnPort}`;
  const cors = { 'Access-Control-Allow-Origin': '*', 'Access-Control-Expose-Headers': EXPOSED_HEADERS };

  const send = (res, status, headers, body, head) => {
    res.writeHead(status, { ...cors, ...headers, ...(body ? { 'Content-Length': String(body.byteLength) } : {}) });
    res.end(head ? undefined : body);
  };
  const fail = (res, code, message, head) =>
    send(res, 404, { 'X-Error-Code': code, 'X-Error-Message': message, 'Content-Type': 'application/json' }, Buffer.from(JSON.stringify({ error: message })), head);

  const hub = createServer((req, res) => {
    try {
      answerHub(req, res);
    } catch (error) {
      send(res, 500, { 'Content-Type': 'text/plain' }, Buffer.from(`hub-mimic: ${String(error)}`), req.method === 'HEAD');
    }
  });

  /** Answers one request to the Hub server. */
  function answerHub(req, res) {
    const url = new URL(req.url ?? '/', `http://${host}`);
    const head = req.method === 'HEAD';
    log.push(`${req.method} ${url.pathname}${url.search}`);
    if (req.method === 'OPTIONS') return send(res, 204, { 'Access-Control-Allow-Methods': 'GET, HEAD', 'Access-Control-Allow-Headers': '*' });
    const api = /^\/api\/models\/([^/]+\/[^/]+)\/revision\/([^/]+)$/.exec(url.pathname);
    const file = /^\/([^/]+\/[^/]+)\/resolve\/([^/]+)\/(.+)$/.exec(url.pathname);
    const [id, rev] = api ? [api[1], decodeURIComponent(api[2])] : file ? [file[1], decodeURIComponent(file[2])] : [null, null];
    if (!id) return fail(res, 'EntryNotFound', 'Not found', head);
    const spec = repos[id];
    if (!spec) return fail(res, 'RepoNotFound', 'Repository not found', head);
    if (rev !== 'main' && rev !== COMMIT) return fail(res, 'RevisionNotFound', `Invalid rev id: ${rev}`, head);
    const files = repoFiles(spec, root);
    if (api) {
      const blobsAsked = url.searchParams.get('blobs') === 'true';
      const siblings = [...files.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([path, read]) => {
        if (!blobsAsked) return { rfilename: path };
        const { sha256: _sha, ...entry } = describe(path, read());
        return entry;
      });
      const body = Buffer.from(JSON.stringify({ _id: id, id, modelId: id, sha: COMMIT, private: false, gated: false, siblings }));
      return send(res, 200, { 'Content-Type': 'application/json; charset=utf-8', 'X-Repo-Commit': COMMIT }, body, head);
    }
    const path = decodeURIComponent(file[3]);
    const read = files.get(path);
    if (!read) return fail(res, 'EntryNotFound', 'Entry not found', head);
    const bytes = read();
    const d = describe(path, bytes);
    if (d.lfs) {
      blobs.set(d.sha256, bytes);
      res.writeHead(302, {
        ...cors,
        Location: `${cdnOrigin}/repos/${d.sha256.slice(0, 2)}/${d.sha256}`,
        'X-Linked-Etag': `"${d.sha256}"`,
        'X-Linked-Size': String(bytes.byteLength),
        ETag: `"${d.sha256}"`,
        'X-Repo-Commit': COMMIT,
      });
      return res.end();
    }
    return send(res, 200, { 'Content-Type': path.endsWith('.json') ? 'application/json' : 'application/octet-stream', ETag: `"${d.blobId}"`, 'X-Repo-Commit': COMMIT }, bytes, head);
  }

  const cdn = createServer((req, res) => {
    const url = new URL(req.url ?? '/', cdnOrigin);
    log.push(`${req.method} cdn${url.pathname}`);
    if (req.method === 'OPTIONS') return send(res, 204, { 'Access-Control-Allow-Methods': 'GET, HEAD', 'Access-Control-Allow-Headers': '*' });
    const m = /^\/repos\/[0-9a-f]{2}\/([0-9a-f]{64})$/.exec(url.pathname);
    const bytes = m ? blobs.get(m[1]) : undefined;
    if (!bytes) return send(res, 404, { 'Content-Type': 'text/plain' }, Buffer.from('NoSuchKey'), req.method === 'HEAD');
    return send(res, 200, { 'Content-Type': 'application/octet-stream', ETag: `"${m[1]}"` }, bytes, req.method === 'HEAD');
  });

  await Promise.all([new Promise((ok) => hub.listen(port, host, ok)), new Promise((ok) => cdn.listen(cdnPort, host, ok))]);
  cdnOrigin = `http://${host}:${cdn.address().port}`;
  return {
    log,
    origin: `http://${host}:${hub.address().port}`,
    cdnOrigin,
    close: () => Promise.all([new Promise((ok) => hub.close(ok)), new Promise((ok) => cdn.close(ok))]),
  };
}

/** `--name value` from the command line. */
function arg(name, fallback) {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : fallback;
}

if (process.argv[1] && resolve(process.argv[1]) === resolve(new URL(import.meta.url).pathname)) {
  const reposFile = arg('repos', 'e2e/data/hub/repos.json');
  if (!existsSync(reposFile) || !statSync(reposFile).isFile()) throw new Error(`hub-mimic: no repos file ${reposFile}`);
  const repos = JSON.parse(readFileSync(reposFile, 'utf8')).repos;
  const mimic = await startHubMimic({ port: Number(arg('port', '4492')), cdnPort: Number(arg('cdn-port', '4493')), repos });
  console.log(`hub-mimic: Hub on ${mimic.origin}, CDN on ${mimic.cdnOrigin}, repositories ${Object.keys(repos).join(', ')}`);
}
