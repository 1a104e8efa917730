"""Generation settings: one frozen, validated model with named presets.

Imports nothing heavy (no torch), so suite files can be validated cheaply. Every number is
checked for type, finiteness and range when the settings are made, so a bad value in a suite file
is refused at `--check` time, not after the model has loaded.
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import Field, ValidationError, ValidationInfo, field_validator

from mistral_eval.core.validation import Problems, StrictModel

__all__ = ["ARTICLE_SETTINGS", "GenerationSettings", "MAX_NEW_TOKENS_LIMIT", "overrides_from"]

MAX_NEW_TOKENS_LIMIT = 131_072
"""More than any supported model's context; a larger value is a typo, refused before loading."""
_SEED_LIMIT = 2**63 - 1


class GenerationSettings(StrictModel):
    """The knobs of one generation; defaults are greedy decoding of up to 256 tokens."""

    max_new_tokens: Annotated[int, Field(ge=1, le=MAX_NEW_TOKENS_LIMIT)] = 256
    min_new_tokens: Annotated[int, Field(ge=0, le=MAX_NEW_TOKENS_LIMIT)] = 0
    """Suppress EOS until this many tokens (used when timing: random weights stop anywhere)."""
    do_sample: bool = False
    temperature: Annotated[float, Field(gt=0, le=100)] = 1.0
    """Softmax temperature when sampling; > 0 (use do_sample: false for greedy decoding)."""
    top_p: float = 1.0
    """Nucleus sampling mass, in (0, 1]."""
    top_k: Annotated[int, Field(ge=0, le=1_000_000)] = 0
    """0 turns top-k filtering off."""
    repetition_penalty: Annotated[float, Field(gt=0, le=100)] = 1.0
    seed: Annotated[int, Field(ge=0, le=_SEED_LIMIT)] = 0

    @field_validator("top_p")
    @classmethod
    def _probability(cls, value: float) -> float:
        if not 0 < value <= 1:
            raise ValueError(f"must be in (0, 1], got {value!r}")
        return value

    @field_validator("min_new_tokens")
    @classmethod
    def _at_most_max(cls, value: int, info: ValidationInfo) -> int:
        longest = info.data.get("max_new_tokens")
        if longest is not None and value > longest:
            raise ValueError(f"must be between 0 and max_new_tokens ({longest}), got {value}")
        return value

    def __init__(self, **values: Any) -> None:
        try:
            super().__init__(**values)
        except ValidationError as exc:  # → ConfigError naming the field, as everywhere else
            problems = Problems(None)
            problems.add_validation_error(exc)
            problems.raise_if_any()

    @classmethod
    def field_names(cls) -> tuple[str, ...]:
        return tuple(cls.model_fields)

    def replace(self, **overrides: Any) -> GenerationSettings:
        """A copy with some fields changed, validated again; unknown names raise ConfigError."""
        return GenerationSettings(**{**self.model_dump(), **overrides})

    def as_dict(self) -> dict[str, Any]:
        return self.model_dump()


def overrides_from(values: dict[str, Any]) -> dict[str, Any]:
    """The generation settings among `values` (notebook or CLI parameters) that are set (not None).

    Unknown keys are ignored, so a notebook can pass all its parameters; values are validated.
    """
    overrides = {name: values[name] for name in GenerationSettings.field_names()
                 if values.get(name) is not None}
    GenerationSettings().replace(**overrides)
    return overrides


ARTICLE_SETTINGS = GenerationSettings(max_new_tokens=100, do_sample=True, temperature=0.1,
                                      top_p=0.95, repetition_penalty=1.1)
"""The article's most common settings (its first Japanese prompts)."""
