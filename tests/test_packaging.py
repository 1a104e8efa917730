"""The wheel, as Colab gets it (`make wheel`): built from a copy of the sources, installed into a
fresh virtual environment that sees the already-installed dependencies, and run from outside the
checkout: it lists the built-in suites and runs the smoke suite on the offline model."""

from __future__ import annotations

import os
import shutil
import site
import subprocess
import sys
from pathlib import Path

import mistral_eval as me

ROOT = Path(__file__).resolve().parent.parent
SOURCES = ("pyproject.toml", "setup.py", "README.md", "mistral_eval", "prompts", "notebooks", "docs")


def _sh(*args: str | Path, cwd: Path, env: dict | None = None) -> str:
    done = subprocess.run([str(a) for a in args], cwd=cwd, env=env, capture_output=True, text=True,
                          timeout=300)
    assert done.returncode == 0, f"{args}\n{done.stdout}\n{done.stderr}"
    return done.stdout


def test_the_wheel_installs_and_runs_outside_the_checkout(tmp_path):
    source = tmp_path / "src"
    source.mkdir()
    for name in SOURCES:  # a copy, so the build leaves nothing in the checkout
        if (ROOT / name).is_dir():
            shutil.copytree(ROOT / name, source / name, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy2(ROOT / name, source / name)
    # offline: no build isolation, the setuptools of this environment builds it (as `make wheel`)
    _sh(sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "--no-build-isolation",
        "-w", tmp_path / "dist", source, cwd=tmp_path)
    [wheel] = (tmp_path / "dist").iterdir()
    assert wheel.name == f"mistral_eval-{me.__version__}-py3-none-any.whl"

    venv = tmp_path / "venv"
    _sh(sys.executable, "-m", "venv", "--system-site-packages", "--without-pip", venv, cwd=tmp_path)
    python = venv / "bin" / "python"
    # the dependencies: this environment's site-packages, read after the new one's (a plain path
    # line, so the checkout's editable install, a .pth inside it, stays out)
    [new_site] = (venv / "lib").glob("python*/site-packages")
    (new_site / "deps.pth").write_text("\n".join(site.getsitepackages()) + "\n", encoding="utf-8")
    # --ignore-installed: the checkout's editable install is visible too, and must not count as this
    _sh(sys.executable, "-m", "pip", "--python", python, "install", "-q", "--no-deps", "--no-index",
        "--ignore-installed", wheel, cwd=tmp_path)

    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    env["HF_HUB_OFFLINE"] = "1"
    where = _sh(python, "-c", "import mistral_eval; print(mistral_eval.__file__)", cwd=elsewhere, env=env)
    assert Path(where.strip()).is_relative_to(new_site)
    cli = venv / "bin" / "mistral-eval"
    assert "smoke" in _sh(cli, "suites", cwd=elsewhere, env=env)
    _sh(cli, "run", "--model", me.OFFLINE_MODEL, "--quant", "fp32", "--suite", "smoke", "--limit", "1",
        "--max-new-tokens", "4", "--out", "run", cwd=elsewhere, env=env)
    assert (elsewhere / "run" / "report.html").is_file()
    assert len((elsewhere / "run" / "results.jsonl").read_text(encoding="utf-8").splitlines()) == 1


def test_the_readme_names_the_wheel_make_wheel_builds():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert f"mistral_eval-{me.__version__}-py3-none-any.whl" in readme and "make wheel" in readme
    assert "<you>" not in readme


def test_building_the_package_prints_no_setuptools_warning(tmp_path):
    """issue 21 item 10: no "Package ... is absent from the `packages` configuration", no deprecated
    `project.license` table: the build backend's own output (pip -v shows it) holds no warning."""
    source = tmp_path / "src"
    source.mkdir()
    for name in SOURCES:
        if (ROOT / name).is_dir():
            shutil.copytree(ROOT / name, source / name)  # __pycache__ too, as a checkout has it
        else:
            shutil.copy2(ROOT / name, source / name)
    done = subprocess.run([sys.executable, "-m", "pip", "wheel", "-v", "--no-deps", "--no-build-isolation",
                           "-w", str(tmp_path / "dist"), str(source)], capture_output=True, text=True, timeout=300,
                          cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    output = done.stdout + done.stderr
    for warning in ("BuildBackendWarning", "SetuptoolsDeprecationWarning", "is absent from the `packages`",
                    "project.license"):
        assert warning not in output, [line for line in output.splitlines() if warning in line][:3]
    [wheel] = (tmp_path / "dist").iterdir()
    import zipfile

    names = zipfile.ZipFile(wheel).namelist()
    assert "mistral_eval/report/templates/report.html.j2" in names and not [n for n in names if "__pycache__" in n]
    assert {"mistral_eval/builtin_docs/suites.md", "mistral_eval/builtin_docs/checks.md"} <= set(names)  # item 11
