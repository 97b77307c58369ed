// Deriving a manifest from a Hub-style folder: the exporter's NLI-label rule (shared cases), variants by file name, special ids, refusals.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import cases from '../../model-export/model_export/nli_label_cases.json';
import type { FileCheck } from './bundle';
import { BundleError } from './bundle';
import { bundleInfo } from './info';
import { deriveManifest, type HubFolder, NotNliError, resolveNliLabels, VARIANT_FILES } from './hubModel';
import { DEMO_BUNDLE, readJson } from './fsSource.testutil';

type Case = { why: string; id2label?: Record<string, string>; label2id?: Record<string, number>; names?: string[]; entailment_id?: number; not_entailment_id?: number; error?: string };

describe('resolveNliLabels: the cases model-export runs too (model_export/nli_label_cases.json)', () => {
  for (const c of cases as Case[]) {
    it(c.why, () => {
      const config = { id2label: c.id2label, label2id: c.label2id };
      if (c.error) {
        const error = (() => {
          try {
            resolveNliLabels(config, 'org/model');
          } catch (e) {
            return e;
          }
          return null;
        })();
        expect(error).toBeInstanceOf(NotNliError);
        expect((error as NotNliError).reason).toBe(c.error);
        expect((error as Error).message).toMatch(/^org\/model is not an NLI model: config\.json id2label .*; an NLI model has 2 classes/);
      } else {
        expect(resolveNliLabels(config, 'org/model')).toEqual({ names: c.names, entailmentId: c.entailment_id, notEntailmentId: c.not_entailment_id });
      }
    });
  }

  it('says "has no entailment label" for a sentiment model', () => {
    expect(() => resolveNliLabels({ id2label: { 0: 'negative', 1: 'positive' } }, 'org/sentiment')).toThrow(
      'org/sentiment is not an NLI model: config.json id2label has no entailment label ({"0":"negative","1":"positive"})',
    );
  });
});

/** The demo bundle's files as a Hub-style folder: sizes, and sha256 from its manifest where `hashed`. */
function demoFolder(over: Partial<HubFolder> = {}, drop: string[] = [], hashed = true): HubFolder {
  const m = readJson<{ files: Record<string, { bytes: number; sha256: string }> }>(join(DEMO_BUNDLE, 'manifest.json'));
  const files = new Map<string, FileCheck>();
  for (const [path, f] of Object.entries(m.files)) if (!drop.includes(path)) files.set(path, { bytes: f.bytes, sha256: hashed ? f.sha256 : null });
  const json = (p: string): unknown => JSON.parse(readFileSync(join(DEMO_BUNDLE, p), 'utf8'));
  return {
    label: 'org/demo',
    source: 'org/demo',
    files,
    config: json('config.json'),
    tokenizerJson: json('tokenizer.json'),
    tokenizerConfig: json('tokenizer_config.json'),
    ...over,
  };
}

describe('deriveManifest', () => {
  it('derives what the exporter wrote for the demo bundle, less heads and measurements', () => {
    const exported = readJson<ReturnType<typeof deriveManifest>>(join(DEMO_BUNDLE, 'manifest.json'));
    const m = deriveManifest(demoFolder());
    expect(m.backbone).toEqual(exported.backbone);
    const { sentencepiece_model: spm, ...tok } = m.tokenizer;
    expect(spm).toBe('spm.model');
    expect(tok).toEqual({ ...exported.tokenizer, sentencepiece_model: undefined, files: ['tokenizer.json', 'tokenizer_config.json'] });
    expect(Object.keys(m.variants)).toEqual(['fp32', 'fp16', 'q4f16', 'q4', 'q8']);
    for (const [dtype, v] of Object.entries(m.variants)) {
      const e = exported.variants[dtype as keyof typeof exported.variants]!;
      expect(v.backbone).toBe(e.backbone);
      expect([v.weights, v.activations, v.requires_shader_f16, v.intended_backends]).toEqual([e.weights, e.activations, e.requires_shader_f16, e.intended_backends]);
      expect(v.recommended).toBe(dtype === 'fp32');
      expect(v.run_alone).toBe(dtype === 'q8');
    }
    expect(m.heads).toBeNull();
    expect(m.labels.map((l) => [l.name, l.hypothesis, l.head, l.threshold])).toEqual(
      ['Technology', 'Health', 'Finance', 'Economy', 'Environment'].map((n) => [n, `This text is about ${n}.`, false, 0.5]),
    );
    expect(m.id).toBe('org-demo');
    expect(m.name).toBe('org/demo (NLI only)');
    expect(m.files['onnx/model.onnx']).toEqual(exported.files['onnx/model.onnx']);
    expect(m.files['onnx/heads.onnx']).toBeUndefined();
  });

  it('gives the UI no measured facts for a derived bundle, and says it is derived', () => {
    const info = bundleInfo(deriveManifest(demoFolder()), 'fp32');
    expect(info).toMatchObject({ derived: true, variant: null, hasHeads: false, source: 'org/demo', tokenizerReference: 'spm.model', demo: false });
    const exported = bundleInfo(readJson(join(DEMO_BUNDLE, 'manifest.json')), 'fp32');
    expect(exported).toMatchObject({ derived: false, hasHeads: true });
    expect(exported.variant).not.toBeNull();
  });

  it('has only the variants whose files are there; names tokenizer.json the reference without spm.model', () => {
    const m = deriveManifest(demoFolder({}, ['onnx/model.onnx', 'onnx/model_fp16.onnx', 'spm.model'], false));
    expect(Object.keys(m.variants)).toEqual(['q4f16', 'q4', 'q8']);
    expect(Object.values(m.variants).every((v) => !v.recommended)).toBe(true);
    expect(m.tokenizer.sentencepiece_model).toBe('tokenizer.json');
    expect(m.files['spm.model']).toBeUndefined();
    expect(VARIANT_FILES.q8).toBe('onnx/model_quantized.onnx');
  });

  it('reads a 3-way config: entailment against contradiction', () => {
    const folder = demoFolder();
    const config = { ...(folder.config as object), id2label: { 0: 'CONTRADICTION', 1: 'NEUTRAL', 2: 'ENTAILMENT' } };
    const m = deriveManifest({ ...folder, config });
    expect([m.backbone.num_nli_labels, m.backbone.entailment_id, m.backbone.not_entailment_id, m.backbone.nli_labels]).toEqual([3, 2, 0, ['contradiction', 'neutral', 'entailment']]);
  });

  it('refuses what the engine cannot run, naming the model and what to do', () => {
    const folder = demoFolder();
    const config = folder.config as Record<string, unknown>;
    const refusal = (over: Partial<HubFolder>, drop: string[] = []) => {
      try {
        deriveManifest({ ...demoFolder({}, drop), ...over });
      } catch (error) {
        expect(error).toBeInstanceOf(BundleError);
        return (error as Error).message;
      }
      throw new Error('derived');
    };
    expect(refusal({ config: { ...config, id2label: { 0: 'LABEL_0', 1: 'LABEL_1' } } })).toMatch(/^org\/demo is not an NLI model: config\.json id2label has no entailment label/);
    expect(refusal({ config: { ...config, model_type: 'bert' } })).toMatch(/^org\/demo is a "bert" model; this app runs DeBERTa-v2\/v3 NLI models/);
    expect(refusal({ config: { ...config, type_vocab_size: 2 } })).toMatch(/uses token type ids/);
    expect(refusal({ config: { ...config, hidden_size: undefined } })).toMatch(/config\.json has no usable 'hidden_size'/);
    expect(refusal({}, Object.values(VARIANT_FILES))).toMatch(/^org\/demo has no ONNX model: none of onnx\/model\.onnx, .*e\.g\. a Xenova\/… repository/);
    expect(refusal({}, ['tokenizer.json'])).toMatch(/^org\/demo has no tokenizer\.json: the tokenizer cannot be built/);
    expect(refusal({ tokenizerJson: { ...(folder.tokenizerJson as object), model: { type: 'BPE' } } })).toMatch(/not a SentencePiece Unigram/);
    expect(refusal({ tokenizerJson: { ...(folder.tokenizerJson as object), added_tokens: [] }, tokenizerConfig: { cls_token: '<s>' } })).toMatch(
      /tokenizer\.json has no token '<s>' \(cls_token\)/,
    );
  });
});
