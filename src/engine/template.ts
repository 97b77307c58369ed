// Fills a hypothesis template with a label exactly as Python's `template.format(label)` does, or says why it cannot.

/** A template that `template.format(label)` would refuse (or that asks for more than the label). */
export class TemplateError extends Error {
  override name = 'TemplateError';
}

/** Why a template cannot be filled, in words for the person who wrote it. */
const REASONS = {
  singleClose: "a single '}' must be written '}}'",
  unclosed: "a '{' is never closed (write '{{' for a literal brace)",
  autoTwice: '{} appears twice, which Python reads as a second value; write {0} wherever the label goes',
  mixed: 'it mixes {} and {0}; write {0} wherever the label goes',
} as const;

function fail(template: string, reason: string): never {
  throw new TemplateError(`The hypothesis template "${template}" cannot be filled: ${reason}.`);
}

/**
 * `template.format(label)` for a single positional value, the rule model-export applies
 * (model_export/template.py; shared cases in model_export/template_cases.json):
 * `{}` and `{0}` become the label (`{0}` at every place it appears, `{}` once), `{{` and `}}`
 * are literal braces, a template without a field is returned unchanged. Throws a TemplateError
 * where Python raises (a lone brace, `{name}`, `{1}`, `{}` twice, `{}` mixed with `{0}`) and
 * for fields Python would accept but that are not a plain label (`{0:>5}`, `{!r}`, `{0.upper}`).
 */
export function fillTemplate(template: string, label: string): string {
  let out = '';
  let style: 'auto' | 'manual' | null = null;
  let i = 0;
  while (i < template.length) {
    const c = template[i]!;
    if (c === '}') {
      if (template[i + 1] !== '}') fail(template, REASONS.singleClose);
      out += '}';
      i += 2;
    } else if (c === '{') {
      if (template[i + 1] === '{') {
        out += '{';
        i += 2;
        continue;
      }
      const end = template.indexOf('}', i + 1);
      const field = end < 0 ? null : template.slice(i + 1, end);
      if (field === null || field.includes('{')) fail(template, REASONS.unclosed);
      const kind = field === '' ? 'auto' : /^0+$/.test(field) ? 'manual' : null;
      if (kind === null) fail(template, `{${field}} is not a field it can fill: only {} or {0} stand for the label`);
      if (style !== null && style !== kind) fail(template, REASONS.mixed);
      if (style === 'auto') fail(template, REASONS.autoTwice);
      style = kind;
      out += label;
      i = end + 1;
    } else {
      out += c;
      i++;
    }
  }
  return out;
}
