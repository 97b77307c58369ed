"""fill_template against the cases shared with the app (model_export/template_cases.json), and against str.format itself."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from model_export.errors import ExportError
from model_export.template import TemplateError, fill_template

CASES = json.loads((Path(__file__).resolve().parents[1] / "model_export" / "template_cases.json").read_text(encoding="utf-8"))


def _id(case: dict) -> str:
    return repr(case["template"])


@pytest.mark.parametrize("case", [c for c in CASES if "expected" in c], ids=_id)
def test_fills_as_str_format(case):
    assert fill_template(case["template"], case["label"]) == case["expected"]
    assert case["template"].format(case["label"]) == case["expected"]


@pytest.mark.parametrize("case", [c for c in CASES if "error" in c], ids=_id)
def test_refuses_with_the_shared_message(case):
    with pytest.raises(TemplateError) as info:
        fill_template(case["template"], case["label"])
    assert str(info.value) == case["error"]
    assert isinstance(info.value, ValueError) and isinstance(info.value, ExportError)
    if not case.get("stricter_than_python"):
        # Where the app says no, Python says no too (ValueError, KeyError or IndexError).
        with pytest.raises((ValueError, KeyError, IndexError)):
            case["template"].format(case["label"])


def test_the_cases_cover_both_outcomes():
    assert sum("expected" in c for c in CASES) >= 5
    assert sum("error" in c for c in CASES) >= 5
    assert all(("expected" in c) != ("error" in c) for c in CASES)
