"""What ran a result: timestamps, package versions, the GPU, mistral-eval's git commit, and the
manifest of a new run built from them. The one home of `now()`.

Knows nothing about run directories or models.
"""

from __future__ import annotations

import importlib.metadata
import importlib.util
import os
import platform
import subprocess
import sys
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from mistral_eval.runs.records import Manifest, RunConfig, SuiteRef, canonical_settings

__all__ = ["collect_versions", "git_commit", "gpu_name", "identity_manifest", "make_manifest", "now", "package_commit"]

_PACKAGES = {"torch": "torch", "transformers": "transformers", "bitsandbytes": "bitsandbytes",
             "mistral_common": "mistral_common", "mistral_eval": "mistral-eval",
             # the checks read Japanese through them: their dictionary decides words and readings
             "fugashi": "fugashi", "unidic_lite": "unidic-lite"}


def now() -> str:
    """The current UTC time as ISO 8601 to the second: every timestamp a record or manifest carries."""
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def package_commit() -> str | None:
    """mistral-eval's own commit (see `git_commit`), or None when it runs from an installed wheel."""
    return git_commit(Path(__file__).resolve().parent)



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


def git_commit(path: str | os.PathLike[str] = ".") -> str | None:
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


def identity_manifest(config: RunConfig, suites: list[SuiteRef]) -> Manifest:
    """A manifest holding only what identifies a run (`Manifest.identity()`), from `config` and `suites`."""
    return Manifest(schema_version=2, model=config.model, revision=config.revision, quant=config.quant,
                    format=config.format, settings=canonical_settings(config.settings), seed=config.seed,
                    suites=suites, repeats=config.repeats)


def make_manifest(config: RunConfig, suites: list[SuiteRef], **extra: Any) -> Manifest:
    """The manifest of a new run: its identity from `config` and `suites`, versions, GPU, git commit,
    start time and fingerprint; `extra` sets other Manifest fields (model_info, world_size, isolation)."""
    manifest = Manifest(**identity_manifest(config, suites).model_dump(exclude_unset=True), versions=collect_versions(),
                        gpu=gpu_name(), git_commit=package_commit(), started_at=now(), **extra)
    return manifest.model_copy(update={"fingerprint": manifest.computed_fingerprint()})


