"""The run store: `manifest.json` + append-only `results.jsonl`, one writer lock, resume.

It knows the result record and the run directory; it knows nothing about models, DataFrames
(`analysis.frames`) or HTML.
Several processes (ranks) may append to one directory at once: every read-modify-write of
`results.jsonl` happens under `fcntl.flock` on that file.
"""

from __future__ import annotations

import errno
import fcntl
import io
import json
import os
import stat
import warnings
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from pydantic import ValidationError

from mistral_eval.core.choices import MANIFEST_FILE, RESULTS_FILE
from mistral_eval.core.errors import ConfigError, RunStoreError
from mistral_eval.core.paths import file_kind, shown, write_text_atomic
from mistral_eval.runs.records import Manifest, Result

if TYPE_CHECKING:
    pass

__all__ = ["MANIFEST", "RESULTS", "RunStore", "open_regular", "refuse_run_file", "run_names"]

MANIFEST = MANIFEST_FILE
RESULTS = RESULTS_FILE
_LOCK = ".lock"
"""Held by the processes writing a run directory (see RunStore.open)."""
_NO_FLOCK = {errno.ENOLCK, errno.EOPNOTSUPP, errno.ENOSYS, errno.EINVAL}
_NEW_DIR_HINT = "Use a new --out directory for a different run, or rerun with the same options to resume."


def open_regular(path: Path, write: bool = False) -> io.FileIO:
    """`path` opened without following a symbolic link and only when it is a regular file (to append
    to when `write`, created when missing); else a RunStoreError naming the path. A FIFO never blocks."""
    flags = (os.O_RDWR | os.O_CREAT | os.O_APPEND) if write else os.O_RDONLY
    try:
        fd = os.open(path, flags | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC, 0o666)
    except OSError as error:
        problem = ("is a symbolic link; a run directory's files are never followed out of it"
                   if error.errno == errno.ELOOP else "is a directory, not a file" if error.errno == errno.EISDIR
                   else f"cannot be opened ({error.strerror})")
        raise RunStoreError(f"{shown(path)} {problem}. {_NEW_DIR_HINT}") from None
    mode = os.fstat(fd).st_mode
    if not stat.S_ISREG(mode):
        os.close(fd)
        raise RunStoreError(f"{shown(path)} is {file_kind(mode)}, not a regular file. {_NEW_DIR_HINT}")
    os.set_blocking(fd, True)
    return io.FileIO(fd, "r+" if write else "r", closefd=True)


def _read_manifest(path: Path, manifest_type: type[Any] = Manifest, kind: str = "run") -> Any:
    try:
        with open_regular(path) as file:
            data = json.loads(file.readall().decode("utf-8"))
    except (OSError, ValueError) as error:
        raise RunStoreError(f"{shown(path)} cannot be read ({error}). {_NEW_DIR_HINT}") from error
    if not isinstance(data, dict):
        raise RunStoreError(f"{path} is not a {kind} manifest: it holds a JSON {type(data).__name__}, not an "
                            f"object. {_NEW_DIR_HINT}")
    try:
        return manifest_type.model_validate(data)
    except ValidationError as error:
        problems = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in error.errors()[:5])
        raise RunStoreError(f"{path} is not a valid {kind} manifest ({problems}). {_NEW_DIR_HINT}") from None


# ---------------------------------------------------------------------------------------------
# the store


S = TypeVar("S", bound="RunStore")
"""A RunStore or a subclass of it (`open`, `read` and `with` give back the class they are called on)."""


class RunStore:
    """One run directory. Open it with `RunStore.open` (to write) or `RunStore.read` (to read).

    The store is generic over its records: a subclass sets `record_type` (a pydantic model with a
    string `key` and `to_json()`), `manifest_type` (with `fingerprint`, `computed_fingerprint()` and
    `differences()`), the two file names and `kind` (for messages), and gets the same lock, torn-line
    repair and resume (`judgments.JudgmentStore` does).
    """

    record_type: type[Any] = Result
    manifest_type: type[Any] = Manifest
    records_file: str = RESULTS
    manifest_file: str = MANIFEST
    kind: str = "run"
    record_name: str = "result"
    _writer: io.FileIO | None
    """The `.lock` file held while writing; set by `_hold_writer_lock`."""

    def __init__(self, directory: Path, manifest: Any, file: io.FileIO | None, writable: bool):
        self.directory = directory
        self._manifest = manifest
        self._file = file
        self._writable = writable
        self._offset = 0        # bytes of results.jsonl already parsed into _keys
        self._lines = 0         # lines parsed, for error messages
        self._keys: set[str] = set()
        self._warned_no_lock = False

    @classmethod
    def open(cls: type[S], directory: str | os.PathLike[str], manifest: Any, *, shared: bool = False) -> S:
        """Open `directory` to append results: a new run, or resuming one with the same fingerprint.

        Raises RunStoreError if the directory holds a run with a different fingerprint, or if another
        process is writing to it: a writer holds `.lock` until it closes the store, exclusively, or
        `shared` by every rank of one multi-process launch.
        """
        directory = Path(directory)
        manifest = manifest.model_copy(update={"fingerprint": manifest.computed_fingerprint()})
        try:
            directory.mkdir(parents=True, exist_ok=True)
        except OSError as error:
            raise RunStoreError(f"{shown(directory)} cannot be created ({error.strerror})") from None
        store = cls(directory, manifest, open_regular(directory / cls.records_file, write=True), writable=True)
        try:
            store._hold_writer_lock(shared)
            with store._locked(fcntl.LOCK_EX):
                store._manifest = store._adopt_manifest(manifest)
                store._refresh(repair=True)
        except BaseException:
            store.close()
            raise
        return store

    @classmethod
    def read(cls: type[S], directory: str | os.PathLike[str]) -> S:
        """Open an existing run directory read-only."""
        directory = Path(directory)
        if not os.path.lexists(directory / cls.manifest_file):
            raise RunStoreError(f"{shown(directory)} is not a {cls.kind} directory: it has no {cls.manifest_file}.")
        results = directory / cls.records_file
        file = open_regular(results) if os.path.lexists(results) else None
        manifest = _read_manifest(directory / cls.manifest_file, cls.manifest_type, cls.kind)
        return cls(directory, manifest, file, writable=False)

    def _adopt_manifest(self, manifest: Any) -> Any:
        """Under the lock: write the manifest of a new run, or check it against the stored one."""
        path = self.directory / self.manifest_file
        if not path.exists():
            if os.fstat(self._fd).st_size:
                raise RunStoreError(f"{self.directory} has {self.records_file} but no {self.manifest_file}, so its records "
                                    f"cannot be trusted to match this run. {_NEW_DIR_HINT}")
            write_text_atomic(path, manifest.model_dump_json(indent=2) + "\n")
            return manifest
        stored = _read_manifest(path, self.manifest_type, self.kind)
        # the stored fingerprint, or the stored identity under today's rules (a judge's identity no
        # longer holds its run's directory name)
        if manifest.fingerprint not in (stored.fingerprint, stored.computed_fingerprint()):
            differences = stored.differences(manifest) or ["(fingerprint only)"]
            raise RunStoreError(f"{self.directory} holds a different {self.kind}, so it cannot be resumed. "
                                f"Differences:\n  " + "\n  ".join(differences) + f"\n{_NEW_DIR_HINT}")
        return stored

    @property
    def manifest(self) -> Any:
        """The stored manifest (for a resumed run, the one written when the run started)."""
        return self._manifest

    @property
    def _fd(self) -> int:
        assert self._file is not None
        return self._file.fileno()

    @contextmanager
    def _locked(self, mode: int) -> Iterator[None]:
        locked = self._flock(mode)
        try:
            yield
        finally:
            if locked:
                fcntl.flock(self._fd, fcntl.LOCK_UN)

    def _flock(self, mode: int) -> bool:
        """Take the lock; False (with one warning) on a file system without flock."""
        try:
            fcntl.flock(self._fd, mode)
            return True
        except OSError as error:  # e.g. some FUSE mounts (Google Drive on Colab) lack flock
            if error.errno not in _NO_FLOCK:
                raise
        if not self._warned_no_lock:
            warnings.warn(f"{self.directory} does not support file locks; only one process may "
                          f"write to it at a time.", RuntimeWarning, stacklevel=4)
            self._warned_no_lock = True
        return False

    def _refresh(self, *, repair: bool) -> None:
        """Under the lock: parse lines appended since the last call; drop a torn tail if `repair`."""
        size = os.fstat(self._fd).st_size
        if size < self._offset:  # truncated behind our back: start over
            self._offset, self._lines, self._keys = 0, 0, set()
        data = os.pread(self._fd, size - self._offset, self._offset)
        complete = data.rfind(b"\n") + 1
        for record in self._parse(data[:complete], first_line=self._lines + 1):
            self._keys.add(record.key)
        self._lines += data[:complete].count(b"\n")
        if repair and complete < len(data):
            os.ftruncate(self._fd, self._offset + complete)
            os.fsync(self._fd)
            warnings.warn(f"{self.directory / self.records_file}: removed a torn last line "
                          f"({len(data) - complete} bytes) left by a writer that was killed mid-write.",
                          RuntimeWarning, stacklevel=3)
        self._offset += complete

    def _parse(self, data: bytes, first_line: int = 1) -> list[Any]:
        records = []
        for number, line in enumerate(data.split(b"\n")[:-1], start=first_line):
            if not line.strip():
                continue
            try:
                raw = json.loads(line.decode("utf-8"))
                if not isinstance(raw, dict) or not isinstance(raw.get("key"), str):
                    raise ValueError("not a record with a string 'key'")
                records.append(self.record_type.model_validate(raw))
            except ValidationError as error:
                first = error.errors()[0]
                raise RunStoreError(f"{self.directory / self.records_file} line {number} is not a {self.record_name} record "
                                    f"({'.'.join(map(str, first['loc']))}: {first['msg']}). Remove that "
                                    f"line to resume, or start a new --out directory.") from None
            except ValueError as error:
                raise RunStoreError(f"{self.directory / self.records_file} line {number} is damaged ({error}). "
                                    f"Remove that line to resume, or start a new --out directory.") from error
        return records

    def finished_keys(self) -> set[str]:
        """Keys of every record in the store, including those other processes appended."""
        if self._file is None:
            return set()
        with self._locked(fcntl.LOCK_SH):
            self._refresh(repair=False)
        return set(self._keys)

    def append(self, record: Any) -> None:
        """Append one record durably; refuses a key that is already in the store (any process's)."""
        if not self._writable:
            raise RunStoreError(f"{self.directory} was opened read-only; use RunStore.open to append.")
        key = record.key
        line = (record.to_json() + "\n").encode("utf-8")
        with self._locked(fcntl.LOCK_EX):
            self._refresh(repair=True)
            if key in self._keys:
                raise RunStoreError(f"{key!r} is already finished in {self.directory}; skip finished "
                                    f"keys (see finished_keys()) instead of running them again.")
            try:
                written = os.write(self._fd, line)
                os.fsync(self._fd)
            except OSError as error:
                os.ftruncate(self._fd, self._offset)
                raise RunStoreError(f"cannot write to {shown(self.directory / self.records_file)} "
                                    f"({error.strerror}); free space there, then rerun to resume.") from None
            if written != len(line):
                os.ftruncate(self._fd, self._offset)
                raise RunStoreError(f"Short write to {self.directory / self.records_file} ({written} of "
                                    f"{len(line)} bytes); is the disk full?")
            self._offset += written
            self._lines += 1
            self._keys.add(key)

    def records(self) -> list[Any]:
        """Every record, in file order. A torn last line (from a killed writer) is skipped with a warning;
        a key stored twice (a copied line) keeps its first record, with a warning."""
        if self._file is None:
            return []
        with self._locked(fcntl.LOCK_SH):
            data = os.pread(self._fd, os.fstat(self._fd).st_size, 0)
        complete = data.rfind(b"\n") + 1
        if complete < len(data):
            warnings.warn(f"{self.directory / self.records_file}: skipped a torn last line "
                          f"({len(data) - complete} bytes).", RuntimeWarning, stacklevel=2)
        return _unique(self._parse(data[:complete]), self.directory / self.records_file)

    def write_json(self, name: str, obj: Any) -> Path:
        """Write an extra file of this run (e.g. `timing.rank0.json`) atomically."""
        if not self._writable:
            raise RunStoreError(f"{self.directory} was opened read-only; use RunStore.open to write.")
        if Path(name).name != name or name in (self.manifest_file, self.records_file) or name.startswith("."):
            raise RunStoreError(f"{name!r} is not a valid extra file name: use a plain file name "
                                f"other than {self.manifest_file} and {self.records_file}.")
        path = self.directory / name
        write_text_atomic(path, json.dumps(obj, ensure_ascii=False, indent=2) + "\n")
        return path

    @classmethod
    def check_not_busy(cls, directory: str | os.PathLike[str], *, shared: bool = False) -> None:
        """Refuse at once a directory another process is writing (its `.lock` held), e.g. before a
        model loads; a missing directory is not busy. Takes the lock for a moment only."""
        if not (Path(directory) / _LOCK).exists():
            return
        with open_regular(Path(directory) / _LOCK, write=True) as lock:
            _try_lock(lock, Path(directory), shared)

    def _hold_writer_lock(self, shared: bool) -> None:
        """Refuse a second writer: another `run` into this directory fails at once instead of racing."""
        self._writer = open_regular(self.directory / _LOCK, write=True)
        _try_lock(self._writer, self.directory, shared)

    def close(self) -> None:
        if self._file is not None:
            self._file.close()
            self._file = None
        writer = getattr(self, "_writer", None)
        if writer is not None:
            writer.close()
            self._writer = None

    def __enter__(self: S) -> S:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def __repr__(self) -> str:
        mode = "rw" if self._writable else "r"
        return f"RunStore({str(self.directory)!r}, {mode})"


def _try_lock(lock: io.FileIO, directory: Path, shared: bool) -> None:
    try:
        fcntl.flock(lock.fileno(), (fcntl.LOCK_SH if shared else fcntl.LOCK_EX) | fcntl.LOCK_NB)
    except BlockingIOError:
        raise RunStoreError(f"another process is writing to {shown(directory)} right now; wait for it to "
                            f"finish (rerunning then resumes), or use another --out directory.") from None
    except OSError as error:
        if error.errno not in _NO_FLOCK:
            raise


def _unique(records: list[Any], path: Path) -> list[Any]:
    first: dict[str, Any] = {}
    for record in records:
        first.setdefault(record.key, record)
    if len(first) < len(records):
        warnings.warn(f"{path}: {len(records) - len(first)} duplicate line(s) ignored; the first record of "
                      f"each key is kept.", RuntimeWarning, stacklevel=3)
    return list(first.values())


# ---------------------------------------------------------------------------------------------
# reading many runs


def as_paths(dirs: str | os.PathLike[str] | Iterable[str | os.PathLike[str]]) -> list[Path]:
    if isinstance(dirs, (str, os.PathLike)):
        return [Path(dirs)]
    return [Path(d) for d in dirs]


def run_names(dirs: str | os.PathLike[str] | Iterable[str | os.PathLike[str]]) -> list[str]:
    """The `run` label of each directory: its name, or its whole path where names collide; a name
    that is not UTF-8 is shown as its repr (see `paths.shown`)."""
    paths = as_paths(dirs)
    names = [shown(path.name or str(path)) for path in paths]
    return [shown(path) if names.count(name) > 1 else name for path, name in zip(paths, names)]


def refuse_run_file(path: str | os.PathLike[str], *, what: str = "--out") -> None:
    """Refuse to write a page to `path` when it lies in a run (or judge) directory and is not an
    `.html` file: `--out RUN/results.jsonl` would replace the run's records with HTML."""
    target = Path(os.path.realpath(path))
    if target.suffix.lower() in (".html", ".htm"):
        return
    if any(os.path.lexists(target.parent / name) for name in (MANIFEST, RESULTS)):
        raise ConfigError(f"{shown(path)} is inside the run directory {shown(target.parent)} and names one of "
                          f"its files; writing there would destroy the run. Give an .html file "
                          f"(e.g. {shown(target.parent / 'report.html')}) or a path outside it", field=what)


