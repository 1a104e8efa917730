"""Shared fixtures (run offline): tiny random-weight Mistral checkpoints around the real v0.1 tokenizer, and
the offline default model, each built once per test session."""

from __future__ import annotations

import os

os.environ.setdefault("HF_HUB_OFFLINE", "1")  # no hub is reachable here; fail fast, not after retries
# The fused 4-bit kernels' CPU tests run Triton's interpreter, which must be chosen before anything
# imports triton (torch may). `make gpu-test` sets TRITON_INTERPRET=0 to compile for the GPU.
os.environ.setdefault("TRITON_INTERPRET", "1")

import pytest

from mistral_eval.model.checkpoints import build_random_mistral
from mistral_eval.model.loading import load_model


@pytest.fixture(scope="session")
def cache_dir(tmp_path_factory):
    path = os.environ.get("MISTRAL_EVAL_CACHE")
    return path or str(tmp_path_factory.mktemp("cache"))


@pytest.fixture(scope="session")
def tiny_dir(tmp_path_factory):
    return str(build_random_mistral(tmp_path_factory.mktemp("tiny") / "tiny-mistral", "tiny"))


@pytest.fixture(scope="session")
def tiny(tiny_dir):
    """The tiny Mistral in fp32 on the CPU, loaded through the public loader."""
    return load_model(tiny_dir, "fp32")


@pytest.fixture(scope="session")
def offline():
    """The offline default model (SmolLM2-135M-Instruct) in fp32 on the CPU."""
    return load_model("smollm2-135m-instruct", "fp32")


def pytest_terminal_summary(terminalreporter):
    """The labelled answers' confusion matrices (tests/checks/test_labelled_dev_holdout.py), in CI logs."""
    import sys

    module = sys.modules.get("tests.checks.test_labelled_dev_holdout") or sys.modules.get("test_labelled_dev_holdout")
    for table in (getattr(module, "TABLES", {}) or {}).values():
        terminalreporter.write_line("")
        for line in table.splitlines():
            terminalreporter.write_line(line)
