"""Reading an answer that rejects the question's premise or names who did the asked thing."""

import pytest

from mistral_eval.checks.premise import premise_verdict


@pytest.mark.parametrize("answer, asked, verdict", [
    ("She did win the prize, but it was given for her novels, not for her poetry.",
     "Did she win the prize for her poetry?", False),
    ("The bridge was opened in 1932, though it was not designed by Eiffel.", "Was the bridge designed by Eiffel?", False),
    ("There is no evidence that Napoleon visited Boston.", "Did Napoleon visit Boston?", False),
    ("東京が大阪と合併したという記録はありません。", "東京は大阪と合併しましたか？", False),
    ("電球を改良したのはエジソンです。", "ニュートンは電球を改良しましたか？", False),
    ("電球を改良したのはエジソンです。", "エジソンは電球を改良しましたか？", True),
    ("坂本龍馬は1867年に亡くなっており、明治維新の完成には関わっていません。", "坂本龍馬は明治維新を完成させましたか？", False),
])
def test_a_rejected_premise_or_a_cleft_reads_a_verdict(answer, asked, verdict):
    assert premise_verdict(answer, asked) is verdict


@pytest.mark.parametrize("answer, asked", [
    ("He won it in 1921, and he was not known for modesty.", "Did he win the prize for his theory?"),  # other adjunct
    ("He did not win it for relativity.", "Did he win the prize?"),  # nothing asked of that adjunct
    ("There is no record of him visiting Paris.", "Did Napoleon visit Boston?"),  # another event
    ("パリに移設されたという事実はありません。", "東京タワーは東京にありますか？"),  # another event
    ("電話を発明したのはベルです。", "エジソンは電球を改良しましたか？"),  # a cleft about another act
    ("彼は政治には関わっていません。", "坂本龍馬は明治維新を完成させましたか？"),  # another event, no subject
])
def test_a_rejection_of_something_not_asked_reads_nothing(answer, asked):
    assert premise_verdict(answer, asked) is None


def test_a_denied_adjunct_that_says_another_value_reads_nothing():
    assert premise_verdict("Ice does not melt at 5 °C.", "Does ice melt at 10 °C?") is None


# Round 12 (t12b): 「Aであり、Bではありません」 with B the question's words and A another thing.
def test_the_asked_part_denied_with_another_in_its_place():
    asked = "ダーウィンは地質学の研究でロイヤル・メダルを受けましたか？"
    assert premise_verdict("ダーウィンはメダルを受けましたが、対象はフジツボの研究であり、地質学ではありません。", asked) is False
    assert premise_verdict("ソウルは韓国最大の都市ですが、北朝鮮の首都ではありません。", "ソウルは北朝鮮の首都ですか？") is False


def test_a_denied_part_the_question_does_not_name_or_nothing_else_affirmed():
    asked = "ダーウィンは地質学の研究でメダルを受けましたか？"
    assert premise_verdict("対象は地質学の研究であり、植物学ではありません。", asked) is None  # 植物学: not asked
    assert premise_verdict("ダーウィンの研究であり、地質学ではありません。", asked) is None  # A: only asked words
