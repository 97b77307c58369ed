"""Backbone precision variants (fp16, q4f16, q4, q8) made from the fp32 graph with onnxruntime's own tools."""

from __future__ import annotations

import json
import logging
import tempfile
from dataclasses import dataclass
from pathlib import Path

import onnx
from onnxruntime.quantization import QuantType, quantize_dynamic
from onnxruntime.transformers.float16 import convert_float_to_float16

from model_export.errors import ExportError

log = logging.getLogger(__name__)

# A protobuf cannot exceed 2 GiB; above this many bytes of initialisers a graph is written
# with ONNX external data (one side file next to the .onnx).
EXTERNAL_DATA_THRESHOLD = 1_900_000_000

# Precision-sensitive ops kept in fp32 inside fp16 graphs. DeBERTa's attention scores and
# LayerNorm statistics overflow or lose too much in fp16; keep_io_types keeps graph IO fp32.
# Erf/Pow/Sqrt/ReduceMean cover the GELU and the decomposed LayerNorm forms; Range, Sign,
# Log, Ceil, Abs are part of the relative-position bucket computation, which must stay exact.
FP16_OP_BLOCK_LIST = [
    "LayerNormalization", "Softmax", "ReduceMean", "Pow", "Sqrt", "Erf",
    "Log", "Ceil", "Sign", "Abs", "Range",
]

# 4-bit settings: symmetric blocks of 32 (the layout transformers.js' q4/q4f16 builds use).
Q4_BLOCK_SIZE = 32


@dataclass(frozen=True)
class VariantSpec:
    """What each variant is and where it is meant to run (copied into the manifest)."""

    name: str
    filename: str
    weights: str
    activations: str
    requires_shader_f16: bool
    intended_backends: tuple[str, ...]
    method: str


# How each variant is made (the rest of its spec is data in variants.json).
_METHODS: dict[str, str] = {
    "fp32": "torch.onnx.export (TorchScript exporter, dynamo=False)",
    "fp16": "onnxruntime.transformers.float16.convert_float_to_float16(keep_io_types=True, "
            f"op_block_list={FP16_OP_BLOCK_LIST})",
    "q4f16": "fp16 variant, then onnxruntime.quantization MatMulNBitsQuantizer(bits=4, "
             f"block_size={Q4_BLOCK_SIZE}, is_symmetric=True) on MatMul weights",
    "q4": f"onnxruntime.quantization MatMulNBitsQuantizer(bits=4, block_size={Q4_BLOCK_SIZE}, "
          "is_symmetric=True) on MatMul weights of the fp32 graph",
    "q8": "onnxruntime.quantization.quantize_dynamic(weight_type=QInt8, reduce_range=True, "
          "op_types=[MatMul, Gather], MatMulConstBOnly=True); no proper WebGPU kernels for MatMulInteger: WASM only",
}

# File names are transformers.js's (`onnx/model{suffix}.onnx`, its dtype suffix table), so that a bundle is also a
# transformers.js model folder (with bundle.HF_CONFIG_NAME); tests/test_transformers_js_layout.py holds them to it.
# The table is variants.json, which the app reads too: it finds the variants of a Hub-style folder by these names
# (src/engine/hubModel.ts).
VARIANT_SPECS: dict[str, VariantSpec] = {
    name: VariantSpec(name, spec["file"], spec["weights"], spec["activations"], spec["requires_shader_f16"],
                      tuple(spec["intended_backends"]), _METHODS[name])
    for name, spec in json.loads((Path(__file__).with_name("variants.json")).read_text(encoding="utf-8")).items()
}


def initializer_bytes(model: onnx.ModelProto) -> int:
    """Bytes of the graph's weights: what decides whether it must use external data."""
    total = 0
    for init in model.graph.initializer:
        total += len(init.raw_data) if init.HasField("raw_data") else init.ByteSize()
    return total


def save_model(model: onnx.ModelProto, path: Path) -> list[Path]:
    """Save a graph; use one external-data file when it would pass the 2 GB protobuf limit.

    Returns the external data files written (empty for a self-contained .onnx).
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    if initializer_bytes(model) < EXTERNAL_DATA_THRESHOLD:
        onnx.save_model(model, str(path))
        return []
    data_name = path.name + "_data"
    data_path = path.with_name(data_name)
    if data_path.exists():
        data_path.unlink()  # onnx appends to an existing file
    onnx.save_model(model, str(path), save_as_external_data=True, all_tensors_to_one_file=True,
                    location=data_name, size_threshold=1024)
    return [data_path]


def load_model(path: Path) -> onnx.ModelProto:
    """A graph with its external data (if any) read in."""
    return onnx.load(str(path), load_external_data=True)


def inline_initializer_identities(model: onnx.ModelProto) -> onnx.ModelProto:
    """Feed MatMuls the weight itself where they read it through `Identity(initializer)`.

    The TorchScript exporter routes DeBERTa's shared query/key weights to the
    relative-position projections through Identity nodes. The quantizers only rewrite
    MatMuls that read an initializer directly, so they left a second, fp32 copy of every
    Q and K matrix behind (~200 MB in DeBERTa-v3-large's q4/q8). Only aliases consumed by
    MatMuls alone are inlined: other aliases (e.g. of identical LayerNorm parameters in
    random-init models) must stay, or the fp16 converter emits duplicate Cast node names.
    Semantics are unchanged.
    """
    inits = {i.name for i in model.graph.initializer}
    graph_outputs = {o.name for o in model.graph.output}
    consumers: dict[str, set[str]] = {}
    for node in model.graph.node:
        for name in node.input:
            consumers.setdefault(name, set()).add(node.op_type)
    alias: dict[str, str] = {}
    keep = []
    for node in model.graph.node:
        out = node.output[0] if node.output else ""
        if (node.op_type == "Identity" and node.input[0] in inits and out not in graph_outputs
                and consumers.get(out) == {"MatMul"}):
            alias[out] = node.input[0]
        else:
            keep.append(node)
    if alias:
        for node in keep:
            for k, name in enumerate(node.input):
                if name in alias:
                    node.input[k] = alias[name]
        del model.graph.node[:]
        model.graph.node.extend(keep)
    return model


def to_fp16(fp32: onnx.ModelProto) -> onnx.ModelProto:
    """fp16 weights and activations, precision-sensitive ops blocked, fp32 graph IO.

    The converter needs inferred types to place its Casts. onnx.shape_inference cannot
    take a >2 GB proto in memory, so big graphs are inferred through files (external data)
    first. May empty `fp32`'s tensors (external-data save); callers must not reuse it.
    """
    if initializer_bytes(fp32) >= EXTERNAL_DATA_THRESHOLD:
        with tempfile.TemporaryDirectory() as tmp:
            src, inferred = Path(tmp) / "model.onnx", Path(tmp) / "inferred.onnx"
            save_model(fp32, src)
            onnx.shape_inference.infer_shapes_path(str(src), str(inferred))
            typed = load_model(inferred)  # reads model.onnx_data while tmp exists
        return convert_float_to_float16(typed, keep_io_types=True, op_block_list=FP16_OP_BLOCK_LIST,
                                        disable_shape_infer=True)
    return convert_float_to_float16(fp32, keep_io_types=True, op_block_list=FP16_OP_BLOCK_LIST)


def to_q4(model: onnx.ModelProto) -> onnx.ModelProto:
    """4-bit MatMulNBits weights; activations keep the input graph's float type."""
    # Imported here, not at the top: it pulls in onnx_ir and costs ~2.5 s, which every CLI command
    # (this module is imported by `export`, hence by the CLI's parser) would pay otherwise.
    from onnxruntime.quantization.matmul_nbits_quantizer import MatMulNBitsQuantizer  # noqa: PLC0415

    quantizer = MatMulNBitsQuantizer(model, bits=4, block_size=Q4_BLOCK_SIZE, is_symmetric=True,
                                     op_types_to_quantize=("MatMul",))
    quantizer.process()
    return quantizer.model.model


def to_q8(fp32_path: Path, out_path: Path) -> None:
    """Dynamic int8 via quantize_dynamic (works on files, hence paths)."""
    big = fp32_path.stat().st_size >= EXTERNAL_DATA_THRESHOLD or any(
        p.name.startswith(fp32_path.name + "_data") for p in fp32_path.parent.iterdir())
    quantize_dynamic(
        model_input=str(fp32_path),
        model_output=str(out_path),
        op_types_to_quantize=["MatMul", "Gather"],
        weight_type=QuantType.QInt8,
        per_channel=False,
        # 7-bit weights: x86 AVX2 kernels (u8 x s8 pairwise adds) saturate with full-range
        # int8 weights; the reduced range measured 4x smaller errors here and costs nothing.
        reduce_range=True,
        use_external_data_format=big,
        extra_options={"MatMulConstBOnly": True},
    )


def make_variants(fp32_path: Path, out_dir: Path, names: list[str]) -> dict[str, list[Path]]:
    """Write the requested variants under `out_dir`; return {variant: [onnx path, *external data]}.

    fp32 is always written (every other variant is derived from it), but is only returned
    if requested.
    """
    unknown = [n for n in names if n not in VARIANT_SPECS]
    if unknown:
        raise ExportError(f"unknown variant(s) {unknown}; choose from {list(VARIANT_SPECS)}")
    written: dict[str, list[Path]] = {}
    fp32_out = out_dir / VARIANT_SPECS["fp32"].filename
    fp32 = load_model(fp32_path)
    extra = save_model(fp32, fp32_out)
    if extra:  # saving as external data emptied the in-memory tensors
        fp32 = load_model(fp32_out)
    # The fp32 variant is kept exactly as exported; derived variants start from a graph
    # without Identity aliases of weights (see inline_initializer_identities).
    fp32 = inline_initializer_identities(fp32)
    if "fp32" in names:
        written["fp32"] = [fp32_out, *extra]

    def write(name: str, model: onnx.ModelProto) -> Path:
        """Saves one variant (external data when over 2 GB) and records its files."""
        path = out_dir / VARIANT_SPECS[name].filename
        written[name] = [path, *save_model(model, path)]
        return path

    fp16 = None
    if "fp16" in names or "q4f16" in names:
        log.info("making fp16")
        fp16 = to_fp16(fp32)
    if "fp16" in names:
        path = write("fp16", fp16)
        if len(written["fp16"]) > 1:
            fp16 = load_model(path)
    if "q4f16" in names:
        log.info("making q4f16")
        write("q4f16", to_q4(fp16))
    del fp16
    if "q4" in names:
        log.info("making q4")
        write("q4", to_q4(inline_initializer_identities(load_model(fp32_out))))
    del fp32
    if "q8" in names:
        log.info("making q8")
        with tempfile.TemporaryDirectory() as tmp:
            # quantize_dynamic works on files and writes helper files next to its output.
            tmp_in = Path(tmp) / "model.onnx"
            save_model(inline_initializer_identities(load_model(fp32_out)), tmp_in)
            tmp_out = Path(tmp) / "model_quantized.onnx"
            to_q8(tmp_in, tmp_out)
            write("q8", load_model(tmp_out))
    if "fp32" not in names:
        for p in [fp32_out, *extra]:
            p.unlink()
    return {n: written[n] for n in VARIANT_SPECS if n in written}
