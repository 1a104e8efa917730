"""Browser tests of the runs viewer (`mistral-eval view`): the static index from file:// and the served
one on 127.0.0.1, in headless Chromium (/usr/bin/chromium) through Playwright: no request leaves the
file or the loopback server, no console error, filters, search and sorting work, two picked runs open
their comparison, and at 400 px the headline figures fit without horizontal scrolling."""

from __future__ import annotations

import os
import threading

import pytest
from browsing import PageLog
from viewer_tree import tree

from mistral_eval.report.serve import HOST, make_server
from mistral_eval.report.viewer import write_viewer

WIDE, NARROW = {"width": 1280, "height": 800}, {"width": 400, "height": 800}


class Watched(PageLog):
    def visible(self) -> list[str]:
        return self.page.evaluate("[...document.querySelectorAll('article.run')].filter(e => !e.hidden)"
                                  ".map(e => e.dataset.path)")

    def assert_quiet(self, allowed: tuple[str, ...]) -> None:
        assert all(url.startswith(allowed) for url in self.requests), self.requests
        assert self.errors == []


@pytest.fixture
def open_page(browser):
    contexts = []

    def opener(url: str, viewport: dict = WIDE) -> Watched:
        context = browser.new_context(viewport=viewport)
        contexts.append(context)
        page = context.new_page()
        watched = Watched.attach(page)
        page.goto(url, wait_until="load")
        return watched

    yield opener
    for context in contexts:
        context.close()


def _pick(watched: Watched, *paths: str) -> None:
    for path in paths:
        watched.page.check(f"input.pick[value='{path}']")


def test_the_static_index_filters_sorts_and_links_comparisons(open_page, tmp_path):
    root = tree(tmp_path)
    watched = open_page(write_viewer(root).as_uri())
    assert sorted(watched.visible()) == ["int8", "nf4", "sweeps/temps/t-0.1"]
    assert watched.page.locator("#shown").inner_text() == "3 of 3 runs shown"
    watched.page.select_option("select[name=quant]", "int8")
    assert watched.visible() == ["int8"]
    watched.page.select_option("select[name=quant]", "")
    watched.page.select_option("select[name=suite]", "math")
    assert watched.visible() == ["sweeps/temps/t-0.1"]
    watched.page.select_option("select[name=suite]", "")
    watched.page.select_option("select[name=sweep]", "sweeps/temps")
    assert watched.visible() == ["sweeps/temps/t-0.1"]
    watched.page.select_option("select[name=sweep]", "")
    watched.page.fill("input[name=q]", "SWEEPS/temps")
    assert watched.visible() == ["sweeps/temps/t-0.1"]
    watched.page.fill("input[name=q]", "")
    watched.page.select_option("select[name=sort]", "rate")
    assert watched.visible()[2] == "nf4"  # 50% after the two 100% runs
    watched.page.select_option("select[name=sort]", "name")
    assert watched.visible() == ["int8", "nf4", "sweeps/temps/t-0.1"]  # by folder name: int8, nf4, t-0.1
    assert "Unreadable (1)" in watched.page.locator("#problems").inner_text()
    _pick(watched, "nf4", "sweeps/temps/t-0.1")  # not precomputed: the exact command
    command = watched.page.locator("#compare-command")
    assert command.is_visible() and not watched.page.locator("#compare-link").is_visible()
    assert command.inner_text() == (f"cd {root} && mistral-eval compare nf4 sweeps/temps/t-0.1 "
                                    "--out comparisons/nf4__vs__sweeps_temps_t-0.1.html")
    watched.page.uncheck("input.pick[value='sweeps/temps/t-0.1']")
    _pick(watched, "int8")  # precomputed (as nf4 vs int8)
    link = watched.page.locator("#compare-link")
    assert link.is_visible() and link.get_attribute("href") == "comparisons/nf4__vs__int8.html"
    watched.assert_quiet(("file:", "data:"))
    link.click()
    watched.page.wait_for_load_state()
    assert watched.page.url.endswith("comparisons/nf4__vs__int8.html")


def test_the_served_index_opens_a_comparison_rendered_on_demand(open_page, tmp_path):
    root = tree(tmp_path)
    server = make_server(root, 0)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://{HOST}:{server.server_address[1]}/"
    try:
        watched = open_page(base)
        watched.page.fill("input[name=q]", "int8")
        assert watched.visible() == ["int8"]
        watched.page.fill("input[name=q]", "")
        watched.page.locator("article.run[data-path='nf4'] h3 a").click()  # the run's report
        watched.page.wait_for_load_state()
        assert watched.page.url == base + "nf4/report.html"
        watched.page.go_back()
        _pick(watched, "nf4", "int8")
        watched.page.click("#compare-link")
        watched.page.wait_for_load_state()
        assert watched.page.url == base + "compare?a=nf4&b=int8"
        paired = watched.page.locator("table.paired").inner_text()
        assert "McNemar" in paired
        watched.assert_quiet((base, "data:"))
    finally:
        server.shutdown()
        server.server_close()


@pytest.mark.parametrize("served", [False, True])
def test_headline_figures_fit_at_400_px(open_page, tmp_path, served):
    root = tree(tmp_path)
    server = make_server(root, 0) if served else None
    if server:
        threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        url = f"http://{HOST}:{server.server_address[1]}/" if server else write_viewer(root).as_uri()
        watched = open_page(url, NARROW)
        watched.page.screenshot(path=os.environ.get("VIEWER_SHOT", str(tmp_path / "narrow.png")), full_page=True)
        assert watched.page.evaluate("document.documentElement.scrollWidth") <= NARROW["width"]
        boxes = [watched.page.locator(".headline").nth(i).bounding_box()
                 for i in range(watched.page.locator(".headline").count())]
        assert len(boxes) == 3 and all(0 <= box["x"] and box["x"] + box["width"] <= NARROW["width"] for box in boxes)
        assert watched.errors == []
    finally:
        if server:
            server.shutdown()
            server.server_close()
