"""The seed model's labels and hypothesis strings (facts from design/seed-model.md)."""

from __future__ import annotations

from model_export.template import fill_template

# The order is the seed model's label order; bundles, goldens and heads all use it.
SEED_LABELS: list[tuple[str, str]] = [
    ("Technology", "This text is about technology, software, hardware, artificial intelligence, or digital innovation"),
    ("Health", "This text is about medicine, healthcare, wellness, disease, medical research, or public health"),
    ("Finance", "This text is about banking, investment, stock markets, corporate earnings, or financial instruments"),
    ("Economy", "This text is about economic policy, GDP, employment, trade, inflation, or macroeconomic trends"),
    ("Environment", "This text is about climate change, pollution, ecology, sustainability, conservation, or nature"),
]

# The original ran the HF zero-shot pipeline with the descriptions as candidate labels and
# no template, so the model saw the pipeline's default template filled with the description.
PIPELINE_DEFAULT_TEMPLATE = "This example is {}."

# Template for labels a user adds in the app.
USER_HYPOTHESIS_TEMPLATE = "This text is about {}."


def seed_hypothesis(description: str) -> str:
    """The exact hypothesis string the original model scored for a seed label."""
    return fill_template(PIPELINE_DEFAULT_TEMPLATE, description)
