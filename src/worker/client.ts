// UI-side handle on the engine worker.

/** Starts the engine worker (a module worker bundled by Vite). */
export function createEngineWorker(): Worker {
  return new Worker(new URL('./worker.ts', import.meta.url), { type: 'module', name: 'engine' });
}
