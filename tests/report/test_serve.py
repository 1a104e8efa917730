"""Tests for report/serve.py: a real server on 127.0.0.1, read-only, nothing outside its folder."""

from __future__ import annotations

import http.client
import threading

import pytest
from builders import judge_into, make_run, record
from viewer_tree import tree

from mistral_eval.report.serve import HOST, Finder, make_server


def _serving(root):
    """A running server of `root` and its request function; yields the function, then stops it."""
    server = make_server(root, 0)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()

    def request(path: str, method: str = "GET") -> tuple[int, str]:
        connection = http.client.HTTPConnection(HOST, server.server_address[1], timeout=30)
        connection.request(method, path)
        response = connection.getresponse()
        body = response.read().decode("utf-8", errors="replace")
        connection.close()
        return response.status, body

    yield request
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    tmp_path = tmp_path_factory.mktemp("served")
    root = tree(tmp_path)
    (tmp_path / "secret.txt").write_text("outside")
    (root / "escape.txt").symlink_to(tmp_path / "secret.txt")
    yield from _serving(root)


def test_it_listens_on_the_loopback_only(served):
    status, page = served("/")
    assert status == 200 and 'content="mistral-eval view"' in page and '"serving": true' in page


def test_files_under_the_folder_are_served(served):
    status, page = served("/nf4/report.html")
    assert status == 200 and "bilingual/apples_ja" in page
    assert served("/nf4/manifest.json")[0] == 200


@pytest.mark.parametrize("path", ["/../secret.txt", "/%2e%2e/secret.txt", "/nf4/../../secret.txt",
                                  "/escape.txt", "/nf4/", "/nf4", "/missing.html", "//etc/passwd",
                                  "/%00", "/nf4/report.html%00.txt"])
def test_nothing_outside_the_folder_and_no_listing(served, path):
    status, body = served(path)
    assert status == 404 and "outside" not in body


@pytest.mark.parametrize("method", ["POST", "PUT", "DELETE", "HEAD"])
def test_only_get(served, method):
    assert served("/nf4/report.html", method)[0] == 501


def test_two_runs_are_compared_on_demand(served):
    status, page = served("/compare?a=nf4&b=int8")
    assert status == 200 and "nf4 vs int8" in page and "McNemar" in page
    assert served("/compare?a=nf4&b=../secret")[0] == 404
    assert served("/compare?a=nf4")[0] == 404


def test_a_run_that_appears_while_serving_is_shown_and_compared(tmp_path):
    root = tree(tmp_path)
    serving = _serving(root)
    request = next(serving)
    assert "fresh-run" not in request("/")[1]
    assert request("/compare?a=nf4&b=fresh-run")[0] == 404
    make_run(root / "fresh-run", [record("bilingual/apples_ja")])
    assert "fresh-run" in request("/")[1]
    assert request("/compare?a=nf4&b=fresh-run")[0] == 200
    next(serving, None)


def test_what_is_found_is_kept_until_a_file_changes(tmp_path):
    root = tree(tmp_path)
    finder = Finder(root)
    first = finder()
    assert finder() is first  # nothing changed: not found again
    judge_into(root / "int8", {"smoke/hello": (3.0, None)}, label="late")
    second = finder()
    assert second is not first and sorted(j.label for j in second.judgments) == ["judge1", "late"]
    with (root / "int8" / "results.jsonl").open("a", encoding="utf-8") as results:
        results.write("\n")
    assert finder() is not second  # a run's file rewritten
