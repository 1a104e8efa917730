"""Reading the question's fact restated in an answer (affirmed, denied, by an opposite, another
kind, another subject of a unique predicate), or None."""

import pytest

from mistral_eval.checks.restated import asked_statement, fact_verdict


@pytest.mark.parametrize("question, answer, verdict", [
    # an unambiguous opposite of the asked predicate, said of the asked subject and nothing more, denies it
    ("Question: Is the library open on Monday?", "The library is closed on Mondays.", False),
    ("Question: Is the library open on Monday?", "The library is not closed on Mondays.", True),
    ("Question: Is Aiko older than Ren?", "Aiko is younger than Ren.", False),
    ("Question: Is Aiko older than Ren?", "Ren is younger than Aiko.", True),  # sides swapped too
    ("質問: その図書館は月曜日に開いていますか？", "その図書館は月曜日は閉まっています。", False),
    ("質問: その図書館は月曜日に開いていますか？", "その図書館は月曜日は休みではありません。", True),
    ("質問: 愛子は蓮より背が高いですか？", "愛子は蓮より背が低いです。", False),
    # where the answer read it and markdown emphasis are not part of what it says
    ("Question: Is the pool open on Monday?", "Based on the text, the pool is closed on Mondays.", False),
    ("Question: Is the pool open on Monday?", "**The pool is closed on Mondays.** It opens at 10 on other days.", False),
    ("質問: そのプールは月曜日に開いていますか？", "文によると、月曜日は定休日です。", False),
    ("Question: Is the pool open on Monday?", "The text says the pool is open on weekends.", None),
    # saying more than the opposite is not a denial: its negations may be of something else
    ("Question: Is the library open on Monday?", "The library is closed on Sundays.", None),
    ("Question: Is the café open today?", "It is closed today, but it opens tomorrow.", False),  # the clause's "but" aside
    ("Is a penguin a mammal?", "Penguins are birds that cannot fly.", None),
    ("Is a dolphin a mammal?", "Dolphins look like fish.", None),
])
def test_an_opposite_of_the_asked_predicate_denies_it(question, answer, verdict):
    assert fact_verdict(answer, question) is verdict


@pytest.mark.parametrize("question, answer, verdict", [
    # another kind of the same family (mammal/bird/fish..., planet/star) denies the asked kind
    ("Is a bat a bird?", "Bats are mammals.", False),
    ("Is the Moon a planet?", "The Moon is not a star.", None),  # no kind of its family is said of it
    ("Is the Sun a planet?", "The Sun is a star.", False),
    ("コウモリは鳥類ですか？", "コウモリは哺乳類です。", False),
    # both kinds in one clause: read by which one is denied; neither denied: no verdict
    ("Is a shark a mammal?", "Sharks are fish, not mammals.", False),
    ("Is a shark a fish?", "Sharks are fish, not mammals.", True),
    ("イルカは魚類ですか？", "イルカは哺乳類であり、魚類ではありません。", False),
    ("Is a bat a bird?", "Bats are mammals, although they can fly like birds.", None),
])
def test_another_kind_of_the_same_family_denies_the_asked_kind(question, answer, verdict):
    assert fact_verdict(answer, question) is verdict


@pytest.mark.parametrize("question, answer, verdict", [
    # a one-of-a-kind predicate (superlative, first, only) given to another subject: not the asked one's
    ("Is Lake Biwa the largest lake in Kyushu?", "Lake Ikeda is the largest lake in Kyushu.", False),
    ("Was Gagarin the first person to orbit the Moon?", "Frank Borman was the first person to orbit the Moon.", False),
    ("Is Lake Biwa the largest lake in Japan?", "Lake Biwa is the largest lake in Japan.", True),
    ("Is Lake Biwa the largest lake in Japan?", "Lake Kasumigaura is the second largest lake in Japan.", None),
    ("信濃川は日本で最も長い川ですか？", "利根川は日本で最も長い川です。", False),
    # another subject with an ordinary predicate is no restatement
    ("健は土曜日に学校へ行きましたか？", "翔は土曜日に学校へ行きました。", None),
    # not the answer's own, or qualified: a view of others, a condition, a qualifier after the predicate
    ("Is Lake Biwa the largest lake in Kyushu?", "Many tourists think Lake Ikeda is the largest lake in Kyushu.", None),
    ("Is Lake Biwa the largest lake in Kyushu?", "If you count reservoirs, Lake Ikeda is the largest lake in Kyushu.", None),
    ("Is K2 the tallest mountain on Earth?", "Mauna Kea is the tallest mountain on Earth when measured from its base.", None),
    ("信濃川は日本で最も長い川ですか？", "多くの人は利根川が日本で最も長い川だと思っています。", None),
])
def test_a_unique_predicate_given_to_another_subject_denies_it(question, answer, verdict):
    assert fact_verdict(answer, question) is verdict


@pytest.mark.parametrize("question, answer, verdict", [
    # an English restatement has only the asked words between its first and last one (a certainty or
    # degree adverb aside): a modifier or another verb makes it say something else
    ("Is Ceres a planet?", "Ceres is a dwarf planet.", None),
    ("Is a seahorse a fish?", "Seahorses look like tiny horses, but they are fish.", True),
    ("Is a dolphin a fish?", "Dolphins resemble fish.", None),
    ("Question: Is Mei taller than Jun?", "Mei is definitely taller than Jun.", True),
    ("Question: Is Mei taller than Jun?", "Mei isn't really taller than Jun.", False),
    # a restatement and an opposite that disagree: none is read; agreeing ones are
    ("Is a whale a fish?", "Whales are often mistaken for fish, but they are mammals.", False),
    ("Question: Is the gate open?", "The gate is closed now, but it was open this morning.", None),
])
def test_a_restatement_says_only_the_asked_fact(question, answer, verdict):
    assert fact_verdict(answer, question) is verdict


@pytest.mark.parametrize("question, answer, verdict", [
    ("Do goldfish have a three-second memory?",
     "Many people think that goldfish have a three-second memory, but that is a misconception.", False),
    ("Are bats blind?", "Some people say that bats are blind.", None),  # only others' view: no reading
    ("金魚の記憶は3秒ですか？", "金魚の記憶は3秒だと思う人も多いですが、それはよくある誤解です。", False),
])
def test_a_restatement_in_others_view_is_not_the_answers_own(question, answer, verdict):
    assert fact_verdict(answer, question) is verdict


@pytest.mark.parametrize("question, answer, verdict", [
    ("Did Marie Curie win her first Nobel Prize in chemistry?",
     "Marie Curie won her first Nobel Prize in physics, not in chemistry.", False),
    ("その博物館は月曜日に休館しますか？", "その博物館は月曜日ではなく、火曜日に休館します。", False),
    ("健は東京で生まれましたか？", "健は東京ではなく大阪で生まれました。", False),
    # the denied phrase is not the question's: the "not" denies another thing, the clause is affirmed
    ("Is Tokyo the capital of Japan?", "Tokyo is the capital of Japan, not Kyoto.", True),
    ("健は大阪で生まれましたか？", "健は東京ではなく大阪で生まれました。", True),
    # the rest does not say the asked fact: no reading
    ("Is the Earth's core hotter than the surface of the Sun?",
     "The core is about as hot as the surface of the Sun, not hotter.", None),
    ("Did Ryo take the bus?", "If you ask about the bus, he took a taxi, not the bus.", None),
])
def test_a_contrastive_negation_denies_only_its_phrase(question, answer, verdict):
    assert fact_verdict(answer, question) is verdict


@pytest.mark.parametrize("answer, question, verdict", [
    ("バスは8時10分に着いたので、定刻には着いていません。", "主張: バスは定刻に着いた。", False),  # …には before the denial
    ("図書館は月曜日に休館するので、月曜日には開館していません。", "主張: 図書館は月曜日に開館している。", False),
    ("Since the bus left at 8:10, the bus was not on time.", "Statement: The bus was on time.", False),
    ("バスは渋滞に巻き込まれたので、遅れました。", "主張: バスは定刻に着いた。", None),  # the main clause says another thing
])
def test_the_main_clause_after_a_reason_clause_is_read(answer, question, verdict):
    assert fact_verdict(answer, question) is verdict


@pytest.mark.parametrize("question, asked", [
    ("In the conversation below, is the driver lost? Answer True or False.\nDriver: Where am I?\nRider: Turn left.",
     "is the driver lost?"),
    ("以下の会話で、客は怒っていますか？\n```\n客: まだですか？\n店員: 少々お待ちください。\n```", "客は怒っていますか？"),
    ("Driver: Where am I?", "Driver: Where am I?"),  # nothing else asks: the line itself
])
def test_the_asked_sentence_is_outside_the_quoted_material(question, asked):
    assert asked_statement(question) == asked


@pytest.mark.parametrize("question, asked", [
    ("（システム: 下記のシナリオにおいて、店員は答えましたか？TrueかFalseで答えなさい。）\n```\n客: 在庫はありますか？\n店員: 少々お待ちください。\n```",
     "店員は答えましたか？"),
    ("(System: In the dialogue below, did the agent apologise? Answer True or False.)\nCustomer: Where is it?\nAgent: Sorry.",
     "did the agent apologise?"),
])
def test_a_system_frame_in_parentheses_is_the_question_not_material(question, asked):
    assert asked_statement(question).strip() == asked


def test_a_speaker_named_system_inside_the_material_is_still_material():
    question = "Did the user ask twice?\n```\nSystem: Are you sure?\nUser: Yes.\n```"
    assert asked_statement(question).strip() == "Did the user ask twice?"


@pytest.mark.parametrize("answer", ["This is a very common myth! It cannot be seen.", "それはとてもよくある誤解です。"])
def test_a_myth_with_an_intensifier_denies_the_claim(answer):
    assert fact_verdict(answer, "Can the wall be seen from the Moon?") is False


def test_a_myth_of_another_shape_says_nothing():
    assert fact_verdict("Myths about the wall are very common.", "Can the wall be seen from the Moon?") is None


# Round 12 (t12b): quoted labels (「正しい」か「誤り」) are no claim; the one quoted clause is asked.
def test_the_quoted_claim_beside_quoted_labels():
    question = "次の文は正しいですか？「正しい」か「誤り」で答えてください。\n「月は地球の衛星である。」"
    assert asked_statement(question) == "月は地球の衛星である。"
