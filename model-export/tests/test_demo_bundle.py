"""The committed demo bundle (public/models/demo-seed-news): manifest, evaluation table and files agree.

Why: the bundle is a generated artifact that is committed; a hand edit, a partial regeneration or a stale
table would otherwise ship silently as the app's default model.
"""

from __future__ import annotations

import json

from model_export.bundle import validate_bundle
from model_export.demo import DEMO_BUNDLE, description
from model_export.evaluate import ROW_CV, render_markdown
from model_export.quantize import VARIANT_SPECS


def _table() -> dict:
    return json.loads((DEMO_BUNDLE / "evaluation.json").read_text(encoding="utf-8"))


def test_files_match_the_manifest() -> None:
    manifest = validate_bundle(DEMO_BUNDLE)  # size and sha256 of every listed file, and no unlisted file
    assert manifest.id == "demo-seed-news"
    assert manifest.demo is True
    assert set(manifest.variants) == set(VARIANT_SPECS), "every variant"
    assert manifest.heads is not None, "heads trained with the v2 recipe"


def test_description_and_headline_come_from_the_table() -> None:
    manifest = validate_bundle(DEMO_BUNDLE)
    table = _table()
    assert manifest.description == description(table["split"]["train"])
    headline = manifest.evaluation["headline"]
    cv = next(r for r in table["rows"] if r["system"] == ROW_CV)
    assert headline["system"] == ROW_CV
    assert headline["macro_f1"] == round(cv["macro_f1"], 4)
    assert headline["texts"] == table["split"]["val"]


def test_markdown_table_is_rendered_from_the_json() -> None:
    assert (DEMO_BUNDLE / "evaluation.md").read_text(encoding="utf-8") == render_markdown(_table())
