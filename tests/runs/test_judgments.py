"""Tests for runs/judgments.py: which runs can be judged together, judge directories found (or refused),
and a judge's identity (issue 20 item 11). No model is loaded: the refusals come before any."""

from __future__ import annotations

import shutil

import pytest
from builders import ANSWERS, SUITE, write_run

from mistral_eval.cli import main
from mistral_eval.core.errors import RunStoreError
from mistral_eval.runs.judgments import JudgmentStore, check_pairwise_runs, judge_dirs
from mistral_eval.runs.records import JudgeManifest, Judgment, RunRef
from mistral_eval.runs.store import RunStore, run_names

NO_MODEL = ["--judge-model", "nobody-here/no-such-judge", "--judge-quant", "fp32"]


@pytest.fixture()
def suite_file(tmp_path):
    path = tmp_path / "judged.yaml"
    path.write_text(SUITE, encoding="utf-8")
    return path


def test_the_same_run_twice_is_refused_before_the_judge_loads(tmp_path, suite_file, capsys):
    """issue 20 item 11: `judge --pairwise RUN RUN` exited 0 with an empty report."""
    run = write_run(tmp_path / "run", suite_file, ANSWERS)
    code = main(["judge", "--pairwise", str(run), str(tmp_path / "." / "run"), "--out", str(tmp_path / "p"), *NO_MODEL])
    assert code == 2
    assert "are the same run directory" in capsys.readouterr().err
    assert not (tmp_path / "p").exists()


def test_runs_without_a_common_case_are_refused_before_the_judge_loads(tmp_path, suite_file, capsys):
    """issue 20 item 11: `judge --pairwise` with runs of different suites exited 0 with an empty report."""
    other = tmp_path / "other.yaml"
    other.write_text(SUITE.replace("suite: judged", "suite: other"), encoding="utf-8")
    a = write_run(tmp_path / "a", suite_file, ANSWERS)
    b = write_run(tmp_path / "b", other, ANSWERS)
    code = main(["judge", "--pairwise", str(a), str(b), "--out", str(tmp_path / "p"), *NO_MODEL])
    assert code == 2
    err = capsys.readouterr().err
    assert "runs a (suites judged) and b (suites other) have no case in common" in err
    c = write_run(tmp_path / "c", suite_file, {"greet": ANSWERS["greet"]})
    checked = check_pairwise_runs([a, c])  # the same suite: accepted, and read once for the judge
    assert [(run.name, run.directory, run.manifest.suites[0].name) for run in checked] == [
        ("a", a, "judged"), ("c", c, "judged")]
    with RunStore.read(c) as store:
        assert checked[1].records == store.records()  # every record, errors included


def _judge_manifest(run) -> JudgeManifest:
    with RunStore.read(run) as store:
        fingerprint = store.manifest.fingerprint
    ref = RunRef(name=run_names([run])[0], path=str(run), fingerprint=fingerprint)
    return JudgeManifest(label="j", judge_model="judge-model", quant="fp32", format="chat", rubric="elyza",
                         runs=[ref])


def test_a_moved_run_keeps_its_judge(tmp_path, suite_file):
    """issue 20 item 11: a judged run directory that was moved could not be judged again ("holds a
    different judge"): the identity held the directory's name; now the run's fingerprint."""
    run = write_run(tmp_path / "run", suite_file, ANSWERS)
    judgment = Judgment(key="judged/capital", case_key="judged/capital", judge="j", rubric="elyza_ja",
                        status="graded", grade=4, expected_grade=4.0, max_grade=5,
                        distribution={str(g): float(g == 4) for g in range(1, 6)}, finished_at="2026-01-01T00:00:00")
    with JudgmentStore.open(run / "judgments" / "j", _judge_manifest(run)) as store:
        store.append(judgment)
    moved = shutil.move(run, tmp_path / "renamed")
    with JudgmentStore.open(moved / "judgments" / "j", _judge_manifest(moved)) as store:
        assert store.finished_keys() == {"judged/capital"}
    changed = tmp_path / "changed" / "judged.yaml"  # another suite file: another run fingerprint
    changed.parent.mkdir()
    changed.write_text(SUITE + "# changed\n", encoding="utf-8")
    other = write_run(tmp_path / "different", changed, ANSWERS)
    with pytest.raises(RunStoreError, match="holds a different judge"):
        JudgmentStore.open(moved / "judgments" / "j", _judge_manifest(other))


def test_a_judge_directory_without_a_manifest_is_reported(tmp_path, suite_file, capsys):
    """issue 20 item 11: a judge directory without a manifest was silently left out of `report`."""
    run = write_run(tmp_path / "run", suite_file, ANSWERS)
    orphan = run / "judgments" / "lost"
    orphan.mkdir(parents=True)
    (orphan / "judgments.jsonl").write_text('{"key": "judged/capital"}\n')
    assert main(["report", str(run)]) == 2
    assert f"{orphan} holds judgments but no manifest.json" in capsys.readouterr().err
    (orphan / "judgments.jsonl").write_text("")  # a judge killed before its first judgment: nothing lost
    assert judge_dirs(run) == []
    assert main(["report", str(run)]) == 0
