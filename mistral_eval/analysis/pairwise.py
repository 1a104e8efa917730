"""Pairwise judgments: win/tie/loss counts of A against B, and Bradley–Terry strengths of several runs.

Pure functions over comparisons `(a, b, score_for_a)` with scores 1, 0.5 or 0; bootstrap intervals
are seeded. Knows nothing about judges, runs or records.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np

from mistral_eval.analysis.stats import CHUNK, Rate, binomial_two_sided, check_confidence, maybe, percentiles, wilson
from mistral_eval.core.errors import ConfigError

__all__ = ["PairwiseOutcome", "Strength", "bradley_terry"]


@dataclass(frozen=True)
class PairwiseOutcome:
    """Pairwise judgments of A against B counted from A's side."""

    wins: int
    """Comparisons A won."""
    ties: int
    """Ties (including verdicts that flipped with the order)."""
    losses: int
    """Comparisons A lost."""
    confidence: float = 0.95
    """Coverage of the rate intervals."""

    @classmethod
    def from_scores(cls, scores: Iterable[float], confidence: float = 0.95) -> PairwiseOutcome:
        """Count scores for A: 1 a win, 0.5 a tie, 0 a loss."""
        values = [float(s) for s in scores]
        if any(s not in (0.0, 0.5, 1.0) for s in values):
            raise ConfigError("pairwise scores must be 1 (win), 0.5 (tie) or 0 (loss)", field="scores")
        return cls(values.count(1.0), values.count(0.5), values.count(0.0), confidence)

    @property
    def n(self) -> int:
        """All comparisons."""
        return self.wins + self.ties + self.losses

    @property
    def win_rate(self) -> Rate:
        return wilson(self.wins, self.n, self.confidence)

    @property
    def tie_rate(self) -> Rate:
        return wilson(self.ties, self.n, self.confidence)

    @property
    def loss_rate(self) -> Rate:
        return wilson(self.losses, self.n, self.confidence)

    @property
    def score(self) -> float | None:
        """(wins + ties / 2) / n: A's share of the points; None when n is 0."""
        return (self.wins + self.ties / 2) / self.n if self.n else None

    @property
    def p_value(self) -> float:
        """Exact two-sided sign test of wins against losses (ties dropped)."""
        return binomial_two_sided(self.wins, self.wins + self.losses)

    def __str__(self) -> str:
        return (f"win {self.win_rate}, tie {self.tie_rate}, loss {self.loss_rate}, "
                f"p={self.p_value:.3g}")


@dataclass(frozen=True)
class Strength:
    """One player's Bradley–Terry strength."""

    name: str
    """The player (a run, a model)."""
    strength: float
    """Fitted strength; strengths are normalized so their geometric mean is 1 (mean log-strength 0).
    P(i beats j) = s_i / (s_i + s_j)."""
    low: float | None
    """Lower end of the bootstrap interval over comparisons; None without resamples."""
    high: float | None
    """Upper end of the bootstrap interval over comparisons; None without resamples."""
    comparisons: int
    """Comparisons this player took part in."""
    score: float
    """Points won: wins plus half the ties."""
    confidence: float = 0.95
    """Coverage of the interval."""
    decisive: int | None = None
    """Comparisons this player won or lost outright (not ties); None where not counted."""
    no_decisive: bool = False
    """True when no comparison of the whole fit was decisive (all ties, e.g. a judge whose verdict
    always flips with the order): the strengths are 1 by construction and carry no interval."""

    def win_probability(self, other: Strength) -> float:
        """Modelled probability that this player beats `other` (ties counted as half)."""
        return self.strength / (self.strength + other.strength)

    @property
    def interval_text(self) -> str:
        """"[0.80–1.25]", "no decisive comparisons", or "–" without resamples."""
        if self.no_decisive:
            return "no decisive comparisons"
        return "–" if self.low is None else f"[{self.low:.2f}–{self.high:.2f}]"

    def __str__(self) -> str:
        if self.no_decisive:
            return f"{self.name}: no decisive comparisons ({self.comparisons} comparisons, all ties)"
        bounds = "" if self.low is None else f" [{self.low:.2f}–{self.high:.2f}]"
        return f"{self.name} {self.strength:.2f}{bounds} ({self.comparisons} comparisons)"


# ---------------------------------------------------------------------------------------------
# Bradley–Terry


def bradley_terry(comparisons: Sequence[tuple[str, str, float]], *, prior: float = 1.0,
                  confidence: float = 0.95, resamples: int = 1000, seed: int = 0,
                  tol: float = 1e-9, max_iter: int = 10_000) -> dict[str, Strength]:
    """Bradley–Terry strengths from `(a, b, score_for_a)` comparisons, score 1 a win for a, 0.5 a
    tie, 0 a loss (any score in [0, 1] counts as that fraction of a win: ties are half wins).

    Fitted by Hunter's (2004) MM algorithm, normalized to geometric mean 1 (mean log-strength 0)
    after every step. `prior` gives each player that many virtual tied games, spread evenly over
    the other players, so a player who never won (or never lost), or a group never compared with
    another, still gets a finite strength; it shrinks strengths a little toward each other (use a
    small value, e.g. 0.01, for estimates close to maximum likelihood on well-connected data).
    Intervals are percentile bootstrap intervals over comparisons (resampled with replacement,
    refitted, renormalized), seeded by `seed`; with a handful of comparisons they are rough. When
    no comparison is decisive (every score 0.5), the strengths are all 1 by construction: they get
    no interval and say so (`Strength.no_decisive`) rather than a zero-width "1.00 [1.00–1.00]".
    The result is ordered from strongest to weakest.
    """
    if prior <= 0:
        raise ConfigError(f"prior must be > 0 (got {prior}); it keeps strengths finite", field="prior")
    check_confidence(confidence)
    if not comparisons:
        return {}
    names = sorted({name for a, b, _ in comparisons for name in (a, b)})
    index = {name: i for i, name in enumerate(names)}
    for a, b, s in comparisons:
        if a == b or not 0 <= float(s) <= 1:
            raise ConfigError(f"bad comparison {(a, b, s)!r}: players must differ and the score "
                              "for a lie in [0, 1] (1 win, 0.5 tie, 0 loss)", field="comparisons")
    first = np.array([index[a] for a, _, _ in comparisons], dtype=np.int64)
    second = np.array([index[b] for _, b, _ in comparisons], dtype=np.int64)
    scores = np.array([float(s) for _, _, s in comparisons])
    everyone = np.arange(len(comparisons))[None, :]
    point = _bt_fit(first, second, scores, everyone, len(names), prior, tol, max_iter)[0]
    low = high = [None] * len(names)
    decided = scores != 0.5
    if resamples > 0 and decided.any():
        rng, m = np.random.default_rng(seed), len(comparisons)
        per_chunk = max(1, CHUNK // m)
        fitted = np.concatenate([
            _bt_fit(first, second, scores, rng.integers(0, m, (min(per_chunk, resamples - start), m)),
                    len(names), prior, tol, max_iter) for start in range(0, resamples, per_chunk)])
        low, high = (np.exp(bound) for bound in percentiles(np.log(fitted), confidence))
    played = np.bincount(np.concatenate([first, second]), minlength=len(names))
    points = (np.bincount(first, scores, minlength=len(names))
              + np.bincount(second, 1 - scores, minlength=len(names)))
    decisive = np.bincount(np.concatenate([first[decided], second[decided]]), minlength=len(names))
    result = [Strength(name, float(point[i]), maybe(low[i]), maybe(high[i]), int(played[i]),
                       float(points[i]), confidence, int(decisive[i]), not decided.any())
              for i, name in enumerate(names)]
    return {s.name: s for s in sorted(result, key=lambda s: (-s.strength, s.name))}


def _bt_fit(first: np.ndarray, second: np.ndarray, scores: np.ndarray, draws: np.ndarray,
            players: int, prior: float, tol: float, max_iter: int) -> np.ndarray:
    """MM fit for each row of `draws` (comparison indices) at once -> strengths [R, players],
    geometric mean 1 per row."""
    rows = draws.shape[0]
    row = np.repeat(np.arange(rows), draws.shape[1])
    a, b, s = first[draws].ravel(), second[draws].ravel(), scores[draws].ravel()
    cells = rows * players
    wins: np.ndarray = (np.bincount(row * players + a, s, minlength=cells)
            + np.bincount(row * players + b, 1 - s, minlength=cells)).reshape(rows, players)
    games: np.ndarray = np.bincount((row * players + a) * players + b, minlength=cells * players)
    games = games.reshape(rows, players, players).astype(float)  # [R, i, j]: i against j
    virtual = prior / (players - 1)  # virtual tied games per pair of players
    games += games.transpose(0, 2, 1) + virtual * (1 - np.eye(players))
    wins += prior / 2
    log_gamma = np.zeros((rows, players))
    for _ in range(max_iter):
        gamma = np.exp(log_gamma)
        updated = np.log(wins / (games / (gamma[:, :, None] + gamma[:, None, :])).sum(2))
        updated -= updated.mean(axis=1, keepdims=True)
        converged = np.max(np.abs(updated - log_gamma)) < tol
        log_gamma = updated
        if converged:
            break
    return np.exp(log_gamma)
