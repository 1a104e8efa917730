"""Ranks under accelerate / torchrun, and a deterministic, cost-balanced split of work.

The launchers (`accelerate launch`, `torchrun`) start the processes and set RANK, WORLD_SIZE and
LOCAL_RANK; this module only reads them. Every rank computes the same split from the same list,
so no work is sent between ranks; they only meet (`barrier`): once after reading what is already
done, so all split the same remainder, and once at the end, so one of them writes the report. Knows nothing about models or generation.
"""

from __future__ import annotations

import atexit
import heapq
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import Protocol, TypeVar

from mistral_eval.core.errors import MistralEvalError

__all__ = ["BARRIER_TIMEOUT", "Rank", "barrier", "current_rank", "shard", "shard_cases"]

T = TypeVar("T")


class Keyed(Protocol):
    """What `shard_cases` splits: anything with a string `key`."""

    @property
    def key(self) -> str: ...


K = TypeVar("K", bound=Keyed)

BARRIER_TIMEOUT = timedelta(hours=24)
"""How long a rank waits for the others: at the start, while the slowest loads its model, and at
the end, while the slowest finishes its share. Long on purpose: shares finish hours apart."""


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
        """The GPU this rank owns when several ranks share a host; None = the loader's default.

        With more ranks on a host than visible GPUs, ranks share them round-robin (a 4-bit 7B
        model takes ~5 GB, so two fit on one card).
        """
        if self.world == 1:
            return None
        import torch

        if not torch.cuda.is_available():
            return "cpu"
        return f"cuda:{self.local_rank % torch.cuda.device_count()}"


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


def shard_cases(cases: Sequence[K], rank: Rank, cost: Callable[[K], float]) -> list[K]:
    """This rank's share of `cases` (objects with a `.key`)."""
    if rank.world == 1:
        return list(cases)
    return shard(cases, rank.world, cost, key=lambda c: c.key)[rank.rank]


def barrier(rank: Rank | None = None) -> None:
    """Wait for every rank; a no-op for one process.

    The gloo process group is created on first use (so only the ranks' meeting at the end needs
    the network) and destroyed at exit.
    """
    rank = rank or current_rank()
    if rank.world == 1:
        return
    import torch.distributed as dist

    if not dist.is_initialized():
        missing = [name for name in ("MASTER_ADDR", "MASTER_PORT") if name not in os.environ]
        if missing:
            raise MistralEvalError(f"WORLD_SIZE is {rank.world}, but the rendezvous address "
                                   f"({' and '.join(missing)}) is not set; start the ranks with "
                                   f"`torchrun` or `accelerate launch --multi_gpu`, which set it.")
        dist.init_process_group("gloo", rank=rank.rank, world_size=rank.world,
                                timeout=BARRIER_TIMEOUT)
        atexit.register(dist.destroy_process_group)
    dist.barrier()
