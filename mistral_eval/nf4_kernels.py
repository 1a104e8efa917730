"""Fused 4-bit matmuls over bitsandbytes' own packed layout, in Triton: y = x · dequant(W)ᵀ.

The weights stay exactly what bitsandbytes stores (4-bit NF4/FP4 codes two to a byte, high nibble
first, one absmax per block of 64 along the flattened [N, K] weight, the absmax itself 8-bit
double-quantized in groups of 256 plus an offset). Each kernel dequantizes a tile in registers as
bitsandbytes does (fp32 code x fp32 absmax, rounded once to the compute dtype, so the values are
bit-identical to `bitsandbytes.functional.dequantize_4bit`) and multiplies it at once: a
matrix-vector kernel for one row, a tile kernel feeding `tl.dot` for 2-64 rows, both with an
optional split over K. Even and odd columns of x meet the high and low nibbles separately, so the
codes are never interleaved. More rows (a prefill) stay on bitsandbytes' dequantize + GEMM.

Knows bitsandbytes' Linear4bit / QuantState and Triton; knows nothing about models, generation or
the engine, which swaps these forwards in with `fused_4bit`. Without Triton, a CUDA card of
compute capability 7.5+ and the opt-in (still slower than bitsandbytes on an H100, see
benchmarks/NOTES.md) `matmul_path` says "bitsandbytes" and nothing here runs.
"""

from __future__ import annotations

import os
import weakref
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Iterator

import torch

try:
    import triton
    import triton.language as tl
    from triton.language.extra import libdevice
except ImportError:  # the CPU CI without the test extra, macOS, Windows
    triton = None

__all__ = ["MAX_ROWS", "PackedWeight", "dequantize", "fused_4bit", "matmul_4bit", "matmul_path",
           "packed_weight"]

MAX_ROWS = 64
"""Most rows of x the fused kernels take; more (prefill) run bitsandbytes' dequantize + GEMM."""
OPT_IN_ENV = "MISTRAL_EVAL_NF4_KERNELS"
"""Set to 1 to run the fused kernels. Off by default: on an H100 they are still slower than
bitsandbytes' own kernels in the engine (benchmarks/NOTES.md, step 2)."""
_INTERPRET = os.environ.get("TRITON_INTERPRET") == "1"
_DTYPES = (torch.bfloat16, torch.float16)


@dataclass(frozen=True)
class PackedWeight:
    """One Linear4bit weight as bitsandbytes stores it, flattened for the kernels (no copies)."""

    packed: torch.Tensor   # uint8 [(N*K+1)//2]: codes, high nibble = even element
    absmax: torch.Tensor   # [N*K/blocksize]: fp32, or uint8 codes when nested
    absmax2: torch.Tensor  # fp32 [blocks/blocksize2] second-level absmax (nested), else absmax
    code2: torch.Tensor    # fp32 [256] second-level code (nested), else the 4-bit lut
    offset: torch.Tensor   # fp32 [1] added to the dequantized absmax (nested), else zeros
    lut: torch.Tensor      # fp32 [16] NF4 or FP4 values
    out_features: int
    in_features: int
    blocksize: int
    blocksize2: int
    nested: bool

    @property
    def bytes(self) -> int:
        """Bytes one pass over the weight reads (codes and first-level absmax)."""
        return self.packed.numel() + self.absmax.numel() * self.absmax.element_size()


def packed_weight(packed: torch.Tensor, qs) -> PackedWeight:
    """The kernels' view of bitsandbytes' packed codes (a Params4bit or quantize_4bit's output)
    and their QuantState."""
    device = packed.device
    out_features, in_features = (int(d) for d in qs.shape)
    nested = bool(qs.nested)
    lut = _lut(qs.quant_type, device)
    if nested:
        absmax2, code2 = qs.state2.absmax.float(), qs.state2.code.float().to(device)
        offset = torch.as_tensor(qs.offset, dtype=torch.float32, device=device).reshape(1)
        blocksize2 = int(qs.state2.blocksize)
    else:
        absmax2, code2, blocksize2 = qs.absmax, lut, 1
        offset = torch.zeros(1, dtype=torch.float32, device=device)
    return PackedWeight(packed=packed.data.view(torch.uint8).reshape(-1), absmax=qs.absmax,
                        absmax2=absmax2, code2=code2, offset=offset, lut=lut,
                        out_features=out_features, in_features=in_features,
                        blocksize=int(qs.blocksize), blocksize2=blocksize2, nested=nested)


_LUTS: dict[tuple[str, str], torch.Tensor] = {}


def _lut(quant_type: str, device: torch.device) -> torch.Tensor:
    """The 16 fp32 values bitsandbytes' own dequantize gives codes 0-15 on `device` (its CUDA
    kernel has them as literals; for FP4 they need not equal QuantState.code to the last bit)."""
    key = (quant_type, str(device))
    if key not in _LUTS:
        import bitsandbytes.functional as bnbf

        codes = torch.arange(16, dtype=torch.uint8, device=device)
        packed = ((codes[0::2] << 4) | codes[1::2]).reshape(-1, 1)
        state = bnbf.QuantState(absmax=torch.ones(1, device=device), shape=torch.Size([1, 16]),
                                code=bnbf.get_4bit_type(quant_type, device=device), blocksize=64,
                                quant_type=quant_type, dtype=torch.float32)
        _LUTS[key] = bnbf.dequantize_4bit(packed, state).reshape(16).float()
    return _LUTS[key]


def _unsupported(module) -> str | None:
    """Why the fused kernels cannot run this Linear4bit (None when they can)."""
    qs = getattr(module.weight, "quant_state", None)
    if qs is None:
        return "the weight is not quantized yet"
    if getattr(qs, "packing_format_for_cpu", False):
        return "bitsandbytes repacked the weight for its CPU kernel"
    if qs.quant_type not in ("nf4", "fp4") or qs.blocksize % 2:
        return f"quant type {qs.quant_type} with blocksize {qs.blocksize}"
    if qs.shape[1] % qs.blocksize or qs.blocksize > 1024:
        return f"in_features {qs.shape[1]} is not a multiple of the blocksize {qs.blocksize}"
    if module.compute_dtype not in _DTYPES:
        return f"compute dtype {module.compute_dtype} (the kernels take bf16 and fp16)"
    return None


def _linears(model) -> list:
    try:
        import bitsandbytes as bnb
    except ImportError:
        return []
    return [m for m in model.modules() if isinstance(m, bnb.nn.Linear4bit)]


def matmul_path(model) -> str:
    """Which matmul the model's 4-bit layers run under the fast engine: 'triton-nf4' (this
    module: opted in with MISTRAL_EVAL_NF4_KERNELS=1 on a CUDA card with Triton),
    'bitsandbytes' (its own kernels), or 'torch' when it has no 4-bit layers."""
    linears = _linears(model)
    if not linears:
        return "torch"
    device = linears[0].weight.device
    usable = (triton is not None and os.environ.get(OPT_IN_ENV, "0") == "1"
              and device.type == "cuda" and torch.cuda.get_device_capability(device) >= (7, 5)
              and not any(_unsupported(m) for m in linears))
    return "triton-nf4" if usable else "bitsandbytes"


@contextmanager
def fused_4bit(model, enabled: bool = True) -> Iterator[int]:
    """Inside, every supported Linear4bit of `model` runs the fused kernels for up to MAX_ROWS
    rows (bitsandbytes' forward beyond); yields how many layers were switched. Callers decide
    with `matmul_path`; the CPU tests force it under the Triton interpreter."""
    linears = _linears(model) if enabled else []
    switched = []  # (module, its own forward attribute: an accelerate hook's, or None)
    for module in linears:
        if _unsupported(module):
            continue
        switched.append((module, module.__dict__.get("forward")))
        module.forward = _fused_forward(module, module.forward)
    try:
        yield len(switched)
    finally:
        for module, before in switched:
            if before is None:
                del module.forward
            else:
                module.forward = before


_PACKED: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def _fused_forward(module, original):
    # kept as long as the module lives: a captured CUDA graph keeps reading these tensors
    if module not in _PACKED:
        _PACKED[module] = packed_weight(module.weight, module.weight.quant_state)
    weight = _PACKED[module]
    dtype = module.compute_dtype

    def forward(x: torch.Tensor) -> torch.Tensor:
        if x.numel() // weight.in_features > MAX_ROWS:
            return original(x)
        y = matmul_4bit(x.to(dtype), weight)
        if module.bias is not None:
            y = y + module.bias.to(dtype)
        return y.to(x.dtype)

    return forward


# ---------------------------------------------------------------------------------------------
# Kernels


@dataclass(frozen=True)
class Config:
    """Tile sizes of one launch; SPLIT_K > 1 writes fp32 partials that a second kernel sums."""

    block_n: int
    block_k: int
    split_k: int = 1
    num_warps: int = 4
    num_stages: int = 3


# Measured on an H100 (benchmarks/NOTES.md, kernel sweep): (rows bucket, N, K) -> Config.
TUNED: dict[tuple[int, int, int], Config] = {}


def _bucket(rows: int) -> int:
    """1 for the matrix-vector kernel, else the tile height tl.dot runs (16, 32 or 64)."""
    return 1 if rows == 1 else max(16, triton.next_power_of_2(rows))


def default_config(rows: int, n: int, k: int) -> Config:
    """A config for shapes not in TUNED: enough programs to fill ~130 multiprocessors twice."""
    bucket = _bucket(rows)
    tuned = TUNED.get((bucket, n, k))
    if tuned:
        return tuned
    block_n, block_k = (16, 512) if bucket == 1 else (64, 256 if bucket < 64 else 128)
    split = 1
    while (-(-n // block_n) * split < 256 and k % (block_k * split * 2) == 0
           and k // (split * 2) >= 2 * block_k):
        split *= 2
    return Config(block_n, block_k, split)


if triton is not None:

    @triton.jit
    def _scales(absmax_ptr, absmax2_ptr, code2_ptr, offset_ptr, block, mask,
                NESTED: tl.constexpr, BLOCKSIZE2: tl.constexpr, INTERPRETED: tl.constexpr):
        """fp32 absmax of the 4-bit blocks `block`: stored, or code2[q] * absmax2 + offset as
        bitsandbytes computes it (two roundings, never one fused multiply-add)."""
        if NESTED:
            q = tl.load(absmax_ptr + block, mask=mask, other=0).to(tl.int32)
            scaled = tl.load(code2_ptr + q) * tl.load(absmax2_ptr + block // BLOCKSIZE2,
                                                      mask=mask, other=0.0)
            offset = tl.broadcast_to(tl.load(offset_ptr), scaled.shape)
            if INTERPRETED:  # numpy rounds each operation; libdevice has no interpreter version
                absmax = scaled + offset
            else:
                absmax = libdevice.add_rn(scaled, offset)
        else:
            absmax = tl.load(absmax_ptr + block, mask=mask, other=0.0)
        return absmax

    @triton.jit
    def _round(value, DTYPE: tl.constexpr, INTERPRETED: tl.constexpr):
        """fp32 -> DTYPE, round to nearest even (the interpreter truncates to bf16: do it here)."""
        if INTERPRETED and DTYPE == tl.bfloat16:
            bits = value.to(tl.uint32, bitcast=True)
            bits = bits + 0x7FFF + ((bits >> 16) & 1)
            return (bits >> 16).to(tl.uint16).to(tl.bfloat16, bitcast=True)
        return value.to(DTYPE)

    @triton.jit
    def _dot(a, b, acc, INTERPRETED: tl.constexpr):
        """acc + a @ b; the interpreter multiplies bf16 as raw integers, so it gets fp32."""
        if INTERPRETED:
            return tl.dot(a.to(tl.float32), b.to(tl.float32), acc)
        return tl.dot(a, b, acc)

    @triton.jit
    def _dequant_kernel(packed_ptr, absmax_ptr, absmax2_ptr, code2_ptr, offset_ptr, lut_ptr,
                        out_ptr, n_bytes, n_out, BLOCKSIZE: tl.constexpr,
                        BLOCKSIZE2: tl.constexpr, NESTED: tl.constexpr, BYTES: tl.constexpr,
                        INTERPRETED: tl.constexpr):
        idx = tl.program_id(0) * BYTES + tl.arange(0, BYTES)
        mask = idx < n_bytes
        code = tl.load(packed_ptr + idx, mask=mask, other=0).to(tl.int32)
        scale = _scales(absmax_ptr, absmax2_ptr, code2_ptr, offset_ptr, idx // (BLOCKSIZE // 2),
                        mask, NESTED, BLOCKSIZE2, INTERPRETED)
        hi = tl.load(lut_ptr + (code >> 4)) * scale
        lo = tl.load(lut_ptr + (code & 15)) * scale
        where = tl.join(2 * idx, 2 * idx + 1)  # [BYTES, 2]
        tl.store(out_ptr + where, _round(tl.join(hi, lo), out_ptr.dtype.element_ty, INTERPRETED),
                 mask=where < n_out)

    @triton.jit
    def _tile(packed_ptr, absmax_ptr, absmax2_ptr, code2_ptr, offset_ptr, lut_ptr, n, n_mask,
              k0, K, BLOCKSIZE: tl.constexpr, BLOCKSIZE2: tl.constexpr, NESTED: tl.constexpr,
              BLOCK_K: tl.constexpr, INTERPRETED: tl.constexpr, DTYPE: tl.constexpr):
        """W[n, k0:k0+BLOCK_K] dequantized: even columns (high nibbles) and odd columns (low
        nibbles), each [BLOCK_N, BLOCK_K // BLOCKSIZE, BLOCKSIZE // 2] in DTYPE."""
        HALF: tl.constexpr = BLOCKSIZE // 2
        block = k0 // BLOCKSIZE + tl.arange(0, BLOCK_K // BLOCKSIZE)  # blocks within the row
        k_mask = block < K // BLOCKSIZE
        mask2 = n_mask[:, None] & k_mask[None, :]
        first = n[:, None] * (K // BLOCKSIZE) + block[None, :]  # [BN, G] block index
        scale = _scales(absmax_ptr, absmax2_ptr, code2_ptr, offset_ptr, first, mask2, NESTED,
                        BLOCKSIZE2, INTERPRETED)[:, :, None]
        byte = first[:, :, None] * HALF + tl.arange(0, HALF)[None, None, :]
        code = tl.load(packed_ptr + byte, mask=mask2[:, :, None], other=0).to(tl.int32)
        hi = _round(tl.load(lut_ptr + (code >> 4)) * scale, DTYPE, INTERPRETED)
        lo = _round(tl.load(lut_ptr + (code & 15)) * scale, DTYPE, INTERPRETED)
        return hi, lo

    @triton.jit
    def _gemv_kernel(x_ptr, packed_ptr, absmax_ptr, absmax2_ptr, code2_ptr, offset_ptr, lut_ptr,
                     out_ptr, N, K, BLOCKSIZE: tl.constexpr, BLOCKSIZE2: tl.constexpr,
                     NESTED: tl.constexpr, BLOCK_N: tl.constexpr, BLOCK_K: tl.constexpr,
                     SPLIT_K: tl.constexpr, INTERPRETED: tl.constexpr):
        """One row: out[n] = sum_k x[k] W[n, k]; program (n tile, k split); no tensor cores."""
        HALF: tl.constexpr = BLOCKSIZE // 2
        GROUPS: tl.constexpr = BLOCK_K // BLOCKSIZE
        n = tl.program_id(0) * BLOCK_N + tl.arange(0, BLOCK_N)
        n_mask = n < N
        span = tl.cdiv(K, SPLIT_K * BLOCK_K) * BLOCK_K
        start = tl.program_id(1) * span
        cols = (tl.arange(0, GROUPS)[:, None] * BLOCKSIZE + 2 * tl.arange(0, HALF)[None, :])
        acc = tl.zeros([BLOCK_N, GROUPS], dtype=tl.float32)  # a [BN, G, HALF] one spills
        for k0 in range(start, tl.minimum(start + span, K), BLOCK_K):
            hi, lo = _tile(packed_ptr, absmax_ptr, absmax2_ptr, code2_ptr, offset_ptr, lut_ptr,
                           n, n_mask, k0, K, BLOCKSIZE, BLOCKSIZE2, NESTED, BLOCK_K, INTERPRETED,
                           x_ptr.dtype.element_ty)
            k_mask = (k0 + cols) < K
            even = tl.load(x_ptr + k0 + cols, mask=k_mask, other=0.0).to(tl.float32)
            odd = tl.load(x_ptr + k0 + cols + 1, mask=k_mask, other=0.0).to(tl.float32)
            acc += tl.sum(hi.to(tl.float32) * even[None] + lo.to(tl.float32) * odd[None], axis=2)
        total = tl.sum(acc, axis=1)
        if SPLIT_K == 1:
            tl.store(out_ptr + n, total.to(out_ptr.dtype.element_ty), mask=n_mask)
        else:
            tl.store(out_ptr + tl.program_id(1) * N + n, total, mask=n_mask)

    @triton.jit
    def _matmul_kernel(x_ptr, packed_ptr, absmax_ptr, absmax2_ptr, code2_ptr, offset_ptr,
                       lut_ptr, out_ptr, M, N, K, stride_x, BLOCKSIZE: tl.constexpr,
                       BLOCKSIZE2: tl.constexpr, NESTED: tl.constexpr, BLOCK_M: tl.constexpr,
                       BLOCK_N: tl.constexpr, BLOCK_K: tl.constexpr, SPLIT_K: tl.constexpr,
                       INTERPRETED: tl.constexpr):
        """Up to BLOCK_M rows: out[m, n] = sum_k x[m, k] W[n, k]; program (n tile, m tile,
        k split); the dequantized tile feeds tl.dot."""
        HALF_K: tl.constexpr = BLOCK_K // 2
        n = tl.program_id(0) * BLOCK_N + tl.arange(0, BLOCK_N)
        m = tl.program_id(1) * BLOCK_M + tl.arange(0, BLOCK_M)
        n_mask, m_mask = n < N, m < M
        span = tl.cdiv(K, SPLIT_K * BLOCK_K) * BLOCK_K
        start = tl.program_id(2) * span
        cols = 2 * tl.arange(0, HALF_K)
        acc = tl.zeros([BLOCK_M, BLOCK_N], dtype=tl.float32)
        for k0 in range(start, tl.minimum(start + span, K), BLOCK_K):
            hi, lo = _tile(packed_ptr, absmax_ptr, absmax2_ptr, code2_ptr, offset_ptr, lut_ptr,
                           n, n_mask, k0, K, BLOCKSIZE, BLOCKSIZE2, NESTED, BLOCK_K, INTERPRETED,
                           x_ptr.dtype.element_ty)
            mask = m_mask[:, None] & ((k0 + cols) < K)[None, :]
            rows = x_ptr + m[:, None] * stride_x + k0 + cols[None, :]
            even = tl.load(rows, mask=mask, other=0.0)
            odd = tl.load(rows + 1, mask=mask, other=0.0)
            acc = _dot(even, tl.trans(tl.reshape(hi, [BLOCK_N, HALF_K])), acc, INTERPRETED)
            acc = _dot(odd, tl.trans(tl.reshape(lo, [BLOCK_N, HALF_K])), acc, INTERPRETED)
        where = m[:, None] * N + n[None, :]
        mask = m_mask[:, None] & n_mask[None, :]
        if SPLIT_K == 1:
            tl.store(out_ptr + where, acc.to(out_ptr.dtype.element_ty), mask=mask)
        else:
            tl.store(out_ptr + tl.program_id(2) * M * N + where, acc, mask=mask)

    @triton.jit
    def _sum_kernel(partial_ptr, out_ptr, size, SPLIT_K: tl.constexpr, BLOCK: tl.constexpr):
        """out = sum of the SPLIT_K fp32 partials, in a fixed order (deterministic)."""
        idx = tl.program_id(0) * BLOCK + tl.arange(0, BLOCK)
        mask = idx < size
        total = tl.zeros([BLOCK], dtype=tl.float32)
        for s in range(SPLIT_K):
            total += tl.load(partial_ptr + s * size + idx, mask=mask, other=0.0)
        tl.store(out_ptr + idx, total.to(out_ptr.dtype.element_ty), mask=mask)


def _weight_args(w: PackedWeight) -> tuple:
    return (w.packed, w.absmax, w.absmax2, w.code2, w.offset, w.lut)


def dequantize(w: PackedWeight, dtype: torch.dtype = torch.bfloat16) -> torch.Tensor:
    """The whole weight [N, K] in `dtype`, as bitsandbytes.functional.dequantize_4bit gives it."""
    n_out = w.out_features * w.in_features
    out = torch.empty(w.out_features, w.in_features, dtype=dtype, device=w.packed.device)
    block = 1024
    _dequant_kernel[(triton.cdiv(w.packed.numel(), block),)](
        *_weight_args(w), out, w.packed.numel(), n_out, BLOCKSIZE=w.blocksize,
        BLOCKSIZE2=w.blocksize2, NESTED=w.nested, BYTES=block, INTERPRETED=_INTERPRET)
    return out


def matmul_4bit(x: torch.Tensor, w: PackedWeight, config: Config | None = None) -> torch.Tensor:
    """x [..., K] (bf16 or fp16, at most MAX_ROWS rows) times dequant(W)ᵀ: [..., N] in x's
    dtype, fp32 accumulation."""
    n, k = w.out_features, w.in_features
    rows = x.reshape(-1, k)
    if rows.stride(-1) != 1:
        rows = rows.contiguous()
    m = rows.shape[0]
    cfg = config or default_config(m, n, k)
    out = torch.empty(m, n, dtype=x.dtype, device=x.device)
    target = out if cfg.split_k == 1 else torch.empty(cfg.split_k, m, n, dtype=torch.float32,
                                                      device=x.device)
    common = dict(BLOCKSIZE=w.blocksize, BLOCKSIZE2=w.blocksize2, NESTED=w.nested,
                  BLOCK_N=cfg.block_n, BLOCK_K=cfg.block_k, SPLIT_K=cfg.split_k,
                  INTERPRETED=_INTERPRET, num_warps=cfg.num_warps, num_stages=cfg.num_stages)
    tiles_n = triton.cdiv(n, cfg.block_n)
    if m == 1:
        _gemv_kernel[(tiles_n, cfg.split_k)](rows, *_weight_args(w), target, n, k, **common)
    else:
        block_m = _bucket(m)
        _matmul_kernel[(tiles_n, triton.cdiv(m, block_m), cfg.split_k)](
            rows, *_weight_args(w), target, m, n, k, rows.stride(0), BLOCK_M=block_m, **common)
    if cfg.split_k > 1:
        block = 1024
        _sum_kernel[(triton.cdiv(m * n, block),)](target, out, m * n, SPLIT_K=cfg.split_k,
                                                   BLOCK=block)
    return out.reshape(*x.shape[:-1], n)
