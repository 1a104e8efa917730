"""Notebook helpers on the offline model: one model per kernel, a streamed multi-turn chat, the
output wrapping set-up (outside Colab it only exports the token), tables for reading, and an
executed notebook's page that works offline."""

from __future__ import annotations

import math
import os
import re

import nbformat
import pandas as pd
from IPython.core.events import EventManager, available_events

import mistral_eval as me
from mistral_eval.sweep import notebook


def test_load_shared_loads_once_per_arguments(offline, monkeypatch, capsys):
    loads = []
    monkeypatch.setattr(notebook, "_shared", {})
    monkeypatch.setattr("mistral_eval.model.loading.load_model", lambda *a, **k: loads.append((a, k)) or offline)
    first = me.load_shared("smollm2-135m-instruct", "fp32")
    again = me.load_shared("smollm2-135m-instruct", "fp32")
    assert first is again is offline and len(loads) == 1
    assert "already loaded in this kernel" in capsys.readouterr().out
    me.load_shared("smollm2-135m-instruct", "bf16")
    assert len(loads) == 2 and len(notebook._shared) == 1  # one model kept at a time


def test_chat_streams_answers_and_keeps_the_history(offline, capsys, monkeypatch):
    chat = me.Chat(offline, me.GenerationSettings(max_new_tokens=6), system="Answer briefly.")
    assert chat.format == "chat"
    first = chat.say("Say hello.", show_prompt=True)
    printed = capsys.readouterr().out
    assert "--- prompt (chat, " in printed and "Say hello." in printed
    assert f"assistant: {first.text}\n[{first.answer_tokens} tokens" in printed  # streamed
    assert [m["role"] for m in chat.messages] == ["system", "user", "assistant"]
    assert first.text in chat.prompt("And again?").text

    monkeypatch.setattr("builtins.input", lambda prompt: (_ for _ in ()).throw(EOFError))
    chat.loop()  # no keyboard: returns at once
    assert len(chat.messages) == 3


def test_setup_notebook_exports_the_token_outside_ipython(monkeypatch):
    monkeypatch.delenv("HF_TOKEN", raising=False)
    monkeypatch.setenv("HUGGING_FACE_HUB_TOKEN", "hf_test")
    notebook.setup_notebook()
    assert os.environ["HF_TOKEN"] == "hf_test"


def test_setup_notebook_registers_the_wrapping_style_once(monkeypatch):
    class Shell:  # what setup_notebook touches of an IPython shell, with IPython's own event manager
        pass
    shell = Shell()
    shell.events = EventManager(shell, available_events)
    notebook._register_wrap_css(shell)
    notebook._register_wrap_css(shell)
    assert shell.events.callbacks["pre_run_cell"] == [notebook._show_wrap_css]


def test_format_table_shows_percentages_counts_and_no_nan():
    old = pd.DataFrame([{"run": "r", "suite": "smoke", "cases": 3, "pass_rate": 2 / 3, "check_number": 1.0,
                         "ja_share": math.nan, "tokens_per_second": 12.345, "answer_tokens": 8.0}])
    [row] = me.format_table(old).to_dict("records")
    assert row == {"run": "r", "suite": "smoke", "cases": "3", "pass_rate": "66.7%", "check_number": "100.0%",
                   "ja_share": "–", "tokens_per_second": "12.3", "answer_tokens": "8"}
    new = old.assign(**{"n": 3, "k": 2, "errors": 0, "pass_low": 0.208, "pass_high": 0.939,
                        "pass": "66.7% [20.8–93.9%] 2/3", "judge_mean": 7.25, "judge_low": 6.0,
                        "judge_high": 8.5, "judge_n": 4, "judge": "7.25 [6.00–8.50] n=4"})
    shown = me.format_table(new)
    assert not {"pass_rate", "pass_low", "pass_high", "k", "judge_mean", "judge_n"} & set(shown.columns)
    assert shown.loc[0, "pass"] == "66.7% [20.8–93.9%] 2/3" and shown.loc[0, "n"] == "3"
    assert "nan" not in shown.to_html().lower()
    assert list(me.format_table(old.iloc[:0]).columns) == list(old.columns)  # no pairs: an empty table


def _stream(text: str, name: str = "stdout"):
    return nbformat.v4.new_output("stream", name=name, text=text)


def test_export_html_coalesces_streams_and_needs_no_network(tmp_path):
    cell = nbformat.v4.new_code_cell("print('hi')")
    cell.outputs = [_stream("user: Hi\n"), _stream("assistant: Hello"), _stream(" there\n"),
                    _stream("gen:  50%\rgen: 100%\n", "stderr"), _stream("[3 tokens]\n"),
                    _stream("bar: 1/2\r", "stderr"), _stream("bar: 2/2\r", "stderr"),
                    _stream("        \r", "stderr")]
    path = tmp_path / "executed.ipynb"
    nbformat.write(nbformat.v4.new_notebook(cells=[cell]), path)

    page = me.export_html(path)
    assert page == tmp_path / "executed.html"
    [cell] = nbformat.read(path, as_version=4).cells
    assert [(o.name, o.text) for o in cell.outputs] == [
        ("stdout", "user: Hi\nassistant: Hello there\n"), ("stderr", "gen: 100%\n"),
        ("stdout", "[3 tokens]\n")]
    body = page.read_text(encoding="utf-8")
    assert "assistant: Hello there" in body
    fetched = re.findall(r"""<(?:script|link|img|iframe)\b[^>]*\b(?:src|href)=["']?(https?:)""", body, re.I)
    assert not fetched and "import(" not in body and "cdnjs" not in body
