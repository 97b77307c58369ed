// Builds test CSVs (from the golden texts or generated rows) and reads downloaded ones, with papaparse.
import { writeFileSync } from 'node:fs';
import type { TestInfo } from '@playwright/test';
import Papa from 'papaparse';

/** Writes a CSV built from a header and rows to the test's output folder; returns its path. */
export function writeCsv(testInfo: TestInfo, name: string, header: string[], rows: string[][]): string {
  const path = testInfo.outputPath(name);
  writeFileSync(path, Papa.unparse({ fields: header, data: rows }, { newline: '\r\n' }), 'utf-8');
  return path;
}

/** Parses a downloaded CSV into header and records (papaparse drops the UTF-8 BOM). */
export function readCsv(text: string): { header: string[]; records: Array<Record<string, string>> } {
  const parsed = Papa.parse<Record<string, string>>(text, { header: true, skipEmptyLines: true });
  if (parsed.errors.length) throw new Error(`downloaded CSV does not parse: ${JSON.stringify(parsed.errors.slice(0, 3))}`);
  return { header: parsed.meta.fields ?? [], records: parsed.data };
}

/** What the app must do to a cell a spreadsheet would run as a formula (the test's own statement of the rule). */
export function expectedCell(value: string): string {
  return /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
}
