"""Position bugs the random-weight equivalence grid cannot see (issue 18).

RoPE makes attention depend on RELATIVE positions, and random weights make it nearly uniform, so
the grid of tests/gpu/test_equivalence.py passes a one-position shift (x1.02: a shift of every
position is invisible to RoPE by construction). What a real bug shifts is one side: the decode
steps' positions against the cached prompt's keys. This module builds a tiny Mistral whose
attention is position-sensitive by construction (q and k scaled up: sharp attention; a small RoPE
base: fast rotation), runs the engine on it and compares its logits with transformers' forward,
teacher-forced, under the equivalence test's rule (x3 the reference's bf16-vs-fp32 spread in max
|dlogit|, x9 in mean KL). The real engine must pass; the engine with its decode positions planted
one ahead must fail. On the CPU (eager steps) and, marked gpu, on the GPU (CUDA-graph prefill and
decode replay).
"""

from __future__ import annotations

import copy
import sys
from pathlib import Path

import pytest
import torch

from mistral_eval.core.settings import GenerationSettings
from mistral_eval.engine.decode import Engine

sys.path.insert(0, str(Path(__file__).resolve().parent))  # tests/ holds no package
from test_equivalence import _engine_logits, _reference, _verdict  # noqa: E402

SHARPEN = 10.0  # q and k weights x10: attention scores x100, so a few keys win
ROPE_BASE = 50.0
LENGTHS = [37, 9, 20]  # one left-padded batch
NEW = 12  # more than 8: the decode step is captured and replayed on CUDA


def position_model(device: str, dtype: torch.dtype = torch.bfloat16):
    """A tiny random Mistral made position-sensitive: sharp attention over fast-rotating keys."""
    from transformers import MistralConfig, MistralForCausalLM

    config = MistralConfig(vocab_size=512, hidden_size=64, intermediate_size=128, num_hidden_layers=2,
                           num_attention_heads=4, num_key_value_heads=2, max_position_embeddings=512,
                           rope_theta=ROPE_BASE, bos_token_id=1, eos_token_id=2, pad_token_id=0)
    torch.manual_seed(18)
    model = MistralForCausalLM(config)
    with torch.no_grad():
        for layer in model.model.layers:
            layer.self_attn.q_proj.weight.mul_(SHARPEN)
            layer.self_attn.k_proj.weight.mul_(SHARPEN)
        model.lm_head.weight.mul_(8.0)
    return model.to(device=device, dtype=dtype).eval()


def _rows() -> list[list[int]]:
    g = torch.Generator().manual_seed(7)
    return [[1] + torch.randint(3, 512, (n - 1,), generator=g).tolist() for n in LENGTHS]


def _plant_decode_shift(engine: Engine) -> None:
    """The planted bug: after each prefill, the decode steps' positions one ahead of the prompt's."""
    prefill = engine._prefill

    def shifted(*args):
        prefill(*args)
        engine._current_buffers.positions += 1

    engine._prefill = shifted


def _case(model, ref32, planted: bool) -> dict:
    engine = Engine(model)
    if planted:
        _plant_decode_shift(engine)
    rows = _rows()
    settings = GenerationSettings(max_new_tokens=NEW, min_new_tokens=NEW, seed=7)
    got, out = _engine_logits(engine, rows, settings)
    seqs = [r + o[:NEW - 1] for r, o in zip(rows, out)]
    name = f"position {'planted shift' if planted else 'engine'} on {model.device.type}"
    verdict = _verdict(name, got, _reference(model, seqs, NEW), _reference(ref32, seqs, NEW))
    engine.release()
    return verdict


def _check(device: str) -> None:
    model = position_model(device)
    ref32 = copy.deepcopy(model).float()
    real, planted = _case(model, ref32, False), _case(model, ref32, True)
    assert real["ok"], real
    assert not planted["ok"], planted  # the rule has the power to see a one-position shift here


def test_a_one_position_shift_fails_and_the_engine_passes_on_the_cpu():
    _check("cpu")


@pytest.mark.gpu
def test_a_one_position_shift_fails_and_the_engine_passes_on_the_gpu():
    if not torch.cuda.is_available():
        pytest.skip("needs a CUDA GPU (run on the GPU machine: pytest -m gpu tests/gpu)")
    _check("cuda")
