// A small IndexedDB wrapper that keeps one CSV run across reloads: its description, its source file and its results chunk by chunk.

/** What a saved run's description must have: the key its chunks are filed under. */
export interface SavedRunMeta {
  key: string;
}

/** A saved run as read back: its description, the source file when it could be kept, and its chunks in the order they were saved. */
export interface SavedRun<M, C> {
  meta: M;
  file: Blob | null;
  chunks: C[];
}

/**
 * One saved run at a time. Chunks are appended, one record each, so saving costs one small
 * write per chunk whatever the size of the run; a new run replaces the old one.
 */
export interface SavedRunStore<M extends SavedRunMeta, C> {
  /** Replaces the saved run with a new one and no chunks; resolves with whether `file` could be kept too (false when the quota refused it). */
  start(meta: M, file: Blob | null): Promise<boolean>;
  /** Adds a chunk of the run `key`; chunks of a run no longer saved are dropped. */
  append(key: string, chunk: C): Promise<void>;
  /** Rewrites the description of the saved run (when it ends). */
  update(meta: M): Promise<void>;
  load(): Promise<SavedRun<M, C> | null>;
  clear(): Promise<void>;
}

const DB_NAME = 'zeroshot-runs';
const DB_VERSION = 1;
const META = 'meta';
const FILES = 'files';
const CHUNKS = 'chunks';
/** The one key of the meta and files stores. */
const CURRENT = 'current';

function request<T>(req: IDBRequest<T>): Promise<T> {
  return new Promise((resolve, reject) => {
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(req.error ?? new Error('IndexedDB request failed'));
  });
}

function done(tx: IDBTransaction): Promise<void> {
  return new Promise((resolve, reject) => {
    tx.oncomplete = () => resolve();
    tx.onabort = () => reject(tx.error ?? new Error('IndexedDB transaction aborted'));
    tx.onerror = () => reject(tx.error ?? new Error('IndexedDB transaction failed'));
  });
}

function openDb(factory: IDBFactory): Promise<IDBDatabase> {
  const req = factory.open(DB_NAME, DB_VERSION);
  req.onupgradeneeded = () => {
    const db = req.result;
    for (const name of [META, FILES]) if (!db.objectStoreNames.contains(name)) db.createObjectStore(name);
    if (!db.objectStoreNames.contains(CHUNKS)) db.createObjectStore(CHUNKS, { autoIncrement: true }).createIndex('run', 'run');
  };
  return request(req);
}

/** The saved run in the browser's IndexedDB; null where IndexedDB is missing (then nothing is saved). */
export function indexedDbRunStore<M extends SavedRunMeta, C>(factory: IDBFactory | undefined = globalThis.indexedDB): SavedRunStore<M, C> | null {
  if (!factory) return null;
  let db: Promise<IDBDatabase> | null = null;
  const tx = async (stores: string[], mode: IDBTransactionMode) => (await (db ??= openDb(factory))).transaction(stores, mode);
  const replace = async (meta: M, file: Blob | null) => {
    const t = await tx([META, FILES, CHUNKS], 'readwrite');
    t.objectStore(CHUNKS).clear();
    t.objectStore(META).put(meta, CURRENT);
    if (file) t.objectStore(FILES).put(file, CURRENT);
    else t.objectStore(FILES).delete(CURRENT);
    await done(t);
  };
  return {
    async start(meta, file) {
      if (!file) {
        await replace(meta, null);
        return false;
      }
      try {
        await replace(meta, file);
        return true;
      } catch {
        // The file did not fit (quota): keep the results, and ask for the file again to resume.
        await replace(meta, null);
        return false;
      }
    },
    async append(key, chunk) {
      const t = await tx([META, CHUNKS], 'readwrite');
      const meta = (await request(t.objectStore(META).get(CURRENT))) as M | undefined;
      if (meta?.key === key) t.objectStore(CHUNKS).add({ run: key, chunk });
      await done(t);
    },
    async update(meta) {
      const t = await tx([META], 'readwrite');
      t.objectStore(META).put(meta, CURRENT);
      await done(t);
    },
    async load() {
      const t = await tx([META, FILES, CHUNKS], 'readonly');
      const meta = (await request(t.objectStore(META).get(CURRENT))) as M | undefined;
      if (!meta) return null;
      const file = ((await request(t.objectStore(FILES).get(CURRENT))) as Blob | undefined) ?? null;
      const records = (await request(t.objectStore(CHUNKS).index('run').getAll(meta.key))) as Array<{ chunk: C }>;
      return { meta, file, chunks: records.map((r) => r.chunk) };
    },
    async clear() {
      const t = await tx([META, FILES, CHUNKS], 'readwrite');
      for (const name of [META, FILES, CHUNKS]) t.objectStore(name).clear();
      await done(t);
    },
  };
}
