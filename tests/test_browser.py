"""The report (single run and comparison) and the sweep index in a real browser: Debian's Chromium
driven by Playwright. Each page must load nothing from anywhere, log no console error, filter and
search its cases, sort its columns, show model output as text (no dialog ever opens), and show its
headline summary on the first screen. Screenshots of each first screen go to the test's tmp_path.

Run directories are written directly (no model), so the module takes a few seconds. No test is
skipped: without Chromium or Playwright they fail and say how to install them.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from browsing import PageLog
from builders import EVIL, judge_into, make_run, pairwise_runs, record

from mistral_eval.report.judge_pages import write_pairwise_report
from mistral_eval.report.pages import write_report
from mistral_eval.sweep.run import Combination, SweepSpec, write_index

VIEWPORT = {"width": 1280, "height": 800}


class Opened(PageLog):
    """A page and everything it did: requests, console errors, uncaught errors and dialogs."""

    def visible_cases(self) -> list[str]:
        return self.page.evaluate(
            "[...document.querySelectorAll('article.case')].filter(e => !e.hidden).map(e => e.id)")

    def assert_quiet(self) -> None:
        """Nothing was requested beyond the file itself and its data: images; no error; no dialog."""
        assert all(url.startswith(("file:", "data:")) for url in self.requests), self.requests
        assert self.errors == [] and self.dialogs == []


@pytest.fixture
def open_page(browser, tmp_path):
    contexts = []

    def opener(path: Path, screenshot: str, width: int = VIEWPORT["width"]) -> Opened:
        context = browser.new_context(viewport={**VIEWPORT, "width": width})
        contexts.append(context)
        page = context.new_page()
        opened = Opened.attach(page)
        page.goto(path.as_uri(), wait_until="load")
        page.screenshot(path=str(tmp_path / f"{screenshot}.png"))
        return opened

    yield opener
    for context in contexts:
        context.close()


def _on_first_screen(opened: Opened, selector: str) -> None:
    box = opened.page.locator(selector).first.bounding_box()
    assert box is not None and 0 <= box["y"] < VIEWPORT["height"], box
    assert box["y"] + min(box["height"], 120) < VIEWPORT["height"]  # its first rows too, not just its top


def _show(opened: Opened, value: str) -> None:
    opened.page.check(f"input[name=show][value={value}]")


def _reset(opened: Opened) -> None:
    _show(opened, "all")
    for name in ("suite", "tag", "language", "check"):
        opened.page.select_option(f"select[name={name}]", "")
    opened.page.fill("input[name=q]", "")


def _single_run(tmp_path: Path) -> Path:
    return make_run(tmp_path / "nf4", [
        record("bilingual/apples_ja", pair="apples", answer="りんごは全部で3個です。"),
        record("bilingual/apples_en", language="en", pair="apples", answer="There are 3 apples."),
        record("bilingual/pears_ja", "fail", pair="pears", answer="なしは4個です。"),
        record("bilingual/multi_en", "error", language="en", tags=["multi_turn"],
               error=("format", "the 'article' format takes a single user turn")),
        record("smoke/hello", language="en", tags=["smoke"], checks=[], answer="Hello!"),
        record("smoke/evil", "fail", language="en", tags=["smoke"], answer=EVIL,
               checks=[{"name": "contains", "passed": False, "score": 0.0, "reason": "no 'Tokyo'"}]),
        record("smoke/unsure", "uncertain", language="en", tags=["smoke"], answer="Yes and no."),
    ])


def test_single_report_in_the_browser(open_page, tmp_path):
    report = write_report(_single_run(tmp_path), tmp_path / "single" / "report.html")
    opened = open_page(report, "single")
    _on_first_screen(opened, "table.headline")
    every = ["case-bilingual/apples_en", "case-bilingual/apples_ja", "case-bilingual/multi_en",
             "case-bilingual/pears_ja", "case-smoke/evil", "case-smoke/hello", "case-smoke/unsure"]
    assert sorted(opened.visible_cases()) == every
    assert opened.page.locator("#shown").inner_text() == "7 of 7 cases shown"
    expected = {("show", "fail"): ["case-bilingual/pears_ja", "case-smoke/evil"],
                ("show", "error"): ["case-bilingual/multi_en"],
                ("show", "review"): ["case-smoke/unsure"],
                ("suite", "smoke"): ["case-smoke/evil", "case-smoke/hello", "case-smoke/unsure"],
                ("tag", "multi_turn"): ["case-bilingual/multi_en"],
                ("language", "ja"): ["case-bilingual/apples_ja", "case-bilingual/pears_ja"],
                ("check", "contains"): ["case-smoke/evil"],
                ("q", "there are 3 APPLES"): ["case-bilingual/apples_en"],
                ("q", "<script>alert(1)"): ["case-smoke/evil"]}
    for (control, value), cases in expected.items():
        _reset(opened)
        if control == "show":
            _show(opened, value)
        elif control == "q":
            opened.page.fill("input[name=q]", value)
        else:
            opened.page.select_option(f"select[name={control}]", value)
        assert sorted(opened.visible_cases()) == cases, (control, value)
    _reset(opened)
    _show(opened, "fail")
    opened.page.select_option("select[name=suite]", "smoke")  # filters combine
    assert opened.visible_cases() == ["case-smoke/evil"]
    answer = opened.page.locator("[id='case-smoke/evil'] pre.answer").inner_text()
    assert answer == EVIL  # shown as text
    assert opened.page.locator("img[src=x]").count() == 0
    error = opened.page.locator("[id='case-bilingual/multi_en'] .error-message").inner_text()
    assert error.startswith("format error: the 'article' format")
    assert "Needs review (1)" in opened.page.locator("#review").inner_text()
    opened.page.click("nav.toc a[href='#manifest']")
    assert opened.page.locator("#manifest details").get_attribute("open") is None  # collapsed
    opened.assert_quiet()


def test_comparison_in_the_browser(open_page, tmp_path):
    before = _single_run(tmp_path)
    after = make_run(tmp_path / "int8", [
        record("bilingual/apples_ja", "fail", pair="apples", answer="わかりません"),
        record("bilingual/apples_en", language="en", pair="apples", answer="Three apples."),
        record("bilingual/pears_ja", "fail", pair="pears", answer="なしは4個です。"),
        record("smoke/hello", language="en", tags=["smoke"], checks=[], answer="Hello!"),
        record("smoke/evil", "fail", language="en", tags=["smoke"], answer=EVIL),
        record("smoke/unsure", "uncertain", language="en", tags=["smoke"], answer="Yes and no."),
    ], quant="int8")
    report = write_report([before, after], tmp_path / "compare" / "report.html")
    opened = open_page(report, "comparison")
    _on_first_screen(opened, "table.headline")
    _show(opened, "diff")  # apples_ja flipped; multi_en only in the first run
    assert sorted(opened.visible_cases()) == ["case-bilingual/apples_ja", "case-bilingual/multi_en"]
    _reset(opened)
    opened.page.fill("input[name=q]", "わかりません")
    assert opened.visible_cases() == ["case-bilingual/apples_ja"]
    pair = opened.page.locator("table.pairs tr", has_text="apples").inner_text()
    assert "りんごは全部で3個です。" in pair and "わかりません" in pair and "There are 3 apples." in pair
    paired = opened.page.locator("table.paired").inner_text()
    assert "int8 − nf4" in paired and "McNemar" in paired
    assert opened.page.locator("[id='case-smoke/evil'] pre.answer").first.inner_text() == EVIL
    opened.assert_quiet()


def _sweep(tmp_path: Path) -> tuple[SweepSpec, list[Combination]]:
    spec = SweepSpec(name="temps", notebook=Path("evaluate.ipynb"), parameters={},
                     grid={"temperature": [0.1, 0.7, 2.0]}, out=tmp_path / "out", description="Three temperatures")
    combinations = []
    for value, status, passed in ((0.1, "ok", 3), (0.7, "ok", 1), (2.0, "failed", 0)):
        name = f"temperature-{value}"
        directory = spec.directory / name
        if status == "ok":
            make_run(directory, [record(f"math/q{i}", "pass" if i < passed else "fail",
                                        tokens_per_second=10 + 20 * value) for i in range(4)])
            write_report(directory, directory / "report.html")
        directory.mkdir(parents=True, exist_ok=True)
        error = None if status == "ok" else {"kind": "error", "cell": 3, "source": "me.run(lm, suites)",
                                             "ename": "ConfigError", "evalue": "temperature too high"}
        (directory / "combination.json").write_text(__import__("json").dumps(
            {"status": status, "seconds": 10 + value, "notebook": "notebook.ipynb", "html": "notebook.html",
             "error": error}))
        combinations.append(Combination(name, {"temperature": value}, {"temperature": value},
                                        "model=x quant=nf4", directory))
    return spec, combinations


def test_sweep_index_in_the_browser(open_page, tmp_path, capsys):
    spec, combinations = _sweep(tmp_path)
    index = write_index(spec, combinations)
    assert "2 of 3 combination(s) ok" in capsys.readouterr().out
    opened = open_page(index, "index")
    _on_first_screen(opened, "table.index")
    names = "[...document.querySelectorAll('table.index tbody th')].map(e => e.textContent)"
    assert opened.page.evaluate(names) == ["temperature-0.1", "temperature-0.7", "temperature-2.0"]
    opened.page.click("table.index th:has-text('pass rate')")
    ascending = opened.page.evaluate(names)
    assert ascending == ["temperature-0.7", "temperature-0.1", "temperature-2.0"]  # no value sorts last
    opened.page.click("table.index th:has-text('pass rate')")
    assert opened.page.evaluate(names)[0] == "temperature-0.1"
    best = opened.page.locator("table.index td.best")
    # time, tokens/s; errors tie; 75% of 4 vs 25% of 4: the intervals overlap, so no rate is starred
    assert sorted(best.all_inner_texts()) == ["10.1", "24.0"]
    row = opened.page.locator("table.index tr", has_text="temperature-0.1").inner_text()
    assert "[30.1–95.4%]" in row and "notebook" in row and "report" in row
    assert opened.page.locator("#failures").inner_text().count("ConfigError") == 1
    opened.assert_quiet()


def test_an_executed_notebook_page_in_the_browser(open_page, tmp_path):
    """A notebook executed by papermill (a real kernel) and exported as a sweep exports it: no request
    leaves the page (no require.js or MathJax), no error, streamed text in one block, and the report
    shown inside it keeps model output as text."""
    import nbformat
    import papermill
    from nbformat.v4 import new_code_cell, new_notebook

    import mistral_eval as me

    run = _single_run(tmp_path)
    source = tmp_path / "source.ipynb"
    nbformat.write(new_notebook(cells=[
        new_code_cell(f"run = {str(run)!r}", metadata={"tags": ["parameters"]}),
        new_code_cell("import mistral_eval as me\nme.setup_notebook()\n"
                      "for piece in ('streamed ', 'in ', 'pieces'):\n    print(piece, end='', flush=True)\nprint()"),
        new_code_cell("me.format_table(me.summary_table(me.load_runs([run])))"),
        new_code_cell("me.show_report(run)"),
    ]), source)
    executed = tmp_path / "notebook.ipynb"
    papermill.execute_notebook(str(source), str(executed), progress_bar=False, kernel_name="python3")
    opened = open_page(me.export_html(executed), "notebook")
    opened.assert_quiet()
    text = opened.page.inner_text("body")
    assert "streamed in pieces" in text and "66.7%" in text
    frame = opened.page.frame_locator("iframe").first
    assert EVIL in frame.locator("article.case", has_text="alert(1)").first.inner_text()
    frame.locator("input[name=show][value=error]").check()  # the report's own script runs in its frame
    assert frame.locator("article.case:visible").count() == 1


def test_judge_sections_and_the_pairwise_page_in_the_browser(open_page, tmp_path):
    runs, pairs = pairwise_runs(tmp_path)
    judge_into(runs[0], {f"open/c{i}": (1.5 + i * 0.8, None) for i in range(5)}, rationale=EVIL)
    report = write_report(runs[:2], tmp_path / "judged.html", pairwise=pairs)
    opened = open_page(report, "judged")
    bars = opened.page.locator("[id='case-open/c0'] .dist .bar")
    assert bars.count() == 5
    heights = [bars.nth(i).bounding_box()["height"] for i in range(5)]
    assert heights[0] > 0 and heights[0] == pytest.approx(heights[1]) and heights[2] == 0  # 1.5: half 1, half 2
    opened.page.locator("[id='case-open/c0'] details.rationale summary").click()
    assert opened.page.locator("[id='case-open/c0'] pre.rationale").inner_text() == EVIL
    assert opened.page.locator("#pairwise table.pairwise tbody tr").count() == 3  # every pair DIR judged
    assert opened.page.locator("#pairwise table.strengths tbody tr").count() == 3
    opened.assert_quiet()
    page = open_page(write_pairwise_report(pairs), "pairwise")
    assert page.page.locator("table.pairwise tbody tr").count() == 3
    page.assert_quiet()


NARROW = 400


def _fully_visible(opened: Opened, selector: str) -> None:
    """Every element matching `selector` lies inside the viewport's width, and the page itself does
    not scroll sideways."""
    boxes = [opened.page.locator(selector).nth(i).bounding_box() for i in range(opened.page.locator(selector).count())]
    assert boxes and all(box is not None and box["x"] >= 0 and box["x"] + box["width"] <= NARROW for box in boxes), boxes
    assert opened.page.evaluate("document.documentElement.scrollWidth") <= NARROW


@pytest.mark.parametrize("width", [1280, NARROW])
def test_headline_numbers_fit_a_narrow_screen(open_page, tmp_path, width):
    """issue 21 item 4"""
    single = _single_run(tmp_path)
    other = make_run(tmp_path / "int8-longer-run-name", [
        record("bilingual/apples_ja", "fail", pair="apples", answer="わかりません"),
        record("smoke/hello", language="en", tags=["smoke"], checks=[], answer="Hello!")], quant="int8")
    spec, combinations = _sweep(tmp_path)
    pages = {"report": (write_report(single, tmp_path / "r" / "report.html"), "table.headline td.rate"),
             "comparison": (write_report([single, other], tmp_path / "c" / "report.html"), "table.headline td.rate"),
             "index": (write_index(spec, combinations), "table.index td.rate")}
    for name, (path, selector) in pages.items():
        opened = open_page(path, f"{name}-{width}", width=width)
        _on_first_screen(opened, selector)
        if name == "report":  # issue 21 item 7: plots fill the width of the page
            section = opened.page.locator("#plots").bounding_box()
            wide = opened.page.locator("img.plot.wide").first.bounding_box()
            assert wide["width"] >= 0.95 * section["width"]
            for i in range(opened.page.locator("img.plot").count()):
                assert opened.page.locator("img.plot").nth(i).bounding_box()["width"] >= 0.45 * section["width"]
        if width == NARROW:
            _fully_visible(opened, selector)
            _fully_visible(opened, "table.headline td.ci, table.index td.ci")
        opened.assert_quiet()


def test_comparison_cards_show_each_runs_own_setup_in_the_browser(open_page, tmp_path):
    """issue 21 item 1"""
    runs = []
    for fmt in ("article", "chat"):
        for temperature in (0.1, 0.7):
            runs.append(make_run(tmp_path / f"{fmt}-{temperature}", [
                record("math/q0", format=fmt, settings={"temperature": temperature},
                       prompt_text=f"[{fmt}] prompt at {temperature}", prompt_tokens=len(fmt))],
                format="auto", settings={"temperature": temperature}))
    for width in (1280, NARROW):
        opened = open_page(write_report(runs, tmp_path / "sweep.html"), f"sweep-cards-{width}", width=width)
        card = opened.page.locator("[id='case-math/q0']")
        boxes = card.locator(".answer-box")
        assert boxes.count() == 4
        for i, (fmt, temperature) in enumerate([(f, t) for f in ("article", "chat") for t in (0.1, 0.7)]):
            box = boxes.nth(i)
            assert box.locator(".format").inner_text() == fmt
            assert box.locator("dl.settings").inner_text().split() == ["temperature", str(temperature)]
            box.locator("details.prompt-text summary").click()
            assert box.locator("details.prompt-text pre").inner_text() == f"[{fmt}] prompt at {temperature}"
        assert "format" not in card.locator("header").inner_text()
        opened.assert_quiet()


def test_the_notebook_summary_is_not_clipped_in_the_exported_page(open_page, tmp_path):
    """issue 21 item 5: the summary a notebook shows (pass rate first, each check with its counts) fits
    the exported page at 1280 px: no column is cut off by its output area."""
    import nbformat
    import papermill
    from nbformat.v4 import new_code_cell, new_notebook

    import mistral_eval as me

    checks = ["contains", "number", "language", "length", "regex", "json", "not_contains"]
    run = make_run(tmp_path / "nf4", [record(f"bilingual/c{i}", "pass" if i % 2 else "fail", checks=[
        {"name": name, "passed": bool(i % 2), "score": 1.0, "reason": "x"} for name in checks]) for i in range(5)])
    source = tmp_path / "source.ipynb"
    nbformat.write(new_notebook(cells=[
        new_code_cell(f"run = {str(run)!r}", metadata={"tags": ["parameters"]}),
        new_code_cell("import mistral_eval as me\nme.readable_summary(me.load_runs([run]))")]), source)
    papermill.execute_notebook(str(source), str(tmp_path / "nb.ipynb"), progress_bar=False, kernel_name="python3")
    opened = open_page(me.export_html(tmp_path / "nb.ipynb"), "notebook-summary")
    table = opened.page.locator(".jp-OutputArea-output table").first
    area = opened.page.locator(".jp-OutputArea-output", has=opened.page.locator("table")).first.bounding_box()
    heads = table.locator("thead th")
    assert heads.nth(1).inner_text() == "suite" and heads.nth(2).inner_text() == "pass rate [95%] passed/n"
    for i in range(heads.count()):
        box = heads.nth(i).bounding_box()
        assert box["x"] + box["width"] <= area["x"] + area["width"], heads.nth(i).inner_text()
    assert "40.0% 2/5" in table.inner_text()
    opened.assert_quiet()
