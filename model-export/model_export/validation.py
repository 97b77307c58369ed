"""Checking exported graphs against PyTorch: padded batches, runs on ONNX Runtime CPU and Web, errors and decisions."""

from __future__ import annotations

import json
import shutil
import subprocess
import tempfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from model_export.batching import pad_batch
from model_export.files import REPO_ROOT
from model_export.numerics import entailment_scores
from model_export.ort_cpu import RunFn
from model_export.tokenizer import BundleTokenizer

# Batches are formed in input order, BATCH_SIZE at a time, padded to the longest row: the
# golden tests use the same batching, so their numbers match the ones recorded at export.
BATCH_SIZE = 16

@dataclass
class Encoded:
    """Token ids of several sequences (unpadded, special tokens included)."""

    ids: list[list[int]]


@dataclass
class Outputs:
    """A runtime's outputs for a list of sequences, padding removed, in input order."""

    logits: np.ndarray  # (N, num_labels) float32
    hidden: list[np.ndarray]  # per sequence (T_i, H) float32, padding removed


def encode_pairs(tokenizer: BundleTokenizer, pairs: Sequence[tuple[str, str]], max_length: int) -> Encoded:
    """[CLS] text [SEP] hypothesis [SEP], only the text truncated (never the hypothesis)."""
    return Encoded([tokenizer.pair_ids(tokenizer.encode(t), tokenizer.encode(h), max_length) for t, h in pairs])


def encode_texts(tokenizer: BundleTokenizer, texts: Sequence[str], max_length: int) -> Encoded:
    """[CLS] text [SEP], the text truncated to max_length."""
    return Encoded([tokenizer.text_ids(tokenizer.encode(t), max_length) for t in texts])


# Batches are padded to a multiple of this many tokens (written into the manifest for the app).
# ONNX Runtime Web's WASM kernels sum the tokens that fall past the last full 4-lane vector in
# another order, so a text scored at exactly its own length differs (~1e-5 in logits) from the same
# text padded inside a batch. Padded to a multiple of 4, every variant but dynamic int8 gave
# bit-identical scores alone and in any batch (fixture, ORT Web 1.30 in Node); 8 leaves room for
# wider vector paths.
PAD_MULTIPLE = 8


def pad_rows(rows: Sequence[Sequence[int]], pad_id: int) -> tuple[np.ndarray, np.ndarray]:
    """(input_ids, attention_mask) int64 arrays of the rows, right-padded to the longest rounded up to PAD_MULTIPLE."""
    return pad_batch(rows, pad_id, PAD_MULTIPLE)


def padded_batches(ids: list[list[int]], pad_id: int, batch_size: int = BATCH_SIZE) -> Iterator[tuple[np.ndarray, np.ndarray]]:
    """Yield (input_ids, attention_mask) int64 arrays, BATCH_SIZE rows at a time, right-padded."""
    for start in range(0, len(ids), batch_size):
        yield pad_rows(ids[start:start + batch_size], pad_id)


def run_batched(run: RunFn, ids: list[list[int]], pad_id: int, batch_size: int = BATCH_SIZE) -> Outputs:
    """Run `ids` in input order, `batch_size` at a time, right-padded; logits and unpadded hidden states."""
    logits, hidden = [], []
    for input_ids, mask in padded_batches(ids, pad_id, batch_size):
        lg, hs = run(input_ids, mask)
        logits.append(np.asarray(lg, dtype=np.float32))
        for i in range(len(input_ids)):
            hidden.append(np.asarray(hs[i, : int(mask[i].sum())], dtype=np.float32))
    return Outputs(np.concatenate(logits, axis=0), hidden)


def torch_runner(model: Any, uses_token_type_ids: bool) -> RunFn:
    """PyTorch reference: HF sequence-classification model, last hidden state = hidden_states[-1]."""
    import torch  # noqa: PLC0415 - only the PyTorch reference needs it; `score` imports this module without torch


    def run(input_ids: np.ndarray, mask: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        kwargs = {}
        if uses_token_type_ids:
            kwargs["token_type_ids"] = torch.zeros(input_ids.shape, dtype=torch.long)
        with torch.no_grad():
            out = model(input_ids=torch.from_numpy(input_ids), attention_mask=torch.from_numpy(mask),
                        output_hidden_states=True, return_dict=True, **kwargs)
        return out.logits.float().numpy(), out.hidden_states[-1].float().numpy()

    return run


@dataclass
class Errors:
    """Max abs differences from PyTorch, and whether every output was finite."""

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
    for a, b in zip(ref_pairs.hidden + ref_texts.hidden, got_pairs.hidden + got_texts.hidden, strict=True):
        finite = finite and bool(np.all(np.isfinite(b)))
        hid_err = max(hid_err, float(np.max(np.abs(a - b))))
    return Errors(logit_err, ent_err, hid_err, finite)


# ---- ONNX Runtime Web (the runtime the browser app ships) -------------------------------
# ORT Web's WASM kernels round differently from ORT's native CPU kernels, most visibly in
# fp16 and int8 graphs. The app promises that every variant stays within the error written
# into the manifest, so the exporter measures the same batches with ORT Web too (through
# scripts/ort-web-run.mjs and the app's own node_modules) and records the larger error.

WEB_SCRIPT = REPO_ROOT / "scripts" / "ort-web-run.mjs"
WEB_PACKAGE = REPO_ROOT / "node_modules" / "onnxruntime-web" / "package.json"


def web_runtime_missing() -> str | None:
    """Why ORT Web cannot be run from here, or None when it can."""
    if shutil.which("node") is None:
        return "node is not installed"
    if not WEB_SCRIPT.is_file():
        return f"{WEB_SCRIPT} is missing"
    if not WEB_PACKAGE.is_file():
        return "onnxruntime-web is not installed (run `npm ci` in the repository root)"
    return None


def web_version() -> str:
    """The onnxruntime-web version the app ships (node_modules), as the manifest records it."""
    return str(json.loads(WEB_PACKAGE.read_text())["version"])


def run_web_batched(graphs: dict[str, list[Path]], id_sets: list[list[list[int]]], pad_id: int,
                    batch_sizes: Sequence[int] | None = None) -> dict[str, list[Outputs]]:
    """Runs every graph ([.onnx, external data...]) on every id set (same batches as run_batched, the set's
    batch size from `batch_sizes`, default BATCH_SIZE) with ORT Web's WASM in Node.

    One Node process for all graphs, so the 27 MB wasm is compiled once; Liftoff only, because
    TurboFan's background compile stalls the first runs for minutes on a small machine.
    """
    batches: list[tuple[int, np.ndarray]] = []  # (id-set index, mask) per batch, in job order
    job_batches = []
    sizes = list(batch_sizes) if batch_sizes is not None else [BATCH_SIZE] * len(id_sets)
    for set_index, ids in enumerate(id_sets):
        for input_ids, mask in padded_batches(ids, pad_id, sizes[set_index]):
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

        def read(name: str, batch: int, output: str) -> np.ndarray:
            """One output of one batch as the script wrote it: raw little-endian float32, dims in the summary."""
            raw = np.fromfile(Path(tmp) / f"{name}.{batch}.{output}.f32", dtype="<f4")
            return raw.reshape(dims[(name, batch, output)])

        results: dict[str, list[Outputs]] = {}
        for name in graphs:
            logits: list[list[np.ndarray]] = [[] for _ in id_sets]
            hidden: list[list[np.ndarray]] = [[] for _ in id_sets]
            for b, (set_index, mask) in enumerate(batches):
                logits[set_index].append(read(name, b, "logits"))
                hs = read(name, b, "last_hidden_state")
                for i in range(len(mask)):
                    hidden[set_index].append(hs[i, : int(mask[i].sum())])
            results[name] = [Outputs(np.concatenate(lg, axis=0), hd) for lg, hd in zip(logits, hidden, strict=True)]
    return results


def worst(a: Errors, b: Errors) -> Errors:
    """Element-wise larger of two error measurements."""
    return Errors(max(a.logits, b.logits), max(a.entailment, b.entailment),
                  max(a.last_hidden_state, b.last_hidden_state), a.finite and b.finite)


# ---- What the manifest says of each variant ----------------------------------------------
# Decisions are compared at the zero-shot threshold; a variant is recommended (picked by the app
# on its own) only within these bounds. The tests hold their own, fixed limits.
DECISION_THRESHOLD = 0.5
RECOMMEND_MAX_ENTAILMENT_ERROR = 0.05
RECOMMEND_MIN_PAIR_AGREEMENT = 0.98
# Above this, a pair's score depends on its batch neighbours and the app runs the variant one
# sequence at a time (dynamic int8 quantises each whole batch with one scale).
BATCH_INVARIANCE_BOUND = 1e-6


@dataclass
class Agreement:
    """How many pairs, and texts all of whose pairs, decide as PyTorch at DECISION_THRESHOLD."""

    pairs: int
    pairs_agreeing: int
    texts: int
    texts_agreeing: int


def agreement(ref_scores: np.ndarray, got_scores: np.ndarray, text_of_pair: Sequence[int]) -> Agreement:
    """Pairs whose decision at DECISION_THRESHOLD matches the reference, and texts whose every pair does."""
    same = (ref_scores >= DECISION_THRESHOLD) == (got_scores >= DECISION_THRESHOLD)
    texts = sorted(set(text_of_pair))
    bad_texts = {t for t, ok in zip(text_of_pair, same, strict=True) if not ok}
    return Agreement(len(same), int(same.sum()), len(texts), len(texts) - len(bad_texts))


def worse(a: Agreement, b: Agreement) -> Agreement:
    """The agreement with fewer agreeing pairs (then texts)."""
    return a if (a.pairs_agreeing, a.texts_agreeing) <= (b.pairs_agreeing, b.texts_agreeing) else b


def assess(errors: Errors, agree: Agreement) -> tuple[bool, str]:
    """Whether the app may pick the variant by itself, and why, in one line."""
    problems = []
    if errors.entailment > RECOMMEND_MAX_ENTAILMENT_ERROR:
        problems.append(f"max |Δ entailment| {errors.entailment:.3g} > {RECOMMEND_MAX_ENTAILMENT_ERROR}")
    if agree.pairs_agreeing < RECOMMEND_MIN_PAIR_AGREEMENT * agree.pairs:
        problems.append(f"decisions differ on {agree.pairs - agree.pairs_agreeing} of {agree.pairs} pairs")
    summary = (f"decisions as fp32 PyTorch on {agree.texts_agreeing}/{agree.texts} reference texts "
               f"({agree.pairs_agreeing}/{agree.pairs} pairs at {DECISION_THRESHOLD}); "
               f"max |Δ entailment| {errors.entailment:.3g}")
    return (not problems, summary if not problems else "not recommended: " + "; ".join(problems) + f" ({summary})")


@dataclass
class RuntimeRun:
    """One runtime's outputs for a variant: pairs and texts in batches of BATCH_SIZE, and pairs one per run."""

    pairs: Outputs
    texts: Outputs
    alone: Outputs


@dataclass
class Measured:
    """Everything measured of one variant on one runtime."""

    errors: Errors
    agreement: Agreement
    batch_dependence: float


def run_all(run: RunFn, pair_ids: list[list[int]], text_ids: list[list[int]], pad_id: int) -> RuntimeRun:
    """The three runs a variant is measured by: pairs and texts batched, and every pair alone."""
    return RuntimeRun(run_batched(run, pair_ids, pad_id), run_batched(run, text_ids, pad_id),
                      run_batched(run, pair_ids, pad_id, batch_size=1))


def measure(ref_pairs: Outputs, ref_texts: Outputs, got: RuntimeRun, entailment_id: int, not_entailment_id: int,
            text_of_pair: Sequence[int]) -> Measured:
    """Errors and decisions against PyTorch, the worse of batched and alone, and the batch dependence."""
    e, n = entailment_id, not_entailment_id
    errors = worst(compare(ref_pairs, got.pairs, ref_texts, got.texts, e, n),
                   compare(ref_pairs, got.alone, ref_texts, got.texts, e, n))
    ref = entailment_scores(ref_pairs.logits, e, n)
    batched, alone = entailment_scores(got.pairs.logits, e, n), entailment_scores(got.alone.logits, e, n)
    agree = worse(agreement(ref, batched, text_of_pair), agreement(ref, alone, text_of_pair))
    return Measured(errors, agree, float(np.max(np.abs(batched - alone))))


def worst_measured(a: Measured, b: Measured) -> Measured:
    """The worse of two runtimes' measurements, figure by figure."""
    return Measured(worst(a.errors, b.errors), worse(a.agreement, b.agreement), max(a.batch_dependence, b.batch_dependence))
