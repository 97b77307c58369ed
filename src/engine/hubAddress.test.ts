// Typed model addresses: Hub ids with revisions, folder URLs, hosts; and the Hub's URLs for them.
import { describe, expect, it } from 'vitest';
import { AddressError, DEFAULT_HUB_HOST, hubLabel, listingUrl, parseHubHost, parseModelAddress, resolveUrl } from './hubAddress';

describe('parseModelAddress', () => {
  it('reads Hub ids, with main as the default revision', () => {
    expect(parseModelAddress('MoritzLaurer/deberta-v3-large-zeroshot-v2.0')).toEqual({
      kind: 'hub',
      id: 'MoritzLaurer/deberta-v3-large-zeroshot-v2.0',
      revision: 'main',
      host: DEFAULT_HUB_HOST,
    });
    expect(parseModelAddress(' Xenova/nli-deberta-v3-xsmall@refs/pr/3 ', 'http://127.0.0.1:4492')).toEqual({
      kind: 'hub',
      id: 'Xenova/nli-deberta-v3-xsmall',
      revision: 'refs/pr/3',
      host: 'http://127.0.0.1:4492',
    });
  });

  it('reads http(s) folder URLs, ending them in / and dropping query and fragment', () => {
    expect(parseModelAddress('https://example.org/models/x?y=1#z')).toEqual({ kind: 'folder', url: 'https://example.org/models/x/' });
    expect(parseModelAddress('http://127.0.0.1:9/m/')).toEqual({ kind: 'folder', url: 'http://127.0.0.1:9/m/' });
  });

  it('refuses anything else with what to type', () => {
    for (const bad of ['my model', 'owner/name/extra', 'ftp://x/y', 'owner/name@../x', '/abs', 'a/b@']) {
      expect(() => parseModelAddress(bad), bad).toThrow(AddressError);
    }
    expect(() => parseModelAddress('my model')).toThrow("'my model' is neither a Hub id (owner/name, optionally @revision) nor an http(s) URL of a model folder. Type e.g. Xenova/nli-deberta-v3-xsmall.");
  });
});

describe('Hub URLs', () => {
  const repo = { id: 'org/m', revision: 'refs/pr/1', host: 'http://127.0.0.1:4492' };
  it('resolves files and the listing as the Hub lays them out', () => {
    expect(resolveUrl(repo, 'onnx/model.onnx')).toBe('http://127.0.0.1:4492/org/m/resolve/refs%2Fpr%2F1/onnx/model.onnx');
    expect(listingUrl(repo)).toBe('http://127.0.0.1:4492/api/models/org/m/revision/refs%2Fpr%2F1?blobs=true');
  });
  it('names a repository by id, revision and a host other than the Hub', () => {
    expect(hubLabel({ ...repo, revision: 'main', host: DEFAULT_HUB_HOST })).toBe('org/m');
    expect(hubLabel(repo)).toBe('org/m@refs/pr/1 on http://127.0.0.1:4492');
  });
  it('takes origins as hosts, nothing else', () => {
    expect(parseHubHost('http://127.0.0.1:4492/')).toBe('http://127.0.0.1:4492');
    expect(() => parseHubHost('http://x/y')).toThrow('must be an http(s) origin with no path');
    expect(() => parseHubHost('nope')).toThrow('is not a URL');
  });
});
