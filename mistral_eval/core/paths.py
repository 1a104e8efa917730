"""File system locations given by the user: output paths checked before any work starts, input
files read with a size limit, and the one atomic-write helper of the project.

Knows nothing about what the files hold. Errors are `ConfigError`s naming the path and the option
(`what`, e.g. "--out") so the command line exits with 2 and says what to change.
"""

from __future__ import annotations

import errno
import os
import secrets
import stat
from pathlib import Path

from mistral_eval.core.errors import ConfigError, printable
from mistral_eval.core.yamlfile import clip

__all__ = ["MAX_INPUT_BYTES", "check_output_dir", "check_output_file", "file_kind", "read_input", "shown",
           "write_text_atomic"]

MAX_INPUT_BYTES = 64 * 1024 * 1024
"""Largest suite, spec or import file read (ELYZA-tasks-100 is 0.2 MB, MT-Bench 0.1 MB)."""

_PSEUDO_FILE_SYSTEMS = (Path("/proc"), Path("/sys"), Path("/dev"))


def check_output_dir(path: str | os.PathLike[str], *, what: str = "--out") -> Path:
    """`path` as a directory that can be written: it exists as one, or it can be created.

    Refuses an empty path, a path that is a file, below a file, under /proc, /sys or /dev, or in a
    directory where a file cannot be created (tried for real, so a read-only mount is caught even as
    root). Creates nothing.
    """
    out = _as_path(path, what)
    found = _stat(out, what)
    if found is not None and not stat.S_ISDIR(found.st_mode):
        raise _error(what, out, "is a file, not a directory; give a directory (it is created when missing)")
    _check_writable(out if found is not None else out.parent, out, what)
    return out


def check_output_file(path: str | os.PathLike[str], *, what: str = "--out") -> Path:
    """`path` as a file that can be written (replaced atomically when it exists).

    Refuses an empty path, a directory, a path below a file, under /proc, /sys or /dev, or in a
    directory where a file cannot be created (tried for real). Creates nothing.
    """
    out = _as_path(path, what)
    if str(path).endswith(os.sep):
        raise _error(what, out, "ends with a slash; give a file name such as report.html")
    found = _stat(out, what)
    if found is not None and stat.S_ISDIR(found.st_mode):
        raise _error(what, out, f"is a directory; give a file path such as {out / 'report.html'}")
    if found is not None and not stat.S_ISREG(found.st_mode):
        raise _error(what, out, f"is {file_kind(found.st_mode)}, not a regular file")
    _check_writable(out.parent, out, what)
    return out


def read_input(path: str | os.PathLike[str], *, what: str = "file", limit: int = MAX_INPUT_BYTES) -> bytes:
    """The bytes of an input file, refusing what is not a regular file or is larger than `limit`.

    Guards against a directory, a device such as /dev/zero, a pipe, and a huge (or sparse) file
    that would be read into memory whole.
    """
    source = Path(path)
    if "\0" in str(source):
        raise ConfigError(f"cannot read the {what} {clip(str(source))}: the path holds a NUL character")
    try:
        mode = os.stat(source).st_mode
        if not stat.S_ISREG(mode):
            raise ConfigError(f"the {what} is {file_kind(mode)}, not a file", file=str(source))
        with open(source, "rb") as file:
            size = os.fstat(file.fileno()).st_size
            if size > limit:
                raise ConfigError(f"the {what} is {size:,} bytes, more than the {limit:,} read at most; "
                                  "is it the right file?", file=str(source))
            data = file.read(limit + 1)
    except OSError as error:
        raise ConfigError(f"cannot read the {what}: {error.strerror}", file=str(source)) from None
    if len(data) > limit:
        raise ConfigError(f"the {what} grew past {limit:,} bytes while being read", file=str(source))
    return data


def shown(path: str | bytes | os.PathLike[str] | os.PathLike[bytes]) -> str:
    """A path for a page or printed output: as given, the bytes that are not UTF-8 escaped
    (`errors.printable`), so printing or encoding it never raises."""
    return printable(os.fsdecode(path))


def file_kind(mode: int) -> str:
    """What a `stat` mode is, for a message: "a regular file", "a directory", "a pipe (FIFO)",
    "a socket", "a symbolic link" or "a device"."""
    return ("a regular file" if stat.S_ISREG(mode) else "a directory" if stat.S_ISDIR(mode)
            else "a pipe (FIFO)" if stat.S_ISFIFO(mode) else "a socket" if stat.S_ISSOCK(mode)
            else "a symbolic link" if stat.S_ISLNK(mode) else "a device")


def write_text_atomic(path: str | os.PathLike[str], text: str, *, encoding: str = "utf-8") -> Path:
    """Write `text` to `path` all at once: readers see the old file or the new one, never a part.

    Writes a temporary file in the same directory, fsyncs it, renames it over `path`, then fsyncs the
    directory. On any failure the temporary file is removed and the error (an OSError) is raised;
    `path` is then unchanged. The parent directory must exist. Returns `path`.
    """
    path = Path(path)
    data = text.encode(encoding)
    tmp = path.with_name(f".{path.name[:120]}.{os.getpid()}.{secrets.token_hex(4)}.tmp")
    try:
        _write_replace(tmp, path, data)
    except OSError as error:
        if error.filename is None:  # os.write says "No space left on device" without the file
            raise OSError(error.errno, error.strerror, str(path)) from None
        raise
    _fsync_directory(path.parent)
    return path


def _write_replace(tmp: Path, path: Path, data: bytes) -> None:
    descriptor = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_CLOEXEC", 0), 0o666)
    try:
        try:
            view = memoryview(data)
            while view:
                view = view[os.write(descriptor, view):]
            os.fsync(descriptor)
        finally:
            os.close(descriptor)
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise


# --- helpers --------------------------------------------------------------------------------------

def _as_path(path: str | os.PathLike[str], what: str) -> Path:
    text = os.fspath(path)
    if isinstance(text, bytes):
        text = os.fsdecode(text)
    if not text.strip():
        raise ConfigError("is empty; give a path (use . for the current directory)", field=what)
    if "\0" in text:
        raise ConfigError(f"{clip(text)} contains a NUL character", field=what)
    out = Path(text)
    real = Path(os.path.realpath(out))
    for pseudo in _PSEUDO_FILE_SYSTEMS:
        if real == pseudo or pseudo in real.parents:
            raise _error(what, out, f"is under {pseudo}, which holds no ordinary files; "
                                    "give a directory on a disk")
    return out


def _stat(path: Path, what: str) -> os.stat_result | None:
    """`os.stat(path)`, None when it does not exist (its parent is checked next)."""
    try:
        return os.stat(path)
    except FileNotFoundError:
        if os.path.islink(path):
            raise _error(what, path, "is a symbolic link to nothing") from None
        return None
    except NotADirectoryError:
        raise _error(what, path, f"is below {_first_file(path)}, which is a file, not a directory") from None
    except OSError as error:
        raise _error(what, path, f"cannot be used: {error.strerror}") from None


def _check_writable(directory: Path, out: Path, what: str) -> None:
    """Create and remove a probe file in `directory` or, when missing, its nearest existing parent."""
    existing = _nearest_existing(directory)
    if existing is None:
        raise _error(what, out, "has no existing parent directory")
    if not existing.is_dir():
        raise _error(what, out, f"is below {existing}, which is a file, not a directory")
    probe = existing / f".mistral-eval-probe-{os.getpid()}-{secrets.token_hex(4)}"
    try:
        os.close(os.open(probe, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
        os.unlink(probe)
    except OSError as error:
        read_only = error.errno in (errno.EROFS, errno.EACCES, errno.EPERM)
        raise _error(what, out, f"cannot be written: no file can be created in {existing} "
                                f"({'read-only: ' if read_only else ''}{error.strerror}); "
                                "choose a writable directory") from None


def _nearest_existing(path: Path) -> Path | None:
    for candidate in (path, *path.absolute().parents):
        try:
            os.stat(candidate)
            return candidate
        except (FileNotFoundError, NotADirectoryError):
            continue
        except OSError:
            return candidate  # unreadable: the probe reports why
    return None


def _first_file(path: Path) -> Path:
    for candidate in reversed((path, *path.absolute().parents)):
        if candidate.exists() and not candidate.is_dir():
            return candidate
    return path


def _fsync_directory(directory: Path) -> None:
    try:
        descriptor = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(descriptor)
    except OSError:  # some file systems cannot fsync a directory; the rename itself has happened
        pass
    finally:
        os.close(descriptor)


def _error(what: str, path: Path, problem: str) -> ConfigError:
    return ConfigError(f"{clip(str(path), 200)} {problem}", field=what)
