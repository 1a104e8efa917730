"""Tests for sweep/plan.py that concern the size of a plan (the rest of the planning is tested with
the runs, in test_run.py)."""

from __future__ import annotations

import pytest

from mistral_eval.cli import main
from mistral_eval.core.errors import ConfigError
from mistral_eval.sweep.plan import load_spec, plan

MILLION = """\
notebook: evaluate
grid:
  temperature: [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0]
  top_p: [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0]
  top_k: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]
  max_new_tokens: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]
  seed: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]
  repetition_penalty: [1.0, 1.1, 1.2, 1.3, 1.4, 1.5, 1.6, 1.7, 1.8, 1.9]
"""


def test_a_million_combinations_are_refused_before_planning(tmp_path, capsys, monkeypatch):
    """issue 20 item 10: a 10⁶-combination dry run took 64 s and 2 GB; there was no cap."""
    path = tmp_path / "huge.yaml"
    path.write_text(MILLION)
    with pytest.raises(ConfigError, match=r"makes 1,000,000 combinations .* MISTRAL_EVAL_MAX_COMBINATIONS") as error:
        load_spec(path)
    assert error.value.file == str(path) and error.value.field == "grid"
    assert main(["sweep", str(path), "--dry-run"]) == 2
    assert "1,000,000 combinations" in capsys.readouterr().err
    small = tmp_path / "small.yaml"
    small.write_text("notebook: evaluate\ngrid:\n  temperature: [0.1, 0.2, 0.3]\n  seed: [1, 2]\n")
    monkeypatch.setenv("MISTRAL_EVAL_MAX_COMBINATIONS", "5")
    with pytest.raises(ConfigError, match="makes 6 combinations"):
        load_spec(small)
    monkeypatch.setenv("MISTRAL_EVAL_MAX_COMBINATIONS", "6")
    assert len(plan(load_spec(small))) == 6
    monkeypatch.setenv("MISTRAL_EVAL_MAX_COMBINATIONS", "lots")
    with pytest.raises(ConfigError, match="MISTRAL_EVAL_MAX_COMBINATIONS='lots' is not a positive"):
        load_spec(small)
