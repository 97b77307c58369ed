// Labels slice: the bundle's labels with their heads, zero-shot labels users add, thresholds kept per bundle.
import type { StateCreator } from 'zustand';
import { DEFAULT_HYPOTHESIS_TEMPLATE } from '../engine/constants';
import type { BundleInfo } from '../engine/info';
import { fillTemplate, TemplateError } from '../engine/template';
import { forget, type KeyValueStore, labelsKey, loadSaved, save, type SavedLabels } from './persist';
import type { AppState, StoreDeps } from './types';

export interface LabelState {
  name: string;
  hypothesis: string;
  threshold: number;
  /** Uses the bundle's PolyEncoder head (bundle labels that have one). */
  head: boolean;
  /** sigmoid(alpha_raw) from the bundle, or null without a head. */
  alpha: number | null;
  source: 'bundle' | 'user';
  defaultThreshold: number;
  defaultHypothesis: string;
}

export interface LabelsSlice {
  labels: LabelState[];
  /** localStorage key of the loaded bundle's label settings. */
  labelsKey: string | null;
  /** The bundle's template for zero-shot labels (`fillTemplate`). */
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

/** The hypothesis of a zero-shot label from the bundle's template, or why the template cannot give one. */
export function hypothesisFor(template: string, name: string): { hypothesis: string } | { problem: string } {
  try {
    return { hypothesis: fillTemplate(template, name) };
  } catch (error) {
    if (error instanceof TemplateError) return { problem: error.message };
    throw error;
  }
}

/** The labels of a freshly loaded bundle, with whatever the user saved for it before. */
export function labelsFromBundle(m: BundleInfo, storage: KeyValueStore | null): Pick<LabelsSlice, 'labels' | 'labelsKey' | 'hypothesisTemplate'> {
  const key = labelsKey(m);
  const saved = loadSaved(storage, key);
  const labels: LabelState[] = m.labels.map((l) => ({
    name: l.name,
    hypothesis: saved?.hypotheses[l.name] ?? l.hypothesis,
    threshold: saved?.thresholds[l.name] ?? l.threshold,
    head: l.head,
    alpha: l.head ? l.alpha : null,
    source: 'bundle',
    defaultThreshold: l.threshold,
    defaultHypothesis: l.hypothesis,
  }));
  const taken = new Set(labels.map((l) => l.name.toLowerCase()));
  for (const u of saved?.userLabels ?? []) {
    if (taken.has(u.name.toLowerCase())) continue;
    taken.add(u.name.toLowerCase());
    // A template that cannot be filled leaves the saved hypothesis as the label's default.
    const filled = hypothesisFor(m.hypothesisTemplate, u.name);
    labels.push({
      name: u.name,
      hypothesis: u.hypothesis,
      threshold: u.threshold,
      head: false,
      alpha: null,
      source: 'user',
      defaultThreshold: 0.5,
      defaultHypothesis: 'hypothesis' in filled ? filled.hypothesis : u.hypothesis,
    });
  }
  return { labels, labelsKey: key, hypothesisTemplate: m.hypothesisTemplate };
}

function toSaved(labels: readonly LabelState[]): SavedLabels {
  const bundle = labels.filter((l) => l.source === 'bundle');
  return {
    thresholds: Object.fromEntries(bundle.filter((l) => l.threshold !== l.defaultThreshold).map((l) => [l.name, l.threshold])),
    hypotheses: Object.fromEntries(bundle.filter((l) => l.hypothesis !== l.defaultHypothesis).map((l) => [l.name, l.hypothesis])),
    userLabels: labels.filter((l) => l.source === 'user').map((l) => ({ name: l.name, hypothesis: l.hypothesis, threshold: l.threshold })),
  };
}

const clamp01 = (x: number) => Math.min(1, Math.max(0, x));

/** The labels slice: thresholds, hypotheses and zero-shot labels, saved per bundle. */
export const createLabelsSlice =
  (deps: StoreDeps): StateCreator<AppState, [], [], LabelsSlice> =>
  (set, get) => {
    /** Applies a change to the labels and saves the result for this bundle. */
    const update = (change: (labels: LabelState[]) => LabelState[]) => {
      const labels = change(get().labels);
      set({ labels });
      const key = get().labelsKey;
      if (key) save(deps.storage, key, toSaved(labels));
    };
    return {
      labels: [],
      labelsKey: null,
      hypothesisTemplate: DEFAULT_HYPOTHESIS_TEMPLATE,

      setThreshold(name, threshold) {
        if (!Number.isFinite(threshold)) return;
        update((ls) => ls.map((l) => (l.name === name ? { ...l, threshold: clamp01(threshold) } : l)));
      },

      setThresholds(values) {
        update((ls) => ls.map((l) => (values[l.name] !== undefined && Number.isFinite(values[l.name]) ? { ...l, threshold: clamp01(values[l.name]!) } : l)));
      },

      resetThresholds() {
        update((ls) => ls.map((l) => ({ ...l, threshold: l.defaultThreshold })));
        const key = get().labelsKey;
        if (key && get().labels.every((l) => l.source === 'bundle' && l.hypothesis === l.defaultHypothesis)) forget(deps.storage, key);
      },

      addLabel(raw) {
        const name = raw.trim().replace(/\s+/g, ' ');
        if (!name) return 'Type a label name first.';
        if (name.length > 100) return 'Label names can be at most 100 characters long.';
        if (get().labels.some((l) => l.name.toLowerCase() === name.toLowerCase())) return `There is already a label called '${name}'.`;
        const filled = hypothesisFor(get().hypothesisTemplate, name);
        if ('problem' in filled) return filled.problem;
        const { hypothesis } = filled;
        update((ls) => [...ls, { name, hypothesis, threshold: 0.5, head: false, alpha: null, source: 'user', defaultThreshold: 0.5, defaultHypothesis: hypothesis }]);
        return null;
      },

      removeLabel(name) {
        update((ls) => ls.filter((l) => !(l.name === name && l.source === 'user')));
      },

      setHypothesis(name, raw) {
        const hypothesis = raw.trim();
        if (!hypothesis) return 'A hypothesis cannot be empty: the model needs a sentence to compare the text with.';
        update((ls) => ls.map((l) => (l.name === name ? { ...l, hypothesis } : l)));
        return null;
      },

      resetHypothesis(name) {
        update((ls) => ls.map((l) => (l.name === name ? { ...l, hypothesis: l.defaultHypothesis } : l)));
      },
    };
  };
