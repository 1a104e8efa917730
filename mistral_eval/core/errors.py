"""The one exception root of mistral-eval and its few subclasses.

Every error says what went wrong *and* what to do about it. Errors about input files carry the
file, the case id and the field, so a message points at the line to fix.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol


def printable(text: str) -> str:
    """`text` safe to print or write as UTF-8: what UTF-8 cannot hold (the lone surrogates that a
    non-UTF-8 file name decodes to) as backslash escapes ("run-\\udcff"); any other text unchanged.
    The one place such text is made safe: every error's message passes through it, and
    `core.paths.shown` for a path on a page or in printed output."""
    return text.encode("utf-8", "backslashreplace").decode("utf-8")


class MistralEvalError(Exception):
    """Root of every error mistral-eval raises on purpose. Its text is `printable`: a message that
    names a non-UTF-8 path prints, and encodes, without raising."""

    def __str__(self) -> str:
        return printable(self.describe())

    def describe(self) -> str:
        """The message, before it is made printable (subclasses that compose theirs override this)."""
        return super().__str__()


class ConfigError(MistralEvalError, ValueError):
    """Bad input: a malformed suite or sweep file, an unknown parameter or preset, a bad setting.

    `file`, `case` and `field` say where; any of them may be None when it does not apply.
    """

    problems: list[tuple[str | None, str | None, str]]
    """(case, field, message) of every problem, set only when one file has several (`validation`)."""

    def __init__(self, message: str, *, file: str | None = None, case: str | None = None,
                 field: str | None = None):
        self.message = message
        self.file = None if file is None else str(file)
        self.case = case
        self.field = field
        super().__init__(str(self))

    def describe(self) -> str:
        where = [f"{name} {value!r}" if name != "file" else str(value)
                 for name, value in (("file", self.file), ("case", self.case), ("field", self.field))
                 if value is not None]
        return f"{': '.join([', '.join(where)]) + ': ' if where else ''}{self.message}"


class ModelLoadError(MistralEvalError):
    """The model or tokenizer could not be loaded (gated, unreachable, missing files, no GPU)."""


class ModelNotFoundError(ModelLoadError):
    """The model asked for does not exist: a missing local directory, or a hub id that is neither in
    the local cache (offline) nor on the hub. Bad input: the command line exits with 2."""


class MissingDependencyError(MistralEvalError, ImportError):
    """An optional package is needed; the message carries the install command."""

    def __init__(self, package: str, purpose: str, install: str | None = None):
        self.package = package
        self.install = install or f"pip install {package}"
        super().__init__(f"{purpose} needs the package {package!r}, which is not installed. "
                         f"Install it with: {self.install}")


class GenerationError(MistralEvalError):
    """Generation could not run as asked (e.g. a prompt longer than the model's context)."""


class RunStoreError(MistralEvalError):
    """A run directory cannot be used: it belongs to a different run, or it is damaged."""


class StatusSource(Protocol):
    """What `SweepFailure.of` reads: a sweep combination's name and its stored status."""

    @property
    def name(self) -> str: ...

    def status(self) -> dict[str, Any]: ...


@dataclass(frozen=True)
class SweepFailure:
    """One combination of a sweep that did not finish."""

    combination: str
    kind: str
    """"error" (a cell raised), "timeout", "kernel died", or "not run"."""
    cell: int | None = None
    """The execution count (In [n]) of the cell that failed."""
    ename: str | None = None
    evalue: str | None = None

    @classmethod
    def of(cls, combination: StatusSource) -> SweepFailure:
        """From a sweep combination's stored status."""
        status = combination.status()
        error = status.get("error") or {"kind": status.get("status", "not run")}
        return cls(combination.name, error.get("kind", "error"), error.get("cell"), error.get("ename"),
                   error.get("evalue"))

    def __str__(self) -> str:
        where = f" at In [{self.cell}]" if self.cell is not None else ""
        what = f": {self.ename}: {self.evalue}" if self.ename else ""
        return f"{self.combination}: {self.kind}{where}{what}"


class SweepError(MistralEvalError):
    """Combinations of a sweep did not finish; `failures` says which, where and why."""

    def __init__(self, sweep: str, failures: list[SweepFailure]):
        self.sweep = sweep
        self.failures = list(failures)
        lines = "\n  ".join(str(f) for f in self.failures)
        super().__init__(f"sweep {sweep!r}: {len(self.failures)} combination(s) did not finish "
                         f"(rerun the same command to retry only those):\n  {lines}")


class SandboxUnavailableError(MistralEvalError):
    """Code checks cannot run: this machine offers no isolation (neither bubblewrap nor unshare works)."""

    def __init__(self, message: str | None = None) -> None:
        super().__init__(message or (
            "the python check runs model-written code only in a sandbox, and neither "
            "bubblewrap (bwrap) nor util-linux's unshare works on this machine. Install "
            "bubblewrap (apt-get install bubblewrap), or accept running the code in a plain "
            "child process with allow_unisolated=True / --allow-unisolated-code. "
            "See docs/sandbox.md."))
