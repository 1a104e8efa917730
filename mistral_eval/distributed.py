"""Ranks under accelerate / torchrun, and a deterministic, cost-balanced split of work.

The launchers (`accelerate launch`, `torchrun`) start the processes and set RANK, WORLD_SIZE and
LOCAL_RANK; this module only reads them. Every rank computes the same split from the same full
list, so ranks never need to talk to share work out; they meet once at the end (`barrier`) so
one of them can write the report. Knows nothing about models or generation.
"""

from __future__ import annotations

import heapq
import os
from dataclasses import dataclass
from typing import Callable, Sequence, TypeVar

__all__ = ["Rank", "barrier", "current_rank", "shard", "shard_cases"]

T = TypeVar("T")


@dataclass(frozen=True)
class Rank:
    """This process's place among the launched processes."""

    rank: int = 0
    world: int = 1
    local_rank: int = 0

    @property
    def is_main(self) -> bool:
        return self.rank == 0

    @property
    def device(self) -> str | None:
        """The GPU this rank owns when several ranks share a host; None = the loader's default."""
        if self.world == 1:
            return None
        import torch

        return f"cuda:{self.local_rank}" if torch.cuda.is_available() else "cpu"


def current_rank() -> Rank:
    """The rank from torchrun / accelerate environment variables (a single process if unset)."""
    env = os.environ
    return Rank(rank=int(env.get("RANK", 0)), world=int(env.get("WORLD_SIZE", 1)),
                local_rank=int(env.get("LOCAL_RANK", 0)))


def shard(items: Sequence[T], world: int, cost: Callable[[T], float],
          key: Callable[[T], str]) -> list[list[T]]:
    """Split items over `world` ranks, balancing total cost (largest first, to the lightest rank).

    Deterministic: ties break by key and then by rank number, so every rank gets the same answer.
    Each rank's items keep their original order.
    """
    order = {key(item): i for i, item in enumerate(items)}
    heap = [(0.0, r) for r in range(world)]
    parts: list[list[T]] = [[] for _ in range(world)]
    for item in sorted(items, key=lambda it: (-cost(it), key(it))):
        load, r = heapq.heappop(heap)
        parts[r].append(item)
        heapq.heappush(heap, (load + cost(item), r))
    return [sorted(p, key=lambda it: order[key(it)]) for p in parts]


def shard_cases(cases: Sequence[T], rank: Rank, cost: Callable[[T], float]) -> list[T]:
    """This rank's share of `cases` (objects with a `.key`)."""
    if rank.world == 1:
        return list(cases)
    return shard(cases, rank.world, cost, key=lambda c: c.key)[rank.rank]


def barrier(rank: Rank | None = None) -> None:
    """Wait for every rank (gloo process group, created on first use). No-op for one process."""
    rank = rank or current_rank()
    if rank.world == 1:
        return
    import torch.distributed as dist

    if not dist.is_initialized():
        dist.init_process_group("gloo", rank=rank.rank, world_size=rank.world)
    dist.barrier()
