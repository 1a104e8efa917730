"""Tables of stored judgments: mean grades with bootstrap intervals, agreement with the checks
(Cohen's κ), pairwise win/tie/loss with Wilson intervals and Bradley–Terry strengths.

Takes the frames `analysis.frames.load_judgments` returns; knows nothing about models or files.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from mistral_eval.analysis.frames import latest_per_key, load_judgments
from mistral_eval.analysis.pairwise import PairwiseOutcome, Strength, bradley_terry
from mistral_eval.analysis.stats import Agreement, Mean, bootstrap_mean, cohen_kappa
from mistral_eval.runs.judgments import JUDGMENTS_DIR

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["DEFAULT_THRESHOLDS", "PairSummary", "agreement", "agreement_table", "grade_summary",
           "pair_comparisons", "pairwise_summary", "pairwise_table", "strength_table", "strengths"]

DEFAULT_THRESHOLDS = {5: 4, 10: 7}
"""Grade counted as a pass when comparing with the checks: 4 of 5 ("合っている"), 7 of 10."""


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


def _thresholds(runs: pd.DataFrame, threshold: float | None) -> list[float | None]:
    """Per row of a `load_runs` frame: `threshold` if given, else the one its judgment stored (the
    case's judge spec), else the default for its judge's top grade; None where the row has no grade."""
    import pandas as pd

    stored: dict[tuple[str, str], float] = {}
    if threshold is None and "run_dir" in runs:
        for run_dir in dict.fromkeys(runs["run_dir"]):
            if not (Path(run_dir) / JUDGMENTS_DIR).is_dir():
                continue
            latest = latest_per_key(load_judgments(run_dir))
            if "threshold" in latest:
                stored.update({(str(run_dir), key): float(value) for key, value
                               in zip(latest["case_key"], latest["threshold"]) if pd.notna(value)})
    limits: list[float | None] = []
    for row in runs.to_dict("records"):
        top = row.get("judge_max")
        if pd.isna(row.get("judge_grade")) or top is None or pd.isna(top):
            limits.append(None)
        elif threshold is not None:
            limits.append(threshold)
        else:
            default = DEFAULT_THRESHOLDS.get(int(top), 0.6 * float(top))
            limits.append(stored.get((str(row.get("run_dir")), row.get("key")), default))
    return limits


def agreement(runs: pd.DataFrame, threshold: float | None = None) -> Agreement:
    """Cohen's κ between the checks (`passed`) and the judge (`judge_grade` ≥ threshold) over the rows
    of a `load_runs` frame that have both; the threshold is `threshold` when given, else each case's
    judge spec's, else 4 of 5 or 7 of 10."""
    if "judge_grade" not in runs or runs.empty:
        return cohen_kappa([], [])
    return cohen_kappa(*_raters(runs, _thresholds(runs, threshold)))


def _raters(runs: pd.DataFrame, limits: list[float | None]) -> tuple[list[bool | None], list[bool | None]]:
    """The checks' verdicts and the judge's (grade ≥ limit) per row; None where one is missing."""
    import pandas as pd

    passed = [None if pd.isna(p) else bool(p) for p in runs["passed"].astype("object")]
    judged = [None if limit is None or pd.isna(limit) or pd.isna(grade) else bool(grade >= limit)
              for grade, limit in zip(runs["judge_grade"], limits)]
    return passed, judged


def agreement_table(runs: pd.DataFrame, threshold: float | None = None) -> pd.DataFrame:
    """Per run and suite (and `(all)`) of a `load_runs` frame, where cases have both checks and a judge
    grade: `n` such cases, `observed` agreement, `kappa` (Cohen's κ) and `agreement` as text."""
    import pandas as pd

    columns = ["run", "suite", "n", "observed", "kappa", "agreement"]
    if "judge_grade" not in runs or runs.empty:
        return pd.DataFrame(columns=columns)
    frame = runs.assign(_limit=_thresholds(runs, threshold))
    rows = []
    for run, group in frame.groupby("run", sort=False):
        parts = sorted(group.groupby("suite"), key=lambda item: str(item[0]))
        for suite, part in [*parts, ("(all)", group)]:
            found = cohen_kappa(*_raters(part, part["_limit"].tolist()))
            if found.n:
                rows.append({"run": run, "suite": suite, "n": found.n, "observed": found.observed,
                             "kappa": found.kappa, "agreement": str(found)})
    return pd.DataFrame(rows, columns=columns)


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


def pairwise_table(frame: pd.DataFrame) -> pd.DataFrame:
    """One row per pair of runs of a pairwise `load_judgments` frame: `first`, `second`, `n` cases
    judged in both orders, `wins`/`ties`/`losses` from `first`'s side with their rates as text
    (Wilson 95% intervals), the sign test's `p_value` (wins against losses) and the cases whose
    verdict flipped with the order (`order_dependent`, counted as ties, and its rate)."""
    import pandas as pd

    rows = [{"first": pair.first, "second": pair.second, "n": pair.outcome.n, "wins": pair.outcome.wins,
             "ties": pair.outcome.ties, "losses": pair.outcome.losses, "win": str(pair.outcome.win_rate),
             "tie": str(pair.outcome.tie_rate), "loss": str(pair.outcome.loss_rate),
             "p_value": pair.outcome.p_value, "order_dependent": pair.order_dependent,
             "order_dependent_rate": pair.order_dependent_rate} for pair in pairwise_summary(frame)]
    return pd.DataFrame(rows, columns=["first", "second", "n", "wins", "ties", "losses", "win", "tie", "loss",
                                       "p_value", "order_dependent", "order_dependent_rate"])


def strength_table(frame: pd.DataFrame, resamples: int = 1000, seed: int = 0) -> pd.DataFrame:
    """Bradley–Terry strengths of the runs of a pairwise `load_judgments` frame, strongest first:
    `strength` (geometric mean 1) with its bootstrap interval `low`..`high`, `comparisons`, `score`."""
    import pandas as pd

    rows = [{"run": s.name, "strength": s.strength, "low": s.low, "high": s.high, "comparisons": s.comparisons,
             "score": s.score} for s in strengths(frame, resamples=resamples, seed=seed).values()]
    return pd.DataFrame(rows, columns=["run", "strength", "low", "high", "comparisons", "score"])
