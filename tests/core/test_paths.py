"""Tests for paths.py: output locations checked before any work, bounded input reads, atomic writes."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from mistral_eval.core.errors import ConfigError
from mistral_eval.core.paths import (
    MAX_INPUT_BYTES,
    check_output_dir,
    check_output_file,
    file_kind,
    read_input,
    shown,
    write_text_atomic,
)

REPO = Path(__file__).resolve().parents[2]


def _listing(root: Path) -> dict[str, bytes | None]:
    return {str(p.relative_to(root)): (p.read_bytes() if p.is_file() else None) for p in root.rglob("*")}


@pytest.fixture
def tree(tmp_path):
    (tmp_path / "file.txt").write_text("stored", encoding="utf-8")
    (tmp_path / "dir").mkdir()
    (tmp_path / "dir" / "old.html").write_text("old", encoding="utf-8")
    before = _listing(tmp_path)
    yield tmp_path
    assert _listing(tmp_path) == before, "a check created, removed or changed a file"


# --- output directories --------------------------------------------------------------------------

def test_an_existing_or_creatable_directory_is_accepted(tree):
    assert check_output_dir(tree / "dir") == tree / "dir"
    assert check_output_dir(str(tree / "new" / "deeper")) == tree / "new" / "deeper"
    assert not (tree / "new").exists()


def test_a_relative_directory_is_accepted(tree, monkeypatch):
    monkeypatch.chdir(tree)
    assert check_output_dir("runs/a") == Path("runs/a")


@pytest.mark.parametrize("check", [check_output_dir, check_output_file])
@pytest.mark.parametrize("path", ["", "   "])
def test_an_empty_path_is_refused(check, path):
    with pytest.raises(ConfigError) as error:
        check(path, what="--out")
    assert error.value.field == "--out" and "empty" in error.value.message


def _refused(check, path, *words: str, what: str = "--out") -> ConfigError:
    started = time.perf_counter()
    with pytest.raises(ConfigError) as error:
        check(path, what=what)
    assert time.perf_counter() - started < 2
    assert error.value.field == what and str(path)[:60] in error.value.message, error.value.message
    for word in words:
        assert word in error.value.message, error.value.message
    assert "\n" not in str(error.value)
    return error.value


def test_a_directory_path_that_is_a_file_is_refused(tree):
    _refused(check_output_dir, tree / "file.txt", "is a file, not a directory")


@pytest.mark.parametrize("check", [check_output_dir, check_output_file])
def test_a_path_below_a_file_is_refused(tree, check):
    _refused(check, tree / "file.txt" / "sub" / "x", "file.txt", "which is a file")


@pytest.mark.parametrize("check", [check_output_dir, check_output_file])
@pytest.mark.parametrize("path", ["/proc/self/out", "/proc", "/sys/kernel/x", "/dev/shm/../x"])
def test_pseudo_file_systems_are_refused(check, path):
    _refused(check, path, "holds no ordinary files")


def test_a_symlink_into_proc_is_refused(tmp_path):
    (tmp_path / "link").symlink_to("/proc/self")
    _refused(check_output_dir, tmp_path / "link" / "out", "/proc")


def test_a_dangling_symlink_is_refused(tmp_path):
    (tmp_path / "link").symlink_to(tmp_path / "nowhere")
    _refused(check_output_dir, tmp_path / "link", "symbolic link to nothing")


def test_an_overlong_name_is_refused(tmp_path):
    _refused(check_output_dir, tmp_path / ("n" * 300), "File name too long")


def test_the_option_name_is_what_the_caller_says(tree):
    error = _refused(check_output_dir, tree / "file.txt", what="out")
    assert "field 'out'" in str(error)


_READ_ONLY_PROBE = """
import sys
from mistral_eval.core.errors import ConfigError
from mistral_eval.core.paths import check_output_dir, check_output_file
d = sys.argv[1]
for check, path in ((check_output_dir, d), (check_output_dir, d + "/run/a"), (check_output_file, d + "/r.html")):
    try:
        check(path)
        print("ACCEPTED", path)
    except ConfigError as error:
        print("REFUSED", error)
"""


def test_a_read_only_directory_is_refused_even_as_root(tmp_path):
    """As root, mode bits do not stop a write; a read-only bind mount does, and the probe notices."""
    target = tmp_path / "ro"
    target.mkdir()
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    python = [sys.executable, "-c", _READ_ONLY_PROBE, str(target)]
    if os.geteuid() == 0:
        command = ["unshare", "--mount", "--propagation", "private", "sh", "-c",
                   'mount --bind "$0" "$0" && mount -o remount,ro,bind "$0" && exec "$@"', str(target), *python]
    else:
        target.chmod(0o555)
        command = python
    try:
        result = subprocess.run(command, env=env, capture_output=True, text=True, timeout=60)
    finally:
        target.chmod(0o755)
    lines = result.stdout.splitlines()
    assert result.returncode == 0 and len(lines) == 3, result.stderr
    for line in lines:
        assert line.startswith("REFUSED") and str(target) in line and "read-only" in line, line
    assert list(target.iterdir()) == []


# --- output files --------------------------------------------------------------------------------

def test_an_output_file_is_accepted_new_or_existing(tree):
    assert check_output_file(tree / "dir" / "old.html") == tree / "dir" / "old.html"
    assert check_output_file(tree / "report.html") == tree / "report.html"
    assert check_output_file(tree / "sub" / "report.html") == tree / "sub" / "report.html"


def test_an_output_file_that_is_a_directory_is_refused(tree):
    error = _refused(check_output_file, tree / "dir", "is a directory")
    assert str(tree / "dir" / "report.html") in error.message


def test_an_output_file_ending_in_a_slash_is_refused(tree):
    _refused(check_output_file, f"{tree}/new/", "ends with a slash")


def test_an_output_file_that_is_a_pipe_is_refused(tmp_path):
    os.mkfifo(tmp_path / "pipe")
    _refused(check_output_file, tmp_path / "pipe", "is a pipe")


# --- input files ---------------------------------------------------------------------------------

def test_read_input_reads_a_file(tmp_path):
    (tmp_path / "a.yaml").write_bytes(b"x: 1\n")
    assert read_input(tmp_path / "a.yaml") == b"x: 1\n"


@pytest.mark.parametrize("make, words", [
    (lambda d: d / "absent.yaml", "No such file"),
    (lambda d: d, "is a directory"),
    (lambda d: (os.mkfifo(d / "fifo"), d / "fifo")[1], "is a pipe"),
    (lambda d: Path("/dev/zero"), "is a device"),
    (lambda d: (os.truncate(_touch(d / "sparse.yaml"), 2**30), d / "sparse.yaml")[1], "1,073,741,824 bytes"),
], ids=["missing", "directory", "fifo", "device", "sparse 1 GB"])
def test_read_input_refuses_what_is_not_a_small_regular_file(tmp_path, make, words):
    path = make(tmp_path)
    started = time.perf_counter()
    with pytest.raises(ConfigError) as error:
        read_input(path, what="suite file")
    assert time.perf_counter() - started < 1
    assert error.value.file == str(path) and words in error.value.message and "suite file" in error.value.message


def _touch(path: Path) -> Path:
    path.touch()
    return path


def test_read_input_limit(tmp_path):
    (tmp_path / "big").write_bytes(b"x" * 11)
    assert read_input(tmp_path / "big", limit=11) == b"x" * 11
    with pytest.raises(ConfigError, match="11 bytes, more than the 10"):
        read_input(tmp_path / "big", limit=10)
    assert MAX_INPUT_BYTES >= 2**20


# --- atomic writes -------------------------------------------------------------------------------

def test_write_text_atomic_writes_and_replaces(tmp_path):
    target = tmp_path / "report.html"
    assert write_text_atomic(target, "first ✓") == target
    write_text_atomic(str(target), "second")
    assert target.read_text(encoding="utf-8") == "second"
    assert [p.name for p in tmp_path.iterdir()] == ["report.html"]
    umask = os.umask(0)
    os.umask(umask)
    assert target.stat().st_mode & 0o777 == 0o666 & ~umask


def test_write_text_atomic_over_a_directory_fails_and_leaves_no_temporary_file(tmp_path):
    (tmp_path / "out").mkdir()
    (tmp_path / "out" / "kept").write_text("kept", encoding="utf-8")
    with pytest.raises(IsADirectoryError):
        write_text_atomic(tmp_path / "out", "x")
    assert sorted(p.name for p in tmp_path.rglob("*")) == ["kept", "out"]


def test_write_text_atomic_keeps_the_old_file_when_the_text_cannot_be_encoded(tmp_path):
    target = tmp_path / "a.txt"
    target.write_text("old", encoding="utf-8")
    with pytest.raises(UnicodeEncodeError):
        write_text_atomic(target, "nicht ascii: ü", encoding="ascii")
    assert target.read_text(encoding="utf-8") == "old" and [p.name for p in tmp_path.iterdir()] == ["a.txt"]


def test_write_text_atomic_into_a_missing_directory_fails_cleanly(tmp_path):
    with pytest.raises(FileNotFoundError):
        write_text_atomic(tmp_path / "missing" / "a.txt", "x")
    assert list(tmp_path.iterdir()) == []


def test_write_text_atomic_with_a_long_name(tmp_path):
    target = tmp_path / ("n" * 250)
    write_text_atomic(target, "x")
    assert target.read_text(encoding="utf-8") == "x" and len(list(tmp_path.iterdir())) == 1


def test_one_wording_of_what_a_path_is(tmp_path):
    import socket
    import stat

    os.mkfifo(tmp_path / "fifo")
    (tmp_path / "file").write_text("x")
    with socket.socket(socket.AF_UNIX) as server:
        server.bind(str(tmp_path / "sock"))
        kinds = {name: file_kind(os.stat(tmp_path / name).st_mode) for name in ("fifo", "file", "sock")}
    assert kinds == {"fifo": "a pipe (FIFO)", "file": "a regular file", "sock": "a socket"}
    assert file_kind(os.stat(tmp_path).st_mode) == "a directory" and file_kind(os.stat("/dev/null").st_mode) == "a device"
    assert file_kind(stat.S_IFLNK) == "a symbolic link"


def test_a_non_utf8_path_is_shown_escaped(tmp_path):
    path = Path(os.fsdecode(bytes(tmp_path) + b"/run-\xff"))
    assert shown(path) == f"{tmp_path}/run-\\udcff" and shown(bytes(path)) == shown(path)
    assert shown(tmp_path / "日本語") == f"{tmp_path}/日本語"  # valid UTF-8: as given
    shown(path).encode("utf-8")  # never raises
