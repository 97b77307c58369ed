// Store tests with a fake engine: loading, labels and persistence, text runs, CSV runs, cancel, export, evaluation.
import Papa from 'papaparse';
import { describe, expect, it } from 'vitest';
import { roundNli, sigmoid } from '../engine/blend';
import type { SavedChunk, SavedRunInfo } from './batchSlice';
import { FakeEngine, fakeNli, fakePolyLogit, MemoryRunStore, MemoryStorage } from './fakeEngine.testutil';
import { scoresOf } from './run';
import { selectBatchStale, selectEvaluation, selectHistograms, selectResultNote, runRates } from './selectors';
import { loadTimedChoices, MAX_TIMED_CHOICES, rememberTimedChoice, TIMED_CHOICES_KEY } from './persist';
import { createAppStore } from './store';
import { type AppState, DEFAULT_BUNDLE_URL } from './types';

/** The seed sample as the fake server has it. */
const SAMPLE = 'text,labels\nStocks rallied,Finance\nRain again,\n';

type Runs = MemoryRunStore<SavedRunInfo, SavedChunk>;

function setup(opts: { search?: string; storage?: MemoryStorage; engine?: FakeEngine; runs?: Runs } = {}) {
  const engine = opts.engine ?? new FakeEngine();
  const storage = opts.storage ?? new MemoryStorage();
  const runs: Runs = opts.runs ?? new MemoryRunStore();
  let t = 0;
  const store = createAppStore({
    createEngine: () => engine,
    storage,
    now: () => (t += 1000),
    search: opts.search ?? '',
    href: 'http://localhost:4173/app/',
    fetchFile: (url, name) =>
      url === '/samples/seed-news.csv' ? Promise.resolve(new File([SAMPLE], name, { type: 'text/csv' })) : Promise.reject(new Error('HTTP 404')),
    runs,
  });
  return { store, engine, storage, runs };
}

async function until(store: ReturnType<typeof setup>['store'], ok: (s: AppState) => boolean) {
  for (let i = 0; i < 200; i++) {
    if (ok(store.getState())) return;
    await new Promise((r) => setTimeout(r, 1));
  }
  throw new Error('condition never met');
}

async function ready(search = '') {
  const ctx = setup({ search });
  ctx.store.getState().init();
  await until(ctx.store, (s) => s.engineStatus === 'ready');
  return ctx;
}

describe('engine slice', () => {
  it('loads the default bundle once and takes the labels from its manifest', async () => {
    const { store, engine } = await ready();
    store.getState().init();
    expect(engine.loads).toEqual([{ kind: 'url', url: '/models/demo-seed-news/' }]);
    expect(store.getState().labels.map((l) => [l.name, l.threshold, l.head])).toEqual([
      ['Technology', 0.4, true],
      ['Health', 0.3, false],
    ]);
    expect(store.getState().ready?.backend).toBe('wasm');
  });

  it('passes ?dtype= to the engine and reports unknown parameters', async () => {
    const { store } = await ready('?dtype=fp32&backend=cuda');
    expect(store.getState().backendRequest).toEqual({ backend: 'auto', dtype: 'fp32' });
    expect(store.getState().ready?.dtype).toBe('fp32');
    expect(store.getState().notices.join(' ')).toMatch(/Unknown backend 'cuda'/);
  });

  it('loads ?bundle= when it is same-origin and refuses other origins', async () => {
    const a = await ready('?bundle=/models/other');
    expect(a.engine.loads).toEqual([{ kind: 'url', url: '/models/other/' }]);
    const b = await ready('?bundle=https://evil.example/models/x/');
    expect(b.engine.loads).toEqual([{ kind: 'url', url: '/models/demo-seed-news/' }]);
    expect(b.store.getState().notices.join(' ')).toMatch(/not a bundle folder on this site/);
  });

  it('shows load errors with the hint of their kind', async () => {
    const engine = new FakeEngine();
    engine.failLoad = 'manifest.json is missing';
    engine.failKind = 'bundle';
    const { store } = setup({ engine });
    store.getState().init();
    await until(store, (s) => s.engineStatus === 'error');
    expect(store.getState().loadProblem?.message).toBe('manifest.json is missing');
    expect(store.getState().loadProblem?.hint).toMatch(/re-export the bundle/);
    expect(store.getState().loadProblem?.hint).not.toMatch(/backend=wasm/);
  });

  it('advises ?backend=wasm for a backend failure only where WebGPU was forced', async () => {
    const hintAfter = async (search: string) => {
      const engine = new FakeEngine();
      engine.failLoad = 'ONNX Runtime failed to load onnx/model.onnx';
      engine.failKind = 'backend';
      const { store } = setup({ engine, search });
      store.getState().init();
      await until(store, (s) => s.engineStatus === 'error');
      return store.getState().loadProblem!.hint;
    };
    expect(await hintAfter('?backend=webgpu')).toMatch(/\?backend=wasm/);
    // An automatic load has already fallen back to WASM, and a WASM page must not be told to use WASM.
    expect(await hintAfter('')).not.toMatch(/backend=wasm/);
    expect(await hintAfter('?backend=wasm')).not.toMatch(/backend=wasm/);
  });

  it('shows a failed cache write in the ready info', async () => {
    const engine = new FakeEngine();
    engine.cacheNotice = '2 model files could not be cached (QuotaExceededError: full): 12 MB will be downloaded again next time.';
    const { store } = setup({ engine });
    store.getState().init();
    await until(store, (s) => s.engineStatus === 'ready');
    expect(store.getState().ready?.cacheNotice).toMatch(/could not be cached.*12 MB will be downloaded again next time/);
  });
});

describe('timed backend choice', () => {
  const MEASURED = { key: 'news|gpu:x', backend: 'wasm', webgpu: { dtype: 'q4', ms: 300 }, wasm: { dtype: 'q8', ms: 100 }, measuredAt: 5 } as const;

  it('remembers a choice the worker measured, hands it to every later load, and forgets it to measure again', async () => {
    const engine = new FakeEngine();
    engine.race = { ...MEASURED, webgpu: { ...MEASURED.webgpu }, wasm: { ...MEASURED.wasm } };
    const { store, storage } = setup({ engine });
    store.getState().init();
    await until(store, (s) => s.engineStatus === 'ready');
    expect(engine.timedGiven).toEqual([{}]);
    expect(store.getState().ready?.timed).toMatchObject({ backend: 'wasm', remembered: false });
    expect(loadTimedChoices(storage)).toEqual({ [MEASURED.key]: MEASURED });

    // The next page load hands the remembered choice to the worker.
    const again = setup({ engine: new FakeEngine(), storage });
    again.engine.race = engine.race;
    again.store.getState().init();
    await until(again.store, (s) => s.engineStatus === 'ready');
    expect(again.engine.timedGiven).toEqual([{ [MEASURED.key]: MEASURED }]);
    expect(again.store.getState().ready?.timed).toMatchObject({ remembered: true });

    // Measure again: forgotten, then the same bundle loads with nothing remembered, and the new measurement is kept.
    again.store.getState().measureBackendAgain();
    await until(again.store, (s) => again.engine.loads.length === 2 && s.engineStatus === 'ready');
    expect(again.engine.loads).toEqual([{ kind: 'url', url: DEFAULT_BUNDLE_URL }, { kind: 'url', url: DEFAULT_BUNDLE_URL }]);
    expect(again.engine.timedGiven[1]).toEqual({});
    expect(again.store.getState().ready?.timed).toMatchObject({ remembered: false });
    expect(loadTimedChoices(storage)).toEqual({ [MEASURED.key]: MEASURED });
  });

  it('does nothing to measure again when the backend was chosen by rule', async () => {
    const { store, engine } = await ready();
    store.getState().measureBackendAgain();
    await new Promise((r) => setTimeout(r, 5));
    expect(engine.loads).toHaveLength(1);
  });

  it('keeps the newest choices and drops malformed ones', () => {
    const storage = new MemoryStorage();
    for (let i = 0; i < MAX_TIMED_CHOICES + 3; i++) rememberTimedChoice(storage, { ...MEASURED, key: `k${i}`, measuredAt: i });
    const kept = loadTimedChoices(storage);
    expect(Object.keys(kept)).toHaveLength(MAX_TIMED_CHOICES);
    expect(kept.k0).toBeUndefined();
    expect(kept[`k${MAX_TIMED_CHOICES + 2}`]).toBeDefined();
    storage.setItem(TIMED_CHOICES_KEY, JSON.stringify({ a: { ...MEASURED, key: 'a', backend: 'cuda' }, b: { ...MEASURED, key: 'b', wasm: { dtype: 'q8', ms: -1 } }, c: { ...MEASURED, key: 'c' } }));
    expect(Object.keys(loadTimedChoices(storage))).toEqual(['c']);
    storage.setItem(TIMED_CHOICES_KEY, '{not json');
    expect(loadTimedChoices(storage)).toEqual({});
  });
});

describe('labels slice', () => {
  it('keeps thresholds, hypotheses and added labels across reloads, per bundle', async () => {
    const storage = new MemoryStorage();
    const first = setup({ storage });
    first.store.getState().init();
    await until(first.store, (s) => s.engineStatus === 'ready');
    const s = first.store.getState();
    s.setThreshold('Technology', 0.72);
    expect(s.addLabel('  sports  ')).toBeNull();
    expect(first.store.getState().setHypothesis('Health', 'This is about doctors.')).toBeNull();

    const second = setup({ storage });
    second.store.getState().init();
    await until(second.store, (st) => st.engineStatus === 'ready');
    const labels = second.store.getState().labels;
    expect(labels.map((l) => [l.name, l.threshold, l.source])).toEqual([
      ['Technology', 0.72, 'bundle'],
      ['Health', 0.3, 'bundle'],
      ['sports', 0.5, 'user'],
    ]);
    expect(labels[1]!.hypothesis).toBe('This is about doctors.');
    expect(labels[2]!.hypothesis).toBe('This text is about sports.');
  });

  it('resets thresholds to the bundle values', async () => {
    const { store } = await ready();
    store.getState().setThreshold('Health', 0.9);
    store.getState().resetThresholds();
    expect(store.getState().labels.map((l) => l.threshold)).toEqual([0.4, 0.3]);
  });

  it('refuses empty and duplicate labels and empty hypotheses; removes only added labels', async () => {
    const { store } = await ready();
    const s = store.getState();
    expect(s.addLabel('   ')).toMatch(/Type a label name/);
    expect(s.addLabel('health')).toMatch(/already a label called 'health'/);
    expect(s.setHypothesis('Health', '  ')).toMatch(/cannot be empty/);
    s.addLabel('Sports');
    store.getState().removeLabel('Health');
    store.getState().removeLabel('Sports');
    expect(store.getState().labels.map((l) => l.name)).toEqual(['Technology', 'Health']);
  });

  it("fills added labels into the bundle's template as Python does, and says why a broken template cannot be filled", async () => {
    const { store } = await ready();
    store.setState({ hypothesisTemplate: 'Is it about {0}? Yes, {0}.' });
    expect(store.getState().addLabel('Sports')).toBeNull();
    expect(store.getState().labels.at(-1)!.hypothesis).toBe('Is it about Sports? Yes, Sports.');
    store.setState({ hypothesisTemplate: 'About {name}' });
    expect(store.getState().addLabel('Weather')).toMatch(/template "About \{name\}" cannot be filled/);
    expect(store.getState().labels.map((l) => l.name)).toEqual(['Technology', 'Health', 'Sports']);
  });
});

describe('text slice', () => {
  it('refuses empty or whitespace text without running', async () => {
    const { store } = await ready();
    store.getState().setText(' \n\t ');
    await store.getState().classifyText();
    expect(store.getState().textProblem?.message).toMatch(/no text/);
    expect(store.getState().textRun).toBeNull();
  });

  it('stores every term of every score, in label order', async () => {
    const { store } = await ready();
    store.getState().setText('Chips and vaccines');
    await store.getState().classifyText();
    const run = store.getState().textRun!;
    expect(run.labels.map((l) => l.name)).toEqual(['Technology', 'Health']);
    const nli = roundNli(fakeNli('Chips and vaccines', 'This example is tech.'));
    const poly = sigmoid(fakePolyLogit('Chips and vaccines'));
    expect(run.scores[0]).toEqual({ nli, poly, alpha: 0.5, blended: 0.5 * nli + 0.5 * poly });
    expect(run.scores[1]!.poly).toBeNull();
  });

  it('shows classify errors with the hint of their kind', async () => {
    const { store, engine } = await ready();
    engine.failClassify = 'ONNX Runtime failed to run onnx/model.onnx on wasm: out of memory';
    engine.failKind = 'backend';
    store.getState().setText('hello');
    await store.getState().classifyText();
    expect(store.getState().textProblem?.message).toBe('ONNX Runtime failed to run onnx/model.onnx on wasm: out of memory');
    expect(store.getState().textProblem?.hint).toMatch(/Reload the page/);
    expect(store.getState().textProblem?.hint).not.toMatch(/backend=wasm/);
  });

  it('shows the error of a text that could not be scored, with its hint', async () => {
    const { store, engine } = await ready();
    engine.badTexts.set('bad', { kind: 'input', message: 'This text cannot be tokenised.' });
    store.getState().setText('bad');
    await store.getState().classifyText();
    expect(store.getState().textRun).toBeNull();
    expect(store.getState().textProblem).toEqual({ message: 'This text cannot be tokenised.', hint: expect.stringMatching(/Change what the message names/) as string });
  });
});

const CSV = ['id,text,labels', '1,"Chips, AI and robots",Technology', '2,,Health', '3,Vaccines work,Health', '4,=cmd(),Technology|Health', '5,Quiet day,'].join('\n');

async function withCsv(csv = CSV) {
  const ctx = await ready();
  await ctx.store.getState().openCsv(new File([csv], 'news.csv', { type: 'text/csv' }));
  expect(ctx.store.getState().csvStatus).toBe('ready');
  return ctx;
}

describe('batch slice', () => {
  it('guesses the text column, scores non-empty rows and skips empty ones', async () => {
    const { store } = await withCsv();
    expect(store.getState().textColumn).toBe(1);
    store.getState().runBatch();
    expect(store.getState().run.status).toBe('running');
    await until(store, (s) => s.run.status === 'done');
    const { batch, run } = store.getState();
    expect(run).toMatchObject({ done: 4, total: 4 });
    const scores = scoresOf(batch!.scores);
    expect(Array.from(scores.scored)).toEqual([1, 0, 1, 1, 1]);
    expect(batch!.skippedEmpty).toBe(1);
    expect(scores.nli[2 * 2 + 1]).toBe(roundNli(fakeNli('Vaccines work', 'This example is health.')));
  });

  it('sends the whole run as one request and publishes each fill as a new ref', async () => {
    const { store, engine } = await withCsv();
    store.getState().runBatch();
    const first = store.getState().batch!;
    await until(store, (s) => s.run.status === 'done');
    expect(engine.requests).toEqual([['Chips, AI and robots', 'Vaccines work', '=cmd()', 'Quiet day']]);
    const last = store.getState().batch!;
    expect(last).not.toBe(first);
    expect(last.scores.run).toBe(first.scores.run);
    expect(last.scores.version).toBeGreaterThan(first.scores.version);
  });

  it('opens the sample CSV served with the app', async () => {
    const { store } = await ready();
    await store.getState().openSampleCsv();
    expect(store.getState().table?.file.name).toBe('seed-news.csv');
    expect(store.getState().table?.rows).toHaveLength(2);
  });

  it('exports every original column plus scores and decisions at the current thresholds', async () => {
    const { store } = await withCsv();
    store.getState().runBatch();
    await until(store, (s) => s.run.status === 'done');
    store.getState().setThreshold('Health', 0);
    const { parts, fileName } = store.getState().exportCsv()!;
    const csv = parts.join('');
    expect(fileName).toBe('news-labelled.csv');
    const rows = Papa.parse<Record<string, string>>(csv, { header: true }).data;
    expect(rows).toHaveLength(5);
    expect(Object.keys(rows[0]!)).toEqual(['id', 'text', 'labels', 'Technology_score', 'Technology_nli', 'Technology_poly', 'Health_score', 'Health_nli', 'Health_poly', 'predicted_labels']);
    expect(rows[3]!.text).toBe("'=cmd()");
    expect(rows[1]!.Health_score).toBe('');
    const nli = roundNli(fakeNli('Vaccines work', 'This example is health.'));
    expect(Number(rows[2]!.Health_nli)).toBe(nli);
    expect(rows[2]!.Health_poly).toBe('');
    expect(rows[2]!.predicted_labels!.split(';')).toContain('Health');
  });

  it('finishes a run with one bad row: the others are scored, the row says why, the note counts it, the download has an error column', async () => {
    const { store, engine } = await withCsv();
    engine.badTexts.set('Vaccines work', { kind: 'internal', message: '=Maximum call stack size exceeded' });
    store.getState().runBatch();
    await until(store, (s) => s.run.status !== 'running');
    const { run, batch } = store.getState();
    expect(run.status).toBe('done');
    expect(run.problem).toBeNull();
    const scores = scoresOf(batch!.scores);
    expect(Array.from(scores.scored)).toEqual([1, 0, 0, 1, 1]);
    expect([...scores.failed]).toEqual([[2, { kind: 'internal', message: '=Maximum call stack size exceeded' }]]);
    expect(batch!.failed).toBe(1);
    expect(selectResultNote(store.getState())).toMatch(/^1 row could not be scored/);
    const rows = Papa.parse<Record<string, string>>(store.getState().exportCsv()!.parts.join(''), { header: true }).data;
    expect(rows.map((r) => r.error)).toEqual(['', '', "'=Maximum call stack size exceeded", '', '']);
    expect(rows[2]!.Technology_score).toBe('');
    expect(rows[0]!.Technology_score).not.toBe('');
  });

  it('cancels between chunks and keeps what was scored', async () => {
    const rows = Array.from({ length: 40 }, (_, i) => `${i},text number ${i}`).join('\n');
    const { store } = await withCsv(`id,text\n${rows}`);
    store.getState().runBatch();
    await until(store, (s) => s.run.done >= 4);
    store.getState().cancelBatch();
    await until(store, (s) => s.run.status === 'cancelled');
    const { run, batch } = store.getState();
    expect(run.done).toBeLessThan(40);
    expect(scoresOf(batch!.scores).scored.reduce((a, b) => a + b, 0)).toBe(run.done);
    expect(store.getState().exportCsv()!.parts.join('').split('\r\n')).toHaveLength(41);
  });

  it('does not start a run while a new file is being read, and a finished run never marks a newer table done', async () => {
    const { store, engine } = await withCsv();
    const reading = store.getState().openCsv(new File([CSV.replace('Quiet day', 'Calm day')], 'next.csv', { type: 'text/csv' }));
    expect(store.getState().csvStatus).toBe('reading');
    store.getState().runBatch();
    expect(store.getState().run.status).toBe('idle');
    await reading;
    expect(store.getState().table!.file.name).toBe('next.csv');

    // A run on the first table that ends after another file replaced it leaves the new table idle.
    store.getState().runBatch();
    expect(store.getState().run.status).toBe('running');
    store.setState({ csvStatus: 'ready', run: { status: 'idle', requestId: null, done: 0, total: 0, elapsedMs: 0, problem: null }, batch: null });
    await engine.ends.at(-1);
    await Promise.resolve();
    expect(store.getState().run.status).toBe('idle');
  });

  it('keeps the previous table when a new file is malformed or refused', async () => {
    const { store } = await withCsv();
    await store.getState().openCsv(new File(['text\n"unterminated\n'], 'bad.csv'));
    expect(store.getState().csvProblem?.message).toMatch(/row 2: a quoted cell is never closed/);
    expect(store.getState().table?.file.name).toBe('news.csv');
    await store.getState().openCsv(new File([''], 'empty.csv'));
    expect(store.getState().csvProblem?.message).toMatch(/empty/);
    await store.getState().openCsv(new File(['x'], 'book.xlsx'));
    expect(store.getState().csvProblem?.message).toMatch(/spreadsheet/);
    expect(store.getState().table?.rows).toHaveLength(5);
  });

  it('keeps the encoding it read a file in, refuses binary files, and warns (still letting the user pick) when no column looks like text', async () => {
    const { store } = await withCsv();
    const latin = Uint8Array.from([...'text\nCaf\u00e9 \u20ac\n'].map((ch) => (ch === '\u20ac' ? 0x80 : ch.charCodeAt(0))));
    await store.getState().openCsv(new File([latin], 'latin.csv'));
    expect(store.getState().table?.rows).toEqual([['Café €']]);
    expect(store.getState().table?.encoding).toEqual({ encoding: 'windows-1252', bom: false });

    await store.getState().openCsv(new File([Uint8Array.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0])], 'photo.csv'));
    expect(store.getState().csvProblem?.message).toMatch(/photo\.csv is not a text file: it looks like a PNG image/);
    expect(store.getState().table?.file.name).toBe('latin.csv');

    await store.getState().openCsv(new File(['a,b\n1,2\n3,4\n'], 'numbers.csv'));
    expect(store.getState().csvWarnings.join(' ')).toMatch(/No column looks like text/);
    store.getState().setTextColumn(1);
    expect(store.getState().textColumn).toBe(1);
  });

  it('says when the chosen column is empty', async () => {
    const { store } = await withCsv('text,other\n,a\n ,b\n');
    store.getState().setTextColumn(0);
    store.getState().runBatch();
    expect(store.getState().run.problem?.message).toMatch(/'text' is empty in every row/);
  });

  it('reports rates and marks results stale when labels change', async () => {
    const { store } = await withCsv();
    store.getState().runBatch();
    await until(store, (s) => s.run.status === 'done');
    expect(runRates(store.getState().run).rowsPerSecond).toBeGreaterThan(0);
    expect(selectBatchStale(store.getState())).toBe(false);
    store.getState().addLabel('Sports');
    expect(selectBatchStale(store.getState())).toBe(true);
  });
});

describe('evaluation', () => {
  it('evaluates scored rows against the gold labels, live with thresholds, and tunes', async () => {
    const { store } = await withCsv();
    store.getState().runBatch();
    await until(store, (s) => s.run.status === 'done');
    const rows = selectEvaluation(store.getState())!;
    expect(rows.map((r) => r.key)).toEqual(['nli', 'hybrid']);
    // The NLI row at 0.5 over the scored rows 0, 2, 3, 4, counted by hand:
    //               Chips, AI and robots  Vaccines work  =cmd()     Quiet day
    //   Technology  0.419 -> 0            0.313 -> 0     0.981 -> 1  0.813 -> 1   gold 1 0 1 0: tp 1, fp 1, fn 1
    //   Health      0.412 -> 0            0.957 -> 1     0.935 -> 1  0.715 -> 1   gold 0 1 1 0: tp 2, fp 1, fn 0
    const texts = ['Chips, AI and robots', 'Vaccines work', '=cmd()', 'Quiet day'];
    const hyps = ['This example is tech.', 'This example is health.'];
    expect(hyps.map((h) => texts.map((t) => (fakeNli(t, h) >= 0.5 ? 1 : 0)))).toEqual([
      [0, 0, 1, 1],
      [0, 1, 1, 1],
    ]);
    const m = rows[0]!.metrics;
    expect(m.rows).toBe(4);
    expect(m.perLabel.map((l) => [l.tp, l.fp, l.fn, l.support])).toEqual([
      [1, 1, 1, 2],
      [2, 1, 0, 2],
    ]);
    // Technology: P = R = F1 = 1/2. Health: P = 2/3, R = 1, F1 = 4/5.
    expect(m.perLabel[0]).toMatchObject({ precision: 0.5, recall: 0.5, f1: 0.5 });
    expect(m.perLabel[1]!.precision).toBeCloseTo(2 / 3, 12);
    expect(m.perLabel[1]!.recall).toBe(1);
    expect(m.perLabel[1]!.f1).toBeCloseTo(0.8, 12);
    expect(m.macroF1).toBeCloseTo(0.65, 12);
    expect(m.macroPrecision).toBeCloseTo(7 / 12, 12);
    expect(m.macroRecall).toBeCloseTo(0.75, 12);
    // Cells right: Technology 2 of 4, Health 3 of 4. Rows right on both labels: Vaccines work and =cmd().
    expect(m.hammingAccuracy).toBe(5 / 8);
    expect(m.exactMatch).toBe(0.5);

    store.getState().setThreshold('Health', 0);
    expect(selectEvaluation(store.getState())![1]!.metrics.perLabel[1]!.recall).toBe(1);

    store.getState().tuneThresholds();
    const tuning = store.getState().tuning!;
    expect(tuning.labels).toEqual(['Technology', 'Health']);
    expect(tuning.crossValidated.metrics.rows).toBe(4);
    store.getState().applyTuning();
    expect(store.getState().labels.map((l) => l.threshold)).toEqual(tuning.thresholds);
    expect(store.getState().tuning).toBeNull();
  });

  it('proposes no threshold for a label without a positive gold row, says why, and Apply keeps its threshold', async () => {
    const csv = ['text,Technology,Health', 'Chips and robots,1,0', 'Vaccines work,0,0', 'AI chips again,1,0', 'Quiet day,0,0'].join('\n');
    const { store } = await withCsv(csv);
    store.getState().runBatch();
    await until(store, (s) => s.run.status === 'done');
    store.getState().setThreshold('Health', 0.37);
    store.getState().tuneThresholds();
    const tuning = store.getState().tuning!;
    expect(tuning.labels).toEqual(['Technology', 'Health']);
    expect(tuning.thresholds[0]).toEqual(expect.any(Number));
    expect(tuning.thresholds[1]).toBeNull();
    expect(tuning.untunable).toEqual(['no row in the gold column has label Health; a threshold cannot be tuned']);
    expect(tuning.inSample.thresholds[1]).toBe(0.37);
    store.getState().applyTuning();
    const thresholds = Object.fromEntries(store.getState().labels.map((l) => [l.name, l.threshold]));
    expect(thresholds).toMatchObject({ Technology: tuning.thresholds[0], Health: 0.37 });
  });

  it('draws histograms of blended scores split by gold', async () => {
    const { store } = await withCsv();
    store.getState().runBatch();
    await until(store, (s) => s.run.status === 'done');
    const [tech] = selectHistograms(store.getState());
    expect(tech!.scored).toBe(4);
    expect(tech!.all.reduce((a, b) => a + b, 0)).toBe(4);
    expect(tech!.positive!.reduce((a, b) => a + b, 0)).toBe(2);
  });
});

describe('not computing twice, saving and resuming', () => {
  const ROWS = Array.from({ length: 40 }, (_, i) => `${i},text number ${i % 30}`).join('\n');
  const BIG = `id,text\n${ROWS}`;
  const file = (csv = BIG, name = 'news.csv') => new File([csv], name, { type: 'text/csv' });

  /** The export of a run that was never interrupted, on a fresh store and engine. */
  async function uninterrupted(csv = BIG, addLabels: string[] = []) {
    const ctx = await ready();
    for (const l of addLabels) ctx.store.getState().addLabel(l);
    await ctx.store.getState().openCsv(file(csv));
    ctx.store.getState().runBatch();
    await until(ctx.store, (s) => s.run.status === 'done');
    return ctx.store.getState().exportCsv()!.parts.join('');
  }

  /** A page loaded again over the same browser storage (localStorage and the saved run). */
  async function reload(storage: MemoryStorage, runs: Runs) {
    const ctx = setup({ storage, runs });
    ctx.store.getState().init();
    await until(ctx.store, (s) => s.engineStatus === 'ready' && s.savedRun !== null);
    return ctx;
  }

  it('scores each distinct text once and writes its scores to every row that holds it, as if each row were scored', async () => {
    const { store, engine } = await withCsv(BIG);
    store.getState().runBatch();
    await until(store, (s) => s.run.status === 'done');
    expect(engine.requests).toHaveLength(1);
    expect(engine.requests[0]).toHaveLength(30);
    expect(new Set(engine.requests[0]).size).toBe(30);
    expect(store.getState().run).toMatchObject({ done: 40, total: 40 });
    const rows = Papa.parse<Record<string, string>>(store.getState().exportCsv()!.parts.join(''), { header: true }).data;
    expect(rows).toHaveLength(40);
    rows.forEach((r, i) => {
      expect(r.text).toBe(`text number ${i % 30}`);
      expect(Number(r.Health_nli)).toBe(roundNli(fakeNli(r.text!, 'This example is health.')));
      expect(Number(r.Technology_poly)).toBe(sigmoid(fakePolyLogit(r.text!)));
    });
  });

  it('scores long texts in windows when asked, keeps the setting across reloads, and never reuses scores read the other way', async () => {
    const { store, engine, storage } = await withCsv();
    store.getState().runBatch();
    await until(store, (s) => s.run.status === 'done');
    expect(engine.longRequests).toEqual([{ mode: 'truncate' }]);
    expect(Array.from(scoresOf(store.getState().batch!.scores).windows)).toEqual([1, 0, 1, 1, 1]);

    store.getState().setLongText({ mode: 'windows', stride: 128, aggregate: 'mean' });
    store.getState().runBatch();
    await until(store, (s) => s.run.status === 'done');
    // Same labels, but the texts are read another way: every row is asked again.
    expect(engine.requests).toHaveLength(2);
    expect(engine.longRequests[1]).toEqual({ mode: 'windows', stride: 128, aggregate: 'mean' });
    // The fake engine reads texts over 10 characters in 2 windows ('Chips, AI and robots', 'Vaccines work').
    expect(Array.from(scoresOf(store.getState().batch!.scores).windows)).toEqual([2, 0, 2, 1, 1]);

    const again = setup({ storage });
    expect(again.store.getState().longText).toEqual({ mode: 'windows', stride: 128, aggregate: 'mean' });
    store.getState().setLongText({ mode: 'truncate' });
    expect(setup({ storage }).store.getState().longText).toEqual({ mode: 'truncate' });
  });

  it('scores only the label added after a run, and the merged download equals a run of all labels', async () => {
    const { store, engine } = await withCsv(BIG);
    store.getState().runBatch();
    await until(store, (s) => s.run.status === 'done');
    expect(store.getState().addLabel('Sports')).toBeNull();
    store.getState().runBatch();
    await until(store, (s) => s.run.status === 'done');
    expect(engine.labelRequests).toEqual([['Technology', 'Health'], ['Sports']]);
    expect(store.getState().exportCsv()!.parts.join('')).toBe(await uninterrupted(BIG, ['Sports']));
    // No label changed: nothing is asked of the engine.
    store.getState().runBatch();
    await until(store, (s) => s.run.status === 'done');
    expect(engine.requests).toHaveLength(2);
    // A changed hypothesis is scored again, for that label only.
    store.getState().setHypothesis('Health', 'This is about medicine.');
    store.getState().runBatch();
    await until(store, (s) => s.run.status === 'done');
    expect(engine.labelRequests.at(-1)).toEqual(['Health']);
  });

  it('offers a run cut off by a reload, resumes it where it stopped, and the download equals an uninterrupted run', async () => {
    const first = await withCsv(BIG);
    first.store.getState().runBatch();
    await until(first.store, (s) => s.run.done >= 10);
    // The page dies here: what IndexedDB holds at this moment is all the next page finds.
    const runs: Runs = new MemoryRunStore();
    runs.run = { ...first.runs.run!, chunks: [...first.runs.run!.chunks] };
    const savedRows = runs.run.chunks.at(-1)!.done;
    first.store.getState().cancelBatch();

    const { store, engine } = await reload(first.storage, runs);
    expect(store.getState().savedRun).toEqual({ fileName: 'news.csv', done: savedRows, total: 40, complete: false, fileKept: true, problem: null });
    await store.getState().resumeRun();
    expect(store.getState().table?.file.name).toBe('news.csv');
    await until(store, (s) => s.run.status === 'done');
    expect(engine.requests).toHaveLength(1);
    expect(engine.requests[0]!.length).toBeLessThan(30);
    expect(engine.requests[0]!.length).toBeGreaterThan(0);
    expect(store.getState().run).toMatchObject({ done: 40, total: 40 });
    expect(store.getState().exportCsv()!.parts.join('')).toBe(await uninterrupted());
    expect(runs.run?.meta.complete).toBe(true);

    await store.getState().discardSavedRun();
    expect(runs.run).toBeNull();
  });

  it('asks for the file again when only the results could be kept, and resumes only on the same bytes', async () => {
    const first = await withCsv(BIG);
    first.runs.keepFiles = false;
    first.store.getState().runBatch();
    await until(first.store, (s) => s.run.status === 'done');
    const { store, engine } = await reload(first.storage, first.runs);
    expect(store.getState().savedRun).toMatchObject({ done: 40, complete: true, fileKept: false, problem: { message: 'Open news.csv again to resume.' } });
    await store.getState().resumeRun();
    expect(store.getState().batch).toBeNull();
    await store.getState().openCsv(file(BIG.replace('text number 3', 'text number 3!'), 'news.csv'));
    await store.getState().resumeRun();
    expect(store.getState().savedRun?.problem?.message).toBe('Open news.csv again to resume.');
    await store.getState().openCsv(file());
    expect(store.getState().savedRun?.problem).toBeNull();
    await store.getState().resumeRun();
    await until(store, (s) => s.run.status === 'done');
    expect(engine.requests).toHaveLength(0);
    expect(store.getState().exportCsv()!.parts.join('')).toBe(await uninterrupted());
  });

  it('refuses to resume with another model, backend or precision', async () => {
    const first = await withCsv(BIG);
    first.store.getState().runBatch();
    await until(first.store, (s) => s.run.status === 'done');
    const ctx = setup({ storage: first.storage, runs: first.runs, search: '?dtype=fp32' });
    ctx.store.getState().init();
    await until(ctx.store, (s) => s.engineStatus === 'ready' && s.savedRun !== null);
    await ctx.store.getState().resumeRun();
    expect(ctx.store.getState().savedRun?.problem?.message).toMatch(/another model, backend, precision or long-text setting/);
    expect(ctx.store.getState().batch).toBeNull();
  });

  it('goes on after the engine crashed and was restarted, without scoring a text twice, and says so', async () => {
    const { store, engine } = await withCsv(BIG);
    engine.crashAfterChunks = 3;
    store.getState().runBatch();
    await until(store, (s) => s.run.status === 'done');
    expect(store.getState().notices.join(' ')).toMatch(/The engine stopped \(out of memory\) and was restarted/);
    expect(engine.loads).toHaveLength(2);
    expect(engine.requests).toHaveLength(2);
    expect(engine.requests[1]).toEqual(engine.requests[0]!.slice(6));
    expect(store.getState().run.problem).toBeNull();
    expect(store.getState().exportCsv()!.parts.join('')).toBe(await uninterrupted());
  });

  it('cancels a run that waits for the engine to restart, keeping what was scored', async () => {
    const { store, engine } = await withCsv(BIG);
    engine.crashAfterChunks = 2;
    let resolveLoad: (() => void) | null = null;
    const load = engine.load.bind(engine);
    engine.load = async (...args) => {
      // The restart's reload waits until the test lets it go.
      if (engine.loads.length === 1) await new Promise<void>((r) => (resolveLoad = r));
      return load(...args);
    };
    store.getState().runBatch();
    await until(store, (s) => s.engineStatus === 'loading' && s.run.requestId === null);
    store.getState().cancelBatch();
    // Two chunks of 2 texts, each text on 2 rows.
    expect(store.getState().run).toMatchObject({ status: 'cancelled', done: 8 });
    resolveLoad!();
    await until(store, (s) => s.engineStatus === 'ready');
    await new Promise((r) => setTimeout(r, 20));
    expect(engine.requests).toHaveLength(1);
    expect(store.getState().run.status).toBe('cancelled');
  });

  it('tells once when results cannot be saved, and still labels', async () => {
    const { store, runs } = await withCsv(BIG);
    runs.failWrites = true;
    store.getState().runBatch();
    await until(store, (s) => s.run.status === 'done');
    expect(store.getState().notices.filter((n) => /could not be saved/.test(n))).toHaveLength(1);
    expect(store.getState().exportCsv()!.parts.join('')).toBe(await uninterrupted());
  });
});
