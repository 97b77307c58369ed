// CSV reading with papaparse: size checks, decoding, line endings, header clean-up, clear errors with row numbers.
import Papa from 'papaparse';
import { type DecodedText, decodeText } from './decode';

/** A CSV the app cannot use, with a message that says what is wrong and what to do. */
export class CsvError extends Error {
  override name = 'CsvError';
}

const MB = 1024 * 1024;

/** Size limits: above `warnBytes` the app warns (memory, time); above `maxBytes` it refuses. */
export const CSV_LIMITS = { warnBytes: 50 * MB, maxBytes: 500 * MB } as const;

/** File name endings that are surely not CSV text, with what to do instead. */
const NOT_CSV = [
  { ext: ['.xlsx', '.xls', '.xlsm', '.ods', '.numbers'], hint: 'a spreadsheet: save it as CSV (UTF-8) first' },
  { ext: ['.json', '.jsonl'], hint: 'JSON: convert it to a CSV with a text column first' },
  { ext: ['.zip', '.gz', '.7z', '.bz2', '.xz'], hint: 'an archive: unpack it and pick the CSV inside' },
  { ext: ['.pdf', '.doc', '.docx', '.png', '.jpg', '.jpeg'], hint: 'not a table: pick a CSV file' },
] as const;

export type SizeCheck = { ok: true; warning: string | null } | { ok: false; message: string };

/** Human-readable byte count. */
export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < MB) return `${(bytes / 1024).toFixed(1)} KB`;
  return `${(bytes / MB).toFixed(1)} MB`;
}

/** Decides from name and size whether a file may be read, and whether to warn. */
export function checkCsvFile(name: string, bytes: number, limits: { warnBytes: number; maxBytes: number } = CSV_LIMITS): SizeCheck {
  const lower = name.toLowerCase();
  for (const kind of NOT_CSV) {
    if (kind.ext.some((e) => lower.endsWith(e))) return { ok: false, message: `${name} looks like ${kind.hint}.` };
  }
  if (bytes === 0) return { ok: false, message: `${name} is empty (0 bytes). Pick a CSV with a header row and at least one row of text.` };
  if (bytes > limits.maxBytes) {
    return {
      ok: false,
      message: `${name} is ${formatBytes(bytes)}; this page reads files up to ${formatBytes(limits.maxBytes)}. Split it into smaller CSVs and label them one by one.`,
    };
  }
  if (bytes > limits.warnBytes) {
    return { ok: true, warning: `${name} is ${formatBytes(bytes)}: reading and labelling it takes a while and a lot of memory. Keep this tab open.` };
  }
  return { ok: true, warning: null };
}

/** A parsed table: header names (unique, non-empty) and rows padded to the header's width. */
export interface ParsedCsv {
  header: string[];
  rows: string[][];
  delimiter: string;
  /** Things the user should know that did not stop the read (ragged rows). */
  warnings: string[];
  /** How the file's bytes were read as text; null when the input was already text. */
  encoding: Pick<DecodedText, 'encoding' | 'bom'> | null;
}

export interface ParseOptions {
  /** Called after each chunk with the fraction of the input read and the rows so far. */
  onProgress?: (fraction: number, rows: number) => void;
  signal?: AbortSignal;
  /** Characters per chunk. */
  chunkSize?: number;
}

/** Papaparse's error codes, as we explain them. */
function explain(error: Papa.ParseError, rowNumber: number): string {
  switch (error.code) {
    case 'MissingQuotes':
      return `row ${rowNumber}: a quoted cell is never closed, so everything after it would be read as one cell`;
    case 'InvalidQuotes':
      return `row ${rowNumber}: a quote inside a quoted cell is not doubled ("" is how CSV writes a quote)`;
    case 'TooFewFields':
    case 'TooManyFields':
      return `row ${rowNumber}: ${error.message}`;
    case 'UndetectableDelimiter':
      return error.message;
    default: {
      const never: never = error.code;
      return `row ${rowNumber}: ${error.message} (${String(never)})`;
    }
  }
}

/** Header names made usable: trimmed, never empty, never repeated. */
export function cleanHeader(raw: readonly string[]): string[] {
  const seen = new Map<string, number>();
  return raw.map((name, i) => {
    let base = name.trim() || `column_${i + 1}`;
    const key = base.toLowerCase();
    const count = (seen.get(key) ?? 0) + 1;
    seen.set(key, count);
    if (count > 1) base = `${base} (${count})`;
    return base;
  });
}

const MAX_REPORTED = 5;

/** Characters that papaparse may detect as the delimiter: a quote right after one opens a quoted cell. */
const DELIMITERS = new Set([',', '\t', '|', ';', Papa.RECORD_SEP, Papa.UNIT_SEP].map((d) => d.charCodeAt(0)));
const QUOTE = 0x22;
const CR = 0x0d;
const LF = 0x0a;

/**
 * Line endings made one: every \r\n and lone \r outside quoted cells becomes \n, so a file
 * that mixes endings is read row by row. Inside quoted cells (a quote at the start of a
 * cell up to its closing quote, "" being a quote) every character is kept as it was.
 */
export function normaliseNewlines(text: string): string {
  if (!text.includes('\r')) return text;
  const parts: string[] = [];
  let start = 0;
  let quoted = false;
  let cellStart = true;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (quoted) {
      if (c === QUOTE) {
        if (text.charCodeAt(i + 1) === QUOTE) i++;
        else quoted = false;
      }
      continue;
    }
    if (c === QUOTE && cellStart) {
      quoted = true;
      cellStart = false;
    } else if (c === CR) {
      parts.push(text.slice(start, i), '\n');
      if (text.charCodeAt(i + 1) === LF) i++;
      start = i + 1;
      cellStart = true;
    } else {
      cellStart = c === LF || DELIMITERS.has(c);
    }
  }
  parts.push(text.slice(start));
  return parts.join('');
}

/** Bytes to text, or a CsvError that says the file is not text and what to do. */
async function readText(file: Blob, name: string): Promise<DecodedText> {
  const decoded = decodeText(new Uint8Array(await file.arrayBuffer()));
  if ('notText' in decoded) {
    throw new CsvError(`${name} is not a text file: it looks like ${decoded.notText}. Pick a CSV file (from a spreadsheet: File > Save as > CSV UTF-8) and load it again.`);
  }
  return decoded;
}

/**
 * Parses a CSV: a string (already text), or a file's bytes, which are decoded first (see
 * decodeText; files that are not text are refused). Line endings may be mixed. The first
 * row is the header. Quote errors stop the read (the rest of the file would be garbled);
 * rows with too few cells are padded and rows with too many widen the table, both with a
 * warning that names the rows, so no cell is ever dropped. Rows come out in file order,
 * blank lines skipped.
 */
export async function parseCsv(input: string | Blob, options: ParseOptions = {}): Promise<ParsedCsv> {
  let encoding: ParsedCsv['encoding'] = null;
  if (typeof input !== 'string') {
    const decoded = await readText(input, input instanceof File ? input.name : 'The file');
    encoding = { encoding: decoded.encoding, bom: decoded.bom };
    input = decoded.text;
  }
  const text = normaliseNewlines(input);
  const { onProgress, signal, chunkSize = 1024 * 1024 } = options;
  const total = text.length;
  return new Promise((resolve, reject) => {
    let rawHeader: string[] | null = null;
    const rows: string[][] = [];
    const fatal: string[] = [];
    const seenErrors = new Set<string>();
    const short: number[] = [];
    const long: number[] = [];
    let width = 0;
    let delimiter = ',';
    let aborted = signal?.aborted === true;

    const onAbort = () => {
      aborted = true;
    };
    signal?.addEventListener('abort', onAbort, { once: true });

    const config = {
      header: false,
      newline: '\n',
      skipEmptyLines: 'greedy',
      chunkSize,
      chunk(result: Papa.ParseResult<string[]>, parser: Papa.Parser) {
        if (aborted) {
          parser.abort();
          return;
        }
        delimiter = result.meta.delimiter || delimiter;
        // Error rows are relative to this chunk's data; row 1 of the file is the header.
        const firstRowNumber = (rawHeader ? rows.length + 2 : 1);
        for (const error of result.errors) {
          if (error.code === 'UndetectableDelimiter') continue; // one-column files are fine
          const rowNumber = firstRowNumber + (error.row ?? 0);
          const key = `${error.code}:${rowNumber}`;
          if (seenErrors.has(key)) continue;
          seenErrors.add(key);
          fatal.push(explain(error, rowNumber));
        }
        if (fatal.length) {
          parser.abort();
          return;
        }
        for (const row of result.data) {
          if (!rawHeader) {
            rawHeader = row;
            width = row.length;
            continue;
          }
          const rowNumber = rows.length + 2;
          const headerWidth = rawHeader.length;
          if (row.length < headerWidth) {
            if (short.length < MAX_REPORTED + 1) short.push(rowNumber);
          } else if (row.length > headerWidth) {
            if (long.length < MAX_REPORTED + 1) long.push(rowNumber);
            width = Math.max(width, row.length);
          }
          rows.push(row);
        }
        const cursor = result.meta.cursor;
        onProgress?.(total > 0 ? Math.min(1, cursor / total) : 1, rows.length);
      },
      complete() {
        signal?.removeEventListener('abort', onAbort);
        if (aborted) return reject(new CsvError('Reading the CSV was cancelled.'));
        if (fatal.length) {
          const shown = fatal.slice(0, MAX_REPORTED).join('; ');
          const more = fatal.length > MAX_REPORTED ? ` (and ${fatal.length - MAX_REPORTED} more)` : '';
          return reject(new CsvError(`This CSV is malformed: ${shown}${more}. Fix the file (or re-save it from a spreadsheet as CSV) and load it again.`));
        }
        if (!rawHeader) return reject(new CsvError('The file has no rows. Pick a CSV with a header row and at least one row of text.'));
        if (rows.length === 0) return reject(new CsvError('The file has a header row but no data rows below it.'));
        // Rows read before the table widened are padded now.
        for (const row of rows) while (row.length < width) row.push('');
        const header = cleanHeader([...rawHeader, ...Array.from({ length: width - rawHeader.length }, () => '')]);
        const warnings: string[] = [];
        const list = (xs: number[]) => xs.slice(0, MAX_REPORTED).join(', ') + (xs.length > MAX_REPORTED ? ', …' : '');
        if (short.length) warnings.push(`Rows ${list(short)} have fewer cells than the header; the missing cells were left empty.`);
        if (long.length) warnings.push(`Rows ${list(long)} have more cells than the header; the extra cells were kept in new columns (column_N).`);
        onProgress?.(1, rows.length);
        resolve({ header, rows, delimiter, warnings, encoding });
      },
      error(error: Error) {
        signal?.removeEventListener('abort', onAbort);
        reject(new CsvError(`The file could not be read (${error.message}). Check that it is a text CSV and try again.`));
      },
    };
    // The typings have no overload for a string with chunk callbacks; papaparse itself accepts it.
    Papa.parse<string[]>(text, { ...config, worker: false, download: false } as unknown as Papa.ParseConfig<string[]> & { worker: false });
  });
}
