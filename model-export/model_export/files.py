"""Where the project's files are, and how the exporter hashes and writes them (byte-stable JSON and goldens).

Everything the exporter writes must come out byte-identical for identical inputs (bundles and goldens
are committed and checked by hash), so every JSON file goes through the writers here.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

# model-export/model_export/files.py -> the repository root.
REPO_ROOT = Path(__file__).resolve().parents[2]
# The committed demo bundle and the folder of the committed golden files.
FIXTURE_BUNDLE = REPO_ROOT / "public" / "models" / "demo-fixture"
GOLDEN_DIR = REPO_ROOT / "model-export" / "golden"

_CHUNK = 1 << 20


def sha256_file(path: str | Path) -> str:
    """Hex sha256 of a file's bytes, read in 1 MiB chunks (backbone graphs can be gigabytes)."""
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(_CHUNK), b""):
            h.update(chunk)
    return h.hexdigest()


def json_text(obj: Any, *, sort_keys: bool = False) -> str:
    """Indented UTF-8 JSON with a trailing newline: readable diffs, identical bytes for identical objects."""
    return json.dumps(obj, indent=2, sort_keys=sort_keys, ensure_ascii=False) + "\n"


def write_json(path: Path, obj: Any, *, sort_keys: bool = False) -> None:
    """Write `json_text(obj)` as UTF-8 (never the platform's default encoding)."""
    path.write_text(json_text(obj, sort_keys=sort_keys), encoding="utf-8")


def load_json(path: str | Path) -> Any:
    """Parse a UTF-8 JSON file."""
    return json.loads(Path(path).read_text(encoding="utf-8"))


def golden_float(x: Any) -> float:
    """A float32 result as goldens store it: 9 significant digits, enough to give back the exact float32."""
    return float(f"{float(x):.9g}")


def write_golden(doc: dict[str, Any], path: Path) -> None:
    """Write a golden document: the header indented, then one compact line per entry of doc["texts"].

    Compact lists keep the file small; one text per line keeps diffs readable.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    head = {k: v for k, v in doc.items() if k != "texts"}
    head_json = json.dumps(head, indent=2, ensure_ascii=False)
    lines = [json.dumps(t, ensure_ascii=False, separators=(",", ":")) for t in doc["texts"]]
    body = head_json[:-2] + ',\n  "texts": [\n    ' + ",\n    ".join(lines) + "\n  ]\n}\n"
    json.loads(body)  # guard against a formatting slip
    path.write_text(body, encoding="utf-8")


def load_golden(path: str | Path) -> dict[str, Any]:
    """A golden document as written by `write_golden`."""
    return load_json(path)
