"""Native ONNX Runtime side of `npm run bench`: the same graph and the same padded batches as the browser run.

Usage (bench/bench.mjs calls it, one process per run so that peak RSS is this run's):
    python bench/native_ort.py batches JOB.json   -> timings of every batch, chunk by chunk
    python bench/native_ort.py matmul  M K N THREADS MODEL.onnx -> GFLOP/s of one big fp32 MatMul (written on demand)
Sessions come from model_export.ort_cpu (the project's settings: one inter-op thread, errors-only logs), with
intra-op threads set to the browser's WASM threads. Prints one JSON object on stdout.
"""

from __future__ import annotations

import json
import resource
import sys
import time
from pathlib import Path

import numpy as np
import onnxruntime as ort

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "model-export"))
from model_export import ort_cpu  # noqa: E402


def peak_rss_mib() -> float:
    """Peak resident memory of this process (Linux reports ru_maxrss in KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def run_batches(job_path: str) -> dict:
    """Times each padded batch of `chunks` (the browser engine's own batches) after one untimed warm-up batch."""
    job = json.loads(Path(job_path).read_text(encoding="utf-8"))
    started = time.perf_counter()
    sess = ort_cpu.session(job["model"], job["threads"])
    load_ms = (time.perf_counter() - started) * 1000
    run = ort_cpu.backbone_runner(sess)

    def arrays(batch: dict) -> tuple[np.ndarray, np.ndarray]:
        shape = tuple(batch["dims"])
        return (np.asarray(batch["ids"], dtype=np.int64).reshape(shape),
                np.asarray(batch["mask"], dtype=np.int64).reshape(shape))

    run(*arrays(job["chunks"][0][0]))
    chunk_ms: list[float] = []
    checksum = 0.0
    total = time.perf_counter()
    for chunk in job["chunks"]:
        t = time.perf_counter()
        for batch in chunk:
            logits, _ = run(*arrays(batch))
            checksum += float(logits.sum())
        chunk_ms.append((time.perf_counter() - t) * 1000)
    return {"ms": (time.perf_counter() - total) * 1000, "chunkMs": chunk_ms, "loadMs": load_ms,
            "peakRssMiB": peak_rss_mib(), "logitChecksum": checksum, "ortVersion": ort.__version__}


def write_matmul(path: Path, m: int, k: int, n: int) -> None:
    """A graph of one MatMul: input A [m, k] times a constant B [k, n], seeded, fp32."""
    import onnx
    from onnx import TensorProto, helper, numpy_helper

    b = np.random.default_rng(0).standard_normal((k, n)).astype(np.float32)
    graph = helper.make_graph(
        [helper.make_node("MatMul", ["A", "B"], ["Y"])], "matmul",
        [helper.make_tensor_value_info("A", TensorProto.FLOAT, [m, k])],
        [helper.make_tensor_value_info("Y", TensorProto.FLOAT, [m, n])],
        [numpy_helper.from_array(b, "B")],
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)], ir_version=8)
    path.parent.mkdir(parents=True, exist_ok=True)
    onnx.save(model, str(path))


def run_matmul(m: int, k: int, n: int, threads: int, path: Path) -> dict:
    """Median GFLOP/s of 2·m·k·n FLOPs over 5 timed runs after 2 warm-ups."""
    if not path.is_file():
        write_matmul(path, m, k, n)
    sess = ort_cpu.session(path, threads)
    a = np.random.default_rng(1).standard_normal((m, k)).astype(np.float32)
    for _ in range(2):
        sess.run(None, {"A": a})
    times = []
    for _ in range(5):
        t = time.perf_counter()
        sess.run(None, {"A": a})
        times.append(time.perf_counter() - t)
    return {"gflops": 2 * m * k * n / float(np.median(times)) / 1e9, "ms": [x * 1000 for x in times]}


def main(argv: list[str]) -> int:
    if argv[:1] == ["batches"] and len(argv) == 2:
        print(json.dumps(run_batches(argv[1])))
    elif argv[:1] == ["matmul"] and len(argv) == 6:
        m, k, n, threads = map(int, argv[1:5])
        print(json.dumps(run_matmul(m, k, n, threads, Path(argv[5]))))
    else:
        print(__doc__, file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
