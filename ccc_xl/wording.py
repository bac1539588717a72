"""French wording of numbers and counts in messages: « 1 alerte », « 3 alertes », « 0,4 s », « 1 234 »;
and of printed documents: dates in letters, « de » / « d' », départements, days off.

Every figure a command prints goes through here, so the decimal comma, the narrow no-break space
between thousands (CLDR French, via babel) and the agreement of a counted noun are the same in the
terminal, in Excel's dialog boxes and in the Journal. A letter is dated « Poitiers, le 3 mars 2027 »
(no weekday, « 1er » for the first of the month); a name is introduced by « d' » before a vowel
(« À l'attention d'Élodie Martin »); a département is printed with its name (« Vienne (86) »); a
ROME domain without its code letter (« Industrie »). Names on printed lists are in French dictionary
order (« Élodie » before « Emma », « de Vries » with the D), not in code-point order.
"""

from __future__ import annotations

import datetime as dt
import math
import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache


def number(value: float, decimals: int = 0) -> str:
    """« 1 234 », « 0,4 »: French digits with ``decimals`` places."""
    if not decimals and type(value) is int and 0 <= value < 1000:  # no separator: babel's locale data not loaded
        return str(value)
    from babel.numbers import format_decimal

    pattern = "#,##0" + ("." + "0" * decimals if decimals else "")
    return format_decimal(value, format=pattern, locale="fr_FR")


def count(n: int, singular: str, plural: str | None = None) -> str:
    """« 0 alerte », « 1 alerte », « 2 alertes » (in French 0 and 1 take the singular).

    ``plural`` defaults to ``singular`` + « s »; give it for irregular nouns and for several words
    (« document produit », « documents produits »)."""
    return f"{number(n)} {singular if abs(n) < 2 else plural or singular + 's'}"


def agreed(n: int, singular: str, plural: str) -> str:
    """The word (or words) agreeing with ``n``: « supprimé » for 0 or 1, « supprimés » from 2."""
    return singular if abs(n) < 2 else plural


LOCALE = "fr_FR"



# pandas and babel are imported by the functions that need them: messages (`count`) are worded by
# modules that must stay light to import (the ribbon's buttons).


def _blank(value) -> bool:
    if value is None:
        return True
    if isinstance(value, str):
        return not value.strip()
    if isinstance(value, float):
        return math.isnan(value)
    import pandas as pd

    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


def _day(value) -> dt.date:
    import pandas as pd

    return pd.Timestamp(value).date()


def letter_date(value) -> str:
    """ "3 mars 2027", "1er avril 2027": a date as written in a letter's heading; "" if blank."""
    from babel.dates import format_date

    if _blank(value):
        return ""
    day = _day(value)
    text = format_date(day, format="d MMMM y", locale=LOCALE)
    return "1er" + text[1:] if day.day == 1 else text


def french_list(items: list[str]) -> str:
    """ "", "a", "a et b", "a, b et c"."""
    return " et ".join(filter(None, (", ".join(items[:-1]), *items[-1:])))


def of(name: str) -> str:
    """« de » or « d' » before ``name``: « d'Élodie Martin », « de Paul Lenoir »."""
    name = str(name).strip()
    first = unicodedata.normalize("NFD", name[:1])[:1].lower()
    return f"d'{name}" if first in "aeiou" and first else f"de {name}"


def domain_label(value) -> str:
    """A ROME domain without its code letter: "H - Industrie" -> "Industrie"."""
    if _blank(value):
        return ""
    return re.sub(r"^\s*[A-Na-n]\s*[-–—:]\s*", "", str(value)).strip()


def departement_label(value) -> str:
    """ "86", "86000" or "vienne" -> "Vienne (86)"; anything that is no département (a town, a
    region) as typed."""
    from .departments import Unresolved, resolve

    if _blank(value):
        return ""
    text = str(int(value)) if isinstance(value, float) and value.is_integer() else str(value).strip()
    try:
        department = resolve(text)
    except Unresolved:
        return text
    return f"{department.name} ({department.code})"


@lru_cache(maxsize=None)
def _holidays(year: int) -> dict:
    import holidays

    return dict(holidays.country_holidays("FR", years=[year], language="fr").items())


def closed_day(value) -> str:
    """Why nobody works on that day in France (« un samedi », « un jour férié (Lundi de Pâques) »),
    or "" for a working day."""
    from babel.dates import format_date

    if _blank(value):
        return ""
    day = _day(value)
    holiday = _holidays(day.year).get(day)
    if holiday:
        return f"un jour férié ({holiday})"
    if day.weekday() >= 5:
        return "un " + format_date(day, "EEEE", locale=LOCALE)
    return ""


@lru_cache(maxsize=1)
def _collator():
    from pyuca import Collator

    return Collator()


def name_key(value) -> tuple:
    """Sort key of a name in dictionary order (Unicode Collation Algorithm, the default table that
    French follows): accents and case count only between names otherwise equal, « Œ » as « OE »."""
    return _text_key("" if _blank(value) else str(value).strip())


@lru_cache(maxsize=4096)
def _text_key(text: str) -> tuple:
    """pyuca's key of ``text``, worked out once per text: a session's documents sort the same names
    on every list (each half-day's attendance sheet, the COPIL's, the visitors'), and the key of a
    long text costs milliseconds."""
    return _collator().sort_key(text)


# Words that belong to a last name but are written in lower case: « Jean de La Fontaine ».
PARTICLES = {"de", "du", "des", "d'", "la", "le", "les", "van", "von", "der", "den", "da", "di", "del", "ben", "el"}


@dataclass(frozen=True)
class PersonName:
    """A person's name as printed: « NOM Prénom » on lists (attendance sheets, the visitor list,
    the COPIL's), « Prénom Nom » in a letter's sentences; sorted by last name, then first name.

    ``last`` empty means a text that is not a person's name (« Service prévention »): printed as
    typed, sorted by that text."""

    last: str
    first: str = ""
    note: str = ""  # what followed the name in brackets: « (coach certifiée) »
    typed: str = ""

    @property
    def listed(self) -> str:
        """« DURAND Marie », the form of administrative lists."""
        if not self.last:
            return self.typed
        return " ".join(part for part in (self.last.upper(), self.first, self.note) if part)

    @property
    def spoken(self) -> str:
        """« Marie Durand », the form of a letter's sentences."""
        if not self.last:
            return self.typed
        return " ".join(part for part in (self.first, self.last, self.note) if part)

    @property
    def key(self) -> tuple:
        """Last name, then first name, whatever their case (« Martin » and « MARTIN » are one
        name); case only settles names otherwise equal."""
        last, first = self.last or self.typed, self.first
        return (name_key(last.casefold()), name_key(first.casefold()), name_key(last), name_key(first))


def _is_name_word(word: str) -> bool:
    letters = word.lstrip("'’-")
    return bool(letters) and (letters[:1].isupper() or word.casefold() in PARTICLES
                              or word.casefold().startswith(("d'", "d’")))


def person_name(last=None, first=None) -> PersonName:
    """The name of a person from its two cells, or from one cell (``last`` alone) as typed:
    « Marie Durand », « DURAND Marie », « Marie DURAND », « Jean de La Fontaine », « Sylvie
    Marchand (coach certifiée) ».

    In one cell, the words in capitals are the last name; otherwise the first word is the first
    name and the others the last name. A text whose words are not all capitalised (« Service
    prévention ») is not taken for a name and keeps its form."""
    last, first = ("" if _blank(v) else " ".join(str(v).split()) for v in (last, first))
    if first or not last:
        return PersonName(last, first, typed=" ".join(p for p in (first, last) if p))
    typed = last
    match = re.fullmatch(r"(.*?)\s*(\([^()]*\))?", typed)
    bare, note = match.group(1), match.group(2) or ""
    words = bare.split()
    if not words or not all(_is_name_word(w) for w in words):
        return PersonName("", typed=typed)
    if len(words) == 1:
        return PersonName(words[0], note=note, typed=typed)
    capitals = [w for w in words if len(w) > 1 and w.isupper()]
    if capitals and len(capitals) < len(words):
        return PersonName(" ".join(capitals), " ".join(w for w in words if w not in capitals), note, typed)
    return PersonName(" ".join(words[1:]), words[0], note, typed)
