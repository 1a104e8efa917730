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
from typing import Any

__version__ = "0.1.0"

_EXPORTS = {
    "errors": ["ConfigError", "GenerationError", "MissingDependencyError", "MistralEvalError",
               "ModelLoadError", "RunStoreError", "SandboxUnavailableError", "SweepError"],
    "choices": ["DEFAULT_MODEL", "DEFAULT_QUANT", "FORMATS", "OFFLINE_MODEL", "QUANT_PRESETS"],
    "settings": ["ARTICLE_SETTINGS", "GenerationSettings", "overrides_from"],
    "records": ["CaseError", "CheckRecord", "Manifest", "Result", "RunConfig"],
    "model": ["LoadedModel", "ModelInfo", "load_model", "load_tokenizer"],
    "prompts": ["PromptInput", "audit_format", "audit_ids", "format_prompt"],
    "generation": ["ENGINES", "Answer", "generate", "stream"],
    "suites": ["Case", "Suite", "import_elyza", "import_mtbench", "list_suites", "load_suite",
               "resolve_suite"],
    "scoring": ["CheckResult", "japanese_share", "make_check", "run_checks"],
    "results": ["RunStore", "load_runs"],
    "tables": ["comparison_table", "format_summary", "judge_comparison_table", "pair_table", "repeats_table",
               "summary_table"],
    "report": ["render_report", "show_report", "write_report"],
    "runner": ["RunSummary", "evaluate", "make_config", "run", "select_cases"],
    "notebook": ["Chat", "export_html", "format_table", "load_shared", "setup_notebook"],
    "sweep": ["run_sweep"],
    "stats": ["Agreement", "Mean", "PairedTest", "Rate", "RepeatsSummary", "bootstrap_mean", "cohen_kappa",
              "mcnemar_exact", "pass_at_k", "sign_test", "summarize_repeats", "wilcoxon_signed_rank", "wilson"],
    "pairwise": ["PairwiseOutcome", "Strength", "bradley_terry"],
    "judge": ["judge_pairwise", "judge_run"],
    "judgments": ["agreement_table", "grade_summary", "load_judgments", "pairwise_table", "strength_table"],
}
_WHERE = {name: module for module, names in _EXPORTS.items() for name in names}

__all__ = sorted(_WHERE)


def __getattr__(name: str) -> Any:
    if name not in _WHERE:
        raise AttributeError(f"module 'mistral_eval' has no attribute {name!r}")
    value = getattr(importlib.import_module(f".{_WHERE[name]}", __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
