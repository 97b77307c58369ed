// What the UI is told about a loaded bundle: a small summary of its manifest, the only bundle facts that cross the worker boundary.
import { DERIVED_EXPORTER_VERSION, type Dtype } from './constants';
import type { Manifest } from './manifest';

/** A bundle label as the UI lists it: its hypothesis, head, alpha and default threshold. */
export interface BundleLabel {
  name: string;
  hypothesis: string;
  /** The bundle has a PolyEncoder head for this label. */
  head: boolean;
  /** sigmoid(alpha_raw), the weight of NLI in the blend, as the manifest gives it (null without a head). */
  alpha: number | null;
  /** The threshold the bundle recommends. */
  threshold: number;
}

/** What the exporter measured of the variant in use (manifest `variants[dtype]`). */
export interface VariantFacts {
  /** Reference texts whose decisions match PyTorch fp32, of `texts`. */
  textsAgreeing: number;
  texts: number;
  /** Max |Δ entailment| against PyTorch fp32. */
  maxEntailmentError: number;
  /** Runs one sequence per run (its scores would depend on the batch otherwise). */
  runAlone: boolean;
  recommended: boolean;
  /** One line for people: the decisions and error behind `recommended`. */
  assessment: string;
}

/** The one evaluation figure a bundle's exporter chose to state (manifest `evaluation.headline`). */
export interface Headline {
  /** The evaluation table's row, e.g. 'Hybrid (CV thresholds)'. */
  system: string;
  macroF1: number;
  /** Validation texts it was measured on. */
  texts: number;
}

/** Everything the UI needs of a bundle; the manifest itself stays in the worker. */
export interface BundleInfo {
  id: string;
  name: string;
  /** What the bundle is, in one sentence (manifest `description`); null when the manifest has none. */
  description: string | null;
  /** The bundle's measured macro F1 as its evaluation states it; null without one. */
  headline: Headline | null;
  /** A demo bundle (random weights, or trained here on the seed data): the UI says so. */
  demo: boolean;
  /** The template zero-shot labels are filled into (`fillTemplate`). */
  hypothesisTemplate: string;
  labels: BundleLabel[];
  /** Facts of the variant running now; null if the manifest has none for it, or was derived (nothing was measured). */
  variant: VariantFacts | null;
  /** Derived in the browser from a Hub-style folder (no manifest.json of ours): NLI only, nothing measured. */
  derived: boolean;
  /** Where the weights came from (provenance.source_model: a Hub id, a URL, or what the exporter recorded). */
  source: string;
  /** The token-id reference the bundle names: spm.model, or tokenizer.json when a Hub-style folder has no spm.model. */
  tokenizerReference: string;
  /** The bundle has PolyEncoder heads (else every label is scored by NLI alone). */
  hasHeads: boolean;
}

/** The summary of `manifest` for the UI, with the facts of the variant `dtype`. */
export function bundleInfo(manifest: Manifest, dtype: Dtype): BundleInfo {
  const derived = manifest.provenance.exporter_version === DERIVED_EXPORTER_VERSION;
  const v = derived ? undefined : manifest.variants[dtype];
  const headline = manifest.evaluation?.headline;
  return {
    id: manifest.id,
    name: manifest.name,
    description: manifest.description ?? null,
    headline: headline ? { system: headline.system, macroF1: headline.macro_f1, texts: headline.texts } : null,
    demo: manifest.demo,
    hypothesisTemplate: manifest.hypothesis_template,
    labels: manifest.labels.map((l) => ({ name: l.name, hypothesis: l.hypothesis, head: l.head, alpha: l.alpha, threshold: l.threshold })),
    derived,
    source: manifest.provenance.source_model,
    tokenizerReference: manifest.tokenizer.sentencepiece_model,
    hasHeads: manifest.heads !== null,
    variant: v
      ? {
          textsAgreeing: v.decisions.texts_agreeing,
          texts: v.decisions.texts,
          maxEntailmentError: v.max_abs_error.entailment,
          runAlone: v.run_alone,
          recommended: v.recommended,
          assessment: v.assessment,
        }
      : null,
  };
}
