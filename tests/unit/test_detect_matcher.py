"""The matcher: each variant kind caught, attributed honestly, at the right original span."""

from __future__ import annotations

import pytest

from qinglang.detect import Hit, Lexicon, Matcher, Term, VariantKind

LEXICON = Lexicon(
    name="test",
    terms=(
        Term("人民日报", "media", ("outlet",)),
        Term("日", "insult"),
        Term("天天向上", "slogan"),
        Term("加微信", "contact_lure"),
        Term("𠮷野家", "shop"),
        Term("vpn", "tool"),
    ),
    allow=("生日快乐", "今日"),
    kinds=("media", "insult", "slogan", "contact_lure", "shop", "tool"),
)
MATCHER = Matcher.compile(LEXICON)


def hits_of(text: str, term: str = "人民日报", matcher: Matcher = MATCHER) -> list[Hit]:
    return [hit for hit in matcher.scan(text) if hit.term == term]


def found(text: str, term: str = "人民日报") -> list[tuple[tuple[int, int], list[str]]]:
    return [(hit.span, [str(v) for v in hit.variants]) for hit in hits_of(text, term)]


@pytest.mark.parametrize(
    ("text", "span", "variants"),
    [
        ("人民日报", (0, 4), ["exact"]),
        ("今天的人民日报社论", (3, 7), ["exact"]),
        ("人民日報", (0, 4), ["traditional"]),
        ("ｒｍｒｂ", (0, 4), ["initials", "width"]),
        ("ＲＭＲＢ", (0, 4), ["initials", "width"]),
        ("人 民 日 报", (0, 7), ["noise"]),
        ("人😀民日报", (0, 5), ["noise"]),
        ("人\u200b民日报", (0, 5), ["noise"]),  # zero-width space
        ("人̶民̶日̶报̶", (0, 8), ["noise"]),  # stacked combining marks
        ("人人人民日报", (0, 6), ["noise"]),  # repeats
        ("入民日报", (0, 4), ["shape"]),
        ("人民曰报", (0, 4), ["shape"]),
        ("人民日抱", (0, 4), ["homophone"]),
        ("仁民日报", (0, 4), ["homophone"]),
        ("renminribao", (0, 11), ["pinyin"]),
        ("RenMinRiBao", (0, 11), ["pinyin"]),
        ("rén mín rì bào", (0, 14), ["noise", "pinyin", "width"]),  # tone marks folded
        ("ren-min-ri-bao", (0, 14), ["noise", "pinyin"]),
        ("rmrb", (0, 4), ["initials"]),
        ("看rmrb的新闻", (1, 5), ["initials"]),
        ("入 民 日 報", (0, 7), ["noise", "shape", "traditional"]),
        ("人民日報報", (0, 5), ["noise", "traditional"]),
        ("ｒｅｎｍｉｎｒｉｂａｏ", (0, 11), ["pinyin", "width"]),
        ("仁*民*日*抱", (0, 7), ["homophone", "noise"]),
    ],
)
def test_each_variant_kind_is_caught_and_attributed(
    text: str, span: tuple[int, int], variants: list[str]
) -> None:
    assert found(text) == [(span, variants)]


@pytest.mark.parametrize(
    ("text", "variants"),
    [
        ("入民日报", ["shape"]),  # 入 -> 人 by shape
        ("认民日报", ["homophone"]),  # 认 reads ren like 人
    ],
)
def test_shape_and_homophone_are_told_apart(text: str, variants: list[str]) -> None:
    assert [list(map(str, hit.variants)) for hit in hits_of(text)] == [variants]


@pytest.mark.parametrize(
    "text",
    [
        "farmrbx",  # initials glued inside a longer Latin word
        "renminribaoxyz",
        "人民",
        "人民日",
        "民日报",
        "大民日报",  # 大 is neither shape-similar to 人 nor a homophone
    ],
)
def test_near_misses_do_not_hit(text: str) -> None:
    assert hits_of(text) == []


def test_a_term_repeat_must_be_in_the_text() -> None:
    assert found("天天向上", "天天向上") == [((0, 4), ["exact"])]
    assert found("天天天向上", "天天向上") == [((0, 5), ["noise"])]
    assert found("天向上", "天天向上") == []


def test_allow_list_suppresses_hits_inside_allowed_phrases() -> None:
    assert hits_of("祝你生日快乐！", "日") == []
    assert hits_of("今日", "日") == []
    assert [hit.span for hit in hits_of("日了狗，生日快乐", "日")] == [(0, 1)]


def test_allow_phrases_can_be_added_at_compile_time() -> None:
    matcher = Matcher.compile(LEXICON, allow=["日本"])
    assert hits_of("日本", "日", matcher) == []
    assert hits_of("日本", "日") != []


def test_offsets_count_code_points_around_emoji_and_astral_hanzi() -> None:
    text = "😀𠮷野家👍🏽人民日报"
    assert found(text, "𠮷野家") == [((1, 4), ["exact"])]
    assert found(text) == [((6, 10), ["exact"])]
    assert found("👨‍👩‍👧人民日报") == [((5, 9), ["exact"])]


def test_offsets_with_combining_marks_and_rtl_marks() -> None:
    assert found("e\u0301\u0301人民日报") == [((3, 7), ["exact"])]
    assert found("\u202e人民日报\u202c") == [((1, 5), ["exact"])]
    assert found("\u200f人\u200f民日报") == [((1, 6), ["noise"])]


def test_latin_terms_match_whole_words() -> None:
    assert [h.span for h in MATCHER.scan("买VPN吗") if h.term == "vpn"] == [(1, 4)]
    assert [h.span for h in MATCHER.scan("v p n") if h.term == "vpn"] == [(0, 5)]
    assert [h for h in MATCHER.scan("vpnxyz") if h.term == "vpn"] == []


def test_hit_carries_the_term_kind_and_tags() -> None:
    (hit,) = hits_of("人民日报")
    assert hit == Hit("人民日报", "media", ("outlet",), (0, 4), (VariantKind.EXACT,))


def test_overlapping_hits_are_all_reported_in_text_order() -> None:
    matcher = Matcher.compile(
        Lexicon(name="o", terms=(Term("人民日报", "a"), Term("日报社", "b"), Term("人民", "c")))
    )
    assert [(h.term, h.span) for h in matcher.scan("人民日报社")] == [
        ("人民日报", (0, 4)),
        ("人民", (0, 2)),
        ("日报社", (2, 5)),
    ]


def test_short_terms_only_match_exact_forms_by_default() -> None:
    matcher = Matcher.compile(Lexicon(name="s", terms=(Term("加微", "x"),)))
    assert [h.variants for h in matcher.scan("加微")] == [(VariantKind.EXACT,)]
    assert matcher.scan("加薇") == []  # a homophone of a two-character term
    looser = Matcher.compile(Lexicon(name="s", terms=(Term("加微", "x"),)), min_fuzzy_length=2)
    assert [h.variants for h in looser.scan("加薇")] == [(VariantKind.HOMOPHONE,)]


def test_initials_need_long_enough_terms() -> None:
    assert hits_of("jwx", "加微信") == []  # three characters: initials are noise
    matcher = Matcher.compile(LEXICON, min_initials_length=3)
    assert [h.variants for h in hits_of("jwx", "加微信", matcher)] == [(VariantKind.INITIALS,)]


def test_terms_can_opt_out_of_fuzzy_and_pinyin_matching() -> None:
    strict = Matcher.compile(
        Lexicon(name="s", terms=(Term("人民日报", "media", fuzzy=False, pinyin=False),))
    )
    assert strict.scan("人民日抱") == []
    assert strict.scan("renminribao") == []
    assert [h.variants for h in strict.scan("人 民 日 報")] == [
        (VariantKind.NOISE, VariantKind.TRADITIONAL)
    ]


def test_contextual_reading_of_a_heteronym_matches_its_homophones() -> None:
    matcher = Matcher.compile(Lexicon(name="b", terms=(Term("招商银行", "bank"),)))
    assert [h.variants for h in matcher.scan("招商银航")] == [(VariantKind.HOMOPHONE,)]
    assert [h.variants for h in matcher.scan("zhaoshangyinhang")] == [(VariantKind.PINYIN,)]


BAD_INPUTS = {
    "empty": "",
    "1 MB": ("人民日报，今天天气很好。rmrb 加微信 " * 40_000)[: 1 << 20],
    "lone surrogates": "人\ud800民\udfff日报",
    "invalid and unassigned code points": "\ufffe\uffff\u0378\U0010ffff人民日报\U000e0000",
    "right-to-left marks": "\u202e人民日报\u202c\u200f",
    "combining marks": "\u0301人\u0302\u0303民日报\u20dd",
    "mixed scripts": "Ｒen民日бао한국어ひらがな人民日报مرحبا",
    "only noise": "😀" * 1000,
    "control characters": "\x00人民\x1b[0m日报\x7f",
}


@pytest.mark.parametrize("text", BAD_INPUTS.values(), ids=BAD_INPUTS.keys())
def test_bad_input_never_raises(text: str) -> None:
    hits = MATCHER.scan(text)
    assert all(0 <= h.span[0] < h.span[1] <= len(text) for h in hits)


def test_a_megabyte_of_text_finds_every_occurrence() -> None:
    text = "日常新闻，人民日报。" * 100_000
    hits = hits_of(text)
    assert len(hits) == 100_000
    assert hits[-1].span == (len(text) - 5, len(text) - 1)


def test_an_empty_lexicon_matches_nothing() -> None:
    assert Matcher.compile(Lexicon(name="e", terms=())).scan("人民日报") == []
