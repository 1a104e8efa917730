"""Fast generation for Llama/Mistral-family models: a static KV cache, the prefill (prompts
left-padded to a multiple of a few tokens) and the decode step replayed from CUDA graphs, and the
next token chosen on the device with a host check every few steps.

Greedy decoding picks the same tokens as transformers' `generate` (the same logits processors in the
same order, on float32 logits); sampling has the same semantics and is reproducible by seed, but
draws its own random numbers. On the CPU it runs the same steps eagerly, without graphs.
Knows about HF causal LMs and GenerationSettings; knows nothing about prompts, answers or suites.
"""

from __future__ import annotations

import inspect
import time
import warnings
import weakref
from collections import OrderedDict
from collections.abc import Callable, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field

import torch
import torch.nn.functional as F

from mistral_eval.core.errors import GenerationError
from mistral_eval.core.settings import GenerationSettings
from mistral_eval.engine.buffers import Buffers, Prefills, Prompt, additive, cache_length, left_padded, padded_width
from mistral_eval.engine.token_choice import choice_key, choose, penalize

__all__ = ["FAMILIES", "Engine", "engine_for", "generate_ids", "unsupported_reason"]

FAMILIES = ("llama", "mistral", "qwen2")
"""model_type values whose attention and cache calls the engine knows."""
CHECK_EVERY = 16
"""Decode steps between two host checks of "has every row finished"."""
_WARMUP_STEPS = 2
_ATTENTION = "mistral_eval_static"


def _attention(module, query, key, value, attention_mask, scaling=None, dropout=0.0, **kwargs):
    """SDPA that, for one query token, turns each key/value head's group of query heads into rows
    instead of repeating keys and values (transformers 5.17 repeats them: 4x the cache read)."""
    batch, heads, q_len, dim = query.shape
    groups = key.shape[1]
    if q_len > 1 or heads == groups:
        from transformers.integrations.sdpa_attention import sdpa_attention_forward

        return sdpa_attention_forward(module, query, key, value, attention_mask, scaling=scaling,
                                      dropout=dropout, **kwargs)
    # query: [B, H, 1, D] -> [B, G, H/G, D]; the mask [B, 1, 1, L] broadcasts over both
    out = F.scaled_dot_product_attention(query.reshape(batch, groups, heads // groups, dim), key,
                                         value, attn_mask=attention_mask, scale=scaling)
    return out.reshape(batch, 1, heads, dim), None


@contextmanager
def _static_attention(config):
    before = config._attn_implementation
    config._attn_implementation = _ATTENTION
    try:
        yield
    finally:
        config._attn_implementation = before


def unsupported_reason(model, length: int | None = None) -> str | None:
    """Why the engine cannot run `model` (None when it can), `length` = prompt + new tokens."""
    config = model.config
    if config.model_type not in FAMILIES:
        return f"model type {config.model_type!r} is not one of {', '.join(FAMILIES)}"
    if getattr(model, "is_loaded_in_8bit", False):
        return "8-bit (LLM.int8) layers pick outliers on the host at every step"
    if len({str(d) for d in (getattr(model, "hf_device_map", None) or {}).values()}) > 1:
        return "the model is split over several devices"
    window = getattr(config, "sliding_window", None)
    if length is not None and window and length > window:
        return f"{length} tokens exceed the sliding window of {window}"
    return None


KEEP_SHAPES = 4
"""Captured shapes (batch, cache length, token choice) an engine keeps besides the current one, so a
notebook that sends one prompt at a time replays a graph instead of capturing one per call."""
KEEP_BYTES = 1 << 30
"""Memory the kept shapes' buffers may hold; larger ones are freed when another shape is used."""


@dataclass
class _Shape:
    """The buffers of one (batch, cache length, token choice), the decode step captured on them and
    the prefills of the prompt widths last used with them."""

    buffers: Buffers
    graph: torch.cuda.CUDAGraph | None = None
    prefills: Prefills = field(default_factory=Prefills)

    def nbytes(self) -> int:
        return self.buffers.nbytes() + self.prefills.nbytes()


class Engine:
    """Generates token ids for one model; keeps the buffers and captured decode graphs of the last
    few (batch, cache length, token choice) shapes used (least recently used dropped first), each
    with the prefill graphs of its last few prompt widths."""

    def __init__(self, model, use_graphs: bool | None = None):
        from transformers import AttentionInterface  # here, so importing this module stays light

        from mistral_eval.engine import fused_ops
        from mistral_eval.engine.nf4 import kernels as nf4_kernels  # here: Triton reads TRITON_INTERPRET on import

        AttentionInterface.register(_ATTENTION, _attention)
        self._model = weakref.ref(model)  # the engine must not keep a freed model alive
        self.device = model.device
        self.use_graphs = self.device.type == "cuda" if use_graphs is None else use_graphs
        params = inspect.signature(model.forward).parameters
        self._cache_arg = "cache" if "cache" in params else "past_key_values"  # 5.24 vs 5.17
        self._vocab = model.get_output_embeddings().weight.shape[0]
        self._key: tuple | None = None
        self._buffers: Buffers | None = None
        self._graph: torch.cuda.CUDAGraph | None = None
        self._prefills: Prefills | None = None
        self._kept: OrderedDict[tuple, _Shape] = OrderedDict()
        self.captures = 0
        """Decode graphs captured so far (a kept shape replays without capturing again)."""
        self.prefill_captures = 0
        """Prefill graphs captured so far (a kept shape and width replays without capturing)."""
        self.capture_seconds = 0.0
        """Host seconds spent recording graphs (their warm-up runs included), decode and prefill."""
        self._prefill_graphs = True  # off after a prefill capture failed
        self._settings = GenerationSettings()
        self.calls = 0
        self.matmul = nf4_kernels.matmul_path(model)
        """The 4-bit matmul the engine runs (nf4_kernels.matmul_path), decided at the start."""
        self.fused_ops = fused_ops.use_fused_ops(model)
        """Whether RMSNorm, SiLU * up and rotary run fused_ops' kernels while generating."""

    @property
    def model(self):
        return self._model()

    @property
    def captured(self) -> bool:
        """Whether the current shape's decode step replays from a CUDA graph."""
        return self._graph is not None

    @property
    def _current_buffers(self) -> Buffers:
        """The buffers of the shape in use (`_use` sets them before any step runs)."""
        assert self._buffers is not None, "no shape in use"
        return self._buffers

    @property
    def _current_prefills(self) -> Prefills:
        """The prefill inputs and graphs of the shape in use."""
        assert self._prefills is not None, "no shape in use"
        return self._prefills

    def release(self) -> None:
        """Free every buffer and graph, kept shapes included (their memory goes back to the allocator)."""
        self._key = self._buffers = self._graph = self._prefills = None
        self._kept.clear()

    def _use(self, key: tuple, batch: int, length: int) -> None:
        """Make `key` the current shape: a kept one comes back with its graph; the one in use is kept."""
        if key == self._key:
            return
        if self._key is not None:
            self._kept[self._key] = _Shape(self._current_buffers, self._graph, self._current_prefills)
        shape = self._kept.pop(key, None) or _Shape(Buffers(batch, length, self._vocab, self.device))
        while self._kept and (len(self._kept) > KEEP_SHAPES or
                              sum(s.nbytes() for s in self._kept.values()) > KEEP_BYTES):
            self._kept.popitem(last=False)
        self._key, self._buffers, self._graph = key, shape.buffers, shape.graph
        self._prefills = shape.prefills

    def generate(self, rows: Sequence[Sequence[int]], settings: GenerationSettings, *,
                 pad_id: int, eos_ids: Sequence[int]) -> list[list[int]]:
        """New token ids per row (EOS included, pad after it), at most settings.max_new_tokens."""
        length = cache_length(padded_width(rows), settings.max_new_tokens)
        from mistral_eval.engine import fused_ops
        from mistral_eval.engine.nf4 import groups as nf4_groups, kernels as nf4_kernels

        reason = unsupported_reason(self.model, max(len(r) for r in rows) + settings.max_new_tokens)
        if reason:
            raise GenerationError(f"the fast engine cannot run this: {reason}; use engine='plain'")
        key = (len(rows), length, choice_key(settings))
        self.calls += 1
        try:
            fused = self.matmul == "triton-nf4"
            # the groups last: their fallbacks are the forwards the other two installed
            with (torch.inference_mode(), nf4_kernels.fused_4bit(self.model, fused),
                  fused_ops.fused_step(self.model, self.fused_ops),
                  nf4_groups.grouped_projections(self.model, fused)):
                self._use(key, len(rows), length)
                self._settings = settings
                if self._graph is None and self.use_graphs and settings.max_new_tokens > 8:
                    self._prefill(rows, pad_id, eos_ids)
                    self._capture()
                torch.manual_seed(settings.seed)  # the capture's warm-up steps drew random numbers
                self._prefill(rows, pad_id, eos_ids)
                steps = self._decode(settings.max_new_tokens)
                return self._current_buffers.out[:, :steps].tolist()
        except torch.OutOfMemoryError:
            self.release()
            raise

    def _forward(self, ids: torch.Tensor, positions: torch.Tensor, mask: torch.Tensor):
        """Logits of the last position, float32 as transformers' generate takes them: [B, V]."""
        with _static_attention(self.model.config):
            out = self.model(input_ids=ids, attention_mask=mask, position_ids=positions,
                             use_cache=True, logits_to_keep=1,
                             **{self._cache_arg: self._current_buffers.kv})
        return out.logits[:, -1].float()

    def _prefill(self, rows: Sequence[Sequence[int]], pad_id: int, eos_ids: Sequence[int]) -> None:
        """Reset the buffers, run the prompts left-padded to a multiple of _WIDTH_STEP (from a
        graph once this width has run on this shape) and choose the first token."""
        b = self._current_buffers
        width, longest = padded_width(rows), max(len(r) for r in rows)
        prompt = self._current_prefills.get(len(rows), width, b.kv.length, self._dtype(), self.device)
        ids, real = left_padded(rows, width, pad_id)
        ids, real = ids.to(self.device), real.to(self.device)
        b.kv.zero_()
        b.valid.fill_(True)
        b.valid[:, :width] = real
        b.finished.zero_()
        b.step.zero_()
        b.slot.fill_(width)
        b.seen.zero_()
        # transformers penalizes the padding token too, where it pads a row up to the longest
        b.seen.scatter_(1, ids[:, width - longest:], True)
        b.is_eos.zero_()
        b.is_eos[list(eos_ids)] = True
        b.min_new.fill_(self._settings.min_new_tokens)
        b.pad.fill_(pad_id)
        prompt.ids.copy_(ids)
        # as transformers' generate: position = count of real tokens before, padding at 1
        prompt.positions.copy_((real.long().cumsum(-1) - 1).masked_fill_(~real, 1))
        causal = b.all_slots[None, :] <= prompt.slots[:, None]  # [W, L]
        own = b.all_slots[None, :] == prompt.slots[:, None]  # padding queries see themselves
        allowed = (b.valid[:, None, :] & causal) | own  # [B, W, L]
        prompt.mask.copy_(additive(allowed, self._dtype())[:, None])
        logits = self._prefill_logits(prompt)
        b.kv.slots = b.slot
        b.positions.copy_(prompt.positions[:, -1] + 1)
        self._advance(logits)

    def _prefill_logits(self, prompt: Prompt) -> torch.Tensor:
        """The prefill forward on `prompt`'s inputs: replayed if captured, else run eagerly and, on
        CUDA, captured right after (that eager run is the capture's warm-up)."""
        self._current_buffers.kv.slots = prompt.slots
        if prompt.graph is not None:
            prompt.graph.replay()
            assert prompt.logits is not None  # captured together with the graph
            return prompt.logits
        logits = self._forward(prompt.ids, prompt.positions, prompt.mask)
        if self.use_graphs and self._prefill_graphs and self._current_prefills.keeps(prompt):
            self._capture_prefill(prompt)
        return logits

    def _capture_prefill(self, prompt: Prompt) -> None:
        """Record the prefill forward on `prompt`'s inputs in the shape's prefill memory pool."""
        ids, positions, mask = prompt.ids, prompt.positions, prompt.mask  # bound, as in a graph
        recorded = self._record(lambda: self._forward(ids, positions, mask), 0, "prefilling",
                                self._prefills)
        if recorded is None:
            self._prefill_graphs = False
            return
        prompt.graph, prompt.logits = recorded
        self.prefill_captures += 1

    def _dtype(self) -> torch.dtype:
        return self.model.get_input_embeddings().weight.dtype

    def _advance(self, logits: torch.Tensor) -> None:
        """Process logits as transformers does, choose, and record the tokens: [B, V] -> [B]."""
        b, settings = self._current_buffers, self._settings
        if settings.repetition_penalty != 1.0:
            logits = penalize(logits, b.seen, settings.repetition_penalty)
        logits = logits.masked_fill((b.step < b.min_new) & b.is_eos, -float("inf"))
        token = torch.where(b.finished, b.pad, choose(logits, settings))
        b.out.index_copy_(1, b.step, token[:, None])
        b.finished |= b.is_eos[token]
        b.seen.scatter_(1, token[:, None], True)
        b.tokens.copy_(token)
        b.step += 1

    def _decode_one_token(self) -> None:
        b = self._current_buffers
        allowed = b.valid & (b.all_slots <= b.slot)  # [B, L]
        mask = additive(allowed, self._dtype())[:, None, None, :]
        self._advance(self._forward(b.tokens[:, None], b.positions[:, None], mask))
        b.positions += 1
        b.slot += 1

    def _capture(self) -> None:
        """Record one decode step in a CUDA graph (after warm-up steps on a side stream)."""
        recorded = self._record(self._decode_one_token, _WARMUP_STEPS, "decoding")
        if recorded is None:
            self.use_graphs = False
            return
        self._graph = recorded[0]
        self.captures += 1

    def _record(self, run: Callable[[], torch.Tensor | None], warmups: int, what: str,
                prefills: Prefills | None = None) -> tuple[torch.cuda.CUDAGraph, torch.Tensor | None] | None:
        """(graph, output) of `run` captured after `warmups` eager runs on a side stream (in the
        prefills' shared pool, counting what it grows by); None, with a warning, when an op in it
        cannot be captured."""
        began = time.perf_counter()
        try:
            return self._record_timed(run, warmups, what, prefills)
        finally:
            self.capture_seconds += time.perf_counter() - began

    def _record_timed(self, run: Callable[[], torch.Tensor | None], warmups: int, what: str,
                      prefills: Prefills | None) -> tuple[torch.cuda.CUDAGraph, torch.Tensor | None] | None:
        pool = prefills.pool() if prefills is not None else None
        torch.cuda.empty_cache()  # as the capture does first: the growth measured is its pool's
        before = torch.cuda.memory_reserved(self.device)
        stream = torch.cuda.Stream(self.device)
        stream.wait_stream(torch.cuda.current_stream(self.device))
        try:
            with torch.cuda.stream(stream):
                for _ in range(warmups):
                    run()
            torch.cuda.current_stream(self.device).wait_stream(stream)
            graph = torch.cuda.CUDAGraph()
            with torch.cuda.graph(graph, pool=pool):
                out = run()
        except torch.OutOfMemoryError:
            raise
        except RuntimeError as exc:  # an op that syncs with the host: run eagerly instead
            warnings.warn(f"CUDA graph capture failed, {what} eagerly: {exc}", stacklevel=4)
            return None
        if prefills is not None:
            prefills.pool_bytes += max(0, torch.cuda.memory_reserved(self.device) - before)
        return graph, out

    def _decode(self, max_new_tokens: int) -> int:
        """Run decode steps until max_new_tokens or every row has finished; returns tokens made."""
        step = self._graph.replay if self._graph is not None else self._decode_one_token
        made = 1  # the prefill chose the first token
        while made < max_new_tokens:
            step()
            made += 1
            if made % CHECK_EVERY == 0 and bool(self._current_buffers.finished.all()):
                break
        return made


_ENGINES: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def engine_for(model) -> Engine:
    """The model's engine, made once and kept as long as the model lives."""
    if model not in _ENGINES:
        _ENGINES[model] = Engine(model)
    return _ENGINES[model]


def generate_ids(model, rows: Sequence[Sequence[int]], settings: GenerationSettings, *,
                 pad_id: int, eos_ids: Sequence[int]) -> list[list[int]]:
    """New token ids for each prompt row, through the model's engine."""
    return engine_for(model).generate(rows, settings, pad_id=pad_id, eos_ids=eos_ids)
