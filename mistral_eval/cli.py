"""The `mistral-eval` command: parse options, call the library, turn errors into exit codes.

Exit codes: 0 when everything ran (failed checks are results, not errors), 2 for bad input
(a malformed suite or spec, an unknown option value), 1 for any other mistral-eval error.
"""

from __future__ import annotations

import argparse
import dataclasses
import sys
from pathlib import Path
from typing import Sequence

from .errors import ConfigError, MistralEvalError
from .model import DEFAULT_MODEL, QUANT_PRESETS
from .prompts import FORMATS
from .settings import GenerationSettings

__all__ = ["main"]


def _add_settings_options(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group(
        "generation settings (forced on every case; unset = each case's own setting)")
    for f in dataclasses.fields(GenerationSettings):
        flag = "--" + f.name.replace("_", "-")
        default = f.default
        if isinstance(default, bool):
            group.add_argument(flag, dest=f.name, action=argparse.BooleanOptionalAction,
                               default=None, help=f"(default {str(default).lower()})")
        else:
            group.add_argument(flag, dest=f.name, type=type(default), default=None,
                               metavar=type(default).__name__.upper(),
                               help=f"(default {default})")


def _overrides(args: argparse.Namespace) -> dict:
    return {f.name: getattr(args, f.name) for f in dataclasses.fields(GenerationSettings)
            if getattr(args, f.name) is not None and f.name != "seed"}


def _cmd_run(args: argparse.Namespace) -> int:
    from .distributed import barrier, current_rank
    from .report import write_report
    from .runner import evaluate

    summary = evaluate(args.model, args.suite, args.out, quant=args.quant, format=args.format,
                       overrides=_overrides(args), seed=args.seed or 0,
                       batch_size=args.batch_size, revision=args.revision,
                       trust_remote_code=args.trust_remote_code)
    rank = current_rank()
    print(f"[rank {rank.rank}] {summary.ran} case(s) run, {summary.skipped} already done, "
          f"{summary.failed_checks} failing, {summary.seconds:.1f}s → {summary.out}")
    barrier(rank)
    if rank.is_main and not args.no_report:
        report = write_report([args.out], Path(args.out) / "report.html")
        print(f"report: {report}")
    return 0


def _cmd_report(args: argparse.Namespace) -> int:
    from .report import write_report

    print(write_report(args.runs, args.out))
    return 0


def _cmd_suites(args: argparse.Namespace) -> int:
    from .suites import list_suites, load_suite

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
    from .sweep import run_sweep

    return run_sweep(args.spec, dry_run=args.dry_run, out=args.out)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="mistral-eval", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)

    run = sub.add_parser("run", help="run suites on a model into a run directory")
    run.add_argument("--model", default=DEFAULT_MODEL,
                     help="hub id, local directory, or 'smollm2-135m-instruct' (offline)")
    run.add_argument("--quant", default="nf4", choices=QUANT_PRESETS)
    run.add_argument("--format", default="auto", choices=("auto", *FORMATS),
                     help="prompt format; auto = each case's own, else the model's default")
    run.add_argument("--suite", action="append", required=True,
                     help="suite name (see `mistral-eval suites`) or YAML file; repeatable")
    run.add_argument("--out", required=True, help="run directory (rerun to resume)")
    run.add_argument("--batch-size", type=int, default=None)
    run.add_argument("--revision", default=None)
    run.add_argument("--trust-remote-code", action="store_true",
                     help="allow the model repository to run its own code (off by default)")
    run.add_argument("--no-report", action="store_true", help="skip writing report.html")
    _add_settings_options(run)
    run.set_defaults(func=_cmd_run)

    report = sub.add_parser("report", help="write the HTML report of one run or compare runs")
    report.add_argument("runs", nargs="+", help="run directories")
    report.add_argument("--out", required=True, help="HTML file to write")
    report.set_defaults(func=_cmd_report)

    suites = sub.add_parser("suites", help="list the built-in suites, or validate a suite file")
    suites.add_argument("--check", metavar="FILE", help="validate one suite file")
    suites.add_argument("--cases", action="store_true", help="list each suite's cases")
    suites.set_defaults(func=_cmd_suites)

    sweep = sub.add_parser("sweep", help="run a papermill sweep over a parameter grid")
    sweep.add_argument("spec", help="sweep spec YAML")
    sweep.add_argument("--dry-run", action="store_true", help="print the plan, run nothing")
    sweep.add_argument("--out", default=None, help="override the spec's output directory")
    sweep.set_defaults(func=_cmd_sweep)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except ConfigError as exc:
        print(f"mistral-eval: error: {exc}", file=sys.stderr)
        return 2
    except MistralEvalError as exc:
        print(f"mistral-eval: error: {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
