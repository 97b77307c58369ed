// Typed messages between the UI thread and the engine worker; every request carries an id, every answer names it.
import type { BackendChoice, BackendRequest, TimedChoices } from '../engine/backend';
import type { FileProgress } from '../engine/bundle';
import type { LabelSpec, LoadedEngineInfo, TextResult } from '../engine/engine';
import type { ErrorKind } from '../engine/errors';
import type { HubRepo } from '../engine/hubAddress';
import type { BundleInfo } from '../engine/info';
import type { LongTextOption } from '../engine/constants';

/** Where to load a bundle from. */
export type BundleLocation =
  /** A folder URL (same origin, or another host the user typed): our manifest.json, else a Hub-style folder. */
  | { kind: 'url'; url: string }
  /** A Hub repository by id, at a revision, on a host (hubAddress.ts). */
  | ({ kind: 'hub' } & HubRepo)
  | { kind: 'files'; files: Array<{ path: string; file: File }>; label: string };

/**
 * One classify request covers every text of a run: the engine streams results chunk by chunk
 * (`result` messages) and reads a `cancel` between its batches, so the UI never splits a run.
 */
export type Request =
  /** `timed`: the timed backend choices the UI remembers (the worker uses the one for this device and bundle); absent: none is measured. */
  | { type: 'load'; id: number; location: BundleLocation; request: BackendRequest; timed?: TimedChoices }
  /** `long`: how texts longer than a pair holds are read; cut to fit when absent. */
  | { type: 'classify'; id: number; texts: string[]; labels: LabelSpec[]; long?: LongTextOption }
  | { type: 'cancel'; id: number; target: number }
  | { type: 'dispose'; id: number };

/** The stage a failure happened in, so the UI can say what to do. */
export const ERROR_STAGES = ['load', 'classify', 'protocol'] as const;
export type ErrorStage = (typeof ERROR_STAGES)[number];

/** The steps of a load, in order. */
export const LOAD_STAGES = ['manifest', 'files', 'session'] as const;
export type LoadStage = (typeof LOAD_STAGES)[number];

/** A loaded engine as the UI sees it: the bundle summary, never the manifest. */
export interface ReadyInfo extends BackendChoice, Pick<LoadedEngineInfo, 'files' | 'loadMs' | 'cacheNotice' | 'checkedAgainst' | 'headsFeed'> {
  /** The timed choice the backend comes from (the UI remembers a new one); null when chosen by rule. */
  timed: NonNullable<LoadedEngineInfo['timed']> | null;
  bundle: BundleInfo;
  /** The WebGPU adapter's description, null on WASM. */
  adapter: string | null;
  /** WASM threads. */
  threads: number;
  ortVersion: string;
}

/** How a classify request ended. */
export interface ClassifyDone {
  cancelled: boolean;
  elapsedMs: number;
}

export type Response =
  | { type: 'progress'; id: number; stage: LoadStage; file?: FileProgress }
  | { type: 'ready'; id: number; info: ReadyInfo }
  | ({ type: 'result'; id: number; results: TextResult[]; done: number; total: number; final: boolean } & ClassifyDone)
  | { type: 'error'; id: number; stage: ErrorStage; kind: ErrorKind; message: string };

/**
 * The responses each request is answered with: `load` gets progress, then ready or error;
 * `classify` gets results (the last one final), ready when the backend changed mid-run, or error.
 * `cancel` and `dispose` get none.
 */
export const ANSWERS = {
  load: ['progress', 'ready', 'error'],
  classify: ['result', 'ready', 'error'],
  cancel: [],
  dispose: [],
} as const satisfies Record<Request['type'], ReadonlyArray<Response['type']>>;

/** Each request type's message. */
export type RequestMap = { [R in Request as R['type']]: R };
/** The responses each request type can get. */
export type AnswerMap = { [K in Request['type']]: Extract<Response, { type: (typeof ANSWERS)[K][number] }> };

/** Whether `msg` is one of the answers a request of type `kind` gets. */
export function answers<K extends Request['type']>(kind: K, msg: Response): msg is AnswerMap[K] {
  const expected: ReadonlyArray<Response['type']> = ANSWERS[kind];
  return expected.includes(msg.type);
}
