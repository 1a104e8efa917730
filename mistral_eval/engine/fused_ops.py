"""Fused Triton kernels for the small ops of a Mistral decode step: RMSNorm, SiLU(gate) * up and
the rotary embedding of q and k, one kernel each where transformers' eager code launches several.

Each kernel rounds where transformers' bf16/fp16 code rounds (same formulas, fp32 in between), so
results agree within one unit in the last place of the dtype (a different exp/rsqrt or summation
order). `fused_step` swaps them into a model's MistralRMSNorm and MistralMLP forwards and
modeling_mistral's `apply_rotary_pos_emb` while the engine generates; anything the kernels do not
take (other dtypes, CPU tensors outside the Triton interpreter, other shapes) runs the original.

Which shapes run fused (MISTRAL_EVAL_FUSED_OPS): `auto` (default) only those in VERIFIED, the
shapes tests/gpu/test_equivalence.py compares at the logit level against transformers' own ops on
the card; `1` every shape the kernels take (opt-in); `0` none. A shape left out, or a kernel that
raises (a compile failure), runs transformers' op, with one warning line per case. The kernels
never run interpreted on CUDA tensors (TRITON_INTERPRET=1 is for the CPU tests: the interpreter
copies every argument's storage to the host per launch and cannot run under graph capture).

Knows Triton and transformers' Mistral modules; knows nothing about 4-bit layers (the MLP's
projections stay the modules' own), caches or the engine, which decides with `use_fused_ops`.
"""

from __future__ import annotations

import os
import warnings
import weakref
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import torch

from mistral_eval.core.choices import switch_mode
from mistral_eval.engine.forwards import swapped_forwards
from mistral_eval.engine.nf4.triton_kernels import triton

__all__ = ["OPT_IN_ENV", "VERIFIED", "fused_step", "rms_norm", "rotary", "runs_fused", "silu_mul",
           "use_fused_ops"]

OPT_IN_ENV = "MISTRAL_EVAL_FUSED_OPS"
"""auto (default): the fused kernels on CUDA cards of compute capability 8.0+; 1: also 7.5 (T4,
not measured); 0: transformers' own eager ops."""
_INTERPRET = os.environ.get("TRITON_INTERPRET") == "1"
_DTYPES = (torch.bfloat16, torch.float16)
_AS_TORCH = {} if _INTERPRET else {"enable_fp_fusion": False}
"""Round each product as torch does: with fusion on, Triton turns a bf16 product and the sum after
it into one fma.rn.bf16 (one rounding), which moved the rotary embedding up to 31 ulps on an H100
(the PTX shows it; the interpreter rounds every operation)."""
_MAX_HIDDEN = 1 << 15  # one RMSNorm row is one block of registers

VERIFIED: dict[str, frozenset] = {
    "rms_norm": frozenset({(4096, torch.bfloat16), (4096, torch.float16)}),
    "silu_mul": frozenset({(14336, torch.bfloat16), (14336, torch.float16)}),
    "rotary": frozenset({(32, 8, 128, torch.bfloat16), (32, 8, 128, torch.float16)}),
}
"""Per op, the shapes `auto` runs fused: (hidden, dtype), (intermediate, dtype), (q heads, k heads,
head dim, dtype) -- Mistral-7B's, compared with transformers' ops at the logit level on an H200
(tests/gpu/test_equivalence.py; benchmarks/NOTES.md, step 9) for every batch and length the kernels
take (rows and tokens are grid dimensions, no kernel has a length constraint)."""
_WARNED: set = set()
_BROKEN: set = set()  # (op, shape) whose kernel raised once: transformers' op from then on

if triton is not None:
    import triton.language as tl

    from mistral_eval.engine.nf4.triton_kernels import round_to

    @triton.jit
    def _rms_norm_kernel(x_ptr, w_ptr, out_ptr, n, stride_x, stride_out, eps,
                         BLOCK: tl.constexpr, INTERPRETED: tl.constexpr):
        """One row: w * (x * rsqrt(mean(x²) + eps)) rounded to x's dtype, then to out's."""
        cols = tl.arange(0, BLOCK)
        mask = cols < n
        row = tl.program_id(0).to(tl.int64)  # rows x stride may pass 2^31
        x = tl.load(x_ptr + row * stride_x + cols, mask=mask, other=0.0).to(tl.float32)
        variance = tl.sum(x * x, axis=0) / n
        normed = round_to(x * tl.math.rsqrt(variance + eps), x_ptr.dtype.element_ty, INTERPRETED)
        w = tl.load(w_ptr + cols, mask=mask, other=0.0).to(tl.float32)
        out = round_to(w * normed.to(tl.float32), out_ptr.dtype.element_ty, INTERPRETED)
        tl.store(out_ptr + row * stride_out + cols, out, mask=mask)

    @triton.jit(do_not_specialize=["numel"])  # one compile for every length
    def _silu_mul_kernel(gate_ptr, up_ptr, out_ptr, numel, BLOCK: tl.constexpr,
                         INTERPRETED: tl.constexpr):
        """round_to(round_to(g / (1 + exp(-g))) * up), SiLU in fp32 as torch computes it for bf16/fp16."""
        idx = tl.program_id(0).to(tl.int64) * BLOCK + tl.arange(0, BLOCK)  # numel may pass 2^31
        mask = idx < numel
        g = tl.load(gate_ptr + idx, mask=mask, other=0.0).to(tl.float32)
        up = tl.load(up_ptr + idx, mask=mask, other=0.0).to(tl.float32)
        dtype = out_ptr.dtype.element_ty
        act = round_to(g / (1.0 + tl.exp(-g)), dtype, INTERPRETED).to(tl.float32)
        tl.store(out_ptr + idx, round_to(act * up, dtype, INTERPRETED), mask=mask)

    @triton.jit
    def _rotate(x_ptr, out_ptr, x_sh, x_sd, out_sh, out_sd, n_heads, c1, c2, s1, s2,
                HALF: tl.constexpr, BLOCK_HALF: tl.constexpr, BLOCK_H: tl.constexpr,
                DTYPE: tl.constexpr, INTERPRETED: tl.constexpr):
        """One token's heads [H, D]: out = x * cos + rotate_half(x) * sin, rounded as torch does
        (each product, then the sum)."""
        heads = tl.arange(0, BLOCK_H)
        half = tl.arange(0, BLOCK_HALF)
        mask = (heads < n_heads)[:, None] & (half < HALF)[None, :]
        x_at = x_ptr + heads[:, None] * x_sh + half[None, :] * x_sd
        out_at = out_ptr + heads[:, None] * out_sh + half[None, :] * out_sd
        x1 = tl.load(x_at, mask=mask, other=0.0).to(tl.float32)
        x2 = tl.load(x_at + HALF * x_sd, mask=mask, other=0.0).to(tl.float32)
        out1 = (round_to(x1 * c1, DTYPE, INTERPRETED).to(tl.float32)
                + round_to(-x2 * s1, DTYPE, INTERPRETED).to(tl.float32))
        out2 = (round_to(x2 * c2, DTYPE, INTERPRETED).to(tl.float32)
                + round_to(x1 * s2, DTYPE, INTERPRETED).to(tl.float32))
        tl.store(out_at, round_to(out1, DTYPE, INTERPRETED), mask=mask)
        tl.store(out_at + HALF * out_sd, round_to(out2, DTYPE, INTERPRETED), mask=mask)

    @triton.jit(do_not_specialize=["seq"])  # prefill and decode: one compile
    def _rotary_kernel(q_ptr, k_ptr, cos_ptr, sin_ptr, q_out, k_out, seq, n_q, n_k,
                       qs0, qs1, qs2, qs3, ks0, ks1, ks2, ks3, qo0, qo1, qo2, qo3,
                       ko0, ko1, ko2, ko3, cs0, cs1, cs2, ss0, ss1, ss2, HALF: tl.constexpr,
                       BLOCK_HALF: tl.constexpr, BLOCK_Q: tl.constexpr, BLOCK_K: tl.constexpr,
                       INTERPRETED: tl.constexpr):
        """Program (b, s): every q head and every k head of that token; cos/sin read once."""
        b = (tl.program_id(0) // seq).to(tl.int64)  # b x batch stride may pass 2^31
        s = tl.program_id(0) % seq
        half = tl.arange(0, BLOCK_HALF)
        hmask = half < HALF
        cos_at = cos_ptr + b * cs0 + s * cs1 + half * cs2
        sin_at = sin_ptr + b * ss0 + s * ss1 + half * ss2
        c1 = tl.load(cos_at, mask=hmask, other=0.0).to(tl.float32)[None, :]
        c2 = tl.load(cos_at + HALF * cs2, mask=hmask, other=0.0).to(tl.float32)[None, :]
        s1 = tl.load(sin_at, mask=hmask, other=0.0).to(tl.float32)[None, :]
        s2 = tl.load(sin_at + HALF * ss2, mask=hmask, other=0.0).to(tl.float32)[None, :]
        dtype = q_out.dtype.element_ty
        _rotate(q_ptr + b * qs0 + s * qs2, q_out + b * qo0 + s * qo2, qs1, qs3, qo1, qo3, n_q,
                c1, c2, s1, s2, HALF, BLOCK_HALF, BLOCK_Q, dtype, INTERPRETED)
        _rotate(k_ptr + b * ks0 + s * ks2, k_out + b * ko0 + s * ko2, ks1, ks3, ko1, ko3, n_k,
                c1, c2, s1, s2, HALF, BLOCK_HALF, BLOCK_K, dtype, INTERPRETED)

def _on_kernel_device(*tensors: torch.Tensor) -> bool:
    """Whether the kernels can take these tensors: bf16/fp16 on CUDA (or under the interpreter)."""
    return triton is not None and all(
        t.dtype in _DTYPES and t.dtype == tensors[0].dtype and t.device == tensors[0].device
        and (t.is_cuda != _INTERPRET) for t in tensors)


def _warn_once(key, message: str) -> None:
    if key not in _WARNED:
        _WARNED.add(key)
        warnings.warn(f"mistral_eval fused ops: {message}", stacklevel=3)


def runs_fused(op: str, shape: tuple) -> bool:
    """Whether `op` ("rms_norm", "silu_mul", "rotary") runs fused for `shape` (a VERIFIED key)
    under the current mode, silently: VERIFIED under auto, any under 1, none under 0."""
    mode = _mode()
    return mode != "0" and (shape in VERIFIED[op] or mode == "1")


def _allowed(op: str, shape: tuple) -> bool:
    """Whether `op` runs fused for `shape` (VERIFIED under auto, any under 1), warning once for a
    shape auto leaves to transformers."""
    if (op, shape) in _BROKEN:
        return False
    if shape in VERIFIED[op] or _mode() == "1":
        return True
    _warn_once((op, shape), f"{op} {shape[:-1]} {str(shape[-1])[6:]} is not in the verified set; "
               "transformers' op runs (MISTRAL_EVAL_FUSED_OPS=1 forces the kernel)")
    return False


def _guarded(op: str, shape: tuple, kernel, fallback):
    """kernel(), or fallback() with one warning line if it raises (a compile or launch failure);
    the shape then stays on fallback."""
    try:
        return kernel()
    except torch.OutOfMemoryError:
        raise
    except Exception as exc:  # noqa: BLE001 - any kernel failure: transformers' op is correct
        _BROKEN.add((op, shape))
        _warn_once(("broken", op, shape), f"{op} {shape} failed ({type(exc).__name__}: "
                   f"{str(exc).splitlines()[0][:120] if str(exc) else ''}); transformers' op runs")
        return fallback()


def rms_norm(x: torch.Tensor, weight: torch.Tensor, eps: float) -> torch.Tensor:
    """MistralRMSNorm: weight * (x * rsqrt(mean(x²) + eps)).to(x.dtype), x [..., N] bf16/fp16,
    weight [N] (any float dtype: the result has the promoted dtype, as in torch)."""
    n = x.shape[-1]
    rows = x.reshape(-1, n)
    if rows.stride(-1) != 1:
        rows = rows.contiguous()
    out = torch.empty(rows.shape, dtype=torch.promote_types(weight.dtype, x.dtype), device=x.device)
    block = triton.next_power_of_2(n)
    _rms_norm_kernel[(rows.shape[0],)](rows, weight, out, n, rows.stride(0), out.stride(0),
                                       float(eps), BLOCK=block, INTERPRETED=_INTERPRET,
                                       num_warps=4 if block <= 1024 else 8, **_AS_TORCH)
    return out.reshape(x.shape)


def silu_mul(gate: torch.Tensor, up: torch.Tensor) -> torch.Tensor:
    """SiLU(gate) * up in one kernel; gate and up of one shape and dtype (bf16/fp16)."""
    gate, up = gate.contiguous(), up.contiguous()
    out = torch.empty_like(gate)
    block = 1024
    _silu_mul_kernel[(triton.cdiv(gate.numel(), block),)](gate, up, out, gate.numel(),
                                                          BLOCK=block, INTERPRETED=_INTERPRET,
                                                          **_AS_TORCH)
    return out


def rotary(q: torch.Tensor, k: torch.Tensor, cos: torch.Tensor,
           sin: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """q [B, Hq, S, D] and k [B, Hk, S, D] rotated by cos/sin [B or 1, S, D] in one launch, as
    apply_rotary_pos_emb(unsqueeze_dim=1) computes them; the outputs keep q's and k's strides."""
    batch, n_q, seq, dim = q.shape
    cos, sin = cos.expand(batch, seq, dim), sin.expand(batch, seq, dim)
    q_out, k_out = torch.empty_like(q), torch.empty_like(k)
    half = dim // 2
    _rotary_kernel[(batch * seq,)](
        q, k, cos, sin, q_out, k_out, seq, n_q, k.shape[1], *q.stride(), *k.stride(),
        *q_out.stride(), *k_out.stride(), *cos.stride(), *sin.stride(), HALF=half,
        BLOCK_HALF=triton.next_power_of_2(half), BLOCK_Q=triton.next_power_of_2(n_q),
        BLOCK_K=triton.next_power_of_2(k.shape[1]), INTERPRETED=_INTERPRET, **_AS_TORCH)
    return q_out, k_out


def _rotary_ok(q, k, cos, sin, unsqueeze_dim) -> bool:
    if unsqueeze_dim != 1 or q.dim() != 4 or k.dim() != 4 or cos.dim() != 3 or sin.dim() != 3:
        return False
    batch, _, seq, dim = q.shape
    return (dim % 2 == 0 and k.shape[0] == batch and k.shape[2:] == q.shape[2:]
            and all(t.shape[1:] == (seq, dim) and t.shape[0] in (1, batch) for t in (cos, sin))
            and _on_kernel_device(q, k, cos, sin))


def _rotary_replacement(original):
    def apply_rotary_pos_emb(q, k, cos, sin, unsqueeze_dim=1):
        if not _rotary_ok(q, k, cos, sin, unsqueeze_dim):
            return original(q, k, cos, sin, unsqueeze_dim)
        shape = (q.shape[1], k.shape[1], q.shape[-1], q.dtype)
        if not _allowed("rotary", shape):
            return original(q, k, cos, sin, unsqueeze_dim)
        return _guarded("rotary", shape, lambda: rotary(q, k, cos, sin),
                        lambda: original(q, k, cos, sin, unsqueeze_dim))

    return apply_rotary_pos_emb


def _norm_forward(module: Any, original: Callable[..., torch.Tensor]) -> Callable[..., torch.Tensor]:
    def forward(hidden_states: torch.Tensor) -> torch.Tensor:
        w = module.weight
        if (not _on_kernel_device(hidden_states) or w.shape != hidden_states.shape[-1:]
                or w.shape[0] > _MAX_HIDDEN or w.device != hidden_states.device
                or not w.dtype.is_floating_point):
            return original(hidden_states)
        shape = (w.shape[0], hidden_states.dtype)
        if not _allowed("rms_norm", shape):
            return original(hidden_states)
        return _guarded("rms_norm", shape,
                        lambda: rms_norm(hidden_states, w, module.variance_epsilon),
                        lambda: original(hidden_states))

    return forward


def _mlp_forward(module: Any, original: Callable[..., torch.Tensor]) -> Callable[..., torch.Tensor]:
    def forward(x: torch.Tensor) -> torch.Tensor:
        if not _on_kernel_device(x):
            return original(x)
        gate, up = module.gate_proj(x), module.up_proj(x)
        shape = (gate.shape[-1], gate.dtype)
        if (gate.shape != up.shape or not _on_kernel_device(gate, up)
                or not _allowed("silu_mul", shape)):
            return module.down_proj(module.act_fn(gate) * up)
        return module.down_proj(_guarded("silu_mul", shape, lambda: silu_mul(gate, up),
                                         lambda: module.act_fn(gate) * up))

    return forward


def _is_silu(act_fn) -> bool:
    from transformers import activations

    kinds = tuple(c for c in (torch.nn.SiLU, getattr(activations, "SiLUActivation", None)) if c)
    return isinstance(act_fn, kinds)


_Replacement = Callable[[torch.nn.Module, Callable[..., torch.Tensor]], Callable[..., torch.Tensor]]
"""A replacement forward's factory: (module, its original forward) -> the new forward."""


def _targets(model) -> list[tuple[torch.nn.Module, _Replacement]]:
    """(module, its replacement forward's factory) for each module of `model` to swap, found once
    per model (fused_step runs on every generate call; a model's modules are fixed once loaded)."""
    from transformers.models.mistral import modeling_mistral as mm

    if model in _TARGETS:
        return _TARGETS[model]
    found: list[tuple[torch.nn.Module, _Replacement]] = []
    for module in model.modules():
        if isinstance(module, mm.MistralRMSNorm):
            found.append((module, _norm_forward))
        elif isinstance(module, mm.MistralMLP) and _is_silu(module.act_fn):
            found.append((module, _mlp_forward))
    _TARGETS[model] = found
    return found


_TARGETS: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


@contextmanager
def fused_step(model, enabled: bool = True) -> Iterator[int]:
    """Inside, `model`'s MistralRMSNorm and MistralMLP modules and modeling_mistral's
    apply_rotary_pos_emb run the fused kernels for the tensors they take (the originals for the
    rest); yields how many modules were swapped. Everything is restored on exit."""
    if not enabled or triton is None:
        yield 0
        return
    from transformers.models.mistral import modeling_mistral as mm

    rotary_before = mm.apply_rotary_pos_emb
    try:
        with swapped_forwards() as swap:
            targets = list(_targets(model))
            for module, replacement in targets:
                swap(module, replacement(module, module.forward))
            if targets:
                mm.apply_rotary_pos_emb = _rotary_replacement(rotary_before)
            yield len(targets)
    finally:
        mm.apply_rotary_pos_emb = rotary_before


def _mode() -> str:
    return switch_mode(OPT_IN_ENV, "the fused RMSNorm, SiLU * up and rotary kernels on CUDA cards "
                       "of compute capability 8.0+", "also 7.5", "transformers' own ops")


def use_fused_ops(model) -> bool:
    """Whether the engine should generate inside `fused_step`: a CUDA model with Triton
    importable (and compiling: never under TRITON_INTERPRET=1), of compute capability 8.0+
    (MISTRAL_EVAL_FUSED_OPS=auto, the default; measured on an H100 and an H200) or 7.5+ (=1);
    never with =0. Under auto, each op still runs fused only for VERIFIED shapes."""
    mode = _mode()
    device = model.device
    if mode == "0" or triton is None or device.type != "cuda":
        return False
    if _INTERPRET:
        _warn_once("interpret", "TRITON_INTERPRET=1 on a CUDA model: transformers' own ops run "
                   "(the interpreter is for CPU tensors)")
        return False
    return torch.cuda.get_device_capability(device) >= ((7, 5) if mode == "1" else (8, 0))
