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
