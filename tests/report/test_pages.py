"""Tests for the report, its tables and the sweep index page: hand-computed numbers (Wilson intervals,
McNemar's exact p), errors apart from failures, results first, escaping, self-containment.

Run directories are written here directly (typed records, no model), so every test takes well under
a second; `tests/test_browser.py` reuses `make_run` and `record` to drive the pages in Chromium.
"""

from __future__ import annotations

import html
import json
import math
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from builders import EVIL, PROMPT_TEXT, make_run, record

from mistral_eval.analysis.frames import load_runs
from mistral_eval.analysis.tables import comparison_table, format_summary, pair_table, summary_table
from mistral_eval.report.pages import IndexRow, render_index, render_report, show_report, write_report

LEGACY = Path(__file__).resolve().parents[1] / "fixtures" / "legacy_run"


@pytest.fixture
def single(tmp_path) -> Path:
    records = [
        record("bilingual/apples_ja", pair="apples", tokens_per_second=10, answer_tokens=5,
               japanese_share=0.8, answer="りんごは全部で3個です。"),
        record("bilingual/apples_en", language="en", pair="apples", tokens_per_second=20, answer_tokens=10,
               japanese_share=0.1, answer="There are 3 apples."),
        record("bilingual/pears_ja", "fail", pair="pears", tokens_per_second=30, answer_tokens=15,
               japanese_share=0.6, answer="なしは4個です。"),
        record("bilingual/multi_en", "error", language="en", tags=["multi_turn"],
               error=("format", "the 'article' format takes a single user turn")),
        record("smoke/hello", language="en", tokens_per_second=40, answer_tokens=20, japanese_share=0.0,
               checks=[]),
    ]
    directory = make_run(tmp_path / "nf4-run", records)
    (directory / "timing.rank0.json").write_text(json.dumps({"rank": 0, "seconds": 12.5, "cases": 3}))
    (directory / "timing.rank1.json").write_text(json.dumps({"rank": 1, "seconds": 7.25, "cases": 2}))
    return directory


# ---------------------------------------------------------------------------------------------
# tables


def test_summary_table_counts_errors_apart_with_wilson_intervals(single):
    table = summary_table(load_runs(single)).set_index("suite")
    bilingual, everything = table.loc["bilingual"], table.loc["(all)"]
    assert (bilingual["cases"], bilingual["n"], bilingual["k"], bilingual["errors"]) == (4, 3, 2, 1)
    assert bilingual["pass_rate"] == pytest.approx(2 / 3)  # the error is not a failure
    # Wilson 95% for 2 of 3, by hand: (k + z²/2)/(n + z²) ± z/(n + z²)·sqrt(k(n−k)/n + z²/4)
    z = 1.959963984540054
    centre, half = (2 + z * z / 2) / (3 + z * z), z / (3 + z * z) * math.sqrt(2 * 1 / 3 + z * z / 4)
    assert bilingual["pass_low"] == pytest.approx(centre - half) and bilingual["pass_high"] == pytest.approx(centre + half)
    assert bilingual["pass"] == f"66.7% [{100 * (centre - half):.1f}–{100 * (centre + half):.1f}%] 2/3"
    assert bilingual["check_number"] == pytest.approx(2 / 3)
    assert bilingual["ja_share"] == pytest.approx(0.7)  # ja cases only: (0.8 + 0.6) / 2
    assert (everything["cases"], everything["n"], everything["k"], everything["errors"]) == (5, 4, 3, 1)
    assert everything["pass_rate"] == pytest.approx(0.75)
    assert math.isnan(table.loc["smoke", "ja_share"])
    assert "judge_mean" not in table.columns  # nothing where no run was judged


def test_throughput_counts_a_batch_once(tmp_path):
    # two rows generated together in one 1-second batch: 20 tokens in 1 s, not 10 tok/s each
    rows = [record(f"bilingual/{name}", answer_tokens=10, tokens_per_second=10.0, batch_size=2)
            for name in ("a_ja", "b_ja")]
    table = summary_table(load_runs(make_run(tmp_path / "batched", rows))).set_index("suite")
    assert table.loc["bilingual", "tokens_per_second"] == pytest.approx(20.0)


def test_judge_mean_with_interval_where_judged(tmp_path):
    rows = [record(f"open/q{i}", judge=(grade, 5, "clear answer")) for i, grade in enumerate([3, 4, 5, 4])]
    row = summary_table(load_runs(make_run(tmp_path / "judged", rows))).set_index("suite").loc["open"]
    assert row["judge_mean"] == pytest.approx(4.0) and row["judge_n"] == 4
    assert 1 <= row["judge_low"] < 4 <= row["judge_high"] <= 5  # on the 1–5 scale; at n=4 wider than the grades
    assert row["judge_rubric"] == "elyza 1–5"
    assert row["judge"].startswith("4.00 [")


def test_format_summary_is_a_terminal_table(single):
    text = format_summary(load_runs(single))
    lines = text.splitlines()
    assert lines[0].split() == ["suite", "n", "pass", "rate", "[95%", "interval]", "passed/n", "errors",
                                "uncertain", "tokens/s"]
    bilingual = next(line for line in lines if line.startswith("bilingual"))
    assert "66.7% [" in bilingual and "2/3" in bilingual and bilingual.split()[-3:] == ["1", "0", "20.0"]
    assert any(line.startswith("(all)") and "3/4" in line for line in lines)
    assert format_summary(load_runs([])) == "No finished cases."


def _paired_runs(tmp_path) -> tuple[Path, Path]:
    """Six cases pass in `before`; in `after` all six fail (p = 2/2⁶), `same` passes in both."""
    before = make_run(tmp_path / "before", [record(f"math/q{i}") for i in range(6)]
                      + [record("smoke/same", language="en", answer="same answer")])
    after = make_run(tmp_path / "after", [record(f"math/q{i}", "fail", answer="違う答え") for i in range(6)]
                     + [record("smoke/same", language="en", answer="same answer"),
                        record("smoke/new", language="en")], quant="int8")
    return before, after


def test_comparison_table_pairs_on_keys_with_mcnemar(tmp_path):
    before, after = _paired_runs(tmp_path)
    table = comparison_table(load_runs([before, after])).set_index("suite")
    math_row = table.loc["math"]
    assert (math_row["baseline"], math_row["run"], math_row["n"]) == ("before", "after", 6)
    assert (math_row["better"], math_row["worse"]) == (0, 6)
    assert math_row["difference"] == pytest.approx(-1.0)
    assert math_row["p_value"] == pytest.approx(2 / 2 ** 6)
    assert math_row["p_holm"] == pytest.approx(2 * 2 / 2 ** 6) and not math_row["significant"]  # 2 suite tests
    assert table.loc["smoke", "n"] == 1 and table.loc["smoke", "p_value"] == 1.0  # smoke/new is unpaired
    assert not table.loc["smoke", "significant"]
    assert table.loc["(all)", "n"] == 7 and bool(table.loc["(all)", "significant"])  # a family of one
    assert "Paired on case keys" in format_summary(load_runs([before, after]))


def test_pair_table(single):
    pairs = pair_table(load_runs(single)).set_index("pair")
    assert pairs.loc["apples", "ja_keys"] == "bilingual/apples_ja"
    assert pairs.loc["apples", "en_keys"] == "bilingual/apples_en"
    assert pairs.loc["apples", ["ja_pass_rate", "en_pass_rate"]].tolist() == [1.0, 1.0]
    assert pairs.loc["pears", "ja_pass_rate"] == 0.0 and math.isnan(pairs.loc["pears", "en_pass_rate"])


# ---------------------------------------------------------------------------------------------
# the report page


def _section(page: str, anchor: str) -> str:
    start = page.index(f'<section id="{anchor}">')
    return page[start:page.index("</section>", start)]


def test_single_report_puts_results_first(single, tmp_path):
    out = write_report([single], tmp_path / "reports" / "report.html")
    page = out.read_text(encoding="utf-8")
    assert page == render_report(single)
    order = [page.index(f'<section id="{name}">') for name in ("summary", "plots", "pairs", "cases", "manifest")]
    assert order == sorted(order)
    summary = _section(page, "summary")
    row = re.search(r"<tr class=\"\"><th>bilingual</th>(.*?)</tr>", summary, re.S).group(1)
    cells = re.findall(r"<td[^>]*>(.*?)</td>", row)
    assert cells[:5] == ["66.7%", cells[1], "2/3", "3", "1"] and cells[1].startswith("[20.8–93.9")
    assert "errors" in summary and "judge" not in summary
    manifest = _section(page, "manifest")
    assert manifest.index("<details>") < manifest.index("mistralai/Mistral-7B-Instruct-v0.1")
    anchors = re.findall(r'<nav class="toc".*?</nav>', page, re.S)[0]
    for target in re.findall(r'href="#([^"]+)"', anchors):
        assert f'id="{target}"' in page, target
    assert "12.5" in _section(page, "timing") and "7.25" in _section(page, "timing")
    assert page.count('<article class="case"') == 5
    assert page.count('src="data:image/png;base64,') >= 4


def test_case_shows_prompt_answer_checks_and_error(single):
    page = render_report(single)
    cases = _section(page, "cases")
    assert "りんごは全部で3個です。" in cases and "found 4, expected 3" in cases
    assert f"formatted prompt (12 tokens)</summary><pre>{html.escape(PROMPT_TEXT)}</pre>" in cases
    error = re.search(r'<article class="case" id="case-bilingual/multi_en".*?</article>', cases, re.S).group(0)
    assert 'data-error="1"' in error and '<span class="badge error">ERROR</span>' in error
    assert "format error: the &#39;article&#39; format takes a single user turn" in error
    assert "FAIL" not in error
    apples = re.search(r'id="case-bilingual/apples_ja" (.*?)>', cases).group(1)
    assert "data-suite=\"bilingual\"" in apples and "data-tags='[\"arithmetic\"]'" in apples
    assert "data-checks='[\"number\"]'" in apples and 'data-fail="0"' in apples
    for name in ("suite", "tag", "language", "check"):
        assert f'<select name="{name}">' in cases
    assert 'value="fail"' in cases and 'value="error"' in cases and 'value="diff"' not in cases


def test_judge_rationale_is_shown(tmp_path):
    run = make_run(tmp_path / "judged", [record("open/q1", judge=(4.0, 5, "Natural Japanese; one slip."))])
    page = render_report(run)
    # one grade: no interval at all (issue 19: "n too small", not a zero-width [4.00–4.00])
    assert "judge mean" in _section(page, "summary")
    assert "4.00 (n=1: too small for an interval) (elyza 1–5)" in _section(page, "summary")
    assert "<b>judge</b> 4.00 / 5" in page and "Natural Japanese; one slip." in page


def test_bilingual_pairs_side_by_side_with_prompt_and_answers(single, tmp_path):
    pairs = _section(render_report(single), "pairs")
    row = re.search(r"<tr><th>apples</th>(.*?)</tr>", pairs, re.S).group(1)
    assert "りんごはいくつ?" in row and "りんごは全部で3個です。" in row and "There are 3 apples." in row
    other = make_run(tmp_path / "int8", [record("bilingual/apples_ja", "fail", pair="apples",
                                                answer="わかりません")], quant="int8")
    compared = _section(render_report([single, other]), "pairs")
    row = re.search(r"<tr><th>apples</th>(.*?)</tr>", compared, re.S).group(1)
    assert "りんごは全部で3個です。" in row and "わかりません" in row and "<b>int8</b>" in row


def test_comparison_shows_paired_differences_and_marks_differing_cases(tmp_path):
    before, after = _paired_runs(tmp_path)
    page = render_report([before, after])
    assert "mistral-eval comparison: before vs after" in page
    paired = _section(page, "summary")[_section(page, "summary").index('id="differences"'):]
    math_row = re.search(r"<tr class=\"\"><th>math</th>(.*?)</tr>", paired, re.S).group(1)
    assert "after − before" in math_row and "-100.0 pts" in math_row and "0.0312" in math_row
    assert "0.0625" in math_row and "significant" not in math_row  # Holm over the two suites
    total = re.search(r"<tr class=\"differs\"><th>\(all\)</th>(.*?)</tr>", paired, re.S).group(1)
    assert "significant" in total and "Holm" in paired
    assert re.search(r'<tr class=""><th>smoke</th>.*?<td class="num">1</td>', paired)
    diff = dict(re.findall(r'<article class="case" id="case-([^"]+)".*?data-diff="(\d)"', page))
    assert diff == {**{f"math/q{i}": "1" for i in range(6)}, "smoke/same": "0", "smoke/new": "1"}
    new = re.search(r'id="case-smoke/new".*?</article>', page, re.S).group(0)
    assert '<span class="badge missing">MISSING</span>' in new
    assert 'value="diff"' in page and "7 of 8 cases differ" in page
    manifest = _section(page, "manifest")
    assert re.search(r'<tr class="differs"><th>quant</th><td>nf4</td><td>int8</td></tr>', manifest)
    assert "1 field(s) differ: quant" in manifest


class TagCollector(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, list[tuple[str, str | None]]]] = []
        self.script: list[str] = []
        self._in_script = False

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, attrs))
        self._in_script = tag == "script"

    def handle_endtag(self, tag):
        self._in_script = False

    def handle_data(self, data):
        if self._in_script:
            self.script.append(data)


SAFE_TAGS = {"html", "head", "meta", "title", "style", "body", "header", "nav", "main", "section", "article",
             "h1", "h2", "h3", "p", "div", "span", "b", "a", "pre", "table", "thead", "tbody", "tr", "th", "td",
             "details", "summary", "img", "form", "label", "input", "select", "option", "output", "script",
             "dl", "dt", "dd"}


def _parsed(page: str) -> TagCollector:
    parser = TagCollector()
    parser.feed(page)
    return parser


def test_untrusted_text_stays_text(tmp_path):
    from importlib import resources

    evil_key = 'bilingual/x" onmouseover="alert(3)'
    records = [record(evil_key, "fail", answer=EVIL, tags=[EVIL, "it's"], pair=EVIL,
                      messages=[{"role": EVIL, "content": EVIL}], prompt_text=EVIL, finish_reason=EVIL,
                      settings={"stop": [EVIL]}, judge=(1.0, 5, EVIL),
                      checks=[{"name": EVIL, "passed": False, "score": 0.0, "reason": EVIL}]),
               record("bilingual/err", "error", error=("generate", EVIL))]
    run = make_run(tmp_path / "evil", records, model=EVIL, settings={"stop": EVIL}, note=EVIL)
    other = make_run(tmp_path / "other", [record(evil_key, answer=EVIL)])
    script = resources.files("mistral_eval.report").joinpath("templates", "page.js").read_text(encoding="utf-8")
    for page in (render_report(run), render_report([run, other])):
        assert page.count("<script") == 1 and "<img src=x" not in page and 'onmouseover="alert' not in page
        assert html.escape(EVIL, quote=True) in page
        parsed = _parsed(page)
        assert {tag for tag, _ in parsed.tags} <= SAFE_TAGS
        assert all(not name.startswith("on") for _, attrs in parsed.tags for name, _ in attrs)
        assert "".join(parsed.script) == script  # the page's own script, nothing else
        tags = [json.loads(value) for tag, attrs in parsed.tags if tag == "article" for name, value in attrs
                if name == "data-tags"]
        assert [EVIL, "it's"] in tags  # the attribute holds the JSON the filter script reads


def test_page_loads_nothing(single):
    page = render_report(single)
    parsed = _parsed(page)
    for tag, attrs in parsed.tags:
        for name, value in attrs:
            if name in ("src", "href"):
                assert value.startswith(("data:image/png;base64,", "#")), (tag, name, value)
    policy = next(dict(attrs)["content"] for tag, attrs in parsed.tags
                  if tag == "meta" and dict(attrs).get("http-equiv") == "Content-Security-Policy")
    assert policy.startswith("default-src 'none'; img-src data:;") and "script-src 'sha256-" in policy


def test_a_run_without_records_still_renders(tmp_path):
    page = render_report(make_run(tmp_path / "empty", []))
    assert "No finished cases." in page and "Cases (0)" in page
    spaced = render_report(make_run(tmp_path / "spaced", [record("smoke/two words")]))
    assert 'id="case-smoke/two_words"' in spaced and 'href="#case-smoke/two_words"' not in spaced


def test_a_run_written_before_statuses_reports_its_errors_as_errors():
    page = render_report(LEGACY)
    followup = re.search(r'id="case-smoke/followup_en".*?</article>', page, re.S).group(0)
    assert "ERROR" in followup and "format error: the &#39;article&#39; format takes" in followup
    row = summary_table(load_runs(LEGACY)).set_index("suite").loc["smoke"]
    assert row["errors"] == 1 and row["n"] == 2


def test_show_report_keeps_model_output_escaped_inside_its_iframe(tmp_path):
    run = make_run(tmp_path / "evil", [record("bilingual/apples_ja", "fail", answer=EVIL)])
    shown = show_report(run).data
    assert shown.startswith('<div><iframe sandbox="allow-scripts" srcdoc="') and "<script" not in shown
    srcdoc = shown.split('srcdoc="', 1)[1].split('"', 1)[0]
    page = html.unescape(srcdoc)  # what the browser puts in the iframe: still escaped once
    assert page == render_report(run) and page.count("<script") == 1
    assert html.escape(EVIL, quote=True) in page


# ---------------------------------------------------------------------------------------------
# the sweep index


def index_rows(tmp_path) -> list[IndexRow]:
    good = make_run(tmp_path / "t-0.1", [record(f"math/q{i}") for i in range(3)] + [record("math/q3", "fail")])
    bad = make_run(tmp_path / "t-0.9", [record(f"math/q{i}", "fail", tokens_per_second=40) for i in range(3)]
                   + [record("math/q3", "error", error=("generate", "out of memory"))])
    return [IndexRow("t-0.1", {"temperature": 0.1}, "ok", 12.0, good,
                     {"notebook": "t-0.1/notebook.html", "report": "t-0.1/report.html"}),
            IndexRow("t-0.9", {"temperature": 0.9}, "ok", 30.0, bad, {"notebook": "t-0.9/notebook.html"}),
            IndexRow("t-2", {"temperature": 2}, "failed", 1.5, None, {"notebook": None},
                     failure="t-2: error at In [3]: ConfigError: temperature", failure_source="me.run(x)")]


def test_index_lists_rates_and_marks_the_best(tmp_path):
    page = render_index("sweep temps", index_rows(tmp_path), summary="2 of 3 combination(s) ok",
                        links=[("Comparison report", "report.html")])
    rows = dict(re.findall(r'<tr class="\w+"><th>([^<]+)</th>(.*?)</tr>', page, re.S))
    assert "75.0%" in rows["t-0.1"] and "[30.1–95.4%]" in rows["t-0.1"]
    assert re.search(r'<td class="num rate" data-sort="0.75">75.0% 3/4</td>', rows["t-0.1"])  # intervals overlap
    assert re.search(r'<td class="num best" data-sort="0">0</td>', rows["t-0.1"])  # fewest errors
    assert re.search(r'<td class="num best" data-sort="12.0">12.0</td>', rows["t-0.1"])  # fastest
    assert re.search(r'<td class="num best" data-sort="40.0">40.0</td>', rows["t-0.9"])  # most tokens/s
    assert '<td class="num" data-sort="1">1</td>' in rows["t-0.9"]  # its error, counted apart
    assert '<a href="t-0.1/report.html">report</a>' in rows["t-0.1"] and "report" not in rows["t-0.9"]
    assert "<td data-sort=\"0.1\">0.1</td>" in rows["t-0.1"] and 'table class="sortable index"' in page
    assert "Failures (1)" in page and "me.run(x)" in page and '<a href="report.html">' in page


def test_uncertain_cases_are_counted_apart_and_listed_for_review(tmp_path):
    rows = [record("math/q1"), record("math/q2", "fail"), record("math/q3", "uncertain"),
            record("math/q4", "uncertain", checks=[{"name": "boolean", "passed": False, "score": 0.0,
                                                     "verdict": "uncertain", "reason": EVIL}])]
    directory = make_run(tmp_path / "unsure", rows)
    row = summary_table(load_runs(directory)).set_index("suite").loc["math"]
    assert (row["cases"], row["n"], row["k"], row["uncertain"], row["errors"]) == (4, 2, 1, 2, 0)
    assert row["pass_rate"] == pytest.approx(0.5)  # over decided cases only
    assert row["check_number"] == pytest.approx(0.5)  # the uncertain number check counts neither way
    page = render_report([directory])
    review = page[page.index('<section id="review">'):page.index("</section>", page.index('<section id="review">'))]
    assert "Needs review (2)" in review and "math/q3" in review and "two final numbers, 3 and 4" in review
    assert EVIL not in page and html.escape(EVIL) in review
    assert 'data-review="1"' in page and 'badge uncertain' in page
# ---------------------------------------------------------------------------------------------
# issue 21: each run's own setup, readable cards


def _sweep_like_runs(tmp_path) -> list[Path]:
    """Four runs as a sweep over format × temperature writes them: the manifests say format "auto",
    the records the format each case was rendered in."""
    runs = []
    for fmt in ("article", "chat"):
        for temperature in (0.1, 0.7):
            prompt = f"<{fmt}> りんごはいくつ? t={temperature}"
            runs.append(make_run(tmp_path / f"{fmt}-{temperature}", [
                record(f"math/q{i}", format=fmt, settings={"temperature": temperature, "max_new_tokens": 64},
                       prompt_text=prompt, prompt_tokens=10 + len(fmt) + i, batch_size=4)
                for i in range(2)], format="auto", settings={"temperature": temperature}))
    return runs


def test_comparison_cards_show_each_runs_own_format_settings_and_prompt(tmp_path):
    """issue 21 item 1"""
    runs = _sweep_like_runs(tmp_path)
    page = render_report(runs)
    card = re.search(r'<article class="case" id="case-math/q1".*?</article>', page, re.S).group(0)
    boxes = re.findall(r'<div class="answer-box pass" data-run="([^"]+)">(.*?)</table>', card, re.S)
    assert [name for name, _ in boxes] == ["article-0.1", "article-0.7", "chat-0.1", "chat-0.7"]
    for name, box in boxes:
        fmt, temperature = name.split("-")
        assert f'format <b class="format">{fmt}</b>' in box
        assert f"<dt>temperature</dt><dd>{temperature}</dd>" in box
        assert f'<span class="prompt-tokens">{11 + len(fmt)}</span> tokens' in box
        assert f"<pre>&lt;{fmt}&gt; りんごはいくつ? t={temperature}</pre>" in box  # its own prompt
    assert card.count('<details class="prompt-text">') == 4
    header = re.search(r"<header>.*?</header>", card, re.S).group(0)
    assert "format" not in header and "temperature" not in header  # nothing of one run in the shared header


def test_cards_label_batch_time_hide_empty_answers_and_list_settings(single):
    """issue 21 item 12"""
    page = render_report(single)
    error = re.search(r'<article class="case" id="case-bilingual/multi_en".*?</article>', page, re.S).group(0)
    assert 'class="error-message"' in error and '<pre class="answer">' not in error  # no empty answer box
    apples = re.search(r'<article class="case" id="case-bilingual/apples_ja".*?</article>', page, re.S).group(0)
    assert "<dt>temperature</dt><dd>0.1</dd>" in apples and '{"temperature"' not in apples


def test_header_shows_the_format_used_and_batch_time_is_labelled(tmp_path):
    """issue 21 item 12"""
    run = make_run(tmp_path / "auto", [record("math/q0", format="mistral", batch_size=4, answer_tokens=8,
                                              tokens_per_second=4.0)], format="auto")
    page = render_report(run)
    subtitle = re.search(r'<div class="subtitle">(.*?)</div>', page).group(1)
    assert "format mistral" in subtitle and "auto" not in subtitle
    assert "batch of 4 took 2.00 s" in page


def test_the_index_stars_a_rate_only_when_its_interval_clears_the_others(tmp_path):
    """issue 21 item 8"""
    def row(name, passed, n=20):
        run = make_run(tmp_path / name, [record(f"math/q{i}", "pass" if i < passed else "fail") for i in range(n)])
        return IndexRow(name, {"t": name}, "ok", 1.0, run)

    stars = lambda page: re.findall(r'<td class="num rate best"[^>]*>([^<]+)</td>', page)  # noqa: E731
    assert stars(render_index("x", [row("a", 12), row("b", 9)])) == []  # 60% vs 45% of 20: overlap
    assert stars(render_index("y", [row("c", 19), row("d", 3)])) == ["95.0% 19/20"]  # clear of each other
    assert "overlapping intervals get no ★" in render_index("x", [row("e", 1)])


def test_paired_rows_are_holm_corrected(tmp_path):
    """issue 21 item 8: several runs against one baseline are several tests"""
    from mistral_eval.analysis.tables import holm

    assert holm([0.01, 0.04, 0.03]) == pytest.approx([0.03, 0.06, 0.06])  # 3·0.01, max(2·0.03, ·), 1·0.04 → 0.06
    base = make_run(tmp_path / "base", [record(f"math/q{i}") for i in range(8)])
    others = [make_run(tmp_path / f"r{j}", [record(f"math/q{i}", "fail" if i < 6 else "pass") for i in range(8)])
              for j in range(3)]
    table = comparison_table(load_runs([base, *others]))
    total = table[table["suite"] == "(all)"]
    assert (total["p_value"] < 0.05).all() and total["p_holm"].tolist() == pytest.approx([3 * 2 / 2 ** 6] * 3)
    assert not total["significant"].any()  # 0.031 each, 0.094 after Holm over the three runs
    page = render_report([base, *others])
    assert "Holm-adjusted p" in page and '<span class="sig"' not in page
