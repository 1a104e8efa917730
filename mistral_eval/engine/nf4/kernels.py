"""Fused 4-bit matmuls over bitsandbytes' own packed layout, in Triton: y = x · dequant(W)ᵀ.

The weights stay exactly what bitsandbytes stores (4-bit NF4/FP4 codes two to a byte, high nibble
first, one absmax per block of 64 along the flattened [N, K] weight, the absmax itself 8-bit
double-quantized in groups of 256 plus an offset); the kernels (mistral_eval.engine.nf4.triton_kernels) read it
directly: matrix-vector kernels for one row (Config.kernel: table gathers, the register
lookup feeding FMAs, or one PTX program per word of 8 codes: "prmt"), a dequantize-in-registers + `tl.dot` kernel for 2-64 rows; more rows (a prefill) stay on bitsandbytes' dequantize + GEMM. `dequantize` is
bit-identical to `bitsandbytes.functional.dequantize_4bit`; the matmuls agree with it within
bf16/fp16 rounding (fp32 accumulation).

Which path runs per case (MISTRAL_EVAL_NF4_KERNELS): `auto` (default) runs the fused kernels for
a (rows bucket, N, K) only where FASTER, a table of kernel timings measured on an H100 against
bitsandbytes (benchmarks/NOTES.md, step 4), says they win -- Mistral-7B's shapes, which
tests/gpu/test_equivalence.py also compares at the logit level (step 9) -- on cards of compute
capability 8.0+; a launch that raises (a compile failure) falls back to bitsandbytes with one
warning line, and the kernels never run interpreted on CUDA tensors (TRITON_INTERPRET=1);
`0` never runs them (bitsandbytes' own kernels); `1` runs them for every supported case (7.5+).
`matmul_path` says which (ModelInfo.matmul).

Knows bitsandbytes' Linear4bit / QuantState and Triton; knows nothing about models, generation or
the engine, which swaps these forwards in with `fused_4bit`."""

from __future__ import annotations

import os
import warnings
import weakref
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import torch

from mistral_eval.core.choices import switch_mode
from mistral_eval.core.errors import ConfigError
from mistral_eval.engine.forwards import swapped_forwards
from mistral_eval.engine.nf4 import triton_kernels as _k
from mistral_eval.engine.nf4.lookup import dot_table, lookup_asm, word_dot_asm
from mistral_eval.engine.nf4.tables import FASTER, TUNED, Config
from mistral_eval.engine.nf4.triton_kernels import triton

__all__ = ["MAX_ROWS", "Config", "PackedWeight", "default_config", "dequantize", "fused_4bit",
           "groupable", "guarded", "matmul_4bit", "matmul_group", "matmul_path", "packed_weight",
           "rows_bucket", "runs_here", "uses_fused"]

MAX_ROWS = 64
"""Most rows of x the fused kernels take; more (prefill) run bitsandbytes' dequantize + GEMM."""
OPT_IN_ENV = "MISTRAL_EVAL_NF4_KERNELS"
"""auto (default): the fused kernels where FASTER says they beat bitsandbytes; 0 never; 1 always."""
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


def unsupported(module) -> str | None:
    """Why the fused kernels cannot run this Linear4bit (None when they can)."""
    qs = getattr(module.weight, "quant_state", None)
    if qs is None:
        return "the weight is not quantized yet"
    if getattr(qs, "packing_format_for_cpu", False):
        return "bitsandbytes repacked the weight for its CPU kernel"
    if qs.quant_type not in ("nf4", "fp4") or qs.blocksize % 2:
        return f"quant type {qs.quant_type} with blocksize {qs.blocksize}"
    if qs.shape[1] % qs.blocksize or qs.blocksize not in (32, 64, 128, 256):
        return (f"in_features {qs.shape[1]} with blocksize {qs.blocksize} (the kernels take "
                "blocksizes 32-256 that divide in_features)")
    if module.weight.data_ptr() % 4:
        return "the packed codes are not 4-byte aligned"
    if module.compute_dtype not in _DTYPES:
        return f"compute dtype {module.compute_dtype} (the kernels take bf16 and fp16)"
    return None


def _linears(model) -> list:
    return [m for m in model.modules() if is_4bit(m)]


def _mode() -> str:
    return switch_mode(OPT_IN_ENV, "the fused kernels where measured faster", "always fused",
                       "always bitsandbytes")


def uses_fused(rows: int, out_features: int, in_features: int) -> bool:
    """Whether a swapped-in forward (`fused_4bit`) runs the fused kernels for `rows` rows of this
    shape: always under MISTRAL_EVAL_NF4_KERNELS=1, under auto where FASTER says so."""
    if rows > MAX_ROWS:
        return False
    mode = _mode()
    return mode == "1" or (mode == "auto" and FASTER.get((rows_bucket(rows), out_features,
                                                          in_features), False))


def matmul_path(model) -> str:
    """Which matmul the model's 4-bit layers run under the fast engine: 'triton-nf4' (this
    module, for the cases `uses_fused` picks; bitsandbytes for the others and for prefill),
    'bitsandbytes' (its own kernels only: no CUDA card with Triton, an unsupported layer, no
    measured win for these shapes, or MISTRAL_EVAL_NF4_KERNELS=0), or 'torch' (no 4-bit layers)."""
    linears = _linears(model)
    if not linears:
        return "torch"
    device = linears[0].weight.device
    mode = _mode()
    if (triton is None or mode == "0" or device.type != "cuda"
            or torch.cuda.get_device_capability(device) < ((7, 5) if mode == "1" else (8, 0))
            or any(unsupported(m) for m in linears)):
        return "bitsandbytes"
    if _INTERPRET:
        _warn_once("interpret", "TRITON_INTERPRET=1 on a CUDA model: bitsandbytes' kernels run "
                   "(the interpreter is for CPU tensors)")
        return "bitsandbytes"
    shapes = {tuple(int(d) for d in m.weight.quant_state.shape) for m in linears}
    wins = mode == "1" or any(uses_fused(rows, n, k) for n, k in shapes for rows in (1, 16, 32, 64))
    return "triton-nf4" if wins else "bitsandbytes"


@contextmanager
def fused_4bit(model, enabled: bool = True) -> Iterator[int]:
    """Inside, every supported Linear4bit of `model` runs the fused kernels where `uses_fused`
    says so (bitsandbytes' forward otherwise); yields how many layers were switched. Callers decide
    with `matmul_path`; the CPU tests force it under the Triton interpreter."""
    with swapped_forwards() as swap:
        switched = _switch_plan(model) if enabled else []
        for module, forward in switched:
            swap(module, forward)
        yield len(switched)


@dataclass
class _Planned:
    """One Linear4bit in a model's switch plan: the (weight, quant state, compute dtype) it was
    checked with (bitsandbytes quantizes a weight in place: the state tells), whether the kernels
    take it, the instance forward it had then (None: its class's), and the fused forward built over
    that forward."""

    module: Any
    weight: Any
    supported: bool
    built_over: Any
    forward: Any


_SWITCH_PLANS: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def _switch_plan(model) -> list[tuple[Any, Any]]:
    """(module, its fused forward) for every supported Linear4bit of `model`. The walk over the
    model's modules is done once per model (fused_4bit runs on every generate call: rebuilding it
    cost ~1,400 module visits, 224 support checks and closures per call); an entry is checked again
    when its weight, quant state or compute dtype object changed, and a fresh forward is built
    when the module's own forward attribute is not the one the cached forward wraps."""
    if model not in _SWITCH_PLANS:
        _SWITCH_PLANS[model] = [_Planned(m, None, False, None, None) for m in _linears(model)]
    out = []
    for entry in _SWITCH_PLANS[model]:
        module = entry.module
        checked = (module.weight, getattr(module.weight, "quant_state", None), module.compute_dtype)
        if entry.weight is None or any(a is not b for a, b in zip(checked, entry.weight)):
            entry.weight, entry.supported, entry.forward = checked, not unsupported(module), None
        if not entry.supported:
            continue
        own = module.__dict__.get("forward")
        if entry.forward is None or own is not entry.built_over:
            entry.built_over, entry.forward = own, _fused_forward(module, module.forward)
        out.append((module, entry.forward))
    return out


_PACKED: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
_WARNED: set = set()
_BROKEN: set = set()  # (rows bucket, N, K, dtype) whose launch raised once: bitsandbytes from then on


def _warn_once(key, message: str) -> None:
    if key not in _WARNED:
        _WARNED.add(key)
        warnings.warn(f"mistral_eval NF4 kernels: {message}", stacklevel=3)


def runs_here(x: torch.Tensor) -> bool:
    """Whether the kernels can take x: compiled on CUDA, or interpreted on the CPU (the tests)."""
    return x.is_cuda != _INTERPRET


def guarded(key: tuple, kernel, fallback):
    """kernel(), or fallback() with one warning line if it raises (a compile or launch failure);
    the case `key` then stays on bitsandbytes."""
    if key in _BROKEN:
        return fallback()
    try:
        return kernel()
    except torch.OutOfMemoryError:
        raise
    except Exception as exc:  # noqa: BLE001 - any kernel failure: bitsandbytes is correct
        _BROKEN.add(key)
        _warn_once(("broken", key), f"{key} failed ({type(exc).__name__}: "
                   f"{str(exc).splitlines()[0][:120] if str(exc) else ''}); bitsandbytes runs")
        return fallback()


def packed_for(module) -> PackedWeight:
    """A Linear4bit's PackedWeight, made once and kept as long as the module lives (a captured
    CUDA graph keeps reading its tensors)."""
    if module not in _PACKED:
        _PACKED[module] = packed_weight(module.weight, module.weight.quant_state)
    return _PACKED[module]


def is_4bit(module) -> bool:
    """Whether `module` is a bitsandbytes Linear4bit."""
    try:
        import bitsandbytes as bnb
    except ImportError:
        return False
    return isinstance(module, bnb.nn.Linear4bit)


def _fused_forward(module, original):
    weight = packed_for(module)
    dtype = module.compute_dtype

    def fused(x: torch.Tensor) -> torch.Tensor:
        y = matmul_4bit(x.to(dtype), weight)
        if module.bias is not None:
            y = y + module.bias.to(dtype)
        return y.to(x.dtype)

    def forward(x: torch.Tensor) -> torch.Tensor:
        rows = x.numel() // weight.in_features
        if not runs_here(x) or not uses_fused(rows, weight.out_features, weight.in_features):
            return original(x)
        key = (rows_bucket(rows), weight.out_features, weight.in_features, dtype)
        return guarded(key, lambda: fused(x), lambda: original(x))

    return forward


# ---------------------------------------------------------------------------------------------
# Configs and launches


def rows_bucket(rows: int) -> int:
    """1 for the matrix-vector kernel, else the tile height tl.dot runs (16, 32 or 64)."""
    return 1 if rows == 1 else max(16, 1 << (rows - 1).bit_length())


def default_config(rows: int, n: int, k: int) -> Config:
    """TUNED's config, else one that gives ~130 multiprocessors at least one program each."""
    bucket = rows_bucket(rows)
    tuned = TUNED.get((bucket, n, k))
    if tuned:
        return tuned
    block_n, block_k = (16, 1024) if bucket == 1 else (64, 128)
    while block_k > 64 and k % block_k:
        block_k //= 2
    split = 1
    while -(-n // block_n) * split < 132 and k // (block_k * split * 2) >= 2:
        split *= 2
    return Config(block_n, block_k, split)


def _lookup_args(lut: torch.Tensor, dtype: torch.dtype) -> tuple[torch.Tensor, str]:
    """The table rounded to the compute dtype (what the register lookup yields; stored fp32, for
    the interpreter) and the lookup's PTX: made once per table, before any graph capture reads
    them (the PTX needs the values on the host)."""
    key = (id(lut), dtype)
    if key not in _LOOKUPS:
        _LOOKUPS[key] = (lut.to(dtype).float(), lookup_asm(lut.cpu(), dtype))
    return _LOOKUPS[key]


_LOOKUPS: dict = {}  # the luts are _LUTS' own, kept for the process: ids stay valid


def _dot_args(lut: torch.Tensor, dtype: torch.dtype) -> tuple[torch.Tensor, torch.Tensor]:
    """The prmt GEMV's table (`dot_table`) on the lut's device: the fp32 values it yields (for the
    interpreter) and its 10 int32 words (the PTX's register inputs); made once per table and dtype,
    before any graph capture reads them."""
    key = ("dot", id(lut), dtype)
    if key not in _LOOKUPS:
        words, values = dot_table(lut.cpu(), dtype)
        signed = [v - (1 << 32) if v >= 1 << 31 else v for v in words]
        _LOOKUPS[key] = (values.to(lut.device),
                         torch.tensor(signed, dtype=torch.int32, device=lut.device))
    return _LOOKUPS[key]


def _weight_args(w: PackedWeight) -> tuple:
    return (w.packed, w.absmax, w.absmax2, w.code2, w.offset, w.lut)


def dequantize(w: PackedWeight, dtype: torch.dtype = torch.bfloat16) -> torch.Tensor:
    """The whole weight [N, K] in `dtype`, as bitsandbytes.functional.dequantize_4bit gives it."""
    n_out = w.out_features * w.in_features
    out = torch.empty(w.out_features, w.in_features, dtype=dtype, device=w.packed.device)
    block = 1024
    _k.dequant_kernel[(triton.cdiv(w.packed.numel(), block),)](
        *_weight_args(w), out, w.packed.numel(), n_out, BLOCKSIZE=w.blocksize,
        BLOCKSIZE2=w.blocksize2, NESTED=w.nested, BYTES=block, INTERPRETED=_INTERPRET)
    return out


def matmul_4bit(x: torch.Tensor, w: PackedWeight, config: Config | None = None) -> torch.Tensor:
    """x [..., K] (bf16 or fp16, at most MAX_ROWS rows) times dequant(W)ᵀ: [..., N] in x's
    dtype, fp32 accumulation."""
    return launch(x, w, config)[0]


def launch(x: torch.Tensor, w: PackedWeight, config: Config | None = None,
           out: torch.Tensor | None = None):
    """matmul_4bit's output and the compiled main kernel (for its resource report: n_regs,
    n_spills, asm). `out`: where one row's output goes (a [1, N] view of contiguous memory)."""
    n, k = w.out_features, w.in_features
    rows = x.reshape(-1, k)
    if rows.stride(-1) != 1 or rows.data_ptr() % 4:  # the GEMV reads x as int32 pairs
        rows = rows.contiguous() if rows.stride(-1) != 1 else rows.clone()
    m = rows.shape[0]
    cfg = config or default_config(m, n, k)
    if out is None:
        out = torch.empty(m, n, dtype=x.dtype, device=x.device)
    elif m != 1 or out.shape != (1, n) or out.stride(-1) != 1 or out.dtype != x.dtype:
        raise ConfigError(f"out {tuple(out.shape)} {out.dtype}: one row [1, {n}] in {x.dtype} wanted",
                          field="out")
    target = out if cfg.split_k == 1 else torch.empty(cfg.split_k, m, n, dtype=torch.float32,
                                                      device=x.device)
    common = dict(K=k, BLOCKSIZE=w.blocksize, BLOCKSIZE2=w.blocksize2, NESTED=w.nested,
                  BLOCK_N=cfg.block_n, SPLIT_K=cfg.split_k, INTERPRETED=_INTERPRET,
                  num_warps=cfg.num_warps, num_stages=cfg.num_stages)
    tiles_n = triton.cdiv(n, cfg.block_n)
    groups = max(1, cfg.block_k // w.blocksize)
    if m == 1 and cfg.kernel == "gemv":
        kernel = _k.gemv_kernel[(tiles_n, cfg.split_k)](
            rows, *_weight_args(w), target, n, GROUPS=groups, **common)
    elif m == 1 and cfg.kernel == "lookup":
        rounded, lookup = _lookup_args(w.lut, x.dtype)
        kernel = _k.gemv_lookup_kernel[(tiles_n, cfg.split_k)](
            rows, *_weight_args(w)[:-1], rounded, target, n, GROUPS=groups, LOOKUP=lookup, **common)
    elif m == 1 and cfg.kernel in ("prmt", "prmt-shared"):
        if x.dtype == torch.float16 and x.is_cuda:  # not verified: NOTES.md step 12
            raise ConfigError("the prmt GEMV is verified for bfloat16 only (float16 read 1.6e-3 "
                              "relative error on an H200, over the 1e-3 tolerance)", field="kernel")
        values, words = _dot_args(w.lut, x.dtype)
        kernel = _k.gemv_prmt_kernel[(tiles_n, cfg.split_k)](
            rows, *_weight_args(w)[:-1], values, words, target, n,
            GROUPS=groups, DOT=word_dot_asm(x.dtype), WIDE=cfg.kernel == "prmt", **common)
    else:
        block_m = max(16, rows_bucket(m))
        rounded, lookup = _lookup_args(w.lut, x.dtype)
        kernel = _k.tile_kernel[(tiles_n, triton.cdiv(m, block_m), cfg.split_k)](
            rows, *_weight_args(w)[:-1], rounded, target, m, n, rows.stride(0), BLOCK_M=block_m,
            LOOKUP=lookup, **common)
    if cfg.split_k > 1:
        _sum_partials(target, out, cfg.split_k)
    return out.reshape(*x.shape[:-1], n), kernel


_SUM_BLOCK = 1024


def _one_row_group(row: torch.Tensor, weights: Sequence[PackedWeight], silu: bool) -> torch.Tensor:
    """matmul_group for one row through the one-row kernels, one launch per weight: outputs side
    by side (each kernel writes its own columns), or SiLU(gate) * up rounded as MistralMLP rounds
    (torch's ops on the dtype)."""
    if silu:
        gate, up = (matmul_4bit(row, w) for w in weights)
        return torch.nn.functional.silu(gate) * up
    out = torch.empty(1, sum(w.out_features for w in weights), dtype=row.dtype, device=row.device)
    start = 0
    for w in weights:  # each writes its columns: no concatenation
        launch(row, w, out=out[:, start:start + w.out_features])
        start += w.out_features
    return out


def _sum_partials(partial: torch.Tensor, out: torch.Tensor, split_k: int) -> None:
    """out = the sum of fp32 split-K partials [split_k, *out.shape], in a fixed order."""
    _k.sum_kernel[(triton.cdiv(out.numel(), _SUM_BLOCK),)](partial, out, out.numel(),
                                                             SPLIT_K=split_k, BLOCK=_SUM_BLOCK)


def groupable(weights: Sequence[PackedWeight]) -> bool:
    """Whether these weights (of one input) can share a `matmul_group` launch: 2-3 of them with
    the same K, blocks, nesting, table and second-level code."""
    first = weights[0]
    return 2 <= len(weights) <= 3 and all(
        w.in_features == first.in_features and w.blocksize == first.blocksize
        and w.blocksize2 == first.blocksize2 and w.nested == first.nested and w.lut is first.lut
        and (w.code2 is first.code2 or torch.equal(w.code2, first.code2)) for w in weights)


def matmul_group(x: torch.Tensor, weights: Sequence[PackedWeight], config: Config | None = None,
                 silu: bool = False) -> torch.Tensor:
    """x [..., K] times 2-3 weights of the same K (`groupable`) in one launch: [..., N0 + N1 (+ N2)],
    their outputs side by side (slice them; the slices are views). With `silu` (two weights: gate,
    up): SiLU(x gate^T) * (x up^T) [..., N], rounded as transformers' MistralMLP rounds. The
    config is the first weight's (default_config); one row under a one-row kernel's config
    (not "tile") runs each weight through matmul_4bit with its own config instead."""
    first = weights[0]
    k = first.in_features
    rows = x.reshape(-1, k)
    if rows.stride(-1) != 1:
        rows = rows.contiguous()
    m = rows.shape[0]
    ns = [w.out_features for w in weights]
    total = sum(ns)
    cfg = config or default_config(m, ns[0], k)
    if m == 1 and cfg.kernel != "tile":  # a one-row kernel: each weight with its own config
        return _one_row_group(rows, weights, silu).reshape(*x.shape[:-1], -1)
    block_m = max(16, rows_bucket(m))
    tiles = [triton.cdiv(n, cfg.block_n) for n in ns]
    partial = (torch.empty(cfg.split_k, m, total, dtype=torch.float32, device=x.device)
               if silu or cfg.split_k > 1 else None)
    out = torch.empty(m, total // 2 if silu else total, dtype=x.dtype, device=x.device)
    padded = list(weights) + [weights[-1]] * (3 - len(weights))
    rounded, lookup = _lookup_args(first.lut, x.dtype)
    _k.group_kernel[(sum(tiles), triton.cdiv(m, block_m), cfg.split_k)](
        rows, *(t for w in padded for t in (w.packed, w.absmax, w.absmax2, w.offset)), first.code2,
        rounded, out if partial is None else partial, m, ns[0], ns[1], ns[-1], tiles[0],
        tiles[0] + tiles[1], rows.stride(0), total, K=k, BLOCKSIZE=first.blocksize,
        BLOCKSIZE2=first.blocksize2, NESTED=first.nested, BLOCK_M=block_m, BLOCK_N=cfg.block_n,
        SPLIT_K=cfg.split_k, LOOKUP=lookup, GROUP=len(weights), INTERPRETED=_INTERPRET,
        num_warps=cfg.num_warps, num_stages=cfg.num_stages)
    if silu:
        _k.silu_sum_kernel[(triton.cdiv(out.numel(), _SUM_BLOCK),)](
            partial, out, m, total // 2, SPLIT_K=cfg.split_k, BLOCK=_SUM_BLOCK,
            INTERPRETED=_INTERPRET)
    elif partial is not None:
        _sum_partials(partial, out, cfg.split_k)
    return out.reshape(*x.shape[:-1], out.shape[-1])
