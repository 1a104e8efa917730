"""Run untrusted Python code (a model's answer) in isolation from the operating system.

Each run starts `sandbox_child.py` in fresh Linux namespaces (user, pid, mount, network, ipc, uts)
through bubblewrap (`bwrap`), or util-linux's `unshare` where bwrap is missing
(MISTRAL_EVAL_SANDBOX=bwrap|unshare forces one): its own /proc, a read-only view of only the base
interpreter and its standard library (/usr, /lib*, the base prefix, with every site-packages folder
hidden), a private size-capped /tmp, no network, an empty environment, an unprivileged uid of its
own, rlimits, a seccomp filter, and every descendant killed when the run ends. The child reports on a private pipe, each line carrying a random per-run token; anything it
sends is validated here and never raises. This module runs code and returns what the code returned;
it does not judge answers (scoring.py compares values with the expected ones) and knows no suites.
See docs/sandbox.md for what the isolation guarantees and what it needs.
"""

from __future__ import annotations

import contextlib
import functools
import glob
import json
import math
import os
import secrets
import selectors
import shutil
import signal
import subprocess
import sys
import sysconfig
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from mistral_eval.core.errors import ConfigError, SandboxUnavailableError

__all__ = ["FORCE_ENV", "CodeRun", "TestReport", "forced_mechanism", "isolation", "isolation_record", "run_code"]

Mechanism = Literal["bwrap", "unshare", "none"]
TestKind = Literal["value", "repr", "ok", "raised"]

FORCE_ENV = "MISTRAL_EVAL_SANDBOX"
"""Environment variable that forces one mechanism ("bwrap" or "unshare"); unset: bwrap, else unshare."""

_CHILD = Path(__file__).with_name("sandbox_child.py")
_SANDBOX_UID = 65534  # "nobody": the uid code runs as inside a user namespace (harness not root)
_UID_BASE, _UID_SPAN = 1 << 20, 1 << 20  # as root, each check draws its own uid from this range
_PYTHON = os.path.realpath(getattr(sys, "_base_executable", None) or sys.executable)
_TMP_BYTES = 64 << 20
_MAX_REPORT_BYTES = 1 << 20
_MAX_NOTES = 20
_NPROC = 64  # the child's RLIMIT_NPROC, sent in the job (sandbox_child._limit)
_ENV = {"PATH": "/usr/bin:/bin", "LANG": "C.UTF-8", "HOME": "/tmp"}
_SYSTEM_DIRS = ("/usr", "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32")


@dataclass(frozen=True)
class TestReport:
    """What one test did in the sandbox, as the child said it; nothing here is judged yet."""

    index: int
    kind: TestKind
    """value: a call returned plain JSON data; repr: it returned something else; ok: an exec test ran
    through; raised: the test raised."""
    value: Any = None
    """The plain JSON value a call returned (kind "value" only)."""
    text: str = ""
    """The repr of what was returned (at most 300 characters), or the exception raised."""


@dataclass(frozen=True)
class CodeRun:
    """Everything a sandboxed run of an answer's code produced."""

    tests: tuple[TestReport, ...]
    """One report per test that ran, in order; fewer than asked when `failure` says why."""
    notes: tuple[str, ...]
    """What the child did on the way: a function used under another name, demo code that failed."""
    failure: str | None
    """Why tests are missing or cannot be trusted: the code failed to run, timed out, died, or the
    child sent something malformed; None when every test reported."""
    isolation: Mechanism
    """How the code was contained: "bwrap", "unshare", or "none" (allow_unisolated without either)."""


def _view() -> list[str]:
    """Host paths the interpreter needs, read-only: system dirs and the base prefixes, none nested.
    A virtual environment's prefix is not among them: the child runs the base interpreter."""
    wanted = [*_SYSTEM_DIRS, sys.base_prefix, sys.base_exec_prefix, str(Path(_PYTHON).parent.parent)]
    kept: list[str] = []
    for path in sorted({os.path.abspath(p) for p in wanted if os.path.lexists(p)}, key=len):
        if not any(path == k or path.startswith(k.rstrip("/") + "/") for k in kept):
            kept.append(path)
    return kept


def _hidden(view: list[str]) -> list[str]:
    """Folders inside the view that hold installed packages (site-packages, dist-packages, any
    non-standard-library entry of sys.path): each is covered by an empty read-only tmpfs."""
    stdlib = [os.path.realpath(sysconfig.get_paths(vars={"base": sys.base_prefix,
                                                         "platbase": sys.base_exec_prefix})[k])
              for k in ("stdlib", "platstdlib")]
    found = set()
    for root in {sys.base_prefix, sys.base_exec_prefix, "/usr", "/usr/local"}:
        for pattern in ("lib*/python3*/site-packages", "lib*/python3*/dist-packages", "lib*/python3/dist-packages"):
            found.update(glob.glob(os.path.join(root, pattern)))
    for entry in sys.path:
        path = os.path.realpath(entry or ".")
        if os.path.isdir(path) and not any(path == s or path.startswith(s + "/") for s in stdlib):
            found.add(path)
    inside = [p for p in {os.path.realpath(p) for p in found} if os.path.isdir(p)
              and any(p.startswith(k.rstrip("/") + "/") for k in view)
              and not any(s == p or s.startswith(p + "/") for s in stdlib)]
    return sorted(inside)


def _bwrap(fd: int, privileged: bool) -> list[str]:
    command = ["bwrap", "--die-with-parent", "--new-session", "--unshare-pid", "--unshare-net",
               "--unshare-ipc", "--unshare-uts", "--unshare-cgroup-try", "--clearenv"]
    if privileged:  # real root: mounts as root, then the child drops to _SANDBOX_UID for real
        command += ["--cap-drop", "ALL", "--cap-add", "CAP_SETUID", "--cap-add", "CAP_SETGID"]
    else:
        command += ["--unshare-user", "--disable-userns", "--uid", str(_SANDBOX_UID),
                    "--gid", str(_SANDBOX_UID)]
    for name, value in _ENV.items():
        command += ["--setenv", name, value]
    # The private /tmp first: a Python (e.g. a CI checkout's venv) that lives under /tmp is then
    # bound read-only on top of it instead of being hidden by it.
    command += ["--perms", "1777", "--size", str(_TMP_BYTES), "--tmpfs", "/tmp"]
    view = _view()
    for parent in sorted({str(a) for path in view for a in Path(path).parents if str(a) not in ("/", "/tmp")}):
        command += ["--perms", "0755", "--dir", parent]  # bwrap would make them 0700: no way through
    for path in view:
        command += (["--symlink", os.readlink(path), path] if os.path.islink(path)
                    else ["--ro-bind", path, path])
    for path in _hidden(view):
        command += ["--perms", "0555", "--size", "4096", "--tmpfs", path, "--remount-ro", path]
    command += ["--ro-bind", str(_CHILD), "/sandbox/child.py", "--proc", "/proc", "--dev", "/dev",
                "--chdir", "/tmp", "--", _PYTHON, "-I", "-X", "utf8", "/sandbox/child.py", str(fd)]
    return command


# Runs as root of fresh namespaces: builds a root of read-only binds and a private /tmp, pivots
# into it, drops every capability (and to _SANDBOX_UID when that uid exists there), runs the child.
_UNSHARE_SETUP = r"""
set -eu
export PATH=/usr/sbin:/usr/bin:/sbin:/bin
root=$1 fd=$2 uid=$3 python=$4; shift 4
mount -t tmpfs -o size=1m,mode=0755 sandbox "$root"
mkdir -p "$root/tmp"
mount -t tmpfs -o size=$TMP_BYTES,mode=1777 tmp "$root/tmp"  # first: a Python under /tmp is bound on top
for path in "$@"; do
  mkdir -p "$root$(dirname "$path")"
  if [ -L "$path" ]; then ln -s "$(readlink "$path")" "$root$path"; continue; fi
  mkdir -p "$root$path"; mount --rbind "$path" "$root$path"; mount -o remount,bind,ro "$root$path"
done
for path in $HIDDEN; do mount -t tmpfs -o size=4k,mode=0555,ro hidden "$root$path"; done
mkdir -p "$root/sandbox" "$root/proc" "$root/dev" "$root/.old"
touch "$root/sandbox/child.py"
mount --bind "$CHILD" "$root/sandbox/child.py"; mount -o remount,bind,ro "$root/sandbox/child.py"
for dev in null zero random urandom; do
  touch "$root/dev/$dev"; mount --bind "/dev/$dev" "$root/dev/$dev"
done
mount -t proc proc "$root/proc"
cd "$root"; pivot_root . .old; umount -l /.old; rmdir /.old; mount -o remount,bind,ro /; cd /tmp
drop="--inh-caps=-all --bounding-set=-all --no-new-privs"
[ "$uid" = 0 ] || drop="--reuid=$uid --regid=$uid --clear-groups $drop"
# not exec'd: the shell stays the namespace's init, so the child is not pid 1 (which ignores
# SIGKILL from inside) and its death by a signal comes back as 128 + n, as under bwrap
env -i PATH=/usr/bin:/bin LANG=C.UTF-8 HOME=/tmp setpriv $drop -- "$python" -I -X utf8 /sandbox/child.py "$fd"
"""


def _unshare(fd: int, root: str, uid: int) -> list[str]:
    as_root = os.geteuid() == 0
    user = [] if as_root else ["--user", "--map-root-user"]
    return ["unshare", *user, "--pid", "--fork", "--kill-child", "--mount", "--propagation", "private",
            "--net", "--ipc", "--uts", "sh", "-c", _UNSHARE_SETUP, "sandbox", root, str(fd),
            str(uid if as_root else 0), _PYTHON, *_view()]


def _command(mechanism: Mechanism, fd: int, root: str, uid: int) -> list[str]:
    if mechanism == "bwrap":
        return _bwrap(fd, privileged=os.geteuid() == 0)
    if mechanism == "unshare":
        return _unshare(fd, root, uid)
    return [sys.executable, "-I", "-X", "utf8", str(_CHILD), str(fd)]


def _read_until_exit(child: subprocess.Popen[bytes], reports: int, deadline: float) -> tuple[bytes, bytes, bool]:
    """The report pipe's and stderr's bytes (capped) until both close or the deadline; timed out?"""
    assert child.stderr is not None  # started with stderr=PIPE
    chunks: dict[int, bytearray] = {reports: bytearray(), child.stderr.fileno(): bytearray()}
    with selectors.DefaultSelector() as selector:
        for fd in chunks:
            selector.register(fd, selectors.EVENT_READ)
        exited_at = None
        while selector.get_map():
            now = time.monotonic()
            if now >= deadline:
                return bytes(chunks[reports]), bytes(chunks[child.stderr.fileno()]), True
            if exited_at is None and child.poll() is not None:
                exited_at = now
            if exited_at is not None and now - exited_at > 0.5:
                break  # only an escaped descendant (no isolation) can still hold the pipe
            for key, _ in selector.select(timeout=min(0.1, deadline - now)):
                data = os.read(key.fd, 65536)
                if not data:
                    selector.unregister(key.fd)
                elif len(chunks[key.fd]) < _MAX_REPORT_BYTES:
                    chunks[key.fd] += data
    return bytes(chunks[reports]), bytes(chunks[child.stderr.fileno()]), False


def _kill(child: subprocess.Popen[bytes]) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(child.pid, signal.SIGKILL)
    with contextlib.suppress(ProcessLookupError):
        child.kill()
    child.wait()


@dataclass(frozen=True)
class _Raw:
    report: bytes
    stderr: bytes
    timed_out: bool
    status: int


def _launch(mechanism: Mechanism, job: dict[str, Any], timeout: float) -> _Raw:
    """Start the child under `mechanism`, hand it `job`, collect what it sends; always reaps it."""
    reports, writer = os.pipe()
    with tempfile.TemporaryFile() as stdin, tempfile.TemporaryDirectory(prefix="mistral-eval-code-") as root:
        stdin.write(json.dumps(job).encode())
        stdin.seek(0)
        env = {**_ENV, "CHILD": str(_CHILD), "TMP_BYTES": str(_TMP_BYTES),
               "HIDDEN": " ".join(_hidden(_view()))}
        try:
            child = subprocess.Popen(_command(mechanism, writer, root, job["uid"] or _SANDBOX_UID), stdin=stdin,
                                     stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env,
                                     cwd=root, pass_fds=(writer,), start_new_session=True)
        except OSError as error:
            os.close(reports)
            return _Raw(b"", str(error).encode(), False, -1)
        finally:
            os.close(writer)
        assert child.stderr is not None  # started with stderr=PIPE
        try:
            report, stderr, timed_out = _read_until_exit(child, reports, time.monotonic() + timeout)
        finally:
            os.close(reports)
            _kill(child)
            child.stderr.close()
    status = child.returncode
    if mechanism != "none" and status > 128:  # bwrap exits 128 + n when its child died of signal n
        status = 128 - status
    return _Raw(report, stderr, timed_out, status)


def _job(blocks: list[str], function: str | None, tests: list[dict[str, Any]], memory_mb: int, timeout: float,
         mechanism: Mechanism) -> dict[str, Any]:
    own_uid = mechanism != "none" and os.geteuid() == 0
    return {"token": secrets.token_hex(16), "blocks": blocks, "function": function, "tests": tests,
            "memory_mb": memory_mb, "cpu_s": math.ceil(timeout) + 1, "timeout": timeout, "nproc": _NPROC,
            "uid": _UID_BASE + secrets.randbelow(_UID_SPAN) if own_uid else None,
            "mechanism": mechanism, "confine": mechanism != "none"}


def forced_mechanism() -> Literal["bwrap", "unshare"] | None:
    """The mechanism $MISTRAL_EVAL_SANDBOX forces, None when unset; a ConfigError naming the variable
    for any other value (checked before a model loads)."""
    forced = os.environ.get(FORCE_ENV, "").strip()
    if forced and forced not in ("bwrap", "unshare"):
        raise ConfigError(f"{FORCE_ENV}={forced!r} is not a sandbox mechanism: use bwrap or unshare, or unset it",
                          field=FORCE_ENV)
    return forced or None  # type: ignore[return-value]


@functools.cache
def isolation() -> Literal["bwrap", "unshare"] | None:
    """The isolation this machine gives code checks ("bwrap", else "unshare"), or None when neither
    works here. Probed once per process by running a trivial job in each; the answer is cached.
    With MISTRAL_EVAL_SANDBOX set, only that mechanism is tried, and SandboxUnavailableError names
    the variable when it does not work (a value other than bwrap/unshare: ConfigError)."""
    forced = forced_mechanism()
    for mechanism in (forced,) if forced else ("bwrap", "unshare"):
        if shutil.which(mechanism) is None:
            continue
        run = _run(mechanism, ["x = 1"], [{"call": "x"}], None, 10.0, 256)
        if run.failure is None and run.tests[0].value == 1:
            return mechanism
    if forced:
        raise SandboxUnavailableError(f"{FORCE_ENV}={forced} asks for {forced}, which does not work on this "
                                      f"machine (is it installed?); unset {FORCE_ENV} to use what works")
    return None


def isolation_record() -> str | None:
    """What the manifest records about the isolation: the mechanism and how processes are limited per
    check, e.g. "bwrap; seccomp; 64 processes per check (own uid)"; None without isolation."""
    mechanism = isolation()
    if mechanism is None:
        return None
    per_check = "own uid" if os.geteuid() == 0 else "own user namespace"
    return f"{mechanism}; seccomp; {_NPROC} processes per check ({per_check})"


def _message(line: bytes, token: str) -> dict[str, Any] | str:
    """One line from the child as a dict, or a sentence saying what is wrong with it."""
    prefix = token.encode() + b" "
    if not line.startswith(prefix):
        return "a line without the run's token"
    try:
        message = json.loads(line[len(prefix):])
    except (ValueError, RecursionError):
        return "a line that is not JSON"
    if not isinstance(message, dict) or not isinstance(message.get("kind"), str):
        return "a message that is not an object with a kind"
    return message


def _test_report(message: dict[str, Any], expected_index: int) -> TestReport | str:
    index, fields = message.get("index"), set(message) - {"kind", "index"}
    if type(index) is not int or index != expected_index:
        return f"a test message with index {index!r} where {expected_index} was due"
    shapes: tuple[tuple[TestKind, set[str]], ...] = (("value", {"value", "shown"}), ("repr", {"repr"}),
                                                      ("ok", {"ok"}), ("raised", {"raised"}))
    for kind, keys in shapes:
        if fields == keys:
            text = message.get("shown", message.get("repr", message.get("raised", "")))
            if isinstance(text, str) and (kind != "ok" or message["ok"] is True):
                return TestReport(index, kind, message.get("value"), text[:300])
    return f"a test message with fields {sorted(fields)}"


def _interpret(raw: _Raw, job: dict[str, Any]) -> CodeRun:
    """Validate the child's lines in order; the first malformed one ends the run as a failure."""
    mechanism: Mechanism = job["mechanism"]
    tests: list[TestReport] = []
    notes: list[str] = []
    failure, started, done = None, False, False
    for line in raw.report.splitlines():
        message = _message(line, job["token"])
        kind = message.get("kind") if isinstance(message, dict) else None
        if isinstance(message, str) or done:
            failure = f"the child sent {message if isinstance(message, str) else 'lines after done'}"
        elif kind == "started" and not started:
            started = True
        elif kind in ("note", "error") and started and isinstance(message.get("text"), str):
            if kind == "error":
                failure = message["text"][:300]
            elif len(notes) < _MAX_NOTES:
                notes.append(message["text"][:200])
        elif kind == "test" and started:
            report = _test_report(message, len(tests))
            if isinstance(report, str):
                failure = f"the child sent {report}"
            else:
                tests.append(report)
        elif kind == "done" and started:
            done = True
        else:
            failure = f"the child sent an unexpected message of kind {str(kind)[:40]!r}"
        if failure:
            break
    if failure is None and raw.timed_out:
        failure = f"the code timed out after {job['timeout']:g} s"
    elif failure is None and not started:
        detail = raw.stderr.decode("utf-8", "replace").strip().splitlines()[-1:] or ["no output"]
        failure = f"the sandbox did not start (exit status {raw.status}: {detail[0][:200]})"
    elif failure is None and (not done or len(tests) < len(job["tests"])):
        failure = f"the child process died (exit status {raw.status})"
    return CodeRun(tuple(tests), tuple(notes), failure, mechanism)


def run_code(blocks: list[str], tests: list[dict[str, Any]], *, function: str | None = None,
             timeout: float = 10.0, memory_mb: int = 512, allow_unisolated: bool = False) -> CodeRun:
    """Run an answer's code `blocks` and then each test in the sandbox; report what each returned.

    A test is `{"call": "f(1)"}` (its value comes back as plain JSON data, else as a repr) or
    `{"exec": "assert f(1) == 0"}`. With `function`, the code must define that name, or a function
    or method the child can tell is meant (see `sandbox_child._choose`). `timeout` bounds the whole
    run in wall-clock seconds, `memory_mb` the address space. Without isolation on this machine, it
    raises `SandboxUnavailableError`, unless `allow_unisolated` runs the code in a plain child process.
    """
    mechanism: Mechanism | None = isolation()
    if mechanism is None:
        if not allow_unisolated:
            raise SandboxUnavailableError()
        mechanism = "none"
    return _run(mechanism, blocks, tests, function, timeout, memory_mb)


def _run(mechanism: Mechanism, blocks: list[str], tests: list[dict[str, Any]], function: str | None,
         timeout: float, memory_mb: int) -> CodeRun:
    job = _job(blocks, function, tests, memory_mb, timeout, mechanism)
    return _interpret(_launch(mechanism, job, timeout), job)
