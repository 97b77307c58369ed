// Formatting helpers: counts grouped as en-US writes them, without Intl.
import { describe, expect, it } from 'vitest';
import { formatCount } from './format';

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
