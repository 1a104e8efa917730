"""Tests for pipeline.py: after a judge graded a run from Python, its summary and its report both show
the judge (`judge_run` → `refresh_run`), and `refresh_run` rewrites the two from the run directory."""

from __future__ import annotations

import json

from builders import ANSWERS, SUITE, judge_into, make_run, record, write_run

import mistral_eval as me
from mistral_eval.core.choices import REPORT_FILE
from mistral_eval.core.settings import GenerationSettings
from mistral_eval.pipeline import refresh_run


def test_a_python_judge_leaves_no_stale_report(offline, tmp_path):
    suite = tmp_path / "judged.yaml"
    suite.write_text(SUITE, encoding="utf-8")
    run = write_run(tmp_path / "run", suite, ANSWERS)
    refresh_run(run)
    assert "judge mean [95%]" not in (run / REPORT_FILE).read_text("utf-8")

    done = me.judge_run(offline, run, rubric="elyza", settings=GenerationSettings(max_new_tokens=8), label="small")
    grades = json.loads((run / "summary.json").read_text("utf-8"))["judges"]  # one per rubric
    assert done.judged and {g["judge"] for g in grades} == {"small"} and all(g["n"] for g in grades)
    page = (run / REPORT_FILE).read_text("utf-8")
    assert "judge mean [95%]" in page and all(f"{g['mean']:.2f}" in page for g in grades)


def test_refresh_run_rewrites_the_summary_and_the_report_from_the_directory(tmp_path):
    run = make_run(tmp_path / "run", [record("bilingual/apples_ja"), record("bilingual/pears_ja", "fail")])
    assert refresh_run(run, report=False) is None and not (run / REPORT_FILE).exists()
    assert json.loads((run / "summary.json").read_text("utf-8"))["judges"] == []
    judge_into(run, {"bilingual/apples_ja": (4.0, None)}, label="late")
    assert refresh_run(run) == run / REPORT_FILE
    assert json.loads((run / "summary.json").read_text("utf-8"))["judges"][0]["judge"] == "late"
    assert "judge mean [95%]" in (run / REPORT_FILE).read_text("utf-8")
