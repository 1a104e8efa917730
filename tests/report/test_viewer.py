"""Tests for report/viewer.py: what the runs viewer finds under a folder and how the index shows it."""

from __future__ import annotations

from builders import EVIL
from viewer_tree import tree

from mistral_eval.report.viewer import default_index, find, render_viewer, write_viewer


def test_find_sees_runs_sweeps_judgments_and_problems(tmp_path):
    found = find(tree(tmp_path))
    assert sorted(run.path for run in found.runs) == ["int8", "nf4", "sweeps/temps/t-0.1"]
    assert [(s.path, s.combinations, s.ok) for s in found.sweeps] == [("sweeps/temps", 2, 1)]
    assert {run.path: run.sweep for run in found.runs}["sweeps/temps/t-0.1"] == "sweeps/temps"
    [judgment] = found.judgments
    assert (judgment.path, judgment.run, judgment.label, judgment.report) == (
        "nf4/judgments/judge1", "nf4", "judge1", "nf4/report.html")
    assert judgment.grades[0].mean == 4.0
    assert [p.path for p in found.problems] == ["broken"]
    assert found.comparisons == ["nf4__vs__int8.html"]


def test_the_index_shows_headline_figures_escaped(tmp_path):
    page = render_viewer(find(tree(tmp_path)))
    assert "50.0%" in page and "1/2 scored" in page and "1 error(s)" in page  # nf4: errors apart
    assert "[9.5–90.5%]" in page  # its Wilson interval
    assert EVIL not in page and "&lt;script&gt;alert(1)" in page  # a model name is text
    assert 'href="nf4/report.html"' in page and "mistral-eval report int8" in page  # no report yet
    assert "temperature=0.1" in page and "mistral" in page  # settings and the format used
    assert "judge1 (elyza_ja): 4.00 of 5" in page


def test_the_static_index_goes_beside_a_sweeps_own_index(tmp_path):
    root = tree(tmp_path)
    sweep = root / "sweeps" / "temps"
    assert default_index(sweep) == sweep / "runs.html"
    assert default_index(root) == root / "index.html"
    index = write_viewer(root)
    assert default_index(root) == index  # its own index is rewritten in place
    out = write_viewer(sweep)
    assert out == sweep / "runs.html" and (sweep / "index.html").read_text() == "<html>the sweep's own index</html>"


def test_links_are_relative_to_where_the_index_is_written(tmp_path):
    root = tree(tmp_path)
    elsewhere = tmp_path / "share" / "all.html"
    elsewhere.parent.mkdir()
    page = write_viewer(root, elsewhere).read_text("utf-8")
    assert 'href="../results/nf4/report.html"' in page


def test_the_view_command_writes_the_static_index(tmp_path, capsys):
    from mistral_eval.cli import main

    root = tree(tmp_path)
    assert main(["view", str(root), "--no-serve"]) == 0
    assert capsys.readouterr().out.strip() == f"index: {root / 'index.html'}"
    assert 'content="mistral-eval view"' in (root / "index.html").read_text("utf-8")
    assert main(["view", str(tmp_path / "missing"), "--no-serve"]) == 2
    assert "no such directory" in capsys.readouterr().err


def test_a_pairwise_judgment_is_listed_with_its_page(tmp_path):
    from builders import pairwise_runs

    from mistral_eval.report.judge_pages import write_pairwise_report

    runs, pairs = pairwise_runs(tmp_path)
    write_pairwise_report(pairs)
    found = find(tmp_path)
    assert len(found.runs) == len(runs)
    [judgment] = found.judgments
    assert judgment.run is None and judgment.report == f"{pairs.relative_to(tmp_path).as_posix()}/report.html"
    assert "pairwise" in render_viewer(found)


def test_a_run_is_summarized_once_however_many_judges_it_has(tmp_path, monkeypatch):
    from builders import judge_into

    import mistral_eval.report.viewer as viewer

    root = tree(tmp_path)
    judge_into(root / "nf4", {"bilingual/apples_ja": (2.0, None)}, label="judge2")
    summarized = []
    real = viewer.summarize_run
    monkeypatch.setattr(viewer, "summarize_run", lambda run: summarized.append(run) or real(run))
    found = find(root)
    assert sorted(j.label for j in found.judgments) == ["judge1", "judge2"]
    assert [g.mean for j in sorted(found.judgments, key=lambda j: j.label) for g in j.grades
            if g.judge == j.label] == [4.0, 2.0]
    assert sorted(p.name for p in summarized) == ["broken", "int8", "nf4", "t-0.1"]
