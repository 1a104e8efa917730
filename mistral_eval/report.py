"""Self-contained HTML report: one run (summary, plots, every case) or a comparison of several runs.

It reads run directories through `results.py`; it knows nothing about models or generation.
Model output is untrusted: every value reaches the page through `html.escape`, and the page has no
JavaScript at all (the "only differences" filter is pure CSS).
"""

from __future__ import annotations

import base64
import html
import io
import json
import math
import os
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
from matplotlib.figure import Figure

from mistral_eval.results import RunStore, load_runs, run_names

__all__ = ["REPORT_CSS", "html_table", "html_tag", "pair_table", "render_report", "show_report",
           "summary_table", "write_report"]

ALL = "(all)"
_MANIFEST_FIELDS = ("model", "revision", "quant", "format", "settings", "seed", "suites", "versions",
                    "gpu", "git_commit", "started_at", "fingerprint")
_UNCOMPARED = {"started_at", "fingerprint"}  # differ between any two runs; not worth a highlight
REPORT_CSS = """
body { font-family: system-ui, sans-serif; margin: 2em; max-width: 1500px; }
pre { white-space: pre-wrap; word-break: break-word; background: #f6f8fa; padding: .4em; margin: .2em 0; }
table { border-collapse: collapse; margin: .5em 0; }
th, td { border: 1px solid #ccc; padding: .25em .5em; vertical-align: top; text-align: left; }
td.num { text-align: right; }
.badge { padding: 0 .4em; border-radius: 3px; font-weight: bold; font-size: .85em; }
.badge.pass { background: #d9f2d9; color: #135e13; } .badge.fail { background: #f9d6d6; color: #8a1414; }
.badge.missing, td.missing { background: #eee; color: #666; }
tr.diff, tr.differs { background: #fff4ce; }
section.case { border-top: 1px solid #ddd; padding: .5em 0; }
.meta { color: #555; font-size: .9em; }
.role { font-weight: bold; font-size: .85em; color: #555; }
#only-diff:checked ~ table tr.same { display: none; }
img.plot { max-width: 48%; margin: .5em; border: 1px solid #eee; }
"""


# ---------------------------------------------------------------------------------------------
# tables for notebooks


def _with_run(df: pd.DataFrame) -> pd.DataFrame:
    return df if "run" in df.columns else df.assign(run="run")


def _mean(frame: pd.DataFrame, column: str) -> float:
    if column not in frame.columns or frame.empty:
        return math.nan
    values = pd.to_numeric(frame[column].astype("object"), errors="coerce")
    return float(values.mean()) if values.notna().any() else math.nan


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


def _summary_row(part: pd.DataFrame, check_columns: list[str]) -> dict[str, Any]:
    japanese = part[part["language"] == "ja"] if "language" in part.columns else part.iloc[:0]
    return {"cases": len(part), "pass_rate": _mean(part, "passed"),
            **{column: _mean(part, column) for column in check_columns},
            "ja_share": _mean(japanese, "japanese_share"),
            "tokens_per_second": _throughput(part),
            "answer_tokens": _mean(part, "answer_tokens")}


def summary_table(df: pd.DataFrame) -> pd.DataFrame:
    """Per run and suite (plus an `(all)` row per run): case count, pass rate, pass rate per check type
    (`check_<type>`), mean Japanese share of the `ja` cases, generation throughput (tokens/s) and mean answer tokens."""
    frame = _with_run(df)
    check_columns = sorted(c for c in frame.columns if c.startswith("check_"))
    rows = []
    for run, group in frame.groupby("run", sort=False):
        parts = sorted(group.groupby("suite"), key=lambda item: str(item[0])) if "suite" in group else []
        for suite, part in [*parts, (ALL, group)]:
            rows.append({"run": run, "suite": suite, **_summary_row(part, check_columns)})
    columns = ["run", "suite", "cases", "pass_rate", *check_columns, "ja_share", "tokens_per_second",
               "answer_tokens"]
    return pd.DataFrame(rows, columns=columns)


def pair_table(df: pd.DataFrame) -> pd.DataFrame:
    """Bilingual pairs: per run and `pair`, the ja and en case keys side by side with their pass rates."""
    columns = ["run", "pair", "ja_keys", "en_keys", "ja_pass_rate", "en_pass_rate", "ja_share"]
    frame = _with_run(df)
    if not {"pair", "language"} <= set(frame.columns):
        return pd.DataFrame(columns=columns)
    paired = frame[frame["pair"].notna() & frame["language"].isin(["ja", "en"])]
    rows = []
    for run, group in paired.groupby("run", sort=False):
        for pair, part in sorted(group.groupby("pair"), key=lambda item: _natural(str(item[0]))):
            ja, en = part[part["language"] == "ja"], part[part["language"] == "en"]
            rows.append({"run": run, "pair": pair, "ja_keys": ", ".join(ja["key"]),
                         "en_keys": ", ".join(en["key"]), "ja_pass_rate": _mean(ja, "passed"),
                         "en_pass_rate": _mean(en, "passed"), "ja_share": _mean(ja, "japanese_share")})
    return pd.DataFrame(rows, columns=columns)


# ---------------------------------------------------------------------------------------------
# escaping and small HTML builders


class _Html(str):
    """A string that is already safe HTML; everything else is escaped on the way in."""


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, (dict, list, tuple)):
        return json.dumps(value, ensure_ascii=False, sort_keys=True, default=str)
    return str(value)


def _e(value: Any) -> _Html:
    return value if isinstance(value, _Html) else _Html(html.escape(_text(value), quote=True))


def _join(parts: Iterable[Any], sep: str = "") -> _Html:
    return _Html(sep.join(_e(part) for part in parts))


def html_tag(name: str, *children: Any, class_: str | None = None, **attrs: Any) -> _Html:
    pairs = {"class": class_, **attrs}
    attributes = "".join(f' {key}="{_e(value)}"' for key, value in pairs.items() if value is not None)
    return _Html(f"<{name}{attributes}>{_join(children)}</{name}>")


def html_table(headers: Sequence[Any], rows: Iterable[Sequence[Any]],
           row_classes: Iterable[str | None] | None = None, class_: str | None = None) -> _Html:
    rows = list(rows)
    classes = list(row_classes) if row_classes is not None else [None] * len(rows)
    head = html_tag("tr", *(html_tag("th", header) for header in headers))
    body = (html_tag("tr", *(cell if _is_cell(cell) else html_tag("td", cell) for cell in row), class_=cls)
            for row, cls in zip(rows, classes))
    return html_tag("table", html_tag("thead", head), html_tag("tbody", *body), class_=class_)


def _is_cell(value: Any) -> bool:
    return isinstance(value, _Html) and value.startswith(("<td", "<th"))


def _missing(value: Any) -> bool:
    return value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value))


def _percent(value: Any) -> str:
    return "–" if _missing(value) else f"{100 * value:.1f}%"


def _number(value: Any) -> str:
    return "–" if _missing(value) else f"{value:.1f}"


def _badge(passed: Any) -> _Html:
    if _missing(passed):
        return html_tag("span", "MISSING", class_="badge missing")
    return html_tag("span", "PASS" if passed else "FAIL", class_=f"badge {'pass' if passed else 'fail'}")


def _natural(key: str) -> list[Any]:
    return [int(part) if part.isdigit() else part for part in re.split(r"(\d+)", key)]


# ---------------------------------------------------------------------------------------------
# sections


@dataclass
class _Run:
    name: str
    path: Path
    manifest: dict
    records: list[dict]
    timings: list[dict]


def _read_timings(path: Path) -> list[dict]:
    timings = []
    for file in path.glob("timing.rank*.json"):
        try:
            timings.append(json.loads(file.read_text(encoding="utf-8")))
        except (OSError, ValueError):
            timings.append({"rank": file.name, "seconds": "unreadable", "cases": None})
    return sorted(timings, key=lambda timing: _natural(str(timing.get("rank"))))


def _load(run_dirs: Sequence[Path]) -> list[_Run]:
    runs = []
    for path, name in zip(run_dirs, run_names(run_dirs)):
        with RunStore.read(path) as store:
            records = sorted((r.model_dump() for r in store.records()), key=lambda record: _natural(record["key"]))
            runs.append(_Run(name, path, store.manifest.model_dump(), records, _read_timings(path)))
    return runs


def _manifest_value(field: str, value: Any) -> _Html:
    if field == "settings" or (isinstance(value, dict) and field != "versions"):
        return html_tag("pre", json.dumps(value, ensure_ascii=False, indent=1, sort_keys=True, default=str))
    if value is None:
        return _Html("–")
    if field == "versions" and isinstance(value, dict):
        return _join((f"{name} {version}" for name, version in value.items()), ", ")
    if field == "suites" and isinstance(value, list):
        return _join((html_tag("div", f"{s.get('name')} — {s.get('file')} (sha256 {str(s.get('sha256'))[:12]})")
                      for s in value))
    return _e(value)


def _manifest_fields(runs: Sequence[_Run]) -> list[str]:
    extra = sorted({key for run in runs for key in run.manifest} - set(_MANIFEST_FIELDS))
    return [*_MANIFEST_FIELDS, *extra]


def _manifest_section(runs: Sequence[_Run]) -> _Html:
    """One column per run; rows where the runs differ are highlighted."""
    rows, classes = [], []
    for field in _manifest_fields(runs):
        values = [run.manifest.get(field) for run in runs]
        rows.append([html_tag("th", field), *(_manifest_value(field, value) for value in values)])
        differs = len({_text(value) for value in values}) > 1 and field not in _UNCOMPARED
        classes.append("differs" if differs else None)
    headers = ["", *(run.name for run in runs)] if len(runs) > 1 else ["field", "value"]
    return _join([html_tag("h2", "Manifest"), html_table(headers, rows, classes, class_="manifest")])


def _timing_section(runs: Sequence[_Run]) -> _Html:
    """One row per rank of the last launch that rank took part in (a resume with fewer ranks
    leaves the higher ranks' rows of the earlier launch; `world` tells them apart)."""
    rows = [[run.name, t.get("rank"), t.get("world", "–"),
             *(html_tag("td", t.get(key, "–"), class_="num") for key in ("seconds", "cases", "cost")),
             t.get("finished_at", "–")] for run in runs for t in run.timings]
    if not rows:
        return _Html("")
    headers = ["run", "rank", "world", "seconds", "cases", "expected cost (tokens)", "finished"]
    return _join([html_tag("h2", "Per-rank timing"), html_table(headers, rows)])


def _summary_section(df: pd.DataFrame, several: bool) -> _Html:
    table = summary_table(df)
    if table.empty:
        return _join([html_tag("h2", "Summary"), html_tag("p", "No finished cases.")])
    checks = [c for c in table.columns if c.startswith("check_")]
    columns: list[tuple[str, str, Callable[[Any], str]]] = [
        ("cases", "cases", str), ("pass_rate", "pass rate", _percent),
        *((c, f"check: {c.removeprefix('check_')}", _percent) for c in checks),
        ("ja_share", "Japanese share (ja cases)", _percent),
        ("tokens_per_second", "tokens/s", _number), ("answer_tokens", "answer tokens", _number)]
    keys = ["run", "suite"] if several else ["suite"]
    rows = [[*(row[k] for k in keys), *(html_tag("td", fmt(row[c]), class_="num") for c, _, fmt in columns)]
            for row in table.to_dict("records")]
    return _join([html_tag("h2", "Summary"), html_table([*keys, *(title for _, title, _ in columns)], rows)])


def _label(text: Any) -> str:
    return str(text).replace("$", r"\$")  # no mathtext from suite or run names


def _png(figure: Figure) -> _Html:
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=90, bbox_inches="tight")  # Figure() renders with Agg
    data = base64.b64encode(buffer.getvalue()).decode("ascii")
    return _Html(f'<img class="plot" alt="{_e(figure.get_suptitle())}" src="data:image/png;base64,{data}">')


def _bar_plot(labels: list[str], axis: str, values: dict[str, list[float]], title: str) -> _Html:
    figure = Figure(figsize=(6, 3.2))
    axes = figure.subplots()
    width = 0.8 / max(len(values), 1)
    for index, (run, heights) in enumerate(values.items()):
        axes.bar([x + index * width for x in range(len(labels))], [h * 100 for h in heights], width,
                 label=_label(run))
    axes.set_xticks([x + width * (len(values) - 1) / 2 for x in range(len(labels))],
                    [_label(label) for label in labels], rotation=30, ha="right")
    axes.set_ylabel("pass rate (%)")
    axes.set_ylim(0, 100)
    axes.set_xlabel(axis)
    if len(values) > 1:
        axes.legend(fontsize="small")
    figure.suptitle(title)
    return _png(figure)


def _histogram(df: pd.DataFrame, column: str, axis: str, title: str) -> _Html | None:
    series = {run: pd.to_numeric(part[column], errors="coerce").dropna()
              for run, part in df.groupby("run", sort=False)} if column in df.columns else {}
    series = {run: values for run, values in series.items() if len(values)}
    if not series:
        return None
    figure = Figure(figsize=(6, 3.2))
    axes = figure.subplots()
    axes.hist(list(series.values()), bins=20, label=[_label(run) for run in series], alpha=0.8)
    axes.set_xlabel(axis)
    axes.set_ylabel("cases")
    if len(series) > 1:
        axes.legend(fontsize="small")
    figure.suptitle(title)
    return _png(figure)


def _plots_section(df: pd.DataFrame) -> _Html:
    table = summary_table(df)
    if table.empty:
        return _Html("")
    runs = list(dict.fromkeys(table["run"]))
    per_suite = table[table["suite"] != ALL]
    suites = [str(suite) for suite in dict.fromkeys(per_suite["suite"])]
    rates = {run: [_first(per_suite, run, suite, "pass_rate") for suite in suites] for run in runs}
    plots = [_bar_plot(suites, "suite", rates, "Pass rate per suite")]
    checks = [c for c in table.columns if c.startswith("check_")]
    if checks:
        totals = table[table["suite"] == ALL].set_index("run")
        plots.append(_bar_plot([c.removeprefix("check_") for c in checks], "check", {
            run: [float(totals.at[run, c]) for c in checks] for run in runs}, "Pass rate per check type"))
    ja = df[df["language"] == "ja"] if "language" in df.columns else df.iloc[:0]
    plots += [_histogram(df, "tokens_per_second", "tokens/s", "Tokens per second"),
              _histogram(df, "answer_tokens", "answer tokens", "Answer length"),
              _histogram(ja, "japanese_share", "Japanese share", "Japanese share of ja answers")]
    return _join([html_tag("h2", "Plots"), html_tag("div", *(plot for plot in plots if plot))])


def _first(table: pd.DataFrame, run: str, suite: str, column: str) -> float:
    match = table[(table["run"] == run) & (table["suite"] == suite)][column]
    return float(match.iloc[0]) if len(match) else math.nan


def _answer_cell(records: list[dict], *, with_key: bool = True) -> _Html:
    """A table cell with each record's pass/fail, answer and the reasons of its failed checks."""
    if not records:
        return html_tag("td", _badge(None), class_="missing")
    parts = []
    for record in records:
        reasons = [html_tag("div", f"{check.get('name')}: {check.get('reason')}", class_="meta")
                   for check in record.get("checks") or [] if not check.get("passed")]
        parts += [html_tag("div", record["key"] + " " if with_key else "", _badge(record.get("passed"))),
                  html_tag("pre", record.get("answer"), class_="answer"), *reasons]
    return html_tag("td", *parts)


def _pairs_section(df: pd.DataFrame, runs: Sequence[_Run]) -> _Html:
    pairs = pair_table(df)
    if pairs.empty:
        return _Html("")
    several = len(runs) > 1
    keys = ["run", "pair"] if several else ["pair"]
    rows = [[*(row[k] for k in keys), row["ja_keys"], row["en_keys"], _percent(row["ja_pass_rate"]),
             _percent(row["en_pass_rate"]), _percent(row["ja_share"])] for row in pairs.to_dict("records")]
    parts = [html_tag("h2", "Bilingual pairs (ja vs en)"),
             html_table([*keys, "ja cases", "en cases", "ja pass rate", "en pass rate", "Japanese share (ja)"],
                    rows)]
    if not several:
        by_pair: dict[str, dict[str, list[dict]]] = {}
        for record in runs[0].records:
            if record.get("pair") is not None and record.get("language") in ("ja", "en"):
                sides = by_pair.setdefault(str(record["pair"]), {"ja": [], "en": []})
                sides[record["language"]].append(record)
        rows = [[pair, _answer_cell(sides["ja"]), _answer_cell(sides["en"])]
                for pair, sides in sorted(by_pair.items(), key=lambda item: _natural(item[0]))]
        parts.append(html_table(["pair", "ja", "en"], rows, class_="pairs"))
    return _join(parts)


def _case(record: dict, run_format: Any) -> _Html:
    tags = ", ".join(map(str, record.get("tags") or [])) or "–"
    meta = [f"language {record.get('language')}", f"tags {tags}",
            f"pair {record.get('pair') or '–'}", f"format {record.get('format') or run_format}",
            f"finish {record.get('finish_reason')}", f"prompt {record.get('prompt_tokens')} tokens",
            f"answer {record.get('answer_tokens')} tokens", f"{_number(record.get('seconds'))} s",
            f"{_number(record.get('tokens_per_second'))} tokens/s", f"rank {record.get('rank')}"]
    messages = [html_tag("div", html_tag("span", message.get("role"), class_="role"),
                     html_tag("pre", message.get("content"))) for message in record.get("messages") or []]
    checks = [[check.get("name"), _badge(check.get("passed")), check.get("score"), check.get("reason")]
              for check in record.get("checks") or []]
    passed = record.get("passed")
    return html_tag("section", html_tag("h3", record["key"], " ", _badge(passed)),
                html_tag("p", " · ".join(meta), class_="meta"),
                html_tag("div", *messages, class_="messages"),
                html_tag("details", html_tag("summary", "prompt text"), html_tag("pre", record.get("prompt_text"))),
                html_tag("div", "answer", class_="role"), html_tag("pre", record.get("answer"), class_="answer"),
                html_table(["check", "result", "score", "reason"], checks) if checks else html_tag("p", "no checks"),
                html_tag("p", "settings ", html_tag("code", record.get("settings")), class_="meta"),
                class_=f"case {'pass' if passed else 'fail'}", id=f"case-{record['key']}")


def _cases_section(run: _Run) -> _Html:
    cases = [_case(record, run.manifest.get("format")) for record in run.records]
    return _join([html_tag("h2", f"Cases ({len(cases)})"), *cases])


def _comparison_section(runs: Sequence[_Run]) -> _Html:
    """Cases aligned by key, one column per run; rows whose pass/fail/missing status differs are marked."""
    by_run = [{record["key"]: record for record in run.records} for run in runs]
    keys = sorted({key for records in by_run for key in records}, key=_natural)
    rows, classes = [], []
    for key in keys:
        statuses = {_text(records[key].get("passed")) if key in records else "missing" for records in by_run}
        classes.append("diff" if len(statuses) > 1 else "same")
        cells = (_answer_cell([records[key]] if key in records else [], with_key=False) for records in by_run)
        rows.append([html_tag("th", key), *cells])
    toggle = _Html('<input type="checkbox" id="only-diff"> <label for="only-diff">only differences</label>')
    counts = f"{classes.count('diff')} of {len(keys)} cases differ in pass/fail across runs."
    return _join([html_tag("h2", "Cases side by side"), html_tag("p", counts),
                  html_tag("div", toggle, html_table(["case", *(run.name for run in runs)], rows, classes,
                                             class_="compare"))])


# ---------------------------------------------------------------------------------------------
# entry points


def _paths(run_dirs: str | os.PathLike | Iterable[str | os.PathLike]) -> list[Path]:
    if isinstance(run_dirs, (str, os.PathLike)):
        return [Path(run_dirs)]
    return [Path(d) for d in run_dirs]


def render_report(run_dirs: str | os.PathLike | Iterable[str | os.PathLike], *,
                  title: str | None = None) -> str:
    """The HTML of a report on one run directory, or a comparison of two or more."""
    paths = _paths(run_dirs)
    if not paths:
        raise ValueError("render_report needs at least one run directory.")
    runs, df = _load(paths), load_runs(paths)
    several = len(runs) > 1
    title = title or ("mistral-eval comparison: " + " vs ".join(r.name for r in runs) if several
                      else f"mistral-eval report: {runs[0].name}")
    sections = [html_tag("h1", title), _manifest_section(runs), _timing_section(runs),
                _summary_section(df, several), _plots_section(df), _pairs_section(df, runs)]
    sections += [_comparison_section(runs)] if several else [_cases_section(runs[0])]
    head = _Html(f'<meta charset="utf-8">{html_tag("title", title)}<style>{REPORT_CSS}</style>')
    body = _join(sections, "\n")
    return f'<!DOCTYPE html>\n<html lang="en">\n<head>{head}</head>\n<body>\n{body}\n</body>\n</html>\n'


def write_report(run_dirs: str | os.PathLike | Iterable[str | os.PathLike], out: str | os.PathLike, *,
                 title: str | None = None) -> Path:
    """Write the report of `run_dirs` to the file `out` (parents created) and return its path."""
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(f".{out.name}.{os.getpid()}.tmp")
    tmp.write_text(render_report(run_dirs, title=title), encoding="utf-8")
    os.replace(tmp, out)
    return out


def show_report(run_dirs: str | os.PathLike | Iterable[str | os.PathLike], *, title: str | None = None,
                height: int = 800):
    """The report as a notebook output: the page inside a sandboxed iframe (no scripts run, and its
    styles stay out of the notebook's). Model output stays escaped: the page escapes it, and the
    page itself is escaped once more into the iframe's `srcdoc` attribute."""
    from IPython.display import HTML

    page = render_report(run_dirs, title=title)
    return HTML(f'<div><iframe sandbox srcdoc="{html.escape(page, quote=True)}" '
                f'style="width: 100%; height: {int(height)}px; border: 1px solid #ccc"></iframe></div>')
