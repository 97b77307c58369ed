// manifest.types.ts and manifest.validate.js are generated from manifest.schema.json: fail when a committed copy is stale.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { generateManifestTypes, generateManifestValidator, TYPES_PATH, VALIDATOR_PATH } from '../../scripts/gen-manifest-types.mjs';

describe('manifest.types.ts', () => {
  it('is what `npm run gen:types` generates from manifest.schema.json', async () => {
    const committed = readFileSync(TYPES_PATH, 'utf8');
    const fresh = await generateManifestTypes();
    // toBe on the whole text would print both files; say what to do instead.
    expect(committed === fresh, 'src/engine/manifest.types.ts is out of date: run `npm run gen:types` and commit it').toBe(true);
  });
  it('manifest.validate.js is what `npm run gen:types` generates (Ajv standalone code: no compile at run time)', async () => {
    const committed = readFileSync(VALIDATOR_PATH, 'utf8');
    const fresh = await generateManifestValidator();
    expect(committed === fresh, 'src/engine/manifest.validate.js is out of date: run `npm run gen:types` and commit it').toBe(true);
    expect(committed).not.toMatch(/\brequire\(|new Function/);
  });
});
