"""The browser's labelled-CSV download format (src/io/export.ts, src/io/csv.ts cleanHeader), for `score`'s output.

A file labelled by `score` must read like the one the app downloads: the original columns (header
cleaned as the app shows it), then `<label>_score`, `<label>_nli`, `<label>_poly` per label and
`predicted_labels`; every cell neutralised against spreadsheet formulas; numbers written as
JavaScript's `String(number)` writes them (Python's repr differs: 1e-05 vs 0.00001, 1.0 vs 1); and,
for the CSV file itself, papaparse's quoting, CRLF rows and a UTF-8 byte-order mark.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from decimal import Decimal

# export.ts FORMULA_TRIGGERS: a cell starting with one of these is prefixed with a single quote.
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
# What JavaScript's String.prototype.trim removes (WhiteSpace and LineTerminator): a row whose
# text is only these is not scored, as in the app (run.ts planRun). Python's str.strip differs.
JS_WHITESPACE = "\t\n\v\f\r \u00a0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a" \
    "\u2028\u2029\u202f\u205f\u3000\ufeff"
# papaparse's unparse quotes a cell holding any of these (Papa.BAD_DELIMITERS), the delimiter, or an outer space.
_NEEDS_QUOTES = ("\r", "\n", '"', "\ufeff")
DELIMITER = ","
NEWLINE = "\r\n"
BOM = "\ufeff"
PREDICTED = "predicted_labels"
SCORE_SUFFIXES = ("_score", "_nli", "_poly")


def has_text(text: str) -> bool:
    """Whether a cell holds text to score: not empty after JavaScript's trim."""
    return bool(text.strip(JS_WHITESPACE))


def neutralize_cell(value: str) -> str:
    """A cell a spreadsheet would run as a formula, prefixed with a single quote (export.ts neutralizeCell)."""
    return f"'{value}" if value[:1] in FORMULA_TRIGGERS and value else value


def clean_header(raw: Sequence[str]) -> list[str]:
    """Header names as the app shows them: trimmed, never empty (`column_N`), never repeated (`name (2)`)."""
    seen: dict[str, int] = {}
    out = []
    for i, name in enumerate(raw):
        base = name.strip(JS_WHITESPACE) or f"column_{i + 1}"
        key = base.lower()
        seen[key] = seen.get(key, 0) + 1
        out.append(f"{base} ({seen[key]})" if seen[key] > 1 else base)
    return out


def export_header(header: Sequence[str], labels: Sequence[str]) -> list[str]:
    """The original header plus each label's three columns and `predicted_labels`, made unique (export.ts exportHeader)."""
    taken = {h.lower() for h in header}

    def unique(name: str) -> str:
        candidate, k = name, 2
        while candidate.lower() in taken:
            candidate, k = f"{name}_{k}", k + 1
        taken.add(candidate.lower())
        return candidate

    added = [unique(f"{label}{suffix}") for label in labels for suffix in SCORE_SUFFIXES]
    return [*header, *added, unique(PREDICTED)]


def js_number(x: float | None) -> str:
    """`String(x)` in JavaScript: the shortest round-trip digits in ECMAScript's layout; '' for None."""
    if x is None:
        return ""
    if math.isnan(x):
        return "NaN"
    if math.isinf(x):
        return "Infinity" if x > 0 else "-Infinity"
    if x == 0:
        return "0"
    sign = "-" if x < 0 else ""
    _, digits_t, exp = Decimal(repr(abs(x))).normalize().as_tuple()
    digits = "".join(map(str, digits_t))
    k = len(digits)
    n = k + int(exp)  # x = 0.digits * 10^n
    if k <= n <= 21:
        body = digits + "0" * (n - k)
    elif 0 < n <= 21:
        body = f"{digits[:n]}.{digits[n:]}"
    elif -6 < n <= 0:
        body = "0." + "0" * (-n) + digits
    else:
        e = n - 1
        mantissa = digits if k == 1 else f"{digits[0]}.{digits[1:]}"
        body = f"{mantissa}e{'+' if e >= 0 else '-'}{abs(e)}"
    return sign + body


def csv_cell(value: str) -> str:
    """One cell as papaparse's unparse writes it: quoted (quotes doubled) only where it must be."""
    quoted = value.replace('"', '""')
    if (any(c in value for c in _NEEDS_QUOTES) or DELIMITER in value
            or quoted.startswith(" ") or quoted.endswith(" ")):
        return f'"{quoted}"'
    return quoted


def csv_row(cells: Sequence[str]) -> str:
    """One row of cells, comma-separated, without a line ending."""
    return DELIMITER.join(csv_cell(c) for c in cells)
