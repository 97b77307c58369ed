// Tests that PyRandom reproduces CPython's random module (expected values printed by CPython 3.11).
import { describe, expect, it } from 'vitest';
import { PyRandom } from './pyrandom';

describe('PyRandom', () => {
  it('yields the same 32-bit words as random.Random(42).getrandbits(32)', () => {
    const r = new PyRandom(42);
    expect([r.nextUint32(), r.nextUint32(), r.nextUint32()]).toEqual([2746317213, 478163327, 107420369]);
  });

  it('shuffles like random.Random(seed).shuffle', () => {
    expect(new PyRandom(42).shuffle([0, 1, 2, 3, 4, 5, 6, 7, 8, 9])).toEqual([7, 3, 2, 8, 5, 6, 9, 4, 0, 1]);
    const big = new PyRandom(7).shuffle(Array.from({ length: 1000 }, (_, i) => i));
    expect(big.slice(0, 8)).toEqual([878, 857, 349, 313, 382, 850, 927, 194]);
    expect(big.slice(-3)).toEqual([154, 970, 331]);
  });

  it('seeds with integers wider than 32 bits like CPython', () => {
    expect(new PyRandom(2 ** 40 + 5).shuffle(Array.from({ length: 20 }, (_, i) => i))).toEqual([
      9, 7, 17, 13, 4, 18, 5, 6, 10, 11, 3, 14, 12, 15, 2, 1, 0, 8, 19, 16,
    ]);
  });

  it('refuses seeds it cannot represent', () => {
    expect(() => new PyRandom(1.5)).toThrow(RangeError);
  });
});
