"""Checks that score one answer string: small named factories sharing `check(answer) -> CheckResult`.

Scoring knows nothing about models, prompts or files: it sees only the answer text and a check spec.
Model-written code never runs in this process; the `python` check runs it in the sandbox (sandbox.py)
and compares the values it returns here.
"""

from __future__ import annotations

import ast
import inspect
import json
import math
import os
import re
import types
import typing
import unicodedata
from dataclasses import dataclass
from typing import Any, Callable

from mistral_eval import sandbox
from mistral_eval.errors import ConfigError
from mistral_eval.sandbox import TestReport

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
_LOOKS_LIKE_CODE = re.compile(r"^(?:def |class |import |from \S+ import |>>> )", re.MULTILINE)
_MAX_TIMEOUT_S = 600.0
_MIN_MEMORY_MB = 64


def _code_blocks(answer: str) -> list[str]:
    """Python-tagged fenced blocks, else any fenced blocks, else the answer if it looks like code."""
    blocks = [(lang.lower(), body) for lang, body in _FENCE.findall(answer)]
    chosen = [b for lang, b in blocks if lang in ("python", "py", "python3", "pycon")] or [b for _, b in blocks]
    if chosen:
        return chosen
    return [answer] if _LOOKS_LIKE_CODE.search(answer) else []


@dataclass(frozen=True)
class _Test:
    """One test as the sandbox runs it, and what the harness compares its value with."""

    run: dict
    source: str
    expected: Any = None
    compares: bool = False


def _plain_literal(node: ast.expr) -> tuple[bool, Any]:
    try:
        value = ast.literal_eval(node)
    except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
        return False, None
    try:
        plain = json.loads(json.dumps(value, allow_nan=False))
    except (TypeError, ValueError):
        return False, None
    return plain == value and type(plain) is type(value), value


def _as_comparison(source: str) -> _Test | None:
    """`assert CALL == LITERAL` as a call whose value the harness compares, so the child never sees
    the expected value and cannot fake the equality."""
    body = ast.parse(source).body
    if len(body) != 1 or not isinstance(body[0], ast.Assert):
        return None
    test = body[0].test
    if not (isinstance(test, ast.Compare) and len(test.ops) == 1 and isinstance(test.ops[0], ast.Eq)):
        return None
    for call, literal in ((test.left, test.comparators[0]), (test.comparators[0], test.left)):
        is_plain, expected = _plain_literal(literal)
        if is_plain and not isinstance(call, ast.Constant):
            text = ast.unparse(call)
            return _Test({"call": text}, text, expected, compares=True)
    return None


def _plan(test: dict | str) -> _Test:
    if isinstance(test, dict):
        return _Test({"call": test["call"]}, test["call"], test["expected"], compares=True)
    return _as_comparison(test) or _Test({"exec": test}, " ".join(test.split())[:80])


def _verdict(test: _Test, report: TestReport) -> str | None:
    """None when the test passed, else what went wrong; values are compared here, never in the child."""
    if report.kind == "raised":
        return f"{test.source} raised {report.text}"
    if not test.compares:
        return None
    if report.kind == "value" and report.value == test.expected:
        return None
    return f"{test.source} returned {report.text}, expected {test.expected!r}"


def _validate_test(i: int, test: dict | str) -> None:
    if isinstance(test, dict) and (set(test) != {"call", "expected"} or not isinstance(test["call"], str)):
        raise ConfigError(f"a test is {{call: 'f(1)', expected: 0}} or code such as 'assert f(1) == 0', "
                          f"got {test!r}", field=f"tests[{i}]")
    source, mode = (test, "exec") if isinstance(test, str) else (test["call"], "eval")
    try:
        compile(source, "<test>", mode)
    except SyntaxError as error:
        raise ConfigError(f"{source!r} is not valid Python: {error.msg}", field=f"tests[{i}]") from None
    if isinstance(test, dict):
        try:
            json.dumps(test["expected"], allow_nan=False)
        except (TypeError, ValueError):
            raise ConfigError(f"expected must be plain data (numbers, strings, booleans, null, lists, "
                              f"mappings), got {test['expected']!r}", field=f"tests[{i}].expected") from None


def _validate_limits(timeout: float, memory_mb: int) -> None:
    if not (math.isfinite(timeout) and 0 < timeout <= _MAX_TIMEOUT_S):
        raise ConfigError(f"timeout must be a number of seconds above 0 and at most {_MAX_TIMEOUT_S:g}, "
                          f"got {timeout!r}", field="timeout")
    total_mb = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") >> 20
    if not _MIN_MEMORY_MB <= memory_mb <= total_mb:
        raise ConfigError(f"memory_mb must be between {_MIN_MEMORY_MB} and this machine's {total_mb} MB, "
                          f"got {memory_mb!r}", field="memory_mb")


def python(tests: list[dict | str], function: str | None = None, timeout: float = 10.0,
           memory_mb: int = 512, *, allow_unisolated: bool = False) -> Check:
    """Run the answer's Python code against `tests` in the sandbox (see sandbox.py, docs/sandbox.md).

    A test is `{call: "fib(1)", expected: 0}` or code such as `"assert fib(1) == 0"`; calls and
    `assert CALL == LITERAL` have their value compared here, in the harness. With `function`, the code
    must define that name, or a function the sandbox can tell is meant (similar name, the one no
    other calls, or a method). Demo code next to the function (input(), `>>>` sessions, prints, a
    `__main__` block) does not fail the check. `timeout` (wall-clock seconds) and `memory_mb` bound
    the run. Without isolation on this machine, calling the check raises `SandboxUnavailableError`
    unless `allow_unisolated`, a run option that suite files cannot set.
    """
    if not tests:
        raise ConfigError("python needs at least one test", field="tests")
    for i, test in enumerate(tests):
        _validate_test(i, test)
    _validate_limits(timeout, memory_mb)
    plans = [_plan(test) for test in tests]

    def check(answer: str) -> CheckResult:
        blocks = _code_blocks(answer)
        if not blocks:
            return CheckResult("python", False, 0.0, "found no Python code in the answer.")
        run = sandbox.run_code(blocks, [p.run for p in plans], function=function, timeout=timeout,
                               memory_mb=memory_mb, allow_unisolated=allow_unisolated)
        failures = [v for p, r in zip(plans, run.tests) if (v := _verdict(p, r)) is not None]
        passed = len(run.tests) - len(failures)
        if run.failure:
            failures.insert(0, run.failure)
        notes = "".join(f" ({note})" for note in run.notes)
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


_RUN_OPTIONS = ("allow_unisolated",)
"""Keyword arguments of check factories that the run sets and a suite file must not."""


def make_check(spec: dict, *, allow_unisolated: bool = False) -> Check:
    """Build a check from `{"type": name, **params}`; bad specs raise `ConfigError` with the field.
    `allow_unisolated` lets the python check run code without isolation (see sandbox.py)."""
    if not isinstance(spec, dict):
        raise ConfigError(f"a check is a mapping such as {{type: number, expected: 3}}, got {spec!r}")
    params = dict(spec)
    name = params.pop("type", None)
    if name not in CHECKS:
        raise ConfigError(f"unknown check type {name!r}; valid types: {', '.join(CHECKS)}", field="type")
    for option in _RUN_OPTIONS:
        if option in params:
            raise ConfigError(f"{option} is a run option (--allow-unisolated-code), not a check "
                              f"parameter; remove it from the suite file", field=option)
    _validate_params(name, CHECKS[name], params)
    options = {"allow_unisolated": allow_unisolated} if name == "python" else {}
    return CHECKS[name](**params, **options)


def make_checks(specs: typing.Sequence[dict], *, allow_unisolated: bool = False) -> list[Check]:
    """Build every check of a case; errors name the field as `checks[i].<param>`."""
    checks = []
    for i, spec in enumerate(specs):
        try:
            checks.append(make_check(spec, allow_unisolated=allow_unisolated))
        except ConfigError as error:
            field = f"checks[{i}]" + (f".{error.field}" if error.field else "")
            raise ConfigError(error.message, field=field) from None
    return checks


def run_checks(specs: typing.Sequence[dict], answer: str, *,
               allow_unisolated: bool = False) -> list[CheckResult]:
    """Build the checks of `specs` and run each on `answer`; a python check raises
    `SandboxUnavailableError` on a machine without isolation unless `allow_unisolated`."""
    return [check(answer) for check in make_checks(specs, allow_unisolated=allow_unisolated)]
