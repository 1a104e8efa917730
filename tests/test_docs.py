"""The guides in docs/: paths and statements that match the code, and the check guide's example runs."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from mistral_eval.checks import registry
from mistral_eval.core.errors import ConfigError

DOCS = Path(__file__).resolve().parents[1] / "docs"
SETUP = (Path(__file__).resolve().parents[1] / "setup.py").read_text(encoding="utf-8")


def test_guides_name_real_paths_and_no_stale_notes():
    """issue 21 item 11"""
    sweeps = (DOCS / "sweeps.md").read_text(encoding="utf-8")
    assert "mistral_eval/notebooks/" not in sweeps
    for package in re.findall(r"`(mistral_eval/builtin_\w+)/`", sweeps):  # an installed package's folders
        assert f'"{package.replace("/", ".")}"' in SETUP, package
    assert "4 min 51 s" not in sweeps and "install_from" in sweeps
    suites = (DOCS / "suites.md").read_text(encoding="utf-8")
    assert "parallel change" not in suites and "(new)" not in suites and "checks.md" in suites


def test_the_check_guide_covers_every_step_and_its_example_works():
    """issue 21 item 11"""
    guide = (DOCS / "checks.md").read_text(encoding="utf-8")
    for step in ("CHECKS", "DEFERRED", "CheckResult", "suite.schema.json", "labelled_answers.yaml",
                 "tests/checks/test_registry.py", "suites --check"):
        assert step in guide, step
    [example] = re.findall(r"```python\n(.*?)```", guide, re.S)
    namespace = dict(vars(registry))
    exec(example, namespace)  # the guide's factory, in the module it tells you to put it in
    check = namespace["ends_with"](suffix="。")
    assert check("はい、わかりました。").passed and not check("No.").passed
    assert "expected '。'" in check("No.").reason
    with pytest.raises(ConfigError, match="suffix"):
        namespace["ends_with"]()
