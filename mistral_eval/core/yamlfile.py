"""Validated YAML input files (suites, sweep specs): strict parsing and errors that point at the
file, case and field. Knows nothing about what the files mean.

The loader is safe against hostile files: a key given twice, an unhashable key, nesting deeper than
`MAX_DEPTH`, aliases that expand to more than `MAX_ALIAS_NODES` values ("billion laughs") and
recursive aliases are refused while the file is read, in milliseconds, with the line that caused it.
Merge keys (`<<: *base`) work as in YAML 1.1. `clip` keeps every value shown in a message to one line.
"""

from __future__ import annotations

import difflib
import reprlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NoReturn

import yaml
from yaml.composer import ComposerError
from yaml.constructor import ConstructorError
from yaml.nodes import MappingNode, Node, SequenceNode

from mistral_eval.core.errors import ConfigError

__all__ = ["MAX_ALIAS_NODES", "MAX_DEPTH", "UniqueKeyLoader", "Where", "clip", "parse_yaml",
           "reject_unknown"]

MAX_DEPTH = 64
"""Deepest nesting of lists and mappings a file may have, aliases expanded."""
MAX_ALIAS_NODES = 10_000
"""Most values that aliases may add to a file when expanded; sharing a settings block stays far below."""

_MERGE_TAG = "tag:yaml.org,2002:merge"
_VALUE_TAG = "tag:yaml.org,2002:value"


def clip(value: Any, limit: int = 80) -> str:
    """A one-line repr of `value` of at most `limit` characters: how an error message shows input.

    Safe on hostile values: deep or huge containers are summarised without walking them, and an
    integer too long to print is described by its size.
    """
    try:
        text = _REPR.repr(value)
    except Exception:  # a repr that raises (huge int, broken object) must not hide the real error
        text = f"<{type(value).__name__}>"
    text = text.replace("\n", "\\n").replace("\r", "\\r")
    if len(text) <= limit:
        return text
    return text[:max(limit - 1, 1)] + "…"


class _OneLineRepr(reprlib.Repr):
    def repr_int(self, x: int, level: int) -> str:
        if x.bit_length() > 256:
            return f"<int of about {int(x.bit_length() * 0.30103)} digits>"
        return super().repr_int(x, level)


_REPR = _OneLineRepr()
_REPR.maxlevel, _REPR.maxlist, _REPR.maxtuple, _REPR.maxdict = 3, 6, 6, 4
_REPR.maxstring, _REPR.maxother, _REPR.maxlong = 160, 160, 160


@dataclass(frozen=True)
class Where:
    """Where in a file a value sits, to build errors that point at it."""

    file: str
    case: str | None = None

    def error(self, field_path: str | None, message: str) -> ConfigError:
        return ConfigError(message, file=self.file, case=self.case, field=field_path)


class UniqueKeyLoader(yaml.SafeLoader):
    """SafeLoader that refuses duplicate and unhashable keys, deep nesting and alias bombs.

    PyYAML silently keeps the last of two equal keys, raises TypeError for a list as a key, recurses
    once per nesting level while composing, and lets a few lines of aliases stand for billions of
    values; each of these becomes a `yaml.YAMLError` with the line here.
    """

    def __init__(self, stream: Any) -> None:
        super().__init__(stream)
        self._own_keys: dict[Node, list[Node]] = {}

    def compose_document(self) -> Node | None:
        self._depth = 0
        self._alias_nodes = 0
        self._measure: dict[Node, tuple[int, int]] = {}  # node -> (values when expanded, height)
        try:
            return super().compose_document()
        finally:
            self._measure = {}

    def compose_node(self, parent: Node | None, index: Any) -> Node:
        if self.check_event(yaml.AliasEvent):
            self._check_alias(self.peek_event())
            return super().compose_node(parent, index)
        self._depth += 1
        if self._depth > MAX_DEPTH:
            raise ComposerError(None, None, f"the nesting is deeper than {MAX_DEPTH} levels; "
                                            "flatten the structure", self.peek_event().start_mark)
        node = super().compose_node(parent, index)
        self._depth -= 1
        self._measure[node] = self._measure_node(node)
        return node

    def _check_alias(self, event: Any) -> None:
        target = self.anchors.get(event.anchor)
        if target is None:
            return  # PyYAML reports the undefined alias itself
        if target not in self._measure:
            raise ComposerError(None, None, f"the alias *{event.anchor[:40]} is used inside the value "
                                            "of its own anchor (a recursive alias)", event.start_mark)
        size, height = self._measure[target]
        self._alias_nodes += size
        if self._alias_nodes > MAX_ALIAS_NODES:
            raise ComposerError(None, None, f"aliases expand to more than {MAX_ALIAS_NODES} values; "
                                            "aliases are for sharing small blocks such as settings, "
                                            "write repeated data out", event.start_mark)
        if self._depth + height > MAX_DEPTH:
            raise ComposerError(None, None, f"with its aliases expanded, the nesting is deeper than "
                                            f"{MAX_DEPTH} levels", event.start_mark)

    def _measure_node(self, node: Node) -> tuple[int, int]:
        if isinstance(node, SequenceNode):
            children = node.value
        elif isinstance(node, MappingNode):
            children = [child for pair in node.value for child in pair]
        else:
            return 1, 1
        measures = [self._measure[child] for child in children]
        return 1 + sum(m[0] for m in measures), 1 + max((m[1] for m in measures), default=0)

    def construct_object(self, node: Node, deep: bool = False) -> Any:
        try:
            return super().construct_object(node, deep=deep)
        except (ValueError, TypeError, OverflowError) as error:  # e.g. `2024-13-45`, `!!float abc`
            raise ConstructorError(None, None, f"cannot read the value {clip(node.value)}: {error}",
                                   node.start_mark) from None

    def flatten_mapping(self, node: MappingNode) -> None:
        """Resolve `<<` in place as YAML 1.1 says: own keys win, then the earlier merged mapping.

        (The installed PyYAML, 6.0.4, lets the later mapping of `<<: [*a, *b]` win.)
        """
        self._own_keys.setdefault(node, _own_keys(node))  # before merged keys are mixed in
        own, merged = [], []
        for key_node, value_node in node.value:
            if key_node.tag == _VALUE_TAG:  # the YAML 1.1 `=` key, read as text as PyYAML does
                key_node.tag = "tag:yaml.org,2002:str"
            if key_node.tag != _MERGE_TAG:
                own.append((key_node, value_node))
                continue
            sources = value_node.value if isinstance(value_node, SequenceNode) else [value_node]
            for source in sources:
                if not isinstance(source, MappingNode):
                    raise ConstructorError("while constructing a mapping", node.start_mark,
                                           f"`<<` merges a mapping or a list of mappings, not a {source.id}",
                                           source.start_mark)
                self.flatten_mapping(source)
                merged.append(source.value)
        if merged:  # later pairs overwrite earlier ones when the dict is built
            node.value = [pair for pairs in reversed(merged) for pair in pairs] + own

    def construct_mapping(self, node: Node, deep: bool = False) -> dict[Any, Any]:
        if isinstance(node, MappingNode):
            self.flatten_mapping(node)  # records the node's own keys first; doing it again is a no-op
        seen: set[Any] = set()
        for key_node in self._own_keys.get(node, []):
            key = self.construct_object(key_node, deep=True)
            try:
                duplicate = key in seen
            except TypeError:
                raise ConstructorError(None, None, "a key must be a single value (text or a number), not a "
                                       f"{type(key).__name__}", key_node.start_mark) from None
            if duplicate:
                raise ConstructorError(None, None, f"the key {clip(key)} appears twice in one mapping",
                                       key_node.start_mark)
            seen.add(key)
        mapping: dict[Any, Any] = super().construct_mapping(node, deep=deep)
        return mapping


def _merge_key_as_value(loader: UniqueKeyLoader, node: Node) -> NoReturn:
    raise ConstructorError(None, None, "`<<` is a merge key (`<<: *base`); as a value, quote it: '<<'",
                           node.start_mark)


UniqueKeyLoader.add_constructor(_MERGE_TAG, _merge_key_as_value)


def _own_keys(node: MappingNode) -> list[Node]:
    """The keys written in the mapping itself: merged keys (`<<: *base`) may be overridden."""
    return [key for key, _ in node.value if key.tag != _MERGE_TAG]


def parse_yaml(data: bytes, path: Path) -> Any:
    """Parse YAML safely (see `UniqueKeyLoader`); errors name the file, line and column."""
    try:
        text = data.decode("utf-8-sig") if not data.startswith((b"\xff\xfe", b"\xfe\xff")) else data
    except UnicodeDecodeError as error:
        line = data.count(b"\n", 0, error.start) + 1
        raise ConfigError(f"invalid YAML at line {line}: the byte {data[error.start]:#04x} is not UTF-8; "
                          "save the file as UTF-8 text", file=str(path)) from None
    try:
        return yaml.load(text, Loader=UniqueKeyLoader)
    except yaml.reader.ReaderError as error:
        text_line = text.count("\n", 0, error.position) + 1 if isinstance(text, str) else None
        where = f" at line {text_line}" if text_line else ""
        raise ConfigError(f"invalid YAML{where}: the character U+{error.character:04X} is not allowed "
                          "in YAML text; is this a text file?", file=str(path)) from None
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = getattr(error, "problem", None) or str(error).splitlines()[0]
        raise ConfigError(f"invalid YAML{where}: {_one_line(problem)}", file=str(path)) from None


def _one_line(text: str, limit: int = 240) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[:limit - 1] + "…"


def reject_unknown(mapping: dict[Any, Any], allowed: tuple[str, ...], where: Where, at: str) -> None:
    """Raise for the first key not in `allowed`, suggesting the closest allowed one."""
    for key in mapping:
        if key not in allowed:
            shown = str(key) if isinstance(key, str) and len(key) <= 40 else clip(key, 40)
            close = difflib.get_close_matches(str(key)[:100], allowed, n=1)
            hint = f"; did you mean {close[0]!r}?" if close else "."
            raise where.error(f"{at}.{shown}" if at else shown,
                              f"unknown key {clip(key, 40)}{hint} Allowed keys: {', '.join(allowed)}")
