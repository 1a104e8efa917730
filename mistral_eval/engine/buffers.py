"""The fast engine's static tensors: the KV cache every layer writes into, one shape's decode
buffers, the left-padded prompt inputs of one prefill width, and the prefill graphs kept per width.

Fixed addresses are what lets a CUDA graph replay them: everything here is allocated once per shape
or width and filled in place. Knows torch; knows nothing about models, settings or graphs' capture
(engine.py records and replays them).
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Sequence
from typing import TYPE_CHECKING

import torch

if TYPE_CHECKING:
    from torch.cuda import _POOL_HANDLE

_LENGTH_STEP = 128  # cache lengths round up to this: one captured graph serves many prompts
_WIDTH_STEP = 16  # prompts are left-padded to a multiple of this: one prefill graph serves several
KEEP_WIDTHS = 4
"""Padded prompt widths whose prefill inputs and graphs a shape keeps (least recently used go)."""
PREFILL_GRAPH_TOKENS = 4096
"""Largest batch x padded width whose prefill is kept and captured; a larger one is bound by its
kernels rather than by Python and launches, and runs eagerly."""


class _StaticKV:
    """Keys and values of every layer in fixed buffers; a forward writes its tokens at `slots`.

    Duck-types the one method transformers' attention layers call on a cache (`update`); positions
    and the 4D mask are always passed in, so nothing else is asked of it.
    """

    def __init__(self, length: int):
        self.length = length
        self.keys: list[torch.Tensor] = []
        self.values: list[torch.Tensor] = []
        self.slots: torch.Tensor | None = None  # [S] cache slots of the tokens being run

    def update(self, key: torch.Tensor, value: torch.Tensor, layer_idx: int, *args, **kwargs):
        if layer_idx == len(self.keys):  # first forward: allocate with the model's own shapes
            batch, heads, _, dim = key.shape
            self.keys.append(key.new_zeros(batch, heads, self.length, dim))
            self.values.append(value.new_zeros(batch, heads, self.length, value.shape[-1]))
        assert self.slots is not None  # set before every forward
        self.keys[layer_idx].index_copy_(2, self.slots, key)
        self.values[layer_idx].index_copy_(2, self.slots, value)
        return self.keys[layer_idx], self.values[layer_idx]

    def get_seq_length(self, layer_idx: int = 0) -> int:
        return 0  # only read when no position ids are passed, which never happens here

    def zero_(self) -> None:
        for tensor in self.keys + self.values:
            tensor.zero_()


class Buffers:
    """Every tensor a decode step reads or writes, allocated once per (batch, cache length)."""

    def nbytes(self) -> int:
        tensors = [v for v in vars(self).values() if isinstance(v, torch.Tensor)]
        return sum(t.numel() * t.element_size() for t in [*tensors, *self.kv.keys, *self.kv.values])

    def __init__(self, batch: int, length: int, vocab: int, device: torch.device):
        def new(*shape, dtype=torch.long):
            return torch.zeros(*shape, dtype=dtype, device=device)

        self.kv = _StaticKV(length)
        self.tokens = new(batch)          # the last chosen token of each row: the next input
        self.positions = new(batch)       # its position id
        self.slot = new(1)                # the cache slot it is written to (one for all rows)
        self.step = new(1)                # index in `out` of the next chosen token
        self.out = new(batch, length)     # chosen tokens
        self.finished = new(batch, dtype=torch.bool)
        self.seen = new(batch, vocab, dtype=torch.bool)     # for the repetition penalty
        self.valid = new(batch, length, dtype=torch.bool)   # slot holds a real token, not padding
        self.is_eos = new(vocab, dtype=torch.bool)
        self.min_new = new(1)
        self.pad = new(1)
        self.all_slots = torch.arange(length, device=device)


class Prompt:
    """The static inputs of one prefill, prompts left-padded to `width`, and on CUDA the prefill
    forward captured on them (its output, `logits`, is then static too)."""

    def __init__(self, batch: int, width: int, length: int, dtype: torch.dtype,
                 device: torch.device):
        self.ids = torch.zeros(batch, width, dtype=torch.long, device=device)
        self.positions = torch.zeros(batch, width, dtype=torch.long, device=device)
        self.mask = torch.zeros(batch, 1, width, length, dtype=dtype, device=device)  # additive
        self.slots = torch.arange(width, device=device)  # the cache slots the prompts go to
        self.graph: torch.cuda.CUDAGraph | None = None
        self.logits: torch.Tensor | None = None  # [B, V] float32, the graph's output

    def nbytes(self) -> int:
        tensors = [t for t in vars(self).values() if isinstance(t, torch.Tensor)]
        return sum(t.numel() * t.element_size() for t in tensors)


class Prefills:
    """One shape's prefill inputs for the last KEEP_WIDTHS padded widths used (those of at most
    PREFILL_GRAPH_TOKENS tokens), their captured forwards, and the memory pool the graphs share."""

    def __init__(self):
        self.widths: OrderedDict[int, Prompt] = OrderedDict()
        # one pool for all: the graphs replay one at a time on one stream, and each one's output is
        # read before another graph runs, so their scratch memory may overlap
        self._pool: _POOL_HANDLE | None = None
        self.pool_bytes = 0  # memory the captures reserved in that pool

    def get(self, batch: int, width: int, length: int, dtype: torch.dtype,
            device: torch.device) -> Prompt:
        """The kept inputs of `width` (most recently used now); a larger prefill gets new ones."""
        prompt = self.widths.pop(width, None) or Prompt(batch, width, length, dtype, device)
        if batch * width <= PREFILL_GRAPH_TOKENS:
            self.widths[width] = prompt
        while len(self.widths) > KEEP_WIDTHS:
            self.widths.popitem(last=False)
        return prompt

    def pool(self) -> _POOL_HANDLE:
        """The memory pool of this shape's prefill graphs (made at the first capture)."""
        self._pool = self._pool or torch.cuda.graph_pool_handle()
        return self._pool

    def keeps(self, prompt: Prompt) -> bool:
        return self.widths.get(prompt.ids.shape[1]) is prompt

    def nbytes(self) -> int:
        return self.pool_bytes + sum(p.nbytes() for p in self.widths.values())


def padded_width(rows: Sequence[Sequence[int]]) -> int:
    """The prefill width: the longest prompt rounded up to a multiple of _WIDTH_STEP."""
    return -(-max(len(r) for r in rows) // _WIDTH_STEP) * _WIDTH_STEP


def cache_length(width: int, max_new_tokens: int) -> int:
    """Cache slots for a prefill `width` wide and the new tokens, rounded up to _LENGTH_STEP."""
    return -(-(width + max_new_tokens) // _LENGTH_STEP) * _LENGTH_STEP


def left_padded(rows: Sequence[Sequence[int]], width: int,
                 pad_id: int) -> tuple[torch.Tensor, torch.Tensor]:
    """Host tensors [B, width]: the ids, left-padded with pad_id, and which of them are real."""
    ids = torch.full((len(rows), width), pad_id, dtype=torch.long)
    real = torch.zeros((len(rows), width), dtype=torch.bool)
    for i, row in enumerate(rows):
        ids[i, width - len(row):] = torch.tensor(list(row), dtype=torch.long)
        real[i, width - len(row):] = True
    return ids, real


def additive(allowed: torch.Tensor, dtype: torch.dtype) -> torch.Tensor:
    return torch.zeros(allowed.shape, dtype=dtype, device=allowed.device).masked_fill_(
        ~allowed, torch.finfo(dtype).min)
