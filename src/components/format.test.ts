// Formatting helpers: what a load checked, in the Model panel's words; counts grouped as en-US writes them, without Intl.
import { describe, expect, it } from 'vitest';
import { checkSummary, formatCount } from './format';

describe('checkSummary', () => {
  const files = (...kinds: Array<'sha256' | 'git-sha1' | 'size'>) => kinds.map((checked) => ({ checked }));
  it('names the hashes checked and what they came from', () => {
    expect(checkSummary(files('sha256', 'sha256', 'sha256', 'sha256'), 'the manifest')).toBe('4 files checked against the manifest: sizes, and sha256 of 4');
    expect(checkSummary(files('git-sha1', 'git-sha1', 'sha256'), "the Hub's listing")).toBe("3 files checked against the Hub's listing: sizes, and sha256 of 1 and git blob id of 2");
    expect(checkSummary(files('size', 'sha256'), "the server's headers")).toBe("2 files checked against the server's headers: sizes, and sha256 of 1; 1 by size only (no hash given)");
  });
  it('says so when there were sizes only', () => {
    expect(checkSummary(files('size'), "the server's headers")).toBe("1 file checked against the server's headers: sizes only (it gave no hashes)");
  });
});

describe('formatCount', () => {
  it('writes whole numbers as toLocaleString("en-US") does', () => {
    for (const n of [0, 1, 12, 999, 1000, 1001, 12345, 100000, 999999, 1000000, 123456789, -1, -1000, -9876543, Number.MAX_SAFE_INTEGER]) {
      expect(formatCount(n)).toBe(n.toLocaleString('en-US'));
    }
  });
  it('leaves fractions and non-finite numbers to toLocaleString', () => {
    for (const n of [1234.5678, -0.5, Number.NaN, Number.POSITIVE_INFINITY, 2 ** 60]) expect(formatCount(n)).toBe(n.toLocaleString('en-US'));
  });
});
