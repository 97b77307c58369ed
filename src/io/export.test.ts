// Tests for the labelled-CSV export: columns, full-precision scores, decisions, formula neutralisation.
import Papa from 'papaparse';
import { describe, expect, it } from 'vitest';
import { buildExportCsv, exportFileName, exportHeader, neutralizeCell } from './export';

describe('neutralizeCell', () => {
  it('prefixes cells a spreadsheet would run as formulas', () => {
    for (const v of ['=1+1', '+1', '-2', '@SUM(A1)', '\tx', '\rx']) expect(neutralizeCell(v)).toBe(`'${v}`);
    for (const v of ['', 'plain', ' =1', "'=1", '1-2']) expect(neutralizeCell(v)).toBe(v);
  });
});

describe('buildExportCsv', () => {
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
  const csv = buildExportCsv({
    header,
    rows,
    labels: ['Finance', 'sports'],
    thresholds: [0.5, 0.25],
    score: (i, j) => scores[i]?.[j] ?? null,
  });
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
