"""What a page did in the browser tests: every request, console error, uncaught error and dialog,
recorded from the moment `PageLog.attach` wires it to a Playwright page (dialogs are dismissed).

Shared by tests/test_browser.py and tests/test_browser_viewer.py, which add their own questions.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass
class PageLog:
    page: Any
    requests: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    dialogs: list[str] = field(default_factory=list)

    @classmethod
    def attach(cls, page: Any) -> PageLog:
        log = cls(page)
        page.on("request", lambda request: log.requests.append(request.url))
        page.on("console", lambda message: message.type == "error" and log.errors.append(message.text))
        page.on("pageerror", lambda error: log.errors.append(str(error)))
        page.on("dialog", lambda dialog: (log.dialogs.append(dialog.message), dialog.dismiss()))
        return log
