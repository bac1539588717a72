"""The identity of purged detainees, and how to find it in any text a workbook or a file holds.

A purge must leave nothing that singles out a person whose retention period is over. What does:
first and last name together (in either order), the last name alone when no kept row uses that
word, the écrou number, and the birth date — as text in the usual forms (« 14/07/2001 », « 14/7/01 »,
« 2001-07-14 », « 14.07.2001 », « 14 juillet 2001 »…) and as the serial number Excel stores in a
date cell.

Matching works on words: text is folded (case and accents ignored, one character for one, so a
match's position is the same in the original text) and cut into runs of letters and runs of digits;
anything else — space, dash, underscore, slash — separates words. So « TEXIER », « Texier » and the
defined name « Contact_Texier » all contain the word « texier », « 2001-07-14T00:00:00 » (a pivot
cache's date) contains « 2001 07 14 », and « Texierre » does not contain « texier ».

A surname or a first name alone is a weaker sign than a full name, so it must be a word of its own:
not glued to another word by a hyphen or an apostrophe (« Saint-Martin », « O'Neil », « Martin2 »
are other words; « d'Martin », an elision, is not), and not part of the name of an organisation,
a place or a company the workbook keeps (« Boulangerie Martin & Fils », « 3 rue Léger »: the
``organisations`` phrases). Such occurrences are *shielded*: never replaced, and reported apart
(`Identities.shielded`), so that a purge can say honestly what it kept and why.

Pure functions: nothing here reads a file.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
import unicodedata
from dataclasses import dataclass

from openpyxl.utils.datetime import to_excel

from .parsing import _FrenchDates

NAME, LAST_NAME, ECROU, BIRTH_DATE = "nom et prénom", "nom de famille", "numéro d'écrou", "date de naissance"
FIRST_NAME = "prénom"  # only as a whole cell of a generated sheet (`Identities.cells`)
ERASED_DATE = "(date effacée)"
_WORDS = re.compile(r"[^\W\d_]+|\d+")
_FOLDED: dict[str, str] = {}
_LONGEST_NAME = 6  # words in a surname, at most
_FAST = 0x2FF  # Latin letters and their accents: folded by one table lookup per character
_MONTH_WORDS = tuple(tuple(dict.fromkeys(_FrenchDates.MONTHS[m])) for m in range(12))


def _fold_char(ch: str) -> str:
    folded = _FOLDED.get(ch)
    if folded is None:
        base = unicodedata.normalize("NFKD", ch)[:1] or ch
        folded = _FOLDED[ch] = (base.lower() or base)[0]
    return folded


_TABLE = {code: _fold_char(chr(code)) for code in range(_FAST + 1)}


def fold(text: str) -> str:
    """``text`` without case or accents, character for character (same length, same positions)."""
    if not text or max(text) <= chr(_FAST):
        return text.translate(_TABLE)
    return "".join(map(_fold_char, text))


def words(text: str) -> tuple[str, ...]:
    """The folded words of ``text`` (runs of letters, runs of digits)."""
    return tuple(_WORDS.findall(fold(text)))


_MONTH_KEYS = tuple(tuple(dict.fromkeys(words(name) for name in names)) for names in _MONTH_WORDS)


@functools.lru_cache(maxsize=4096)
def _date_keys(day: dt.date) -> frozenset[tuple[str, ...]]:
    """The word sequences of a date written in the forms advisers and Excel use (numbers are one
    word each, « 1er » two; remembered: a consolidation meets the same birth dates again and again)."""
    days = [(str(day.day),), (f"{day.day:02d}",)]
    spelled = days + ([("1", "er")] if day.day == 1 else [])
    months = (str(day.month), f"{day.month:02d}")
    years = (str(day.year), f"{day.year % 100:02d}")
    keys = {(*d, m, y) for d in spelled for m in months for y in years}
    keys |= {(str(day.year), m, *d) for m in months for d in days}
    keys |= {(*d, *name, str(day.year)) for d in spelled for name in _MONTH_KEYS[day.month - 1]}
    return frozenset(keys)


@functools.lru_cache(maxsize=4096)
def _serial(day: dt.date) -> int:
    """The serial number Excel stores for ``day`` in a date cell."""
    return int(to_excel(dt.datetime.combine(day, dt.time())))


_ELISIONS = {"l", "d", "j", "n", "s", "m", "t", "c", "qu", "jusqu", "lorsqu", "puisqu"}
_JOINERS = "-'’‘"


def glued(text: str, start: int, end: int) -> bool:
    """Whether ``text[start:end]`` is part of a longer word: directly beside a letter or digit, or
    joined to a letter by a hyphen or an apostrophe (an elided article before it excepted)."""
    before, after = text[start - 1:start], text[end:end + 1]
    if before.isalnum() or after.isalnum():
        return True
    if after and after in _JOINERS and text[end + 1:end + 2].isalpha():
        return True
    if before and before in _JOINERS and text[start - 2:start - 1].isalpha():
        word = re.search(r"[^\W\d_]+$", text[:start - 1])
        return not (before != "-" and word is not None and fold(word.group()) in _ELISIONS)
    return False


class Phrases:
    """Names of organisations, places and companies the workbook keeps, found as word sequences."""

    def __init__(self, values=()):
        by_first: dict[str, set[tuple[str, ...]]] = {}
        for value in values:
            key = words(value) if isinstance(value, str) else ()
            if len(key) >= 2:
                by_first.setdefault(key[0], set()).add(key)
        self.by_first = {w: sorted(keys, key=len, reverse=True) for w, keys in by_first.items()}

    def spans(self, found: list[tuple[int, int, str]]) -> list[tuple[int, int, int]]:
        """(first word, last word + 1, length) of each occurrence among ``found`` words."""
        spans = []
        for i, (_, _, word) in enumerate(found):
            for key in self.by_first.get(word, ()):
                if tuple(w for *_, w in found[i:i + len(key)]) == key:
                    spans.append((i, i + len(key), len(key)))
        return spans

    def shields(self, text: str, start: int, end: int) -> bool:
        """Whether ``text[start:end]`` lies inside a longer kept organisation name in ``text``."""
        if not self.by_first:
            return False
        found = [(m.start(), m.end(), m.group()) for m in _WORDS.finditer(fold(text))]
        return any(found[a][0] <= start and end <= found[b - 1][1] and (found[a][0], found[b - 1][1]) != (start, end)
                   for a, b, _ in self.spans(found))


@dataclass(frozen=True)
class Person:
    """A purged participant as the workbook had them before the purge."""

    id: str
    first_name: str = ""
    last_name: str = ""
    ecrou: str = ""
    birth_date: dt.date | None = None


@dataclass(frozen=True)
class Hit:
    """One identity token found in a text: where (``start``:``end``), whose, and what it is."""

    start: int
    end: int
    owner: str  # the participant's ID (pseudonymous: safe to show and to log)
    kind: str


class Identities:
    """Every identity token of a set of purged people, minus the words kept rows still use.

    ``kept`` are the identifying values of the rows that stay (kept sessions' names, advisers,
    partners…): a purged surname found among their words is not looked for alone (it is not the
    purged person's any more than the kept one's), and a purged full name, écrou or birth date
    equal to a kept person's is not looked for at all (the same person came back in a kept session).
    ``ignored`` are words of the workbook's own vocabulary (headers, list values) that a surname
    may happen to be; ``kept_dates`` the birth dates of kept people; ``organisations`` the kept
    names of organisations, places and companies, inside which a name alone is not the person
    (see the module's docstring); ``cells`` (sheet -> whole cell text -> ID) what a generated sheet
    shows of a purged person without a full name (the Planning's first names).
    """

    def __init__(self, people: list[Person], kept: list[str] = (), ignored: list[str] = (), kept_dates=(),
                 organisations=(), cells: dict[str, dict[str, str]] | None = None):
        kept_values = {words(v) for v in kept if v}
        kept_dates = set(kept_dates)
        # Every run of consecutive words of the kept values and of the vocabulary: a surname found
        # among them (« Martin » in « Paul Martin ») is not looked for alone.
        kept_runs = {value[i:j] for value in kept_values | {words(v) for v in ignored}
                     for i in range(len(value)) for j in range(i + 1, min(len(value), i + _LONGEST_NAME) + 1)}
        self.people = {p.id: p for p in people}
        self.keys: dict[tuple[str, ...], tuple[str, str]] = {}
        self.serials: dict[int, str] = {}
        self.numbers: dict[str, str] = {}  # an écrou made of digits only, as a number cell holds it
        dated: set[dt.date] = set()  # birth dates whose keys are in: an earlier person already owns them
        cut = functools.lru_cache(maxsize=None)(words)  # first names, and dates' words, repeat
        for p in people:
            first, last = cut(p.first_name), cut(p.last_name)
            tokens: list[tuple[tuple[str, ...], str]] = []
            if first and last:
                tokens += [(first + last, NAME), (last + first, NAME)]
            if last and (len(last) > 1 or len(last[0]) >= 3) and last not in kept_runs:
                tokens.append((last, LAST_NAME))
            ecrou = cut(p.ecrou)
            if ecrou and len("".join(ecrou)) >= 3:
                tokens.append((ecrou, ECROU))
                if p.ecrou.strip().isdigit():
                    self.numbers[str(int(p.ecrou.strip()))] = p.id
            if p.birth_date is not None and p.birth_date not in kept_dates:
                if p.birth_date not in dated:
                    dated.add(p.birth_date)
                    tokens += [(key, BIRTH_DATE) for key in _date_keys(p.birth_date)]
                self.serials[_serial(p.birth_date)] = p.id
            for key, kind in tokens:
                if key not in kept_values:
                    self.keys.setdefault(key, (p.id, kind))
        self._longest = max((len(k) for k in self.keys), default=0)
        self._firsts = {k[0] for k in self.keys}
        self.organisations = organisations if isinstance(organisations, Phrases) else Phrases(organisations)
        self.cells = {sheet: {fold(" ".join(text.split())): pid for text, pid in texts.items()}
                      for sheet, texts in (cells or {}).items() if texts}

    def __bool__(self) -> bool:
        return bool(self.keys or self.serials or self.cells)

    def find(self, text: str) -> list[Hit]:
        """Every token in ``text``, longest first where two start at the same word, never overlapping;
        a surname alone inside a longer word or a kept organisation's name is left out (`shielded`)."""
        return self._find(text)[0]

    def shielded(self, text: str) -> list[Hit]:
        """The surnames alone that `find` leaves out of ``text`` because they belong to a kept
        organisation's name (not to the person); glued words are simply other words."""
        return self._find(text)[1]

    def sort(self, text: str) -> tuple[list[Hit], list[Hit]]:
        """`find` and `shielded` of ``text`` at once."""
        return self._find(text)

    def _find(self, text: str) -> tuple[list[Hit], list[Hit]]:
        if not self.keys or not text:
            return [], []
        folded = fold(text)
        if self._firsts.isdisjoint(_WORDS.findall(folded)):
            return [], []
        found = [(m.start(), m.end(), m.group()) for m in _WORDS.finditer(folded)]
        hits, spans, i = [], [], 0
        while i < len(found):
            if found[i][2] in self._firsts:
                for length in range(min(self._longest, len(found) - i), 0, -1):
                    match = self.keys.get(tuple(w for *_, w in found[i:i + length]))
                    if match:
                        hits.append((i, i + length, Hit(found[i][0], found[i + length - 1][1], *match)))
                        i += length - 1
                        break
            i += 1
        kept, shielded = [], []
        for first, last, hit in hits:
            if hit.kind == LAST_NAME and glued(folded, hit.start, hit.end):
                continue
            if hit.kind == LAST_NAME and self.organisations.by_first:
                spans = spans or self.organisations.spans(found)
                if any(a <= first and last <= b and n > last - first for a, b, n in spans):
                    shielded.append(hit)
                    continue
            kept.append(hit)
        return kept, shielded

    def cell_owner(self, sheet: str | None, text: str) -> str | None:
        """The ID a whole cell of ``sheet`` stands for, when it shows a purged person's first name
        (a generated sheet of a purged session), else None."""
        texts = self.cells.get(sheet) if sheet else None
        return texts.get(fold(" ".join(text.split()))) if texts and isinstance(text, str) else None

    def replace(self, text: str, replacement=None) -> str:
        """``text`` with each token replaced: names and écrou by the owner's ID (or by
        ``replacement(hit)``), dates by « (date effacée) »."""
        hits = self.find(text)
        for hit in reversed(hits):
            new = replacement(hit) if replacement else (ERASED_DATE if hit.kind == BIRTH_DATE else hit.owner)
            text = text[:hit.start] + new + text[hit.end:]
        return text

    def serial_owner(self, value: float) -> str | None:
        """Whose birth date an Excel date serial is (a whole day, time of day ignored)."""
        try:
            return self.serials.get(int(float(value)))
        except (TypeError, ValueError, OverflowError):
            return None

    def number_owner(self, value: str) -> str | None:
        """Whose écrou a number cell holds (« 45123 », « 45123.0 »)."""
        try:
            number = float(value)
        except (TypeError, ValueError):
            return None
        return self.numbers.get(str(int(number))) if number.is_integer() else None


def safe_name(text: str) -> str:
    """``text`` usable inside an Excel defined name or a formula identifier (letters, digits, _)."""
    return re.sub(r"\W", "_", text)
