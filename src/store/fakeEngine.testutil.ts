// A fake engine client for store tests: deterministic scores, streamed chunks, cancel between chunks.
import { blendScore } from '../engine/blend';
import type { LabelSpec, TextResult } from '../engine/engine';
import type { Manifest } from '../engine/manifest';
import { EngineError } from '../worker/client';
import type { BundleLocation, ReadyInfo } from '../worker/protocol';
import type { EngineLike } from './types';

export const FAKE_MANIFEST = {
  format: 1,
  id: 'fake',
  name: 'Fake bundle',
  demo: true,
  hypothesis_template: 'This text is about {}.',
  labels: [
    { name: 'Technology', description: 'tech', hypothesis: 'This example is tech.', head: true, alpha: 0.5, threshold: 0.4 },
    { name: 'Health', description: 'health', hypothesis: 'This example is health.', head: false, alpha: null, threshold: 0.3 },
  ],
} as unknown as Manifest;

/** NLI score of a (text, hypothesis) pair in the fake: a hash spread over (0, 1). */
export function fakeNli(text: string, hypothesis: string): number {
  let h = 7;
  for (const c of text + '|' + hypothesis) h = (h * 31 + c.charCodeAt(0)) % 1000003;
  return (h % 997) / 997;
}
/** Poly logit of a text in the fake. */
export function fakePolyLogit(text: string): number {
  return (text.length % 7) - 3;
}

export class FakeEngine implements EngineLike {
  loads: BundleLocation[] = [];
  cancelled = new Set<number>();
  failLoad: string | null = null;
  failClassify: string | null = null;
  chunk = 2;
  private id = 0;

  async load(location: BundleLocation, request: { backend: string; dtype: string }, onProgress?: (stage: string, file?: never) => void): Promise<ReadyInfo> {
    this.loads.push(location);
    onProgress?.('manifest');
    await Promise.resolve();
    if (this.failLoad) throw new EngineError('load', this.failLoad);
    return {
      backend: 'wasm',
      dtype: request.dtype === 'auto' ? 'q8' : (request.dtype as 'fp32'),
      reason: 'no WebGPU adapter: using WASM',
      manifest: FAKE_MANIFEST,
      files: [],
      loadMs: 1,
      adapter: null,
      threads: 1,
      ortVersion: '1.30.0',
    };
  }

  classify(texts: string[], labels: LabelSpec[], onResult: (r: TextResult[], done: number, total: number, ms: number) => void) {
    const id = ++this.id;
    const finished = (async () => {
      for (let start = 0; start < texts.length; start += this.chunk) {
        await new Promise((r) => setTimeout(r, 0));
        if (this.failClassify) throw new EngineError('classify', this.failClassify);
        if (this.cancelled.has(id)) return { cancelled: true, elapsedMs: start };
        const results = texts.slice(start, start + this.chunk).map((text, k) => ({
          index: start + k,
          truncated: false,
          tokens: text.length,
          scores: labels.map((l) => blendScore(fakeNli(text, l.hypothesis), l.head ? { polyLogit: fakePolyLogit(text), alpha: 0.5 } : null)),
        }));
        onResult(results, Math.min(texts.length, start + this.chunk), texts.length, start + 1);
      }
      return { cancelled: false, elapsedMs: texts.length };
    })();
    return { id, finished };
  }

  cancel(id: number) {
    this.cancelled.add(id);
  }

  dispose() {}
}

/** An in-memory localStorage. */
export class MemoryStorage {
  readonly data = new Map<string, string>();
  getItem(k: string) {
    return this.data.get(k) ?? null;
  }
  setItem(k: string, v: string) {
    this.data.set(k, v);
  }
  removeItem(k: string) {
    this.data.delete(k);
  }
}
