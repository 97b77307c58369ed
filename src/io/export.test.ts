// Tests for the labelled-CSV export: columns, full-precision scores, decisions, formula neutralisation, parts for big tables.
import Papa from 'papaparse';
import { describe, expect, it } from 'vitest';
import { buildExportParts, EXPORT_ROWS_PER_PART, type ExportInput, exportFileName, exportHeader, exportRows, neutralizeCell } from './export';

/** The whole labelled CSV, as the download's Blob holds it. */
const buildExportCsv = (input: ExportInput): string => buildExportParts(input).join('');

describe('neutralizeCell', () => {
  it('prefixes cells a spreadsheet would run as formulas', () => {
    for (const v of ['=1+1', '+1', '-2', '@SUM(A1)', '\tx', '\rx']) expect(neutralizeCell(v)).toBe(`'${v}`);
    for (const v of ['', 'plain', ' =1', "'=1", '1-2']) expect(neutralizeCell(v)).toBe(v);
  });
});

describe('buildExportParts', () => {
  const header = ['id', 'text'];
  const rows = [
    ['1', '=HYPERLINK("http://evil")'],
    ['2', 'line\nbreak, and "quotes"'],
    ['3', ''],
  ];
  const scores = [
    [
      { nli: 0.1234567890123, poly: 0.9, blended: 0.51 },
      { nli: 0.7, poly: null, blended: 0.7 },
    ],
    [
      { nli: 0.2, poly: 0.1, blended: 0.15 },
      { nli: 0.25, poly: null, blended: 0.25 },
    ],
  ];
  const input: ExportInput = {
    header,
    rows,
    labels: ['Finance', 'sports'],
    thresholds: [0.5, 0.25],
    score: (i, j) => scores[i]?.[j] ?? null,
  };
  const csv = buildExportParts(input).join('');
  const parsed = Papa.parse<string[]>(csv, { header: false }).data;

  it('keeps every original column and row, then adds scores and decisions', () => {
    expect(parsed[0]).toEqual(['id', 'text', 'Finance_score', 'Finance_nli', 'Finance_poly', 'sports_score', 'sports_nli', 'sports_poly', 'predicted_labels']);
    expect(parsed).toHaveLength(4);
    expect(parsed[1]).toEqual(['1', `'=HYPERLINK("http://evil")`, '0.51', '0.1234567890123', '0.9', '0.7', '0.7', '', 'Finance;sports']);
    expect(parsed[2]).toEqual(['2', 'line\nbreak, and "quotes"', '0.15', '0.2', '0.1', '0.25', '0.25', '', 'sports']);
    expect(parsed[3]).toEqual(['3', '', '', '', '', '', '', '', '']);
  });

  it('writes scores at full precision', () => {
    expect(Number(parsed[1]![3])).toBe(0.1234567890123);
  });

  it('neutralises header cells and label names that would run as formulas, in the added columns and predicted_labels', () => {
    const out = buildExportCsv({
      header: ['+id', '@text', '\tnote'],
      rows: [['1', 'a', 'b']],
      labels: ['=cmd|/C calc', '-2+3', 'plain'],
      thresholds: [0.5, 0.5, 0.5],
      score: () => ({ nli: 0.9, poly: null, blended: 0.9 }),
    });
    const [head, row] = Papa.parse<string[]>(out, { header: false }).data;
    expect(head).toEqual([
      "'+id", "'@text", "'\tnote",
      "'=cmd|/C calc_score", "'=cmd|/C calc_nli", "'=cmd|/C calc_poly",
      "'-2+3_score", "'-2+3_nli", "'-2+3_poly",
      'plain_score', 'plain_nli', 'plain_poly', 'predicted_labels',
    ]);
    expect(row!.at(-1)).toBe("'=cmd|/C calc;-2+3;plain");
  });

  it('renames added columns that clash with original ones', () => {
    expect(exportHeader(['text', 'Finance_score', 'predicted_labels'], ['Finance'])).toEqual([
      'text',
      'Finance_score',
      'predicted_labels',
      'Finance_score_2',
      'Finance_nli',
      'Finance_poly',
      'predicted_labels_2',
    ]);
  });

  it('names the download after the source', () => {
    expect(exportFileName('news.csv')).toBe('news-labelled.csv');
    expect(exportFileName('data.TSV')).toBe('data-labelled.csv');
  });
});

describe('buildExportCsv with rows that could not be scored', () => {
  it('adds an error column, formula-safe, empty for the rows that were scored', () => {
    const csv = buildExportCsv({
      header: ['text', 'error'],
      rows: [['fine', ''], ['bad', ''], ['', '']],
      labels: ['Finance'],
      thresholds: [0.5],
      score: (i) => (i === 0 ? { nli: 0.6, poly: null, blended: 0.6 } : null),
      error: (i) => (i === 1 ? '=cmd|calc: the tokenizer failed' : null),
    });
    const parsed = Papa.parse<string[]>(csv, { header: false }).data;
    expect(parsed[0]).toEqual(['text', 'error', 'Finance_score', 'Finance_nli', 'Finance_poly', 'predicted_labels', 'error_2']);
    expect(parsed[1]).toEqual(['fine', '', '0.6', '0.6', '', 'Finance', '']);
    expect(parsed[2]).toEqual(['bad', '', '', '', '', '', "'=cmd|calc: the tokenizer failed"]);
    expect(parsed[3]).toEqual(['', '', '', '', '', '', '']);
  });
});

describe('buildExportParts for big tables', () => {
  /** The export as one string, as it was built before parts: Papa.unparse over the whole table. */
  const wholeString = (input: ExportInput) =>
    Papa.unparse({ fields: exportHeader(input.header, input.labels, input.error !== undefined).map(neutralizeCell), data: exportRows(input, 0, input.rows.length) }, { newline: '\r\n' });

  const small: ExportInput = {
    header: ['id', 'text', 'extra'],
    // Ragged rows (short and long), quotes, newlines, formulas, empty cells and unicode.
    rows: [['1', 'a "quoted", text', ''], ['2', 'line\r\nbreak'], ['3', '=1+1', 'x', 'spill'], ['4', ' padded ', 'é😀'], ['5', '']],
    labels: ['A', 'B'],
    thresholds: [0.5, 0.5],
    score: (i, j) => (i === 4 ? null : { nli: i / 7 + j, poly: j ? null : 0.25, blended: (i + j) / 5 }),
  };

  it('joins to exactly the single-string export, whatever the part size', () => {
    const expected = wholeString(small);
    for (const perPart of [1, 2, 3, 5, 6, EXPORT_ROWS_PER_PART]) expect(buildExportParts(small, perPart).join('')).toBe(expected);
    const headerOnly = { ...small, rows: [] };
    expect(buildExportParts(headerOnly).join('')).toBe(wholeString(headerOnly));
    expect(buildExportParts(small, 2)).toHaveLength(1 + 3);
  });

  it('writes a 2,000,000-row table into a Blob, part by part, with no string longer than a part', async () => {
    const N = 2_000_000;
    const rows = Array.from({ length: N }, (_, i) => [String(i)]);
    const input: ExportInput = { header: ['id'], rows, labels: ['A'], thresholds: [0.5], score: (i) => (i % 2 ? { nli: 0.75, poly: null, blended: 0.75 } : null) };
    const parts = buildExportParts(input);
    expect(parts).toHaveLength(1 + N / EXPORT_ROWS_PER_PART);
    expect(Math.max(...parts.map((p) => p.length))).toBeLessThan(EXPORT_ROWS_PER_PART * 40);
    const blob = new Blob(parts, { type: 'text/csv' });
    const bytes = parts.reduce((sum, p) => sum + Buffer.byteLength(p), 0);
    expect(blob.size).toBe(bytes);
    expect(bytes).toBeGreaterThan(30_000_000);
    expect(parts[0]).toBe('id,A_score,A_nli,A_poly,predicted_labels\r\n');
    expect(parts.at(-1)!.endsWith('\r\n1999998,,,,\r\n1999999,0.75,0.75,,A')).toBe(true);
    const tail = await blob.slice(blob.size - 30).text();
    expect(tail).toBe(parts.at(-1)!.slice(-30));
  });
});
