"""Clause-level negation in English and Japanese."""

import pytest

from mistral_eval.checks.negation import asked, is_negated, polarity, ranked_below, superseded


@pytest.mark.parametrize("text, word, denied", [
    ("Canberra is not the capital; the capital is Sydney.", "Sydney", False),
    ("Canberra is not the capital; the capital is Sydney.", "Canberra", True),
    ("It is not Tokyo.", "Tokyo", True),
    ("Tokyo is not small; it is huge.", "Tokyo", False),
    ("I don't think it is Tokyo; it is Kyoto.", "Tokyo", True),
    ("Isn't it Tokyo?", "Tokyo", False),
    ("No, it is Tokyo.", "Tokyo", False),
    ("東京は首都ではありません。", "東京", True),
    ("I'm not sure, but I think it's Tokyo.", "Tokyo", False),
    ("Not only Tokyo but Osaka.", "Tokyo", False),
    ("It's not 100 yen — the ball costs 50 yen.", "50", False),
    ("東京ではなく大阪です。", "東京", True),
    ("東京ではなく大阪です。", "大阪", False),
    ("パリではないかと思います。", "パリ", False),
    ("5本ではありません。6本です。", "5", True),
])
def test_is_negated_in_its_clause(text, word, denied):
    start = text.index(word)
    assert is_negated(text, start, start + len(word)) is denied


@pytest.mark.parametrize("text, word, denied", [
    ("Milk does not contain vitamin C.", "Milk", True),  # the subject of a denied verb
    ("No other river is longer than the Nile.", "Nile", False),  # "no" denies its own noun
    ("The capital is no longer Kyoto.", "Kyoto", True),
    ("Lyon is a common wrong guess.", "Lyon", True),  # judged wrong
    ("リヨンは間違いです。", "リヨン", True),
    ("Lyon is a large city.", "Lyon", False),
    ("Bananas don't grow on trees in winter.", "Bananas", True),
    ("Tokyo is not a small city; it is huge.", "Tokyo", False),  # a property, not an identity
    ("明日は雪が降らないでしょう。", "雪", True),  # the mention's own predicate is denied
    ("猫は魚を食べません。", "魚", True),
    ("雪が降るのではないかと思います。", "雪", False),  # a hedged question affirms
    ("雪が降らないとは限りません。", "雪", True),  # only possible: not asserted
    ("東京は日本の首都で、大阪は首都ではありません。", "東京", False),  # its own predicate is the copula
    ("猫がソファで寝ています。", "ソファ", False),
    ("大阪だとは思いません。", "大阪", True),  # the quoting verb is the predicate
    ("大阪だと思います。", "大阪", False),
])
def test_a_mention_is_denied_with_its_own_predicate(text, word, denied):
    start = text.index(word)
    assert is_negated(text, start, start + len(word)) is denied


def test_an_identity_with_the_questions_own_noun_is_denied():
    question_en, question_ja = "What is the capital city of Japan?", "日本の首都はどこですか？"
    text = "Osaka is not a capital city, although it is large."
    assert is_negated(text, 0, 5, question_en) and not is_negated(text, 0, 5)
    text = "名古屋は首都ではなく、大きな都市です。"
    assert is_negated(text, 0, 3, question_ja) and not is_negated(text, 0, 3)
    assert not is_negated("名古屋は大都市ではなく、中都市です。", 0, 3, question_ja)


@pytest.mark.parametrize("text, word, down", [
    ("Kyoto? No, the capital is Tokyo.", "Kyoto", True),
    ("Kyoto? Not quite: it is Tokyo.", "Kyoto", True),
    ("Isn't it Tokyo? Yes, since 1868.", "Tokyo", False),
    ("京都？いいえ、東京です。", "京都", True),
    ("京都です。", "京都", False),
    ("Kyoto? The capital is Tokyo.", "Kyoto", True),  # a bare echo, not confirmed
    ("Tokyo? Yes.", "Tokyo", False),
    ("Tokyo?", "Tokyo", False),  # a tentative answer
    ("Is it Kyoto or Tokyo? It is Tokyo.", "Kyoto", True),
    ("京都ですか、東京ですか？東京です。", "京都", True),
])
def test_a_mention_asked_and_asked(text, word, down):
    start = text.index(word)
    assert asked(text, start, start + len(word)) is down


@pytest.mark.parametrize("text, word, read", [
    # A denied predicate in a concessive clause: the main clause decides.
    ("Mercury doesn't have moons, but it is the closest planet to the Sun.", "Mercury", "asserted"),
    ("Milk doesn't contain vitamin C, but oranges do.", "Milk", "unresolved"),
    ("Milk doesn't contain vitamin C.", "Milk", "denied"),
    ("水星はあまり目立ちませんが、太陽に一番近い惑星です。", "水星", "asserted"),
    ("雨は降りませんが、雪が降ります。", "雨", "unresolved"),
    ("雨は降りません。", "雨", "denied"),
])
def test_a_concession_defers_to_its_main_clause(text, word, read):
    start = text.index(word)
    assert polarity(text, start, start + len(word)) == read


@pytest.mark.parametrize("text, word, former", [
    ("Nara used to be the capital, but now the capital is Tokyo.", "Nara", True),
    ("昔の首都は奈良でしたが、今は東京です。", "奈良", True),
    ("Tokyo, formerly known as Edo, is the capital today.", "Tokyo", False),
    ("Nara used to be the capital.", "Nara", False),  # nothing sets it against the present
])
def test_a_former_state_set_against_the_present(text, word, former):
    start = text.index(word)
    assert superseded(text, start, start + len(word)) is former


def test_a_negated_question_is_restated_not_denied():
    source_en, source_ja = 'Translate into Japanese: "I never eat fish."', "次の日本語を英訳してください。「魚は食べません。」"
    text = "私は魚を決して食べません。"
    assert polarity(text, 2, 3, source_en) == "asserted" and polarity(text, 2, 3) == "denied"
    text = "I don't eat fish."
    assert polarity(text, 12, 16, source_ja) == "asserted" and polarity(text, 12, 16) == "denied"
    text = "Not fish but meat."
    assert polarity(text, 4, 8, "Which food does she never eat?") == "denied"
    assert polarity("Is it fish?", 6, 10, "Answer yes or no: is it fish?") == "asserted"


@pytest.mark.parametrize("text, word, question, below", [
    ("The longest river is the Nile, followed by the Amazon.", "Amazon", "Which is the longest river?", True),
    ("The Nile is longer than the Amazon.", "Amazon", "Which is the longest river?", True),
    ("ナイル川はアマゾン川より長いです。", "アマゾン", "一番長い川は？", True),
    ("The Nile is longer than the Amazon.", "Nile", "Which is the longest river?", False),
    ("The Nile is longer than the Amazon.", "Amazon", 'Translate: "ナイル川はアマゾン川より長い。"', False),
    ("No other river is longer than the Nile.", "Nile", "Which is the longest river?", False),  # negated: the top
    ("ナイル川より長い川はありません。", "ナイル", "一番長い川は？", False),
])
def test_a_mention_ranked_below_another(text, word, question, below):
    start = text.index(word)
    assert ranked_below(text, start, start + len(word), question) is below


def test_a_latin_name_set_off_by_a_space_before_a_japanese_denial_is_denied():
    text = "首都は Wellington です。Auckland ではありません。"
    start = text.index("Auckland")
    assert polarity(text, start, start + 8, "ニュージーランドの首都はどこですか？") == "denied"
    start = text.index("Wellington")
    assert polarity(text, start, start + 10, "ニュージーランドの首都はどこですか？") == "asserted"
    spaced = "答えは Paris じゃないです。"
    assert polarity(spaced, 4, 9) == "denied"


@pytest.mark.parametrize("text, word, denied", [
    ("Because 27 is not even, yes, it is odd.", "yes", False),  # the negation is the fronted clause's
    ("Although the moon is not a planet, it is round.", "round", False),
    ("Since 49 is divisible by 7, it is not prime.", "prime", True),  # the main clause's own negation
    ("If it were not raining, yes, we would go.", "yes", True),  # a condition is not a fronted reason
])
def test_a_negation_in_a_fronted_reason_stays_in_it(text, word, denied):
    start = text.index(word)
    assert is_negated(text, start, start + len(word)) is denied
