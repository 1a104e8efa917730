"""Reading a yes/no verdict, or why it cannot be told."""

import pytest

from mistral_eval.checks.verdicts import read_verdict


@pytest.mark.parametrize("answer, verdict", [
    ("True.", True), ("The statement is not false.", True), ("No, it is not.", False),
    ("「いいえ」ではなく「はい」です。", True), ("True or False? It is False.", False),
    ("Yes. Well, actually, the store is closed on weekends, so the answer is no.", False),
    ("Yes and no.", None), ("Yes. No.", None),
])
def test_read_verdict(answer, verdict):
    assert read_verdict(answer)[0] is verdict


def test_a_restated_fact_is_read_against_the_question_and_anything_else_is_not():
    assert read_verdict("Ken is taller than Sho.", "Question: Is Ken taller than Sho?")[0] is True
    assert read_verdict("開いていません。", "その店は土曜日に開いていますか？")[0] is False
    fuji = "富士山は日本で一番高い山ですか？はいかいいえで答えてください。"
    assert read_verdict("富士山は標高3776mで、日本で最も高い山です。", fuji)[0] is True
    mika = "質問: 美香は自分の傘を持っていましたか？"
    assert read_verdict("美香は自分の傘を家に忘れていました。", mika)[0] is None  # another predicate
    assert read_verdict("翔の方が健より背が高いです。", "質問: 健は翔より背が高いですか？")[0] is None  # order
    verdict, why = read_verdict("It depends on the weather.", "Is it open?")
    assert verdict is None and "no verdict word" in why
