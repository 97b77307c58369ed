// Model addresses in the store: typed folders, Hub ids and URLs, ?model= and ?hub=, and what is refused before any fetch.
import { describe, expect, it } from 'vitest';
import { FakeEngine, MemoryRunStore, MemoryStorage } from './fakeEngine.testutil';
import { modelLocation } from './engineSlice';
import { createAppStore } from './store';
import { DEFAULT_BUNDLE_URL } from './types';

const HREF = 'http://localhost:4173/app/';

describe('modelLocation', () => {
  const hub = 'https://huggingface.co';
  it('takes paths and same-origin URLs as bundle folders on this site', () => {
    expect(modelLocation('/models/x', HREF, hub)).toEqual({ kind: 'url', url: '/models/x/' });
    expect(modelLocation('./models/y/', HREF, hub)).toEqual({ kind: 'url', url: '/app/models/y/' });
    expect(modelLocation('http://localhost:4173/models/z/', HREF, hub)).toEqual({ kind: 'url', url: '/models/z/' });
  });
  it('takes owner/name[@revision] as a Hub repository on the given host', () => {
    expect(modelLocation('Xenova/nli-deberta-v3-xsmall', HREF, hub)).toEqual({ kind: 'hub', id: 'Xenova/nli-deberta-v3-xsmall', revision: 'main', host: hub });
    expect(modelLocation('org/m@v1.0', HREF, 'http://127.0.0.1:4492')).toEqual({ kind: 'hub', id: 'org/m', revision: 'v1.0', host: 'http://127.0.0.1:4492' });
  });
  it('takes other http(s) URLs as folders on their host', () => {
    expect(modelLocation('https://models.example.org/nli', HREF, hub)).toEqual({ kind: 'url', url: 'https://models.example.org/nli/' });
  });
  it('says what to type for anything else', () => {
    expect(modelLocation('  ', HREF, hub)).toMatch(/^Type a bundle folder on this site/);
    expect(modelLocation('my model', HREF, hub)).toMatch(/is neither a Hub id/);
    expect(modelLocation('/\\\\evil.example/x', HREF, hub)).toBe("'/\\\\evil.example/x' is not a bundle folder on this site.");
  });
});

function setup(search: string) {
  const engine = new FakeEngine();
  const store = createAppStore({
    createEngine: () => engine,
    storage: new MemoryStorage(),
    now: () => 0,
    search,
    href: `${HREF}${search}`,
    fetchFile: () => Promise.reject(new Error('HTTP 404')),
    runs: new MemoryRunStore(),
  });
  store.getState().init();
  return { store, engine };
}

describe('?model= and ?hub=', () => {
  it('load a Hub id from the host the page names', () => {
    const { store, engine } = setup('?model=org/m@dev&hub=http://127.0.0.1:4492/');
    expect(engine.loads).toEqual([{ kind: 'hub', id: 'org/m', revision: 'dev', host: 'http://127.0.0.1:4492' }]);
    expect(store.getState().bundleLabel).toBe('org/m@dev on http://127.0.0.1:4492');
    expect(store.getState().hubHost).toBe('http://127.0.0.1:4492');
  });
  it('report a bad host or address and load the default bundle instead', () => {
    const { store, engine } = setup('?model=not%20a%20model&hub=ftp://x');
    expect(engine.loads).toEqual([{ kind: 'url', url: DEFAULT_BUNDLE_URL }]);
    expect(store.getState().hubHost).toBe('https://huggingface.co');
    expect(store.getState().notices).toEqual([
      "The Hub host 'ftp://x' must be an http(s) origin with no path, such as https://huggingface.co. Using https://huggingface.co.",
      "'not a model' is neither a Hub id (owner/name, optionally @revision) nor an http(s) URL of a model folder. Type e.g. Xenova/nli-deberta-v3-xsmall. Loading the default bundle instead.",
    ]);
  });
  it('leave ?bundle= to folders on this site', () => {
    const { store, engine } = setup('?bundle=https://huggingface.co/org/m/resolve/main/');
    expect(engine.loads).toEqual([{ kind: 'url', url: DEFAULT_BUNDLE_URL }]);
    expect(store.getState().notices[0]).toMatch(/is not a bundle folder on this site/);
  });
  it('a typed Hub id loads through loadModel', () => {
    const { store, engine } = setup('');
    expect(store.getState().loadModel('org/m')).toBeNull();
    expect(engine.loads.at(-1)).toEqual({ kind: 'hub', id: 'org/m', revision: 'main', host: 'https://huggingface.co' });
    expect(store.getState().loadModel('nope')).toMatch(/is neither a Hub id/);
  });
});
