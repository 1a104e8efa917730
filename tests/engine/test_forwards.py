"""Swapping modules' forwards for a `with` block (mistral_eval.engine.forwards)."""

from __future__ import annotations

import pytest
import torch

from mistral_eval.engine.forwards import swapped_forwards


def test_swaps_are_undone_also_after_an_exception():
    plain, hooked = torch.nn.Linear(2, 2), torch.nn.Linear(2, 2)
    hook = hooked.forward  # an instance attribute, as accelerate's hooks set one
    hooked.forward = hook
    x = torch.ones(1, 2)
    with pytest.raises(RuntimeError, match="boom"):
        with swapped_forwards() as swap:
            swap(plain, lambda x: x * 0)
            swap(hooked, lambda x: x * 0)
            assert torch.equal(plain(x), torch.zeros(1, 2))
            raise RuntimeError("boom")
    assert "forward" not in plain.__dict__ and hooked.__dict__["forward"] is hook


def test_a_module_swapped_twice_gets_its_first_forward_back():
    layer = torch.nn.Identity()
    with swapped_forwards() as swap:
        swap(layer, lambda x: x + 1)
        swap(layer, lambda x: x + 2)
        assert layer(torch.zeros(1)).item() == 2
    assert "forward" not in layer.__dict__ and layer(torch.zeros(1)).item() == 0
