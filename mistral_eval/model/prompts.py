"""Prompt formats: turn a conversation into the token ids a model sees, and audit the difference.

A conversation is a list of `{"role": "system"|"user"|"assistant", "content": str}`. Formats:

- `chat`: the tokenizer's own chat template (generation prompt added where the template has one).
- `mistral`: Mistral's reference encoding from `mistral-common` (v1 tokenizer for v0.1/v0.2,
  v3 for v0.3). The default for Mistral models.
- `inst`: a hand-built `<s>[INST] … [/INST]` string, as on the model card.
- `article`: the source article's `format_input`, `<s>[INST]{system}[/INST]{prompt}</s>`. It puts
  the question *after* `[/INST]`, in the assistant's slot; kept only to measure that effect.
- `raw`: the text as is, no special tokens (the article's translation example).

Knows about tokenizers and mistral-common; knows nothing about models or generation.
"""

from __future__ import annotations

import difflib
import functools
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from mistral_eval.core.choices import AUTO_FORMAT, FORMATS, resolve_format
from mistral_eval.core.errors import ConfigError, MissingDependencyError

if TYPE_CHECKING:  # loading imports torch; formats are chosen without it
    from mistral_eval.model.loading import LoadedModel

__all__ = [
    "FORMATS", "FormatAudit", "PromptInput", "TokenDifference", "audit_format", "audit_ids",
    "default_format", "format_prompt", "model_format", "merge_system", "mistral_version", "reference_ids",
    "validate_messages",
]

ROLES = ("system", "user", "assistant")
_SENTINEL = "\u2063mistral-eval-system\u2063"


@dataclass(frozen=True)
class PromptInput:
    """A formatted prompt: the ids the model will see and their text."""

    ids: tuple[int, ...]
    text: str
    format: str

    def __len__(self) -> int:
        return len(self.ids)


def validate_messages(messages: Sequence[dict], where: str = "messages") -> list[dict]:
    """Check roles and contents; return plain dict copies. Raises ConfigError naming the field."""
    if not messages:
        raise ConfigError("a conversation needs at least one user message", field=where)
    out = []
    for i, message in enumerate(messages):
        if not isinstance(message, dict) or set(message) != {"role", "content"}:
            raise ConfigError("each message is {role, content} and nothing else",
                              field=f"{where}[{i}]")
        role, content = message["role"], message["content"]
        if role not in ROLES:
            raise ConfigError(f"role {role!r} is not one of {', '.join(ROLES)}",
                              field=f"{where}[{i}].role")
        if role == "system" and i != 0:
            raise ConfigError("a system message may only come first", field=f"{where}[{i}].role")
        if not isinstance(content, str):
            raise ConfigError("content must be a string", field=f"{where}[{i}].content")
        out.append({"role": role, "content": content})
    turns = [m["role"] for m in out if m["role"] != "system"]
    for i, role in enumerate(turns):
        if role != ("user" if i % 2 == 0 else "assistant"):
            raise ConfigError("after an optional system message, roles must alternate "
                              "user/assistant/user/…", field=where)
    if turns[-1:] != ["user"]:
        raise ConfigError("the conversation must end with a user message", field=where)
    return out


def mistral_version(name_or_tokenizer: Any) -> str | None:
    """'v1' (v0.1/v0.2, 32000 tokens), 'v3' (v0.3, 32768 tokens) or None for other models."""
    if isinstance(name_or_tokenizer, str):
        lowered = name_or_tokenizer.lower()
        if "mistral" not in lowered:
            return None
        return "v3" if "v0.3" in lowered else "v1"
    tokenizer = name_or_tokenizer
    size = len(tokenizer)
    version = {32000: "v1", 32768: "v3"}.get(size)
    if version is None:
        return None
    probe = "Hello, world! こんにちは、世界。"  # plain text: [INST] is a control token in v3 only
    reference = _reference_tokenizer(version).instruct_tokenizer.tokenizer.encode(
        probe, bos=False, eos=False)
    return version if tokenizer.encode(probe, add_special_tokens=False) == reference else None


def model_format(lm: LoadedModel, requested: str = AUTO_FORMAT, case_format: str | None = None) -> str:
    """The one resolution of a format for a loaded model: a forced format wins, else the case's, else
    the model's default (`default_format`)."""
    return resolve_format(requested, case_format, default_format(lm.info.name, lm.tokenizer))


def default_format(name: str, tokenizer: Any = None) -> str:
    """`mistral` for Mistral models, `chat` for everything else."""
    if mistral_version(name) or (tokenizer is not None and mistral_version(tokenizer)):
        return "mistral"
    return "chat"


@functools.cache
def _reference_tokenizer(version: str):
    try:
        from mistral_common.tokens.tokenizers.mistral import MistralTokenizer
    except ImportError as exc:
        raise MissingDependencyError("mistral-common", "The 'mistral' prompt format") from exc
    return getattr(MistralTokenizer, version)()


def reference_ids(messages: Sequence[dict], version: str = "v1") -> list[int]:
    """Mistral's own token ids for a conversation ending in a user turn."""
    from mistral_common.protocol.instruct.messages import AssistantMessage, SystemMessage, UserMessage
    from mistral_common.protocol.instruct.request import ChatCompletionRequest

    kinds = {"system": SystemMessage, "user": UserMessage, "assistant": AssistantMessage}
    request: ChatCompletionRequest[Any] = ChatCompletionRequest(
        messages=[kinds[m["role"]](content=m["content"]) for m in validate_messages(messages)])
    return list(_reference_tokenizer(version).encode_chat_completion(request).tokens)


def merge_system(messages: Sequence[dict], version: str | None = "v1") -> list[dict]:
    """Fold a leading system message into a user turn the way mistral-common does.

    v1 prepends it to the first user message, v3 to the last, joined by a blank line.
    """
    messages = validate_messages(messages)
    if messages[0]["role"] != "system":
        return messages
    system, rest = messages[0]["content"], [dict(m) for m in messages[1:]]
    users = [i for i, m in enumerate(rest) if m["role"] == "user"]
    target = users[-1] if version == "v3" else users[0]
    rest[target]["content"] = f"{system}\n\n{rest[target]['content']}"
    return rest


def _template_keeps_system(tokenizer) -> bool:
    probe = [{"role": "system", "content": _SENTINEL}, {"role": "user", "content": "hi"}]
    try:
        text = tokenizer.apply_chat_template(probe, tokenize=False, add_generation_prompt=True)
    except Exception:  # templates raise on a role they do not support
        return False
    return _SENTINEL in text


def _chat(messages: list[dict], tokenizer) -> tuple[list[int], str]:
    if getattr(tokenizer, "chat_template", None) is None:
        raise ConfigError("the tokenizer has no chat template; use format 'inst', 'mistral' "
                          "or 'raw'", field="format")
    if messages[0]["role"] == "system" and not _template_keeps_system(tokenizer):
        messages = merge_system(messages, mistral_version(tokenizer))
    text = tokenizer.apply_chat_template(messages, tokenize=False, add_generation_prompt=True)
    return tokenizer.encode(text, add_special_tokens=False), text


def _inst_text(messages: list[dict], tokenizer) -> str:
    bos, eos = tokenizer.bos_token or "<s>", tokenizer.eos_token or "</s>"
    parts = [bos]
    for message in merge_system(messages):
        if message["role"] == "user":
            parts.append(f"[INST] {message['content']} [/INST]")
        else:
            parts.append(f"{message['content']}{eos} ")
    return "".join(parts)


def _article_text(messages: list[dict]) -> str:
    system = messages[0]["content"] if messages[0]["role"] == "system" else ""
    turns = [m for m in messages if m["role"] != "system"]
    if len(turns) != 1:
        raise ConfigError("the 'article' format takes a single user turn (it has no place for "
                          "a conversation); use 'mistral', 'chat' or 'inst'", field="format")
    return f"<s>[INST]{system}[/INST]{turns[0]['content']}</s>"


def _raw_text(messages: list[dict]) -> str:
    if len(messages) != 1:
        raise ConfigError("the 'raw' format takes a single user message and no system prompt",
                          field="format")
    return messages[0]["content"]


def format_prompt(messages: Sequence[dict], tokenizer, fmt: str = "chat") -> PromptInput:
    """Format a conversation for generation: the ids end where the model's answer begins."""
    messages = validate_messages(messages)
    if fmt == "chat":
        ids, text = _chat(messages, tokenizer)
    elif fmt == "mistral":
        version = mistral_version(tokenizer)
        if version is None:
            raise ConfigError("format 'mistral' needs a Mistral tokenizer (v0.1/v0.2/v0.3); "
                              "this model's tokenizer differs — use 'chat'", field="format")
        ids = reference_ids(messages, version)
        text = tokenizer.decode(ids)
    elif fmt in ("inst", "article", "raw"):
        text = {"inst": lambda: _inst_text(messages, tokenizer),
                "article": lambda: _article_text(messages),
                "raw": lambda: _raw_text(messages)}[fmt]()
        ids = tokenizer.encode(text, add_special_tokens=False)
    else:
        raise ConfigError(f"unknown prompt format {fmt!r}; valid formats: {', '.join(FORMATS)}",
                          field="format")
    return PromptInput(ids=tuple(ids), text=text, format=fmt)


@dataclass(frozen=True)
class TokenDifference:
    """One stretch where the candidate ids differ from the reference ids."""

    position: int
    """Index in the candidate ids where the stretch starts."""
    reference_position: int
    candidate_ids: tuple[int, ...]
    reference_ids: tuple[int, ...]
    candidate_pieces: tuple[str, ...]
    reference_pieces: tuple[str, ...]

    def __str__(self) -> str:
        return (f"@{self.position}: {list(self.candidate_ids)} {list(self.candidate_pieces)} "
                f"!= reference {list(self.reference_ids)} {list(self.reference_pieces)}")


@dataclass(frozen=True)
class FormatAudit:
    """The differences between a candidate encoding and Mistral's reference encoding."""

    candidate: tuple[int, ...]
    reference: tuple[int, ...]
    differences: tuple[TokenDifference, ...] = field(default=())

    @property
    def matches(self) -> bool:
        return not self.differences

    def __str__(self) -> str:
        if self.matches:
            return f"identical ({len(self.reference)} tokens)"
        return "\n".join([f"{len(self.differences)} difference(s):"]
                         + [f"  {d}" for d in self.differences])


def audit_ids(candidate: Sequence[int], reference: Sequence[int], tokenizer) -> FormatAudit:
    """Align two id sequences and report each stretch that differs, with its pieces."""
    candidate, reference = tuple(candidate), tuple(reference)
    matcher = difflib.SequenceMatcher(a=candidate, b=reference, autojunk=False)
    pieces = tokenizer.convert_ids_to_tokens
    diffs = tuple(
        TokenDifference(i1, j1, candidate[i1:i2], reference[j1:j2],
                        tuple(pieces(list(candidate[i1:i2]))), tuple(pieces(list(reference[j1:j2]))))
        for op, i1, i2, j1, j2 in matcher.get_opcodes() if op != "equal")
    return FormatAudit(candidate, reference, diffs)


def audit_format(messages: Sequence[dict], tokenizer, fmt: str = "chat",
                 version: str | None = None) -> FormatAudit:
    """Compare a format's ids (by default the chat template's) with Mistral's reference ids.

    The tokenizer must be a Mistral one (v1 or v3), or `version` given: another model's ids have
    no Mistral reference to be compared with."""
    version = version or mistral_version(tokenizer)
    if version is None:
        name = getattr(tokenizer, "name_or_path", None) or type(tokenizer).__name__
        raise ConfigError(f"audit_format compares with Mistral's reference encoding, but the tokenizer "
                          f"{name!r} is not a Mistral v1 or v3 tokenizer (its vocabulary differs), so there "
                          "is nothing to compare with; audit a Mistral model's tokenizer, or pass "
                          "version='v1' or 'v3' if this one is Mistral's under another vocabulary size",
                          field="tokenizer")
    candidate = format_prompt(messages, tokenizer, fmt).ids
    return audit_ids(candidate, reference_ids(messages, version), tokenizer)
