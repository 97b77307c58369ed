"""`score --engine ray`: the same Scorer as a Ray Data pipeline, on this machine or a cluster.

Per input file: `read_csv`/`read_parquet` -> `map_batches(RayScorer, compute=ActorPoolStrategy(size=N), batch_size=B)`
(`concurrency=N` before Ray 2.51)
(one Scorer, so one set of ONNX sessions, per actor, built once) -> `write_csv`/`write_parquet`
into `<name>-labelled.partial/`, renamed to `<name>-labelled/` when the write has finished: an input
is the unit of work and of resume. Ray may finish blocks out of order; the pipeline runs with
`preserve_order`, and the parts are named by write task (`part-000000.csv`, ...), so reading the
parts in name order gives the input's rows in order. Ray is optional (requirements-ray.txt),
imported only here, and only when this engine runs.
"""

from __future__ import annotations

import logging
import os
import shutil
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

import model_export
from model_export.errors import ExportError
from model_export.score_io import PARTIAL_SUFFIX, InputFile, csv_read_args
from model_export.scorer import Scorer, ScorerConfig

log = logging.getLogger(__name__)

PART_PREFIX = "part-"
BLOCKS_PER_ACTOR = 4


@dataclass(frozen=True)
class RayOptions:
    """Where and how wide the pipeline runs: actors, rows per batch, GPUs per actor, cluster address (None: local)."""

    workers: int = 1
    batch_size: int = 256
    num_gpus: float = 0.0
    address: str | None = None
    # ORT threads per actor, and the CPUs each actor asks Ray for; 0 means 1.
    threads: int = 1
    progress: bool = True


class RayScorer:
    """The map_batches callable: builds its Scorer once per actor, then labels pyarrow batches in order."""

    def __init__(self, config: ScorerConfig) -> None:
        self.scorer = Scorer(config)

    def __call__(self, batch: pa.Table) -> pa.Table:
        return self.scorer.label_batch(batch.rename_columns(list(self.scorer.config.header)))


def part_names(file_format: str) -> Any:
    """A Ray FilenameProvider naming each write task's file `part-<task index>.<format>`, so name order is row order."""
    from ray.data.datasource import FilenameProvider  # noqa: PLC0415 - ray is optional

    class PartNames(FilenameProvider):
        def get_filename_for_task(self, write_uuid: str, task_index: int) -> str:
            return f"{PART_PREFIX}{task_index:06d}.{file_format}"

    return PartNames(file_format=file_format)


def start_ray(config: RayOptions) -> None:
    """Join `config.address`, or start a local Ray sized so that N scoring actors leave room for reading and writing."""
    try:
        import ray  # noqa: PLC0415 - ray is optional (requirements-ray.txt)
    except ImportError as exc:
        raise ExportError("--engine ray needs Ray: pip install -r model-export/requirements-ray.txt "
                          "(scripts/setup.sh python installs it)") from exc
    if ray.is_initialized():
        return
    # The package travels to the actors (a cluster's nodes need not have it installed).
    runtime_env = {"py_modules": [str(Path(model_export.__file__).parent)]}
    if config.address:
        ray.init(address=config.address, runtime_env=runtime_env, logging_level=logging.WARNING)
    else:
        cpus = max(os.cpu_count() or 1, config.workers * max(1, config.threads) + 1)
        ray.init(num_cpus=cpus, runtime_env=runtime_env, include_dashboard=False, logging_level=logging.WARNING)


def score_ray(config: RayOptions, base: ScorerConfig, todo: list[tuple[InputFile, Path]]) -> None:
    """Label each input of `todo` with a Ray Data pipeline into its parts folder (atomically, by rename)."""
    import ray  # noqa: PLC0415 - ray is optional (requirements-ray.txt)

    start_ray(config)
    ctx = ray.data.DataContext.get_current()
    ctx.execution_options.preserve_order = True
    ctx.enable_progress_bars = config.progress
    threads = config.threads or 1  # one ORT thread per actor CPU unless told otherwise
    for inp, out in todo:
        cfg = replace(base, header=inp.header, threads=threads)
        # A file is read by one task into one block unless told otherwise, and one block feeds one actor:
        # ask for a few blocks per actor (Ray still splits big blocks by size).
        blocks = BLOCKS_PER_ACTOR * config.workers
        if inp.kind == "csv":
            ds = ray.data.read_csv(str(inp.path), override_num_blocks=blocks, **csv_read_args(inp))
        else:
            ds = ray.data.read_parquet(str(inp.path), override_num_blocks=blocks)
        ds = ds.map_batches(
            RayScorer, fn_constructor_kwargs={"config": cfg}, batch_format="pyarrow", batch_size=config.batch_size,
            compute=ray.data.ActorPoolStrategy(size=config.workers), num_cpus=threads, num_gpus=config.num_gpus or None,
        )
        tmp = out.with_name(out.name + PARTIAL_SUFFIX)
        shutil.rmtree(tmp, ignore_errors=True)
        if base.output_format == "csv":
            ds.write_csv(str(tmp), filename_provider=part_names("csv"),
                         arrow_csv_args_fn=lambda: {"write_options": pacsv.WriteOptions(quoting_style="needed")})
        else:
            ds.write_parquet(str(tmp), filename_provider=part_names("parquet"))
        os.replace(tmp, out)
        log.info("%s -> %s (%d parts)", inp.path.name, out, len(list(out.iterdir())))


def read_parts(folder: Path) -> pa.Table:
    """A Ray output folder's parts in name order (the input's row order) as one table of what was written."""
    parts = sorted(folder.glob(f"{PART_PREFIX}*"))
    if not parts:
        raise ExportError(f"{folder} holds no {PART_PREFIX}* files")
    tables = []
    for p in parts:
        if p.suffix == ".csv":
            names = pacsv.read_csv(p, read_options=pacsv.ReadOptions(block_size=1 << 22)).column_names
            tables.append(pacsv.read_csv(p, convert_options=pacsv.ConvertOptions(
                column_types=dict.fromkeys(names, pa.string()), strings_can_be_null=False, quoted_strings_can_be_null=False)))
        else:
            tables.append(pq.read_table(p))
    return pa.concat_tables(tables)
