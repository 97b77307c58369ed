// Engine slice: starts the worker client, loads bundles with per-file progress, reports backend and errors.
import type { StateCreator } from 'zustand';
import { type BackendRequest, parseBackendRequest } from '../engine/backend';
import type { FileProgress } from '../engine/bundle';
import { AddressError, DEFAULT_HUB_HOST, hubLabel, parseHubHost, parseModelAddress } from '../engine/hubAddress';
import type { BundleLocation, LoadStage, ReadyInfo } from '../worker/protocol';
import { labelsFromBundle } from './labelsSlice';
import { forgetTimedChoice, loadTimedChoices, rememberTimedChoice } from './persist';
import { engineProblem } from './problems';
import { type AppState, DEFAULT_BUNDLE_URL, type EngineLike, type Problem, type StoreDeps } from './types';
import { selectLoadBackend } from './selectors';

export const ENGINE_STATUSES = ['idle', 'loading', 'ready', 'error'] as const;
export type EngineStatus = (typeof ENGINE_STATUSES)[number];

export interface EngineSlice {
  engine: EngineLike | null;
  engineStatus: EngineStatus;
  /** What is loading or loaded, in words ("/models/demo-fixture/" or a folder name). */
  bundleLabel: string | null;
  loadStage: LoadStage | null;
  /** Per-file download progress of the current load, in the order files started. */
  loadFiles: FileProgress[];
  /** The loaded engine: backend, variant, files and the bundle summary. */
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
  /** Where Hub ids resolve (?hub=, else the Hugging Face Hub). */
  hubHost: string;
  /** Loads what the user typed: a folder on this site, a Hub id or an http(s) folder URL; returns an error message or null. */
  loadModel: (input: string) => string | null;
  dismissNotice: (index: number) => void;
  /** Forgets the timed backend choice the loaded engine comes from and loads the bundle again, which times both backends anew. */
  measureBackendAgain: () => void;
}

/** Resolves a bundle folder URL against the page; null when it is on another origin or not a URL. */
export function sameOriginBundleUrl(url: string, href: string): string | null {
  let resolved: URL;
  try {
    resolved = new URL(url.trim(), href);
  } catch {
    return null;
  }
  if (resolved.origin !== new URL(href).origin) return null;
  const path = resolved.pathname.endsWith('/') ? resolved.pathname : `${resolved.pathname}/`;
  return path;
}

/**
 * Where a typed model address points: a path on this site (starting with '/' or '.') or a same-origin
 * URL is a bundle folder here; `owner/name[@revision]` a Hub repository on `hubHost`; any other
 * http(s) URL a folder on that host (the page's policy decides whether it may be fetched).
 * Returns a message that says what to type when it is none of these.
 */
export function modelLocation(input: string, href: string, hubHost: string): BundleLocation | string {
  const text = input.trim();
  if (!text) return 'Type a bundle folder on this site (e.g. /models/my-bundle/), a Hub id (owner/name) or a folder URL.';
  if (/^[./]/.test(text)) {
    const path = sameOriginBundleUrl(text, href);
    return path ? { kind: 'url', url: path } : `'${input}' is not a bundle folder on this site.`;
  }
  const here = sameOriginBundleUrl(text, href);
  if (here && /^https?:\/\//i.test(text)) return { kind: 'url', url: here };
  try {
    const address = parseModelAddress(text, hubHost);
    return address.kind === 'hub' ? address : { kind: 'url', url: address.url };
  } catch (error) {
    if (error instanceof AddressError) return error.message;
    throw error;
  }
}

/** How a location is named while it loads. */
function locationLabel(location: BundleLocation): string {
  switch (location.kind) {
    case 'url':
      return location.url;
    case 'hub':
      return hubLabel(location);
    case 'files':
      return location.label;
    default: {
      const never: never = location;
      throw new Error(`unknown bundle location ${JSON.stringify(never)}`);
    }
  }
}

/** The Hub host from ?hub=, with a notice when it is not an origin. */
function hubHostOf(search: string): { host: string; problem: string | null } {
  const asked = new URLSearchParams(search).get('hub');
  if (asked === null) return { host: DEFAULT_HUB_HOST, problem: null };
  try {
    return { host: parseHubHost(asked), problem: null };
  } catch (error) {
    return { host: DEFAULT_HUB_HOST, problem: `${error instanceof Error ? error.message : String(error)} Using ${DEFAULT_HUB_HOST}.` };
  }
}

/** Keeps file progress in first-seen order, replacing the entry of a file already listed. */
function upsert(files: FileProgress[], file: FileProgress): FileProgress[] {
  const i = files.findIndex((f) => f.path === file.path);
  if (i < 0) return [...files, file];
  const next = files.slice();
  next[i] = file;
  return next;
}

/** The engine slice: worker client, bundle loading, backend facts, load errors. */
export const createEngineSlice =
  (deps: StoreDeps): StateCreator<AppState, [], [], EngineSlice> =>
  (set, get) => {
    const parsed = parseBackendRequest(deps.search);
    const hub = hubHostOf(deps.search);
    let loadSeq = 0;
    /** The bundle loaded last, which measureBackendAgain loads again. */
    let lastLocation: BundleLocation | null = null;
    return {
      engine: null,
      engineStatus: 'idle',
      bundleLabel: null,
      loadStage: null,
      loadFiles: [],
      ready: null,
      loadProblem: null,
      backendRequest: { backend: parsed.backend, dtype: parsed.dtype },
      notices: hub.problem ? [...parsed.problems, hub.problem] : parsed.problems,
      hubHost: hub.host,

      init() {
        if (get().engine) return;
        const engine = deps.createEngine();
        set({ engine });
        // A crashed worker is replaced and reloads the bundle: say so, and show the engine loading until it is back.
        engine.onRestart = (ready, reason) => {
          set((s) => ({ engineStatus: 'loading', loadStage: 'manifest', notices: [...s.notices, `The engine stopped (${reason}) and was restarted; a running CSV goes on where it stopped.`] }));
          ready.then(
            (info) => set({ engineStatus: 'ready', ready: info, loadStage: null }),
            (error: unknown) => set({ engineStatus: 'error', loadStage: null, loadProblem: engineProblem(error, selectLoadBackend(get())) }),
          );
        };
        void get().checkSavedRun();
        // ?model= names a Hub id or a folder URL: the only address the page fetches off its origin, and only because the URL says so.
        // ?bundle= names a folder on this site. The first one given is loaded; a refused one falls back to the default bundle.
        const query = new URLSearchParams(deps.search);
        for (const [param, load] of [['model', get().loadModel], ['bundle', get().loadBundleUrl]] as const) {
          const asked = query.get(param);
          if (!asked) continue;
          const problem = load(asked);
          if (!problem) return;
          set((s) => ({ notices: [...s.notices, `${problem} Loading the default bundle instead.`] }));
          break;
        }
        void get().loadBundle({ kind: 'url', url: DEFAULT_BUNDLE_URL });
      },

      loadBundleUrl(url) {
        const resolved = sameOriginBundleUrl(url, deps.href);
        if (!resolved) return `'${url}' is not a bundle folder on this site. Bundles must be served from the same origin as the app (e.g. /models/my-bundle/).`;
        void get().loadBundle({ kind: 'url', url: resolved });
        return null;
      },

      loadModel(input) {
        const location = modelLocation(input, deps.href, get().hubHost);
        if (typeof location === 'string') return location;
        void get().loadBundle(location);
        return null;
      },

      async loadBundle(location: BundleLocation) {
        const engine = get().engine;
        if (!engine) return;
        if (get().run.status === 'running') {
          set({ loadProblem: { message: 'A CSV is being labelled.', hint: 'Cancel it or wait for it to finish, then load the bundle.' } });
          return;
        }
        const seq = ++loadSeq;
        lastLocation = location;
        const label = locationLabel(location);
        set({ engineStatus: 'loading', bundleLabel: label, loadStage: 'manifest', loadFiles: [], loadProblem: null, ready: null });
        try {
          const info = await engine.load(
            location,
            get().backendRequest,
            (stage, file) => {
              if (seq !== loadSeq) return;
              set((s) => ({ loadStage: stage, loadFiles: file ? upsert(s.loadFiles, file) : s.loadFiles }));
            },
            loadTimedChoices(deps.storage),
          );
          if (info.timed && !info.timed.remembered) {
            const { remembered: _measuredNow, ...timed } = info.timed;
            rememberTimedChoice(deps.storage, timed);
          }
          if (seq !== loadSeq) return;
          set({ engineStatus: 'ready', ready: info, loadStage: null, textRun: null, tuning: null, ...labelsFromBundle(info.bundle, deps.storage) });
        } catch (error) {
          if (seq !== loadSeq) return;
          set({ engineStatus: 'error', loadStage: null, loadProblem: engineProblem(error, selectLoadBackend(get())) });
        }
      },

      measureBackendAgain() {
        const timed = get().ready?.timed;
        if (!timed || !lastLocation || get().engineStatus !== 'ready') return;
        forgetTimedChoice(deps.storage, timed.key);
        void get().loadBundle(lastLocation);
      },

      dismissNotice(index) {
        set((s) => ({ notices: s.notices.filter((_, i) => i !== index) }));
      },
    };
  };
