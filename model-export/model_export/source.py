"""Where a backbone comes from: a DeBERTa-v2/v3 NLI model folder or Hub id, or a seeded random DeBERTa-v3.

Loading checks what it can before transformers does (model type, NLI labels, files), so that the
user sees which file or label is wrong instead of a traceback from deep inside transformers.

transformers is imported inside the functions that need it, on purpose: importing it costs seconds
(about 2.5 s over torch here), and every CLI command, `--help` included, imports this module.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch
from huggingface_hub import hf_hub_download

from model_export.errors import ExportError
from model_export.tokenizer import SPM_FILE, BundleTokenizer, read_spm

SUPPORTED_MODEL_TYPES = ("deberta-v2",)  # DeBERTa-v3 checkpoints also declare model_type deberta-v2
WEIGHT_FILES = ("model.safetensors", "model.safetensors.index.json", "pytorch_model.bin", "pytorch_model.bin.index.json")

# The real DeBERTa-v3 shapes (microsoft/deberta-v3-{xsmall,base,large} config.json).
RANDOM_INIT_SHAPES: dict[str, dict[str, int]] = {
    "xsmall": {"hidden_size": 384, "num_hidden_layers": 12, "num_attention_heads": 6},
    "base": {"hidden_size": 768, "num_hidden_layers": 12, "num_attention_heads": 12},
    "large": {"hidden_size": 1024, "num_hidden_layers": 24, "num_attention_heads": 16},
}
# What every DeBERTa-v3 configuration shares (relative attention with 256 log buckets, shared
# attention key, c2p+p2c, no token types, no absolute positions), as a 2-way NLI model.
DEBERTA_V3_COMMON: dict[str, Any] = {
    "model_type": "deberta-v2",
    "vocab_size": 128100,
    "max_position_embeddings": 512,
    "relative_attention": True,
    "position_buckets": 256,
    "norm_rel_ebd": "layer_norm",
    "share_att_key": True,
    "pos_att_type": ["p2c", "c2p"],
    "position_biased_input": False,
    "max_relative_positions": -1,
    "type_vocab_size": 0,
    "layer_norm_eps": 1e-7,
    "hidden_act": "gelu",
    "hidden_dropout_prob": 0.1,
    "attention_probs_dropout_prob": 0.1,
    "initializer_range": 0.02,
    "pad_token_id": 0,
    "id2label": {0: "entailment", 1: "not_entailment"},
    "label2id": {"entailment": 0, "not_entailment": 1},
}

_NLI_NAMES = {"entailment", "not_entailment", "contradiction", "neutral"}


@dataclass
class NliLabels:
    """Which logits the entailment score contrasts."""

    names: list[str]  # lower-case, in logit order
    entailment_id: int
    not_entailment_id: int


def _norm_label(name: str) -> str:
    return re.sub(r"[\s-]+", "_", str(name).strip().lower())


def resolve_nli_labels(config: Any) -> NliLabels:
    """Read entailment / not-entailment ids from config.id2label (and label2id).

    2-way: {entailment, not_entailment}; 3-way: {entailment, neutral, contradiction}, where
    the score contrasts entailment with contradiction (as the HF zero-shot pipeline does).
    """
    id2label = dict(getattr(config, "id2label", None) or {})
    if not id2label and getattr(config, "label2id", None):
        id2label = {v: k for k, v in config.label2id.items()}
    id2label = {int(k): v for k, v in id2label.items()}
    n = len(id2label)
    if n not in (2, 3) or sorted(id2label) != list(range(n)):
        raise ExportError(
            f"not a 2- or 3-way NLI model: config.id2label is {id2label or None} "
            f"(need 2 labels entailment/not_entailment or 3 labels entailment/neutral/contradiction)"
        )
    names = [_norm_label(id2label[i]) for i in range(n)]
    unknown = [x for x in names if x not in _NLI_NAMES]
    if unknown or len(set(names)) != n:
        raise ExportError(
            f"not an NLI model: config.id2label is {id2label}; expected names among "
            f"{sorted(_NLI_NAMES)} (case-insensitive)"
        )
    if "entailment" not in names:
        raise ExportError(f"NLI config has no 'entailment' label: {id2label}")
    if n == 2:
        other = next(x for x in names if x != "entailment")
        if other not in ("not_entailment", "contradiction"):
            raise ExportError(f"2-way NLI config must pair entailment with not_entailment, got {id2label}")
        contrast = other
    else:
        if set(names) != {"entailment", "neutral", "contradiction"}:
            raise ExportError(f"3-way NLI config must have entailment, neutral, contradiction, got {id2label}")
        contrast = "contradiction"
    return NliLabels(names, names.index("entailment"), names.index(contrast))


def check_model_type(config: Any) -> None:
    """Refuse architectures the exporter was not written for (the traced graph would differ)."""
    model_type = getattr(config, "model_type", None)
    if model_type not in SUPPORTED_MODEL_TYPES:
        raise ExportError(
            f"unsupported model_type {model_type!r}: this exporter handles DeBERTa-v2/v3 NLI models "
            f"(model_type {' or '.join(SUPPORTED_MODEL_TYPES)})"
        )


def looks_local(source: str) -> bool:
    """True for a path (existing, or written as one); False for what can only be a Hub id."""
    return source.startswith(("/", "./", "../", "~")) or Path(source).expanduser().exists()


def check_local_folder(folder: Path) -> None:
    """Fail early, naming the missing file, instead of deep inside transformers."""
    if not folder.exists():
        raise ExportError(f"model folder not found: {folder}")
    if not folder.is_dir():
        raise ExportError(f"model source must be a folder, got file {folder}")
    if not (folder / "config.json").is_file():
        raise ExportError(f"missing file config.json in model folder {folder}")
    if not any((folder / name).is_file() for name in WEIGHT_FILES):
        raise ExportError(f"missing weights in model folder {folder}: expected one of {', '.join(WEIGHT_FILES)}")
    if not (folder / SPM_FILE).is_file():
        raise ExportError(
            f"missing tokenizer in model folder {folder}: expected {SPM_FILE}, the model's own sentencepiece model "
            "(the bundle tokenizer is built from it, so that token ids are the ones the model was trained with)"
        )


def _hub_spm(model_id: str) -> bytes:
    """The sentencepiece model of a Hub repository (downloaded into the usual Hugging Face cache)."""
    try:
        return Path(hf_hub_download(model_id, SPM_FILE)).read_bytes()
    except Exception as exc:  # noqa: BLE001 - hub errors come in many types
        raise ExportError(f"could not download {SPM_FILE} of {model_id!r} (a Hub id needs network access to "
                          f"huggingface.co; DeBERTa-v3 repositories ship {SPM_FILE}): {exc}") from None


def load_source(source: str) -> tuple[Any, BundleTokenizer]:
    """(model, tokenizer) from a local folder or a Hugging Face model id; the tokenizer is the model's spm.model."""
    from transformers import AutoConfig, AutoModelForSequenceClassification  # noqa: PLC0415 - start-up time

    local = looks_local(source)
    where = str(Path(source).expanduser()) if local else source
    if local:
        check_local_folder(Path(where))
    try:
        config = AutoConfig.from_pretrained(where)
    except (OSError, ValueError) as exc:
        hint = "" if local else " (a Hub id needs network access to huggingface.co)"
        raise ExportError(f"could not load the model config from {source!r}{hint}: {exc}") from exc
    check_model_type(config)
    resolve_nli_labels(config)
    try:
        model = AutoModelForSequenceClassification.from_pretrained(where, dtype=torch.float32)
    except (OSError, ValueError) as exc:
        raise ExportError(f"could not load the model from {source!r}: {exc}") from exc
    model.eval()
    return model, BundleTokenizer(read_spm(Path(where)) if local else _hub_spm(source))


def deberta_v3_config(**overrides: Any) -> Any:
    """A DebertaV2Config with DEBERTA_V3_COMMON's settings, changed by `overrides` (sizes, vocab, init)."""
    from transformers import DebertaV2Config  # noqa: PLC0415 - start-up time

    kwargs = {k: v for k, v in DEBERTA_V3_COMMON.items() if k != "model_type"}
    kwargs.update(overrides)
    return DebertaV2Config(**kwargs)


def seeded_nli_model(config: Any, seed: int) -> Any:
    """A DeBERTa-v2/v3 sequence-classification model with weights drawn after torch.manual_seed(seed), in eval mode."""
    from transformers import DebertaV2ForSequenceClassification  # noqa: PLC0415 - start-up time

    torch.manual_seed(seed)
    return DebertaV2ForSequenceClassification(config).eval()


def random_init_config(size: str, vocab_size: int | None = None) -> Any:
    """The real DeBERTa-v3-{xsmall,base,large} configuration as a 2-way NLI model."""
    if size not in RANDOM_INIT_SHAPES:
        raise ExportError(f"unknown --random-init size {size!r}; choose from {list(RANDOM_INIT_SHAPES)}")
    shape = RANDOM_INIT_SHAPES[size]
    vocab = {} if vocab_size is None else {"vocab_size": vocab_size}
    return deberta_v3_config(**shape, intermediate_size=4 * shape["hidden_size"], **vocab)


def random_init_model(size: str, seed: int, vocab_size: int | None = None) -> Any:
    """A DeBERTa-v3 NLI model with the real shapes and seeded random weights (benchmarks)."""
    return seeded_nli_model(random_init_config(size, vocab_size), seed)
