"""Tests for suite_models.py: the rules the models add over the old checks, and the committed JSON Schema."""

from __future__ import annotations

import glob
import json
from pathlib import Path

import jsonschema
import pytest
import yaml

from mistral_eval.core.errors import ConfigError
from mistral_eval.suites.files import builtin_suites_dir
from mistral_eval.suites.schema import SuiteFile, check_suite, suite_schema

SCHEMA_FILE = Path(__file__).resolve().parents[2] / "docs" / "suite.schema.json"


def _doc(**case) -> dict:
    return {"suite": "mini", "description": "x", "version": 1,
            "cases": [{"id": "a", "language": "en", **case}]}


def _problems(doc: dict) -> list[tuple]:
    with pytest.raises(ConfigError) as error:
        check_suite(doc, file="mini.yaml", stem="mini")
    return error.value.problems


def test_a_valid_file_gives_typed_specs():
    spec = check_suite(_doc(prompt="Hi?", settings={"temperature": 0.5}), file="mini.yaml", stem="mini")
    assert isinstance(spec, SuiteFile) and spec.cases[0].prompt == "Hi?"
    assert spec.cases[0].settings.given() == {"temperature": 0.5}
    assert spec.defaults.settings.given() == {}


def test_every_unknown_key_of_one_mapping_is_reported_with_the_other_errors():
    problems = _problems(_doc(promt="Hi?", sytem="x", settings={"temprature": 1.0, "top_p": 2.0}))
    assert [field for _, field, _ in problems] == [
        "cases[0].promt", "cases[0].sytem", "cases[0].settings.temprature", "cases[0].settings.top_p"]
    assert "did you mean 'prompt'" in problems[0][2]  # and not also "needs either prompt or messages"


def test_explicit_null_is_refused_and_the_order_follows_the_document():
    problems = _problems({**_doc(), "suite": "Mini", "cases": [_doc()["cases"][0], 3]})
    assert problems == [
        (None, "suite", "must be lowercase letters, digits and underscores, got 'Mini'"),
        ("a", "cases[0].prompt", "a case needs either `prompt` or `messages`"),
        (None, "cases[1]", "a case is a mapping with at least id, language and prompt or messages")]
    nulls = _problems(_doc(prompt="Hi?", reference=None))
    assert nulls == [("a", "cases[0].reference", "must not be null: give a value or leave the key out")]


def test_the_committed_schema_is_the_generated_one():
    committed = json.loads(SCHEMA_FILE.read_text(encoding="utf-8"))
    assert committed == suite_schema(), (
        "docs/suite.schema.json is stale: regenerate it with "
        "`mistral-eval suites --schema > docs/suite.schema.json`")


def test_the_schema_accepts_the_builtin_suites_and_refuses_an_unknown_key():
    validator = jsonschema.Draft202012Validator(suite_schema())
    files = sorted(glob.glob(str(builtin_suites_dir() / "*.yaml")))
    assert files
    for file in files:
        assert not list(validator.iter_errors(yaml.safe_load(Path(file).read_text("utf-8")))), file
    bad = _doc(prompt="Hi?", settings={"temprature": 1.0})
    assert [list(e.path) for e in validator.iter_errors(bad)] == [["cases", 0, "settings"]]
