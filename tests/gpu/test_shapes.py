"""The equivalence test's shapes, checked on the CPU: the seeded grids are what issue 18 asks
for (batch 1-64 with odd sizes, prompts 1-4,096 incl. non-multiples of 16, long prompts mixed with
short ones in one batch, greedy and sampled, eager and graph decode) and the same on every run."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))  # tests/ holds no package
import test_equivalence as eq  # noqa: E402


def test_the_grids_are_seeded():
    assert eq._grid() == eq._grid() and eq._long_grid() == eq._long_grid()
    assert eq._grid(seed=1) != eq._grid()


def test_the_cases_cover_issue_18s_shapes():
    cases = eq.CASES.values()
    batches = {len(rows) for rows, _, _ in cases}
    lengths = {n for rows, _, _ in cases for n in rows}
    assert 1 in batches and 64 in batches and any(b % 2 for b in batches if b > 1)
    assert 1 in lengths and max(n + new for rows, new, _ in cases for n in rows) == eq.WINDOW and any(n % 16 for n in lengths if n > 1000)
    assert {new for _, new, _ in cases} == {4, eq.GRAPH_NEW}  # eager decode and graph replay
    assert {sample for _, _, sample in cases} == {False, True}
    assert set(eq.REGRESSIONS) <= set(eq.CASES)


def test_long_cases_mix_long_and_short_rows_within_the_budget():
    long = eq._long_grid()
    assert len(long) == eq.LONG_COUNT
    for rows, _, _ in long.values():
        assert 1000 <= rows[0] <= 4096 and min(rows) <= 64 and len(rows) >= 2
        assert len(rows) * (rows[0] + eq.GRAPH_NEW) <= eq.LONG_TOKENS or len(rows) == 2
