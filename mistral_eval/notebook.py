"""What a notebook needs beyond the library: readable outputs, one model per kernel, and a chat.

`setup_notebook()` wraps long outputs (the article's CSS) and exports HF_TOKEN from Colab's
secrets; `load_shared()` loads a model once per kernel, so the notebooks a sweep runs one after
another in one kernel share it; `Chat` holds a multi-turn conversation and streams each answer.
Knows nothing about suites, run directories or papermill.
"""

from __future__ import annotations

import gc
import os
from dataclasses import dataclass, field
from typing import Any

import torch

from .choices import AUTO_FORMAT, DEFAULT_QUANT
from .generation import Answer, stream
from .model import LoadedModel, hf_token, load_model
from .prompts import PromptInput, default_format, format_prompt
from .settings import GenerationSettings

__all__ = ["Chat", "load_shared", "setup_notebook"]

_WRAP_CSS = "<style>pre { white-space: pre-wrap; }</style>"
_shared: dict[tuple, LoadedModel] = {}


def _show_wrap_css(*_: Any) -> None:
    from IPython.display import HTML, display

    display(HTML(_WRAP_CSS))


def setup_notebook() -> None:
    """Wrap long lines in every cell's output (as the article's `set_css` did; Colab isolates each
    output, so the style is shown before every cell) and export HF_TOKEN from Colab's secrets so
    the hub libraries see it too. Calling it again changes nothing."""
    token = hf_token()
    if token and not os.environ.get("HF_TOKEN"):
        os.environ["HF_TOKEN"] = token
    try:
        from IPython import get_ipython
    except ImportError:
        return
    shell = get_ipython()
    if shell is None:
        return
    if _show_wrap_css not in shell.events.callbacks["pre_run_cell"]:
        shell.events.register("pre_run_cell", _show_wrap_css)
    _show_wrap_css()


def load_shared(name: str, quant: str = DEFAULT_QUANT, **kwargs: Any) -> LoadedModel:
    """`load_model`, but return the model this process already loaded with the same arguments.

    One model is kept at a time: asking for another frees the previous one first. A sweep runs
    the notebooks of one (model, quantization) group in one kernel, so the model loads once.
    """
    key = (name, quant, tuple(sorted(kwargs.items())))
    if key in _shared:
        lm = _shared[key]
        print(f"reusing {lm.info.name} [{lm.info.quant}], already loaded in this kernel")
        return lm
    if _shared:
        _shared.clear()
        gc.collect()
        if torch.cuda.is_available():
            torch.cuda.empty_cache()
    lm = _shared[key] = load_model(name, quant, **kwargs)
    return lm


@dataclass
class Chat:
    """A conversation with a loaded model: each `say` adds a user turn and streams the answer.

    `format="auto"` picks the model's default format (`mistral` for Mistral models, else `chat`).
    """

    lm: LoadedModel
    settings: GenerationSettings = field(default_factory=GenerationSettings)
    format: str = AUTO_FORMAT
    system: str | None = None
    messages: list[dict] = field(default_factory=list)
    """The conversation so far, system prompt first."""

    def __post_init__(self) -> None:
        if self.format == AUTO_FORMAT:
            self.format = default_format(self.lm.info.name, self.lm.tokenizer)
        if self.system and not self.messages:
            self.messages.append({"role": "system", "content": self.system})

    def prompt(self, text: str) -> PromptInput:
        """The formatted prompt `say(text)` would generate from."""
        return format_prompt([*self.messages, {"role": "user", "content": text}],
                             self.lm.tokenizer, self.format)

    def say(self, text: str, *, show_prompt: bool = False) -> Answer:
        """Send one user turn; the answer is printed as it is generated and kept in the history."""
        prompt = self.prompt(text)
        if show_prompt:
            print(f"--- prompt ({self.format}, {len(prompt.ids)} tokens) ---\n{prompt.text}\n"
                  f"--- answer ---")
        print(f"user: {text}\nassistant: ", end="", flush=True)
        answer = stream(self.lm, prompt, self.settings)
        print(f"\n[{answer.answer_tokens} tokens, {answer.tokens_per_second:.1f} tokens/s, "
              f"{answer.finish_reason}]\n", flush=True)
        self.messages += [{"role": "user", "content": text},
                          {"role": "assistant", "content": answer.text}]
        return answer

    def loop(self, *, show_prompt: bool = False) -> None:
        """Read turns from the keyboard until an empty line. Where there is no keyboard (papermill,
        a script without stdin) it returns at once."""
        while True:
            try:
                text = input("you (empty line to stop): ")
            except (EOFError, NotImplementedError):  # IPython's StdinNotImplementedError
                return
            if not text.strip():
                return
            self.say(text, show_prompt=show_prompt)
