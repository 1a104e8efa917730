"""Tests for the statistics: each result against a value computed independently here (textbook
formulas, binomial sums, enumeration of sign assignments, closed forms, synthetic data with a known
truth)."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest

from mistral_eval.analysis.stats import (
    EXACT_MAX_PAIRS,
    bootstrap_mean,
    bounded_intervals,
    bounded_mean,
    cohen_kappa,
    fmt_interval,
    fmt_pct,
    fmt_rate_interval,
    mcnemar_exact,
    pass_at_k,
    sign_test,
    summarize_repeats,
    t_quantile,
    wilcoxon_signed_rank,
    wilson,
)
from mistral_eval.core.errors import ConfigError

Z95 = 1.959963984540054


def table(both: int, first_only: int, second_only: int, neither: int) -> tuple[list, list]:
    """Pass/fail of two runs over the same cases, from the cells of the paired 2×2 table."""
    cells = [(True, True)] * both + [(True, False)] * first_only + [(False, True)] * second_only \
        + [(False, False)] * neither
    return [a for a, _ in cells], [b for _, b in cells]


# ---------------------------------------------------------------------------------------------
# Wilson


def wilson_textbook(k: int, n: int, z: float = Z95) -> tuple[float, float]:
    """Wilson (1927) in the p-hat form found in textbooks and online calculators."""
    p = k / n
    centre = p + z * z / (2 * n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
    return (centre - half) / (1 + z * z / n), (centre + half) / (1 + z * z / n)


def test_wilson_8_of_13_matches_the_textbook_formula_and_reads_well():
    rate = wilson(8, 13)
    low, high = wilson_textbook(8, 13)
    assert (rate.k, rate.n) == (8, 13)
    assert rate.rate == pytest.approx(8 / 13)
    assert rate.low == pytest.approx(low, abs=1e-12) and rate.high == pytest.approx(high, abs=1e-12)
    assert rate.low == pytest.approx(0.3552, abs=1e-4) and rate.high == pytest.approx(0.8229, abs=1e-4)
    assert str(rate) == "62% [36–82%] (8/13)"


def test_wilson_edges_and_other_levels():
    assert wilson(0, 10).low == 0 and wilson(0, 10).high == pytest.approx(0.2775, abs=1e-4)
    assert wilson(10, 10).high == 1 and wilson(10, 10).low == pytest.approx(1 - 0.2775, abs=1e-4)
    assert wilson(8, 13, confidence=0.99).low < wilson(8, 13).low
    assert wilson(8, 13, confidence=0.99).low == pytest.approx(wilson_textbook(8, 13, 2.5758293035489)[0])
    empty = wilson(0, 0)
    assert (empty.rate, empty.low, empty.high) == (None, None, None)
    assert str(empty) == "– (n=0)"
    with pytest.raises(ConfigError, match="passed"):
        wilson(5, 4)
    with pytest.raises(ConfigError, match="confidence"):
        wilson(1, 4, confidence=95)


# ---------------------------------------------------------------------------------------------
# bootstrap mean


def test_bootstrap_mean_is_seeded_and_matches_normal_theory_on_a_large_sample():
    values = np.random.default_rng(7).normal(3.0, 1.0, 400)
    result = bootstrap_mean(values)
    assert result == bootstrap_mean(values) and result != bootstrap_mean(values, seed=1)
    half = Z95 * values.std(ddof=1) / math.sqrt(values.size)
    assert result.mean == pytest.approx(values.mean())
    assert result.low == pytest.approx(values.mean() - half, abs=0.15 * half)
    assert result.high == pytest.approx(values.mean() + half, abs=0.15 * half)
    assert result.n == 400


def test_bootstrap_mean_skips_missing_values_and_handles_tiny_samples():
    assert bootstrap_mean([4, None, float("nan"), 4, 4]) == bootstrap_mean([4, 4, 4])
    constant = bootstrap_mean([4, 4, 4])
    assert (constant.mean, constant.low, constant.high, constant.n) == (4, 4, 4, 3)
    assert str(constant) == "4.00 [4.00–4.00] (n=3)"
    assert bootstrap_mean([]).mean is None and str(bootstrap_mean([])) == "– (n=0)"


# ---------------------------------------------------------------------------------------------
# paired tests


def binomial_two_sided(k: int, m: int) -> float:
    return min(1.0, 2 * sum(math.comb(m, i) * 0.5 ** m for i in range(min(k, m - k) + 1)))


def newcombe_textbook(e: int, f: int, g: int, h: int, z: float = Z95) -> tuple[float, float]:
    """Newcombe (1998) method 10 in the paper's own notation: theta = p1 - p2 with p1 = (e+f)/n,
    p2 = (e+g)/n, so the interval for second - first is (-U, -L)."""
    n = e + f + g + h
    p1, p2 = (e + f) / n, (e + g) / n
    l1, u1 = wilson_textbook(e + f, n, z)
    l2, u2 = wilson_textbook(e + g, n, z)
    cross = e * h - f * g
    cross = cross - n / 2 if cross > n / 2 else (cross if cross < 0 else 0)
    phi = cross / math.sqrt((e + f) * (g + h) * (e + g) * (f + h))
    delta = math.sqrt((p1 - l1) ** 2 - 2 * phi * (p1 - l1) * (u2 - p2) + (u2 - p2) ** 2)
    epsilon = math.sqrt((u1 - p1) ** 2 - 2 * phi * (u1 - p1) * (p2 - l2) + (p2 - l2) ** 2)
    return -(p1 - p2 + epsilon), -(p1 - p2 - delta)


def test_mcnemar_exact_p_is_the_binomial_sum_and_the_interval_is_newcombes():
    a, b = table(both=5, first_only=1, second_only=7, neither=3)
    result = mcnemar_exact(a, b)
    assert result.p_value == pytest.approx(2 * (1 + 8) / 256)
    assert result.p_value == pytest.approx(binomial_two_sided(1, 8))
    assert (result.n, result.better, result.worse, result.statistic) == (16, 7, 1, 1)
    assert result.difference == pytest.approx(6 / 16)
    low, high = newcombe_textbook(5, 1, 7, 3)
    assert (result.low, result.high) == pytest.approx((low, high), abs=1e-12)
    assert result.low < result.difference < result.high
    assert not result.significant() and result.significant(alpha=0.1)
    assert result.test == "McNemar exact" and result.interval_method == "Newcombe hybrid score"
    assert str(result) == f"+38 pts [{100 * low:.0f}–{100 * high:.0f}] p=0.0703 (McNemar exact, n=16)"


@pytest.mark.parametrize("cells", [(3, 1, 2, 4), (20, 0, 12, 8), (1, 6, 2, 1), (0, 3, 4, 0), (5, 0, 3, 0)])
def test_newcombe_interval_over_tables_with_each_kind_of_correlation(cells):
    # cross products above n/2, between 0 and n/2, negative, and a zero margin (phi = 0)
    result = mcnemar_exact(*table(*cells))
    e, f, g, h = cells
    expected = newcombe_textbook(*cells) if min(e + f, g + h, e + g, f + h) else None
    if expected is not None:
        assert (result.low, result.high) == pytest.approx(expected, abs=1e-12)
    assert -1 <= result.low <= result.difference <= result.high <= 1


def test_mcnemar_is_antisymmetric_drops_missing_pairs_and_reports_significance():
    a, b = table(both=20, first_only=0, second_only=12, neither=8)
    forward, backward = mcnemar_exact(a, b), mcnemar_exact(b, a)
    assert forward.p_value == backward.p_value == pytest.approx(2 * 0.5 ** 12)
    assert backward.difference == pytest.approx(-forward.difference)
    assert (backward.low, backward.high) == pytest.approx((-forward.high, -forward.low))
    assert forward.significant() and str(forward).endswith("* (McNemar exact, n=40)")
    assert mcnemar_exact(a + [None, True], b + [True, None]) == forward
    same = mcnemar_exact([True, False, True], [True, False, True])
    assert same.p_value == 1.0 and same.difference == 0 and not same.significant()
    assert mcnemar_exact([], []).difference is None
    with pytest.raises(ConfigError, match="one value per case"):
        mcnemar_exact([True, False], [True])


def test_sign_test_counts_signs_and_bootstraps_the_mean_difference():
    a = [3, 2, 4, 1, 5, 3, 2, 2, 4, 3]
    b = [4, 4, 4, 2, 4, 5, 3, 3, 5, 3]
    result = sign_test(a, b)
    assert (result.better, result.worse, result.n) == (7, 1, 10)
    assert result.p_value == pytest.approx(binomial_two_sided(1, 8))
    assert result.difference == pytest.approx(np.mean(np.subtract(b, a)))
    assert result.low < result.difference < result.high
    assert result.interval_method == "paired bootstrap"
    assert result == sign_test(a, b)


def wilcoxon_by_enumeration(diffs: list[float]) -> float:
    """Two-sided exact p of Wilcoxon's W+ by listing every sign assignment of the midranks."""
    nonzero = [d for d in diffs if d != 0]
    magnitudes = [abs(d) for d in nonzero]
    ranks = [sum(m < x for m in magnitudes) + (sum(m == x for m in magnitudes) + 1) / 2
             for x in magnitudes]
    observed = sum(r for r, d in zip(ranks, nonzero) if d > 0)
    sums = [sum(r for r, s in zip(ranks, signs) if s)
            for signs in itertools.product([False, True], repeat=len(ranks))]
    lower = sum(s <= observed + 1e-9 for s in sums) / len(sums)
    upper = sum(s >= observed - 1e-9 for s in sums) / len(sums)
    return min(1.0, 2 * min(lower, upper))


@pytest.mark.parametrize("diffs", [[1, 2, 3, 4, 5], [1.5, -0.5, 2, 3, -1, 4, 2.5],
                                   [1, -1, 2, 2, 3, 0, -2, 1, 4, 2, 0, 1]])
def test_wilcoxon_exact_p_matches_enumeration_with_and_without_ties(diffs):
    result = wilcoxon_signed_rank([0] * len(diffs), diffs)
    assert result.test == "Wilcoxon exact"
    assert result.p_value == pytest.approx(wilcoxon_by_enumeration(diffs), abs=1e-12)


def test_wilcoxon_known_value_and_direction():
    assert wilcoxon_signed_rank([0] * 5, [1, 2, 3, 4, 5]).p_value == pytest.approx(2 / 32)
    result = wilcoxon_signed_rank([1, 2, 3, 4, 5], [0, 0, 0, 0, 0])
    assert result.difference == -3 and (result.better, result.worse) == (0, 5)
    assert result.statistic == 0


def test_wilcoxon_normal_approximation_above_the_exact_limit():
    rng = np.random.default_rng(3)
    b = rng.integers(1, 6, 60).astype(float)
    a = np.clip(b - rng.integers(-1, 3, 60), 1, 5)
    diffs = b - a
    nonzero = diffs[diffs != 0]
    m = nonzero.size
    assert m > EXACT_MAX_PAIRS
    magnitudes = np.abs(nonzero)
    ranks = np.array([(magnitudes < x).sum() + ((magnitudes == x).sum() + 1) / 2 for x in magnitudes])
    w_plus = ranks[nonzero > 0].sum()
    ties = np.unique(magnitudes, return_counts=True)[1]
    variance = m * (m + 1) * (2 * m + 1) / 24 - (ties ** 3 - ties).sum() / 48
    z = (abs(w_plus - m * (m + 1) / 4) - 0.5) / math.sqrt(variance)
    result = wilcoxon_signed_rank(a.tolist(), b.tolist())
    assert result.test == "Wilcoxon normal" and result.statistic == w_plus
    assert result.p_value == pytest.approx(math.erfc(z / math.sqrt(2)), rel=1e-12)
    assert result.significant()


# ---------------------------------------------------------------------------------------------
# repeats


@pytest.mark.parametrize(("n", "c", "k"), [(10, 3, 1), (10, 3, 5), (20, 1, 10), (5, 5, 2), (5, 0, 3),
                                           (200, 37, 100)])
def test_pass_at_k_matches_the_closed_form(n, c, k):
    expected = 1 - math.comb(n - c, k) / math.comb(n, k)
    assert pass_at_k(n, c, k) == pytest.approx(expected, rel=1e-9, abs=1e-12)


def test_pass_at_1_is_the_pass_fraction_and_bad_arguments_are_refused():
    assert pass_at_k(8, 3, 1) == pytest.approx(3 / 8)
    assert pass_at_k(8, 6, 3) == 1.0
    with pytest.raises(ConfigError, match="pass@k"):
        pass_at_k(3, 1, 4)


def test_summarize_repeats_by_hand():
    outcomes = {"a": [True, True, False], "b": [False, False, False], "c": [True, True, True],
                "d": [True, None, False], "e": [None]}
    summary = summarize_repeats(outcomes, ks=(1, 2, 3))
    assert (summary.cases, summary.repeats) == (4, 3)
    assert summary.per_case == {"a": 2 / 3, "b": 0.0, "c": 1.0, "d": 0.5}
    assert summary.mean.mean == pytest.approx((2 / 3 + 0 + 1 + 0.5) / 4)
    assert summary.pass_at[1] == pytest.approx(summary.mean.mean)
    assert summary.pass_at[2] == pytest.approx((1 + 0 + 1 + 1) / 4)
    assert summary.pass_at[3] == pytest.approx((1 + 0 + 1) / 3)
    assert summary.repeat_rates == pytest.approx((3 / 4, 2 / 4, 1 / 3))
    assert summary.spread == pytest.approx(np.std([3 / 4, 2 / 4, 1 / 3], ddof=1))
    assert summarize_repeats({"a": [True]}).spread is None


# ---------------------------------------------------------------------------------------------
# pairwise judging


# ---------------------------------------------------------------------------------------------
# agreement


def test_cohen_kappa_textbook_table():
    # 50 items: both yes 20, only the first yes 5, only the second yes 10, both no 15 -> kappa 0.4
    a, b = table(both=20, first_only=5, second_only=10, neither=15)
    agreement = cohen_kappa(a, b)
    assert (agreement.n, agreement.observed, agreement.expected) == (50, 0.7, 0.5)
    assert agreement.kappa == pytest.approx(0.4)
    assert str(agreement) == "κ 0.40 (agreement 70%, n=50)"
    assert cohen_kappa([True, False, True], [True, False, True]).kappa == 1.0
    assert cohen_kappa([True, True], [True, True]).kappa is None
    assert cohen_kappa([True, None, False], [True, True, False]).n == 2


# ---------------------------------------------------------------------------------------------
# bounded means (grades): coverage at small n


GRADE_DISTRIBUTIONS = {
    "uniform 1-5": (np.arange(1, 6), [0.2] * 5),
    "central 1-5": (np.arange(1, 6), [0.05, 0.2, 0.5, 0.2, 0.05]),
    "skewed high 1-5": (np.arange(1, 6), [0.02, 0.03, 0.05, 0.3, 0.6]),
    "almost all 5": (np.arange(1, 6), [0, 0, 0, 0.1, 0.9]),
    "two-point 1 or 5": (np.arange(1, 6), [0.45, 0, 0, 0, 0.55]),
    "skewed low 1-10": (np.arange(1, 11), [0.5, 0.2, 0.1, 0.05, 0.05, 0.04, 0.03, 0.01, 0.01, 0.01]),
}


@pytest.mark.parametrize("name", sorted(GRADE_DISTRIBUTIONS))
@pytest.mark.parametrize("n", [3, 6, 10])
def test_bounded_mean_interval_keeps_95_percent_coverage_at_small_n(name, n):
    grades, probs = GRADE_DISTRIBUTIONS[name]
    truth = float(np.dot(grades, probs))
    samples = np.random.default_rng(n).choice(grades, size=(4000, n), p=probs).astype(float)
    lows, highs = bounded_intervals(samples, grades[0], grades[-1])
    coverage = float(np.mean((lows <= truth) & (truth <= highs)))
    assert coverage >= 0.93, f"{name}, n={n}: coverage {coverage:.3f}"
    one = bounded_mean(samples[0], grades[0], grades[-1])
    assert (one.low, one.high) == pytest.approx((lows[0], highs[0]))


def test_the_percentile_bootstrap_misses_its_promise_at_small_n():
    grades, probs = GRADE_DISTRIBUTIONS["skewed high 1-5"]
    truth = float(np.dot(grades, probs))
    rng = np.random.default_rng(0)
    covered = [bootstrap_mean(rng.choice(grades, 3, p=probs), resamples=200) for _ in range(300)]
    assert np.mean([m.low <= truth <= m.high for m in covered]) < 0.9


def test_bounded_mean_says_when_n_is_too_small_and_stays_on_the_scale():
    assert bounded_mean([4], 1, 5).too_small and str(bounded_mean([4], 1, 5)) == \
        "4.00 (n=1: too small for an interval)"
    assert bounded_mean([4, 5], 1, 5).low is None and bounded_mean([], 1, 5).mean is None
    three = bounded_mean([5, 5, 5], 1, 5)
    assert three.high == 5 and 2 < three.low < 4.5 and three.method == "bounded score"
    assert not three.too_small and str(three).endswith("(n=3)")
    assert t_quantile(0.975, 2) == pytest.approx(4.3027, abs=1e-3)
    assert t_quantile(0.025, 10) == pytest.approx(-2.2281, abs=1e-3)
    with pytest.raises(ConfigError):
        bounded_mean([1, 2, 3], 5, 1)


def test_one_formatter_writes_rates_and_intervals():
    import pandas as pd

    assert fmt_rate_interval(0.125, 0.0512, 0.2734) == "12.5% [5.1–27.3%]"
    assert fmt_rate_interval(0.125, 0.0512, 0.2734, digits=0) == "12% [5–27%]"
    assert fmt_pct(0.25, sign="+", unit=" pts") == "+25.0 pts" and fmt_pct(-0.103, sign="+", unit="") == "-10.3"
    assert fmt_interval(-0.103, 0.521, sign="+", unit="", between=", ") == "[-10.3, +52.1]"
    for missing in (None, math.nan, np.nan, pd.NA):
        assert fmt_pct(missing) == fmt_interval(missing, 0.5) == fmt_rate_interval(missing, 0.1, 0.2) == "–"
    assert fmt_rate_interval(0.5, None, None) == "50.0% –"
    assert str(wilson(1, 2)) == "50% [9–91%] (1/2)"
