// Test helper: a BundleSource over a folder on disk, plus paths to the committed demo bundle and golden files.
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { BundleError, type BundleSource } from './bundle';

export const REPO_ROOT = resolve(__dirname, '../..');
export const DEMO_BUNDLE = join(REPO_ROOT, 'public/models/demo-fixture');
export const GOLDEN_DIR = join(REPO_ROOT, 'model-export/golden');

/** Reads bundle files from a folder, as the browser would fetch them. */
export function fsSource(dir: string): BundleSource {
  return {
    label: dir,
    read(path, onBytes) {
      const file = join(dir, path);
      if (!existsSync(file)) return Promise.reject(new BundleError(`${path} is missing from the bundle at ${dir}.`));
      const bytes = new Uint8Array(readFileSync(file));
      onBytes(bytes.byteLength);
      return Promise.resolve(bytes);
    },
  };
}

/** Parses a JSON file under the repository. */
export function readJson<T>(path: string): T {
  return JSON.parse(readFileSync(path, 'utf8')) as T;
}
