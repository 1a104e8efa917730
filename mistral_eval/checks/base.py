"""What every check returns (`CheckResult`) and the shape of a check; knows nothing about any check."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

__all__ = ["Check", "CheckResult", "clip_text"]


@dataclass(frozen=True)
class CheckResult:
    """The verdict of one check on one answer."""

    name: str
    """Check type, e.g. "number"."""
    passed: bool
    score: float
    """0..1; partial credit where the check has it (share of tests passed, of strings found)."""
    reason: str
    """One human sentence: what was found vs what was expected."""


Check = Callable[[str], CheckResult]


def clip_text(text: str, limit: int = 60) -> str:
    """`text` on one line, quoted, cut to `limit` characters, for a check's reason."""
    flat = " ".join(text.split())
    return repr(flat if len(flat) <= limit else flat[:limit - 1] + "…")
