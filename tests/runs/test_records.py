"""Tests for the typed records: JSON round trips, schema-1 readers, and DESIGN.md kept in step."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from mistral_eval.core.errors import ConfigError
from mistral_eval.core.validation import validate
from mistral_eval.runs import records
from mistral_eval.runs.records import CaseError, Manifest, Result, RunConfig, SuiteRef, field_table

DESIGN = Path(__file__).resolve().parents[2] / "docs" / "DESIGN.md"
_BLOCK = re.compile(r"<!-- fields:(\w+) -->\n(.*?)<!-- /fields -->", re.DOTALL)


def regenerate(text: str) -> str:
    return _BLOCK.sub(lambda m: f"<!-- fields:{m.group(1)} -->\n{field_table(getattr(records, m.group(1)))}\n"
                                "<!-- /fields -->", text)


def test_design_md_field_tables_are_generated_from_the_models():
    text = DESIGN.read_text(encoding="utf-8")
    assert {m.group(1) for m in _BLOCK.finditer(text)} == {
        "RunConfig", "Manifest", "Result", "CheckRecord", "CaseError", "SuiteRef"}
    assert regenerate(text) == text, "run: python -m tests.test_records (rewrites docs/DESIGN.md)"


@pytest.mark.parametrize("model", [RunConfig, Manifest, Result, records.CheckRecord, CaseError, SuiteRef])
def test_every_field_has_a_docstring(model):
    assert [name for name, info in model.model_fields.items() if not info.description] == []


def test_round_trips():
    config = RunConfig(model="m", suites=("smoke",), settings={"temperature": 0.5, "do_sample": True},
                       repeats=3, cases=("*_ja",))
    assert RunConfig.model_validate_json(config.model_dump_json()) == config
    manifest = Manifest(model="m", quant="nf4", format="auto", suites=[SuiteRef(name="s", sha256="0" * 64)])
    assert Manifest.model_validate_json(manifest.model_dump_json()) == manifest
    result = Result(key="s/a", suite="s", case_id="a", language="ja", status="error",
                    error=CaseError(stage="check", message="no sandbox"))
    assert Result.model_validate_json(result.to_json()) == result and result.passed is None


def test_run_config_refuses_unknown_options_and_bad_values_with_the_field():
    with pytest.raises(ConfigError) as error:
        validate(RunConfig, {"modle": "x"})
    assert error.value.field == "modle" and "did you mean 'model'" in error.value.message
    with pytest.raises(ConfigError) as error:
        validate(RunConfig, {"quant": "nf5", "repeats": 0})
    assert error.value.field == "quant" and len(error.value.problems) == 2
    with pytest.raises(ConfigError) as error:
        validate(RunConfig, {"settings": {"temprature": 1.0}})
    assert "temprature" in str(error.value)


def test_identity_ignores_what_only_selects_cases():
    refs = [SuiteRef(name="s", sha256="0" * 64)]
    base = Manifest(model="m", quant="nf4", format="auto", suites=refs)
    assert base.computed_fingerprint() == base.model_copy(update={"gpu": "H100"}).computed_fingerprint()
    assert base.computed_fingerprint() != base.model_copy(update={"repeats": 2}).computed_fingerprint()
    assert base.differences(base.model_copy(update={"seed": 1})) == ["seed: stored 0, now 1"]


if __name__ == "__main__":
    DESIGN.write_text(regenerate(DESIGN.read_text(encoding="utf-8")), encoding="utf-8")
