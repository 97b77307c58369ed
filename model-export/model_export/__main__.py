"""Command-line entry point: `python -m model_export <command> ...`."""

from __future__ import annotations

import argparse
import importlib
import logging
import sys

from model_export.errors import ExportError

# Each command module exposes `add_parser(subparsers)` (registers its sub-parser and sets
# `func`) and `run(args) -> int`. Adding a command is one line here; modules are imported
# lazily so that `--help` stays fast and one broken command cannot break the others.
COMMAND_MODULES: list[str] = [
    "model_export.export",
    "model_export.fixture",
    "model_export.demo",
    "model_export.train",
    "model_export.checkpoint",
    "model_export.heads_golden",
    "model_export.evaluate",
    "model_export.score",
    "model_export.widen_nli",
]


def build_parser() -> argparse.ArgumentParser:
    """The CLI parser with every command of COMMAND_MODULES registered."""
    parser = argparse.ArgumentParser(
        prog="python -m model_export",
        description="Export DeBERTa NLI models as browser model bundles (manifest.json + ONNX + tokenizer).",
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="log progress at DEBUG level")
    subparsers = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for name in COMMAND_MODULES:
        importlib.import_module(name).add_parser(subparsers)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run the CLI; user-fixable problems (ExportError) print one line and return 2 instead of a traceback."""
    args = build_parser().parse_args(argv)
    # Third-party tools (onnxruntime's quantizers log every node at INFO on the root
    # logger) stay at WARNING; our own progress is INFO.
    logging.basicConfig(level=logging.WARNING, format="%(asctime)s %(levelname)s %(name)s: %(message)s",
                        stream=sys.stderr)
    logging.getLogger("model_export").setLevel(logging.DEBUG if args.verbose else logging.INFO)
    try:
        return int(args.func(args) or 0)
    except ExportError as exc:
        # User-fixable problems: a clear message and a non-zero exit, no traceback.
        print(f"error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
