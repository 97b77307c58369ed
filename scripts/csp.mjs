// The one home of the app's Content-Security-Policy: sent as a header by `vite preview` and written into the built index.html.

/**
 * Hosts a user-typed bundle URL may name besides the app's own origin: the Hugging Face Hub and its
 * file CDNs (https://cdn-lfs.hf.co, https://cdn-lfs-us-1.hf.co, ...). Any other host needs the app
 * served with a widened policy (README, "Limits and failure modes").
 */
export const BUNDLE_HOSTS = Object.freeze(['https://huggingface.co', 'https://*.hf.co']);

/**
 * Reads EXTRA_MODEL_HOSTS: origins (comma- or space-separated, e.g. `https://models.example.org,http://127.0.0.1:4492`)
 * the operator allows model folders and Hub ids (?hub=) from besides BUNDLE_HOSTS. A policy cannot widen at run
 * time, so this is a build- and serve-time setting; anything that is not a plain http(s) origin is refused.
 */
export function parseExtraHosts(value) {
  const hosts = [];
  for (const item of (value ?? '').split(/[\s,]+/).filter(Boolean)) {
    let url;
    try {
      url = new URL(item);
    } catch {
      throw new Error(`EXTRA_MODEL_HOSTS: '${item}' is not a URL; give origins such as https://models.example.org`);
    }
    if (!['http:', 'https:'].includes(url.protocol) || url.origin !== item.replace(/\/$/, '')) {
      throw new Error(`EXTRA_MODEL_HOSTS: '${item}' must be an http(s) origin with no path, such as https://models.example.org`);
    }
    if (!hosts.includes(url.origin)) hosts.push(url.origin);
  }
  return Object.freeze(hosts);
}

/** The extra model hosts this build or server was started with (none by default). */
export const EXTRA_MODEL_HOSTS = parseExtraHosts(globalThis.process?.env?.EXTRA_MODEL_HOSTS);

/**
 * Directive -> sources. Only what the app needs:
 * - scripts and workers from the app's own files; 'wasm-unsafe-eval' lets ONNX Runtime Web compile
 *   its .wasm (no 'unsafe-eval', no inline script);
 * - fetches to the app's origin (bundles, the sample CSV), to BUNDLE_HOSTS and to EXTRA_MODEL_HOSTS;
 * - styles from the built stylesheet (React sets style properties through the CSSOM, which CSP allows);
 * - downloads are blob: URLs followed by an <a download>, which no directive governs.
 * frame-ancestors is honoured only in a header, so the <meta> leaves it out.
 * NOTE: `vite` (dev) injects inline scripts and styles and an HMR WebSocket, so only preview and
 * the build get this policy: https://vite.dev/guide/features#content-security-policy-csp
 */
export const CSP_DIRECTIVES = cspDirectives(EXTRA_MODEL_HOSTS);

/** The directives with `extraHosts` (parseExtraHosts) allowed for fetches besides the app's origin and BUNDLE_HOSTS. */
export function cspDirectives(extraHosts) {
  return Object.freeze({
    'default-src': ["'self'"],
    'script-src': ["'self'", "'wasm-unsafe-eval'"],
    'worker-src': ["'self'"],
    'connect-src': ["'self'", ...BUNDLE_HOSTS, ...extraHosts],
    'style-src': ["'self'"],
    'img-src': ["'self'"],
    'font-src': ["'self'"],
    'object-src': ["'none'"],
    'base-uri': ["'self'"],
    'form-action': ["'none'"],
    'frame-ancestors': ["'none'"],
  });
}

/** Directives a <meta http-equiv> policy cannot carry (the browser ignores them there, with a console error). */
export const HEADER_ONLY_DIRECTIVES = Object.freeze(['frame-ancestors', 'report-uri', 'sandbox']);

/** Serialises directives as a policy string: `name src src; name src`. */
export function serializeCsp(directives) {
  return Object.entries(directives)
    .map(([name, sources]) => [name, ...sources].join(' '))
    .join('; ');
}

/** Parses a policy string back into directive -> sources (for checks that the header and the meta agree). */
export function parseCsp(policy) {
  const out = {};
  for (const part of policy.split(';')) {
    const [name, ...sources] = part.trim().split(/\s+/);
    if (name) out[name.toLowerCase()] = sources;
  }
  return out;
}

/** The policy as the preview server sends it in the Content-Security-Policy header. */
export const CSP_HEADER = serializeCsp(CSP_DIRECTIVES);

/** The same policy without the header-only directives, as written into index.html's <meta>. */
export const CSP_META = serializeCsp(
  Object.fromEntries(Object.entries(CSP_DIRECTIVES).filter(([name]) => !HEADER_ONLY_DIRECTIVES.includes(name))),
);

const CHARSET_META = /<meta charset="[^"]*"\s*\/?>/i;

/**
 * Writes CSP_META into an index.html right after its <meta charset> (which must stay within the
 * first 1024 bytes, and the policy must precede every script and stylesheet).
 */
export function withCspMeta(html) {
  const charset = CHARSET_META.exec(html);
  if (!charset) throw new Error('index.html has no <meta charset="..."> to place the Content-Security-Policy after');
  if (/[&"<>]/.test(CSP_META)) throw new Error('the policy holds a character that would need escaping in an HTML attribute');
  const end = charset.index + charset[0].length;
  return `${html.slice(0, end)}\n    <meta http-equiv="Content-Security-Policy" content="${CSP_META}" />${html.slice(end)}`;
}

/** Vite plugin: writes CSP_META into the built index.html (build only; see the NOTE above). */
export function cspMetaPlugin() {
  return { name: 'csp-meta', apply: 'build', transformIndexHtml: { order: 'post', handler: withCspMeta } };
}
