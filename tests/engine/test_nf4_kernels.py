"""The fused 4-bit kernels' arithmetic on the CPU, through Triton's interpreter: dequantized values
bit-identical to bitsandbytes' own dequantize_4bit, matmuls within bf16/fp16 rounding of
dequantize + matmul, and the Linear4bit forward swap. Small tensors: the interpreter is slow."""

from __future__ import annotations

import os

os.environ.setdefault("TRITON_INTERPRET", "1")  # before triton is imported anywhere

import bitsandbytes as bnb  # noqa: E402
import bitsandbytes.functional as bnbf  # noqa: E402
import pytest
import torch
import triton  # noqa: E402,F401  (the test extra installs it on Linux)

from mistral_eval.core.errors import ConfigError  # noqa: E402
from mistral_eval.engine.nf4 import kernels as nf4_kernels  # noqa: E402
from mistral_eval.engine.nf4.kernels import (  # noqa: E402
    MAX_ROWS,
    OPT_IN_ENV,
    Config,
    default_config,
    dequantize,
    fused_4bit,
    matmul_4bit,
    matmul_path,
    packed_weight,
    uses_fused,
)

if not nf4_kernels._INTERPRET:  # a silent skip would hide the kernels' arithmetic: fail instead
    raise RuntimeError("TRITON_INTERPRET=1 must be set before triton is imported (tests/conftest.py "
                       "sets it); these tests run the kernels through Triton's interpreter on the CPU.")
SHAPES = [(48, 192), (7, 65), (33, 128)]  # odd element counts, blocks across rows, partial blocks


def _quantized(shape, quant_type="nf4", nested=True, dtype=torch.bfloat16, seed=0):
    torch.manual_seed(seed)
    weight = torch.randn(*shape, dtype=dtype) * 0.05
    packed, state = bnbf.quantize_4bit(weight, blocksize=64, quant_type=quant_type,
                                       compress_statistics=nested)
    return packed, state


@pytest.mark.parametrize("quant_type", ["nf4", "fp4"])
@pytest.mark.parametrize("nested", [True, False])
@pytest.mark.parametrize("dtype", [torch.bfloat16, torch.float16])
def test_dequantize_is_bit_identical_to_bitsandbytes(quant_type, nested, dtype):
    for shape in SHAPES:
        packed, state = _quantized(shape, quant_type, nested, dtype)
        expected = bnbf.dequantize_4bit(packed, state)
        got = dequantize(packed_weight(packed, state), dtype)
        assert got.shape == expected.shape
        assert torch.equal(got.view(torch.int16), expected.view(torch.int16)), shape


def _reference(x, packed, state):
    """dequantize_4bit then a float32 matmul: the function the kernels compute."""
    weight = bnbf.dequantize_4bit(packed, state).float()
    return x.float() @ weight.T


@pytest.mark.parametrize("dtype,tolerance", [(torch.bfloat16, 8e-3), (torch.float16, 1e-3)])
@pytest.mark.parametrize("rows", [1, 3, 17])
def test_matmul_matches_dequantize_then_matmul(dtype, tolerance, rows):
    packed, state = _quantized((48, 192), dtype=dtype)
    weight = packed_weight(packed, state)
    torch.manual_seed(rows)
    x = torch.randn(rows, 192, dtype=dtype)
    expected = _reference(x, packed, state)
    # one block per step, split-K, 2 blocks per step, 4 per step with a partial last step; one
    # row through the tile kernel too
    for config in (None, Config(16, 64, split_k=2), Config(32, 128), Config(16, 256, split_k=3),
                   Config(16, 64, split_k=2, kernel="tile")):
        got = matmul_4bit(x, weight, config)
        assert got.dtype == dtype and got.shape == (rows, 48)
        error = float((got.float() - expected).norm() / expected.norm())
        assert error < tolerance, (config, error)


@pytest.mark.parametrize("dtype,tolerance", [(torch.bfloat16, 8e-3), (torch.float16, 1e-3)])
@pytest.mark.parametrize("nested", [True, False])
def test_lookup_gemv_matches_dequantize_then_matmul(dtype, tolerance, nested):
    """One row through gemv_lookup_kernel: 1, 2 and 4 blocks per step, split-K (3 splits of 3
    blocks: one split empty), blocksize 64 and 128."""
    _one_row_against_the_reference(dtype, tolerance, nested, (
        (64, (Config(16, 64, kernel="lookup"), Config(32, 128, split_k=2, kernel="lookup"),
              Config(16, 256, split_k=3, kernel="lookup"))),
        (128, (Config(16, 128, split_k=2, kernel="lookup"),))))


def _one_row_against_the_reference(dtype, tolerance, nested, configs_by_blocksize):
    """One row of a 48 x 384 weight, quantized per blocksize, through each config, against
    dequantize + matmul."""
    for blocksize, configs in configs_by_blocksize:
        torch.manual_seed(blocksize)
        weight = torch.randn(48, 384, dtype=dtype) * 0.05
        packed, state = bnbf.quantize_4bit(weight, blocksize=blocksize, quant_type="nf4",
                                           compress_statistics=nested)
        x = torch.randn(1, 384, dtype=dtype)
        expected = _reference(x, packed, state)
        for config in configs:
            got = matmul_4bit(x, packed_weight(packed, state), config)
            assert got.dtype == dtype and got.shape == (1, 48)
            error = float((got.float() - expected).norm() / expected.norm())
            assert error < tolerance, (blocksize, config, error)


@pytest.mark.parametrize("kernel", ["prmt", "prmt-shared"])
@pytest.mark.parametrize("dtype,tolerance", [(torch.bfloat16, 8e-3), (torch.float16, 1e-3)])
@pytest.mark.parametrize("nested", [True, False])
def test_prmt_gemv_matches_dequantize_then_matmul(kernel, dtype, tolerance, nested):
    """One row through gemv_prmt_kernel (its table: lookup.dot_table's values): 48 rows in tiles of
    16 and 32 (the last tile's rows clamped), 1, 2 and 4 blocks per step (6 blocks: a partial last
    step), split-K with an empty split, blocksize 64 and 128."""
    _one_row_against_the_reference(dtype, tolerance, nested, (
        (64, (Config(16, 64, kernel=kernel), Config(32, 128, split_k=2, kernel=kernel),
              Config(16, 256, split_k=3, kernel=kernel))),
        (128, (Config(32, 128, split_k=2, kernel=kernel),))))


def test_config_names_its_kernel():
    assert Config(16, 64).kernel == "gemv"
    assert Config(16, 64, kernel="prmt-shared").kernel == "prmt-shared"
    with pytest.raises(ConfigError, match="lookup"):
        Config(16, 64, kernel="lookups")


def test_matmul_keeps_leading_dimensions_and_strided_rows():
    packed, state = _quantized((33, 128), quant_type="fp4", nested=False)
    x = torch.randn(2, 3, 256, dtype=torch.bfloat16)[..., ::2]  # not contiguous
    got = matmul_4bit(x, packed_weight(packed, state))
    expected = _reference(x.reshape(-1, 128), packed, state).reshape(2, 3, 33)
    assert got.shape == (2, 3, 33)
    assert float((got.float() - expected).norm() / expected.norm()) < 8e-3


def test_measured_tables_cover_every_mistral_shape_and_bucket():
    for bucket in (1, 16, 32, 64):
        for n, k in ((4096, 4096), (1024, 4096), (14336, 4096), (4096, 14336)):
            assert (bucket, n, k) in nf4_kernels.TUNED and (bucket, n, k) in nf4_kernels.FASTER


def test_default_config_fills_the_card_and_divides_k():
    for rows in (1, 8, 64):
        for n, k in ((4096, 4096), (1024, 4096), (14336, 4096), (4096, 14336)):
            config = default_config(rows, n, k)
            assert k % config.block_k == 0 and config.block_k % 64 == 0
            assert config.block_n >= (1 if rows == 1 else 16)


def test_uses_fused_follows_the_mode_and_the_measured_table(monkeypatch):
    monkeypatch.setattr(nf4_kernels, "FASTER", {(16, 4096, 4096): True, (1, 4096, 4096): False})
    monkeypatch.delenv(OPT_IN_ENV, raising=False)  # default: auto
    assert uses_fused(8, 4096, 4096) and not uses_fused(1, 4096, 4096)
    monkeypatch.setenv(OPT_IN_ENV, "auto")
    assert uses_fused(8, 4096, 4096) and uses_fused(2, 4096, 4096)
    assert not uses_fused(1, 4096, 4096)  # measured slower
    assert not uses_fused(32, 4096, 4096) and not uses_fused(8, 48, 192)  # not measured
    monkeypatch.setenv(OPT_IN_ENV, "1")
    assert uses_fused(1, 4096, 4096) and uses_fused(MAX_ROWS, 48, 192)
    assert not uses_fused(MAX_ROWS + 1, 48, 192)  # prefill: bitsandbytes
    monkeypatch.setenv(OPT_IN_ENV, "0")
    assert not uses_fused(8, 4096, 4096)
    monkeypatch.setenv(OPT_IN_ENV, "yes")
    with pytest.raises(ConfigError, match="auto"):
        uses_fused(8, 4096, 4096)


def _linear(in_features=192, out_features=48):
    torch.manual_seed(1)
    layer = bnb.nn.Linear4bit(in_features, out_features, bias=True, compute_dtype=torch.bfloat16,
                              quant_type="nf4", compress_statistics=True)
    layer.weight = bnb.nn.Params4bit(torch.randn(out_features, in_features) * 0.05,
                                     requires_grad=False, quant_type="nf4",
                                     compress_statistics=True, blocksize=64)
    layer.weight._quantize("cpu")
    with torch.no_grad():
        layer.bias.normal_()
    return layer


def test_fused_4bit_swaps_the_forward_for_few_rows_and_restores_it(monkeypatch):
    monkeypatch.setenv(OPT_IN_ENV, "1")
    layer = _linear()
    model = torch.nn.Sequential(layer)
    state = layer.weight.quant_state
    x = torch.randn(2, 3, 192, dtype=torch.bfloat16)
    with torch.no_grad():
        expected = _reference(x.reshape(-1, 192), layer.weight.data, state) + layer.bias.float()
        with fused_4bit(model) as switched:
            assert switched == 1 and "forward" in layer.__dict__
            got = model(x)
    assert "forward" not in layer.__dict__
    assert got.shape == (2, 3, 48)
    assert float((got.float() - expected.reshape(2, 3, 48)).norm() / expected.norm()) < 8e-3
    with fused_4bit(model, enabled=False) as switched:
        assert switched == 0


def test_fused_4bit_plans_once_per_model_and_follows_changes(monkeypatch):
    """The switch plan is made once per model (the same fused forward on the next call); a new
    weight object is checked again, and a forward attribute of the module's own (a hook set
    later) gets a fresh fused forward that falls back to it."""
    monkeypatch.setenv(OPT_IN_ENV, "1")
    layer = _linear()
    model = torch.nn.Sequential(layer)
    with fused_4bit(model):
        first = layer.__dict__["forward"]
    with fused_4bit(model):
        assert layer.__dict__["forward"] is first
    layer.weight = bnb.nn.Params4bit(torch.randn(48, 192), requires_grad=False, quant_type="nf4")
    with fused_4bit(model) as switched:  # not quantized yet: unsupported
        assert switched == 0 and "forward" not in layer.__dict__
    layer.weight._quantize("cpu")
    with fused_4bit(model) as switched:
        assert switched == 1 and layer.__dict__["forward"] is not first
    calls = []
    original = layer.forward

    def hook(x):
        calls.append(x.shape)
        return original(x)

    layer.forward = hook
    x = torch.randn(MAX_ROWS + 1, 192, dtype=torch.bfloat16)  # more rows: the original forward
    with torch.no_grad(), fused_4bit(model):
        assert layer.__dict__["forward"] is not hook
        model(x)
    assert calls == [x.shape] and layer.__dict__["forward"] is hook


def test_fused_4bit_leaves_more_rows_to_bitsandbytes(monkeypatch):
    monkeypatch.setenv(OPT_IN_ENV, "1")
    layer = _linear()
    model = torch.nn.Sequential(layer)
    x = torch.randn(MAX_ROWS + 1, 192, dtype=torch.bfloat16)
    calls = []
    original = layer.forward
    layer.forward = lambda inputs: calls.append(inputs.shape) or original(inputs)
    try:
        with fused_4bit(model):
            model(x[:4])
            assert not calls
            model(x)
            assert calls == [x.shape]
    finally:
        del layer.forward


def test_matmul_path_on_the_cpu():
    assert matmul_path(torch.nn.Sequential(torch.nn.Linear(4, 4))) == "torch"
    assert matmul_path(torch.nn.Sequential(_linear())) == "bitsandbytes"  # no CUDA card here


@pytest.mark.parametrize("rows", [1, 5])
def test_matmul_group_equals_its_weights_one_by_one(rows):
    """q/k/v-like (3 weights, one of another height) and gate/up with SiLU, split-K or not; one
    row under a one-row kernel's config (prmt) runs the weights one by one."""
    dtype = torch.bfloat16
    made = [_quantized(shape, dtype=dtype) for shape in ((48, 192), (16, 192), (16, 192))]
    weights = [packed_weight(p, s) for p, s in made]
    assert nf4_kernels.groupable(weights)
    torch.manual_seed(rows)
    x = torch.randn(rows, 192, dtype=dtype)
    expected = [_reference(x, p, s) for p, s in made]
    for config in (Config(16, 64, split_k=2), Config(32, 64), Config(16, 64, kernel="prmt")):
        got = nf4_kernels.matmul_group(x, weights, config)
        assert got.shape == (rows, 80)
        for part, want in zip(got.split([48, 16, 16], dim=-1), expected):
            assert float((part.float() - want).norm() / want.norm()) < 8e-3, config
        gate, up = expected[1], expected[2]
        silu = nf4_kernels.matmul_group(x, weights[1:], config, silu=True)
        want = torch.nn.functional.silu(gate.to(dtype)) * up.to(dtype)
        assert silu.shape == (rows, 16)
        assert float((silu.float() - want.float()).norm() / want.float().norm()) < 1.6e-2, config


def test_launch_writes_one_row_into_a_given_view_only():
    made = _quantized((16, 192))
    w = packed_weight(*made)
    x = torch.randn(1, 192, dtype=torch.bfloat16)
    out = torch.zeros(1, 40, dtype=torch.bfloat16)
    nf4_kernels.launch(x, w, Config(16, 64, kernel="prmt"), out=out[:, 8:24])
    assert torch.equal(out[:, 8:24], matmul_4bit(x, w, Config(16, 64, kernel="prmt")))
    assert not out[:, :8].any() and not out[:, 24:].any()
    with pytest.raises(ConfigError, match="one row"):
        nf4_kernels.launch(torch.randn(2, 192, dtype=torch.bfloat16), w, out=out[:, :16])


def test_groupable_needs_one_input_size():
    a = packed_weight(*_quantized((16, 192)))
    b = packed_weight(*_quantized((16, 128)))
    assert not nf4_kernels.groupable([a, b]) and not nf4_kernels.groupable([a])


def test_a_launch_that_fails_falls_back_to_bitsandbytes_with_one_warning(monkeypatch):
    monkeypatch.setenv(OPT_IN_ENV, "1")
    monkeypatch.setattr(nf4_kernels, "_WARNED", set())
    monkeypatch.setattr(nf4_kernels, "_BROKEN", set())
    layer = _linear()
    model = torch.nn.Sequential(layer)
    x = torch.randn(3, 192, dtype=torch.bfloat16)
    with torch.no_grad():
        expected = layer(x)  # bitsandbytes' own forward
    failures = []

    def failing(*args, **kwargs):  # what a compile failure raises through the launch
        failures.append(1)
        raise RuntimeError("out of resource: shared memory")

    monkeypatch.setattr(nf4_kernels, "matmul_4bit", failing)
    with pytest.warns(UserWarning, match="failed .*shared memory.*bitsandbytes runs") as caught:
        with torch.no_grad(), fused_4bit(model):
            assert torch.equal(model(x), expected)
            assert torch.equal(model(x), expected)
    assert len(caught) == 1 and len(failures) == 1  # the case stays on bitsandbytes


def test_the_kernels_take_cpu_tensors_only_interpreted():
    x = torch.zeros(2, dtype=torch.bfloat16)
    assert nf4_kernels.runs_here(x)  # the interpreter: CPU tensors; compiled: CUDA ones only
