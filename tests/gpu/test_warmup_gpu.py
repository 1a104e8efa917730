"""Compiling ahead on the card (mistral_eval.engine.warmup): after the warm-up's launches for a
model's shape, a fresh process's engine compiles nothing -- every kernel it launches (decode steps
of 1, 2, 17 and 33 rows, their prefills, the graph captures) is a hit in Triton's on-disk cache,
so no new cache entry appears. Both steps run in fresh processes over one empty TRITON_CACHE_DIR."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
import torch

from mistral_eval.model.checkpoints import build_random_mistral

pytestmark = pytest.mark.gpu

WARMUP = textwrap.dedent("""
    import sys, torch
    from transformers import AutoConfig
    from mistral_eval.engine import warmup
    shape = warmup.ModelShape.from_config(AutoConfig.from_pretrained(sys.argv[1]), torch.bfloat16, "nf4")
    report = warmup.run_part(shape, "cuda", 0, 1)
    errors = [row for row in report["launches"] if row["error"]]
    assert report["launches"] and not errors, report
""")

ENGINE = textwrap.dedent("""
    import sys, torch
    from mistral_eval.core.settings import GenerationSettings
    from mistral_eval.engine.decode import engine_for, generate_ids
    from mistral_eval.model.loading import load_model
    lm = load_model(sys.argv[1], "nf4")
    assert engine_for(lm.model).matmul == "triton-nf4" and engine_for(lm.model).fused_ops
    settings = GenerationSettings(max_new_tokens=12, min_new_tokens=12)
    for batch in (1, 2, 17, 33):
        generate_ids(lm.model, [[1, 415, 2936, 9060, 285, 1142] * 3] * batch, settings,
                     pad_id=0, eos_ids=[2])
    torch.cuda.synchronize()
""")


def _entries(cache: Path) -> set[str]:
    """Triton's cache entries (one folder per compiled kernel or launcher), warm-up markers aside."""
    return {p.name for p in cache.iterdir() if p.is_dir() and p.name != "mistral_eval_warmup"}


def _run(script: str, model: Path, env: dict) -> None:
    done = subprocess.run([sys.executable, "-c", script, str(model)], env=env, capture_output=True,
                          text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]


def test_engine_after_the_warmup_compiles_nothing(tmp_path):
    if not torch.cuda.is_available() or torch.cuda.get_device_capability() < (8, 0):
        pytest.skip("needs a CUDA GPU of compute capability 8.0+")
    model = build_random_mistral(tmp_path / "small", "small", dtype=torch.bfloat16, device="cuda")
    cache = tmp_path / "cache"
    cache.mkdir()
    # the small shape is not in the measured tables: force the fused kernels and ops (=1)
    env = {**os.environ, "TRITON_CACHE_DIR": str(cache), "TRITON_INTERPRET": "0",
           "MISTRAL_EVAL_NF4_KERNELS": "1", "MISTRAL_EVAL_FUSED_OPS": "1",
           "MISTRAL_EVAL_WARMUP": "0"}  # the engine process starts no workers of its own
    _run(WARMUP, model, env)
    warmed = _entries(cache)
    assert warmed, "the warm-up compiled nothing"
    _run(ENGINE, model, env)
    assert _entries(cache) == warmed, f"compiled by the engine: {sorted(_entries(cache) - warmed)}"
