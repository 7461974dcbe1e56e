"""Regenerate the variant tables of ``qinglang.detect`` from installed, freely licensed data.

Run from the repository root (about a minute; nothing is downloaded)::

    .venv/bin/python scripts/build_variant_tables.py           # rewrite the tables
    .venv/bin/python scripts/build_variant_tables.py --check   # exit 1 if the committed ones differ

It writes ``src/qinglang/detect/data/variant_tables/``: ``traditional.tsv``,
``homophones.tsv``, ``shapes.tsv`` and ``manifest.json`` (the inputs' versions, the
thresholds and the counts). The output is deterministic: the same inputs give the same
bytes. Inputs:

* the GB 2312 repertoire (6,763 hanzi, from Python's own ``gb2312`` codec): the
  characters whose glyphs are compared for shape similarity;
* pypinyin (MIT): ``pinyin_dict`` gives the readings of about 42,000 characters, the first
  being pypinyin's default (most common) reading; ``phrases_dict`` gives 47,000 words, and
  the number of words a character occurs in is the frequency proxy that picks each class's
  representative;
* OpenCC (Apache-2.0), configuration ``t2s``, applied to one character at a time;
* Noto Sans CJK SC Regular (SIL OFL 1.1, Debian ``fonts-noto-cjk``), rendered with Pillow;
* ``shapes_supplement.tsv`` beside the tables: a short hand-curated list of well-known pairs
  that the bitmap comparison misses, each with its source note.

Shape similarity: each character is drawn at 64 px in an 80 px square, blurred (Gaussian,
radius 2) and reduced to 16 x 16 grey levels, once as drawn and once cropped to its ink
and stretched to the square. The distance of two glyphs is the L1 difference of the two
grey images over their total ink (0 = identical, 1 = disjoint), in whichever view is closer.
A pair within ``--edge`` is an edge; edges are merged shortest first into classes
(complete link: every pair of a class within ``--link``, at most ``--max-class``
members). A class's representative is its most frequent member.
"""

from __future__ import annotations

import argparse
import hashlib
import importlib.metadata
import json
import subprocess
import sys
import time
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from PIL import Image, ImageChops, ImageDraw, ImageFilter, ImageFont

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "src" / "qinglang" / "detect" / "data" / "variant_tables"
FONT = Path("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc")
FONT_FACE = "Noto Sans CJK SC"
SCRIPT = "scripts/build_variant_tables.py"

CANVAS = 80
EM = 64
GRID = 16
BLUR = 2.0
PLANES = 16
PREFILTER_MARGIN = 0.05

HAN_RANGES = (
    (0x3400, 0x4DBF),  # Extension A
    (0x4E00, 0x9FFF),  # Unified Ideographs
    (0x20000, 0x2A6DF),  # Extension B
    (0x2A700, 0x2EBEF),  # Extensions C to F
    (0x30000, 0x3134F),  # Extension G
)


def gb2312_hanzi() -> list[str]:
    """The 6,763 hanzi of GB 2312 in code order (level 1, 3,755 common, then level 2)."""
    chars = []
    for high in range(0xB0, 0xF8):
        for low in range(0xA1, 0xFF):
            try:
                chars.append(bytes((high, low)).decode("gb2312"))
            except UnicodeDecodeError:
                continue
    return chars


def phrase_counts() -> dict[str, int]:
    from pypinyin import phrases_dict

    counts: dict[str, int] = {}
    for phrase in phrases_dict.phrases_dict:
        for char in set(phrase):
            counts[char] = counts.get(char, 0) + 1
    return counts


@dataclass(frozen=True)
class Ranking:
    """Orders characters most common first: words containing it, GB 2312 level, code point."""

    words: dict[str, int]
    gb_index: dict[str, int]

    def key(self, char: str) -> tuple[int, int, int]:
        return (-self.words.get(char, 0), self.gb_index.get(char, 99_999), ord(char))


# -- homophones ------------------------------------------------------------------------


def toneless(reading: str) -> str | None:
    from pypinyin.contrib.tone_convert import to_normal

    syllable = to_normal(reading).replace("ê", "e")
    return syllable if syllable.isascii() and syllable.isalpha() else None


def homophone_classes(ranking: Ranking) -> dict[str, list[str]]:
    """Toneless syllable of each character's first (default) reading -> its characters."""
    from pypinyin import pinyin_dict

    classes: dict[str, list[str]] = {}
    for code, readings in pinyin_dict.pinyin_dict.items():
        char = chr(code)
        if unicodedata.category(char) != "Lo":
            continue  # private-use and unassigned code points in pypinyin's data
        syllable = toneless(readings.split(",")[0])
        if syllable:
            classes.setdefault(syllable, []).append(char)
    return {s: sorted(chars, key=ranking.key) for s, chars in sorted(classes.items())}


# -- traditional -> simplified ---------------------------------------------------------


def traditional_table(gb: set[str]) -> dict[str, str]:
    """Per character OpenCC t2s; a character GB 2312 encodes is simplified in its own right."""
    import opencc

    converter = opencc.OpenCC("t2s")
    table: dict[str, str] = {}
    for low, high in HAN_RANGES:
        for code in range(low, high + 1):
            char = chr(code)
            if char in gb:
                continue
            simplified = converter.convert(char)
            if len(simplified) == 1 and simplified != char:
                table[char] = simplified
    return table


# -- shapes ----------------------------------------------------------------------------


@dataclass
class Glyphs:
    views: list[dict[str, Image.Image]]
    ink: list[dict[str, int]]
    planes: list[dict[str, int]]

    def distance(self, a: str, b: str) -> float:
        best = 1.0
        for view, ink in zip(self.views, self.ink, strict=True):
            total = ink[a] + ink[b]
            if total:
                diff = ImageChops.difference(view[a], view[b]).histogram()
                best = min(best, sum(i * n for i, n in enumerate(diff)) / total)
        return best


def render(font: ImageFont.FreeTypeFont, char: str) -> Image.Image:
    image = Image.new("L", (CANVAS, CANVAS), 0)
    ImageDraw.Draw(image).text((CANVAS // 2, CANVAS // 2), char, font=font, fill=255, anchor="mm")
    return image


def stretched(image: Image.Image) -> Image.Image:
    box = image.getbbox()
    if not box:
        return image
    inner = image.crop(box).resize((EM, EM), Image.Resampling.BILINEAR)
    canvas = Image.new("L", (CANVAS, CANVAS), 0)
    canvas.paste(inner, ((CANVAS - EM) // 2, (CANVAS - EM) // 2))
    return canvas


def reduce(image: Image.Image) -> Image.Image:
    return image.filter(ImageFilter.GaussianBlur(BLUR)).resize((GRID, GRID), Image.Resampling.BOX)


def thermometer(image: Image.Image) -> int:
    """Grey levels as PLANES bit planes: popcount of XOR ~ L1 distance / (256 / PLANES)."""
    pixels = image.tobytes()
    value = 0
    for plane in range(PLANES):
        threshold = (plane + 0.5) * 256 / PLANES
        bits = sum(1 << i for i, p in enumerate(pixels) if p >= threshold)
        value |= bits << (plane * GRID * GRID)
    return value


def glyphs(chars: Sequence[str], font_path: Path, face_index: int) -> Glyphs:
    font = ImageFont.truetype(str(font_path), EM, index=face_index)
    drawn = {c: render(font, c) for c in chars}
    views = [
        {c: reduce(im) for c, im in drawn.items()},
        {c: reduce(stretched(im)) for c, im in drawn.items()},
    ]
    inks = [
        {c: sum(i * n for i, n in enumerate(im.histogram())) for c, im in v.items()} for v in views
    ]
    planes = [{c: thermometer(im) for c, im in v.items()} for v in views]
    return Glyphs(views=views, ink=inks, planes=planes)


def candidate_pairs(g: Glyphs, chars: Sequence[str], bound: float) -> set[tuple[str, str]]:
    """Pairs whose approximate distance is within ``bound`` in either view."""
    step = 256 / PLANES
    found: set[tuple[str, str]] = set()
    for ink, planes in zip(g.ink, g.planes, strict=True):
        order = sorted((c for c in chars if ink[c]), key=lambda c: (ink[c], ord(c)))
        inks = [ink[c] for c in order]
        bits = [planes[c] for c in order]
        for i, a in enumerate(order):
            limit = inks[i] * (1 + bound) / (1 - bound)
            j = i + 1
            while j < len(order) and inks[j] <= limit:
                if (bits[i] ^ bits[j]).bit_count() * step <= bound * (inks[i] + inks[j]):
                    b = order[j]
                    found.add((a, b) if a < b else (b, a))
                j += 1
    return found


def read_supplement(path: Path) -> list[tuple[str, str, str]]:
    pairs = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip() or line.startswith("#"):
            continue
        fields = line.split("\t")
        if len(fields) != 3 or len(fields[0]) != 1 or len(fields[1]) != 1:
            sys.exit(f"{path}:{number}: expected 'a<TAB>b<TAB>source note'")
        pairs.append((fields[0], fields[1], fields[2]))
    return pairs


def shape_classes(
    g: Glyphs,
    chars: Sequence[str],
    ranking: Ranking,
    edge: float,
    link: float,
    max_class: int,
    supplement: Iterable[tuple[str, str, str]],
) -> tuple[list[list[str]], int]:
    """Complete-link clusters of similar glyphs; supplement pairs are joined unconditionally."""
    pairs = candidate_pairs(g, chars, edge + PREFILTER_MARGIN)
    edges = sorted((d, a, b) for a, b in pairs if (d := g.distance(a, b)) <= edge)
    member: dict[str, list[str]] = {c: [c] for c in chars}
    for a, b, _note in supplement:
        for c in (a, b):
            member.setdefault(c, [c])
        if member[a] is not member[b]:
            merged = member[a] + member[b]
            for c in merged:
                member[c] = merged
    cache: dict[tuple[str, str], float] = {}

    def far(x: str, y: str) -> float:
        key = (x, y) if x < y else (y, x)
        if key not in cache:
            cache[key] = g.distance(*key) if x in g.ink[0] and y in g.ink[0] else 1.0
        return cache[key]

    for _d, a, b in edges:
        ca, cb = member[a], member[b]
        if ca is cb or len(ca) + len(cb) > max_class:
            continue
        if all(far(x, y) <= link for x in ca for y in cb):
            merged = ca + cb
            for c in merged:
                member[c] = merged
    seen: set[int] = set()
    classes = []
    for group in member.values():
        if len(group) > 1 and id(group) not in seen:
            seen.add(id(group))
            classes.append(sorted(group, key=ranking.key))
    classes.sort(key=lambda cls: ranking.key(cls[0]))
    return classes, len(edges)


# -- output ----------------------------------------------------------------------------


def header(name: str, columns: str) -> list[str]:
    return [
        f"# {name}: generated by {SCRIPT}; do not edit (see manifest.json).",
        f"# columns: {columns}",
    ]


def render_tables(args: argparse.Namespace) -> dict[str, str]:
    started = time.perf_counter()
    gb = gb2312_hanzi()
    ranking = Ranking(words=phrase_counts(), gb_index={c: i for i, c in enumerate(gb)})
    homophones = homophone_classes(ranking)
    traditional = traditional_table(set(gb))
    supplement = read_supplement(OUT / "shapes_supplement.tsv")
    g = glyphs(gb, args.font, args.face_index)
    shapes, edge_count = shape_classes(
        g, gb, ranking, args.edge, args.link, args.max_class, supplement
    )
    supplemented = {frozenset((a, b)) for a, b, _ in supplement}

    files: dict[str, str] = {}
    lines = header("traditional.tsv", "traditional character, simplified character")
    lines += [f"{t}\t{s}" for t, s in sorted(traditional.items())]
    files["traditional.tsv"] = "\n".join(lines) + "\n"

    lines = header("homophones.tsv", "toneless syllable, its characters (representative first)")
    lines += [f"{s}\t{''.join(chars)}" for s, chars in homophones.items()]
    files["homophones.tsv"] = "\n".join(lines) + "\n"

    lines = header(
        "shapes.tsv",
        "class members (representative first), largest glyph distance within the class,"
        " 'supplement' when a hand-curated pair joined it",
    )
    for cls in shapes:
        inside = [
            g.distance(a, b) for i, a in enumerate(cls) for b in cls[i + 1 :] if a in g.ink[0]
        ]
        origin = (
            "supplement" if any(frozenset(p) in supplemented for p in _pairs(cls)) else "bitmap"
        )
        lines.append(f"{''.join(cls)}\t{max(inside, default=0.0):.3f}\t{origin}")
    files["shapes.tsv"] = "\n".join(lines) + "\n"

    font = ImageFont.truetype(str(args.font), EM, index=args.face_index)
    manifest = {
        "generated_by": SCRIPT,
        "how_to_run": f".venv/bin/python {SCRIPT}",
        "python": f"{sys.version_info.major}.{sys.version_info.minor}",
        "unicodedata": unicodedata.unidata_version,
        "inputs": {
            "pypinyin": importlib.metadata.version("pypinyin"),
            "opencc": importlib.metadata.version("opencc"),
            "opencc_config": "t2s, per character; characters GB 2312 encodes are kept",
            "pillow": importlib.metadata.version("pillow"),
            "font_file": str(args.font),
            "font_face": " ".join(filter(None, font.getname())),
            "font_sha256": hashlib.sha256(args.font.read_bytes()).hexdigest(),
            "font_package": debian_version("fonts-noto-cjk"),
            "shape_repertoire": "GB 2312 hanzi (Python gb2312 codec)",
            "frequency_proxy": "number of pypinyin phrases_dict words containing the character",
            "supplement": "shapes_supplement.tsv",
        },
        "shape_parameters": {
            "canvas_px": CANVAS,
            "em_px": EM,
            "blur_radius": BLUR,
            "grid": GRID,
            "views": ["as drawn", "cropped to ink and stretched"],
            "distance": "L1 of grey images / total ink, the closer view",
            "edge_threshold": args.edge,
            "complete_link_threshold": args.link,
            "max_class_size": args.max_class,
        },
        "counts": {
            "traditional": len(traditional),
            "homophone_syllables": len(homophones),
            "homophone_characters": sum(len(c) for c in homophones.values()),
            "shape_edges": edge_count,
            "shape_classes": len(shapes),
            "shape_characters": sum(len(c) for c in shapes),
            "supplement_pairs": len(supplement),
        },
        "seconds": round(time.perf_counter() - started),
    }
    files["manifest.json"] = json.dumps(manifest, ensure_ascii=False, indent=2) + "\n"
    return files


def _pairs(cls: Sequence[str]) -> list[tuple[str, str]]:
    return [(a, b) for i, a in enumerate(cls) for b in cls[i + 1 :]]


def debian_version(package: str) -> str:
    try:
        done = subprocess.run(  # noqa: S603 (a fixed command, no input)
            ["dpkg-query", "-W", "-f=${Version}", package],  # noqa: S607
            capture_output=True,
            text=True,
            check=True,
        )
    except (OSError, subprocess.CalledProcessError):
        return "unknown"
    return f"{package} {done.stdout.strip()}"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--font", type=Path, default=FONT)
    parser.add_argument("--face-index", type=int, default=2, help="Noto Sans CJK SC in the TTC")
    parser.add_argument("--edge", type=float, default=0.09)
    parser.add_argument("--link", type=float, default=0.14)
    parser.add_argument("--max-class", type=int, default=4)
    parser.add_argument("--check", action="store_true", help="compare instead of writing")
    args = parser.parse_args(argv)
    files = render_tables(args)
    stale = []
    for name, content in files.items():
        path = OUT / name
        old = path.read_text(encoding="utf-8") if path.exists() else None
        if name == "manifest.json" and old is not None:
            old_data, new_data = json.loads(old), json.loads(content)
            old_data.pop("seconds", None)
            new_data.pop("seconds", None)
            same = old_data == new_data
        else:
            same = old == content
        if not same:
            stale.append(name)
            if not args.check:
                path.write_text(content, encoding="utf-8")
    manifest = json.loads(files["manifest.json"])
    print(json.dumps(manifest["counts"], ensure_ascii=False), f"{manifest['seconds']} s")
    if args.check and stale:
        print("stale:", ", ".join(stale))
        return 1
    print("changed:" if stale else "unchanged", ", ".join(stale))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
