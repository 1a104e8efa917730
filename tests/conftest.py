"""Shared fixtures (run offline): tiny random-weight Mistral checkpoints around the real v0.1 tokenizer, and
the offline default model, each built once per test session."""

from __future__ import annotations

import os
import re

os.environ.setdefault("HF_HUB_OFFLINE", "1")  # no hub is reachable here; fail fast, not after retries

import pytest

from mistral_eval.model.checkpoints import build_random_mistral
from mistral_eval.model.loading import load_model


def pytest_configure(config):
    """Triton's interpreter for the CPU tests, compiled kernels for the GPU ones. It must be chosen
    before anything imports triton (transformers' Mistral module does; nothing above does): unless
    TRITON_INTERPRET is set, a run that selects the gpu marker (`-m gpu`) on a machine with CUDA
    compiles (the GPU tests would otherwise run the interpreter on CUDA tensors: issue 18's hang),
    every other run interprets."""
    if "TRITON_INTERPRET" in os.environ:
        return
    gpu = re.search(r"(?<!not )\bgpu\b", config.getoption("markexpr") or "")
    if gpu:
        import torch

        gpu = torch.cuda.is_available()
    os.environ["TRITON_INTERPRET"] = "0" if gpu else "1"


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


CHROMIUM = "/usr/bin/chromium"
"""Debian's Chromium, which the browser tests drive through Playwright (its own download is not used)."""


@pytest.fixture(scope="module")  # per module: Playwright's loop must not outlive the browser tests
def browser():
    if not os.access(CHROMIUM, os.X_OK):
        pytest.fail(f"{CHROMIUM} is missing: `make test` installs it as root (apt-get install -y chromium); "
                    "Playwright's own browser download is not used.", pytrace=False)
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        pytest.fail("Playwright is missing: pip install -e '.[test]' (its browser download is not "
                    "needed; the tests drive /usr/bin/chromium).", pytrace=False)
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, headless=True,
                                              args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"])
        yield launched
        launched.close()
