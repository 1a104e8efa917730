"""`mistral-eval view`'s server: the runs viewer's index on 127.0.0.1, read-only.

GET only. `/` is the index of the folder, `/compare?a=RUN&b=RUN` the paired comparison of two runs
found there (rendered on demand), and any other path a file under the folder: no directory listings,
no path that leaves the folder (`..`, absolute paths or a symlink pointing out), nothing else. What is
found under the folder is kept while its files stay as they were (`viewer.tree_state`): a request
finds afresh only after a run or judgment was added or changed. Knows nothing about what the pages show.
"""

from __future__ import annotations

import mimetypes
import os
import threading
from functools import partial
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit

from mistral_eval.core.errors import MistralEvalError
from mistral_eval.report.pages import render_report
from mistral_eval.report.viewer import Found, find, render_viewer, tree_state

__all__ = ["HOST", "Finder", "ViewerHandler", "make_server", "serve"]

HOST = "127.0.0.1"


class Finder:
    """`find(root)`, kept while `tree_state(root)` stays the same; safe across the server's threads."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self._lock = threading.Lock()
        self._state: tuple | None = None
        self._found: Found | None = None

    def __call__(self) -> Found:
        with self._lock:
            state = tree_state(self.root)
            if self._found is None or state != self._state:
                self._found, self._state = find(self.root), state
            return self._found


class ViewerHandler(BaseHTTPRequestHandler):
    """One request against the folder `root` (what is found there from `finder`, once per request at
    most); every method but GET is refused (501)."""

    server_version = "mistral-eval-view"

    def __init__(self, *args, root: Path, finder: Finder, **kwargs) -> None:
        self.root = root
        self.finder = finder
        super().__init__(*args, **kwargs)

    def do_GET(self) -> None:  # noqa: N802 (http.server's name)
        url = urlsplit(self.path)
        if url.path in ("/", ""):
            self._send(render_viewer(self.finder(), serving=True).encode("utf-8"), "text/html; charset=utf-8")
        elif url.path == "/compare":
            self._compare(parse_qs(url.query))
        elif url.path == "/favicon.ico" and self._inside(url.path) is None:
            self.send_response(HTTPStatus.NO_CONTENT)  # the pages have no icon; a 404 would be a console error
            self.end_headers()
        else:
            self._file(unquote(url.path))

    def _compare(self, query: dict[str, list[str]]) -> None:
        runs = {entry.path for entry in self.finder().runs}
        picked = [*query.get("a", []), *query.get("b", [])]
        if len(picked) != 2 or not set(picked) <= runs:
            self.send_error(HTTPStatus.NOT_FOUND, "pick two runs of this folder: /compare?a=RUN&b=RUN")
            return
        try:
            page = render_report([self.root / path for path in picked], title=f"{picked[0]} vs {picked[1]}")
        except MistralEvalError as exc:
            self.send_error(HTTPStatus.UNPROCESSABLE_ENTITY, str(exc))
            return
        self._send(page.encode("utf-8"), "text/html; charset=utf-8")

    def _file(self, path: str) -> None:
        target = self._inside(path)
        if target is None:
            self.send_error(HTTPStatus.NOT_FOUND)
            return
        kind = mimetypes.guess_type(target.name)[0] or "application/octet-stream"
        self._send(target.read_bytes(), f"{kind}; charset=utf-8" if kind.startswith("text/") else kind)

    def _inside(self, path: str) -> Path | None:
        """The regular file `path` names under the root, or None (outside it, missing, a folder)."""
        if "\x00" in path:
            return None
        root = self.root.resolve()
        target = (root / path.lstrip("/")).resolve()
        if not target.is_relative_to(root) or not target.is_file():
            return None
        return target

    def _send(self, body: bytes, kind: str) -> None:
        self.send_response(HTTPStatus.OK)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("X-Content-Type-Options", "nosniff")
        self.send_header("Cache-Control", "no-store")
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args) -> None:  # noqa: A002 (http.server's name)
        if os.environ.get("MISTRAL_EVAL_VIEW_LOG"):
            super().log_message(format, *args)


def make_server(root: str | os.PathLike, port: int = 0) -> ThreadingHTTPServer:
    """A server of the folder `root` on 127.0.0.1:`port` (0: a free port), not yet serving."""
    return ThreadingHTTPServer((HOST, port), partial(ViewerHandler, root=Path(root), finder=Finder(Path(root))))


def serve(root: str | os.PathLike, port: int = 0) -> None:
    """Serve `root` until interrupted (Ctrl-C)."""
    with make_server(root, port) as server:
        print(f"serving {root} at http://{HOST}:{server.server_address[1]}/ (read-only; Ctrl-C stops)", flush=True)
        try:
            server.serve_forever()
        except KeyboardInterrupt:
            pass
