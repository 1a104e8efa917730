"""The judgment store: a `RunStore` over `Judgment` records, and where judge directories live.

Layout: one judge of one run writes `RUN/judgments/<label>/manifest.json` + `judgments.jsonl`;
a pairwise judgment of several runs writes the same two files into the directory the user names.
Knows nothing about models (`judge.grading` produces the records) or DataFrames (`analysis.frames`).
"""

from __future__ import annotations

import itertools
import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from mistral_eval.core.choices import MANIFEST_FILE
from mistral_eval.core.errors import ConfigError, RunStoreError
from mistral_eval.core.paths import shown, write_text_atomic
from mistral_eval.runs.records import Calibration, JudgeManifest, Judgment, Manifest, Result
from mistral_eval.runs.store import RunStore, run_names

__all__ = ["JUDGMENTS_DIR", "JUDGMENTS_FILE", "JudgmentStore", "PairwiseRun", "check_pairwise_runs", "judge_dirs"]

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


def judge_dirs(path: str | os.PathLike[str]) -> list[Path]:
    """The judge directories of a run directory (`RUN/judgments/*`), or `path` itself when it is one
    (a pairwise `--out` directory)."""
    path = Path(path)
    if (path / JUDGMENTS_FILE).exists() or _is_judge_dir(path):
        return [path]
    root = path / JUDGMENTS_DIR
    if not root.is_dir():
        return []
    for candidate in root.iterdir():
        judgments = candidate / JUDGMENTS_FILE
        if judgments.is_file() and judgments.stat().st_size and not os.path.lexists(candidate / MANIFEST_FILE):
            raise RunStoreError(f"{shown(candidate)} holds judgments but no {MANIFEST_FILE}, so they cannot be "
                                f"read as any judge's; move that directory away or judge the run again")
    return sorted(p for p in root.iterdir() if _is_judge_dir(p))


def _is_judge_dir(path: Path) -> bool:
    return (path / MANIFEST_FILE).is_file() and (path / JUDGMENTS_FILE).exists()


@dataclass(frozen=True)
class PairwiseRun:
    """One run of a pairwise comparison, read once by `check_pairwise_runs` and passed on to the judge."""

    name: str
    """The run's name among the compared runs (`run_names`)."""
    directory: str | os.PathLike[str]
    """The run directory as given."""
    manifest: Manifest
    records: list[Result]
    """Every stored record, errors included."""


def check_pairwise_runs(run_dirs: Sequence[str | os.PathLike[str]]) -> list[PairwiseRun]:
    """Refuse runs that cannot be compared pairwise, before any model loads: fewer than two, the same
    directory twice, or two runs without a case key in common (e.g. different suites). Returns the
    runs as read, so they are read once."""
    if len(run_dirs) < 2:
        raise ConfigError("pairwise judging needs at least two run directories", field="runs")
    real = [os.path.realpath(d) for d in run_dirs]
    for (i, a), (j, b) in itertools.combinations(enumerate(real), 2):
        if a == b:
            raise ConfigError(f"{shown(run_dirs[i])} and {shown(run_dirs[j])} are the same run directory; "
                              f"pairwise judging compares different runs", field="runs")
    runs = []
    for name, directory in zip(run_names(run_dirs), run_dirs):
        with RunStore.read(directory) as store:
            runs.append(PairwiseRun(name, directory, store.manifest, store.records()))
    for x, y in itertools.combinations(runs, 2):
        if not {r.key for r in x.records} & {r.key for r in y.records}:
            raise ConfigError(f"runs {x.name} (suites {_suites(x)}) and {y.name} (suites {_suites(y)}) have no "
                              f"case in common, so there is nothing to compare; judge runs of the same suites",
                              field="runs")
    return runs


def _suites(run: PairwiseRun) -> str:
    return ", ".join(sorted({suite.name for suite in run.manifest.suites}))
