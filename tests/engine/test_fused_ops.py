"""The fused RMSNorm, SiLU * up and rotary kernels against transformers' own Mistral code, and
swapping them into a model with fused_step. On the CPU under the Triton interpreter; on the GPU
machine `TRITON_INTERPRET=0 pytest tests/test_fused_ops.py` runs the same tests compiled, on CUDA.
"""

from __future__ import annotations

import copy
import os

import pytest
import torch

from mistral_eval.core.errors import ConfigError
from mistral_eval.engine import fused_ops

mm = pytest.importorskip("transformers.models.mistral.modeling_mistral")
pytestmark = pytest.mark.skipif(fused_ops.triton is None, reason="needs triton (the test extra)")

DTYPES = [torch.bfloat16, torch.float16]
_COMPILED = os.environ.get("TRITON_INTERPRET") != "1" and torch.cuda.is_available()
DEVICE = "cuda" if _COMPILED else "cpu"


def _ulps(a: torch.Tensor, b: torch.Tensor) -> int:
    """Largest distance between a and b in units in the last place of their 16-bit dtype."""
    assert a.dtype == b.dtype and a.shape == b.shape

    def ordered(t):  # sign-magnitude bits -> integers that count representable values
        bits = t.view(torch.int16).int()
        return torch.where(bits < 0, -(bits & 0x7FFF), bits)

    return int((ordered(a) - ordered(b)).abs().max())


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("hidden", [48, 72])
def test_rms_norm_matches_mistral_rms_norm(dtype, hidden):
    torch.manual_seed(hidden)
    norm = mm.MistralRMSNorm(hidden, eps=1e-5).to(DEVICE)
    norm.weight.data = (1 + 0.5 * torch.randn(hidden)).to(DEVICE, dtype)
    x = (3 * torch.randn(2, 3, hidden)).to(DEVICE, dtype)
    out = fused_ops.rms_norm(x, norm.weight, norm.variance_epsilon)
    assert out.shape == x.shape and out.dtype == dtype
    assert _ulps(out, norm(x)) <= 1


def test_rms_norm_with_an_fp32_weight_has_torch_dtype():
    norm = mm.MistralRMSNorm(48, eps=1e-6).to(DEVICE)
    norm.weight.data = 1 + torch.randn(48, device=DEVICE)
    x = torch.randn(3, 48).to(DEVICE, torch.bfloat16)
    out = fused_ops.rms_norm(x, norm.weight, norm.variance_epsilon)
    assert out.dtype == torch.float32
    # bf16 (x * rsqrt) times an fp32 weight: off by at most one bf16 ulp of the normed value
    torch.testing.assert_close(out, norm(x), rtol=2 ** -7, atol=0)


@pytest.mark.parametrize("dtype", DTYPES)
def test_silu_mul_matches_act_fn_times_up(dtype):
    from transformers.activations import ACT2FN

    torch.manual_seed(0)
    gate, up = ((scale * torch.randn(3, 5, 72)).to(DEVICE, dtype) for scale in (4, 2))
    out = fused_ops.silu_mul(gate, up)
    assert out.shape == gate.shape and out.dtype == dtype
    assert _ulps(out, ACT2FN["silu"](gate) * up) <= 1


def _qkcs(dtype, batch, q_heads, k_heads, seq, dim):
    q = torch.randn(batch, seq, q_heads, dim).transpose(1, 2)  # as the attention views it
    k = torch.randn(batch, seq, k_heads, dim).transpose(1, 2)
    angles = torch.rand(batch, seq, dim // 2) * 6
    angles = torch.cat([angles, angles], -1)
    return tuple(t.to(DEVICE, dtype) for t in (q, k, angles.cos(), angles.sin()))


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("shape", [(2, 4, 2, 3, 16), (1, 6, 3, 1, 32)])
def test_rotary_matches_apply_rotary_pos_emb(dtype, shape):
    torch.manual_seed(1)
    q, k, cos, sin = _qkcs(dtype, *shape)
    q_out, k_out = fused_ops.rotary(q, k, cos, sin)
    q_ref, k_ref = mm.apply_rotary_pos_emb(q, k, cos, sin)
    for out, ref in ((q_out, q_ref), (k_out, k_ref)):  # same layout (size-1 dims aside)
        assert out.shape == ref.shape
        assert [st for st, n in zip(out.stride(), out.shape) if n > 1] == \
            [st for st, n in zip(ref.stride(), ref.shape) if n > 1]
    assert _ulps(q_out, q_ref) <= 1 and _ulps(k_out, k_ref) <= 1


def _bf16_copy(tiny) -> torch.nn.Module:
    return copy.deepcopy(tiny.model).to(DEVICE, torch.bfloat16).eval()


def _logits(model, ids):
    with torch.no_grad():
        return model(input_ids=ids).logits.float()


def test_fused_step_runs_the_kernels_and_agrees_with_transformers(tiny, monkeypatch):
    monkeypatch.setenv(fused_ops.OPT_IN_ENV, "1")  # the tiny shapes are not in VERIFIED
    model = _bf16_copy(tiny)
    ids = torch.tensor([[1, 415, 2936, 9060, 285, 1142, 28705]], device=DEVICE)
    plain = _logits(model, ids)
    calls = {"rms_norm": 0, "silu_mul": 0, "rotary": 0}
    def counting(name):
        op = getattr(fused_ops, name)

        def counted(*args):
            calls[name] += 1
            return op(*args)
        return counted

    for name in calls:
        monkeypatch.setattr(fused_ops, name, counting(name))
    with fused_ops.fused_step(model) as swapped:
        fused = _logits(model, ids)
    layers = model.config.num_hidden_layers
    assert swapped == 3 * layers + 1  # two norms and the MLP per layer, the final norm
    assert calls == {"rms_norm": 2 * layers + 1, "silu_mul": layers, "rotary": layers}
    # two bf16 layers: each op within an ulp, so logits within a few bf16 ulps of their scale
    scale = plain.abs().max()
    assert (fused - plain).abs().max() <= 2 ** -6 * scale
    assert torch.equal(_logits(model, ids), plain)  # restored: transformers' ops again


def test_fused_step_restores_forwards_after_an_exception(tiny, monkeypatch):
    monkeypatch.setenv(fused_ops.OPT_IN_ENV, "1")
    model = _bf16_copy(tiny)
    modules = [m for m in model.modules() if isinstance(m, (mm.MistralRMSNorm, mm.MistralMLP))]
    rotary_before = mm.apply_rotary_pos_emb
    with pytest.raises(RuntimeError, match="boom"):
        with fused_ops.fused_step(model) as swapped:
            assert swapped == len(modules) and mm.apply_rotary_pos_emb is not rotary_before
            raise RuntimeError("boom")
    assert mm.apply_rotary_pos_emb is rotary_before
    assert all("forward" not in m.__dict__ for m in modules)


def test_fused_step_disabled_and_fp32_take_the_originals(tiny):
    model = tiny.model  # fp32: every op falls back to transformers' own
    ids = torch.tensor([[1, 415, 2936]], device=model.device)
    plain = _logits(model, ids)
    with fused_ops.fused_step(model, enabled=False) as swapped:
        assert swapped == 0 and "forward" not in model.model.norm.__dict__
    with fused_ops.fused_step(model):
        assert torch.equal(_logits(model, ids), plain)


def test_use_fused_ops_on_cuda_by_default_and_reads_the_variable(tiny, monkeypatch):
    on_cuda = tiny.model.device.type == "cuda"  # the GPU run: tiny loads onto the card
    monkeypatch.delenv(fused_ops.OPT_IN_ENV, raising=False)
    assert fused_ops.use_fused_ops(tiny.model) is on_cuda  # the default: auto
    for value, expected in (("0", False), ("1", on_cuda), (" AUTO ", on_cuda), ("", on_cuda)):
        monkeypatch.setenv(fused_ops.OPT_IN_ENV, value)
        assert fused_ops.use_fused_ops(tiny.model) is expected, value
    monkeypatch.setenv(fused_ops.OPT_IN_ENV, "yes")
    with pytest.raises(ConfigError, match=fused_ops.OPT_IN_ENV):
        fused_ops.use_fused_ops(tiny.model)


def test_engine_generates_the_same_ids_inside_fused_step(tiny, monkeypatch):
    from mistral_eval.core.settings import GenerationSettings
    from mistral_eval.engine.decode import Engine

    monkeypatch.setenv(fused_ops.OPT_IN_ENV, "1")
    model = _bf16_copy(tiny)
    rows, settings = [[1, 415, 2936, 9060], [1, 285]], GenerationSettings(max_new_tokens=10)
    engine = Engine(model)  # on CUDA: captures the decode step in a graph (10 > 8 new tokens)
    assert engine.fused_ops is (DEVICE == "cuda")  # the CPU: decided off, forced on below
    engine.fused_ops = False
    plain = engine.generate(rows, settings, pad_id=0, eos_ids=[2])
    engine.release()
    engine.fused_ops = True
    assert engine.generate(rows, settings, pad_id=0, eos_ids=[2]) == plain
    assert "forward" not in model.model.norm.__dict__


def _counting(monkeypatch) -> dict:
    calls = {"rms_norm": 0, "silu_mul": 0, "rotary": 0}
    for name in calls:
        op = getattr(fused_ops, name)

        def counted(*args, _op=op, _name=name):
            calls[_name] += 1
            return _op(*args)
        monkeypatch.setattr(fused_ops, name, counted)
    return calls


def test_auto_runs_only_verified_shapes_and_warns_once(tiny, monkeypatch):
    monkeypatch.delenv(fused_ops.OPT_IN_ENV, raising=False)  # auto
    monkeypatch.setattr(fused_ops, "_WARNED", set())
    model = _bf16_copy(tiny)
    ids = torch.tensor([[1, 415, 2936]], device=DEVICE)
    plain = _logits(model, ids)
    calls = _counting(monkeypatch)
    with pytest.warns(UserWarning, match="not in the verified set") as caught:
        with fused_ops.fused_step(model):
            assert torch.equal(_logits(model, ids), plain)  # transformers' ops, bit for bit
            _logits(model, ids)
    assert calls == {"rms_norm": 0, "silu_mul": 0, "rotary": 0}
    assert len(caught) == 3  # one line per op and shape, not one per call
    # the tiny shapes made verified: the kernels run under auto
    hidden, inter = model.config.hidden_size, model.config.intermediate_size
    attn = model.config.num_attention_heads, model.config.num_key_value_heads, model.config.head_dim
    monkeypatch.setattr(fused_ops, "VERIFIED", {
        "rms_norm": {(hidden, torch.bfloat16)}, "silu_mul": {(inter, torch.bfloat16)},
        "rotary": {(*attn, torch.bfloat16)}})
    with fused_ops.fused_step(model):
        _logits(model, ids)
    layers = model.config.num_hidden_layers
    assert calls == {"rms_norm": 2 * layers + 1, "silu_mul": layers, "rotary": layers}


def test_a_kernel_that_fails_falls_back_with_one_warning(tiny, monkeypatch):
    monkeypatch.setenv(fused_ops.OPT_IN_ENV, "1")
    monkeypatch.setattr(fused_ops, "_WARNED", set())
    monkeypatch.setattr(fused_ops, "_BROKEN", set())
    model = _bf16_copy(tiny)
    ids = torch.tensor([[1, 415, 2936]], device=DEVICE)
    plain = _logits(model, ids)
    failures = []

    def failing(*args):  # what a compile failure raises through the launch
        failures.append(1)
        raise RuntimeError("PassManager::run failed")

    monkeypatch.setattr(fused_ops, "rms_norm", failing)
    with pytest.warns(UserWarning, match="rms_norm .* failed .*PassManager") as caught:
        with fused_ops.fused_step(model):
            first = _logits(model, ids)
            _logits(model, ids)
    assert len([w for w in caught if "failed" in str(w.message)]) == 1
    assert len(failures) == 1  # the shape stays on transformers' op after the first failure
    scale = plain.abs().max()
    assert (first - plain).abs().max() <= 2 ** -6 * scale  # rotary and SiLU still fused, norms not


def test_kernels_run_where_triton_runs_them():
    x = torch.zeros(2, dtype=torch.bfloat16)
    assert fused_ops._on_kernel_device(x) is fused_ops._INTERPRET  # the CPU: interpreted only
    assert not fused_ops._on_kernel_device(x.float())
