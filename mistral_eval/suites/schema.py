"""The shape of a suite file as pydantic models, and its validation with every problem reported at once.

`SuiteFile` (with `SuiteDefaults`, `CaseSpec`, `MessageSpec`, `GenerationOverrides`) checks types,
names and each field on its own; `check_suite` adds the rules across fields (prompt vs messages vs
system, the language from defaults, duplicate ids, the suite named after its file) and raises one
`ConfigError` listing every problem. `suite_schema` is the JSON Schema of the same models.
Knows nothing about `Case`/`Suite` objects, models or generation: `suites.py` builds those.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Sequence
from typing import Annotated, Any, ClassVar, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    ModelWrapValidatorHandler,
    ValidationError,
    WithJsonSchema,
    model_validator,
)
from pydantic.json_schema import GenerateJsonSchema, JsonSchemaValue
from pydantic_core import InitErrorDetails, PydanticCustomError, core_schema

from mistral_eval.checks.registry import CHECKS, make_check
from mistral_eval.core.choices import FORMATS
from mistral_eval.core.errors import ConfigError
from mistral_eval.core.settings import GenerationSettings
from mistral_eval.core.validation import Problems, StrictModel, unknown_key_message
from mistral_eval.model.prompts import ROLES, validate_messages

__all__ = ["CaseSpec", "GenerationOverrides", "MessageSpec", "SuiteDefaults", "SuiteFile", "check_suite",
           "suite_schema"]

NAME = re.compile(r"[a-z0-9_]+")
"""Suite names and case ids: lowercase letters, digits and underscores."""
_LANGUAGE = re.compile(r"[a-z]{2,3}(-[A-Za-z0-9]+)*")
_FILE_SHAPE = ("a suite file is a mapping with the keys suite, description, version and cases "
               "(and optionally defaults)")


# --- reporting every problem of a mapping -----------------------------------------------------------

def _error(kind: str, message: str, loc: tuple = (), value: Any = None,
           ctx: dict[str, Any] | None = None) -> InitErrorDetails:
    return InitErrorDetails(type=PydanticCustomError(kind, "{message}", {**(ctx or {}), "message": message}),
                            loc=loc, input=value)


def _raise(model: str, errors: list[InitErrorDetails]) -> None:
    raise ValidationError.from_exception_data(model, errors)


class _EveryProblem(BaseModel):
    """Reports every unknown key and explicit null together with the other errors of the mapping
    (`StrictModel` stops at the first unknown key)."""

    model_config = ConfigDict(use_attribute_docstrings=True)
    _shape: ClassVar[str | None] = None
    """The message for input that is not a mapping at all; None: the generic one."""

    @model_validator(mode="wrap")
    @classmethod
    def _known_keys(cls, data: Any, handler: ModelWrapValidatorHandler) -> Any:
        if not isinstance(data, dict):
            if cls._shape:
                _raise(cls.__name__, [_error("config", cls._shape, value=data)])
            return handler(data)
        allowed = [field.alias or name for name, field in cls.model_fields.items()]
        optional = {name for name, field in cls.model_fields.items() if field.default is None}
        errors = [_error("unknown_key", unknown_key_message(key, allowed), value=data, ctx={"key": str(key)})
                  for key in data if key not in allowed]
        errors += [_error("config", "must not be null: give a value or leave the key out", (key,))
                   for key, value in data.items() if value is None and key in optional]
        known = {key: value for key, value in data.items()
                 if key in allowed and not (value is None and key in optional)}
        if not errors:
            return handler(known)
        try:
            handler(known)
        except ValidationError as exc:
            errors += [_error(e["type"], e["msg"], e["loc"], e.get("input"), e.get("ctx"))
                       for e in exc.errors()]
        _raise(cls.__name__, errors)


class _Spec(_EveryProblem, StrictModel):
    """A frozen, strict model of a part of a suite file that reports all its problems at once."""


# --- constrained values -------------------------------------------------------------------------------

def _text(value: str) -> str:
    if not value.strip():
        raise ValueError("must be a non-empty string")
    return value


def _name(value: str) -> str:
    if not NAME.fullmatch(value):
        raise ValueError("must be lowercase letters, digits and underscores")
    return value


def _language(value: str) -> str:
    if not _LANGUAGE.fullmatch(value):
        raise ValueError("must be an ISO language code such as 'ja' or 'en'")
    return value


def _config_errors(error: ConfigError, value: Any) -> None:
    """Re-raise scoring's / prompts' ConfigError as a pydantic error at its field, relative to `value`."""
    loc = tuple(int(index) if index else key
                for index, key in re.findall(r"\[(\d+)\]|([^.\[\]]+)", error.field or ""))
    _raise("value", [_error("config", error.message, loc, value)])


def _check(spec: dict[str, Any]) -> dict[str, Any]:
    try:
        make_check(spec)
    except ConfigError as error:
        _config_errors(error, spec)
    return spec


def _conversation(messages: list[MessageSpec] | None) -> list[MessageSpec] | None:
    """The order of the roles, checked by prompts' own rules."""
    if messages is None:
        return None
    try:
        validate_messages([message.model_dump() for message in messages], where="")
    except ConfigError as error:
        _config_errors(error, messages)
    return messages


Text = Annotated[str, AfterValidator(_text), WithJsonSchema({"type": "string", "pattern": r"\S"})]
"""A string with at least one character that is not whitespace."""
Name = Annotated[str, AfterValidator(_name), WithJsonSchema({"type": "string", "pattern": "^[a-z0-9_]+$"})]
Language = Annotated[str, AfterValidator(_language),
                     WithJsonSchema({"type": "string", "pattern": f"^{_LANGUAGE.pattern}$"})]
Format = Literal[FORMATS]  # type: ignore[valid-type]  # the names' one home is the tuple
CheckSpec = Annotated[dict[str, Any], AfterValidator(_check), WithJsonSchema({
    "type": "object", "required": ["type"], "properties": {"type": {"enum": list(CHECKS)}},
    "description": "A check of the answer, `{type: <check>, <parameter>: <value>, ...}`: see scoring.py."})]


# --- the file ---------------------------------------------------------------------------------------

class MessageSpec(_Spec):
    """One turn of a conversation."""

    role: Literal[ROLES]  # type: ignore[valid-type]  # the names' one home is the tuple
    """Who speaks: a system message may only come first; then user and assistant alternate."""
    content: Text
    """What is said, sent as written."""


class GenerationOverrides(_EveryProblem, GenerationSettings):
    """Some of the generation settings; the fields not given are left to the suite defaults or the run."""

    __init__ = BaseModel.__init__  # validate as a model: errors stay pydantic's, each at its field

    def given(self) -> dict[str, Any]:
        """The settings the file gave, by name."""
        return self.model_dump(include=self.model_fields_set)


class SuiteDefaults(_Spec):
    """Values every case of the suite starts from."""

    language: Language | None = None
    """Language of the cases that do not set their own."""
    format: Format | None = None
    """Prompt format of the cases that do not set their own; unset leaves it to the run."""
    system: Text | None = None
    """System prompt of the cases given as `prompt` that do not set `system`."""
    settings: GenerationOverrides = Field(default_factory=GenerationOverrides)
    """Generation settings of every case; a case's own settings win key by key."""
    tags: list[Text] = []
    """Tags of every case, before the case's own."""


class CaseSpec(_Spec):
    """One case: a prompt (or a whole conversation), how to generate, and how to check the answer."""

    _shape: ClassVar[str | None] = "a case is a mapping with at least id, language and prompt or messages"

    id: Name
    """Unique within the suite."""
    language: Language | None = None
    """The case's language (ISO code such as ja or en): the answer's, unless the task asks for another
    (a translation); ja and en cases of one task share a `pair`. Default: defaults.language."""
    prompt: Text | None = None
    """The user's message; give either `prompt` or `messages`."""
    system: Text | None = None
    """System prompt sent before `prompt`; default: defaults.system. Not with `messages`."""
    messages: Annotated[list[MessageSpec] | None, AfterValidator(_conversation)] = None
    """A whole conversation, ending with a user message; give either `prompt` or `messages`."""
    format: Format | None = None
    """Prompt format; default: defaults.format, else the run's."""
    settings: GenerationOverrides = Field(default_factory=GenerationOverrides)
    """Generation settings of this case, over defaults.settings."""
    checks: list[CheckSpec] = []
    """Checks the answer must pass."""
    tags: list[Text] = []
    """Tags of this case, after defaults.tags."""
    pair: Name | None = None
    """Bilingual pairing key: the ja and en case of one task share it."""
    reference: Text | None = None
    """A reference answer, for judges and reports."""
    meta: dict[str, Any] = {}
    """Free-form data carried into the results."""
    followups: list[Text] = []
    """Later user turns, each asked after the model's previous answer."""


def _cases(cases: list[CaseSpec]) -> list[CaseSpec]:
    if not cases:
        raise ValueError("must be a non-empty list of cases")
    return cases


class SuiteFile(_Spec):
    """A suite file: one named, versioned list of cases."""

    _shape: ClassVar[str | None] = _FILE_SHAPE

    suite: Name
    """The suite's name; equals the file name without .yaml."""
    description: Text
    """One line on what the suite tests."""
    version: Annotated[int, Field(ge=1)]
    """Raise it when the cases change, so results of different versions are not compared."""
    defaults: SuiteDefaults = Field(default_factory=SuiteDefaults)
    """Values every case starts from."""
    cases: Annotated[list[CaseSpec], AfterValidator(_cases), Field(json_schema_extra={"minItems": 1})]
    """The cases, in the order they run."""


class _FileSchema(GenerateJsonSchema):
    """Optional keys are left out, never null (the models refuse an explicit null)."""

    def nullable_schema(self, schema: core_schema.NullableSchema) -> JsonSchemaValue:
        return self.generate_inner(schema["schema"])

    def default_schema(self, schema: core_schema.WithDefaultSchema) -> JsonSchemaValue:
        if schema.get("default", ...) is None:
            return self.generate_inner(schema["schema"])
        return super().default_schema(schema)


def suite_schema() -> dict[str, Any]:
    """The JSON Schema of a suite file."""
    return {"$schema": _FileSchema.schema_dialect,
            **SuiteFile.model_json_schema(schema_generator=_FileSchema)}


# --- rules across fields ------------------------------------------------------------------------------

def check_suite(doc: Any, *, file: str, stem: str) -> SuiteFile:
    """Validate a parsed suite file; raises one ConfigError naming every problem, the first in front."""
    if not isinstance(doc, dict):
        raise ConfigError(_FILE_SHAPE, file=file)
    cases = doc.get("cases")
    raw_cases = cases if isinstance(cases, list) else []
    ids = [raw.get("id") if isinstance(raw, dict) and isinstance(raw.get("id"), str) else None
           for raw in raw_cases]
    problems = Problems(file, case_of=lambda loc: ids[loc[1]] if loc[:1] == ("cases",) and len(loc) > 1
                        and isinstance(loc[1], int) and loc[1] < len(ids) else None)
    spec = problems.validate(SuiteFile, doc)
    name = doc.get("suite")
    if isinstance(name, str) and NAME.fullmatch(name) and name != stem:
        problems.add(("suite",), f"the suite name {name!r} must equal the file name {stem!r}: runs and "
                                 "reports know a suite by its name and `--suite NAME` finds a suite by "
                                 f"its file name, so the two must agree. Rename the file to {name}.yaml, "
                                 f"or set `suite: {stem}`")
    given = doc.get("defaults")
    defaults = given if isinstance(given, dict) else {}
    for i, raw in enumerate(raw_cases):
        if isinstance(raw, dict):
            _case_rules(problems, raw, ("cases", i), has_language="language" in defaults)
    _duplicate_ids(problems, ids)
    problems.items.sort(key=_document_order)
    problems.raise_if_any()
    assert spec is not None
    return spec


def _case_rules(problems: Problems, raw: dict, at: tuple, has_language: bool) -> None:
    """The rules across a case's keys; a key missing because it is misspelt is reported once, as unknown."""
    misspelt = _misspelt(raw)
    if "prompt" in raw and "messages" in raw:
        problems.add((*at, "messages"), "give either `prompt` or `messages`, not both")
    elif "messages" in raw and "system" in raw:
        problems.add((*at, "system"), "with `messages`, put the system prompt in messages[0]")
    elif "prompt" not in raw and "messages" not in raw and not misspelt & {"prompt", "messages"}:
        problems.add((*at, "prompt"), "a case needs either `prompt` or `messages`")
    if "language" not in raw and not has_language and "language" not in misspelt:
        problems.add((*at, "language"), "missing: set it on the case or in defaults.language")


def _misspelt(raw: dict) -> set[str]:
    """The keys that the unknown keys of a case most likely meant (its did-you-mean hints)."""
    allowed = list(CaseSpec.model_fields)
    return {close for key in raw if key not in allowed
            for close in difflib.get_close_matches(str(key), allowed, n=1)}


def _duplicate_ids(problems: Problems, ids: Sequence[str | None]) -> None:
    first: dict[str, int] = {}
    for i, case_id in enumerate(ids):
        if case_id is not None and case_id in first:
            problems.add(("cases", i, "id"), f"duplicate case id, first used by cases[{first[case_id]}]")
        elif case_id is not None:
            first[case_id] = i


def _document_order(problem: tuple[str | None, str | None, str]) -> tuple[int, int]:
    """File-level problems first, then the cases in order; within one, unknown keys and then the
    fields in the order the models list them (the order the checks ran in before pydantic)."""
    path = problem[1] or ""
    case = re.match(r"cases\[(\d+)\]\.?([^.\[]*)", path)
    model: type[BaseModel]
    if case:
        index, key, model = int(case.group(1)), case.group(2), CaseSpec
    else:
        top = re.match(r"[^.\[]*", path)
        assert top is not None  # the pattern matches every string, if only its empty start
        index, key, model = -1, top.group(0), SuiteFile
    order = list(model.model_fields)
    return index, order.index(key) if key in order else -1
