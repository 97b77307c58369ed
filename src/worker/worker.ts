// Web Worker entry: owns the tokenizer and the ONNX sessions; the UI thread never runs a model.
import { configureRuntime, ortVersion } from '../engine/session';
import { createTokenizer } from '../engine/tokenize';

configureRuntime();
self.postMessage({ type: 'hello', ortVersion, tokenizer: typeof createTokenizer });
