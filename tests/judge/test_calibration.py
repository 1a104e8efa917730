"""Judge calibration: the shipped labelled set, the agreement measure (κ, TPR, TNR with intervals),
the manifest field (old manifests still read), and `mistral-eval judge --calibrate` for real on the
offline model (SmolLM2-135M, whose grades mean little: the test pins what is recorded, not its κ)."""

from __future__ import annotations

import json

import pytest
from builders import ANSWERS, SUITE, write_run

from mistral_eval.cli import main
from mistral_eval.core.errors import ConfigError
from mistral_eval.judge.calibration import (
    CALIBRATION_MIN_KAPPA,
    calibration_status,
    load_calibration_set,
    measure,
)
from mistral_eval.judge.grading import CALIBRATION_DIR
from mistral_eval.runs.judgments import JudgmentStore
from mistral_eval.runs.records import JudgeManifest


def test_the_shipped_set_is_balanced_bilingual_and_covers_both_rubrics():
    labelled = load_calibration_set()
    items = labelled.items
    assert len(items) == 40 and len({i.id for i in items}) == 40 and len(labelled.sha256) == 64
    assert sum(i.good for i in items) == 20
    assert {i.language for i in items} == {"ja", "en"} and {i.rubric for i in items} == {"elyza", "mtbench"}
    for language in ("ja", "en"):
        part = [i for i in items if i.language == language]
        assert sum(i.good for i in part) == len(part) / 2


def test_measure_counts_tpr_tnr_and_kappa():
    labelled = load_calibration_set()
    # the judge passes every good item and 5 of the 20 bad ones; one bad item errored
    bad = [i for i in labelled.items if not i.good]
    grades = {i.id: (4.0, 5) if i.good else (1.0, 5) for i in labelled.items}
    grades.update({i.id: (8.0, 10) for i in bad[:5]})
    grades[bad[-1].id] = None
    found = measure(labelled, grades, resamples=500)
    assert (found.n, found.good, found.true_positive, found.true_negative, found.errors) == (39, 20, 20, 14, 1)
    assert found.tpr == 1.0 and found.tnr == pytest.approx(14 / 19) and found.tnr_low < found.tnr < found.tnr_high
    observed, expected = 34 / 39, (20 / 39) * (25 / 39) + (19 / 39) * (14 / 39)
    assert found.kappa == pytest.approx((observed - expected) / (1 - expected))
    assert found.kappa_low < found.kappa < found.kappa_high
    status, text = calibration_status(found)
    assert status == ("ok" if found.kappa >= CALIBRATION_MIN_KAPPA else "below") and "TPR 100%" in text
    assert calibration_status(None)[0] == "uncalibrated"


def test_a_bad_set_file_names_the_item_and_field(tmp_path):
    path = tmp_path / "set.yaml"
    path.write_text("set: x\nitems:\n  - {id: a, language: ja, rubric: elyza, question: q, answer: a, verdict: ok}\n",
                    encoding="utf-8")
    with pytest.raises(ConfigError, match="verdict good or bad") as raised:
        load_calibration_set(path)
    assert raised.value.case == "a"


def test_old_judge_manifests_still_read():
    old = {"label": "j", "judge_model": "m", "quant": "fp32", "format": "chat", "rubric": "elyza"}
    manifest = JudgeManifest.model_validate_json(json.dumps(old))
    assert manifest.calibration is None
    assert manifest.identity() == JudgeManifest.model_validate(old).identity()


SMALL_SET = """\
set: small
items:
  - {id: a, language: en, rubric: elyza, question: "What is 2 + 2?", answer: "2 + 2 = **4**.", verdict: good}
  - {id: b, language: en, rubric: elyza, question: "What is 2 + 2?", answer: "2 + 2 = **5**.", verdict: bad}
  - {id: c, language: ja, rubric: mtbench, question: "日本の首都は?", answer: 日本の首都は**東京**です。, verdict: good}
  - {id: d, language: ja, rubric: mtbench, question: "日本の首都は?", answer: 日本の首都は大阪です。, verdict: bad}
"""


def test_judge_calibrate_records_agreement_and_writes_the_report(offline, tmp_path, capsys):
    suite = tmp_path / "judged.yaml"
    suite.write_text(SUITE, encoding="utf-8")
    run = write_run(tmp_path / "run", suite, ANSWERS)
    labelled = tmp_path / "small.yaml"
    labelled.write_text(SMALL_SET, encoding="utf-8")
    code = main(["judge", str(run), "--rubric", "elyza", "--judge-model", "smollm2-135m-instruct",
                 "--judge-quant", "fp32", "--max-new-tokens", "2", "--calibration-set", str(labelled)])
    assert code == 0
    printed = capsys.readouterr().out
    directory = next((run / "judgments").iterdir())
    with JudgmentStore.read(directory) as store:
        calibration = store.manifest.calibration
    assert calibration is not None and (calibration.set_name, calibration.n + calibration.errors) == ("small", 4)
    assert calibration.set_sha256 == load_calibration_set(labelled).sha256 and calibration.good == 2
    assert 0 <= calibration.tpr <= 1 and 0 <= calibration.tnr <= 1
    with JudgmentStore.read(directory / CALIBRATION_DIR) as graded:
        judged = {r.key: r for r in graded.records()}
    assert set(judged) == {"small/a", "small/b", "small/c", "small/d"}
    assert (judged["small/a"].max_grade, judged["small/c"].max_grade, judged["small/c"].rubric) == (5, 10, "mtbench_ja")
    assert "judge calibration (small, n=4)" in printed or "judge below threshold" in printed
    assert f"report (with the judge's grades): {run / 'report.html'}" in printed and "length batch(es)" in printed
    page = (run / "report.html").read_text("utf-8")
    assert "calibration (small, n=4): κ" in page and "uncalibrated judge" not in page
