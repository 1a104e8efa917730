import json
from pathlib import Path

import pytest

from mistral_eval import ConfigError, RunStore, RunStoreError, load_runs, resolve_suite, run
from mistral_eval.runner import case_settings
from mistral_eval.suites import import_mtbench

FIXTURES = Path(__file__).parent / "fixtures"


def _records(out):
    return RunStore.read(out).records()


def test_run_stores_every_case_and_resumes(tiny, tmp_path):
    smoke = resolve_suite("smoke")
    out = tmp_path / "run"
    first = run(tiny, [smoke], out, format="mistral", progress=False)
    assert (first.ran, first.skipped) == (3, 0)
    records = _records(out)
    assert sorted(r["key"] for r in records) == sorted(c.key for c in smoke.cases)
    for r in records:
        assert r["format"] == "mistral" and r["prompt_text"].startswith("<s>")
        assert r["finish_reason"] in ("eos", "length") and r["answer_tokens"] >= 1
        assert r["checks"] and all({"name", "passed", "score", "reason"} <= set(c) for c in r["checks"])
        assert r["passed"] == all(c["passed"] for c in r["checks"])
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["model"].endswith("tiny-mistral") and manifest["quant"] == "fp32"
    again = run(tiny, [smoke], out, format="mistral", progress=False)
    assert (again.ran, again.skipped) == (0, 3)
    assert len(_records(out)) == 3


def test_a_changed_setting_is_refused_and_nothing_is_lost(tiny, tmp_path):
    out = tmp_path / "run"
    run(tiny, [resolve_suite("smoke")], out, format="mistral", progress=False)
    before = (out / "results.jsonl").read_bytes()
    with pytest.raises(RunStoreError, match="temperature"):
        run(tiny, [resolve_suite("smoke")], out, format="mistral",
            overrides={"do_sample": True, "temperature": 0.7}, progress=False)
    assert (out / "results.jsonl").read_bytes() == before


def test_overrides_win_over_case_settings_and_seed_is_the_runs():
    case = resolve_suite("article_ja").cases[0]
    assert case_settings(case, {}, 5).temperature == 0.1
    assert case_settings(case, {}, 5).seed == 5
    forced = case_settings(case, {"temperature": 0.7, "max_new_tokens": 8}, 5)
    assert (forced.temperature, forced.max_new_tokens, forced.top_p) == (0.7, 8, 0.95)
    with pytest.raises(ConfigError) as err:
        case_settings(case, {"temperature": -1.0}, 0)
    assert (err.value.case, err.value.field) == ("continuation", "temperature")


def test_article_format_on_a_conversation_is_recorded_not_crashed(tiny, tmp_path):
    out = tmp_path / "run"
    run(tiny, [resolve_suite("smoke")], out, format="article",
        overrides={"max_new_tokens": 4}, progress=False)
    by_key = {r["key"]: r for r in _records(out)}
    followup = by_key["smoke/followup_en"]
    assert followup["finish_reason"] == "error" and not followup["passed"]
    assert "single user turn" in followup["error"]
    assert by_key["smoke/addition_en"]["prompt_text"].startswith("<s>[INST][/INST]What is")


def test_mtbench_followups_are_fed_turn_by_turn(tiny, tmp_path):
    suite = import_mtbench(FIXTURES / "mtbench_question.jsonl")
    out = tmp_path / "run"
    run(tiny, [suite], out, format="mistral", overrides={"max_new_tokens": 4}, progress=False)
    records = {r["case_id"]: r for r in _records(out)}
    two_turn = [r for r in records.values() if r["followups"]]
    assert two_turn and all(len(r["turns"]) == 1 + len(r["followups"]) for r in two_turn)
    assert all(r["answer"] == r["turns"][-1] for r in records.values())


def test_offline_model_answers_through_the_public_api(offline, tmp_path):
    out = tmp_path / "run"
    summary = run(offline, [resolve_suite("smoke")], out, progress=False)
    df = load_runs([out])
    assert summary.ran == 3 and len(df) == 3
    answer = df.set_index("case_id").loc["addition_en", "answer"]
    assert "5" in answer  # SmolLM2 answers 2 + 3 correctly
    assert set(df["format"]) == {"chat"}
