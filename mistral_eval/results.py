"""The run store: `manifest.json` + append-only `results.jsonl`, resume, and `load_runs()` → DataFrame.

It knows the result record and the run directory; it knows nothing about models or HTML.
Several processes (ranks) may append to one directory at once: every read-modify-write of
`results.jsonl` happens under `fcntl.flock` on that file.
"""

from __future__ import annotations

import errno
import fcntl
import hashlib
import importlib.metadata
import importlib.util
import io
import json
import os
import platform
import subprocess
import sys
import warnings
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Any

from mistral_eval.errors import RunStoreError

if TYPE_CHECKING:
    import pandas as pd

__all__ = [
    "MANIFEST", "RESULTS", "FINGERPRINT_FIELDS",
    "collect_versions", "gpu_name", "git_commit", "make_manifest", "fingerprint", "write_atomic",
    "RunStore", "run_names", "load_runs",
]

MANIFEST = "manifest.json"
RESULTS = "results.jsonl"
FINGERPRINT_FIELDS = ("model", "revision", "quant", "format", "settings", "seed", "suites")
_PACKAGES = {"torch": "torch", "transformers": "transformers", "bitsandbytes": "bitsandbytes",
             "mistral_common": "mistral_common", "mistral_eval": "mistral-eval"}
_NO_FLOCK = {errno.ENOLCK, errno.EOPNOTSUPP, errno.ENOSYS, errno.EINVAL}
_NEW_DIR_HINT = "Use a new --out directory for a different run, or rerun with the same options to resume."


# ---------------------------------------------------------------------------------------------
# manifest


def collect_versions() -> dict[str, str | None]:
    """Versions of Python and the packages a result depends on; None for a package not installed."""
    versions: dict[str, str | None] = {"python": platform.python_version()}
    for key, distribution in _PACKAGES.items():
        try:
            versions[key] = importlib.metadata.version(distribution)
        except importlib.metadata.PackageNotFoundError:
            versions[key] = None
    if versions["mistral_eval"] is None:  # running from a checkout without `pip install`
        versions["mistral_eval"] = getattr(sys.modules.get("mistral_eval"), "__version__", None)
    return versions


def gpu_name() -> str | None:
    """Name of CUDA device 0, or None without torch or a GPU. Imports torch only when installed."""
    if importlib.util.find_spec("torch") is None:
        return None
    import torch

    return torch.cuda.get_device_name(0) if torch.cuda.is_available() else None


def git_commit(path: str | os.PathLike = ".") -> str | None:
    """The commit checked out at `path` (with "-dirty" if tracked files changed), or None."""
    def git(*args: str) -> str:
        return subprocess.run(["git", *args], cwd=path, capture_output=True, text=True,
                              timeout=10, check=True).stdout.strip()
    try:
        commit = git("rev-parse", "HEAD")
        dirty = git("status", "--porcelain", "--untracked-files=no")
    except (OSError, subprocess.SubprocessError):
        return None
    return f"{commit}-dirty" if dirty else commit


def fingerprint(manifest: dict) -> str:
    """sha256 over the fields that must match to resume a run (suites by name and hash only)."""
    missing = [field for field in FINGERPRINT_FIELDS if field not in manifest]
    if missing:
        raise RunStoreError(f"The manifest lacks {', '.join(missing)}; build it with make_manifest().")
    identity = {field: manifest[field] for field in FINGERPRINT_FIELDS}
    identity["suites"] = sorted((suite["name"], suite["sha256"]) for suite in manifest["suites"])
    text = json.dumps(identity, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def make_manifest(*, model: str, revision: str | None, quant: str, format: str, settings: dict,
                  seed: int | None, suites: list[dict], extra: dict | None = None) -> dict:
    """The manifest of a new run: the options given, versions, GPU, git commit, start time, fingerprint.

    `suites` holds `{"name", "file", "sha256"}` per suite; `extra` adds keys (e.g. world size).
    """
    manifest: dict[str, Any] = {
        "model": model, "revision": revision, "quant": quant, "format": format,
        "settings": dict(settings), "seed": seed,
        "suites": [{"name": s["name"], "file": str(s["file"]), "sha256": s["sha256"]} for s in suites],
        "versions": collect_versions(), "gpu": gpu_name(),
        "git_commit": git_commit(Path(__file__).resolve().parent),
        "started_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
    }
    manifest["fingerprint"] = fingerprint(manifest)
    clashes = sorted(set(extra or {}) & set(manifest))
    if clashes:
        raise ValueError(f"extra may not override manifest fields: {', '.join(clashes)}")
    return {**manifest, **(extra or {})}


def _manifest_differences(stored: dict, new: dict) -> list[str]:
    """Human lines naming each fingerprinted field that differs, down to settings keys."""
    lines = []
    for field in FINGERPRINT_FIELDS:
        old_value, new_value = stored.get(field), new.get(field)
        if field == "suites":
            old_value = {s["name"]: s["sha256"] for s in old_value or []}
            new_value = {s["name"]: s["sha256"] for s in new_value or []}
        if isinstance(old_value, dict) and isinstance(new_value, dict):
            for key in sorted(set(old_value) | set(new_value)):
                if old_value.get(key, "<absent>") != new_value.get(key, "<absent>"):
                    lines.append(f"{field}.{key}: stored {old_value.get(key, '<absent>')!r}, "
                                 f"now {new_value.get(key, '<absent>')!r}")
        elif old_value != new_value:
            lines.append(f"{field}: stored {old_value!r}, now {new_value!r}")
    return lines


def write_atomic(path: Path, text: str) -> None:
    """Write `text` to `path` through a temporary file and os.replace, then fsync the directory."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    with open(tmp, "w", encoding="utf-8") as file:
        file.write(text)
        file.flush()
        os.fsync(file.fileno())
    os.replace(tmp, path)
    directory = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(directory)
    finally:
        os.close(directory)


def _read_manifest(path: Path) -> dict:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        raise RunStoreError(f"{path} cannot be read ({error}). {_NEW_DIR_HINT}") from error


# ---------------------------------------------------------------------------------------------
# the store


class RunStore:
    """One run directory. Open it with `RunStore.open` (to write) or `RunStore.read` (to read)."""

    def __init__(self, directory: Path, manifest: dict, file: io.FileIO | None, writable: bool):
        self.directory = directory
        self._manifest = manifest
        self._file = file
        self._writable = writable
        self._offset = 0        # bytes of results.jsonl already parsed into _keys
        self._lines = 0         # lines parsed, for error messages
        self._keys: set[str] = set()
        self._warned_no_lock = False

    @classmethod
    def open(cls, directory: str | os.PathLike, manifest: dict) -> RunStore:
        """Open `directory` to append results: a new run, or resuming one with the same fingerprint.

        Raises RunStoreError if the directory holds a run with a different fingerprint.
        """
        directory = Path(directory)
        manifest = {**manifest, "fingerprint": fingerprint(manifest)}
        directory.mkdir(parents=True, exist_ok=True)
        store = cls(directory, manifest, io.FileIO(directory / RESULTS, "a+"), writable=True)
        try:
            with store._locked(fcntl.LOCK_EX):
                store._manifest = store._adopt_manifest(manifest)
                store._refresh(repair=True)
        except BaseException:
            store.close()
            raise
        return store

    @classmethod
    def read(cls, directory: str | os.PathLike) -> RunStore:
        """Open an existing run directory read-only."""
        directory = Path(directory)
        if not (directory / MANIFEST).is_file():
            raise RunStoreError(f"{directory} is not a run directory: it has no {MANIFEST}.")
        results = directory / RESULTS
        file = io.FileIO(results, "r") if results.exists() else None
        return cls(directory, _read_manifest(directory / MANIFEST), file, writable=False)

    def _adopt_manifest(self, manifest: dict) -> dict:
        """Under the lock: write the manifest of a new run, or check it against the stored one."""
        path = self.directory / MANIFEST
        if not path.exists():
            if os.fstat(self._fd).st_size:
                raise RunStoreError(f"{self.directory} has {RESULTS} but no {MANIFEST}, so its results "
                                    f"cannot be trusted to match this run. {_NEW_DIR_HINT}")
            write_atomic(path, json.dumps(manifest, ensure_ascii=False, indent=2) + "\n")
            return manifest
        stored = _read_manifest(path)
        if stored.get("fingerprint") != manifest["fingerprint"]:
            differences = _manifest_differences(stored, manifest) or ["(fingerprint only)"]
            raise RunStoreError(f"{self.directory} holds a different run, so it cannot be resumed. "
                                f"Differences:\n  " + "\n  ".join(differences) + f"\n{_NEW_DIR_HINT}")
        return stored

    @property
    def manifest(self) -> dict:
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
            self._keys.add(record["key"])
        self._lines += data[:complete].count(b"\n")
        if repair and complete < len(data):
            os.ftruncate(self._fd, self._offset + complete)
            os.fsync(self._fd)
            warnings.warn(f"{self.directory / RESULTS}: removed a torn last line "
                          f"({len(data) - complete} bytes) left by a writer that was killed mid-write.",
                          RuntimeWarning, stacklevel=3)
        self._offset += complete

    def _parse(self, data: bytes, first_line: int = 1) -> list[dict]:
        records = []
        for number, line in enumerate(data.split(b"\n")[:-1], start=first_line):
            if not line.strip():
                continue
            try:
                record = json.loads(line.decode("utf-8"))
                if not isinstance(record, dict) or not isinstance(record.get("key"), str):
                    raise ValueError("not a record with a string 'key'")
            except ValueError as error:
                raise RunStoreError(f"{self.directory / RESULTS} line {number} is damaged ({error}). "
                                    f"Remove that line to resume, or start a new --out directory.") from error
            records.append(record)
        return records

    def finished_keys(self) -> set[str]:
        """Keys of every record in the store, including those other processes appended."""
        if self._file is None:
            return set()
        with self._locked(fcntl.LOCK_SH):
            self._refresh(repair=False)
        return set(self._keys)

    def append(self, record: dict) -> None:
        """Append one record durably; refuses a key that is already in the store (any process's)."""
        if not self._writable:
            raise RunStoreError(f"{self.directory} was opened read-only; use RunStore.open to append.")
        key = record.get("key")
        if not isinstance(key, str):
            raise RunStoreError(f"A result record needs a string 'key'; got {key!r}.")
        try:
            line = (json.dumps(record, ensure_ascii=False) + "\n").encode("utf-8")
        except (TypeError, ValueError) as error:
            raise RunStoreError(f"Record {key!r} cannot be written as JSON: {error}") from error
        with self._locked(fcntl.LOCK_EX):
            self._refresh(repair=True)
            if key in self._keys:
                raise RunStoreError(f"{key!r} is already finished in {self.directory}; skip finished "
                                    f"keys (see finished_keys()) instead of running them again.")
            written = os.write(self._fd, line)
            if written != len(line):
                os.ftruncate(self._fd, self._offset)
                raise RunStoreError(f"Short write to {self.directory / RESULTS} ({written} of "
                                    f"{len(line)} bytes); is the disk full?")
            os.fsync(self._fd)
            self._offset += written
            self._lines += 1
            self._keys.add(key)

    def records(self) -> list[dict]:
        """Every record, in file order. A torn last line (from a killed writer) is skipped with a warning."""
        if self._file is None:
            return []
        with self._locked(fcntl.LOCK_SH):
            data = os.pread(self._fd, os.fstat(self._fd).st_size, 0)
        complete = data.rfind(b"\n") + 1
        if complete < len(data):
            warnings.warn(f"{self.directory / RESULTS}: skipped a torn last line "
                          f"({len(data) - complete} bytes).", RuntimeWarning, stacklevel=2)
        return self._parse(data[:complete])

    def write_json(self, name: str, obj: Any) -> Path:
        """Write an extra file of this run (e.g. `timing.rank0.json`) atomically."""
        if not self._writable:
            raise RunStoreError(f"{self.directory} was opened read-only; use RunStore.open to write.")
        if Path(name).name != name or name in (MANIFEST, RESULTS) or name.startswith("."):
            raise RunStoreError(f"{name!r} is not a valid extra file name: use a plain file name "
                                f"other than {MANIFEST} and {RESULTS}.")
        path = self.directory / name
        write_atomic(path, json.dumps(obj, ensure_ascii=False, indent=2) + "\n")
        return path

    def close(self) -> None:
        if self._file is not None:
            self._file.close()
            self._file = None

    def __enter__(self) -> RunStore:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def __repr__(self) -> str:
        mode = "rw" if self._writable else "r"
        return f"RunStore({str(self.directory)!r}, {mode})"


# ---------------------------------------------------------------------------------------------
# reading many runs


def _as_paths(dirs: str | os.PathLike | Iterable[str | os.PathLike]) -> list[Path]:
    if isinstance(dirs, (str, os.PathLike)):
        return [Path(dirs)]
    return [Path(d) for d in dirs]


def run_names(dirs: str | os.PathLike | Iterable[str | os.PathLike]) -> list[str]:
    """The `run` label of each directory: its name, or its whole path where names collide."""
    paths = _as_paths(dirs)
    names = [path.name or str(path) for path in paths]
    return [str(path) if names.count(name) > 1 else name for path, name in zip(paths, names)]


def _check_columns(checks: list[dict]) -> dict[str, bool]:
    columns: dict[str, bool] = {}
    for check in checks or []:
        column = f"check_{check['name']}"
        columns[column] = columns.get(column, True) and bool(check["passed"])
    return columns


def load_runs(dirs: str | os.PathLike | Iterable[str | os.PathLike]) -> pd.DataFrame:
    """One row per record of every run directory, with `run`, `run_dir`, `model`, `quant`, `format`
    and a nullable-bool column `check_<type>` per check type (all checks of that type passed)."""
    import pandas as pd  # lazily: writers (ranks) need not pay for it

    paths = _as_paths(dirs)
    rows = []
    for path, name in zip(paths, run_names(paths)):
        with RunStore.read(path) as store:
            manifest, records = store.manifest, store.records()
        for record in records:
            row = {"run": name, "run_dir": str(path), "model": manifest.get("model"),
                   "quant": manifest.get("quant"), "format": manifest.get("format")}
            row.update({k: v for k, v in record.items() if not (k == "format" and v is None)})
            row.update(_check_columns(record.get("checks", [])))
            rows.append(row)
    empty_columns = ["run", "run_dir", "model", "quant", "format", "key"]
    frame = pd.DataFrame(rows, columns=None if rows else empty_columns)
    for column in [c for c in frame.columns if c.startswith("check_")]:
        frame[column] = frame[column].astype("boolean")
    return frame
