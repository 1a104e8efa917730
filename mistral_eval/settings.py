"""Generation settings: one frozen dataclass, validated on creation, with named presets.

Imports nothing heavy (no torch), so suite files can be validated cheaply.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

from .errors import ConfigError

__all__ = ["ARTICLE_SETTINGS", "GenerationSettings"]

_TYPES = {"int": (int, "an integer"), "float": ((int, float), "a number"),
          "bool": (bool, "true or false")}


@dataclass(frozen=True)
class GenerationSettings:
    """The knobs of one generation; defaults are greedy decoding of up to 256 tokens."""

    max_new_tokens: int = 256
    min_new_tokens: int = 0
    """Suppress EOS until this many tokens (used when timing: random weights stop anywhere)."""
    do_sample: bool = False
    temperature: float = 1.0
    top_p: float = 1.0
    top_k: int = 0
    """0 turns top-k filtering off."""
    repetition_penalty: float = 1.0
    seed: int = 0

    def __post_init__(self) -> None:
        for f in dataclasses.fields(self):
            value = getattr(self, f.name)
            want, words = _TYPES[str(f.type)]
            if isinstance(value, bool) != (f.type == "bool") or not isinstance(value, want):
                raise ConfigError(f"must be {words}, got {value!r}", field=f.name)
        checks = [
            (self.max_new_tokens >= 1, "max_new_tokens", "must be at least 1"),
            (0 <= self.min_new_tokens <= self.max_new_tokens, "min_new_tokens",
             "must be between 0 and max_new_tokens"),
            (not self.do_sample or self.temperature > 0, "temperature",
             "must be > 0 when sampling (use do_sample: false for greedy decoding)"),
            (0 < self.top_p <= 1, "top_p", "must be in (0, 1]"),
            (self.top_k >= 0, "top_k", "must be >= 0 (0 = off)"),
            (self.repetition_penalty > 0, "repetition_penalty", "must be > 0"),
        ]
        for ok, name, message in checks:
            if not ok:
                raise ConfigError(f"{message}, got {getattr(self, name)!r}", field=name)

    @classmethod
    def field_names(cls) -> tuple[str, ...]:
        return tuple(f.name for f in dataclasses.fields(cls))

    def replace(self, **overrides: Any) -> "GenerationSettings":
        """A copy with some fields changed; unknown names raise ConfigError listing valid ones."""
        unknown = sorted(set(overrides) - set(self.field_names()))
        if unknown:
            raise ConfigError(f"unknown generation setting(s) {', '.join(unknown)}; valid: "
                              f"{', '.join(self.field_names())}", field=unknown[0])
        if "temperature" in overrides and isinstance(overrides["temperature"], int) \
                and not isinstance(overrides["temperature"], bool):
            overrides["temperature"] = float(overrides["temperature"])
        return dataclasses.replace(self, **overrides)

    def as_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


ARTICLE_SETTINGS = GenerationSettings(max_new_tokens=100, do_sample=True, temperature=0.1,
                                      top_p=0.95, repetition_penalty=1.1)
"""The article's most common settings (its first Japanese prompts)."""
