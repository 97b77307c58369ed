// The model-bundle manifest: TypeScript mirror of model-export's JSON Schema, and its validation.
import Ajv2020 from 'ajv/dist/2020';
import schema from '../../model-export/model_export/manifest.schema.json';
import type { Backend, Dtype } from './constants';

/** Manifest format versions this app reads. */
export const SUPPORTED_FORMATS = [2] as const;

export interface VariantError {
  logits: number;
  entailment: number;
  last_hidden_state: number;
}

export interface Variant {
  backbone: string;
  external_data: string[];
  weights: 'fp32' | 'fp16' | 'int4' | 'int8';
  activations: 'fp32' | 'fp16';
  requires_shader_f16: boolean;
  intended_backends: Backend[];
  method: string;
  max_abs_error: VariantError;
  /** NLI decisions at `threshold` against PyTorch fp32 on the exporter's reference pairs. */
  decisions: { threshold: number; pairs: number; pairs_agreeing: number; texts: number; texts_agreeing: number };
  /** Max |Δ entailment| of a pair scored alone vs inside a padded batch of 16. */
  batch_dependence: number;
  /** The variant's scores depend on batch neighbours: run one sequence per run. */
  run_alone: boolean;
  /** False when the variant misses the exporter's accuracy bounds: never picked automatically. */
  recommended: boolean;
  /** One line for people: the decisions and error behind `recommended`. */
  assessment: string;
}

export interface ManifestLabel {
  name: string;
  description: string;
  hypothesis: string;
  head: boolean;
  alpha: number | null;
  threshold: number;
}

export interface HeadsInfo {
  file: string;
  num_codes: number;
  proj_dim: number;
  labels: string[];
  max_abs_error?: number | Record<string, number>;
  [extra: string]: unknown;
}

export interface Manifest {
  format: 2;
  id: string;
  name: string;
  demo: boolean;
  backbone: {
    model_type: 'deberta-v2';
    hidden_size: number;
    num_layers: number;
    num_attention_heads: number;
    vocab_size: number;
    num_nli_labels: 2 | 3;
    nli_labels: string[];
    entailment_id: number;
    not_entailment_id: number;
    max_length_pair: number;
    max_length_text: number;
    uses_token_type_ids: boolean;
    /** Batches are right-padded to a multiple of this many tokens (batch invariance on WASM). */
    pad_multiple: number;
    inputs: Array<'input_ids' | 'attention_mask' | 'token_type_ids'>;
    outputs: ['logits', 'last_hidden_state'];
  };
  tokenizer: {
    files: string[];
    tokenizer_class: string;
    cls_token_id: number;
    sep_token_id: number;
    pad_token_id: number;
    unk_token_id: number;
    truncation: 'only_first';
    /** The model's own sentencepiece model: the reference for token ids (not downloaded by the app). */
    sentencepiece_model: string;
  };
  files: Record<string, { bytes: number; sha256: string }>;
  variants: Partial<Record<Dtype, Variant>>;
  labels: ManifestLabel[];
  hypothesis_template: string;
  heads: HeadsInfo | null;
  evaluation: Record<string, unknown> | null;
  provenance: Record<string, unknown>;
}

/** A manifest that cannot be used, with a message that says what to do. */
export class ManifestError extends Error {
  override name = 'ManifestError';
}

const ajv = new Ajv2020({ allErrors: true, strict: false });
const validateSchema = ajv.compile<Manifest>(schema);

/**
 * Checks parsed manifest.json against the schema; rejects unknown format versions
 * first, with their own message, since their other fields may legitimately differ.
 */
export function parseManifest(data: unknown): Manifest {
  if (typeof data !== 'object' || data === null || Array.isArray(data)) {
    throw new ManifestError('manifest.json is not a JSON object. Point the app at a bundle folder written by `python -m model_export export`.');
  }
  const format = (data as { format?: unknown }).format;
  if (!SUPPORTED_FORMATS.includes(format as 2)) {
    throw new ManifestError(
      `This bundle's manifest format is ${JSON.stringify(format)}, but this app reads format ${SUPPORTED_FORMATS.join(', ')}. ` +
        'Re-export the bundle with this version of model-export, or update the app.',
    );
  }
  if (!validateSchema(data)) {
    const details = (validateSchema.errors ?? [])
      .slice(0, 5)
      .map((e) => `${e.instancePath || '/'} ${e.message ?? 'is invalid'}`)
      .join('; ');
    throw new ManifestError(`manifest.json does not match the bundle schema: ${details}. Re-export the bundle.`);
  }
  checkConsistency(data);
  return data;
}

/** Cross-field rules the schema cannot express. */
function checkConsistency(m: Manifest): void {
  const missing = (path: string) => !(path in m.files);
  for (const path of m.tokenizer.files) {
    if (missing(path)) throw new ManifestError(`manifest.json lists tokenizer file '${path}' but not its size and sha256 in 'files'.`);
  }
  for (const need of ['tokenizer.json', 'tokenizer_config.json']) {
    if (!m.tokenizer.files.includes(need)) throw new ManifestError(`The bundle has no ${need}; the tokenizer cannot be built. Re-export the bundle.`);
  }
  for (const [dtype, v] of Object.entries(m.variants)) {
    for (const path of [v.backbone, ...v.external_data]) {
      if (missing(path)) throw new ManifestError(`Variant ${dtype} needs '${path}', which 'files' does not list.`);
    }
  }
  const names = new Set<string>();
  for (const label of m.labels) {
    if (names.has(label.name)) throw new ManifestError(`Label '${label.name}' appears twice in manifest.json.`);
    names.add(label.name);
    if (label.head && (m.heads === null || !m.heads.labels.includes(label.name))) {
      throw new ManifestError(`Label '${label.name}' is marked as having a head, but the heads graph has no column for it.`);
    }
    if (label.head && label.alpha === null) throw new ManifestError(`Label '${label.name}' has a head but no alpha.`);
  }
  if (m.heads !== null && missing(m.heads.file)) throw new ManifestError(`The heads graph '${m.heads.file}' is not listed in 'files'.`);
}
