// The one module that imports @huggingface/transformers: the bundle's tokenizer and our sequence building.
import { DebertaV2Tokenizer, env } from '@huggingface/transformers';
import { BundleError } from './bundle';
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
  /**
   * The first ids of `encode(text)`, tokenising only as much of the text as that takes: either
   * more than `n` ids (`complete` false: the text has more) or all of them (`complete` true).
   */
  encodeHead(text: string, n: number): { ids: number[]; complete: boolean };
  specials: SpecialIds;
}

/** sentencepiece's space handling after its character map, as model_export/tokenizer.py writes it into tokenizer.json. */
const WHITESPACE_STEPS_JSON = JSON.stringify([
  { type: 'Replace', pattern: { Regex: ' {2,}' }, content: ' ' },
  { type: 'Replace', pattern: { Regex: '^ ' }, content: '' },
  { type: 'Replace', pattern: { Regex: ' $' }, content: '' },
]);

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
    encode: (preTokens: string[]) => string[];
    tokens_to_ids: Map<string, number>;
    scores: number[];
    min_score: number;
  };
}

interface TokenizerJsonLayout {
  normalizer?: { type?: string; normalizers?: Array<{ type?: string; precompiled_charsmap?: string; pattern?: unknown; content?: string }> } | null;
  pre_tokenizer?: MetaspaceLayout | { type: 'Sequence'; pretokenizers?: MetaspaceLayout[] } | null;
  model?: { type?: string };
}

interface MetaspaceLayout {
  type?: string;
  prepend_scheme?: string;
  /** The older spelling of prepend_scheme 'always' (tokenizers before 0.14). */
  add_prefix_space?: boolean;
}

/** The Metaspace pre-tokenizer of a tokenizer.json, alone or as the one step of a Sequence; null otherwise. */
function metaspaceOf(pre: TokenizerJsonLayout['pre_tokenizer']): MetaspaceLayout | null {
  if (pre?.type === 'Metaspace') return pre;
  if (pre?.type === 'Sequence' && 'pretokenizers' in pre && pre.pretokenizers?.length === 1 && pre.pretokenizers[0]!.type === 'Metaspace') return pre.pretokenizers[0]!;
  return null;
}

/** Normaliser steps that only trim or collapse spaces, which sentencepiece does in its own way (WHITESPACE_STEPS). */
const SPACE_STEPS = new Set([JSON.stringify({ type: 'Strip', strip_left: true, strip_right: true }), ...(JSON.parse(WHITESPACE_STEPS_JSON) as object[]).map((x) => JSON.stringify(x))]);

/**
 * A tokenizer.json of a SentencePiece Unigram model in the layout our exporter writes
 * (model_export/tokenizer.py): the character map, then sentencepiece's space handling, then a
 * non-splitting Metaspace that always prepends. transformers' DebertaV2Converter, which made the
 * tokenizer.json of Hub repositories, writes the same model as Strip, the map, collapsed spaces and a
 * Metaspace that splits at U+2581 inside a Sequence: ids that differ from sentencepiece's on texts
 * with zero-width characters or a literal U+2581. Those layouts are rewritten to ours, the same
 * vocabulary and character map with sentencepiece's own steps; anything else (lower-casing,
 * split_by_punct) is returned as is, and refused by exactSentencePiece.
 */
export function canonicalSentencePiece(json: TokenizerJsonLayout): TokenizerJsonLayout {
  const steps = json.normalizer?.type === 'Sequence' ? (json.normalizer.normalizers ?? []) : null;
  const meta = metaspaceOf(json.pre_tokenizer);
  if (json.model?.type !== 'Unigram' || steps === null || meta === null) return json;
  const maps = steps.filter((step) => step.type === 'Precompiled');
  const others = steps.filter((step) => step.type !== 'Precompiled');
  const prepends = meta.prepend_scheme === 'always' || (meta.prepend_scheme === undefined && meta.add_prefix_space === true);
  if (maps.length > 1 || !prepends || !others.every((step) => SPACE_STEPS.has(JSON.stringify(step)))) return json;
  return {
    ...json,
    normalizer: { type: 'Sequence', normalizers: [...maps, ...(JSON.parse(WHITESPACE_STEPS_JSON) as object[])] },
    pre_tokenizer: { type: 'Metaspace', replacement: '\u2581', prepend_scheme: 'always', split: false } as MetaspaceLayout,
  };
}

/**
 * Makes transformers.js tokenise as sentencepiece does: the `Precompiled` step applies the model's
 * own character map (transformers.js substitutes NFKC), and the Unigram model scores paths in
 * float32 (transformers.js uses float64, which breaks near-ties the other way).
 * NOTE: swaps parts of the tokenizer's internal pipeline, as transformers.js itself does for VITS
 * (https://github.com/huggingface/transformers.js/blob/main/src/models/vits/tokenization_vits.js);
 * the tokenizer goldens fail if a new version changes them.
 */
function exactSentencePiece(internals: TokenizerInternals, json: TokenizerJsonLayout): () => ReadonlySet<string> {
  const metaspace = json.pre_tokenizer?.type === 'Metaspace' ? json.pre_tokenizer : null;
  if (json.model?.type !== 'Unigram' || json.normalizer?.type !== 'Sequence' || metaspace === null) {
    throw new BundleError(
      'tokenizer.json is not a SentencePiece Unigram tokenizer as DeBERTa-v3 has (Unigram model, normaliser Sequence, Metaspace pre-tokenizer). Re-export the bundle with model-export, which writes one.',
    );
  }
  const model = internals.model;
  model.tokenize = (normalized) =>
    viterbiF32(Array.from(normalized), {
      prefixes: (chars, start) => model.trie.common_prefix_search(chars, start),
      score: (piece) => model.scores[model.tokens_to_ids.get(piece)!]!,
      minScore: model.min_score,
    });
  // transformers.js appends each pre-token's pieces with `push(...pieces)`: with Metaspace
  // split=false the whole text is one pre-token, and a text of ~100k pieces overflows the stack.
  model.encode = (preTokens) => {
    const out: string[] = [];
    for (const t of preTokens) for (const p of model.tokenize(t)) out.push(p);
    return out;
  };
  const steps = json.normalizer.normalizers ?? [];
  let charsMap: CharsMap | null = null;
  const stock = internals.normalizer as unknown as { normalizers: Array<{ normalize: (text: string) => string }> } & ((t: string) => string);
  steps.forEach((step, i) => {
    if (step.type === 'Precompiled') {
      const map = CharsMap.fromBase64(step.precompiled_charsmap ?? '');
      charsMap = map;
      stock.normalizers[i] = { normalize: (text) => map.normalize(text) };
    }
  });
  // sentencepiece always adds its dummy prefix; Metaspace skips it when the text already starts
  // with U+2581 (possible when the map leaves U+2581 alone). A leading space makes Metaspace add it.
  const prepend = metaspace.prepend_scheme === 'always' || (metaspace.prepend_scheme === undefined && metaspace.add_prefix_space === true);
  internals.normalizer = (text) => {
    const normalized = stock(text);
    return prepend && normalized.startsWith('\u2581') ? ` ${normalized}` : normalized;
  };
  let cuts: ReadonlySet<string> | null = null;
  return () => (cuts ??= cutChars(steps, charsMap, model.tokens_to_ids));
}

/** The whitespace steps tokenizer.json carries after the character map (model_export/tokenizer.py writes them). */
const WHITESPACE_STEPS = WHITESPACE_STEPS_JSON;

/**
 * The characters before which a text may be cut without changing the ids of what comes before.
 * A character `c` qualifies when
 *  1. the character map never joins it with a neighbour (its byte is in no key of two or more
 *     bytes), so the text before it is mapped as if it ended there, and `c` itself maps to ' ';
 *  2. the only other normalisation is collapsing space runs and trimming one space at either end,
 *     so the normalised text before the cut is exactly the normalised prefix, followed by U+2581
 *     (or the end) in the whole text;
 *  3. no piece of the vocabulary holds U+2581 after its first character, so no piece crosses that
 *     U+2581: every segmentation of the whole text, the best one included, splits there, and the
 *     Viterbi's choices up to it depend only on the characters up to it.
 * Then the ids of the prefix are the first ids of the whole text. Anything else: no cut at all.
 */
function cutChars(steps: ReadonlyArray<{ type?: string }>, map: CharsMap | null, vocab: Map<string, number>): ReadonlySet<string> {
  const none = new Set<string>();
  const rest = steps.slice(map ? 1 : 0);
  if ((map && steps[0]?.type !== 'Precompiled') || JSON.stringify(rest) !== WHITESPACE_STEPS) return none;
  if (!vocab.has('\u2581')) return none;
  for (const piece of vocab.keys()) if (piece.indexOf('\u2581', 1) > 0) return none;
  const joined = map ? map.joinedBytes() : new Set<number>();
  const mapped = (c: string): string => (map ? map.normalize(c) : c);
  return new Set([' ', '\t', '\n', '\r', '\f'].filter((c) => !joined.has(c.charCodeAt(0)) && mapped(c) === ' '));
}

/** First index at or after `from` whose character is in `cuts`, or -1. */
function nextCut(text: string, from: number, cuts: ReadonlySet<string>): number {
  for (let i = from; i < text.length; i++) if (cuts.has(text[i]!)) return i;
  return -1;
}

/** Characters of text tried first for `n` tokens: generous (a token is rarely over 8 characters); more are taken when short. */
const CHARS_PER_TOKEN = 8;

/**
 * `encode`'s first ids: tokenises a prefix cut before a safe character (see `cutChars`) that is
 * long enough to give more than `n` ids, doubling it until it does, or else the whole text.
 */
export function encodeHead(
  text: string,
  n: number,
  encode: (text: string) => number[],
  cuts: () => ReadonlySet<string>,
): { ids: number[]; complete: boolean } {
  let from = CHARS_PER_TOKEN * (Math.max(n, 0) + 1);
  while (from < text.length) {
    const cut = nextCut(text, from, cuts());
    if (cut < 0) break;
    const ids = encode(text.slice(0, cut));
    if (ids.length > n) return { ids, complete: false };
    from = 2 * cut;
  }
  return { ids: encode(text), complete: true };
}

/** Builds the bundle's DeBERTa-v2/v3 tokenizer from already-fetched tokenizer.json and tokenizer_config.json. */
export function createTokenizer(
  tokenizerJson: object,
  tokenizerConfig: object,
  specials: SpecialIds,
): TextTokenizer & { /** The characters `encodeHead` may cut a text before (for tests). */ cutChars: () => ReadonlySet<string> } {
  const json = canonicalSentencePiece(tokenizerJson);
  const tokenizer = new DebertaV2Tokenizer(json, tokenizerConfig);
  const cuts = exactSentencePiece((tokenizer as unknown as { _tokenizer: TokenizerInternals })._tokenizer, json);
  const encode = (text: string): number[] => tokenizer.encode(text, { add_special_tokens: false });
  return {
    specials,
    encode,
    encodeHead: (text, n) => encodeHead(text, n, encode, cuts),
    cutChars: cuts,
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

/**
 * [start, end) token spans of a text of `tokens` tokens read in windows of `room` tokens: one span
 * when it fits; else one starting every `stride` tokens (clamped to `room`, so no token is skipped),
 * the last ending at the text's end. The one TS statement of model_export/windows.py `window_spans`
 * (shared cases: model_export/window_cases.json).
 */
export function windowSpans(tokens: number, room: number, stride: number): Array<[number, number]> {
  if (!(room >= 1)) throw new RangeError(`room must be at least 1 token, got ${room}`);
  if (!(stride >= 1)) throw new RangeError(`stride must be at least 1 token, got ${stride}`);
  if (tokens <= room) return [[0, tokens]];
  const step = Math.min(Math.floor(stride), room);
  const spans: Array<[number, number]> = [];
  for (let s = 0; s < tokens - room; s += step) spans.push([s, s + room]);
  spans.push([tokens - room, tokens]);
  return spans;
}

/** `[CLS] text [SEP]`, the text cut to fit `maxLength` (the heads' text-only pass). */
export function textIds(text: readonly number[], maxLength: number, s: SpecialIds): { ids: number[]; truncated: boolean } {
  const room = maxLength - 2;
  const kept = text.length > room ? text.slice(0, room) : text;
  return { ids: [s.cls, ...kept, s.sep], truncated: kept.length < text.length };
}
