"""The `python` check: run the answer's code against tests in the sandbox, compare values here.

Finds the code (fenced blocks, else code-looking text), turns each test into a call whose value the
harness compares, or code to run in the child, and reads the child's reports. Model-written code
never runs in this process (see sandbox.py). Knows nothing about suites, models or files.
"""

from __future__ import annotations

import ast
import importlib.util
import json
import math
import os
import re
import sys
import textwrap
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from mistral_eval.checks import sandbox
from mistral_eval.checks.base import Check, CheckContext, CheckResult
from mistral_eval.checks.sandbox import TestReport
from mistral_eval.core.errors import ConfigError

__all__ = ["python"]


_FENCE = re.compile(r"```[ \t]*([\w+-]*)[^\n]*\n(.*?)(?:```|\Z)", re.DOTALL)
_LOOKS_LIKE_CODE = re.compile(r"^[ \t]*(?:def |class |import |from \S+ import |>>> )", re.MULTILINE)
_MAX_TIMEOUT_S = 600.0
_MIN_MEMORY_MB = 64


# Prose that presents the block after it as what not to write ("A common mistake is:", "悪い例:"),
# unless it presents a fix ("Corrected:", "修正版").
_COUNTER_EXAMPLE = re.compile(r"\b(?:mistakes?|wrong|incorrect|buggy|bad\s+example|anti-?pattern|"
                              r"(?:don'?t|do\s+not)\s+(?:do|write)\s+this)\b|間違|誤った|誤り|悪い例|NG例", re.IGNORECASE)
_FIX = re.compile(r"\b(?:correct(?:ed|ly)?|fix(?:ed)?|right\s+way|instead)\b|修正|正しい", re.IGNORECASE)


def _counter_example(intro: str) -> bool:
    """The last sentence before a block presents it as what not to write."""
    last = re.split(r"(?<=[.!?。！？])\s+|\n+", intro.strip())[-1] if intro.strip() else ""
    return bool(_COUNTER_EXAMPLE.search(last)) and not _FIX.search(last)


def _code_blocks(answer: str) -> list[str]:
    """Python-tagged fenced blocks, else any fenced blocks, else the unfenced code: from the first
    line that looks like code (def, class, import; indented as a markdown code block or not) to the
    last line with which it still parses, prose lines before and after left out. A block the prose
    before it presents as what not to write ("A common mistake is:") is left out when others remain."""
    found, end = [], 0
    for match in _FENCE.finditer(answer):
        found.append((match.group(1).lower(), match.group(2), _counter_example(answer[end:match.start()])))
        end = match.end()
    blocks = [(lang, body) for lang, body, shunned in found if not shunned] or [(lang, body) for lang, body, _ in found]
    chosen = [b for lang, b in blocks if lang in ("python", "py", "python3", "pycon")] or [b for _, b in blocks]
    if chosen:
        return chosen
    start = _LOOKS_LIKE_CODE.search(answer)
    if not start:
        return []
    lines = answer[start.start():].split("\n")
    for end in range(len(lines), 0, -1):
        code = textwrap.dedent("\n".join(lines[:end])).rstrip()  # a markdown code block is indented
        try:
            ast.parse(code)
        except SyntaxError:
            continue
        return [code]
    return [answer[start.start():]]


def _method_only(blocks: list[str], function: str) -> bool:
    """The code defines `function` only as a method of a class, no module-level function of that name."""
    module_level: set[str] = set()
    methods: set[str] = set()
    for block in blocks:
        try:
            tree = ast.parse(block)
        except SyntaxError:
            continue
        for node in tree.body:
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                module_level.add(node.name)
            elif isinstance(node, ast.Assign):
                module_level.update(t.id for t in node.targets if isinstance(t, ast.Name))
            elif isinstance(node, ast.ClassDef):
                methods.update(n.name for n in node.body if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef)))
    return function in methods and function not in module_level


_NO_MODULE = re.compile(r"No module named '([\w.]+)'")


def _missing_package(failures: list[str]) -> str | None:
    """A real package (installed next to the harness, not in the standard library) that the code
    could not import in the sandbox: the check cannot judge the code, not that it is wrong. A name
    that is no package anywhere is the code's own error. Looks the name up; imports nothing."""
    for failure in failures:
        for name in map(str, _NO_MODULE.findall(failure)):
            top = name.split(".")[0]
            if top not in sys.stdlib_module_names and top.isidentifier() and importlib.util.find_spec(top):
                return top
    return None


@dataclass(frozen=True)
class _Test:
    """One test as the sandbox runs it, and what the harness compares its value with."""

    run: dict[str, str]
    source: str
    expected: Any = None
    compares: bool = False
    truth: bool = False
    """An `assert EXPR` test: the child returns `not not (EXPR)`, which must come back exactly True."""


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


def _as_truth(source: str) -> _Test | None:
    """Any other single `assert EXPR` as a call whose truth the harness reads, so replacing exec (or
    anything else the child could patch) cannot make it pass without evaluating EXPR. `not not` is
    an operator, not a name the answer's code could rebind."""
    body = ast.parse(source).body
    if len(body) != 1 or not isinstance(body[0], ast.Assert):
        return None
    shown = " ".join(source.split())[:80]
    return _Test({"call": f"not not ({ast.unparse(body[0].test)})"}, shown, True, compares=True, truth=True)


def _plan(test: dict[str, Any] | str) -> _Test:
    if isinstance(test, dict):
        return _Test({"call": test["call"]}, test["call"], test["expected"], compares=True)
    return _as_comparison(test) or _as_truth(test) or _Test({"exec": test}, " ".join(test.split())[:80])


def _verdict(test: _Test, report: TestReport) -> str | None:
    """None when the test passed, else what went wrong; values are compared here, never in the child."""
    if report.kind == "raised":
        return f"{test.source} raised {report.text}"
    if not test.compares:
        return None
    if test.truth:
        return None if report.kind == "value" and report.value is True else f"{test.source} failed"
    if report.kind == "value" and report.value == test.expected:
        return None
    return f"{test.source} returned {report.text}, expected {test.expected!r}"


def _other_name(notes: tuple[str, ...], function: str, context: CheckContext | Mapping[str, Any] | str | None) -> str | None:
    """The name of the one function the tests reached as `function` (the sandbox's note "used 'f' as
    'g'", not a class's method) when the question names `function` itself: graders differ on whether
    code that works under another name than the asked one passes, so the check abstains. None when
    the question names no function (any name then answers it) or the asked name was defined."""
    question = CheckContext.of(context).prompt
    if not re.search(rf"(?<![A-Za-z0-9_]){re.escape(function)}(?![A-Za-z0-9_])", question):
        return None
    for note in notes:
        if used := re.fullmatch(rf"used '([A-Za-z_][A-Za-z0-9_]*)' as {re.escape(repr(function))}", note):
            return used.group(1)
    return None


def _validate_test(i: int, test: dict[str, Any] | str) -> None:
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


def python(tests: list[dict[Any, Any] | str], function: str | None = None, timeout: float = 10.0,
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

    def check(answer: str, context: CheckContext | Mapping[str, Any] | str | None = None) -> CheckResult:
        blocks = _code_blocks(answer)
        if not blocks:
            return CheckResult("python", False, 0.0, "found no Python code in the answer.")
        if function and _method_only(blocks, function):
            return CheckResult("python", False, 0.0, f"{function!r} is defined only as a method of a class; "
                                                     f"a module-level function {function}() was asked for.")
        run = sandbox.run_code(blocks, [p.run for p in plans], function=function, timeout=timeout,
                               memory_mb=memory_mb, allow_unisolated=allow_unisolated)
        failures = [v for p, r in zip(plans, run.tests) if (v := _verdict(p, r)) is not None]
        passed = len(run.tests) - len(failures)
        if run.failure:
            failures.insert(0, run.failure)
        if package := _missing_package(failures):
            return CheckResult.uncertain("python", f"the code imports {package!r}, a package outside the standard "
                                                   f"library that the sandbox does not provide; it cannot be run here.")
        notes = "".join(f" ({note})" for note in run.notes)
        first = f"; first failure: {failures[0]}" if failures else ""
        if not failures and function and (other := _other_name(run.notes, function, context)):
            return CheckResult.uncertain("python", f"{passed} of {len(tests)} tests pass under {other}, not the asked "
                                                   f"{function}: the question names {function} and the answer "
                                                   f"defines only {other}.")
        return CheckResult("python", passed == len(tests), passed / len(tests),
                           f"{passed} of {len(tests)} tests passed{notes}{first}.")
    return check
