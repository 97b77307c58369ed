"""Hypothesis templates filled with a label: `template.format(label)`, checked by the app's rule (src/engine/template.ts)."""

from __future__ import annotations

import re

from model_export.errors import ExportError

# Why a template cannot be filled; the same words as the app's, so both sides report alike
# (the shared cases in template_cases.json compare the messages).
_REASONS = {
    "single_close": "a single '}' must be written '}}'",
    "unclosed": "a '{' is never closed (write '{{' for a literal brace)",
    "auto_twice": "{} appears twice, which Python reads as a second value; write {0} wherever the label goes",
    "mixed": "it mixes {} and {0}; write {0} wherever the label goes",
}


class TemplateError(ExportError, ValueError):
    """A template that `template.format(label)` would refuse, or whose fields ask for more than the label."""


def _fail(template: str, reason: str) -> None:
    raise TemplateError(f'The hypothesis template "{template}" cannot be filled: {reason}.')


def check_template(template: str) -> None:
    """Raises TemplateError unless every field of `template` is `{}` (once) or `{0}` and every lone brace is doubled."""
    style: str | None = None
    i = 0
    while i < len(template):
        c = template[i]
        if c == "}":
            if template[i + 1 : i + 2] != "}":
                _fail(template, _REASONS["single_close"])
            i += 2
        elif c == "{":
            if template[i + 1 : i + 2] == "{":
                i += 2
                continue
            end = template.find("}", i + 1)
            field = None if end < 0 else template[i + 1 : end]
            if field is None or "{" in field:
                _fail(template, _REASONS["unclosed"])
            kind = "auto" if field == "" else "manual" if re.fullmatch(r"0+", field) else None
            if kind is None:
                _fail(template, f"{{{field}}} is not a field it can fill: only {{}} or {{0}} stand for the label")
            if style is not None and style != kind:
                _fail(template, _REASONS["mixed"])
            if style == "auto":
                _fail(template, _REASONS["auto_twice"])
            style = kind
            i = end + 1
        else:
            i += 1


def fill_template(template: str, label: str) -> str:
    """`template.format(label)` once `check_template` passed: `{}`/`{0}` become the label, `{{`/`}}` literal braces."""
    check_template(template)
    return template.format(label)
