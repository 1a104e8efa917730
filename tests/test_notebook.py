"""Notebook helpers on the offline model: one model per kernel, a streamed multi-turn chat, and
the output wrapping set-up (outside IPython it only exports the token)."""

from __future__ import annotations

import os

import mistral_eval as me
from mistral_eval import notebook


def test_load_shared_loads_once_per_arguments(offline, monkeypatch, capsys):
    loads = []
    monkeypatch.setattr(notebook, "_shared", {})
    monkeypatch.setattr(notebook, "load_model", lambda *a, **k: loads.append((a, k)) or offline)
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
