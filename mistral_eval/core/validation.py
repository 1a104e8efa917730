"""Validation of input files and options with pydantic, reported as mistral-eval's own errors.

`StrictModel` is the base of every model that reads user input: unknown keys are refused with a
did-you-mean hint, types are strict (no "1" for 1, no true for 1), numbers finite. `Problems`
collects every problem of one file, from pydantic and from checks across fields, and raises them
as one `ConfigError` naming the file, case and field of the first, with the rest listed below it.
Knows nothing about what the files mean.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from pydantic import BaseModel, ConfigDict, ValidationError, model_validator
from pydantic_core import ErrorDetails, PydanticCustomError

from mistral_eval.core.errors import ConfigError
from mistral_eval.core.yamlfile import clip

__all__ = ["Problems", "StrictModel", "clip", "config_error", "field_path", "unknown_key_message",
           "validate"]

M = TypeVar("M", bound=BaseModel)
_SHOWN = 8
"""Problems listed in one message; the count of the rest follows."""


def unknown_key_message(key: Any, allowed: Sequence[str]) -> str:
    close = difflib.get_close_matches(str(key), allowed, n=1)
    hint = f"; did you mean {close[0]!r}?" if close else "."
    return f"unknown key {clip(key)}{hint} Allowed keys: {', '.join(allowed)}"


class StrictModel(BaseModel):
    """A frozen model of user input: unknown keys refused with a hint, strict types, finite numbers."""

    model_config = ConfigDict(extra="forbid", frozen=True, strict=True, allow_inf_nan=False,
                              populate_by_name=True, use_attribute_docstrings=True)

    @model_validator(mode="before")
    @classmethod
    def _known_keys(cls, data: Any) -> Any:
        if isinstance(data, dict):
            allowed = [field.alias or name for name, field in cls.model_fields.items()]
            for key in data:
                if key not in allowed:
                    raise PydanticCustomError("unknown_key", "{message}",
                                              {"message": unknown_key_message(key, allowed), "key": str(key)})
        return data


def field_path(loc: Sequence[Any]) -> str:
    """("cases", 0, "settings", "top_p") → "cases[0].settings.top_p"."""
    text = ""
    for part in loc:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text


def _message(error: ErrorDetails) -> str:
    kind, value = error["type"], error.get("input")
    if kind in ("unknown_key", "config"):
        message: str = error["ctx"]["message"]
        return message
    if kind == "missing":
        return f"missing required key {error['loc'][-1]!r}" if error["loc"] else "missing"
    words = {"int_type": "an integer", "int_parsing": "an integer", "int_from_float": "an integer",
             "float_type": "a number", "float_parsing": "a number", "bool_type": "true or false",
             "bool_parsing": "true or false", "string_type": "a string", "list_type": "a list",
             "tuple_type": "a list", "dict_type": "a mapping", "model_type": "a mapping",
             "model_attributes_type": "a mapping", "finite_number": "a finite number"}
    if kind in words:
        return f"must be {words[kind]}, got {clip(value)}"
    message = error["msg"].removeprefix("Value error, ").replace("Input should be", "must be")
    return f"{message}, got {clip(value)}" if "got" not in message else message


def config_error(problems: Sequence[tuple[str | None, str | None, str]], file: str | None) -> ConfigError:
    """One ConfigError for (case, field, message) problems: the first names where, the rest are listed."""
    case, field, message = problems[0]
    if len(problems) > 1:
        rest = [f"{f or '(file)'}{f' (case {c!r})' if c else ''}: {m}" for c, f, m in problems[1:_SHOWN]]
        more = len(problems) - _SHOWN
        message += (f"\n  {len(problems) - 1} more problem(s):\n    " + "\n    ".join(rest)
                    + (f"\n    … and {more} more" if more > 0 else ""))
    error = ConfigError(message, file=file, case=case, field=field)
    error.problems = list(problems)
    return error


class Problems:
    """Collects the problems of one input so all of them are reported at once."""

    def __init__(self, file: str | None, case_of: Callable[[Sequence[Any]], str | None] | None = None,
                 prefix: Sequence[Any] = ()):
        self.file = file
        self._case_of = case_of or (lambda loc: None)
        self._prefix = tuple(prefix)
        self.items: list[tuple[str | None, str | None, str]] = []

    def add(self, loc: Sequence[Any], message: str, case: str | None = None) -> None:
        loc = (*self._prefix, *loc)
        self.items.append((case if case is not None else self._case_of(loc), field_path(loc) or None,
                           message))

    def add_error(self, error: ConfigError, loc: Sequence[Any] = ()) -> None:
        """A ConfigError raised by other code for the value at `loc`; its field is relative to `loc`."""
        sub = [] if not error.field else [error.field]
        self.add((*loc, *sub), error.message, case=error.case)

    def validate(self, model: type[M], data: Any, loc: Sequence[Any] = ()) -> M | None:
        """`model.model_validate(data)`; on failure every error is recorded and None returned."""
        try:
            return model.model_validate(data)
        except ValidationError as exc:
            self.add_validation_error(exc, loc)
            return None

    def add_validation_error(self, exc: ValidationError, loc: Sequence[Any] = ()) -> None:
        for error in exc.errors():
            key = error.get("ctx", {}).get("key") if error["type"] == "unknown_key" else None
            self.add((*loc, *error["loc"], *([key] if key is not None else [])), _message(error))

    def raise_if_any(self) -> None:
        if self.items:
            raise config_error(self.items, self.file)


def validate(model: type[M], data: Any, *, file: str | None = None) -> M:
    """Validate `data` against `model`, raising one ConfigError with every problem."""
    problems = Problems(file)
    result = problems.validate(model, data)
    problems.raise_if_any()
    assert result is not None
    return result
