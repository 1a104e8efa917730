"""Whether an answer asserts a mention, as contains and regex read it."""

import re

from mistral_eval.checks.mentions import (
    affirmed,
    in_view_and_again,
    latin_edges,
    latin_folded,
    mention_spans,
    mention_standing,
    only_classified,
    other_form,
    why_uncommitted,
    why_unsure,
    why_withheld,
)


def test_mention_spans_find_the_word_its_kana_spelling_and_the_long_vowel_variant():
    assert mention_spans("とうきょうです", "東京", 0)
    assert mention_spans("コンピュータを使う", "コンピューター", 0)
    assert mention_spans("Osaka", "Tokyo", 0) == []


def test_latin_letters_lose_their_accents_and_positions_stay():
    assert latin_folded("Tōkyō café") == "Tokyo cafe"
    assert latin_folded("がっこう") == "がっこう"  # kana keep their voicing marks


def test_standing_and_other_forms():
    text = "It is not Sydney; it is Canberra."
    assert mention_standing(text, text.index("Sydney"), text.index("Sydney") + 6) == "denied"
    assert affirmed(text, [(text.index("Canberra"), text.index("Canberra") + 8)], True)
    assert other_form("The library closes on Mondays.", "closed") == "closes"


def test_a_view_of_others_said_again_and_why_a_mention_is_not_committed():
    said_again = "It is widely claimed we inhale oxygen, but that is wrong: we exhale oxygen."
    assert in_view_and_again(said_again, [m.span() for m in re.finditer("oxygen", said_again)])
    settled = "Many think we inhale nitrogen, but in fact we inhale oxygen."
    assert not in_view_and_again(settled, [m.span() for m in re.finditer("oxygen", settled)])
    corrected = "Canberra. Correction: the capital is Sydney."
    assert "self-correction" in (why_uncommitted(corrected, [(0, 8)], "What is the capital?") or "")
    assert why_uncommitted("Canberra.", [(0, 8)], "What is the capital?") is None


def test_a_mention_in_a_sentence_that_denies_a_reported_claim_is_unresolved():
    ja = "富士山はきれいですが、日本一高い山だという説は正しくありません。"
    assert mention_standing(ja, *_at(ja, "富士山"), "日本一高い山は何ですか？") == "unresolved"
    en = "Everyone knows Lyon, and that it is the capital of France, but that claim is not true."
    assert mention_standing(en, *_at(en, "Lyon"), "What is the capital of France?") == "unresolved"
    other = "Paris is the capital of France, and the idea that it is always rainy is wrong."
    assert mention_standing(other, *_at(other, "Paris"), "What is the capital of France?") == "asserted"
    plain = "Paris is the capital of France, and that is a fact."
    assert mention_standing(plain, *_at(plain, "Paris"), "What is the capital of France?") == "asserted"


def test_a_mention_that_is_only_classified_does_not_answer_the_asked_noun():
    question = "What is the capital of Peru?"
    en = "Peru's biggest port is Callao. Lima is a large city on the coast."
    assert only_classified(en, [_at(en, "Lima")], question)
    named = "Lima is a large city and the capital of Peru."
    assert only_classified(named, [_at(named, "Lima")], question) is None
    ja = "ペルー最大の港はカヤオです。リマは海沿いの大きな都市です。"
    assert only_classified(ja, [_at(ja, "リマ")], "ペルーの首都はどこですか？")
    opening = "Lima is a large city on the Pacific coast."
    assert only_classified(opening, [_at(opening, "Lima")], question) is None
    bare = "首都はリマです。"
    assert only_classified(bare, [_at(bare, "リマ")], "ペルーの首都はどこですか？") is None


def _at(text: str, word: str) -> tuple[int, int]:
    start = text.index(word)
    return start, start + len(word)


def test_a_mention_others_often_name_then_denied_in_a_contrast_is_denied_a_hedge_is_not():
    question = "What is the longest river in the world?"
    denied = "The Amazon is often named, but the longest river is, by most measures, not the Amazon."
    assert mention_standing(denied, *_at(denied, "Amazon"), question) == "denied"
    hedge = "The Nile is commonly cited as the longest river, though some measurements favour the Amazon."
    assert mention_standing(hedge, *_at(hedge, "Nile"), question) == "asserted"
    other = "The Amazon is often named as the longest river, but it is not easy to measure."
    assert mention_standing(other, *_at(other, "Amazon"), question) == "asserted"
    ja = "アマゾン川がよく挙げられますが、世界一長い川はアマゾン川ではありません。"
    assert mention_standing(ja, *_at(ja, "アマゾン"), "世界一長い川は何ですか？") == "denied"


def test_a_denied_reported_claim_then_the_answers_own_statement_of_another_value_is_denied():
    ja = "富士山はきれいですが、日本一高い山だという説は正しくありません。日本一高い山は北岳です。"
    assert mention_standing(ja, *_at(ja, "富士山"), "日本一高い山は何ですか？") == "denied"
    en = "Lyon is lovely, but the idea that it is the capital of France is wrong. The capital of France is Paris."
    assert mention_standing(en, *_at(en, "Lyon"), "What is the capital of France?") == "denied"


def test_a_nominalised_superlative_states_what_is_asked_and_outweighs_an_earlier_mention():
    question = "地球上で最も硬い天然の物質は何ですか？"
    text = "金は柔らかい金属です。最も硬いのはダイヤモンドです。"
    assert why_uncommitted(text, [_at(text, "金")], question)
    assert why_uncommitted(text, [_at(text, "ダイヤモンド")], question) is None


def _spans(answer: str, word: str) -> list[tuple[int, int]]:
    return [m.span() for m in re.finditer(re.escape(word), answer)]


def test_a_mention_whose_claim_is_withheld_or_only_said_to_exist_too_is_not_given():
    q_ja, q_en = "カナダの首都はどこですか？", "What is the capital of Canada?"
    hedge_ja = "トロントが首都だという人もいますが、オタワが首都であるとは言い切れません。"
    assert why_withheld(hedge_ja, _spans(hedge_ja, "オタワ"), q_ja)
    hedge_en = "It is not certain that Ottawa is the capital; many sources disagree."
    assert why_withheld(hedge_en, _spans(hedge_en, "Ottawa"), q_en)
    exists_ja = "カナダ最大の都市はトロントです。オタワという都市もあります。"
    assert why_withheld(exists_ja, _spans(exists_ja, "オタワ"), q_ja)
    exists_en = "Toronto is the biggest city. There is also a city called Ottawa."
    assert why_withheld(exists_en, _spans(exists_en, "Ottawa"), q_en)
    plain = "オタワです。オタワという名前は先住民の言葉に由来します。"
    assert why_withheld(plain, _spans(plain, "オタワ"), q_ja) is None


def test_a_mention_that_is_the_value_of_another_noun_before_the_asked_noun_is_not_given():
    ja = "ブラジルで人口が最も多い都市はサンパウロで、首都はブラジリアです。"
    assert why_withheld(ja, _spans(ja, "サンパウロ"), "ブラジルの首都はどこですか？")
    assert why_withheld(ja, _spans(ja, "ブラジリア"), "ブラジルの首都はどこですか？") is None
    en = "Sao Paulo is the largest city, and the capital is Brasilia."
    assert why_withheld(en, _spans(en, "Sao Paulo"), "What is the capital of Brazil?")


def test_a_mention_only_after_the_answer_picks_a_letter_is_not_given_after_another_span_unsure():
    en = "Plants need light, so the answer is **C**.\n\n(Water is taken up by the roots.)"
    assert why_withheld(en, _spans(en, "Water"), "Which one? A) Water B) Sand C) Light", names=False)
    ja = "答えは**B**です。\n\n（酸素は動物が吸う気体です。）"
    assert why_withheld(ja, _spans(ja, "酸素"), "どれですか？ A) 酸素 B) 窒素", names=False)
    marked = "So the answer is **A** (water)."
    assert why_withheld(marked, _spans(marked, "water"), "Which one? A) Water B) Sand", names=False) is None
    named = "The answer is the roots.\n\n(Water enters there.)"
    assert why_unsure(named, _spans(named, "Water"), "Where does water enter a plant?")


def test_a_mention_that_is_one_of_a_group_is_asserted_not_a_candidate():
    en = "Blue is one of the three primary colours, along with red and yellow."
    assert mention_standing(en, 0, 4, "Name a primary colour.") == "asserted"
    listing = "It could be one of the following: blue, green or grey."
    start = listing.index("blue")
    assert mention_standing(listing, start, start + 4, "Name a primary colour.") == "denied"


def test_a_mention_as_the_topic_of_a_sentence_about_a_former_time_is_denied_unless_the_past_is_asked():
    ja = "ボンです。いいえ、ベルリンです。ちなみに、ボンはかつて西ドイツの首都でした。"
    last = ja.rindex("ボン")
    assert mention_standing(ja, last, last + 2, "ドイツの首都はどこですか？") == "denied"
    en = "The capital is Berlin. Bonn was formerly the seat of government."
    start = en.index("Bonn")
    assert mention_standing(en, start, start + 4, "What is the capital of Germany?") == "denied"
    assert mention_standing(en, start, start + 4, "What was the capital of West Germany?") == "asserted"


def test_a_word_boundary_also_falls_between_a_latin_word_and_kana_or_kanji():
    edged = latin_edges(r"\bB\b")
    assert edged and re.search(edged, "答えはBです。") and re.search(edged, "The answer is B.")
    assert not re.search(edged, "答えはABです。")
    assert re.search(latin_edges(r"\bOttawa\b") or "", "首都はOttawaです") is not None
    assert latin_edges("Ottawa") is None


def test_a_mention_said_to_exist_too_counts_for_a_question_that_asks_for_any_member():
    en = "Osaka is a large city. There is also a city called Nara nearby."
    assert why_withheld(en, _spans(en, "Nara"), "Name a city in Japan.") is None


def test_a_mention_only_in_an_aside_that_says_something_of_its_own_is_unsure():
    en = "The symbol for iron is **Fe**. (Copper, on the other hand, is Cu.)"
    assert why_unsure(en, _spans(en, "Cu"), "What is the chemical symbol for iron?")
    ja = "鉄の元素記号はFeです。（銅はCuです。）"
    assert why_unsure(ja, _spans(ja, "Cu"), "鉄の元素記号は何ですか？")
    plain = "It is Fe (from the Latin ferrum)."
    assert why_unsure(plain, _spans(plain, "Fe"), "What is the chemical symbol for iron?") is None


def test_a_mention_only_in_a_note_beside_a_main_statement_of_another_value_is_withheld():
    table = "| Country | Capital |\n|---|---|\n| Brazil | Rio de Janeiro |\n\nNote: Brasília was built in the 1950s."
    assert "only in a note" in why_withheld(table, _spans(table, "Brasília"), "Give the capital of Brazil.")
    ja = "ブラジルの首都はリオデジャネイロです。\n※ブラジリアは計画都市です。"
    assert "only in a note" in why_withheld(ja, _spans(ja, "ブラジリア"), "ブラジルの首都はどこですか？")
    same = "The capital of Brazil is Brasília.\nNote: Brasília was built in the 1950s."
    assert why_withheld(same, _spans(same, "Brasília"), "What is the capital of Brazil?") is None
    assert why_unsure(same, _spans(same, "Brasília"), "What is the capital of Brazil?") is None


def test_a_mention_only_in_a_note_with_no_other_value_stated_is_unsure():
    vague = "I am not able to check this right now.\nNote: Brasília may be what you are looking for."
    question = "What is the capital of Brazil?"
    assert why_withheld(vague, _spans(vague, "Brasília"), question) is None
    assert "only in a note" in why_unsure(vague, _spans(vague, "Brasília"), question)
    whole = "Note: the capital of Brazil is Brasília."
    assert why_unsure(whole, _spans(whole, "Brasília"), question) is None  # nothing beside the note


def test_a_mention_said_of_another_name_in_the_questions_slot_whose_premise_is_denied_is_withheld():
    en = "Nobody has swum across the Pacific. Ben Lecomte was the first person to swim across the Atlantic."
    question = "Who was the first person to swim across the Pacific?"
    assert "premise" in why_withheld(en, _spans(en, "Ben Lecomte"), question)
    ja = "金星に着陸した探査機はまだありません。火星に最初に着陸した探査機はマルス3号です。"
    assert "premise" in why_withheld(ja, _spans(ja, "マルス3号"), "金星に最初に着陸した探査機は何ですか？")


def test_a_restated_question_with_other_words_or_no_denied_premise_keeps_the_mention():
    question = "Who was the first person to swim across the Atlantic?"
    paraphrase = "Ben Lecomte was the first man to swim the whole Atlantic, in 1998."
    assert why_withheld(paraphrase, _spans(paraphrase, "Ben Lecomte"), question) is None
    undenied = "Ben Lecomte was the first person to swim across the Pacific. He also swam across the Atlantic."
    assert why_withheld(undenied, _spans(undenied, "Ben Lecomte"), question) is None


def test_an_option_picked_with_its_text_withholds_later_mentions():
    question = "Which is a mammal?\n(a) Shark (b) Whale (c) Tuna"
    text = "The answer is (a) Shark. Whale is a fish."
    start = text.index("Whale")
    assert why_withheld(text, [(start, start + 5)], question)
    picked = "The answer is (b) Whale. A shark is a fish."
    assert why_withheld(picked, [(picked.index("Whale"), picked.index("Whale") + 5)], question) is None


def test_a_candidate_in_a_refusal_is_withheld_but_not_in_an_answer():
    question = "What is the capital of Peru?"
    text = "I cannot verify this. Sources name Lima, Cusco or Arequipa."
    start = text.index("Lima")
    assert why_withheld(text, [(start, start + 4)], question)
    own = "The capital is Lima. Other big cities: Lima, Cusco or Arequipa."
    assert why_withheld(own, [(own.index("Lima"), own.index("Lima") + 4)], question) is None


def test_a_mention_set_beside_another_by_comparison_is_no_answer_to_a_superlative():
    question = "What is the deepest lake in the world?"
    text = "Lake Tanganyika is very old. Lake Baikal, by comparison, lies in Siberia."
    start = text.index("Lake Baikal")
    assert mention_standing(text, start, start + 11, question) == "denied"
    said = "Lake Baikal is the deepest lake. Tanganyika, by comparison, is shallower."
    assert mention_standing(said, 0, 11, question) == "asserted"
