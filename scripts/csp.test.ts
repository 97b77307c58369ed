// The Content-Security-Policy has one home (scripts/csp.mjs): the preview header and the built page's <meta> agree.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import viteConfig from '../vite.config';
import { CSP_DIRECTIVES, CSP_HEADER, CSP_META, cspDirectives, EXTRA_MODEL_HOSTS, HEADER_ONLY_DIRECTIVES, parseCsp, parseExtraHosts, serializeCsp, withCspMeta } from './csp.mjs';

const indexHtml = readFileSync(new URL('../index.html', import.meta.url), 'utf8');

/** The policy of the first <meta http-equiv="Content-Security-Policy"> in a page. */
function metaPolicy(html: string): string | null {
  const m = /<meta http-equiv="Content-Security-Policy" content="([^"]*)"/i.exec(html);
  return m ? m[1]! : null;
}

describe('Content-Security-Policy', () => {
  it('is sent by vite preview with the cross-origin isolation headers', () => {
    const headers = viteConfig.preview?.headers as Record<string, string>;
    expect(headers['Content-Security-Policy']).toBe(CSP_HEADER);
    expect(headers['Cross-Origin-Opener-Policy']).toBe('same-origin');
    expect(headers['Cross-Origin-Embedder-Policy']).toBe('require-corp');
  });

  it('is written into the built index.html, agreeing with the header except for header-only directives', () => {
    expect(metaPolicy(indexHtml)).toBeNull();
    const built = withCspMeta(indexHtml);
    const meta = parseCsp(metaPolicy(built)!);
    const header = parseCsp(CSP_HEADER);
    expect(Object.keys(header).length).toBeGreaterThan(5);
    for (const name of Object.keys(header)) {
      if (HEADER_ONLY_DIRECTIVES.includes(name)) expect(meta[name], name).toBeUndefined();
      else expect(meta[name], name).toEqual(header[name]);
    }
    expect(Object.keys(meta).every((name) => name in header)).toBe(true);
    expect(metaPolicy(built)).toBe(CSP_META);
  });

  it('comes before every script and stylesheet, right after <meta charset>, within the first 1024 bytes', () => {
    const built = withCspMeta(indexHtml);
    const at = built.indexOf('http-equiv="Content-Security-Policy"');
    expect(at).toBeGreaterThan(built.indexOf('<meta charset='));
    expect(at).toBeLessThan(built.search(/<script|<link rel="stylesheet"/));
    expect(built.indexOf('<meta charset=')).toBeLessThan(1024);
    expect(() => withCspMeta('<html><head></head></html>')).toThrow(/no <meta charset/);
  });

  it('allows only what the app needs: own scripts and wasm, no inline or eval, no plugins, no framing', () => {
    const p = parseCsp(CSP_HEADER);
    expect(p['script-src']).toEqual(["'self'", "'wasm-unsafe-eval'"]);
    expect(p['object-src']).toEqual(["'none'"]);
    expect(p['base-uri']).toEqual(["'self'"]);
    expect(p['frame-ancestors']).toEqual(["'none'"]);
    expect(p['connect-src']).toEqual(["'self'", 'https://huggingface.co', 'https://*.hf.co']);
    for (const sources of Object.values(CSP_DIRECTIVES)) {
      for (const s of sources) expect(["'unsafe-inline'", "'unsafe-eval'", '*', 'http:', 'https:', 'data:']).not.toContain(s);
    }
  });
});

describe('EXTRA_MODEL_HOSTS', () => {
  it('adds only plain http(s) origins to connect-src, once each', () => {
    expect(parseExtraHosts(undefined)).toEqual([]);
    expect(parseExtraHosts(' http://127.0.0.1:4492, https://models.example.org/ http://127.0.0.1:4492')).toEqual(['http://127.0.0.1:4492', 'https://models.example.org']);
    const p = parseCsp(serializeCsp(cspDirectives(parseExtraHosts('http://127.0.0.1:4492'))));
    expect(p['connect-src']).toEqual(["'self'", 'https://huggingface.co', 'https://*.hf.co', 'http://127.0.0.1:4492']);
    expect(p['script-src']).toEqual(["'self'", "'wasm-unsafe-eval'"]);
  });

  it('refuses anything that is not an origin, saying what to give', () => {
    expect(() => parseExtraHosts('example.org')).toThrow("EXTRA_MODEL_HOSTS: 'example.org' is not a URL");
    expect(() => parseExtraHosts('https://example.org/models')).toThrow('must be an http(s) origin with no path');
    expect(() => parseExtraHosts('ftp://example.org')).toThrow('must be an http(s) origin');
  });

  it('is empty unless the build or server was started with it', () => {
    expect(EXTRA_MODEL_HOSTS).toEqual(parseExtraHosts(process.env.EXTRA_MODEL_HOSTS));
  });
});
