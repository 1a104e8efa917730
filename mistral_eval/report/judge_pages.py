"""The report's judge sections as template rows: each case's grade with its distribution and rationale,
agreement of the checks and the judge per suite (Cohen's κ), judge grades paired between runs (per
rubric; refused across rubrics), a pairwise judgment's win/tie/loss rates (or "judge unreliable"
where the verdicts follow the position), length-controlled win rates and Bradley–Terry strengths,
and the notes shown next to every judge figure: each judge's calibration (or "uncalibrated" / "below
threshold") and its length bias. `render_pairwise` / `write_pairwise_report` give a pairwise
directory its own page (`DIR/report.html`).

Reads judgments through `judgments.py` and tables through `tables.py`; the HTML is the templates'
(`judge.html.j2` macros). Knows nothing about models.
"""

from __future__ import annotations

import math
import os
from pathlib import Path
from typing import Any

import pandas as pd

from mistral_eval.analysis.frames import latest_per_key, load_judgments, load_runs
from mistral_eval.analysis.judge_tables import (
    LENGTH_MATCH_RATIO,
    POSITION_BIAS_LIMIT,
    agreement_table,
    length_bias,
    length_controlled,
    pairwise_table,
    strength_table,
)
from mistral_eval.analysis.stats import fmt_pct
from mistral_eval.analysis.tables import ALL, fmt_kappa, judge_comparison_table
from mistral_eval.core.errors import ConfigError
from mistral_eval.judge.calibration import calibration_status
from mistral_eval.runs.judgments import JUDGMENTS_DIR, JudgmentStore, judge_dirs
from mistral_eval.runs.records import JudgeManifest

__all__ = ["PAIRWISE_REPORT", "agreement_rows", "case_judgments", "judge_notes", "judge_paired_refusal",
           "judge_paired_rows", "pairwise_cases", "pairwise_context", "render_pairwise", "write_pairwise_report"]

PAIRWISE_REPORT = "report.html"
"""The page `mistral-eval judge --pairwise ... --out DIR` writes into DIR."""
_BAR_EM = 2.0  # height of a probability-1 bar


def _missing(value: Any) -> bool:
    return value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value))


def _bars(distribution: dict[str, float]) -> list[dict[str, Any]]:
    return [{"grade": grade, "height": round(_BAR_EM * p, 3), "text": fmt_pct(p, digits=0)}
            for grade, p in distribution.items()]


def _calibrations(path: str | os.PathLike) -> dict[str, tuple[str, str]]:
    """Judge label → (status, text) of `calibration_status` for every judge directory of `path`."""
    out = {}
    for directory in judge_dirs(path):
        with JudgmentStore.read(directory) as store:
            manifest: JudgeManifest = store.manifest
        out[manifest.label] = calibration_status(manifest.calibration)
    return out


def judge_notes(paths: list[Path], df: pd.DataFrame) -> list[dict[str, Any]]:
    """What to read next to every judge figure: per judge of each run its calibration (a warning when
    uncalibrated or below threshold), and per run and rubric the length bias (Spearman's ρ of grade
    and answer tokens, with n)."""
    several = len(paths) > 1
    notes = []
    for path in paths:
        for label, (status, text) in _calibrations(path).items():
            notes.append({"level": status, "text": f"{path.name + ': ' if several else ''}judge {label}: {text}"})
    for run, scale, bias in length_bias(df):
        notes.append({"level": "info", "text": f"{run + ': ' if several else ''}{scale}: {bias}"})
    return notes


def case_judgments(path: Path) -> dict[str, dict[str, Any]]:
    """The latest judgment of each case key of a judged run, as the case boxes show it: expected and
    most likely grade, top grade, status, gate reason, distribution bars, rationale (untrusted) and
    the judge's calibration status."""
    if not (path / JUDGMENTS_DIR).is_dir():
        return {}
    calibrations = _calibrations(path)
    out = {}
    for row in latest_per_key(load_judgments(path)).to_dict("records"):
        if _missing(row["expected_grade"]):
            continue
        distribution = row.get("distribution") or {}
        best = max(distribution, key=distribution.__getitem__) if distribution else None
        out[row["case_key"]] = {
            "grade": f"{row['expected_grade']:.2f}", "expected": row["expected_grade"],
            "max": None if _missing(row["max_grade"]) else int(row["max_grade"]),
            "best": best, "best_p": fmt_pct(distribution[best], digits=0) if best else "–",
            "status": row["status"], "reason": row.get("reason"), "judge": row["judge"],
            "rubric": row["rubric"], "bars": _bars(distribution), "rationale": row.get("rationale") or "",
            "calibration": calibrations.get(row["judge"], ("uncalibrated", ""))[0]}
    return out


def agreement_rows(df: pd.DataFrame) -> list[dict[str, Any]]:
    """Per run and suite where cases have both checks and a judge grade: n, observed agreement, κ."""
    return [{"run": row["run"], "suite": row["suite"], "n": row["n"], "total": row["suite"] == ALL,
             "observed": fmt_pct(row["observed"], digits=0),
             "kappa": ("– (one rater gave one verdict throughout)" if _missing(row["kappa"])
                       else fmt_kappa(row["kappa"]))}
            for row in agreement_table(df).to_dict("records")]


def judge_paired_refusal(df: pd.DataFrame) -> str | None:
    """Why the runs' judge grades are not compared (different rubrics), or None."""
    try:
        judge_comparison_table(df)
    except ConfigError as exc:
        return str(exc)
    return None


def judge_paired_rows(df: pd.DataFrame) -> list[dict[str, Any]]:
    """Judge grades of two runs paired on case keys, per rubric: mean difference, bootstrap interval,
    Wilcoxon p; none where the runs were graded on different rubrics (`judge_paired_refusal`)."""
    try:
        table = judge_comparison_table(df)
    except ConfigError:
        return []
    return [{"suite": row["suite"], "rubric": row["rubric"], "run": row["run"], "baseline": row["baseline"], "n": row["n"],
             "difference": "–" if _missing(row["difference"]) else f"{row['difference']:+.2f}",
             "interval": "–" if _missing(row["low"]) else f"[{row['low']:+.2f}, {row['high']:+.2f}]",
             "better": row["better"], "worse": row["worse"], "p": f"{row['p_value']:.3g}",
             "significant": bool(row["significant"])} for row in table.to_dict("records")]


def pairwise_context(directory: str | os.PathLike[str], resamples: int = 1000) -> dict[str, Any]:
    """The pairwise judge of `directory` (a `judge --pairwise --out DIR`): who judged and its
    calibration, per pair of runs win/tie/loss with Wilson intervals, sign-test p, order-dependent
    verdicts and position bias ("judge unreliable" above `POSITION_BIAS_LIMIT`), the win rate over
    length-matched cases, and with three or more runs the Bradley–Terry strengths."""
    from mistral_eval.runs.judgments import JudgmentStore

    directory = Path(directory)
    with JudgmentStore.read(directory) as store:
        manifest: JudgeManifest = store.manifest
    frame = load_judgments(directory)
    matched = length_controlled(frame, _answer_lengths(manifest))
    pairs = [{**row, "p": f"{row['p_value']:.3g}", "significant": row["p_value"] < 0.05 and row["reliable"],
              "order": f"{row['order_dependent']}/{row['n']}" + (
                  "" if _missing(row["order_dependent_rate"]) else f" ({fmt_pct(row['order_dependent_rate'], digits=0)})"),
              "first_always": f"{row['always_first']}/{row['n']}",
              "matched": _matched_text(matched.get((row["first"], row["second"])))}
             for row in pairwise_table(frame).to_dict("records")]
    runs = [run.name for run in manifest.runs]
    strengths = [] if len(runs) < 3 else [
        {"run": row["run"], "strength": f"{row['strength']:.2f}", "comparisons": row["comparisons"],
         "score": f"{row['score']:g}", "interval": row["interval"]}
        for row in strength_table(frame, resamples=resamples).to_dict("records")]
    status, calibration = calibration_status(manifest.calibration)
    return {"directory": str(directory), "judge": f"{manifest.judge_model} [{manifest.quant}], label "
            f"{manifest.label}, format {manifest.format}", "runs": runs, "pairs": pairs, "strengths": strengths,
            "judgments": len(frame), "limit": f"{POSITION_BIAS_LIMIT:.0%}", "ratio": f"{LENGTH_MATCH_RATIO:g}",
            "notes": [{"level": status, "text": f"judge {manifest.label}: {calibration}"}]}


def _answer_lengths(manifest: JudgeManifest) -> dict[tuple[str, str], float]:
    """(run name, case key) → answer tokens, from the compared runs still on disk."""
    lengths: dict[tuple[str, str], float] = {}
    for run in manifest.runs:
        try:
            frame = load_runs([run.path])
        except Exception:  # noqa: BLE001 - a run moved or removed since: no lengths for it
            continue
        if "answer_tokens" in frame:
            lengths.update({(run.name, key): float(tokens) for key, tokens
                            in zip(frame["key"], frame["answer_tokens"]) if not _missing(tokens)})
    return lengths


def _matched_text(rates: Any) -> str:
    """"60% [31–83%] (6/10); longer answer wins 80% (8/10)", or "–" without lengths."""
    if rates is None:
        return "–"
    matched, longer = rates
    return f"{matched}; longer answer wins {longer}"


_VERDICTS = {"A": "first", "B": "second", "C": "tie"}


def pairwise_cases(directory: str | os.PathLike[str]) -> list[dict[str, Any]]:
    """Per case of a pairwise directory, every judgment: which run was shown as A and as B, the
    verdict (the preferred run, or a tie) with its probability, and the judge's reasoning (untrusted
    text: the templates escape it)."""
    from mistral_eval.analysis.tables import natural_key

    frame = load_judgments(directory)
    if frame.empty or "first" not in frame.columns:
        return []
    cases = []
    for case_key, part in sorted(frame.groupby("case_key"), key=lambda item: natural_key(str(item[0]))):
        rows = []
        for row in part.sort_values(["first", "second"], kind="stable").to_dict("records"):
            verdict = row.get("verdict")
            side = _VERDICTS.get(str(verdict))
            preferred = "tie" if side == "tie" else row.get(side) if side else None
            distribution = row.get("distribution") or {}
            probability = distribution.get(verdict) if verdict else None
            rows.append({"a": row.get("first"), "b": row.get("second"), "status": row["status"],
                         "verdict": "–" if preferred is None else
                         ("tie" if preferred == "tie" else f"{preferred} better"),
                         "p": fmt_pct(probability, digits=0) if isinstance(probability, (int, float)) else "–",
                         "rationale": row.get("rationale") or "",
                         "error": row.get("error_message")})
        cases.append({"key": case_key, "anchor": "pair-" + "_".join(str(case_key).split()), "rows": rows})
    return cases


def render_pairwise(directory: str | os.PathLike[str], *, title: str | None = None) -> str:
    """The page of a pairwise directory on its own: win/tie/loss per pair, Bradley–Terry strengths,
    and each case's verdicts with the judge's reasoning."""
    from mistral_eval.report.render import render

    context = pairwise_context(directory)
    cases = pairwise_cases(directory)
    title = title or "mistral-eval pairwise judge: " + " vs ".join(context["runs"])
    return render("pairwise.html.j2", title=title, subtitle=context["judge"],
                   toc=[("pairwise", "Pairwise judge"), ("verdicts", f"Verdicts per case ({len(cases)})")],
                   pairwise=context, cases=cases)


def write_pairwise_report(directory: str | os.PathLike[str]) -> Path:
    """Write `render_pairwise(directory)` to `DIR/report.html` and return its path."""
    from mistral_eval.core.paths import write_text_atomic

    out = Path(directory) / PAIRWISE_REPORT
    write_text_atomic(out, render_pairwise(directory))
    return out
