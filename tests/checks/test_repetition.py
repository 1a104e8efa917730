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
