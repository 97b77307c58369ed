// Web Worker entry: owns the tokenizer and the ONNX sessions; the UI thread never runs a model.
import { EngineHost } from '../engine/host';
import { configureRuntime, ortVersion, probeWebGpu } from '../engine/session';
import type { Request } from './protocol';
import { createServer } from './serve';

const receive = createServer({
  host: new EngineHost(),
  post: (message) => self.postMessage(message),
  probeGpu: probeWebGpu,
  threads: configureRuntime(),
  ortVersion,
});

// NOTE: ORT's WASM threads are separate workers started from ORT's own .mjs
// (wasmPaths in session.ts), so every message here is ours.
self.onmessage = (event: MessageEvent<Request>) => void receive(event.data);
