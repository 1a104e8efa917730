"""The judge in tables, reports and the command line: per-suite agreement of checks and judge (with each
case's own threshold), judge grades paired between runs (Wilcoxon), per-case grades with their
distribution, the pairwise section and page, repeats, and `mistral-eval compare`.

Run directories and judgments are written directly as records (no model), so each test takes well
under a second.
"""

from __future__ import annotations

import html
import re
from pathlib import Path

import pytest
from builders import EVIL, judge_into, make_run, pairwise_runs, record

from mistral_eval.analysis.frames import load_judgments, load_runs
from mistral_eval.analysis.judge_tables import agreement, agreement_table, pairwise_table, strength_table
from mistral_eval.analysis.tables import format_summary, judge_comparison_table, repeats_table, summary_table
from mistral_eval.cli import main
from mistral_eval.report.judge_pages import PAIRWISE_REPORT, render_pairwise, write_pairwise_report
from mistral_eval.report.pages import render_report


def test_agreement_per_suite_uses_each_cases_threshold(tmp_path):
    # open: checks pass q0, q1, fail q2, q3; grades 5, 3, 2, 1 → judge passes q0 (≥ 4) and q1 (its threshold 3)
    rows = [record("open/q0"), record("open/q1"), record("open/q2", "fail"), record("open/q3", "fail"),
            record("math/m0"), record("math/m1", "fail")]
    run = judge_into(make_run(tmp_path / "run", rows), {
        "open/q0": (5.0, None), "open/q1": (3.0, 3.0), "open/q2": (2.0, None), "open/q3": (1.0, None),
        "math/m0": (2.0, None), "math/m1": (4.5, None)})
    df = load_runs([run])
    table = agreement_table(df).set_index("suite")
    assert table.loc["open", "n"] == 4 and table.loc["open", "kappa"] == pytest.approx(1.0)
    assert table.loc["math", "observed"] == 0.0 and table.loc["math", "kappa"] == pytest.approx(-1.0)
    # all six: 4 agree; checks pass 3/6, judge passes 3/6 → expected 0.5, κ = (4/6 − 0.5) / 0.5
    assert table.loc["(all)", "kappa"] == pytest.approx(1 / 3)
    assert agreement(df).kappa == pytest.approx(1 / 3)
    assert agreement(df, threshold=1).kappa == 0  # an explicit threshold wins: every grade passes
    page = render_report(run)
    section = page[page.index('id="agreement"'):]
    assert re.search(r"<th>open</th><td class=\"num\">4</td><td class=\"num\">100%</td><td class=\"num\">1.00</td>",
                     section)
    assert agreement_table(load_runs([make_run(tmp_path / "unjudged", rows)])).empty


def test_judge_grades_are_paired_with_wilcoxon_in_tables_terminal_and_report(tmp_path):
    keys = [f"open/q{i}" for i in range(6)]
    before = judge_into(make_run(tmp_path / "before", [record(k) for k in keys]), {k: (2.0, None) for k in keys})
    after = judge_into(make_run(tmp_path / "after", [record(k) for k in keys]), {k: (4.5, None) for k in keys})
    df = load_runs([before, after])
    row = judge_comparison_table(df).set_index("suite").loc["open"]
    assert (row["n"], row["better"], row["worse"]) == (6, 6, 0)
    assert row["difference"] == pytest.approx(2.5) and row["p_value"] == pytest.approx(2 / 2 ** 6)
    assert row["text"].startswith("+2.50 [") and row["text"].endswith("*")
    text = format_summary(df)
    assert "judge mean [95% interval]" in text.splitlines()[0] and "Wilcoxon signed-rank" in text
    page = render_report([before, after])
    paired = page[page.index('id="judge-differences"'):page.index("</table>", page.index('id="judge-differences"'))]
    assert "after − before" in paired and "+2.50" in paired and "significant" in paired
    unjudged = make_run(tmp_path / "plain", [record(k) for k in keys])
    assert judge_comparison_table(load_runs([before, unjudged])).empty  # one side was never judged


def test_a_case_shows_its_grade_distribution_and_escaped_rationale(tmp_path):
    run = judge_into(make_run(tmp_path / "run", [record("open/q0")]), {"open/q0": (3.25, None)}, rationale=EVIL)
    page = render_report(run)
    box = re.search(r'<div class="judge">.*?</div>\n?</div>', page, re.S).group(0)
    assert "<b>judge</b> 3.25 / 5" in box and "most likely 3 (75%)" in box
    assert box.count('class="bar"') == 5 and 'style="height: 1.5em"' in box and "4: 25%" in box
    assert html.escape(EVIL, quote=True) in box and "<img src=x" not in page


# ---------------------------------------------------------------------------------------------
# repeats


def _repeated(tmp_path) -> Path:
    """Four cases, three repeats each: c0 passes 3/3, c1 2/3, c2 1/3, c3 0/3 (one repeat errored)."""
    rows = []
    for case, passes in enumerate((3, 2, 1, 0)):
        for r in range(3):
            key = f"code/c{case}" + (f"#r{r}" if r else "")
            status = "error" if (case, r) == (3, 2) else "pass" if r < passes else "fail"
            rows.append(record(key, status, repeat=r, error=("generate", "oom") if status == "error" else None))
    return make_run(tmp_path / "repeated", rows)


def test_repeats_table_per_case_fraction_pass_at_k_and_spread(tmp_path):
    df = load_runs([_repeated(tmp_path)])
    row = repeats_table(df).set_index("suite").loc["code"]
    assert (row["cases"], row["repeats"], row["samples"], row["errors"], row["k"]) == (4, 3, 11, 1, 3)
    assert row["mean"] == pytest.approx((1 + 2 / 3 + 1 / 3 + 0) / 4)  # c3: 0 of its 2 scored samples
    assert row["low"] <= row["mean"] <= row["high"]
    assert row["pass_at_1"] == pytest.approx(row["mean"])
    assert row["pass_at_k"] == pytest.approx(3 / 3 * 0 + 3 / 3)  # c0, c1, c2 pass at 3; c3 has 2 samples
    # pass rate of repeat 0, 1, 2: 3/4, 2/4, 1/3
    rates = [3 / 4, 2 / 4, 1 / 3]
    mean = sum(rates) / 3
    assert row["spread"] == pytest.approx((sum((r - mean) ** 2 for r in rates) / 2) ** 0.5)
    summary = summary_table(df).set_index("suite").loc["code"]
    assert (summary["cases"], summary["n"], summary["k"], summary["errors"]) == (12, 11, 6, 1)  # each sample a row
    text = format_summary(df)
    assert "Repeats (each case sampled" in text and "(k=3)" in text
    page = render_report(_repeated(tmp_path / "again"))
    assert 'id="repeats"' in page and "not independent cases" in page
    assert repeats_table(load_runs([make_run(tmp_path / "once", [record("code/c0")])])).empty
    assert 'id="repeats"' not in render_report(tmp_path / "once")


# ---------------------------------------------------------------------------------------------
# pairwise


def test_pairwise_tables_and_page(tmp_path):
    runs, out = pairwise_runs(tmp_path)
    frame = load_judgments(out)
    table = pairwise_table(frame).set_index(["first", "second"])
    strong_weak = table.loc[("strong", "weak")]
    assert (strong_weak["n"], strong_weak["wins"], strong_weak["ties"], strong_weak["losses"]) == (5, 4, 1, 0)
    assert strong_weak["order_dependent"] == 1 and strong_weak["order_dependent_rate"] == pytest.approx(0.2)
    assert strong_weak["win"].startswith("80% [") and strong_weak["win"].endswith("(4/5)")
    assert list(strength_table(frame, resamples=50)["run"]) == ["strong", "medium", "weak"]
    page = write_pairwise_report(out).read_text(encoding="utf-8")
    assert page == render_pairwise(out) and (out / PAIRWISE_REPORT).is_file()
    assert "Pairwise judge" in page and "Bradley–Terry strengths" in page and "1/5 (20%)" in page
    assert "judge-model [nf4]" in page and "<img" not in page  # the rationale is not on this page
    assert load_judgments(out).shape[0] == 26  # the page written into DIR is not read as judgments


def test_report_and_compare_show_the_pairwise_judge(tmp_path, capsys):
    runs, out = pairwise_runs(tmp_path)
    page = render_report(runs[:2], pairwise=out)
    section = page[page.index('<section id="pairwise">'):]
    assert "<th>medium</th><td>strong</td>" in section and 'href="#pairwise"' in page
    assert "Bradley–Terry" in section  # three runs were judged, even if two are shown
    target = tmp_path / "compare.html"
    assert main(["compare", *map(str, runs), "--pairwise", str(out), "--out", str(target)]) == 0
    printed = capsys.readouterr().out
    assert "Paired on case keys" in printed and f"report: {target}" in printed
    assert "strong vs weak" in printed and not (out / PAIRWISE_REPORT).exists()  # printed, its page not written
    assert '<section id="pairwise">' in target.read_text(encoding="utf-8")
    assert main(["report", *map(str, runs), "--pairwise", str(out), "--out", str(tmp_path / "r.html")]) == 0
    assert "Pairwise judge" in (tmp_path / "r.html").read_text(encoding="utf-8")


def test_compare_bad_input_exits_2(tmp_path, capsys):
    runs, out = pairwise_runs(tmp_path)
    assert main(["compare", str(runs[0])]) == 2
    assert main(["compare", str(runs[0]), str(runs[0])]) == 2  # the same run twice
    assert main(["compare", str(runs[0]), str(tmp_path / "missing")]) == 2
    assert main(["compare", *map(str, runs[:2]), "--pairwise", str(runs[2])]) == 2  # a run, not a pairwise dir
    assert "holds no pairwise judgments" in capsys.readouterr().err
    assert main(["compare", *map(str, runs[:2])]) == 0  # no --out: only the terminal summary
    assert not list(tmp_path.glob("*.html"))


def test_pairwise_page_shows_each_cases_verdicts_with_escaped_reasoning(tmp_path):
    """issue 21 item 6"""
    from mistral_eval.report.judge_pages import pairwise_cases

    _, out = pairwise_runs(tmp_path)
    cases = {case["key"]: case["rows"] for case in pairwise_cases(out)}
    assert len(cases) == 5 and len(cases["open/c4"]) == 2
    [shown_first, shown_second] = sorted(cases["open/c4"], key=lambda row: row["a"])
    assert (shown_first["a"], shown_first["b"], shown_first["verdict"]) == ("strong", "weak", "strong better")
    assert (shown_second["a"], shown_second["b"], shown_second["verdict"]) == ("weak", "strong", "weak better")
    page = render_pairwise(out)
    verdicts = page[page.index('<section id="verdicts">'):]
    assert verdicts.count('<article class="case pairwise-case"') == 5
    assert verdicts.count(html.escape(EVIL)) == 26  # every judgment's reasoning, as text
    assert "<script>alert" not in page and "100%" in verdicts


def test_kappa_is_never_printed_as_minus_zero():
    """issue 21 item 12"""
    from mistral_eval.analysis.tables import fmt_kappa

    assert fmt_kappa(-0.001) == "0.00" and fmt_kappa(-0.004999) == "0.00"
    assert fmt_kappa(-0.25) == "-0.25" and fmt_kappa(0.0) == "0.00"
