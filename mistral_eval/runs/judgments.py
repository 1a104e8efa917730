"""The judgment store: a `RunStore` over `Judgment` records, and where judge directories live.

Layout: one judge of one run writes `RUN/judgments/<label>/manifest.json` + `judgments.jsonl`;
a pairwise judgment of several runs writes the same two files into the directory the user names.
Knows nothing about models (`judge.grading` produces the records) or DataFrames (`analysis.frames`).
"""

from __future__ import annotations

import os
from pathlib import Path

from mistral_eval.core.choices import MANIFEST_FILE
from mistral_eval.runs.records import JudgeManifest, Judgment
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


def judge_dirs(path: str | os.PathLike[str]) -> list[Path]:
    """The judge directories of a run directory (`RUN/judgments/*`), or `path` itself when it is one
    (a pairwise `--out` directory)."""
    path = Path(path)
    if (path / JUDGMENTS_FILE).exists() or _is_judge_dir(path):
        return [path]
    root = path / JUDGMENTS_DIR
    return sorted(p for p in root.iterdir() if _is_judge_dir(p)) if root.is_dir() else []


def _is_judge_dir(path: Path) -> bool:
    return (path / MANIFEST_FILE).is_file() and (path / JUDGMENTS_FILE).exists()


