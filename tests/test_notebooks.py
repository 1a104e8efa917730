"""The notebooks: committed clean with a Colab-form parameters cell, and executed for real by papermill
(the venv's `python3` kernel) on the offline default model."""

from __future__ import annotations

import html
import json
import re
from pathlib import Path

import nbformat
import papermill
import pytest

import mistral_eval as me
from mistral_eval.core.choices import FORMAT_CHOICES, QUANT_PRESETS
from mistral_eval.sweep.run import builtin_notebooks_dir

NOTEBOOKS = ("evaluate", "compare", "chat")
KERNEL = "python3"  # ipykernel's kernelspec; jupyter_client runs it with this very interpreter
OFFLINE = {"model": me.OFFLINE_MODEL, "quant": "fp32"}


def _path(name: str) -> Path:
    return builtin_notebooks_dir() / f"{name}.ipynb"


def _execute(name: str, executed: Path, **parameters) -> nbformat.NotebookNode:
    return papermill.execute_notebook(str(_path(name)), str(executed), parameters=parameters,
                                      kernel_name=KERNEL, progress_bar=False)


def _cell(nb, start: str):
    [cell] = [c for c in nb.cells if c.cell_type == "code" and c.source.startswith(start)]
    return cell


def _stdout(cell) -> str:
    return "".join(o.text for o in cell.outputs if o.output_type == "stream" and o.name == "stdout")


def _html(cell) -> str:
    return "".join(o.get("data", {}).get("text/html", "") for o in cell.outputs)


def _form(cells) -> dict[str, str]:
    """Each `name = value  # @param …` line of the cells: name → the annotation after `@param`."""
    lines = [line for c in cells if c.cell_type == "code" for line in c.source.splitlines()]
    return dict(re.findall(r"^(\w+) = .*# @param (.+)$", "\n".join(lines), re.M))


def _assert_no_fragments(nb) -> None:
    """No cell holds two stream outputs of the same name in a row, nor a progress line's `\\r`."""
    for cell in (c for c in nb.cells if c.cell_type == "code"):
        streams = [(o.output_type, o.get("name")) for o in cell.outputs]
        assert all(a != b or a[0] != "stream" for a, b in zip(streams, streams[1:])), cell.source
        assert not [o for o in cell.outputs if o.output_type == "stream" and "\r" in o.text]


def _assert_offline_page(page: Path) -> None:
    body = page.read_text(encoding="utf-8")
    fetched = re.findall(r"""<(?:script|link|img|iframe)\b[^>]*\b(?:src|href)=["']?https?:""", body, re.I)
    assert not fetched and "import(" not in body


@pytest.mark.parametrize("name", NOTEBOOKS)
def test_notebooks_are_committed_clean_with_a_form(name):
    nb = nbformat.read(_path(name), as_version=4)
    nbformat.validate(nb)
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert all(not c.outputs and c.execution_count is None for c in code)
    [parameters] = [c for c in code if "parameters" in c.metadata.get("tags", [])]
    assignments = [line for line in parameters.source.splitlines() if not line.startswith("#")]
    assert assignments and all("# @param" in line for line in assignments)
    assert nb.metadata.kernelspec.name == KERNEL
    # the parameters come first (papermill sets install_from too); the next cell installs the
    # package where it is missing, from `install_from`, and sets up outputs
    assert code[0] is parameters and 'install_from = ""  # @param' in parameters.source
    setup = code[1].source
    assert 'find_spec("google.colab")' in setup and "setup_notebook()" in setup
    assert "%pip install -q {install_from}" in setup
    assert "<you>" not in nbformat.writes(nb)


@pytest.mark.parametrize("name", NOTEBOOKS)
def test_form_choices_are_the_librarys(name):
    form = _form(nbformat.read(_path(name), as_version=4).cells)
    choices = {key: json.loads(value) for key, value in form.items() if value.startswith("[")}
    library = {"quant": list(QUANT_PRESETS), "format": list(FORMAT_CHOICES), "judge_quant": list(QUANT_PRESETS)}
    # every option list has its library source (a new one must be added here), and equals it
    assert {key: library.get(key) for key in choices} == choices
    assert set(choices) == {"evaluate": set(library), "compare": {"judge_quant"}, "chat": {"quant", "format"}}[name]


@pytest.mark.parametrize("name", ["evaluate", "chat"])
def test_every_generation_setting_is_a_parameter(name):
    nb = nbformat.read(_path(name), as_version=4)
    [parameters] = [c for c in nb.cells if "parameters" in c.metadata.get("tags", [])]
    assert set(me.GenerationSettings.field_names()) <= set(_form([parameters]))
    assert "me.overrides_from(" in nbformat.writes(nb)


@pytest.fixture(scope="module")
def evaluated(tmp_path_factory):
    """The evaluate notebook, executed on the smoke suite into a fresh run directory."""
    tmp = tmp_path_factory.mktemp("evaluate")
    nb = _execute("evaluate", tmp / "evaluate.ipynb", **OFFLINE, format="chat", suites=["smoke"],
                  max_new_tokens=8, out=str(tmp / "run"))
    return nb, tmp / "run"


def test_evaluate_notebook_writes_a_run_and_shows_cases_summary_and_plots(evaluated):
    nb, run = evaluated
    records = me.RunStore.read(run).records()
    assert sorted(r.key for r in records) == ["smoke/addition_en", "smoke/capital_ja",
                                                  "smoke/followup_en"]
    assert all(r.format == "chat" and r.settings["max_new_tokens"] == 8 for r in records)
    assert (run / "report.html").is_file()

    assert not _cell(nb, "# In Colab").outputs  # set-up is silent outside Colab
    assert "smollm2-135m-instruct [fp32, float32, cpu]" in _stdout(_cell(nb, "lm = me.load_shared"))
    summary = _cell(nb, "overrides = ").outputs[-1].data["text/plain"]
    assert "3 case(s) run, 0 already done" in summary
    table = _html(_cell(nb, "me.readable_summary("))
    assert "smoke" in table and re.search(r"<td>\d+\.\d%", table) and "nan" not in table.lower()
    everything = json.dumps([c.get("outputs", []) for c in nb.cells])
    assert "IProgress" not in everything and "Traceback" not in everything
    page = _html(_cell(nb, 'print("report:"'))
    assert '<div><iframe sandbox="allow-scripts" srcdoc=' in page
    inner = html.unescape(page.split('srcdoc="', 1)[1].split('"', 1)[0])
    assert "Cases (3)" in inner and "Plots" in inner and 'src="data:image/png;base64,' in inner
    for record in records:  # every answer is on the page, escaped once inside the page
        assert f'id="case-{record.key}"' in inner
        assert html.escape(record.answer, quote=True).replace("&#x27;", "&#39;") in inner  # jinja2's entity


def test_compare_notebook_shows_runs_side_by_side(evaluated, offline, tmp_path):
    _, first = evaluated
    second = tmp_path / "raw"
    me.run(offline, [me.resolve_suite("smoke")], second, format="raw",
           overrides={"max_new_tokens": 4}, progress=False)
    out = tmp_path / "compare.html"
    nb = _execute("compare", tmp_path / "compare.ipynb", runs=[str(first), str(second)], out=str(out))
    table = _html(_cell(nb, "df = me.load_runs"))
    assert ">run<" in table and ">raw<" in table
    page = html.unescape(_html(_cell(nb, 'print("report:"')).split('srcdoc="', 1)[1])
    assert "Cases side by side" in page and "run vs raw" in page
    assert out.read_text(encoding="utf-8").count('id="only-diff"') == 1


def test_chat_notebook_streams_each_turn_and_shows_the_prompt(tmp_path):
    turns = ["Hello! My name is Ada.", "What is my name?"]
    nb = _execute("chat", tmp_path / "chat.ipynb", **OFFLINE, turns=turns, max_new_tokens=8,
                  do_sample=False, show_prompt=True, interactive=True)
    text = _stdout(_cell(nb, "for turn in turns"))
    prompts = text.split("--- prompt (chat, ")[1:]
    assert len(prompts) == 2
    assert all(f"user: {turn}\nassistant: " in text for turn in turns)
    assert text.count(" tokens/s, ") == 2
    # the second prompt holds the first turn and the model's first answer (multi-turn)
    first_answer = prompts[0].split("assistant: ", 1)[1].split("\n[", 1)[0]
    assert turns[0] in prompts[1] and first_answer.strip() in prompts[1]
    # under papermill there is no keyboard: the interactive loop returns at once, without error
    assert not [o for c in nb.cells if c.cell_type == "code" for o in c.outputs
                if o.output_type == "error"]
    assert json.dumps(nb.metadata.papermill.parameters, ensure_ascii=False).count("Ada") == 1
    # as a sweep keeps it: each turn's streamed text one output, not one fragment per token
    me.export_html(tmp_path / "chat.ipynb")
    executed = nbformat.read(tmp_path / "chat.ipynb", as_version=4)
    _assert_no_fragments(executed)
    assert [o.name for o in _cell(executed, "for turn in turns").outputs] == ["stdout"]
    assert _stdout(_cell(executed, "for turn in turns")) == text


def test_an_executed_notebook_exports_coalesced_and_offline(evaluated, tmp_path):
    nb, _ = evaluated
    executed = tmp_path / "evaluate.ipynb"
    nbformat.write(nb, executed)
    page = me.export_html(executed)
    _assert_no_fragments(nbformat.read(executed, as_version=4))
    _assert_offline_page(page)
    assert "Cases (3)" in html.unescape(page.read_text(encoding="utf-8"))


JUDGED_SUITE = """\
suite: judged_nb
description: One case with a judge check, one without.
version: 1
defaults: {language: en, settings: {do_sample: false}}
cases:
  - id: story
    prompt: Tell a two-line story.
    checks: [{type: judge, rubric: elyza, aspect: Two lines., threshold: 3}]
  - id: sum
    prompt: What is 2 + 3?
    checks: [{type: number, expected: 5}]
"""


def test_evaluate_notebook_hands_its_judge_parameters_to_the_judge(tiny_dir, tmp_path):
    """The judge parameters reach `load_shared` and `judge_run`: the tiny random Mistral judges its own
    run (the same model and preset, so the kernel loads it once; its grades mean nothing)."""
    from mistral_eval.runs.judgments import JudgmentStore, judge_dirs

    suite = tmp_path / "judged_nb.yaml"
    suite.write_text(JUDGED_SUITE, encoding="utf-8")
    run = tmp_path / "run"
    nb = _execute("evaluate", tmp_path / "evaluate.ipynb", model=tiny_dir, quant="fp32", format="mistral",
                  suites=[str(suite)], max_new_tokens=4, out=str(run), judge_model=tiny_dir, judge_quant="fp32",
                  judge_rubric="mtbench")
    [judge] = judge_dirs(run)
    with JudgmentStore.read(judge) as store:
        manifest, records = store.manifest, store.records()
    assert (manifest.judge_model, manifest.quant, manifest.rubric) == (tiny_dir, "fp32", "mtbench")
    assert sorted(r.key for r in records) == ["judged_nb/story", "judged_nb/sum"]  # the rubric: every case
    assert all(r.max_grade == 10 and r.status == "graded" for r in records)
    cell = _cell(nb, "if judge_model:")
    assert "judge" in _html(cell) and "judged report:" in _stdout(cell)
    page = html.unescape(_html(cell).split('srcdoc="', 1)[1])
    assert "<b>judge</b>" in page and "/ 10" in page


def test_install_from_is_a_papermill_parameter_and_the_setup_cell_needs_no_google(tmp_path):
    """issue 21 item 3: `papermill --help-notebook` lists install_from; outside Colab, without the
    package, the set-up cell says how to install it instead of failing on the missing 'google'."""
    import subprocess
    import sys

    from IPython.core.inputtransformer2 import TransformerManager

    for name in NOTEBOOKS:
        assert "install_from" in papermill.inspect_notebook(str(_path(name)))
        done = subprocess.run([sys.executable, "-m", "papermill", "--help-notebook", str(_path(name))],
                              capture_output=True, text=True, timeout=120)
        assert "install_from" in done.stdout, done.stdout + done.stderr
        nb = nbformat.read(_path(name), as_version=4)
        setup = TransformerManager().transform_cell(_cell(nb, "# In Colab").source)
        script = tmp_path / f"{name}.py"
        script.write_text('install_from = ""\n' + setup, encoding="utf-8")
        # -I -S: no site-packages, so neither mistral_eval nor google can be found (a bare Python)
        bare = subprocess.run([sys.executable, "-I", "-S", str(script)], capture_output=True, text=True,
                              timeout=60, cwd=tmp_path)
        assert bare.returncode != 0 and "google" not in bare.stderr, bare.stderr
        assert "ModuleNotFoundError: mistral_eval is not installed: set install_from" in bare.stderr


def test_notebook_summary_puts_the_pass_rate_first_with_counts(evaluated):
    """issue 21 item 5"""
    nb, run = evaluated
    table = _html(_cell(nb, "me.readable_summary("))
    heads = re.findall(r"<th>([^<]*)</th>", table.split("</thead>")[0])
    assert heads[1:4] == ["suite", "pass rate [95%] passed/n", "errors"]
    checks = [head for head in heads[4:] if head not in ("ja share", "tokens/s")]
    assert checks and all(re.search(r"<td>(–|\d+\.\d% \d+/\d+)</td>", table) for _ in checks)
    body = table.split("</thead>")[1]
    assert re.search(r"<td>\d+\.\d% \[\d+\.\d–\d+\.\d%\] \d+/\d+</td>", body)  # rate, interval, k/n
    summary = _cell(nb, "overrides = ").outputs[-1].data["text/plain"]
    assert "RunSummary(" not in summary and f"→ {run}" in summary
