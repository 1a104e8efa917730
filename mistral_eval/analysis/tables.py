"""Summary tables of loaded runs, for notebooks, the terminal and the report: pass rates over scored
cases with their n, counts and 95% Wilson intervals, errors counted apart, judge means with bootstrap
intervals, paired comparisons of runs over the same cases (McNemar's exact test for pass/fail,
Wilcoxon's signed-rank test for judge grades) and, for runs with `--repeats`, per-case pass
fractions, pass@k and the spread across repeats.

Pure pandas over the DataFrame of `results.load_runs`; the statistics come from `stats.py`. It knows
nothing about HTML, files or models.
"""

from __future__ import annotations

import math
import os
import re
from collections.abc import Callable, Iterable
from typing import Any

import pandas as pd

from mistral_eval.analysis.stats import (
    Mean,
    PairedTest,
    Rate,
    bounded_mean,
    fmt_interval,
    fmt_kappa,
    fmt_pct,
    fmt_rate_interval,
    mcnemar_exact,
    summarize_repeats,
    wilcoxon_signed_rank,
    wilson,
)
from mistral_eval.core.errors import ConfigError

__all__ = ["ALL", "check_table", "comparison_table", "fmt_kappa", "format_summary", "fmt_mean", "fmt_paired", "fmt_rate",
           "holm", "judge_comparison_table", "judge_means", "natural_key", "pair_table", "readable_summary",
           "repeats_table", "statuses", "summarize_runs", "summary_table"]

ALL = "(all)"
_SUMMARY_COLUMNS = ["run", "suite", "cases", "n", "k", "errors", "uncertain", "pass_rate", "pass_low",
                    "pass_high"]
_UNDECIDED = ("error", "uncertain")
"""Statuses without a verdict: counted apart, never as a failure and never as a pass."""


# ---------------------------------------------------------------------------------------------
# reading the frame


def natural_key(key: str) -> list[Any]:
    """Sort key under which "case10" comes after "case9"."""
    return [int(part) if part.isdigit() else part for part in re.split(r"(\d+)", str(key))]


def _with_run(df: pd.DataFrame) -> pd.DataFrame:
    return df if "run" in df.columns else df.assign(run="run")


def statuses(df: pd.DataFrame) -> pd.Series:
    """Each row's status, "pass", "fail", "uncertain" or "error"; derived from `passed` and `error` for frames
    read from records written before statuses existed."""
    if "status" in df.columns:
        return df["status"].astype("object").fillna("error")
    error = (df["error"].astype("object").map(lambda e: isinstance(e, (str, dict)) and bool(e))
             if "error" in df.columns else pd.Series(False, index=df.index))
    passed = df["passed"].astype("object") if "passed" in df.columns else pd.Series(None, index=df.index)
    return pd.Series(["error" if e else ("pass" if p is True or p == 1 else "fail")
                      for e, p in zip(error, passed)], index=df.index, dtype="object")


def _verdicts(df: pd.DataFrame) -> pd.Series:
    """True (pass), False (fail) or None (error, uncertain) per row."""
    return statuses(df).map({"pass": True, "fail": False}).astype("object").where(
        ~statuses(df).isin(_UNDECIDED), None)


def _rate(part: pd.DataFrame) -> tuple[Rate, int, int]:
    """The pass rate over the decided rows of `part` (pass or fail), its error and uncertain counts."""
    status = statuses(part)
    scored = int((~status.isin(_UNDECIDED)).sum())
    return (wilson(int((status == "pass").sum()), scored), int((status == "error").sum()),
            int((status == "uncertain").sum()))


def _numbers(frame: pd.DataFrame, column: str) -> pd.Series:
    if column not in frame.columns:
        return pd.Series(dtype=float)
    return pd.to_numeric(frame[column].astype("object"), errors="coerce").dropna()


def _mean(frame: pd.DataFrame, column: str) -> float:
    values = _numbers(frame, column)
    return float(values.mean()) if len(values) else math.nan


def _check_rate(frame: pd.DataFrame, column: str) -> float:
    """Share of the scored rows that have a `column` check where it passed."""
    if column not in frame.columns:
        return math.nan
    values = frame.loc[~statuses(frame).isin(_UNDECIDED), column].dropna()
    return float(values.astype(bool).mean()) if len(values) else math.nan


def _throughput(part: pd.DataFrame) -> float:
    """Answer tokens per second of generation: a batch's time is shared by its rows, so a batch
    of 16 rows counts its seconds once, not 16 times."""
    if part.empty or "seconds" not in part.columns:
        return math.nan
    tokens = pd.to_numeric(part["answer_tokens"], errors="coerce").fillna(0)
    batch = (pd.to_numeric(part["batch_size"], errors="coerce").fillna(1).clip(lower=1)
             if "batch_size" in part.columns else 1)
    seconds = (pd.to_numeric(part["seconds"], errors="coerce").fillna(0) / batch).sum()
    return float(tokens.sum() / seconds) if seconds > 0 else math.nan


# ---------------------------------------------------------------------------------------------
# formatting


def fmt_rate(rate: Rate) -> str:
    """"66.7% [20.8–93.9%] 2/3": the rate, its interval and its counts; "– 0/0" without cases."""
    if rate.rate is None:
        return "– 0/0"
    assert rate.low is not None, "a rate over n > 0 cases has an interval"
    return f"{fmt_rate_interval(rate.rate, rate.low, rate.high)} {rate.k}/{rate.n}"


def fmt_mean(mean: Mean) -> str:
    """"3.40 [2.80–4.00] n=5", "4.00 (n=1: too small for an interval)", or "–" without values."""
    if mean.mean is None:
        return "–"
    if mean.too_small:
        return f"{mean.mean:.2f} (n={mean.n}: too small for an interval)"
    return f"{mean.mean:.2f} [{mean.low:.2f}–{mean.high:.2f}] n={mean.n}"


def scale_name(rubric: str, top: int) -> str:
    """"elyza 1–5": a rubric and the scale its grades are on."""
    return f"{rubric} 1–{top}"


def judge_means(part: pd.DataFrame) -> list[tuple[str, Mean]]:
    """The judge grades of the rows of a `load_runs` frame, one mean per rubric and scale (never one
    mean over several: a 4 of 5 is not a 4 of 10), as `(scale_name, Mean)` with `bounded_mean`'s
    interval on the rubric's scale 1..max."""
    if "judge_grade" not in part.columns or "judge_max" not in part.columns:
        return []
    grades = pd.to_numeric(part["judge_grade"], errors="coerce")
    tops = pd.to_numeric(part["judge_max"], errors="coerce")
    rubrics = (part["judge_rubric"].astype("object").fillna("judge") if "judge_rubric" in part.columns
               else pd.Series("judge", index=part.index))
    graded = pd.DataFrame({"grade": grades, "top": tops, "rubric": rubrics}).dropna()
    return [(scale_name(str(rubric), int(top)), bounded_mean(group["grade"].tolist(), 1, int(top)))
            for (rubric, top), group in graded.groupby(["rubric", "top"], sort=True)]


def fmt_paired(test: PairedTest) -> str:
    """"+25.0 pts [-10.3–52.1] p=0.0312 *" (second run minus first; * when significant at 5%); a
    difference of grades (sign or Wilcoxon test) as "+0.50 [-0.20–1.10] p=0.25"."""
    if test.difference is None:
        return "– (no case scored in both runs)"
    mark = " *" if test.significant() else ""
    if not test.test.startswith("McNemar"):
        return f"{test.difference:+.2f} [{test.low:+.2f}–{test.high:+.2f}] p={test.p_value:.3g}{mark}"
    assert test.low is not None and test.high is not None, "a difference has an interval"
    difference = fmt_pct(test.difference, sign="+", unit=" pts")
    return f"{difference} {fmt_interval(test.low, test.high, sign='+', unit='')} p={test.p_value:.3g}{mark}"


# ---------------------------------------------------------------------------------------------
# tables


def _summary_row(part: pd.DataFrame, check_columns: list[str]) -> dict[str, Any]:
    rate, errors, uncertain = _rate(part)
    japanese = part[part["language"] == "ja"] if "language" in part.columns else part.iloc[:0]
    row = {"cases": len(part), "n": rate.n, "k": rate.k, "errors": errors, "uncertain": uncertain,
           "pass_rate": math.nan if rate.rate is None else rate.rate,
           "pass_low": math.nan if rate.low is None else rate.low,
           "pass_high": math.nan if rate.high is None else rate.high,
           **{column: _check_rate(part, column) for column in check_columns},
           "ja_share": _mean(japanese, "japanese_share"), "tokens_per_second": _throughput(part),
           "answer_tokens": _mean(part, "answer_tokens"), "pass": fmt_rate(rate)}
    if "judge_grade" in part.columns:
        row.update(_judge_cells(judge_means(part)))
    return row


def _judge_cells(means: list[tuple[str, Mean]]) -> dict[str, Any]:
    """The summary's judge columns: the mean of the one rubric the grades share, or, where grades of
    several rubrics meet (an `(all)` row), no number and one text per rubric: never averaged."""
    if len(means) != 1:
        return {"judge_mean": math.nan, "judge_low": math.nan, "judge_high": math.nan,
                "judge_n": sum(mean.n for _, mean in means), "judge_rubric": "mixed" if means else None,
                "judge": "; ".join(f"{scale}: {fmt_mean(mean)}" for scale, mean in means) or "–"}
    scale, mean = means[0]
    return {"judge_mean": _nan(mean.mean), "judge_low": _nan(mean.low), "judge_high": _nan(mean.high),
            "judge_n": mean.n, "judge_rubric": scale, "judge": f"{fmt_mean(mean)} ({scale})"}


def summary_table(df: pd.DataFrame) -> pd.DataFrame:
    """Per run and suite (plus an `(all)` row per run): `cases` (all records), `n` scored (pass or
    fail), `k` passed, `errors` (no verdict; never counted as failures), `uncertain` (a check could not
    decide: needs review; never counted as a pass or a failure), `pass_rate` = k/n with its 95%
    Wilson interval `pass_low`..`pass_high`, the pass rate per check type (`check_<type>`), the mean
    Japanese share of the `ja` cases, throughput (tokens/s), mean answer tokens, `pass` (the rate as
    text: "66.7% [20.8–93.9%] 2/3") and, when the runs were judged, `judge_mean` with its interval
    (`bounded_mean`) `judge_low`..`judge_high`, `judge_n`, `judge_rubric` (its rubric and scale,
    "elyza 1–5") and `judge` (as text). Grades of different rubrics are never averaged: where they
    meet, `judge_mean` is NaN, `judge_rubric` "mixed" and `judge` gives one mean per rubric."""
    frame = _with_run(df)
    check_columns = sorted(c for c in frame.columns if c.startswith("check_"))
    judged = "judge_grade" in frame.columns
    rows = []
    for run, group in frame.groupby("run", sort=False):
        parts = sorted(group.groupby("suite"), key=lambda item: str(item[0])) if "suite" in group else []
        for suite, part in [*parts, (ALL, group)]:
            rows.append({"run": run, "suite": suite, **_summary_row(part, check_columns)})
    judge = ["judge_mean", "judge_low", "judge_high", "judge_n", "judge_rubric"] if judged else []
    columns = [*_SUMMARY_COLUMNS, *check_columns, "ja_share", "tokens_per_second", "answer_tokens",
               *judge, "pass", *(["judge"] if judged else [])]
    return pd.DataFrame(rows, columns=columns)


def comparison_table(df: pd.DataFrame, baseline: str | None = None) -> pd.DataFrame:
    """Each run against `baseline` (default: the first run), per suite and `(all)`, paired on case
    keys present in both: `n` pairs scored in both, the `difference` in pass rate (run − baseline)
    with its interval `low`..`high`, McNemar's exact `p_value`, `better` (fail → pass) and `worse`
    (pass → fail) counts, `p_holm` (Holm-adjusted within the `(all)` rows and
    within the per-suite rows: each is a family of tests), `significant` (p_holm < 0.05) and the result as text."""
    frame = _with_run(df)
    if "key" in frame.columns and len(frame):
        frame = frame.assign(_value=_verdicts(frame))
    return _with_holm(_paired_table(frame, baseline, mcnemar_exact))


def judge_comparison_table(df: pd.DataFrame, baseline: str | None = None) -> pd.DataFrame:
    """As `comparison_table`, for the judge's grades (`judge_grade`, the expected grade) of the cases
    both runs had judged, per rubric (column `rubric`, e.g. "elyza 1–5"): the mean difference with
    its paired bootstrap interval and Wilcoxon's signed-rank test (exact up to 25 non-zero
    differences); `better`/`worse` count cases graded higher/lower. Empty when fewer than two runs
    were judged. Raises ConfigError when a case was graded on one rubric in one run and on another
    in the other: grades on different scales are never compared."""
    frame = _with_run(df)
    if "judge_grade" not in frame.columns or not len(frame):
        return _paired_table(frame.iloc[0:0], baseline, wilcoxon_signed_rank).assign(rubric=None)
    frame = frame.assign(_value=pd.to_numeric(frame["judge_grade"], errors="coerce"),
                         _scale=_scales(frame))
    judged = frame.groupby("run", sort=False)["_value"].apply(lambda v: v.notna().any())
    frame = frame[frame["run"].isin(judged[judged].index)]
    runs = list(dict.fromkeys(frame["run"]))
    if len(runs) < 2:
        return _paired_table(frame.iloc[0:0], baseline, wilcoxon_signed_rank).assign(rubric=None)
    baseline = runs[0] if baseline is None else baseline
    _refuse_mixed_rubrics(frame, baseline)
    parts = [_paired_table(part, baseline, wilcoxon_signed_rank).assign(rubric=scale)
             for scale, part in frame[frame["_value"].notna()].groupby("_scale", sort=True)
             if baseline in set(part["run"]) and part["run"].nunique() > 1]
    if not parts:
        return _paired_table(frame.iloc[0:0], baseline, wilcoxon_signed_rank).assign(rubric=None)
    return pd.concat(parts, ignore_index=True)


def _scales(frame: pd.DataFrame) -> pd.Series:
    """Each row's rubric and scale ("elyza 1–5"); None where the row has no grade."""
    rubric = (frame["judge_rubric"].astype("object") if "judge_rubric" in frame.columns
              else pd.Series("judge", index=frame.index))
    top = pd.to_numeric(frame["judge_max"], errors="coerce") if "judge_max" in frame.columns else \
        pd.Series(math.nan, index=frame.index)
    return pd.Series([None if pd.isna(t) else scale_name("judge" if pd.isna(r) else str(r), int(t))
                      for r, t in zip(rubric, top)], index=frame.index, dtype="object")


def _refuse_mixed_rubrics(frame: pd.DataFrame, baseline: str) -> None:
    """A ConfigError naming both rubrics where a case was graded on different rubrics in two runs."""
    graded = frame[frame["_value"].notna()]
    base = graded[graded["run"] == baseline][["key", "_scale"]]
    for run, other in graded[graded["run"] != baseline].groupby("run", sort=False):
        merged = base.merge(other[["key", "_scale"]], on="key", suffixes=("_a", "_b"))
        clash = merged[merged["_scale_a"] != merged["_scale_b"]]
        if len(clash):
            first = clash.iloc[0]
            raise ConfigError(
                f"judge grades of run {run!r} ({first['_scale_b']}) and run {baseline!r} "
                f"({first['_scale_a']}) come from different rubrics (case {first['key']} and "
                f"{len(clash) - 1} more): grades on different scales are not compared or averaged; "
                f"judge both runs with one rubric (`mistral-eval judge RUN --rubric ...`)", field="rubric")


def _paired_table(frame: pd.DataFrame, baseline: str | None,
                  test_of: Callable[..., PairedTest]) -> pd.DataFrame:
    """Each run against `baseline` on the `_value` column, paired on case keys, per suite and (all)."""
    columns = ["baseline", "run", "suite", "n", "difference", "low", "high", "p_value", "better",
               "worse", "significant", "text"]
    runs = list(dict.fromkeys(frame["run"])) if "run" in frame.columns and len(frame) else []
    if len(runs) < 2 or "key" not in frame.columns:
        return pd.DataFrame(columns=columns)
    baseline = runs[0] if baseline is None else baseline
    base = frame[frame["run"] == baseline]
    rows = []
    for run in (r for r in runs if r != baseline):
        other = frame[frame["run"] == run]
        merged = base[["key", "suite", "_value"]].merge(other[["key", "_value"]], on="key", suffixes=("_a", "_b"))
        parts = sorted(merged.groupby("suite"), key=lambda item: str(item[0]))
        for suite, part in [*parts, (ALL, merged)]:
            test = test_of(part["_value_a"].tolist(), part["_value_b"].tolist())
            rows.append({"baseline": baseline, "run": run, "suite": suite, "n": test.n,
                         "difference": _nan(test.difference), "low": _nan(test.low),
                         "high": _nan(test.high), "p_value": test.p_value, "better": test.better,
                         "worse": test.worse, "significant": test.significant(),
                         "text": fmt_paired(test)})
    return pd.DataFrame(rows, columns=columns)


def holm(p_values: list[float]) -> list[float]:
    """Holm's step-down adjustment of `p_values` (one family of tests): reject where the adjusted p
    is below alpha, and the chance of any false rejection stays at most alpha."""
    order = sorted(range(len(p_values)), key=lambda i: p_values[i])
    adjusted, running = [1.0] * len(p_values), 0.0
    for rank, i in enumerate(order):
        running = max(running, min(1.0, (len(p_values) - rank) * p_values[i]))
        adjusted[i] = running
    return adjusted


def _with_holm(table: pd.DataFrame) -> pd.DataFrame:
    """`p_holm`, Holm-adjusted within each family of tests, and `significant` from it, not the raw p.
    Two families: the `(all)` rows (one test per run against the baseline) and the per-suite rows."""
    if table.empty:
        return table.assign(p_holm=pd.Series(dtype=float))
    raw = [1.0 if _missing(p) else float(p) for p in table["p_value"]]
    adjusted = [1.0] * len(raw)
    for overall in (True, False):
        family = [i for i, suite in enumerate(table["suite"]) if (suite == ALL) == overall]
        for i, p in zip(family, holm([raw[i] for i in family])):
            adjusted[i] = p
    significant = [p < 0.05 for p in adjusted]
    text = [t.removesuffix(" *") + (" *" if mark else "") for t, mark in zip(table["text"], significant)]
    return table.assign(p_holm=adjusted, significant=significant, text=text)


def _missing(value: Any) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def _nan(value: float | None) -> float:
    return math.nan if value is None else value


def pair_table(df: pd.DataFrame) -> pd.DataFrame:
    """Bilingual pairs: per run and `pair`, the ja and en case keys side by side with their pass rates
    (over scored cases)."""
    columns = ["run", "pair", "ja_keys", "en_keys", "ja_pass_rate", "en_pass_rate", "ja_share"]
    frame = _with_run(df)
    if not {"pair", "language"} <= set(frame.columns):
        return pd.DataFrame(columns=columns)
    paired = frame[frame["pair"].notna() & frame["language"].isin(["ja", "en"])]
    rows = []
    for run, group in paired.groupby("run", sort=False):
        for pair, part in sorted(group.groupby("pair"), key=lambda item: natural_key(str(item[0]))):
            ja, en = part[part["language"] == "ja"], part[part["language"] == "en"]
            rows.append({"run": run, "pair": pair, "ja_keys": ", ".join(ja["key"]),
                         "en_keys": ", ".join(en["key"]), "ja_pass_rate": _nan(_rate(ja)[0].rate),
                         "en_pass_rate": _nan(_rate(en)[0].rate), "ja_share": _mean(ja, "japanese_share")})
    return pd.DataFrame(rows, columns=columns)


_REPEAT_SUFFIX = re.compile(r"#r\d+$")


def repeats_table(df: pd.DataFrame) -> pd.DataFrame:
    """For runs with repeats (`run --repeats N`: keys `suite/case#rK`, field `repeat`), per run and suite
    (and `(all)`): `cases`, `repeats` (most samples of a case), `samples` scored, `errors`, the mean
    per-case pass fraction `mean` with its bootstrap interval over cases `low`..`high` (`fraction` as
    text), `pass_at_1`, `pass_at_k` for k = `k` (the repeats; unbiased, over cases with k scored
    samples) and `spread`, the standard deviation of the pass rate across repeats. Repeats of one case
    are not independent cases: this interval, over cases, is the one to read. Empty when no row is a
    repeat (every `repeat` is 0)."""
    columns = ["run", "suite", "cases", "repeats", "samples", "errors", "mean", "low", "high", "fraction",
               "pass_at_1", "k", "pass_at_k", "spread"]
    frame = _with_run(df)
    if "repeat" not in frame.columns or not len(frame) or not (pd.to_numeric(frame["repeat"]) > 0).any():
        return pd.DataFrame(columns=columns)
    frame = frame.assign(_case=frame["key"].map(lambda key: _REPEAT_SUFFIX.sub("", str(key))),
                         _verdict=_verdicts(frame)).sort_values("repeat", kind="stable")
    rows = []
    for run, group in frame.groupby("run", sort=False):
        parts = sorted(group.groupby("suite"), key=lambda item: str(item[0]))
        for suite, part in [*parts, (ALL, group)]:
            outcomes = {case: rows_["_verdict"].tolist() for case, rows_ in part.groupby("_case", sort=False)}
            k = int(pd.to_numeric(part["repeat"]).max()) + 1
            summary = summarize_repeats(outcomes, ks=sorted({1, k}))
            rows.append({"run": run, "suite": suite, "cases": len(outcomes), "repeats": summary.repeats,
                         "samples": int(part["_verdict"].notna().sum()),
                         "errors": int(part["_verdict"].isna().sum()), "mean": _nan(summary.mean.mean),
                         "low": _nan(summary.mean.low), "high": _nan(summary.mean.high),
                         "fraction": _fmt_fraction(summary.mean), "pass_at_1": _nan(summary.pass_at.get(1)), "k": k,
                         "pass_at_k": _nan(summary.pass_at.get(k)), "spread": _nan(summary.spread)})
    return pd.DataFrame(rows, columns=columns)


def _fmt_fraction(mean: Mean) -> str:
    """"66.7% [50.0–83.3%] n=4 cases": a mean pass fraction over cases with its interval."""
    if mean.mean is None:
        return "– 0 cases"
    assert mean.low is not None, "a mean has an interval"
    return f"{fmt_rate_interval(mean.mean, mean.low, mean.high)} n={mean.n} cases"


def format_summary(df: pd.DataFrame) -> str:
    """A plain-text table for the terminal: per run (when several) and suite, n scored, the pass rate
    with its 95% interval and counts, errors, uncertain cases, the judge mean (when judged) and
    tokens/s; then the
    paired differences when there are several runs (McNemar for pass/fail, Wilcoxon for judge
    grades), and the per-case pass fractions and pass@k of runs with repeats."""
    table = summary_table(df)
    if table.empty:
        return "No finished cases."
    several = table["run"].nunique() > 1
    judged = "judge" in table.columns
    header = [*(["run"] if several else []), "suite", "n", "pass rate [95% interval] passed/n", "errors",
              "uncertain",
              *(["judge mean [95% interval]"] if judged else []), "tokens/s"]
    rows = [[*([str(row["run"])] if several else []), str(row["suite"]), str(row["n"]), row["pass"],
             str(row["errors"]), str(row["uncertain"]), *([row["judge"]] if judged else []),
             "–" if math.isnan(row["tokens_per_second"]) else f"{row['tokens_per_second']:.1f}"]
            for row in table.to_dict("records")]
    n_at = header.index("n")
    lines = _columns([header, *rows], right={n_at, n_at + 2, len(header) - 1})
    paired = comparison_table(df)
    if not paired.empty:
        lines += ["", "Paired on case keys (run − baseline, McNemar exact test; * Holm-adjusted p < 0.05 "
                      "within the (all) rows and within the suite rows):"]
        lines += _columns([["run", "vs", "suite", "pairs", "difference [95% interval]"],
                           *([r["run"], r["baseline"], str(r["suite"]), str(r["n"]), r["text"]]
                             for r in paired.to_dict("records"))], right={3})
    lines += _judge_paired_lines(df)
    repeats = repeats_table(df)
    if not repeats.empty:
        lines += ["", "Repeats (each case sampled several times; the interval is over cases):"]
        lines += _columns([[*(["run"] if several else []), "suite", "cases", "repeats",
                            "mean per-case pass fraction [95%]", "pass@1", "pass@k", "spread"],
                           *([*([str(r["run"])] if several else []), str(r["suite"]), str(r["cases"]),
                              str(r["repeats"]), r["fraction"], fmt_pct(r["pass_at_1"]),
                              f"{fmt_pct(r['pass_at_k'])} (k={r['k']})", fmt_pct(r["spread"])]
                             for r in repeats.to_dict("records"))], right=set())
    return "\n".join(lines)


def _judge_paired_lines(df: pd.DataFrame) -> list[str]:
    """The judge grades paired between runs, per rubric; or why they are not compared."""
    try:
        paired = judge_comparison_table(df)
    except ConfigError as exc:
        return ["", f"Judge grades not compared: {exc}"]
    if paired.empty:
        return []
    return ["", "Judge grades paired on case keys (run − baseline, Wilcoxon signed-rank test; * p < 0.05):",
            *_columns([["run", "vs", "rubric", "suite", "pairs", "difference [95% interval]"],
                       *([r["run"], r["baseline"], str(r["rubric"]), str(r["suite"]), str(r["n"]), r["text"]]
                         for r in paired.to_dict("records"))], right={4})]


def _columns(rows: list[list[str]], right: set[int]) -> list[str]:
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    return ["  ".join(cell.rjust(w) if i in right else cell.ljust(w)
                      for i, (cell, w) in enumerate(zip(row, widths))).rstrip() for row in rows]


def check_table(df: pd.DataFrame) -> pd.DataFrame:
    """Per run and check type: `n` scored cases that ran the check, `k` where it passed, the rate with
    its 95% Wilson interval, and `pass` as text."""
    columns = ["run", "check", "n", "k", "pass_rate", "pass_low", "pass_high", "pass"]
    frame = _with_run(df)
    checks = sorted(c for c in frame.columns if c.startswith("check_"))
    rows = []
    for run, group in frame.groupby("run", sort=False):
        scored = group[~statuses(group).isin(_UNDECIDED)]
        for column in checks:
            values = scored[column].dropna().astype(bool)
            rate = wilson(int(values.sum()), len(values))
            rows.append({"run": run, "check": column.removeprefix("check_"), "n": rate.n, "k": rate.k,
                         "pass_rate": _nan(rate.rate), "pass_low": _nan(rate.low),
                         "pass_high": _nan(rate.high), "pass": fmt_rate(rate)})
    return pd.DataFrame(rows, columns=columns)


def summarize_runs(run_dirs: Iterable[str | os.PathLike[str]]) -> str:
    """`format_summary` of run directories: the table `run` and `sweep` print at the end."""
    from mistral_eval.analysis.frames import load_runs

    return format_summary(load_runs(list(run_dirs)))


def _check_counts(part: pd.DataFrame, column: str) -> str:
    """"67% 2/3": how many scored rows that ran a check of this type passed it."""
    if column not in part.columns:
        return "–"
    values = part.loc[statuses(part) != "error", column].dropna().astype(bool)
    return f"{fmt_pct(values.mean())} {int(values.sum())}/{len(values)}" if len(values) else "–"


def readable_summary(df: pd.DataFrame) -> pd.DataFrame:
    """The summary to read in a notebook, every cell a string: per run (when several) and suite, the
    pass rate with its 95% interval and passed/n first, errors, then each check type's pass rate with
    its counts, the judge mean (when judged), the Japanese share of ja answers and tokens/s."""
    table = summary_table(df)
    frame = _with_run(df)
    checks = sorted(c for c in frame.columns if c.startswith("check_"))
    several = table["run"].nunique() > 1
    rows = []
    for row in table.to_dict("records"):
        part = frame[frame["run"] == row["run"]]
        if row["suite"] != ALL:
            part = part[part["suite"] == row["suite"]]
        rows.append({**({"run": str(row["run"])} if several else {}), "suite": str(row["suite"]),
                     "pass rate [95%] passed/n": row["pass"], "errors": str(row["errors"]),
                     **{column.removeprefix("check_"): _check_counts(part, column) for column in checks},
                     **({"judge mean [95%]": row["judge"]} if "judge" in row else {}),
                     "ja share": fmt_pct(row["ja_share"]),
                     "tokens/s": "–" if math.isnan(row["tokens_per_second"]) else f"{row['tokens_per_second']:.1f}"})
    return pd.DataFrame(rows)
