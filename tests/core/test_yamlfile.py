"""Tests for yamlfile.py: the strict, bomb-proof YAML loader, its error messages, and clip()."""

from __future__ import annotations

import time
import tracemalloc
from pathlib import Path

import pytest

from mistral_eval.core.errors import ConfigError
from mistral_eval.core.yamlfile import MAX_ALIAS_NODES, MAX_DEPTH, Where, clip, parse_yaml, reject_unknown

FILE = Path("spec.yaml")


def _error(text: str | bytes) -> ConfigError:
    data = text.encode("utf-8") if isinstance(text, str) else text
    with pytest.raises(ConfigError) as error:
        parse_yaml(data, FILE)
    assert error.value.file == str(FILE) and "\n" not in str(error.value)
    assert len(str(error.value)) < 400
    return error.value


def _bounded(text: str) -> tuple[ConfigError, float, int]:
    """The error for `text`, the seconds it took and the peak of Python memory while it was made."""
    tracemalloc.start()
    started = time.perf_counter()
    try:
        error = _error(text)
    finally:
        seconds = time.perf_counter() - started
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
    return error, seconds, peak


def billion_laughs(levels: int = 9) -> str:
    lines = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for i in range(1, levels):
        name, previous = chr(ord("a") + i), chr(ord("a") + i - 1)
        lines.append(f"{name}: &{name} [{', '.join([f'*{previous}'] * 9)}]")
    return "\n".join(lines) + "\n"


# --- what is accepted ---------------------------------------------------------------------------

def test_merge_keys_work_and_explicit_keys_override():
    doc = parse_yaml(b"base: &base {temperature: 0.1, top_p: 0.9}\n"
                     b"other: &other {top_p: 0.5, seed: 3}\n"
                     b"case: {<<: *base, temperature: 0.7}\n"
                     b"both: {<<: [*base, *other], seed: 4}\n", FILE)
    assert doc["case"] == {"temperature": 0.7, "top_p": 0.9}
    assert doc["both"] == {"temperature": 0.1, "top_p": 0.9, "seed": 4}  # the first merged mapping wins


def test_a_merged_mapping_that_merges_itself_keeps_its_own_keys():
    # `b` is flattened (in place, by PyYAML) while `c` is built, before `b` itself is built
    doc = parse_yaml(b"a: &a {k: 0}\nx:\n  - y: &b {<<: *a, k: 1, k2: 2}\nc: {<<: *b, k: 3}\n", FILE)
    assert doc["x"][0]["y"] == {"k": 1, "k2": 2} and doc["c"] == {"k": 3, "k2": 2}


def test_the_equals_key_is_text_as_in_pyyaml():
    assert parse_yaml(b"=: 1\nb: {=: 2}\n", FILE) == {"=": 1, "b": {"=": 2}}


def test_sharing_a_settings_block_across_many_cases_is_fine():
    cases = "".join(f"  - {{id: c{i}, settings: *greedy}}\n" for i in range(300))
    doc = parse_yaml(f"greedy: &greedy {{do_sample: false, max_new_tokens: 64}}\ncases:\n{cases}".encode(), FILE)
    assert len(doc["cases"]) == 300 and doc["cases"][-1]["settings"]["max_new_tokens"] == 64


def test_nesting_up_to_the_limit_is_accepted():
    assert parse_yaml(("[" * MAX_DEPTH + "]" * MAX_DEPTH).encode(), FILE) is not None
    _error("[" * (MAX_DEPTH + 1) + "]" * (MAX_DEPTH + 1))


@pytest.mark.parametrize("data", [b"\xef\xbb\xbfa: 1\n", "a: 1\n".encode("utf-16")],
                         ids=["utf-8 BOM", "utf-16 with BOM"])
def test_byte_order_marks(data):
    assert parse_yaml(data, FILE) == {"a": 1}


# --- what is refused, with the line --------------------------------------------------------------

@pytest.mark.parametrize("text, line, words", [
    ("a: 1\nb: 2\na: 3\n", 3, "'a' appears twice"),
    ("base: &b {x: 1}\nc: {<<: *b, y: 2, y: 3}\n", 2, "'y' appears twice"),
    ("ok: 1\n? [a, b]\n: 1\n", 2, "a key must be a single value"),
    ("ok: 1\n? {a: 1}\n: 1\n", 2, "not a dict"),
    ("a: 1\n\tb: 2\n", 2, "'\\t'"),
    ("a: 2024-13-45\n", 1, "month must be in 1..12"),
    ("a: 1\nb: !!float abc\n", 2, "cannot read the value 'abc'"),
    ("a: 1\nb: !!python/object:os.system x\n", 2, "python/object"),
    ("a: *nowhere\n", 1, "undefined alias"),
    ("a: &a [1, *a]\n", 1, "recursive alias"),
    ("a: &a {<<: *a}\n", 1, "recursive alias"),
    ("a: 1\nb: <<\n", 2, "merge key"),
    ("x: {<<: 5}\n", 1, "not a scalar"),
    ("a: &a {k: 1}\nx: {<<: [*a, 5]}\n", 2, "not a scalar"),
    ("a: 1\nb: \"\x00\"\n", 2, "U+0000"),
    ("a: 1\nb: [unclosed\n", 3, "expected"),
])
def test_bad_yaml_gives_the_line(text, line, words):
    error = _error(text)
    assert f"line {line}" in error.message and words in error.message, error.message


def test_non_utf8_bytes_give_the_line():
    error = _error(b"a: 1\nb: caf\xe9\n")
    assert "line 2" in error.message and "0xe9" in error.message and "UTF-8" in error.message


@pytest.mark.parametrize("text", [
    "[" * 20_000 + "]" * 20_000,
    "- " * 20_000 + "x\n",
    "a:\n" + "".join(" " * i + f"k{i}:\n" for i in range(1, 200)) + " " * 200 + "x\n",
], ids=["flow", "block list", "block mapping"])
def test_deep_nesting_is_refused_quickly_without_recursion_error(text):
    error, seconds, peak = _bounded(text)
    assert f"deeper than {MAX_DEPTH} levels" in error.message and "line" in error.message
    assert seconds < 10 and peak < 100 * 2**20


def test_billion_laughs_is_refused_in_milliseconds_with_little_memory():
    error, seconds, peak = _bounded(billion_laughs())
    assert f"more than {MAX_ALIAS_NODES} values" in error.message and "line 5" in error.message
    assert "lol" not in str(error)
    assert seconds < 1 and peak < 20 * 2**20


def test_alias_bomb_through_merge_keys_is_refused():
    lines = ["a0: &a0 {k: 1}"] + [f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 10)}]" for i in range(1, 8)]
    error, seconds, peak = _bounded("\n".join(lines) + "\nx: {<<: [*a7]}\n")
    assert "aliases expand" in error.message and seconds < 1 and peak < 20 * 2**20


def test_aliases_cannot_chain_past_the_depth_limit():
    text = "l0: &l0 " + "[" * 60 + "1" + "]" * 60 + "\n"
    text += "".join(f"l{i}: &l{i} " + "[" * 30 + f"*l{i - 1}" + "]" * 30 + "\n" for i in range(1, 400))
    error, seconds, _ = _bounded(text)
    assert "aliases expanded" in error.message and "line 2" in error.message and seconds < 1


# --- messages stay on one line -------------------------------------------------------------------

def test_a_long_duplicate_key_is_clipped():
    key = "k" * 5000
    error = _error(f"? {key}\n: 1\n? {key}\n: 2\n")
    assert "appears twice" in error.message and len(error.message) < 200


def test_reject_unknown_clips_a_long_key():
    with pytest.raises(ConfigError) as error:
        reject_unknown({"x" * 10_000: 1}, ("suite", "cases"), Where("f.yaml"), "")
    assert len(str(error.value)) < 300 and "Allowed keys: suite, cases" in str(error.value)


def test_reject_unknown_keeps_short_field_paths_and_suggests():
    with pytest.raises(ConfigError) as error:
        reject_unknown({"sutie": 1}, ("suite", "cases"), Where("f.yaml", "c1"), "cases[0]")
    assert error.value.field == "cases[0].sutie" and "did you mean 'suite'?" in error.value.message


class _BrokenRepr:
    def __repr__(self):
        raise RuntimeError("no repr")


@pytest.mark.parametrize("value, expected", [
    ("short", "'short'"),
    (3, "3"),
    ("two\nlines", "'two\\nlines'"),
    (10 ** 5000, "<int of about 5000 digits>"),
    (_BrokenRepr(), "<_BrokenRepr instance"),
], ids=["str", "int", "newline", "huge int", "broken repr"])
def test_clip_small_values(value, expected):
    assert clip(value).startswith(expected) and len(clip(value)) <= 80


def test_clip_is_one_bounded_line_for_huge_deep_and_cyclic_values():
    cyclic: list = [1]
    cyclic.append(cyclic)
    deep: list = []
    for _ in range(10_000):
        deep = [deep]
    wide = ["x" * 1000] * 100_000
    for value in ("y" * 10**6, cyclic, deep, wide, {str(i): i for i in range(10**5)}):
        started = time.perf_counter()
        text = clip(value)
        assert len(text) <= 80 and "\n" not in text and time.perf_counter() - started < 0.1
    assert len(clip("z" * 500, limit=20)) == 20 and clip("z" * 500, limit=20).endswith("…")
