// Texts, label names and CSV cells are only ever rendered as text: no source file under src/ writes HTML into the page.
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const SRC = fileURLToPath(new URL('..', import.meta.url));

/** APIs that parse a string as HTML (or script): React's escape hatch and the DOM's. */
const HTML_SINKS = [
  /dangerouslySetInnerHTML/,
  /\.(innerHTML|outerHTML)\s*[+]?=/,
  /\.insertAdjacentHTML\s*\(/,
  /\bdocument\.(write|writeln)\s*\(/,
  /\.createContextualFragment\s*\(/,
  /\.setHTMLUnsafe\s*\(/,
  /\bnew\s+DOMParser\b/,
] as const;

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? sourceFiles(join(dir, e.name)) : /\.(ts|tsx|js)$/.test(e.name) && !e.name.endsWith('.test.ts') ? [join(dir, e.name)] : [],
  );
}

/** `file:line: code` for every line of `text` that uses an HTML sink. */
function sinksIn(file: string, text: string): string[] {
  return text.split('\n').flatMap((line, i) => (HTML_SINKS.some((re) => re.test(line)) ? [`${file}:${i + 1}: ${line.trim()}`] : []));
}

describe('no HTML sinks in src/', () => {
  it('finds each sink in a line that uses it', () => {
    const bad = ['<p dangerouslySetInnerHTML={{ __html: t }} />', 'el.innerHTML = text;', 'el.outerHTML += x', "el.insertAdjacentHTML('beforeend', s)", 'document.write(s)', 'range.createContextualFragment(s)', 'new DOMParser()'];
    for (const line of bad) expect(sinksIn('x.tsx', line), line).toHaveLength(1);
    expect(sinksIn('x.tsx', 'el.textContent = text; const html = el.innerHTML.length;')).toEqual([]);
  });

  it('has none in the app: React escapes every text it renders', () => {
    const files = sourceFiles(SRC);
    expect(files.length).toBeGreaterThan(40);
    const found = files.flatMap((f) => sinksIn(relative(SRC, f), readFileSync(f, 'utf8')));
    expect(found).toEqual([]);
  });
});
