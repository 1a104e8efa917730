"""Swapping modules' forwards for the length of a `with` block: what nf4_kernels.fused_4bit,
nf4_groups.grouped_projections and fused_ops.fused_step do to a model while the engine generates.

The new forward is an instance attribute (written to the module's __dict__ directly: the engine
swaps ~450 forwards per generate call, and Module.__setattr__'s checks for parameters, buffers and
submodules cost more than the call's host budget allows); on exit (also after an exception) each module gets back
the forward attribute it had of its own (an accelerate hook's), or none, so the class's applies
again. Knows nothing about what the new forwards compute.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager

import torch

Swap = Callable[[torch.nn.Module, Callable], None]


@contextmanager
def swapped_forwards() -> Iterator[Swap]:
    """Yields `swap(module, forward)`; every swap made inside is undone on exit, last first."""
    swapped: list[tuple[torch.nn.Module, Callable | None]] = []

    def swap(module: torch.nn.Module, forward: Callable) -> None:
        own = module.__dict__
        swapped.append((module, own.get("forward")))
        own["forward"] = forward  # what Module.__setattr__ ends in for a plain value, ~10x faster

    try:
        yield swap
    finally:
        for module, before in reversed(swapped):
            if before is None:
                module.__dict__.pop("forward", None)
            else:
                module.__dict__["forward"] = before
