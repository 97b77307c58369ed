// The model-bundle manifest: types generated from model-export's JSON Schema, and its validation.
// The checks (format, schema, cross-field rules) and their words are the same as model-export's
// model_export/manifest_rules.py; both run the shared cases in model_export/manifest_invalid_cases.json.
import type { ErrorObject } from 'ajv/dist/2020';
import schema from '../../model-export/model_export/manifest.schema.json';
import type { Dtype } from './constants';
import type { Heads, ManifestLabel, ModelBundleManifest, Variant } from './manifest.types';
import validateSchema from './manifest.validate.js';

export type { HeadsError, HeadsSource, ManifestLabel, Variant, VariantError } from './manifest.types';

/** A parsed, validated manifest.json (generated from manifest.schema.json by `npm run gen:types`). */
export type Manifest = ModelBundleManifest;
/** The heads section of a bundle that has heads. */
export type HeadsInfo = NonNullable<Heads>;
export type { Backend, Dtype } from './constants';

/** Manifest format versions this app reads (the schema's `format` const). */
export const SUPPORTED_FORMATS: readonly number[] = [schema.properties.format.const];

/** A manifest that cannot be used, with a message that says what to do. */
export class ManifestError extends Error {
  override name = 'ManifestError';
}

/** Schema violations listed in one message; the rest are counted. */
const MAX_SCHEMA_LINES = 5;

/**
 * Checks parsed manifest.json: format version first (its own message, since other fields of
 * another format may legitimately differ), then the schema, then the cross-field rules.
 */
export function parseManifest(data: unknown): Manifest {
  if (typeof data !== 'object' || data === null || Array.isArray(data)) {
    throw new ManifestError('manifest.json is not a JSON object: this is not a model bundle manifest.');
  }
  if (!('format' in data)) throw new ManifestError("manifest.json has no 'format' field: this is not a model bundle manifest.");
  const format = data.format;
  if (!SUPPORTED_FORMATS.includes(format as number)) {
    throw new ManifestError(
      `This bundle's manifest format is ${JSON.stringify(format)}, but this version reads format ${SUPPORTED_FORMATS.join(', ')} only. ` +
        'Re-export the bundle with the model-export of this version, or update the app.',
    );
  }
  const problem = schemaProblem(data) ?? crossFieldProblem(data as Manifest);
  if (problem !== null) throw new ManifestError(problem);
  return data as Manifest;
}

/** The schema violations of `data` as one message, or null when it matches the schema. */
function schemaProblem(data: unknown): string | null {
  if (validateSchema(data)) return null;
  const lines = [...new Set((validateSchema.errors ?? []).flatMap(describe))].sort();
  if (lines.length === 0) return null;
  const more = lines.length > MAX_SCHEMA_LINES ? ` (and ${lines.length - MAX_SCHEMA_LINES} more)` : '';
  return `manifest.json does not match the bundle schema (manifest.schema.json): ${lines.slice(0, MAX_SCHEMA_LINES).join('; ')}${more}. Re-export the bundle.`;
}

const COMPARISONS: Record<string, string> = { minimum: '>=', maximum: '<=', exclusiveMinimum: '>', exclusiveMaximum: '<' };
const COUNTS: Record<string, [string, string]> = {
  minLength: ['at least', 'character'],
  maxLength: ['at most', 'character'],
  minItems: ['at least', 'item'],
  maxItems: ['at most', 'item'],
  minProperties: ['at least', 'key'],
  maxProperties: ['at most', 'key'],
};

const escapeKey = (key: string) => key.replaceAll('~', '~0').replaceAll('/', '~1');

/** A value as the message shows it, the same in Python: JSON for strings, booleans, null and numbers both print alike; else its kind. */
function shown(value: unknown): string {
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return JSON.stringify(value);
  if (typeof value === 'number') {
    if (Number.isInteger(value)) return Math.abs(value) < 2 ** 53 ? String(value) : 'a number';
    // Python and JavaScript print the same shortest digits; their exponent notations differ outside this range.
    return Math.abs(value) >= 1e-4 && Math.abs(value) < 1e16 ? String(value) : 'a number';
  }
  return Array.isArray(value) ? 'an array' : 'an object';
}

/** One line per violation, worded as model_export.manifest_rules words jsonschema's errors. */
function describe(e: ErrorObject): string[] {
  // Ajv reports a bad key twice (the key's own failure, then propertyNames) and a failed if/then twice.
  if (e.propertyName !== undefined || e.keyword === 'if') return [];
  const at = e.instancePath || '/';
  const p = e.params as Record<string, unknown>;
  const got = ` (got ${shown(e.data)})`;
  switch (e.keyword) {
    case 'propertyNames':
      return [`${at} has an invalid key ${JSON.stringify(p.propertyName)}`];
    case 'required':
      return [`${e.instancePath}/${escapeKey(String(p.missingProperty))} is missing`];
    case 'additionalProperties':
      return [`${e.instancePath}/${escapeKey(String(p.additionalProperty))} is not allowed`];
    case 'type':
      return [`${at} must be ${[p.type].flat().join(' or ')}${got}`];
    case 'const':
      return [`${at} must be ${JSON.stringify(p.allowedValue)}${got}`];
    case 'enum':
      return [`${at} must be one of ${(p.allowedValues as unknown[]).map((v) => JSON.stringify(v)).join(', ')}${got}`];
    case 'pattern':
      return [`${at} must match ${JSON.stringify(p.pattern)}${got}`];
    case 'uniqueItems':
      return [`${at} must not contain duplicates`];
  }
  const comparison = COMPARISONS[e.keyword];
  if (comparison) return [`${at} must be ${comparison} ${JSON.stringify(p.limit)}${got}`];
  const count = COUNTS[e.keyword];
  if (count) return [`${at} must have ${count[0]} ${String(p.limit)} ${count[1]}${p.limit === 1 ? '' : 's'}`];
  return [`${at} is invalid (${e.keyword})`];
}

/**
 * The first rule a schema-valid manifest breaks that the schema cannot express, or null.
 * Same rules, order and words as cross_field_problem in model_export/manifest_rules.py.
 */
function crossFieldProblem(m: Manifest): string | null {
  const bb = m.backbone;
  const [n, ent, notEnt] = [bb.num_nli_labels, bb.entailment_id, bb.not_entailment_id];
  if (bb.nli_labels.length !== n) return `backbone.nli_labels has ${bb.nli_labels.length} names, but num_nli_labels is ${n}.`;
  if (!(ent < n && notEnt < n)) {
    return `backbone.entailment_id (${ent}) and not_entailment_id (${notEnt}) must both be below num_nli_labels (${n}).`;
  }
  if (ent === notEnt) return `backbone.entailment_id and not_entailment_id are both ${ent}; they must differ.`;
  if (bb.uses_token_type_ids !== bb.inputs.includes('token_type_ids')) {
    return 'backbone.inputs must contain token_type_ids exactly when uses_token_type_ids is true.';
  }
  if (bb.inputs[0] !== 'input_ids' || bb.inputs[1] !== 'attention_mask') return 'backbone.inputs must start with input_ids, attention_mask.';

  const tok = m.tokenizer;
  for (const need of ['tokenizer.json', 'tokenizer_config.json']) {
    if (!tok.files.includes(need)) return `tokenizer.files has no ${need}: the tokenizer cannot be built.`;
  }
  const heads = m.heads;
  const referenced: [string, string][] = tok.files.map((path) => [path, 'tokenizer.files']);
  referenced.push([tok.sentencepiece_model, 'tokenizer.sentencepiece_model']);
  for (const [dtype, v] of Object.entries(m.variants) as [Dtype, Variant][]) {
    for (const path of [v.backbone, ...v.external_data]) referenced.push([path, `variants.${dtype}`]);
  }
  if (heads !== null) referenced.push([heads.file, 'heads.file']);
  for (const [path, where] of referenced) {
    if (!Object.hasOwn(m.files, path)) return `manifest.json refers to '${path}' (${where}) but does not list it in 'files'.`;
  }

  const seen = new Set<string>();
  for (const label of m.labels) {
    const name = label.name;
    if (seen.has(name)) return `Label '${name}' appears twice in labels.`;
    seen.add(name);
    if (label.head && label.alpha === null) return `Label '${name}' has a head but no alpha.`;
    if (!label.head && label.alpha !== null) return `Label '${name}' has an alpha but no head.`;
    if (label.head && heads === null) return `Label '${name}' has a head, but the bundle has no heads graph.`;
    if (label.head && !heads!.labels.includes(name)) return `Label '${name}' has a head, but heads.labels has no column for it.`;
  }
  if (heads !== null) {
    const withHead = new Set(m.labels.filter((l: ManifestLabel) => l.head).map((l) => l.name));
    for (const name of heads.labels) {
      if (!withHead.has(name)) return `heads.labels names '${name}', which is not a label with a head.`;
    }
    if (heads.hidden_size !== bb.hidden_size) {
      return `heads.hidden_size (${heads.hidden_size}) differs from backbone.hidden_size (${bb.hidden_size}).`;
    }
  }
  return null;
}
