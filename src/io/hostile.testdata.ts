// Hostile CSV files for tests, built as bytes: odd line endings, encodings, binary files, odd shapes; each with what reading it must give.
import type { TextEncodingName } from './decode';

/** What reading a hostile file must give: the table (rows in file order), or an error. */
export type HostileExpectation =
  | {
      header: string[];
      /** Every data row, in file order. */
      rows: string[][];
      encoding: TextEncodingName;
      bom?: boolean;
      delimiter?: string;
      /** A warning that must be among the read's warnings (ragged rows). */
      warning?: RegExp;
      /** True when no column looks like text (the store warns and still lets the user pick). */
      noText?: boolean;
    }
  | { error: RegExp };

export interface HostileFile {
  name: string;
  /** What makes this file hostile, in words. */
  about: string;
  bytes: Uint8Array;
  expect: HostileExpectation;
}

const utf8 = (s: string): Uint8Array => new TextEncoder().encode(s);

function utf16(s: string, order: 'le' | 'be', bom: boolean): Uint8Array {
  const body = new Uint8Array(s.length * 2 + (bom ? 2 : 0));
  let at = 0;
  if (bom) {
    body.set(order === 'le' ? [0xff, 0xfe] : [0xfe, 0xff]);
    at = 2;
  }
  for (let i = 0; i < s.length; i++, at += 2) {
    const c = s.charCodeAt(i);
    body[at + (order === 'le' ? 0 : 1)] = c & 0xff;
    body[at + (order === 'le' ? 1 : 0)] = c >> 8;
  }
  return body;
}

/** windows-1252 bytes: Latin-1 code points as themselves, plus the few 0x80–0x9F characters used here. */
function cp1252(s: string): Uint8Array {
  const high: Record<string, number> = { '€': 0x80, '‘': 0x91, '’': 0x92, '“': 0x93, '”': 0x94, '–': 0x96, '—': 0x97 };
  return Uint8Array.from([...s], (ch) => {
    const code = high[ch] ?? ch.charCodeAt(0);
    if (code > 0xff) throw new Error(`${ch} is not in this windows-1252 table`);
    return code;
  });
}

const concat = (...parts: (Uint8Array | number[])[]): Uint8Array => Uint8Array.from(parts.flatMap((p) => [...p]));

/** A small table written with the given line ending after each row (header first). */
const lines = (rows: string[], ending: string | string[]): string =>
  rows.map((r, i) => r + (typeof ending === 'string' ? ending : ending[i % ending.length])).join('');

const NEWS = { header: ['text', 'n'], rows: [['alpha', '1'], ['beta', '2'], ['gamma', '3']] };
const newsLines = ['text,n', 'alpha,1', 'beta,2', 'gamma,3'];
const table = (encoding: TextEncodingName, extra: Partial<Extract<HostileExpectation, { header: string[] }>> = {}): HostileExpectation => ({
  ...NEWS,
  encoding,
  ...extra,
});

const LONG = 'word '.repeat(200_000).trim();
const MANY = Array.from({ length: 1000 }, (_, i) => [`row ${i + 1} text`, String(i % 7)]);

/** The hostile files, each with what reading it must give. */
export const HOSTILE_FILES: HostileFile[] = [
  // Line endings.
  { name: 'mixed-endings.csv', about: 'rows end \\r\\n, \\n, \\r, \\r\\n', bytes: utf8(lines(newsLines, ['\r\n', '\n', '\r', '\r\n'])), expect: table('utf-8') },
  { name: 'crlf.csv', about: 'Windows line endings', bytes: utf8(lines(newsLines, '\r\n')), expect: table('utf-8') },
  { name: 'cr-only.csv', about: 'old Mac line endings (\\r)', bytes: utf8(lines(newsLines, '\r')), expect: table('utf-8') },
  { name: 'lf.csv', about: 'Unix line endings', bytes: utf8(lines(newsLines, '\n')), expect: table('utf-8') },
  { name: 'no-final-newline.csv', about: 'last row without a line ending', bytes: utf8(newsLines.join('\r\n')), expect: table('utf-8') },
  {
    name: 'trailing-blank-lines.csv',
    about: 'blank lines between rows and at the end, in mixed endings',
    bytes: utf8('text,n\nalpha,1\r\n\r\nbeta,2\n\ngamma,3\n\n\r\n\r\r'),
    expect: table('utf-8'),
  },
  {
    name: 'quoted-newlines.csv',
    about: 'multi-line quoted cells (\\n inside) in a CRLF file',
    bytes: utf8('text,n\r\n"line one\nline two",1\r\n"a ""quoted"" word,\nand more",2\r\n'),
    expect: { header: ['text', 'n'], rows: [['line one\nline two', '1'], ['a "quoted" word,\nand more', '2']], encoding: 'utf-8' },
  },
  {
    name: 'crlf-in-quotes-mixed.csv',
    about: 'quoted cells holding \\r\\n and lone \\r, in a file of mixed endings',
    bytes: utf8('text,n\n"first\r\nsecond",1\r"cr\ronly",2\r\n"end\n\r\n",3\n'),
    expect: { header: ['text', 'n'], rows: [['first\r\nsecond', '1'], ['cr\ronly', '2'], ['end\n\r\n', '3']], encoding: 'utf-8' },
  },
  {
    name: 'quote-mid-cell.csv',
    about: 'a quote inside an unquoted cell (5" screen), CRLF',
    bytes: utf8('text,n\r\nmy 5" screen broke,1\r\nfine,2\r\n'),
    expect: { header: ['text', 'n'], rows: [['my 5" screen broke', '1'], ['fine', '2']], encoding: 'utf-8' },
  },
  {
    name: 'many-rows-mixed.csv',
    about: '1,000 rows whose endings cycle through \\r\\n, \\n, \\r',
    bytes: utf8(lines(['text,n', ...MANY.map((r) => r.join(','))], ['\r\n', '\n', '\r'])),
    expect: { header: ['text', 'n'], rows: MANY, encoding: 'utf-8' },
  },

  // Encodings.
  { name: 'utf8-bom.csv', about: 'UTF-8 with BOM', bytes: concat([0xef, 0xbb, 0xbf], utf8(lines(newsLines, '\r\n'))), expect: table('utf-8', { bom: true }) },
  {
    name: 'utf16le-bom.csv',
    about: 'UTF-16LE with BOM (Excel "Unicode text")',
    bytes: utf16(lines(['text\tn', 'Café\t1', 'naïve\t2'], '\r\n'), 'le', true),
    expect: { header: ['text', 'n'], rows: [['Café', '1'], ['naïve', '2']], encoding: 'utf-16le', bom: true, delimiter: '\t' },
  },
  {
    name: 'utf16be-bom.csv',
    about: 'UTF-16BE with BOM',
    bytes: utf16(lines(['text,n', 'Café,1', 'naïve,2'], '\n'), 'be', true),
    expect: { header: ['text', 'n'], rows: [['Café', '1'], ['naïve', '2']], encoding: 'utf-16be', bom: true },
  },
  { name: 'utf16le-nobom.csv', about: 'UTF-16LE without BOM', bytes: utf16(lines(newsLines, '\r\n'), 'le', false), expect: table('utf-16le', { bom: false }) },
  { name: 'utf16be-nobom.csv', about: 'UTF-16BE without BOM', bytes: utf16(lines(newsLines, '\n'), 'be', false), expect: table('utf-16be', { bom: false }) },
  {
    name: 'windows-1252.csv',
    about: 'windows-1252 (€, curly quotes, é) from Excel',
    bytes: cp1252('text,n\r\nCafé prices rise as € weakens,1\r\n“Quoted” – said O’Brien,2\r\n'),
    expect: { header: ['text', 'n'], rows: [['Café prices rise as € weakens', '1'], ['“Quoted” – said O’Brien', '2']], encoding: 'windows-1252' },
  },
  {
    name: 'latin1-cr.csv',
    about: 'ISO-8859-1 (ü, ß, ñ) with old Mac line endings',
    bytes: cp1252('text;n\rGrüße aus Köln;1\rEspaña gana;2\r'),
    expect: { header: ['text', 'n'], rows: [['Grüße aus Köln', '1'], ['España gana', '2']], encoding: 'windows-1252', delimiter: ';' },
  },
  {
    name: 'unicode.csv',
    about: 'CJK, Arabic, Greek, combining accents',
    bytes: utf8('text,n\n東京の株価が上昇,1\nارتفاع الأسعار,2\nΑθήνα,3\ne\u0301te\u0301,4\n'),
    expect: { header: ['text', 'n'], rows: [['東京の株価が上昇', '1'], ['ارتفاع الأسعار', '2'], ['Αθήνα', '3'], ['e\u0301te\u0301', '4']], encoding: 'utf-8' },
  },
  {
    name: 'emoji.csv',
    about: 'emoji: surrogate pairs, ZWJ sequences, flags',
    bytes: utf8('text,n\n"Stocks 📈, crypto 🚀",1\n👩‍💻 coders 🇫🇷,2\n'),
    expect: { header: ['text', 'n'], rows: [['Stocks 📈, crypto 🚀', '1'], ['👩‍💻 coders 🇫🇷', '2']], encoding: 'utf-8' },
  },
  {
    name: 'utf8-bom-quoted-crlf.csv',
    about: 'UTF-8 BOM, CRLF, a quoted cell holding CRLF',
    bytes: concat([0xef, 0xbb, 0xbf], utf8('text,n\r\n"two\r\nlines",1\r\nplain,2\r\n')),
    expect: { header: ['text', 'n'], rows: [['two\r\nlines', '1'], ['plain', '2']], encoding: 'utf-8', bom: true },
  },

  // Empty and degenerate.
  { name: 'empty.csv', about: '0 bytes', bytes: new Uint8Array(0), expect: { error: /no rows/ } },
  { name: 'blank.csv', about: 'only blank lines and spaces', bytes: utf8('\r\n\n  \r\n\r'), expect: { error: /no rows/ } },
  { name: 'header-only.csv', about: 'a header and nothing else', bytes: utf8('text,n\r\n'), expect: { error: /header row but no data rows/ } },
  { name: 'header-only-no-newline.csv', about: 'a header without a line ending', bytes: utf8('text,n'), expect: { error: /header row but no data rows/ } },
  {
    name: 'only-numbers.csv',
    about: 'no column looks like text',
    bytes: utf8('a,b,c\n1,2.5,-3\n4,5,6\n7,8e3,\n'),
    expect: { header: ['a', 'b', 'c'], rows: [['1', '2.5', '-3'], ['4', '5', '6'], ['7', '8e3', '']], encoding: 'utf-8', noText: true },
  },
  {
    name: 'ragged.csv',
    about: 'rows with too few and too many cells',
    bytes: utf8('text,n\nshort\nlong,1,extra\nok,2\n'),
    expect: { header: ['text', 'n', 'column_3'], rows: [['short', '', ''], ['long', '1', 'extra'], ['ok', '2', '']], encoding: 'utf-8', warning: /fewer cells/ },
  },
  {
    name: 'empty-and-duplicate-headers.csv',
    about: 'an empty header name and a repeated one',
    bytes: utf8(',text,text\n1,a,b\n2,c,d\n'),
    expect: { header: ['column_1', 'text', 'text (2)'], rows: [['1', 'a', 'b'], ['2', 'c', 'd']], encoding: 'utf-8' },
  },
  {
    name: 'very-long-line.csv',
    about: 'one cell of about 1 MB',
    bytes: utf8(`text,n\n${LONG},1\nshort,2\n`),
    expect: { header: ['text', 'n'], rows: [[LONG, '1'], ['short', '2']], encoding: 'utf-8' },
  },
  {
    name: 'unclosed-quote.csv',
    about: 'a quoted cell never closed',
    bytes: utf8('text,n\r\nok,1\r\n"never closed,2\r\nlast,3\r\n'),
    expect: { error: /row 3: a quoted cell is never closed/ },
  },

  // Delimiters.
  { name: 'semicolon.csv', about: 'semicolon-separated (European Excel)', bytes: utf8('text;n\r\nalpha;1\r\nbeta;2\r\ngamma;3\r\n'), expect: table('utf-8', { delimiter: ';' }) },
  { name: 'tab.tsv', about: 'tab-separated', bytes: utf8('text\tn\nalpha\t1\nbeta\t2\ngamma\t3\n'), expect: table('utf-8', { delimiter: '\t' }) },
  { name: 'pipe.csv', about: 'pipe-separated', bytes: utf8('text|n\nalpha|1\nbeta|2\ngamma|3\n'), expect: table('utf-8', { delimiter: '|' }) },
  {
    name: 'quoted-delimiters.csv',
    about: 'delimiters and doubled quotes inside quoted cells',
    bytes: utf8('text,n\r"a, b; c",1\r"say ""hi""",2\r'),
    expect: { header: ['text', 'n'], rows: [['a, b; c', '1'], ['say "hi"', '2']], encoding: 'utf-8' },
  },

  // Not text at all.
  {
    name: 'image.csv',
    about: 'a PNG renamed .csv',
    bytes: concat([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 0x0d], utf8('IHDR'), [0, 0, 0, 1, 0, 0, 0, 1, 8, 6, 0, 0, 0]),
    expect: { error: /not a text file: it looks like a PNG image/ },
  },
  { name: 'archive.csv', about: 'a ZIP (or .xlsx) renamed .csv', bytes: concat([0x50, 0x4b, 0x03, 0x04, 0x14, 0, 0, 0, 8, 0], utf8('[Content_Types].xml')), expect: { error: /not a text file: it looks like a ZIP archive/ } },
  { name: 'document.csv', about: 'a PDF renamed .csv', bytes: utf8('%PDF-1.7\n%âãÏÓ\n1 0 obj\n<< /Type /Catalog >>\nendobj\n'), expect: { error: /not a text file: it looks like a PDF document/ } },
  { name: 'data.csv.gz.csv', about: 'a GZIP file renamed .csv', bytes: concat([0x1f, 0x8b, 0x08, 0x00, 0, 0, 0, 0, 0, 0x03], [0x4b, 0x4c, 0x4a, 0x06, 0x00]), expect: { error: /not a text file: it looks like a GZIP archive/ } },
  { name: 'nul-laden.csv', about: 'text with NUL bytes in it (not UTF-16)', bytes: utf8('text,n\nhello\u0000\u0000\u0000world,1\nok,2\n'), expect: { error: /not a text file: .*NUL bytes/ } },
  {
    name: 'control-chars.csv',
    about: 'mostly control characters, no NULs',
    bytes: Uint8Array.from({ length: 400 }, (_, i) => [0x01, 0x02, 0x03, 0x1b, 0x7f, 0x41][i % 6]!),
    expect: { error: /not a text file: .*control characters/ },
  },
];
