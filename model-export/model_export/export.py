"""The `export` command: a DeBERTa-v2/v3 NLI model (HF id, local folder or random init) -> model bundle."""

from __future__ import annotations

import argparse
import logging
import math
import re
import shutil
import tempfile
import warnings
from dataclasses import dataclass, field
from decimal import ROUND_CEILING, Decimal
from pathlib import Path
from typing import Any

import onnx
import onnxruntime
import torch

from model_export import __version__, ort_cpu
from model_export import validation as val
from model_export.bundle import (
    MANIFEST_NAME,
    BackboneInfo,
    Decisions,
    Label,
    Manifest,
    MaxAbsError,
    Provenance,
    TokenizerInfo,
    Validation,
    Variant,
    describe_files,
    validate_bundle,
    write_hf_config,
)
from model_export.errors import ExportError
from model_export.files import FIXTURE_BUNDLE
from model_export.golden import golden_pairs_of, golden_texts, reference_hypotheses
from model_export.quantize import VARIANT_SPECS, make_variants
from model_export.seed_labels import SEED_LABELS, USER_HYPOTHESIS_TEMPLATE, seed_hypothesis
from model_export.source import (
    RANDOM_INIT_SHAPES,
    NliLabels,
    check_model_type,
    load_source,
    random_init_model,
    resolve_nli_labels,
)
from model_export.tokenizer import SPM_FILE, BundleTokenizer, read_spm, write_tokenizer_files
from model_export.windowed_attention import ATTENTION_CHOICES, Attention, windowed_attention

log = logging.getLogger(__name__)

REAL_MODEL_ID = "MoritzLaurer/deberta-v3-large-zeroshot-v2.0"
DEFAULT_OPSET = 17
FP32_ENTAILMENT_TOLERANCE = 1e-4


class _TracedBackbone(torch.nn.Module):
    """What the backbone ONNX graph computes: one graph for both passes.

    NLI pairs read `logits`; the text-only pass for the heads reads `last_hidden_state` (the
    encoder output, = hidden_states[-1]).
    """

    def __init__(self, inner: Any) -> None:
        super().__init__()
        self.inner = inner

    def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor,
                token_type_ids: torch.Tensor | None = None) -> tuple[torch.Tensor, torch.Tensor]:
        out = self.inner(input_ids=input_ids, attention_mask=attention_mask,
                         token_type_ids=token_type_ids, output_hidden_states=True, return_dict=True)
        return out.logits, out.hidden_states[-1]


def export_fp32_onnx(model: Any, path: Path, uses_token_type_ids: bool, opset: int,
                     attention: Attention = "stock") -> list[str]:
    """TorchScript export (dynamo=False: the dynamo exporter is reported to fail on DeBERTa).

    `attention="windowed"` traces the relative-position bias through windowed_attention.py (the
    same numbers, only the reachable position rows, no per-row copies); "stock" traces transformers as is.
    """
    wrapper = _TracedBackbone(model).eval()
    # A padded example so tracing sees a real mask; shapes stay dynamic via dynamic_axes.
    input_ids = torch.tensor([[1, 10, 11, 12, 13, 2, 14, 15, 2], [1, 16, 17, 2, 18, 2, 0, 0, 0]], dtype=torch.long)
    input_ids = torch.clamp(input_ids, max=model.config.vocab_size - 1)
    mask = (torch.arange(9)[None, :] < torch.tensor([[9], [6]])).long()
    names = ["input_ids", "attention_mask"]
    args: tuple = (input_ids, mask)
    dynamic_axes = {"input_ids": {0: "batch", 1: "sequence"}, "attention_mask": {0: "batch", 1: "sequence"},
                    "logits": {0: "batch"}, "last_hidden_state": {0: "batch", 1: "sequence"}}
    if uses_token_type_ids:
        names.append("token_type_ids")
        args = (input_ids, mask, torch.zeros_like(input_ids))
        dynamic_axes["token_type_ids"] = {0: "batch", 1: "sequence"}
    path.parent.mkdir(parents=True, exist_ok=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # tracer warnings about python ints; validation checks the result
        with torch.no_grad(), windowed_attention(attention):
            torch.onnx.export(
                wrapper, args, str(path), dynamo=False, opset_version=opset,
                input_names=names, output_names=["logits", "last_hidden_state"],
                dynamic_axes=dynamic_axes, do_constant_folding=True,
            )
    return names


@dataclass
class ExportOptions:
    """Everything `export_bundle` needs besides the model and tokenizer (CLI flags, fixture settings)."""

    out: Path
    source_model: str
    bundle_id: str | None = None
    name: str | None = None
    # One sentence saying what the bundle is (manifest `description`); None leaves it out.
    description: str | None = None
    demo: bool = False
    variants: list[str] = field(default_factory=lambda: list(VARIANT_SPECS))
    max_length_pair: int = 512
    max_length_text: int = 128
    opset: int = DEFAULT_OPSET
    seed: int | None = None
    checkpoint: str | None = None
    # 0 = ONNX Runtime/torch defaults; 1 = bit-for-bit repeatable numbers (fixture).
    threads: int = 0
    labels: list[Label] | None = None
    hypothesis_template: str = USER_HYPOTHESIS_TEMPLATE
    # Inputs the errors and decisions are measured on (default: the golden texts without seed
    # data, times the labels' hypotheses and one user label); the fixture passes its golden
    # inputs here so that golden tests and recorded errors refer to the same numbers.
    validation_pairs: list[tuple[str, str]] | None = None
    validation_texts: list[str] | None = None
    # Also measure with ONNX Runtime Web (WASM, via Node) and record the larger error:
    # "on" requires it, "off" skips it, "auto" runs it when available and the fp32 graph is
    # small enough to finish in minutes (WASM in Node is slow on large models).
    web_check: str = "auto"
    # How the graph computes DeBERTa's relative-position bias (windowed_attention.py). "stock" is the
    # default: the windowed graph has the same numbers but was not measured faster (docs/benchmarks.md, Levers).
    attention: Attention = "stock"


def seed_labels() -> list[Label]:
    """The seed model's five labels with their exact hypotheses, no heads yet."""
    return [Label(name=n, description=d, hypothesis=seed_hypothesis(d), head=False, alpha=None, threshold=0.5)
            for n, d in SEED_LABELS]


def _slug(text: str) -> str:
    slug = re.sub(r"[^a-z0-9._-]+", "-", text.lower()).strip("-.")
    return slug or "bundle"


def _check_out_dir(out: Path) -> None:
    """Refuse to clobber a folder that is not a bundle (an earlier bundle may be replaced)."""
    if out.exists():
        if not out.is_dir():
            raise ExportError(f"--out {out} exists and is not a folder")
        if any(out.iterdir()) and not (out / MANIFEST_NAME).is_file():
            raise ExportError(f"--out {out} is not empty and holds no {MANIFEST_NAME}; refusing to overwrite it")


def _prepare_out_dir(out: Path) -> Path:
    """Check --out and return an empty staging folder beside it.

    The bundle is built in the staging folder and moved into place only once every check
    passed, so a failed export leaves the previous bundle (or nothing) behind, never half
    a bundle.
    """
    _check_out_dir(out)
    stage = out.parent / f".{out.name}.partial"
    if stage.exists():
        shutil.rmtree(stage)
    stage.mkdir(parents=True)
    return stage


def _install(stage: Path, out: Path) -> None:
    if out.exists():
        shutil.rmtree(out)
    stage.rename(out)


def _tool_versions() -> dict[str, str]:
    """The versions that decide the exported bytes and numbers (written into the manifest's provenance)."""
    import transformers  # noqa: PLC0415 - start-up time (see source.py); loaded by now anyway

    return {"torch": torch.__version__, "transformers": transformers.__version__,
            "onnx": onnx.__version__, "onnxruntime": onnxruntime.__version__}


def _set_threads(threads: int) -> None:
    if threads > 0:
        torch.set_num_threads(threads)


def export_bundle(model: Any, tokenizer: BundleTokenizer, options: ExportOptions) -> Manifest:
    """Export an in-memory HF model + tokenizer as a bundle folder; validate every variant.

    Raises ExportError when the fp32 graph misses the 1e-4 entailment tolerance or any
    variant produces non-finite numbers; then nothing is written to options.out.
    """
    config = model.config
    check_model_type(config)
    nli = resolve_nli_labels(config)
    uses_tti = int(getattr(config, "type_vocab_size", 0) or 0) > 0
    _set_threads(options.threads)
    out = Path(options.out)
    stage = _prepare_out_dir(out)
    try:
        _build_bundle(model, tokenizer, options, nli, uses_tti, stage, out)
    except BaseException:
        shutil.rmtree(stage, ignore_errors=True)
        raise
    _install(stage, out)
    return validate_bundle(out)


def _build_bundle(model: Any, tokenizer: BundleTokenizer, options: ExportOptions, nli: NliLabels, uses_tti: bool,
                  out: Path, final: Path) -> Manifest:
    """Write and validate the whole bundle into `out` (the staging folder for `final`)."""
    config = model.config

    with tempfile.TemporaryDirectory() as tmp:
        fp32_tmp = Path(tmp) / "model.onnx"
        log.info("exporting fp32 ONNX graph (opset %d)", options.opset)
        inputs = export_fp32_onnx(model, fp32_tmp, uses_tti, options.opset, options.attention)
        log.info("making variants %s", options.variants)
        written = make_variants(fp32_tmp, out, options.variants)
    tok_files = write_tokenizer_files(tokenizer.spm_model, out, options.max_length_pair)
    write_hf_config(config, out)
    if int(config.vocab_size) < tokenizer.vocab_size:
        raise ExportError(f"the tokenizer has {tokenizer.vocab_size} ids but the model's embedding only "
                          f"{config.vocab_size}: they do not belong together")

    # ---- validation against PyTorch --------------------------------------------------
    labels = options.labels if options.labels is not None else seed_labels()
    texts = options.validation_texts or [t.text for t in golden_texts(None)]
    pairs = options.validation_pairs or golden_pairs_of(texts, reference_hypotheses(labels, options.hypothesis_template))
    text_index = {t: i for i, t in enumerate(dict.fromkeys(t for t, _ in pairs))}
    text_of_pair = [text_index[t] for t, _ in pairs]
    pair_ids = val.encode_pairs(tokenizer, pairs, options.max_length_pair).ids
    text_ids = val.encode_texts(tokenizer, texts, options.max_length_text).ids
    pad = tokenizer.pad_token_id
    torch_run = val.torch_runner(model, uses_tti)
    ref_pairs = val.run_batched(torch_run, pair_ids, pad)
    ref_texts = val.run_batched(torch_run, text_ids, pad)

    web_runs = _web_runs(written, options, pair_ids, text_ids, pad)
    variants: dict[str, Variant] = {}
    for name, paths in written.items():
        session = ort_cpu.session(paths[0], options.threads)
        got = val.measure(ref_pairs, ref_texts, val.run_all(ort_cpu.backbone_runner(session), pair_ids, text_ids, pad),
                          nli.entailment_id, nli.not_entailment_id, text_of_pair)
        del session
        _log_measured(name, "ORT CPU", got)
        if web_runs is not None:
            web = val.measure(ref_pairs, ref_texts, web_runs[name], nli.entailment_id, nli.not_entailment_id, text_of_pair)
            _log_measured(name, "ORT Web (WASM)", web)
            got = val.worst_measured(got, web)
        errors = got.errors
        if not errors.finite:
            raise ExportError(f"variant {name} produced NaN/inf outputs (fp16 overflow?); nothing was written to {final}")
        if name == "fp32" and not errors.entailment <= FP32_ENTAILMENT_TOLERANCE:
            raise ExportError(
                f"fp32 ONNX graph misses PyTorch by {errors.entailment:.3g} on entailment scores "
                f"(tolerance {FP32_ENTAILMENT_TOLERANCE}); the export is wrong, nothing was written to {final}"
            )
        recommended, assessment = val.assess(errors, got.agreement)
        spec = VARIANT_SPECS[name]
        agree = got.agreement
        variants[name] = Variant(
            backbone=paths[0].relative_to(out).as_posix(),
            external_data=[p.relative_to(out).as_posix() for p in paths[1:]],
            weights=spec.weights, activations=spec.activations, requires_shader_f16=spec.requires_shader_f16,
            intended_backends=list(spec.intended_backends), method=spec.method,
            max_abs_error=MaxAbsError(logits=_r(errors.logits), entailment=_r(errors.entailment),
                                      last_hidden_state=_r(errors.last_hidden_state)),
            decisions=Decisions(threshold=val.DECISION_THRESHOLD, pairs=agree.pairs, pairs_agreeing=agree.pairs_agreeing,
                                texts=agree.texts, texts_agreeing=agree.texts_agreeing),
            batch_dependence=_r(got.batch_dependence),
            run_alone=got.batch_dependence > val.BATCH_INVARIANCE_BOUND,
            recommended=recommended,
            assessment=assessment,
        )

    bundle_id = options.bundle_id or _slug(final.name)
    manifest = Manifest(
        id=bundle_id,
        name=options.name or bundle_id,
        description=options.description,
        demo=options.demo,
        backbone=BackboneInfo(
            model_type=config.model_type, hidden_size=int(config.hidden_size),
            num_layers=int(config.num_hidden_layers), num_attention_heads=int(config.num_attention_heads),
            vocab_size=int(config.vocab_size), num_nli_labels=len(nli.names), nli_labels=nli.names,
            entailment_id=nli.entailment_id, not_entailment_id=nli.not_entailment_id,
            max_length_pair=options.max_length_pair, max_length_text=options.max_length_text,
            uses_token_type_ids=uses_tti, inputs=inputs, pad_multiple=val.PAD_MULTIPLE,
        ),
        tokenizer=TokenizerInfo(
            files=tok_files, tokenizer_class="DebertaV2Tokenizer", sentencepiece_model=SPM_FILE,
            cls_token_id=tokenizer.cls_token_id, sep_token_id=tokenizer.sep_token_id,
            pad_token_id=tokenizer.pad_token_id, unk_token_id=tokenizer.unk_token_id,
        ),
        files=describe_files(out),
        variants=variants,
        labels=labels,
        hypothesis_template=options.hypothesis_template,
        provenance=Provenance(
            source_model=options.source_model, checkpoint=options.checkpoint, exporter_version=__version__,
            created_with=_tool_versions(), seed=options.seed, opset=options.opset,
            validation=Validation(
                pair_batch=[len(pair_ids), max(map(len, pair_ids))],
                text_batch=[len(text_ids), max(map(len, text_ids))],
                runtime=("onnxruntime CPUExecutionProvider" if web_runs is None else
                         f"onnxruntime CPUExecutionProvider and onnxruntime-web {val.web_version()} WASM (Node)"),
                notes=(f"PyTorch fp32 vs ONNX Runtime on {len(pair_ids)} (text, hypothesis) pairs and "
                       f"{len(text_ids)} texts, batched {val.BATCH_SIZE} at a time in input order and right-padded, "
                       "and every pair alone; last_hidden_state compared on non-padded positions only; each figure "
                       "is the worse of batched and alone"
                       + ("" if web_runs is None else " and of the two runtimes")),
            ),
        ),
    )
    manifest.save(out)
    return validate_bundle(out)


WEB_CHECK_AUTO_MAX_BYTES = 64 * 2**20


def _log_measured(name: str, runtime: str, m: val.Measured) -> None:
    e, a = m.errors, m.agreement
    log.info("%s on %s: max abs error logits %.3g, entailment %.3g, last_hidden_state %.3g; decisions %d/%d pairs; "
             "batch dependence %.3g", name, runtime, e.logits, e.entailment, e.last_hidden_state, a.pairs_agreeing, a.pairs,
             m.batch_dependence)


def _web_runs(written: dict[str, list[Path]], options: ExportOptions, pair_ids: list[list[int]],
              text_ids: list[list[int]], pad: int) -> dict[str, val.RuntimeRun] | None:
    """Runs every variant with ONNX Runtime Web when options.web_check asks for it (see ExportOptions)."""
    if options.web_check == "off":
        return None
    missing = val.web_runtime_missing()
    fp32 = written.get("fp32")
    too_big = fp32 is not None and sum(p.stat().st_size for p in fp32) > WEB_CHECK_AUTO_MAX_BYTES
    if options.web_check == "on" and missing:
        raise ExportError(f"--web-check on: cannot run ONNX Runtime Web: {missing}")
    if options.web_check == "auto" and (missing or too_big):
        log.warning("not measuring errors on ONNX Runtime Web (%s); the manifest records ONNX Runtime CPU errors only",
                    missing or f"fp32 graph over {WEB_CHECK_AUTO_MAX_BYTES >> 20} MB; use --web-check on to force it")
        return None
    log.info("measuring every variant on ONNX Runtime Web %s (WASM, in Node)", val.web_version())
    runs = val.run_web_batched(dict(written), [pair_ids, text_ids, pair_ids], pad, [val.BATCH_SIZE, val.BATCH_SIZE, 1])
    return {name: val.RuntimeRun(*outs) for name, outs in runs.items()}


def _r(x: float) -> float:
    """Errors rounded UP to 3 significant digits: stable text, and still an upper bound."""
    if x <= 0 or not math.isfinite(x):
        return float(x)
    step = Decimal(1).scaleb(math.floor(math.log10(x)) - 2)
    return float(Decimal(repr(float(x))).quantize(step, rounding=ROUND_CEILING))


# ---- CLI ---------------------------------------------------------------------------------
def add_parser(subparsers: argparse._SubParsersAction) -> None:
    """Register the `export` command (see __main__.COMMAND_MODULES)."""
    p = subparsers.add_parser(
        "export",
        help="export a DeBERTa-v2/v3 NLI model (Hub id or folder) or a random-init benchmark model as a bundle",
        description=f"Export a DeBERTa NLI backbone as a model bundle. The real model: "
                    f"`python -m model_export export {REAL_MODEL_ID} --out ../public/models/deberta-v3-large-zeroshot`.",
    )
    src = p.add_mutually_exclusive_group(required=True)
    src.add_argument("model", nargs="?", help="Hugging Face model id or local folder (config.json, weights, tokenizer)")
    src.add_argument("--random-init", choices=list(RANDOM_INIT_SHAPES),
                     help="random weights with the real DeBERTa-v3 shapes (benchmarks; demo bundle)")
    p.add_argument("--out", required=True, type=Path, help="bundle folder to write (emptied if it holds a bundle)")
    p.add_argument("--id", dest="bundle_id", help="bundle id (default: --out folder name)")
    p.add_argument("--name", help="human-readable bundle name")
    p.add_argument("--variants", default=",".join(VARIANT_SPECS),
                   help=f"comma-separated subset of {','.join(VARIANT_SPECS)} (default: all)")
    p.add_argument("--max-length-pair", type=int, default=512)
    p.add_argument("--max-length-text", type=int, default=128)
    p.add_argument("--opset", type=int, default=DEFAULT_OPSET)
    p.add_argument("--seed", type=int, default=0, help="seed for --random-init")
    p.add_argument("--tokenizer", type=Path, default=FIXTURE_BUNDLE,
                   help=f"folder holding the {SPM_FILE} for --random-init (default: the committed fixture bundle)")
    p.add_argument("--demo", action="store_true", help="mark the bundle as a demo (always on for --random-init)")
    p.add_argument("--threads", type=int, default=0, help="CPU threads for validation (1 = repeatable numbers)")
    p.add_argument("--web-check", choices=["auto", "on", "off"], default="auto",
                   help="also measure errors with ONNX Runtime Web (WASM, needs node and npm ci); auto: when the "
                        "fp32 graph is under 64 MB")
    p.add_argument("--attention", choices=list(ATTENTION_CHOICES), default="stock",
                   help="relative-position bias in the graph: stock (transformers' graph) or windowed (only the position "
                        "rows a sequence reaches, broadcast over the batch; same numbers, not measured faster yet)")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """export: load or build the model, export the bundle, print each variant's errors."""
    variants = [v.strip() for v in args.variants.split(",") if v.strip()]
    unknown = [v for v in variants if v not in VARIANT_SPECS]
    if unknown or not variants:
        raise ExportError(f"--variants: unknown {unknown}; choose from {','.join(VARIANT_SPECS)}")
    options = ExportOptions(
        out=args.out, source_model=args.model or "", bundle_id=args.bundle_id, name=args.name, demo=args.demo,
        variants=variants, max_length_pair=args.max_length_pair, max_length_text=args.max_length_text,
        opset=args.opset, threads=args.threads, web_check=args.web_check, attention=args.attention,
    )
    if args.random_init:
        tokenizer = BundleTokenizer(read_spm(args.tokenizer))
        model = random_init_model(args.random_init, args.seed)
        options.source_model = f"random-init:deberta-v3-{args.random_init}"
        options.demo = True
        options.seed = args.seed
        options.bundle_id = options.bundle_id or f"random-{args.random_init}"
        options.name = options.name or f"Random DeBERTa-v3-{args.random_init} (benchmark, random weights)"
    else:
        model, tokenizer = load_source(args.model)
        options.source_model = args.model
    manifest = export_bundle(model, tokenizer, options)
    for name, variant in manifest.variants.items():
        e = variant.max_abs_error
        print(f"{name:6s} {variant.backbone:32s} logits {e.logits:.3g}  entailment {e.entailment:.3g}  "
              f"last_hidden_state {e.last_hidden_state:.3g}")
    print(f"wrote {args.out / MANIFEST_NAME}")
    return 0
