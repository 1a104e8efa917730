"""Fixtures for the GPU machine: the full Mistral-7B shape, random weights, built once a session.

Set MISTRAL_EVAL_7B_DIR to build it in (or reuse it from) a fixed directory, e.g. so that the
benchmark run after the tests does not build it again.
"""

from __future__ import annotations

import os

import pytest
import torch

from mistral_eval.model.checkpoints import build_random_mistral
from mistral_eval.model.loading import load_model


@pytest.fixture(scope="session")
def full_size_dir(tmp_path_factory):
    if not torch.cuda.is_available():
        pytest.skip("needs a CUDA GPU (run on the GPU machine: pytest -m gpu tests/gpu)")
    if os.environ.get("TRITON_INTERPRET") == "1":
        pytest.skip("the GPU tests run compiled kernels: pytest -m gpu tests/gpu (or TRITON_INTERPRET=0)")
    out = (os.environ.get("MISTRAL_EVAL_7B_DIR")
           or tmp_path_factory.mktemp("7b") / "mistral-7b-random")
    return str(build_random_mistral(out, "7b", dtype=torch.bfloat16, device="cuda"))


@pytest.fixture(scope="session")
def nf4(full_size_dir):
    """The full-size model through mistral_eval's loader in NF4 (double quant, bf16 compute);
    `nf4.allocated_at_load`: the GPU memory allocated right after loading (later tests' models and
    caches must not count against the model's footprint)."""
    lm = load_model(full_size_dir, "nf4")
    torch.cuda.synchronize()
    lm.allocated_at_load = torch.cuda.memory_allocated()
    return lm
