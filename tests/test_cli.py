from pathlib import Path

import pytest

from mistral_eval import RunStore
from mistral_eval.cli import main


def test_suites_lists_builtins(capsys):
    assert main(["suites"]) == 0
    out = capsys.readouterr().out
    for name in ("article_ja", "article_en", "bilingual", "smoke"):
        assert name in out


def test_suites_check_good_and_bad(tmp_path, capsys):
    assert main(["suites", "--check", str(Path("prompts/smoke.yaml").resolve())]) == 0
    bad = tmp_path / "bad.yaml"
    bad.write_text("suite: bad\ndescription: x\nversion: 1\ncases:\n"
                   "  - id: one\n    language: en\n    prompt: hi\n    settings: {temprature: 0.2}\n")
    assert main(["suites", "--check", str(bad)]) == 2
    err = capsys.readouterr().err
    assert str(bad) in err and "'one'" in err and "temprature" in err


def test_run_then_report_then_compare(tiny_dir, tmp_path, capsys):
    a, b = tmp_path / "a", tmp_path / "b"
    common = ["run", "--model", tiny_dir, "--quant", "fp32", "--suite", "smoke",
              "--max-new-tokens", "4"]
    assert main([*common, "--format", "mistral", "--out", str(a)]) == 0
    assert main([*common, "--format", "inst", "--out", str(b)]) == 0
    assert (a / "report.html").exists()
    records = RunStore.read(a).records()
    assert len(records) == 3 and all(r.settings["max_new_tokens"] == 4 for r in records)
    html = tmp_path / "compare.html"
    assert main(["report", str(a), str(b), "--out", str(html)]) == 0
    assert html.exists() and "smoke/addition_en" in html.read_text("utf-8")


@pytest.mark.parametrize("argv, words", [
    (["--suite", "no_such_suite"], "no_such_suite"),
    (["--suite", "smoke", "--do-sample", "--temperature", "0"], "temperature"),
])
def test_bad_run_input_exits_2_with_a_message(tiny_dir, tmp_path, capsys, argv, words):
    code = main(["run", "--model", tiny_dir, "--quant", "fp32", "--out", str(tmp_path / "r"), *argv])
    assert code == 2
    assert words in capsys.readouterr().err


def test_unknown_preset_is_rejected_by_the_parser(capsys):
    with pytest.raises(SystemExit) as exit_:
        main(["run", "--quant", "q3", "--suite", "smoke", "--out", "x"])
    assert exit_.value.code == 2
    assert "nf4" in capsys.readouterr().err


def test_unreachable_model_exits_1(tmp_path, capsys):
    code = main(["run", "--model", str(tmp_path / "missing-model"), "--suite", "smoke",
                 "--out", str(tmp_path / "r")])
    assert code == 1
    assert "does not exist" in capsys.readouterr().err


def test_resume_with_other_settings_is_refused(tiny_dir, tmp_path, capsys):
    out = tmp_path / "r"
    base = ["run", "--model", tiny_dir, "--quant", "fp32", "--suite", "smoke", "--out", str(out),
            "--no-report"]
    assert main([*base, "--max-new-tokens", "3"]) == 0
    before = (out / "results.jsonl").read_bytes()
    assert main([*base, "--max-new-tokens", "5"]) == 1
    assert "max_new_tokens" in capsys.readouterr().err
    assert (out / "results.jsonl").read_bytes() == before


def test_suites_init_writes_a_starter_that_passes_check(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert main(["suites", "--init", "my_suite"]) == 0
    assert "suites --check my_suite.yaml" in capsys.readouterr().out
    assert main(["suites", "--check", "my_suite.yaml"]) == 0
    assert "ok, suite 'my_suite', 4 case(s)" in capsys.readouterr().out
    assert main(["suites", "--init", "my_suite"]) == 2  # never overwrites
    assert "exists already" in capsys.readouterr().err
