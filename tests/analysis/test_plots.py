"""The report's plots: value labels that stay apart, and throughput per run as median and IQR."""

from __future__ import annotations

import itertools

from builders import make_run, record

from mistral_eval.analysis.frames import load_runs
from mistral_eval.analysis.plots import rate_figure, report_plots
from mistral_eval.analysis.tables import check_table, summary_table

CHECKS = ["contains", "number", "language", "length", "regex", "json", "not_contains"]


def _four_runs(tmp_path):
    runs = []
    for r in range(4):
        records = [record(f"s/c{i}", "pass" if (i + r) % 3 else "fail", tokens_per_second=10.0 + r,
                          checks=[{"name": name, "passed": bool((i + j + r) % 2), "score": 1.0, "reason": "x"}
                                  for j, name in enumerate(CHECKS)]) for i in range(7)]
        records = [{**line, "status": "pass" if all(c["passed"] for c in line["checks"]) else "fail"}
                   for line in records]
        runs.append(make_run(tmp_path / f"run-{r}", records))
    return load_runs(runs)


def test_check_type_value_labels_do_not_overlap_with_four_runs(tmp_path):
    """issue 21 item 7"""
    checks = check_table(_four_runs(tmp_path))
    figure = rate_figure(sorted(set(checks["check"])), checks, "check", "check", "Pass rate per check type")
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    renderer = FigureCanvasAgg(figure).get_renderer()
    labels = [text.get_window_extent(renderer) for text in figure.axes[0].texts]
    assert len(labels) == 4 * len(CHECKS)
    for a, b in itertools.combinations(labels, 2):
        assert not a.overlaps(b), (a, b)


def test_throughput_is_a_median_with_its_range_per_run_not_a_histogram(tmp_path):
    """issue 21 item 7"""
    df = _four_runs(tmp_path)
    plots = report_plots(df, summary_table(df))
    titles = [plot["title"] for plot in plots]
    assert "Tokens per second" not in titles and "Tokens per second per run" in titles
    assert [plot["wide"] for plot in plots if plot["title"].startswith("Pass rate")] == [True, True]
