"""Detection as a pure library: normalise text, and find lexicon terms in it through variants.

``normalise(text)`` folds width, case, 繁體, inserted noise and repeats, then shape-similar
and same-sounding characters, keeping a map back to the original; ``Matcher.compile``
turns a ``Lexicon`` (TOML data, see :mod:`qinglang.detect.lexicon`) into Aho-Corasick
automata whose ``scan`` reports each hit's span in the original text and the variant
kinds it needed. Nothing here touches a database, the web or the clock.
"""

from qinglang.detect.lexicon import (
    Lexicon,
    LexiconError,
    LexiconStore,
    Problem,
    Term,
    bundled_lexicon,
    combine,
    load_lexicon,
    parse_lexicon,
)
from qinglang.detect.matcher import Hit, Matcher
from qinglang.detect.normalise import Normalised, normalise
from qinglang.detect.variants import (
    VariantKind,
    VariantTableError,
    VariantTables,
    default_variant_tables,
    load_variant_tables,
)

__all__ = [
    "Hit",
    "Lexicon",
    "LexiconError",
    "LexiconStore",
    "Matcher",
    "Normalised",
    "Problem",
    "Term",
    "VariantKind",
    "VariantTableError",
    "VariantTables",
    "bundled_lexicon",
    "combine",
    "default_variant_tables",
    "load_lexicon",
    "load_variant_tables",
    "normalise",
    "parse_lexicon",
]
