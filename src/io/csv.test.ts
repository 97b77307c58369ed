// Tests for CSV reading: headers, ragged rows, quote errors with row numbers, empty files, size checks.
import { describe, expect, it } from 'vitest';
import { checkCsvFile, cleanHeader, CSV_LIMITS, CsvError, normaliseNewlines, parseCsv } from './csv';

describe('parseCsv', () => {
  it('reads header and rows in small chunks, CRLF and a BOM included', async () => {
    const progress: number[] = [];
    const csv = '\ufefftext,label\r\n"Hello, world",1\r\n"multi\nline ""quoted""",0\r\nplain,1\r\n';
    const parsed = await parseCsv(csv, { chunkSize: 7, onProgress: (f) => progress.push(f) });
    expect(parsed.header).toEqual(['text', 'label']);
    expect(parsed.rows).toEqual([
      ['Hello, world', '1'],
      ['multi\nline "quoted"', '0'],
      ['plain', '1'],
    ]);
    expect(parsed.warnings).toEqual([]);
    expect(progress.at(-1)).toBe(1);
    expect(progress.length).toBeGreaterThan(2);
  });

  it('detects other delimiters', async () => {
    const parsed = await parseCsv('a;b\n1;2\n3;4\n');
    expect(parsed.delimiter).toBe(';');
    expect(parsed.rows).toEqual([
      ['1', '2'],
      ['3', '4'],
    ]);
  });

  it('reads one-column files without complaint', async () => {
    const parsed = await parseCsv('text\nhello there\nsecond\n');
    expect(parsed.rows).toEqual([['hello there'], ['second']]);
    expect(parsed.warnings).toEqual([]);
  });

  it('keeps every cell of ragged rows and names the rows', async () => {
    const parsed = await parseCsv('text,label\na,1,extra\nb\n\nc,3\n');
    expect(parsed.header).toEqual(['text', 'label', 'column_3']);
    expect(parsed.rows).toEqual([
      ['a', '1', 'extra'],
      ['b', '', ''],
      ['c', '3', ''],
    ]);
    expect(parsed.warnings.join(' ')).toMatch(/Rows 3 have fewer cells/);
    expect(parsed.warnings.join(' ')).toMatch(/Rows 2 have more cells/);
  });

  it('refuses an unclosed quote and says on which row', async () => {
    const error = await parseCsv('text,label\na,1\nb,2\n"never closed,3\nd,4\n', { chunkSize: 5 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CsvError);
    expect((error as Error).message).toMatch(/row 4: a quoted cell is never closed/);
  });

  it('refuses a malformed quote inside a quoted cell with its row', async () => {
    const error = await parseCsv('text,label\na,1\n"b"x,2\nc,3\n').catch((e: unknown) => e);
    expect((error as Error).message).toMatch(/row 3: a quote inside a quoted cell is not doubled/);
  });

  it('says when a file has no rows, or only a header', async () => {
    await expect(parseCsv('')).rejects.toThrow(/no rows/);
    await expect(parseCsv('\n\n  \n')).rejects.toThrow(/no rows/);
    await expect(parseCsv('text,label\n')).rejects.toThrow(/header row but no data rows/);
  });

  it('stops when aborted', async () => {
    const controller = new AbortController();
    controller.abort();
    await expect(parseCsv('a\n1\n2\n', { signal: controller.signal })).rejects.toThrow(/cancelled/);
  });
});

describe('cleanHeader', () => {
  it('names empty headers and numbers duplicates', () => {
    expect(cleanHeader([' text ', '', 'Label', 'label', 'label'])).toEqual(['text', 'column_2', 'Label', 'label (2)', 'label (3)']);
  });
});

describe('checkCsvFile', () => {
  it('allows normal files, warns on big ones and refuses huge, empty and non-CSV files', () => {
    expect(checkCsvFile('a.csv', 1000)).toEqual({ ok: true, warning: null });
    const big = checkCsvFile('a.csv', CSV_LIMITS.warnBytes + 1);
    expect(big.ok && big.warning).toMatch(/takes a while/);
    const huge = checkCsvFile('a.csv', CSV_LIMITS.maxBytes + 1);
    expect(!huge.ok && huge.message).toMatch(/up to 500\.0 MB.*Split it/);
    const empty = checkCsvFile('a.csv', 0);
    expect(!empty.ok && empty.message).toMatch(/empty/);
    const xlsx = checkCsvFile('Book1.XLSX', 10);
    expect(!xlsx.ok && xlsx.message).toMatch(/save it as CSV/);
  });
});

describe('normaliseNewlines', () => {
  it('turns CRLF and lone CR outside quoted cells into LF', () => {
    expect(normaliseNewlines('a,b\r\n1,2\n3,4\r5,6\r\n')).toBe('a,b\n1,2\n3,4\n5,6\n');
    expect(normaliseNewlines('a\n1\n')).toBe('a\n1\n');
  });

  it('keeps every character inside quoted cells, doubled quotes included', () => {
    const csv = 'text;n\r"one\r\ntwo ""x""\rthree";1\r\n"a\rb"\t\r"""q""\r"\r';
    expect(normaliseNewlines(csv)).toBe('text;n\n"one\r\ntwo ""x""\rthree";1\n"a\rb"\t\n"""q""\r"\n');
  });

  it('reads a quote inside an unquoted cell as a character, not as the start of a quoted cell', () => {
    expect(normaliseNewlines('size,text\r\n5" screen,ok\r\nnext,row\r\n')).toBe('size,text\n5" screen,ok\nnext,row\n');
  });
});
