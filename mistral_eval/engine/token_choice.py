"""Choosing the next token on the device, as transformers' logits processors do: repetition
penalty, temperature, top-k, top-p, then greedy argmax or a draw, with no host sync.

Knows torch and GenerationSettings; the engine calls it on float32 logits [B, V].
"""

from __future__ import annotations

import torch

from mistral_eval.core.settings import GenerationSettings


def penalize(scores: torch.Tensor, seen: torch.Tensor, penalty: float) -> torch.Tensor:
    """transformers' RepetitionPenaltyLogitsProcessor: seen tokens' logits shrink toward -inf."""
    return torch.where(seen, torch.where(scores < 0, scores * penalty, scores / penalty), scores)


def _top_k(scores: torch.Tensor, k: int) -> torch.Tensor:
    kth = torch.topk(scores, min(k, scores.shape[-1]))[0][..., -1, None]
    return scores.masked_fill(scores < kth, -float("inf"))


def _top_p(scores: torch.Tensor, p: float) -> torch.Tensor:
    """transformers' TopPLogitsWarper: drop the least likely tokens holding 1 - p of the mass."""
    ordered, order = torch.sort(scores, descending=False)
    drop = ordered.softmax(-1).cumsum(-1) <= (1 - p)
    drop[..., -1:] = False
    return scores.masked_fill(drop.scatter(1, order, drop), -float("inf"))


def choose(scores: torch.Tensor, settings: GenerationSettings) -> torch.Tensor:
    """Next token per row from processed float32 scores [B, V]; no host sync."""
    if not settings.do_sample:
        return scores.argmax(-1)
    if settings.temperature != 1.0:
        scores = scores / settings.temperature
    if settings.top_k:
        scores = _top_k(scores, settings.top_k)
    if settings.top_p < 1.0:
        scores = _top_p(scores, settings.top_p)
    probs = scores.softmax(-1)
    # argmax(p / E) with E ~ Exp(1) draws from p, like torch.multinomial but without a sync
    return (probs / torch.empty_like(probs).exponential_(1).clamp_min_(1e-20)).argmax(-1)


def choice_key(settings: GenerationSettings) -> tuple:
    return (settings.do_sample, settings.temperature, settings.top_p, settings.top_k,
            settings.repetition_penalty)
