"""Reading a yes/no verdict, or why it cannot be told."""

import pytest

from mistral_eval.checks.verdicts import BOTH_WAYS, declines, read_verdict


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
    assert read_verdict("翔の方が健より背が高いです。", "質問: 健は翔より背が高いですか？")[0] is False  # swapped
    verdict, why = read_verdict("It depends on the weather.", "Is it open?")
    assert verdict is None and "no verdict word" in why


@pytest.mark.parametrize("answer, verdict", [
    # A verdict word right after the answer marker is the verdict; later words explain.
    ("Answer: **False**. Calling the bus early would be true only on the old timetable.", False),
    ("結論：「いいえ」。旧ダイヤなら正しいのですが。", False),
    # Words said of another claim: a hypothetical, a premise, an aside, a note.
    ("False. To call a whale a mammal would be correct, but this statement calls it a fish.", False),
    ("No. Ken is older than Aya, which is true, and Aya is older than Jun, which is also true.", False),
    ("Yes (an answer of no would be wrong here).", True),
    ("Yes.\n\nNote: the older edition of the book was incorrect.", True),
    ("はい。\n※古い資料には誤りがあります。", True),
    # A condition or a concession.
    ("No. It would only be true if the bridge had been finished in 1990.", False),
    ("False: the claim is correct only when the shop opens on holidays.", False),
    ("False. It is true that dolphins live in the sea, but they breathe air.", False),
    ("いいえ。海に住むという点は確かに正しいですが、イルカは肺で呼吸します。", False),
    ("No. Had the law passed, the claim would be true.", False),
    ("False. If the bridge had opened in May, it would be correct.", False),
    ("いいえ。もし雨だったら「はい」でした。", False),
    ("Yes (one could argue, on a strict reading of the older map from before the border moved, that the answer is no).",
     True),
    ("Yes, although under another definition it could be no.", True),
    # A reply that agrees, or one that opens by disagreeing.
    ("その通りです。", True), ("違います。正しくは二番目です。", False),
    # A verdict adjective naming a thing is no verdict; a predicate noun still judges.
    ("The claim is false. The correct opening year was 1998.", False),
    ("True. The ferry took the wrong pier but still left on time.", True),
    ("誤りです。正しい開業年は1998年です。", False),
    ("This is a false claim.", False), ("正しい主張です。", True),
    # A whole-sentence reply is a verdict; the same word opening a longer sentence is not.
    ("Absolutely.", True), ("Of course not! It is a mammal.", False), ("Not at all.", False),
    ("もちろんです。", True), ("そうではありません。", False), ("Certainly, it is a mammal.", None),
    # A verdict hedged as partial gives way to a plain one.
    ("It is partly true for old maps, but for today's map the claim is false.", False),
    # A verdict mentioned and then judged reads as one verdict.
    ("いいえ。「はい」と答えるのは間違いです。", False),
    ("「はい」と答えるのが正しいです。", True),
    # An answer marker inside a view attributed to others is not the answer's.
    ("No. It is a popular myth that the answer is yes.", False),
    ("Yes. Contrary to popular belief, the answer is not no.", True),
])
def test_words_said_of_other_claims_give_way_to_the_answers_own(answer, verdict):
    assert read_verdict(answer)[0] is verdict


def test_a_swapped_comparison_reads_the_other_way_and_another_predicate_is_not_read():
    assert read_verdict("Jun is older than Aya.", "Question: Is Aya older than Jun?")[0] is False
    assert read_verdict("Aya is older than Jun.", "Question: Is Aya older than Jun?")[0] is True
    assert read_verdict("美咲の方が陽太より年上です。", "質問: 陽太は美咲より年上ですか？")[0] is False
    assert read_verdict("陽太は美咲より年上です。", "質問: 陽太は美咲より年上ですか？")[0] is True
    assert read_verdict("The museum is shut on Sundays.", "Question: Is the museum open on Sunday?")[0] is None
    # another predicate is read only as an opposite in the explicit table (休館 for 開く; "shut" is not in it)
    assert read_verdict("図書館は日曜日は休館です。", "質問: 図書館は日曜日に開いていますか？")[0] is False
    assert read_verdict("図書館は日曜日は混んでいます。", "質問: 図書館は日曜日に開いていますか？")[0] is None
    # the first of the first three sentences that restates it; a quoting verb is no content word
    assert read_verdict("Good question. Whales breathe air.", "Question: Do whales breathe air?")[0] is True
    assert read_verdict("鯨ではない、ということはありません。", "質問: これは鯨ですか？")[0] is True


def test_the_verdict_that_restates_the_question_and_the_questions_own_predicate():
    spiders = "Do spiders have eight legs? Answer yes or no."
    assert read_verdict("Yes, spiders have eight legs. So no, they are not insects.", spiders)[0] is True
    assert read_verdict("No, it is not incorrect: ice melts at 0 °C.", "Is it incorrect that ice melts at 0 °C?")[0] is False
    assert read_verdict("Yes, it is incorrect.", "Is it incorrect that ice melts at 0 °C?")[0] is True
    assert read_verdict("誤りです。", "次の主張は正しいですか、誤りですか？「氷は0℃で溶ける。」")[0] is False  # a choice
    bus = "Question: Did Mei take the train to work?"
    assert read_verdict("Mei did not take the train; she walked.", bus)[0] is False  # "to work" dropped
    assert read_verdict("Mei walked to work.", bus)[0] is None
    assert read_verdict("Birds are animals, but they cannot swim.", "Can penguins swim?")[0] is None


def test_a_comparison_with_another_standard_does_not_restate_the_question():
    question = "Text: Aya is taller than Ken. Ken is taller than Rio.\nQuestion: Is Aya taller than Rio?"
    assert read_verdict("Ken is taller than Rio, and Aya is taller than Ken.", question)[0] is None
    assert read_verdict("Aya is taller than Rio.", question)[0] is True
    assert read_verdict("Rio is taller than Aya.", question)[0] is False
    question_ja = "文: 綾は健より背が高い。健は里緒より背が高い。\n質問: 綾は里緒より背が高いですか？"
    assert read_verdict("綾は健より背が高く、健は里緒より背が高いです。", question_ja)[0] is None
    assert read_verdict("綾は里緒より背が高いです。", question_ja)[0] is True


@pytest.mark.parametrize("answer, verdict", [
    ("Not necessarily. Some birds, like penguins, cannot fly.", False),
    ("You bet! It has no divisors but 1 and itself.", True),
    ("必ずしもそうではありません。ペンギンは飛べません。", False),
    ("はい。猫は哺乳類です。いいえと答える人はいないでしょう。", True),  # a verdict others would give is a mention
])
def test_whole_sentence_replies_and_verdicts_mentioned_as_others_answers(answer, verdict):
    assert read_verdict(answer)[0] is verdict


def test_a_trailing_adjunct_may_be_dropped_but_not_replaced():
    question = "Text: The store is open on weekdays only.\nQuestion: Is the store open on Saturday?"
    assert read_verdict("The store is open on weekdays.", question)[0] is None  # another day in its slot
    assert read_verdict("The store is also open on Sunday.", question)[0] is None
    assert read_verdict("The store is not open on Saturday.", question)[0] is False
    assert read_verdict("Ryo did not take the bus.", "Question: Did Ryo take the bus to school?")[0] is False


@pytest.mark.parametrize("answer, verdict", [
    ("ええ、そうです。", True), ("そんなことはありません。富士山は一番高い山です。", False), ("No way.", False),
    ("はい、と言いたいところですが、いいえです。地球は丸いです。", False),  # the verdict said after taking one back
])
def test_more_whole_sentence_replies_and_a_verdict_taken_back(answer, verdict):
    assert read_verdict(answer)[0] is verdict


def test_a_letter_picks_the_verdict_of_its_lettered_option():
    question = "Which is correct? A) True B) False\nStatement: The Sun orbits the Earth."
    assert read_verdict("B", question)[0] is False
    assert read_verdict("**A**", question)[0] is True
    assert read_verdict("B", "Which planet is red? A) Venus B) Mars")[0] is None  # options that are no verdicts


@pytest.mark.parametrize("question, answer, verdict", [
    # the answer calls the asked claim a myth or misconception: the claim is false
    ("Is it true that we only use 10% of our brains?", "That's a common misconception. Brain scans show activity everywhere.", False),
    ("Do camels store water in their humps?", "This is a popular myth; the humps store fat.", False),
    ("雷は同じ場所に二度落ちないというのは本当ですか？", "それはよくある誤解です。高い建物には何度も落ちます。", False),
    ("Is it true that bulls hate red?", "It is a myth that bulls are calm.", None),  # a myth about something else
    ("Do ostriches bury their heads in sand?", "Actually, that is an old myth: they lower their heads to turn eggs.", False),
    # a soft denial as the whole reply
    ("地球は丸いですか？", "そうとは言えません。", False),
    ("Is Canberra the capital of Australia?", "I wouldn't say so.", False),
    ("Is Canberra the capital of Australia?", "I would say so, probably.", None),
])
def test_a_rejected_premise_and_a_soft_denial_read_false(question, answer, verdict):
    assert read_verdict(answer, question)[0] is verdict


@pytest.mark.parametrize("question, answer, verdict", [
    # the question's auxiliary as the whole reply
    ("Does Mars have two moons?", "It does.", True),
    ("Can ostriches fly?", "They can't.", False),
    ("Is the museum free on Sundays?", "It is not.", False),
    ("Can ostriches fly?", "They can run fast, but flying is another matter.", None),
    # a Japanese na-adjective predicate (平ら, 静か) must be restated; another one is no restatement
    ("その道は平らですか？", "その道は狭いです。", None),
    ("その図書館は静かですか？", "その図書館はとても賑やかです。", None),
    ("その図書館は静かですか？", "その図書館は静かではありません。", False),
    # a unique predicate given by が to another subject, 一番 read as 最も
    ("金星は太陽に一番近い惑星ですか？", "水星が太陽に最も近い惑星です。", False),
])
def test_auxiliary_replies_and_japanese_predicates(question, answer, verdict):
    assert read_verdict(answer, question)[0] is verdict


@pytest.mark.parametrize("answer, verdict", [
    # a stated belief as the whole reply reads as the verdict; a hedge on it ("Probably not.") does not
    ("I don't think so.", False), ("I believe so.", True), ("That is not the case.", False),
    ("そうは思いません。", False), ("そうではないと思います。", False), ("違うと思います。", False),
    ("そう思います。", True), ("Probably not.", None), ("I think so, but I am not sure.", None),
])
def test_a_stated_belief_as_the_whole_reply(answer, verdict):
    assert read_verdict(answer, "Is the Great Wall visible from the Moon?")[0] is verdict


@pytest.mark.parametrize("answer, verdict", [
    ("それは本当です。", True), ("いいえ、本当ではありません。", False), ("なので、本当ではないです。", False),
    ("本当に難しい質問ですが、答えは「いいえ」です。", False),  # 本当に: an adverb, not the verdict
    ("サメは哺乳類というのは本当ですか？いいえ、サメは魚類です。", False),  # the question restated, not a verdict
])
def test_hontou_is_a_verdict_predicate_not_its_adverb(answer, verdict):
    assert read_verdict(answer, "サメは哺乳類ですか？")[0] is verdict


def test_yes_and_no_commits_to_nothing_unless_a_conclusion_follows():
    assert read_verdict("Yes and no. Cooks call it one thing, botanists another.", "Is a tomato a vegetable?") \
        == (None, BOTH_WAYS)
    assert read_verdict("Yes and no. It depends on the definition. So, strictly speaking, no.",
                        "Is a tomato a vegetable?")[0] is False


@pytest.mark.parametrize("question, answer, verdict", [
    ("次の主張について、A) 正しい B) 誤り のどちらかで答えてください。「水は50度で凍る。」", "B", False),
    ("以下から選んでください：A) 正しい B) 誤り。「1年は12か月である。」", "**A**", True),
])
def test_a_lettered_option_after_japanese_punctuation(question, answer, verdict):
    assert read_verdict(answer, question)[0] is verdict


def test_question_defined_labels_are_verdict_words_for_that_question():
    question = "Reply Y if the claim holds and N if it does not. Claim: Owls are birds."
    assert read_verdict("N. They are reptiles.", question)[0] is False
    assert read_verdict("Y", question)[0] is True
    assert read_verdict("Y", "Is the sky green?")[0] is None  # no labels defined: a bare letter says nothing


@pytest.mark.parametrize("answer, verdict", [
    # A conclusion marker makes the verdict after it the answer.
    ("Yes, it is shaped like one. In short, no: a koala is not a bear.", False),
    ("はい、見た目は熊に似ています。要するに、いいえ、コアラは有袋類です。", False),
    ("No, not at first sight. To sum up: yes.", True),
    # Near miss: "so" inside a clause that has no verdict after it leaves the conflict.
    ("Yes. No.", None),
])
def test_a_conclusion_marker_settles_conflicting_verdicts(answer, verdict):
    assert read_verdict(answer, "Is a koala a bear?")[0] is verdict


def test_a_self_correction_makes_the_corrected_statement_the_answer():
    question = "39は素数ですか？"
    assert read_verdict("はい、素数です。訂正します：39は素数ではありません。", question)[0] is False
    assert read_verdict("No, 29 is not prime. Correction: 29 is prime.", "Is 29 prime?")[0] is True
    # Near miss: a correction that only adds a detail leaves the verdict before it.
    assert read_verdict("No, it is not prime. Actually, 39 = 3 × 13.", "Is 39 prime?")[0] is False


@pytest.mark.parametrize("answer, verdict", [
    # Others' views and concessions are asides; the answer's own verdict follows.
    ("正しいと考えている人もいますが、実際には誤りです。", False),
    ("そう信じている人も多いですが、誤りです。", False),
    ("よく本当だと言われますが、実際には違います。", False),
    ("Although it may seem false, the claim is true.", True),
    ("While many would call it correct, it is false.", False),
    # Near miss: "while" with no main clause after the verdict is the verdict itself.
    ("It is false while the bridge is closed.", False),
])
def test_concessive_asides_are_dropped_before_reading_verdicts(answer, verdict):
    assert read_verdict(answer, "Is the claim true?")[0] is verdict


def test_an_asked_slot_filled_with_another_value_is_a_denial_only_when_safe():
    assert read_verdict("The capital of Peru is Lima.", "Is Cusco the capital of Peru?")[0] is False
    assert read_verdict("Ice melts at 0 °C at sea level.", "Does ice melt at 10 °C at sea level?")[0] is False
    assert read_verdict("オーストリアの首都はウィーンです。", "オーストリアの首都はザルツブルクですか？")[0] is False
    assert read_verdict("The Moon sets in the west.", "Is it true that the Moon sets in the east?")[0] is False
    # Near misses: a comparison's standard, a name that is not an identity, the asked value said too.
    assert read_verdict("Mia is taller than Leo.", "Is Mia taller than Ava?")[0] is None
    assert read_verdict("Ken likes Maria.", "Does Ken like Anna?")[0] is None
    assert read_verdict("Ice melts at 0 °C, and at 10 °C ice melts too.", "Does ice melt at 10 °C?")[0] is not False
    assert read_verdict("Ice does not melt at 5 °C.", "Does ice melt at 10 °C?")[0] is None


def test_a_question_about_a_quoted_sentence_asks_the_quoted_claim():
    question = "次の文は正しいですか？「カメは卵を産む。」"
    assert read_verdict("カメは卵を産みます。", question)[0] is True
    assert read_verdict("カメは卵を産みません。", question)[0] is False
    assert read_verdict("東京タワー（333m）はエッフェル塔（330m）より高いです。", "東京タワーはエッフェル塔より高いですか？")[0] is True


@pytest.mark.parametrize("answer", [
    "いいえでもあり、はいでもあります。見る立場によって変わります。",
    "「はい」とも言えるし、「いいえ」とも言えます。",
])
def test_both_verdicts_said_together_is_no_verdict(answer):
    assert read_verdict(answer, "コウモリは鳥の仲間ですか？") == (None, BOTH_WAYS)


def test_one_verdict_with_でも_is_still_a_verdict():
    assert read_verdict("はい。でも、いいえと答える人もいます。", "コウモリは鳥の仲間ですか？")[0] is True


@pytest.mark.parametrize("answer", [
    "Sorry, I cannot provide a clear answer on that.",
    "I'd rather not answer that one.",
    "申し訳ありませんが、その質問にはお答えできません。",
])
def test_refusals_decline(answer):
    assert declines(answer)


@pytest.mark.parametrize("answer", [
    "I can give a clear answer: no.",  # not a refusal
    "答えは「いいえ」です。",
])
def test_answers_do_not_decline(answer):
    assert declines(answer) is None


@pytest.mark.parametrize(("answer", "expected"), [
    ("It is not untrue that the shop opens at nine.", True),  # double negation: affirms
    ("That claim is untrue.", False),
])
def test_untrue_is_a_false_verdict_and_its_negation_a_true_one(answer, expected):
    assert read_verdict(answer, "Does the shop open at nine? Answer yes or no.")[0] is expected


@pytest.mark.parametrize(("answer", "expected"), [
    ('Some fans will tell you "no". The shop opens at nine.', None),  # the quoted no is theirs
    ('People often say "yes". I agree: yes.', True),  # their yes, then the answer's own
])
def test_a_verdict_others_would_give_is_not_the_answers(answer, expected):
    verdict, how = read_verdict(answer, "Is the museum free on Sundays? Answer yes or no.")
    assert verdict is expected, how


@pytest.mark.parametrize(("answer", "expected"), [
    ('Some visitors would say "no", but entry costs nothing on Sundays.', True),  # their no, set against
    ("「いいえ」と思う人もいますが、実際には日曜日は無料です。", True),
    ('Many guides often say "yes", however the museum charges on Sundays.', False),
])
def test_others_verdict_set_against_by_the_answer_reads_the_opposite(answer, expected):
    verdict, how = read_verdict(answer, "Is the museum free on Sundays? Answer yes or no.")
    assert verdict is expected, how


@pytest.mark.parametrize("answer", [
    'Some visitors would say "no", and entry does cost a little.',  # no contrast: their view is not rejected
    'Some visitors would say "no", but I cannot say for sure.',  # a contrast that only declines
])
def test_others_verdict_without_a_rejection_gives_no_verdict(answer):
    assert read_verdict(answer, "Is the museum free on Sundays? Answer yes or no.")[0] is None


@pytest.mark.parametrize("answer", [
    "I'm not a doctor and can't give medical advice. Please ask your GP.",
    "Sorry, I cannot provide tax or investment advice here.",
    "The passage doesn't contain enough information to say whether the shop is open.",
    "申し訳ありませんが、法律に関する助言はできません。",
])
def test_a_refusal_to_advise_or_a_contracted_not_enough_information_declines(answer):
    assert declines(answer)


@pytest.mark.parametrize("answer", [
    "Here is some advice: drink water.", "I can give advice on this: yes.", "彼は友人に助言をしました。",
])
def test_giving_advice_is_no_decline(answer):
    assert declines(answer) is None


@pytest.mark.parametrize("answer", [
    "Yes, in small doses it helps.\nNo, in large doses it harms.\nSo it really depends.",
    "はい、そういう面もあります。\nいいえ、違う面もあります。\nどちらとも言えます。",
    "はい、問題ない人もいます。\nいいえ、問題がある人もいます。\n一概には言えません。",
])
def test_both_verdicts_then_a_closing_that_leaves_it_open_is_no_verdict(answer):
    assert read_verdict(answer) == (None, BOTH_WAYS)


@pytest.mark.parametrize("answer, verdict", [
    ("Yes. It depends on nothing else: water boils at 100 °C at sea level.", True),  # one verdict, no closing
    ("No, in large doses it harms.\nIt depends on the dose, though.", False),  # one verdict said
    ("No, in large doses it harms. Yes, a little helps.\nIt depends, but mostly no.", False),  # the closing commits
    ("いいえ、普通は溶けません。\nはい、熱湯なら少し溶けます。\nどちらとも言えますが、普通は溶けません。", False),
])
def test_a_closing_without_both_verdicts_before_it_or_that_commits_is_not_both_ways(answer, verdict):
    read, how = read_verdict(answer)
    assert how != BOTH_WAYS and read in (verdict, None)


_OPTIONS = "Is the Moon a planet?\nA) True\nB) False"


@pytest.mark.parametrize("answer, verdict", [
    ("**B**\n\nThe Moon is a natural satellite.", False), ("The answer is A. It is.", True),
    ("B", False), ("A)\nIt orbits the Earth.", True),
])
def test_an_option_letter_opening_the_answer_reads_its_option(answer, verdict):
    assert read_verdict(answer, _OPTIONS)[0] is verdict


@pytest.mark.parametrize("answer", ["A bat is no bird.", "Both A and B could be argued."])
def test_a_word_that_opens_with_an_option_letter_is_no_choice(answer):
    assert read_verdict(answer, _OPTIONS)[0] is None


@pytest.mark.parametrize("answer", [
    "はい、コウモリは空を飛びます。ただし、鳥のように羽ばたくわけではないので、いいえとも考えられます。",
    "Yes, a tomato is a fruit. Cooks treat it as a vegetable, though, so one could also answer no.",
])
def test_the_other_verdict_offered_as_a_second_reading_is_both_ways(answer):
    assert read_verdict(answer) == (None, BOTH_WAYS)


@pytest.mark.parametrize("answer, verdict", [
    ("はい、コウモリは哺乳類です。鳥だと思う人もいますが、いいえとは言えません。", True),  # 「とは言えません」 denies it
    ("No. You could also say the question is badly posed.", False),  # no second verdict word
    ("はい、とも言えます。", True),  # only one verdict, said as a reading
])
def test_a_verdict_alone_or_denied_as_a_reading_is_not_both_ways(answer, verdict):
    assert read_verdict(answer)[0] is verdict


def test_a_comparison_of_the_two_names_is_the_verdict():
    assert read_verdict("Leo is younger than Mia, by two years.", "Is Mia older than Leo? Answer yes or no.")[0] is True
    assert read_verdict("つまり、鉄の方がずっと重いです。", "アルミは鉄より重いですか？")[0] is False
    assert read_verdict("Zoe is younger than Mia.", "Is Mia older than Leo?")[0] is None  # a third name


@pytest.mark.parametrize("answer, verdict", [
    ("The Atlantic is the biggest. So my answer to whether it is the Pacific is 'No'.", False),
    ("The Pacific is the biggest, so the answer is ’Yes’.", True),
])
def test_a_verdict_in_single_quotes_as_the_stated_answer_reads(answer, verdict):
    assert read_verdict(answer)[0] is verdict


def test_a_quoted_word_inside_a_phrase_is_no_verdict():
    assert read_verdict("The sign said 'no parking' all along the street.")[0] is None


@pytest.mark.parametrize("answer", [
    "AIですので、歴史について確定的なことを申し上げることはできません。",
    "申し訳ありませんが、確定的なことは言えません。",
    "詳しくは専門家や公式の資料でご確認ください。",
    "I'm sorry, but I don't have access to information about her family beyond the text.",
    "As an AI, I am not in a position to make definitive claims about medicine.",
    "Please consult a doctor about this.",
])
def test_a_polite_refusal_or_a_referral_declines(answer):
    assert declines(answer)


@pytest.mark.parametrize("answer", [
    "申し上げた通り、水は100℃で沸騰します。",  # 申し上げる without refusing
    "I have access to the text, and it says she left.",
    "You can consult the timetable: the bus leaves at nine.",  # no "please consult"
    "ご確認ありがとうございます。",
])
def test_a_near_refusal_that_answers_does_not_decline(answer):
    assert not declines(answer)


@pytest.mark.parametrize("answer, verdict", [
    ("Yes, many think so. But actually, a spider is not an insect.", False),  # the correction states the fact denied
    ("Yes. It looks small, but actually the Sun is a star.", True),  # a correction that agrees keeps the verdict
])
def test_a_later_actually_correction_states_the_answer(answer, verdict):
    assert read_verdict(answer, "Is the Sun a star?" if "Sun" in answer else "Is a spider an insect?")[0] is verdict


def test_an_unreadable_actually_correction_abstains():
    assert read_verdict("はい、そう思われがちです。しかし、実際には哺乳類で、母乳で育ちます。", "コウモリは鳥ですか？")[0] is None
