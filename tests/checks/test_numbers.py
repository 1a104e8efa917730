"""Tests for numbers.py and negation.py: numerals, units, the stated final answer, and denials."""

from __future__ import annotations

import pytest

from mistral_eval.checks.negation import is_negated
from mistral_eval.checks.numbers import final_number, find_numbers, kanji_value, normalize, read_final


@pytest.mark.parametrize("numeral, value", [
    ("三", 3), ("十", 10), ("十二", 12), ("二十五", 25), ("三十六", 36), ("百", 100), ("百五", 105),
    ("千", 1000), ("千二百", 1200), ("三万", 30000), ("1万2千", 12000), ("1.5万", 15000),
    ("二〇二四", 2024), ("一億二千万", 120_000_000), ("42", 42), ("1,050", 1050),
])
def test_kanji_value(numeral, value):
    assert kanji_value(numeral) == value


def test_find_numbers_reads_kanji_only_where_they_are_numbers():
    text = normalize("一般的に唯一の一番。合計三個、百度、十二です。千葉に１２３円、-3度")
    assert [n.value for n in find_numbers(text)] == [3, 100, 12, 123, -3]


@pytest.mark.parametrize("text, units, expected", [
    ("5 cents", {"dollars": 1, "cents": 0.01}, [(0.05, "cents")]),
    ("$0.05 and 10 dollars", {"dollars": 1, "$": 1}, [(0.05, "$"), (10, "dollars")]),
    ("1.5kg と 1500 g", {"g": 1, "kg": 1000}, [(1500, "kg"), (1500, "g")]),
    ("1.5kgです", {"g": 1, "kg": 1000}, [(1500, "kg")]),
    ("3 kgs, 2 gives", {"g": 1, "kg": 1000}, [(3000, "kg"), (2, None)]),
    ("90分", {"分": 1, "時間": 60}, [(90, "分")]),
])
def test_units_are_read_and_converted(text, units, expected):
    found = [(pytest.approx(n.value), n.unit) for n in find_numbers(normalize(text), units)]
    assert found == expected


@pytest.mark.parametrize("text, value, how", [
    ("The answer is 3. Starting from 5 apples you remove 2.", 3, "after 'The answer is'"),
    ("答え：17 + 25 = 42", 42, "after '答え:'"),
    ("答えは41ではなく42です。", 42, "after '答えは'"),
    ("5 - 2 = 3\n\n**3 apples** remain (from 5).", 3, "in bold"),
    ("The ball costs 50 yen. Check: 50 + 1050 = 1100.", 50, "in the last sentence with a number"),
    ("母親は36歳です。子どもの年齢12歳の3倍だからです。", 36, "in the last sentence with a number"),
    ("so 2x = 100. Therefore the ball costs 50 yen and the bat 1050 yen.", 50, "after 'Therefore'"),
    ("1100 - 1000 = 100\n100 / 2 = 50", 50, "after the last '=' of the last line with a number"),
    ("残りのりんごは三個です。", 3, "in the last sentence with a number"),
    ("１２×８＝９６", 96, "after the last '=' of the last line with a number"),
])
def test_final_number_is_the_stated_answer(text, value, how):
    found, found_how, _ = final_number(normalize(text))
    assert (found.value, found_how) == (value, how)


def test_final_number_prefers_the_unit_and_says_so():
    found, _, unit_found = final_number("ボールは50円で、バットは2本です。", "円")
    assert (found.value, unit_found) == (50, True)
    found, _, unit_found = final_number("ボールは50です。", "円")
    assert (found.value, unit_found) == (50, False)
    assert final_number("わかりません。") is None


@pytest.mark.parametrize("text, word, negated", [
    ("The capital is not Tokyo but Osaka.", "Tokyo", True),
    ("It's Osaka, not Tokyo.", "Tokyo", True),
    ("It isn't the library.", "library", True),
    ("Tokyo, not Kyoto.", "Tokyo", False),
    ("It's not Saturn; it's Jupiter.", "Jupiter", False),
    ("東京ではなく大阪です。", "東京", True),
    ("東京じゃないです。", "東京", True),
    ("パリではありません。", "パリ", True),
    ("正しいとは言えません。", "正しい", True),
    ("首都は東京であり、京都ではありません。", "東京", False),
    ("The guest is not waiting, so False.", "False", False),
])
def test_is_negated(text, word, negated):
    start = text.index(word)
    assert is_negated(text, start, start + len(word)) is negated


@pytest.mark.parametrize("text, question, value", [
    ("The mother is thirty-six years old.", "", 36),
    ("It was 5 degrees below zero in the morning.", "", -5),
    ("朝の気温は氷点下5度です。", "", -5),
    ("The total is 12. Wait, I forgot one apple: the total is 13.", "", 13),
    ("Water boils at 100 degrees Celsius, which is equivalent to 212 degrees Fahrenheit.", "", 100),
    ("The answer is 90 (that is 3/4 of 120).", "", 90),
    ("3/4 of 120 is 90. If you meant 4/3 of 120, it would be 160.", "", 90),
    ("So 3/4 of 120 is 90.", "", 90),
    ("母親は36歳です。これは子どもの年齢12歳のちょうど3倍です。", "子どもは12歳で、母親の年齢はその3倍です。母親は何歳？", 36),
    ("ボールは100円ではなく、50円です。バットは1050円です。", "合計1100円。ボールはいくらでしょう？", 50),
    # the committed answer: later numbers said of another noun, or in a ", which" clause, do not override it
    ("200人の2/5は80人です。つまり、選ばれなかった生徒は120人になります。",
     "生徒200人のうち2/5が選ばれました。選ばれた生徒は何人ですか？", 80),
    ("姉は18歳です。6 × 3 = 18 なので、弟との年齢差は12歳です。", "弟は6歳で、姉は弟の3倍の年齢です。姉は何歳ですか？", 18),
    ("So 2/5 of 50 is 20, which is 40% of the whole.", "What is 2/5 of 50?", 20),
    # near misses: a later sentence that restates the asked quantity, or adds a number of no other noun
    ("200人の2/5は80人です。つまり、選ばれた生徒は81人です。",
     "生徒200人のうち2/5が選ばれました。選ばれた生徒は何人ですか？", 81),
    ("姉は18歳です。さらに6を足して24歳です。", "弟は6歳で、姉は弟の3倍の年齢です。姉は何歳ですか？", 24),
    # a withdrawn answer marker; an admission after the corrected value
    ("答えは8個……ではありません。2個食べたので6個です。", "りんごが8個あり、2個食べました。残りは何個？", 6),
    ("1分は60秒なので、2分は100秒です。いや、正しくは120秒です。計算を間違えました。", "2分は何秒ですか？", 120),
])
def test_read_final_leaves_out_asides_restatements_and_corrections(text, question, value):
    reading = read_final(normalize(text), question=question)
    assert reading is not None and reading.doubt is None and reading.number.value == value, reading


def test_read_final_doubts_parallel_statements_the_question_does_not_choose():
    reading = read_final(normalize("The ball costs 50 yen. The bat costs 1050 yen."),
                         question="How much do they cost together?")
    assert reading is not None and reading.doubt


@pytest.mark.parametrize("text, question", [
    ("果物はだいたい5〜6個です。", ""),
    ("The trip takes 3 to 4 hours.", ""),
    ("答えは7~8枚です。", ""),
    ("おつりは140-150円くらいです。", "おつりはいくらですか？"),
    ("所要時間は20分から30分ほどです。", ""),
])
def test_a_range_commits_to_no_single_number(text, question):
    reading = read_final(normalize(text), question=question)
    assert reading is not None and reading.vague and not reading.doubt


@pytest.mark.parametrize("text, question, value", [
    # a comparison with something else after the answer
    ("An octopus has eight arms. A squid, by contrast, has ten.", "How many arms does an octopus have?", 8),
    ("A week has 7 days. For comparison, a fortnight has 14.", "How many days are in a week?", 7),
    ("1ダースは12本です。ちなみに1グロスは144本です。", "1ダースは何本ですか？", 12),
    ("三角形の内角の和は180度です。参考までに、四角形は360度です。", "三角形の内角の和は何度ですか？", 180),
    # a sentence that says the answer again in other terms
    ("Water freezes at 0 degrees Celsius. This is equivalent to 32 degrees Fahrenheit.", "", 0),
    ("体温は37度です。これは華氏では約98.6度に相当します。", "", 37),
    ("The lake freezes at -2°C, which is 28.4°F.", "", -2),
    ("The route is 42 km, or about 26 miles.", "", 42),
    ("父は45歳です。息子の年齢（15歳）のちょうど3倍にあたります。", "", 45),
    ("The discount is 25% of $40, which is $10.", "", 10),  # the same unit: a result, not a conversion
    # the sentence that restates what the question asks, with working after it
    ("おつりは260円です。1本80円の鉛筆を3本で240円、500円から引くとこの金額です。",
     "1本80円の鉛筆を3本買い、500円で払いました。おつりはいくらですか？", 260),
    ("You pay 45 dollars. Each ticket is 15 dollars, so 3 tickets come to that, and you had 50 dollars.",
     "Tickets cost 15 dollars each and you have 50 dollars. How much do you pay for 3 tickets?", 45),
    ("The average speed is 60 km/h. It covered 180 km, so over 3 hours that is the speed.",
     "A car covers 180 km in 3 hours. What is the average speed?", 60),
    # a counterfactual case or a note after the answer
    ("The trip takes 4 hours. If the bus were twice as fast, it would take 2 hours.", "", 4),
    ("She has 9 stamps.\n\nNote: had she kept the old ones, she would have 15.", "", 9),
    ("残りは4枚です。※最初の10枚から6枚を使いました。", "", 4),
    ("答えは4枚。\n\n補足：もし7枚使っていたら3枚になります。", "", 4),
    # the question's subject with its article, or its noun with a modifier (クモの脚)
    ("x = 30\n\nSo the pen costs 30 yen and the notebook costs 130 yen.",
     "A pen and a notebook cost 160 yen; the notebook costs 100 yen more. How much does the pen cost?", 30),
    ("タコの足は8本です。イカの足は10本です。", "タコの足は何本ですか？", 8),
    ("Octopuses have 8 arms. Squids have 10 arms.", "How many arms does an octopus have?", 8),
    ("The pen costs 30 yen, so the notebook costs 130 yen.", "How much does the pen cost?", 30),
    ("Many think the pen costs 60 yen, but the pen costs 30 yen.", "How much does the pen cost?", 30),
    ("x=30なので、ペンは30円、ノートは130円です。", "ペンとノートで160円です。ペンはいくらですか？", 30),
    ("ペン＝３０円、ノート＝１３０円です。", "ペンとノートで160円です。ペンはいくらですか？", 30),
    # the question asks in one scale: the value in another scale is a conversion
    ("At sea level, ice melts at 32°F, which is 0°C.", "At what temperature in Celsius does ice melt?", 0),
    ("Ice melts at 0 degrees Celsius. In Fahrenheit, that is 32 degrees.", "In Celsius, when does ice melt?", 0),
    ("氷は摂氏0度で溶けます。華氏では32度になります。", "氷は摂氏何度で溶けますか？", 0),
    # a proviso after the answer, a result verb, a degree sign before "below zero"
    ("A pair is 2. However, if you count a pair of twins' shoes, it would be 4.", "", 2),
    ("1足は2個です。ただし、双子の靴なら4個です。", "", 2),
    ("Divide 200 by 5 to get 40, then multiply by 2 to get 80.", "", 80),
    ("It is now 4°C below zero.", "", -4),
    # Japanese is head-final: the number before the closing copula
    ("おつりは、500円から240円を引いた260円です。", "", 260),
    ("残りは、12個から5個を食べたので7個になります。", "", 7),
])
def test_read_final_leaves_out_comparisons_equivalences_and_reads_the_echoed_question(text, question, value):
    reading = read_final(normalize(text), question=question)
    assert reading is not None and reading.doubt is None and reading.number.value == value, reading


@pytest.mark.parametrize("text, question, value", [
    ("Mia has 11 cards after buying 4 more. After giving away 3, she has 8.",
     "Mia has 7 cards, buys 4 more and gives away 3. How many cards does Mia have now?", 8),
    ("カードは4枚買って11枚になります。3枚あげると8枚になります。",
     "カードが7枚あります。4枚買って3枚あげました。カードは何枚ですか？", 8),
])
def test_an_echo_followed_by_more_working_is_not_the_answer(text, question, value):
    reading = read_final(normalize(text), question=question)
    assert reading is not None and reading.number.value == value, reading


@pytest.mark.parametrize("text, question, value", [
    # a closing sentence that only says again the question's and the answer's own earlier numbers
    ("ケーキ2個で 450 × 2 = 900円 です。\nおつりは 2000 - 900 = 1100円 です。\nつまり、2000円で900円分を買ったのです。",
     "2000円札で、1個450円のケーキを2個買いました。おつりはいくらですか？", 1100),
    ("The tickets cost 3 × 15 = $45. You get 50 - 45 = $5 back. So you paid $50 and spent $45.",
     "You pay with a $50 bill for 3 tickets at $15 each. How much money do you get back?", 5),
])
def test_a_closing_restatement_of_worked_numbers_does_not_override_the_echo(text, question, value):
    reading = read_final(normalize(text), question=question)
    assert reading is not None and reading.number.value == value, reading


@pytest.mark.parametrize("text, question, value", [
    # near-misses: after the echo, a new number is more working (or a new answer), not a restatement
    ("ケーキ2個で 450 × 2 = 900円 です。\nおつりは 2000 - 900 = 1100円 です。\nつまり、おつりは1000円です。",
     "2000円札で、1個450円のケーキを2個買いました。おつりはいくらですか？", 1000),
    ("The tickets cost 3 × 15 = $45. You get 50 - 45 = $5 back. So you get $4 back.",
     "You pay with a $50 bill for 3 tickets at $15 each. How much money do you get back?", 4),
])
def test_a_new_number_after_the_echo_still_goes_on(text, question, value):
    reading = read_final(normalize(text), question=question)
    assert reading is not None and reading.number.value == value, reading


def test_an_echo_with_two_new_numbers_is_left_to_the_other_rules():
    question = "ボールとバットで1100円、バットはボールより1000円高い。ボールはいくらですか？"
    reading = read_final(normalize("ボールは100円と思いがちですが、実際は50円です。"), question=question)
    assert reading is not None and reading.number.value == 50
    assert "restates the question" not in reading.how


@pytest.mark.parametrize("text, value", [
    ("2時間15分です。", 135), ("It takes 2 hours and 15 minutes.", 135), ("2 h 15 min", 135),
])
def test_a_quantity_in_two_units_is_one_number(text, value):
    reading = read_final(normalize(text), "min", {"h": 60.0, "時間": 60.0, "分": 1.0})
    assert reading is not None and reading.number.value == value


def test_two_quantities_in_a_list_are_not_one_number():
    found = find_numbers(normalize("Use 2 kg, 500 g and 3 kg."), {"g": 1.0, "kg": 1000.0})
    assert [n.value for n in found] == [2000, 500, 3000]


def test_a_unit_spelled_out_counts_as_the_unit():
    question = "How many grams are in 2.5 kg?"
    reading = read_final(normalize("There are 2,500 grams in 2.5 kg."), "g", {"kg": 1000.0}, question)
    assert reading is not None and reading.doubt is None and reading.number.value == 2500
    assert reading.number.unit == "g"
    reading = read_final(normalize("2.5kgは2500グラムです。"), "g", {"kg": 1000.0}, "2.5kgは何グラムですか？")
    assert reading is not None and reading.doubt is None and reading.number.value == 2500


def test_a_restated_input_quantity_in_another_unit_is_not_taken_for_the_answer():
    question = "2 kgは何グラムですか？"
    reading = read_final(normalize("1 kgは1000 gなので、答えは2 kgです。"), "g", {"kg": 1000.0}, question)
    assert reading is not None and reading.doubt and "2 kg" in reading.doubt
    converted = read_final(normalize("2 kgは2000 gです。"), "g", {"kg": 1000.0}, question)
    assert converted is not None and converted.doubt is None and converted.number.value == 2000


@pytest.mark.parametrize(("text", "question"), [
    ("2 kgです。", "2 kgは何グラムですか？"),
    ("4.5 kgは、グラムで表しても4.5 kgのままです。", "4.5kgは何グラムですか？"),
    ("1.2 kg is 1.2 kg. Kilograms and grams both measure mass.", "How many grams is 1.2 kg?"),
])
def test_an_answer_saying_only_the_question_s_quantities_never_converts(text, question):
    reading = read_final(normalize(text), "g", {"kg": 1000.0}, question)
    assert reading is not None and reading.vague and "gives no value in g" in reading.vague
    assert not reading.doubt


@pytest.mark.parametrize(("text", "values"), [
    ("8 - 15 = -7. Taking a bigger number from a smaller one gives a negative result.", [8, 15, -7]),
    ("The first box holds 4; the other one is empty.", [4]),
    ("Choose a different one: 12.", [12]),
    ("There is only one answer: one.", [1, 1]),
])
def test_one_after_a_determiner_and_an_adjective_is_a_pronoun(text, values):
    assert [n.value for n in find_numbers(normalize(text))] == values


@pytest.mark.parametrize(("text", "question", "value"), [
    # another case under a conditional, on a quantity the question does not give
    ("1ダースは12個です。2ダースなら24個になります。", "1ダースは何個ですか？", 12),
    ("卵1パックは10個です。3パックの場合は30個です。", "卵1パックは何個ですか？", 10),
    # the asked verb said of another subject: a comparison, not more working
    ("A hexagon has six sides. A pentagon has five and an octagon has eight.",
     "How many sides does a hexagon have?", 6),
    ("A spider has 8 legs. An ant has 6, and a crab has 10.", "How many legs does a spider have?", 8),
    # another example after the answer
    ("7 × 8 = 56. Fun fact: 56 is also 8 × 7. Another example: 6 × 9 = 54.", "What is 7 × 8?", 56),
    ("9 × 6 = 54です。\n例えば、9 × 7 = 63です。", "9 × 6はいくつですか？", 54),
])
def test_another_case_after_the_answer_is_an_aside(text, question, value):
    reading = read_final(normalize(text), question=question)
    assert reading is not None and reading.doubt is None and reading.number.value == value, reading


@pytest.mark.parametrize(("text", "question", "value"), [
    # the asked quantity under the conditional is the answer
    ("りんごは1個100円です。3個なら300円です。", "りんごは1個100円です。3個ならいくらですか？", 300),
    # the same subject (a pronoun) goes on working
    ("Tom has 8 apples after buying 3. After eating 2, he has 6.",
     "Tom has 5 apples, buys 3 and eats 2. How many apples does Tom have?", 6),
])
def test_the_asked_case_said_again_is_still_working(text, question, value):
    reading = read_final(normalize(text), question=question)
    assert reading is not None and reading.doubt is None and reading.number.value == value, reading


@pytest.mark.parametrize(("text", "question", "value"), [
    # a hypothetical after the answer (If …, … would …)
    ("There are 2 slices left. If a 4th person also ate 2 slices, there would be 0 left.",
     "A pizza has 8 slices and 3 people eat 2 each. How many slices are left?", 2),
    # a view of others after the answer
    ("There are seven continents. Some geographers count six.", "How many continents are there?", 7),
    ("大陸は7つです。6大陸とする考え方もあります。", "大陸はいくつありますか？", 7),
    # a Japanese sentence opening on a case the question does not ask about
    ("合計は300円です。消費税10%を含めると330円になります。", "100円のりんごを3個買いました。合計はいくらですか？", 300),
    ("花子さんは14歳です。5年後には19歳になります。", "太郎さんは10歳で、花子さんは4歳年上です。花子さんは何歳ですか？", 14),
    ("三角形の内角の和は180度です。四角形なら360度になります。", "三角形の内角の和は何度ですか？", 180),
])
def test_a_hypothetical_a_view_of_others_or_another_case_after_the_answer_is_an_aside(text, question, value):
    reading = read_final(normalize(text), question=question)
    assert reading is not None and reading.doubt is None and reading.number.value == value, reading


@pytest.mark.parametrize(("text", "question", "value"), [
    # the working's own conditional, on the question's quantities, still states the result
    ("残りは何切れか計算します。3人が2切れずつ食べます。10から6を引くと4切れ残ります。",
     "ピザが10切れあり、3人が2切れずつ食べました。残りは何切れですか？", 4),
    ("1個100円です。3個買うと300円です。", "1個100円のりんごを3個買うといくらですか？", 300),
])
def test_a_conditional_on_the_question_s_own_case_is_still_the_answer(text, question, value):
    reading = read_final(normalize(text), question=question)
    assert reading is not None and reading.doubt is None and reading.number.value == value, reading


@pytest.mark.parametrize("text", ["The answer is either 50 or 40.", "答えは5個か6個です。", "It is 12, or maybe 13.",
                                  "I think 7 or 8 apples."])
def test_alternatives_commit_to_no_number(text):
    reading = read_final(normalize(text))
    assert reading is not None and reading.vague and "alternatives" in reading.vague


def test_the_same_value_said_again_after_or_is_no_alternative():
    reading = read_final(normalize("The answer is 36, or thirty-six."))
    assert reading is not None and not reading.vague and reading.number.value == 36


def test_a_unit_s_power_is_no_number():
    assert [n.value for n in find_numbers(normalize("The area is 40 cm². The volume is 8 m³."))] == [40, 8]


@pytest.mark.parametrize(("text", "question", "value"), [
    # another quantity as the next sentence's subject: the asked one was already stated
    ("Area = length × width = 8 × 5 = 40 cm². Its perimeter would be 26 cm.",
     "A rectangle is 8 cm by 5 cm. What is its area?", 40),
    ("The area is 40 square centimeters, and the perimeter is 26 cm.",
     "A rectangle is 8 cm by 5 cm. What is its area?", 40),
    ("面積は8×5=40平方センチメートルです。周りの長さは26cmです。",
     "長方形の縦が8cm、横が5cmです。面積は何平方センチメートルですか？", 40),
    ("体積は2×3×4=24立方センチメートルです。表面積は52平方センチメートルです。",
     "縦2cm、横3cm、高さ4cmの直方体があります。体積は何立方センチメートルですか？", 24),
    # a Japanese sentence opening on a case the question does not give, even without an echo
    ("600円です。1000円札で払うとおつりは400円です。", "1本120円のジュースを5本買うと、いくらになりますか？", 600),
])
def test_another_quantity_stated_after_the_asked_one_is_not_the_answer(text, question, value):
    reading = read_final(normalize(text), question=question)
    assert reading is not None and reading.doubt is None and reading.number.value == value, reading


@pytest.mark.parametrize(("text", "question", "value"), [
    ("A regular year has 365 days, while a leap year has 366 days.", "How many days are in a leap year?", 366),
    ("The bat costs 1050 yen, whereas the ball costs 50 yen.", "How much does the ball cost?", 50),
    ("平年は365日ですが、うるう年は366日です。", "平年は何日ですか？", 365),
])
def test_two_statements_contrasted_in_one_sentence_are_parallel(text, question, value):
    reading = read_final(normalize(text), question=question)
    assert reading is not None and reading.doubt is None and reading.number.value == value, reading


@pytest.mark.parametrize("text", ["It weighs 2 kg or 2000 g.", "The answer is 12 (or 13 with the bonus).",
                                  "It is 5 miles, or 8 km."])
def test_a_conversion_or_a_bracketed_remark_is_no_alternative(text):
    reading = read_final(normalize(text))
    assert reading is not None and not reading.vague, reading


@pytest.mark.parametrize(("text", "question", "value"), [
    ("3 boxes hold 6 eggs each.\n\n**So 3 boxes hold 18 eggs.**", "How many eggs are in 3 boxes of 6?", 18),
    ("**5人で割ると、1人あたり400円です。**", "2000円を5人で割ると1人いくらですか？", 400),
    ("**The answer: 7 days.**", "How many days are in a week? Answer in days, e.g. 7 days.", 7),
])
def test_a_bold_answer_that_restates_the_questions_quantity_gives_its_other_number(text, question, value):
    number = final_number(normalize(text), question=question)
    assert number is not None and number[0].value == value


@pytest.mark.parametrize(("text", "question", "value"), [
    ("1週間は7日です。1日が24時間あるためです。", "1週間は何日ですか？", 7),
    ("答えは12個です。3個ずつ4人に配るからです。", "3個ずつ4人に配ると全部で何個ですか？", 12),
    ("It has 8 legs, because each of its 4 pairs has 2.", "How many legs does a spider have?", 8),
])
def test_a_sentence_that_gives_the_reason_after_the_answer_is_an_aside(text, question, value):
    number = final_number(normalize(text), question=question)
    assert number is not None and number[0].value == value


def test_a_sentence_after_the_answer_about_another_quantity_is_an_aside():
    text = normalize("The volume is 2 × 3 × 4 = 24 cm³. Its surface area would be 52 cm².")
    number = final_number(text, question="A box is 2 cm by 3 cm by 4 cm. What is its volume in cm³?")
    assert number is not None and number[0].value == 24


@pytest.mark.parametrize(("text", "question", "value"), [
    ("He spends $12, leaving $8.", "Tom has $20 and spends $12. How much does he have left?", 8),
    ("She ate 4 of them, which leaves 6.", "Ana had 10 plums and ate 4. How many are left?", 6),
])
def test_a_remainder_clause_is_the_answer_when_the_question_asks_what_remains(text, question, value):
    number = final_number(normalize(text), question=question)
    assert number is not None and number[0].value == value


def test_a_remainder_clause_after_a_new_number_is_doubted_when_the_question_asks_the_first():
    question = "A team played 30 games and won 2/3 of them. How many games did it win?"
    for answer in ("It won 20 games, leaving 10 that it lost or drew.", "It won 20 games, which leaves 10 others."):
        reading = read_final(normalize(answer), question=question)
        assert reading is not None and reading.number is None and reading.doubt


@pytest.mark.parametrize(("text", "question", "value"), [
    ("1週間は7日です。1日は24時間なので、1週間は168時間です。", "1週間は何日ですか？", 7),
    ("The average speed is 80 km/h. That's about 50 mph.", "A bus goes 160 km in 2 hours. What is its speed in km/h?", 80),
    ("A day has 24 hours, or 1,440 minutes.", "How many hours are in a day?", 24),
])
def test_a_value_in_another_unit_than_the_question_asks_in_is_a_conversion(text, question, value):
    number = final_number(normalize(text), question=question)
    assert number is not None and number[0].value == value


@pytest.mark.parametrize(("text", "question", "value"), [
    ("It ended in 1945. The war lasted from 1939 to 1945, about six years.", "In what year did WWII end?", 1945),
    ("ベルリンの壁は1989年に崩壊しました。1961年から1989年まで立っていました。", "ベルリンの壁は何年に崩壊しましたか？", 1989),
    ("The Berlin Wall fell in 1989. It stood between 1961 and 1989.", "When did the Berlin Wall fall?", 1989),
])
def test_a_period_of_years_described_after_the_answer_is_an_aside(text, question, value):
    reading = read_final(normalize(text), question=question)
    assert reading is not None and reading.number is not None and reading.number.value == value and not reading.vague


@pytest.mark.parametrize(("text", "question", "value"), [
    # a side remark about another case, after the sentence that restates what is asked
    ("お釣りは250円です。ちなみに、千円札で出した場合のお釣りは750円です。", "250円のパンを500円玉で買うと、お釣りはいくらですか？", 250),
    ("You get 3 dollars back. By the way, if you paid with a 20-dollar bill, you would get 13 dollars back.",
     "A sandwich costs 7 dollars and you pay with a 10-dollar bill. How much do you get back?", 3),
    # near-misses: the question's own condition, and no answer but the other case
    ("6本買う場合の代金は720円です。", "1本120円のペンを6本買う場合、代金はいくらですか？", 720),
    ("ちなみに、千円札で出した場合のお釣りは750円です。", "250円のパンを500円玉で買うと、お釣りはいくらですか？", 750),
])
def test_a_side_remark_about_another_case_is_an_aside(text, question, value):
    reading = read_final(normalize(text), question=question)
    assert reading is not None and reading.number is not None and reading.number.value == value


@pytest.mark.parametrize(("text", "question", "value"), [
    # an answer marker giving others' view, or rejected right after, is withdrawn
    ("The obvious answer is 12 hours. But that's wrong: the two pipes work together, so the tank fills in 4 hours.",
     "One pipe fills a tank in 6 hours and another in 12 hours. How many hours do both take together?", 4),
    ("You might think the answer is 30, but that's not right. Half of 20 is 10, so he has 10 left.",
     "Ken had 20 cards and gave half away. How many cards does he have left?", 10),
    ("答えは12時間です。しかし、それは間違いです。2本の管を同時に使うので、4時間で満たせます。",
     "1本の管は6時間、もう1本は12時間でタンクを満たします。両方使うと何時間ですか？", 4),
    # near-misses: a marker confirmed after its value, and an ordinary marker, stay the answer
    ("The answer is 12 hours, and that is right because the second pipe is broken.",
     "One pipe fills a tank in 6 hours and another in 12 hours. How many hours do both take together?", 12),
    ("So the answer is 4 hours. The slower pipe alone would take 12 hours.",
     "One pipe fills a tank in 6 hours and another in 12 hours. How many hours do both take together?", 4),
])
def test_a_withdrawn_answer_marker_is_not_the_answer(text, question, value):
    reading = read_final(normalize(text), question=question)
    assert reading is not None and reading.number is not None and reading.number.value == value


@pytest.mark.parametrize(("text", "question", "value"), [
    # a sentence listing the parts of the total the sentence before states is a breakdown
    ("箱には8個のお菓子が残っています。クッキーが5個、せんべいが3枚です。", "お菓子は何個残っていますか？", 8),
    ("There are 11 pens left. 7 are blue and 4 are red.", "How many pens are left?", 11),
    # near-misses: parts that do not add up to the total, and working that goes on
    ("箱には8個のお菓子が残っています。クッキーが5個、せんべいが4個です。", "お菓子は何個残っていますか？", 4),
    ("He starts with 5 pens. After buying 3, he has 8 pens.", "He has 5 pens and buys 3. How many does he have?", 8),
])
def test_a_breakdown_of_the_total_is_not_the_answer(text, question, value):
    reading = read_final(normalize(text), question=question)
    assert reading is not None and reading.number is not None and reading.number.value == value


def test_asked_unit_only_if_meant_after_another_unit_is_doubtful() -> None:
    from mistral_eval.checks.numbers import read_final
    text = "4 kilometers is 4,000,000 millimeters.\n\nIf you meant meters, it would be 4,000 meters."
    reading = read_final(text, question="How many meters are in 4 kilometers?")
    assert reading is not None and reading.number is None and reading.doubt
    # near miss: the asked unit first, another only under "if you meant"
    text = "4 kilometers is 4,000 meters.\n\nIf you meant millimeters, it would be 4,000,000 millimeters."
    reading = read_final(text, question="How many meters are in 4 kilometers?")
    assert reading is not None and reading.number is not None and reading.number.value == 4000
