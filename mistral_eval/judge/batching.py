"""Judge batches formed by prompt length: longest first, a row cap and a token budget per batch, so
one long case runs alone instead of padding a batch of short ones to its length (a left-padded
batch costs its longest row for every row). Knows nothing about models, rubrics or stores.
"""

from __future__ import annotations

from collections.abc import Sequence

__all__ = ["DEFAULT_JUDGE_ROWS", "JUDGE_TOKEN_BUDGET", "length_batches"]

JUDGE_TOKEN_BUDGET = 8192
"""Tokens one judge batch may hold: rows × (its longest prompt + max_new_tokens)."""
DEFAULT_JUDGE_ROWS = 8
"""Rows per judge batch when the caller gives no batch size."""


def length_batches(lengths: Sequence[int], *, max_rows: int = DEFAULT_JUDGE_ROWS,
                   token_budget: int = JUDGE_TOKEN_BUDGET, new_tokens: int = 0) -> list[list[int]]:
    """Indices of `lengths` (prompt tokens) in batches: longest first, each batch at most `max_rows`
    rows and `token_budget` tokens, counted as rows × (its longest prompt + `new_tokens`), since a
    left-padded batch costs its longest row for every row. A prompt over the budget runs alone."""
    order = sorted(range(len(lengths)), key=lambda i: -lengths[i])
    batches: list[list[int]] = []
    for i in order:
        batch = batches[-1] if batches else None
        if batch and len(batch) < max_rows and (len(batch) + 1) * (lengths[batch[0]] + new_tokens) <= token_budget:
            batch.append(i)
        else:
            batches.append([i])
    return batches
