// UI-side handle on the engine worker: request ids, promises and streamed results.
import type { BackendRequest } from '../engine/backend';
import type { FileProgress } from '../engine/bundle';
import type { LabelSpec, TextResult } from '../engine/engine';
import type { BundleLocation, ErrorStage, ReadyInfo, Request, Response } from './protocol';

/** An error the worker reported, with the stage it happened in. */
export class EngineError extends Error {
  override name = 'EngineError';
  constructor(
    readonly stage: ErrorStage,
    message: string,
  ) {
    super(message);
  }
}

type Pending = {
  resolve: (value: unknown) => void;
  reject: (error: EngineError) => void;
  onProgress?: (stage: string, file?: FileProgress) => void;
  onResult?: (r: Extract<Response, { type: 'result' }>) => void;
  onReady?: (info: ReadyInfo) => void;
};

/** Starts the engine worker (a module worker bundled by Vite). */
export function createEngineWorker(): Worker {
  return new Worker(new URL('./worker.ts', import.meta.url), { type: 'module', name: 'engine' });
}

/** Promise API over the worker protocol. */
export class EngineClient {
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();

  constructor(private readonly worker: Worker = createEngineWorker()) {
    worker.onmessage = (e: MessageEvent<Response>) => this.receive(e.data);
    worker.onerror = (e) => {
      const error = new EngineError('protocol', `The engine worker crashed: ${e.message || 'unknown error'}. Reload the page.`);
      for (const p of this.pending.values()) p.reject(error);
      this.pending.clear();
    };
  }

  private send(req: Request, handlers: Omit<Pending, 'resolve' | 'reject'>): Promise<unknown> {
    return new Promise((resolve, reject) => {
      this.pending.set(req.id, { resolve, reject, ...handlers });
      this.worker.postMessage(req);
    });
  }

  private receive(msg: Response): void {
    const p = this.pending.get(msg.id);
    if (!p) return;
    switch (msg.type) {
      case 'progress':
        p.onProgress?.(msg.stage, msg.file);
        return;
      case 'ready':
        if (p.onReady) p.onReady(msg.info);
        else {
          this.pending.delete(msg.id);
          p.resolve(msg.info);
        }
        return;
      case 'result':
        p.onResult?.(msg);
        if (msg.final) {
          this.pending.delete(msg.id);
          p.resolve(msg);
        }
        return;
      case 'error':
        this.pending.delete(msg.id);
        p.reject(new EngineError(msg.stage, msg.message));
        return;
      default: {
        const never: never = msg;
        throw new Error(`unknown response ${JSON.stringify(never)}`);
      }
    }
  }

  /** Loads a bundle; resolves with the backend, dtype and files once the model is ready. */
  load(location: BundleLocation, request: BackendRequest, onProgress?: (stage: string, file?: FileProgress) => void): Promise<ReadyInfo> {
    const id = this.nextId++;
    return this.send({ type: 'load', id, location, request }, { onProgress }) as Promise<ReadyInfo>;
  }

  /**
   * Classifies texts; `onResult` gets each chunk. `onReady` hears of a backend
   * change (WebGPU failed and the worker moved to WASM). Returns the request id
   * (for cancel) and a promise of the last message.
   */
  classify(
    texts: string[],
    labels: LabelSpec[],
    onResult: (results: TextResult[], done: number, total: number, elapsedMs: number) => void,
    onReady?: (info: ReadyInfo) => void,
    chunk?: number,
  ): { id: number; finished: Promise<{ cancelled: boolean; elapsedMs: number }> } {
    const id = this.nextId++;
    const finished = this.send(
      { type: 'classify', id, texts, labels, ...(chunk ? { chunk } : {}) },
      { onResult: (r) => r.results.length && onResult(r.results, r.done, r.total, r.elapsedMs), onReady },
    ) as Promise<{ cancelled: boolean; elapsedMs: number }>;
    return { id, finished };
  }

  /** Stops a running classify between chunks; its promise resolves with cancelled: true. */
  cancel(target: number): void {
    this.worker.postMessage({ type: 'cancel', id: this.nextId++, target } satisfies Request);
  }

  dispose(): void {
    this.worker.postMessage({ type: 'dispose', id: this.nextId++ } satisfies Request);
    this.worker.terminate();
  }
}
