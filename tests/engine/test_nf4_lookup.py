"""The register lookup's tables and permutes (mistral_eval.engine.nf4.lookup), emulated in numpy for every
pair of code bytes; the PTX itself runs in tests/gpu/test_fused_4bit.py."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from mistral_eval.engine.nf4 import lookup as nf4_lookup

NF4 = torch.tensor([-1.0, -0.6961928009986877, -0.5250730514526367, -0.39491748809814453,
                    -0.28444138169288635, -0.18477343022823334, -0.09105003625154495, 0.0,
                    0.07958029955625534, 0.16093020141124725, 0.24611230194568634,
                    0.33791524171829224, 0.44070982933044434, 0.5626170039176941,
                    0.7229568362236023, 1.0])


def _bits(values: torch.Tensor, dtype) -> np.ndarray:
    return (values.to(dtype).view(torch.int16).numpy().astype(np.int64) & 0xFFFF).astype(np.uint32)


@pytest.mark.parametrize("dtype", [torch.bfloat16, torch.float16])
@pytest.mark.parametrize("values", [NF4, torch.linspace(-6, 6, 16),
                                    torch.randn(16, generator=torch.Generator().manual_seed(0))],
                         ids=["nf4", "ramp", "random"])
def test_every_byte_pair_looks_up_its_two_values(dtype, values):
    """Output 2p + e, low half: byte p of the first word, nibble e (0 high, 1 low); high half: the
    same of the second word. Every pair of byte values meets at every position."""
    pairs = np.arange(1 << 16, dtype=np.uint32)
    x, y = pairs & 0xFF, pairs >> 8
    first = x | (y << 8) | ((x ^ 0x5A) << 16) | ((y ^ 0xC3) << 24)
    second = np.roll(first, 7) ^ 0x11111111
    out = nf4_lookup.emulate(np.stack([first, second], -1), values, dtype)
    table = _bits(values, dtype)
    for p in range(4):
        for e in range(2):
            for half, word in enumerate((first, second)):
                byte = (word >> (8 * p)) & 0xFF
                code = byte >> 4 if e == 0 else byte & 15
                got = (out[:, 2 * p + e] >> (16 * half)) & 0xFFFF
                assert np.array_equal(got, table[code]), (p, e, half)


def test_prmt_follows_ptx():
    a, b = np.uint32(0x33221100), np.uint32(0xF7665544)
    assert nf4_lookup.prmt(a, b, 0x3210) == 0x33221100
    assert nf4_lookup.prmt(a, b, 0x7654) == 0xF7665544
    assert nf4_lookup.prmt(a, b, 0x0707) == 0x00F700F7
    assert nf4_lookup.prmt(a, b, 0x000F) == 0x000000FF  # bit 3: the byte's sign replicated
    assert nf4_lookup.prmt(a, b, 0x0008) == 0x00000000


def test_asm_names_its_operands_and_tables():
    asm = nf4_lookup.lookup_asm(NF4, torch.bfloat16)
    low, high = nf4_lookup.table_words(NF4, torch.bfloat16)
    for word in low + high:
        assert f"{word:#010x}" in asm
    assert all(f"${i}" in asm for i in range(10)) and "$10" not in asm
    assert asm.count("prmt.b32") == 4 * 8 + 8
    assert nf4_lookup.lookup_asm(NF4, torch.float16) != asm


@pytest.mark.parametrize("dtype", [torch.bfloat16, torch.float16])
@pytest.mark.parametrize("values", [NF4, torch.linspace(-6, 6, 16),
                                    torch.randn(16, generator=torch.Generator().manual_seed(1))],
                         ids=["nf4", "ramp", "random"])
def test_word_dot_takes_every_code_with_its_x(dtype, values):
    """The prmt GEMV's permutes (emulated) dot every word's 8 codes with their 8 x values: code
    nibble order high then low per byte, bytes 0-3, each value from dot_table."""
    rng = np.random.default_rng(0)
    words = rng.integers(0, 1 << 32, size=4096, dtype=np.uint64).astype(np.uint32)
    x = rng.standard_normal((4096, 8)).astype(np.float32)
    _, table = nf4_lookup.dot_table(values, dtype)
    codes = np.stack([(words >> shift) & 15 for shift in (4, 0, 12, 8, 20, 16, 28, 24)], -1)
    expected = (table.numpy()[codes].astype(np.float64) * x).sum(-1)
    got = nf4_lookup.emulate_word_dot(words, x, values, dtype)
    assert np.allclose(got, expected, rtol=0, atol=1e-12)


@pytest.mark.parametrize("dtype", [torch.bfloat16, torch.float16])
@pytest.mark.parametrize("values", [NF4, torch.linspace(-6, 6, 16)], ids=["nf4", "ramp"])
def test_dot_table_is_as_close_as_rounding_to_the_dtype(dtype, values):
    """bf16: the sign-filled widening (negative values get 0xFFFF below their pattern) still puts
    every value within half a bf16 ulp (+2^-16 ulp) of the fp32 one; fp16: exactly fp16 rounding."""
    words, table = nf4_lookup.dot_table(values, dtype)
    assert len(words) == 10 and words[8:] == [nf4_lookup.SEL_MASK, nf4_lookup.SEL_BASE]
    rounded = values.to(dtype).float()
    if dtype == torch.float16:
        assert torch.equal(table, rounded)
    else:
        ulp = 2.0 ** (torch.floor(torch.log2(values.abs().clamp_min(1e-30))) - 7)
        assert bool(((table - values).abs() <= ulp * (0.5 + 2 ** -15)).all())
        assert bool(((table - values).abs() <= (rounded - values).abs() + ulp * 2 ** -15).all())


def test_word_dot_asm_is_one_program_over_its_inputs():
    for dtype in (torch.bfloat16, torch.float16):
        asm = nf4_lookup.word_dot_asm(dtype)
        assert all(f"${i}" in asm for i in range(20)) and "$20" not in asm
        assert asm.count("fma.rn.f32") == 8
        assert asm.count("prmt.b32") == (20 if dtype == torch.bfloat16 else 16)
    with pytest.raises(ValueError, match="bf16 or fp16"):
        nf4_lookup.word_dot_asm(torch.float32)
