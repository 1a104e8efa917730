"""Checks that score one answer string: small named factories sharing `check(answer) -> CheckResult`.

Scoring knows nothing about models, prompts or files: it sees only the answer text and a check spec.
`make_check` validates a spec's parameters against the factory's annotations with pydantic.
Model-written code never runs in this process; the `python` check runs it in a limited child process.
"""

from __future__ import annotations

import contextlib
import difflib
import functools
import inspect
import json
import os
import re
import signal
import subprocess
import sys
import tempfile
import typing
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Callable

from pydantic import ConfigDict, Field, ValidationError, validate_call

from mistral_eval.errors import ConfigError
from mistral_eval.negation import is_negated
from mistral_eval.numbers import SYMBOLS as _SYMBOLS, final_number, normalize

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
Share = Annotated[float, Field(ge=0, le=1)]


# Strict: YAML's 3 is a float but "3" and true are not; no inf or nan anywhere.
_STRICT = ConfigDict(strict=True, allow_inf_nan=False, arbitrary_types_allowed=True)


def _describe(name: str, factory: Callable[..., Check], error: ValidationError) -> ConfigError:
    """All of pydantic's complaints about one check in one message; the field is the first's."""
    takes = list(inspect.signature(factory).parameters)
    problems: dict[str, list[str]] = {}
    # An unknown key first: it is usually a typo that also makes the real parameter "missing".
    for item in sorted(error.errors(), key=lambda e: e["type"] != "unexpected_keyword_argument"):
        param = str(item["loc"][0]) if item["loc"] else "?"
        where = param + "".join(f"[{p}]" for p in item["loc"][1:] if isinstance(p, int))
        if item["type"] == "unexpected_keyword_argument":
            close = difflib.get_close_matches(param, takes, n=1)
            text = (f"check {name!r} has no parameter {param!r}"
                    + (f" (did you mean {close[0]!r}?)" if close else "") + f"; it takes {', '.join(takes)}")
        elif item["type"] == "missing_argument":
            text = f"{param}: check {name!r} needs this parameter"
        else:
            text = f"{where}: {item['msg']}, got {item['input']!r}"
        if text not in problems.setdefault(param, []):
            problems[param].append(text)
    first = next(iter(problems))
    return ConfigError("; ".join(t for texts in problems.values() for t in texts), field=first)


@functools.cache
def _validated(factory: Callable[..., Check]) -> Callable[..., Check]:
    """`factory` with its parameters checked against its annotations; errors become `ConfigError`."""
    if getattr(factory, "validates_params", False):
        return factory
    strict = validate_call(factory, config=_STRICT)

    @functools.wraps(factory)
    def build(*args: typing.Any, **kwargs: typing.Any) -> Check:
        try:
            return strict(*args, **kwargs)
        except ValidationError as error:
            raise _describe(factory.__name__, factory, error) from None
    build.validates_params = True  # type: ignore[attr-defined]
    return build


def _clip(text: str, limit: int = 60) -> str:
    flat = " ".join(text.split())
    return repr(flat if len(flat) <= limit else flat[:limit - 1] + "…")


@_validated
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


def _affirmed(answer: str, spans: typing.Iterable[tuple[int, int]], negation_aware: bool) -> bool:
    return any(not (negation_aware and is_negated(answer, start, end)) for start, end in spans)


@_validated
def contains(expected: str | Annotated[list[str], Field(min_length=1)], all: bool = True,
             ignore_case: bool = False, negation_aware: bool = True) -> Check:
    """The answer contains every (`all=True`) or any (`all=False`) of the expected strings.

    With `negation_aware` (default), an occurrence denied right next to it ("not Tokyo", "東京ではなく")
    does not count; turn it off when the expected text may itself stand in a negative sentence.
    """
    needles = [expected] if isinstance(expected, str) else list(expected)
    require_all = all
    flags = re.IGNORECASE if ignore_case else 0

    def check(answer: str) -> CheckResult:
        found = [n for n in needles if _affirmed(
            answer, (m.span() for m in re.finditer(re.escape(n), answer, flags)), negation_aware)]
        missing = [n for n in needles if n not in found]
        passed = not missing if require_all else bool(found)
        score = len(found) / len(needles) if require_all else float(passed)
        detail = f"; missing or denied {', '.join(map(repr, missing))}" if missing else ""
        need = "all" if require_all else "any"
        return CheckResult("contains", passed, score,
                           f"found {len(found)} of {len(needles)} expected strings (needs {need}){detail}.")
    return check


_REGEX_FLAGS = {"i": re.IGNORECASE, "m": re.MULTILINE, "s": re.DOTALL, "x": re.VERBOSE}


@_validated
def regex(pattern: str, flags: Annotated[str, Field(pattern=r"^[imsx]*$")] = "",
          negation_aware: bool = True) -> Check:
    """`re.search(pattern)` finds a match; `flags` is letters from "imsx". With `negation_aware`
    (default), a match denied right next to it ("not Tokyo", "東京ではなく") does not count."""
    try:
        compiled = re.compile(pattern, sum(_REGEX_FLAGS[f] for f in set(flags)))
    except re.error as error:
        raise ConfigError(f"pattern {pattern!r} does not compile: {error}", field="pattern") from None

    def check(answer: str) -> CheckResult:
        matches = list(compiled.finditer(answer))
        kept = [m for m in matches if _affirmed(answer, [m.span()], negation_aware)]
        found = (f"found {_clip(kept[0].group())}" if kept else
                 f"found only denied {_clip(matches[0].group())}" if matches else "found no match")
        return CheckResult("regex", bool(kept), float(bool(kept)), f"{found} for /{pattern}/.")
    return check


@_validated
def number(expected: float, tolerance: Annotated[float, Field(ge=0)] = 0.0, unit: str | None = None,
           units: dict[str, Annotated[float, Field(gt=0)]] | None = None) -> Check:
    """The stated final answer (see `numbers.final_number`) is `expected` ± `tolerance`.

    With `unit`, numbers written with it win; `units` maps other units to their size in `unit`
    (unit: g, units: {kg: 1000} reads 1.5kg as 1500), so `expected` is always in `unit`.
    Kanji (三十六) and full-width (３６) numerals count.
    """
    if units and not unit:
        raise ConfigError("units converts into `unit`; give unit too, e.g. {unit: g, units: {kg: 1000}}",
                          field="units")
    table = {normalize(k): v for k, v in (units or {}).items()}

    def check(answer: str) -> CheckResult:
        final = final_number(normalize(answer), normalize(unit) if unit else None, table)
        if final is None:
            return CheckResult("number", False, 0.0, f"found no number, expected {expected:g}.")
        found, how, unit_found = final
        passed = abs(found.value - expected) <= tolerance
        written = normalize(answer)[found.start:found.end]
        written = (f"{found.unit}{written}" if found.unit in _SYMBOLS else f"{written} {found.unit}"
                   ) if found.unit else written
        read = f" (read as {found.value:g} {unit})" if found.unit and found.unit != unit else ""
        unit_note = f" (no number carries the unit {unit!r})" if unit and not unit_found else ""
        verb = "matches" if passed else "is not"
        band = f" ± {tolerance:g}" if tolerance else ""
        return CheckResult("number", passed, float(passed),
                           f"final answer {written}"
                           f"{read} ({how}){unit_note} {verb} expected {expected:g}{band}.")
    return check


_VERDICT = re.compile(
    r"(?<![A-Za-z])(?:true|false|correct|incorrect|wrong)(?![A-Za-z])"
    r"|(?<![A-Za-z])(?:yes|no)(?=\s*(?:[.,!:;。、！]|$))"
    r"|はい(?=\s*(?:[、。,.!！]|$))|いいえ|不正解|正しく(?:ない|ありません)|正しい|正解|誤り|間違(?:い|っ)?",
    re.IGNORECASE | re.MULTILINE)
_TRUE_WORDS = {"true", "yes", "correct", "はい", "正しい", "正解"}
_ECHO = re.compile(r"(?:true|yes|はい|false|no|いいえ)\s*(?:or|/|か|または|もしくは)\s*"
                   r"(?:true|yes|はい|false|no|いいえ)か?", re.IGNORECASE)


@_validated
def boolean(expected: bool) -> Check:
    """The first verdict word (True/False, Yes/No, correct, はい/いいえ, 正しい/誤り, ...) is `expected`,
    read with a negation next to it ("not true" is False, "誤りではない" is True). An echo of the
    question's choice ("True or False", "TrueかFalse") is not a verdict."""

    def check(answer: str) -> CheckResult:
        text = _ECHO.sub(lambda m: " " * len(m.group()), answer)
        match = _VERDICT.search(text)
        if match is None:
            return CheckResult("boolean", False, 0.0, f"found no verdict word, expected {expected}.")
        negated = is_negated(text, *match.span())
        verdict = (match.group().lower() in _TRUE_WORDS) != negated
        passed = verdict == expected
        word = ("negated " if negated else "") + repr(match.group())
        return CheckResult("boolean", passed, float(passed),
                           f"first verdict word {word} reads {verdict}, expected {expected}.")
    return check


_KANA = re.compile(r"[\u3040-\u30ff\u31f0-\u31ff\uff66-\uff9f]")
_KANJI = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff々〆]")
_CHINESE_WORDS = re.compile(r"[我你她们这那么是了吗呢吧很]")


def _simplified_only(char: str) -> bool:
    """A kanji outside JIS X 0208, such as 这 or 习: Chinese simplified script, not Japanese."""
    try:
        char.encode("shift_jis")
    except UnicodeEncodeError:
        return True
    return False


def japanese_share(text: str) -> float:
    """Share of Japanese script (kana incl. ー, kanji) among letters; other characters are neutral.

    Latin and other scripts count against, and so do simplified-only Chinese characters (这, 习).
    Japanese is told from Chinese by kana: a text without kana is taken to be Chinese, all its kanji
    counting against, when it has 5 or more kanji, a simplified-only one, or a Chinese function
    character (我, 是, 了, 吗, ...); shorter kana-free texts (東京, 富士山) stay Japanese.
    Returns 0.0 without letters.
    """
    letters = "".join(c for c in text if unicodedata.category(c).startswith("L"))
    kanji_chars = _KANJI.findall(letters)
    kana, kanji = len(_KANA.findall(letters)), len(kanji_chars)
    simplified = sum(map(_simplified_only, kanji_chars))
    chinese = kana == 0 and kanji > 0 and (kanji >= 5 or simplified > 0
                                           or (kanji >= 3 and bool(_CHINESE_WORDS.search(letters))))
    if not letters or chinese:
        return 0.0
    return (kana + kanji - simplified) / len(letters)


@_validated
def japanese(min_share: Share = 0.5) -> Check:
    """At least `min_share` of the answer's letters are Japanese script (see `japanese_share`)."""

    def check(answer: str) -> CheckResult:
        share = japanese_share(answer)
        passed = share >= min_share
        return CheckResult("japanese", passed, share,
                           f"Japanese script is {share:.0%} of the letters, "
                           f"expected at least {min_share:.0%}.")
    return check


_PIECES = re.compile(r"\n|(?<=[。！？!?])|(?<=\. )")
_LIST_MARK = re.compile(r"^(?:[-*•・]|\d{1,3}[.)．]|[（(]?\d{1,3}[)）])\s*")
_FENCED = re.compile(r"```.*?(?:```|\Z)", re.DOTALL)
_LOOP = re.compile(r"(.{2,200}?)\1{2,}")


def _repetitions(text: str, min_chars: int) -> tuple[float, list[str], list[re.Match[str]]]:
    """Share of characters that repeat a unit said before: a line or sentence (list marks ignored)
    said again word for word, counted from its 2nd time when it has `min_chars` characters or more,
    from its 3rd time when shorter; then, in what is left, the copies after the first in
    back-to-back loops of `min_chars` characters or more."""
    counts: dict[str, int] = {}
    kept: list[str] = []
    repeated: list[str] = []
    prose = _FENCED.sub(lambda m: " ".join(m.group().split()), text)
    for piece in _PIECES.split(prose):
        key = _LIST_MARK.sub("", " ".join(piece.split()))
        counts[key] = counts.get(key, 0) + 1
        wordy = sum(c.isalnum() for c in key) >= 2
        (repeated if wordy and counts[key] >= (2 if len(key) >= min_chars else 3) else kept).append(key)
    rest = " ".join(k for k in kept if k)
    loops = [m for m in _LOOP.finditer(rest)
             if len(m.group()) - len(m.group(1)) >= min_chars and any(c.isalnum() for c in m.group(1))]
    total = len(" ".join(text.split()))
    repeated_chars = sum(map(len, repeated)) + sum(len(m.group()) - len(m.group(1)) for m in loops)
    return (min(1.0, repeated_chars / total) if total else 0.0), repeated, loops


@_validated
def degenerate(max_repeat_ratio: Share = 0.1, ngram: Annotated[int, Field(ge=2)] = 20) -> Check:
    """Passes when at most `max_repeat_ratio` of the answer repeats itself: lines or sentences said
    again word for word (a short one, under `ngram` characters, from its third time), or a phrase
    looping back to back. Characters, not words, so it works on Japanese without spaces."""

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

def make_check(spec: dict) -> Check:
    """Build a check from `{"type": name, **params}`; bad specs raise `ConfigError` with the field."""
    if not isinstance(spec, dict):
        raise ConfigError(f"a check is a mapping such as {{type: number, expected: 3}}, got {spec!r}")
    params = dict(spec)
    name = params.pop("type", None)
    if name not in CHECKS:
        raise ConfigError(f"unknown check type {name!r}; valid types: {', '.join(CHECKS)}", field="type")
    return _validated(CHECKS[name])(**params)


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
