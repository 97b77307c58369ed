import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { AJV_MARKERS, entryScript, inspectMainChunk } from './check-main-chunk.mjs';

const page = (src: string, extra = '') =>
  `<!doctype html><html><head><script type="module" crossorigin src="${src}"></script>${extra}<link rel="stylesheet" href="/assets/x.css"></head></html>`;

function build(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'main-chunk-'));
  for (const [name, content] of Object.entries(files)) {
    mkdirSync(join(dir, name, '..'), { recursive: true });
    writeFileSync(join(dir, name), content);
  }
  return dir;
}

describe('check-main-chunk', () => {
  it("finds index.html's module entry script", () => {
    expect(entryScript(page('/assets/index-abc.js'))).toBe('assets/index-abc.js');
    expect(() => entryScript('<html><script src="/a.js"></script></html>')).toThrow(/no <script type="module"/);
  });
  it('accepts an entry chunk without Ajv and reports its size', () => {
    const report = inspectMainChunk(build({ 'index.html': page('/assets/index-a.js'), 'assets/index-a.js': 'console.log("ui")', 'assets/worker-b.js': AJV_MARKERS[0]! }));
    expect(report.ok).toBe(true);
    expect(report.files).toEqual([{ file: 'assets/index-a.js', bytes: 17, gzipBytes: expect.any(Number) as number, ajv: [] }]);
  });
  it('rejects Ajv in the entry chunk', () => {
    const report = inspectMainChunk(build({ 'index.html': page('/assets/index-a.js'), 'assets/index-a.js': `throw new Error("${AJV_MARKERS[0]!}")` }));
    expect(report.ok).toBe(false);
    expect(report.problems.join()).toMatch(/assets\/index-a\.js holds Ajv/);
  });
  it('rejects Ajv in a chunk the entry imports statically or index.html preloads, not in a lazy one', () => {
    const lazy = build({
      'index.html': page('/assets/index-a.js'),
      'assets/index-a.js': 'import{x}from"./vendor-c.js";import("./lazy-d.js")',
      'assets/vendor-c.js': 'export const x=1',
      'assets/lazy-d.js': AJV_MARKERS[1]!,
    });
    expect(inspectMainChunk(lazy).ok).toBe(true);
    expect(inspectMainChunk(lazy).files.map((f) => f.file)).toEqual(['assets/index-a.js', 'assets/vendor-c.js']);
    const vendor = build({ 'index.html': page('/assets/index-a.js'), 'assets/index-a.js': 'import"./vendor-c.js"', 'assets/vendor-c.js': AJV_MARKERS[1]! });
    expect(inspectMainChunk(vendor).problems.join()).toMatch(/vendor-c\.js holds Ajv/);
    const preload = build({
      'index.html': page('/assets/index-a.js', '<link rel="modulepreload" crossorigin href="/assets/pre-e.js">'),
      'assets/index-a.js': 'ui',
      'assets/pre-e.js': AJV_MARKERS[0]!,
    });
    expect(inspectMainChunk(preload).problems.join()).toMatch(/pre-e\.js holds Ajv/);
  });
});
