"""`mistral-eval judge` picks up the cases a run left uncertain for it (`--uncertain judge`)."""

from mistral_eval.judge.grading import _to_judge
from mistral_eval.runs.records import Result


def _result(key: str, status: str, to_judge: bool = False) -> Result:
    return Result(key=key, suite="s", case_id=key.split("/")[1], language="en", status=status, to_judge=to_judge)


def test_uncertain_cases_marked_for_the_judge_are_selected_without_a_judge_check():
    results = [_result("s/a", "uncertain", to_judge=True), _result("s/b", "uncertain"), _result("s/c", "pass")]
    assert [r.key for r in _to_judge(results, {}, None)] == ["s/a"]
    assert [r.key for r in _to_judge(results, {}, "elyza")] == ["s/a", "s/b", "s/c"]
