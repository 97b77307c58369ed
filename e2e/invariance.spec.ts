// Batch invariance through the real UI, on the precision the app picks by itself: a text's scores do not
// depend on its CSV neighbours, their order or the other labels requested, and pasted equals CSV.
import { expect, test } from './fixtures';
import { readCsv, writeCsv } from './helpers/csvdata';
import { projectHasWebGpu, type UiScore, webgpuQuery } from './pages/AppPage';

/** The product's bound for every variant it picks on its own (fp32/q4 are exact; q8 runs one text at a time). */
const BOUND = 1e-6;
const PROBES = [
  'The central bank raised interest rates by 0.25 percentage points to fight inflation.',
  'Café owners in Zürich say the heatwave cut tourism; 天气 data and 🌍 emoji appear too.',
  'Solar panels',
  'Hospital staff questioned a vaccine trial while stock markets reported record quarterly earnings and wind farms grew.',
];
const subjects = ['A new smartphone', 'Wind farms', 'The government', 'Investors', 'Doctors', 'A start-up'];
const objects = ['lower unemployment', 'an AI chip', 'rising carbon emissions', 'a merger', 'new guidelines'];
const filler = (i: number) =>
  Array.from({ length: 1 + (i % 4) }, (_, k) => `${subjects[(i + k) % subjects.length]} announced ${objects[(i * 3 + k) % objects.length]}.`).join(' ');

function worstDiff(a: UiScore[], b: UiScore[], labels: string[]): number {
  let worst = 0;
  for (const l of labels) {
    const x = a.find((s) => s.label === l)!;
    const y = b.find((s) => s.label === l)!;
    worst = Math.max(worst, Math.abs(x.nli - y.nli), Math.abs((x.poly ?? -1) - (y.poly ?? -1)), Math.abs(x.blended - y.blended));
  }
  return worst;
}

/**
 * The precision the app picks by itself (on WASM; in the webgpu project, on WebGPU forced with
 * ?backend=webgpu, since the app picks WASM by itself on SwiftShader), and the other variants it
 * could pick by itself on another bundle: q4 and q8 on WASM.
 */
const QUERIES = ['', '?backend=wasm&dtype=q4', '?backend=wasm&dtype=q8'];

for (const query of QUERIES) {
  test(`${query || 'the default precision'}: a text scores the same alone, among other labels and in any CSV batch`, async ({ app, page }, testInfo) => {
    // The default case runs on WebGPU in the webgpu project; the forced WASM variants run on WASM in both projects.
    const gpu = projectHasWebGpu(testInfo) && query === '';
    // WebGPU here is SwiftShader on the CPU (~40 ms per token): fewer neighbours, same properties.
    const probes = gpu ? PROBES.slice(0, 2) : PROBES;
    const fillers = Array.from({ length: gpu ? 4 : 36 }, (_, i) => filler(i));
    if (gpu) test.setTimeout(400_000);
    await app.openReady(query || webgpuQuery(testInfo));
    if (gpu) await expect(app.backend).toHaveText('webgpu');
    if (!query) await expect(page.getByTestId('variant-quality')).not.toContainText('not recommended');
    const dtype = await app.dtype.textContent();

    const pasted: UiScore[][] = [];
    for (const text of probes) pasted.push(await app.classify(text));
    const labels = pasted[0]!.map((s) => s.label);

    await test.step('another label requested does not move the others', async () => {
      await app.addLabel('sports');
      for (const [i, text] of probes.entries()) {
        const again = await app.classify(text);
        expect(again.map((s) => s.label)).toEqual([...labels, 'sports']);
        expect(worstDiff(again, pasted[i]!, labels), `${dtype}: ${text}`).toBeLessThanOrEqual(BOUND);
      }
    });

    await test.step('in a CSV, shuffled among other texts, each probe scores as it did pasted', async () => {
      // Probes at fixed, spread positions among the fillers; a second file reverses the order.
      const rows = [...fillers];
      probes.forEach((p, i) => rows.splice(Math.floor(((i + 1) * rows.length) / (probes.length + 1)) + i, 0, p));
      for (const [name, order] of [['mixed.csv', rows], ['reversed.csv', [...rows].reverse()]] as const) {
        await app.chooseCsv(writeCsv(testInfo, name, ['text'], order.map((t) => [t])));
        await app.runBatch();
        await app.waitBatch('done', gpu ? 360_000 : 120_000);
        const { records } = readCsv((await app.download()).text);
        expect(records).toHaveLength(order.length);
        for (const [i, text] of probes.entries()) {
          const r = records[order.indexOf(text)]!;
          const fromCsv: UiScore[] = labels.map((l) => ({
            label: l,
            nli: Number(r[`${l}_nli`]),
            poly: r[`${l}_poly`] === '' ? null : Number(r[`${l}_poly`]),
            alpha: null,
            blended: Number(r[`${l}_score`]),
            threshold: 0,
            predicted: false,
          }));
          expect(worstDiff(fromCsv, pasted[i]!, labels), `${dtype} ${name}: ${text}`).toBeLessThanOrEqual(BOUND);
        }
      }
    });
  });
}
