"""CheckResult's three verdicts and the check context."""

import pytest

from mistral_eval.checks.base import CheckContext, CheckResult


def test_a_result_built_the_old_way_has_the_verdict_passed_says():
    assert CheckResult("number", True, 1.0, "ok").verdict == "pass"
    assert CheckResult("number", False, 0.0, "no").verdict == "fail"


def test_an_uncertain_result_is_not_passed_and_says_why():
    result = CheckResult.uncertain("boolean", "verdict words conflict")
    assert (result.verdict, result.passed, result.reason) == ("uncertain", False, "verdict words conflict")
    with pytest.raises(ValueError):
        CheckResult("number", False, 0.0, "r", verdict="maybe")


def test_context_from_what_callers_have():
    assert CheckContext.of(None).prompt == ""
    assert CheckContext.of("How many?").prompt == "How many?"
    assert CheckContext.of({"prompt": "Q"}).prompt == "Q"
    assert CheckContext.of(CheckContext("Q")).prompt == "Q"
