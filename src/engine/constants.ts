// Names shared by the engine and the UI thread (variants, backends), in a module with no imports, so the UI never pulls in manifest validation.

/** Backbone variants a bundle can hold, as manifest.json names them. */
export const DTYPES = ['fp32', 'fp16', 'q4f16', 'q4', 'q8'] as const;
export type Dtype = (typeof DTYPES)[number];

/** Execution backends of ONNX Runtime Web that the engine uses. */
export const BACKENDS = ['webgpu', 'wasm'] as const;
export type Backend = (typeof BACKENDS)[number];

/** How a text longer than a pair holds is read: cut to fit (as the model was trained; the default) or scored in token windows. */
export const LONG_TEXT_MODES = ['truncate', 'windows'] as const;
export type LongTextMode = (typeof LONG_TEXT_MODES)[number];

/** How a label's NLI scores over a text's windows become one: the highest, or their mean. */
export const WINDOW_AGGREGATES = ['max', 'mean'] as const;
export type WindowAggregate = (typeof WINDOW_AGGREGATES)[number];

/** The long-text option of a classify request; `stride` in tokens (at least 1; clamped to the window). */
export type LongTextOption = { mode: 'truncate' } | { mode: 'windows'; stride: number; aggregate: WindowAggregate };

export const TRUNCATE: LongTextOption = { mode: 'truncate' };

/** What choosing windows starts from: overlapping windows (stride about half a window of the real model), each label's best window. */
export const DEFAULT_WINDOWS = { mode: 'windows', stride: 256, aggregate: 'max' } as const satisfies LongTextOption;

/** The hypothesis template of labels the user adds, and of a derived (Hub-style) bundle's labels: model-export's default too (model_export/data.py). */
export const DEFAULT_HYPOTHESIS_TEMPLATE = 'This text is about {}.';

/** provenance.exporter_version of a manifest derived in the browser from a Hub-style folder (hubModel.ts), not exported by model-export. */
export const DERIVED_EXPORTER_VERSION = 'none: derived in the browser from a Hub-style folder';
