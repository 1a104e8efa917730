"""Tests for suites.py: the built-in suite files, validation errors, importers and the YAML round trip."""

from __future__ import annotations

import dataclasses
import hashlib
from pathlib import Path

import pytest
import yaml

from mistral_eval.checks.registry import japanese_share, judge_spec, run_checks
from mistral_eval.core.errors import ConfigError
from mistral_eval.suites.files import (
    Case,
    builtin_suites_dir,
    import_elyza,
    import_mtbench,
    list_suites,
    load_suite,
    resolve_suite,
    write_starter,
    write_suite,
)

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
ARTICLE = {"max_new_tokens": 100, "do_sample": True, "temperature": 0.1, "top_p": 0.95,
           "repetition_penalty": 1.1}


def _cases(name: str) -> dict[str, Case]:
    return {case.id: case for case in resolve_suite(name).cases}


def _without_file(case: Case) -> Case:
    return dataclasses.replace(case, file=None)


# --- the built-in suites --------------------------------------------------------------------------

def test_builtin_suites_load_with_their_case_counts():
    counts = {suite.name: len(suite.cases) for suite in list_suites()}
    assert counts["article_ja"] == 9
    assert counts["article_en"] == 4
    assert counts["bilingual"] >= 48
    assert counts["smoke"] == 3


def test_builtin_dir_and_sha256():
    path = builtin_suites_dir() / "smoke.yaml"
    suite = load_suite(path)
    assert suite.sha256 == hashlib.sha256(path.read_bytes()).hexdigest()
    assert suite.file == str(path)
    assert suite.cases[0].key == "smoke/capital_ja"


def test_article_ja_keeps_the_articles_prompts_and_settings():
    cases = _cases("article_ja")
    formats = {case.id: case.format for case in cases.values()}
    assert formats == {**dict.fromkeys(cases, "article"), "translation": "raw",
                       "javascript_start": "chat", "javascript_followup": "chat"}
    assert all("article" in case.tags for case in cases.values())
    assert cases["continuation"].messages == (
        {"role": "system", "content": "下記の文章を続けてください。"},
        {"role": "user", "content": "日本という国は、"})
    assert cases["continuation"].settings == ARTICLE
    assert cases["apples"].settings == ARTICLE
    assert cases["apples"].messages[1]["content"] == (
        "USER: りんごが5つあります。そこから2つのりんごを取り除きました。残りのりんごの数は何個でしょう？\n"
        "ASSISTANT:")
    assert cases["bat_and_ball"].settings == {**ARTICLE, "max_new_tokens": 512, "temperature": 0.01}
    assert cases["fibonacci"].settings == {**ARTICLE, "max_new_tokens": 512}
    assert cases["translation"].format == "raw"
    assert [m["role"] for m in cases["translation"].messages] == ["user"]
    assert cases["translation"].settings == {**ARTICLE, "top_p": 0.9}
    assert cases["llm_explanation"].settings == {"max_new_tokens": 200, "do_sample": True,
                                                 "temperature": 0.2, "top_p": 0.95}
    assert cases["guest_host"].settings == {"max_new_tokens": 200, "do_sample": True,
                                            "temperature": 0.01, "top_p": 0.95}
    followup = cases["javascript_followup"]
    assert followup.format == "chat"
    assert [m["role"] for m in followup.messages] == ["user", "assistant", "user"]
    assert followup.settings == {"max_new_tokens": 2048, "do_sample": True, "temperature": 0.1,
                                 "top_p": 0.9, "repetition_penalty": 1.1}


def test_article_en_keeps_the_double_space_and_the_model_card_settings():
    cases = _cases("article_en")
    assert "Pre-training,  SFT training" in cases["training_methods"].messages[1]["content"]
    assert cases["training_methods"].messages[0]["content"] == "Answer the following question."
    assert cases["condiment_mayonnaise"].settings == {"max_new_tokens": 1000, "do_sample": True}
    assert all("article" in case.tags and case.language == "en" for case in cases.values())


@pytest.mark.parametrize("suite, case_id, answer, passed", [
    ("article_ja", "apples", "初期のりんごの数が5つで、2つを取り除きましたので、残りのりんごの数は3個です。", True),
    ("article_ja", "bat_and_ball", "バットの値は1000円 + 1000円 = 2000円です。ボールの値は1550円です。", False),
    ("article_ja", "guest_host", "False", False),
    ("article_en", "guest_host", "True.", True),
    ("article_ja", "translation", "3つのアップルと2つのオレンジがあります。", True),
    ("article_ja", "fibonacci", "```python\ndef fibonacci(k):\n    if k == 1:\n        return 0\n"
     "    elif k == 2:\n        return 1\n    a, b = 0, 1\n    for i in range(2, k+1):\n"
     "        a, b = b, a + b\n    return b\n```", False),
])
def test_article_checks_judge_the_articles_answers(suite, case_id, answer, passed):
    results = run_checks(_cases(suite)[case_id].checks, answer)
    assert all(r.passed for r in results) is passed


def _answer_checks(case: Case) -> list[tuple]:
    return [(c["type"], c.get("expected"), c.get("pattern"), c.get("tests"))
            for c in case.checks if c["type"] != "japanese"]


def test_bilingual_pairs_are_complete_and_share_the_expected_answer():
    pairs: dict[str, dict[str, Case]] = {}
    for case in resolve_suite("bilingual").cases:
        assert case.pair is not None and case.id == f"{case.pair}_{case.language}"
        pairs.setdefault(case.pair, {})[case.language] = case
    assert len(pairs) >= 24
    for name, by_language in pairs.items():
        assert set(by_language) == {"ja", "en"}, name
        assert _answer_checks(by_language["ja"]) == _answer_checks(by_language["en"]), name


def test_bilingual_is_greedy_and_leaves_the_format_to_the_run():
    cases = resolve_suite("bilingual").cases
    assert all(case.format is None and case.settings["do_sample"] is False for case in cases)
    assert all(64 <= case.settings["max_new_tokens"] <= 256 for case in cases)
    assert any(m["role"] == "assistant" for case in cases for m in case.messages)
    assert {c["type"] for case in cases for c in case.checks} >= {"number", "boolean", "python",
                                                                  "contains", "regex", "japanese"}


def test_smoke_is_tiny():
    cases = resolve_suite("smoke").cases
    assert {case.language for case in cases} == {"ja", "en"}
    assert all(case.settings["max_new_tokens"] <= 24 and not case.settings["do_sample"] for case in cases)
    assert any(len(case.messages) > 1 for case in cases)


def test_resolve_suite_by_name_path_and_unknown_name():
    assert resolve_suite("smoke").name == "smoke"
    assert resolve_suite(builtin_suites_dir() / "smoke.yaml").name == "smoke"
    with pytest.raises(ConfigError) as error:
        resolve_suite("no_such_suite")
    assert "bilingual" in str(error.value) and "smoke" in str(error.value)


# --- validation -----------------------------------------------------------------------------------

def _write(tmp_path: Path, doc: dict, name: str = "mini") -> Path:
    path = tmp_path / f"{name}.yaml"
    path.write_text(yaml.safe_dump(doc, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


def _mini() -> dict:
    return {"suite": "mini", "description": "a test suite", "version": 1,
            "defaults": {"language": "en", "system": "Be brief.", "settings": {"max_new_tokens": 32},
                         "tags": ["base"]},
            "cases": [{"id": "a", "prompt": "Hi?", "settings": {"temperature": 0.5}, "tags": ["x"]},
                      {"id": "b", "language": "ja", "format": "chat",
                       "messages": [{"role": "user", "content": "こんにちは"}],
                       "checks": [{"type": "japanese"}]}]}


def test_defaults_merge_into_cases(tmp_path):
    a, b = load_suite(_write(tmp_path, _mini())).cases
    assert a.messages == ({"role": "system", "content": "Be brief."}, {"role": "user", "content": "Hi?"})
    assert a.settings == {"max_new_tokens": 32, "temperature": 0.5}
    assert a.tags == ("base", "x") and a.language == "en" and a.format is None
    assert b.messages == ({"role": "user", "content": "こんにちは"},)  # defaults.system is for prompts only
    assert b.language == "ja" and b.format == "chat"


def _set(path: str, value):
    def mutate(doc: dict) -> None:
        *parents, last = path.split(".")
        target = doc
        for key in parents:
            target = target[int(key)] if isinstance(target, list) else target[key]
        if isinstance(target, list):
            target[int(last)] = value
        else:
            target[last] = value
    return mutate


def _drop(path: str):
    def mutate(doc: dict) -> None:
        *parents, last = path.split(".")
        target = doc
        for key in parents:
            target = target[int(key)] if isinstance(target, list) else target[key]
        del target[last]
    return mutate


ERRORS = [
    ("unknown top-level key", _set("sutie", "x"), None, "sutie", "did you mean 'suite'"),
    ("unknown defaults key", _set("defaults.sytem", "x"), None, "defaults.sytem", "unknown key"),
    ("unknown case key", _set("cases.0.promt", "x"), "a", "cases[0].promt", "did you mean 'prompt'"),
    ("unknown setting", _set("cases.0.settings.temprature", 0.1), "a", "cases[0].settings.temprature",
     "did you mean 'temperature'"),
    ("bad setting type", _set("cases.0.settings.temperature", "hot"), "a",
     "cases[0].settings.temperature", "must be a number"),
    ("bool as an integer", _set("cases.0.settings.max_new_tokens", True), "a",
     "cases[0].settings.max_new_tokens", "integer"),
    ("top_p out of range", _set("cases.0.settings.top_p", 1.5), "a", "cases[0].settings.top_p", "(0, 1]"),
    ("duplicate id", _set("cases.1.id", "a"), "a", "cases[1].id", "duplicate"),
    ("bad id", _set("cases.0.id", "Bad-Id"), "Bad-Id", "cases[0].id", "lowercase"),
    ("missing prompt", _drop("cases.0.prompt"), "a", "cases[0].prompt", "either `prompt` or `messages`"),
    ("prompt and messages", _set("cases.0.messages", [{"role": "user", "content": "x"}]), "a",
     "cases[0].messages", "not both"),
    ("system with messages", _set("cases.1.system", "x"), "b", "cases[1].system", "messages[0]"),
    ("two user turns", _set("cases.1.messages", [{"role": "user", "content": "x"},
                                                 {"role": "user", "content": "y"}]),
     "b", "cases[1].messages", "alternate"),
    ("ends with assistant", _set("cases.1.messages", [{"role": "user", "content": "x"},
                                                      {"role": "assistant", "content": "y"}]),
     "b", "cases[1].messages", "end with a user message"),
    ("late system", _set("cases.1.messages", [{"role": "user", "content": "x"},
                                              {"role": "system", "content": "y"}]),
     "b", "cases[1].messages[1].role", "system"),
    ("unknown role", _set("cases.1.messages", [{"role": "human", "content": "x"}]),
     "b", "cases[1].messages[0].role", "human"),
    ("unknown message key", _set("cases.1.messages", [{"rol": "user", "content": "x"}]),
     "b", "cases[1].messages[0].rol", "did you mean 'role'"),
    ("empty content", _set("cases.1.messages", [{"role": "user", "content": "  "}]),
     "b", "cases[1].messages[0].content", "empty"),
    ("empty prompt", _set("cases.0.prompt", ""), "a", "cases[0].prompt", "non-empty string"),
    ("bad check type", _set("cases.1.checks", [{"type": "nubmer", "expected": 3}]),
     "b", "cases[1].checks[0].type", "unknown check type"),
    ("bad check parameter", _set("cases.1.checks", [{"type": "number", "expectd": 3}]),
     "b", "cases[1].checks[0].expectd", "no parameter"),
    ("bad format", _set("cases.1.format", "alpaca"), "b", "cases[1].format", "chat"),
    ("missing language", _drop("defaults.language"), "a", "cases[0].language", "defaults.language"),
    ("name is not the file stem", _set("suite", "other"), None, "suite", "file name"),
    ("version is not an integer", _set("version", "1"), None, "version", "integer"),
    ("missing cases", _drop("cases"), None, "cases", "missing"),
]


@pytest.mark.parametrize("mutate, case, field, words", [e[1:] for e in ERRORS], ids=[e[0] for e in ERRORS])
def test_errors_name_the_file_case_and_field(tmp_path, mutate, case, field, words):
    doc = _mini()
    mutate(doc)
    path = _write(tmp_path, doc)
    with pytest.raises(ConfigError) as error:
        load_suite(path)
    assert (error.value.file, error.value.case, error.value.field) == (str(path), case, field)
    assert words in error.value.message
    assert str(path) in str(error.value) and field in str(error.value)


@pytest.mark.parametrize("text, line", [
    ("suite: mini\ndescription: x\nversion: 1\ncases:\n  - id: a\n    prompt: [unclosed\n", 7),
    ("suite: mini\ndescription: x\nversion: 1\nversion: 2\ncases: []\n", 4),
])
def test_yaml_errors_give_the_line(tmp_path, text, line):
    path = tmp_path / "mini.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError) as error:
        load_suite(path)
    assert error.value.file == str(path) and f"line {line}" in error.value.message


def test_missing_file(tmp_path):
    with pytest.raises(ConfigError, match="cannot read"):
        load_suite(tmp_path / "absent.yaml")


# --- importers and writing ------------------------------------------------------------------------

def test_import_elyza():
    suite = import_elyza(FIXTURES / "elyza_sample.jsonl")
    assert suite.name == "elyza_tasks_100" and len(suite.cases) == 3
    first = suite.cases[0]
    assert first.id == "task_001" and first.language == "ja"
    assert first.messages == ({"role": "user", "content": "りんごが5つあります。そこから2つのりんごを取り除きました。"
                                                          "残りのりんごの数は何個でしょう？"},)
    assert first.reference == "残りのりんごは3個です。"
    assert first.meta["eval_aspect"].startswith("- 3個")
    assert suite.sha256 == hashlib.sha256((FIXTURES / "elyza_sample.jsonl").read_bytes()).hexdigest()


def test_import_mtbench_keeps_later_turns_as_followups():
    cases = {case.id: case for case in import_mtbench(FIXTURES / "mtbench_question.jsonl").cases}
    assert set(cases) == {"q81", "q111", "q131"}
    math = cases["q111"]
    assert math.messages == ({"role": "user", "content": "A rectangle is 6 cm long and 4 cm wide. "
                                                         "What is its area?"},)
    assert math.followups == ("If both sides are doubled, what is the new area?",)
    assert math.reference == "24 square centimeters"
    assert math.tags == ("mt_bench", "math") and math.meta["category"] == "math"
    assert cases["q131"].followups == () and cases["q131"].reference is None


@pytest.mark.parametrize("text, words", [
    ('{"input": "x", "output": "y"}\n', "no 'eval_aspect'"),
    ('{"input": "x", "output": "y", "eval_aspect": "z"}\nnot json\n', "line 2 is not valid JSON"),
    ('{"input": 3, "output": "y", "eval_aspect": "z"}\n', "wrong type"),
    ("\n", "no records"),
])
def test_import_errors_name_the_line(tmp_path, text, words):
    path = tmp_path / "tasks.jsonl"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError) as error:
        import_elyza(path)
    assert words in error.value.message and error.value.file == str(path)


@pytest.mark.parametrize("make", [
    lambda: resolve_suite("article_ja"), lambda: resolve_suite("article_en"),
    lambda: resolve_suite("bilingual"), lambda: resolve_suite("smoke"),
    lambda: import_elyza(FIXTURES / "elyza_sample.jsonl"),
    lambda: import_mtbench(FIXTURES / "mtbench_question.jsonl"),
])
def test_write_suite_round_trip(tmp_path, make):
    suite = make()
    path = write_suite(suite, tmp_path)
    assert path == tmp_path / f"{suite.name}.yaml"
    again = load_suite(path)
    assert (again.name, again.description, again.version) == (suite.name, suite.description, suite.version)
    assert [_without_file(c) for c in again.cases] == [_without_file(c) for c in suite.cases]


def test_write_suite_refuses_a_file_named_otherwise(tmp_path):
    with pytest.raises(ConfigError, match="smoke.yaml"):
        write_suite(resolve_suite("smoke"), tmp_path / "other.yaml")


def test_every_problem_of_a_file_is_reported_at_once(tmp_path):
    doc = _mini()
    doc["cases"][0]["settings"] = {"temprature": 0.5}
    doc["cases"][1]["format"] = "alpaca"
    doc["cases"].append({"id": "a", "prompt": "again"})
    path = _write(tmp_path, doc)
    with pytest.raises(ConfigError) as error:
        load_suite(path)
    assert (error.value.file, error.value.case, error.value.field) == (str(path), "a",
                                                                       "cases[0].settings.temprature")
    assert [(case, field) for case, field, _ in error.value.problems] == [
        ("a", "cases[0].settings.temprature"), ("b", "cases[1].format"), ("a", "cases[2].id")]
    text = str(error.value)
    assert "did you mean 'temperature'" in text and "2 more problem(s)" in text
    assert "cases[1].format (case 'b'): must be" in text and "first used by cases[0]" in text


def test_the_starter_suite_loads_and_uses_every_check_it_names(tmp_path):
    path = write_starter(tmp_path / "my_suite")
    assert path == tmp_path / "my_suite.yaml"
    suite = load_suite(path)
    assert suite.name == "my_suite" and len(suite.cases) == 4
    assert {c.pair for c in suite.cases} == {None, "capital"} and {c.language for c in suite.cases} == {"en", "ja"}
    assert run_checks(suite.cases[2].checks, "It is Tokyo.")[0].passed  # the YAML escapes survive
    with pytest.raises(ConfigError, match="exists already"):
        write_starter(path)
    with pytest.raises(ConfigError, match="cannot name a suite"):
        write_starter(tmp_path / "My-Suite.yaml")


def test_a_file_named_otherwise_says_why_and_how_to_fix(tmp_path):
    copy = tmp_path / "copy.yaml"
    copy.write_text((builtin_suites_dir() / "smoke.yaml").read_text(encoding="utf-8"), encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load_suite(copy)
    assert caught.value.field == "suite"
    assert "Rename the file to smoke.yaml, or set `suite: copy`" in str(caught.value)


def test_the_suite_guides_examples_pass_check(tmp_path):
    guide = (Path(__file__).resolve().parents[2] / "docs" / "suites.md").read_text(encoding="utf-8")
    blocks = [b.split("```", 1)[0] for b in guide.split("```yaml\n")[1:]]
    [minimal] = [b for b in blocks if b.startswith("suite: my_suite")]
    (tmp_path / "my_suite.yaml").write_text(minimal, encoding="utf-8")
    assert len(load_suite(tmp_path / "my_suite.yaml").cases) == 2
    [fibonacci] = [b for b in blocks if "id: fibonacci" in b]
    (tmp_path / "fib.yaml").write_text("suite: fib\ndescription: x\nversion: 1\ncases:\n" + fibonacci,
                                       encoding="utf-8")
    [case] = load_suite(tmp_path / "fib.yaml").cases
    assert case.checks[0]["function"] == "fib"


def test_the_open_ended_cases_carry_judge_checks_with_aspects_in_their_language():
    judged = {(suite.name, case.id): (case, judge_spec(case.checks)) for suite in list_suites()
              for case in suite.cases if judge_spec(case.checks)}
    assert {key for key in judged if key[0] == "article_ja"} == {
        ("article_ja", c) for c in ("continuation", "llm_explanation", "guest_host", "javascript_start",
                                    "javascript_followup")}
    assert {key for key in judged if key[0] == "article_en"} == {
        ("article_en", c) for c in ("training_methods", "career_strategy", "guest_host", "condiment_mayonnaise")}
    assert {key[1] for key in judged if key[0] == "bilingual"} == {
        "translate_cat_ja", "translate_cat_en", "translate_rain_ja", "translate_rain_en"}
    for case, spec in judged.values():
        assert spec["rubric"] == "elyza" and spec["aspect"]
        assert (japanese_share(spec["aspect"]) > 0.5) == (case.language == "ja"), case.key
        ran = [result.name for result in run_checks(case.checks, "答え")]
        assert "judge" not in ran and len(ran) == len(case.checks) - 1  # the judge runs later
