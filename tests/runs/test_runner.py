import json
from pathlib import Path

import pytest

from mistral_eval import ConfigError, RunStore, RunStoreError, load_runs, resolve_suite, run
from mistral_eval.runs.records import case_status
from mistral_eval.runs.runner import case_settings, make_config
from mistral_eval.suites.files import import_mtbench

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"


def _records(out):
    return [r.model_dump() for r in RunStore.read(out).records()]


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
        assert r["status"] == case_status([c["verdict"] for c in r["checks"]])
        assert r["passed"] == (None if r["status"] == "uncertain" else all(c["passed"] for c in r["checks"]))
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
    assert followup["status"] == "error" and followup["passed"] is None  # an error, not a failure
    assert followup["error"]["stage"] == "format" and "single user turn" in followup["error"]["message"]
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


def test_an_empty_answer_before_a_followup_is_that_cases_error(tiny):
    """mistral-common refuses an empty assistant turn: the case ends in an error, the run goes on."""
    from mistral_eval.model.generation import Answer
    from mistral_eval.runs.records import RunConfig
    from mistral_eval.runs.runner import _followups, _plan

    case = next(c for c in resolve_suite("smoke").cases if c.key == "smoke/followup_en")
    case = type(case)(**{**vars(case), "followups": ("And then?",)})
    item = _plan(tiny, case, RunConfig(format="mistral"), 0)
    empty = Answer("", (), 10, 0, "eos", 0.1, 0.0)
    answer, turns, error = _followups(tiny, item, empty, None)
    assert turns == [""] and error is not None and error.stage == "format"
    assert "previous answer was empty" in error.message


def test_selection_limit_case_and_tag(tiny, tmp_path):
    smoke = resolve_suite("smoke")
    summary = run(tiny, [smoke], tmp_path / "a", format="mistral", overrides={"max_new_tokens": 2},
                  limit=1, progress=False)
    assert summary.ran == 1 and [r["key"] for r in _records(tmp_path / "a")] == [smoke.cases[0].key]
    summary = run(tiny, ["smoke"], tmp_path / "b", format="mistral", overrides={"max_new_tokens": 2},
                  cases=["*_en"], progress=False)
    assert sorted(r["case_id"] for r in _records(tmp_path / "b")) == sorted(
        c.id for c in smoke.cases if c.id.endswith("_en"))
    with pytest.raises(ConfigError, match="limit"):
        run(tiny, [smoke], tmp_path / "c", limit=0, progress=False)


def test_repeats_have_their_own_keys_and_seeds_and_resume(tiny, tmp_path):
    out = tmp_path / "run"
    options = dict(format="mistral", overrides={"max_new_tokens": 2, "do_sample": True}, repeats=2,
                   cases=["addition_en"], progress=False)
    first = run(tiny, ["smoke"], out, **options)
    records = {r["key"]: r for r in _records(out)}
    assert set(records) == {"smoke/addition_en", "smoke/addition_en#r1"} and first.ran == 2
    assert records["smoke/addition_en#r1"]["settings"]["seed"] == records["smoke/addition_en"]["settings"]["seed"] + 1
    assert run(tiny, ["smoke"], out, **options).ran == 0


def test_a_legacy_run_directory_reads_and_resumes(tiny, tmp_path):
    """A run directory written before typed records (schema 1) opens, reports and resumes."""
    import shutil

    out = tmp_path / "legacy"
    shutil.copytree(FIXTURES / "legacy_run", out)
    records = {r.key: r for r in RunStore.read(out).records()}
    assert records["smoke/followup_en"].status == "error" and records["smoke/followup_en"].error.stage == "format"
    assert records["smoke/capital_ja"].status == "fail" and records["smoke/capital_ja"].passed is False
    manifest = RunStore.read(out).manifest
    assert manifest.computed_fingerprint() == manifest.fingerprint
    stored = manifest.model_dump()
    from mistral_eval.runs.records import RunConfig

    config = RunConfig(model=stored["model"], quant=stored["quant"], format=stored["format"],
                       settings=stored["settings"])
    from mistral_eval.runs.provenance import make_manifest

    again = make_manifest(config, manifest.suites)
    assert again.fingerprint == manifest.fingerprint  # the same run: it would resume
    df = load_runs([out])
    assert list(df.sort_values("key")["status"]) == ["fail", "fail", "error"]


def test_one_suite_name_alone_is_a_suite(offline, tmp_path):
    summary = run(offline, "smoke", tmp_path / "run", limit=1, overrides={"max_new_tokens": 2},
                  progress=False)
    assert summary.ran == 1 and [r["suite"] for r in _records(tmp_path / "run")] == ["smoke"]


def test_the_uncertain_option_is_a_run_option_with_review_by_default():
    assert make_config().uncertain == "review"
    assert make_config(uncertain="judge").uncertain == "judge"
    with pytest.raises(ConfigError, match="uncertain"):
        make_config(uncertain="maybe")


def test_uncertain_verdicts_are_counted_in_the_stored_totals(tiny, tmp_path):
    """A run whose checks cannot decide (random weights answer no yes/no) stores uncertain cases, and
    the totals of what is stored count them apart (the offline sweep once failed with KeyError here)."""
    suite_file = tmp_path / "unsure.yaml"
    suite_file.write_text("suite: unsure\ndescription: yes/no questions a random model cannot answer\n"
                          "version: 1\ncases:\n" + "".join(
                              f"  - id: q{i}\n    language: en\n    prompt: Is {i} an even number? Answer yes or no.\n"
                              f"    checks: [{{type: boolean, expected: {str(i % 2 == 0).lower()}}}]\n"
                              for i in range(3)), encoding="utf-8")
    summary = run(tiny, [resolve_suite(str(suite_file))], tmp_path / "run", format="mistral", progress=False)
    statuses = [r["status"] for r in _records(tmp_path / "run")]
    assert "uncertain" in statuses  # the case this test is about
    assert summary.totals == {status: statuses.count(status) for status in ("pass", "fail", "uncertain", "error")}
    again = run(tiny, [resolve_suite(str(suite_file))], tmp_path / "run", format="mistral", progress=False)
    assert f"stored in all: {statuses.count('pass')} passed" in str(again)
    assert f"{statuses.count('uncertain')} uncertain" in str(again).splitlines()[1]
