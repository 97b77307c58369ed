// Keeps per-bundle label settings (thresholds, hypotheses, added labels), the long-text setting and timed backend choices in localStorage across reloads.
import type { TimedChoice, TimedChoices } from '../engine/backend';
import { BACKENDS, DTYPES, type Dtype, type LongTextOption, TRUNCATE, WINDOW_AGGREGATES, type WindowAggregate } from '../engine/constants';
import type { BundleInfo } from '../engine/info';

/** What is kept per bundle. */
export interface SavedLabels {
  thresholds: Record<string, number>;
  hypotheses: Record<string, string>;
  userLabels: Array<{ name: string; hypothesis: string; threshold: number }>;
}

/** The subset of the Storage API used here (localStorage in the browser, a Map in tests). */
export interface KeyValueStore {
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
  removeItem(key: string): void;
}

/** 32-bit FNV-1a of a string, as 8 hex digits. */
export function fnv1a(text: string): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return (h >>> 0).toString(16).padStart(8, '0');
}

/**
 * Storage key of a bundle's settings: its id plus a hash of its labels, so that
 * a re-exported bundle with other labels or thresholds starts from its own values.
 */
export function labelsKey(m: Pick<BundleInfo, 'id' | 'labels' | 'hypothesisTemplate'>): string {
  const facts = JSON.stringify([m.hypothesisTemplate, m.labels.map((l) => [l.name, l.hypothesis, l.head, l.alpha, l.threshold])]);
  return `zeroshot.labels.v1.${m.id}.${fnv1a(facts)}`;
}

const isThreshold = (x: unknown): x is number => typeof x === 'number' && x >= 0 && x <= 1;

/** Reads saved settings; anything malformed is ignored rather than trusted. */
export function loadSaved(store: KeyValueStore | null, key: string): SavedLabels | null {
  let raw: string | null;
  try {
    raw = store?.getItem(key) ?? null;
  } catch {
    return null;
  }
  if (!raw) return null;
  try {
    const data = JSON.parse(raw) as Partial<SavedLabels>;
    const thresholds = Object.fromEntries(Object.entries(data.thresholds ?? {}).filter(([, v]) => isThreshold(v)));
    const hypotheses = Object.fromEntries(Object.entries(data.hypotheses ?? {}).filter(([, v]) => typeof v === 'string' && v.trim() !== ''));
    const userLabels = (Array.isArray(data.userLabels) ? data.userLabels : []).filter(
      (l) => typeof l?.name === 'string' && l.name.trim() !== '' && typeof l.hypothesis === 'string' && l.hypothesis.trim() !== '' && isThreshold(l.threshold),
    );
    return { thresholds, hypotheses, userLabels };
  } catch {
    return null;
  }
}

/** Writes settings; a full or disabled storage only loses persistence, never the session. */
export function save(store: KeyValueStore | null, key: string, value: SavedLabels): void {
  try {
    store?.setItem(key, JSON.stringify(value));
  } catch {
    /* storage unavailable: settings last for this session only */
  }
}

/** Forgets saved settings (reset to the bundle's values). */
export function forget(store: KeyValueStore | null, key: string): void {
  try {
    store?.removeItem(key);
  } catch {
    /* nothing to forget */
  }
}

/** Storage key of the long-text setting (one for all bundles: it is how the user wants texts read). */
export const LONG_TEXT_KEY = 'zeroshot.longText.v1';

/** Reads the long-text setting; anything malformed (or absent) gives the default, cut to fit. */
export function loadLongText(store: KeyValueStore | null): LongTextOption {
  try {
    const data = JSON.parse(store?.getItem(LONG_TEXT_KEY) ?? 'null') as Partial<{ mode: unknown; stride: unknown; aggregate: unknown }> | null;
    if (data?.mode === 'windows' && Number.isInteger(data.stride) && (data.stride as number) >= 1 && WINDOW_AGGREGATES.includes(data.aggregate as WindowAggregate)) {
      return { mode: 'windows', stride: data.stride as number, aggregate: data.aggregate as WindowAggregate };
    }
  } catch {
    /* unreadable: the default */
  }
  return TRUNCATE;
}

/** Writes the long-text setting (the default is forgotten rather than written). */
export function saveLongText(store: KeyValueStore | null, value: LongTextOption): void {
  if (value.mode === 'truncate') return forget(store, LONG_TEXT_KEY);
  try {
    store?.setItem(LONG_TEXT_KEY, JSON.stringify(value));
  } catch {
    /* storage unavailable: the setting lasts for this session only */
  }
}

/** Storage key of the timed backend choices (backend.ts `TimedChoice`), one per device and bundle. */
export const TIMED_CHOICES_KEY = 'zeroshot.timedBackend.v1';
/** Most timed choices kept: the oldest measured are forgotten first. */
export const MAX_TIMED_CHOICES = 32;

const isTiming = (x: unknown): x is { dtype: Dtype; ms: number } => {
  const t = x as { dtype?: unknown; ms?: unknown } | null;
  return typeof t?.ms === 'number' && Number.isFinite(t.ms) && t.ms >= 0 && (DTYPES as readonly unknown[]).includes(t.dtype);
};

/** Reads the remembered timed choices; malformed entries are dropped rather than trusted. */
export function loadTimedChoices(store: KeyValueStore | null): TimedChoices {
  try {
    const data = JSON.parse(store?.getItem(TIMED_CHOICES_KEY) ?? '{}') as Record<string, Partial<TimedChoice>> | null;
    return Object.fromEntries(
      Object.entries(data ?? {}).filter(
        ([key, t]) => t?.key === key && (BACKENDS as readonly unknown[]).includes(t.backend) && isTiming(t.webgpu) && isTiming(t.wasm) && typeof t.measuredAt === 'number',
      ),
    ) as TimedChoices;
  } catch {
    return {};
  }
}

/** Remembers a timed choice (replacing the one for the same key), keeping the MAX_TIMED_CHOICES newest. */
export function rememberTimedChoice(store: KeyValueStore | null, choice: TimedChoice): void {
  const kept = Object.values({ ...loadTimedChoices(store), [choice.key]: choice })
    .sort((a, b) => b.measuredAt - a.measuredAt)
    .slice(0, MAX_TIMED_CHOICES);
  try {
    store?.setItem(TIMED_CHOICES_KEY, JSON.stringify(Object.fromEntries(kept.map((t) => [t.key, t]))));
  } catch {
    /* storage unavailable: the next load measures again */
  }
}

/** Forgets the timed choice under `key` (the next load measures again). */
export function forgetTimedChoice(store: KeyValueStore | null, key: string): void {
  const { [key]: _forgotten, ...rest } = loadTimedChoices(store);
  try {
    store?.setItem(TIMED_CHOICES_KEY, JSON.stringify(rest));
  } catch {
    /* nothing to forget */
  }
}
