// The one module that imports @huggingface/transformers: the bundle's tokenizer and our sequence building.
import { DebertaV2Tokenizer, env } from '@huggingface/transformers';

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

/** Builds the bundle's DeBERTa-v2/v3 tokenizer from already-fetched tokenizer.json and tokenizer_config.json. */
export function createTokenizer(tokenizerJson: object, tokenizerConfig: object, specials: SpecialIds): TextTokenizer {
  const tokenizer = new DebertaV2Tokenizer(tokenizerJson, tokenizerConfig);
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
