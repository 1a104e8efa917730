"""The judge at full size: the random-weight Mistral-7B shape in NF4 on the GPU grades a small run
(ELYZA 1–5 and MT-Bench 1–10) and compares two runs pairwise. Random weights make the grades
meaningless; what must hold is that every grade is valid, read in one pass at the grade position,
and that the distribution sums to 1 — with the fast engine and the mistral prompt format."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from mistral_eval.analysis.frames import load_judgments
from mistral_eval.analysis.judge_tables import pair_comparisons
from mistral_eval.core.settings import GenerationSettings
from mistral_eval.judge.grading import judge_pairwise, judge_run
from mistral_eval.runs.judgments import JudgmentStore

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # tests/ holds no package: reuse its run writer
from builders import ANSWERS, SUITE, write_run  # noqa: E402

pytestmark = pytest.mark.gpu

SWITCHES = [("auto", "auto"), ("0", "auto"), ("auto", "0"), ("0", "0")]


@pytest.mark.parametrize("nf4_kernels,fused_ops", SWITCHES,
                         ids=[f"nf4={a}-fused_ops={b}" for a, b in SWITCHES])
def test_full_size_judge_grades_and_pairs(nf4, tmp_path, monkeypatch, nf4_kernels, fused_ops):
    """Under each setting of the two switches (issue 18: the defaults hung, NF4 kernels alone gave
    no valid grade -- both under the interpreter the tests' conftest chose)."""
    from mistral_eval.engine import decode as engine

    monkeypatch.setenv("MISTRAL_EVAL_NF4_KERNELS", nf4_kernels)
    monkeypatch.setenv("MISTRAL_EVAL_FUSED_OPS", fused_ops)
    engine._ENGINES.pop(nf4.model, None)  # an engine decides its paths when made
    try:
        _judge(nf4, tmp_path)
        made = engine._ENGINES[nf4.model]
        assert made.fused_ops is (fused_ops == "auto")
        assert (made.matmul == "triton-nf4") is (nf4_kernels == "auto")
    finally:
        engine._ENGINES.pop(nf4.model, None)


def _judge(nf4, tmp_path):
    suite_file = tmp_path / "judged.yaml"
    suite_file.write_text(SUITE, encoding="utf-8")
    run = write_run(tmp_path / "run", suite_file, ANSWERS)
    settings = GenerationSettings(max_new_tokens=64)
    for rubric, top in (("elyza", 5), ("mtbench", 10)):
        summary = judge_run(nf4, run, rubric=rubric, settings=settings, batch_size=4)
        records = JudgmentStore.read(summary.out).records()
        assert len(records) == 3 and JudgmentStore.read(summary.out).manifest.format == "mistral"
        for judgment in records:
            assert 1 <= judgment.grade <= top and 1 <= judgment.expected_grade <= top
            assert set(judgment.distribution) == {str(g) for g in range(1, top + 1)}
            assert sum(judgment.distribution.values()) == pytest.approx(1, abs=1e-3)
    other = write_run(tmp_path / "other", suite_file, {**ANSWERS, "sum": "It is 6."})
    judge_pairwise(nf4, [run, other], tmp_path / "pairs", settings=settings)
    frame = load_judgments(tmp_path / "pairs")
    assert len(frame) == 6 and set(frame["verdict"]) <= {"A", "B", "C"}
    assert len(pair_comparisons(frame)) == 3
