"""Tests for the HTML report: hand-computed summary numbers, escaping, comparison, bilingual pairs,
self-containment."""

from __future__ import annotations

import html
import math
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest

from mistral_eval.report import pair_table, render_report, summary_table, write_report
from mistral_eval.results import RunStore, load_runs, make_manifest

SUITES = [{"name": "bilingual", "file": "prompts/bilingual.yaml", "sha256": "cd" * 32}]
PROMPT_TEXT = "<s>[INST] りんご [/INST]"
EVIL = '<script>alert(1)</script></pre><img src=x onerror=alert(2)>'


def make_run(directory: Path, records: list[dict], **options) -> Path:
    settings = options.pop("settings", {"temperature": 0.1, "max_new_tokens": 128})
    manifest = make_manifest(model=options.pop("model", "mistralai/Mistral-7B-Instruct-v0.1"),
                             revision="main", quant=options.pop("quant", "nf4"), format="mistral",
                             settings=settings, seed=0, suites=SUITES, **options)
    with RunStore.open(directory, manifest) as store:
        for record in records:
            store.append(record)
    return directory


def record(key: str, *, passed: bool, language: str = "ja", answer: str = "りんごは3個です。",
           pair: str | None = None, tokens_per_second: float = 20.0, answer_tokens: int = 10,
           japanese_share: float = 0.9, checks: list[dict] | None = None, **extra) -> dict:
    suite, case_id = key.split("/")
    if checks is None:
        checks = [{"name": "number", "passed": passed, "score": float(passed),
                   "reason": "found 3, expected 3" if passed else "found 4, expected 3"}]
    return {"key": key, "suite": suite, "case_id": case_id, "language": language, "pair": pair,
            "tags": ["arithmetic"], "format": None, "settings": {"temperature": 0.1},
            "messages": [{"role": "user", "content": "りんごはいくつ?"}], "prompt_text": PROMPT_TEXT,
            "prompt_tokens": 12, "answer": answer, "answer_tokens": answer_tokens, "finish_reason": "eos",
            "seconds": answer_tokens / tokens_per_second, "tokens_per_second": tokens_per_second,
            "checks": checks, "passed": passed, "japanese_share": japanese_share, "rank": 0,
            "finished_at": "2026-11-27T03:30:00+00:00", **extra}


@pytest.fixture
def single(tmp_path) -> Path:
    records = [
        record("bilingual/apples_ja", passed=True, pair="apples", tokens_per_second=10, answer_tokens=5,
               japanese_share=0.8, answer="りんごは全部で3個です。"),
        record("bilingual/apples_en", passed=True, language="en", pair="apples", tokens_per_second=20,
               answer_tokens=10, japanese_share=0.1, answer="There are 3 apples."),
        record("bilingual/pears_ja", passed=False, pair="pears", tokens_per_second=30, answer_tokens=15,
               japanese_share=0.6, answer="なしは4個です。"),
        record("smoke/hello", passed=True, language="en", tokens_per_second=40, answer_tokens=20,
               japanese_share=0.0, checks=[]),
    ]
    directory = make_run(tmp_path / "nf4-run", records)
    with RunStore.open(directory, RunStore.read(directory).manifest) as store:
        store.write_json("timing.rank0.json", {"rank": 0, "seconds": 12.5, "cases": 3})
        store.write_json("timing.rank1.json", {"rank": 1, "seconds": 7.25, "cases": 1})
    return directory


def test_summary_table_numbers(single):
    table = summary_table(load_runs(single)).set_index("suite")
    bilingual, everything = table.loc["bilingual"], table.loc["(all)"]
    assert bilingual["cases"] == 3 and everything["cases"] == 4
    assert bilingual["pass_rate"] == pytest.approx(2 / 3)
    assert bilingual["check_number"] == pytest.approx(2 / 3)
    assert bilingual["ja_share"] == pytest.approx(0.7)  # ja cases only: (0.8 + 0.6) / 2
    assert bilingual["tokens_per_second"] == pytest.approx(20.0)
    assert bilingual["answer_tokens"] == pytest.approx(10.0)
    assert everything["pass_rate"] == pytest.approx(0.75)
    assert everything["check_number"] == pytest.approx(2 / 3)  # smoke/hello has no checks
    assert math.isnan(table.loc["smoke", "ja_share"])


def test_throughput_counts_a_batch_once(tmp_path):
    # two rows generated together in one 1-second batch: 20 tokens in 1 s, not 10 tok/s each
    rows = [record(f"bilingual/{name}", passed=True, answer_tokens=10, tokens_per_second=10.0,
                   batch_size=2) for name in ("a_ja", "b_ja")]
    table = summary_table(load_runs(make_run(tmp_path / "batched", rows))).set_index("suite")
    assert table.loc["bilingual", "tokens_per_second"] == pytest.approx(20.0)


def test_single_report_shows_summary_manifest_timing_and_cases(single, tmp_path):
    out = write_report([single], tmp_path / "reports" / "report.html")
    page = out.read_text(encoding="utf-8")
    for number in ("66.7%", "70.0%", "20.0", "10.0", "75.0%", "12.5", "7.25"):
        assert number in page
    assert "mistralai/Mistral-7B-Instruct-v0.1" in page and "nf4" in page
    assert "りんごは全部で3個です。" in page and "found 4, expected 3" in page
    assert page.count('<section class="case') == 4
    assert f"<details><summary>prompt text</summary><pre>{html.escape(PROMPT_TEXT)}</pre></details>" in page
    assert "white-space: pre-wrap" in page
    assert page.count('src="data:image/png;base64,') >= 4
    assert page == render_report(single)


def test_pair_table_and_bilingual_view(single):
    pairs = pair_table(load_runs(single)).set_index("pair")
    assert pairs.loc["apples", "ja_keys"] == "bilingual/apples_ja"
    assert pairs.loc["apples", "en_keys"] == "bilingual/apples_en"
    assert pairs.loc["apples", ["ja_pass_rate", "en_pass_rate"]].tolist() == [1.0, 1.0]
    assert pairs.loc["pears", "ja_pass_rate"] == 0.0 and math.isnan(pairs.loc["pears", "en_pass_rate"])
    page = render_report(single)
    side_by_side = page[page.index('<table class="pairs">'):]
    row = re.search(r"<tr><td>apples</td>(.*?)</tr>", side_by_side, re.S).group(1)
    assert "りんごは全部で3個です。" in row and "There are 3 apples." in row
    assert "Bilingual pairs" in page


def test_untrusted_text_stays_text(tmp_path):
    evil_key = 'bilingual/x" onmouseover="alert(3)'
    records = [record(evil_key, passed=False, answer=EVIL, tags=[EVIL], pair=EVIL,
                      messages=[{"role": EVIL, "content": EVIL}], prompt_text=EVIL, finish_reason=EVIL,
                      settings={"stop": [EVIL]},
                      checks=[{"name": "contains", "passed": False, "score": 0.0, "reason": EVIL}])]
    run = make_run(tmp_path / "evil", records, model=EVIL, settings={"stop": EVIL}, extra={"note": EVIL})
    other = make_run(tmp_path / "other", [record(evil_key, passed=True, answer=EVIL)])
    for page in (render_report(run), render_report([run, other])):
        assert "<script" not in page
        assert "<img src=x" not in page and 'onmouseover="alert' not in page
        assert "&lt;script&gt;alert(1)&lt;/script&gt;&lt;/pre&gt;&lt;img src=x onerror=alert(2)&gt;" in page
        parser = TagCollector()
        parser.feed(page)
        assert {tag for tag, _ in parser.tags} <= SAFE_TAGS
        assert all(not name.startswith("on") for _, attrs in parser.tags for name, _ in attrs)


SAFE_TAGS = {"html", "head", "meta", "title", "style", "body", "h1", "h2", "h3", "p", "div", "span", "pre",
             "code", "table", "thead", "tbody", "tr", "th", "td", "details", "summary", "section", "img",
             "input", "label"}


class TagCollector(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, list[tuple[str, str | None]]]] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, attrs))


def test_report_is_self_contained(single):
    parser = TagCollector()
    parser.feed(render_report(single))
    for tag, attrs in parser.tags:
        for name, value in attrs:
            if name in ("src", "href"):
                assert not re.match(r"\s*(https?:)?//", value or ""), (tag, name, value)
    assert {value[:22] for tag, attrs in parser.tags if tag == "img" for name, value in attrs
            if name == "src"} == {"data:image/png;base64,"}


def test_comparison_highlights_only_the_differing_case(tmp_path):
    first = make_run(tmp_path / "nf4", [record("bilingual/same", passed=True, answer="同じ答え"),
                                        record("bilingual/flip", passed=True, answer="正しい答え")])
    second = make_run(tmp_path / "int8", [record("bilingual/same", passed=True, answer="同じ答え"),
                                          record("bilingual/flip", passed=False, answer="違う答え"),
                                          record("bilingual/new", passed=True)], quant="int8")
    page = render_report([first, second])
    row_class = dict((key, cls) for cls, key in re.findall(r'<tr class="(same|diff)"><th>([^<]+)</th>', page))
    assert row_class == {"bilingual/same": "same", "bilingual/flip": "diff", "bilingual/new": "diff"}
    flip = re.search(r'<tr class="diff"><th>bilingual/flip</th>(.*?)</tr>', page, re.S).group(1)
    assert "正しい答え" in flip and "違う答え" in flip and "PASS" in flip and "FAIL" in flip
    assert 'id="only-diff"' in page and "#only-diff:checked ~ table tr.same" in page
    assert "mistral-eval comparison: nf4 vs int8" in page
    assert re.search(r'<tr class="differs"><th>quant</th><td>nf4</td><td>int8</td></tr>', page)
    assert "100.0%" in page and "66.7%" in page  # per-run pass rates side by side


def test_a_run_without_records_still_renders(tmp_path):
    page = render_report(make_run(tmp_path / "empty", []))
    assert "No finished cases." in page and "Cases (0)" in page


def test_show_report_keeps_model_output_escaped_inside_its_iframe(tmp_path):
    from mistral_eval.report import show_report

    run = make_run(tmp_path / "evil", [record("bilingual/apples_ja", passed=False, answer=EVIL)])
    shown = show_report(run).data
    assert shown.startswith("<div><iframe sandbox srcdoc=\"") and "<script" not in shown
    srcdoc = shown.split('srcdoc="', 1)[1].split('"', 1)[0]
    page = html.unescape(srcdoc)  # what the browser puts in the iframe: still escaped once
    assert page == render_report(run) and "<script" not in page
    assert html.escape(EVIL, quote=True) in page
