// Shapes of the app state: one slice per concern, actions beside the state they change.
import type { BackendRequest } from '../engine/backend';
import type { FileProgress } from '../engine/bundle';
import type { LabelSpec } from '../engine/engine';
import type { ParsedCsv } from '../io/csv';
import type { Tuning } from '../io/evaluation';
import type { EngineClient } from '../worker/client';
import type { BundleLocation, ReadyInfo } from '../worker/protocol';
import type { KeyValueStore } from './persist';

/** What the store needs from the engine client (a fake in unit tests). */
export type EngineLike = Pick<EngineClient, 'load' | 'classify' | 'cancel' | 'dispose'>;

/** Everything the store reads from the outside world, injected so tests can fake it. */
export interface StoreDeps {
  createEngine: () => EngineLike;
  storage: KeyValueStore | null;
  now: () => number;
  /** location.search at start-up (?bundle=, ?backend=, ?dtype=). */
  search: string;
  /** location.href at start-up, to resolve bundle URLs and check they are same-origin. */
  href: string;
}

/** The default bundle, served from public/models/. */
export const DEFAULT_BUNDLE_URL = '/models/demo-fixture/';

/** A problem shown to the user: what happened and what to do about it. */
export interface Problem {
  message: string;
  hint: string;
}

export const ENGINE_STATUSES = ['idle', 'loading', 'ready', 'error'] as const;
export type EngineStatus = (typeof ENGINE_STATUSES)[number];

export interface EngineSlice {
  engine: EngineLike | null;
  engineStatus: EngineStatus;
  /** What is loading or loaded, in words ("/models/demo-fixture/" or a folder name). */
  bundleLabel: string | null;
  loadStage: 'manifest' | 'files' | 'session' | null;
  /** Per-file download progress of the current load, in the order files started. */
  loadFiles: FileProgress[];
  ready: ReadyInfo | null;
  loadProblem: Problem | null;
  backendRequest: BackendRequest;
  /** Start-up notices (bad URL parameters, a WebGPU fallback). */
  notices: string[];
  /** Creates the engine and loads the bundle named in the URL or the default; runs once. */
  init: () => void;
  loadBundle: (location: BundleLocation) => Promise<void>;
  /** Loads a bundle folder URL after checking it is on this origin; returns an error message or null. */
  loadBundleUrl: (url: string) => string | null;
  dismissNotice: (index: number) => void;
}

export interface LabelState {
  name: string;
  hypothesis: string;
  threshold: number;
  /** Uses the bundle's PolyEncoder head (bundle labels that have one). */
  head: boolean;
  /** sigmoid(alpha_raw) from the manifest, or null without a head. */
  alpha: number | null;
  source: 'bundle' | 'user';
  defaultThreshold: number;
  defaultHypothesis: string;
}

export interface LabelsSlice {
  labels: LabelState[];
  /** localStorage key of the loaded bundle's label settings. */
  labelsKey: string | null;
  hypothesisTemplate: string;
  setThreshold: (name: string, threshold: number) => void;
  /** Several thresholds at once (applying tuned thresholds). */
  setThresholds: (values: Record<string, number>) => void;
  resetThresholds: () => void;
  /** Adds a zero-shot (NLI-only) label; returns an error message or null. */
  addLabel: (name: string) => string | null;
  removeLabel: (name: string) => void;
  /** Changes the hypothesis the NLI model sees; returns an error message or null. */
  setHypothesis: (name: string, hypothesis: string) => string | null;
  resetHypothesis: (name: string) => void;
}

/** The result of classifying one pasted text. */
export interface TextRun {
  /** Counts runs, so a new result is told apart from an identical previous one. */
  seq: number;
  text: string;
  labels: LabelSpec[];
  scores: import('../engine/blend').LabelScore[];
  truncated: boolean;
  tokens: number;
  elapsedMs: number;
  backend: string;
  dtype: string;
}

export interface TextSlice {
  text: string;
  textRun: TextRun | null;
  textRunning: boolean;
  textProblem: Problem | null;
  setText: (text: string) => void;
  classifyText: () => Promise<void>;
}

export type CsvReadStatus = 'idle' | 'reading' | 'ready' | 'error';

export interface CsvFileInfo {
  name: string;
  bytes: number;
}

/** Scores of a CSV run, in flat typed arrays (row-major: row * labels + label); NaN where not scored. */
export interface BatchResults {
  labels: LabelSpec[];
  alpha: Array<number | null>;
  nli: Float64Array;
  poly: Float64Array;
  blended: Float64Array;
  /** 1 for rows that have scores. */
  scored: Uint8Array;
  rowCount: number;
  /** Text index (what the engine saw) -> table row. */
  rowOf: Int32Array;
  truncated: number;
  skippedEmpty: number;
  bundle: string;
  backend: string;
  dtype: string;
}

export const RUN_STATUSES = ['idle', 'running', 'done', 'cancelled', 'error'] as const;
export type RunStatus = (typeof RUN_STATUSES)[number];

export interface BatchRun {
  status: RunStatus;
  requestId: number | null;
  done: number;
  total: number;
  elapsedMs: number;
  problem: Problem | null;
}

export interface BatchSlice {
  csvFile: CsvFileInfo | null;
  csvStatus: CsvReadStatus;
  /** Fraction of the file read while reading. */
  csvProgress: number;
  csvProblem: Problem | null;
  csvWarnings: string[];
  table: (ParsedCsv & { file: CsvFileInfo }) | null;
  textColumn: number;
  batch: BatchResults | null;
  /** Bumped whenever batch arrays change (they are mutated in place). */
  batchVersion: number;
  run: BatchRun;
  openCsv: (file: File) => Promise<void>;
  setTextColumn: (column: number) => void;
  runBatch: () => void;
  cancelBatch: () => void;
  /** The labelled CSV and its file name; null without results. */
  exportCsv: () => { csv: string; fileName: string } | null;
}

export interface TuningSlice {
  /** Thresholds tuned on the CSV's gold labels, waiting for Apply or Discard. */
  tuning: (Tuning & { labels: string[]; batchVersion: number }) | null;
  tuneThresholds: () => void;
  applyTuning: () => void;
  discardTuning: () => void;
}

export type AppState = EngineSlice & LabelsSlice & TextSlice & BatchSlice & TuningSlice;
