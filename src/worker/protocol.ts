// Typed messages between the UI thread and the engine worker; every request carries an id.
import type { BackendRequest } from '../engine/backend';
import type { FileProgress } from '../engine/bundle';
import type { LabelSpec, LoadedEngineInfo, TextResult } from '../engine/engine';

/** Where to load a bundle from. */
export type BundleLocation =
  | { kind: 'url'; url: string }
  | { kind: 'files'; files: Array<{ path: string; file: File }>; label: string };

export type Request =
  | { type: 'load'; id: number; location: BundleLocation; request: BackendRequest }
  | { type: 'classify'; id: number; texts: string[]; labels: LabelSpec[]; chunk?: number }
  | { type: 'cancel'; id: number; target: number }
  | { type: 'dispose'; id: number };

/** The stage a failure happened in, so the UI can say what to do. */
export const ERROR_STAGES = ['load', 'classify', 'protocol'] as const;
export type ErrorStage = (typeof ERROR_STAGES)[number];

export type ReadyInfo = Omit<LoadedEngineInfo, 'manifest'> & { manifest: LoadedEngineInfo['manifest']; adapter: string | null; threads: number; ortVersion: string };

export type Response =
  | { type: 'progress'; id: number; stage: 'manifest' | 'files' | 'session'; file?: FileProgress }
  | { type: 'ready'; id: number; info: ReadyInfo }
  | { type: 'result'; id: number; results: TextResult[]; done: number; total: number; final: boolean; cancelled: boolean; elapsedMs: number }
  | { type: 'error'; id: number; stage: ErrorStage; message: string };
