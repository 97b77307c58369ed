// The kinds of failure that cross the worker boundary, and the engine's own error classes; imports nothing with code, so the UI thread can use the kinds.
import type { Backend } from './constants';

/**
 * What a failure is about, which decides what the user is told to do (store/problems.ts):
 * - `input`: the texts or labels asked for (an empty label, a hypothesis too long): change them;
 * - `bundle`: manifest.json or a bundle file (missing, corrupt, truncated, inconsistent): re-export or re-download;
 * - `unsupported`: a forced backend or variant this browser or bundle cannot give: let the app choose;
 * - `backend`: ONNX Runtime failed on the backend it ran on (session creation, a run, a lost WebGPU device);
 * - `cancelled`: the user cancelled;
 * - `internal`: anything else, a bug or a crashed worker: reload.
 */
export const ERROR_KINDS = ['input', 'bundle', 'unsupported', 'backend', 'cancelled', 'internal'] as const;
export type ErrorKind = (typeof ERROR_KINDS)[number];

/** A failure as it crosses the worker boundary: its kind and a message that says what happened. */
export interface Fault {
  kind: ErrorKind;
  message: string;
}

/** An input the engine refuses, with a message that says what to do. */
export class InputError extends Error {
  override name = 'InputError';
}

/** What ONNX Runtime was doing when it failed. */
export const SESSION_OPS = ['create', 'run'] as const;
export type SessionOp = (typeof SESSION_OPS)[number];

/**
 * ONNX Runtime failed on `backend` while creating a session for `file` or running it (a lost
 * WebGPU device shows up as a failed run). Only session.ts throws it: it is the one sign that the
 * backend, not the input, failed.
 */
export class SessionError extends Error {
  override name = 'SessionError';
  constructor(
    readonly backend: Backend,
    readonly op: SessionOp,
    readonly file: string,
    readonly detail: string,
  ) {
    super(`ONNX Runtime failed to ${op === 'create' ? 'load' : 'run'} ${file} on ${backend}: ${detail}`);
  }
}
