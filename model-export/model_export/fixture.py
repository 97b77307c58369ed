"""The `fixture` command: a seeded tiny DeBERTa-v3-style NLI model + tokenizer, exported as the demo bundle with goldens."""

from __future__ import annotations

import argparse
import json
import logging
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import torch

from model_export import golden as gold
from model_export import validation as val
from model_export.bundle import Manifest
from model_export.errors import ExportError
from model_export.export import ExportOptions, export_bundle, seed_labels
from model_export.files import FIXTURE_BUNDLE, GOLDEN_DIR, REPO_ROOT, write_golden
from model_export.seed_labels import SEED_LABELS, USER_HYPOTHESIS_TEMPLATE, seed_hypothesis
from model_export.source import deberta_v3_config, load_source, seeded_nli_model
from model_export.tokenizer import (
    BundleTokenizer,
    TokenizerTrainConfig,
    generated_corpus,
    read_seed_texts,
    train_sentencepiece,
    write_tokenizer_files,
)
from model_export.windows_golden import build_windows_golden

log = logging.getLogger(__name__)

DEFAULT_GOLDEN = GOLDEN_DIR / "demo-fixture.golden.json"


@dataclass
class FixtureConfig:
    """Shape of the fixture: DeBERTa-v3 architecture (relative attention with 256 log buckets,
    shared attention key, c2p+p2c, no token types, no absolute positions), tiny sizes."""

    seed: int = 0
    hidden_size: int = 64
    num_hidden_layers: int = 3
    num_attention_heads: int = 4
    intermediate_size: int = 256
    # Larger than DeBERTa's 0.02 so that random attention is not near-uniform and the
    # [CLS] vector (hence the NLI score) actually depends on the input.
    initializer_range: float = 0.1
    # Std of (logit_entailment - logit_not_entailment) over calibration pairs after the
    # classifier is rescaled: scores then spread over (0, 1) instead of sitting at 0.5.
    target_logit_std: float = 2.0
    tokenizer: TokenizerTrainConfig = field(default_factory=TokenizerTrainConfig)
    max_length_pair: int = 512
    max_length_text: int = 128
    bundle_id: str = "demo-fixture"
    name: str = "Demo fixture (tiny DeBERTa-v3 with random weights; scores are meaningless)"


def build_fixture_model(config: FixtureConfig, vocab_size: int, tokenizer: BundleTokenizer,
                        calibration: list[tuple[str, str]]) -> Any:
    """Seeded random DeBERTa-v3-style NLI model whose entailment scores are spread out."""
    hf_config = deberta_v3_config(
        vocab_size=vocab_size, hidden_size=config.hidden_size, num_hidden_layers=config.num_hidden_layers,
        num_attention_heads=config.num_attention_heads, intermediate_size=config.intermediate_size,
        initializer_range=config.initializer_range,
    )
    model = seeded_nli_model(hf_config, config.seed)
    _grid_init(model, config)

    # Calibrate the classifier on fixed pairs: centre the logit difference and scale its spread.
    ids = val.encode_pairs(tokenizer, calibration, config.max_length_pair).ids
    out = val.run_batched(val.torch_runner(model, False), ids, tokenizer.pad_token_id)
    diff = out.logits[:, 0].astype(np.float64) - out.logits[:, 1].astype(np.float64)
    scale = config.target_logit_std / max(float(diff.std()), 1e-6)
    shift = float(diff.mean()) * scale
    with torch.no_grad():
        w = model.classifier.weight
        b = model.classifier.bias
        w.mul_(scale)
        b.mul_(scale)
        b[0] -= shift / 2
        b[1] += shift / 2
    log.info("classifier calibrated: scale %.3g, shift %.3g", scale, shift)
    return model


def _grid(shape: tuple[int, ...], std: float, step: float, gen: torch.Generator) -> torch.Tensor:
    """Gaussian values rounded to multiples of a power-of-two `step` (exact in fp16)."""
    return torch.round(torch.randn(shape, generator=gen) * std / step) * step


def _grid_init(model: Any, config: FixtureConfig) -> None:
    """Re-draw the weights so that every quantized variant is lossless on weights.

    Each Linear weight is k * s with integer k in [-8, 7] and s a power of two, and every
    32-wide block of each row holds one -8 * s: symmetric 4-bit block quantisation
    (MatMulNBits, block 32) then recovers exactly s and k, and fp16 stores them exactly.
    So the fp16/q4/q4f16 variants differ from fp32 only by kernel arithmetic, and the
    parity tests can be tight enough to catch a broken kernel in a browser runtime.
    (Real quantisation error shows in the random-init benchmark bundles.) LayerNorm
    weights and biases get small fp16-exact perturbations, like a trained model, so that
    no two initialisers are identical (the exporter would alias them).
    """
    gen = torch.Generator().manual_seed(config.seed + 1)
    std = config.initializer_range
    step = 2.0 ** round(float(np.log2(std / 2.5)))  # ~2.5 grid steps per std: clipping at +-7 is rare
    with torch.no_grad():
        for module in model.modules():
            if isinstance(module, torch.nn.Linear):
                w = torch.clamp(torch.round(torch.randn(module.weight.shape, generator=gen) * std / step), -7, 7)
                rows, cols = w.shape
                for block in range(0, cols, 32):
                    for r in range(rows):
                        w[r, block + (r * 7 + block // 32 * 13) % min(32, cols - block)] = -8
                module.weight.copy_(w * step)
                module.bias.copy_(_grid(module.bias.shape, 0.02, 2.0 ** -12, gen))
            elif isinstance(module, torch.nn.LayerNorm):
                module.weight.copy_(1.0 + _grid(module.weight.shape, 0.1, 2.0 ** -8, gen))
                module.bias.copy_(_grid(module.bias.shape, 0.05, 2.0 ** -10, gen))
            elif isinstance(module, torch.nn.Embedding):
                module.weight.copy_(_grid(module.weight.shape, std, 2.0 ** -12, gen))


def calibration_pairs(corpus: list[str]) -> list[tuple[str, str]]:
    """Fixed (text, seed hypothesis) pairs the classifier is rescaled on (40 texts of 5+ words)."""
    texts = [t for t in corpus if len(t.split()) >= 5][:40]
    hyps = [seed_hypothesis(d) for _, d in SEED_LABELS]
    return [(t, hyps[i % len(hyps)]) for i, t in enumerate(texts)]


def make_fixture(out: Path, seed_data: Path | None, golden_path: Path | None,
                 config: FixtureConfig | None = None, keep_source: Path | None = None,
                 web_check: str = "auto") -> dict[str, Any]:
    """Train tokenizer, build model, save it as an HF folder, export that folder like any real model."""
    config = config or FixtureConfig()
    torch.set_num_threads(1)  # bit-for-bit repeatable numbers: the bundle must regenerate identically
    seed_texts = read_seed_texts(seed_data) if seed_data else []
    model, tokenizer = build_fixture_source(config, seed_texts)

    with tempfile.TemporaryDirectory() as tmp:
        source = keep_source or Path(tmp) / "source"
        source.mkdir(parents=True, exist_ok=True)
        model.save_pretrained(str(source))
        write_tokenizer_files(tokenizer.spm_model, source, config.max_length_pair)
        # From here on: the same path a user's real model takes.
        model, src_tokenizer = load_source(str(source.resolve()))

    texts = gold.golden_texts(seed_texts)
    # The golden inputs double as the export's validation set, so the errors recorded in the
    # manifest are measured on exactly what the golden tests compare.

    labels = seed_labels()
    hyps = gold.reference_hypotheses(labels, USER_HYPOTHESIS_TEMPLATE)
    options = ExportOptions(
        out=out, source_model=f"fixture:deberta-v3-tiny (seeded random weights, seed {config.seed})",
        bundle_id=config.bundle_id, name=config.name, demo=True, seed=config.seed, threads=1,
        max_length_pair=config.max_length_pair, max_length_text=config.max_length_text, labels=labels,
        validation_pairs=gold.golden_pairs(texts, hyps), validation_texts=[t.text for t in texts],
        web_check=web_check,
    )
    manifest = export_bundle(model, src_tokenizer, options)

    # Golden ids come from the tokenizer as the bundle ships it (what the app will load).
    bundle_tokenizer = BundleTokenizer.from_folder(out)
    doc = gold.build_golden(model, bundle_tokenizer, manifest, out, texts)
    if golden_path is not None:
        write_golden(doc, golden_path)
        write_golden(gold.build_tokenizer_golden(bundle_tokenizer, manifest, out), tokenizer_golden_path(golden_path))
        write_golden(gold.build_long_texts_golden(bundle_tokenizer, manifest, out), long_texts_golden_path(golden_path))
        write_golden(build_windows_golden(model, bundle_tokenizer, manifest, out), windows_golden_path(golden_path))
    return doc


def build_fixture_source(config: FixtureConfig, seed_texts: list[str]) -> tuple[Any, BundleTokenizer]:
    """The fixture's PyTorch model and tokenizer, deterministic for (config, seed texts).

    The tokenizer is a sentencepiece model trained with DeBERTa-v3's own normalisation rule
    (nmt_nfkc), so the goldens exercise the character map exactly as a real model does.
    """
    corpus = generated_corpus() + seed_texts
    tokenizer = BundleTokenizer(train_sentencepiece(corpus, config.tokenizer))
    log.info("tokenizer: %d ids", tokenizer.vocab_size)
    model = build_fixture_model(config, tokenizer.vocab_size, tokenizer, calibration_pairs(seed_texts or corpus))
    return model, tokenizer


def tokenizer_golden_path(golden_path: Path) -> Path:
    """The tokenizer golden beside a backbone golden (X.golden.json -> X.tokenizer.golden.json)."""
    return golden_path.with_name(golden_path.name.replace(".golden.json", ".tokenizer.golden.json"))


def long_texts_golden_path(golden_path: Path) -> Path:
    """The long-texts tokenizer golden beside a backbone golden (X.golden.json -> X.long-texts.golden.json)."""
    return golden_path.with_name(golden_path.name.replace(".golden.json", ".long-texts.golden.json"))


def windows_golden_path(golden_path: Path) -> Path:
    """The windows-mode golden beside a backbone golden (X.golden.json -> X.windows.golden.json)."""
    return golden_path.with_name(golden_path.name.replace(".golden.json", ".windows.golden.json"))


def write_windows_golden_only(out: Path, seed_data: Path | None, golden_path: Path, config: FixtureConfig) -> None:
    """Rebuild the fixture's PyTorch model exactly as make_fixture does and write only the windows golden.

    Why: adding a golden must not re-export (and so re-measure) the committed bundle.
    """
    torch.set_num_threads(1)
    model, tokenizer = build_fixture_source(config, read_seed_texts(seed_data) if seed_data else [])
    with tempfile.TemporaryDirectory() as tmp:
        source = Path(tmp) / "source"
        source.mkdir()
        model.save_pretrained(str(source))
        write_tokenizer_files(tokenizer.spm_model, source, config.max_length_pair)
        model, _ = load_source(str(source.resolve()))
    manifest = Manifest.load(out)
    write_golden(build_windows_golden(model, BundleTokenizer.from_folder(out), manifest, out),
                 windows_golden_path(golden_path))


def default_golden_path(out: Path) -> Path:
    """The committed golden for the committed bundle; otherwise a file next to --out, so
    that a scratch run never overwrites the committed golden."""
    if out.resolve() == FIXTURE_BUNDLE.resolve():
        return DEFAULT_GOLDEN
    return out.parent / f"{out.name}.golden.json"


def _warn_if_heads_will_be_dropped(out: Path) -> None:
    """The fixture rebuilds the backbone bundle from scratch; heads are added afterwards."""
    manifest = out / "manifest.json"
    if manifest.is_file():
        try:
            heads = json.loads(manifest.read_text(encoding="utf-8")).get("heads")
        except json.JSONDecodeError:
            return
        if heads:
            log.warning("%s has trained heads (%s); rebuilding the fixture drops them and the evaluation: "
                        "re-run the heads training/export afterwards", out, heads.get("file"))


# ---- CLI ---------------------------------------------------------------------------------
def add_parser(subparsers: argparse._SubParsersAction) -> None:
    """Register the `fixture` command (see __main__.COMMAND_MODULES)."""
    p = subparsers.add_parser(
        "fixture",
        help="build the seeded tiny DeBERTa-v3 fixture and export it as a demo bundle with golden outputs",
    )
    p.add_argument("--out", required=True, type=Path, help="bundle folder (e.g. ../public/models/demo-fixture)")
    p.add_argument("--seed-data", type=Path, default=None,
                   help="seed JSON (list of {text, labels}); its texts join the tokenizer corpus and the goldens")
    p.add_argument("--golden", type=Path, default=None,
                   help=f"golden file to write (default: {DEFAULT_GOLDEN.relative_to(REPO_ROOT)} for the committed "
                        "bundle, else OUT.golden.json next to --out)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--keep-source", type=Path, default=None,
                   help="also keep the fixture as a Hugging Face model folder here (config, safetensors, tokenizer)")
    p.add_argument("--web-check", choices=["auto", "on", "off"], default="auto",
                   help="also measure variant errors on ONNX Runtime Web, as export does (the committed bundle: on)")
    p.add_argument("--windows-golden-only", action="store_true",
                   help="write only the windows-mode golden of the existing bundle at --out (no export)")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """fixture: build the fixture bundle and goldens, print how spread out its scores are."""
    if args.seed_data is not None and not args.seed_data.is_file():
        raise ExportError(f"--seed-data {args.seed_data} not found")
    golden_path = args.golden or default_golden_path(args.out)
    if args.windows_golden_only:
        write_windows_golden_only(args.out, args.seed_data, golden_path, FixtureConfig(seed=args.seed))
        print(f"windows golden: {windows_golden_path(golden_path)}")
        return 0
    _warn_if_heads_will_be_dropped(args.out)
    doc = make_fixture(args.out, args.seed_data, golden_path, FixtureConfig(seed=args.seed), args.keep_source,
                       args.web_check)
    scores = np.array([p["entailment"] for t in doc["texts"] for p in t["pairs"]])
    print(f"fixture bundle: {args.out}  golden: {golden_path}")
    print(f"entailment scores over {len(scores)} golden pairs: min {scores.min():.3f} max {scores.max():.3f} "
          f"mean {scores.mean():.3f}; |score-0.5| < 0.01 for {(np.abs(scores - 0.5) < 0.01).sum()} pairs")
    return 0
