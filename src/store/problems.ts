// Turns errors from the engine and the CSV reader into a message plus what to do about it.
import { CsvError } from '../io/csv';
import type { Backend } from '../engine/constants';
import type { ErrorKind, Fault } from '../engine/errors';
import { EngineError } from '../worker/client';
import type { Problem } from './types';

/** What to do after each kind of failure; a backend failure's advice depends on the backend it happened on. */
export const HINTS = {
  input: 'Change what the message names, then run again.',
  bundle: 'Check the bundle address or pick the bundle folder again. If a file is missing or damaged, re-export the bundle with model-export, or download or copy it again.',
  unsupported: 'Open the page without ?backend= and ?dtype= to let the app choose what this browser can run.',
  backendWebgpu: 'WebGPU failed where you asked for it (?backend=webgpu). Open the page with ?backend=wasm to use the WASM backend instead.',
  backendWasm: 'Reload the page and try again. If it keeps failing, close other tabs to free memory, or try a smaller variant (?dtype=q8).',
  cancelled: 'Run it again when you are ready.',
  internal: 'Reload the page and try again; your labels and thresholds are kept.',
} as const;

/**
 * The one choice of hint for a failure: by its kind, and for a backend failure by the backend it
 * happened on (a failure on WebGPU reaches the user only when WebGPU was forced; elsewhere the
 * engine moves to WASM by itself, so WASM is never suggested to a page already on it).
 */
export function hintFor(kind: ErrorKind, backend: Backend): string {
  switch (kind) {
    case 'input':
    case 'bundle':
    case 'unsupported':
    case 'cancelled':
    case 'internal':
      return HINTS[kind];
    case 'backend':
      return backend === 'webgpu' ? HINTS.backendWebgpu : HINTS.backendWasm;
    default: {
      const never: never = kind;
      throw new Error(`unknown error kind ${String(never)}`);
    }
  }
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** A Problem for a failure the engine reported (or any other error, as internal), on `backend`. */
export function engineProblem(error: unknown, backend: Backend): Problem {
  return faultProblem({ kind: error instanceof EngineError ? error.kind : 'internal', message: messageOf(error) }, backend);
}

/** A Problem for a fault: its message, and the hint of its kind. */
export function faultProblem(fault: Fault, backend: Backend): Problem {
  return { message: fault.message, hint: hintFor(fault.kind, backend) };
}

/** A Problem for a CSV that cannot be read. */
export function csvProblem(error: unknown): Problem {
  if (error instanceof CsvError) return { message: error.message, hint: 'Your previous table and results are unchanged.' };
  return { message: `The CSV could not be read: ${messageOf(error)}`, hint: 'Check that it is a text CSV (UTF-8) and try again.' };
}

/** A Problem for a download that could not be built or saved; the results stay in the page. */
export function exportProblem(error: unknown): Problem {
  return {
    message: `The labelled CSV could not be downloaded: ${messageOf(error)}`,
    hint: 'Your results are kept in this page. Try again; if the table is very large, close other tabs to free memory first.',
  };
}
