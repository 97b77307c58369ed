// How engine failures are classified: the one map from error classes to kinds, and the one WebGPU-to-WASM fallback policy.
import { type BackendRequest, BackendError } from './backend';
import { BundleError } from './bundle';
import { type ErrorKind, type Fault, InputError, SessionError } from './errors';
import { ManifestError } from './manifest';
import { CancelledError } from './nli';
import { TemplateError } from './template';
import { TokenizeError } from './tokenize';

/** The kind of any error the engine can throw; an error of no known class is `internal` (a bug). */
export function errorKind(error: unknown): ErrorKind {
  if (error instanceof CancelledError) return 'cancelled';
  if (error instanceof InputError || error instanceof TokenizeError || error instanceof TemplateError) return 'input';
  if (error instanceof BundleError || error instanceof ManifestError) return 'bundle';
  if (error instanceof BackendError) return 'unsupported';
  if (error instanceof SessionError) return 'backend';
  return 'internal';
}

/** An error as it crosses the worker boundary. */
export function faultOf(error: unknown): Fault {
  return { kind: errorKind(error), message: error instanceof Error ? error.message : String(error) };
}

/**
 * Whether a failure moves the engine from WebGPU to WASM: only ONNX Runtime failing on WebGPU
 * (creating a session, a run, a lost device), and only when the user did not force WebGPU. Never
 * an input, tokenizer, bundle or arithmetic error: WASM would fail the same way.
 */
export function fallsBack(error: unknown, request: BackendRequest): boolean {
  return error instanceof SessionError && error.backend === 'webgpu' && request.backend !== 'webgpu';
}

/** A failure in a few words for a reason line: ONNX Runtime's own words for a session failure. */
export function failureDetail(error: unknown): string {
  return error instanceof SessionError ? error.detail : error instanceof Error ? error.message : String(error);
}

/** What the UI is told when the engine moved to WASM. */
export function fallbackReason(error: unknown, during: 'loading' | 'classifying'): string {
  return `WebGPU failed while ${during} (${failureDetail(error)}): using WASM`;
}
