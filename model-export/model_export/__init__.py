"""Exporter for the browser classifier: DeBERTa NLI backbone -> ONNX model bundle (manifest + ONNX + tokenizer)."""

# Bumped whenever the bytes the exporter writes for the same inputs change, so that a
# bundle's provenance says which exporter produced it.
__version__ = "0.1.0"
