"""Tables of stored judgments: mean grades per rubric (never averaged across rubrics) with intervals
that keep their coverage at small n, agreement with the checks (Cohen's κ), the judge's length bias
(Spearman's ρ of grade and answer length), pairwise win/tie/loss with Wilson intervals, the judge's
position bias (a pair whose verdicts flip with the order too often is "judge unreliable", not a
tie), a length-controlled win rate and Bradley–Terry strengths.

Takes the frames `analysis.frames.load_judgments` returns; knows nothing about models or files.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from mistral_eval.analysis.frames import latest_per_key, load_judgments, rubric_family
from mistral_eval.analysis.pairwise import PairwiseOutcome, Strength, bradley_terry
from mistral_eval.analysis.stats import Agreement, Mean, Rate, bounded_mean, cohen_kappa, wilson
from mistral_eval.runs.judgments import JUDGMENTS_DIR

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["DEFAULT_THRESHOLDS", "LENGTH_MATCH_RATIO", "default_threshold", "POSITION_BIAS_LIMIT", "LengthBias", "PairSummary",
           "agreement", "agreement_table", "grade_summary", "length_bias", "length_controlled",
           "pair_comparisons", "pairwise_summary", "pairwise_table", "spearman", "strength_table", "strengths"]

DEFAULT_THRESHOLDS = {5: 4, 10: 7}
"""Grade counted as a pass when comparing with the checks: 4 of 5 ("合っている"), 7 of 10."""


def default_threshold(top: float) -> float:
    """The passing grade on a scale of 1..`top`: DEFAULT_THRESHOLDS, else 60% of the top grade."""
    return DEFAULT_THRESHOLDS.get(int(top), 0.6 * top)
POSITION_BIAS_LIMIT = 0.30
"""A pair of runs whose verdicts flip with the order in more than this share of cases is judged
"judge unreliable (position bias N%)": its ties are the judge's position preference, not a tie."""
LENGTH_MATCH_RATIO = 1.25
"""Two answers are length-matched when the longer has at most this many times the shorter's tokens."""


# ---------------------------------------------------------------------------------------------
# single-answer grades


def grade_summary(frame: pd.DataFrame, resamples: int = 2000) -> pd.DataFrame:
    """Per judge, rubric and suite of a `load_judgments` frame: judged n, gated, errors and the mean
    expected grade (`Mean`, with `bounded_mean`'s interval on the rubric's scale; "n too small" below
    3 grades) of `max`. One row never mixes rubrics: `rubric` ("elyza", "mtbench") and `scale`
    ("elyza 1–5") say which. (`resamples` is kept for callers; the interval needs none.)"""
    import pandas as pd

    columns = ["judge", "rubric", "scale", "suite", "n", "gated", "errors", "mean_grade", "max"]
    single = frame[frame["max_grade"].notna()] if "max_grade" in frame else frame.iloc[0:0]
    if single.empty:
        return pd.DataFrame(columns=columns)
    single = single.assign(_rubric=single["rubric"].map(rubric_family), _top=single["max_grade"].astype(int))
    rows = []
    for (judge, rubric, top, suite), group in single.groupby(["judge", "_rubric", "_top", "suite"], sort=True):
        grades = group.loc[group["status"] != "error", "expected_grade"].astype(float)
        mean: Mean = bounded_mean(grades.tolist(), 1, int(top))
        rows.append({"judge": judge, "rubric": rubric, "scale": f"{rubric} 1–{top}", "suite": suite,
                     "n": mean.n, "gated": int((group["status"] == "gated").sum()),
                     "errors": int((group["status"] == "error").sum()), "mean_grade": mean, "max": int(top)})
    return pd.DataFrame(rows, columns=columns)


# ---------------------------------------------------------------------------------------------
# length bias


@dataclass(frozen=True)
class LengthBias:
    """Spearman's ρ between the judge's grade and the answer's length (tokens) over n answers."""

    n: int
    rho: float | None
    """None when n < 3 or a side is constant."""
    low: float | None
    """Lower end of the 95% interval (Fisher z with Bonett–Wright's variance); None when n < 4."""
    high: float | None

    def __str__(self) -> str:
        if self.rho is None:
            return f"length bias: ρ – (n={self.n}: too few or constant)"
        bounds = "n too small for an interval" if self.low is None else f"[{self.low:+.2f}, {self.high:+.2f}]"
        return f"length bias: Spearman ρ(grade, answer tokens) {self.rho:+.2f} {bounds} (n={self.n})"


def spearman(x: list[float], y: list[float]) -> LengthBias:
    """Spearman's rank correlation of paired values (NaN pairs dropped) with a 95% interval."""
    import pandas as pd

    pairs = pd.DataFrame({"x": x, "y": y}).dropna()
    n = len(pairs)
    if n < 3 or pairs["x"].nunique() < 2 or pairs["y"].nunique() < 2:
        return LengthBias(n, None, None, None)
    rho = float(np.corrcoef(pairs["x"].rank(), pairs["y"].rank())[0, 1])
    if n < 4 or abs(rho) >= 1:
        return LengthBias(n, rho, None, None)
    half = 1.959963984540054 * math.sqrt((1 + rho * rho / 2) / (n - 3))
    z = math.atanh(rho)
    return LengthBias(n, rho, math.tanh(z - half), math.tanh(z + half))


def length_bias(runs: pd.DataFrame) -> list[tuple[str, str, LengthBias]]:
    """Per run and rubric (scale) of a `load_runs` frame with judge grades: `(run, scale, LengthBias)`,
    the correlation of the judge's grade with the answer's length in tokens. A judge that rewards
    length shows ρ well above 0 whatever the answers' quality."""
    if "judge_grade" not in runs or "answer_tokens" not in runs or runs.empty:
        return []
    out = []
    graded = runs[runs["judge_grade"].notna()]
    for (run, rubric, top), group in graded.groupby(["run", graded["judge_rubric"].fillna("judge"),
                                                     graded["judge_max"].fillna(0).astype(int)], sort=True):
        out.append((str(run), f"{rubric} 1–{top}", spearman(group["judge_grade"].astype(float).tolist(),
                                                            group["answer_tokens"].astype(float).tolist())))
    return out


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
            default = default_threshold(float(top))
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
    always_first: int = 0
    """Cases where the judge chose the answer shown first (A) in both orders: pure position bias."""
    always_second: int = 0
    """Cases where the judge chose the answer shown second (B) in both orders."""

    @property
    def order_dependent_rate(self) -> float | None:
        return self.order_dependent / self.outcome.n if self.outcome.n else None

    @property
    def always_first_rate(self) -> float | None:
        return self.always_first / self.outcome.n if self.outcome.n else None

    @property
    def reliable(self) -> bool:
        """False when the verdict flips with the order in more than `POSITION_BIAS_LIMIT` of cases."""
        rate = self.order_dependent_rate
        return rate is None or rate <= POSITION_BIAS_LIMIT

    @property
    def verdict(self) -> str:
        """"judge unreliable (position bias 100%)", "<run> better", or "no significant difference"."""
        if not self.reliable:
            return f"judge unreliable (position bias {self.order_dependent_rate:.0%})"
        if self.outcome.wins + self.outcome.losses and self.outcome.p_value < 0.05:
            return f"{self.first if self.outcome.wins > self.outcome.losses else self.second} better"
        return "no significant difference"


def _winner(record: Any) -> str | None:
    return {"A": record.first, "B": record.second}.get(record.verdict)


def _both_orders(frame: pd.DataFrame) -> dict[tuple[str, str, str], list[Any]]:
    """(case, x, y) with x < y → its pairwise records (one per order judged so far)."""
    pairwise = frame[frame["verdict"].notna()] if "verdict" in frame else frame.iloc[0:0]
    records: dict[tuple[str, str, str], list[Any]] = {}
    for record in pairwise.itertuples():
        x, y = sorted((record.first, record.second))
        records.setdefault((record.case_key, x, y), []).append(record)
    return records


def pair_comparisons(frame: pd.DataFrame) -> list[tuple[str, str, float, bool]]:
    """One `(run_x, run_y, score_for_x, order_dependent)` per case and pair of runs (x < y), from the
    pairwise records of a `load_judgments` frame; the two orders must name the same winner, else a tie."""
    return [(x, y, score, flipped) for _, x, y, score, flipped, _ in _cases(frame)]


def _cases(frame: pd.DataFrame) -> list[tuple[str, str, str, float, bool, str | None]]:
    """Per case judged in both orders: (case, x, y, score for x, flipped, "A"/"B" when both orders
    chose the same position)."""
    out = []
    for (case, x, y), records in sorted(_both_orders(frame).items()):
        if len(records) != 2:
            continue  # one order still missing (an interrupted judgment): not counted yet
        winners = [_winner(r) for r in records]
        agreed = winners[0] == winners[1]
        winner = winners[0] if agreed else None
        verdicts = {r.verdict for r in records}
        position = verdicts.pop() if len(verdicts) == 1 and not agreed else None
        out.append((case, x, y, 1.0 if winner == x else 0.0 if winner == y else 0.5, not agreed, position))
    return out


def pairwise_summary(frame: pd.DataFrame) -> list[PairSummary]:
    """Win/tie/loss (Wilson intervals), order-dependent cases and position bias for every pair of runs."""
    groups: dict[tuple[str, str], list[tuple[float, bool, str | None]]] = {}
    for _, x, y, score, flipped, position in _cases(frame):
        groups.setdefault((x, y), []).append((score, flipped, position))
    return [PairSummary(x, y, PairwiseOutcome.from_scores(s for s, _, _ in items), sum(f for _, f, _ in items),
                        sum(p == "A" for _, _, p in items), sum(p == "B" for _, _, p in items))
            for (x, y), items in sorted(groups.items())]


def length_controlled(frame: pd.DataFrame, lengths: dict[tuple[str, str], float],
                      ratio: float = LENGTH_MATCH_RATIO) -> dict[tuple[str, str], tuple[Rate, Rate]]:
    """Per pair of runs (x, y): x's win rate over the length-matched cases only (the longer answer
    at most `ratio` times the shorter's tokens; the rate is wins / matched cases, ties and flips not
    counted as wins, with its Wilson interval), and the share of decisive cases
    won by the longer answer. `lengths` maps (run, case key) to answer tokens. Matching on length
    (rather than a logistic adjustment) keeps the estimate model-free; it costs the unmatched cases."""
    out: dict[tuple[str, str], tuple[Rate, Rate]] = {}
    tallies: dict[tuple[str, str], list[int]] = {}
    for case, x, y, score, _, _ in _cases(frame):
        lx, ly = lengths.get((x, case)), lengths.get((y, case))
        if lx is None or ly is None or min(lx, ly) <= 0:
            continue
        tally = tallies.setdefault((x, y), [0, 0, 0, 0])  # matched wins, matched, longer wins, decisive
        if max(lx, ly) <= ratio * min(lx, ly):
            tally[0] += score == 1.0
            tally[1] += 1
        if score != 0.5 and lx != ly:
            tally[2] += (score == 1.0) == (lx > ly)
            tally[3] += 1
    for pair, (wins, matched, longer, decisive) in tallies.items():
        out[pair] = (wilson(wins, matched), wilson(longer, decisive))
    return out


def strengths(frame: pd.DataFrame, resamples: int = 1000, seed: int = 0) -> dict[str, Strength]:
    """Bradley–Terry strengths (bootstrap intervals) of the runs of a pairwise `load_judgments` frame."""
    return bradley_terry([(x, y, s) for x, y, s, _ in pair_comparisons(frame)], resamples=resamples, seed=seed)


def pairwise_table(frame: pd.DataFrame) -> pd.DataFrame:
    """One row per pair of runs of a pairwise `load_judgments` frame: `first`, `second`, `n` cases
    judged in both orders, `wins`/`ties`/`losses` from `first`'s side with their rates as text
    (Wilson 95% intervals), the sign test's `p_value` (wins against losses) and the cases whose
    verdict flipped with the order (`order_dependent`, counted as ties, and its rate), the cases
    where the judge chose the first-shown answer in both orders (`always_first`, its rate),
    `reliable` (order dependence ≤ `POSITION_BIAS_LIMIT`) and `verdict` ("judge unreliable
    (position bias N%)" where it is not: its ties are the judge's position preference)."""
    import pandas as pd

    rows = [{"first": pair.first, "second": pair.second, "n": pair.outcome.n, "wins": pair.outcome.wins,
             "ties": pair.outcome.ties, "losses": pair.outcome.losses, "win": str(pair.outcome.win_rate),
             "tie": str(pair.outcome.tie_rate), "loss": str(pair.outcome.loss_rate),
             "p_value": pair.outcome.p_value, "order_dependent": pair.order_dependent,
             "order_dependent_rate": pair.order_dependent_rate, "always_first": pair.always_first,
             "always_first_rate": pair.always_first_rate, "reliable": pair.reliable, "verdict": pair.verdict}
            for pair in pairwise_summary(frame)]
    return pd.DataFrame(rows, columns=["first", "second", "n", "wins", "ties", "losses", "win", "tie", "loss",
                                       "p_value", "order_dependent", "order_dependent_rate", "always_first",
                                       "always_first_rate", "reliable", "verdict"])


def strength_table(frame: pd.DataFrame, resamples: int = 1000, seed: int = 0) -> pd.DataFrame:
    """Bradley–Terry strengths of the runs of a pairwise `load_judgments` frame, strongest first:
    `strength` (geometric mean 1) with its bootstrap interval `low`..`high` and as text (`interval`:
    "no decisive comparisons" when every comparison was a tie), `comparisons`, `decisive`, `score`."""
    import pandas as pd

    rows = [{"run": s.name, "strength": s.strength, "low": s.low, "high": s.high, "interval": s.interval_text,
             "comparisons": s.comparisons, "decisive": s.decisive, "score": s.score}
            for s in strengths(frame, resamples=resamples, seed=seed).values()]
    return pd.DataFrame(rows, columns=["run", "strength", "low", "high", "interval", "comparisons", "decisive",
                                       "score"])
