// The one module that imports @huggingface/transformers: the bundle's tokenizer and our sequence building.
import { DebertaV2Tokenizer, env } from '@huggingface/transformers';
import { CharsMap, viterbiF32 } from './spm';

// Everything comes from the verified bundle files passed in: never the network.
env.allowRemoteModels = false;
env.useBrowserCache = false;

/** Special-token ids the sequences are built with (from the manifest). */
export interface SpecialIds {
  cls: number;
  sep: number;
  pad: number;
}

/** Tokenizes text into ids without special tokens; sequences are assembled by `pairIds`/`textIds`. */
export interface TextTokenizer {
  encode(text: string): number[];
  specials: SpecialIds;
}

/** A tokenizer whose input cannot be encoded (e.g. a hypothesis longer than the model allows). */
export class TokenizeError extends Error {
  override name = 'TokenizeError';
}

/** The parts of transformers.js' tokenizer pipeline that `exactSentencePiece` replaces (4.3.2 / @huggingface/tokenizers 0.2.0). */
interface TokenizerInternals {
  normalizer: ((text: string) => string) | null;
  model: {
    tokenize: (normalized: string) => string[];
    trie: { common_prefix_search: (chars: readonly string[], start: number) => Iterable<string> };
    tokens_to_ids: Map<string, number>;
    scores: number[];
    min_score: number;
  };
}

interface TokenizerJsonLayout {
  normalizer?: { type?: string; normalizers?: Array<{ type?: string; precompiled_charsmap?: string }> } | null;
  pre_tokenizer?: { type?: string; prepend_scheme?: string } | null;
  model?: { type?: string };
}

/**
 * Makes transformers.js tokenise as sentencepiece does: the `Precompiled` step applies the model's
 * own character map (transformers.js substitutes NFKC), and the Unigram model scores paths in
 * float32 (transformers.js uses float64, which breaks near-ties the other way).
 * NOTE: swaps parts of the tokenizer's internal pipeline, as transformers.js itself does for VITS
 * (https://github.com/huggingface/transformers.js/blob/main/src/models/vits/tokenization_vits.js);
 * the tokenizer goldens fail if a new version changes them.
 */
function exactSentencePiece(internals: TokenizerInternals, json: TokenizerJsonLayout): void {
  if (json.model?.type !== 'Unigram' || json.normalizer?.type !== 'Sequence' || json.pre_tokenizer?.type !== 'Metaspace') {
    throw new TokenizeError('tokenizer.json is not a SentencePiece Unigram tokenizer (Unigram model, normaliser Sequence, Metaspace).');
  }
  const model = internals.model;
  model.tokenize = (normalized) =>
    viterbiF32(Array.from(normalized), {
      prefixes: (chars, start) => model.trie.common_prefix_search(chars, start),
      score: (piece) => model.scores[model.tokens_to_ids.get(piece)!]!,
      minScore: model.min_score,
    });
  const steps = json.normalizer.normalizers ?? [];
  const stock = internals.normalizer as unknown as { normalizers: Array<{ normalize: (text: string) => string }> } & ((t: string) => string);
  steps.forEach((step, i) => {
    if (step.type === 'Precompiled') {
      const map = CharsMap.fromBase64(step.precompiled_charsmap ?? '');
      stock.normalizers[i] = { normalize: (text) => map.normalize(text) };
    }
  });
  // sentencepiece always adds its dummy prefix; Metaspace skips it when the text already starts
  // with U+2581 (possible when the map leaves U+2581 alone). A leading space makes Metaspace add it.
  const prepend = json.pre_tokenizer.prepend_scheme === 'always';
  internals.normalizer = (text) => {
    const normalized = stock(text);
    return prepend && normalized.startsWith('\u2581') ? ` ${normalized}` : normalized;
  };
}

/** Builds the bundle's DeBERTa-v2/v3 tokenizer from already-fetched tokenizer.json and tokenizer_config.json. */
export function createTokenizer(tokenizerJson: object, tokenizerConfig: object, specials: SpecialIds): TextTokenizer {
  const tokenizer = new DebertaV2Tokenizer(tokenizerJson, tokenizerConfig);
  exactSentencePiece((tokenizer as unknown as { _tokenizer: TokenizerInternals })._tokenizer, tokenizerJson);
  return {
    specials,
    encode: (text) => tokenizer.encode(text, { add_special_tokens: false }),
  };
}

/**
 * `[CLS] text [SEP] hypothesis [SEP]`, cutting only the text so the whole
 * sequence fits `maxLength`: the hypothesis is never cut. (transformers.js's own
 * pair truncation can cut the hypothesis of a long text, which changes what the
 * NLI model is asked.)
 */
export function pairIds(text: readonly number[], hypothesis: readonly number[], maxLength: number, s: SpecialIds): { ids: number[]; truncated: boolean } {
  const room = maxLength - 3 - hypothesis.length;
  if (room < 0) {
    throw new TokenizeError(
      `The hypothesis is ${hypothesis.length} tokens long; with the text it must fit in ${maxLength} tokens. Shorten the label's hypothesis.`,
    );
  }
  const kept = text.length > room ? text.slice(0, room) : text;
  return { ids: [s.cls, ...kept, s.sep, ...hypothesis, s.sep], truncated: kept.length < text.length };
}

/** `[CLS] text [SEP]`, the text cut to fit `maxLength` (the heads' text-only pass). */
export function textIds(text: readonly number[], maxLength: number, s: SpecialIds): { ids: number[]; truncated: boolean } {
  const room = maxLength - 2;
  const kept = text.length > room ? text.slice(0, room) : text;
  return { ids: [s.cls, ...kept, s.sep], truncated: kept.length < text.length };
}
