// Reads the PyTorch golden outputs of the demo bundle (backbone + heads) that e2e tests compare the app against.
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const GOLDEN_DIR = fileURLToPath(new URL('../../model-export/golden/', import.meta.url));
export const BACKBONE_GOLDEN = `${GOLDEN_DIR}demo-fixture.golden.json`;
export const HEADS_GOLDEN = `${GOLDEN_DIR}demo-fixture.heads.golden.json`;

interface BackboneGolden {
  bundle_id: string;
  hypotheses: Array<{ label: string; hypothesis: string }>;
  texts: Array<{ name: string; text: string; pairs: Array<{ entailment: number }> }>;
}

interface HeadsGolden {
  bundle_id: string;
  labels: Array<{ name: string; head: boolean; alpha: number | null; threshold: number }>;
  near_threshold: Array<{ text: string; label: string }>;
  texts: Array<{
    name: string;
    scores: GoldenScore[];
  }>;
}

/** PyTorch's terms for one (text, bundle label). */
export interface GoldenScore {
  label: string;
  nli: number;
  poly: number | null;
  alpha: number | null;
  blended: number;
  threshold: number;
  predicted: boolean;
}

export interface GoldenCase {
  name: string;
  text: string;
  /** Bundle labels in manifest order. */
  scores: GoldenScore[];
  /** NLI score of the user label below, with the bundle's hypothesis template. */
  userLabelNli: number;
}

export interface Golden {
  labels: HeadsGolden['labels'];
  userLabel: { name: string; hypothesis: string };
  cases: GoldenCase[];
  /** (text name, label) pairs whose blended score is within 1e-4 of the threshold. */
  nearThreshold: Set<string>;
}

function readJson<T>(path: string): T {
  if (!existsSync(path)) {
    throw new Error(`${path} is missing. It is written by model-export (fixture / heads-golden) and committed with the demo bundle.`);
  }
  return JSON.parse(readFileSync(path, 'utf-8')) as T;
}

let cached: Golden | null = null;

/** Joins the backbone and heads goldens by text name. */
export function loadGolden(): Golden {
  if (cached) return cached;
  const backbone = readJson<BackboneGolden>(BACKBONE_GOLDEN);
  const heads = readJson<HeadsGolden>(HEADS_GOLDEN);
  if (backbone.bundle_id !== heads.bundle_id) throw new Error(`goldens of different bundles: ${backbone.bundle_id} vs ${heads.bundle_id}`);
  const userIndex = backbone.hypotheses.length - 1; // the bundle's labels, then one user label
  const user = backbone.hypotheses[userIndex]!;
  const byName = new Map(heads.texts.map((t) => [t.name, t]));
  const cases = backbone.texts.map((t): GoldenCase => {
    const h = byName.get(t.name);
    if (!h) throw new Error(`heads golden has no text '${t.name}'`);
    return { name: t.name, text: t.text, scores: h.scores, userLabelNli: t.pairs[userIndex]!.entailment };
  });
  cached = {
    labels: heads.labels,
    userLabel: { name: user.label, hypothesis: user.hypothesis },
    cases,
    nearThreshold: new Set(heads.near_threshold.map((n) => `${n.text}\u0000${n.label}`)),
  };
  return cached;
}

/** True when any score of the case sits within `eps` of a value where a decision could flip. */
export function nearAny(c: GoldenCase, cutPoints: readonly number[], eps = 1e-4): boolean {
  return c.scores.some((s) => cutPoints.some((p) => Math.abs(s.blended - p) < eps || Math.abs(s.nli - p) < eps));
}
