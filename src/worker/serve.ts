// The worker's request handling, apart from the worker global so tests can drive it: one request at a time, every failure answered with its kind.
import type { BackendRequest, GpuProbe, TimedChoices } from '../engine/backend';
import { type BundleSource, fileListSource } from '../engine/bundle';
import { folderSource, hubSource } from '../engine/hubSource';
import { faultOf } from '../engine/faults';
import type { EngineHost, HostedEngine } from '../engine/host';
import { bundleInfo } from '../engine/info';
import type { BundleLocation, ErrorStage, ReadyInfo, Request, Response } from './protocol';

/** What the server needs from the worker around it (fakes in tests). */
export interface ServeDeps {
  host: EngineHost;
  post: (message: Response) => void;
  /** Asks the browser for WebGPU; `adapter` names it when there is one. */
  probeGpu: () => Promise<GpuProbe & { adapter?: string }>;
  threads: number;
  /** The ONNX Runtime Web version of the loaded runtime (read when a load is answered, after ORT is imported). */
  ortVersion: () => string;
  /** Where a bundle location's files come from (tests read the disk). */
  sourceFor?: (location: BundleLocation) => BundleSource;
  now?: () => number;
}

function defaultSource(location: BundleLocation): BundleSource {
  switch (location.kind) {
    case 'url':
      return folderSource(location.url);
    case 'hub':
      return hubSource(location);
    case 'files':
      return fileListSource(location.files, location.label);
    default: {
      const never: never = location;
      throw new Error(`unknown bundle location ${JSON.stringify(never)}`);
    }
  }
}

/** The stage each request's failures are reported in. */
const STAGE_OF = { load: 'load', classify: 'classify', cancel: 'protocol', dispose: 'protocol' } as const satisfies Record<Request['type'], ErrorStage>;

/**
 * Returns the worker's message handler. Requests are served one at a time in arrival order (a
 * classify sent while a load runs waits for it), except `cancel`, which is handled at once so
 * that it reaches the classify it targets, running or waiting. The returned promise settles when
 * the request has been answered (tests await it).
 */
export function createServer(deps: ServeDeps): (req: Request) => Promise<void> {
  const { host, post } = deps;
  const now = deps.now ?? (() => performance.now());
  const sourceFor = deps.sourceFor ?? defaultSource;
  const cancelled = new Set<number>();
  let adapter: string | null = null;
  let queue: Promise<void> = Promise.resolve();

  const readyInfo = (e: HostedEngine): ReadyInfo => {
    const { backend, dtype, reason, files, loadMs, cacheNotice, checkedAgainst, timed, headsFeed } = e.info;
    const bundle = bundleInfo(e.manifest, dtype);
    return { backend, dtype, reason, files, loadMs, cacheNotice, checkedAgainst, headsFeed, timed: timed ?? null, bundle, adapter: backend === 'webgpu' ? adapter : null, threads: deps.threads, ortVersion: deps.ortVersion() };
  };

  async function load(id: number, location: BundleLocation, request: BackendRequest, remembered: TimedChoices | undefined): Promise<void> {
    post({ type: 'progress', id, stage: 'manifest' });
    const gpu = await deps.probeGpu();
    adapter = gpu.available ? (gpu.adapter ?? null) : null;
    const engine = await host.load(sourceFor(location), {
      request,
      gpu,
      threads: deps.threads,
      ...(remembered ? { remembered } : {}),
      onProgress: (file) => post({ type: 'progress', id, stage: file.done ? 'session' : 'files', file }),
    });
    post({ type: 'ready', id, info: readyInfo(engine) });
  }

  async function classify(req: Extract<Request, { type: 'classify' }>): Promise<void> {
    const started = now();
    const total = req.texts.length;
    await host.classify(
      req.texts,
      req.labels,
      (results, done) => post({ type: 'result', id: req.id, results, done, total, final: done === total, cancelled: false, elapsedMs: now() - started }),
      () => cancelled.has(req.id),
      (engine) => post({ type: 'ready', id: req.id, info: readyInfo(engine) }),
      req.long,
    );
    if (total === 0) post({ type: 'result', id: req.id, results: [], done: 0, total: 0, final: true, cancelled: false, elapsedMs: 0 });
  }

  async function handle(req: Request): Promise<void> {
    switch (req.type) {
      case 'load':
        return load(req.id, req.location, req.request, req.timed);
      case 'classify':
        return classify(req);
      case 'cancel':
        cancelled.add(req.target);
        return;
      case 'dispose':
        return host.dispose();
      default: {
        const never: never = req;
        throw new Error(`unknown request ${JSON.stringify(never)}`);
      }
    }
  }

  async function serve(req: Request): Promise<void> {
    try {
      await handle(req);
    } catch (error) {
      const fault = faultOf(error);
      if (fault.kind === 'cancelled' && req.type === 'classify') {
        post({ type: 'result', id: req.id, results: [], done: 0, total: req.texts.length, final: true, cancelled: true, elapsedMs: 0 });
        return;
      }
      post({ type: 'error', id: req.id, stage: STAGE_OF[req.type], kind: fault.kind, message: fault.message });
    } finally {
      if (req.type === 'classify') cancelled.delete(req.id);
    }
  }

  return (req) => {
    if (req.type === 'cancel') return serve(req);
    queue = queue.then(() => serve(req));
    return queue;
  };
}
