"""The engine's token choice (mistral_eval.engine.token_choice) against transformers' own logits
processors on random scores: the same filtered scores, the same greedy tokens."""

from __future__ import annotations

import torch
from transformers.generation.logits_process import RepetitionPenaltyLogitsProcessor, TopKLogitsWarper, TopPLogitsWarper

from mistral_eval.core.settings import GenerationSettings
from mistral_eval.engine.token_choice import _top_k, _top_p, choice_key, choose, penalize


def _scores(seed: int = 0) -> torch.Tensor:
    return torch.randn(4, 50, generator=torch.Generator().manual_seed(seed)) * 3


def test_repetition_penalty_equals_transformers():
    scores, ids = _scores(), torch.tensor([[1, 5, 7], [2, 2, 49], [0, 3, 3], [9, 10, 11]])
    seen = torch.zeros(4, 50, dtype=torch.bool).scatter_(1, ids, True)
    expected = RepetitionPenaltyLogitsProcessor(1.3)(ids, scores.clone())
    assert torch.equal(penalize(scores, seen, 1.3), expected)


def test_top_k_and_top_p_equal_transformers():
    scores, ids = _scores(1), torch.zeros(4, 1, dtype=torch.long)
    assert torch.equal(_top_k(scores, 5), TopKLogitsWarper(5)(ids, scores.clone()))
    for p in (0.5, 0.9, 0.99):
        assert torch.equal(_top_p(scores, p), TopPLogitsWarper(p)(ids, scores.clone())), p


def test_greedy_is_argmax_and_sampling_stays_inside_top_k():
    scores = _scores(2)
    assert torch.equal(choose(scores, GenerationSettings()), scores.argmax(-1))
    torch.manual_seed(0)
    settings = GenerationSettings(do_sample=True, temperature=0.7, top_k=3, seed=0)
    allowed = scores.topk(3).indices
    for _ in range(20):
        token = choose(scores, settings)
        assert bool((allowed == token[:, None]).any(-1).all())
    assert choice_key(settings) != choice_key(GenerationSettings())
