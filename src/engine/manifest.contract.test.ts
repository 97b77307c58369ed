// The shared manifest cases (model-export/model_export/manifest_invalid_cases.json): the app refuses
// each with the words model-export uses. model-export/tests/test_manifest_contract.py runs the same cases.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import schema from '../../model-export/model_export/manifest.schema.json';
import { BACKENDS, DTYPES } from './constants';
import { ManifestError, parseManifest, SUPPORTED_FORMATS } from './manifest';

interface PatchOp {
  op: 'add' | 'replace' | 'remove' | 'copy';
  path: string;
  value?: unknown;
  from?: string;
}
interface Cases {
  base: string;
  valid: { name: string; patch: PatchOp[] }[];
  invalid: { name: string; patch: PatchOp[]; message: string }[];
}

const repo = new URL('../../', import.meta.url);
const readJson = <T>(rel: string): T => JSON.parse(readFileSync(new URL(rel, repo), 'utf8')) as T;
const cases = readJson<Cases>('model-export/model_export/manifest_invalid_cases.json');
const base = readJson<unknown>(cases.base);

type Json = Record<string, unknown> | unknown[];

function tokens(pointer: string): string[] {
  if (pointer === '') return [];
  if (!pointer.startsWith('/')) throw new Error(`bad JSON pointer ${pointer}`);
  return pointer.slice(1).split('/').map((t) => t.replaceAll('~1', '/').replaceAll('~0', '~'));
}

function get(doc: unknown, path: string[]): unknown {
  return path.reduce<unknown>((node, t) => (Array.isArray(node) ? node[Number(t)] : (node as Record<string, unknown>)[t]), doc);
}

/** JSON Patch (RFC 6902): add, replace, remove, copy; missing targets of replace/remove are errors. */
function applyPatch(doc: unknown, patch: PatchOp[]): unknown {
  let out = structuredClone(doc);
  for (const op of patch) {
    const path = tokens(op.path);
    const kind = op.op === 'copy' ? 'add' : op.op;
    const value = structuredClone(op.op === 'copy' ? get(out, tokens(op.from!)) : op.value);
    if (path.length === 0) {
      if (kind === 'remove') throw new Error('cannot remove the root');
      out = value;
      continue;
    }
    const parent = get(out, path.slice(0, -1)) as Json;
    const last = path.at(-1)!;
    if (Array.isArray(parent)) {
      const i = last === '-' ? parent.length : Number(last);
      if (kind === 'add') parent.splice(i, 0, value);
      else if (kind === 'replace') parent[i] = value;
      else parent.splice(i, 1);
    } else {
      if (kind !== 'add' && !Object.hasOwn(parent, last)) throw new Error(`${JSON.stringify(op)}: no '${last}' to ${kind}`);
      if (kind === 'remove') delete parent[last];
      else parent[last] = value;
    }
  }
  return out;
}

describe('applyPatch', () => {
  it('adds, replaces, removes and copies by JSON pointer, without touching its input', () => {
    const doc = { a: { 'b/c': [1, 2] }, d: 0 };
    const out = applyPatch(doc, [
      { op: 'add', path: '/a/b~1c/-', value: 3 },
      { op: 'add', path: '/a/b~1c/0', value: 0 },
      { op: 'replace', path: '/d', value: { e: 1 } },
      { op: 'copy', from: '/d', path: '/f' },
      { op: 'remove', path: '/a/b~1c/1' },
    ]);
    expect(out).toEqual({ a: { 'b/c': [0, 2, 3] }, d: { e: 1 }, f: { e: 1 } });
    expect(doc.d).toBe(0);
    expect(() => applyPatch(doc, [{ op: 'remove', path: '/nope' }])).toThrow(/no 'nope'/);
  });
});

describe('shared manifest cases', () => {
  it('has uniquely named cases', () => {
    const names = [...cases.valid, ...cases.invalid].map((c) => c.name);
    expect(new Set(names).size).toBe(names.length);
  });
  it.each(cases.valid.map((c) => [c.name, c] as const))('accepts: %s', (_, c) => {
    expect(() => parseManifest(applyPatch(base, c.patch))).not.toThrow();
  });
  it.each(cases.invalid.map((c) => [c.name, c] as const))('refuses: %s', (_, c) => {
    let error: unknown;
    try {
      parseManifest(applyPatch(base, c.patch));
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ManifestError);
    expect((error as Error).message).toContain(c.message);
  });
});

describe('names the UI thread knows without the schema (constants.ts)', () => {
  it("are the schema's dtypes, backends and format, in its order", () => {
    expect(DTYPES).toEqual(Object.keys(schema.properties.variants.properties));
    expect(BACKENDS).toEqual(schema.$defs.variant.properties.intended_backends.items.enum);
    expect(SUPPORTED_FORMATS).toEqual([2]);
  });
});
