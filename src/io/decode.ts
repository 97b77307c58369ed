// Bytes to text for CSV files: refuses binary files, then finds the encoding (BOM, UTF-16, UTF-8, else windows-1252).

/** The encodings a CSV is read in, as TextDecoder names them. */
export type TextEncodingName = 'utf-8' | 'utf-16le' | 'utf-16be' | 'windows-1252';

/** Text read from a file, and how it was read. */
export interface DecodedText {
  /** The text, without its byte order mark. */
  text: string;
  encoding: TextEncodingName;
  /** Whether the file started with a byte order mark saying the encoding. */
  bom: boolean;
}

/** Why bytes are not text: what the file looks like, in words ("a PNG image", "binary data"). */
export interface NotText {
  notText: string;
}

/** File signatures of common binary files that get renamed or picked by mistake. */
const MAGIC: readonly { bytes: readonly number[]; what: string }[] = [
  { bytes: [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a], what: 'a PNG image' },
  { bytes: [0xff, 0xd8, 0xff], what: 'a JPEG image' },
  { bytes: [0x47, 0x49, 0x46, 0x38], what: 'a GIF image' },
  { bytes: [0x25, 0x50, 0x44, 0x46, 0x2d], what: 'a PDF document' },
  { bytes: [0x50, 0x4b, 0x03, 0x04], what: 'a ZIP archive (or an Excel/Word file, which are ZIP inside)' },
  { bytes: [0x50, 0x4b, 0x05, 0x06], what: 'a ZIP archive (empty)' },
  { bytes: [0x1f, 0x8b], what: 'a GZIP archive' },
  { bytes: [0x37, 0x7a, 0xbc, 0xaf, 0x27, 0x1c], what: 'a 7-Zip archive' },
  { bytes: [0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00], what: 'an XZ archive' },
  { bytes: [0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1], what: 'an old Office file (.xls or .doc)' },
  { bytes: [0x53, 0x51, 0x4c, 0x69, 0x74, 0x65, 0x20, 0x66], what: 'an SQLite database' },
];

/** Bytes looked at to tell UTF-16 without a BOM, and text characters looked at for control characters. */
const SAMPLE = 64 * 1024;
/** Share of zero bytes on one side (odd or even positions) that marks UTF-16 text without a BOM. */
const UTF16_ZERO_SHARE = 0.3;
/** Share of control characters (other than tab, line feed, carriage return, form feed) above which text is binary. */
const CONTROL_SHARE = 0.05;

function startsWith(bytes: Uint8Array, prefix: readonly number[]): boolean {
  return bytes.length >= prefix.length && prefix.every((b, i) => bytes[i] === b);
}

/** UTF-16 without a BOM: ASCII-heavy UTF-16 has a zero in every other byte, on one side only. */
function sniffUtf16(bytes: Uint8Array): 'utf-16le' | 'utf-16be' | null {
  const n = Math.min(bytes.length, SAMPLE) & ~1;
  if (n < 2) return null;
  let even = 0;
  let odd = 0;
  for (let i = 0; i < n; i += 2) {
    if (bytes[i] === 0) even++;
    if (bytes[i + 1] === 0) odd++;
  }
  const pairs = n / 2;
  if (odd >= pairs * UTF16_ZERO_SHARE && even <= pairs * 0.05) return 'utf-16le';
  if (even >= pairs * UTF16_ZERO_SHARE && odd <= pairs * 0.05) return 'utf-16be';
  return null;
}

/**
 * windows-1252's characters for bytes 0x80–0x9F (WHATWG Encoding; the five undefined bytes map
 * to the C1 control of the same number). Every other byte is the code point of the same number.
 * Decoded here, not with TextDecoder, because some runtimes (Node 20) decode this label as Latin-1.
 */
const CP1252_HIGH = [
  0x20ac, 0x81, 0x201a, 0x192, 0x201e, 0x2026, 0x2020, 0x2021, 0x2c6, 0x2030, 0x160, 0x2039, 0x152, 0x8d, 0x17d, 0x8f,
  0x90, 0x2018, 0x2019, 0x201c, 0x201d, 0x2022, 0x2013, 0x2014, 0x2dc, 0x2122, 0x161, 0x203a, 0x153, 0x9d, 0x17e, 0x178,
] as const;

function decodeWindows1252(bytes: Uint8Array): string {
  const parts: string[] = [];
  const block = 8192;
  for (let start = 0; start < bytes.length; start += block) {
    const codes = Array.from(bytes.subarray(start, start + block), (b) => (b >= 0x80 && b <= 0x9f ? CP1252_HIGH[b - 0x80]! : b));
    parts.push(String.fromCharCode(...codes));
  }
  return parts.join('');
}

function tryDecode(encoding: 'utf-8' | 'utf-16le' | 'utf-16be', bytes: Uint8Array, fatal: boolean): string | null {
  try {
    return new TextDecoder(encoding, { fatal }).decode(bytes);
  } catch {
    return null;
  }
}

/** Whether decoded text is mostly control characters (C0 other than \t \n \f \r, DEL, C1): binary read as text. */
function controlHeavy(text: string): boolean {
  const n = Math.min(text.length, SAMPLE);
  if (n === 0) return false;
  let control = 0;
  for (let i = 0; i < n; i++) {
    const c = text.charCodeAt(i);
    if ((c < 0x20 && c !== 0x09 && c !== 0x0a && c !== 0x0c && c !== 0x0d) || (c >= 0x7f && c <= 0x9f)) control++;
  }
  return control > n * CONTROL_SHARE;
}

/**
 * Reads a file's bytes as text. In order: known binary signatures (PNG, ZIP, PDF, GZIP, …) are
 * refused; a BOM (UTF-8, UTF-16LE/BE) decides the encoding; UTF-16 without a BOM is told by its
 * zero bytes; valid UTF-8 is read as UTF-8, anything else as
 * windows-1252 (which reads every byte, so Latin-1 files too). Text with more than a small share
 * of control characters (NUL included) is refused as binary; a few stray ones stay text. Never throws.
 */
export function decodeText(bytes: Uint8Array): DecodedText | NotText {
  for (const m of MAGIC) if (startsWith(bytes, m.bytes)) return { notText: m.what };

  const byBom: TextEncodingName | null = startsWith(bytes, [0xef, 0xbb, 0xbf])
    ? 'utf-8'
    : startsWith(bytes, [0xff, 0xfe])
      ? 'utf-16le'
      : startsWith(bytes, [0xfe, 0xff])
        ? 'utf-16be'
        : null;
  const bom = byBom !== null;
  const told = byBom ?? sniffUtf16(bytes);

  let text: string | null;
  let encoding: TextEncodingName;
  if (told) {
    // A BOM or the zero-byte pattern says the encoding; undecodable bytes become U+FFFD.
    encoding = told;
    text = tryDecode(told, bytes, false);
  } else {
    // NOTE: a stray NUL inside a cell is text (the golden set has some); only a control-heavy file is binary.
    const utf8 = tryDecode('utf-8', bytes, true);
    encoding = utf8 === null ? 'windows-1252' : 'utf-8';
    text = utf8 ?? decodeWindows1252(bytes);
  }
  if (text === null) return { notText: 'binary data (mostly control characters)' };
  if (controlHeavy(text)) return { notText: text.includes('\u0000') ? 'binary data (it contains NUL bytes)' : 'binary data (mostly control characters)' };
  return { text, encoding, bom };
}

/** How the UI names an encoding ("UTF-8", "UTF-16LE with BOM", "windows-1252"). */
export function describeEncoding(decoded: Pick<DecodedText, 'encoding' | 'bom'>): string {
  const name = decoded.encoding === 'windows-1252' ? 'windows-1252' : decoded.encoding.toUpperCase();
  return decoded.bom ? `${name} with BOM` : name;
}
