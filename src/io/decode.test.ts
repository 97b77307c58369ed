// Tests for decodeText: binary signatures, BOMs, UTF-16 without BOM, UTF-8 versus windows-1252.
import { describe, expect, it } from 'vitest';
import { decodeText, describeEncoding } from './decode';

const utf8 = (s: string) => new TextEncoder().encode(s);
const utf16 = (s: string, order: 'le' | 'be') => {
  const out = new Uint8Array(s.length * 2);
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    out[2 * i + (order === 'le' ? 0 : 1)] = c & 0xff;
    out[2 * i + (order === 'le' ? 1 : 0)] = c >> 8;
  }
  return out;
};
const join = (...parts: Uint8Array[]) => new Uint8Array(parts.flatMap((p) => [...p]));

describe('decodeText', () => {
  it('reads UTF-8 with and without BOM, dropping the BOM', () => {
    expect(decodeText(utf8('Café,1\n'))).toEqual({ text: 'Café,1\n', encoding: 'utf-8', bom: false });
    expect(decodeText(join(new Uint8Array([0xef, 0xbb, 0xbf]), utf8('a\n')))).toEqual({ text: 'a\n', encoding: 'utf-8', bom: true });
  });

  it('keeps a few stray NULs and control characters in a long UTF-8 text (they are text, not a binary file)', () => {
    const text = `id,text\n${Array.from({ length: 40 }, (_, i) => `${i},a normal row of news text ${i}`).join('\n')}\n41,nul\u0000inside\n`;
    expect(decodeText(utf8(text))).toEqual({ text, encoding: 'utf-8', bom: false });
    expect(decodeText(utf8('\u0000\u0000\u0000a\u0000\u0000'))).toEqual({ notText: 'binary data (it contains NUL bytes)' });
  });

  it('reads bytes that are not UTF-8 as windows-1252', () => {
    // "Café € 'x'" in windows-1252: é = E9, € = 80, curly quotes = 91/92.
    const bytes = new Uint8Array([0x43, 0x61, 0x66, 0xe9, 0x20, 0x80, 0x20, 0x91, 0x78, 0x92]);
    expect(decodeText(bytes)).toEqual({ text: 'Café € \u2018x\u2019', encoding: 'windows-1252', bom: false });
  });

  it('reads UTF-16 LE and BE, with a BOM or told by the zero bytes', () => {
    const text = 'text,n\r\nhé,1\r\n';
    expect(decodeText(join(new Uint8Array([0xff, 0xfe]), utf16(text, 'le')))).toEqual({ text, encoding: 'utf-16le', bom: true });
    expect(decodeText(join(new Uint8Array([0xfe, 0xff]), utf16(text, 'be')))).toEqual({ text, encoding: 'utf-16be', bom: true });
    expect(decodeText(utf16(text, 'le'))).toEqual({ text, encoding: 'utf-16le', bom: false });
    expect(decodeText(utf16(text, 'be'))).toEqual({ text, encoding: 'utf-16be', bom: false });
  });

  it('refuses binary files by signature, NUL bytes or control characters', () => {
    expect(decodeText(new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13]))).toEqual({ notText: 'a PNG image' });
    expect(decodeText(utf8('%PDF-1.7\n'))).toEqual({ notText: 'a PDF document' });
    expect(decodeText(new Uint8Array([0x1f, 0x8b, 8, 0]))).toEqual({ notText: 'a GZIP archive' });
    expect(decodeText(utf8('a,b\n1,\u0000\u0000\u0001,3\n'))).toMatchObject({ notText: expect.stringMatching(/NUL/) as unknown });
    expect(decodeText(utf8('\u0001\u0002\u0003\u0004a,b\n'))).toMatchObject({ notText: expect.stringMatching(/control/) as unknown });
  });

  it('names encodings for the UI', () => {
    expect(describeEncoding({ encoding: 'windows-1252', bom: false })).toBe('windows-1252');
    expect(describeEncoding({ encoding: 'utf-16le', bom: true })).toBe('UTF-16LE with BOM');
  });
});
