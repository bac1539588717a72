"""Which prison establishment a cell names, however an adviser writes it.

Advisers write the session's establishment in many ways: « Centre Pénitentiaire de Poitiers-Vivonne »,
« CP Poitiers-Vivonne », « C.P. de Vivonne », « centre penitentiaire Poitiers Vivonne », « Vivonne »…
`match` compares a cell with the session's establishment (Sessions « Établissement ») and answers:

- `SAME` when the place words typed all belong to the establishment's place (« Poitiers », « Vivonne »,
  a letter or two of typo aside) and the kind of establishment typed, if any, fits it (a centre
  pénitentiaire holds a maison d'arrêt and a centre de détention quarter, and any « quartier »);
- `OTHER` when the cell names an establishment recognisably: a kind (« Maison d'arrêt », « MA »,
  « CD »…) and a place (not a mere département: « CP de la Vienne » is unknown) that is not the
  session's (« Maison d'arrêt de Niort »), or the session's place with a kind that cannot be it;
- `UNKNOWN` otherwise (a kind alone such as « CP », a place alone that is not the establishment's,
  a mix): the eligibility asks to complete the cell, naming the expected establishment.
"""

from __future__ import annotations

import difflib
import re
from functools import lru_cache

from .parsing import normalise

SAME, OTHER, UNKNOWN = "same", "other", "unknown"

CP, MA, CD, MC, CSL, EPM, QUARTER = ("centre pénitentiaire", "maison d'arrêt", "centre de détention", "maison centrale",
                                     "centre de semi-liberté", "établissement pénitentiaire pour mineurs", "quartier")
# Each kind of establishment and the ways it is written (normalised words; abbreviations with or
# without dots: « C.P. » reads as the letters « c p », joined into « cp »).
KINDS = {
    CP: ("centre penitentiaire", "ctre penitentiaire", "centre penit", "cp", "cpen"),
    MA: ("maison d arret", "maison arret", "ma"),
    CD: ("centre de detention", "centre detention", "cd"),
    MC: ("maison centrale", "mc"),
    CSL: ("centre de semi liberte", "centre semi liberte", "csl"),
    EPM: ("etablissement penitentiaire pour mineurs", "epm"),
    QUARTER: ("quartier maison d arret", "quartier centre de detention", "quartier de semi liberte",
              "quartier pour peines amenagees", "quartier", "qma", "qcd", "qsl", "qpa", "qpm", "qsa"),
}
# A centre pénitentiaire holds quarters of several kinds: those kinds written with its place are it.
_INSIDE = {CP: {MA, CD, QUARTER}}
_FILLERS = {"de", "du", "des", "la", "le", "les", "l", "d", "a", "au", "en", "the"}
_TYPO = 0.8  # similarity above which two place words are the same word mistyped (« Vivone »)


def _join_initials(words: list[str]) -> list[str]:
    """Runs of single letters written with dots or spaces (« C.P. », « M A ») become one word."""
    out: list[str] = []
    run = ""
    for word in words:
        if len(word) == 1 and word.isalpha() and (run or word not in ("l", "d", "a")):  # « à », « l' », « d' »
            run += word
            continue
        if run:
            out.append(run)
            run = ""
        out.append(word)
    if run:
        out.append(run)
    return out


@lru_cache(maxsize=1)
def _spellings() -> list[tuple[tuple[str, ...], str]]:
    """(words, kind), longest spellings first so « quartier maison d arret » wins over « quartier »."""
    pairs = [(tuple(spelling.split()), kind) for kind, spellings in KINDS.items() for spelling in spellings]
    return sorted(pairs, key=lambda p: -len(p[0]))


@lru_cache(maxsize=2048)
def parse(text: str) -> tuple[str | None, tuple[str, ...]]:
    """(kind of establishment written, place words) of a cell: « CP de Poitiers-Vivonne » ->
    (« centre pénitentiaire », (« poitiers », « vivonne »))."""
    words = _join_initials(re.findall(r"[0-9a-z]+", normalise(text)))
    kind = None
    for spelling, found in _spellings():
        n = len(spelling)
        for i in range(len(words) - n + 1):
            if tuple(words[i:i + n]) == spelling:
                kind = kind or found
                words = words[:i] + words[i + n:]
                break
    return kind, tuple(w for w in words if w not in _FILLERS)


def _same_word(a: str, b: str) -> bool:
    return a == b or difflib.SequenceMatcher(None, a, b).ratio() >= _TYPO


def _fits(kind: str | None, expected: str | None) -> bool:
    return kind is None or expected is None or kind == expected or kind in _INSIDE.get(expected, ()) \
        or expected in _INSIDE.get(kind, ())


def match(text: str, expected: str) -> str:
    """`SAME`, `OTHER` or `UNKNOWN`: what the cell ``text`` says against the establishment ``expected``."""
    if normalise(text) == normalise(expected):
        return SAME
    kind, places = parse(text)
    expected_kind, expected_places = parse(expected)
    if not places:
        return UNKNOWN
    known = [any(_same_word(p, e) for e in expected_places) for p in places]
    if all(known):
        return SAME if _fits(kind, expected_kind) else OTHER
    if not any(known) and kind is not None and not _is_department(places):
        return OTHER
    return UNKNOWN


def distinct(texts, reference: str) -> list[str]:
    """One name per establishment among ``texts`` (several years' cells), in their order: every way
    of writing ``reference`` becomes its official spelling, and two spellings of one place count once."""
    names: list[str] = []
    for text in texts:
        name = reference if match(text, reference) == SAME else str(text).strip()
        if name and not any(match(name, kept) == SAME for kept in names):
            names.append(name)
    return names


def _is_department(places: tuple[str, ...]) -> bool:
    """« CP de la Vienne »: a département is a region, not an establishment's place."""
    from . import departments

    try:
        departments.resolve(" ".join(places))
    except departments.Unresolved:
        return False
    return True
