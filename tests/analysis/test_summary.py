"""Tests for analysis/summary.py: summary.json's figures, its committed JSON Schema, and that every run
(and `mistral-eval summary`) writes it."""

from __future__ import annotations

import json
import re
from pathlib import Path

import jsonschema
import pytest
from builders import judge_into, make_run, record

from mistral_eval.analysis import summary as summary_module
from mistral_eval.analysis.stats import wilson
from mistral_eval.analysis.summary import read_summary, schema_text, summarize_run, summary_schema, write_summary
from mistral_eval.cli import main
from mistral_eval.runs.records import field_table

SCHEMA_FILE = Path(__file__).resolve().parents[2] / "docs" / "summary.schema.json"


def _run(tmp_path: Path) -> Path:
    return make_run(tmp_path / "run", [
        record("bilingual/apples_ja", pair="apples", format="mistral", finished_at="2026-11-27T04:00:00+00:00"),
        record("bilingual/apples_en", "fail", language="en", pair="apples", format="mistral",
               finished_at="2026-11-27T04:10:00+00:00"),
        record("bilingual/multi_en", "error", language="en", error=("format", "one user turn only")),
        record("smoke/hello", language="en", format="chat",
               checks=[{"name": "contains", "passed": True, "score": 1.0, "reason": "found"},
                       {"name": "number", "passed": False, "score": 0.0, "reason": "found 4"}]),
    ], settings={"temperature": 0.7})


def test_rates_carry_n_and_their_interval_and_errors_stay_apart(tmp_path):
    summary = summarize_run(_run(tmp_path))
    overall = summary.overall
    # the stored status decides: hello is a pass as stored, though one of its checks failed
    assert (overall.k, overall.n, overall.errors, overall.cases) == (2, 3, 1, 4)
    expected = wilson(2, 3)
    assert (overall.rate, overall.low, overall.high) == (expected.rate, expected.low, expected.high)
    bilingual = summary.suites["bilingual"]
    assert (bilingual.k, bilingual.n, bilingual.errors, bilingual.cases) == (1, 2, 1, 3)
    assert (summary.languages["en"].k, summary.languages["en"].n, summary.languages["en"].errors) == (1, 2, 1)
    assert (summary.checks["number"].k, summary.checks["number"].n) == (1, 3)  # the error has no verdict
    assert (summary.checks["contains"].k, summary.checks["contains"].n) == (1, 1)
    provenance = summary.provenance
    assert provenance.formats_used == ["chat", "mistral"] and provenance.format == "mistral"
    assert provenance.settings == {"temperature": 0.7} and provenance.git_commit == "abc123"
    assert provenance.finished_at == "2026-11-27T04:10:00+00:00"
    assert summary.judges == []


def test_a_run_without_records_has_no_rate(tmp_path):
    summary = summarize_run(make_run(tmp_path / "empty", []))
    assert summary.overall.rate is None and summary.overall.n == 0 and summary.suites == {}


def test_judge_figures_per_rubric(tmp_path):
    run = judge_into(_run(tmp_path), {"bilingual/apples_ja": (4.0, None), "smoke/hello": (2.0, None)}, label="j1")
    [grades] = summarize_run(run).judges
    assert (grades.judge, grades.rubric, grades.judge_model, grades.n, grades.mean) == (
        "j1", "elyza_ja", "judge-model", 2, 3.0)
    assert grades.low <= 3.0 <= grades.high and grades.max_grade == 5


def test_written_file_round_trips_and_meets_the_committed_schema(tmp_path):
    run = _run(tmp_path)
    path = write_summary(run)
    assert path == run / "summary.json"
    data = json.loads(path.read_text("utf-8"))
    jsonschema.Draft202012Validator(json.loads(SCHEMA_FILE.read_text("utf-8"))).validate(data)
    assert read_summary(run) == summarize_run(run)
    (run / "summary.json").write_text("{broken", encoding="utf-8")
    assert read_summary(run) is None


def test_the_committed_schema_is_the_generated_one():
    assert json.loads(SCHEMA_FILE.read_text("utf-8")) == summary_schema(), (
        "docs/summary.schema.json is stale: regenerate it with `python -c 'from mistral_eval.analysis.summary "
        "import schema_text; print(schema_text(), end=\"\")' > docs/summary.schema.json`")
    assert SCHEMA_FILE.read_text("utf-8") == schema_text()


def test_every_run_writes_it_and_the_summary_command_rewrites_it(tiny_dir, tmp_path, capsys):
    out = tmp_path / "r"
    assert main(["run", "--model", tiny_dir, "--quant", "fp32", "--suite", "smoke", "--max-new-tokens", "2",
                 "--limit", "1", "--no-report", "--out", str(out)]) == 0
    written = json.loads((out / "summary.json").read_text("utf-8"))
    assert written["overall"]["cases"] == 1 and written["provenance"]["quant"] == "fp32"
    assert written["provenance"]["settings"] == {"max_new_tokens": 2}
    (out / "summary.json").unlink()
    capsys.readouterr()
    assert main(["summary", str(out)]) == 0
    assert capsys.readouterr().out.strip() == str(out / "summary.json")
    assert json.loads((out / "summary.json").read_text("utf-8")) == written


def test_the_summary_command_refuses_a_folder_that_is_no_run(tmp_path, capsys):
    assert main(["summary", str(tmp_path)]) == 2
    assert "not a run directory" in capsys.readouterr().err


@pytest.mark.parametrize("field", ["overall", "provenance", "suites", "checks", "languages", "judges"])
def test_the_schema_names_every_part(field):
    assert field in summary_schema()["properties"]


DESIGN = Path(__file__).resolve().parents[2] / "docs" / "DESIGN.md"
_BLOCK = re.compile(r"<!-- summary-fields:(\w+) -->\n(.*?)<!-- /summary-fields -->", re.DOTALL)


def regenerate_design(text: str) -> str:
    """docs/DESIGN.md with its summary.json field tables generated from the models."""
    def table(match: re.Match) -> str:
        rows = field_table(getattr(summary_module, match.group(1))).replace("mistral_eval.analysis.summary.", "")
        return f"<!-- summary-fields:{match.group(1)} -->\n{rows}\n<!-- /summary-fields -->"
    return _BLOCK.sub(table, text)


def test_design_md_documents_every_field_of_summary_json():
    text = DESIGN.read_text(encoding="utf-8")
    assert {m.group(1) for m in _BLOCK.finditer(text)} == {
        "RunResults", "StatusRate", "CheckRate", "GradeMean", "Provenance"}
    assert regenerate_design(text) == text, "run: python tests/analysis/test_summary.py (rewrites docs/DESIGN.md)"


if __name__ == "__main__":
    DESIGN.write_text(regenerate_design(DESIGN.read_text(encoding="utf-8")), encoding="utf-8")
