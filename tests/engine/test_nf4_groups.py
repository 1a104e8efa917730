"""Projections of one input in one launch (mistral_eval.engine.nf4.groups), through Triton's interpreter
on the CPU with real bitsandbytes 4-bit layers and transformers' own MistralMLP."""

from __future__ import annotations

import bitsandbytes as bnb
import torch
from transformers import MistralConfig
from transformers.models.mistral.modeling_mistral import MistralMLP

from mistral_eval.engine.nf4 import kernels as nf4_kernels
from mistral_eval.engine.nf4.groups import grouped_projections
from mistral_eval.engine.nf4.kernels import OPT_IN_ENV, fused_4bit


def _linear4(in_features: int, out_features: int, seed: int) -> bnb.nn.Linear4bit:
    torch.manual_seed(seed)
    layer = bnb.nn.Linear4bit(in_features, out_features, bias=False, compute_dtype=torch.bfloat16,
                              quant_type="nf4", compress_statistics=True)
    layer.weight = bnb.nn.Params4bit(torch.randn(out_features, in_features) * 0.05,
                                     requires_grad=False, quant_type="nf4",
                                     compress_statistics=True, blocksize=64)
    layer.weight._quantize("cpu")
    return layer


class _Attention(torch.nn.Module):
    """What the group relies on: q, k and v called on the same tensor."""

    def __init__(self):
        super().__init__()
        self.q_proj, self.k_proj, self.v_proj = (_linear4(192, 64, 1), _linear4(192, 16, 2),
                                                 _linear4(192, 16, 3))

    def forward(self, x, other=None):
        return torch.cat([self.q_proj(x), self.k_proj(x if other is None else other),
                          self.v_proj(x)], -1)


def _error(got, want) -> float:
    return float((got.float() - want.float()).norm() / want.float().norm())


def test_qkv_in_one_launch_equals_three(monkeypatch):
    monkeypatch.setenv(OPT_IN_ENV, "1")
    model = _Attention()
    x = torch.randn(3, 192, dtype=torch.bfloat16)
    other = torch.randn(3, 192, dtype=torch.bfloat16)
    with torch.no_grad(), fused_4bit(model):
        alone = model(x)
        crossed = model(x, other)  # k on another tensor: its own forward
        fused_k = model.k_proj.__dict__["forward"]
        with grouped_projections(model) as groups:
            assert groups == 1 and model.k_proj.__dict__["forward"] is not fused_k
            grouped = model(x)
            grouped_crossed = model(x, other)
        assert model.k_proj.__dict__["forward"] is fused_k  # fused_4bit's again
    assert "forward" not in model.q_proj.__dict__
    assert _error(grouped, alone) < 1e-2 and _error(grouped_crossed, crossed) < 1e-2
    assert _error(grouped_crossed[:, 64:80], grouped[:, 64:80]) > 0.5  # k really from `other`


def test_mistral_mlp_gate_up_silu_in_one_launch(monkeypatch):
    monkeypatch.setenv(OPT_IN_ENV, "1")
    mlp = MistralMLP(MistralConfig(hidden_size=192, intermediate_size=128))
    mlp.gate_proj, mlp.up_proj, mlp.down_proj = (_linear4(192, 128, 4), _linear4(192, 128, 5),
                                                 _linear4(128, 192, 6))
    x = torch.randn(2, 3, 192, dtype=torch.bfloat16)
    with torch.no_grad(), fused_4bit(mlp):
        want = mlp(x)
        with grouped_projections(mlp) as groups:
            got = mlp(x)
    assert groups == 1 and "forward" not in mlp.__dict__
    assert got.shape == want.shape == (2, 3, 192)
    assert _error(got, want) < 1.6e-2


def test_no_groups_when_disabled_or_rows_go_to_bitsandbytes(monkeypatch):
    monkeypatch.setenv(OPT_IN_ENV, "0")
    model = _Attention()
    x = torch.randn(2, 192, dtype=torch.bfloat16)
    with torch.no_grad(), grouped_projections(model, enabled=False) as groups:
        assert groups == 0
    with torch.no_grad(), grouped_projections(model) as groups:
        assert groups == 1
        got = model(x)  # MISTRAL_EVAL_NF4_KERNELS=0: bitsandbytes' forwards, no group
    with torch.no_grad():
        assert torch.equal(got, model(x))
    assert not nf4_kernels.uses_fused(2, 64, 192)
