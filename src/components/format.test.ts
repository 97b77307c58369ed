// checkSummary: what a load checked, in the words the Model panel shows.
import { describe, expect, it } from 'vitest';
import { checkSummary } from './format';

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
