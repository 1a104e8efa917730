"""The local judge, run for real on the offline model (SmolLM2-135M on the CPU): its grades mean little,
so these tests pin what must hold for any judge — grades always valid, distributions that sum to 1,
resume after kill -9, both orders and ties in pairwise, the language gate, and Bradley–Terry end to end."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from builders import ANSWERS, SUITE, write_run

from mistral_eval.analysis.frames import load_judgments, load_runs
from mistral_eval.analysis.judge_tables import agreement, grade_summary, pair_comparisons, pairwise_summary, strengths
from mistral_eval.cli import main
from mistral_eval.core.errors import ConfigError
from mistral_eval.core.settings import GenerationSettings
from mistral_eval.judge.grading import _case_info, _distribution, _plan, _single_item, _to_judge, judge_run
from mistral_eval.judge.rubrics import load_rubric
from mistral_eval.runs.judgments import JudgmentStore
from mistral_eval.runs.records import JudgeManifest, Judgment, Result
from mistral_eval.runs.store import RunStore

FAST = GenerationSettings(max_new_tokens=16)


@pytest.fixture()
def suite_file(tmp_path):
    path = tmp_path / "judged.yaml"
    path.write_text(SUITE, encoding="utf-8")
    return path


@pytest.fixture()
def run_dir(tmp_path, suite_file):
    return write_run(tmp_path / "run", suite_file, ANSWERS)


def assert_valid(judgment: Judgment, max_grade: int) -> None:
    assert isinstance(judgment.grade, int) and 1 <= judgment.grade <= max_grade
    assert 1 <= judgment.expected_grade <= max_grade
    assert set(judgment.distribution) == {str(g) for g in range(1, max_grade + 1)}
    assert sum(judgment.distribution.values()) == pytest.approx(1, abs=1e-4)
    assert judgment.distribution[str(judgment.grade)] == max(judgment.distribution.values())


def test_elyza_grades_are_valid_gated_and_merged_into_runs(offline, run_dir):
    summary = judge_run(offline, run_dir, rubric="elyza", settings=FAST, label="small")
    assert (summary.judged, summary.gated, summary.errors) == (3, 1, 0)
    judgments = {j.key: j for j in JudgmentStore.read(summary.out).records()}
    assert set(judgments) == {"judged/capital", "judged/sum", "judged/greet"}  # the errored case is not judged
    for judgment in judgments.values():
        assert_valid(judgment, 5)
    greet = judgments["judged/greet"]
    assert (greet.status, greet.grade, greet.expected_grade) == ("gated", 1, 1.0)
    assert "language gate" in greet.reason and greet.rationale == ""
    capital = judgments["judged/capital"]
    assert capital.status == "graded" and capital.rubric == "elyza_ja" and judgments["judged/sum"].rubric == "elyza_en"
    assert capital.aspect == "東京と答えていれば4点以上。" and "東京と答えていれば" in capital.prompt_text
    assert "正解例" in capital.prompt_text and "不自然な日本語" in capital.prompt_text
    assert capital.rationale  # the judge's raw reasoning is kept
    manifest = JudgmentStore.read(summary.out).manifest
    assert manifest.rubric_sha256["elyza_ja"] == load_rubric("elyza", "ja").sha256
    assert manifest.format == "chat" and manifest.runs[0].name == "run"

    frame = load_runs([run_dir]).set_index("key")
    assert frame.loc["judged/greet", "judge_grade"] == 1.0 and frame.loc["judged/sum", "judge_max"] == 5
    assert frame["judge_grade"].isna().tolist() == [False, False, False, True]  # the errored case
    table = grade_summary(load_judgments(run_dir))
    assert table.loc[0, "n"] == 3 and 1 <= table.loc[0, "mean_grade"].mean <= 5
    assert agreement(load_runs([run_dir]), threshold=1.5).n == 3

    again = judge_run(offline, run_dir, rubric="elyza", settings=FAST, label="small")
    assert (again.judged, again.skipped) == (0, 3)


SPEC_SUITE = """\
suite: specced
description: Cases that carry their own judge checks.
version: 1
cases:
  - id: capital
    language: ja
    prompt: 日本の首都はどこですか？
    meta: {eval_aspect: 使われない観点}
    checks:
      - {type: contains, expected: 東京}
      - {type: judge, rubric: elyza, aspect: 東京と答えれば5点。, threshold: 3}
  - id: story
    language: en
    prompt: Tell a two-line story.
    checks: [{type: judge, rubric: mtbench}]
  - id: sum
    language: en
    prompt: What is 2 + 3?
    checks: [{type: number, expected: 5}]
"""


def test_cases_with_a_judge_check_are_judged_with_their_own_rubric_aspect_and_threshold(offline, tmp_path):
    suite = tmp_path / "specced.yaml"
    suite.write_text(SPEC_SUITE, encoding="utf-8")
    run = write_run(tmp_path / "run", suite, {"capital": "東京です。", "story": "Once. Then.", "sum": "5"})
    summary = judge_run(offline, run, settings=GenerationSettings(max_new_tokens=2), label="own")
    judgments = {j.key: j for j in JudgmentStore.read(summary.out).records()}
    assert set(judgments) == {"specced/capital", "specced/story"}  # sum has no judge check: not judged
    capital, story = judgments["specced/capital"], judgments["specced/story"]
    assert (capital.rubric, capital.aspect, capital.threshold) == ("elyza_ja", "東京と答えれば5点。", 3)
    assert "東京と答えれば5点。" in capital.prompt_text and "使われない観点" not in capital.prompt_text
    assert (story.rubric, story.max_grade, story.threshold) == ("mtbench_en", 10, None)
    assert_valid(capital, 5)
    assert_valid(story, 10)
    manifest = JudgmentStore.read(summary.out).manifest
    assert manifest.rubric == "cases" and {"elyza_ja", "mtbench_en"} <= set(manifest.rubric_sha256)


def test_a_rubric_grades_every_scored_case_and_a_judge_check_still_gives_its_aspect(tmp_path):
    suite = tmp_path / "specced.yaml"
    suite.write_text(SPEC_SUITE, encoding="utf-8")
    run = write_run(tmp_path / "run", suite, {"capital": "東京です。", "story": "Once. Then.", "sum": "5"})
    with RunStore.read(run) as store:
        results, cases = store.records(), _case_info(store.manifest)
    assert [r.case_id for r in _to_judge(results, cases, None)] == ["capital", "story"]
    assert [r.case_id for r in _to_judge(results, cases, "elyza")] == ["capital", "story", "sum"]
    items = {r.case_id: _single_item(r, cases[f"specced/{r.case_id}"], "elyza") for r in results}
    assert items["story"].rubric.name == "elyza_en" and items["capital"].aspect == "東京と答えれば5点。"
    assert items["capital"].threshold == 3 and items["sum"].aspect is None and items["sum"].threshold is None
    own = _single_item(results[1], cases["specced/story"], None)
    assert own.rubric.name == "mtbench_en" and "Once. Then." in own.prompt


def test_a_run_without_judge_checks_needs_a_rubric(offline, run_dir):
    with pytest.raises(ConfigError, match="no case .* has a judge check"):
        judge_run(offline, run_dir)


def test_mtbench_reads_ten_grades_in_one_pass(offline, tmp_path, suite_file):
    run = write_run(tmp_path / "run", suite_file, {"sum": "5"})  # the other cases errored: not judged
    summary = judge_run(offline, run, rubric="mtbench", settings=GenerationSettings(max_new_tokens=4))
    [judgment] = JudgmentStore.read(summary.out).records()
    assert judgment.status == "graded" and judgment.rubric == "mtbench_en"
    assert_valid(judgment, 10)
    if judgment.status == "graded":
        assert judgment.distribution["10"] > 0  # "10" is "1" then "0" for this tokenizer


def test_grades_sharing_a_first_token_split_by_the_next_token():
    plan = _plan([7, 8], {"1": [3, 11], "2": [3, 12], "10": [3, 11, 10]})
    assert plan.ids == [7, 8, 3, 11] and plan.extended == 11
    at_grade = {11: 0.5, 12: 0.25}
    after = {10: 0.2}
    dist = _distribution(plan, _Probs(at_grade), _Probs(after))
    expected = {"1": 0.5 * 0.8, "2": 0.25, "10": 0.5 * 0.2}
    total = sum(expected.values())
    assert dist == pytest.approx({g: p / total for g, p in expected.items()})


class _Probs(dict):
    def __getitem__(self, token):
        return self.get(token, 0.0)


def test_resume_after_kill_9(offline, tmp_path, suite_file):
    answers = {"capital": "東京です。", "sum": "It is 5.", "greet": "こんにちは！"}
    run = write_run(tmp_path / "run", suite_file, answers)
    out = run / "judgments" / "killed"
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[2])}
    child = subprocess.Popen([sys.executable, "-m", "mistral_eval", "judge", str(run), "--judge-model",
                              "smollm2-135m-instruct", "--judge-quant", "fp32", "--batch-size", "1",
                              "--max-new-tokens", "12", "--label", "killed", "--rubric", "elyza"], env=env,
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 600  # a bound for a loaded machine, not a timing: it stops at the first line
    while time.monotonic() < deadline and child.poll() is None:
        if (out / "judgments.jsonl").exists() and (out / "judgments.jsonl").read_bytes().count(b"\n") >= 1:
            break
        time.sleep(0.02)
    child.send_signal(signal.SIGKILL)
    child.wait()
    stored = (out / "judgments.jsonl").read_bytes().count(b"\n")
    assert 1 <= stored < 3, "the judge was not interrupted mid-way"
    with open(out / "judgments.jsonl", "ab") as file:
        file.write(b'{"key": "judged/su')  # a line torn by the kill
    with pytest.warns(RuntimeWarning, match="torn"):
        summary = judge_run(offline, run, rubric="elyza", settings=GenerationSettings(max_new_tokens=12),
                            batch_size=1, label="killed")
    assert summary.skipped == stored and summary.judged == 3 - stored
    lines = (out / "judgments.jsonl").read_text(encoding="utf-8").splitlines()
    keys = [Judgment.model_validate_json(line).key for line in lines]
    assert sorted(keys) == sorted(f"judged/{c}" for c in answers)  # one line per key, no duplicates


def test_pairwise_both_orders_gate_ties_and_bradley_terry(offline, tmp_path, suite_file, capsys):
    runs = [write_run(tmp_path / name, suite_file, answers) for name, answers in (
        ("good", ANSWERS), ("english", {**ANSWERS, "capital": "The capital is Tokyo."}),
        ("other", {"greet": ANSWERS["greet"]}))]  # errored cases are compared with nobody
    out = tmp_path / "pairwise"
    code = main(["judge", "--pairwise", *map(str, runs), "--out", str(out), "--judge-model",
                 "smollm2-135m-instruct", "--judge-quant", "fp32", "--max-new-tokens", "4"])
    assert code == 0
    printed = capsys.readouterr().out
    assert "good vs other" in printed and "Bradley–Terry" in printed and "order-dependent" in printed
    assert f"report: {out / 'report.html'}" in printed and "Pairwise judge" in (out / "report.html").read_text("utf-8")
    frame = load_judgments(out)
    # good-english: capital, sum, greet; good-other and english-other: greet; each in 2 orders, once
    assert len(frame) == 10 and frame["key"].is_unique
    assert (frame["status"] == "graded").sum() == 2  # sum; the rest were decided by the language gate
    assert set(frame["verdict"]) <= {"A", "B", "C"}
    for dist in frame["distribution"]:
        assert set(dist) == {"A", "B", "C"} and sum(dist.values()) == pytest.approx(1, abs=1e-4)
    capital = frame[frame["case_key"] == "judged/capital"]
    assert len(capital) == 2 and set(capital["status"]) == {"gated"}  # english loses without the model
    for row in capital.itertuples():
        assert {"A": row.first, "B": row.second}[row.verdict] == "good"
    greet = frame[frame["case_key"] == "judged/greet"]
    assert len(greet) == 6 and set(greet["verdict"]) == {"C"}  # all answered in English: ties
    comparisons = pair_comparisons(frame)
    assert len(comparisons) == 5
    for _x, _y, score, flipped in comparisons:
        assert score in (0.0, 0.5, 1.0) and (not flipped or score == 0.5)
    assert sum(s.outcome.n for s in pairwise_summary(frame)) == 5
    assert ("english", "good", 0.0, False) in comparisons
    fitted = strengths(frame, resamples=50)
    assert set(fitted) == {"good", "english", "other"}
    assert all(s.low is not None and s.low <= s.strength <= s.high for s in fitted.values())


def _pair_record(case: str, first: str, second: str, verdict: str) -> Judgment:
    return Judgment(key=f"s/{case}|{first}|{second}", case_key=f"s/{case}", judge="hand", rubric="pairwise_en",
                    status="graded", verdict=verdict, first=first, second=second,
                    distribution={v: float(v == verdict) for v in "ABC"}, finished_at="2024-01-01T00:00:00")


def test_a_preference_that_flips_with_the_order_is_a_tie_and_bt_finds_a_known_order(tmp_path):
    manifest = JudgeManifest(label="hand", judge_model="hand", quant="fp32", format="chat", rubric="pairwise")
    with JudgmentStore.open(tmp_path / "pairs", manifest) as store:
        for n in range(8):  # strong beats medium beats weak, in both orders
            for x, y in (("strong", "medium"), ("medium", "weak"), ("strong", "weak")):
                store.append(_pair_record(f"c{n}", x, y, "A"))
                store.append(_pair_record(f"c{n}", y, x, "B"))
        store.append(_pair_record("bias", "strong", "weak", "A"))  # "A" in both orders: position bias
        store.append(_pair_record("bias", "weak", "strong", "A"))
    frame = load_judgments(tmp_path / "pairs")
    [bias] = [c for c in pair_comparisons(frame) if c[3]]
    assert bias == ("strong", "weak", 0.5, True)
    summary = {(s.first, s.second): s for s in pairwise_summary(frame)}
    pair = summary[("strong", "weak")]
    assert (pair.outcome.wins, pair.outcome.ties, pair.outcome.losses, pair.order_dependent) == (8, 1, 0, 1)
    fitted = list(strengths(frame, resamples=100))
    assert fitted == ["strong", "medium", "weak"]


def test_bad_input_exits_2(tmp_path, run_dir):
    assert main(["judge", str(tmp_path / "missing")]) == 2
    assert main(["judge", "--pairwise", str(run_dir), "--out", str(tmp_path / "x")]) == 2
    assert main(["judge", str(run_dir), str(run_dir)]) == 2


def test_the_language_gate_spares_a_japanese_case_meant_to_be_answered_in_english():
    from mistral_eval.judge.grading import _gated
    from mistral_eval.runs.records import CheckRecord

    def result(checks):
        return Result(key="s/t", suite="s", case_id="t", language="ja", answer="I drink coffee every morning.",
                      status="pass", checks=[CheckRecord(name=n, passed=True, score=1.0, reason="") for n in checks])
    assert _gated(result([])) and _gated(result(["japanese", "contains"]))
    assert not _gated(result(["contains"]))  # 「…を英語に翻訳してください」: English is the right answer


def test_checked_runs_are_judged_pairwise_without_reading_them_again(offline, tmp_path, suite_file):
    from mistral_eval.judge.grading import judge_pairwise
    from mistral_eval.runs.judgments import check_pairwise_runs

    runs = [write_run(tmp_path / name, suite_file, ANSWERS) for name in ("a", "b")]
    checked = check_pairwise_runs(runs)
    with pytest.raises(ConfigError, match="not both"):
        judge_pairwise(offline, [checked[0], runs[1]], tmp_path / "mixed")
    for run in runs:
        shutil.rmtree(run)  # judged from what the check read
    done = judge_pairwise(offline, checked, tmp_path / "pairs", settings=GenerationSettings(max_new_tokens=2))
    assert done.judged == 6 and {r.key.split("|")[0] for r in JudgmentStore.read(done.out).records()} == {
        "judged/capital", "judged/sum", "judged/greet"}
