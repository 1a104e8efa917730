"""How much of an answer repeats itself."""

from mistral_eval.checks.repetition import repetitions


def test_exact_repeats_template_loops_and_runs_count_lists_do_not():
    share, repeated, _ = repetitions("東京は大きな都市です。" * 4, 20)
    assert share >= 0.5 and repeated
    template = "".join(f"東京は{w}な都市です。東京は日本の{w}な都市です。" for w in ("有名", "便利", "安全", "素敵"))
    assert repetitions(template, 20)[0] > 0.3
    assert repetitions("42" + "!" * 50, 20)[0] > 0.5
    listing = "北海道の道庁所在地は札幌市です。宮城県の県庁所在地は仙台市です。愛知県の県庁所在地は名古屋市です。"
    assert repetitions(listing, 20)[0] == 0.0


def test_near_copies_count_lists_and_markdown_rules_do_not():
    apology = " ".join(f"I am sorry, but I cannot answer {w} question because it is unclear." for w in
                       ("that", "this", "the", "your"))
    assert repetitions(apology, 20)[0] > 0.5
    regions = "".join(f"{city}は{region}の都市です。" for city, region in
                      (("仙台", "東北"), ("大阪", "関西"), ("広島", "中国地方"), ("福岡", "九州"), ("札幌", "北海道")))
    assert repetitions(regions, 20)[0] == 0.0
    assert repetitions("Answer\n\n==========\n\n42", 20)[0] == 0.0


def test_a_frame_with_only_its_subject_or_a_counter_changed_is_a_template_loop():
    subjects = "".join(f"{city}は日本の都市です。" for city in ("東京", "大阪", "京都", "札幌", "福岡", "仙台", "広島"))
    assert repetitions(subjects, 20)[0] > 0.5
    shops = " ".join(f"{shop} is a nice shop to try." for shop in
                     ("Lawson", "Tully's", "Muji", "Uniqlo", "Loft", "Daiso", "Lumine"))
    assert repetitions(shops, 20)[0] > 0.5
    counted = " ".join(f"Week {n}: practise the piano every evening." for n in range(1, 7))
    assert repetitions(counted, 20)[0] > 0.5
    ja_counted = "".join(f"{n}日目：毎朝ジョギングをしましょう。" for n in range(1, 7))
    assert repetitions(ja_counted, 20)[0] > 0.5
    short = " ".join(f"Kyoto is {w}." for w in ("old", "calm", "green", "quiet", "famous", "historic"))
    assert repetitions(short, 20)[0] > 0.5  # one word changed, however short the sentence
    ja_short = "".join(f"彼は毎晩{v}ます。" for v in ("寝", "食べ", "読み", "書き", "歌い", "走り"))
    assert repetitions(ja_short, 20)[0] > 0.5


def test_four_or_five_parallel_items_are_a_list_six_are_a_loop():
    fruits = "\n".join(f"・{f}が好きです。" for f in ("りんご", "バナナ", "ぶどう", "みかん"))
    assert repetitions(fruits, 20)[0] == 0.0
    cities = " ".join(f"I would visit {c} first." for c in ("Kyoto", "Nara", "Kobe", "Osaka", "Nagoya"))
    assert repetitions(cities, 20)[0] == 0.0
    more = " ".join(f"I would visit {c} first." for c in ("Kyoto", "Nara", "Kobe", "Osaka", "Nagoya", "Sendai"))
    assert repetitions(more, 20)[0] > 0.5


def test_a_refrain_said_twice_data_rows_and_tables_are_no_template_loop():
    refrain = ("Wind in the pines,\nwind in the bay,\nthe gulls go out\nand come back to stay.\n\n"
               "Wind in the pines,\nwind in the bay,\nthe boats come in\nat the close of day.")
    assert repetitions(refrain, 20)[0] == 0.0
    squares = "\n".join(f"{n} × {n} = {n * n}" for n in range(1, 10))
    assert repetitions(squares, 20)[0] == 0.0
    rows = "\n".join(f"9の段：9×{n}={9 * n}" for n in range(1, 10))  # two numbers change: a new row of data
    assert repetitions(rows, 20)[0] == 0.0
    prices = "\n".join(f"Item {n}: costs {n * 120} yen in total." for n in range(1, 8))
    assert repetitions(prices, 20)[0] == 0.0
    table = "| year | event |\n|---|---|\n" + "\n".join(f"| {y} | Olympics in Tokyo |" for y in (1964, 2021))
    assert repetitions(table, 20)[0] == 0.0
    headings = "".join(f"### 手順{n}\n{step}\n\n" for n, step in enumerate(("洗う。", "切る。", "焼く。", "盛る。"), 1))
    assert repetitions(headings, 20)[0] == 0.0
    steps = "ステップ1：りんごを洗います。\nステップ2：皮をむきます。\nステップ3：八等分に切ります。\nステップ4：皿に盛ります。"
    assert repetitions(steps, 20)[0] == 0.0


def test_a_slot_holding_a_phrase_of_one_or_two_words_is_one_slot_changed():
    ja = "".join(f"奈良は{w}町です。" for w in ("古い", "小さな", "静かな", "有名な", "文化的な", "緑の多い"))
    assert repetitions(ja, 20)[0] > 0.5
    en = " ".join(f"Paris is a {w} city." for w in ("big", "busy", "very old", "famous", "truly lovely", "green"))
    assert repetitions(en, 20)[0] > 0.5
    facts = " ".join(f"The capital of {c} is {k}." for c, k in
                     (("Spain", "Madrid"), ("France", "Paris"), ("Italy", "Rome"), ("Peru", "Lima"),
                      ("Chile", "Santiago"), ("Japan", "Tokyo")))
    assert repetitions(facts, 20)[0] == 0.0  # two slots, both new: six facts


def test_a_loop_of_sentence_pairs_repeating_their_subject_is_a_template_loop():
    ja = "\n".join(f"{name}は、機械学習のための道具です。{name}は主に{what}に使われるものです。" for name, what in
                   (("PyTorch", "研究"), ("TensorFlow", "本番"), ("Keras", "試作"), ("JAX", "数値計算"),
                    ("Optuna", "調整")))
    assert repetitions(ja, 20)[0] > 0.3
    en = "\n".join(f"{name} is a good tool for writing. {name} helps you with {what} every day." for name, what in
                   (("Vim", "editing"), ("Grammarly", "grammar"), ("Hemingway", "style"), ("Scrivener", "drafts"),
                    ("Notion", "notes")))
    assert repetitions(en, 20)[0] > 0.3
    # each pair says two new things (its own name and its own use): a real list
    listing = "\n".join(f"- {name}: best for {what}." for name, what in
                        (("PyTorch", "research"), ("TensorFlow", "production"), ("Keras", "prototypes"),
                         ("JAX", "numerics"), ("Optuna", "tuning"), ("Ray", "scaling")))
    assert repetitions(listing, 20)[0] == 0.0


def test_particles_hold_two_changed_words_apart_and_a_long_frame_allows_a_three_word_slot():
    towns = "".join(f"{a}は{b}で有名な町です。" for a, b in
                    (("京都", "寺"), ("奈良", "鹿"), ("大阪", "食べ物"), ("神戸", "港"), ("札幌", "雪"), ("福岡", "屋台")))
    assert repetitions(towns, 20)[0] == 0.0  # 京都は / 寺で: two slots, both new, a list of facts
    tokyo = " ".join(f"Tokyo is a city with many {w}." for w in
                     ("tall buildings", "old temples", "busy train stations", "small parks", "good noodle shops",
                      "friendly people"))
    assert repetitions(tokyo, 20)[0] > 0.5


def test_english_function_words_do_not_count_in_a_slot_or_its_frame():
    tips = " ".join(f"It is important to {w} every day." for w in
                    ("drink water", "eat vegetables", "go for a walk", "get enough sleep", "read a book",
                     "call your family", "stretch your body"))
    assert repetitions(tips, 20)[0] > 0.5  # one slot of up to three content words, in one frame
    tools = " ".join(f"Use a {t} to {v}." for t, v in
                     (("spoon", "stir"), ("knife", "cut"), ("fork", "eat"), ("whisk", "beat eggs"),
                      ("ladle", "serve soup"), ("peeler", "peel")))
    assert repetitions(tools, 20)[0] == 0.0  # two slots, both new
    week = " ".join(f"{d} will be {w}." for d, w in
                    (("Monday", "sunny"), ("Tuesday", "cloudy"), ("Wednesday", "rainy"), ("Thursday", "sunny"),
                     ("Friday", "windy"), ("Saturday", "sunny")))
    assert repetitions(week, 20)[0] == 0.0  # a frame of function words only is no frame


def test_a_paragraph_looping_with_its_subject_changed_is_a_template_loop():
    en = "\n\n".join(f"{x} is a popular language. {x} is used for {y}. Many developers like {x}." for x, y in
                     (("Python", "data science"), ("Java", "enterprise apps"), ("Go", "servers"),
                      ("Rust", "systems"), ("Ruby", "web apps")))
    assert repetitions(en, 20)[0] > 0.3
    ja = "\n\n".join(f"{x}は素晴らしい場所です。{x}には美しい{y}がたくさんあります。{x}ではおいしい料理を楽しめます。"
                     f"毎年多くの観光客が{x}を訪れます。" for x, y in (("京都", "寺"), ("奈良", "公園"), ("大阪", "通り"),
                                                                ("神戸", "港")))
    assert repetitions(ja, 20)[0] > 0.3
    # sections that each say their own things, in a shared frame, are no loop; nor is a week of short data rows
    sections = "\n\n".join(f"**{x}** is a {k} language. It is popular for {y}." for x, k, y in
                           (("Python", "general-purpose", "data science"), ("Java", "general-purpose", "enterprise software"),
                            ("Go", "compiled", "cloud services"), ("Rust", "systems", "safe low-level code")))
    assert repetitions(sections, 20)[0] == 0.0
    week = "".join(f"{d}曜日は{w}です。" for d, w in zip("月火水木金土日", ("晴れ", "曇り", "雨", "晴れ", "雪", "晴れ", "曇り")))
    assert repetitions(week, 20)[0] == 0.0


def test_a_refrain_that_closes_each_stanza_is_structure_a_stanza_of_only_it_is_not():
    poem = ("Snow is falling on the silent town,\nthe lamps are glowing soft and brown.\nWinter, stay a little while.\n\n"
            "Children laugh and sledges race,\nred cheeks shine on every face.\nWinter, stay a little while.")
    assert repetitions(poem, 20)[0] == 0.0
    song = "雪が静かに降っている。\n町の灯りがともる。\n冬よ、もう少しだけ。\n\n子どもたちが笑う。\n頬が赤く光る。\n冬よ、もう少しだけ。"
    assert repetitions(song, 10)[0] == 0.0
    looping = "Winter, stay a little while and never go.\n\n" * 4
    assert repetitions(looping, 20)[0] > 0.5


def test_a_chorus_between_verses_is_structure_back_to_back_stanzas_are_a_loop():
    song = ("Verse 1:\nThe train goes rolling through the plain,\nI watch the fields go by in rain.\n\n"
            "Chorus:\nTake me home, take me home,\nno more need to roam.\n\n"
            "Verse 2:\nThe city lights are far behind,\na quiet road is all I find.\n\n"
            "Chorus:\nTake me home, take me home,\nno more need to roam.")
    assert repetitions(song, 20)[0] == 0.0
    stuck = "\n\n".join(["Take me home, take me home,\nno more need to roam."] * 2 + ["The road is long."]
                         + ["Take me home, take me home,\nno more need to roam."] * 3)
    assert repetitions(stuck, 20)[0] > 0.3


def test_sentences_that_each_say_the_one_before_again_and_add_a_word_are_a_loop():
    growing = ("The river runs to the sea. The river runs to the sea every day. The river runs to the sea every "
               "day and night. The river runs to the sea every day and night without rest.")
    assert repetitions(growing, 20)[0] > 0.3
    ja = "川が海へ流れる。川が海へ流れる日々。川が海へ流れる日々が続く。川が海へ流れる日々が続く夏。"
    assert repetitions(ja, 20)[0] > 0.3
    running = "Add them up: 3 + 4 = 7. 3 + 4 + 5 = 12. 3 + 4 + 5 + 6 = 18. 3 + 4 + 5 + 6 + 7 = 25."
    assert repetitions(running, 20)[0] == 0.0
    once = "Cats sleep a lot. Cats sleep a lot because they hunt at night. Dogs are different."
    assert repetitions(once, 20)[0] == 0.0


def test_a_refrain_interleaved_with_new_lines_in_one_stanza_of_verse_is_form_not_a_loop():
    ja = "波がよせる\n砂に足あと\n波がよせる\n貝がひかる\n波がよせる\n夕日がしずむ"
    assert repetitions(ja, 20)[0] == 0.0
    en = "Sleep, little fox,\nthe snow is deep.\nSleep, little fox,\nthe hills are asleep.\nSleep, little fox,\nthe stars keep."
    assert repetitions(en, 20)[0] == 0.0


def test_a_line_or_block_said_again_with_nothing_new_between_is_still_a_loop():
    block = "\n".join(["波がよせる", "砂に足あと"] * 4)
    assert repetitions(block, 20)[0] > 0.3
    line = "\n".join(["Sleep, little fox,"] * 6)
    assert repetitions(line, 20)[0] > 0.3
    template = "\n".join(f"The fox is {word}." for word in ("small", "quick", "red", "shy", "warm", "wild"))
    assert repetitions(template, 20)[0] > 0.3


def test_prose_lines_are_no_verse_and_keep_their_copies():
    prose = ("I am sorry, but I cannot answer that question with the information given here.\nThe weather data is "
             "missing.\nI am sorry, but I cannot answer that question with the information given here.\nThe "
             "station was offline.\nI am sorry, but I cannot answer that question with the information given here.")
    assert repetitions(prose, 20)[0] > 0.3
