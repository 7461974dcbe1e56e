"""Lexicon files: loading, every kind of error named by file and path, reloading."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from qinglang.detect import (
    Lexicon,
    LexiconError,
    LexiconStore,
    Matcher,
    Term,
    bundled_lexicon,
    combine,
    load_lexicon,
)

GOOD = """
[lexicon]
name = "test"
kinds = ["fraud", "insult"]

[[terms]]
term = "刷单返利"
kind = "fraud"
tags = ["common-scam"]

[[terms]]
term = "废物"
kind = "insult"
fuzzy = false
pinyin = false

[allow]
phrases = ["废物利用"]
"""


def write(tmp_path: Path, text: str, name: str = "lexicon.toml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_a_valid_file_loads_with_kinds_tags_and_allow_list(tmp_path: Path) -> None:
    lexicon = load_lexicon(write(tmp_path, GOOD))
    assert lexicon.name == "test"
    assert lexicon.kinds == ("fraud", "insult")
    assert lexicon.terms == (
        Term("刷单返利", "fraud", ("common-scam",)),
        Term("废物", "insult", (), fuzzy=False, pinyin=False),
    )
    assert lexicon.allow == ("废物利用",)
    assert lexicon.source == str(tmp_path / "lexicon.toml")
    assert len(lexicon.digest) == 64


def test_the_bundled_demo_lexicon_loads_and_matches() -> None:
    lexicon = load_lexicon(bundled_lexicon("demo-harmful"))
    assert len(lexicon.terms) >= 30
    assert {"insult", "fraud", "contact_lure"} <= set(lexicon.kinds)
    matcher = Matcher.compile(lexicon)
    assert [(h.term, h.kind) for h in matcher.scan("加薇信，防止失連")] == [
        ("加微信", "contact_lure"),
        ("防止失联", "contact_lure"),
    ]
    assert [h.term for h in matcher.scan("祝你生日快乐，日了狗")] == ["日"]


# One case per kind of error: (what to change in GOOD, the path named, words of the problem).
ERRORS = [
    ('name = "test"', 'name = ""', "lexicon.name", "non-empty string"),
    ('kinds = ["fraud", "insult"]', "", "lexicon.kinds", "missing"),
    ('kinds = ["fraud", "insult"]', "kinds = []", "lexicon.kinds", "at least one"),
    ('kinds = ["fraud", "insult"]', 'kinds = ["Fraud!", "insult"]', "lexicon.kinds[0]", "snake"),
    ('kind = "fraud"', 'kind = "spam"', "terms[0].kind", "not one of lexicon.kinds"),
    ('term = "刷单返利"', 'term = ""', "terms[0].term", "non-empty string"),
    ('term = "刷单返利"', "term = 42", "terms[0].term", "non-empty string"),
    ('term = "刷单返利"', 'term = "！！！"', "terms[0].term", "no letters or digits"),
    (
        'term = "废物"\nkind = "insult"',
        'term = "刷单返利"\nkind = "fraud"',
        "terms[1].term",
        "repeats",
    ),
    ('tags = ["common-scam"]', 'tags = "common-scam"', "terms[0].tags", "list of strings"),
    ('tags = ["common-scam"]', 'tags = ["a", "a"]', "terms[0].tags[1]", "listed twice"),
    ("fuzzy = false", 'fuzzy = "no"', "terms[1].fuzzy", "true or false"),
    ('tags = ["common-scam"]', 'tag = ["common-scam"]', "terms[0].tag", "unknown key"),
    ("[allow]", "[allowed]", "allowed", "unknown key"),
    ('phrases = ["废物利用"]', 'phrases = ["废物利用", ""]', "allow.phrases[1]", "non-empty"),
    ('name = "test"', 'name = "test"\nversion = 1', "lexicon.version", "unknown key"),
]


@pytest.mark.parametrize(("old", "new", "path", "words"), ERRORS, ids=[e[2] for e in ERRORS])
def test_each_error_names_file_path_and_problem(
    tmp_path: Path, old: str, new: str, path: str, words: str
) -> None:
    assert old in GOOD
    file = write(tmp_path, GOOD.replace(old, new, 1))
    with pytest.raises(LexiconError) as caught:
        load_lexicon(file)
    problems = [(p.file, p.path) for p in caught.value.problems if words in p.message]
    assert problems == [(str(file), path)], caught.value.problems
    assert f"{file}: {path}: " in str(caught.value)


def test_all_problems_are_reported_at_once(tmp_path: Path) -> None:
    text = GOOD.replace('kind = "fraud"', 'kind = "spam"').replace("fuzzy = false", "fuzzy = 1")
    with pytest.raises(LexiconError) as caught:
        load_lexicon(write(tmp_path, text))
    assert [p.path for p in caught.value.problems] == ["terms[0].kind", "terms[1].fuzzy"]


def test_missing_tables_are_named(tmp_path: Path) -> None:
    with pytest.raises(LexiconError) as caught:
        load_lexicon(write(tmp_path, '[lexicon]\nname = "x"\nkinds = ["a"]\n'))
    assert [p.path for p in caught.value.problems] == ["terms"]
    with pytest.raises(LexiconError) as caught:
        load_lexicon(write(tmp_path, '[[terms]]\nterm = "x"\nkind = "a"\n'))
    assert "lexicon" in [p.path for p in caught.value.problems]


def test_not_toml_names_the_file_and_line(tmp_path: Path) -> None:
    file = write(tmp_path, GOOD + "\nthis is = = not toml\n")
    with pytest.raises(LexiconError) as caught:
        load_lexicon(file)
    (problem,) = caught.value.problems
    assert (problem.file, problem.path) == (str(file), "(file)")
    assert "not valid TOML" in problem.message
    assert "line" in problem.message


def test_not_utf8_is_refused(tmp_path: Path) -> None:
    file = tmp_path / "gbk.toml"
    file.write_bytes(GOOD.encode("gbk"))
    with pytest.raises(LexiconError, match="not UTF-8"):
        load_lexicon(file)


def test_a_missing_file_is_refused(tmp_path: Path) -> None:
    with pytest.raises(LexiconError, match="cannot be read") as caught:
        load_lexicon(tmp_path / "nope.toml")
    assert caught.value.problems[0].file == str(tmp_path / "nope.toml")


def test_combine_keeps_every_term_and_allow_phrase(tmp_path: Path) -> None:
    first = load_lexicon(write(tmp_path, GOOD, "a.toml"))
    second = Lexicon(name="b", terms=(Term("人民日报", "media"),), allow=("x",), kinds=("media",))
    combined = combine([first, second])
    assert [t.term for t in combined.terms] == ["刷单返利", "废物", "人民日报"]
    assert combined.allow == ("废物利用", "x")
    assert combined.kinds == ("fraud", "insult", "media")


def _store(paths: list[Path], **options: object) -> LexiconStore[Matcher]:
    return LexiconStore(
        paths,
        build=lambda lexicons: Matcher.compile(combine(lexicons)),
        **options,  # type: ignore[arg-type]
    )


def _bump_mtime(path: Path) -> None:
    status = path.stat()
    os.utime(path, ns=(status.st_atime_ns, status.st_mtime_ns + 1_000_000_000))


def test_store_reloads_a_changed_file_without_a_restart(tmp_path: Path) -> None:
    file = write(tmp_path, GOOD)
    store = _store([file])
    assert [h.term for h in store.current().scan("刷单返利")] == ["刷单返利"]
    assert store.current().scan("代孕") == []

    write(tmp_path, GOOD.replace("刷单返利", "代孕"))
    _bump_mtime(file)
    assert [h.term for h in store.current().scan("代孕")] == ["代孕"]
    assert store.current().scan("刷单返利") == []
    assert store.reloads == 2


def test_store_does_not_rebuild_a_touched_but_unchanged_file(tmp_path: Path) -> None:
    file = write(tmp_path, GOOD)
    store = _store([file])
    first = store.current()
    _bump_mtime(file)
    assert store.current() is first
    assert store.reloads == 1


def test_store_keeps_the_last_good_build_when_a_change_is_invalid(tmp_path: Path) -> None:
    file = write(tmp_path, GOOD)
    store = _store([file])
    good = store.current()
    write(tmp_path, GOOD.replace('kind = "fraud"', 'kind = "spam"'))
    _bump_mtime(file)
    assert store.current() is good
    assert store.last_error is not None
    assert store.last_error.problems[0].path == "terms[0].kind"
    with pytest.raises(LexiconError):
        store.refresh()

    write(tmp_path, GOOD.replace("刷单返利", "代孕"))
    _bump_mtime(file)
    assert store.refresh() is True
    assert store.last_error is None
    assert [h.term for h in store.current().scan("代孕")] == ["代孕"]


def test_store_with_no_good_build_raises(tmp_path: Path) -> None:
    store = _store([tmp_path / "missing.toml"])
    with pytest.raises(LexiconError, match="cannot be read"):
        store.current()


def test_store_checks_files_at_most_every_interval(tmp_path: Path) -> None:
    now = [0.0]
    file = write(tmp_path, GOOD)
    store = _store([file], check_every=10.0, clock=lambda: now[0])
    first = store.current()
    write(tmp_path, GOOD.replace("刷单返利", "代孕"))
    _bump_mtime(file)
    now[0] = 5.0
    assert store.current() is first
    now[0] = 10.0
    assert store.current() is not first
    assert [lexicon.name for lexicon in store.lexicons] == ["test"]
