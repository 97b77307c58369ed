import { mkdtempSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { inspectBuild, ORT_API_MARKER, ORT_BUILDS } from './check-single-ort.mjs';

const wasm = (tag: string) => Buffer.concat([Buffer.from([0, 0x61, 0x73, 0x6d, 1, 0, 0, 0]), Buffer.from(`onnxruntime ${tag}`)]);
/** One hashed .wasm per build, as Vite names them. */
const BOTH = { 'assets/ort-wasm-simd-threaded-AbC_12-x.wasm': wasm('a'), 'assets/ort-wasm-simd-threaded.asyncify-Xy9_0-zz.wasm': wasm('b') };

function build(files: Record<string, string | Buffer>): string {
  const dir = mkdtempSync(join(tmpdir(), 'ort-check-'));
  for (const [name, content] of Object.entries(files)) {
    mkdirSync(join(dir, name, '..'), { recursive: true });
    writeFileSync(join(dir, name), content);
  }
  return dir;
}

describe('check-single-ort', () => {
  it('names the builds session.ts ships', () => {
    expect(ORT_BUILDS).toEqual({ 'WASM-only': 'ort-wasm-simd-threaded', WebGPU: 'ort-wasm-simd-threaded.asyncify' });
  });
  it('accepts one wasm binary per build and one JS API copy per build', () => {
    const report = inspectBuild(build({ ...BOTH, 'assets/worker.js': `x("${ORT_API_MARKER}")`, 'assets/ort.wasm-1.js': ORT_API_MARKER, 'index.js': 'ui' }));
    expect(report.problems).toEqual([]);
    expect(report.ok).toBe(true);
  });
  it('rejects a second wasm binary of one build', () => {
    const report = inspectBuild(build({ ...BOTH, 'b/ort-wasm-simd-threaded-other.wasm': wasm('c'), 'w.js': `${ORT_API_MARKER};${ORT_API_MARKER}` }));
    expect(report.ok).toBe(false);
    expect(report.problems.join()).toMatch(/WASM-only build .*found 2/);
  });
  it('rejects a build whose wasm is missing, and a wasm of another build', () => {
    const report = inspectBuild(
      build({ 'assets/ort-wasm-simd-threaded.asyncify-X.wasm': wasm('b'), 'assets/ort-wasm-simd-threaded.jsep-Y.wasm': wasm('c'), 'w.js': `${ORT_API_MARKER};${ORT_API_MARKER}` }),
    );
    expect(report.ok).toBe(false);
    expect(report.problems.join('\n')).toMatch(/WASM-only build .*found 0/);
    expect(report.problems.join('\n')).toMatch(/unexpected .*jsep-Y\.wasm/);
  });
  it('rejects a third copy of the JS API, even inside one chunk', () => {
    const report = inspectBuild(build({ ...BOTH, 'w.js': `${ORT_API_MARKER};${ORT_API_MARKER}`, 'x.js': ORT_API_MARKER }));
    expect(report.ok).toBe(false);
    expect(report.problems.join()).toMatch(/expected 2 copies .*found 3/);
  });
  it('rejects a build without ONNX Runtime', () => {
    expect(inspectBuild(build({ 'index.js': 'ui' })).ok).toBe(false);
  });
});
