"""Validated YAML input files (suites, sweep specs): strict parsing and errors that point at the
file, case and field. Knows nothing about what the files mean.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from .errors import ConfigError

__all__ = ["UniqueKeyLoader", "Where", "parse_yaml", "reject_unknown"]


@dataclass(frozen=True)
class Where:
    """Where in a file a value sits, to build errors that point at it."""

    file: str
    case: str | None = None

    def error(self, field_path: str | None, message: str) -> ConfigError:
        return ConfigError(message, file=self.file, case=self.case, field=field_path)


class UniqueKeyLoader(yaml.SafeLoader):
    """SafeLoader that refuses a key given twice in one mapping (PyYAML silently keeps the last)."""

    def construct_mapping(self, node, deep=False):
        seen = set()
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=deep)
            if key in seen:
                raise yaml.constructor.ConstructorError(
                    None, None, f"the key {key!r} appears twice in one mapping", key_node.start_mark)
            seen.add(key)
        return super().construct_mapping(node, deep=deep)


def parse_yaml(data: bytes, path: Path) -> Any:
    """Parse YAML, refusing duplicate keys; errors name the file, line and column."""
    try:
        return yaml.load(data, Loader=UniqueKeyLoader)
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = getattr(e, "problem", None) or str(e)
        raise ConfigError(f"invalid YAML{where}: {problem}", file=str(path)) from None


def reject_unknown(mapping: dict, allowed: tuple[str, ...], where: Where, at: str) -> None:
    """Raise for the first key not in `allowed`, suggesting the closest allowed one."""
    for key in mapping:
        if key not in allowed:
            close = difflib.get_close_matches(str(key), allowed, n=1)
            hint = f"; did you mean {close[0]!r}?" if close else "."
            raise where.error(f"{at}.{key}" if at else str(key),
                              f"unknown key {key!r}{hint} Allowed keys: {', '.join(allowed)}")
