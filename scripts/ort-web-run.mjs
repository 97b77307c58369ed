#!/usr/bin/env node
// Runs ONNX graphs with ONNX Runtime Web's WASM backend (the build the app ships) for model-export's error checks.
// Usage: node scripts/ort-web-run.mjs job.json
//   job.json: { "graphs": {"name": "path.onnx" | {"path": "path.onnx", "external_data": ["path.onnx_data"]}}, "batches": [{"input_ids": [[..]], "attention_mask": [[..]]}],
//               "outputs": ["logits", "last_hidden_state"], "out_dir": "dir" }
// Writes out_dir/<name>.<batch>.<output>.f32 (raw little-endian float32, row-major) and prints a JSON summary.
import { readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import * as ort from 'onnxruntime-web/webgpu';

const job = JSON.parse(readFileSync(process.argv[2], 'utf8'));
ort.env.wasm.numThreads = 1;
ort.env.logLevel = 'error';
mkdirSync(job.out_dir, { recursive: true });
const summary = { ort_web: ort.env.versions.web, backend: 'wasm', files: [] };
for (const [name, graph] of Object.entries(job.graphs)) {
  const { path, external_data: external = [] } = typeof graph === 'string' ? { path: graph } : graph;
  // External data is named as the graph references it: relative to the graph's folder.
  const externalData = external.map((p) => ({ path: relative(dirname(path), p), data: new Uint8Array(readFileSync(p)) }));
  const session = await ort.InferenceSession.create(new Uint8Array(readFileSync(path)), {
    executionProviders: ['wasm'],
    graphOptimizationLevel: 'all',
    logSeverityLevel: 3,
    ...(externalData.length ? { externalData } : {}),
  });
  for (const [b, batch] of job.batches.entries()) {
    const B = batch.input_ids.length;
    const T = batch.input_ids[0].length;
    const feeds = {};
    for (const key of ['input_ids', 'attention_mask']) {
      feeds[key] = new ort.Tensor('int64', BigInt64Array.from(batch[key].flat(), BigInt), [B, T]);
    }
    const result = await session.run(feeds, job.outputs);
    for (const out of job.outputs) {
      const file = join(job.out_dir, `${name}.${b}.${out}.f32`);
      const data = result[out].data;
      writeFileSync(file, Buffer.from(data.buffer, data.byteOffset, data.byteLength));
      summary.files.push({ name, batch: b, output: out, dims: result[out].dims, file });
    }
  }
  await session.release();
}
console.log(JSON.stringify(summary));
