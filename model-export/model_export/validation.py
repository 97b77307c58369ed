"""Running the backbone (PyTorch or ONNX Runtime) on padded batches and measuring max abs errors."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Sequence

import numpy as np

# Batches are formed in input order, BATCH_SIZE at a time, padded to the longest row: the
# golden tests use the same batching, so their numbers match the ones recorded at export.
BATCH_SIZE = 16

# Fixed validation set for real exports. Lengths vary so the batch is padded (DeBERTa's
# masked softmax has a history of export bugs that only padded batches show); the long
# text passes 128 tokens so the log-bucketed relative positions (|i-j| >= 128) are used.
DEFAULT_TEXTS = [
    "Stocks rallied.",
    "A new AI-powered diagnostic tool detects early-stage pancreatic cancer with 94% accuracy.",
    "Café owners in Zürich say the heatwave cut tourism; 天气 data and 🌍 emoji appear too.",
    " ".join(
        f"Sentence {i} mentions inflation, renewable energy, central banks and hospital budgets." for i in range(18)
    ),
]
DEFAULT_HYPOTHESES = [
    "This example is This text is about banking, investment, stock markets, corporate earnings, or financial instruments.",
    "This text is about sports.",
]


@dataclass
class Encoded:
    """Token ids of several sequences (unpadded, special tokens included)."""

    ids: list[list[int]]


@dataclass
class Outputs:
    logits: np.ndarray  # (N, num_labels) float32
    hidden: list[np.ndarray]  # per sequence (T_i, H) float32, padding removed


def encode_pairs(tokenizer: Any, pairs: Sequence[tuple[str, str]], max_length: int) -> Encoded:
    """[CLS] text [SEP] hypothesis [SEP], only the text truncated (never the hypothesis)."""
    ids = []
    for text, hypothesis in pairs:
        enc = tokenizer(text, hypothesis, truncation="only_first", max_length=max_length)
        ids.append(list(enc["input_ids"]))
    return Encoded(ids)


def encode_texts(tokenizer: Any, texts: Sequence[str], max_length: int) -> Encoded:
    ids = [list(tokenizer(t, truncation=True, max_length=max_length)["input_ids"]) for t in texts]
    return Encoded(ids)


def pad_rows(rows: Sequence[Sequence[int]], pad_id: int) -> tuple[np.ndarray, np.ndarray]:
    """(input_ids, attention_mask) int64 arrays of the rows, right-padded to the longest."""
    width = max(len(row) for row in rows)
    input_ids = np.full((len(rows), width), pad_id, dtype=np.int64)
    mask = np.zeros((len(rows), width), dtype=np.int64)
    for i, row in enumerate(rows):
        input_ids[i, :len(row)] = row
        mask[i, :len(row)] = 1
    return input_ids, mask


def padded_batches(ids: list[list[int]], pad_id: int, batch_size: int = BATCH_SIZE):
    """Yield (input_ids, attention_mask) int64 arrays, BATCH_SIZE rows at a time, right-padded."""
    for start in range(0, len(ids), batch_size):
        yield pad_rows(ids[start:start + batch_size], pad_id)


RunFn = Callable[[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]]


def run_batched(run: RunFn, ids: list[list[int]], pad_id: int, batch_size: int = BATCH_SIZE) -> Outputs:
    logits, hidden = [], []
    for input_ids, mask in padded_batches(ids, pad_id, batch_size):
        lg, hs = run(input_ids, mask)
        logits.append(np.asarray(lg, dtype=np.float32))
        for i in range(len(input_ids)):
            hidden.append(np.asarray(hs[i, : int(mask[i].sum())], dtype=np.float32))
    return Outputs(np.concatenate(logits, axis=0), hidden)


def torch_runner(model: Any, uses_token_type_ids: bool) -> RunFn:
    """PyTorch reference: HF sequence-classification model, last hidden state = hidden_states[-1]."""
    import torch

    def run(input_ids: np.ndarray, mask: np.ndarray):
        kwargs = {}
        if uses_token_type_ids:
            kwargs["token_type_ids"] = torch.zeros(input_ids.shape, dtype=torch.long)
        with torch.no_grad():
            out = model(input_ids=torch.from_numpy(input_ids), attention_mask=torch.from_numpy(mask),
                        output_hidden_states=True, return_dict=True, **kwargs)
        return out.logits.float().numpy(), out.hidden_states[-1].float().numpy()

    return run


def ort_session(path: Path, threads: int = 0):
    """CPU session. threads=1 makes results bit-for-bit repeatable (the fixture needs that)."""
    import onnxruntime as ort

    options = ort.SessionOptions()
    options.intra_op_num_threads = threads
    options.inter_op_num_threads = 1
    options.log_severity_level = 3
    return ort.InferenceSession(str(path), sess_options=options, providers=["CPUExecutionProvider"])


def ort_runner(session: Any) -> RunFn:
    names = {i.name for i in session.get_inputs()}

    def run(input_ids: np.ndarray, mask: np.ndarray):
        feeds = {"input_ids": input_ids, "attention_mask": mask}
        if "token_type_ids" in names:
            feeds["token_type_ids"] = np.zeros_like(input_ids)
        logits, hidden = session.run(["logits", "last_hidden_state"], feeds)
        return logits, hidden

    return run


def entailment_scores(logits: np.ndarray, entailment_id: int, not_entailment_id: int) -> np.ndarray:
    """sigmoid(l_entail - l_not): the zero-shot pipeline's multi-label score (softmax over the two)."""
    diff = logits[:, entailment_id].astype(np.float64) - logits[:, not_entailment_id].astype(np.float64)
    return 1.0 / (1.0 + np.exp(-diff))


@dataclass
class Errors:
    logits: float
    entailment: float
    last_hidden_state: float
    finite: bool


def compare(ref_pairs: Outputs, got_pairs: Outputs, ref_texts: Outputs, got_texts: Outputs,
            entailment_id: int, not_entailment_id: int) -> Errors:
    """Max abs errors; hidden states compared on real (non-padded) positions of both passes."""
    logit_err = float(np.max(np.abs(ref_pairs.logits - got_pairs.logits)))
    ent_err = float(np.max(np.abs(
        entailment_scores(ref_pairs.logits, entailment_id, not_entailment_id)
        - entailment_scores(got_pairs.logits, entailment_id, not_entailment_id))))
    hid_err = 0.0
    finite = bool(np.all(np.isfinite(got_pairs.logits)))
    for a, b in zip(ref_pairs.hidden + ref_texts.hidden, got_pairs.hidden + got_texts.hidden):
        finite = finite and bool(np.all(np.isfinite(b)))
        hid_err = max(hid_err, float(np.max(np.abs(a - b))))
    return Errors(logit_err, ent_err, hid_err, finite)


# ---- ONNX Runtime Web (the runtime the browser app ships) -------------------------------
# ORT Web's WASM kernels round differently from ORT's native CPU kernels, most visibly in
# fp16 and int8 graphs. The app promises that every variant stays within the error written
# into the manifest, so the exporter measures the same batches with ORT Web too (through
# scripts/ort-web-run.mjs and the app's own node_modules) and records the larger error.

REPO_ROOT = Path(__file__).resolve().parents[2]
WEB_SCRIPT = REPO_ROOT / "scripts" / "ort-web-run.mjs"
WEB_PACKAGE = REPO_ROOT / "node_modules" / "onnxruntime-web" / "package.json"


def web_runtime_missing() -> str | None:
    """Why ORT Web cannot be run from here, or None when it can."""
    import shutil

    if shutil.which("node") is None:
        return "node is not installed"
    if not WEB_SCRIPT.is_file():
        return f"{WEB_SCRIPT} is missing"
    if not WEB_PACKAGE.is_file():
        return "onnxruntime-web is not installed (run `npm ci` in the repository root)"
    return None


def web_version() -> str:
    import json

    return str(json.loads(WEB_PACKAGE.read_text())["version"])


def run_web_batched(graphs: dict[str, list[Path]], id_sets: list[list[list[int]]], pad_id: int,
                    batch_size: int = BATCH_SIZE) -> dict[str, list[Outputs]]:
    """Runs every graph ([.onnx, external data...]) on every id set (same batches as run_batched) with ORT
    Web's WASM in Node.

    One Node process for all graphs, so the 27 MB wasm is compiled once; Liftoff only, because
    TurboFan's background compile stalls the first runs for minutes on a small machine.
    """
    import json
    import subprocess
    import tempfile

    batches: list[tuple[int, np.ndarray]] = []  # (id-set index, mask) per batch, in job order
    job_batches = []
    for set_index, ids in enumerate(id_sets):
        for input_ids, mask in padded_batches(ids, pad_id, batch_size):
            batches.append((set_index, mask))
            job_batches.append({"input_ids": input_ids.tolist(), "attention_mask": mask.tolist()})
    with tempfile.TemporaryDirectory() as tmp:
        job = {"graphs": {k: {"path": str(Path(v[0]).resolve()), "external_data": [str(Path(p).resolve()) for p in v[1:]]}
                          for k, v in graphs.items()}, "batches": job_batches,
               "outputs": ["logits", "last_hidden_state"], "out_dir": tmp}
        job_file = Path(tmp) / "job.json"
        job_file.write_text(json.dumps(job))
        done = subprocess.run(["node", "--liftoff-only", str(WEB_SCRIPT), str(job_file)], cwd=REPO_ROOT,
                              capture_output=True, text=True)
        if done.returncode != 0:
            raise RuntimeError(f"ORT Web run failed: {done.stderr.strip()[-2000:]}")
        summary = json.loads(done.stdout.strip().splitlines()[-1])
        dims = {(f["name"], f["batch"], f["output"]): f["dims"] for f in summary["files"]}
        results: dict[str, list[Outputs]] = {}
        for name in graphs:
            logits: list[list[np.ndarray]] = [[] for _ in id_sets]
            hidden: list[list[np.ndarray]] = [[] for _ in id_sets]
            for b, (set_index, mask) in enumerate(batches):
                def read(output: str) -> np.ndarray:
                    raw = np.fromfile(Path(tmp) / f"{name}.{b}.{output}.f32", dtype="<f4")
                    return raw.reshape(dims[(name, b, output)])
                logits[set_index].append(read("logits"))
                hs = read("last_hidden_state")
                for i in range(len(mask)):
                    hidden[set_index].append(hs[i, : int(mask[i].sum())])
            results[name] = [Outputs(np.concatenate(lg, axis=0), hd) for lg, hd in zip(logits, hidden)]
    return results


def worst(a: Errors, b: Errors) -> Errors:
    """Element-wise larger of two error measurements."""
    return Errors(max(a.logits, b.logits), max(a.entailment, b.entailment),
                  max(a.last_hidden_state, b.last_hidden_state), a.finite and b.finite)
