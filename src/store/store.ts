// The app store: one zustand store made of slices; the engine client lives here, never in components.
import { createStore, type StoreApi } from 'zustand/vanilla';
import { useStore } from 'zustand';
import { indexedDbRunStore } from '../io/savedRuns';
import { EngineClient } from '../worker/client';
import { createBatchSlice } from './batchSlice';
import { createEngineSlice } from './engineSlice';
import { createLabelsSlice } from './labelsSlice';
import { createTextSlice } from './textSlice';
import { createTuningSlice } from './tuningSlice';
import type { AppState, StoreDeps } from './types';

/** Builds a store; tests pass fakes for the engine, storage and clock. */
export function createAppStore(deps: StoreDeps): StoreApi<AppState> {
  return createStore<AppState>()((...a) => ({
    ...createEngineSlice(deps)(...a),
    ...createLabelsSlice(deps)(...a),
    ...createTextSlice(deps)(...a),
    ...createBatchSlice(deps)(...a),
    ...createTuningSlice(deps)(...a),
  }));
}

function browserStorage(): StoreDeps['storage'] {
  try {
    return globalThis.localStorage ?? null;
  } catch {
    return null; // storage blocked (privacy settings): settings last for the session only
  }
}

/** Fetches a file served with the app as a File; HTTP errors reject. */
async function fetchFile(url: string, name: string): Promise<File> {
  const response = await fetch(url);
  if (!response.ok) throw new Error(`HTTP ${response.status}`);
  return new File([await response.blob()], name, { type: 'text/csv' });
}

/** IndexedDB for saved runs; null where it is missing or blocked (runs are then not saved). */
function browserRuns(): StoreDeps['runs'] {
  try {
    return indexedDbRunStore();
  } catch {
    return null;
  }
}

let appStore: StoreApi<AppState> | null = null;

/** The page's store, created on first use with the real worker client. */
export function getAppStore(): StoreApi<AppState> {
  appStore ??= createAppStore({
    createEngine: () => new EngineClient(),
    storage: browserStorage(),
    now: () => performance.now(),
    search: globalThis.location?.search ?? '',
    href: globalThis.location?.href ?? 'http://localhost/',
    fetchFile,
    runs: browserRuns(),
  });
  return appStore;
}

/** React hook over the page's store. */
export function useAppStore<T>(selector: (s: AppState) => T): T {
  return useStore(getAppStore(), selector);
}
