import pytest

from mistral_eval.checks.comparison import Comparison, comparison, comparison_verdict, never_compares


@pytest.mark.parametrize("clause, said", [
    ("Is the Nile longer than the Amazon?", Comparison("Nile", "Amazon", "longer", False)),
    ("The Amazon is slightly shorter than the Nile.", Comparison("Amazon", "Nile", "shorter", False)),
    ("Mia isn't older than Leo.", Comparison("Mia", "Leo", "older", True)),
    ("鉛は鉄より重いですか？", Comparison("鉛", "鉄", "重い", False)),
    ("アルミの方がずっと軽いです。", Comparison("アルミ", "", "軽い", False)),
    ("琵琶湖より霞ヶ浦の方が小さい。", Comparison("霞ヶ浦", "琵琶湖", "小さい", False)),
    ("The Nile flows through Egypt.", None),
])
def test_a_comparison_is_read_with_its_arguments(clause, said):
    assert comparison(clause) == said


@pytest.mark.parametrize("answer, question, verdict", [
    ("The Amazon is slightly shorter than the Nile.", "Is the Nile longer than the Amazon?", True),  # antonym, swapped
    ("The Amazon is longer than the Nile.", "Is the Nile longer than the Amazon?", False),  # swapped
    ("Mia isn't older than Leo; they are twins.", "Is Mia older than Leo?", False),
    ("Leo is younger than Mia by two years.", "Is Mia older than Leo?", True),
    ("アルミの方がずっと軽いです。", "鉄はアルミより重いですか？", True),  # the other one said lighter
    ("鉄の方がずっと重いです。", "アルミは鉄より重いですか？", False),  # the other one said heavier
    ("琵琶湖より霞ヶ浦の方が小さい。", "霞ヶ浦は琵琶湖より大きいですか？", False),
    ("みかんのほうがメロンより安いです。", "メロンはみかんより高いですか？", True),  # 安い against 高い; ほう in kana
])
def test_a_comparison_of_the_two_names_answers(answer, question, verdict):
    assert comparison_verdict(answer, question) is verdict


@pytest.mark.parametrize("answer, question", [
    ("Zoe is shorter than Mia.", "Is Mia taller than Leo?"),  # a third name
    ("The Nile is more famous than the Amazon.", "Is the Nile longer than the Amazon?"),  # another adjective
    ("Some say the Amazon is longer than the Nile.", "Is the Nile longer than the Amazon?"),  # others' view
    ("If Mia were older than Leo, she would go first.", "Is Mia older than Leo?"),  # a condition
    ("Leo is younger than Mia. Mia is younger than Leo.", "Is Mia older than Leo?"),  # the two disagree
    ("霞ヶ浦は浅い湖です。", "霞ヶ浦は琵琶湖より大きいですか？"),
])
def test_no_reading_without_a_comparison_of_the_two_names(answer, question):
    assert comparison_verdict(answer, question) is None


@pytest.mark.parametrize("answer, verdict", [
    ("したがって、花子は太郎より年下です。", False),  # the antonym noun
    ("花子は太郎より3歳年上です。", True),
    ("太郎の方が年上です。", False),  # the other name said to be older
])
def test_age_nouns_compare_like_adjectives(answer, verdict):
    assert comparison_verdict(answer, "花子は太郎より年上ですか？") is verdict


def test_an_age_noun_of_a_third_name_says_nothing():
    assert comparison_verdict("次郎は太郎より年下です。", "花子は太郎より年上ですか？") is None


@pytest.mark.parametrize("answer, question", [
    ("Lake Biwa is famous for its fish, and Lake Kasumigaura lies in Ibaraki.", "Is Lake Biwa bigger than Lake Kasumigaura?"),
    ("Ken plays football more often than Sho does.", "Is Ken taller than Sho?"),  # another dimension
    ("犬山城の高さは19メートルで、国宝です。", "犬山城は姫路城より高いですか？"),  # one value and 高さ: no comparison
])
def test_an_answer_that_never_compares_by_the_asked_dimension_is_found(answer, question):
    assert never_compares(answer, question)


@pytest.mark.parametrize("answer, question", [
    ("Ken is the tallest boy in class.", "Is Ken taller than Sho?"),  # a superlative
    ("Sho is short for his age.", "Is Ken taller than Sho?"),  # the antonym
    ("Fuji is 3,776 m and Kita is 3,193 m.", "Is Fuji higher than Kita?"),  # two values
    ("犬山城は低い丘の上にあります。", "犬山城は姫路城より高いですか？"),  # the antonym
    ("It was built in 1958.", "Is the Tokyo Tower taller than the Skytree?"),  # names neither
    ("東京タワーは1958年に完成しました。", "Is the Tokyo Tower taller than the Skytree?"),  # another script
])
def test_an_answer_that_may_compare_is_not_found(answer, question):
    assert never_compares(answer, question) is None


# Round 12 (t12b): 「XのN」 compares X's N, not N alone.
def test_the_name_that_owns_the_compared_noun():
    question = "愛知県の面積は岐阜県より広いですか？"
    assert comparison("岐阜県の面積の方が広いです。").subject == "岐阜県の面積"
    assert comparison_verdict("岐阜県の面積の方が広いです。", question) is False
    assert comparison_verdict("愛知県の面積の方が広いです。", question) is True
    assert comparison_verdict("愛知県は岐阜県より狭いです。", question) is None  # 狭い: not the asked word nor its listed antonym
