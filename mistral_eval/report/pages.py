"""Self-contained HTML pages: the report on one run, the comparison of several, and a sweep's index.

Results first: per suite the pass rate with its n, counts and 95% interval, errors apart, paired
differences between runs (pass/fail and judge grades), agreement of checks and judge, repeats, the
pairwise judge; then plots, bilingual pairs and every case (with the judge's grade, distribution and
reasoning where judged); the manifest last, collapsed. The judge's rows come from `judge_report.py`.
The pages are rendered from the jinja2 templates in `mistral_eval/templates` with autoescaping on,
so model output (untrusted) always reaches the page as text. A page loads nothing: plots are data:
URLs, the one inline script (filters, search, sortable columns) is allowed by its hash in the page's
Content-Security-Policy, and nothing else may run or load.

It reads run directories through `results.py` and the numbers through `tables.py`; it knows nothing
about models or generation.
"""

from __future__ import annotations

import html
import json
import math
import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from mistral_eval.analysis.frames import load_runs
from mistral_eval.analysis.plots import report_plots
from mistral_eval.analysis.stats import fmt_interval, fmt_pct
from mistral_eval.analysis.tables import (
    ALL,
    check_table,
    comparison_table,
    natural_key,
    pair_table,
    repeats_table,
    summary_table,
)
from mistral_eval.core.paths import write_text_atomic
from mistral_eval.report.judge_pages import (
    agreement_rows,
    case_judgments,
    judge_notes,
    judge_paired_refusal,
    judge_paired_rows,
    pairwise_context,
)
from mistral_eval.report.render import render
from mistral_eval.runs.records import Manifest, Result
from mistral_eval.runs.store import RunStore, refuse_run_file, run_names

__all__ = ["IndexRow", "pair_table", "render_index", "render_report", "show_report", "summary_table",
           "write_report"]

_MANIFEST_FIELDS = ("model", "revision", "quant", "format", "settings", "seed", "repeats", "suites",
                    "versions", "gpu", "git_commit", "started_at", "fingerprint")
_UNCOMPARED = {"started_at", "fingerprint"}  # differ between any two runs; not worth a highlight

RunDirs = str | os.PathLike[str] | Iterable[str | os.PathLike[str]]


# ---------------------------------------------------------------------------------------------
# loading runs


@dataclass
class _Run:
    name: str
    path: Path
    manifest: dict[str, Any]
    records: dict[str, Result]
    judges: dict[str, dict[str, Any]]
    timings: list[dict]


def _manifest(raw: Manifest | dict) -> dict[str, Any]:
    """The manifest's fields as JSON values (typed fields, plus any extra ones a dict carries)."""
    typed = raw if isinstance(raw, Manifest) else Manifest.model_validate(raw)
    extra = {k: v for k, v in raw.items()} if isinstance(raw, dict) else {}
    return {**extra, **typed.model_dump(mode="json")}


def _read_timings(path: Path) -> list[dict]:
    timings = []
    for file in path.glob("timing.rank*.json"):
        try:
            timings.append(json.loads(file.read_text(encoding="utf-8")))
        except (OSError, ValueError):
            timings.append({"rank": file.name, "seconds": "unreadable", "cases": None})
    return sorted(timings, key=lambda timing: natural_key(str(timing.get("rank"))))


def _load(paths: Sequence[Path]) -> list[_Run]:
    runs = []
    for path, name in zip(paths, run_names(paths)):
        with RunStore.read(path) as store:
            records = {result.key: result for result in store.records()}
            manifest = _manifest(store.manifest)
        runs.append(_Run(name, path, manifest, records, case_judgments(path), _read_timings(path)))
    return runs


# ---------------------------------------------------------------------------------------------
# formatting


def _missing(value: Any) -> bool:
    return value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value))


def _number(value: Any, digits: int = 1) -> str:
    return "–" if _missing(value) else f"{value:.{digits}f}"


def _text(value: Any) -> str:
    if value is None:
        return "–"
    if isinstance(value, (dict, list, tuple)):
        return json.dumps(value, ensure_ascii=False, sort_keys=True, default=str)
    return str(value)


# ---------------------------------------------------------------------------------------------
# sections


def _summary_rows(table: pd.DataFrame) -> list[dict]:
    """Grouped by suite, runs side by side within a suite; the `(all)` rows last."""
    order = sorted(dict.fromkeys(table["suite"]), key=lambda suite: (suite == ALL, str(suite)))
    rows = []
    for suite in order:
        for row in table[table["suite"] == suite].to_dict("records"):
            rows.append({"suite": suite, "run": row["run"], "n": row["n"], "k": row["k"],
                         "errors": row["errors"], "uncertain": row["uncertain"], "rate": fmt_pct(row["pass_rate"]),
                         "interval": fmt_interval(row["pass_low"], row["pass_high"]),
                         "judge": row.get("judge") or "–",
                         "tps": _number(row["tokens_per_second"]), "total": suite == ALL})
    return rows


def _paired_rows(df: pd.DataFrame) -> list[dict]:
    return [{"suite": row["suite"], "run": row["run"], "baseline": row["baseline"], "n": row["n"],
             "difference": fmt_pct(row["difference"], sign="+", unit=" pts"),
             "interval": fmt_interval(row["low"], row["high"], sign="+", unit="", between=", "),
             "better": row["better"], "worse": row["worse"], "p": f"{row['p_value']:.3g}",
             "p_holm": f"{row['p_holm']:.3g}",
             "significant": bool(row["significant"])} for row in comparison_table(df).to_dict("records")]


def _repeat_rows(df: pd.DataFrame) -> list[dict]:
    return [{"suite": row["suite"], "run": row["run"], "cases": row["cases"], "repeats": row["repeats"],
             "samples": row["samples"], "fraction": row["fraction"], "pass_at_1": fmt_pct(row["pass_at_1"]),
             "pass_at_k": f"{fmt_pct(row['pass_at_k'])} (k={row['k']})", "spread": fmt_pct(row["spread"]),
             "total": row["suite"] == ALL} for row in repeats_table(df).to_dict("records")]


def _check_rows(df: pd.DataFrame, runs: Sequence[str]) -> list[dict]:
    table = check_table(df)
    return [{"check": check, "cells": [next(iter(part.loc[part["run"] == run, "pass"]), "–")
                                       for run in runs]}
            for check, part in table.groupby("check", sort=True)]


def _manifest_rows(runs: Sequence[_Run]) -> list[dict]:
    """One row per field, one value per run; rows where runs differ are marked."""
    extra = sorted({key for run in runs for key in run.manifest} - set(_MANIFEST_FIELDS)
                   - {"schema_version"})
    rows = []
    for name in [*_MANIFEST_FIELDS, *extra]:
        values = [run.manifest.get(name) for run in runs]
        if name in ("repeats",) and all(value in (None, 1) for value in values):
            continue
        cells = [{"text": json.dumps(value, ensure_ascii=False, indent=1, sort_keys=True, default=str),
                  "block": True} if isinstance(value, (dict, list)) else {"text": _text(value), "block": False}
                 for value in values]
        differs = len({_text(value) for value in values}) > 1 and name not in _UNCOMPARED
        rows.append({"field": name, "values": cells, "differs": differs})
    return rows


def _timing_rows(runs: Sequence[_Run]) -> list[dict]:
    return [{"run": run.name, "rank": t.get("rank"), "world": t.get("world", "–"),
             "seconds": t.get("seconds", "–"), "cases": t.get("cases", "–"), "cost": t.get("cost", "–"),
             "finished": t.get("finished_at", "–")} for run in runs for t in run.timings]


def _settings(settings: dict[str, Any]) -> list[tuple[str, str]]:
    """Generation settings as (name, value) rows for a key-value list."""
    return [(name, _text(value)) for name, value in sorted(settings.items())]


def _timing(result: Result) -> str:
    """The time a case took, or its batch's when it shared one (its own time is not measured)."""
    seconds = _number(result.seconds, 2)
    if result.batch_size > 1:
        return f"batch of {result.batch_size} took {seconds} s"
    return f"{seconds} s"


def _entry(run: _Run, key: str) -> dict:
    """One run's answer to one case, as the templates show it: with this run's own format,
    settings and formatted prompt (runs of a comparison differ in them)."""
    result = run.records.get(key)
    if result is None:
        return {"run": run.name, "status": "missing", "error": None}
    meta = (f"finish {result.finish_reason or '–'} · {result.answer_tokens} tokens · "
            f"{_timing(result)} · {_number(result.tokens_per_second)} tokens/s")
    judge = run.judges.get(key)
    return {"run": run.name, "status": result.status, "meta": meta, "answer": result.answer,
            "format": result.format or run.manifest.get("format") or "–",
            "prompt_tokens": result.prompt_tokens, "prompt_text": result.prompt_text,
            "settings": _settings(result.settings or run.manifest.get("settings") or {}),
            "turns": result.turns[:-1] if len(result.turns) > 1 else [],
            "checks": [check.model_dump() for check in result.checks],
            "error": result.error.model_dump() if result.error else None, "judge": judge}


def _anchor(key: str) -> str:
    return "case-" + "_".join(key.split())  # an id holds any character but white space


def _case(key: str, runs: Sequence[_Run]) -> dict:
    """A case as every run asked it; what differs between runs (format, settings, prompt) is in
    each run's entry."""
    result = next(run.records[key] for run in runs if key in run.records)
    entries = [_entry(run, key) for run in runs]
    states = [entry["status"] for entry in entries]
    checks = sorted({check["name"] for entry in entries for check in entry.get("checks", [])})
    meta = f"language {result.language} · tags {', '.join(result.tags) or '–'} · pair {result.pair or '–'}"
    return {"key": key, "anchor": _anchor(key), "suite": result.suite, "language": result.language,
            "tags": list(result.tags), "check_names": checks, "meta": meta, "messages": result.messages,
            "entries": entries,
            "fail": int("fail" in states), "error": int("error" in states),
            "review": int("uncertain" in states), "diff": int(len(set(states)) > 1)}


def _review_rows(cases: Sequence[dict]) -> list[dict]:
    """The "needs review" group: per uncertain answer, its case, run and the checks that could not decide."""
    return [{"key": case["key"], "anchor": case["anchor"], "run": entry["run"],
             "reasons": [f"{check['name']}: {check['reason']}" for check in entry["checks"]
                         if check.get("verdict") == "uncertain"]}
            for case in cases for entry in case["entries"] if entry["status"] == "uncertain"]


def _prompt(result: Result) -> str:
    users = [m.get("content", "") for m in result.messages if m.get("role") == "user"]
    return "\n\n".join(users) or result.prompt_text or ""


def _pair_rows(keys: Sequence[str], runs: Sequence[_Run]) -> list[dict]:
    """Bilingual pairs: per pair the ja and en cases, each with its prompt and every run's answer."""
    pairs: dict[str, dict[str, list[dict]]] = {}
    for key in keys:
        result = next(run.records[key] for run in runs if key in run.records)
        if result.pair is not None and result.language in ("ja", "en"):
            side = pairs.setdefault(str(result.pair), {"ja": [], "en": []})[result.language]
            side.append({"key": key, "anchor": _anchor(key), "prompt": _prompt(result),
                         "entries": [_entry(run, key) for run in runs]})
    return [{"name": name, **sides} for name, sides in sorted(pairs.items(), key=lambda i: natural_key(i[0]))]


def _filters(cases: Sequence[dict]) -> list[tuple[str, str, list[str]]]:
    def values(name: str) -> list[str]:
        found = {v for case in cases for v in (case[name] if isinstance(case[name], list) else [case[name]])}
        return sorted(found, key=natural_key)
    return [("suite", "suite", values("suite")), ("tag", "tag", values("tags")),
            ("language", "language", values("language")), ("check", "check", values("check_names"))]


# ---------------------------------------------------------------------------------------------
# entry points


def _paths(run_dirs: RunDirs) -> list[Path]:
    if isinstance(run_dirs, (str, os.PathLike)):
        return [Path(run_dirs)]
    return [Path(d) for d in run_dirs]


def _formats_used(run: _Run) -> str:
    """The formats the run's cases were rendered in ("auto" resolves per case), else the manifest's."""
    used = sorted({result.format for result in run.records.values() if result.format})
    return ", ".join(used) if used else str(run.manifest.get("format"))


def _subtitle(runs: Sequence[_Run], cases: int) -> str:
    def about(run: _Run) -> str:
        m = run.manifest
        return f"{m.get('model')} · {m.get('quant')} · format {_formats_used(run)}"
    if len(runs) == 1:
        return f"{about(runs[0])} · {cases} case(s) · started {runs[0].manifest.get('started_at') or '–'}"
    return f"{len(runs)} runs over {cases} case key(s): " + "; ".join(f"{r.name}: {about(r)}" for r in runs)


def render_report(run_dirs: RunDirs, *, title: str | None = None,
                  pairwise: str | os.PathLike[str] | None = None) -> str:
    """The HTML of a report on one run directory, or a comparison of two or more; `pairwise` (a
    `mistral-eval judge --pairwise ... --out DIR` directory) adds the section "Pairwise judge"."""
    paths = _paths(run_dirs)
    if not paths:
        raise ValueError("render_report needs at least one run directory.")
    runs, df = _load(paths), load_runs(paths)
    several = len(runs) > 1
    names = [run.name for run in runs]
    title = title or ("mistral-eval comparison: " + " vs ".join(names) if several
                      else f"mistral-eval report: {names[0]}")
    keys = sorted({key for run in runs for key in run.records}, key=natural_key)
    cases = [_case(key, runs) for key in keys]
    table = summary_table(df)
    manifest = _manifest_rows(runs)
    differing = [row["field"] for row in manifest if row["differs"]]
    context = {
        "title": title, "subtitle": _subtitle(runs, len(keys)), "several": several, "runs": names,
        "summary": _summary_rows(table) if not table.empty else [],
        "judged": "judge_mean" in table.columns, "paired": _paired_rows(df) if several else [],
        "judge_paired": judge_paired_rows(df) if several else [], "agreement": agreement_rows(df),
        "judge_refused": judge_paired_refusal(df) if several else None,
        "judge_note_rows": judge_notes(paths, df) if "judge_grade" in df.columns else [],
        "repeats": _repeat_rows(df), "pairwise": pairwise_context(pairwise) if pairwise is not None else None,
        "checks": _check_rows(df, names), "plots": report_plots(df, table) if not table.empty else [],
        "pairs": _pair_rows(keys, runs), "cases": cases, "filters": _filters(cases),
        "review": _review_rows(cases),
        "differing": sum(case["diff"] for case in cases), "manifest": manifest,
        "manifest_summary": (f"{len(differing)} field(s) differ: {', '.join(differing) or 'none'}" if several
                             else f"model {runs[0].manifest.get('model')}, seed {runs[0].manifest.get('seed')}, "
                                  f"commit {runs[0].manifest.get('git_commit') or '–'} (show all fields)"),
        "timings": _timing_rows(runs)}
    context["toc"] = [(anchor, label) for anchor, label, present in [
        ("summary", "Summary", True), ("differences", "Differences", bool(context["paired"])),
        ("pairwise", "Pairwise judge", context["pairwise"] is not None),
        ("review", f"Needs review ({len(context['review'])})", bool(context["review"])),
        ("by-check", "By check", bool(context["checks"])), ("plots", "Plots", bool(context["plots"])),
        ("pairs", "Bilingual pairs", bool(context["pairs"])), ("cases", f"Cases ({len(cases)})", True),
        ("manifest", "Manifest", True), ("timing", "Timing", bool(context["timings"]))] if present]
    return render("report.html.j2", **context)


def write_report(run_dirs: RunDirs, out: str | os.PathLike[str], *, title: str | None = None,
                 pairwise: str | os.PathLike[str] | None = None) -> Path:
    """Write the report of `run_dirs` (with the pairwise judge of `pairwise`, a directory, when given)
    to the file `out` (parents created) and return its path."""
    out = Path(out)
    refuse_run_file(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    write_text_atomic(out, render_report(run_dirs, title=title, pairwise=pairwise))
    return out


def show_report(run_dirs: RunDirs, *, title: str | None = None, height: int = 800,
                pairwise: str | os.PathLike[str] | None = None):
    """The report as a notebook output: the page inside a sandboxed iframe with an opaque origin, so
    its own script (filters, search) runs but cannot reach the notebook, and its styles stay out of
    the notebook's. Model output stays escaped: the page escapes it, the page itself is escaped once
    more into the iframe's `srcdoc` attribute, and the page's content security policy runs no script
    but its own."""
    from IPython.display import HTML

    page = render_report(run_dirs, title=title, pairwise=pairwise)
    return HTML(f'<div><iframe sandbox="allow-scripts" srcdoc="{html.escape(page, quote=True)}" '
                f'style="width: 100%; height: {int(height)}px; border: 1px solid #ccc"></iframe></div>')


# ---------------------------------------------------------------------------------------------
# the sweep index


@dataclass(frozen=True)
class IndexRow:
    """One combination of a sweep, as its index lists it."""

    name: str
    parameters: dict[str, Any]
    """Its grid values."""
    status: str
    """"ok", "failed" or "not run"."""
    seconds: float | None = None
    run_dir: Path | None = None
    """Its run directory, when it wrote results (the pass rate, errors and tokens/s come from there)."""
    links: dict[str, str | None] = field(default_factory=dict)
    """Label → address relative to the index (notebook, page, run report); None: not there."""
    failure: str | None = None
    """One line on what failed."""
    failure_source: str = ""
    """The source of the cell that failed."""


def _index_numbers(row: IndexRow) -> dict[str, Any]:
    numbers = {"n": None, "k": None, "rate": None, "low": None, "high": None, "errors": None, "judge": None,
               "judge_low": None, "judge_high": None, "tps": None}
    if row.run_dir is None:
        return numbers
    table = summary_table(load_runs(row.run_dir))
    total = table[table["suite"] == ALL]
    if total.empty:
        return numbers
    t = total.iloc[0]
    return {"n": int(t["n"]), "k": int(t["k"]), "rate": None if _missing(t["pass_rate"]) else t["pass_rate"],
            "low": t["pass_low"], "high": t["pass_high"], "errors": int(t["errors"]),
            "judge": t.get("judge_mean"), "judge_low": t.get("judge_low"), "judge_high": t.get("judge_high"),
            "tps": t["tokens_per_second"]}


_INTERVALS = {"rate": ("low", "high"), "judge": ("judge_low", "judge_high")}
"""Columns whose values carry a 95% interval: the best is marked only when its interval is clear."""


def _best(numbers: list[dict[str, Any]], name: str, highest: bool) -> Any:
    """The best value of column `name`, or None when there is no single best: fewer than two values,
    a tie, or (for a rate or judge mean) an interval that overlaps another's."""
    present = [n for n in numbers if not _missing(n[name])]
    if len(present) < 2 or len({n[name] for n in present}) < 2:
        return None
    best = (max if highest else min)(present, key=lambda n: n[name])
    if name in _INTERVALS:
        low, high = _INTERVALS[name]
        others = [n for n in present if n is not best]
        if any(_missing(best[low]) or _missing(n[high]) or best[low] <= n[high] for n in others):
            return None
    return best[name]


def render_index(title: str, rows: Sequence[IndexRow], *, summary: str = "", description: str = "",
                 links: Sequence[tuple[str, str]] = (), note: str = "") -> str:
    """A sweep's index page: one sortable row per combination with its pass rate (95% interval,
    counts) first, then status, grid values, errors, judge mean, time and tokens/s, the best value per
    column marked (a rate or mean only when its interval clears every other's), and links; then the
    failures with their cell."""
    numbers = [_index_numbers(row) for row in rows]
    parameters = list(dict.fromkeys(name for row in rows for name in row.parameters))
    judged = any(not _missing(n["judge"]) for n in numbers)
    columns = [("rate", True, None), ("interval", None, None), ("n", None, lambda v: str(v)),
               ("errors", False, str),
               *([("judge", True, lambda v: f"{v:.2f}")] if judged else []),
               ("seconds", False, lambda v: f"{v:.1f}"), ("tps", True, lambda v: f"{v:.1f}")]
    for row, number in zip(rows, numbers):
        number["seconds"] = row.seconds
    finished = [n for row, n in zip(rows, numbers) if row.status == "ok"]
    best = {name: _best(finished, name, high) for name, high, _ in columns if high is not None}
    table = []
    for row, number in zip(rows, numbers):
        cells = []
        for name, high, fmt in columns:
            if name == "interval":
                cells.append({"text": fmt_interval(number["low"], number["high"]), "sort": "", "classes": "ci"})
                continue
            value = number[name]
            missing = _missing(value)
            marked = row.status == "ok" and not missing and high is not None and value == best[name]
            if missing:
                text = "–"
            elif name == "rate":
                text = f"{fmt_pct(value)} {number['k']}/{number['n']}"
            else:
                assert fmt is not None  # every column but rate and interval has its formatter
                text = fmt(value)
            classes = "num" + (" rate" if name == "rate" else "") + (" best" if marked else "")
            cells.append({"text": text, "sort": "" if missing else value, "classes": classes})
        params = [{"text": _text(row.parameters.get(name)), "sort": row.parameters.get(name, "")
                   if isinstance(row.parameters.get(name), (int, float)) else _text(row.parameters.get(name))}
                  for name in parameters]
        table.append({"name": row.name, "status": row.status, "params": params, "lead": cells[:2],
                      "cells": cells[2:], "links": [(label, href) for label, href in row.links.items() if href]})
    failures = [{"line": row.failure, "source": row.failure_source} for row in rows if row.failure]
    toc = [("summary", "Combinations"), *([("failures", f"Failures ({len(failures)})")] if failures else [])]
    return render("index.html.j2", title=title, subtitle=description, toc=toc, summary=summary,
                   links=list(links), note=note, parameters=parameters, judged=judged, rows=table,
                   failures=failures)
