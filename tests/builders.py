"""Real run directories for tests, written the way the library writes them: a finished run from
result lines (`make_run`, `record`) or from a suite and its answers (`write_run`).

Shared by tests in several folders (tests/ is on sys.path through its conftest.py).
"""

from __future__ import annotations

import json
from pathlib import Path

from mistral_eval.checks.registry import japanese_share
from mistral_eval.runs.provenance import make_manifest
from mistral_eval.runs.records import CaseError, JudgeManifest, Judgment, Manifest, Result, RunConfig, RunRef, SuiteRef
from mistral_eval.runs.store import RunStore
from mistral_eval.suites.files import load_suite

PROMPT_TEXT = "<s>[INST] りんごはいくつ? [/INST]"
EVIL = '<script>alert(1)</script></pre><img src=x onerror=alert(2)>'


def make_run(directory: Path, records: list[dict], *, model: str = "mistralai/Mistral-7B-Instruct-v0.1",
             quant: str = "nf4", **manifest) -> Path:
    """A finished run directory: `manifest.json` and one `results.jsonl` line per record."""
    directory.mkdir(parents=True)
    fields = {"schema_version": 2, "model": model, "revision": "main", "quant": quant, "format": "mistral",
              "settings": {"temperature": 0.1}, "seed": 0, "git_commit": "abc123",
              "started_at": "2026-11-27T03:30:00+00:00", "fingerprint": "f" * 64,
              "suites": [{"name": "bilingual", "file": "prompts/bilingual.yaml", "sha256": "cd" * 32}],
              **manifest}
    Manifest.model_validate(fields)  # the fixture is a valid manifest
    (directory / "manifest.json").write_text(json.dumps(fields, ensure_ascii=False), encoding="utf-8")
    judged = [(r["key"], r.pop("judge_grade"), r.pop("judge_max"), r.pop("judge_rationale"))
              for r in records if "judge_grade" in r]
    lines = [json.dumps(r, ensure_ascii=False) + "\n" for r in records]
    (directory / "results.jsonl").write_text("".join(lines), encoding="utf-8")
    if judged:
        _write_judgments(directory, judged)
    return directory


def _write_judgments(directory: Path, judged: list[tuple[str, float, int, str]]) -> None:
    """A judge's directory as `mistral-eval judge` writes it (RUN/judgments/<label>/)."""
    from mistral_eval.runs.records import JudgeManifest, Judgment

    folder = directory / "judgments" / "test-judge"
    folder.mkdir(parents=True)
    manifest = JudgeManifest(label="test-judge", judge_model="judge", quant="fp32", format="chat",
                             rubric="elyza")
    (folder / "manifest.json").write_text(manifest.model_dump_json(), encoding="utf-8")
    lines = [Judgment(key=key, case_key=key, judge="test-judge", rubric="elyza", status="graded",
                      grade=round(grade), expected_grade=grade, max_grade=top, rationale=text).to_json() + "\n"
             for key, grade, top, text in judged]
    (folder / "judgments.jsonl").write_text("".join(lines), encoding="utf-8")


def record(key: str, status: str = "pass", *, language: str = "ja", answer: str = "りんごは3個です。",
           checks: list[dict] | None = None, error: tuple[str, str] | None = None,
           tokens_per_second: float = 20.0, answer_tokens: int = 10, japanese_share: float = 0.9,
           judge: tuple[float, int, str] | None = None, **fields) -> dict:
    """One typed result line (as `Result.to_json` writes it), with optional judge fields."""
    suite, case_id = key.split("/")
    if checks is None and status != "error":
        passed = status == "pass"
        checks = [{"name": "number", "passed": passed, "score": float(passed), "verdict": status,
                   "reason": {"pass": "found 3, expected 3", "fail": "found 4, expected 3",
                              "uncertain": "two final numbers, 3 and 4"}[status]}]
    result = Result.model_validate({
        "key": key, "suite": suite, "case_id": case_id, "language": language, "tags": ["arithmetic"],
        "messages": [{"role": "user", "content": "りんごはいくつ?"}], "prompt_text": PROMPT_TEXT,
        "prompt_tokens": 12, "answer": "" if error else answer, "answer_tokens": 0 if error else answer_tokens,
        "finish_reason": None if error else "eos", "seconds": 0.0 if error else answer_tokens / tokens_per_second,
        "tokens_per_second": tokens_per_second, "batch_size": 1, "checks": checks or [],
        "status": status, "error": {"stage": error[0], "message": error[1]} if error else None,
        "japanese_share": japanese_share, **fields})
    line = json.loads(result.to_json())
    if judge:
        line.update(judge_grade=judge[0], judge_max=judge[1], judge_rationale=judge[2])
    return line


SUITE = """\
suite: judged
description: A few short cases for the judge.
version: 1
cases:
  - id: capital
    language: ja
    prompt: 日本の首都はどこですか？
    reference: 東京です。
    meta: {eval_aspect: 東京と答えていれば4点以上。}
    checks: [{type: contains, expected: 東京}]
  - id: sum
    language: en
    prompt: What is 2 + 3?
    checks: [{type: number, expected: 5}]
  - id: greet
    language: ja
    prompt: 短く挨拶してください。
  - id: broken
    language: en
    prompt: Say hi.
"""
ANSWERS = {"capital": "日本の首都は東京です。", "sum": "2 + 3 = 5.", "greet": "Hello! Nice to meet you.",
           "broken": ""}


def write_run(directory: Path, suite_file: Path, answers: dict[str, str]) -> Path:
    """A finished run written directly as Result records; a case answered None is stored as an error."""
    suite = load_suite(suite_file)
    manifest = make_manifest(RunConfig(model="hand-written", quant="fp32", suites=(str(suite_file),)),
                             [SuiteRef(name=suite.name, file=str(suite_file), sha256=suite.sha256)])
    with RunStore.open(directory, manifest) as store:
        for case in suite.cases:
            answer = answers.get(case.id)
            error = CaseError(stage="generate", message="boom") if answer in (None, "") else None
            passed = case.id != "greet" and error is None and case.id in answers
            store.append(Result(key=case.key, suite=suite.name, case_id=case.id, language=case.language,
                                messages=[dict(m) for m in case.messages], answer=answer or "",
                                turns=[answer or ""], status="error" if error else "pass" if passed else "fail",
                                error=error, japanese_share=japanese_share(answer or "")))
    return directory


def judge_into(run: Path, grades: dict[str, tuple[float, float | None]], *, label: str = "j",
               rationale: str = "fine", rubric: str = "elyza_ja", top: int = 5) -> Path:
    """Write `RUN/judgments/<label>/` with one graded judgment per key: (expected grade, threshold),
    on `rubric`'s scale 1..`top`."""
    from mistral_eval.runs.judgments import JudgmentStore

    manifest = JudgeManifest(label=label, judge_model="judge-model", quant="fp32", format="chat", rubric="cases")
    with JudgmentStore.open(run / "judgments" / label, manifest) as store:
        for key, (grade, threshold) in grades.items():
            low = int(grade)
            dist = {str(g): 0.0 for g in range(1, top + 1)}
            dist[str(low)] = 1 - (grade - low)
            if low < top:
                dist[str(low + 1)] = grade - low
            store.append(Judgment(key=key, case_key=key, judge=label, rubric=rubric, status="graded",
                                  grade=int(max(dist, key=dist.__getitem__)), expected_grade=grade, max_grade=top,
                                  distribution=dist, rationale=rationale, threshold=threshold,
                                  finished_at="2026-01-01T00:00:00+00:00"))
    return run


# ---------------------------------------------------------------------------------------------
# agreement and paired grades


def pairwise_runs(tmp_path) -> tuple[list[Path], Path]:
    """Three runs; `strong` beats `medium` beats `weak` on four cases in both orders; one case of
    strong vs weak flips with the order."""
    from mistral_eval.runs.judgments import JudgmentStore

    names = ("strong", "medium", "weak")
    runs = [make_run(tmp_path / name, [record(f"open/c{i}") for i in range(5)]) for name in names]
    manifest = JudgeManifest(label="pairs", judge_model="judge-model", quant="nf4", format="chat",
                             rubric="pairwise", runs=[RunRef(name=n, path=str(p), fingerprint="f" * 64)
                                                      for n, p in zip(names, runs)])
    out = tmp_path / "pairs"

    def put(store, case, first, second, verdict):
        store.append(Judgment(key=f"open/{case}|{first}|{second}", case_key=f"open/{case}", judge="pairs",
                              rubric="pairwise_en", status="graded", verdict=verdict, first=first, second=second,
                              distribution={v: float(v == verdict) for v in "ABC"}, rationale=EVIL))
    with JudgmentStore.open(out, manifest) as store:
        for i in range(4):
            for x, y in (("strong", "medium"), ("medium", "weak"), ("strong", "weak")):
                put(store, f"c{i}", x, y, "A")
                put(store, f"c{i}", y, x, "B")
        put(store, "c4", "strong", "weak", "A")
        put(store, "c4", "weak", "strong", "A")
    return runs, out
