"""Projections of one input in one launch: q/k/v of each attention, and gate/up with SiLU(gate) * up
of each MLP, through nf4_kernels.matmul_group.

A decode step at batch 8 spends ~9 µs on each k and v projection (1024 rows of 4096: too few tiles to
fill the card) and ~15 on q; one launch over the three reads them at the rate of one large matrix.
Inside `grouped_projections`:
- q_proj's forward runs the group and keeps k's and v's outputs (views of the same buffer) for
  k_proj and v_proj, which hand them back when called with the same input tensor (transformers calls
  all three on `hidden_states`); any other input runs their own forward, so a caller that does
  something else still gets right answers, only without the saving.
- an MLP whose act_fn is SiLU runs down_proj(matmul_group([gate, up], silu=True)): the partial
  sums of gate and up meet in one epilogue kernel, no gate/up tensors and no separate SiLU * up.
Cases the fused kernels do not take (`uses_fused`: more rows, the CPU, MISTRAL_EVAL_NF4_KERNELS=0)
run the forwards as they were.

Knows transformers' Mistral module attribute names (q_proj, k_proj, v_proj; gate_proj, up_proj,
down_proj, act_fn) and bitsandbytes' Linear4bit; the kernels are nf4_kernels'.
"""

from __future__ import annotations

import weakref
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import torch

from mistral_eval.engine.forwards import swapped_forwards
from mistral_eval.engine.nf4 import kernels as nf4_kernels

_SILU = ("SiLU", "SiLUActivation")


def _weights(modules) -> list | None:
    """The modules' packed weights if they can share a launch (else None)."""
    if any(not nf4_kernels.is_4bit(m) or nf4_kernels.unsupported(m) or m.bias is not None
           for m in modules):
        return None
    if len({m.compute_dtype for m in modules}) != 1:
        return None
    weights = [nf4_kernels.packed_for(m) for m in modules]
    return weights if nf4_kernels.groupable(weights) else None


def _attention_forwards(q, k, v, weights) -> dict:
    """New forwards for q_proj (runs the group), k_proj and v_proj (hand back its outputs)."""
    held: dict = {}
    dtype = q.compute_dtype
    sizes = [w.out_features for w in weights]
    k_in = weights[0].in_features
    q_before, k_before, v_before = q.forward, k.forward, v.forward

    def q_forward(x: torch.Tensor) -> torch.Tensor:
        rows = x.numel() // k_in
        if not nf4_kernels.runs_here(x) or not nf4_kernels.uses_fused(rows, sizes[0], k_in):
            return q_before(x)
        key = ("qkv", nf4_kernels.rows_bucket(rows), *sizes, k_in, dtype)
        out = nf4_kernels.guarded(key, lambda: nf4_kernels.matmul_group(x.to(dtype), weights),
                                  lambda: None)
        if out is None:  # the launch failed: each projection runs its own forward
            return q_before(x)
        out = out.to(x.dtype)
        q_out, k_out, v_out = out.split(sizes, dim=-1)
        held["k"], held["v"] = (x, k_out), (x, v_out)
        return q_out

    def hand_back(name, before):
        def forward(x: torch.Tensor) -> torch.Tensor:
            kept = held.pop(name, None)
            return kept[1] if kept is not None and kept[0] is x else before(x)
        return forward

    return {q: q_forward, k: hand_back("k", k_before), v: hand_back("v", v_before)}


def _mlp_forward(mlp, weights):
    dtype = mlp.gate_proj.compute_dtype
    n, k_in = weights[0].out_features, weights[0].in_features
    before = mlp.forward

    def forward(x: torch.Tensor) -> torch.Tensor:
        rows = x.numel() // k_in
        if not nf4_kernels.runs_here(x) or not nf4_kernels.uses_fused(rows, n, k_in):
            return before(x)
        key = ("gate_up", nf4_kernels.rows_bucket(rows), n, k_in, dtype)
        act = nf4_kernels.guarded(
            key, lambda: nf4_kernels.matmul_group(x.to(dtype), weights, silu=True), lambda: None)
        return before(x) if act is None else mlp.down_proj(act.to(x.dtype))

    return forward


def _plan(model) -> list[tuple[str, tuple[Any, ...], list[Any]]]:
    """The model's groups, found once per model (the checks read the weights' second-level code
    from the GPU): ("attention", (q, k, v), weights) and ("mlp", (mlp,), weights)."""
    if model not in _PLANS:
        plan: list[tuple[str, tuple[Any, ...], list[Any]]] = []
        for module in model.modules():
            if all(hasattr(module, name) for name in ("q_proj", "k_proj", "v_proj")):
                parts = (module.q_proj, module.k_proj, module.v_proj)
                weights = _weights(parts)
                if weights is not None:
                    plan.append(("attention", parts, weights))
            elif (all(hasattr(module, name) for name in ("gate_proj", "up_proj", "down_proj"))
                  and type(getattr(module, "act_fn", None)).__name__ in _SILU):
                weights = _weights((module.gate_proj, module.up_proj))
                if weights is not None:
                    plan.append(("mlp", (module,), weights))
        _PLANS[model] = plan
    return _PLANS[model]


_PLANS: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


@contextmanager
def grouped_projections(model, enabled: bool = True) -> Iterator[int]:
    """Inside, each attention's q/k/v and each SiLU MLP's gate/up of `model` run as one launch
    where the fused kernels take the case; yields how many groups were set up. Enter it inside
    `nf4_kernels.fused_4bit` (the fallbacks are the forwards it installed)."""
    plan = _plan(model) if enabled else []
    with swapped_forwards() as swap:
        for kind, modules, weights in plan:
            if kind == "attention":
                q, k, v = modules
                for part, forward in _attention_forwards(q, k, v, weights).items():
                    swap(part, forward)
            else:
                swap(modules[0], _mlp_forward(modules[0], weights))
        yield len(plan)
