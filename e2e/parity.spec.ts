// Parity through the real UI and worker at ?dtype=fp32: pasted golden texts and a CSV of all golden texts
// (picked with the file chooser) against PyTorch's golden outputs; the download is checked row by row.
import { expect, test } from './fixtures';
import { expectedCell, readCsv, writeCsv } from './helpers/csvdata';
import { type GoldenCase, loadGolden } from './helpers/golden';
import { projectHasWebGpu, type UiScore, webgpuQuery } from './pages/AppPage';

const TOL = 1e-4;
/** Pasted texts: edge cases a textarea keeps as they are (no CR: textareas turn CRLF into LF). */
const PASTED = ['short_ascii', 'finance_sentence', 'longer_than_pair_max', 'accents_nfd', 'cjk_chinese', 'emoji_zwj', 'mixed_rtl_ltr', 'nbsp_emspace', 'seed_0', 'seed_512'];
/**
 * WebGPU here is SwiftShader on the CPU, ~40 ms per token for this model (a 512-token text
 * takes two minutes), so the WebGPU project checks a short subset; WASM checks them all.
 */
const PASTED_WEBGPU = ['short_ascii'];
const CSV_WEBGPU = ['finance_sentence', 'empty', 'emoji'];

function expectParity(c: GoldenCase, ui: UiScore[], near: Set<string>, userLabel: string) {
  const problems: string[] = [];
  const close = (what: string, a: number | null, b: number | null) => {
    if (a === null || b === null) {
      if (a !== b) problems.push(`${what}: ${a} vs golden ${b}`);
    } else if (!(Math.abs(a - b) <= TOL)) problems.push(`${what}: ${a} vs golden ${b} (diff ${Math.abs(a - b).toExponential(2)})`);
  };
  for (const g of c.scores) {
    const s = ui.find((u) => u.label === g.label);
    if (!s) {
      problems.push(`${c.name}: no row for ${g.label}`);
      continue;
    }
    close(`${c.name} ${g.label} nli`, s.nli, g.nli);
    close(`${c.name} ${g.label} poly`, s.poly, g.poly);
    close(`${c.name} ${g.label} blended`, s.blended, g.blended);
    expect(s.threshold).toBe(g.threshold);
    if (!near.has(`${c.name}\u0000${g.label}`) && s.predicted !== g.predicted) problems.push(`${c.name} ${g.label}: decision ${s.predicted}, golden ${g.predicted}`);
  }
  const user = ui.find((u) => u.label === userLabel)!;
  close(`${c.name} ${userLabel} nli`, user.nli, c.userLabelNli);
  expect(problems).toEqual([]);
}

test('fp32 scores match PyTorch through the UI, pasted and as a CSV, and the download carries them row by row', async ({ app, page }, testInfo) => {
  const golden = loadGolden();
  const gpu = projectHasWebGpu(testInfo);
  if (gpu) test.setTimeout(300_000);
  // WebGPU is forced in the webgpu project: the app picks WASM by itself on SwiftShader.
  await app.openReady(webgpuQuery(testInfo, '?dtype=fp32'));
  await expect(app.dtype).toHaveText('fp32');
  await expect(app.backend).toHaveText(gpu ? 'webgpu' : 'wasm');
  // On WebGPU the heads read the text-only pass's hidden states from the GPU buffer the backbone left them in
  // (session.ts runOnDevice): the scores below are checked on that path. On WASM the panel says nothing of it.
  if (gpu) await expect(page.getByTestId('heads-feed')).toHaveAttribute('data-location', 'gpu-buffer');
  else await expect(page.getByTestId('heads-feed')).toHaveCount(0);
  await app.addLabel(golden.userLabel.name);
  await expect(await app.hypothesisBox(golden.userLabel.name)).toHaveValue(golden.userLabel.hypothesis);

  await test.step('pasted golden texts', async () => {
    for (const name of gpu ? PASTED_WEBGPU : PASTED) {
      const c = golden.cases.find((x) => x.name === name)!;
      expectParity(c, await app.classify(c.text), golden.nearThreshold, golden.userLabel.name);
    }
  });

  await test.step('every golden text as a CSV, through the file chooser', async () => {
    const header = ['id', 'note', 'text'];
    const cases = gpu ? golden.cases.filter((c) => CSV_WEBGPU.includes(c.name)) : golden.cases;
    const rows = cases.map((c, i) => [String(i + 1), i % 9 === 0 ? '=HYPERLINK("http://example.com")' : i % 9 === 1 ? '@risk' : `case ${c.name}`, c.text]);
    await app.chooseCsv(writeCsv(testInfo, 'golden.csv', header, rows));
    await expect(app.csvSummary).toContainText(`golden.csv: ${rows.length} rows, 3 columns`);
    await expect(page.getByLabel('Text column')).toHaveValue('2');
    await app.runBatch();
    await app.waitBatch('done', 240_000);
    const nonEmpty = cases.filter((c) => c.text.trim() !== '').length;
    await expect(app.progress).toHaveAttribute('data-done', String(nonEmpty));
    await app.shot('csv-golden-results');

    const { name, text } = await app.download();
    expect(name).toBe('golden-labelled.csv');
    const { header: out, records } = readCsv(text);
    const labels = [...golden.labels.map((l) => l.name), golden.userLabel.name];
    expect(out).toEqual([...header, ...labels.flatMap((l) => [`${l}_score`, `${l}_nli`, `${l}_poly`]), 'predicted_labels']);
    expect(records).toHaveLength(rows.length);

    const problems: string[] = [];
    cases.forEach((c, i) => {
      const r = records[i]!;
      // Original columns come back unchanged, except formula neutralisation.
      rows[i]!.forEach((v, k) => {
        if (r[header[k]!] !== expectedCell(v)) problems.push(`row ${i + 1} ${header[k]}: ${JSON.stringify(r[header[k]!])}`);
      });
      if (c.text.trim() === '') {
        if (labels.some((l) => r[`${l}_score`] !== '') || r.predicted_labels !== '') problems.push(`row ${i + 1} (${c.name}) is empty but has scores`);
        return;
      }
      const ui: UiScore[] = labels.map((l) => {
        const g = c.scores.find((s) => s.label === l);
        const blended = Number(r[`${l}_score`]);
        const threshold = g?.threshold ?? 0.5;
        return { label: l, nli: Number(r[`${l}_nli`]), poly: r[`${l}_poly`] === '' ? null : Number(r[`${l}_poly`]), alpha: g?.alpha ?? null, blended, threshold, predicted: blended >= threshold };
      });
      try {
        expectParity(c, ui, golden.nearThreshold, golden.userLabel.name);
      } catch (e) {
        problems.push(String(e).slice(0, 400));
      }
      const predicted = new Set(r.predicted_labels!.split(';').filter(Boolean));
      for (const u of ui) if (predicted.has(u.label) !== u.predicted) problems.push(`row ${i + 1} predicted_labels disagrees on ${u.label}`);
    });
    expect(problems).toEqual([]);

    // The table shows the very numbers that were downloaded (first visible rows).
    for (let i = 0; i < Math.min(5, rows.length); i++) {
      if (cases[i]!.text.trim() === '') continue;
      const cell = app.resultsTable.locator(`[data-row="${i}"] [data-label="Finance"]`);
      const r = records[i]!;
      await expect(cell).toHaveAttribute('data-blended', r.Finance_score ?? '');
      await expect(cell).toHaveAttribute('data-nli', r.Finance_nli ?? '');
    }
  });
});
