"""Tests for pairwise judgments: win/tie/loss counts and Bradley–Terry strengths on known orders."""

from __future__ import annotations

import math

import numpy as np
import pytest

from mistral_eval.analysis.pairwise import PairwiseOutcome, bradley_terry
from mistral_eval.analysis.stats import wilson
from mistral_eval.core.errors import ConfigError


def binomial_two_sided(k: int, m: int) -> float:
    return min(1.0, 2 * sum(math.comb(m, i) * 0.5 ** m for i in range(min(k, m - k) + 1)))


def test_pairwise_outcome_counts_and_rates():
    outcome = PairwiseOutcome.from_scores([1, 1, 1, 0.5, 0, 1, 1, 0.5, 1, 1])
    assert (outcome.wins, outcome.ties, outcome.losses, outcome.n) == (7, 2, 1, 10)
    assert outcome.win_rate == wilson(7, 10) and outcome.loss_rate == wilson(1, 10)
    assert outcome.score == pytest.approx(0.8)
    assert outcome.p_value == pytest.approx(binomial_two_sided(1, 8))
    assert str(outcome).startswith("win 70% [40–89%] (7/10), tie 20%")
    with pytest.raises(ConfigError, match="0.5"):
        PairwiseOutcome.from_scores([0.7])


def test_bradley_terry_two_players_recovers_the_odds():
    comparisons = [("a", "b", 1.0)] * 30 + [("a", "b", 0.0)] * 10
    strengths = bradley_terry(comparisons, prior=1e-6, resamples=0)
    assert list(strengths) == ["a", "b"]
    assert strengths["a"].strength / strengths["b"].strength == pytest.approx(3.0, rel=1e-4)
    assert strengths["a"].strength * strengths["b"].strength == pytest.approx(1.0)
    assert strengths["a"].win_probability(strengths["b"]) == pytest.approx(0.75, rel=1e-4)
    assert (strengths["a"].comparisons, strengths["a"].score, strengths["b"].score) == (40, 30, 10)
    assert strengths["a"].low is None


def test_bradley_terry_prior_is_virtual_tied_games():
    # one real win plus one virtual tie: a has 1.5 of 2 points, so the odds are 3 to 1
    strengths = bradley_terry([("a", "b", 1.0)], prior=1.0, resamples=0)
    assert strengths["a"].strength / strengths["b"].strength == pytest.approx(3.0)
    with pytest.raises(ConfigError, match="prior"):
        bradley_terry([("a", "b", 1.0)], prior=0)


def test_bradley_terry_recovers_a_known_order_with_intervals_that_contain_the_truth():
    truth = {"w": math.exp(-1.0), "x": math.exp(-0.3), "y": math.exp(0.3), "z": math.exp(1.0)}
    rng = np.random.default_rng(11)
    names = list(truth)
    comparisons = []
    for _ in range(600):
        a, b = rng.choice(names, 2, replace=False)
        comparisons.append((str(a), str(b), float(rng.random() < truth[a] / (truth[a] + truth[b]))))
    strengths = bradley_terry(comparisons, resamples=300, seed=0)
    assert list(strengths) == ["z", "y", "x", "w"]
    assert math.prod(s.strength for s in strengths.values()) == pytest.approx(1.0)
    for name, true_strength in truth.items():
        fitted = strengths[name]
        assert fitted.low < fitted.strength < fitted.high
        assert fitted.low < true_strength < fitted.high, fitted
    assert strengths == bradley_terry(comparisons, resamples=300, seed=0)


def test_bradley_terry_ties_are_half_wins_and_a_winless_player_stays_finite():
    tied = bradley_terry([("a", "b", 0.5), ("a", "b", 0.5), ("b", "c", 1.0)], resamples=0)
    split = bradley_terry([("a", "b", 1.0), ("b", "a", 1.0), ("b", "c", 1.0)], resamples=0)
    for name in "abc":
        assert tied[name].strength == pytest.approx(split[name].strength)
    assert list(tied) == ["b", "a", "c"] and tied["c"].strength > 0
    assert bradley_terry([]) == {}
    with pytest.raises(ConfigError, match="players must differ"):
        bradley_terry([("a", "a", 1.0)])


def test_bradley_terry_without_a_decisive_comparison_says_so_instead_of_a_zero_width_interval():
    tied = bradley_terry([("a", "b", 0.5)] * 6 + [("b", "c", 0.5)] * 4, resamples=200)
    for strength in tied.values():
        assert strength.no_decisive and strength.low is None and strength.decisive == 0
        assert strength.interval_text == "no decisive comparisons" and "[1.00–1.00]" not in str(strength)
    decided = bradley_terry([("a", "b", 1.0), ("a", "b", 0.5), ("b", "c", 0.5)], resamples=200)
    assert not decided["a"].no_decisive and decided["a"].decisive == 1 and decided["c"].decisive == 0
    assert decided["a"].low is not None and decided["a"].interval_text.startswith("[")
