"""Judge honesty in the tables, the terminal, `compare` and the report (issue 19): grades of different
rubrics are never averaged or compared; a judge whose verdict follows the position is "judge
unreliable (position bias N%)", not a tie; Bradley–Terry without a decisive comparison says so;
length bias and length-matched win rates; calibration shown (or "uncalibrated") next to judge figures.

Run directories and judgments are written directly as records (no model)."""

from __future__ import annotations

import math
from pathlib import Path

import pytest
from builders import judge_into, make_run, record

from mistral_eval.analysis.frames import load_judgments, load_runs
from mistral_eval.analysis.judge_tables import (
    POSITION_BIAS_LIMIT,
    grade_summary,
    length_bias,
    length_controlled,
    pairwise_summary,
    pairwise_table,
    spearman,
    strength_table,
)
from mistral_eval.analysis.tables import format_summary, judge_comparison_table, summary_table
from mistral_eval.cli import main
from mistral_eval.core.errors import ConfigError
from mistral_eval.judge.calibration import load_calibration_set, measure
from mistral_eval.report.judge_pages import render_pairwise
from mistral_eval.report.pages import render_report
from mistral_eval.runs.judgments import JudgmentStore
from mistral_eval.runs.records import JudgeManifest, Judgment, RunRef

KEYS = [f"open/q{i}" for i in range(4)]


def _elyza_and_mtbench(tmp_path) -> tuple[Path, Path]:
    """Run `five` graded 5 of 5 on every case (elyza); run `ten` graded 5 of 10 (mtbench)."""
    five = judge_into(make_run(tmp_path / "five", [record(k) for k in KEYS]), {k: (5.0, None) for k in KEYS})
    ten = judge_into(make_run(tmp_path / "ten", [record(k) for k in KEYS]), {k: (5.0, None) for k in KEYS},
                     rubric="mtbench_ja", top=10)
    return five, ten


def test_grades_of_two_rubrics_are_never_compared(tmp_path, capsys):
    five, ten = _elyza_and_mtbench(tmp_path)
    df = load_runs([five, ten])
    with pytest.raises(ConfigError, match=r"elyza 1–5.*mtbench 1–10|mtbench 1–10.*elyza 1–5") as raised:
        judge_comparison_table(df)
    assert raised.value.field == "rubric"
    text = format_summary(df)
    assert "Judge grades not compared:" in text and "Wilcoxon" not in text
    assert "5.00 [" in text and "(elyza 1–5)" in text and "(mtbench 1–10)" in text
    assert main(["compare", str(five), str(ten)]) == 0
    printed = capsys.readouterr().out
    assert "Judge grades not compared" in printed and "elyza 1–5" in printed and "mtbench 1–10" in printed
    page = render_report([five, ten])
    assert "Not compared:" in page and "different rubrics" in page


def test_grades_of_two_rubrics_are_never_averaged(tmp_path):
    # one run, two suites: "open" graded on elyza (5 of 5), "math" on mtbench (2 of 10)
    run = make_run(tmp_path / "mixed", [record(k) for k in KEYS] + [record(f"math/m{i}") for i in range(4)])
    judge_into(run, {k: (5.0, None) for k in KEYS}, label="e")
    judge_into(run, {f"math/m{i}": (2.0, None) for i in range(4)}, label="m", rubric="mtbench_en", top=10)
    table = summary_table(load_runs([run])).set_index("suite")
    assert table.loc["open", "judge_mean"] == 5.0 and table.loc["open", "judge_rubric"] == "elyza 1–5"
    assert table.loc["math", "judge_mean"] == 2.0 and table.loc["math", "judge_rubric"] == "mtbench 1–10"
    everything = table.loc["(all)"]
    assert math.isnan(everything["judge_mean"]) and everything["judge_rubric"] == "mixed"  # no 3.5 anywhere
    assert everything["judge"].startswith("elyza 1–5: 5.00 [") and "; mtbench 1–10: 2.00 [" in everything["judge"]
    assert "3.50" not in format_summary(load_runs([run]))
    summary = grade_summary(load_judgments(run))
    assert sorted(zip(summary["rubric"], summary["scale"], summary["n"])) == [("elyza", "elyza 1–5", 4),
                                                                              ("mtbench", "mtbench 1–10", 4)]


def test_same_rubric_runs_are_compared_per_rubric(tmp_path):
    low = judge_into(make_run(tmp_path / "low", [record(k) for k in KEYS]), {k: (2.0, None) for k in KEYS})
    high = judge_into(make_run(tmp_path / "high", [record(k) for k in KEYS]), {k: (4.0, None) for k in KEYS})
    table = judge_comparison_table(load_runs([low, high]))
    assert set(table["rubric"]) == {"elyza 1–5"} and table.set_index("suite").loc["open", "difference"] == 2.0


# ---------------------------------------------------------------------------------------------
# position bias


def _always_first(tmp_path, cases: int = 6) -> Path:
    """A pairwise judge that answers "A" whatever the order: pure position bias."""
    names = ("left", "right")
    runs = [make_run(tmp_path / name, [record(f"open/c{i}", answer="x" * (10 + i)) for i in range(cases)])
            for name in names]
    manifest = JudgeManifest(label="biased", judge_model="judge-model", quant="fp32", format="chat",
                             rubric="pairwise", runs=[RunRef(name=n, path=str(p), fingerprint="f" * 64)
                                                      for n, p in zip(names, runs)])
    out = tmp_path / "biased"
    with JudgmentStore.open(out, manifest) as store:
        for i in range(cases):
            for first, second in (names, names[::-1]):
                store.append(Judgment(key=f"open/c{i}|{first}|{second}", case_key=f"open/c{i}", judge="biased",
                                      rubric="pairwise_en", status="graded", verdict="A", first=first,
                                      second=second, distribution={"A": 1.0, "B": 0.0, "C": 0.0}))
    return out


def test_a_position_biased_judge_is_unreliable_not_a_tie(tmp_path, capsys):
    out = _always_first(tmp_path)
    frame = load_judgments(out)
    pair = pairwise_summary(frame)[0]
    assert pair.order_dependent_rate == 1.0 > POSITION_BIAS_LIMIT and pair.always_first == 6
    assert not pair.reliable and pair.verdict == "judge unreliable (position bias 100%)"
    row = pairwise_table(frame).iloc[0]
    assert row["verdict"] == "judge unreliable (position bias 100%)" and not row["reliable"]
    page = render_pairwise(out)
    section = page[page.index('<table class="pairwise">'):page.index("</table>", page.index('class="pairwise"'))]
    assert "judge unreliable (position bias 100%)" in section and "tie 100%" not in section
    assert "100% [" not in section  # no win/tie/loss rate is shown for an unreliable pair
    run_dirs = [str(tmp_path / "left"), str(tmp_path / "right")]
    assert main(["compare", *run_dirs, "--pairwise", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "left vs right: judge unreliable (position bias 100%)" in printed and "tie 100%" not in printed


def test_a_judge_that_agrees_with_itself_gets_a_verdict(tmp_path):
    out = _always_first(tmp_path)
    with JudgmentStore.read(out) as store:
        manifest = store.manifest
    fair = tmp_path / "fair"
    with JudgmentStore.open(fair, manifest) as store:
        for i in range(6):  # left wins in both orders
            for first, second, verdict in (("left", "right", "A"), ("right", "left", "B")):
                store.append(Judgment(key=f"open/c{i}|{first}|{second}", case_key=f"open/c{i}", judge="biased",
                                      rubric="pairwise_en", status="graded", verdict=verdict, first=first,
                                      second=second, distribution={verdict: 1.0}))
    pair = pairwise_summary(load_judgments(fair))[0]
    assert pair.reliable and pair.order_dependent == 0 and pair.verdict == "left better"


def test_bradley_terry_without_a_decisive_comparison_says_so(tmp_path):
    out = _always_first(tmp_path)
    table = strength_table(load_judgments(out), resamples=50)
    assert set(table["interval"]) == {"no decisive comparisons"} and set(table["decisive"]) == {0}
    assert table["low"].isna().all()
    assert "[1.00–1.00]" not in render_pairwise(out)


# ---------------------------------------------------------------------------------------------
# length bias


def test_spearman_and_length_bias():
    assert spearman([1, 2, 3, 4, 5], [10, 20, 30, 40, 50]).rho == pytest.approx(1.0)
    reverse = spearman([1, 2, 3, 4, 5, 6], [6, 5, 4, 3, 2, 1])
    assert reverse.rho == pytest.approx(-1.0) and reverse.low is None  # |ρ| = 1: no Fisher interval
    mixed = spearman([1, 2, 3, 4, 5, 6, 7, 8], [2, 1, 4, 3, 6, 5, 8, 7])
    assert mixed.rho == pytest.approx(1 - 6 * 8 / (8 * 63)) and mixed.low < mixed.rho < mixed.high
    assert spearman([1, 2], [3, 4]).rho is None and "n=2" in str(spearman([1, 2], [3, 4]))


def test_length_bias_per_run_and_rubric_and_in_the_report(tmp_path):
    rows = [record(k, answer_tokens=10 * (i + 1)) for i, k in enumerate(KEYS)]
    run = judge_into(make_run(tmp_path / "long", rows), {k: (1.0 + i, None) for i, k in enumerate(KEYS)})
    (found,) = length_bias(load_runs([run]))
    assert found[:2] == ("long", "elyza 1–5") and found[2].rho == pytest.approx(1.0) and found[2].n == 4
    assert "length bias: Spearman ρ(grade, answer tokens) +1.00" in render_report(run)


def test_length_controlled_win_rate_counts_length_matched_cases_only(tmp_path):
    out = _always_first(tmp_path)
    frame = load_judgments(out)
    # left's answers are as long as right's in c0..c2, four times longer in c3..c5; left wins c3..c5
    lengths = {(run, f"open/c{i}"): 10.0 * (4 if run == "left" and i >= 3 else 1)
               for run in ("left", "right") for i in range(6)}
    for i in range(3, 6):
        frame.loc[frame["case_key"] == f"open/c{i}", "verdict"] = frame.loc[
            frame["case_key"] == f"open/c{i}", "first"].map({"left": "A", "right": "B"})
    matched, longer = length_controlled(frame, lengths)[("left", "right")]
    assert (matched.k, matched.n) == (0, 3) and (longer.k, longer.n) == (3, 3)


# ---------------------------------------------------------------------------------------------
# calibration next to the judge figures


def test_report_warns_uncalibrated_then_shows_the_calibration(tmp_path):
    run = judge_into(make_run(tmp_path / "run", [record(k) for k in KEYS]), {k: (4.0, None) for k in KEYS})
    page = render_report(run)
    assert "<b>warning:</b> judge j: uncalibrated: this judge" in page  # the notes under the summary
    assert page.count("uncalibrated judge") == len(KEYS)  # and each case's grade box
    labelled = load_calibration_set()
    perfect = {item.id: (5.0 if item.good else 1.0, 5) for item in labelled.items}
    directory = run / "judgments" / "j"
    with JudgmentStore.read(directory) as store:
        manifest = store.manifest
    with JudgmentStore.open(directory, manifest) as store:
        store.set_calibration(measure(labelled, perfect))
        assert len(store.records()) == len(KEYS)
    with JudgmentStore.open(directory, manifest) as store:  # calibration is no part of the identity
        assert store.manifest.calibration.kappa == 1.0
    page = render_report(run)
    assert "uncalibrated:" not in page and "uncalibrated judge" not in page
    assert "judge j: calibration (calibration-v1, n=40): κ 1.00" in page
    coin = {item.id: (5.0 if i % 2 else 1.0, 5) for i, item in enumerate(labelled.items)}
    with JudgmentStore.open(directory, manifest) as store:
        store.set_calibration(measure(labelled, coin))
    assert "below threshold (κ &lt; 0.6)" in render_report(run)
