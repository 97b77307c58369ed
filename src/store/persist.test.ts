// Tests for per-bundle label settings: the storage key stays what earlier versions wrote, so saved settings survive updates.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { bundleInfo } from '../engine/info';
import type { Manifest } from '../engine/manifest';
import { labelsKey } from './persist';

describe('labelsKey', () => {
  it("is the demo bundle's key of earlier versions, computed from the bundle summary", () => {
    const manifest = JSON.parse(readFileSync(new URL('../../public/models/demo-fixture/manifest.json', import.meta.url), 'utf8')) as Manifest;
    // Written by the app before the summary existed (from the whole manifest).
    expect(labelsKey(bundleInfo(manifest, 'fp32'))).toBe('zeroshot.labels.v1.demo-fixture.9585dce5');
  });
});
