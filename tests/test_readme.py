"""The README's commands: its first two are the main job and the test command CI runs (`.ci/run`), `make test` names or installs
what it needs from the system, and the "On your own GPU" commands of mistral-eval parse."""

from __future__ import annotations

import re
import shlex
import subprocess
from pathlib import Path

import pytest

from mistral_eval.cli import build_parser

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")


def _code_blocks(text: str) -> list[str]:
    return re.findall(r"^```[a-z]*\n(.*?)^```", text, flags=re.S | re.M)


def _commands(block: str) -> list[str]:
    """The block's command lines, comments and blank lines left out."""
    lines = (line.split("#", 1)[0].strip() for line in block.splitlines())
    return [line for line in lines if line]


def test_the_readmes_first_two_commands_are_the_main_job_and_what_ci_runs():
    readme = _commands(_code_blocks(README)[0])
    ci = [line for line in _commands((ROOT / ".ci" / "run").read_text(encoding="utf-8"))
          if not line.startswith(("set ", "cd "))]
    assert readme == ["make sweep", "make test"] and ci == ["make test"]


def test_make_test_names_what_it_lacks_when_it_cannot_install():
    done = subprocess.run(["/bin/bash", str(ROOT / ".ci" / "system-deps")], env={"PATH": ""},
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 1  # no bwrap and no apt-get on an empty PATH
    assert "make test needs bubblewrap" in done.stderr and "sudo apt-get install -y bubblewrap" in done.stderr


def test_make_test_runs_the_system_check_first():
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    assert re.search(r"^test: setup system-deps lint$", makefile, flags=re.M)
    assert re.search(r"^system-deps:\n\t@bash \.ci/system-deps$", makefile, flags=re.M)


def _gpu_section() -> str:
    return README.split("## On your own GPU", 1)[1].split("\n## ", 1)[0]


@pytest.mark.parametrize("command", [c for block in _code_blocks(_gpu_section()) for c in _commands(block)
                                     if c.startswith("mistral-eval ")])
def test_the_gpu_sections_commands_exist(command):
    build_parser().parse_args(shlex.split(command)[1:])  # argparse exits on an unknown command or option


def test_the_gpu_section_names_the_switches_and_the_login():
    section = _gpu_section()
    for word in ("MISTRAL_EVAL_ENGINE", "MISTRAL_EVAL_NF4_KERNELS", "MISTRAL_EVAL_FUSED_OPS", "hf auth login",
                 "HF_TOKEN", "3.74 GiB", "6.99 GiB", "13.49 GiB"):
        assert word in section


def test_the_report_screenshot_is_committed_and_small():
    assert "](docs/report.png)" in README
    assert (ROOT / "docs" / "report.png").stat().st_size < 300_000
