"""Normalisation: what each fold does, the map back to the original, and bad input."""

from __future__ import annotations

import json
from importlib import resources
from pathlib import Path

import pytest

from qinglang.detect import (
    VariantKind,
    VariantTableError,
    default_variant_tables,
    load_variant_tables,
    normalise,
)

W, T, N, S, H = (
    VariantKind.WIDTH,
    VariantKind.TRADITIONAL,
    VariantKind.NOISE,
    VariantKind.SHAPE,
    VariantKind.HOMOPHONE,
)


@pytest.mark.parametrize(
    ("text", "expected", "spans"),
    [
        ("人民日报", "人民日报", [(0, 1), (1, 2), (2, 3), (3, 4)]),
        ("人民日報", "人民日报", [(0, 1), (1, 2), (2, 3), (3, 4)]),  # 繁 -> 简
        ("ＲＭＲＢ", "rmrb", [(0, 1), (1, 2), (2, 3), (3, 4)]),  # full width, case
        ("Ⓡⓜ𝐫𝐛", "rmrb", [(0, 1), (1, 2), (2, 3), (3, 4)]),  # circled, styled (astral)
        ("人 民\u3000日,报", "人民日报", [(0, 1), (2, 3), (4, 5), (6, 7)]),  # spaces, punct
        ("人😀民", "人民", [(0, 1), (2, 3)]),  # emoji (a surrogate pair in UTF-16)
        ("人\u200b民\u2060日\ufeff报", "人民日报", [(0, 1), (2, 3), (4, 5), (6, 7)]),
        ("人̶民̶", "人民", [(0, 2), (2, 4)]),  # combining marks stay with their base
        ("人人人民", "人民", [(0, 3), (3, 4)]),  # a repeated run maps to all of it
        ("人 人民", "人民", [(0, 3), (3, 4)]),  # repeats across noise
        ("ｒéｎ", "ren", [(0, 1), (1, 2), (2, 3)]),  # accents off Latin letters
        ("e\u0301x", "ex", [(0, 2), (2, 3)]),  # a decomposed accent is a stacked mark
        ("㈱x", "株x", [(0, 1), (1, 2)]),  # compatibility: (株) without the parentheses
        ("ﬁ", "fi", [(0, 1), (0, 1)]),  # one character expands to two: both map to it
        ("٣٤", "34", [(0, 1), (1, 2)]),  # Arabic-Indic digits
        ("book 100", "book100", [(0, 1), (1, 2), (2, 3), (3, 4), (5, 6), (6, 7), (7, 8)]),
    ],
)
def test_normalise_folds_forms_and_noise_and_maps_back(
    text: str, expected: str, spans: list[tuple[int, int]]
) -> None:
    result = normalise(text, fold_variants=False)
    assert result.text == expected
    assert list(result.spans) == spans


@pytest.mark.parametrize(
    ("text", "kinds"),
    [
        ("人民", [set(), set()]),
        ("報", [{T}]),
        ("Ｒ", [{W}]),
        ("R", [set()]),  # letter case alone is not a variant
        ("人人", [{N}]),
        ("人̶", [{N}]),
    ],
)
def test_kinds_say_which_folds_changed_each_character(text: str, kinds: list[set[str]]) -> None:
    assert [set(k) for k in normalise(text, fold_variants=False).kinds] == kinds


def test_variant_folding_puts_shapes_and_homophones_in_one_class() -> None:
    assert normalise("入").text == normalise("人").text  # shape
    assert normalise("抱").text == normalise("报").text  # homophone (bao)
    assert normalise("報").text == normalise("报").text  # traditional, then homophone
    assert normalise("人").text != normalise("大").text
    folded = normalise("入抱")
    assert S in folded.kinds[0]
    assert H in folded.kinds[1] or H in normalise("报").kinds[0]


def test_original_span_of_a_normalised_range() -> None:
    result = normalise("《人 民😀日報》")  # 《0 人1 _2 民3 😀4 日5 報6 》7
    assert result.original_span(0, 4) == (1, 7)
    assert result.original_span(1, 3) == (3, 6)
    assert result.original_span(2, 2) == (5, 5)
    assert result.original_span(4, 4) == (7, 7)
    with pytest.raises(IndexError):
        result.original_span(3, 9)


BAD_INPUTS = {
    "empty": "",
    "only noise": " \t\n，。😀\u200b",
    "1 MB of text": "人民日报，今天天气很好。Hello 世界！" * 40_000,
    "1 MB of combining marks": "a" + "\u0336" * 1_000_000,
    "lone high surrogate": "\ud800",
    "lone low surrogate": "人\udc00民",
    "surrogates reversed": "\udc00\ud800",
    "noncharacters": "\ufffe\uffff\U0010ffff\U0001fffe",
    "unassigned code points": "\u0378\U000e0000\U0003ffff\U0004ffff",
    "private use": "\ue000\U000f0000\U00100000",
    "right-to-left marks": "\u202e人民\u202c\u200f日报\u200e\u2067x\u2069",
    "RTL script": "مرحبا بالعالم שלום",
    "combining marks only": "\u0301\u0302\u20e3",
    "mixed scripts": "Ｒen民日бао한국어ひらがなกขค",
    "control characters": "\x00\x01\x1b[31m\x7f\x85",
    "emoji sequences": "👨‍👩‍👧‍👦🏳️‍🌈1️⃣🇨🇳🏴\U000e0067\U000e0062\U000e007f",
}


@pytest.mark.parametrize("text", BAD_INPUTS.values(), ids=BAD_INPUTS.keys())
@pytest.mark.parametrize("fold", [True, False])
def test_bad_input_never_raises_and_spans_stay_inside(text: str, fold: bool) -> None:
    result = normalise(text, fold_variants=fold)
    assert len(result.spans) == len(result.text) == len(result.kinds)
    assert all(0 <= start < end <= len(text) for start, end in result.spans)
    assert list(result.spans) == sorted(result.spans)


def test_the_generated_tables_hold_the_well_known_pairs() -> None:
    tables = default_variant_tables()
    for a, b in ["人入", "日曰", "己已", "已巳", "未末", "土士"]:
        assert tables.shape.get(a, a) == tables.shape.get(b, b), (a, b)
    assert tables.traditional["報"] == "报"
    assert tables.syllable["抱"] == tables.syllable["报"] == "bao"


def test_the_tables_name_their_sources_and_thresholds() -> None:
    manifest = default_variant_tables().manifest
    inputs = manifest["inputs"]
    assert isinstance(inputs, dict)
    assert {"pypinyin", "opencc", "pillow", "font_file", "font_sha256"} <= inputs.keys()
    assert manifest["generated_by"] == "scripts/build_variant_tables.py"
    assert "edge_threshold" in json.dumps(dict(manifest))


def _copy_tables(tmp_path: Path) -> Path:
    folder = Path(str(resources.files("qinglang.detect") / "data" / "variant_tables"))
    for name in ("traditional.tsv", "shapes.tsv", "homophones.tsv", "manifest.json"):
        (tmp_path / name).write_text((folder / name).read_text(encoding="utf-8"), encoding="utf-8")
    return tmp_path


def test_a_broken_table_is_refused_naming_file_and_line(tmp_path: Path) -> None:
    folder = _copy_tables(tmp_path)
    with (folder / "shapes.tsv").open("a", encoding="utf-8") as handle:
        handle.write("人\t0.1\tbitmap\n")  # a class of one
    with (folder / "homophones.tsv").open("a", encoding="utf-8") as handle:
        handle.write("ren\t人\n")  # 人 already reads ren
    with pytest.raises(VariantTableError) as caught:
        load_variant_tables(folder)
    problems = caught.value.problems
    assert any(p.startswith(f"{folder / 'shapes.tsv'}:") and "2+ hanzi" in p for p in problems)
    assert any(f"{folder / 'homophones.tsv'}:" in p and "already reads" in p for p in problems)


def test_a_missing_table_is_refused(tmp_path: Path) -> None:
    folder = _copy_tables(tmp_path)
    (folder / "traditional.tsv").unlink()
    with pytest.raises(VariantTableError, match=r"traditional\.tsv: cannot be read"):
        load_variant_tables(folder)


@pytest.mark.parametrize(
    "text",
    [
        "人̶民̶ ㈱ﬁ 人人人 e\u0301 𠮷😀👍🏽报報",
        ("人民，日报。" * 500) + "ﬁ" + ("人 人 民" * 400),  # several blocks, one expanded
        "\u0301" * 5000 + "人" + "a" * 3000,  # a block boundary inside marks
    ],
)
def test_bulk_spans_agree_with_the_per_character_map(text: str) -> None:
    from qinglang.detect.chartables import default_char_tables
    from qinglang.detect.offsets import OffsetMap, prefold

    tables = default_char_tables()
    folded = prefold(text, tables)
    bulk = OffsetMap(folded, tables).spans()
    single = OffsetMap(folded, tables)
    assert bulk == [single.span(i) for i in range(len(folded.text))]
