// UI-side handle on the engine worker: request ids, promises and streamed results.
import type { BackendRequest, TimedChoices } from '../engine/backend';
import type { FileProgress } from '../engine/bundle';
import { type LongTextOption, TRUNCATE } from '../engine/constants';
import type { LabelSpec, TextResult } from '../engine/engine';
import type { ErrorKind } from '../engine/errors';
import {
  type AnswerMap,
  answers,
  type BundleLocation,
  type ClassifyDone,
  type ErrorStage,
  type LoadStage,
  type ReadyInfo,
  type RequestMap,
  type Response,
} from './protocol';

/**
 * An error the worker reported, with the stage it happened in and its kind (which picks the hint);
 * `restarted` when the worker died and a new one is loading the bundle again.
 */
export class EngineError extends Error {
  override name = 'EngineError';
  constructor(
    readonly stage: ErrorStage,
    readonly kind: ErrorKind,
    message: string,
    readonly restarted = false,
  ) {
    super(message);
  }
}

/** Restarts of a crashed worker one client makes; after that a crash asks for a reload (a crash that repeats would loop). */
export const MAX_RESTARTS = 3;

/** Who waits for the answers to one request. */
interface Listener {
  receive(msg: Response): void;
  /** The worker died: the request will never be answered. */
  fail(error: EngineError): void;
}

/** Requests that get answers (cancel and dispose get none). */
type Answered = 'load' | 'classify';

/** Starts the engine worker (a module worker bundled by Vite). */
export function createEngineWorker(): Worker {
  return new Worker(new URL('./worker.ts', import.meta.url), { type: 'module', name: 'engine' });
}

/** Promise API over the worker protocol. A worker that crashes is replaced by a new one that loads the last bundle again. */
export class EngineClient {
  private nextId = 1;
  private readonly listeners = new Map<number, Listener>();
  private worker: Worker;
  private lastLoad: { location: BundleLocation; request: BackendRequest; timed: TimedChoices } | null = null;
  private restarts = 0;
  /** Hears of a restart after a crash, with the reload of the bundle on the new worker. */
  onRestart: ((ready: Promise<ReadyInfo>, reason: string) => void) | null = null;

  constructor(private readonly createWorker: () => Worker = createEngineWorker) {
    this.worker = this.start();
  }

  private start(): Worker {
    const worker = this.createWorker();
    worker.onmessage = (e: MessageEvent<Response>) => this.listeners.get(e.data.id)?.receive(e.data);
    worker.onerror = (e) => {
      e.preventDefault();
      this.crashed(worker, e.message || 'unknown error');
    };
    return worker;
  }

  /** Fails every pending request, then starts a new worker and loads the last bundle on it (up to MAX_RESTARTS times). */
  private crashed(worker: Worker, reason: string): void {
    if (worker !== this.worker) return;
    worker.terminate();
    const restart = this.restarts < MAX_RESTARTS && this.lastLoad !== null;
    const error = restart
      ? new EngineError('protocol', 'internal', `The engine stopped (${reason}) and was restarted.`, true)
      : new EngineError('protocol', 'internal', `The engine worker crashed: ${reason}. Reload the page.`);
    const pending = [...this.listeners.values()];
    this.listeners.clear();
    this.worker = this.start();
    if (restart) {
      this.restarts++;
      const ready = this.load(this.lastLoad!.location, this.lastLoad!.request, undefined, this.lastLoad!.timed);
      this.onRestart?.(ready, reason);
    }
    for (const l of pending) l.fail(error);
  }

  /**
   * Posts a request and hands each answer meant for it, typed by the request (protocol ANSWERS),
   * to `onAnswer` until it returns true (the last answer). Rejections go to `fail`.
   */
  private send<K extends Answered>(request: RequestMap[K] & { type: K }, onAnswer: (msg: AnswerMap[K]) => boolean, fail: (error: EngineError) => void): void {
    this.listeners.set(request.id, {
      receive: (msg) => {
        if (!answers<K>(request.type, msg)) {
          this.listeners.delete(request.id);
          fail(new EngineError('protocol', 'internal', `The engine answered a ${request.type} request with '${msg.type}'. Reload the page.`));
          return;
        }
        if (onAnswer(msg)) this.listeners.delete(request.id);
      },
      fail,
    });
    this.worker.postMessage(request);
  }

  /** Posts a request that gets no answer. */
  private post(request: RequestMap['cancel' | 'dispose']): void {
    this.worker.postMessage(request);
  }

  /**
   * Loads a bundle; resolves with the backend, dtype, bundle summary and files once the model is
   * ready. `timed`: the remembered timed backend choices (protocol.ts `load`).
   */
  load(location: BundleLocation, request: BackendRequest, onProgress?: (stage: LoadStage, file?: FileProgress) => void, timed: TimedChoices = {}): Promise<ReadyInfo> {
    this.lastLoad = { location, request, timed };
    return new Promise((resolve, reject) => {
      this.send({ type: 'load', id: this.nextId++, location, request, timed }, (msg) => {
        switch (msg.type) {
          case 'progress':
            onProgress?.(msg.stage, msg.file);
            return false;
          case 'ready':
            resolve(msg.info);
            return true;
          case 'error':
            reject(new EngineError(msg.stage, msg.kind, msg.message));
            return true;
          default: {
            const never: never = msg;
            throw new Error(`unknown answer ${JSON.stringify(never)}`);
          }
        }
      }, reject);
    });
  }

  /**
   * Classifies texts in one request; `onResult` gets each streamed chunk. `onReady` hears of a
   * backend change (WebGPU failed and the worker moved to WASM). Returns the request id (for
   * cancel) and a promise of how the request ended.
   */
  classify(
    texts: string[],
    labels: LabelSpec[],
    onResult: (results: TextResult[], done: number, total: number, elapsedMs: number) => void,
    onReady?: (info: ReadyInfo) => void,
    long: LongTextOption = TRUNCATE,
  ): { id: number; finished: Promise<ClassifyDone> } {
    const id = this.nextId++;
    const finished = new Promise<ClassifyDone>((resolve, reject) => {
      this.send({ type: 'classify', id, texts, labels, long }, (msg) => {
        switch (msg.type) {
          case 'result':
            if (msg.results.length) onResult(msg.results, msg.done, msg.total, msg.elapsedMs);
            if (msg.final) resolve({ cancelled: msg.cancelled, elapsedMs: msg.elapsedMs });
            return msg.final;
          case 'ready':
            onReady?.(msg.info);
            return false;
          case 'error':
            reject(new EngineError(msg.stage, msg.kind, msg.message));
            return true;
          default: {
            const never: never = msg;
            throw new Error(`unknown answer ${JSON.stringify(never)}`);
          }
        }
      }, reject);
    });
    return { id, finished };
  }

  /** Stops a running classify between the engine's batches; its promise resolves with cancelled: true. */
  cancel(target: number): void {
    this.post({ type: 'cancel', id: this.nextId++, target });
  }

  dispose(): void {
    this.post({ type: 'dispose', id: this.nextId++ });
    this.worker.terminate();
  }
}
