// Tests for the worker client's crash handling: pending requests fail as restarted, a new worker loads the last bundle, restarts are bounded.
import { describe, expect, it } from 'vitest';
import { EngineClient, EngineError, MAX_RESTARTS } from './client';
import type { ReadyInfo, Request, Response } from './protocol';

const INFO = { backend: 'wasm', dtype: 'q8' } as unknown as ReadyInfo;

/** A worker that records requests and answers loads with ready (unless `silent`). */
class FakeWorker {
  posted: Request[] = [];
  terminated = false;
  onmessage: ((e: MessageEvent<Response>) => void) | null = null;
  onerror: ((e: ErrorEvent) => void) | null = null;
  postMessage(req: Request) {
    this.posted.push(req);
    if (req.type === 'load') queueMicrotask(() => this.onmessage?.({ data: { type: 'ready', id: req.id, info: INFO } } as MessageEvent<Response>));
  }
  terminate() {
    this.terminated = true;
  }
  crash(message: string) {
    this.onerror?.({ message, preventDefault() {} } as ErrorEvent);
  }
}

function client() {
  const workers: FakeWorker[] = [];
  const restarts: string[] = [];
  const c = new EngineClient(() => {
    const w = new FakeWorker();
    workers.push(w);
    return w as unknown as Worker;
  });
  c.onRestart = (ready, reason) => {
    restarts.push(reason);
    void ready.catch(() => {});
  };
  return { c, workers, restarts };
}

describe('EngineClient after a worker crash', () => {
  it('fails the running request as restarted, starts a new worker and loads the last bundle on it', async () => {
    const { c, workers, restarts } = client();
    const location = { kind: 'url', url: '/models/demo-fixture/' } as const;
    await c.load(location, { backend: 'wasm', dtype: 'auto' });
    const { finished } = c.classify(['a'], [{ name: 'A', hypothesis: 'About A.', head: false }], () => {});
    workers[0]!.crash('out of memory');
    const error = await finished.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(EngineError);
    expect((error as EngineError).restarted).toBe(true);
    expect((error as EngineError).message).toBe('The engine stopped (out of memory) and was restarted.');
    expect(workers[0]!.terminated).toBe(true);
    expect(workers).toHaveLength(2);
    expect(restarts).toEqual(['out of memory']);
    expect(workers[1]!.posted).toMatchObject([{ type: 'load', location, request: { backend: 'wasm', dtype: 'auto' } }]);
    // The new worker serves the next requests.
    c.classify(['b'], [{ name: 'A', hypothesis: 'About A.', head: false }], () => {});
    expect(workers[1]!.posted.at(-1)).toMatchObject({ type: 'classify', texts: ['b'] });
  });

  it(`restarts at most ${MAX_RESTARTS} times, then asks for a reload; an error from a replaced worker is ignored`, async () => {
    const { c, workers, restarts } = client();
    await c.load({ kind: 'url', url: '/m/' }, { backend: 'auto', dtype: 'auto' });
    for (let i = 0; i < MAX_RESTARTS; i++) workers.at(-1)!.crash(`crash ${i}`);
    expect(restarts).toHaveLength(MAX_RESTARTS);
    workers[0]!.crash('late');
    expect(workers).toHaveLength(MAX_RESTARTS + 1);
    const { finished } = c.classify(['a'], [{ name: 'A', hypothesis: 'About A.', head: false }], () => {});
    workers.at(-1)!.crash('again');
    await expect(finished).rejects.toThrow('The engine worker crashed: again. Reload the page.');
    expect(restarts).toHaveLength(MAX_RESTARTS);
  });
});
