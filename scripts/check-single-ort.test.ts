import { mkdtempSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { inspectBuild, ORT_API_MARKER } from './check-single-ort.mjs';

const wasm = (tag: string) => Buffer.concat([Buffer.from([0, 0x61, 0x73, 0x6d, 1, 0, 0, 0]), Buffer.from(`onnxruntime ${tag}`)]);

function build(files: Record<string, string | Buffer>): string {
  const dir = mkdtempSync(join(tmpdir(), 'ort-check-'));
  for (const [name, content] of Object.entries(files)) {
    mkdirSync(join(dir, name, '..'), { recursive: true });
    writeFileSync(join(dir, name), content);
  }
  return dir;
}

describe('check-single-ort', () => {
  it('accepts one wasm binary and one JS API copy', () => {
    const report = inspectBuild(build({ 'assets/ort.wasm': wasm('a'), 'assets/worker.js': `x("${ORT_API_MARKER}")`, 'index.js': 'ui' }));
    expect(report.ok).toBe(true);
  });
  it('rejects two wasm binaries', () => {
    const report = inspectBuild(build({ 'a.wasm': wasm('a'), 'b/c.wasm': wasm('b'), 'w.js': ORT_API_MARKER }));
    expect(report.ok).toBe(false);
    expect(report.problems.join()).toMatch(/found 2/);
  });
  it('rejects two copies of the JS API, even inside one chunk', () => {
    const report = inspectBuild(build({ 'a.wasm': wasm('a'), 'w.js': `${ORT_API_MARKER};${ORT_API_MARKER}` }));
    expect(report.ok).toBe(false);
  });
  it('rejects a build without ONNX Runtime', () => {
    expect(inspectBuild(build({ 'index.js': 'ui' })).ok).toBe(false);
  });
});
