"""Answer labels a question defines, and the label an answer opens with."""

import pytest

from mistral_eval.checks.labels import label_verdict, question_labels


@pytest.mark.parametrize("question, labels", [
    ("Reply Y if the claim holds and N if it does not. Claim: Owls are birds.", {"y": True, "n": False}),
    ('Write "yep" if the sentence is accurate, otherwise "nope": Cats bark.', {"yep": True, "nope": False}),
    ("Answer T or F: Copper conducts electricity.", {"t": True, "f": False}),
    ("この文が合っていれば「真」、間違っていれば「偽」と書いてください。「鉄は磁石につく」", {"真": True, "偽": False}),
    ("正しい場合はイ、正しくない場合はロと答えてください。「氷は水に浮く」", {"イ": True, "ロ": False}),
    ("○か×で答えてください：「犬は哺乳類である」", {"○": True, "×": False}),
])
def test_question_labels_and_the_verdict_each_stands_for(question, labels):
    assert question_labels(question) == labels


@pytest.mark.parametrize("question", [
    "Is copper a metal? Answer yes or no.",  # no labels of its own
    "Reply Y if the claim holds. Claim: Owls are birds.",  # one label alone: no pair to read
    "Answer in one word if you can: what colour is the sky?",
])
def test_no_labels_when_the_question_does_not_define_a_true_and_a_false_one(question):
    assert question_labels(question) == {}


@pytest.mark.parametrize("answer, verdict", [
    ("N", False), ("Y.", True), ("**N** — owls are birds of prey.", False), ("N: they are reptiles.", False),
    ("Answer: Y", True),
])
def test_an_answer_opening_with_a_label_reads_its_verdict(answer, verdict):
    question = "Reply Y if the claim holds and N if it does not. Claim: Owls are birds."
    assert label_verdict(answer, question)[0] is verdict


@pytest.mark.parametrize("answer", [
    "Not sure about owls.",  # the label letter opens a word, not the answer
    "N. Wait, Y.",  # both labels said: no single verdict
    "Owls are birds, so Y.",  # a label not at the opening is left to other readings
])
def test_near_misses_read_no_label(answer):
    question = "Reply Y if the claim holds and N if it does not. Claim: Owls are birds."
    assert label_verdict(answer, question) is None


def test_japanese_labels_with_a_copula():
    question = "この文が合っていれば「真」、間違っていれば「偽」と書いてください。「鉄は磁石につく」"
    assert label_verdict("「偽」です。鉄は磁石につきません。", question) == (False, "偽")
    assert label_verdict("真", question) == (True, "真")
    assert label_verdict("真偽は分かりません。", question) is None


@pytest.mark.parametrize(("answer", "expected"), [
    ("答え：偽\n\n鉄は磁石につきます。", (False, "偽")),  # the label after the marker is read, whatever the text says
    ("回答：偽\n\n鉄は磁石にはつきません。", (False, "偽")),  # a label after an answer marker, then a new line
    ("__真__\n\n鉄は磁石につきます。", (True, "真")),  # inside markdown emphasis, then a new line
    ("真\u3000鉄は磁石につきます。", (True, "真")),  # a full-width space after the label
    ("真 鉄は磁石につきます。", (True, "真")),  # an ordinary space
])
def test_label_after_a_marker_in_emphasis_or_before_a_space(answer, expected):
    question = "この文が合っていれば「真」、間違っていれば「偽」と書いてください。「鉄は磁石につく」"
    assert label_verdict(answer, question) == expected


@pytest.mark.parametrize("answer", [
    "Final answer: Yes, but not always.",  # a marker, then a word that is not a label
    "T cells fight infection, so the claim holds.",  # an ASCII label letter opening a word, then a space
    "真偽のほどは分かりません\n",  # a label character opening a longer word
])
def test_marker_and_space_near_misses_read_no_label(answer):
    question = "Reply T if the statement is true or F if it is false. 真なら「真」、偽なら「偽」と答えて。"
    assert label_verdict(answer, question) is None


# Round 12 (t12b): labels named "X for true", a label before its reason, the label after a later marker.
def test_labels_named_for_a_verdict():
    assert question_labels("Answer T for true or F for false: Bats are birds.") == {"t": True, "f": False}
    assert question_labels("Write Y for yes, N for no. Is ice cold?") == {"y": True, "n": False}
    assert question_labels("Answer for true believers: is it so?") == {}  # no label before "for"


def test_a_label_before_its_reason_in_parentheses():
    question = "正しければ○、誤りなら×で答えてください：氷は水に沈む。"
    assert label_verdict("×（氷は水より軽いので浮かぶため）", question) == (False, "×")
    assert label_verdict("Fish (they live in water)", "Answer T for true or F for false: whales are fish.") is None


def test_the_label_after_a_marker_that_opens_a_later_line():
    question = "正しければ○、誤りなら×で答えてください：金魚はすぐに忘れる。"
    assert label_verdict("「○」と考える人もいますが、金魚は長く覚えています。\n\n答え：×", question) == (False, "×")
    assert label_verdict("「○」と考える人もいますが、答え：×ではありません。", question) is None  # not on a line of its own
