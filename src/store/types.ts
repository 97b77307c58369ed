// What every slice shares: the app state as the sum of the slices (each declared beside its actions), the injected outside world, problems, run labels.
import type { LabelSpec } from '../engine/engine';
import type { EngineClient } from '../worker/client';
import type { BatchSlice } from './batchSlice';
import type { EngineSlice } from './engineSlice';
import type { LabelsSlice } from './labelsSlice';
import type { SavedRunStore } from '../io/savedRuns';
import type { SavedChunk, SavedRunInfo } from './batchSlice';
import type { KeyValueStore } from './persist';
import type { TextSlice } from './textSlice';
import type { TuningSlice } from './tuningSlice';

/** What the store needs from the engine client (a fake in unit tests); `onRestart` where the client restarts a crashed worker. */
export type EngineLike = Pick<EngineClient, 'load' | 'classify' | 'cancel' | 'dispose'> & Partial<Pick<EngineClient, 'onRestart'>>;

/** Everything the store reads from the outside world, injected so tests can fake it. */
export interface StoreDeps {
  createEngine: () => EngineLike;
  storage: KeyValueStore | null;
  now: () => number;
  /** location.search at start-up (?bundle=, ?backend=, ?dtype=). */
  search: string;
  /** location.href at start-up, to resolve bundle URLs and check they are same-origin. */
  href: string;
  /** Fetches a file served with the app (the sample CSV) as a File called `name`; rejects on HTTP errors. */
  fetchFile: (url: string, name: string) => Promise<File>;
  /** Where CSV runs are saved as they go, to resume after a reload (IndexedDB); null: not saved. */
  runs: SavedRunStore<SavedRunInfo, SavedChunk> | null;
}

/** The default bundle, served from public/models/: the small model trained on the seed data (`python -m model_export demo`). */
export const DEFAULT_BUNDLE_URL = '/models/demo-seed-news/';

/** A problem shown to the user: what happened and what to do about it. */
export interface Problem {
  message: string;
  hint: string;
}

/** A label as a run scored it: what the engine saw, plus the threshold in force when it ran. */
export interface RunLabel extends LabelSpec {
  threshold: number;
}

export type AppState = EngineSlice & LabelsSlice & TextSlice & BatchSlice & TuningSlice;

/** zustand's `set` as the slices use it. */
export type SetState = (partial: Partial<AppState> | ((s: AppState) => Partial<AppState>)) => void;
