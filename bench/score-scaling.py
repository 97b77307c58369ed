"""Rows per second of `python -m model_export score`: one process, then Ray Data with 1 and 2 actors.

A benchmark, not a test: it prints a Markdown table (for docs/benchmarks.md) and asserts nothing.
Run from the repository root with the model-export venv:

    model-export/.venv/bin/python bench/score-scaling.py --bundle model-export/out/random-xsmall --rows 400

Rows come from the seed sample (public/samples/seed-news.csv), repeated as needed, as several input
files (Ray's unit of work). Each configuration writes into its own temporary --out. Ray's own
start-up (ray.init) is timed apart; the pipelines' times include starting their actors, which a
real run pays once per input file.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import platform
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "model-export"))

from model_export.score import ScoreConfig, run_score  # noqa: E402 - after the path set-up above
from model_export.score_ray import RayOptions, start_ray  # noqa: E402

SAMPLE = ROOT / "public" / "samples" / "seed-news.csv"


@dataclass
class Result:
    """One configuration's time over all rows."""

    name: str
    seconds: float
    rows: int

    @property
    def rows_per_s(self) -> float:
        return self.rows / self.seconds


def write_inputs(folder: Path, rows: int, files: int) -> None:
    """`rows` rows of the seed sample (repeated as needed) split over `files` CSV files."""
    with SAMPLE.open(encoding="utf-8", newline="") as f:
        sample = list(csv.reader(f))
    header, body = sample[0], sample[1:]
    per_file = -(-rows // files)
    for k in range(files):
        chunk = [body[(k * per_file + i) % len(body)] for i in range(min(per_file, rows - k * per_file))]
        with (folder / f"part{k}.csv").open("w", encoding="utf-8", newline="") as f:
            w = csv.writer(f)
            w.writerow(header)
            w.writerows(chunk)


def main() -> int:
    """Time each configuration once and print the table."""
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--bundle", type=Path, required=True)
    p.add_argument("--rows", type=int, default=400)
    p.add_argument("--files", type=int, default=2)
    p.add_argument("--dtype", default="fp32")
    p.add_argument("--batch-size", type=int, default=64, help="rows per Ray map_batches call")
    p.add_argument("--json", type=Path, default=None, help="also write the figures here")
    args = p.parse_args()

    results: list[Result] = []
    with tempfile.TemporaryDirectory() as tmp:
        inputs = Path(tmp) / "in"
        inputs.mkdir()
        write_inputs(inputs, args.rows, args.files)

        def timed(name: str, **kw: object) -> None:
            cfg = ScoreConfig(bundle=args.bundle, input=str(inputs), out=Path(tmp) / name.replace(" ", "-"),
                              dtype=args.dtype, progress=False, batch_size=args.batch_size, **kw)
            start = time.perf_counter()
            run_score(cfg)
            results.append(Result(name, time.perf_counter() - start, args.rows))
            print(f"{name}: {results[-1].rows_per_s:.2f} rows/s", file=sys.stderr, flush=True)

        timed("1 process, 1 thread", threads=1)
        timed("1 process, all cores", threads=0)
        import ray  # noqa: PLC0415 - only for the Ray rows, after the local ones

        start = time.perf_counter()
        start_ray(RayOptions(workers=2, threads=1))
        ray_start = time.perf_counter() - start
        timed("Ray, 1 actor", engine="ray", workers=1, threads=1)
        timed("Ray, 2 actors", engine="ray", workers=2, threads=1)
        ray.shutdown()

    print(f"Bundle `{args.bundle.name}` ({args.dtype}), {args.rows} rows in {args.files} files, "
          f"{platform.machine()} with {os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f} at the end; "
          f"ray.init {ray_start:.1f} s (not counted below).\n")
    print("| configuration | seconds | rows/s |")
    print("|---|---:|---:|")
    for r in results:
        print(f"| {r.name} | {r.seconds:.1f} | {r.rows_per_s:.2f} |")
    if args.json:
        args.json.write_text(json.dumps({"rows": args.rows, "files": args.files, "ray_init_s": ray_start,
                                         "results": [{"name": r.name, "seconds": r.seconds, "rows_per_s": r.rows_per_s}
                                                     for r in results]}, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
