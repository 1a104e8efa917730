"""What every check returns (`CheckResult`: pass, fail or uncertain) and the shape of a check;
knows nothing about any check."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal, Protocol

__all__ = ["VERDICTS", "Check", "CheckContext", "CheckResult", "Verdict", "clip_text"]

Verdict = Literal["pass", "fail", "uncertain"]
VERDICTS: tuple[Verdict, ...] = ("pass", "fail", "uncertain")


@dataclass(frozen=True)
class CheckContext:
    """What a check may know besides the answer: the prompt the model answered (its numbers are
    restated inputs, not answers). Empty by default: every check works without it."""

    prompt: str = ""
    """The user's question (or the whole formatted prompt), as the model saw it."""

    @classmethod
    def of(cls, context: CheckContext | Mapping[str, Any] | str | None) -> CheckContext:
        """A context from a `CheckContext`, a mapping with a "prompt" key, a prompt string, or None."""
        if isinstance(context, CheckContext):
            return context
        if isinstance(context, str):
            return cls(prompt=context)
        return cls(prompt=str((context or {}).get("prompt") or ""))


@dataclass(frozen=True)
class CheckResult:
    """The verdict of one check on one answer.

    `verdict` is "pass", "fail" or "uncertain" (the check could not decide: conflicting signals or
    no verdict found; a human or the judge should look). `passed` stays for old code: True only for
    "pass". Built as before (`CheckResult(name, passed, score, reason)`), the verdict follows `passed`.
    """

    name: str
    """Check type, e.g. "number"."""
    passed: bool
    score: float
    """0..1; partial credit where the check has it (share of tests passed, of strings found)."""
    reason: str
    """One human sentence: what was found vs what was expected (or why it could not decide)."""
    verdict: Verdict = field(default=None)  # type: ignore[arg-type]
    """"pass", "fail" or "uncertain"; defaults to what `passed` says."""

    def __post_init__(self) -> None:
        if self.verdict is None:
            object.__setattr__(self, "verdict", "pass" if self.passed else "fail")
        elif self.verdict not in VERDICTS:
            raise ValueError(f"verdict must be one of {VERDICTS}, got {self.verdict!r}")
        elif self.passed != (self.verdict == "pass"):
            object.__setattr__(self, "passed", self.verdict == "pass")

    @classmethod
    def uncertain(cls, name: str, reason: str, score: float = 0.0) -> CheckResult:
        """A check that abstains, saying why."""
        return cls(name, False, score, reason, verdict="uncertain")


class Check(Protocol):
    """A check: `check(answer)` or `check(answer, context)` -> `CheckResult`."""

    def __call__(self, answer: str, context: CheckContext | Mapping[str, Any] | str | None = None, /
                 ) -> CheckResult: ...




def clip_text(text: str, limit: int = 60) -> str:
    """`text` on one line, quoted, cut to `limit` characters, for a check's reason."""
    flat = " ".join(text.split())
    return repr(flat if len(flat) <= limit else flat[:limit - 1] + "…")
