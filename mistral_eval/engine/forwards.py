"""Swapping modules' forwards for the length of a `with` block: what nf4_kernels.fused_4bit,
nf4_groups.grouped_projections and fused_ops.fused_step do to a model while the engine generates.

The new forward is an instance attribute; on exit (also after an exception) each module gets back
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
        swapped.append((module, module.__dict__.get("forward")))
        module.forward = forward

    try:
        yield swap
    finally:
        for module, before in reversed(swapped):
            if before is None:
                del module.forward
            else:
                module.forward = before
