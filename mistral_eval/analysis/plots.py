"""The report's plots: pass rates with their 95% intervals and counts, each run's throughput (median
and interquartile range), and histograms of answer length and Japanese share, as PNG data: URLs
(the page loads nothing).

Reads the tables of `tables.py`; knows nothing about HTML, files or models. Legends sit outside the
axes so they never cover data, and every bar carries its value, so a 0% bar still shows.
"""

from __future__ import annotations

import base64
import io
import math
from typing import Any

import pandas as pd
from matplotlib.figure import Figure

from mistral_eval.analysis.tables import ALL, check_table, statuses

__all__ = ["rate_figure", "report_plots"]

_INCHES_PER_BAR = 0.42
"""Room per bar of a rate plot, so its value label ("67%" over "2/3") never meets its neighbour's."""


def _missing(value: Any) -> bool:
    return value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value))


def _label(text: Any) -> str:
    return str(text).replace("$", r"\$")  # no mathtext from suite or run names


def _png(figure: Figure, title: str, *, wide: bool = False) -> dict[str, Any]:
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=90, bbox_inches="tight")  # Figure() renders with Agg
    return {"title": title, "wide": wide,
            "src": "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")}


def _legend(axes: Any, several: bool) -> None:
    if several:  # outside the axes, so it never covers a bar
        axes.legend(fontsize="small", loc="upper left", bbox_to_anchor=(1.01, 1.0), frameon=False)


def rate_figure(labels: list[str], table: pd.DataFrame, key: str, axis: str, title: str) -> Figure:
    """Bars of pass rate with their 95% intervals; each bar labelled with its % and k/n, so a 0% bar
    still shows (as a thin line and its label). The figure widens with the number of bars."""
    runs = list(dict.fromkeys(table["run"]))
    bars = max(len(labels) * len(runs), 1)
    figure = Figure(figsize=(max(6.4, 1.6 + _INCHES_PER_BAR * bars / 0.8), 3.6))
    axes = figure.subplots()
    width = 0.8 / max(len(runs), 1)
    for index, run in enumerate(runs):
        part = table[table["run"] == run].set_index(key)
        xs = [x + index * width for x in range(len(labels))]
        rows = [part.loc[label] if label in part.index else None for label in labels]
        heights = [0.0 if r is None or _missing(r["pass_rate"]) else 100 * r["pass_rate"] for r in rows]
        errors = [[h - 100 * r["pass_low"], 100 * r["pass_high"] - h] if r is not None and r["n"] else [0, 0]
                  for h, r in zip(heights, rows)]
        color = f"C{index}"
        axes.bar(xs, heights, width, yerr=list(zip(*errors)) if errors else None, capsize=3,
                 color=color, ecolor="#555", label=_label(run))
        shown = [x for x, r in zip(xs, rows) if r is not None and r["n"]]  # a thin line: 0% still shows
        axes.hlines([0] * len(shown), [x - width / 2 for x in shown], [x + width / 2 for x in shown],
                    colors=color, linewidth=3)
        for x, h, r in zip(xs, heights, rows):
            text = "n=0" if r is None or not r["n"] else f"{h:.0f}%\n{r['k']}/{r['n']}"
            top = h if r is None or not r["n"] else 100 * r["pass_high"]
            axes.text(x, top + 2, text, ha="center", va="bottom", fontsize=7)
    axes.set_xticks([x + width * (len(runs) - 1) / 2 for x in range(len(labels))],
                    [_label(label) for label in labels], rotation=30, ha="right")
    axes.set_xlim(-0.6, len(labels) - 0.4)
    axes.set_ylabel("pass rate (%)")
    axes.set_ylim(0, 125)
    axes.set_yticks([0, 25, 50, 75, 100])
    axes.set_xlabel(axis)
    _legend(axes, len(runs) > 1)
    figure.suptitle(title)
    return figure


def _rate_plot(labels: list[str], table: pd.DataFrame, key: str, axis: str, title: str) -> dict[str, Any]:
    return _png(rate_figure(labels, table, key, axis, title), title, wide=True)


def _spread_plot(df: pd.DataFrame, column: str, axis: str, title: str) -> dict[str, Any] | None:
    """Per run, the median of `column` with its interquartile range and n: a run's typical speed and
    how much it varies, which a histogram of a few batches' shared values does not show."""
    series = {run: pd.to_numeric(part[column], errors="coerce").dropna()
              for run, part in df.groupby("run", sort=False)} if column in df.columns else {}
    series = {run: values for run, values in series.items() if len(values)}
    if not series:
        return None
    figure = Figure(figsize=(6.4, 0.8 + 0.45 * len(series)))
    axes = figure.subplots()
    for y, values in enumerate(series.values()):
        low, median, high = values.quantile([0.25, 0.5, 0.75])
        axes.hlines(y, low, high, colors=f"C{y}", linewidth=6, alpha=0.5)
        axes.plot([median], [y], "o", color=f"C{y}")
        axes.text(high, y, f"  {median:.1f} [{low:.1f}–{high:.1f}] n={len(values)}", va="center", fontsize=8)
    axes.set_yticks(range(len(series)), [_label(run) for run in series])
    axes.invert_yaxis()
    axes.set_xlabel(axis)
    axes.set_xlim(0, max(values.quantile(0.75) for values in series.values()) * 1.6 or 1)
    figure.suptitle(title)
    return _png(figure, title)


def _histogram(df: pd.DataFrame, column: str, axis: str, title: str) -> dict[str, Any] | None:
    series = {run: pd.to_numeric(part[column], errors="coerce").dropna()
              for run, part in df.groupby("run", sort=False)} if column in df.columns else {}
    series = {run: values for run, values in series.items() if len(values)}
    if not series:
        return None
    figure = Figure(figsize=(6.4, 3.2))
    axes = figure.subplots()
    axes.hist(list(series.values()), bins=20, label=[_label(run) for run in series], alpha=0.8)
    axes.set_xlabel(axis)
    axes.set_ylabel("cases")
    _legend(axes, len(series) > 1)
    figure.suptitle(title)
    return _png(figure, title)


def report_plots(df: pd.DataFrame, table: pd.DataFrame) -> list[dict[str, Any]]:
    """The plots of a report over `df` (from `load_runs`) and its `summary_table`: dicts of `title`
    and `src` (a data: URL)."""
    per_suite = table[table["suite"] != ALL]
    suites = [str(s) for s in dict.fromkeys(per_suite["suite"])]
    plots: list[dict[str, Any] | None] = [_rate_plot(suites, per_suite, "suite", "suite", "Pass rate per suite")]
    checks = check_table(df)
    if not checks.empty:
        plots.append(_rate_plot(sorted(dict.fromkeys(checks["check"])), checks, "check", "check",
                                "Pass rate per check type"))
    df = df[statuses(df) != "error"]  # an error generated nothing: no speed, no length
    ja = df[df["language"] == "ja"] if "language" in df.columns else df.iloc[:0]
    plots += [_spread_plot(df, "tokens_per_second", "tokens/s (median ● and interquartile range ━ per run)",
                           "Tokens per second per run"),
              _histogram(df, "answer_tokens", "answer tokens", "Answer length"),
              _histogram(ja, "japanese_share", "Japanese share", "Japanese share of ja answers")]
    return [plot for plot in plots if plot]
