// Every hostile file through parseCsv on its bytes (what the store's openCsv reads): rows in file order, encoding, or the right error.
import { describe, expect, it } from 'vitest';
import { noTextColumnWarning } from './columns';
import { CsvError, parseCsv } from './csv';
import { HOSTILE_FILES } from './hostile.testdata';

describe('hostile CSV files', () => {
  it('are at least 30, with unique names', () => {
    expect(HOSTILE_FILES.length).toBeGreaterThanOrEqual(30);
    expect(new Set(HOSTILE_FILES.map((f) => f.name)).size).toBe(HOSTILE_FILES.length);
  });

  it.each(HOSTILE_FILES.map((f) => [f.name, f] as const))('%s', async (_, file) => {
    const read = parseCsv(new File([file.bytes as BlobPart], file.name, { type: 'text/csv' }), { chunkSize: 4096 });
    const { expect: want } = file;
    if ('error' in want) {
      const error = await read.catch((e: unknown) => e);
      expect(error).toBeInstanceOf(CsvError);
      expect((error as Error).message).toMatch(want.error);
      return;
    }
    const parsed = await read;
    expect(parsed.header).toEqual(want.header);
    expect(parsed.rows).toEqual(want.rows);
    expect(parsed.encoding?.encoding).toBe(want.encoding);
    if (want.bom !== undefined) expect(parsed.encoding?.bom).toBe(want.bom);
    expect(parsed.delimiter).toBe(want.delimiter ?? ',');
    if (want.warning) expect(parsed.warnings.join(' ')).toMatch(want.warning);
    else expect(parsed.warnings).toEqual([]);
    expect(noTextColumnWarning(parsed.header, parsed.rows) !== null).toBe(want.noText === true);
  });
});
