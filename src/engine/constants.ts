// Names shared by the engine and the UI thread (variants, backends), in a module with no imports, so the UI never pulls in manifest validation.

/** Backbone variants a bundle can hold, as manifest.json names them. */
export const DTYPES = ['fp32', 'fp16', 'q4f16', 'q4', 'q8'] as const;
export type Dtype = (typeof DTYPES)[number];

/** Execution backends of ONNX Runtime Web that the engine uses. */
export const BACKENDS = ['webgpu', 'wasm'] as const;
export type Backend = (typeof BACKENDS)[number];
