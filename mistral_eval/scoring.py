"""Checks that score one answer string: small named factories sharing `check(answer) -> CheckResult`.

Scoring knows nothing about models, prompts or files: it sees only the answer text and a check spec.
Model-written code never runs in this process; the `python` check runs it in a limited child process.
"""

from __future__ import annotations

import contextlib
import inspect
import json
import os
import re
import signal
import subprocess
import sys
import tempfile
import types
import typing
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

from mistral_eval.errors import ConfigError

__all__ = ["CHECKS", "Check", "CheckResult", "boolean", "contains", "degenerate", "equals",
           "japanese", "japanese_share", "make_check", "make_checks", "number", "python", "regex",
           "run_checks"]


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


def _clip(text: str, limit: int = 60) -> str:
    flat = " ".join(text.split())
    return repr(flat if len(flat) <= limit else flat[:limit - 1] + "…")


def equals(expected: str, ignore_case: bool = False, strip: bool = True) -> Check:
    """The whole answer equals `expected` (after stripping whitespace, by default)."""

    def norm(text: str) -> str:
        text = text.strip() if strip else text
        return text.casefold() if ignore_case else text

    def check(answer: str) -> CheckResult:
        passed = norm(answer) == norm(expected)
        verb = "equals" if passed else "differs from"
        return CheckResult("equals", passed, float(passed),
                           f"answer {_clip(answer)} {verb} expected {_clip(expected)}.")
    return check


def contains(expected: str | list[str], all: bool = True, ignore_case: bool = False) -> Check:
    """The answer contains every (`all=True`) or any (`all=False`) of the expected strings."""
    needles = [expected] if isinstance(expected, str) else list(expected)
    if not needles:
        raise ConfigError("contains needs at least one expected string", field="expected")
    require_all = all

    def check(answer: str) -> CheckResult:
        fold = (lambda s: s.casefold()) if ignore_case else (lambda s: s)
        found = [n for n in needles if fold(n) in fold(answer)]
        missing = [n for n in needles if n not in found]
        passed = not missing if require_all else bool(found)
        score = len(found) / len(needles) if require_all else float(passed)
        detail = f"; missing {', '.join(map(repr, missing))}" if missing else ""
        need = "all" if require_all else "any"
        return CheckResult("contains", passed, score,
                           f"found {len(found)} of {len(needles)} expected strings (needs {need}){detail}.")
    return check


_REGEX_FLAGS = {"i": re.IGNORECASE, "m": re.MULTILINE, "s": re.DOTALL, "x": re.VERBOSE}


def regex(pattern: str, flags: str = "") -> Check:
    """`re.search(pattern)` finds a match; `flags` is letters from "imsx"."""
    unknown = set(flags) - set(_REGEX_FLAGS)
    if unknown:
        raise ConfigError(f"unknown regex flags {''.join(sorted(unknown))!r}; use letters from 'imsx'",
                          field="flags")
    try:
        compiled = re.compile(pattern, sum(_REGEX_FLAGS[f] for f in set(flags)))
    except re.error as error:
        raise ConfigError(f"pattern {pattern!r} does not compile: {error}", field="pattern") from None

    def check(answer: str) -> CheckResult:
        match = compiled.search(answer)
        found = f"found {_clip(match.group())}" if match else "found no match"
        return CheckResult("regex", bool(match), float(bool(match)), f"{found} for /{pattern}/.")
    return check


_NUMBER = re.compile(r"(?:(?<![A-Za-z0-9.)])-)?(?<![\d.])(?:\d{1,3}(?:,\d{3})+(?!\d)|\d+)(?:\.\d+)?")
_ANSWER_MARKER = re.compile(r"答え|正解|解答|answer", re.IGNORECASE)


@dataclass(frozen=True)
class _Number:
    value: float
    start: int
    end: int
    line: int
    after_equals: bool


def _numbers(text: str, unit: str | None) -> tuple[list[_Number], bool]:
    """All numbers in NFKC-normalised `text`; only those followed by `unit` when any is."""
    found = [_Number(float(m.group().replace(",", "")), m.start(), m.end(), text.count("\n", 0, m.start()),
                     text[max(0, m.start() - 8):m.start()].rstrip().endswith("="))
             for m in _NUMBER.finditer(text)]
    with_unit = [n for n in found if unit and text[n.end:n.end + len(unit) + 4].lstrip(" ").startswith(unit)]
    return (with_unit, True) if with_unit else (found, False)


def _final_number(text: str, unit: str | None) -> tuple[_Number, str, bool] | None:
    """The final answer: after the last answer marker, else the last '= X', else the last number,
    looking at the last line that holds a number."""
    numbers, unit_found = _numbers(text, unit)
    if not numbers:
        return None
    for marker in reversed(list(_ANSWER_MARKER.finditer(text))):
        line = text.count("\n", 0, marker.start())
        after = [n for n in numbers if n.start >= marker.end() and n.line == line]
        if after:
            return after[0], f"after {marker.group()!r}", unit_found
    last_line = [n for n in numbers if n.line == numbers[-1].line]
    equals_ = [n for n in last_line if n.after_equals]
    if equals_:
        return equals_[-1], "after the last '=' of the last line with a number", unit_found
    return last_line[-1], "the last number", unit_found


def number(expected: float, tolerance: float = 0.0, unit: str | None = None) -> Check:
    """The final numeric answer is `expected` ± `tolerance`; with `unit`, numbers carrying it win."""

    def check(answer: str) -> CheckResult:
        text = unicodedata.normalize("NFKC", answer).replace("\u2212", "-")
        final = _final_number(text, unicodedata.normalize("NFKC", unit) if unit else None)
        if final is None:
            return CheckResult("number", False, 0.0, f"found no number, expected {expected:g}.")
        found, how, unit_found = final
        passed = abs(found.value - expected) <= tolerance
        unit_note = f" (no number carries the unit {unit!r})" if unit and not unit_found else ""
        verb = "matches" if passed else "is not"
        band = f" ± {tolerance:g}" if tolerance else ""
        return CheckResult("number", passed, float(passed),
                           f"final answer {found.value:g} ({how}){unit_note} {verb} expected "
                           f"{expected:g}{band}.")
    return check


_VERDICT = re.compile(
    r"(?<![A-Za-z])(?:true|false)(?![A-Za-z])|(?<![A-Za-z])(?:yes|no)(?=\s*(?:[.,!:;。、！]|$))"
    r"|はい(?=\s*(?:[、。,.!！]|$))|いいえ|不正解|正しく(?:ない|ありません)|正しい|正解|誤り|間違",
    re.IGNORECASE | re.MULTILINE)
_TRUE_WORDS = {"true", "yes", "はい", "正しい", "正解"}


def boolean(expected: bool) -> Check:
    """The first verdict word (True/False, Yes/No, はい/いいえ, 正しい/誤り, ...) is `expected`."""

    def check(answer: str) -> CheckResult:
        match = _VERDICT.search(answer)
        if match is None:
            return CheckResult("boolean", False, 0.0, f"found no verdict word, expected {expected}.")
        verdict = match.group().lower() in _TRUE_WORDS
        passed = verdict == expected
        return CheckResult("boolean", passed, float(passed),
                           f"first verdict word {match.group()!r} reads {verdict}, expected {expected}.")
    return check


_KANA = re.compile(r"[\u3040-\u30ff\u31f0-\u31ff\uff66-\uff9f]")
_KANJI = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff々〆]")


def japanese_share(text: str) -> float:
    """Share of Japanese script (kana incl. ー, kanji) among letters; other characters are neutral.

    Latin and other scripts count against. Heuristic: a text of at least 20 letters with kanji but no
    kana at all is taken to be Chinese, so its kanji count against too. Returns 0.0 without letters.
    """
    letters = "".join(c for c in text if unicodedata.category(c).startswith("L"))
    kana, kanji = len(_KANA.findall(letters)), len(_KANJI.findall(letters))
    if not letters or (kana == 0 and len(letters) >= 20):
        return 0.0
    return (kana + kanji) / len(letters)


def japanese(min_share: float = 0.5) -> Check:
    """At least `min_share` of the answer's letters are Japanese script (see `japanese_share`)."""

    def check(answer: str) -> CheckResult:
        share = japanese_share(answer)
        passed = share >= min_share
        return CheckResult("japanese", passed, share,
                           f"Japanese script is {share:.0%} of the letters, "
                           f"expected at least {min_share:.0%}.")
    return check


_PIECES = re.compile(r"\n|(?<=[。！？!?])|(?<=\. )")
_LOOP = re.compile(r"(.{2,200}?)\1{2,}")


def _repetitions(text: str, min_chars: int) -> tuple[float, list[str], list[re.Match[str]]]:
    """Share of characters that repeat: verbatim repeats of an earlier line or sentence, then,
    in what is left, the copies after the first in back-to-back loops; repeats under `min_chars`
    characters do not count."""
    kept: list[str] = []
    repeated: list[str] = []
    seen: set[str] = set()
    for piece in _PIECES.split(text):
        key = " ".join(piece.split())
        (repeated if len(key) >= min_chars and key in seen else kept).append(key)
        seen.add(key)
    rest = " ".join(k for k in kept if k)
    loops = [m for m in _LOOP.finditer(rest)
             if len(m.group()) - len(m.group(1)) >= min_chars and any(c.isalnum() for c in m.group(1))]
    total = len(" ".join(text.split()))
    repeated_chars = sum(map(len, repeated)) + sum(len(m.group()) - len(m.group(1)) for m in loops)
    return (repeated_chars / total if total else 0.0), repeated, loops


def degenerate(max_repeat_ratio: float = 0.1, ngram: int = 20) -> Check:
    """Passes when at most `max_repeat_ratio` of the answer repeats itself: lines or sentences said
    again word for word, or a phrase looping back to back. Repeats shorter than `ngram` characters
    are ignored; characters, not words, so it works on Japanese without spaces."""
    if ngram < 2 or not 0 <= max_repeat_ratio <= 1:
        raise ConfigError("degenerate needs ngram >= 2 and 0 <= max_repeat_ratio <= 1",
                          field="ngram" if ngram < 2 else "max_repeat_ratio")

    def check(answer: str) -> CheckResult:
        share, repeated, loops = _repetitions(answer, ngram)
        found = [f"{len(repeated)} repeated lines or sentences, e.g. {_clip(repeated[0], 40)}"
                 ] if repeated else []
        if loops:
            unit, loop = loops[0].group(1), loops[0].group()
            found.append(f"a loop of {_clip(unit, 30)} x{len(loop) // len(unit)}")
        detail = f" ({'; '.join(found)})" if found else ""
        return CheckResult("degenerate", share <= max_repeat_ratio, 1.0 - share,
                           f"{share:.0%} of the text repeats itself{detail}, limit {max_repeat_ratio:.0%}.")
    return check


_FENCE = re.compile(r"```[ \t]*([\w+-]*)[^\n]*\n(.*?)(?:```|\Z)", re.DOTALL)
_LOOKS_LIKE_CODE = re.compile(r"^(?:def |class |import |from \S+ import )", re.MULTILINE)
_RESULT_MARK = "@@mistral-eval@@ "
_RUNNER = r"""
import io, json, resource, socket, sys, types, _socket
job = json.load(open("job.json", encoding="utf-8"))
for limit, value in ((resource.RLIMIT_AS, job["memory_mb"] << 20), (resource.RLIMIT_CPU, job["cpu_s"]),
                     (resource.RLIMIT_FSIZE, 16 << 20)):
    resource.setrlimit(limit, (value, value))
def no_network(*args, **kwargs):
    raise PermissionError("network access is disabled in the python check")
socket.socket = _socket.socket = socket.create_connection = socket.socketpair = no_network
out = sys.stdout
def report(**fields):
    out.write(job["mark"] + json.dumps(fields, default=repr) + "\n")
    out.flush()
def describe(error):
    return (f"{type(error).__name__}: {error}" if str(error) else type(error).__name__)[:300]
namespace, function = {"__name__": "__answer__"}, job["function"]
try:
    sys.stdout = io.StringIO()
    exec(compile(job["code"], "<answer>", "exec"), namespace)
except BaseException as error:
    report(error="the code failed to run: " + describe(error))
    sys.exit(0)
if function and not callable(namespace.get(function)):
    defined = [k for k, v in namespace.items()
               if isinstance(v, types.FunctionType) and v.__code__.co_filename == "<answer>"]
    if len(defined) != 1:
        report(error=f"the code defines no function {function!r} (it defines {defined})")
        sys.exit(0)
    namespace[function] = namespace[defined[0]]
    report(note=f"used {defined[0]!r} as {function!r}")
for index, test in enumerate(job["tests"]):
    source = test if isinstance(test, str) else test["call"]
    try:
        sys.stdout = io.StringIO()
        if isinstance(test, str):
            exec(compile(test, "<test>", "exec"), namespace)
            report(test=index, passed=True, detail="")
            continue
        result = eval(compile(source, "<test>", "eval"), namespace)
        try:
            plain = json.loads(json.dumps(result))
        except (TypeError, ValueError):
            plain = None
        report(test=index, passed=bool(result == test["expected"] or plain == test["expected"]),
               detail=f"{source} returned {result!r}, expected {test['expected']!r}")
    except BaseException as error:
        report(test=index, passed=False, detail=f"{source} raised {describe(error)}")
"""


def _extract_code(answer: str) -> str | None:
    """Python-tagged fenced blocks, else any fenced blocks, else the answer if it looks like code."""
    blocks = [(lang.lower(), body) for lang, body in _FENCE.findall(answer)]
    chosen = [b for lang, b in blocks if lang in ("python", "py", "python3")] or [b for _, b in blocks]
    if chosen:
        return "\n\n".join(chosen)
    return answer if _LOOKS_LIKE_CODE.search(answer) else None


def _run_child(job: dict, timeout: float) -> tuple[list[dict], bool, int]:
    """Run the job in a fresh interpreter in a temporary directory; its reports, timed out, exit status."""
    with tempfile.TemporaryDirectory(prefix="mistral-eval-python-") as tmp:
        (Path(tmp) / "runner.py").write_text(_RUNNER, encoding="utf-8")
        (Path(tmp) / "job.json").write_text(json.dumps({**job, "mark": _RESULT_MARK}), encoding="utf-8")
        child = subprocess.Popen([sys.executable, "-I", "-X", "utf8", "runner.py"], cwd=tmp,
                                 env={"PATH": "/usr/bin:/bin", "HOME": tmp, "LANG": "C.UTF-8"},
                                 stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                 stderr=subprocess.DEVNULL, start_new_session=True)
        try:
            stdout, timed_out = child.communicate(timeout=timeout)[0], False
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(child.pid, signal.SIGKILL)
            stdout, timed_out = child.communicate()[0], True
    lines = stdout.decode("utf-8", "replace").splitlines()
    reports = [json.loads(line[len(_RESULT_MARK):]) for line in lines if line.startswith(_RESULT_MARK)]
    return reports, timed_out, child.returncode


def _validate_test(i: int, test: dict | str) -> None:
    if isinstance(test, dict) and (set(test) != {"call", "expected"} or not isinstance(test["call"], str)):
        raise ConfigError(f"a test is {{call: 'f(1)', expected: 0}} or code such as 'assert f(1) == 0', "
                          f"got {test!r}", field=f"tests[{i}]")
    source, mode = (test, "exec") if isinstance(test, str) else (test["call"], "eval")
    try:
        compile(source, "<test>", mode)
    except SyntaxError as error:
        raise ConfigError(f"{source!r} is not valid Python: {error.msg}", field=f"tests[{i}]") from None


def python(tests: list[dict | str], function: str | None = None, timeout: float = 10.0,
           memory_mb: int = 512) -> Check:
    """Run the answer's Python code against `tests` in a separate, limited process.

    A test is `{call: "fib(1)", expected: 0}` or code such as `"assert fib(1) == 0"`. With `function`,
    the code must define that name, or exactly one function, which the tests then reach by that name.
    The child gets a fresh temporary cwd, a minimal environment, no sockets, and CPU, memory and
    file-size limits; this guards against accidents, it is not a security boundary.
    """
    if not tests:
        raise ConfigError("python needs at least one test", field="tests")
    for i, test in enumerate(tests):
        _validate_test(i, test)
    if timeout <= 0 or memory_mb <= 0:
        raise ConfigError("must be positive", field="timeout" if timeout <= 0 else "memory_mb")

    def check(answer: str) -> CheckResult:
        code = _extract_code(answer)
        if code is None:
            return CheckResult("python", False, 0.0, "found no Python code in the answer.")
        job = {"code": code, "tests": tests, "function": function, "memory_mb": memory_mb,
               "cpu_s": int(timeout) + 1}
        reports, timed_out, returncode = _run_child(job, timeout)
        results = [r for r in reports if "test" in r]
        failures = [r["detail"] for r in results if not r["passed"]]
        errors = [r["error"] for r in reports if "error" in r]
        if timed_out:
            failures.insert(0, f"the code timed out after {timeout:g} s")
        elif errors or len(results) < len(tests):
            failures.insert(0, errors[0] if errors else f"the child process died (exit status {returncode})")
        passed = len(results) - sum(not r["passed"] for r in results)
        notes = "".join(f" ({r['note']})" for r in reports if "note" in r)
        first = f"; first failure: {failures[0]}" if failures else ""
        return CheckResult("python", passed == len(tests), passed / len(tests),
                           f"{passed} of {len(tests)} tests passed{notes}{first}.")
    return check


CHECKS: dict[str, Callable[..., Check]] = {
    "equals": equals, "contains": contains, "regex": regex, "number": number, "boolean": boolean,
    "japanese": japanese, "degenerate": degenerate, "python": python,
}


def _matches(value: Any, hint: Any) -> bool:
    origin = typing.get_origin(hint)
    if origin in (types.UnionType, typing.Union):
        return any(_matches(value, h) for h in typing.get_args(hint))
    if origin is list:
        item = typing.get_args(hint)[0]
        return isinstance(value, list) and all(_matches(v, item) for v in value)
    if hint is type(None):
        return value is None
    if hint is float:
        return isinstance(value, (int, float)) and not isinstance(value, bool)
    if hint is int:
        return isinstance(value, int) and not isinstance(value, bool)
    return isinstance(value, hint)


def _validate_params(name: str, factory: Callable[..., Check], params: dict) -> None:
    signature = inspect.signature(factory)
    hints = typing.get_type_hints(factory)
    for key, value in params.items():
        if key not in signature.parameters:
            raise ConfigError(f"check {name!r} has no parameter {key!r}; it takes "
                              f"{', '.join(signature.parameters)}", field=key)
        if not _matches(value, hints[key]):
            wanted = hints[key].__name__ if isinstance(hints[key], type) else hints[key]
            raise ConfigError(f"{key} of check {name!r} must be {wanted}, got {value!r}", field=key)
    for key, parameter in signature.parameters.items():
        if parameter.default is inspect.Parameter.empty and key not in params:
            raise ConfigError(f"check {name!r} needs the parameter {key!r}", field=key)


def make_check(spec: dict) -> Check:
    """Build a check from `{"type": name, **params}`; bad specs raise `ConfigError` with the field."""
    if not isinstance(spec, dict):
        raise ConfigError(f"a check is a mapping such as {{type: number, expected: 3}}, got {spec!r}")
    params = dict(spec)
    name = params.pop("type", None)
    if name not in CHECKS:
        raise ConfigError(f"unknown check type {name!r}; valid types: {', '.join(CHECKS)}", field="type")
    _validate_params(name, CHECKS[name], params)
    return CHECKS[name](**params)


def make_checks(specs: typing.Sequence[dict]) -> list[Check]:
    """Build every check of a case; errors name the field as `checks[i].<param>`."""
    checks = []
    for i, spec in enumerate(specs):
        try:
            checks.append(make_check(spec))
        except ConfigError as error:
            field = f"checks[{i}]" + (f".{error.field}" if error.field else "")
            raise ConfigError(error.message, field=field) from None
    return checks


def run_checks(specs: typing.Sequence[dict], answer: str) -> list[CheckResult]:
    """Build the checks of `specs` and run each on `answer`."""
    return [check(answer) for check in make_checks(specs)]
