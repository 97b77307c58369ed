// Turns errors from the engine and the CSV reader into a message plus what to do about it.
import { CsvError } from '../io/csv';
import { EngineError } from '../worker/client';
import type { ErrorStage } from '../worker/protocol';
import type { Problem } from './types';

/** What to do after a failure in each engine stage. */
export const STAGE_HINTS = {
  load: 'Check the bundle address or pick the bundle folder again, then reload. To rule out WebGPU, open the page with ?backend=wasm.',
  classify: 'Try again. If it keeps failing, reload the page, or open it with ?backend=wasm to use the WASM backend.',
  protocol: 'The engine stopped. Reload the page; your labels and thresholds are kept.',
} as const satisfies Record<ErrorStage, string>;

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** A Problem for an error from the engine client, in the stage the caller was in. */
export function engineProblem(error: unknown, fallback: ErrorStage): Problem {
  const stage: ErrorStage = error instanceof EngineError ? error.stage : fallback;
  switch (stage) {
    case 'load':
    case 'classify':
    case 'protocol':
      return { message: messageOf(error), hint: STAGE_HINTS[stage] };
    default: {
      const never: never = stage;
      throw new Error(`unknown stage ${String(never)}`);
    }
  }
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
