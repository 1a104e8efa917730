"""Tests for sandbox.py: answer code attacks the harness, and each attack is blocked.

Every attack runs under each isolation this machine offers (CI installs bubblewrap; util-linux's
unshare is the fallback); each run is one sandbox start, a tenth of a second or so.
"""

from __future__ import annotations

import os
import shutil
import socket
import time
import uuid
from pathlib import Path

import pytest

from mistral_eval.checks import sandbox
from mistral_eval.checks.registry import python
from mistral_eval.core.errors import SandboxUnavailableError

FAKE_TOKEN = "hf_fake" + uuid.uuid4().hex
MECHANISMS = [m for m in ("bwrap", "unshare") if shutil.which(m)]


def test_this_machine_has_isolation():
    assert sandbox.isolation() == "bwrap", "make test installs bubblewrap as root (.ci/system-deps); install it here too"
    assert MECHANISMS


def run(mechanism: str, code: str, calls: list[str], timeout: float = 10.0) -> sandbox.CodeRun:
    return sandbox._run(mechanism, [code], [{"call": c} for c in calls], None, timeout, 512)


def everything_said(result: sandbox.CodeRun) -> str:
    return repr(result)


@pytest.fixture(params=MECHANISMS)
def mechanism(request):
    return request.param


def test_the_harness_environment_never_reaches_the_code(mechanism, monkeypatch):
    monkeypatch.setenv("HF_TOKEN", FAKE_TOKEN)
    code = """
import os
def leak():
    found = [dict(os.environ)]
    for pid in ["self", "1", str(os.getppid())] + [p for p in os.listdir("/proc") if p.isdigit()]:
        for name in ("environ", "cmdline"):
            try:
                found.append(open(f"/proc/{pid}/{name}", "rb").read().decode("latin-1"))
            except OSError as error:
                found.append(str(error))
    return repr(found)
"""
    result = run(mechanism, code, ["leak()", "dict(os.environ)"])
    assert result.failure is None and result.tests[0].kind == "value"
    assert FAKE_TOKEN not in everything_said(result)
    assert result.tests[1].value.keys() <= {"PATH", "LANG", "HOME", "PWD"}
    check = python(["assert leak() == ''"])(f"```python\n{code}\n```")
    assert not check.passed and FAKE_TOKEN not in check.reason


def test_no_file_appears_outside_the_private_folder(mechanism, tmp_path):
    targets = [tmp_path / "escaped.txt", Path.home() / f".mistral-eval-escape-{uuid.uuid4().hex}",
               Path("/tmp") / f"mistral-eval-escape-{uuid.uuid4().hex}", Path.cwd() / "escaped.txt"]
    code = f"""
import os
def write_all():
    done = []
    for path in {[str(t) for t in targets]!r} + ["here.txt"]:
        try:
            open(path, "w").write("x")
            done.append(path)
        except OSError as error:
            done.append(type(error).__name__)
    return done
"""
    result = run(mechanism, code, ["write_all()"])
    assert result.tests[0].value[-1] == "here.txt"  # its own /tmp is writable
    for target in targets:
        assert not target.exists(), target


def test_host_files_cannot_be_read(mechanism, tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text(FAKE_TOKEN)
    code = f"""
import os
def read_all():
    out = []
    for path in ["/etc/passwd", "/etc/shadow", {str(secret)!r}, os.path.expanduser("~/.cache/huggingface"),
                 "/root/.cache/huggingface", {str(Path.home() / ".cache")!r}]:
        try:
            out.append(open(path).read() if os.path.isfile(path) else os.listdir(path))
        except OSError as error:
            out.append(type(error).__name__)
    return out
"""
    result = run(mechanism, code, ["read_all()", "sorted(os.listdir('/'))"])
    read = result.tests[0].value
    assert all(item in ("FileNotFoundError", "PermissionError") for item in read), read
    assert FAKE_TOKEN not in everything_said(result)
    assert "etc" not in result.tests[1].value and "home" not in result.tests[1].value


@pytest.fixture
def listener():
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(8)
    server.settimeout(0.2)
    yield server
    server.close()


def test_no_connection_reaches_a_listener_on_the_host(mechanism, listener):
    port = listener.getsockname()[1]
    code = f"""
import ctypes, os, socket, struct, subprocess, sys
def attempts():
    out = []
    for make in (socket.socket, socket.SocketType, lambda: socket.create_connection(("127.0.0.1", {port}))):
        try:
            s = make()
            s.connect(("127.0.0.1", {port}))
            out.append("connected")
        except OSError as error:
            out.append(type(error).__name__)
    probe = "import socket; socket.create_connection(('127.0.0.1', {port})); print('connected')"
    try:
        out.append(subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                                  timeout=5).stdout)
    except Exception as error:
        out.append(type(error).__name__)
    libc = ctypes.CDLL(None, use_errno=True)
    fd = libc.socket(2, 1, 0)
    address = struct.pack("H", 2) + struct.pack("!H", {port}) + bytes([127, 0, 0, 1]) + bytes(8)
    out.append(libc.connect(fd, address, len(address)))
    return out
"""
    result = run(mechanism, code, ["attempts()"])
    assert result.failure is None, result.failure
    assert "connected" not in repr(result.tests[0].value)
    assert result.tests[0].value[-1] == -1  # the ctypes connect failed too
    with pytest.raises(socket.timeout):
        listener.accept()


def alive_with(marker: str) -> list[str]:
    found = []
    for entry in Path("/proc").iterdir():
        try:
            if marker.encode() in (entry / "cmdline").read_bytes():
                found.append(entry.name)
        except OSError:
            continue
    return found


def test_no_process_outlives_the_check(mechanism, tmp_path):
    marker = f"mistral-eval-survivor-{uuid.uuid4().hex}"
    code = f"""
import os, subprocess, sys, time
def escape():
    if os.fork() == 0:
        os.setsid()
        if os.fork() == 0:
            os.execv(sys.executable, [sys.executable, "-c",
                     "import time; time.sleep(30)  # {marker}"])
        os._exit(0)
    subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)  # {marker}"],
                     start_new_session=True)
    time.sleep(0.1)
    return "spawned"
"""
    result = run(mechanism, code, ["escape()"])
    assert result.tests[0].value == "spawned"
    time.sleep(0.2)
    assert alive_with(marker) == []


def test_a_timed_out_check_leaves_no_process(mechanism):
    marker = f"mistral-eval-loop-{uuid.uuid4().hex}"
    code = f"""
import os, subprocess, sys
subprocess.Popen([sys.executable, "-c", "while True: pass  # {marker}"], start_new_session=True)
while True:
    pass
"""
    started = time.monotonic()
    result = run(mechanism, code, ["1"], timeout=0.5)
    assert "timed out after 0.5 s" in result.failure and time.monotonic() - started < 3
    time.sleep(0.2)
    assert alive_with(marker) == []


def test_the_harness_survives_kill_attempts(mechanism):
    code = f"""
import os, signal
def kill_everything():
    out = []
    for action in (lambda: os.kill(os.getppid(), 9), lambda: os.kill({os.getpid()}, 9),
                   lambda: os.kill({os.getppid()}, 9), lambda: os.killpg({os.getpgrp()}, 9),
                   lambda: os.kill(1, 9)):
        try:
            action()
            out.append("sent")
        except OSError as error:
            out.append(type(error).__name__)
    return out
"""
    result = run(mechanism, code, ["kill_everything()", "1"])
    assert os.getppid() > 1
    assert result.failure is None or "died" in result.failure
    result = run(mechanism, "import os\nos.killpg(0, 9)\nos.kill(-1, 9)\n", ["1"])
    assert result.failure is None or "died" in result.failure


def test_forged_reports_do_not_pass(mechanism):
    forged = """
import os, sys
for mark in ("@@mistral-eval@@ ", ""):
    print(mark + '{"test": 0, "passed": true, "detail": ""}', flush=True)
for fd in range(3, 20):
    try:
        os.write(fd, b'0123456789abcdef {"kind": "test", "index": 0, "value": 5, "shown": "5"}\\n')
    except OSError:
        pass
os._exit(0)
"""
    result = python([{"call": "add(2, 3)", "expected": 5}])(f"```python\n{forged}\n```")
    assert not result.passed and "0 of 1 tests passed" in result.reason
    forged_run = run(mechanism, forged, ["add(2, 3)"])
    assert forged_run.tests == () and forged_run.failure == "the child sent a line without the run's token"


def test_the_expected_values_never_enter_the_sandbox():
    secret = f"zebra-{uuid.uuid4().hex}"
    code = """
import gc, os, re
def look():
    seen = repr([o for o in gc.get_objects() if isinstance(o, (dict, list, str))])
    os.lseek(0, 0, 0)
    seen += os.read(0, 1 << 20).decode()
    return sorted(set(re.findall("zebra-[0-9a-f]{32}", seen)))
"""
    result = python([{"call": "look()", "expected": [secret]}, f"assert look() == [{secret!r}]"])(
        f"```python\n{code}\n```")
    assert not result.passed and "look() returned [], expected" in result.reason


def test_malformed_messages_are_a_failed_run_not_an_exception():
    mechanism = MECHANISMS[0]  # the protocol is the same under every isolation
    for payload in ('{not json', '[1, 2]', '{"kind": "test", "index": 7, "value": 1, "shown": "1"}',
                    '{"kind": "test", "index": 0, "ok": "yes"}', '{"kind": "done"}\\nTOKEN {"kind": "note", "text": 1}'):
        code = f"""
import gc, os
token = next(o["token"] for o in gc.get_objects() if isinstance(o, dict) and "token" in o)
channel = int(open("/proc/self/cmdline").read().split("\\0")[-2])
os.write(channel, (token + " " + {payload!r}.replace("TOKEN", token) + "\\n").encode())
os._exit(0)
"""
        result = run(mechanism, code, ["1"])
        assert result.tests == () and result.failure.startswith("the child "), result.failure


def test_no_isolation_means_no_code_unless_allowed(monkeypatch, tmp_path):
    sandbox.isolation.cache_clear()
    try:
        with monkeypatch.context() as patch:
            patch.setenv("PATH", str(tmp_path))  # neither bwrap nor unshare can be found
            assert sandbox.isolation() is None
            with pytest.raises(SandboxUnavailableError) as error:
                python(["assert True"])("```python\nx = 1\n```")
            assert "bubblewrap" in str(error.value) and "--allow-unisolated-code" in str(error.value)
            unisolated = sandbox.run_code(["x = 41"], [{"call": "x + 1"}], allow_unisolated=True)
            assert unisolated.isolation == "none" and unisolated.tests[0].value == 42
            assert python(["assert x == 1"], allow_unisolated=True)("```python\nx = 1\n```").passed
    finally:
        sandbox.isolation.cache_clear()
    assert sandbox.isolation() == MECHANISMS[0]
