// fillTemplate against the cases model-export's pytest runs too (model_export/template_cases.json): Python's str.format(label).
import { describe, expect, it } from 'vitest';
import cases from '../../model-export/model_export/template_cases.json';
import { fillTemplate, TemplateError } from './template';

type Case = { template: string; label: string; expected?: string; error?: string };

describe('fillTemplate', () => {
  for (const c of cases as Case[]) {
    if (c.expected !== undefined) {
      it(`fills ${JSON.stringify(c.template)} as Python does`, () => {
        expect(fillTemplate(c.template, c.label)).toBe(c.expected);
      });
    } else {
      it(`refuses ${JSON.stringify(c.template)} with the message Python's side gives`, () => {
        expect(() => fillTemplate(c.template, c.label)).toThrow(TemplateError);
        expect(() => fillTemplate(c.template, c.label)).toThrow(new TemplateError(c.error));
      });
    }
  }
  it('reads every case', () => {
    expect((cases as Case[]).every((c) => (c.expected === undefined) !== (c.error === undefined))).toBe(true);
  });
});
