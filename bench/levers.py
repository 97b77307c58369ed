"""Exporter levers on a random-weight DeBERTa-v3 graph: stock vs windowed attention vs an ORT-optimised copy, native ORT.

Usage (from the repo root; minutes, the export included):
    model-export/.venv/bin/python bench/levers.py [--size xsmall] [--texts 24] [--rounds 3] [--threads 1]
        [--json bench/results/levers.json]

Graphs go to model-export/out/levers-<size>/ (ignored). Every graph runs the same (text, label)
pairs: news-like texts of 1 to 5 sentences x the five seed hypotheses, sorted by length, in
batches of 16 padded to 8 tokens (fp32) and one pair at a time (q8, as the app runs it). Rounds
are interleaved, the order reversed on odd rounds; each figure is the median texts/s. Outputs of
every graph are compared with the stock fp32/q8 graph on the first batch. Nothing here is a test.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from collections import Counter
from pathlib import Path

import numpy as np
import onnx
import onnxruntime as ort
import torch

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "model-export"))

from model_export import validation as val  # noqa: E402 - after the path above
from model_export.export import export_fp32_onnx  # noqa: E402
from model_export.files import FIXTURE_BUNDLE  # noqa: E402
from model_export.quantize import to_q8  # noqa: E402
from model_export.seed_labels import SEED_LABELS, seed_hypothesis  # noqa: E402
from model_export.source import random_init_model  # noqa: E402
from model_export.tokenizer import load_bundle_tokenizer  # noqa: E402

SHAPE_OPS = {"Shape", "Gather", "Unsqueeze", "Squeeze", "Concat", "Reshape", "Slice", "Cast", "Constant",
             "ConstantOfShape", "Range", "Expand", "Equal", "Where", "Identity", "Size", "Tile"}
BATCH = 16


def bench_texts(n: int) -> list[str]:
    """The texts bench/precision.mjs uses (same generator)."""
    subjects = ["The central bank", "A new smartphone", "Hospital staff", "Wind farms", "Stock markets",
                "The government", "A start-up", "Farmers"]
    verbs = ["reported", "announced", "warned about", "celebrated", "questioned", "delayed"]
    objects = ["record quarterly earnings", "a vaccine trial", "rising carbon emissions", "an AI chip",
               "lower unemployment", "a drought", "new tariffs"]
    return [" ".join(f"{subjects[(i + 3 * k) % len(subjects)]} {verbs[(i * 5 + k) % len(verbs)]} "
                     f"{objects[(i * 7 + 2 * k) % len(objects)]}." for k in range(1 + i % 5)) for i in range(n)]


def node_counts(path: Path) -> dict[str, int]:
    """Nodes of the saved graph, and of the graph ORT runs after its own optimisations (level all, CPU)."""
    def count(model: onnx.ModelProto) -> tuple[int, int]:
        ops = Counter(n.op_type for n in model.graph.node)
        return sum(ops.values()), sum(v for k, v in ops.items() if k in SHAPE_OPS)

    raw, raw_shape = count(onnx.load(str(path)))
    opts = ort.SessionOptions()
    opts.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    opts.optimized_model_filepath = str(path.with_suffix(".ortall.onnx"))
    opts.log_severity_level = 3
    ort.InferenceSession(str(path), opts, providers=["CPUExecutionProvider"])
    run, run_shape = count(onnx.load(opts.optimized_model_filepath))
    path.with_suffix(".ortall.onnx").unlink()
    return {"nodes": raw, "shape_nodes": raw_shape, "nodes_after_ort": run, "shape_nodes_after_ort": run_shape}


def ort_optimised(src: Path, dst: Path, level: ort.GraphOptimizationLevel) -> Path:
    """The graph as ORT's CPU session rewrites it at `level`, saved (the second lever)."""
    opts = ort.SessionOptions()
    opts.graph_optimization_level = level
    opts.optimized_model_filepath = str(dst)
    opts.log_severity_level = 3
    ort.InferenceSession(str(src), opts, providers=["CPUExecutionProvider"])
    return dst


def make_graphs(size: str, folder: Path) -> dict[str, Path]:
    """fp32 and q8 of the stock and windowed exports, plus ORT-BASIC-optimised copies of the windowed ones."""
    folder.mkdir(parents=True, exist_ok=True)
    graphs: dict[str, Path] = {}
    model = None
    for attention in ("stock", "windowed"):
        fp32 = folder / f"{attention}.onnx"
        q8 = folder / f"{attention}_q8.onnx"
        if not fp32.is_file():
            model = model or random_init_model(size, 0)
            export_fp32_onnx(model, fp32, False, 17, attention)
        if not q8.is_file():
            to_q8(fp32, q8)
        graphs[f"{attention} fp32"], graphs[f"{attention} q8"] = fp32, q8
    basic = ort.GraphOptimizationLevel.ORT_ENABLE_BASIC
    graphs["windowed+basic fp32"] = ort_optimised(graphs["windowed fp32"], folder / "windowed_basic.onnx", basic)
    graphs["windowed+basic q8"] = ort_optimised(graphs["windowed q8"], folder / "windowed_q8_basic.onnx", basic)
    return graphs


def session(path: Path, threads: int) -> ort.InferenceSession:
    """A CPU session as the app's WASM one is set up: every ORT optimisation on, `threads` threads."""
    opts = ort.SessionOptions()
    opts.intra_op_num_threads = threads
    opts.inter_op_num_threads = 1
    opts.log_severity_level = 3
    return ort.InferenceSession(str(path), opts, providers=["CPUExecutionProvider"])


def main() -> int:
    """Export, count, check and time every graph; print a table and write the JSON."""
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--size", default="xsmall", choices=["xsmall", "base", "large"])
    p.add_argument("--texts", type=int, default=24)
    p.add_argument("--rounds", type=int, default=3)
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--json", type=Path, default=ROOT / "bench/results/levers.json")
    args = p.parse_args()
    torch.set_num_threads(max(1, args.threads))

    graphs = make_graphs(args.size, ROOT / f"model-export/out/levers-{args.size}")
    tok = load_bundle_tokenizer(FIXTURE_BUNDLE)
    texts = bench_texts(args.texts)
    pairs = [(t, seed_hypothesis(d)) for t in texts for _, d in SEED_LABELS]
    ids = sorted(val.encode_pairs(tok, pairs, 512).ids, key=len)
    batched = [val.pad_rows(ids[i:i + BATCH], tok.pad_token_id) for i in range(0, len(ids), BATCH)]
    alone = [val.pad_rows([row], tok.pad_token_id) for row in ids]
    plan = {name: (batched if name.endswith("fp32") else alone) for name in graphs}

    sessions, create_s = {}, {}
    for name, path in graphs.items():
        start = time.perf_counter()
        sessions[name] = session(path, args.threads)
        create_s[name] = time.perf_counter() - start
    # Same numbers? Each graph against its stock counterpart, on the first (batched) inputs.
    deltas: dict[str, float] = {}
    for name, sess in sessions.items():
        ref = sessions["stock " + name.split()[-1]]
        feeds = [{"input_ids": x, "attention_mask": m} for x, m in (batched[0], alone[0], alone[-1])]
        deltas[name] = max(float(np.max(np.abs(np.asarray(a) - np.asarray(b))))
                           for f in feeds for a, b in zip(ref.run(None, f), sess.run(None, f), strict=True))

    seconds: dict[str, list[float]] = {name: [] for name in graphs}
    for r in range(args.rounds):
        for name in (list(graphs) if r % 2 == 0 else list(reversed(graphs))):
            sess = sessions[name]
            start = time.perf_counter()
            for x, m in plan[name]:
                sess.run(None, {"input_ids": x, "attention_mask": m})
            seconds[name].append(time.perf_counter() - start)
            print(f"round {r}: {name} {seconds[name][-1]:.2f} s", flush=True)

    rows = []
    for name, path in graphs.items():
        med = statistics.median(seconds[name])
        rows.append({"graph": name, "file": path.relative_to(ROOT).as_posix(), "batch": BATCH if name.endswith("fp32") else 1,
                     "texts_per_s": round(len(texts) / med, 2), "session_create_s": round(create_s[name], 2),
                     "runs_s": [round(s, 3) for s in seconds[name]],
                     "max_abs_delta_vs_stock": deltas[name], "bytes": path.stat().st_size, **node_counts(path)})
    for row in rows:
        print(f"{row['graph']:22s} {row['texts_per_s']:7.2f} texts/s  nodes {row['nodes']:5d} "
              f"(shape {row['shape_nodes']:5d}) after ORT {row['nodes_after_ort']:5d} (shape {row['shape_nodes_after_ort']:4d})"
              f"  max|Δ| vs stock {row['max_abs_delta_vs_stock']:.3g}")
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps({
        "command": " ".join(sys.argv), "size": args.size, "texts": len(texts), "pairs": len(ids),
        "pair_tokens": [len(ids[0]), len(ids[-1])], "rounds": args.rounds, "threads": args.threads,
        "versions": {"onnxruntime": ort.__version__, "torch": torch.__version__, "onnx": onnx.__version__},
        "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()), "rows": rows}, indent=2) + "\n")
    print(f"wrote {args.json}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
