"""The program that runs inside the sandbox: it executes an answer's code and reports what its tests did.

Started by `sandbox.py` as `python -I child.py FD`, it reads one JSON job from stdin, drops to an
unprivileged uid (one per check) when it starts as root, joins a fresh session keyring, sets its
resource limits, installs a seccomp filter (no namespaces, mounts, keys or ptrace), and writes one
JSON message per line, each prefixed with the job's random token, to the pipe FD. It never sees expected values and
never judges: call tests report the plain JSON value returned (or its repr), and the harness compares.
It imports only the standard library and nothing from mistral_eval, as it runs in a bare file system.
"""

from __future__ import annotations

import ast
import builtins
import ctypes
import json
import os
import platform
import re
import resource
import struct
import sys
import types
from typing import Any, NoReturn

_PROMPT = re.compile(r"^(\s*)(>>>|\.\.\.)( |$)(.*)$")
_DEFINES = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Import, ast.ImportFrom,
            ast.Assign, ast.AnnAssign, ast.AugAssign, ast.Global, ast.Nonlocal)
_MAX_ITEMS = 10_000
# exec/compile/eval as they are before any answer code runs: answer code that replaces
# builtins.exec with a no-op cannot make an exec-style test pass without running it.
_EXEC, _COMPILE, _EVAL = exec, compile, eval

# Per machine: (AUDIT_ARCH value, syscalls refused with EPERM, clone, clone3). The refused calls are
# namespaces (unshare, setns), every mount call, kernel keys, ptrace and other processes' memory,
# bpf and perf events; clone is refused only with namespace flags; clone3 (whose flags a filter
# cannot read) answers ENOSYS, so the C library falls back to clone.
_SYSCALLS = {
    "x86_64": (0xC000003E, (272, 308, 165, 166, 155, 161, 428, 429, 430, 431, 432, 433, 442,
                            248, 249, 250, 101, 310, 311, 321, 298), 56, 435),
    "aarch64": (0xC00000B7, (97, 268, 40, 39, 41, 51, 428, 429, 430, 431, 432, 433, 442,
                             217, 218, 219, 117, 270, 271, 280, 241), 220, 435),
}
_CLONE_NAMESPACES = 0x7E020000  # CLONE_NEWNS | NEWCGROUP | NEWUTS | NEWIPC | NEWUSER | NEWPID | NEWNET
_KEYCTL = {"x86_64": 250, "aarch64": 219}


class InputUnavailable(EOFError):
    """What input() raises: there is no user to answer a demo's prompt."""


def _no_input(prompt: object = "") -> NoReturn:
    raise InputUnavailable("input() is not available in the python check")


def _describe(error: BaseException) -> str:
    text = f"{type(error).__name__}: {error}" if str(error) else type(error).__name__
    return text[:300]


def _safe_repr(value: object) -> str:
    try:
        return repr(value)[:300]
    except BaseException as error:  # a hostile __repr__ is reported, not obeyed
        return f"<unprintable {type(value).__name__}: {_describe(error)}>"


def _plain(value: Any, budget: list[int]) -> Any:
    """`value` as plain JSON data (exact built-in types only; tuples become lists), or raise TypeError."""
    budget[0] -= 1
    if budget[0] < 0:
        raise TypeError("too large")
    kind = type(value)
    if kind is str and len(value) > 100_000:
        raise TypeError("too large")
    if value is None or kind in (bool, str, float):
        return value
    if kind is int:
        if value.bit_length() > 1000:
            raise TypeError("too large")
        return value
    if kind in (list, tuple):
        return [_plain(item, budget) for item in value]
    if kind is dict and all(type(key) is str for key in value):
        return {key: _plain(item, budget) for key, item in value.items()}
    raise TypeError(kind.__name__)


def _session_to_code(source: str) -> str:
    """A `>>>` session as code: prompt lines lose their prompt, the printed outputs after them go."""
    lines: list[str] = []
    in_session = False
    for line in source.splitlines():
        match = _PROMPT.match(line)
        if match:
            in_session = True
            lines.append(match.group(1) + match.group(4) if match.group(2) == "..." else match.group(4))
        elif in_session and line.strip():
            continue
        else:
            in_session = False
            lines.append(line)
    return "\n".join(lines)


def _parse(blocks: list[str], notes: list[str]) -> ast.Module:
    """The answer's code blocks as one module; sessions turned into code, blocks that are not Python dropped."""
    for source in ("\n\n".join(blocks), _session_to_code("\n\n".join(blocks))):
        try:
            return ast.parse(source, "<answer>")
        except (SyntaxError, ValueError, RecursionError, MemoryError):
            continue
    kept: list[list[ast.stmt]] = []
    for block in blocks:
        for source in (block, _session_to_code(block)):
            try:
                kept.append(ast.parse(source, "<answer>").body)
                break
            except (SyntaxError, ValueError, RecursionError, MemoryError):
                continue
        else:
            notes.append(f"skipped a code block that is not valid Python ({block.strip()[:40]!r})")
    return ast.Module(body=[node for body in kept for node in body], type_ignores=[])


def _is_main_guard(node: ast.stmt) -> bool:
    test = node.test if isinstance(node, ast.If) else None
    return (isinstance(test, ast.Compare) and isinstance(test.left, ast.Name)
            and test.left.id == "__name__")


def _run_module(module: ast.Module, namespace: dict[str, Any], notes: list[str]) -> None:
    """Run the answer statement by statement. A statement that defines names must succeed; a demo
    (a print, a loop, a call, or anything stopped by input()) may fail, with a note."""
    for node in module.body:
        if _is_main_guard(node):
            continue
        code = compile(ast.Module(body=[node], type_ignores=[]), "<answer>", "exec")
        try:
            exec(code, namespace)
        except BaseException as error:
            demo = not isinstance(node, _DEFINES) or isinstance(error, InputUnavailable)
            if not demo or isinstance(error, (SystemExit, KeyboardInterrupt)):
                raise
            notes.append(f"demo code at line {node.lineno} raised {_describe(error)} (ignored)")


def _defined_functions(namespace: dict[str, Any]) -> dict[str, types.FunctionType]:
    return {name: value for name, value in namespace.items()
            if isinstance(value, types.FunctionType) and value.__code__.co_filename == "<answer>"}


def _method(namespace: dict[str, Any], function: str) -> tuple[str, Any] | None:
    for value in list(namespace.values()):
        if isinstance(value, type) and callable(getattr(value, function, None)):
            try:
                return value.__name__, getattr(value(), function)
            except BaseException:
                continue
    return None


def _choose(defined: dict[str, types.FunctionType]) -> str | None:
    """The one function the answer defines (leaving out main() and _private or test helpers), which
    the tests then reach by the asked name. With two or more there is no telling which the task
    meant: a helper and a main function named otherwise (total + average for mean) define no
    function of the asked name, however alike the names look."""
    candidates = [n for n in defined if n != "main" and not n.startswith(("_", "test"))]
    return candidates[0] if len(candidates) == 1 else None


def _resolve(function: str, namespace: dict[str, Any], notes: list[str]) -> str | None:
    """Make `function` reachable by name; return an error sentence, or None."""
    if callable(namespace.get(function)):
        return None
    found = _method(namespace, function)
    if found:
        namespace[function] = found[1]
        notes.append(f"used {found[0]}().{function} as {function!r}")
        return None
    defined = _defined_functions(namespace)
    chosen = _choose(defined)
    if chosen is None:
        return f"the code defines no function {function!r} (it defines {sorted(defined)})"
    namespace[function] = defined[chosen]
    notes.append(f"used {chosen!r} as {function!r}")
    return None


def _run_test(test: dict[str, str], namespace: dict[str, Any]) -> dict[str, Any]:
    """One test's message fields: a call's plain value (or repr), an exec test's success, or what it raised."""
    try:
        if "exec" in test:
            _EXEC(_COMPILE(test["exec"], "<test>", "exec"), namespace)
            return {"ok": True}
        value = _EVAL(_COMPILE(test["call"], "<test>", "eval"), namespace)
    except BaseException as error:
        return {"raised": _describe(error)}
    try:
        return {"value": _plain(value, [_MAX_ITEMS]), "shown": _safe_repr(value)}
    except (TypeError, RecursionError, ValueError):
        return {"repr": _safe_repr(value)}


def _bpf(code: int, k: int, jt: int = 0, jf: int = 0) -> bytes:
    return struct.pack("HBBI", code, jt, jf, k)


def _filter(machine: str) -> bytes:
    """The seccomp program (classic BPF) for `machine`: a foreign architecture or x32 call is killed."""
    arch, refused, clone, clone3 = _SYSCALLS[machine]
    ld, jeq, jge, jset, ret = 0x20, 0x15, 0x35, 0x45, 0x06
    allow, kill, eperm, enosys = 0x7FFF0000, 0x80000000, 0x00050000 | 1, 0x00050000 | 38
    program = [_bpf(ld, 4), _bpf(jeq, arch, 1, 0), _bpf(ret, kill), _bpf(ld, 0)]
    if machine == "x86_64":
        program += [_bpf(jge, 0x40000000, 0, 1), _bpf(ret, kill)]
    for number in refused:
        program += [_bpf(jeq, number, 0, 1), _bpf(ret, eperm)]
    program += [_bpf(jeq, clone3, 0, 1), _bpf(ret, enosys),
                _bpf(jeq, clone, 0, 3), _bpf(ld, 16), _bpf(jset, _CLONE_NAMESPACES, 0, 1), _bpf(ret, eperm),
                _bpf(ret, allow)]
    return b"".join(program)


class _Program(ctypes.Structure):
    _fields_ = [("len", ctypes.c_ushort), ("filter", ctypes.c_char_p)]


def _confine() -> None:
    """A fresh session keyring, then the seccomp filter; raise when the filter cannot be installed."""
    machine = platform.machine()
    if machine not in _SYSCALLS:
        raise OSError(f"no seccomp filter for this machine ({machine})")
    libc = ctypes.CDLL(None, use_errno=True)
    libc.syscall(_KEYCTL[machine], 1, None)  # KEYCTL_JOIN_SESSION_KEYRING: a new anonymous keyring
    program = _filter(machine)
    fprog = _Program(len(program) // 8, program)
    if libc.prctl(38, 1, 0, 0, 0) != 0 or libc.prctl(22, 2, ctypes.byref(fprog), 0, 0) != 0:
        raise OSError(ctypes.get_errno(), "seccomp filter refused: " + os.strerror(ctypes.get_errno()))


def _limit(job: dict[str, Any]) -> None:
    for limit, value in ((resource.RLIMIT_AS, job["memory_mb"] << 20), (resource.RLIMIT_CPU, job["cpu_s"]),
                         (resource.RLIMIT_FSIZE, 16 << 20), (resource.RLIMIT_NPROC, job["nproc"]),
                         (resource.RLIMIT_NOFILE, 256), (resource.RLIMIT_CORE, 0)):
        resource.setrlimit(limit, (value, value))


def _drop_root(uid: int | None) -> None:
    if uid is not None and os.getuid() == 0:
        os.setgroups([])
        os.setgid(uid)
        os.setuid(uid)


def main() -> None:
    channel = os.fdopen(int(sys.argv[1]), "w", encoding="utf-8", closefd=True)
    job = json.loads(sys.stdin.read())
    token = job["token"]

    def send(**fields: Any) -> None:
        channel.write(token + " " + json.dumps(fields, allow_nan=True) + "\n")
        channel.flush()

    _drop_root(job["uid"])
    _limit(job)
    if job["confine"]:
        try:
            _confine()
        except OSError as error:
            send(kind="started", uid=os.getuid())
            send(kind="error", text=f"the sandbox could not confine the code: {_describe(error)}")
            send(kind="done")
            os._exit(0)
    send(kind="started", uid=os.getuid())
    builtins.input = _no_input
    notes: list[str] = []
    namespace: dict[str, Any] = {"__name__": "__answer__", "__builtins__": builtins}
    try:
        _run_module(_parse(job["blocks"], notes), namespace, notes)
        problem = _resolve(job["function"], namespace, notes) if job["function"] else None
    except BaseException as error:
        problem = "the code failed to run: " + _describe(error)
    for note in notes:
        send(kind="note", text=note)
    if problem:
        send(kind="error", text=problem)
    else:
        for index, test in enumerate(job["tests"]):
            send(kind="test", index=index, **_run_test(test, namespace))
    send(kind="done")
    os._exit(0)


if __name__ == "__main__":
    main()
