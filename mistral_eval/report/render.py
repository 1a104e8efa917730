"""The one jinja2 environment of every page: templates in `report/templates/`, autoescaping on,
undefined names an error, and the pages' script inlined with its CSP hash.

Knows nothing about runs or what the pages show.
"""

from __future__ import annotations

import base64
import hashlib
from functools import lru_cache
from importlib import resources
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape
from markupsafe import Markup

__all__ = ["render"]


@lru_cache(maxsize=1)
def _environment() -> Environment:
    environment = Environment(loader=PackageLoader("mistral_eval.report", "templates"),
                              autoescape=select_autoescape(["html", "j2"], default_for_string=True),
                              undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True)
    script = resources.files("mistral_eval.report").joinpath("templates", "page.js").read_text(encoding="utf-8")
    digest = base64.b64encode(hashlib.sha256(script.encode("utf-8")).digest()).decode("ascii")
    environment.globals.update(script=Markup(script), script_hash=f"sha256-{digest}")
    return environment


def render(template: str, **context: Any) -> str:
    """`template` (a file in `report/templates/`) rendered with `context`, autoescaped."""
    return _environment().get_template(template).render(**context)
