"""Judge batches formed by prompt length: one long case runs alone instead of padding the others."""

from __future__ import annotations

from mistral_eval.judge.batching import length_batches


def test_one_long_case_does_not_pad_the_short_ones():
    # six cases, one of 7,500 tokens (issue 19: 570 s and 4.6 GB in one batch of six, 73 s alone)
    lengths = [400, 7500, 380, 420, 350, 410]
    batches = length_batches(lengths, max_rows=8, token_budget=8192, new_tokens=256)
    assert batches == [[1], [3, 5, 0, 2, 4]]
    padded = sum(len(b) * (max(lengths[i] for i in b) + 256) for b in batches)
    assert padded <= 7756 + 5 * 676  # the long case's cost once, the short ones at their own length


def test_batches_respect_the_row_cap_and_the_budget_and_cover_every_case():
    lengths = [100 * (i % 7 + 1) for i in range(40)]
    batches = length_batches(lengths, max_rows=4, token_budget=2000, new_tokens=50)
    assert sorted(i for b in batches for i in b) == list(range(40))
    for batch in batches:
        assert len(batch) <= 4
        assert len(batch) == 1 or len(batch) * (max(lengths[i] for i in batch) + 50) <= 2000
        assert [lengths[i] for i in batch] == sorted((lengths[i] for i in batch), reverse=True)
    assert length_batches([]) == []
    assert length_batches([9000, 9000], token_budget=8192) == [[0], [1]]  # over the budget: alone
