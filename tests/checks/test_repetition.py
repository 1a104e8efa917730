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


def test_near_copies_count_new_topics_and_markdown_rules_do_not():
    apology = " ".join(f"I am sorry, but I cannot answer {w} question because it is unclear." for w in
                       ("that", "this", "the", "your"))
    assert repetitions(apology, 20)[0] > 0.5
    cities = "".join(f"{city}は日本の都市です。" for city in ("東京", "大阪", "京都", "札幌", "福岡"))
    assert repetitions(cities, 20)[0] == 0.0
    assert repetitions("Answer\n\n==========\n\n42", 20)[0] == 0.0
