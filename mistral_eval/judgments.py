"""Stored judgments and their statistics: the judgment store (a `RunStore` over `Judgment` records),
`load_judgments` → DataFrame, mean grades with bootstrap intervals, agreement with the checks
(Cohen's κ), pairwise win/tie/loss with Wilson intervals and Bradley–Terry strengths.

Layout: one judge of one run writes `RUN/judgments/<label>/manifest.json` + `judgments.jsonl`;
a pairwise judgment of several runs writes the same two files into the directory the user names.
Knows nothing about models: `judge.py` produces the records.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .choices import MANIFEST_FILE
from .records import JudgeManifest, Judgment
from .results import RunStore
from .pairwise import PairwiseOutcome, Strength, bradley_terry
from .stats import Agreement, Mean, bootstrap_mean, cohen_kappa

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["JUDGMENTS_DIR", "JUDGMENTS_FILE", "JudgmentStore", "PairSummary", "agreement", "grade_summary",
           "judge_dirs", "load_judgments", "pair_comparisons", "pairwise_summary", "strengths"]

JUDGMENTS_DIR = "judgments"
JUDGMENTS_FILE = "judgments.jsonl"
DEFAULT_THRESHOLDS = {5: 4, 10: 7}
"""Grade counted as a pass when comparing with the checks: 4 of 5 ("合っている"), 7 of 10."""


class JudgmentStore(RunStore):
    """A judge's directory: `manifest.json` (a JudgeManifest) + append-only `judgments.jsonl`, with the
    run store's lock, torn-line repair and resume."""

    record_type = Judgment
    manifest_type = JudgeManifest
    records_file = JUDGMENTS_FILE
    kind = "judge"
    record_name = "judgment"


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


def load_judgments(path: str | os.PathLike) -> pd.DataFrame:
    """Every judgment of a run directory (all its judges) or of a pairwise directory, one row each:
    the Judgment fields (error split into `error_stage`/`error_message`), `judge_model`, `run_dir`
    and `suite`."""
    import pandas as pd

    rows = []
    for directory in judge_dirs(path):
        with JudgmentStore.read(directory) as store:
            manifest, records = store.manifest, store.records()
        for record in records:
            row = record.model_dump(exclude={"error"})
            row.update(error_stage=record.error.stage if record.error else None,
                       error_message=record.error.message if record.error else None,
                       judge_model=manifest.judge_model, run_dir=str(path),
                       suite=record.case_key.split("/")[0])
            rows.append(row)
    columns = None if rows else ["judge", "key", "case_key", "suite", "status", "grade", "expected_grade",
                                 "max_grade", "verdict", "rationale", "finished_at"]
    return pd.DataFrame(rows, columns=columns)


def latest_per_key(frame: pd.DataFrame) -> pd.DataFrame:
    """The latest single-answer judgment (any judge) of each result key, errors left out."""
    single = frame[frame["grade"].notna()] if "grade" in frame else frame.iloc[0:0]
    return single.sort_values("finished_at", kind="stable").groupby("case_key", sort=False).tail(1)


# ---------------------------------------------------------------------------------------------
# single-answer grades


def grade_summary(frame: pd.DataFrame, resamples: int = 2000) -> pd.DataFrame:
    """Per judge and suite of a `load_judgments` frame: judged n, gated, errors and the mean expected
    grade with its bootstrap interval (`Mean`), of `max`."""
    import pandas as pd

    rows = []
    for (judge, suite), group in frame.groupby(["judge", "suite"], sort=True):
        grades = group.loc[group["status"] != "error", "expected_grade"].astype(float)
        mean: Mean = bootstrap_mean(grades.tolist(), resamples=resamples)
        rows.append({"judge": judge, "suite": suite, "n": mean.n, "gated": int((group["status"] == "gated").sum()),
                     "errors": int((group["status"] == "error").sum()), "mean_grade": mean,
                     "max": int(group["max_grade"].dropna().max()) if group["max_grade"].notna().any() else None})
    return pd.DataFrame(rows, columns=["judge", "suite", "n", "gated", "errors", "mean_grade", "max"])


def agreement(runs: pd.DataFrame, threshold: float | None = None) -> Agreement:
    """Cohen's κ between the checks (`passed`) and the judge (`judge_grade` ≥ threshold) over the rows
    of a `load_runs` frame that have both; the threshold defaults to 4 of 5 or 7 of 10."""
    if "judge_grade" not in runs:
        return cohen_kappa([], [])
    both = runs[runs["passed"].notna() & runs["judge_grade"].notna()]
    if both.empty:
        return cohen_kappa([], [])
    limit = threshold if threshold is not None else DEFAULT_THRESHOLDS.get(int(both["judge_max"].max()),
                                                                          0.6 * float(both["judge_max"].max()))
    return cohen_kappa([bool(p) for p in both["passed"]], [g >= limit for g in both["judge_grade"]])


# ---------------------------------------------------------------------------------------------
# pairwise


@dataclass(frozen=True)
class PairSummary:
    """Two runs compared over the cases both answered, each case judged in both orders."""

    first: str
    second: str
    outcome: PairwiseOutcome
    """Counted from `first`'s side; a preference that flips with the order is a tie."""
    order_dependent: int
    """Cases whose two orders disagreed (counted as ties in `outcome`)."""

    @property
    def order_dependent_rate(self) -> float | None:
        return self.order_dependent / self.outcome.n if self.outcome.n else None


def _winner(record: Any) -> str | None:
    return {"A": record.first, "B": record.second}.get(record.verdict)


def pair_comparisons(frame: pd.DataFrame) -> list[tuple[str, str, float, bool]]:
    """One `(run_x, run_y, score_for_x, order_dependent)` per case and pair of runs (x < y), from the
    pairwise records of a `load_judgments` frame; the two orders must name the same winner, else a tie."""
    pairwise = frame[frame["verdict"].notna()] if "verdict" in frame else frame.iloc[0:0]
    verdicts: dict[tuple[str, str, str], list[str | None]] = {}
    for record in pairwise.itertuples():
        x, y = sorted((record.first, record.second))
        verdicts.setdefault((record.case_key, x, y), []).append(_winner(record))
    out = []
    for (_, x, y), winners in sorted(verdicts.items()):
        if len(winners) != 2:
            continue  # one order still missing (an interrupted judgment): not counted yet
        agreed = winners[0] == winners[1]
        winner = winners[0] if agreed else None
        out.append((x, y, 1.0 if winner == x else 0.0 if winner == y else 0.5, not agreed))
    return out


def pairwise_summary(frame: pd.DataFrame) -> list[PairSummary]:
    """Win/tie/loss (Wilson intervals) and the order-dependent count for every pair of runs."""
    groups: dict[tuple[str, str], list[tuple[float, bool]]] = {}
    for x, y, score, flipped in pair_comparisons(frame):
        groups.setdefault((x, y), []).append((score, flipped))
    return [PairSummary(x, y, PairwiseOutcome.from_scores(s for s, _ in items), sum(f for _, f in items))
            for (x, y), items in sorted(groups.items())]


def strengths(frame: pd.DataFrame, resamples: int = 1000, seed: int = 0) -> dict[str, Strength]:
    """Bradley–Terry strengths (bootstrap intervals) of the runs of a pairwise `load_judgments` frame."""
    return bradley_terry([(x, y, s) for x, y, s, _ in pair_comparisons(frame)], resamples=resamples, seed=seed)
