"""The `mistral-eval` command: parse options, call the library, turn errors into exit codes.

Exit codes: 0 when everything ran (failed checks are results, not errors), 3 when `--fail-on`
says the verdicts stored in the run directory (this call's and earlier ones') should fail the
command, 2 for bad input or an unusable place (an unknown command, suite or model, a malformed suite
or spec, an unknown option value or environment variable, a bad output path, a missing model, a run
directory that is missing, damaged, busy or another run's, a file system error such as a full disk,
always naming the path or variable), 130 when interrupted (Ctrl-C; rerun to resume), 1 for any
other error. Only the commands that run a model import
torch, so `--help`, `suites`, `report` and `compare` answer at once.
"""

from __future__ import annotations

import argparse
import json
import shlex
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from mistral_eval import __version__
from mistral_eval.core.choices import (
    BNB_PRESETS,
    DEFAULT_FORMAT,
    DEFAULT_MODEL,
    DEFAULT_QUANT,
    DEFAULT_UNCERTAIN,
    FORMAT_CHOICES,
    MANIFEST_FILE,
    QUANT_PRESETS,
    REPORT_FILE,
    UNCERTAIN_POLICIES,
)
from mistral_eval.core.errors import ConfigError, MistralEvalError, ModelNotFoundError, RunStoreError
from mistral_eval.core.paths import check_output_dir, check_output_file, shown
from mistral_eval.core.settings import GenerationSettings

if TYPE_CHECKING:
    from mistral_eval.runs.judgments import PairwiseRun

__all__ = ["COMMANDS", "build_parser", "main"]

FAIL_ON = ("never", "error", "fail")
"""`--fail-on`: never (exit 0 whenever the run finished), error (exit 3 if a case errored), fail
(exit 3 if a case errored or failed a check)."""
_VERDICT_EXIT = 3
COMMANDS = ("run", "judge", "report", "compare", "suites", "summary", "view", "sweep")
"""The subcommands, in the order `--help` lists them."""


def _add_settings_options(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group(
        "generation settings (forced on every case; unset = each case's own setting)")
    for name, info in GenerationSettings.model_fields.items():
        if name == "seed":
            continue
        flag, default = "--" + name.replace("_", "-"), info.default
        if isinstance(default, bool):
            group.add_argument(flag, dest=name, action=argparse.BooleanOptionalAction, default=None,
                               help=f"(default {str(default).lower()})")
        else:
            group.add_argument(flag, dest=name, type=type(default), default=None,
                               metavar=type(default).__name__.upper(), help=f"(default {default})")


def _run_options(args: argparse.Namespace) -> dict[str, Any]:
    """The RunConfig fields the command line sets."""
    return {"model": args.model, "quant": args.quant, "format": args.format, "suites": args.suite,
            "settings": {name: getattr(args, name) for name in GenerationSettings.field_names()
                         if name != "seed" and getattr(args, name) is not None},
            "seed": args.seed, "revision": args.revision, "batch_size": args.batch_size,
            "trust_remote_code": args.trust_remote_code, "repeats": args.repeats, "limit": args.limit,
            "cases": args.case or (), "tags": args.tag or (),
            "allow_unisolated_code": args.allow_unisolated_code, "uncertain": args.uncertain}


def _cmd_run(args: argparse.Namespace) -> int:
    from mistral_eval.suites.files import resolve_suite

    check_output_dir(args.out)
    for suite in args.suite:  # an unknown suite fails here, at once: before torch is imported
        resolve_suite(suite)
    if args.model is None:
        args.model = DEFAULT_MODEL
        _check_model(DEFAULT_MODEL, "--model was not given; the default")
    else:
        _check_model(args.model, "--model")
    from mistral_eval.pipeline import evaluate
    from mistral_eval.runs.runner import make_config

    config = make_config(**_run_options(args))  # bad options fail here, before any model loads
    _note_cpu_4bit(config.quant)
    summary = evaluate(config, out=args.out, report=not args.no_report)
    prefix = f"[rank {summary.rank}] " if summary.world > 1 else ""
    print(f"{prefix}{summary.ran} case(s) run, {summary.skipped} already done: "
          f"{summary.passed} passed, {summary.failed_checks} failed, {summary.uncertain} uncertain, "
          f"{summary.errors} error(s), "
          f"{summary.seconds:.1f}s → {summary.out}")
    if summary.report:
        _print_summary([args.out])
        print(f"report: {summary.report}")
    totals = summary.totals or {"error": summary.errors, "fail": summary.failed_checks}
    return _verdict_exit(args.fail_on, totals.get("error", 0), totals.get("fail", 0))


def _check_model(name: str, what: str) -> None:
    """Fail at once, with exit 2, on a model that cannot load: a local directory that does not exist,
    or a hub id that is not cached while the hub cannot be reached (instead of the hub client's
    retries). Imports no torch."""
    from mistral_eval.core.choices import OFFLINE_MODEL

    if name.lower() in (OFFLINE_MODEL, "offline", "smollm2") or Path(name).expanduser().is_dir():
        return
    fix = (f"pass --model with a local checkpoint directory, a hub id such as {DEFAULT_MODEL!r} (online), "
           f"or {OFFLINE_MODEL!r} (always offline)")
    if name.startswith((".", "/", "~")) or name.count("/") != 1:
        raise ConfigError(f"{what} {name!r} is not a model: no such directory, and not a hub id "
                          f"(owner/name); {fix}", field="--model")
    from huggingface_hub import constants, try_to_load_from_cache

    if isinstance(try_to_load_from_cache(name, "config.json"), str):
        return
    if constants.HF_HUB_OFFLINE:
        raise ConfigError(f"{what} {name!r} is not in the local model cache and HF_HUB_OFFLINE=1 forbids "
                          f"downloading it; {fix}", field="--model")
    if not _reachable(constants.ENDPOINT):
        raise ConfigError(f"{what} {name!r} is not in the local model cache and {constants.ENDPOINT} cannot be "
                          f"reached to download it; {fix}", field="--model")


def _reachable(url: str, timeout: float = 3.0) -> bool:
    """Whether a TCP connection to `url`'s host opens within `timeout` seconds."""
    import socket
    from urllib.parse import urlparse

    parts = urlparse(url)
    port = parts.port or (443 if parts.scheme == "https" else 80)
    try:
        with socket.create_connection((parts.hostname or "", port), timeout=timeout):
            return True
    except OSError:
        return False


def _verdict_exit(fail_on: str, errors: int, failed: int) -> int:
    if (fail_on == "error" and errors) or (fail_on == "fail" and (errors or failed)):
        return _VERDICT_EXIT
    return 0


def _note_cpu_4bit(quant: str) -> None:
    import torch

    if quant in BNB_PRESETS and not torch.cuda.is_available():
        print(f"note: {quant} on the CPU is slow (bitsandbytes' CPU kernels; ~15 s per prompt for a 7B "
              f"model); --quant bf16 or fp32 is faster for a small model.", file=sys.stderr)


def _print_summary(runs: Sequence[str | Path]) -> None:
    from mistral_eval.analysis.tables import summarize_runs

    print(summarize_runs(runs))


def _run_dirs(runs: Sequence[str]) -> list[Path]:
    """The run directories, or a ConfigError that tells a missing one from an empty one."""
    paths = []
    for run in runs:
        path = Path(run)
        if not path.exists():
            raise ConfigError(f"no such directory: {path}", field="runs")
        if not path.is_dir():
            raise ConfigError(f"{path} is a file, not a run directory", field="runs")
        if not (path / MANIFEST_FILE).is_file():
            state = "is empty" if not any(path.iterdir()) else f"has no {MANIFEST_FILE}"
            raise ConfigError(f"{path} {state}: it is not a run directory (`mistral-eval run --out "
                              f"{path}` makes one)", field="runs")
        paths.append(path)
    return paths


def _pairwise_dir(path: str | None) -> Path | None:
    """A `judge --pairwise --out DIR` directory, or a ConfigError that says what it lacks."""
    from mistral_eval.runs.judgments import judge_dirs

    if path is None:
        return None
    if judge_dirs(path) != [Path(path)]:  # none, or the judges of a run instead
        raise ConfigError(f"{path} holds no pairwise judgments (`mistral-eval judge --pairwise RUN_A RUN_B "
                          f"--out {path}` writes them)", field="--pairwise")
    return Path(path)


def _cmd_report(args: argparse.Namespace) -> int:
    from mistral_eval.report.pages import write_report
    from mistral_eval.runs.store import refuse_run_file

    runs = _run_dirs(args.runs)
    pairwise = _pairwise_dir(args.pairwise)
    if args.out is not None:
        refuse_run_file(args.out)
    if args.out is None and len(runs) > 1:
        raise ConfigError("a comparison of several runs needs --out FILE.html", field="--out")
    print(shown(write_report(runs, check_output_file(args.out or runs[0] / REPORT_FILE), pairwise=pairwise)))
    return 0


def _cmd_compare(args: argparse.Namespace) -> int:
    """The terminal summary of two or more runs with paired tests; the comparison report with --out."""
    runs = _run_dirs(args.runs)
    if len({path.resolve() for path in runs}) < max(2, len(runs)):
        raise ConfigError("compare needs two or more different run directories (one run: `mistral-eval "
                          "report RUN`)", field="runs")
    pairwise = _pairwise_dir(args.pairwise)
    out = check_output_file(args.out) if args.out is not None else None
    if out is not None:
        from mistral_eval.runs.store import refuse_run_file

        refuse_run_file(out)  # before the summary: nothing printed, nothing written
    _print_summary(runs)
    if pairwise is not None:
        print(f"\nPairwise judge ({pairwise}):")
        _print_pairwise(pairwise, len(runs))
    if out is not None:
        from mistral_eval.report.pages import write_report

        print(f"report: {shown(write_report(runs, out, pairwise=pairwise))}")
    return 0


def _file_schema(kind: str) -> dict[str, Any]:
    """The JSON Schema of suite or sweep files, generated from the models that validate them."""
    if kind == "sweep":
        from mistral_eval.sweep.plan import SweepFile

        return {"$schema": "https://json-schema.org/draft/2020-12/schema", **SweepFile.model_json_schema()}
    from mistral_eval.suites.schema import suite_schema

    return suite_schema()


def _cmd_suites(args: argparse.Namespace) -> int:
    from mistral_eval.suites.files import list_suites, load_suite, suites_guide, write_starter

    if args.schema:
        print(json.dumps(_file_schema(args.schema), indent=2, ensure_ascii=False))
        return 0
    if args.init:
        path = write_starter(args.init)
        print(f"wrote {path}; edit it, then `mistral-eval suites --check {path}` (fields: {suites_guide()})")
        return 0
    if args.check:
        suite = load_suite(args.check)
        print(f"{suite.file}: ok, suite {suite.name!r}, {len(suite.cases)} case(s)")
        return 0
    for suite in list_suites():
        print(f"{suite.name} ({len(suite.cases)} cases, v{suite.version}): {suite.description}")
        if args.cases:
            for case in suite.cases:
                checks = ",".join(c["type"] for c in case.checks) or "-"
                print(f"  {case.id:<28} {case.language:<3} {case.format or 'auto':<8} {checks}")
    return 0


def _cmd_sweep(args: argparse.Namespace) -> int:
    from mistral_eval.sweep.run import run_sweep

    if args.out is not None:
        check_output_dir(args.out)
    run_sweep(args.spec, dry_run=args.dry_run, out=args.out)  # SweepError (exit 1) names each failure
    return 0


def _cmd_summary(args: argparse.Namespace) -> int:
    """(Re)write RUN/summary.json for each run directory and print where."""
    from mistral_eval.analysis.summary import write_summary

    for run in _run_dirs(args.runs):
        print(write_summary(run))
    return 0


def _cmd_view(args: argparse.Namespace) -> int:
    """Write the static index of every run, sweep and judgment under DIR; then serve it (unless --no-serve)."""
    from mistral_eval.report.serve import serve
    from mistral_eval.report.viewer import write_viewer

    root = Path(args.dir)
    if not root.is_dir():
        raise ConfigError(f"no such directory: {root}", field="DIR")
    index = write_viewer(root, check_output_file(args.out) if args.out else None)
    print(f"index: {index}")
    if not args.no_serve:
        serve(root, args.port)
    return 0


def _run_parser(sub) -> None:
    run = sub.add_parser("run", help="run suites on a model into a run directory")
    run.add_argument("--model", default=None,
                     help=f"hub id, local directory, or 'smollm2-135m-instruct' (offline); default {DEFAULT_MODEL}")
    run.add_argument("--quant", default=DEFAULT_QUANT, choices=QUANT_PRESETS)
    run.add_argument("--format", default=DEFAULT_FORMAT, choices=FORMAT_CHOICES,
                     help="prompt format; auto = each case's own, else the model's default")
    run.add_argument("--suite", action="append", required=True,
                     help="suite name (see `mistral-eval suites`) or YAML file; repeatable")
    run.add_argument("--out", required=True, help="run directory (rerun to resume)")
    run.add_argument("--limit", type=int, default=None, metavar="N", help="at most N cases per suite")
    run.add_argument("--case", action="append", metavar="ID", help="only this case (id or key, glob); repeatable")
    run.add_argument("--tag", action="append", metavar="TAG", help="only cases with this tag; repeatable")
    run.add_argument("--repeats", type=int, default=1, metavar="N",
                     help="generate each case N times with seeds seed..seed+N-1 (needs --do-sample)")
    run.add_argument("--seed", type=int, default=0)
    run.add_argument("--batch-size", type=int, default=None)
    run.add_argument("--revision", default=None)
    run.add_argument("--trust-remote-code", action="store_true",
                     help="allow the model repository to run its own code (off by default)")
    run.add_argument("--allow-unisolated-code", action="store_true",
                     help="run the python check's model code even without an OS sandbox (bubblewrap)")
    run.add_argument("--uncertain", choices=UNCERTAIN_POLICIES, default=DEFAULT_UNCERTAIN,
                     help="a case a check could not decide: review (kept apart, default), fail (counted "
                          "as failed) or judge (kept apart and graded by `mistral-eval judge`)")
    run.add_argument("--fail-on", choices=FAIL_ON, default="never",
                     help="exit 3 when a case errored (error) or errored or failed (fail); default never")
    run.add_argument("--no-report", action="store_true", help=f"skip writing {REPORT_FILE}")
    _add_settings_options(run)
    run.set_defaults(func=_cmd_run)


def _cmd_judge(args: argparse.Namespace) -> int:
    """Grade a finished run (or compare runs pairwise) with a local judge model; print the summary."""
    from mistral_eval.judge.grading import JUDGE_SETTINGS, judge_pairwise
    from mistral_eval.model.loading import load_model
    from mistral_eval.pipeline import judge_run
    from mistral_eval.report.judge_pages import write_pairwise_report

    runs, checked = _judge_runs(args)
    if args.calibration_set:
        from mistral_eval.judge.calibration import load_calibration_set

        args.calibrate = load_calibration_set(args.calibration_set)  # a bad file fails before the model loads
    _check_model(args.judge_model, "--judge-model")
    settings = JUDGE_SETTINGS.replace(**({"max_new_tokens": args.max_new_tokens} if args.max_new_tokens else {}))
    _note_cpu_4bit(args.judge_quant)
    lm = load_model(args.judge_model, args.judge_quant, revision=args.judge_revision)
    options = dict(judge_format=args.judge_format, settings=settings, batch_size=args.batch_size, label=args.label,
                   calibrate=args.calibrate)
    if args.pairwise:
        done = judge_pairwise(lm, checked, args.out, **options)
    else:
        done = judge_run(lm, runs[0], rubric=args.rubric, **options)  # the run's summary and report too
    print(f"{done.judged} judgment(s) made ({done.gated} by the language gate, {done.errors} error(s)) in "
          f"{len(done.batches)} length batch(es), {done.skipped} already stored → {done.out}")
    _print_calibration(done.out)
    if args.pairwise:
        _print_pairwise(done.out, len(runs))
        print(f"report: {write_pairwise_report(done.out)}")
        runs_text = " ".join(shlex.quote(str(run)) for run in runs)
        print(f"to add it to the comparison report: mistral-eval report {runs_text} --pairwise "
              f"{shlex.quote(str(done.out))} --out {shlex.quote(str(Path(done.out) / 'comparison.html'))}")
    else:
        _print_grades(done.out, runs[0], args.threshold)
        print(f"report (with the judge's grades): {runs[0] / REPORT_FILE}")
    return 0


def _print_calibration(out: Path) -> None:
    """The judge's calibration against the labelled set, or the warning that it has none."""
    from mistral_eval.judge.calibration import calibration_status
    from mistral_eval.runs.judgments import JudgmentStore

    with JudgmentStore.read(out) as store:
        print(f"judge {calibration_status(store.manifest.calibration)[1]}")


def _judge_runs(args: argparse.Namespace) -> tuple[list[Path], list[PairwiseRun]]:
    """The run directories to judge, checked against --pairwise and --out before any model loads;
    with --pairwise, also the runs as the check read them (passed on to the judge, not read again)."""
    from mistral_eval.runs.judgments import check_pairwise_runs

    runs = _run_dirs(args.runs)
    if args.pairwise and (len(runs) < 2 or args.out is None):
        raise ConfigError("--pairwise needs two or more run directories and --out DIR", field="--pairwise")
    if not args.pairwise and (len(runs) != 1 or args.out is not None):
        raise ConfigError("grade one run at a time (its judgments go into RUN/judgments/); "
                          "use --pairwise RUN_A RUN_B ... --out DIR to compare runs", field="runs")
    return runs, check_pairwise_runs(runs) if args.pairwise else []


def _print_pairwise(out: Path, runs: int) -> None:
    """Verdict (or "judge unreliable") and win/tie/loss per pair, order dependence and Bradley–Terry
    strengths (3+ runs) of the pairwise judge directory `out`."""
    from mistral_eval.analysis.frames import load_judgments
    from mistral_eval.analysis.judge_tables import pairwise_summary, strengths

    frame = load_judgments(out)
    for pair in pairwise_summary(frame):
        rate = pair.order_dependent_rate
        if not pair.reliable:
            print(f"{pair.first} vs {pair.second}: {pair.verdict}: order-dependent {pair.order_dependent}/"
                  f"{pair.outcome.n} (first-shown answer chosen in both orders: {pair.always_first}); "
                  "no win/tie/loss is given")
            continue
        print(f"{pair.first} vs {pair.second}: {pair.verdict}; {pair.outcome}; order-dependent "
              f"{pair.order_dependent}/{pair.outcome.n}" + (f" ({rate:.0%})" if rate is not None else ""))
    if runs >= 3:
        print("Bradley–Terry strengths:")
        for strength in strengths(frame).values():
            print(f"  {strength}")


def _print_grades(out: Path, run: Path, threshold: float | None) -> None:
    """Mean grade per suite with its interval, and the agreement with the checks."""
    from mistral_eval.analysis.frames import load_judgments, load_runs
    from mistral_eval.analysis.judge_tables import agreement, grade_summary
    from mistral_eval.analysis.stats import fmt_pct
    from mistral_eval.analysis.tables import fmt_kappa

    frame = load_judgments(out)
    table = grade_summary(frame[frame["judge"] == out.name])
    if not table.empty:
        print(table.to_string(index=False))
    found = agreement(load_runs([run]), threshold)
    kappa = "–" if found.kappa is None else fmt_kappa(found.kappa)
    observed = fmt_pct(found.observed, digits=0)
    print(f"agreement with the checks: κ {kappa} (agreement {observed}, n={found.n})")


def _judge_parser(sub) -> None:
    from mistral_eval.judge.rubrics import SINGLE_RUBRICS

    judge = sub.add_parser("judge", help="grade a finished run with a local judge model, or compare runs")
    judge.add_argument("runs", nargs="+", help="the run directory; with --pairwise, two or more")
    judge.add_argument("--pairwise", action="store_true",
                       help="compare the runs' answers case by case, in both orders (needs --out)")
    judge.add_argument("--out", default=None, help="directory for pairwise judgments")
    judge.add_argument("--judge-model", default=DEFAULT_MODEL,
                       help="hub id, local directory, or 'smollm2-135m-instruct' (offline; its grades mean little)")
    judge.add_argument("--judge-quant", default=DEFAULT_QUANT, choices=QUANT_PRESETS)
    judge.add_argument("--judge-revision", default=None)
    judge.add_argument("--rubric", default=None, choices=SINGLE_RUBRICS,
                       help="grade every scored case with this rubric (elyza: 1-5 with the case's aspect; "
                            "mtbench: 1-10 with its reference answer); default: only the cases with a "
                            "judge check in their suite, each with its own rubric")
    judge.add_argument("--judge-format", default=DEFAULT_FORMAT, choices=FORMAT_CHOICES,
                       help="prompt format of the judge prompts; auto = the judge model's default")
    judge.add_argument("--batch-size", type=int, default=None)
    judge.add_argument("--max-new-tokens", type=int, default=None, metavar="N",
                       help="tokens of reasoning before the grade (default 256)")
    judge.add_argument("--label", default=None, help="the judge's name (default: model name + rubric)")
    judge.add_argument("--calibrate", action="store_true",
                       help="also grade the shipped labelled set and record the judge's agreement with it "
                            "(Cohen's κ, TPR, TNR) in the judge manifest; the report shows it")
    judge.add_argument("--calibration-set", default=None, metavar="FILE",
                       help="calibrate with this labelled YAML set instead of the shipped one (implies --calibrate)")
    judge.add_argument("--threshold", type=float, default=None,
                       help="grade counted as a pass in the agreement with the checks (default: the case's "
                            "judge check's, else 4 of 5, 7 of 10)")
    judge.set_defaults(func=_cmd_judge)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="mistral-eval", description=__doc__.splitlines()[0])
    parser.add_argument("--version", action="version", version=f"mistral-eval {__version__}")
    sub = parser.add_subparsers(dest="command", required=True)
    _run_parser(sub)
    _judge_parser(sub)

    report = sub.add_parser("report", help="write the HTML report of one run or compare runs")
    report.add_argument("runs", nargs="+", help="run directories")
    report.add_argument("--out", default=None,
                        help=f"HTML file to write (default: RUN/{REPORT_FILE} for one run)")
    report.add_argument("--pairwise", default=None, metavar="DIR",
                        help="add the pairwise judge of DIR (`judge --pairwise ... --out DIR`)")
    report.set_defaults(func=_cmd_report)

    compare = sub.add_parser("compare", help="print two or more runs' summaries with paired tests")
    compare.add_argument("runs", nargs="+", help="run directories (the first is the baseline)")
    compare.add_argument("--out", default=None, help="also write the comparison report to this HTML file")
    compare.add_argument("--pairwise", default=None, metavar="DIR",
                         help="add the pairwise judge of DIR to the report")
    compare.set_defaults(func=_cmd_compare)

    suites = sub.add_parser("suites", help="list the built-in suites, or validate a suite file")
    suites.add_argument("--check", metavar="FILE", help="validate one suite file")
    suites.add_argument("--cases", action="store_true", help="list each suite's cases")
    suites.add_argument("--schema", nargs="?", const="suite", choices=("suite", "sweep"),
                        help="print the JSON Schema of suite (default) or sweep files "
                             "(docs/suite.schema.json, docs/sweep.schema.json)")
    suites.add_argument("--init", metavar="NAME", help="write a commented starter suite NAME.yaml")
    suites.set_defaults(func=_cmd_suites)

    summary = sub.add_parser("summary", help="(re)write RUN/summary.json, the run's aggregated results")
    summary.add_argument("runs", nargs="+", help="run directories")
    summary.set_defaults(func=_cmd_summary)

    view = sub.add_parser("view", help="an index of every run, sweep and judgment under DIR, served on 127.0.0.1")
    view.add_argument("dir", nargs="?", default=".", metavar="DIR", help="folder to look in (default: here)")
    view.add_argument("--port", type=int, default=8765, help="port on 127.0.0.1 (0: any free one; default 8765)")
    view.add_argument("--no-serve", action="store_true", help="only write the static index, serve nothing")
    view.add_argument("--out", default=None, help="static index to write (default: DIR/index.html, or "
                                                  "DIR/runs.html where DIR/index.html is a sweep's)")
    view.set_defaults(func=_cmd_view)

    sweep = sub.add_parser("sweep", help="run a papermill sweep over a parameter grid")
    sweep.add_argument("spec", help="sweep spec YAML")
    sweep.add_argument("--dry-run", action="store_true", help="print the plan, run nothing")
    sweep.add_argument("--out", default=None, help="override the spec's output directory")
    sweep.set_defaults(func=_cmd_sweep)
    return parser


INTERRUPTED_EXIT = 130
"""Exit status after Ctrl-C (128 + SIGINT), as shells report it."""


def _error(message: object) -> None:
    """Print an error's message (printable already: `errors.printable`)."""
    print(f"mistral-eval: error: {message}", file=sys.stderr)
def _unknown_command(parser: argparse.ArgumentParser, argv: Sequence[str]) -> str | None:
    """The error for a first word that is no command, with the closest command ("reprot" → "report")."""
    import difflib

    commands = list(COMMANDS)
    word = next((arg for arg in argv if not arg.startswith("-")), None)
    if word is None or word in commands:
        return None
    close = difflib.get_close_matches(word, commands, n=1, cutoff=0.6)
    hint = f"; did you mean {close[0]!r}?" if close else ""
    return f"unknown command {word!r}{hint} Commands: {', '.join(commands)}"


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    argv = list(sys.argv[1:] if argv is None else argv)
    unknown = _unknown_command(parser, argv)
    if unknown is not None:
        print(f"mistral-eval: error: {unknown}", file=sys.stderr)
        return 2
    args = parser.parse_args(argv)
    try:
        return args.func(args)
    except KeyboardInterrupt:  # what is stored is kept; the same command resumes
        print("interrupted; resume with the same command", file=sys.stderr)
        return INTERRUPTED_EXIT
    except (ConfigError, RunStoreError, ModelNotFoundError) as exc:  # bad input: options, files, run dirs
        _error(exc)
        return 2
    except MistralEvalError as exc:
        _error(exc)
        return 1
    except OSError as exc:  # a disk that fills up, a directory where a file should be, one removed
        where = shown(exc.filename) if exc.filename is not None else "(no path given by the system)"
        _error(f"{exc.strerror or exc}: {where}")
        return 2


if __name__ == "__main__":
    sys.exit(main())
