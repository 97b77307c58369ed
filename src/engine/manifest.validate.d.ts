// Types of the generated manifest validator (manifest.validate.js, Ajv standalone code from manifest.schema.json).
import type { ValidateFunction } from 'ajv/dist/2020';
import type { ModelBundleManifest } from './manifest.types';

/** True when the data matches manifest.schema.json; else `errors` lists every violation (with `data`: Ajv's verbose mode). */
declare const validate: ValidateFunction<ModelBundleManifest>;
export default validate;
export { validate };
