"""Tests for report/serve.py: a real server on 127.0.0.1, read-only, nothing outside its folder."""

from __future__ import annotations

import http.client
import threading

import pytest
from viewer_tree import tree

from mistral_eval.report.serve import HOST, make_server


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    tmp_path = tmp_path_factory.mktemp("served")
    root = tree(tmp_path)
    (tmp_path / "secret.txt").write_text("outside")
    (root / "escape.txt").symlink_to(tmp_path / "secret.txt")
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
