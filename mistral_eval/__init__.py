"""mistral-eval: load Mistral-7B-Instruct in 4-bit, format prompts exactly, generate in batches,
score answers, store runs and render reports."""

from .errors import (ConfigError, GenerationError, MissingDependencyError, MistralEvalError,
                     ModelLoadError, RunStoreError, SweepError)
from .generate import ARTICLE_SETTINGS, Answer, GenerationSettings, generate, stream
from .model import (DEFAULT_MODEL, OFFLINE_MODEL, QUANT_PRESETS, LoadedModel, ModelInfo,
                    load_model, load_tokenizer)
from .prompts import FORMATS, PromptInput, audit_format, audit_ids, format_prompt

__version__ = "0.1.0"

__all__ = [
    "ARTICLE_SETTINGS", "Answer", "ConfigError", "DEFAULT_MODEL", "FORMATS", "GenerationError",
    "GenerationSettings", "LoadedModel", "MissingDependencyError", "MistralEvalError",
    "ModelInfo", "ModelLoadError", "OFFLINE_MODEL", "PromptInput", "QUANT_PRESETS",
    "RunStoreError", "SweepError", "audit_format", "audit_ids", "format_prompt", "generate",
    "load_model", "load_tokenizer", "stream",
]
