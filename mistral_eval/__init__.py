"""mistral-eval: load Mistral-7B-Instruct in 4-bit, format prompts exactly, generate in batches,
score answers, store runs and render reports.

In a notebook, a few lines do a whole evaluation::

    import mistral_eval as me
    lm = me.load_model("mistralai/Mistral-7B-Instruct-v0.1", "nf4")
    me.run(lm, [me.resolve_suite("bilingual")], "runs/bilingual")
    me.write_report(["runs/bilingual"], "runs/bilingual/report.html")

Names are imported on first use, so `import mistral_eval` is cheap (torch loads only when a
name that needs it is touched).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

_EXPORTS = {
    "core.errors": ["ConfigError", "GenerationError", "MissingDependencyError", "MistralEvalError",
               "ModelLoadError", "RunStoreError", "SandboxUnavailableError", "SweepError"],
    "core.choices": ["DEFAULT_MODEL", "DEFAULT_QUANT", "FORMATS", "OFFLINE_MODEL", "QUANT_PRESETS"],
    "core.settings": ["ARTICLE_SETTINGS", "GenerationSettings", "overrides_from"],
    "runs.records": ["CaseError", "CheckRecord", "Manifest", "Result", "RunConfig"],
    "model.loading": ["LoadedModel", "ModelInfo", "load_model", "load_tokenizer"],
    "model.prompts": ["PromptInput", "audit_format", "audit_ids", "format_prompt"],
    "model.generation": ["ENGINES", "Answer", "generate", "stream"],
    "suites.files": ["Case", "Suite", "import_elyza", "import_mtbench", "list_suites", "load_suite",
               "resolve_suite"],
    "checks.base": ["CheckContext"],
    "checks.registry": ["CheckResult", "japanese_share", "make_check", "run_checks"],
    "runs.store": ["RunStore"],
    "analysis.frames": ["load_judgments", "load_runs"],
    "analysis.tables": ["comparison_table", "format_summary", "judge_comparison_table", "pair_table",
               "readable_summary", "repeats_table", "summary_table"],
    "report.pages": ["render_report", "show_report", "write_report"],
    "runs.runner": ["RunSummary", "make_config", "run", "select_cases"],
    "pipeline": ["evaluate", "judge_run", "refresh_run"],
    "sweep.notebook": ["Chat", "export_html", "format_table", "load_shared", "setup_notebook"],
    "sweep.run": ["run_sweep"],
    "analysis.stats": ["Agreement", "Mean", "PairedTest", "Rate", "RepeatsSummary", "bootstrap_mean", "cohen_kappa",
              "mcnemar_exact", "pass_at_k", "sign_test", "summarize_repeats", "wilcoxon_signed_rank", "wilson"],
    "analysis.pairwise": ["PairwiseOutcome", "Strength", "bradley_terry"],
    "judge.grading": ["judge_pairwise"],
    "analysis.judge_tables": ["agreement_table", "grade_summary", "pairwise_table", "strength_table"],
    "analysis.summary": ["RunResults", "read_summary", "summarize_run", "write_summary"],
    "report.viewer": ["write_viewer"],
}
_WHERE = {name: module for module, names in _EXPORTS.items() for name in names}

__all__ = sorted(_WHERE)

if TYPE_CHECKING:  # what editors and type checkers see; kept equal to _EXPORTS by a test
    from mistral_eval.analysis.frames import load_judgments as load_judgments, load_runs as load_runs
    from mistral_eval.analysis.judge_tables import (
        agreement_table as agreement_table,
        grade_summary as grade_summary,
        pairwise_table as pairwise_table,
        strength_table as strength_table,
    )
    from mistral_eval.analysis.pairwise import (
        PairwiseOutcome as PairwiseOutcome,
        Strength as Strength,
        bradley_terry as bradley_terry,
    )
    from mistral_eval.analysis.stats import (
        Agreement as Agreement,
        Mean as Mean,
        PairedTest as PairedTest,
        Rate as Rate,
        RepeatsSummary as RepeatsSummary,
        bootstrap_mean as bootstrap_mean,
        cohen_kappa as cohen_kappa,
        mcnemar_exact as mcnemar_exact,
        pass_at_k as pass_at_k,
        sign_test as sign_test,
        summarize_repeats as summarize_repeats,
        wilcoxon_signed_rank as wilcoxon_signed_rank,
        wilson as wilson,
    )
    from mistral_eval.analysis.summary import (
        RunResults as RunResults,
        read_summary as read_summary,
        summarize_run as summarize_run,
        write_summary as write_summary,
    )
    from mistral_eval.analysis.tables import (
        comparison_table as comparison_table,
        format_summary as format_summary,
        judge_comparison_table as judge_comparison_table,
        pair_table as pair_table,
        readable_summary as readable_summary,
        repeats_table as repeats_table,
        summary_table as summary_table,
    )
    from mistral_eval.checks.base import CheckContext as CheckContext
    from mistral_eval.checks.registry import (
        CheckResult as CheckResult,
        japanese_share as japanese_share,
        make_check as make_check,
        run_checks as run_checks,
    )
    from mistral_eval.core.choices import (
        DEFAULT_MODEL as DEFAULT_MODEL,
        DEFAULT_QUANT as DEFAULT_QUANT,
        FORMATS as FORMATS,
        OFFLINE_MODEL as OFFLINE_MODEL,
        QUANT_PRESETS as QUANT_PRESETS,
    )
    from mistral_eval.core.errors import (
        ConfigError as ConfigError,
        GenerationError as GenerationError,
        MissingDependencyError as MissingDependencyError,
        MistralEvalError as MistralEvalError,
        ModelLoadError as ModelLoadError,
        RunStoreError as RunStoreError,
        SandboxUnavailableError as SandboxUnavailableError,
        SweepError as SweepError,
    )
    from mistral_eval.core.settings import (
        ARTICLE_SETTINGS as ARTICLE_SETTINGS,
        GenerationSettings as GenerationSettings,
        overrides_from as overrides_from,
    )
    from mistral_eval.judge.grading import judge_pairwise as judge_pairwise
    from mistral_eval.model.generation import (
        ENGINES as ENGINES,
        Answer as Answer,
        generate as generate,
        stream as stream,
    )
    from mistral_eval.model.loading import (
        LoadedModel as LoadedModel,
        ModelInfo as ModelInfo,
        load_model as load_model,
        load_tokenizer as load_tokenizer,
    )
    from mistral_eval.model.prompts import (
        PromptInput as PromptInput,
        audit_format as audit_format,
        audit_ids as audit_ids,
        format_prompt as format_prompt,
    )
    from mistral_eval.pipeline import evaluate as evaluate, judge_run as judge_run, refresh_run as refresh_run
    from mistral_eval.report.pages import (
        render_report as render_report,
        show_report as show_report,
        write_report as write_report,
    )
    from mistral_eval.report.viewer import write_viewer as write_viewer
    from mistral_eval.runs.records import (
        CaseError as CaseError,
        CheckRecord as CheckRecord,
        Manifest as Manifest,
        Result as Result,
        RunConfig as RunConfig,
    )
    from mistral_eval.runs.runner import (
        RunSummary as RunSummary,
        make_config as make_config,
        run as run,
        select_cases as select_cases,
    )
    from mistral_eval.runs.store import RunStore as RunStore
    from mistral_eval.suites.files import (
        Case as Case,
        Suite as Suite,
        import_elyza as import_elyza,
        import_mtbench as import_mtbench,
        list_suites as list_suites,
        load_suite as load_suite,
        resolve_suite as resolve_suite,
    )
    from mistral_eval.sweep.notebook import (
        Chat as Chat,
        export_html as export_html,
        format_table as format_table,
        load_shared as load_shared,
        setup_notebook as setup_notebook,
    )
    from mistral_eval.sweep.run import run_sweep as run_sweep


def __getattr__(name: str) -> Any:
    if name not in _WHERE:
        raise AttributeError(f"module 'mistral_eval' has no attribute {name!r}")
    value = getattr(importlib.import_module(f".{_WHERE[name]}", __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
