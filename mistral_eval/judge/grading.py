"""A local LLM judge: grade a finished run (ELYZA 1–5, MT-Bench 1–10) or compare runs pairwise.

The judge writes brief reasoning (batched through `generation.generate`); then the grade line's prefix
("Grade:", "評価:", "Verdict:") is appended and ONE forward pass reads the model's probability of each
allowed grade at the grade position, so a grade is never unparseable. Grades whose tokens share a first
token ("1" and "10" where digits are single tokens) are told apart in the same pass: the shared token is
appended too, and P("10") = P("1")·P("0" | "1"), P("1") = P("1")·(1 − P("0" | "1")). If the judge already
wrote the grade line, its reasoning is cut there, so the grade is read where the model put it.

Which cases: `judge_run(rubric=None)` grades the cases whose suite gives them a `judge` check
(scoring.judge_spec: rubric, aspect, threshold), each with its own; a rubric grades every scored case.

A `ja` case answered mostly in another language (japanese_share < 0.5) gets the lowest grade (pairwise:
loses to a Japanese answer) without asking the model. Errored results are not judged. Knows about
models, rubrics and the stores; knows nothing about HTML or the command line.
"""

from __future__ import annotations

import dataclasses
import itertools
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from mistral_eval.checks.registry import japanese_share, judge_spec
from mistral_eval.core.settings import GenerationSettings
from mistral_eval.judge.batching import DEFAULT_JUDGE_ROWS, JUDGE_TOKEN_BUDGET, length_batches
from mistral_eval.judge.calibration import CalibrationSet, load_calibration_set, measure
from mistral_eval.judge.rubrics import SINGLE_RUBRICS, Rubric, load_rubric, rubric_language
from mistral_eval.model.prompts import model_format
from mistral_eval.runs.judgments import JUDGMENTS_DIR, JudgmentStore, PairwiseRun, check_pairwise_runs
from mistral_eval.runs.provenance import collect_versions, gpu_name, now, package_commit
from mistral_eval.runs.records import Calibration, CaseError, JudgeManifest, Judgment, Result, RunRef
from mistral_eval.runs.store import RunStore, run_names

if TYPE_CHECKING:  # torch and the model load on first use, not on import
    from mistral_eval.model.generation import Answer
    from mistral_eval.model.loading import LoadedModel

__all__ = ["CALIBRATION_DIR", "JUDGE_SETTINGS", "JudgeSummary", "calibrate_judge", "default_label", "judge_pairwise",
           "judge_run", "read_grades"]

JUDGE_SETTINGS = GenerationSettings(max_new_tokens=256, do_sample=False)
"""The judge's reasoning: greedy, at most 256 new tokens."""
CALIBRATION_DIR = "calibration"
"""Under a judge's directory: its grades of the labelled calibration set (resumable, inspectable)."""
LANGUAGE_GATE = 0.5


@dataclass(frozen=True)
class JudgeSummary:
    """What one call of `judge_run` / `judge_pairwise` did."""

    out: Path
    """The judge's directory (manifest.json + judgments.jsonl)."""
    judged: int
    """Records written by this call (gated and errors included)."""
    skipped: int
    """Records already stored, not judged again."""
    gated: int
    errors: int
    batches: tuple[int, ...] = ()
    """Rows of each generation batch, in the order they ran (`length_batches`)."""
    calibration: Calibration | None = None
    """The judge's agreement with the labelled set, when this call measured it (`calibrate=True`)."""


@dataclass(frozen=True)
class _Item:
    """One judgment to make: its key, rubric and prompt, or its gate decision."""

    key: str
    case_key: str
    rubric: Rubric
    prompt: str
    aspect: str | None = None
    first: str | None = None
    second: str | None = None
    gate: tuple[str, str] | None = None
    """(grade, reason) decided without the model."""
    threshold: float | None = None
    """The case's judge spec's pass threshold, stored with the judgment."""


def default_label(judge_model: str, rubric: str) -> str:
    """A directory-safe label from the judge's name and the rubric, e.g. `Mistral-7B-Instruct-v0.1-elyza`."""
    name = Path(judge_model.rstrip("/")).name or judge_model
    return re.sub(r"[^A-Za-z0-9._-]+", "_", f"{name}-{rubric}")


# ---------------------------------------------------------------------------------------------
# reading the grade


def _continuations(tokenizer, text: str, grades: Sequence[str]) -> tuple[list[int], dict[str, list[int]]]:
    """The ids of `text` (ending in the grade prefix) and, per grade, the ids that " <grade>" adds."""
    base = tokenizer.encode(text, add_special_tokens=False)
    conts = {}
    for grade in grades:
        full = tokenizer.encode(f"{text} {grade}", add_special_tokens=False)
        conts[grade] = (full[len(base):] if full[:len(base)] == base and len(full) > len(base)
                        else tokenizer.encode(f" {grade}", add_special_tokens=False))
    return base, conts


@dataclass(frozen=True)
class _Plan:
    """Where to read one row's grades: the ids to run, and each grade's tokens after `shared`."""

    ids: list[int]
    rest: dict[str, list[int]]
    extended: int | None
    """The first token of the grades that continue past it ("1" of "1"/"10"), appended to `ids`."""


def _plan(context: list[int], conts: dict[str, list[int]]) -> _Plan:
    shared = 0
    shortest = min(len(c) for c in conts.values())
    while shared < shortest - 1 and len({c[shared] for c in conts.values()}) == 1:
        shared += 1
    rest = {g: c[shared:] for g, c in conts.items()}
    firsts = [r[0] for r in rest.values()]
    clashing = [t for t in dict.fromkeys(firsts) if firsts.count(t) > 1]
    extended = clashing[0] if clashing else None
    ids = context + list(next(iter(conts.values()))[:shared]) + ([extended] if extended is not None else [])
    return _Plan(ids, rest, extended)


def _distribution(plan: _Plan, at_grade, after_first) -> dict[str, float]:
    """Probabilities of the grades from the softmax at the grade position (and one step later)."""
    probs: dict[str, float] = {}
    group = [g for g, r in plan.rest.items() if plan.extended is not None and r[0] == plan.extended]
    seconds = {g: plan.rest[g][1] for g in group if len(plan.rest[g]) > 1}
    for grade, rest in plan.rest.items():
        p = float(at_grade[rest[0]])
        if grade in seconds:
            p *= float(after_first[seconds[grade]])
        elif grade in group:
            p *= max(0.0, 1.0 - sum(float(after_first[t]) for t in seconds.values()))
        probs[grade] = p
    total = sum(probs.values())
    if total <= 0:
        return {g: 1 / len(probs) for g in probs}
    return {g: p / total for g, p in probs.items()}


def read_grades(lm: LoadedModel, contexts: Sequence[Sequence[int]], tokenizer_texts: Sequence[str],
                grades: Sequence[str], batch_size: int = 8) -> list[dict[str, float]]:
    """For each context (prompt ids) followed by `tokenizer_texts[i]` (the kept reasoning and the grade
    prefix), the probability of each allowed grade, read in one batched forward pass."""
    import torch

    plans = []
    for context, text in zip(contexts, tokenizer_texts):
        tail, conts = _continuations(lm.tokenizer, text, grades)
        plans.append(_plan(list(context) + tail, conts))
    out: list[dict[str, float]] = []
    for start in range(0, len(plans), batch_size):
        chunk = plans[start:start + batch_size]
        width = max(len(p.ids) for p in chunk)
        ids = torch.full((len(chunk), width), lm.tokenizer.pad_token_id, dtype=torch.long)
        mask = torch.zeros_like(ids)
        for i, plan in enumerate(chunk):
            ids[i, width - len(plan.ids):] = torch.tensor(plan.ids)
            mask[i, width - len(plan.ids):] = 1
        positions = (mask.cumsum(-1) - 1).clamp(min=0)
        with torch.inference_mode():
            logits = lm.model(input_ids=ids.to(lm.device), attention_mask=mask.to(lm.device),
                              position_ids=positions.to(lm.device), logits_to_keep=2).logits
        probs = logits[:, -2:].float().softmax(-1).cpu()  # [B, 2, vocab]: last two positions
        for i, plan in enumerate(chunk):
            at_grade, after = (probs[i, 0], probs[i, 1]) if plan.extended is not None else (probs[i, 1], None)
            out.append(_distribution(plan, at_grade, after))
    return out


# ---------------------------------------------------------------------------------------------
# prompts and records


def _question(result: Result) -> str:
    """The question as the judge sees it: the system prompt and user turn, or the whole conversation."""
    system = [m["content"] for m in result.messages if m["role"] == "system"]
    rest = [m for m in result.messages if m["role"] != "system"]
    if len(rest) == 1 and not result.followups:
        return "\n\n".join(system + [rest[0]["content"]])
    lines = [f"[System] {s}" for s in system] + [f"[{m['role'].capitalize()}] {m['content']}" for m in rest]
    for answer, followup in zip(result.turns, result.followups):
        lines += [f"[Assistant] {answer}", f"[User] {followup}"]
    return "\n\n".join(lines)


def _case_info(manifest) -> dict[str, Any]:
    """The run's suite cases by key (for aspects and reference answers); suites no longer found are
    left out, so their cases are judged without them."""
    from mistral_eval.suites.files import resolve_suite

    cases = {}
    for ref in manifest.suites:
        for source in (ref.file, ref.name):
            try:
                suite = resolve_suite(source) if source else None
            except Exception:  # noqa: BLE001 - a moved or removed suite: judge without its extras
                suite = None
            if suite is not None:
                cases.update({c.key: c for c in suite.cases})
                break
    return cases


def _case_key(result: Result) -> str:
    return f"{result.suite}/{result.case_id}"


def _gated(result: Result) -> bool:
    """A Japanese case answered mostly in another language, where the answer is meant to be Japanese:
    its checks include `japanese`, or it has none (a task such as a ja→en translation has other checks)."""
    meant_japanese = not result.checks or any(check.name == "japanese" for check in result.checks)
    return (result.language.split("-")[0] == "ja" and meant_japanese
            and japanese_share(result.answer) < LANGUAGE_GATE)


def _gate_reason(share: float) -> str:
    return (f"language gate: a Japanese case answered mostly in another language (Japanese share "
            f"{share:.0%} < {LANGUAGE_GATE:.0%})")


def _record(item: _Item, judge: str, *, distribution: dict[str, float] | None = None, rationale: str = "",
            prompt_text: str | None = None, error: str | None = None) -> Judgment:
    rubric = item.rubric
    fields: dict[str, Any] = {}
    if item.gate is not None:
        distribution = {g: float(g == item.gate[0]) for g in rubric.grades}
    if distribution is not None:
        best = max(distribution, key=distribution.__getitem__)
        if rubric.max_grade:
            fields = dict(grade=int(best), expected_grade=round(sum(int(g) * p for g, p in distribution.items()), 4))
        else:
            fields = dict(verdict=best)
    status = "error" if error else "gated" if item.gate else "graded"
    return Judgment(key=item.key, case_key=item.case_key, judge=judge, rubric=rubric.name, status=status,
                    max_grade=rubric.max_grade, first=item.first, second=item.second,
                    distribution={g: round(p, 6) for g, p in (distribution or {}).items()}, rationale=rationale,
                    prompt_text=prompt_text, aspect=item.aspect, reason=item.gate[1] if item.gate else None,
                    threshold=item.threshold,
                    error=CaseError(stage="judge", message=error) if error else None, finished_at=now(),
                    **fields)


def _kept(text: str, prefix: str) -> str:
    """The reasoning up to the grade line the judge may have written itself."""
    cut = text.find(prefix)
    return (text[:cut] if cut >= 0 else text).rstrip()


@dataclass(frozen=True)
class _Job:
    """One judging call: the judge, where its judgments go, and how it generates."""

    lm: LoadedModel
    store: JudgmentStore
    label: str
    judge_format: str
    settings: GenerationSettings
    batch_size: int | None
    progress: bool | None
    token_budget: int = JUDGE_TOKEN_BUDGET


def _judge_items(job: _Job, items: list[_Item]) -> tuple[int, list[int]]:
    """Judge the items with the model in length batches (`length_batches`), storing each batch as
    it finishes; returns the error count and the rows of each batch."""
    from mistral_eval.model.generation import generate
    from mistral_eval.model.prompts import format_prompt

    lm, store, label, batch_size = job.lm, job.store, job.label, job.batch_size
    fmt = job.judge_format  # resolved once, by the caller (model_format)
    prompts, ready, errors = [], [], 0
    for item in items:
        try:
            prompts.append(format_prompt([{"role": "user", "content": item.prompt}], lm.tokenizer, fmt))
            ready.append(item)
        except Exception as exc:  # noqa: BLE001 - this item's error, not the whole judgment's
            store.append(_record(item, label, prompt_text=item.prompt, error=f"{type(exc).__name__}: {exc}"))
            errors += 1

    def keep(batch: dict[int, Answer]) -> None:
        indices = sorted(batch)
        texts = [_kept(batch[i].text, ready[i].rubric.grade_prefix) + "\n" + ready[i].rubric.grade_prefix
                 for i in indices]
        grades = ready[indices[0]].rubric.grades
        dists = read_grades(lm, [prompts[i].ids for i in indices], texts, grades, batch_size or 8)
        for i, dist in zip(indices, dists):
            store.append(_record(ready[i], label, distribution=dist, rationale=batch[i].text,
                                 prompt_text=prompts[i].text))

    by_grades: dict[tuple[str, ...], list[int]] = {}
    for i, item in enumerate(ready):
        by_grades.setdefault(item.rubric.grades, []).append(i)
    formed: list[int] = []
    for group in by_grades.values():
        for batch in length_batches([len(prompts[i].ids) for i in group], max_rows=batch_size or DEFAULT_JUDGE_ROWS,
                                    token_budget=job.token_budget, new_tokens=job.settings.max_new_tokens):
            indices = [group[j] for j in batch]
            formed.append(len(indices))
            def on_answers(answers: dict[int, Answer], idx: list[int] = indices) -> None:
                keep({idx[j]: a for j, a in answers.items()})

            try:
                generate(lm, [prompts[i] for i in indices], job.settings, batch_size=len(indices),
                         progress=job.progress, on_answers=on_answers)
            except Exception as exc:  # noqa: BLE001 - the rest of this batch is stored as errors
                for i in indices:
                    if ready[i].key not in store.finished_keys():
                        store.append(_record(ready[i], label, prompt_text=prompts[i].text,
                                             error=f"{type(exc).__name__}: {exc}"))
                        errors += 1
    return errors, formed


def _manifest(lm: LoadedModel, label: str, rubric: str, fmt: str, settings: GenerationSettings,
              runs: list[RunRef], families: Sequence[str] | None = None) -> JudgeManifest:
    """`rubric` names the judgment ("elyza", "mtbench", "pairwise", or "cases": each case's own);
    `families` are the rubric files it uses (default: `rubric`'s)."""
    shas = {load_rubric(family, lang).name: load_rubric(family, lang).sha256
            for family in (families or [rubric]) for lang in ("ja", "en")}
    manifest = JudgeManifest(label=label, judge_model=lm.info.name, revision=lm.info.revision, quant=lm.info.quant,
                             format=fmt, rubric=rubric, rubric_sha256=shas, settings=settings.as_dict(),
                             runs=runs, versions=collect_versions(), gpu=gpu_name(),
                             git_commit=package_commit(), started_at=now(),
                             model_info=lm.info.as_dict())
    return manifest.model_copy(update={"fingerprint": manifest.computed_fingerprint()})


def _finish(job: _Job, items: list[_Item], skipped: int) -> JudgeSummary:
    """Store the gated items' decisions, judge the rest, and say what was done."""
    gated = [i for i in items if i.gate is not None]
    for item in gated:
        job.store.append(_record(item, job.label))
    errors, batches = _judge_items(job, [i for i in items if i.gate is None])
    return JudgeSummary(out=Path(job.store.directory), judged=len(items), skipped=skipped, gated=len(gated),
                        errors=errors, batches=tuple(batches))


# ---------------------------------------------------------------------------------------------
# the two entry points


def judge_run(lm: LoadedModel, run_dir: str | Path, *, rubric: str | None = None, judge_format: str = "auto",
              settings: GenerationSettings = JUDGE_SETTINGS, batch_size: int | None = None,
              label: str | None = None, progress: bool | None = None,
              calibrate: bool | CalibrationSet = False) -> JudgeSummary:
    """Grade the answers of a finished run with `lm` into `RUN/judgments/<label>/`; resumes.

    `rubric=None` grades only the cases whose suite gives them a `judge` check, each with its own
    rubric, aspect and threshold; "elyza" (1–5, with the case's aspect) or "mtbench" (1–10, with
    the case's reference answer where it has one) grades every scored case with that rubric (a
    judge spec still gives its aspect and threshold). Japanese cases get the Japanese rubric.
    `calibrate` (True: the shipped labelled set; or a `CalibrationSet`) also grades that set
    (`calibrate_judge`) and records the agreement in the judge's manifest.
    """
    from mistral_eval.core.errors import ConfigError

    if rubric is not None and rubric not in SINGLE_RUBRICS:
        raise ConfigError(f"rubric {rubric!r} grades no single answer; use elyza or mtbench, or None for "
                          "each case's own judge check (pairwise: judge_pairwise)", field="rubric")
    with RunStore.read(run_dir) as run:
        manifest, results = run.manifest, run.records()
    cases = _case_info(manifest)
    scored = _to_judge(results, cases, rubric)
    if rubric is None and not scored:
        raise ConfigError(f"no case of {run_dir} has a judge check in its suite; give a rubric "
                          "(--rubric elyza or mtbench) to grade every case", field="rubric")
    families = [rubric] if rubric else sorted({_spec_of(cases.get(_case_key(r)))["rubric"] for r in scored})
    label = label or default_label(lm.info.name, rubric or "cases")
    fmt = model_format(lm, judge_format)
    ref = RunRef(name=run_names([run_dir])[0], path=str(run_dir), fingerprint=manifest.fingerprint)
    with JudgmentStore.open(Path(run_dir) / JUDGMENTS_DIR / label,
                            _manifest(lm, label, rubric or "cases", fmt, settings, [ref],
                                      families)) as store:
        finished = store.finished_keys()
        items = [_single_item(r, cases.get(_case_key(r)), rubric) for r in scored if r.key not in finished]
        job = _Job(lm, store, label, fmt, settings, batch_size, progress)
        return _calibrated(job, _finish(job, items, len(scored) - len(items)), calibrate)


def _calibrated(job: _Job, summary: JudgeSummary, calibrate: bool | CalibrationSet) -> JudgeSummary:
    if not calibrate:
        return summary
    chosen = calibrate if isinstance(calibrate, CalibrationSet) else None
    calibration = calibrate_judge(job.lm, job.store, judge_format=job.judge_format, settings=job.settings,
                                  batch_size=job.batch_size, progress=job.progress, calibration_set=chosen)
    return dataclasses.replace(summary, calibration=calibration)


def calibrate_judge(lm, store: JudgmentStore, *, judge_format: str = "auto",
                    settings: GenerationSettings = JUDGE_SETTINGS, batch_size: int | None = None,
                    progress: bool | None = None, calibration_set: CalibrationSet | None = None) -> Calibration:
    """Grade the labelled calibration set (default: the shipped one) with `lm`, each item with its
    rubric, into `<judge dir>/calibration/` (resumable), and record the agreement with the human
    labels (κ, TPR, TNR) in the manifest of `store`, an open judge directory."""
    chosen = calibration_set or load_calibration_set()
    fmt = model_format(lm, judge_format)
    label = f"{store.manifest.label}-calibration"
    manifest = _manifest(lm, label, "calibration", fmt, settings, [], sorted({i.rubric for i in chosen.items}))
    with JudgmentStore.open(Path(store.directory) / CALIBRATION_DIR, manifest) as graded:
        finished = graded.finished_keys()
        items = [_Item(f"{chosen.name}/{item.id}", f"{chosen.name}/{item.id}",
                       load_rubric(item.rubric, item.language),
                       load_rubric(item.rubric, item.language).render(question=item.question, answer=item.answer))
                 for item in chosen.items if f"{chosen.name}/{item.id}" not in finished]
        _judge_items(_Job(lm, graded, label, fmt, settings, batch_size, progress), items)
        records = graded.records()
    grades: dict[str, tuple[float, int] | None] = {
        r.key.split("/", 1)[1]: (float(r.expected_grade), int(r.max_grade)) for r in records
        if r.status == "graded" and r.expected_grade is not None and r.max_grade}
    calibration = measure(chosen, grades)
    store.set_calibration(calibration)
    return calibration


def _to_judge(results: Sequence[Result], cases: dict[str, Any], rubric: str | None) -> list[Result]:
    """The scored results to judge: all of them with a rubric, else those whose case has a judge check
    or that the run left uncertain for the judge (`--uncertain judge`)."""
    def specced(result: Result) -> bool:
        case = cases.get(_case_key(result))
        return result.to_judge or (case is not None and judge_spec(case.checks) is not None)
    return [r for r in results if r.status != "error" and (rubric is not None or specced(r))]


def _spec_of(case: Any) -> dict[str, Any]:
    """The case's judge spec; the default one for a case sent only because it was uncertain."""
    return (judge_spec(case.checks) if case else None) or judge_spec([{"type": "judge"}]) or {}


def _single_item(result: Result, case: Any, rubric: str | None) -> _Item:
    """One answer to grade: the rubric (`rubric`, else the case's judge check's), the aspect (the judge
    check's, else the case's `eval_aspect`), the reference answer, the threshold and the language gate."""
    spec = _spec_of(case)
    aspect = spec.get("aspect") or (case.meta.get("eval_aspect") if case else None) or None
    card = load_rubric(rubric or spec["rubric"], rubric_language(result.language))
    prompt = card.render(question=_question(result), answer=result.answer, aspect=aspect,
                         reference=case.reference if case else None)
    gate = (card.grades[0], _gate_reason(japanese_share(result.answer))) if _gated(result) else None
    return _Item(result.key, result.key, card, prompt, aspect, gate=gate, threshold=spec.get("threshold"))


def _pair_gate(a: Result, b: Result) -> tuple[str, str] | None:
    if a.language.split("-")[0] != "ja" or not (_gated(a) or _gated(b)):
        return None
    shares = f"Japanese share A {japanese_share(a.answer):.0%}, B {japanese_share(b.answer):.0%}"
    verdict = "C" if _gated(a) and _gated(b) else "B" if _gated(a) else "A"
    return verdict, f"language gate: a Japanese case answered mostly in another language ({shares})"


def judge_pairwise(lm: LoadedModel, run_dirs: Sequence[str | Path] | Sequence[PairwiseRun], out: str | Path, *,
                   judge_format: str = "auto", settings: GenerationSettings = JUDGE_SETTINGS,
                   batch_size: int | None = None, label: str | None = None, progress: bool | None = None,
                   calibrate: bool | CalibrationSet = False) -> JudgeSummary:
    """Compare every pair of runs on the cases both answered, each case in both orders, into `out`;
    `calibrate` also measures the judge model on the labelled set (`calibrate_judge`). `run_dirs`: the
    run directories, or what `check_pairwise_runs` returned for them (they are not read again)."""
    checked = _checked(run_dirs)  # two or more different runs with cases in common
    runs, refs, cases = {}, [], {}
    for run in checked:
        runs[run.name] = {r.key: r for r in run.records if r.status != "error"}
        refs.append(RunRef(name=run.name, path=str(run.directory), fingerprint=run.manifest.fingerprint))
        cases.update(_case_info(run.manifest))
    label = label or default_label(lm.info.name, "pairwise")
    fmt = model_format(lm, judge_format)
    with JudgmentStore.open(out, _manifest(lm, label, "pairwise", fmt, settings, refs)) as store:
        items, skipped = _pair_items(runs, cases, store.finished_keys())
        job = _Job(lm, store, label, fmt, settings, batch_size, progress)
        return _calibrated(job, _finish(job, items, skipped), calibrate)


def _checked(run_dirs: Sequence[str | Path] | Sequence[PairwiseRun]) -> list[PairwiseRun]:
    """The runs as `check_pairwise_runs` reads them, read now unless they were already."""
    read = [run for run in run_dirs if isinstance(run, PairwiseRun)]
    if not read:
        return check_pairwise_runs([run for run in run_dirs if not isinstance(run, PairwiseRun)])
    if len(read) != len(run_dirs):
        from mistral_eval.core.errors import ConfigError

        raise ConfigError("give run directories or the runs check_pairwise_runs returned, not both", field="runs")
    return read


def _pair_items(runs: dict[str, dict[str, Result]], cases: dict[str, Any],
                finished: set[str]) -> tuple[list[_Item], int]:
    """Every case two runs both answered, in both orders, not judged yet; and how many were."""
    items, skipped = [], 0
    for x, y in itertools.combinations(runs, 2):
        for key in [k for k in runs[x] if k in runs[y]]:
            for first, second in ((x, y), (y, x)):
                item_key = f"{key}|{first}|{second}"
                if item_key in finished:
                    skipped += 1
                    continue
                a, b = runs[first][key], runs[second][key]
                case = cases.get(_case_key(a))
                aspect = (case.meta.get("eval_aspect") if case else None) or None
                card = load_rubric("pairwise", rubric_language(a.language))
                prompt = card.render(question=_question(a), answer=a.answer, answer_b=b.answer, aspect=aspect,
                                     reference=case.reference if case else None)
                items.append(_Item(item_key, key, card, prompt, aspect, first, second, _pair_gate(a, b)))
    return items, skipped
