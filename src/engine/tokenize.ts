// The one module that imports @huggingface/transformers: builds the bundle's tokenizer from its JSON files.
import { DebertaV2Tokenizer, env } from '@huggingface/transformers';

// Everything comes from the verified bundle files we pass in: never the network.
env.allowRemoteModels = false;
env.useBrowserCache = false;

/** A DeBERTa-v2/v3 tokenizer built from already-fetched tokenizer.json and tokenizer_config.json. */
export function createTokenizer(tokenizerJson: object, tokenizerConfig: object): DebertaV2Tokenizer {
  return new DebertaV2Tokenizer(tokenizerJson, tokenizerConfig);
}
