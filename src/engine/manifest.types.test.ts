// manifest.types.ts is generated from manifest.schema.json: fail when the committed copy is stale.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { generateManifestTypes, TYPES_PATH } from '../../scripts/gen-manifest-types.mjs';

describe('manifest.types.ts', () => {
  it('is what `npm run gen:types` generates from manifest.schema.json', async () => {
    const committed = readFileSync(TYPES_PATH, 'utf8');
    const fresh = await generateManifestTypes();
    // toBe on the whole text would print both files; say what to do instead.
    expect(committed === fresh, 'src/engine/manifest.types.ts is out of date: run `npm run gen:types` and commit it').toBe(true);
  });
});
