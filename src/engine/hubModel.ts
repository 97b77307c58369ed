// The manifest of a Hub-style model folder (the transformers.js layout, no manifest.json of ours), derived from its config, tokenizer and ONNX file names.
import seedLabels from '../../model-export/configs/seed-labels.json';
import variantTable from '../../model-export/model_export/variants.json';
import { BundleError, type FileCheck } from './bundle';
import { DEFAULT_HYPOTHESIS_TEMPLATE, DERIVED_EXPORTER_VERSION, DTYPES, type Dtype } from './constants';
import { type Manifest, ManifestError, parseManifest, type Variant } from './manifest';
import { fillTemplate } from './template';

/** The files a Hub-style folder must have besides its ONNX graphs. */
export const HUB_CONFIG = 'config.json';
export const HUB_TOKENIZER_FILES = ['tokenizer.json', 'tokenizer_config.json'] as const;
/** The model's own sentencepiece model: listed when present (the token-id reference), never downloaded. */
export const SPM_FILE = 'spm.model';

/** Where each variant's graph lies: the exporter's table (model_export/variants.json), which is transformers.js's naming. */
export const VARIANT_FILES: Readonly<Record<Dtype, string>> = Object.fromEntries(DTYPES.map((d) => [d, variantTable[d].file])) as Record<Dtype, string>;

/** Every file a derived manifest may name, in the order they are looked for. */
export function candidateFiles(): string[] {
  return [HUB_CONFIG, ...HUB_TOKENIZER_FILES, SPM_FILE, ...DTYPES.map((d) => VARIANT_FILES[d])];
}

/** Why a config is not an NLI model, by the exporter's rule (model_export/source.py resolve_nli_labels). */
export const NLI_REFUSALS = ['count', 'names', 'no_entailment', 'pairing'] as const;
export type NliRefusal = (typeof NLI_REFUSALS)[number];

/** A config.json whose id2label is no NLI head; `reason` says which rule it breaks. */
export class NotNliError extends BundleError {
  constructor(
    message: string,
    readonly reason: NliRefusal,
  ) {
    super(message);
  }
}

/** The NLI classes of a model: names lower-cased in logit order, and the two logits the score contrasts. */
export interface NliLabels {
  names: string[];
  entailmentId: number;
  notEntailmentId: number;
}

const NLI_NAMES = new Set(['entailment', 'not_entailment', 'contradiction', 'neutral']);

/** A class name as the exporter compares it: trimmed, lower-case, spaces and hyphens as '_'. */
const normName = (name: unknown): string => String(name).trim().toLowerCase().replace(/[\s-]+/g, '_');

/**
 * The entailment and contrast logits of a config, by the exporter's rule (model_export/source.py
 * `resolve_nli_labels`; shared cases in model_export/nli_label_cases.json): id2label (else label2id)
 * must name 2 classes {entailment, not_entailment or contradiction} or 3 {entailment, neutral,
 * contradiction}; a 3-way score contrasts entailment with contradiction. `what` names the model in messages.
 */
export function resolveNliLabels(config: { id2label?: unknown; label2id?: unknown }, what: string): NliLabels {
  let byId: Array<[number, unknown]> = Object.entries(asObject(config.id2label)).map(([k, v]) => [Number(k), v]);
  if (byId.length === 0) byId = Object.entries(asObject(config.label2id)).map(([k, v]) => [Number(v), k]);
  byId.sort((a, b) => a[0] - b[0]);
  const shown = JSON.stringify(Object.fromEntries(byId));
  const need = 'an NLI model has 2 classes (entailment, not_entailment) or 3 (entailment, neutral, contradiction)';
  const refuse = (reason: NliRefusal, why: string) =>
    new NotNliError(`${what} is not an NLI model: config.json id2label ${why} (${shown}); ${need}. Pick an NLI model, e.g. one fine-tuned on MNLI.`, reason);
  const n = byId.length;
  if ((n !== 2 && n !== 3) || byId.some(([id], i) => id !== i)) throw refuse('count', `has ${n === 0 ? 'no labels' : `${n} labels with ids ${byId.map(([id]) => id).join(', ')}`}`);
  const names = byId.map(([, name]) => normName(name));
  if (names.some((x) => !NLI_NAMES.has(x)) || new Set(names).size !== n) {
    throw refuse(names.includes('entailment') ? 'names' : 'no_entailment', names.includes('entailment') ? 'names classes other than the NLI ones' : 'has no entailment label');
  }
  if (!names.includes('entailment')) throw refuse('no_entailment', 'has no entailment label');
  const contrast = n === 2 ? names.find((x) => x !== 'entailment')! : 'contradiction';
  const pairs = n === 2 ? contrast === 'not_entailment' || contrast === 'contradiction' : new Set(names).has('neutral') && new Set(names).has('contradiction');
  if (!pairs) throw refuse('pairing', n === 2 ? `pairs entailment with ${contrast}` : 'is not entailment, neutral, contradiction');
  return { names, entailmentId: names.indexOf('entailment'), notEntailmentId: names.indexOf(contrast) };
}

function asObject(value: unknown): Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
}

/** A Hub-style folder as read so far: its files with what they are checked against, and the three JSON files the manifest comes from. */
export interface HubFolder {
  /** Names the model in messages and the UI, e.g. "Xenova/nli-deberta-v3-xsmall" or a URL. */
  label: string;
  /** provenance.source_model: the Hub id with its revision, or the URL. */
  source: string;
  files: ReadonlyMap<string, FileCheck>;
  config: unknown;
  tokenizerJson: unknown;
  tokenizerConfig: unknown;
}

/**
 * Fields the manifest schema requires of a variant but that only the exporter measures (errors
 * against PyTorch, decisions, batch dependence). A derived manifest has no measurements: these
 * zeros are never shown (bundleInfo gives a derived bundle no variant facts) and `assessment` says so.
 */
const UNMEASURED = {
  max_abs_error: { logits: 0, entailment: 0, last_hidden_state: 0 },
  decisions: { threshold: 0.5, pairs: 1, pairs_agreeing: 0, texts: 1, texts_agreeing: 0 },
  batch_dependence: 0,
} as const;

/** Default labels of a derived bundle: the project's seed labels (the sample CSV's), NLI only. */
const DEFAULT_LABELS: readonly string[] = seedLabels.labels.map((l) => l.name);

/** The id of a special token: tokenizer.json's added token with the content tokenizer_config.json names (else the usual DeBERTa one). */
function specialId(tokenizerJson: Record<string, unknown>, tokenizerConfig: Record<string, unknown>, key: string, fallback: string, what: string): number {
  const named = tokenizerConfig[key];
  const content = typeof named === 'string' ? named : typeof asObject(named).content === 'string' ? (asObject(named).content as string) : fallback;
  const added = Array.isArray(tokenizerJson.added_tokens) ? (tokenizerJson.added_tokens as unknown[]).map(asObject) : [];
  const hit = added.find((t) => t.content === content);
  if (hit && typeof hit.id === 'number') return hit.id;
  const vocab = asObject(tokenizerJson.model).vocab;
  const index = Array.isArray(vocab) ? vocab.findIndex((v) => Array.isArray(v) && v[0] === content) : -1;
  if (index >= 0) return index;
  throw new BundleError(`${what}: tokenizer.json has no token '${content}' (${key}), so sequences cannot be built. Is this a DeBERTa-v3 model?`);
}

/** A positive integer field of config.json, or a message naming it. */
function configInt(config: Record<string, unknown>, key: string, what: string): number {
  const v = config[key];
  if (typeof v === 'number' && Number.isInteger(v) && v >= 1) return v;
  throw new BundleError(`${what}: config.json has no usable '${key}' (${JSON.stringify(v)}). Is this a transformers model folder?`);
}

/** A folder-safe manifest id from a model's name. */
function slug(source: string): string {
  const s = source
    .toLowerCase()
    .replace(/^https?:\/\//, '')
    .replace(/[^a-z0-9._-]+/g, '-')
    .replace(/^[^a-z0-9]+/, '')
    .slice(0, 100);
  return s || 'hub-model';
}

/**
 * The manifest of a Hub-style folder: NLI classes from config.json, special ids from the tokenizer
 * files, a variant for each ONNX graph present (only fp32, the graph itself, is picked without
 * ?dtype=: the others were never measured against it), the project's seed labels, no heads.
 * It passes the same validator as an exported manifest, so the engine runs it unchanged.
 * Throws a BundleError that names the folder and says what is wrong and what to do.
 */
export function deriveManifest(folder: HubFolder): Manifest {
  const what = folder.label;
  const config = asObject(folder.config);
  const nli = resolveNliLabels(config, what);
  const modelType = config.model_type;
  if (modelType !== 'deberta-v2') {
    throw new BundleError(
      `${what} is a ${JSON.stringify(modelType ?? null)} model; this app runs DeBERTa-v2/v3 NLI models (config.json model_type "deberta-v2"), whose SentencePiece tokenizer it reproduces exactly. Pick a DeBERTa-v3 NLI model.`,
    );
  }
  if (typeof config.type_vocab_size === 'number' && config.type_vocab_size > 0) {
    throw new BundleError(`${what} uses token type ids (config.json type_vocab_size ${config.type_vocab_size}), which this app does not feed. Pick a DeBERTa-v3 NLI model.`);
  }
  for (const need of HUB_TOKENIZER_FILES) {
    if (!folder.files.has(need)) throw new BundleError(`${what} has no ${need}: the tokenizer cannot be built. Pick a repository in the transformers.js layout (config.json, tokenizer.json, tokenizer_config.json, onnx/model*.onnx).`);
  }
  const tokJson = asObject(folder.tokenizerJson);
  const tokConfig = asObject(folder.tokenizerConfig);
  if (asObject(tokJson.model).type !== 'Unigram') {
    throw new BundleError(`${what}: tokenizer.json's model is ${JSON.stringify(asObject(tokJson.model).type ?? null)}, not a SentencePiece Unigram as DeBERTa-v3's. Pick a DeBERTa-v3 NLI model.`);
  }
  const variants: Partial<Record<Dtype, Variant>> = {};
  for (const dtype of DTYPES) {
    const file = VARIANT_FILES[dtype];
    if (!folder.files.has(file)) continue;
    const spec = variantTable[dtype];
    const external = [`${file}_data`].filter((p) => folder.files.has(p));
    variants[dtype] = {
      backbone: file,
      external_data: external,
      weights: spec.weights as Variant['weights'],
      activations: spec.activations as Variant['activations'],
      requires_shader_f16: spec.requires_shader_f16,
      intended_backends: [...spec.intended_backends] as Variant['intended_backends'],
      method: `as published in ${what} (not made by model-export)`,
      ...UNMEASURED,
      // A graph that quantises its activations per batch (dynamic int8) gives a text scores that depend on its neighbours: one text per run.
      run_alone: dtype === 'q8',
      recommended: dtype === 'fp32',
      assessment:
        dtype === 'fp32'
          ? 'the model as published; not measured against PyTorch here (only model-export measures variants)'
          : `not measured: nobody compared this ${dtype} graph with the fp32 one, so the app uses it only when asked (?dtype=${dtype})`,
    };
  }
  if (Object.keys(variants).length === 0) {
    throw new BundleError(
      `${what} has no ONNX model: none of ${DTYPES.map((d) => VARIANT_FILES[d]).join(', ')}. Pick a repository with ONNX files in the transformers.js layout (e.g. a Xenova/… repository), or export the model with model-export.`,
    );
  }
  const listed = [HUB_CONFIG, ...HUB_TOKENIZER_FILES, ...(folder.files.has(SPM_FILE) ? [SPM_FILE] : []), ...Object.values(variants).flatMap((v) => [v.backbone, ...v.external_data])];
  const files: Manifest['files'] = {};
  for (const path of listed) {
    const check = folder.files.get(path)!;
    // The schema wants a sha256 for every file; where the server gave none the file is checked by the
    // source's own check (size, git blob id), and this entry is never compared (bundle.ts loadFile).
    files[path] = { bytes: check.bytes, sha256: check.sha256 ?? '0'.repeat(64) };
  }
  const maxPositions = typeof config.max_position_embeddings === 'number' ? config.max_position_embeddings : 512;
  const modelMax = typeof tokConfig.model_max_length === 'number' && tokConfig.model_max_length <= 100_000 ? tokConfig.model_max_length : maxPositions;
  const manifest: Manifest = {
    format: 2,
    id: slug(folder.source),
    name: `${folder.label} (NLI only)`,
    demo: false,
    backbone: {
      model_type: 'deberta-v2',
      hidden_size: configInt(config, 'hidden_size', what),
      num_layers: configInt(config, 'num_hidden_layers', what),
      num_attention_heads: configInt(config, 'num_attention_heads', what),
      vocab_size: configInt(config, 'vocab_size', what),
      num_nli_labels: nli.names.length as 2 | 3,
      nli_labels: nli.names,
      entailment_id: nli.entailmentId,
      not_entailment_id: nli.notEntailmentId,
      max_length_pair: Math.min(maxPositions, modelMax),
      max_length_text: 128,
      uses_token_type_ids: false,
      inputs: ['input_ids', 'attention_mask'],
      pad_multiple: 8,
      outputs: ['logits', 'last_hidden_state'],
    },
    tokenizer: {
      files: [...HUB_TOKENIZER_FILES],
      tokenizer_class: typeof tokConfig.tokenizer_class === 'string' ? tokConfig.tokenizer_class : 'DebertaV2Tokenizer',
      cls_token_id: specialId(tokJson, tokConfig, 'cls_token', '[CLS]', what),
      sep_token_id: specialId(tokJson, tokConfig, 'sep_token', '[SEP]', what),
      pad_token_id: specialId(tokJson, tokConfig, 'pad_token', '[PAD]', what),
      unk_token_id: specialId(tokJson, tokConfig, 'unk_token', '[UNK]', what),
      truncation: 'only_first',
      // Without spm.model, tokenizer.json (converted from it) is the only token-id reference there is.
      sentencepiece_model: folder.files.has(SPM_FILE) ? SPM_FILE : 'tokenizer.json',
    },
    files,
    variants,
    labels: DEFAULT_LABELS.map((name) => ({
      name,
      description: '',
      hypothesis: fillTemplate(DEFAULT_HYPOTHESIS_TEMPLATE, name),
      head: false,
      alpha: null,
      threshold: 0.5,
    })),
    hypothesis_template: DEFAULT_HYPOTHESIS_TEMPLATE,
    heads: null,
    evaluation: null,
    provenance: {
      source_model: folder.source,
      checkpoint: null,
      exporter_version: DERIVED_EXPORTER_VERSION,
      created_with: { torch: 'unknown', transformers: 'unknown', onnx: 'unknown', onnxruntime: 'unknown' },
      seed: null,
      opset: 0,
      validation: { pair_batch: [0, 0], text_batch: [0, 0], runtime: 'none', notes: 'not measured: derived from a Hub-style folder' },
    },
  };
  try {
    return parseManifest(manifest);
  } catch (error) {
    if (error instanceof ManifestError) throw new BundleError(`${what}: its files do not make a usable model (${error.message.replace(/ Re-export the bundle\.$/, '')}).`);
    throw error;
  }
}
