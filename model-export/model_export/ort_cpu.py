"""ONNX Runtime on the CPU with the project's settings: building sessions and running the backbone graph.

Export validation, feature extraction, training's backbone check, evaluation and the heads parity
check all run graphs here, so they all see the same runtime settings (and the same numbers).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
import onnxruntime as ort

# The backbone graph's outputs, in the order runners return them.
BACKBONE_OUTPUTS = ("logits", "last_hidden_state")
# ORT's own warnings (e.g. unused initialisers in quantised graphs) are noise in the CLI's output.
LOG_ERRORS_ONLY = 3

# (input_ids, attention_mask) int64 -> (logits, last_hidden_state): one batch through a backbone.
RunFn = Callable[[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]]


def session(path: str | Path, threads: int = 0, providers: tuple[str, ...] = ("CPUExecutionProvider",)) -> ort.InferenceSession:
    """A CPU session. threads=0: ORT's default thread pool; threads=1: bit-for-bit repeatable results.

    One inter-op thread: the graphs run sequentially anyway, and a second pool only competes for cores.
    `providers`: `score` puts CUDA first where onnxruntime has it, with the same settings otherwise.
    """
    options = ort.SessionOptions()
    options.intra_op_num_threads = threads
    options.inter_op_num_threads = 1
    options.log_severity_level = LOG_ERRORS_ONLY
    return ort.InferenceSession(str(path), sess_options=options, providers=list(providers))


def backbone_runner(sess: ort.InferenceSession) -> RunFn:
    """Runs a backbone graph on one padded batch; feeds zero token_type_ids when the graph takes them."""
    names = {i.name for i in sess.get_inputs()}

    def run(input_ids: np.ndarray, mask: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        feeds = {"input_ids": input_ids, "attention_mask": mask}
        if "token_type_ids" in names:
            feeds["token_type_ids"] = np.zeros_like(input_ids)
        logits, hidden = sess.run(list(BACKBONE_OUTPUTS), feeds)
        return logits, hidden

    return run
