"""The design and benchmark notes name only files that exist: a path into the repository
(`mistral_eval/...`, `tests/...`, `benchmarks/...`, `docs/...`) or a quoted Python file name."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
NOTES = ("docs/DESIGN.md", "benchmarks/NOTES.md", "benchmarks/RESULTS.md")
REPO_PATH = re.compile(r"(?<![\w./-])((?:mistral_eval|tests|benchmarks|docs)/[\w/.-]*\w)")
QUOTED_PY = re.compile(r"`([\w/.-]+\.py)\b")


def _tree() -> tuple[set[str], set[str]]:
    paths = set()
    for folder, dirs, files in os.walk(ROOT):
        dirs[:] = [d for d in dirs if not d.startswith(".") and d != "__pycache__"]
        base = Path(folder).relative_to(ROOT)
        paths |= {(base / name).as_posix() for name in [*dirs, *files]}
    return paths, {path.rsplit("/", 1)[-1] for path in paths}


def missing(text: str, paths: set[str], names: set[str]) -> list[str]:
    gone = [m for m in REPO_PATH.findall(text) if m not in paths and not any(c in m for c in "*<>{")]
    gone += [m for m in QUOTED_PY.findall(text)
             if m not in paths and f"benchmarks/{m}" not in paths and m.rsplit("/", 1)[-1] not in names]
    return sorted(set(gone))


@pytest.mark.parametrize("note", NOTES)
def test_notes_name_only_files_that_exist(note):
    paths, names = _tree()
    assert missing((ROOT / note).read_text(encoding="utf-8"), paths, names) == []


def test_the_check_sees_a_stale_path():
    paths, names = _tree()
    assert missing("see `mistral_eval/engine.py` and `nf4_triton.py`", paths, names) == [
        "mistral_eval/engine.py", "nf4_triton.py"]
