"""A 16-entry table lookup of 4-bit codes in registers (PTX `prmt` byte permutes), no memory.

The 16 table values, as 16-bit words (bf16 or fp16 bits), are split into their low and high bytes,
four registers each (entries 0-3, 4-7, 8-11, 12-15). `prmt` picks any 4 bytes out of 2 registers
by 4 selector nibbles, so per 4 codes: two permutes over entries 0-7 and 8-15 (the code's low 3
bits select), one more chooses between them (its bit 3), for the low and then the high bytes, and
two final permutes interleave low and high bytes into two 32-bit words of two 16-bit values. One
32-bit word of packed codes (4 bytes, 8 codes) costs 27 instructions, against 8 memory gathers
with their 64-bit addresses for a table in memory.

`lookup_asm` is that program as Triton's `tl.inline_asm_elementwise` takes it on int32 words of
codes (pack=2: two words in, 8 outputs of two values each, one per byte and nibble); `emulate` runs the same permutes in numpy, so the
tables and selectors are tested on the CPU (the PTX itself needs a GPU: tests/gpu).

`word_dot_asm` (the one-row prmt GEMV) does the same lookup and, in the same program, the dot
product of a word's 8 codes with 8 fp32 x values: its table (`dot_table`) comes in as 10 register
inputs instead of immediates, and for bf16 one permute widens each value to fp32 (the low half
filled with the value's sign byte; `dot_table` picks patterns for which that stays within half a
bf16 ulp). `emulate_word_dot` is its numpy twin. Knows PTX and torch dtypes; nothing of Triton's
kernels or bitsandbytes.
"""

from __future__ import annotations

from functools import cache

import numpy as np
import torch

from mistral_eval.core.errors import ConfigError

EVEN_SELECT = 0x7351
"""Final permute: the high-nibble (even element) values of 2 bytes, low byte then high byte."""
ODD_SELECT = 0x6240
"""Final permute: the low-nibble (odd element) values of 2 bytes."""
CONSTRAINTS = "=r,=r,=r,=r,=r,=r,=r,=r,r,r"
"""Outputs: 8 registers of two 16-bit values; inputs: two words of 4 code bytes."""


def table_words(values: torch.Tensor, dtype: torch.dtype) -> tuple[list[int], list[int]]:
    """The 16 values rounded to `dtype`: their low bytes and their high bytes, 4 words each
    (word j holds entries 4j..4j+3, entry 4j in its lowest byte)."""
    bits = values.to(dtype).view(torch.int16).to(torch.int32).tolist()
    bits = [b & 0xFFFF for b in bits]
    assert len(bits) == 16, "a 4-bit table has 16 entries"

    def words(part):
        return [sum(part[4 * j + i] << (8 * i) for i in range(4)) for j in range(4)]

    return words([b & 0xFF for b in bits]), words([b >> 8 for b in bits])


def _half(src: str, even: str, odd: str) -> str:
    """PTX for the 4 codes in the low 16 bits of `src` (bytes b0, b1)."""
    return f"""
    and.b32 idx, {src}, 0x7777;
    shr.b32 sel, {src}, 1;
    and.b32 sel, sel, 0x4444;
    or.b32 sel, sel, 0x3210;
    prmt.b32 a, l0, l1, idx;
    prmt.b32 b, l2, l3, idx;
    prmt.b32 lo, a, b, sel;
    prmt.b32 a, h0, h1, idx;
    prmt.b32 b, h2, h3, idx;
    prmt.b32 hi, a, b, sel;
    prmt.b32 {even}, lo, hi, {EVEN_SELECT:#06x};
    prmt.b32 {odd}, lo, hi, {ODD_SELECT:#06x};"""


def _word(src: str, tag: str) -> str:
    """PTX for one word of 4 code bytes: e01/o01 (bytes 0, 1) and e23/o23 (bytes 2, 3) + tag."""
    return (_half(src, f"e01{tag}", f"o01{tag}") + f"\n    shr.b32 up, {src}, 16;"
            + _half("up", f"e23{tag}", f"o23{tag}"))


PAIR_SELECT = ((0x5410, "01"), (0x7632, "01"), (0x5410, "23"), (0x7632, "23"))
"""Per byte p of a word: (the permute taking its values from two words' results, which result)."""


@cache
def _asm(low: tuple[int, ...], high: tuple[int, ...]) -> str:
    regs = ", ".join(f"{k}{pair}{tag}" for k in "eo" for pair in ("01", "23") for tag in "ab")
    tables = "".join(f"\n    mov.b32 l{j}, {w:#010x};" for j, w in enumerate(low))
    tables += "".join(f"\n    mov.b32 h{j}, {w:#010x};" for j, w in enumerate(high))
    body = _word("$8", "a") + _word("$9", "b")
    for p, (select, pair) in enumerate(PAIR_SELECT):
        for e, kind in enumerate("eo"):
            body += f"\n    prmt.b32 ${2 * p + e}, {kind}{pair}a, {kind}{pair}b, {select:#06x};"
    return ("{\n    .reg .b32 l0, l1, l2, l3, h0, h1, h2, h3, idx, sel, a, b, lo, hi, up, "
            + regs + ";" + tables + body + "\n}")


def lookup_asm(values: torch.Tensor, dtype: torch.dtype) -> str:
    """PTX (pack=2): two words of 4 code bytes each ($8, $9: elements i and i+1) -> 8 outputs;
    output 2p + e holds, for byte p of word i (low half) and of word i+1 (high half), the table
    value (in `dtype`) of its high nibble (e = 0: the even element) or its low nibble (e = 1)."""
    low, high = table_words(values, dtype)
    return _asm(tuple(low), tuple(high))


def prmt(a: np.ndarray | int, b: np.ndarray | int, c: np.ndarray | int) -> np.ndarray:
    """PTX `prmt.b32` (default mode) on uint32 arrays: byte i of the result is byte (c's nibble
    i & 7) of b:a, or that byte's sign replicated where the nibble's bit 3 is set."""
    a, b = np.asarray(a, np.uint64), np.asarray(b, np.uint64)
    c = np.asarray(c, np.uint64)
    pool = a | (b << np.uint64(32))
    out = np.zeros(np.broadcast(a, b, c).shape, np.uint64)
    for i in range(4):
        nibble = (c >> np.uint64(4 * i)) & np.uint64(15)
        byte = (pool >> ((nibble & np.uint64(7)) * np.uint64(8))) & np.uint64(0xFF)
        signed = np.where(byte & np.uint64(0x80), np.uint64(0xFF), np.uint64(0))
        byte = np.where(nibble & np.uint64(8), signed, byte)
        out |= byte << np.uint64(8 * i)
    return out.astype(np.uint32)


def _emulate_half(src: np.ndarray, low: list[int], high: list[int]):
    idx = src & np.uint32(0x7777)
    sel = ((src >> np.uint32(1)) & np.uint32(0x4444)) | np.uint32(0x3210)
    lo = prmt(prmt(low[0], low[1], idx), prmt(low[2], low[3], idx), sel)
    hi = prmt(prmt(high[0], high[1], idx), prmt(high[2], high[3], idx), sel)
    return prmt(lo, hi, EVEN_SELECT), prmt(lo, hi, ODD_SELECT)


def _emulate_word(word: np.ndarray, low, high) -> dict:
    e01, o01 = _emulate_half(word, low, high)
    e23, o23 = _emulate_half(word >> np.uint32(16), low, high)
    return {"e01": e01, "o01": o01, "e23": e23, "o23": o23}


def emulate(words: np.ndarray, values: torch.Tensor, dtype: torch.dtype) -> np.ndarray:
    """What `lookup_asm` computes, for uint32 words [..., 2] (elements i, i+1): [..., 8] uint32,
    the asm's output registers $0-$7."""
    low, high = table_words(values, dtype)
    words = np.asarray(words, np.uint32)
    a, b = _emulate_word(words[..., 0], low, high), _emulate_word(words[..., 1], low, high)
    out = []
    for select, pair in PAIR_SELECT:
        for kind in "eo":
            out.append(prmt(a[kind + pair], b[kind + pair], select))
    return np.stack(out, -1)


# ---------------------------------------------------------------------------------------------
# One word of 8 codes -> its dot product with 8 fp32 x values (the one-row "prmt" GEMV)

DOT_CONSTRAINTS = "=f,r" + ",f" * 8 + ",r" * 10
"""Output: the fp32 dot product; inputs: the code word, 8 fp32 x values (element order: byte p's
high nibble is element 2p), the 10 words of `dot_table` (low-byte planes l0-l3, high-byte planes
h0-h3, then the selector constants SEL_MASK and SEL_BASE)."""
SEL_MASK, SEL_BASE = 0x44444444, 0x32103210
"""sel = (codes >> 1) & SEL_MASK | SEL_BASE, for both halves of a word at once: nibble i picks byte
i of a (code bit 3 clear) or of b. Passed in as registers loaded from memory, so ptxas makes one
LOP3 of the and/or instead of rematerializing an immediate per use."""
NIBBLE_ELEMENT = (1, 0, 3, 2)
"""Element (within 4 codes of 2 bytes) of code nibble i: the high nibble of a byte is the even one."""
FP32_SELECT = (0x40CC, 0x51DD, 0x62EE, 0x73FF)
"""bf16: per nibble i, the permute of (lo, hi) giving the fp32 word [sign, sign, lo_i, hi_i]: the
table value in the high half, the low half filled with hi_i's sign bit (00 or FF, `prmt`'s
sign-replicate mode), so one permute widens a value (`dot_table` chooses the values for it)."""
PAIR_BYTES = (0x4051, 0x6273)
"""fp16: permutes of (lo, hi) giving, per 2 code bytes, one word of two fp16 values: the even
element's (byte 0 or 2's high nibble: lookup byte 1 or 3) in its low half, the odd element's in its
high half."""


def _bits_to_words(bits: list[int]) -> list[int]:
    def words(part):
        return [sum(part[4 * j + i] << (8 * i) for i in range(4)) for j in range(4)]

    return words([b & 0xFF for b in bits]) + words([b >> 8 for b in bits])


def _widened(bits: int) -> float:
    """The fp32 value the bf16 path's permute assembles from a 16-bit pattern: the pattern on top,
    0xFFFF below when its sign bit is set."""
    word = (bits << 16) | (0xFFFF if bits & 0x8000 else 0)
    return float(np.array([word], np.uint32).view(np.float32)[0])


def _nearest_widened(value: float) -> int:
    """The 16-bit pattern whose `_widened` value is nearest to `value` (round to nearest bf16
    for values >= 0; for negative ones the filled low half adds ~1 bf16 ulp, so the pattern one
    ulp smaller in magnitude usually wins: the same <= 0.5 ulp error as rounding)."""
    rounded = int(torch.tensor([value]).to(torch.bfloat16).view(torch.int16).item()) & 0xFFFF
    candidates = [b & 0xFFFF for b in (rounded - 2, rounded - 1, rounded, rounded + 1)]
    finite = [b for b in candidates if np.isfinite(_widened(b))]
    return min(finite, key=lambda b: (abs(_widened(b) - value), b))


def dot_table(values: torch.Tensor, dtype: torch.dtype) -> tuple[list[int], torch.Tensor]:
    """The prmt GEMV's table for compute dtype `dtype`: the 10 words its PTX takes (low-byte planes
    l0-l3 of the 16 patterns, high-byte planes h0-h3, SEL_MASK, SEL_BASE) and the fp32 values they yield (what
    the interpreter multiplies). fp16: the values rounded to fp16; bf16: patterns chosen by
    `_nearest_widened` (each within 0.5 bf16 ulp of the fp32 value, +2^-16 ulp)."""
    floats = [float(v) for v in values.float().tolist()]
    if len(floats) != 16:
        raise ConfigError(f"a 4-bit table has 16 entries, not {len(floats)}", field="values")
    if dtype == torch.bfloat16:
        bits = [_nearest_widened(v) for v in floats]
        return (_bits_to_words(bits) + [SEL_MASK, SEL_BASE],
                torch.tensor([_widened(b) for b in bits], dtype=torch.float32))
    if dtype == torch.float16:
        halves = torch.tensor(floats).to(torch.float16)
        bits = [b & 0xFFFF for b in halves.view(torch.int16).tolist()]
        return _bits_to_words(bits) + [SEL_MASK, SEL_BASE], halves.float()
    raise ConfigError(f"the prmt GEMV takes bf16 or fp16, not {dtype}", field="dtype")


_LOOKUP_HALF = """
    prmt.b32 a, $10, $11, {idx};
    prmt.b32 b, $12, $13, {idx};
    prmt.b32 lo, a, b, {sel};
    prmt.b32 a, $14, $15, {idx};
    prmt.b32 b, $16, $17, {idx};
    prmt.b32 hi, a, b, {sel};"""
_SELECTORS = """
    and.b32 idx, $1, 0x77777777;
    shr.b32 sel, $1, 1;
    and.b32 sel, sel, $18;
    or.b32 sel, sel, $19;
    shr.b32 idx2, idx, 16;
    shr.b32 sel2, sel, 16;"""


def _dot_half(idx: str, sel: str, first: int, dtype: torch.dtype) -> str:
    """PTX for 4 codes (the low 16 bits of idx and sel, `prmt`'s selectors), elements
    first..first+3: acc += lut * x."""
    body = _LOOKUP_HALF.format(idx=idx, sel=sel)
    if dtype == torch.bfloat16:
        for nibble, select in enumerate(FP32_SELECT):
            body += f"\n    prmt.b32 v, lo, hi, {select:#06x};"
            body += f"\n    fma.rn.f32 acc, v, ${2 + first + NIBBLE_ELEMENT[nibble]}, acc;"
        return body
    for pair, select in enumerate(PAIR_BYTES):
        element = first + 2 * pair
        body += (f"\n    prmt.b32 v, lo, hi, {select:#06x};\n    mov.b32 {{he, ho}}, v;"
                 "\n    cvt.f32.f16 ev, he;\n    cvt.f32.f16 od, ho;"
                 f"\n    fma.rn.f32 acc, ev, ${2 + element}, acc;"
                 f"\n    fma.rn.f32 acc, od, ${3 + element}, acc;")
    return body


@cache
def _dot_asm(dtype: torch.dtype) -> str:
    return ("{\n    .reg .b32 idx, sel, idx2, sel2, a, b, lo, hi, v;\n    .reg .f32 acc, ev, od;"
            "\n    .reg .b16 he, ho;\n    mov.f32 acc, 0f00000000;" + _SELECTORS
            + _dot_half("idx", "sel", 0, dtype) + _dot_half("idx2", "sel2", 4, dtype)
            + "\n    mov.f32 $0, acc;\n}")


def word_dot_asm(dtype: torch.dtype) -> str:
    """PTX (pack=1, DOT_CONSTRAINTS) of one word of 8 codes (4 bytes, 2 per byte) dotted with its 8
    fp32 x values, over the 8 table words of `dot_table(values, dtype)` (inputs a launch loads
    once from memory, so ptxas keeps them in registers instead of rematerializing constants)."""
    if dtype not in (torch.bfloat16, torch.float16):
        raise ConfigError(f"the prmt GEMV takes bf16 or fp16, not {dtype}", field="dtype")
    return _dot_asm(dtype)


def emulate_word_dot(words: np.ndarray, x: np.ndarray, values: torch.Tensor,
                     dtype: torch.dtype) -> np.ndarray:
    """What `word_dot_asm` computes (in float64, so up to fp32 rounding), for uint32 code words
    [...] and fp32 x [..., 8]: the permutes run in numpy on `dot_table`'s words."""
    table, _ = dot_table(values, dtype)
    low, high = table[:4], table[4:8]
    words = np.asarray(words, np.uint32)
    out = np.zeros(words.shape, np.float64)
    for half in range(2):
        src = words >> np.uint32(16 * half)
        idx = src & np.uint32(0x7777)
        sel = ((src >> np.uint32(1)) & np.uint32(table[8]) | np.uint32(table[9])) & np.uint32(0xFFFF)
        lo = prmt(prmt(low[0], low[1], idx), prmt(low[2], low[3], idx), sel)
        hi = prmt(prmt(high[0], high[1], idx), prmt(high[2], high[3], idx), sel)
        for nibble in range(4):
            element = 4 * half + NIBBLE_ELEMENT[nibble]
            if dtype == torch.bfloat16:
                value = prmt(lo, hi, FP32_SELECT[nibble]).view(np.float32)
            else:
                pair = prmt(lo, hi, PAIR_BYTES[nibble // 2])
                shift = np.uint32(16 if nibble % 2 == 0 else 0)  # nibble 0/2: the odd element, high half
                value = ((pair >> shift) & np.uint32(0xFFFF)).astype(np.uint16).view(np.float16)
            out += value.astype(np.float64) * x[..., element].astype(np.float64)
    return out
