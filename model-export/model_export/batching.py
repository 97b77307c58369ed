"""Length-sorted batching with dynamic padding, the Python twin of src/engine/batching.ts and engine.ts' batchLimits.

`score` must batch exactly as the browser does so that its numbers are the browser's: sequences are
grouped longest first under a batch and token budget, padded on the right to a multiple of the
manifest's `pad_multiple` (so a text's scores do not depend on its neighbours), and a variant whose
scores would (`run_alone`, dynamic int8) runs one sequence at a time.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class BatchLimits:
    """Limits of one backbone run: most sequences, and most tokens (batch x padded length)."""

    max_batch: int
    max_tokens: float


# The browser's limits per backend (engine.ts batchLimits): WASM's for the CPU, WebGPU's for a GPU.
CPU_LIMITS = BatchLimits(max_batch=32, max_tokens=4096)
GPU_LIMITS = BatchLimits(max_batch=64, max_tokens=16384)
ALONE_LIMITS = BatchLimits(max_batch=1, max_tokens=math.inf)


def batch_limits(on_gpu: bool, run_alone: bool) -> BatchLimits:
    """The limits for a device and variant; `run_alone` variants run one sequence per run, as in the browser."""
    if run_alone:
        return ALONE_LIMITS
    return GPU_LIMITS if on_gpu else CPU_LIMITS


def plan_batches(lengths: Sequence[int], limits: BatchLimits) -> list[list[int]]:
    """Sequence indices grouped into batches of similar length, longest first (ties in input order)."""
    order = sorted(range(len(lengths)), key=lambda i: (-lengths[i], i))
    batches: list[list[int]] = []
    current: list[int] = []
    width = 0
    for i in order:
        length = lengths[i]
        w = max(width, length)
        if current and (len(current) + 1 > limits.max_batch or w * (len(current) + 1) > limits.max_tokens):
            batches.append(current)
            current = []
        width = length if not current else max(width, length)
        current.append(i)
    if current:
        batches.append(current)
    return batches


def pad_batch(seqs: Sequence[Sequence[int]], pad_id: int, multiple: int = 1) -> tuple[np.ndarray, np.ndarray]:
    """(input_ids, attention_mask) int64 [B, T], right-padded; T = the longest sequence rounded up to `multiple`."""
    t = -(-max([1, *(len(s) for s in seqs)]) // multiple) * multiple
    ids = np.full((len(seqs), t), pad_id, dtype=np.int64)
    mask = np.zeros((len(seqs), t), dtype=np.int64)
    for b, s in enumerate(seqs):
        ids[b, : len(s)] = s
        mask[b, : len(s)] = 1
    return ids, mask
