"""What a notebook needs beyond the library: readable outputs, one model per kernel, a chat, and
an executed notebook as a page that works offline.

`setup_notebook()` wraps long outputs in Colab (the article's CSS) and exports HF_TOKEN from Colab's
secrets; `load_shared()` loads a model once per kernel, so the notebooks a sweep runs one after
another in one kernel share it; `Chat` holds a multi-turn conversation and streams each answer;
`format_table()` shows a summary table as percentages with counts; `export_html()` tidies an
executed notebook (streams coalesced) and writes its HTML without any network resource.
Knows nothing about suites, run directories or papermill.
"""

from __future__ import annotations

import gc
import math
import os
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from mistral_eval.core.choices import AUTO_FORMAT, DEFAULT_QUANT
from mistral_eval.core.settings import GenerationSettings
from mistral_eval.model.prompts import PromptInput, format_prompt, model_format

if TYPE_CHECKING:  # torch loads on first use, so a sweep can export pages without it
    from mistral_eval.model.generation import Answer
    from mistral_eval.model.loading import LoadedModel

__all__ = ["Chat", "export_html", "format_table", "load_shared", "setup_notebook"]

_WRAP_CSS = "<style>pre { white-space: pre-wrap; }</style>"
_shared: dict[tuple, LoadedModel] = {}


def _show_wrap_css(*_: Any) -> None:
    from IPython.display import HTML, display

    display(HTML(_WRAP_CSS))


def _register_wrap_css(shell: Any) -> None:
    """Show the wrapping style before every cell of `shell` (once registered, never twice)."""
    if _show_wrap_css not in shell.events.callbacks["pre_run_cell"]:
        shell.events.register("pre_run_cell", _show_wrap_css)


def setup_notebook() -> None:
    """Export HF_TOKEN from Colab's secrets so the hub libraries see it too, and in Colab wrap long
    lines in every cell's output (as the article's `set_css` did; Colab isolates each output, so the
    style is shown before every cell). Jupyter wraps outputs already, so elsewhere nothing is shown.
    Calling it again changes nothing."""
    from mistral_eval.model.generation import quiet_text_bars
    from mistral_eval.model.loading import hf_token

    quiet_text_bars()
    token = hf_token()
    if token and not os.environ.get("HF_TOKEN"):
        os.environ["HF_TOKEN"] = token
    if "google.colab" not in sys.modules:
        return
    from IPython import get_ipython

    shell = get_ipython()
    if shell is not None:
        _register_wrap_css(shell)
        _show_wrap_css()


def load_shared(name: str, quant: str = DEFAULT_QUANT, **kwargs: Any) -> LoadedModel:
    """`load_model`, but return the model this process already loaded with the same arguments.

    One model is kept at a time: asking for another frees the previous one first. A sweep runs
    the notebooks of one (model, quantization) group in one kernel, so the model loads once.
    """
    import torch

    from mistral_eval.model.loading import load_model

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
            self.format = model_format(self.lm)
        if self.system and not self.messages:
            self.messages.append({"role": "system", "content": self.system})

    def prompt(self, text: str) -> PromptInput:
        """The formatted prompt `say(text)` would generate from."""
        return format_prompt([*self.messages, {"role": "user", "content": text}],
                             self.lm.tokenizer, self.format)

    def say(self, text: str, *, show_prompt: bool = False) -> Answer:
        """Send one user turn; the answer is printed as it is generated and kept in the history."""
        from mistral_eval.model.generation import stream

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


_TEXT_COLUMNS = {"pass": ("pass_rate", "pass_low", "pass_high", "k"),
                 "judge": ("judge_mean", "judge_low", "judge_high", "judge_n", "judge_rubric")}
"""A text column that already says its numbers (e.g. "66.7% [20.8–93.9%] 2/3") replaces them."""


def _is_share(column: str) -> bool:
    return (column.startswith("check_") or column.endswith(("_rate", "_share", "_low", "_high"))
            and not column.startswith("judge_"))


def _cell(value: Any, column: str) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return str(value)
    if _is_share(column):
        return f"{value:.1%}"
    if isinstance(value, float) and not value.is_integer():
        return f"{value:.2f}" if column.startswith("judge_") else f"{value:.1f}"
    return f"{value:.0f}"


def format_table(table: Any) -> Any:
    """A copy of `summary_table` / `pair_table` output for reading: rates and shares as
    percentages, counts as integers, other numbers to one decimal, a missing value as "–"; where a
    text column (`pass`, `judge`) already states a rate with its interval and counts, the raw
    numbers it states are left out, and the pass rate comes first (`readable_summary` adds each
    check type's counts). Every cell is a string, so nothing shows as a raw float or NaN."""
    drop = [c for text, columns in _TEXT_COLUMNS.items() if text in table.columns
            for c in columns if c in table.columns]
    shown = table.drop(columns=drop).astype(object)
    first = [c for c in ("run", "suite", "n", "pass", "errors") if c in shown.columns]  # the pass rate first
    shown = shown[[*first, *(c for c in shown.columns if c not in first)]]
    for column in shown.columns:
        shown[column] = [_cell(value, str(column)) for value in shown[column].tolist()]
    return shown


_OFFLINE_TEMPLATE = """{%- extends 'lab/index.html.j2' -%}
{% block html_head_js_requirejs %}{% endblock %}
{% block html_head_js_mathjax %}{% endblock %}
{% block html_head_js_mermaidjs %}{% endblock %}
{% block jupyter_widgets %}{% endblock %}
"""
"""nbconvert's lab page without what it loads from CDNs (require.js, MathJax, mermaid, widgets):
the notebooks show no LaTeX, diagrams or live widgets, and the page must open offline."""


def _drop_cleared_lines(nb: Any) -> None:
    """A progress bar that cleared itself (`leave=False`) ends its stream in blanks and `\\r`:
    drop that blank line, and any stream output left empty."""
    for cell in nb.cells:
        for output in cell.get("outputs", []):
            if output.output_type == "stream":
                output.text = re.sub(r"[ \t]*\r\s*$", "", output.text)
        if "outputs" in cell:
            cell.outputs = [o for o in cell.outputs if o.output_type != "stream" or o.text]


def export_html(notebook: str | os.PathLike[str]) -> Path:
    """Coalesce the stream outputs of an executed notebook in place (a streamed answer becomes one
    text, not one fragment per line; carriage-return progress lines keep their last state) and write
    `<notebook>.html` beside it, a page that makes no network request. Returns the page's path."""
    import nbformat
    from jinja2 import DictLoader
    from nbconvert import HTMLExporter
    from nbconvert.preprocessors import CoalesceStreamsPreprocessor

    from mistral_eval.core.paths import write_text_atomic

    path = Path(notebook)
    nb = nbformat.read(path, as_version=4)
    nb, _ = CoalesceStreamsPreprocessor().preprocess(nb, {})
    _drop_cleared_lines(nb)
    write_text_atomic(path, nbformat.writes(nb) + "\n")
    exporter = HTMLExporter(extra_loaders=[DictLoader({"offline.html.j2": _OFFLINE_TEMPLATE})],
                            template_file="offline.html.j2")
    body, _ = exporter.from_notebook_node(nb)
    target = path.with_suffix(".html")
    write_text_atomic(target, body)
    return target
