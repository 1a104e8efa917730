"""Tests for scoring.py: each check on labelled answers, the article's real printed answers among them."""

from __future__ import annotations

import builtins
import os
import time
from pathlib import Path

import pytest

from mistral_eval.checks.base import CheckContext
from mistral_eval.checks.registry import (
    CHECKS,
    DEFERRED,
    CheckResult,
    boolean,
    contains,
    degenerate,
    equals,
    japanese,
    japanese_share,
    judge_spec,
    make_check,
    make_checks,
    number,
    python,
    regex,
    run_checks,
)
from mistral_eval.core.errors import ConfigError

ARTICLE_DIR = Path(__file__).resolve().parents[1] / "fixtures" / "article_answers"
JAPANESE_ANSWERS = ["apples_ja", "bat_and_ball_ja", "continuation_ja", "javascript_first_ja",
                    "javascript_second_ja", "llm_explanation_ja", "translation_ja"]
ENGLISH_ANSWERS = ["mayonnaise_en", "training_methods_en", "career_en", "guest_host_en"]


def article(name: str) -> str:
    return (ARTICLE_DIR / f"{name}.txt").read_text(encoding="utf-8")


def test_every_check_returns_one_sentence_and_a_bounded_score():
    specs = [{"type": "equals", "expected": "3"}, {"type": "contains", "expected": ["3", "個"]},
             {"type": "regex", "pattern": r"\d+個"}, {"type": "number", "expected": 3},
             {"type": "boolean", "expected": True}, {"type": "japanese"}, {"type": "degenerate"}]
    for path in sorted(ARTICLE_DIR.glob("*.txt")):
        for result in run_checks(specs, path.read_text(encoding="utf-8")):
            assert isinstance(result, CheckResult) and result.name in CHECKS
            assert 0.0 <= result.score <= 1.0
            assert result.reason.endswith(".") and "\n" not in result.reason


@pytest.mark.parametrize("answer, spec, passed", [
    ("  3個 ", {"expected": "3個"}, True),
    ("3個です", {"expected": "3個"}, False),
    ("TRUE", {"expected": "true", "ignore_case": True}, True),
    ("TRUE", {"expected": "true"}, False),
    (" 3 ", {"expected": "3", "strip": False}, False),
])
def test_equals(answer, spec, passed):
    assert equals(**spec)(answer).passed is passed


def test_contains_all_any_and_partial_score():
    answer = article("translation_ja")
    both = contains(["アップル", "オレンジ"])(answer)
    assert both.passed and both.score == 1.0
    half = contains(["アップル", "りんご"])(answer)
    assert not half.passed and half.score == 0.5 and "'りんご'" in half.reason
    assert contains(["アップル", "りんご"], all=False)(answer).passed
    assert contains("APPLE", ignore_case=True)("three apples").passed
    assert not contains("APPLE")("three apples").passed


def test_regex_and_its_flags():
    assert regex(r"\d+個")(article("apples_ja")).passed
    assert not regex(r"^false$")(article("guest_host_ja")).passed
    assert regex(r"^false$", flags="i")(article("guest_host_ja").strip()).passed
    with pytest.raises(ConfigError) as error:
        regex("(unclosed")
    assert error.value.field == "pattern"
    with pytest.raises(ConfigError) as error:
        regex("a", flags="iq")
    assert error.value.field == "flags"


def test_number_reads_the_apples_answer_as_3():
    result = number(3)(article("apples_ja"))
    assert result.passed and "3" in result.reason
    assert number(3, unit="個")(article("apples_ja")).passed
    assert not number(2)(article("apples_ja")).passed


def test_number_fails_the_looping_bat_and_ball_answer():
    result = number(50)(article("bat_and_ball_ja"))
    assert not result.passed and result.score == 0.0
    assert result.reason.startswith("final answer 1.5 (after the last '='") and "expected 50" in result.reason
    with_unit = number(50, unit="円")(article("bat_and_ball_ja"))
    assert not with_unit.passed and with_unit.reason.startswith("final answer 1000 ")


@pytest.mark.parametrize("answer, expected", [
    ("答えは５０円です。", 50),
    ("バットは1,050円、ボールは50円です。", 50),
    ("1100 - 1000 = 100\n100 / 2 = 50", 50),
    ("The answer is 42, not 41.", 42),
    ("最初に5個あって、2個食べたので、3個です。", 3),
    ("気温は-3度です。", -3),
    ("合計は１，０００円", 1000),
    ("円周率は約3.14です。", 3.14),
])
def test_number_finds_the_final_answer(answer, expected):
    result = number(expected)(answer)
    assert result.passed, result.reason


def test_number_unit_tolerance_and_no_number():
    assert number(50, unit="円")("ボールは50円で、バットは2本です。").passed
    assert not number(50)("ボールは50円で、バットは2本です。").passed
    assert number(3.1416, tolerance=0.01)("約3.14").passed
    assert not number(3.1416)("約3.14").passed
    result = number(3)("わかりません。")
    assert not result.passed and "no number" in result.reason


def test_boolean_on_the_article_guest_host_answers():
    japanese_answer = boolean(True)(article("guest_host_ja"))
    assert not japanese_answer.passed and "'False'" in japanese_answer.reason
    assert boolean(False)(article("guest_host_ja")).passed
    assert boolean(True)(article("guest_host_en")).passed


@pytest.mark.parametrize("answer, verdict", [
    ("はい、待っています。", True),
    ("いいえ。", False),
    ("No, the guest is not waiting.", False),
    ("Yes.", True),
    ("この文は正しいです。", True),
    ("この文は誤りです。", False),
    ("正しくありません", False),
    ("わかりません", None),
    ("その答えは不正解です。", False),
    ("ここで待ってはいけないので False です", False),
    ("There is no projector, so the answer is true", True),
])
def test_boolean_first_verdict_word_wins(answer, verdict):
    if verdict is None:
        result = boolean(True)(answer)
        assert not result.passed and "no verdict" in result.reason
        return
    assert boolean(verdict)(answer).passed
    assert not boolean(not verdict)(answer).passed


@pytest.mark.parametrize("name", JAPANESE_ANSWERS)
def test_article_japanese_answers_read_as_japanese(name):
    assert japanese_share(article(name)) >= 0.6
    assert japanese()(article(name)).passed


@pytest.mark.parametrize("name", ENGLISH_ANSWERS)
def test_article_english_answers_read_as_not_japanese(name):
    assert japanese_share(article(name)) == 0.0
    assert not japanese()(article(name)).passed


def test_japanese_share_details():
    assert japanese_share(article("translation_ja")) == 1.0
    assert japanese_share(article("llm_explanation_ja")) > 0.9
    assert japanese_share("") == 0.0 and japanese_share("123 !? 。、") == 0.0
    assert japanese_share("ラーメン") == 1.0
    assert japanese_share("日本語 and English") == pytest.approx(3 / 13)
    chinese = "大规模语言模型是一种基于深度学习的自然语言处理模型，可以生成文本。"
    assert japanese_share(chinese) == 0.0
    assert japanese_share("日本語") == 1.0
    result = japanese(min_share=0.9)(article("javascript_first_ja"))
    assert not result.passed and "expected at least 90%" in result.reason


@pytest.mark.parametrize("name", ["bat_and_ball_ja", "javascript_second_ja"])
def test_degenerate_trips_on_the_looping_article_answers(name):
    result = degenerate()(article(name))
    assert not result.passed and result.score < 0.9, result.reason


@pytest.mark.parametrize("name", ["javascript_first_ja", "mayonnaise_en", "training_methods_en",
                                  "career_en", "apples_ja", "fibonacci_ja", "llm_explanation_ja"])
def test_degenerate_passes_the_healthy_article_answers(name):
    result = degenerate()(article(name))
    assert result.passed and result.score > 0.9, result.reason


def test_degenerate_reasons_and_synthetic_cases():
    assert "loop" in degenerate()(article("bat_and_ball_ja")).reason
    assert "repeated lines" in degenerate()(article("javascript_second_ja")).reason
    assert not degenerate()("ありがとうございます。" * 20).passed
    assert not degenerate()("それでは、" + "ははは、" * 40).passed
    table = "| a | b | c | d | e | f |\n|---|---|---|---|---|---|\n| 1 | 2 | 3 | 4 | 5 | 6 |"
    assert degenerate()(table).passed
    assert degenerate()("").passed
    assert degenerate(max_repeat_ratio=0.3)(article("bat_and_ball_ja")).passed


FIB_FROM_0 = [{"call": "fib(1)", "expected": 0}, {"call": "fib(2)", "expected": 1},
              {"call": "fib(3)", "expected": 1}, {"call": "fib(10)", "expected": 34}]
FIB_FROM_1 = [{"call": "fib(1)", "expected": 1}, {"call": "fib(2)", "expected": 1},
              {"call": "fib(3)", "expected": 2}, {"call": "fib(10)", "expected": 55}]
CORRECT_FROM_0 = ("```python\ndef fib(k):\n    a, b = 0, 1\n    for _ in range(k - 1):\n"
                  "        a, b = b, a + b\n    return a\n```")


def test_python_suites_choose_the_fibonacci_convention():
    assert python(FIB_FROM_0)(CORRECT_FROM_0).passed
    assert not python(FIB_FROM_1)(CORRECT_FROM_0).passed


def test_python_on_the_article_fibonacci_answer():
    answer = article("fibonacci_ja")
    first_terms = python(FIB_FROM_0[:2], function="fib")(answer)
    assert first_terms.passed and "used 'fibonacci' as 'fib'" in first_terms.reason
    from_1 = python(FIB_FROM_1, function="fib")(answer)
    assert not from_1.passed and from_1.score == 0.75 and "fib(1) returned 0, expected 1" in from_1.reason
    # The article's loop skips a term for k >= 3 (0, 1, 2, 3, 5, ...), so no convention passes fully.
    from_0 = python(FIB_FROM_0, function="fib")(answer)
    assert not from_0.passed and from_0.score == 0.5 and "fib(3) returned 2, expected 1" in from_0.reason


def test_python_assert_tests_code_extraction_and_missing_code():
    tests = ["assert add(2, 3) == 5", "assert add(-1, 1) == 0"]
    assert python(tests)("```\ndef add(a, b):\n    return a + b\n```").passed
    assert python(tests)("def add(a, b):\n    print('noise')\n    return a + b\n").passed
    assert python(tests)("Here:\n```py\ndef add(a, b):\n    return a - b\n```").score == 0.0
    result = python(tests)("Just add the numbers.")
    assert not result.passed and "no Python code" in result.reason
    missing = python(tests, function="add")("```python\ndef f(a): return a\ndef g(a): return a\n```")
    assert not missing.passed and "defines no function 'add'" in missing.reason


def test_python_child_limits_and_the_harness_survives():
    started = time.monotonic()
    looping = python(["assert True"], timeout=1)("```python\nwhile True:\n    pass\n```")
    assert not looping.passed and "timed out after 1 s" in looping.reason
    assert time.monotonic() - started < 5
    network = python(["assert True"])(
        "```python\nimport socket\nconnection = socket.create_connection(('1.1.1.1', 80))\n```")
    assert not network.passed and "Network is unreachable" in network.reason
    opened = python(["import socket\nsocket.socket().connect(('1.1.1.1', 80))"])("```python\nx = 1\n```")
    assert not opened.passed and "Network is unreachable" in opened.reason
    memory = python(["assert len(data) > 0"])("```python\ndata = bytearray(2 * 1024 ** 3)\n```")
    assert not memory.passed and "MemoryError" in memory.reason
    killed = python(["assert True"])(
        "```python\nimport os, signal\nos.kill(os.getpid(), signal.SIGKILL)\n```")
    assert not killed.passed and "exit status -9" in killed.reason
    assert python(["assert True"])("```python\nx = 1\n```").passed


def test_python_code_never_runs_in_the_harness():
    code = ("```python\nimport builtins, os\nbuiltins.TOUCHED = True\n"
            "open('written_by_answer.txt', 'w').write('x')\ncwd = os.getcwd()\n```")
    result = python([f"assert cwd != {os.getcwd()!r}"])(code)
    assert result.passed, result.reason
    assert not hasattr(builtins, "TOUCHED")
    assert not Path("written_by_answer.txt").exists()


DEMO_ANSWERS = {
    "input demo": "```python\ndef add(a, b):\n    return a + b\n\nx = int(input('a: '))\n"
                  "y = int(input('b: '))\nprint(add(x, y))\n```",
    "doctest session": "```python\ndef add(a, b):\n    return a + b\n```\n\n```python\n>>> add(2, 3)\n5\n```",
    "whole session": "```pycon\n>>> def add(a, b):\n...     return a + b\n...\n>>> add(2, 3)\n5\n```",
    "main block": "```python\ndef add(a, b):\n    return a + b\n\nif __name__ == '__main__':\n"
                  "    while True:\n        print(add(1, 2))\n```",
    "print demo and helper": "```python\ndef _check(a):\n    return int(a)\n\ndef plus(a, b):\n"
                             "    return _check(a) + _check(b)\n\nprint(plus(1, 2))\nplus('x', 1)\n```",
    "several definitions": "```python\ndef helper(v):\n    return v\n\ndef add(a, b):\n"
                           "    return helper(a) + helper(b)\n\ndef main():\n    print(add(1, 2))\n```",
}


def test_python_reaches_the_one_function_defined_by_the_asked_name():
    spec = [{"call": "add(2, 3)", "expected": 5}]
    result = python(spec, function="add")("```python\ndef plus(a, b):\n    return a + b\n\ndef main():\n"
                                          "    print(plus(1, 2))\n```")
    assert result.passed and "used 'plus' as 'add'" in result.reason


def test_python_abstains_on_a_lone_function_of_another_name_than_the_question_names():
    spec = [{"call": "add(2, 3)", "expected": 5}]
    code = "```python\ndef addNumbers(a, b):\n    return a + b\n```"
    named = python(spec, function="add")(code, "Write a Python function add(a, b) that returns a + b.")
    assert named.verdict == "uncertain" and "pass under addNumbers, not the asked add" in named.reason
    # near misses: the question names no function; the asked name is defined; the tests fail
    unnamed = python(spec, function="add")(code, "Write a Python function that adds two numbers.")
    assert unnamed.verdict == "pass"
    asked = python(spec, function="add")("```python\ndef add(a, b):\n    return a + b\n```",
                                         "Write a Python function add(a, b).")
    assert asked.verdict == "pass"
    wrong = python(spec, function="add")("```python\ndef addNumbers(a, b):\n    return a - b\n```",
                                         "Write a Python function add(a, b) that returns a + b.")
    assert wrong.verdict == "fail"
    # "add" inside another word of the question ("address") does not name it
    inside = python(spec, function="add")(code, "Write a Python function for an address book that adds numbers.")
    assert inside.verdict == "pass"


@pytest.mark.parametrize("answer", [
    # a helper and a main function, neither of the asked name: the main one is not guessed
    "```python\ndef total(xs):\n    return sum(xs)\n\ndef average(xs):\n    return total(xs) / len(xs)\n```",
    # a name close to the asked one beside another function
    "```python\ndef clean(s):\n    return s.lower()\n\ndef means(xs):\n    return sum(xs) / len(xs)\n```",
])
def test_python_does_not_pick_among_several_functions_of_other_names(answer):
    result = python([{"call": "mean([1, 2, 3])", "expected": 2.0}], function="mean")(answer)
    assert result.verdict == "fail" and "defines no function 'mean'" in result.reason


def test_python_fails_a_method_where_a_function_was_asked():
    spec = [{"call": "add(2, 3)", "expected": 5}]
    method = "```python\nclass Solution:\n    def add(self, a, b):\n        return a + b\n```"
    result = python(spec, function="add")(method)
    assert result.verdict == "fail" and "method" in result.reason
    both = method.removesuffix("```") + "\n\ndef add(a, b):\n    return a + b\n```"
    assert python(spec, function="add")(both).passed


def test_python_reads_unfenced_code_after_a_line_of_prose():
    answer = "Here is the function:\ndef add(a, b):\n    return a + b\n\nIt adds two numbers."
    assert python([{"call": "add(2, 3)", "expected": 5}], function="add")(answer).passed
    indented = "Here it is:\n\n    def add(a, b):\n        return a + b\n\nThat is all."
    assert python([{"call": "add(2, 3)", "expected": 5}], function="add")(indented).passed


@pytest.mark.parametrize("name", DEMO_ANSWERS)
def test_python_tolerates_demo_code_and_finds_the_named_function(name):
    result = python([{"call": "add(2, 3)", "expected": 5}, "assert add(-1, 1) == 0"],
                    function="add")(DEMO_ANSWERS[name])
    assert result.passed, result.reason


def test_python_demo_tolerance_does_not_hide_wrong_code():
    wrong = "```python\ndef add(a, b):\n    return a - b\n\nprint(add(int(input()), 1))\n```"
    assert python(["assert add(2, 3) == 5"], function="add")(wrong).score == 0.0
    broken_definition = "```python\nimport not_a_module\ndef add(a, b):\n    return a + b\n```"
    result = python(["assert add(2, 3) == 5"])(broken_definition)
    assert not result.passed and "No module named 'not_a_module'" in result.reason
    ambiguous = "```python\ndef one(a):\n    return a\ndef two(a):\n    return a\n```"
    assert "defines no function 'add'" in python(["assert add(1, 1) == 2"], function="add")(ambiguous).reason


def test_python_values_are_compared_in_the_harness():
    always_equal = ("```python\nclass Yes:\n    def __eq__(self, other):\n        return True\n"
                    "    def __repr__(self):\n        return '5'\ndef add(a, b):\n    return Yes()\n```")
    for tests in ([{"call": "add(2, 3)", "expected": 5}], ["assert add(2, 3) == 5"]):
        result = python(tests)(always_equal)
        assert not result.passed and "add(2, 3) returned 5, expected 5" in result.reason
    subclass = "```python\nclass Int(int):\n    def __eq__(self, other):\n        return True\n" \
               "def add(a, b):\n    return Int(a - b)\n```"
    assert not python([{"call": "add(2, 3)", "expected": 5}])(subclass).passed
    assert python([{"call": "pair()", "expected": [1, "a"]}])("def pair():\n    return (1, 'a')\n").passed


@pytest.mark.parametrize("spec, field", [
    ({"timeout": float("inf")}, "timeout"), ({"timeout": float("nan")}, "timeout"),
    ({"timeout": -1.0}, "timeout"), ({"timeout": 1e6}, "timeout"), ({"memory_mb": 0}, "memory_mb"),
    ({"memory_mb": 10 ** 9}, "memory_mb"), ({"allow_unisolated": True}, "allow_unisolated"),
    ({"tests": [{"call": "f()", "expected": float("nan")}]}, "tests[0].expected"),
])
def test_python_limits_are_finite_and_bounded_and_isolation_is_not_a_suite_option(spec, field):
    with pytest.raises(ConfigError) as error:
        make_check({"type": "python", "tests": ["assert True"], **spec})
    assert error.value.field == field


@pytest.mark.parametrize("spec, field", [
    ({"type": "nope"}, "type"),
    ({"expected": 3}, "type"),
    ({"type": "number"}, "expected"),
    ({"type": "number", "expected": "three"}, "expected"),
    ({"type": "number", "expected": 3, "tolerence": 0.1}, "tolerence"),
    ({"type": "boolean", "expected": "yes"}, "expected"),
    ({"type": "equals", "expected": 3}, "expected"),
    ({"type": "contains", "expected": ["a", 1]}, "expected"),
    ({"type": "contains", "expected": []}, "expected"),
    ({"type": "japanese", "min_share": True}, "min_share"),
    ({"type": "degenerate", "ngram": 1}, "ngram"),
    ({"type": "python", "tests": [{"call": "f(1)"}]}, "tests[0]"),
    ({"type": "python", "tests": [{"call": "f(", "expected": 1}]}, "tests[0]"),
    ({"type": "python", "tests": ["assert True", 3]}, "tests"),
    ({"type": "python", "tests": []}, "tests"),
    ({"type": "python", "tests": ["assert True"], "timeout": 0}, "timeout"),
])
def test_bad_specs_raise_config_error_naming_the_field(spec, field):
    with pytest.raises(ConfigError) as error:
        make_check(spec)
    assert error.value.field == field


def test_unknown_type_lists_valid_types_and_make_checks_names_the_index():
    with pytest.raises(ConfigError) as error:
        make_check({"type": "nope"})
    assert all(name in str(error.value) for name in CHECKS)
    with pytest.raises(ConfigError) as error:
        make_checks([{"type": "japanese"}, {"type": "number", "expected": "x"}])
    assert error.value.field == "checks[1].expected"
    with pytest.raises(ConfigError) as error:
        make_checks(["number"])
    assert error.value.field == "checks[0]"


def test_run_checks_on_the_apples_answer():
    results = run_checks([{"type": "number", "expected": 3, "unit": "個"}, {"type": "japanese"},
                          {"type": "degenerate"}], article("apples_ja"))
    assert [r.name for r in results] == ["number", "japanese", "degenerate"]
    assert all(r.passed for r in results)
    assert run_checks([], "anything") == []


def test_number_stated_answer_kanji_and_units():
    assert number(3)("The answer is 3. Starting from 5 apples you remove 2.").passed
    assert number(36)("母親は三十六歳です。").passed
    cents = number(0.05, unit="dollars", units={"cents": 0.01, "$": 1})
    result = cents("The ball costs 5 cents. Check: $0.05 + $1.05 = $1.10.")
    assert result.passed and "5 cents (read as 0.05 dollars)" in result.reason, result.reason
    assert not cents("The ball costs 10 cents.").passed
    assert number(1500, unit="g", units={"kg": 1000})("1.5kgです。").passed


def test_contains_and_regex_refuse_a_denied_answer_unless_told_not_to():
    assert not regex("東京|Tokyo")("The capital is not Tokyo but Osaka.").passed
    result = regex("東京|Tokyo")("東京ではなく大阪です。")
    assert not result.passed and "found only denied '東京'" in result.reason
    assert regex("東京|Tokyo")("Tokyo, not Kyoto.").passed
    assert regex("東京|Tokyo", negation_aware=False)("東京ではなく大阪です。").passed
    denied = contains(["coffee", "morning"])("I drink tea every morning, not coffee.")
    assert not denied.passed and "missing or denied 'coffee'" in denied.reason
    assert contains("sleeping", negation_aware=False)("The cat is not sleeping.").passed


def test_contains_and_regex_read_a_denial_with_the_question():
    capital = {"prompt": "What is the capital city of Japan?"}
    assert contains("Tokyo")("While Tokyo is not a quiet city, it is the capital.", capital).passed
    assert not contains("Osaka")("Osaka is not a capital city; Tokyo is.", capital).passed
    assert not regex("大阪|Osaka")("大阪は首都ではなく、商業の街です。", {"prompt": "日本の首都はどこですか？"}).passed
    assert not regex("大阪|Osaka", flags="i")("Osaka? No, the capital is Tokyo.", capital).passed
    assert not contains("雪")("明日は雪が降らないでしょう。").passed


def test_contains_and_regex_abstain_when_a_denials_scope_cannot_be_told():
    unresolved = "Milk doesn't contain vitamin C, but oranges do."
    assert contains("Milk")(unresolved).verdict == "uncertain"
    assert regex("milk", flags="i")(unresolved).verdict == "uncertain"
    assert contains("oranges")(unresolved).verdict == "pass"
    assert contains("水星")("水星はあまり目立ちませんが、太陽に一番近い惑星です。").verdict == "pass"
    assert contains("雨")("雨は降りませんが、雪が降ります。").verdict == "uncertain"
    assert contains(["Milk", "tea"])(unresolved).verdict == "fail"  # tea is missing either way


def test_contains_reads_word_forms_or_abstains_on_them():
    assert contains("コンピューター")("このコンピュータは速い。").passed  # the long-vowel convention
    assert contains(["opened", "Sunday"], ignore_case=True)("The shop opens on Sundays.").verdict == "uncertain"
    assert contains(["opened", "Sunday"], ignore_case=True)("The shop is shut on Mondays.").verdict == "fail"
    assert contains("opened")("It opened at nine.").verdict == "pass"


@pytest.mark.parametrize("answer, verdict", [
    ("That is not true.", False), ("The statement isn't correct.", False), ("Not false.", True),
    ("その主張は誤りではない。", True), ("Trueではありません。", False),
    ("TrueかFalseかで答えると、Falseです。", False), ("True or False? The answer is False.", False),
])
def test_boolean_reads_negations_and_skips_the_echoed_choice(answer, verdict):
    assert boolean(verdict)(answer).passed, boolean(verdict)(answer).reason


@pytest.mark.parametrize("text, share", [
    ("我喜欢吃苹果。", 0.0), ("我是學生。", 0.0), ("明天会下雨。", 0.0), ("東京", 1.0), ("一石二鳥", 1.0),
])
def test_japanese_share_tells_short_chinese_apart(text, share):
    assert japanese_share(text) == share


def test_degenerate_catches_short_units_said_again_and_again():
    interleaved = "日本は美しい国です。富士山があります。日本は美しい国です。桜がきれいです。" * 2 + "日本は美しい国です。"
    assert not degenerate()(interleaved).passed
    assert not degenerate()("Steps:\n" + "".join(f"{i}. Learn {'HTML' if i % 2 else 'CSS'}.\n"
                                                 for i in range(1, 9))).passed
    assert degenerate()("はい。わかりました。では始めましょう。はい。わかりました。").passed
    code = ("```python\ndef is_prime(n):\n    if n < 2:\n        return False\n    if n % 2 == 0:\n"
            "        return n == 2\n    for d in range(3, n, 2):\n        if n % d == 0:\n"
            "            return False\n    return True\n```")
    assert degenerate()(code).passed


def test_bad_parameters_are_all_reported_at_once():
    with pytest.raises(ConfigError) as error:
        make_checks([{"type": "number", "expectd": 3, "tolerance": -1, "unit": 5}])
    message = str(error.value)
    assert error.value.field == "checks[0].expectd" and "did you mean 'expected'" in message
    assert "tolerance: Input should be greater than or equal to 0" in message and "unit:" in message
    for spec, field in [({"type": "number", "expected": float("nan")}, "expected"),
                        ({"type": "number", "expected": 3, "units": {"kg": 1000}}, "units"),
                        ({"type": "number", "expected": 3, "unit": "g", "units": {"kg": 0}}, "units"),
                        ({"type": "japanese", "min_share": 1.5}, "min_share"),
                        ({"type": "contains", "expected": "a", "negation_aware": "yes"}, "negation_aware")]:
        with pytest.raises(ConfigError) as error:
            make_check(spec)
        assert error.value.field == field, spec


def test_judge_is_validated_with_the_checks_but_deferred_to_the_judge():
    specs = [{"type": "judge", "rubric": "mtbench", "aspect": "clear", "threshold": 7}, {"type": "japanese"}]
    assert [r.name for r in run_checks(specs, "こんにちは")] == ["japanese"]  # judge: not run now
    assert "judge" in CHECKS and "judge" in DEFERRED
    assert judge_spec(specs) == {"rubric": "mtbench", "aspect": "clear", "threshold": 7}
    assert judge_spec([{"type": "judge"}]) == {"rubric": "elyza", "aspect": None, "threshold": None}
    assert judge_spec([{"type": "japanese"}]) is None
    for spec, field in [({"type": "judge", "rubric": "pairwise"}, "rubric"),
                        ({"type": "judge", "threshold": 6}, "threshold"),
                        ({"type": "judge", "rubric": "mtbench", "threshold": 0}, "threshold"),
                        ({"type": "judge", "aspct": "x"}, "aspct")]:
        with pytest.raises(ConfigError) as caught:
            make_check(spec)
        assert caught.value.field == field
    with pytest.raises(ConfigError, match="mistral-eval judge"):
        make_check({"type": "judge"})("an answer")  # never called by run_checks


# ---------------------------------------------------------------------------------------------
# three verdicts: what the checks read and where they abstain


@pytest.mark.parametrize("answer, expected, verdict", [
    ("「はい」です。健は翔より背が高いです。", True, "pass"),
    ("「いいえ」ではなく「はい」です。", False, "fail"),
    ("「いいえ」と答える人もいますが、答えは「はい」です。", True, "pass"),
    ("Yes, most birds fly. However, penguins evolved flippers, so no, they cannot fly.", False, "pass"),
    ("「はい」か「いいえ」で答えます。答えははいです。", False, "fail"),
    ("Yes and no.", True, "fail"),  # commits to neither verdict: a grader fails it (dev labels agree)
    ("Yes. No.", True, "uncertain"),
    ("I have no idea what you mean", True, "uncertain"),
])
def test_boolean_reads_quotes_attribution_conclusions_and_abstains_on_conflict(answer, expected, verdict):
    assert boolean(expected)(answer).verdict == verdict


def test_boolean_reads_a_restated_fact_against_the_question():
    check = boolean(False)
    assert check("Penguins cannot fly.", {"prompt": "Can penguins fly? Answer yes or no."}).verdict == "pass"
    assert check("Penguins can fly.", {"prompt": "Can penguins fly? Answer yes or no."}).verdict == "fail"
    assert check("They live in Antarctica.", {"prompt": "Can penguins fly?"}).verdict == "uncertain"


@pytest.mark.parametrize("answer, verdict", [
    ("パリではないかと思います。", "pass"),
    ("パリではありません。ロンドンです。", "fail"),
    ("パリだと思う人もいますが、正しくはロンドンです。", "fail"),
    ("It could be Paris, Lyon or Nice.", "fail"),
    ("Paris is not the capital; the capital is London.", "fail"),
])
def test_regex_counts_only_what_the_answer_asserts(answer, verdict):
    assert regex("パリ|Paris")(answer).verdict == verdict


def test_number_fails_a_range_and_uses_the_question():
    assert number(5)("だいたい5〜6個です。").verdict == "fail"
    assert "range" in number(5)("だいたい5〜6個です。").reason
    assert number(20)("It takes about 20 to 25 minutes.").verdict == "fail"
    check = number(36)
    answer = "母親は36歳です。これは子どもの年齢12歳の3倍です。"
    assert check(answer, {"prompt": "子どもは12歳、母親はその3倍の年齢です。母親は何歳？"}).verdict == "pass"


def test_japanese_leaves_out_glosses_and_abstains_on_kanji_only():
    assert japanese()("桜 (sakura) です。").verdict == "pass"
    assert japanese()('原文: "It will rain tomorrow."\n訳文: 明日は雨が降るでしょう。').verdict == "pass"
    assert japanese()("明日晴後雨。").verdict == "uncertain"  # a weather telegram: no compound reading, no sign of Chinese
    assert japanese()("太陽系最大惑星木星。").verdict == "pass"  # Japanese compound nouns
    assert japanese()("猫在沙发上睡觉。").verdict == "fail"


def test_degenerate_fails_template_loops_not_lists():
    loop = "".join(f"Tokyo is a {word} city. Tokyo is a very {word} city. "
                   for word in ("big", "busy", "modern", "huge", "safe", "clean"))
    assert degenerate()(loop).verdict == "fail"
    listing = " ".join(f"The capital of {c} is {k}." for c, k in
                       (("France", "Paris"), ("Germany", "Berlin"), ("Italy", "Rome"), ("Spain", "Madrid")))
    assert degenerate()(listing).verdict == "pass"
    assert degenerate()("42" + "!" * 80).verdict == "fail"


def test_regex_of_plain_words_finds_a_kanji_word_written_in_kana():
    assert regex("富士|Fuji")("ふじさん").verdict == "pass"
    assert regex("富士|Fuji")("ふじさんではありません。").verdict == "fail"
    assert regex("桜|Sakura")("さくらんぼ").verdict == "fail"


def test_contains_finds_a_kanji_word_written_in_kana_unless_denied():
    assert contains("東京")("とうきょうです").verdict == "pass"
    assert contains("東京")("とうきょうではありません").verdict == "fail"


@pytest.mark.parametrize("answer, verdict", [
    ("大阪府大阪市北区梅田駅前。", "pass"),  # kanji only, but 駅 is a form only Japanese writes
    ("県立図書館所在地。", "pass"),
    ("大阪站在市中心。", "fail"),  # 站 and 在: Chinese
    ("东京站在市中心。", "fail"),  # simplified 东 outweighs the shared forms
    ("名古屋市中区。", "pass"),  # compound nouns of the Japanese dictionary
    ("日本国憲法第九条。", "pass"),
    ("我們明天去東京。", "fail"),  # 我: Chinese grammar
    ("明天会下雪。", "fail"),
    ("明天要开会。", "fail"),  # 明天 as whole words of the Japanese analysis: Chinese 'tomorrow'
    ("他們昨天來過。", "fail"),  # words Japanese morphology does not know (們, 來)
    ("今天気予報確認。", "pass"),  # 今 + 天気: no Chinese word across the analysis's words
])
def test_japanese_reads_kanji_only_text_by_the_forms_only_one_language_writes(answer, verdict):
    assert japanese()(answer).verdict == verdict


@pytest.mark.parametrize("answer, verdict", [
    ("GPUとは、Graphics Processing Unitの略で、画像処理を担う装置です。", "pass"),
    ("主な言語にはPython、JavaScript、Rustなどがあります。", "pass"),
    ("Kyoto (きょうと)", "pass"),  # a word glossed by its Japanese spelling
    ("Rome (ローマ) is the capital of Italy and a very old city.", "fail"),
    ("The capital of Italy is Rome. ローマ", "fail"),  # an English sentence, then one Japanese word
    ("The best answer is Mars (火星).", "fail"),
    ("原文：\nAll the world's a stage, and all the men and women merely players.\n\n訳：\n世界はすべて舞台だ。", "pass"),
    ("> Knowledge is power, and power must be used with care by everyone.\n\n知識は力なり、という意味です。", "pass"),
    ("> 知識は力なり。\n\nThis means that knowledge is power and it should be used with great care.", "fail"),
])
def test_japanese_reads_latin_terms_inside_japanese_sentences_as_terms(answer, verdict):
    assert japanese()(answer).verdict == verdict


@pytest.mark.parametrize("question, answer, verdict", [
    # the source of a translation said again, unlabelled, then the translation
    ("日本語に訳してください：My sister plays the piano every evening.",
     "My sister plays the piano every evening.\n姉は毎晩ピアノを弾きます。", "pass"),
    ("Translate into Japanese: 'The library opens at nine in the morning.'",
     "'The library opens at nine in the morning.' → 図書館は朝9時に開きます。", "pass"),
    # near-misses: only the source again, the source then English of its own, English restating the question
    ("日本語に訳してください：My sister plays the piano every evening.", "My sister plays the piano every evening.", "fail"),
    ("日本語に訳してください：My sister plays the piano every evening.",
     "My sister plays the piano every evening.\nThat means she practises at night. 姉", "fail"),
    ("Answer in Japanese: what is the tallest mountain in Japan?",
     "The tallest mountain in Japan is Mount Fuji, at 3,776 metres. 富士山", "fail"),
])
def test_japanese_leaves_out_latin_text_copied_from_the_question(question, answer, verdict):
    assert japanese()(answer, CheckContext(prompt=question)).verdict == verdict


def test_japanese_leaves_out_code_and_urls_when_prose_remains():
    answer = "以下がコードです：\n```python\ndef reverse(text):\n    return text[::-1]\n```\nこのコードは文字列を逆順にします。"
    assert japanese()(answer).verdict == "pass"
    assert japanese()("詳しくは https://www.example.com/documentation/index.html を見てください。").verdict == "pass"
    assert japanese()("```python\nprint(1)\n```").verdict == "fail"


_ONE_WORD = "What is the capital of Australia? Answer in one word."
_ONE_WORD_JA = "オーストラリアの首都はどこですか？一言で答えてください。"


@pytest.mark.parametrize("question, answer, verdict", [
    (_ONE_WORD, "Canberra. Correction: I mixed them up, the capital is Sydney.", "fail"),
    (_ONE_WORD, "Sydney. Oops, I made a mistake: the capital is Canberra.", "pass"),
    (_ONE_WORD_JA, "キャンベラです。……と言いたいところですが、訂正します。首都はシドニーです。", "fail"),
    (_ONE_WORD, "Canberra. Actually, it was purpose-built as the capital.", "pass"),
    (_ONE_WORD, "Canberra has Parliament House, but so what.\n\nSo the answer is **Sydney**.", "fail"),
    (_ONE_WORD, "The answer is as follows.\n\nCanberra", "pass"),
    (_ONE_WORD_JA, "シドニーは最大の都市です。答えはキャンベラです。", "pass"),
    (_ONE_WORD, "Australian cities include Sydney, Melbourne, Canberra and Perth.", "fail"),
    (_ONE_WORD_JA, "主な都市にはシドニー、メルボルン、キャンベラなどがあります。", "fail"),
    ("Name some Australian cities.", "Sydney, Melbourne, Canberra and Perth.", "pass"),
    (_ONE_WORD, "Lake Burley Griffin, the lake of Canberra, is artificial.", "fail"),
    (_ONE_WORD, "Canberra, a planned city, is the capital.", "pass"),
    (_ONE_WORD, "Cānberra", "pass"),  # macrons and accents are the same Latin letters
])
def test_regex_counts_only_the_answers_committed_answer(question, answer, verdict):
    assert regex("Canberra|キャンベラ", flags="i")(answer, {"prompt": question}).verdict == verdict


@pytest.mark.parametrize("answer, verdict", [
    ("首都はキャンベラです。シドニーは最大の都市ですが、首都ではありません。", "fail"),
    ("Sydney is the largest city in Australia, but it is not the capital.", "fail"),
    ("Sydney is the largest city, but it is not the oldest one.", "pass"),
    ("シドニーは人口が多いですが、古い町ではありません。", "pass"),
])
def test_a_topic_denied_in_the_main_clause_after_a_concession(answer, verdict):
    question = _ONE_WORD if answer.isascii() else _ONE_WORD_JA  # the question's own noun: capital, 首都
    assert regex("Sydney|シドニー")(answer, {"prompt": question}).verdict == verdict


@pytest.mark.parametrize("expected, answer, verdict", [
    ("oxygen", "It is widely claimed that we breathe in oxygen, but this is wrong: we breathe in nitrogen and "
               "breathe out oxygen.", "uncertain"),
    ("oxygen", "Many people think we need oxygen only when running, but in fact we always breathe in oxygen.", "pass"),
    ("酸素", "酸素を吸うと思う人が多いですが、それは誤解です。人は窒素を吸い、酸素を吐き出します。", "uncertain"),
    ("酸素", "二酸化炭素を吸うと思う人が多いですが、正しくは酸素を吸っています。", "pass"),
])
def test_contains_abstains_on_a_mention_in_a_view_of_others_said_again(expected, answer, verdict):
    assert contains(expected)(answer, {"prompt": "Which gas do we breathe in? 吸う気体は？"}).verdict == verdict


def test_boolean_fails_an_answer_that_declines_to_give_a_verdict():
    question = "Read the text and answer yes or no.\nText: Jun left his umbrella on the train.\nQuestion: Did Jun bring it home?"
    for answer in ("The text does not provide enough information to say.", "It depends on whether he went back.",
                   "この文だけでは判断できません。"):
        result = boolean(False)(answer, {"prompt": question})
        assert result.verdict == "fail" and "declines" in result.reason
    assert boolean(False)("No. I cannot say what happened later, but he left it.", {"prompt": question}).verdict == "pass"


@pytest.mark.parametrize("answer", [
    "Canberra is the capital. The answer is therefore clear.",  # a marker that only judges names nothing
    "Its capital, the city of Canberra, was planned.",  # "the city of": "of" introduces the name itself
])
def test_regex_keeps_a_committed_answer_around_markers_and_appositives(answer):
    assert regex("Canberra")(answer, {"prompt": _ONE_WORD}).verdict == "pass"


def test_regex_reads_a_name_with_middle_dots_as_one_name():
    assert regex("ダ・ヴィンチ")("レオナルド・ダ・ヴィンチです。", {"prompt": "最も有名な画家は誰ですか？"}).verdict == "pass"


def test_boolean_hedged_answers_that_go_on_are_not_declines():
    question = "Text: Jun left his umbrella on the train.\nQuestion: Did Jun bring his umbrella home?"
    assert boolean(False)("I cannot say for sure, but he most likely did not bring it home.",
                          {"prompt": question}).verdict != "fail"
    assert boolean(False)("正確には分かりませんが、持ち帰っていないと思います。",
                          {"prompt": "淳は傘を持ち帰りましたか？"}).verdict == "pass"


def test_regex_abstains_on_a_match_only_as_a_possessive_and_drops_an_answer_judged_wrong_next():
    largest = {"prompt": "What is the largest planet? Answer in one word."}
    assert regex("Jupiter")("Earth is the largest rocky planet; Jupiter's moons are big too.", largest).verdict == "uncertain"
    assert regex("Jupiter")("Jupiter's the largest, by far.", largest).verdict == "pass"
    assert regex("Au")("Au. Hmm, actually I think that is wrong: gold is Ag.").verdict == "fail"
    assert regex("Canberra")("Canberra. Sydney is often guessed, but that is wrong.").verdict == "pass"


@pytest.mark.parametrize("question, answer, verdict", [
    ("What is the capital of Australia?", "The capital of Australia is Sydney. (Canberra only hosts ministries.)", "fail"),
    ("What is the capital of Australia?", "Canberra.\n\nThe capital of Australia is **Canberra**, not Sydney.", "pass"),
    ("What is the capital of Australia?", "Canberra. Before 1927, the capital of Australia was Melbourne.", "pass"),
    ("オーストラリアの首都はどこですか？", "首都はシドニーです。キャンベラは行政機関が多い都市です。", "fail"),
    ("オーストラリアの首都はどこですか？", "キャンベラです。かつての首都はメルボルンでした。", "pass"),
    ("オーストラリアの首都はどこですか？", "キャンベラです。首都は内陸部です。", "pass"),  # a statement after the answer elaborates
    ("オーストラリアの首都はどこですか？", "首都は内陸にある計画都市です。キャンベラです。", "pass"),  # a description, not a name
])
def test_regex_and_contains_follow_the_answers_statement_of_what_is_asked(question, answer, verdict):
    assert regex("Canberra|キャンベラ")(answer, {"prompt": question}).verdict == verdict
    needle = "Canberra" if "Canberra" in answer else "キャンベラ"
    assert contains(needle)(answer, {"prompt": question}).verdict == verdict


def test_a_correction_in_a_translation_keeps_the_words_it_does_not_change():
    question = '次の英語を日本語に翻訳してください。"The cat is sleeping on the sofa."'
    answer = "猫がソファで寝ています。\n\n訂正: 「眠っています」の方が自然です。"
    assert contains("ソファ")(answer, {"prompt": question}).verdict == "pass"
    assert regex("ソファ")(answer, {"prompt": question}).verdict == "pass"


_LARGEST = {"prompt": "What is the largest planet in the solar system? Answer in one word."}


@pytest.mark.parametrize("pattern, answer, verdict", [
    ("Saturn", "Saturn is the second largest planet, after Jupiter.", "fail"),
    ("Saturn", "Jupiter. Saturn comes second.", "fail"),
    ("Pluto", "If you mean the largest dwarf planet, it would be Pluto; the largest planet is Jupiter.", "fail"),
    ("Jupiter", "For example, Jupiter and Saturn are gas giants, but the largest is Neptune.", "fail"),
    ("Jupiter", "I don't know. Jupiter and Saturn are both big.", "uncertain"),
    ("Jupiter", "Jupiter is the fifth planet from the Sun and the largest.", "pass"),
    ("Jupiter", "I'm not sure, but probably Jupiter.", "pass"),
])
def test_regex_leaves_out_ranks_alternatives_and_examples_and_abstains_on_a_decline(pattern, answer, verdict):
    assert regex(pattern)(answer, _LARGEST).verdict == verdict


def test_regex_leaves_out_the_questions_alternatives_said_again():
    question = {"prompt": "Which is larger, Jupiter or Saturn? Answer in one word."}
    assert regex("Jupiter")("Between Jupiter and Saturn, the larger one is Saturn.", question).verdict == "fail"
    assert regex("Jupiter")("Jupiter is larger than Saturn.", question).verdict == "pass"
    assert regex("土星")("土星は木星に次いで2番目に大きい惑星です。", {"prompt": "一番大きい惑星は何ですか？"}).verdict == "fail"


def test_a_statement_in_another_form_does_not_override_a_form_pattern():
    question = {"prompt": "What is the date of the meeting? Answer in YYYY-MM-DD."}
    answer = "The date is Friday. In ISO format: 2024-03-15."
    assert regex(r"\d{4}-\d{2}-\d{2}")(answer, question).verdict == "pass"
    assert regex("Friday|Monday")("The date is Friday.", question).verdict == "pass"


_CAPITAL_JA = {"prompt": "日本の首都はどこですか？一言で答えてください。"}


@pytest.mark.parametrize("answer, verdict", [
    ("京都です。東京は大きな都市ですが、首都でもなければ、日本の中心でもありません。", "fail"),
    ("京都です。東京は日本最大の都市です。", "fail"),  # the bare first answer names Kyoto
    ("大阪です。いや、東京です。", "pass"),  # a bare answer taken back does not count
    ("東京です。……いや、待ってください。京都です。", "fail"),
    ("東京かもしれませんし、京都かもしれません。", "fail"),
    ("東京です。大阪ではありません。", "pass"),
])
def test_regex_reads_a_bare_first_answer_and_japanese_hedges_and_denials(answer, verdict):
    assert regex("東京|Tokyo")(answer, _CAPITAL_JA).verdict == verdict


def test_a_bare_first_answer_is_a_name_not_an_abbreviation_or_a_reply_word():
    highest = {"prompt": "What is the highest mountain in Japan? Answer in one word."}
    assert regex("Fuji")("Mt. Fuji, at 3,776 m.", highest).verdict == "pass"
    assert regex("Fuji")("Sure! Fuji is the highest.", highest).verdict == "pass"
    assert regex("Fuji")("Kitadake. Fuji is better known.", highest).verdict == "fail"


@pytest.mark.parametrize("answer, verdict", [
    ("東京と京都で迷いますが、京都だと思います。", "fail"),
    ("東京と京都で迷いますが、東京だと思います。", "pass"),
    ("It is between Tokyo and Kyoto, but I would go with Kyoto.", "fail"),
    ("Tokyo and Kyoto are both old, but Tokyo is the capital.", "pass"),
])
def test_regex_leaves_out_one_of_two_weighed_before_the_other_is_picked(answer, verdict):
    assert regex("東京|Tokyo")(answer, _CAPITAL_JA).verdict == verdict


@pytest.mark.parametrize("question, answer, needle", [
    ("Translate into English: 「兄はクラスで二番目に背が高いです。」", "My older brother is the second tallest in his class.",
     "second"),
    ('次の英語を日本語に翻訳してください。"If it rains, the game will be cancelled."', "もし雨が降ったら、試合は中止になります。", "雨"),
    ("Translate into English: 「京都と東京のどちらに行きますか？」", "Will you go to Kyoto or Tokyo?", "Tokyo"),
])
def test_a_translation_keeps_its_sources_ranks_conditions_and_questions(question, answer, needle):
    assert contains(needle)(answer, {"prompt": question}).verdict == "pass"


@pytest.mark.parametrize("answer, verdict", [
    # a short lead-in line is a preface, not the answer's language
    ("Sure! Here's my answer in Japanese:\n\n富士山は日本で一番高い山です。高さは3776メートルです。", "pass"),
    ("Of course:\n京都には古いお寺がたくさんあります。", "pass"),
    ("Here is the translation:\n\nKyou wa ii tenki desu.", "fail"),  # what follows is romaji
    # a term of capitalised words, bold or not, glossed by its Japanese spelling
    ("1. **Supervised Learning**（教師あり学習）: 正解付きのデータで学びます。\n"
     "2. **Reinforcement Learning**（強化学習）: 報酬で学びます。", "pass"),
    ("Central Processing Unit (中央処理装置) は計算をします。", "pass"),
    ("I really like the city of Kyoto (京都) because it is old and very beautiful to walk around.", "fail"),
    # a translation in brackets after the Japanese answer, however long
    ("日本の首都は東京です。\n\n(Translation: The capital of Japan is Tokyo.)", "pass"),
    ("猫が好きです。（English: I like cats because they are quiet, independent and very soft to touch.）", "pass"),
])
def test_japanese_leaves_out_a_lead_in_line_and_glossed_terms(answer, verdict):
    assert japanese()(answer).verdict == verdict


def test_python_leaves_out_a_block_the_prose_presents_as_what_not_to_write():
    spec = [{"call": "double(4)", "expected": 8}]
    good, bad = "```python\ndef double(x):\n    return x * 2\n```", "```python\ndef double(x):\n    return x ** 2\n```"
    assert python(spec, function="double")(f"{good}\n\nA common mistake is to write:\n\n{bad}").passed
    assert python(spec, function="double")(f"{good}\n\n次のように書くのは間違いです。\n\n{bad}").passed
    # a fix after a wrong version still wins, and a lone wrong block is still the code
    assert python(spec, function="double")(f"{bad}\n\nThat was wrong. Here is the corrected version:\n\n{good}").passed
    assert not python(spec, function="double")(f"Avoid this mistake:\n\n{bad}").passed
    # "avoids recursion" praises the block after it
    assert not python(spec, function="double")(f"{good}\n\nHere is a version that avoids recursion:\n\n{bad}").passed


def test_python_abstains_when_the_code_needs_a_real_package_outside_the_standard_library():
    spec = [{"call": "double(4)", "expected": 8}]
    needs = "```python\nimport pydantic\n\ndef double(x):\n    return x * 2\n```"  # installed here, not in the sandbox
    result = python(spec, function="double")(needs)
    assert result.verdict == "uncertain" and "pydantic" in result.reason
    made_up = "```python\nimport no_such_package_anywhere\n\ndef double(x):\n    return x * 2\n```"
    assert python(spec, function="double")(made_up).verdict == "fail"  # the code's own error


@pytest.mark.parametrize("answer, verdict", [
    ("The passage does not give enough information to decide whether Tom owns a dog.", "fail"),
    ("文章からは判断できません。", "fail"),
    ("The passage does not say.", "fail"),
    ("I cannot tell from the passage; it only says Tom walks a dog.", "fail"),
    # Near misses: a decline about something else next to a verdict, or one that goes on to answer.
    ("The passage does not say how old the dog is, so yes, Tom owns a dog.", "pass"),
    ("Yes. The passage does not say how old the dog is.", "pass"),
    ("The passage does not mention a leash; Tom owns a dog.", "pass"),
])
def test_boolean_declines_fail_only_without_a_verdict_elsewhere(answer, verdict):
    question = "Read the passage and answer yes or no.\nPassage: Tom walks his dog every morning.\nQuestion: Does Tom own a dog?"
    assert boolean(expected=True)(answer, CheckContext(prompt=question)).verdict == verdict


def test_boolean_fails_an_answer_about_other_names_and_keeps_a_verdict_or_a_pronoun_reply():
    question = "Is Oslo the capital of Norway? Answer yes or no."
    other = boolean(True)("The rainiest city in Norway is Bergen, the gateway to the fjords.", CheckContext(prompt=question))
    assert other.verdict == "fail" and "'Oslo'" in other.reason
    assert boolean(True)("Yes. Bergen is the rainiest city.", CheckContext(prompt=question)).verdict == "pass"
    assert boolean(True)("It is, since 1814.", CheckContext(prompt=question)).verdict != "fail"
