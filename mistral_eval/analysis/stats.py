"""Statistics for verdicts: rates with Wilson intervals, means with bootstrap intervals, paired exact
tests between two runs over the same cases, pass@k over repeats and Cohen's kappa (pairwise win rates
and Bradley–Terry strengths are in pairwise.py).

Pure functions over plain numbers (numpy and the standard library only); every random step takes a
seed, so the same input gives the same interval. It knows nothing about runs, records or reports:
callers pass booleans, grades or comparisons. Paired inputs may hold None (or NaN) for a case that
errored or was not scored; such pairs are dropped and `n` counts the pairs kept.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from statistics import NormalDist
from typing import Any, TypeVar

import numpy as np

from mistral_eval.core.errors import ConfigError

__all__ = ["Agreement", "EXACT_MAX_PAIRS", "MIN_INTERVAL_N", "Mean", "PairedTest", "Rate", "RepeatsSummary",
           "bootstrap_mean", "bounded_intervals", "bounded_mean", "cohen_kappa", "fmt_interval",
           "fmt_kappa", "fmt_pct", "fmt_rate_interval", "mcnemar_exact", "pass_at_k", "sign_test",
           "summarize_repeats", "t_quantile", "wilcoxon_signed_rank", "wilson"]

EXACT_MAX_PAIRS = 25
"""Wilcoxon's test is exact up to this many non-zero differences, normal-approximated above."""

CHUNK = 1_000_000  # bootstrap draws held in memory at once

T = TypeVar("T")
MIN_INTERVAL_N = 3
"""`bounded_mean` gives no interval below this many values: "n too small" (with 2 values any honest
95% interval spans nearly the whole scale)."""
PRIOR_WEIGHT = 3
"""Pseudo-observations of `bounded_mean`'s variance prior (the largest variance a mean allows on the
scale); 3 keeps coverage ≥ 93% at n = 3..30 on skewed and two-point grade distributions."""


# ---------------------------------------------------------------------------------------------
# result types


@dataclass(frozen=True)
class Rate:
    """A pass rate with its Wilson score interval."""

    k: int
    """Cases that passed."""
    n: int
    """Cases scored (errors excluded by the caller)."""
    rate: float | None
    """k / n; None when n is 0."""
    low: float | None
    """Lower end of the interval; None when n is 0."""
    high: float | None
    """Upper end of the interval; None when n is 0."""
    confidence: float = 0.95
    """Coverage the interval was computed for."""

    def __str__(self) -> str:
        if self.rate is None:
            return f"– (n={self.n})"
        return f"{fmt_rate_interval(self.rate, self.low, self.high, digits=0)} ({self.k}/{self.n})"


@dataclass(frozen=True)
class Mean:
    """A mean (of scores, grades) with its interval (`method`)."""

    mean: float | None
    """The sample mean; None when n is 0."""
    low: float | None
    """Lower end of the interval; None when n is 0 or too small for an interval (`too_small`)."""
    high: float | None
    """Upper end of the interval; None when n is 0 or too small for an interval (`too_small`)."""
    n: int
    """Values averaged."""
    confidence: float = 0.95
    """Coverage the interval was computed for."""
    method: str = "percentile bootstrap"
    """How `low`/`high` were computed: "percentile bootstrap" or "bounded score" (`bounded_mean`)."""

    @property
    def too_small(self) -> bool:
        """True when there is a mean but too few values for an honest interval."""
        return self.mean is not None and self.low is None

    def __str__(self) -> str:
        if self.mean is None:
            return f"– (n={self.n})"
        if self.too_small:
            return f"{self.mean:.2f} (n={self.n}: too small for an interval)"
        return f"{self.mean:.2f} [{self.low:.2f}–{self.high:.2f}] (n={self.n})"


@dataclass(frozen=True)
class PairedTest:
    """Two runs over the same cases: the difference second − first, its interval and a paired test."""

    test: str
    """Which test gave `p_value`: "McNemar exact", "sign exact", "Wilcoxon exact" or "Wilcoxon normal"."""
    interval_method: str
    """How `low`/`high` were computed: "Newcombe hybrid score" or "paired bootstrap"."""
    n: int
    """Pairs compared (pairs with a missing side dropped)."""
    difference: float | None
    """Mean of second − first (for pass/fail: the difference in pass rate); None when n is 0.
    Positive means the second run did better."""
    low: float | None
    """Lower end of the interval for `difference`; None when n is 0."""
    high: float | None
    """Upper end of the interval for `difference`; None when n is 0."""
    p_value: float
    """Two-sided p-value of no difference; 1.0 when no pair differs."""
    better: int
    """Pairs where the second run did better (McNemar: fail → pass)."""
    worse: int
    """Pairs where the second run did worse (McNemar: pass → fail)."""
    statistic: float
    """The test statistic: discordant/sign count min(better, worse), or Wilcoxon's W+ (rank sum of
    positive differences)."""
    confidence: float = 0.95
    """Coverage of the interval."""

    def significant(self, alpha: float = 0.05) -> bool:
        """True when the test rejects "no difference" at level `alpha`."""
        return self.n > 0 and self.p_value < alpha

    def __str__(self) -> str:
        if self.difference is None:
            return f"– (n=0, {self.test})"
        rate = self.test.startswith("McNemar")
        value = fmt_pct(self.difference, digits=0, sign="+", unit=" pts") if rate else f"{self.difference:+.2f}"
        interval = (fmt_interval(self.low, self.high, digits=0, unit="") if rate
                    else f"[{self.low:.2f}–{self.high:.2f}]")
        mark = " *" if self.significant() else ""
        return f"{value} {interval} p={self.p_value:.3g}{mark} ({self.test}, n={self.n})"


@dataclass(frozen=True)
class RepeatsSummary:
    """Each case sampled several times: per-case pass fractions, pass@k and the spread across repeats."""

    cases: int
    """Cases summarized."""
    repeats: int
    """Most samples any case has."""
    per_case: Mapping[str, float]
    """Pass fraction of each case (passed samples / samples)."""
    mean: Mean
    """Mean of the per-case pass fractions, with a bootstrap interval over cases."""
    pass_at: Mapping[int, float]
    """k → mean unbiased pass@k over the cases with at least k samples (k without such cases left out)."""
    repeat_rates: tuple[float, ...]
    """Pass rate of the r-th sample over the cases that have one, for r = 0, 1, ..."""
    spread: float | None
    """Standard deviation (ddof=1) of `repeat_rates`: how much a single run's rate moves between
    repeats; None with fewer than two repeats."""


@dataclass(frozen=True)
class Agreement:
    """Agreement between two pass/fail raters (checks against a judge threshold)."""

    n: int
    """Items both raters rated."""
    observed: float | None
    """Share of items where they agree; None when n is 0."""
    expected: float | None
    """Agreement expected by chance from each rater's own pass rate; None when n is 0."""
    kappa: float | None
    """Cohen's kappa (observed − expected) / (1 − expected); None when undefined (n is 0, or both
    raters gave one and the same verdict to every item)."""

    def __str__(self) -> str:
        if self.kappa is None:
            return f"κ – (n={self.n})"
        return f"κ {fmt_kappa(self.kappa)} (agreement {fmt_pct(self.observed, digits=0)}, n={self.n})"


def fmt_kappa(kappa: float) -> str:
    """Cohen's κ to two decimals, never "-0.00": a κ that rounds to zero is 0.00."""
    text = f"{kappa:.2f}"
    return "0.00" if text == "-0.00" else text


def fmt_pct(share: Any, *, digits: int = 1, sign: str = "", unit: str = "%") -> str:
    """A share (0..1) as a percentage: "12.5%" (`sign="+"`: "+12.5"; `unit=" pts"`: points); "–" when
    missing (None, NaN or pandas' NA)."""
    return "–" if _absent(share) else f"{100 * share:{sign}.{digits}f}{unit}"


def fmt_interval(low: Any, high: Any, *, digits: int = 1, sign: str = "", unit: str = "%",
                 between: str = "–") -> str:
    """An interval of shares as percentages: "[5.1–27.3%]" (the unit once, after the upper end);
    "–" when an end is missing."""
    if _absent(low) or _absent(high):
        return "–"
    bounds = [fmt_pct(end, digits=digits, sign=sign, unit="") for end in (low, high)]
    return f"[{bounds[0]}{between}{bounds[1]}{unit}]"


def fmt_rate_interval(rate: Any, low: Any, high: Any, *, digits: int = 1) -> str:
    """A rate and its interval, "12.5% [5.1–27.3%]"; "–" when the rate is missing."""
    if _absent(rate):
        return "–"
    return f"{fmt_pct(rate, digits=digits)} {fmt_interval(low, high, digits=digits)}"


def _absent(value: Any) -> bool:
    """None, NaN, or pandas' NA (which is neither equal nor unequal to itself), without importing pandas."""
    try:
        return value is None or bool(value != value)
    except TypeError:
        return True


# ---------------------------------------------------------------------------------------------
# rates and means


def wilson(passed: int, n: int, confidence: float = 0.95) -> Rate:
    """`passed` of `n` as a rate with its Wilson score interval (no continuity correction)."""
    if not 0 <= passed <= n:
        raise ConfigError(f"passed must lie in 0..n, got passed={passed}, n={n}", field="passed")
    if n == 0:
        return Rate(0, 0, None, None, None, check_confidence(confidence))
    z = _z(confidence)
    p = passed / n
    centre = (passed + z * z / 2) / (n + z * z)
    half = z / (n + z * z) * math.sqrt(passed * (n - passed) / n + z * z / 4)
    low = 0.0 if passed == 0 else max(0.0, centre - half)
    high = 1.0 if passed == n else min(1.0, centre + half)
    return Rate(passed, n, p, low, high, confidence)


def bootstrap_mean(values: Iterable[float], confidence: float = 0.95, resamples: int = 2000,
                   seed: int = 0) -> Mean:
    """The mean of `values` (None and NaN skipped) with a percentile bootstrap interval."""
    data = _clean(values)
    if data.size == 0:
        return Mean(None, None, None, 0, check_confidence(confidence))
    low, high = percentiles(_bootstrap_means(data[None, :], resamples, seed)[:, 0], confidence)
    return Mean(float(data.mean()), low, high, int(data.size), confidence)


def bounded_mean(values: Iterable[float | None], low: float, high: float,
                 confidence: float = 0.95) -> Mean:
    """The mean of `values` on the scale [low, high] (grades 1–5, 1–10; None and NaN skipped) with an
    interval that keeps its coverage at small n, where a bootstrap's does not (66–87% at n ≤ 6).

    A score interval: every μ with (x̄ − μ)² ≤ t² · v(μ) / n, where the variance v(μ) blends the
    sample variance with `PRIOR_WEIGHT` pseudo-observations of the largest variance a mean μ allows
    on the scale, (μ − low)(high − μ) (Wilson's for a rate), and t is Student's quantile with
    n − 1 + PRIOR_WEIGHT degrees of freedom. Three equal grades therefore still give a wide interval
    (they say little), and the prior's weight fades as n grows. Below `MIN_INTERVAL_N` values the
    mean has no interval (`Mean.too_small`). Coverage is checked by simulation in the tests.
    """
    check_confidence(confidence)
    if not low < high:
        raise ConfigError(f"a bounded mean needs low < high, got {low} and {high}", field="high")
    data = _clean(values)
    n = int(data.size)
    if n == 0:
        return Mean(None, None, None, 0, confidence, "bounded score")
    mean = float(data.mean())
    if n < MIN_INTERVAL_N:
        return Mean(mean, None, None, n, confidence, "bounded score")
    lows, highs = bounded_intervals(data[None, :], low, high, confidence)
    return Mean(mean, float(lows[0]), float(highs[0]), n, confidence, "bounded score")


def bounded_intervals(samples: np.ndarray, low: float, high: float,
                      confidence: float = 0.95) -> tuple[np.ndarray, np.ndarray]:
    """`bounded_mean`'s interval for each row of `samples` [R, n] (n ≥ 2), vectorised: (lows, highs)."""
    n = samples.shape[1]
    df = n - 1 + PRIOR_WEIGHT
    share_data, share_prior = (n - 1) / df, PRIOR_WEIGHT / df
    c = t_quantile(0.5 + check_confidence(confidence) / 2, df) ** 2 / n
    mean = samples.mean(axis=1)
    a = 1 + c * share_prior
    b = -(2 * mean + c * share_prior * (low + high))
    k = mean * mean - c * share_data * samples.var(axis=1, ddof=1) + c * share_prior * low * high
    root = np.sqrt(np.maximum(b * b - 4 * a * k, 0.0))
    lows = np.clip((-b - root) / (2 * a), low, mean)
    highs = np.clip((-b + root) / (2 * a), mean, high)
    return lows, highs


def t_quantile(q: float, df: float) -> float:
    """Student's t quantile (q in (0, 1)): the density integrated by Simpson's rule, then bisection."""
    if not 0 < q < 1 or df <= 0:
        raise ConfigError(f"t quantile needs 0 < q < 1 and df > 0, got q={q}, df={df}", field="q")
    if q < 0.5:
        return -t_quantile(1 - q, df)
    scale = math.exp(math.lgamma((df + 1) / 2) - math.lgamma(df / 2)) / math.sqrt(df * math.pi)

    def cdf(t: float) -> float:
        x = np.linspace(0.0, t, 2001)
        y = scale * (1 + x * x / df) ** (-(df + 1) / 2)
        return float(0.5 + t / 6000 * (y[0] + y[-1] + 4 * y[1:-1:2].sum() + 2 * y[2:-1:2].sum()))

    lo, hi = 0.0, 1.0
    while cdf(hi) < q:
        lo, hi = hi, 2 * hi
    for _ in range(50):
        mid = (lo + hi) / 2
        lo, hi = (mid, hi) if cdf(mid) < q else (lo, mid)
    return (lo + hi) / 2


# ---------------------------------------------------------------------------------------------
# paired tests


def mcnemar_exact(a: Sequence[bool | None], b: Sequence[bool | None],
                  confidence: float = 0.95) -> PairedTest:
    """Pass/fail of the same cases in run `a` then run `b`: McNemar's exact test (two-sided
    binomial test of the discordant pairs at 1/2) and Newcombe's hybrid score interval for the
    difference in pass rate b − a (Newcombe 1998, method 10, with its continuity-corrected phi).
    The interval and the test are different methods and can disagree near the edge (e.g. 4 of 4
    discordant pairs: p = 0.125, interval above 0); `significant()` follows the test."""
    pairs = _pairs(a, b)
    n = len(pairs)
    both = sum(1 for x, y in pairs if x and y)
    better = sum(1 for x, y in pairs if not x and y)
    worse = sum(1 for x, y in pairs if x and not y)
    p_value = binomial_two_sided(better, better + worse)
    if n == 0:
        return PairedTest("McNemar exact", "Newcombe hybrid score", 0, None, None, None, 1.0, 0, 0,
                          0.0, check_confidence(confidence))
    low, high = _newcombe_paired(both, better, worse, n - both - better - worse, confidence)
    return PairedTest("McNemar exact", "Newcombe hybrid score", n, (better - worse) / n, low, high,
                      p_value, better, worse, float(min(better, worse)), confidence)


def sign_test(a: Sequence[float | None], b: Sequence[float | None], confidence: float = 0.95,
              resamples: int = 2000, seed: int = 0) -> PairedTest:
    """Grades of the same cases in run `a` then run `b`: the exact two-sided sign test on the
    non-zero differences, and the mean difference b − a with a paired bootstrap interval."""
    diffs = _differences(a, b)
    better, worse = int((diffs > 0).sum()), int((diffs < 0).sum())
    return _paired_result("sign exact", diffs, binomial_two_sided(better, better + worse),
                          float(min(better, worse)), confidence, resamples, seed)


def wilcoxon_signed_rank(a: Sequence[float | None], b: Sequence[float | None],
                         confidence: float = 0.95, resamples: int = 2000,
                         seed: int = 0) -> PairedTest:
    """Grades of the same cases in run `a` then run `b`: Wilcoxon's signed-rank test, two-sided.

    Zero differences are dropped (Wilcoxon's convention); tied |differences| get average ranks.
    With at most `EXACT_MAX_PAIRS` non-zero differences the p-value is exact: the permutation
    distribution of W+ over all 2^m sign assignments of the (possibly tied) ranks. Above that it
    is the normal approximation with continuity correction 0.5 and the tie-corrected variance
    m(m+1)(2m+1)/24 − Σ(t³ − t)/48. The interval is the paired bootstrap of the mean difference.
    """
    diffs = _differences(a, b)
    nonzero = diffs[diffs != 0]
    ranks = _midranks(np.abs(nonzero))
    w_plus = float(ranks[nonzero > 0].sum())
    m = nonzero.size
    if m <= EXACT_MAX_PAIRS:
        test, p_value = "Wilcoxon exact", _wilcoxon_exact_p(ranks, w_plus)
    else:
        test, p_value = "Wilcoxon normal", _wilcoxon_normal_p(ranks, w_plus)
    return _paired_result(test, diffs, p_value, w_plus, confidence, resamples, seed)


# ---------------------------------------------------------------------------------------------
# repeats


def pass_at_k(n: int, c: int, k: int) -> float:
    """Unbiased pass@k from `n` samples of which `c` passed (Chen et al. 2021, "Evaluating Large
    Language Models Trained on Code"): 1 − C(n−c, k) / C(n, k), computed as a stable product."""
    if not (0 <= c <= n and 1 <= k <= n):
        raise ConfigError(f"pass@k needs 0 <= c <= n and 1 <= k <= n, got n={n}, c={c}, k={k}",
                          field="k")
    if n - c < k:
        return 1.0
    return float(1.0 - np.prod(1.0 - k / np.arange(n - c + 1, n + 1)))


def summarize_repeats(outcomes: Mapping[str, Sequence[bool]], ks: Sequence[int] = (1,),
                      confidence: float = 0.95, resamples: int = 2000,
                      seed: int = 0) -> RepeatsSummary:
    """Summarize `case key → pass/fail of each repeat, in repeat order` (cases may have different
    numbers of samples; None marks a sample that errored and is skipped; a case without samples is
    left out)."""
    samples = {key: [bool(x) for x in values if not _missing(x)] for key, values in outcomes.items()}
    samples = {key: values for key, values in samples.items() if values}
    per_case = {key: sum(values) / len(values) for key, values in samples.items()}
    repeats = max((len(values) for values in samples.values()), default=0)
    pass_at = {}
    for k in ks:
        eligible = [pass_at_k(len(v), sum(v), k) for v in samples.values() if len(v) >= k]
        if eligible:
            pass_at[k] = float(np.mean(eligible))
    repeat_rates = tuple(float(np.mean([v[r] for v in samples.values() if len(v) > r]))
                         for r in range(repeats))
    spread = float(np.std(repeat_rates, ddof=1)) if repeats >= 2 else None
    return RepeatsSummary(len(samples), repeats, per_case,
                          bootstrap_mean(per_case.values(), confidence, resamples, seed),
                          pass_at, repeat_rates, spread)


# ---------------------------------------------------------------------------------------------
# agreement


def cohen_kappa(a: Sequence[bool | None], b: Sequence[bool | None]) -> Agreement:
    """Cohen's kappa between two pass/fail raters over the same items (pairs with None dropped)."""
    pairs = _pairs(a, b)
    n = len(pairs)
    if n == 0:
        return Agreement(0, None, None, None)
    observed = sum(1 for x, y in pairs if bool(x) == bool(y)) / n
    pa = sum(1 for x, _ in pairs if x) / n
    pb = sum(1 for _, y in pairs if y) / n
    expected = pa * pb + (1 - pa) * (1 - pb)
    kappa = None if expected == 1 else (observed - expected) / (1 - expected)
    return Agreement(n, observed, expected, kappa)


# ---------------------------------------------------------------------------------------------
# helpers


def check_confidence(confidence: float) -> float:
    if not 0 < confidence < 1:
        raise ConfigError(f"confidence must lie strictly between 0 and 1 (e.g. 0.95), got {confidence}",
                          field="confidence")
    return confidence


def _z(confidence: float) -> float:
    return NormalDist().inv_cdf(0.5 + check_confidence(confidence) / 2)


def maybe(value: float | None) -> float | None:
    return None if value is None else float(value)


def _missing(value: object) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def _clean(values: Iterable[float | None]) -> np.ndarray:
    return np.array([float(v) for v in values if v is not None and not _missing(v)], dtype=float)


def _pairs(a: Sequence[T | None], b: Sequence[T | None]) -> list[tuple[T, T]]:
    if len(a) != len(b):
        raise ConfigError(f"paired inputs must have one value per case in the same order; got "
                          f"{len(a)} and {len(b)} values", field="b")
    return [(x, y) for x, y in zip(a, b)
            if x is not None and y is not None and not _missing(x) and not _missing(y)]


def _differences(a: Sequence[float | None], b: Sequence[float | None]) -> np.ndarray:
    return np.array([float(y) - float(x) for x, y in _pairs(a, b)], dtype=float)


def binomial_two_sided(k: int, m: int) -> float:
    """Exact two-sided binomial test of k successes in m trials at p = 1/2."""
    if m == 0:
        return 1.0
    tail: float = sum(math.comb(m, i) for i in range(min(k, m - k) + 1)) / 2 ** m
    return min(1.0, 2 * tail)


def _bootstrap_means(data: np.ndarray, resamples: int, seed: int) -> np.ndarray:
    """Means of `resamples` resamples of the columns of `data` [V, n] (rows resampled together,
    so paired values stay paired) -> [resamples, V]."""
    if resamples < 1:
        raise ConfigError(f"resamples must be >= 1, got {resamples}", field="resamples")
    rng = np.random.default_rng(seed)
    n = data.shape[1]
    per_chunk = max(1, CHUNK // n)
    means = [data[:, rng.integers(0, n, (min(per_chunk, resamples - start), n))].mean(axis=2).T
             for start in range(0, resamples, per_chunk)]
    return np.concatenate(means)


def percentiles(samples: np.ndarray, confidence: float) -> tuple[Any, Any]:
    alpha = 1 - check_confidence(confidence)
    low, high = np.quantile(samples, [alpha / 2, 1 - alpha / 2], axis=0)
    return (float(low), float(high)) if np.ndim(low) == 0 else (low, high)


def _paired_result(test: str, diffs: np.ndarray, p_value: float, statistic: float,
                   confidence: float, resamples: int, seed: int) -> PairedTest:
    better, worse = int((diffs > 0).sum()), int((diffs < 0).sum())
    mean = bootstrap_mean(diffs, confidence, resamples, seed)
    return PairedTest(test, "paired bootstrap", mean.n, mean.mean, mean.low, mean.high, p_value,
                      better, worse, statistic, confidence)


def _known(rate: Rate) -> tuple[float, float, float]:
    """The rate and interval of a `Rate` over n > 0 cases, where none of them is None."""
    assert rate.rate is not None and rate.low is not None and rate.high is not None, "n is 0"
    return rate.rate, rate.low, rate.high


def _newcombe_paired(both: int, better: int, worse: int, neither: int,
                     confidence: float) -> tuple[float, float]:
    """Newcombe's (1998) hybrid score interval for p_b − p_a from the paired 2×2 table."""
    n = both + better + worse + neither
    first, second = wilson(both + worse, n, confidence), wilson(both + better, n, confidence)
    p1, l1, u1 = _known(first)
    p2, l2, u2 = _known(second)
    margins = (both + worse) * (better + neither) * (both + better) * (worse + neither)
    cross = both * neither - better * worse
    corrected = cross - n / 2 if cross > n / 2 else (cross if cross < 0 else 0.0)
    phi = corrected / math.sqrt(margins) if margins else 0.0
    estimate = p2 - p1
    lower = estimate - math.sqrt((p2 - l2) ** 2 - 2 * phi * (p2 - l2) * (u1 - p1) + (u1 - p1) ** 2)
    upper = estimate + math.sqrt((u2 - p2) ** 2 - 2 * phi * (u2 - p2) * (p1 - l1) + (p1 - l1) ** 2)
    return max(-1.0, lower), min(1.0, upper)


def _midranks(values: np.ndarray) -> np.ndarray:
    """Ranks 1..m of `values`, ties sharing their average rank."""
    order = np.argsort(values, kind="stable")
    ranks = np.empty(values.size)
    sorted_values = values[order]
    start = 0
    for end in range(1, values.size + 1):
        if end == values.size or sorted_values[end] != sorted_values[start]:
            ranks[order[start:end]] = (start + end + 1) / 2
            start = end
    return ranks


def _wilcoxon_exact_p(ranks: np.ndarray, w_plus: float) -> float:
    """Exact two-sided p of W+ under random signs; midranks are halves, so doubled ranks are integers."""
    if ranks.size == 0:
        return 1.0
    doubled = np.rint(2 * ranks).astype(np.int64)
    counts = np.zeros(int(doubled.sum()) + 1)  # counts[s]: sign assignments with 2·W+ = s
    counts[0] = 1.0
    for r in doubled:
        counts[r:] += counts[:-r].copy()
    total = counts.sum()
    observed = int(round(2 * w_plus))
    lower, upper = counts[:observed + 1].sum() / total, counts[observed:].sum() / total
    return float(min(1.0, 2 * min(lower, upper)))


def _wilcoxon_normal_p(ranks: np.ndarray, w_plus: float) -> float:
    m = ranks.size
    _, tie_sizes = np.unique(ranks, return_counts=True)
    variance = m * (m + 1) * (2 * m + 1) / 24 - float((tie_sizes ** 3 - tie_sizes).sum()) / 48
    if variance <= 0:
        return 1.0
    z = max(0.0, abs(w_plus - m * (m + 1) / 4) - 0.5) / math.sqrt(variance)
    return float(math.erfc(z / math.sqrt(2)))
