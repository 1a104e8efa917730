"""Tests for core/errors.py: every error's text is printable, however odd the path it names."""

from __future__ import annotations

import os

from mistral_eval.core.errors import ConfigError, RunStoreError, printable


def test_printable_escapes_only_what_utf8_cannot_hold():
    assert printable("日本語 run-1") == "日本語 run-1"
    assert printable(os.fsdecode(b"run-\xff\xfe")) == "run-\\udcff\\udcfe"


def test_an_error_naming_a_non_utf8_path_prints_and_encodes():
    odd = os.fsdecode(b"/runs/run-\xff")
    for error in (RunStoreError(f"{odd} is busy"), ConfigError("cannot be read", file=odd, field="--out")):
        text = str(error)
        assert "run-\\udcff" in text and text.encode("utf-8")
    assert str(ConfigError("bad", file="/a.yaml", case="c1", field="x")) == "/a.yaml, case 'c1', field 'x': bad"
