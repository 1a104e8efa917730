"""What follows an answer without stating it."""

from __future__ import annotations

import pytest

from mistral_eval.checks.asides import aside_spans, first_aside, note_spans, other_case_ja


@pytest.mark.parametrize("text, opener", [
    ("The total is 56. Fun fact: 56 is 8 × 7.", "Fun fact"),
    ("合計は240円です。例えば、5本なら400円です。", "例えば"),
    ("It is 12 km.\nNote: roads may differ.", "Note"),
    ("Because 7 × 8 = 56, the answer is 56.", "Because"),
    ("He reads 210 pages in 2 weeks. At that rate, a 300-page book takes 20 days.", "At that rate"),
])
def test_first_aside_is_where_a_remark_after_the_answer_begins(text, opener):
    found = first_aside(text)
    assert found is not None and text[found.start():].lstrip(" *_").startswith(opener)


@pytest.mark.parametrize("text, aside", [
    ("There are 2 left. If a 4th person ate 2, there would be 0 left.", "If a 4th person"),
    ("There are seven continents. Some geographers count six.", "Some geographers"),
    ("大陸は7つです。6大陸とする考え方もあります。", "6大陸とする"),
    ("The answer is 8 (or 9 by another count).", "(or 9"),
])
def test_aside_spans_cover_hypotheticals_views_of_others_and_parentheses(text, aside):
    start = text.index(aside)
    assert any(a <= start < b for a, b in aside_spans(text))


def test_a_counterfactual_after_a_side_remark_opener_is_an_aside():
    text = "It costs 12 dollars. Incidentally, if you bought two, it would cost 24 dollars."
    assert any(a <= text.index("if you") < b for a, b in aside_spans(text))
    plain = "It costs 12 dollars. Incidentally, the shop closes at 9."  # a remark with no other case
    assert not any(a <= plain.index("the shop") < b for a, b in aside_spans(plain))


def test_the_first_sentence_is_never_a_hypothetical_aside():
    text = "If each pen costs 80 yen, 3 pens would cost 240 yen."
    assert not any(a == 0 for a, _ in aside_spans(text))


@pytest.mark.parametrize("sentence, question, given, other", [
    ("2ダースなら24個になります。", "1ダースは何個ですか？", {1.0}, True),
    ("消費税10%を含めると330円になります。", "100円のりんごを3個買いました。合計はいくらですか？", {100.0, 3.0}, True),
    ("5年後には19歳になります。", "花子さんは何歳ですか？", {10.0, 4.0}, True),
    ("四角形なら360度になります。", "三角形の内角の和は何度ですか？", set(), True),
    ("3個なら300円です。", "1個100円です。3個ならいくらですか？", {1.0, 100.0, 3.0}, False),  # the asked case
    ("10から6を引くと4切れ残ります。", "ピザが10切れあり…", {10.0, 3.0, 2.0}, False),  # the question's quantity
    ("ぶどうと桃を買いました。", "何円ですか？", set(), False),  # と joining nouns is no conditional
    ("ちなみに、1万円札で払った場合のお釣りは8千円です。", "2000円の本を5000円札で買いました。お釣りは？", {2000.0, 5000.0}, True),
    ("なお、雨の場合は中止です。", "遠足は何時に出発しますか？", set(), True),
    ("5冊買う場合の代金は1500円です。", "1冊300円の本を5冊買う場合、代金は？", {300.0, 5.0}, False),  # the asked case
    ("ちなみに富士山は日本一高い山です。", "富士山の高さは？", set(), False),  # a remark, no case
])
def test_other_case_ja_is_a_conditional_or_time_the_question_does_not_ask(sentence, question, given, other):
    assert other_case_ja(sentence, question, given) is other


def test_a_step_of_the_working_is_no_other_case():
    assert not other_case_ja("6を引くと4切れ残ります。", "ピザは何切れ残りますか？", {10.0})
    assert not other_case_ja("12で割ると3になります。", "36を何で割ると3ですか？", {36.0, 3.0})


def test_a_part_of_the_question_s_case_alone_is_another_case():
    question = "100円玉が3枚、10円玉が5枚あります。全部でいくらですか？"
    assert other_case_ja("100円玉だけなら300円です。", question, {100.0, 3.0, 10.0, 5.0})
    assert other_case_ja("10円玉のみの場合は50円です。", question, {100.0, 3.0, 10.0, 5.0})


def test_a_japanese_sentence_that_ends_on_its_reason_is_a_justification():
    text = "1年は366日です。2月が29日まであるためです。"
    aside = first_aside(text)
    assert aside is not None and text[aside.start():].startswith("2月")
    assert first_aside("1年は366日です。") is None


def test_a_note_runs_from_its_marker_to_the_end_of_its_line():
    text = "Paris is the capital.\nNote: Lyon is larger than you think.\nThat is all."
    (start, end), = note_spans(text)
    assert text[start:end] == "Note: Lyon is larger than you think."
    ja = "首都はパリです。\n※リヨンも大きな都市です。"
    assert [ja[a:b] for a, b in note_spans(ja)] == ["※リヨンも大きな都市です。"]
    supplement = "答えは5です。\n補足：単位はcmです。"
    assert [supplement[a:b] for a, b in note_spans(supplement)] == ["補足：単位はcmです。"]
    assert note_spans("He noted that Lyon is large. The notes were lost.") == []
    assert first_aside(text) is not None and first_aside(text).start() == start  # one vocabulary for both


def test_a_line_wholly_in_parentheses_after_the_first_is_a_note():
    text = "The answer is 12.\n\n(The 1990 figure was 15.)\n（なお、2000年は18です。）"
    spans = note_spans(text)
    assert [text[a:b] for a, b in spans] == ["(The 1990 figure was 15.)", "（なお、2000年は18です。）"]
    # near-misses: the first line, and a line that only contains a parenthesis
    assert note_spans("(12)\nmore") == []
    assert note_spans("The answer is 12.\nIt is 12 (twelve).") == []


def test_side_remark_opens_a_sentence_beside_the_answer() -> None:
    from mistral_eval.checks.asides import side_remark
    assert side_remark("By the way, salt water freezes at about -2 °C.")
    assert side_remark("ちなみに、標高の高い場所では水は約90度で沸騰します。")
    # near misses: the opener inside the sentence, a correction, a plain sentence
    assert not side_remark("Salt water, by the way, is denser.")
    assert not side_remark("ちなみに、先ほどの答えは誤りで、正しくは365日です。")
    assert not side_remark("Water freezes at 0 °C.")


def test_others_view_opens_on_what_others_answer() -> None:
    from mistral_eval.checks.asides import others_view
    assert others_view("(Most people guess 20 minutes, but that forgets the return trip.)")
    assert others_view("多くの人は8個と答えますが、それでは数が合いません。")
    # near misses: others' view set against the answer's own, the answer's own claim
    assert not others_view("Many people say 20, but actually it is 12.")
    assert not others_view("The train takes 12 minutes.")
