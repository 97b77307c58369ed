// Builds the labelled CSV: every original column, per-label scores and the predicted labels, formula-safe.
import Papa from 'papaparse';
import { decide } from '../engine/blend';

/** Characters that make spreadsheets read a cell as a formula (OWASP CSV injection), plus tab and CR. */
export const FORMULA_TRIGGERS = ['=', '+', '-', '@', '\t', '\r'] as const;

/** Prefixes a cell that a spreadsheet would run as a formula with a single quote. */
export function neutralizeCell(value: string): string {
  return value.length > 0 && (FORMULA_TRIGGERS as readonly string[]).includes(value[0]!) ? `'${value}` : value;
}

/** The terms of one (row, label) score that go into the file. */
export interface ExportScore {
  nli: number;
  /** null for labels without a head. */
  poly: number | null;
  blended: number;
}

export interface ExportInput {
  header: readonly string[];
  rows: readonly (readonly string[])[];
  labels: readonly string[];
  thresholds: readonly number[];
  /** Scores of row i, label j; null when the row was not scored (empty text, cancelled run, a failed text). */
  score: (row: number, label: number) => ExportScore | null;
  /** Why row i could not be scored, or null; given only when some row failed, and then written as an `error` column. */
  error?: (row: number) => string | null;
}

/** Names of the columns added per label (and `error` when asked), made unique against the original header. */
export function exportHeader(header: readonly string[], labels: readonly string[], withError = false): string[] {
  const taken = new Set(header.map((h) => h.toLowerCase()));
  const unique = (name: string) => {
    let candidate = name;
    for (let k = 2; taken.has(candidate.toLowerCase()); k++) candidate = `${name}_${k}`;
    taken.add(candidate.toLowerCase());
    return candidate;
  };
  const added = labels.flatMap((l) => [unique(`${l}_score`), unique(`${l}_nli`), unique(`${l}_poly`)]);
  return [...header, ...added, unique('predicted_labels'), ...(withError ? [unique('error')] : [])];
}

/** Full-precision text of a number (String(number) round-trips exactly). */
function num(x: number | null): string {
  return x === null ? '' : String(x);
}

/** Rows per part of the labelled CSV: each part is one short string, however long the table. */
export const EXPORT_ROWS_PER_PART = 10_000;

/** The cells of rows [from, to) of the labelled CSV (before quoting), as `buildExportParts` writes them. */
export function exportRows(input: ExportInput, from: number, to: number): string[][] {
  const { rows, labels, thresholds, score, error } = input;
  const data: string[][] = [];
  for (let i = from; i < to; i++) {
    const out = rows[i]!.map(neutralizeCell);
    const predicted: string[] = [];
    let scored = false;
    labels.forEach((label, j) => {
      const s = score(i, j);
      if (!s) {
        out.push('', '', '');
        return;
      }
      scored = true;
      out.push(num(s.blended), num(s.nli), num(s.poly));
      if (decide(s.blended, thresholds[j]!)) predicted.push(label);
    });
    out.push(scored ? neutralizeCell(predicted.join(';')) : '');
    if (error) out.push(neutralizeCell(error(i) ?? ''));
    data.push(out);
  }
  return data;
}

/**
 * The labelled CSV as string parts to be joined (or handed to a `Blob` as they are): original
 * columns, then `<label>_score` (blended), `<label>_nli`, `<label>_poly` per label and
 * `predicted_labels` (semicolon-joined, decided with `thresholds`). Unscored rows keep their cells
 * and get empty scores. Every cell, the header included, is neutralised against formula injection.
 * The header line, then `rowsPerPart` rows per part, CRLF between rows and none at the end: the
 * joined parts equal Papa.unparse of the whole table, but no single string grows with the table
 * (a 2M-row, 63 MB table would pass V8's string limit).
 */
export function buildExportParts(input: ExportInput, rowsPerPart = EXPORT_ROWS_PER_PART): string[] {
  const fields = exportHeader(input.header, input.labels, input.error !== undefined).map(neutralizeCell);
  const config = { newline: '\r\n', header: false } as const;
  // The header line with its CRLF (Papa writes one even when no row follows).
  const parts = [Papa.unparse({ fields, data: [] }, { newline: config.newline })];
  for (let from = 0; from < input.rows.length; from += rowsPerPart) {
    const data = exportRows(input, from, Math.min(input.rows.length, from + rowsPerPart));
    // Every row is written to the header's width, as Papa.unparse of the whole table does.
    parts.push((from === 0 ? '' : config.newline) + Papa.unparse({ fields, data }, config));
  }
  return parts;
}

/** A file name for the download: "<name>-labelled.csv". */
export function exportFileName(sourceName: string): string {
  const base = sourceName.replace(/\.(csv|tsv|txt)$/i, '') || 'texts';
  return `${base}-labelled.csv`;
}
