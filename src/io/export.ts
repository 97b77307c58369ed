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

/**
 * The labelled CSV as text: original columns, then `<label>_score` (blended),
 * `<label>_nli`, `<label>_poly` per label and `predicted_labels` (semicolon-joined,
 * decided with `thresholds`), then `error` when `input.error` is given. Unscored rows keep
 * their cells and get empty scores. Every cell, the header included, is neutralised against
 * formula injection.
 */
export function buildExportCsv(input: ExportInput): string {
  const { header, rows, labels, thresholds, score, error } = input;
  const fields = exportHeader(header, labels, error !== undefined).map(neutralizeCell);
  const data = rows.map((row, i) => {
    const out = row.map(neutralizeCell);
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
    return out;
  });
  return Papa.unparse({ fields, data }, { newline: '\r\n' });
}

/** A file name for the download: "<name>-labelled.csv". */
export function exportFileName(sourceName: string): string {
  const base = sourceName.replace(/\.(csv|tsv|txt)$/i, '') || 'texts';
  return `${base}-labelled.csv`;
}
