"""Compiling ahead (mistral_eval.engine.warmup): the warm-up launches exactly the kernel variants a
real forward of the same shape launches, so its compiles are the run's cache hits. Both run under
Triton's interpreter on the CPU (a real MistralForCausalLM with bitsandbytes 4-bit layers inside
the engine's three swaps); every launch is recorded with what Triton's JIT keys a compile on for
a CUDA launch (its own specialization of each argument, the constexprs, the options)."""

from __future__ import annotations

import hashlib
import inspect

import bitsandbytes as bnb
import pytest
import torch
from transformers import MistralConfig, MistralForCausalLM

from mistral_eval.engine import fused_ops, warmup
from mistral_eval.engine.nf4 import kernels as nf4_kernels
from mistral_eval.engine.nf4.groups import grouped_projections

CONFIG = dict(hidden_size=192, intermediate_size=128, num_attention_heads=4, num_key_value_heads=2,
              head_dim=48, num_hidden_layers=1, vocab_size=64)


def _specialize():
    """Triton's own specialization of one runtime argument, as its JIT computes it for a CUDA
    sm_90 launch: (type, attribute), e.g. ('*bf16', 'D') for a 16-byte aligned pointer,
    ('constexpr', 1) for an int equal to 1, ('i32', 'D') for a multiple of 16."""
    from triton._C.libtriton import native_specialize_impl
    from triton.backends.compiler import GPUTarget
    from triton.compiler.compiler import make_backend

    backend = make_backend(GPUTarget("cuda", 90, 32))
    return lambda value, specialize: native_specialize_impl(backend, value, False, specialize, True)


def _variant(kernel, args: tuple, kwargs: dict, specialize) -> tuple:
    """What a compiled launch is keyed on: each constexpr's value, each runtime argument's
    specialization (Triton's own; do_not_specialize honoured), the options (warps, stages, fp
    fusion)."""
    params = list(inspect.signature(kernel.fn).parameters.values())
    names = [p.name for p in params]
    bound = {**dict(zip(names, args)), **{k: v for k, v in kwargs.items() if k in names}}
    unspecialized = set(kernel.kwargs.get("do_not_specialize") or ())
    parts = []
    for p in params:
        value = bound[p.name]
        if "constexpr" in str(p.annotation):
            parts.append((p.name, hashlib.sha1(value.encode()).hexdigest()[:8]
                          if isinstance(value, str) else value))
        else:
            parts.append((p.name, *specialize(value, p.name not in unspecialized)))
    options = tuple(sorted((k, v) for k, v in kwargs.items() if k not in names))
    return kernel.fn.__name__, tuple(parts), options


@pytest.fixture
def launched(monkeypatch):
    """Every kernel variant launched inside the `with`, as a set."""
    from triton.runtime.interpreter import InterpretedFunction

    seen: set = set()
    run = InterpretedFunction.run
    specialize = _specialize()

    def recording(self, *args, grid, warmup, **kwargs):
        seen.add(_variant(self, args, kwargs, specialize))
        return run(self, *args, grid=grid, warmup=warmup, **kwargs)

    monkeypatch.setattr(InterpretedFunction, "run", recording)
    monkeypatch.setenv(nf4_kernels.OPT_IN_ENV, "1")
    monkeypatch.setenv(fused_ops.OPT_IN_ENV, "1")
    return seen


def _model() -> MistralForCausalLM:
    """One decoder layer at CONFIG's shape, its projections bitsandbytes NF4 (double quantization)."""
    torch.manual_seed(0)
    model = MistralForCausalLM(MistralConfig(**CONFIG)).to(torch.bfloat16).eval()
    for parent in model.modules():
        for name, child in list(parent.named_children()):
            if isinstance(child, torch.nn.Linear) and name != "lm_head":
                layer = bnb.nn.Linear4bit(child.in_features, child.out_features, bias=False,
                                          compute_dtype=torch.bfloat16, quant_type="nf4")
                layer.weight = bnb.nn.Params4bit(child.weight.data.float(), requires_grad=False,
                                                 quant_type="nf4", compress_statistics=True,
                                                 blocksize=64)
                layer.weight._quantize("cpu")
                setattr(parent, name, layer)
    return model


def _engine_forwards(model, batches: list[tuple[int, int]]) -> None:
    """Forwards under the engine's swaps (fused 4-bit, fused ops, groups) at (batch, tokens)."""
    with (torch.no_grad(), nf4_kernels.fused_4bit(model), fused_ops.fused_step(model),
          grouped_projections(model)):
        for batch, tokens in batches:
            ids = torch.randint(0, CONFIG["vocab_size"], (batch, tokens))
            positions = torch.arange(tokens).expand(batch, tokens)
            model(input_ids=ids, position_ids=positions, use_cache=False)


def _shape() -> warmup.ModelShape:
    shape = warmup.ModelShape.from_config(MistralConfig(**CONFIG), torch.bfloat16, "nf4")
    assert shape is not None
    return shape


def test_warmup_launches_what_the_engine_launches(launched):
    # decode steps of one row and of each row bucket (16, 32, 64), and a prefill over 64 rows
    _engine_forwards(_model(), [(1, 1), (2, 1), (17, 1), (33, 1), (2, 40)])
    engine = set(launched)
    launched.clear()
    warmup.run_part(_shape(), "cpu", 0, 1)
    assert engine, "no kernel ran: the swaps did not take the model"
    assert launched == engine, (f"only the warm-up: {sorted(launched - engine)}\n"
                                f"only the engine: {sorted(engine - launched)}")


def test_parts_share_the_launches_without_overlap(monkeypatch):
    monkeypatch.setenv(nf4_kernels.OPT_IN_ENV, "1")
    monkeypatch.setenv(fused_ops.OPT_IN_ENV, "1")
    names = [launch.name for launch in warmup.launches(_shape(), "cpu")]
    assert len(names) == len(set(names)) and names[:3] == ["rms_norm", "silu_mul", "rotary"]
    assert "qkv group 64 rows" in names and "down 1 rows" in names


def test_no_fused_matmuls_no_matmul_launches(monkeypatch):
    monkeypatch.setenv(nf4_kernels.OPT_IN_ENV, "0")
    monkeypatch.setenv(fused_ops.OPT_IN_ENV, "0")
    assert warmup.launches(_shape(), "cpu") == []


def test_off_on_the_cpu_and_when_switched_off(monkeypatch):
    assert warmup.start(_shape(), "cpu") is None
    monkeypatch.setenv(warmup.WARMUP_ENV, "0")
    assert warmup.switch_off()
    assert warmup.start(_shape(), "cuda") is None


def test_worker_process_leaves_its_report_beside_the_cache(monkeypatch, tmp_path):
    import json
    import os
    import subprocess
    import sys
    import time
    from dataclasses import asdict

    env = {**os.environ, "TRITON_CACHE_DIR": str(tmp_path), nf4_kernels.OPT_IN_ENV: "0",
           fused_ops.OPT_IN_ENV: "1"}
    done = subprocess.run([sys.executable, "-m", "mistral_eval.engine.warmup",
                           json.dumps(asdict(_shape())), "cpu", "1", "2", "abc", repr(time.time())],
                          env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    report = json.loads((tmp_path / "mistral_eval_warmup" / "abc.part1of2.json").read_text())
    assert [row["name"] for row in report["launches"]] == ["silu_mul"]  # part 1 of rms, silu, rotary
    assert report["launches"][0]["error"] is None and report["since_spawn_s"] > 0


def test_mistral_7b_plan_under_the_defaults(monkeypatch):
    """What the workers compile for Mistral-7B under auto: the three fused ops, the groups and o /
    down at 16-64 rows (FASTER), and at one row only k/v's GEMV (one variant for both)."""
    for name in (nf4_kernels.OPT_IN_ENV, fused_ops.OPT_IN_ENV):
        monkeypatch.delenv(name, raising=False)
    shape = warmup.ModelShape(hidden=4096, intermediate=14336, heads=32, kv_heads=8, head_dim=128,
                              dtype="bfloat16")
    names = [launch.name for launch in warmup.launches(shape, "cpu")]
    per_bucket = ["qkv group {} rows", "gate_up group {} rows", "o {} rows", "down {} rows"]
    assert names == ["rms_norm", "silu_mul", "rotary",
                     *(n.format(rows) for rows in (64, 16, 32) for n in per_bucket), "k 1 rows"]
