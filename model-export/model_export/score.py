"""`python -m model_export score`: label CSV/Parquet files of any size with a bundle, with the browser's numbers.

The browser tab is for thousands of rows; this is for millions. It runs the same bundle under
onnxruntime (CUDA when present, else the CPU) with the engine's rules (scorer.py) and writes the
app's download format (download_format.py), one output per input file. `--engine local` scores in
this process with a progress bar; `--engine ray` runs the same Scorer as a Ray Data pipeline
(score_ray.py), on this machine or a cluster. Outputs appear only when complete, so a rerun skips
every input whose output exists; `score-run.json` in --out records the settings, and a rerun with
other settings is refused rather than mixing results.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import logging
from dataclasses import asdict, dataclass, replace
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
from tqdm.auto import tqdm

from model_export.bundle import MANIFEST_NAME, validate_bundle
from model_export.errors import ExportError
from model_export.files import json_text
from model_export.score_io import (
    LABELLED_SUFFIX,
    PARTIAL_SUFFIX,
    AtomicOutput,
    InputFile,
    count_rows,
    find_inputs,
    open_input,
    read_batches,
)
from model_export.score_labels import load_labels
from model_export.score_ray import RayOptions, score_ray
from model_export.scorer import DEVICES, OUTPUT_FORMATS, Scorer, ScorerConfig

log = logging.getLogger(__name__)

ENGINES = ("local", "ray")
RUN_RECORD = "score-run.json"
# Rows per Ray map_batches call: enough texts to batch well, few enough to stream.
RAY_BATCH_ROWS = 256


@dataclass(frozen=True)
class ScoreConfig:
    """One `score` run: what to read and write, how to score, and where."""

    bundle: Path
    input: str
    out: Path
    text_column: str = "text"
    labels: Path | None = None
    dtype: str = "fp32"
    output_format: str = "csv"
    engine: str = "local"
    device: str = "auto"
    threads: int = 0
    # Ray: actors (concurrency), rows per batch, GPUs per actor, cluster address (None: a local Ray).
    workers: int = 1
    batch_size: int = RAY_BATCH_ROWS
    num_gpus: float = 0.0
    address: str | None = None
    progress: bool = True


def settings_key(config: ScoreConfig, scorer_config: ScorerConfig) -> dict:
    """What the outputs depend on; a rerun into the same --out must have the same."""
    manifest_sha = hashlib.sha256((config.bundle / MANIFEST_NAME).read_bytes()).hexdigest()
    labels = [asdict(lab) for lab in scorer_config.labels]
    return {"manifest_sha256": manifest_sha, "dtype": config.dtype, "text_column": config.text_column,
            "format": config.output_format, "labels": labels}


def check_run_record(out: Path, key: dict) -> None:
    """Write --out's record of the settings, or refuse when it holds finished results made with other settings."""
    out.mkdir(parents=True, exist_ok=True)
    record = out / RUN_RECORD
    finished = [p for p in out.iterdir() if LABELLED_SUFFIX in p.name and not p.name.endswith(PARTIAL_SUFFIX)]
    if record.is_file() and finished:
        try:
            before = json.loads(record.read_text(encoding="utf-8"))
        except json.JSONDecodeError:
            before = None
        if before != key:
            raise ExportError(f"--out {out} holds results of a run with other settings (bundle, --dtype, --labels, "
                              f"--text-column or --format differ; see {RUN_RECORD}): choose another --out, or delete it "
                              "to start again")
        return
    record.write_text(json_text(key), encoding="utf-8")


def score_local(scorer: Scorer, inp: InputFile, final: Path, progress: bool) -> int:
    """Label one input in this process into `final` (atomically); returns its row count."""
    out = AtomicOutput(final, scorer.config.output_format)
    rows = 0
    try:
        with tqdm(total=count_rows(inp), desc=inp.path.name, unit="rows", disable=not progress) as bar:
            for batch in read_batches(inp):
                out.write(scorer.label_batch(batch))
                rows += batch.num_rows
                bar.update(batch.num_rows)
            if rows == 0:
                empty = (pq.read_schema(inp.path).empty_table() if inp.kind == "parquet"
                         else scorer_empty_csv(inp))
                out.write(scorer.label_batch(empty.rename_columns(list(inp.header))))
        out.commit()
    finally:
        out.close()
    return rows


def scorer_empty_csv(inp: InputFile) -> pa.Table:
    """A CSV input with a header and no rows, as an empty table of strings."""
    return pa.table({f"c{i}": pa.array([], pa.string()) for i in range(len(inp.header))})


def run_score(config: ScoreConfig) -> list[Path]:
    """Score every input of `config` not yet done; returns the outputs, done before or now, in input order."""
    if config.output_format not in OUTPUT_FORMATS:
        raise ExportError(f"--format {config.output_format}: choose one of {', '.join(OUTPUT_FORMATS)}")
    manifest = validate_bundle(config.bundle)
    if config.dtype not in manifest.variants:
        raise ExportError(f"--dtype {config.dtype}: the bundle has the variants {', '.join(manifest.variants)}")
    labels = tuple(load_labels(manifest, config.labels))
    inputs = [open_input(p, config.text_column) for p in find_inputs(config.input)]
    base = ScorerConfig(bundle=str(config.bundle), labels=labels, text_column=config.text_column, dtype=config.dtype,
                        output_format=config.output_format, device=config.device, threads=config.threads)
    check_run_record(config.out, settings_key(config, base))
    parts = config.engine == "ray"
    outputs = [config.out / inp.output_name(config.output_format, parts=parts) for inp in inputs]
    todo = [(inp, out) for inp, out in zip(inputs, outputs, strict=True) if not out.exists()]
    skipped = len(inputs) - len(todo)
    if skipped:
        log.info("%d of %d inputs already labelled in %s: skipped", skipped, len(inputs), config.out)
    if not todo:
        return outputs
    if config.engine == "local":
        scorer = None
        for inp, out in todo:
            cfg = replace(base, header=inp.header)
            scorer = Scorer(cfg) if scorer is None else rebind(scorer, cfg)
            rows = score_local(scorer, inp, out, config.progress)
            log.info("%s: %d rows -> %s", inp.path.name, rows, out)
    else:
        score_ray(ray_options(config), base, todo)
    return outputs


def ray_options(config: ScoreConfig) -> RayOptions:
    """The Ray part of a run's settings."""
    return RayOptions(workers=config.workers, batch_size=config.batch_size, num_gpus=config.num_gpus,
                      address=config.address, threads=config.threads or 1, progress=config.progress)


def rebind(scorer: Scorer, config: ScorerConfig) -> Scorer:
    """The same sessions for another input's header (sessions are built once per process)."""
    scorer.config = config
    scorer.out_header = Scorer.header_for(config)
    return scorer


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    """Register the `score` command (see __main__.COMMAND_MODULES)."""
    p = subparsers.add_parser(
        "score",
        help="label CSV/Parquet files with a bundle, as the browser does, locally or on Ray",
        description="Scores every row's text against the bundle's labels (plus --labels) with the browser engine's "
        "rules and writes the app's download format: the original columns, <label>_score, <label>_nli, <label>_poly "
        "and predicted_labels. One output per input; a rerun skips inputs already labelled.",
    )
    p.add_argument("--bundle", required=True, type=Path, help="bundle folder (manifest.json, onnx/, tokenizer)")
    p.add_argument("--input", required=True, help="a .csv or .parquet file, a folder of them, or a glob ('data/*.csv')")
    p.add_argument("--out", required=True, type=Path, help="output folder: <name>-labelled.csv per input")
    p.add_argument("--text-column", default="text", help="the column holding the text (default: text)")
    p.add_argument("--labels", type=Path, default=None,
                   help="JSON of label settings as the app keeps them: {thresholds, hypotheses, userLabels}")
    p.add_argument("--dtype", default="fp32", help="the bundle variant to run (default fp32)")
    p.add_argument("--format", dest="output_format", choices=OUTPUT_FORMATS, default="csv",
                   help="csv: the app's download bytes (default); parquet: original columns and float scores")
    p.add_argument("--engine", choices=ENGINES, default="local", help="local: this process; ray: a Ray Data pipeline")
    p.add_argument("--device", choices=DEVICES, default="auto", help="auto: CUDA when onnxruntime has it")
    p.add_argument("--threads", type=int, default=0, help="onnxruntime threads per process or actor (0: all cores)")
    p.add_argument("--workers", type=int, default=1, help="ray: scoring actors (map_batches concurrency)")
    p.add_argument("--batch-size", type=int, default=RAY_BATCH_ROWS, help="ray: rows per map_batches call")
    p.add_argument("--num-gpus", type=float, default=0.0, help="ray: GPUs per actor (e.g. 1, or 0.5 for two per GPU)")
    p.add_argument("--address", default=None, help="ray: join this cluster (e.g. ray://head:10001 or auto); "
                   "default: start a local Ray")
    p.add_argument("--no-progress", action="store_true")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """score: label the inputs, print where the outputs are."""
    config = ScoreConfig(
        bundle=args.bundle, input=args.input, out=args.out, text_column=args.text_column, labels=args.labels,
        dtype=args.dtype, output_format=args.output_format, engine=args.engine, device=args.device,
        threads=args.threads, workers=args.workers, batch_size=args.batch_size, num_gpus=args.num_gpus,
        address=args.address, progress=not args.no_progress,
    )
    for path in run_score(config):
        print(path)
    return 0
