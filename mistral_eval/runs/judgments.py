"""The judgment store: a `RunStore` over `Judgment` records, and where judge directories live.

Layout: one judge of one run writes `RUN/judgments/<label>/manifest.json` + `judgments.jsonl`;
a pairwise judgment of several runs writes the same two files into the directory the user names.
Knows nothing about models (`judge.grading` produces the records) or DataFrames (`analysis.frames`).
"""

from __future__ import annotations

import os
from pathlib import Path

from mistral_eval.core.choices import MANIFEST_FILE
from mistral_eval.core.errors import RunStoreError
from mistral_eval.core.paths import write_text_atomic
from mistral_eval.runs.records import Calibration, JudgeManifest, Judgment
from mistral_eval.runs.store import RunStore

__all__ = ["JUDGMENTS_DIR", "JUDGMENTS_FILE", "JudgmentStore", "judge_dirs"]

JUDGMENTS_DIR = "judgments"
JUDGMENTS_FILE = "judgments.jsonl"


class JudgmentStore(RunStore):
    """A judge's directory: `manifest.json` (a JudgeManifest) + append-only `judgments.jsonl`, with the
    run store's lock, torn-line repair and resume."""

    record_type = Judgment
    manifest_type = JudgeManifest
    records_file = JUDGMENTS_FILE
    kind = "judge"
    record_name = "judgment"

    def set_calibration(self, calibration: Calibration) -> JudgeManifest:
        """Record the judge's calibration in `manifest.json` (atomically; not part of the identity,
        so the directory still resumes) and return the updated manifest."""
        if not self._writable:
            raise RunStoreError(f"{self.directory} was opened read-only; use JudgmentStore.open to write.")
        manifest: JudgeManifest = self.manifest.model_copy(update={"calibration": calibration})
        write_text_atomic(self.directory / self.manifest_file, manifest.model_dump_json(indent=2) + "\n")
        self._manifest = manifest
        return manifest


def judge_dirs(path: str | os.PathLike) -> list[Path]:
    """The judge directories of a run directory (`RUN/judgments/*`), or `path` itself when it is one
    (a pairwise `--out` directory)."""
    path = Path(path)
    if (path / JUDGMENTS_FILE).exists() or _is_judge_dir(path):
        return [path]
    root = path / JUDGMENTS_DIR
    return sorted(p for p in root.iterdir() if _is_judge_dir(p)) if root.is_dir() else []


def _is_judge_dir(path: Path) -> bool:
    return (path / MANIFEST_FILE).is_file() and (path / JUDGMENTS_FILE).exists()


