"""Batched and streamed generation over formatted prompts, with one settings object.

Knows about a LoadedModel and PromptInput ids; knows nothing about suites, scoring or files.
"""

from __future__ import annotations

import importlib.util
import os
import sys
import time
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import torch

from mistral_eval.core.errors import ConfigError, GenerationError
from mistral_eval.core.settings import ARTICLE_SETTINGS, GenerationSettings
from mistral_eval.engine import decode as fast_engine
from mistral_eval.model.prompts import PromptInput, format_prompt, model_format

if TYPE_CHECKING:  # annotations only: generation never builds these itself
    from transformers import GenerationConfig, TextStreamer

    from mistral_eval.model.loading import LoadedModel

__all__ = ["ARTICLE_SETTINGS", "ENGINES", "ENGINE_ENV", "Answer", "GenerationSettings", "Prompt", "decode_answer",
           "engine_from_env", "generate",
           "quiet_text_bars", "stream"]

ENGINES = ("auto", "plain", "fast")
ENGINE_ENV = "MISTRAL_EVAL_ENGINE"
"""'plain': transformers' generate. 'fast': mistral_eval.engine.decode (static cache, CUDA graphs).
'auto': fast on CUDA for the model families it knows, plain otherwise (the CPU stays plain)."""


Prompt = PromptInput | Sequence[int] | str
"""A formatted prompt, its token ids, or a plain user message (formatted in the model's default format)."""


def quiet_text_bars() -> None:
    """Make `tqdm.auto` (ours and the hub libraries') draw text bars, silently, in a notebook kernel
    without ipywidgets. tqdm.auto draws widgets where ipywidgets is installed; without it, it warns
    "IProgress not found" once per process, from whichever library imports it first, and falls back
    to text. Importing it here first, with that warning silenced, keeps executed notebooks clean."""
    if "tqdm.autonotebook" in sys.modules or importlib.util.find_spec("ipywidgets"):
        return
    from tqdm import TqdmWarning

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", TqdmWarning)
        import tqdm.autonotebook  # noqa: F401


quiet_text_bars()  # before transformers (imported later, on first load) imports tqdm.auto itself


@dataclass(frozen=True, repr=False)
class Answer:
    """One generated answer."""

    text: str
    token_ids: tuple[int, ...]
    """The answer's ids, without padding and without the final EOS."""
    prompt_tokens: int
    answer_tokens: int
    finish_reason: str
    """'eos' when the model ended the answer, 'length' when max_new_tokens cut it."""
    seconds: float
    """Wall time of the batch that produced it (prefill included)."""
    tokens_per_second: float
    batch_size: int = 1

    def __repr__(self) -> str:
        text = self.text if len(self.text) <= 60 else self.text[:59] + "…"
        return (f"Answer({text!r}, {self.answer_tokens} tokens, {self.finish_reason}, "
                f"{self.tokens_per_second:.1f} tokens/s)")


def _eos_ids(lm: LoadedModel) -> list[int]:
    ids = lm.model.generation_config.eos_token_id
    ids = [] if ids is None else [ids] if isinstance(ids, int) else list(ids)
    if lm.tokenizer.eos_token_id is not None and lm.tokenizer.eos_token_id not in ids:
        ids.append(lm.tokenizer.eos_token_id)
    return ids


def _generation_config(lm: LoadedModel, settings: GenerationSettings) -> GenerationConfig:
    from transformers import GenerationConfig

    sampling: dict[str, Any] = {}
    if settings.do_sample:
        sampling = dict(temperature=settings.temperature, top_p=settings.top_p,
                        top_k=settings.top_k)  # 0 = off; None would mean transformers' 50
    return GenerationConfig(
        max_new_tokens=settings.max_new_tokens, min_new_tokens=settings.min_new_tokens or None,
        do_sample=settings.do_sample, repetition_penalty=settings.repetition_penalty,
        pad_token_id=lm.tokenizer.pad_token_id, eos_token_id=_eos_ids(lm),
        bos_token_id=lm.tokenizer.bos_token_id, **sampling)


def _ids(prompt: PromptInput | Sequence[int]) -> list[int]:
    return list(prompt.ids if isinstance(prompt, PromptInput) else prompt)


def _formatted(lm: LoadedModel, prompts: Sequence[Prompt]) -> list[PromptInput | Sequence[int]]:
    """Plain strings become one-turn user conversations in the model's default format."""
    if not any(isinstance(p, str) for p in prompts):
        return [p for p in prompts if not isinstance(p, str)]  # all of them
    fmt = model_format(lm)
    return [format_prompt([{"role": "user", "content": p}], lm.tokenizer, fmt) if isinstance(p, str) else p
            for p in prompts]


def _left_pad(rows: list[list[int]], pad_id: int, device: torch.device) -> tuple[torch.Tensor, torch.Tensor]:
    width = max(len(r) for r in rows)
    ids = torch.full((len(rows), width), pad_id, dtype=torch.long)
    mask = torch.zeros((len(rows), width), dtype=torch.long)
    for i, row in enumerate(rows):
        ids[i, width - len(row):] = torch.tensor(row, dtype=torch.long)
        mask[i, width - len(row):] = 1
    return ids.to(device), mask.to(device)


def decode_answer(tokenizer, ids: Sequence[int], *, cut_short: bool) -> str:
    """The text of an answer's token ids. An answer cut short by the token limit may end inside a
    character (its last byte tokens only began it): that half character, shown as U+FFFD, is
    dropped instead of ending the answer in a replacement character."""
    text = tokenizer.decode(list(ids), skip_special_tokens=True)
    return text.rstrip("\ufffd") if cut_short else text


def _answer(lm: LoadedModel, new_ids: list[int], prompt_len: int, eos: set[int], seconds: float,
            batch: int) -> Answer:
    cut = next((i for i, t in enumerate(new_ids) if t in eos), None)
    finish = "length" if cut is None else "eos"
    ids = tuple(new_ids if cut is None else new_ids[:cut])
    text = decode_answer(lm.tokenizer, ids, cut_short=cut is None)
    count = len(ids) + (cut is not None)
    return Answer(text=text, token_ids=ids, prompt_tokens=prompt_len, answer_tokens=count,
                  finish_reason=finish, seconds=round(seconds, 4),
                  tokens_per_second=round(count / seconds, 2) if seconds > 0 else 0.0,
                  batch_size=batch)


def _check_context(lm: LoadedModel, rows: list[list[int]], settings: GenerationSettings) -> None:
    limit = getattr(lm.model.config, "max_position_embeddings", None)
    longest = max(len(r) for r in rows)
    if limit and longest + settings.max_new_tokens > limit:
        raise GenerationError(f"a prompt of {longest} tokens plus max_new_tokens="
                              f"{settings.max_new_tokens} exceeds the model's context of {limit}; "
                              "shorten the prompt or lower max_new_tokens")


def _plain_ids(lm: LoadedModel, rows: list[list[int]], settings: GenerationSettings) -> list[list[int]]:
    input_ids, mask = _left_pad(rows, lm.tokenizer.pad_token_id, lm.device)
    with torch.inference_mode():
        out = lm.model.generate(input_ids=input_ids, attention_mask=mask,
                                generation_config=_generation_config(lm, settings))
    return out[:, input_ids.shape[1]:].tolist()


def _generate_batch(lm: LoadedModel, rows: list[list[int]], settings: GenerationSettings,
                    engine: str = "plain") -> list[Answer]:
    _check_context(lm, rows, settings)
    torch.manual_seed(settings.seed)
    start = time.perf_counter()
    if engine == "fast":
        new = fast_engine.generate_ids(lm.model, rows, settings, pad_id=lm.tokenizer.pad_token_id,
                                       eos_ids=_eos_ids(lm))
    else:
        new = _plain_ids(lm, rows, settings)
    if lm.device.type == "cuda":
        torch.cuda.synchronize(lm.device)
    seconds = time.perf_counter() - start
    eos = set(_eos_ids(lm))
    return [_answer(lm, new[i], len(rows[i]), eos, seconds, len(rows)) for i in range(len(rows))]


def _default_batch_size(lm: LoadedModel, engine: str) -> int:
    if lm.device.type != "cuda":
        return 8
    return 64 if engine == "fast" else 32


def engine_from_env() -> str:
    """$MISTRAL_EVAL_ENGINE (default "auto"); a ConfigError naming the variable when it is not one of
    ENGINES, so a run refuses it before the model loads instead of failing every case."""
    engine = os.environ.get(ENGINE_ENV, "").strip() or "auto"
    if engine not in ENGINES:
        raise ConfigError(f"{ENGINE_ENV}={engine!r} is not an engine; valid: {', '.join(ENGINES)} "
                          f"(or unset it)", field=ENGINE_ENV)
    return engine


def _pick_engine(lm: LoadedModel, engine: str | None, length: int) -> str:
    """The engine to use; `length` is the longest prompt plus the most new tokens asked for."""
    engine = engine or engine_from_env()
    if engine not in ENGINES:
        raise ConfigError(f"unknown engine {engine!r}; valid: {', '.join(ENGINES)}", field="engine")
    reason = fast_engine.unsupported_reason(lm.model, length) if engine != "plain" else None
    if engine == "fast" and reason:
        raise ConfigError(f"the fast engine cannot run this: {reason}; use engine='plain'",
                          field="engine")
    if engine == "auto":
        return "fast" if lm.device.type == "cuda" and reason is None else "plain"
    return engine


def _plan(rows: list[list[int]], settings: list[GenerationSettings]) -> list[list[int]]:
    """Indices grouped by settings, longest prompts first (similar lengths pad little)."""
    groups: dict[GenerationSettings, list[int]] = {}
    for i, s in enumerate(settings):
        groups.setdefault(s, []).append(i)
    return [sorted(idx, key=lambda i: -len(rows[i])) for idx in groups.values()]


def _run_group(lm: LoadedModel, rows: list[list[int]], settings: GenerationSettings, indices: list[int],
               batch_size: int, on_answers: Callable[[dict[int, Answer]], None] | None, bar: Any,
               engine: str) -> dict[int, Answer]:
    """Generate one settings group in batches; halve the batch on out-of-memory and retry."""
    done: dict[int, Answer] = {}
    pending = list(indices)
    while pending:
        chunk = pending[:batch_size]
        try:
            answers = _generate_batch(lm, [rows[i] for i in chunk], settings, engine)
        except torch.OutOfMemoryError:
            if batch_size == 1:
                raise GenerationError("out of memory at batch size 1; lower max_new_tokens or "
                                      "use a smaller quantization preset") from None
            batch_size = max(1, batch_size // 2)
            if torch.cuda.is_available():
                torch.cuda.empty_cache()
            continue
        fresh = dict(zip(chunk, answers))
        done.update(fresh)
        pending = pending[len(chunk):]
        if on_answers:
            on_answers(fresh)
        if bar is not None:
            bar.update(len(chunk))
    return done


def generate(lm: LoadedModel, prompts: PromptInput | str | Sequence[Prompt],
             settings: GenerationSettings | Sequence[GenerationSettings] = GenerationSettings(),
             *, batch_size: int | None = None, progress: bool | None = None,
             on_answers: Callable[[dict[int, Answer]], None] | None = None,
             engine: str | None = None) -> list[Answer]:
    """Generate an answer for every prompt; answers come back, as a list, in the prompts' order.

    A prompt is a `PromptInput` (from `format_prompt`), its token ids, or a plain string: a one-turn
    user message formatted in the model's default format (`mistral`, Mistral's reference encoding,
    for Mistral models; the tokenizer's chat template, `chat`, for others). A single string or
    PromptInput may be given alone; the answer is still a list of one.

    Prompts sharing settings run together in left-padded batches sorted by length; each row
    stops at EOS. `on_answers({index: Answer})` is called as each batch finishes, so callers
    can store results before the whole call returns. Out of memory halves the batch and retries.
    `engine` is one of ENGINES (default: $MISTRAL_EVAL_ENGINE, else 'auto'); greedy answers are
    the same with either, up to the bf16 near-ties that also differ between batch sizes.
    """
    if isinstance(prompts, (str, PromptInput)):
        prompts = [prompts]
    rows = [_ids(p) for p in _formatted(lm, prompts)]
    if not rows:
        return []
    if any(not r for r in rows):
        raise GenerationError("an empty prompt cannot be generated from")
    per_row = [settings] * len(rows) if isinstance(settings, GenerationSettings) else list(settings)
    if len(per_row) != len(rows):
        raise ConfigError(f"{len(per_row)} settings for {len(rows)} prompts", field="settings")
    engine = _pick_engine(lm, engine, max(len(r) for r in rows)
                          + max(s.max_new_tokens for s in per_row))
    batch_size = batch_size or _default_batch_size(lm, engine)
    show = len(rows) > 1 if progress is None else progress
    bar = None
    if show:
        from tqdm.auto import tqdm

        bar = tqdm(total=len(rows), desc="generating", unit="prompt", leave=False)
    answers: dict[int, Answer] = {}
    try:
        for indices in _plan(rows, per_row):
            answers.update(_run_group(lm, rows, per_row[indices[0]], indices, batch_size,
                                      on_answers, bar, engine))
    finally:
        if bar is not None:
            bar.close()
    return [answers[i] for i in range(len(rows))]


def _text_streamer(tokenizer: Any, on_text: Callable[[str], None]) -> TextStreamer:
    from transformers import TextStreamer

    class _Streamer(TextStreamer):
        def on_finalized_text(self, text: str, stream_end: bool = False) -> None:
            on_text(text)

    return _Streamer(tokenizer, skip_prompt=True, skip_special_tokens=True)


def _print(text: str) -> None:
    sys.stdout.write(text)
    sys.stdout.flush()


def stream(lm: LoadedModel, prompt: Prompt, settings: GenerationSettings = GenerationSettings(),
           on_text: Callable[[str], None] | None = None) -> Answer:
    """Generate one answer, showing text as it is produced (notebook cell or terminal).

    `prompt` is as in `generate`: a plain string is a user message in the model's default format."""
    [formatted] = _formatted(lm, [prompt])
    row = _ids(formatted)
    _check_context(lm, [row], settings)
    input_ids, mask = _left_pad([row], lm.tokenizer.pad_token_id, lm.device)
    torch.manual_seed(settings.seed)
    start = time.perf_counter()
    with torch.inference_mode():
        out = lm.model.generate(input_ids=input_ids, attention_mask=mask,
                                generation_config=_generation_config(lm, settings),
                                streamer=_text_streamer(lm.tokenizer, on_text or _print))
    seconds = time.perf_counter() - start
    return _answer(lm, out[0, len(row):].tolist(), len(row), set(_eos_ids(lm)), seconds, 1)

