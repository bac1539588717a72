"""Forgiving reading of what advisers type into cells.

Advisers type dates as text ("03/05/2001", "3-5-01", "2001-05-03"), answer yes/no as "oui ", "X" or
"1", leave stray spaces and store numbers as text. Each parser turns such a cell into a typed value, or
returns a French explanation of why it cannot — never an exception — so the caller can report the
sheet, row and column.
"""

from __future__ import annotations

import datetime as dt
import math
import re
import unicodedata
from functools import lru_cache

from dateutil import parser as dateparser
from openpyxl.utils.datetime import from_excel, to_excel

from .contract import LISTS, Column, Kind

EXCEL_ERRORS = {"#N/A", "#VALUE!", "#REF!", "#DIV/0!", "#NUM!", "#NAME?", "#NULL!", "#SPILL!", "#CALC!"}

TRUE_WORDS = {"oui", "o", "x", "yes", "y", "1", "true", "vrai", "ok"}
FALSE_WORDS = {"non", "n", "no", "0", "false", "faux"}


class Unreadable(ValueError):
    """A cell whose content cannot be read as the column's type; the message is French."""


@lru_cache(maxsize=4096)
def normalise(text: str) -> str:
    """Case-, accent- and spacing-insensitive form used to compare words and headers (remembered:
    the same headers, list values and institutions repeat on every row)."""
    if text.isascii():  # nothing to decompose (IDs, écrou numbers): the same result, faster
        return " ".join(text.casefold().split())
    decomposed = unicodedata.normalize("NFKD", text)
    bare = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return " ".join(bare.casefold().replace("’", "'").split())


def is_blank(value: object) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


class _FrenchDates(dateparser.parserinfo):
    """dateutil's parser with French month and day names, day first."""

    MONTHS = [
        ("janv", "janvier", "Jan", "January"),
        ("févr", "fevr", "février", "fevrier", "Feb", "February"),
        ("mars", "Mar", "March"),
        ("avr", "avril", "Apr", "April"),
        ("mai", "May"),
        ("juin", "Jun", "June"),
        ("juil", "juillet", "Jul", "July"),
        ("août", "aout", "Aug", "August"),
        ("sept", "septembre", "Sep", "September"),
        ("oct", "octobre", "Oct", "October"),
        ("nov", "novembre", "Nov", "November"),
        ("déc", "dec", "décembre", "decembre", "Dec", "December"),
    ]
    WEEKDAYS = [
        ("lun", "lundi", "Mon"), ("mar", "mardi", "Tue"), ("mer", "mercredi", "Wed"),
        ("jeu", "jeudi", "Thu"), ("ven", "vendredi", "Fri"), ("sam", "samedi", "Sat"),
        ("dim", "dimanche", "Sun"),
    ]
    JUMP = [" ", ".", ",", ";", "-", "/", "'", "le", "er"]

    def __init__(self):
        super().__init__(dayfirst=True)


_DATE_INFO = _FrenchDates()
_DATE_SHAPE = re.compile(r"^[\w\s./\-,']+$")
_DAY_FIRST = re.compile(r"^(\d{1,2})\s*[/.\-]\s*(\d{1,2})\s*[/.\-]\s*(\d{4}|\d{2})$")
_YEAR_FIRST = re.compile(r"^(\d{4})[/.\-](\d{1,2})[/.\-](\d{1,2})$")
_PROBES = (dt.datetime(1901, 1, 1), dt.datetime(1902, 2, 2))
# Years a date may have. Outside them a date is a typo ("01/01/2300", a small number taken for a
# serial), and pandas could not even hold some of them (datetime64[ns] stops at 1677 and 2262).
_YEARS = (1920, 2100)
# The same range as Excel serial numbers: 01/01/1920 (7306) up to 01/01/2101 excluded (73416).
_SERIALS = (to_excel(dt.datetime(_YEARS[0], 1, 1)), to_excel(dt.datetime(_YEARS[1] + 1, 1, 1)))


def _full_year(year: str) -> int:
    """Two-digit years as an adviser means them: "01" is 2001, "99" is 1999 (pivot 20 years ahead)."""
    if len(year) == 4:
        return int(year)
    pivot = (dt.date.today().year + 20) % 100
    return (2000 if int(year) <= pivot else 1900) + int(year)


def _checked_date(year: int, month: int, day: int) -> dt.date:
    try:
        return dt.date(year, month, day)
    except ValueError:
        raise Unreadable("n'est pas une date valide (jour ou mois impossible)") from None


def parse_date(value: object) -> dt.date:
    """A real date from a date, an Excel serial number or text in the formats advisers use:
    "03/05/2001", "3-5-01", "03.05.2001" (day first), "2001-05-03" (ISO), "3 mai 2001"."""
    day = _any_date(value)
    if not _YEARS[0] <= day.year <= _YEARS[1]:
        raise Unreadable(f"n'est pas une date plausible (années {_YEARS[0]} à {_YEARS[1]})")
    return day


def _any_date(value: object) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, bool):
        raise Unreadable("n'est pas une date")
    if isinstance(value, (int, float)):
        if _SERIALS[0] <= value < _SERIALS[1]:
            return from_excel(value).date()
        raise Unreadable(f"n'est pas une date (nombre hors des années {_YEARS[0]} à {_YEARS[1]})")
    text = str(value).strip()
    if re.fullmatch(r"\d+(?:[.,]\d+)?", text):
        return _any_date(float(text.replace(",", ".")))
    if match := _DAY_FIRST.match(text):
        day, month, year = match.groups()
        return _checked_date(_full_year(year), int(month), int(day))
    if match := _YEAR_FIRST.match(text):
        year, month, day = match.groups()
        return _checked_date(int(year), int(month), int(day))
    if not _DATE_SHAPE.match(text) or not re.search(r"[^\W\d_]", text):
        raise Unreadable("n'est pas une date lisible (jj/mm/aaaa attendu)")
    try:
        # Written-out months ("3 mai 2001"): parsing with two different defaults tells whether
        # day, month and year were all given.
        first, second = (dateparser.parse(text, parserinfo=_DATE_INFO, default=p) for p in _PROBES)
    except (ValueError, OverflowError):
        raise Unreadable("n'est pas une date lisible (jj/mm/aaaa attendu)") from None
    if first.date() != second.date():
        raise Unreadable("est une date incomplète (jour, mois et année attendus)")
    return first.date()


_TIME_TEXT = re.compile(r"^(\d{1,2})\s*(?:h|:|\.)\s*(\d{2})?\s*(?:min)?$|^(\d{1,2})$", re.IGNORECASE)


def parse_time(value: object) -> dt.time:
    """A time of day from a time, a fraction of a day (Excel) or text like "9h30", "09:30", "14 h"."""
    if isinstance(value, dt.time):
        return value.replace(second=0, microsecond=0)
    if isinstance(value, dt.datetime):
        return value.time().replace(second=0, microsecond=0)
    if isinstance(value, (int, float)) and not isinstance(value, bool) and 0 <= value < 1:
        # To the nearest minute, but never 24:00: 23:59:40 is still that day's last minute.
        minutes = min(round(value * 24 * 60), 24 * 60 - 1)
        return dt.time(minutes // 60, minutes % 60)
    match = _TIME_TEXT.match(str(value).strip())
    if match:
        hours = int(match.group(1) or match.group(3))
        minutes = int(match.group(2) or 0)
        if hours < 24 and minutes < 60:
            return dt.time(hours, minutes)
    raise Unreadable("n'est pas une heure lisible (hh:mm attendu, ex. 09:30)")


def parse_bool(value: object) -> bool:
    """Oui/Non in all the ways advisers write it: Oui, oui, O, X, Yes, 1, Vrai, True…"""
    if isinstance(value, bool):
        return value
    if isinstance(value, (int, float)) and value in (0, 1):
        return bool(value)
    word = normalise(str(value)).strip(" .!")
    if word in TRUE_WORDS:
        return True
    if word in FALSE_WORDS:
        return False
    raise Unreadable("n'est pas une réponse Oui/Non")


_NUMBER_JUNK = re.compile(r"[\s\u00a0\u202f€]|eur(os?)?$", re.IGNORECASE)


def parse_number(value: object) -> float:
    """A number from a number or text such as "14 554 €", "1 234,50", "12.5"."""
    if isinstance(value, bool):
        raise Unreadable("n'est pas un nombre")
    if isinstance(value, (int, float)):
        number = float(value)
    else:
        text = _NUMBER_JUNK.sub("", str(value).strip())
        if "," in text and "." in text:
            text = text.replace(".", "") if text.rfind(",") > text.rfind(".") else text.replace(",", "")
        try:
            number = float(text.replace(",", "."))
        except ValueError:
            raise Unreadable("n'est pas un nombre lisible") from None
    if not math.isfinite(number):  # "inf", "nan", "1e400"
        raise Unreadable("n'est pas un nombre lisible")
    return number


# Integers beyond this are typos (a pasted phone or écrou number) and would not fit a table column.
_LARGEST_INT = 10**15


def parse_int(value: object) -> int:
    number = parse_number(value)
    if abs(number) >= _LARGEST_INT:
        raise Unreadable("n'est pas un nombre plausible (trop grand)")
    if number != int(number):
        raise Unreadable("n'est pas un nombre entier")
    return int(number)


def parse_text(value: object) -> str:
    """Text as typed, with stray spaces removed; numbers and dates shown as an adviser would type them."""
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, bool):
        return "Oui" if value else "Non"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dt.datetime) and value.time() == dt.time(0):
        return value.strftime("%d/%m/%Y")
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        return value.strftime("%d/%m/%Y")
    return str(value)


def parse_reference(value: object) -> str:
    """An ID as other sheets refer to it: upper case, without any space (non-breaking ones
    included), so that an ID typed « c2027-06 » or « C2027 - 06 » is the participant « C2027-06 »."""
    return _SPACES.sub("", parse_text(value)).upper()


_SPACES = re.compile(r"\s+")


@lru_cache(maxsize=None)
def _choice_index(list_name: str) -> dict[str, str]:
    """Every accepted spelling of a closed list's values: the value itself, and for coded values
    like "F - Construction…" the code "F" and the label alone."""
    index: dict[str, str] = {}
    for value in LISTS[list_name].values:
        index[normalise(value)] = value
        coded = re.match(r"^([A-Z]) - (.+)$", value)
        if coded:
            index[normalise(coded.group(1))] = value
            index[normalise(coded.group(2))] = value
    return index


def parse_choice(value: object, list_name: str) -> str:
    """The canonical value of a closed list, whatever the case, accents or spacing typed."""
    found = _choice_index(list_name).get(normalise(parse_text(value)))
    if found is None:
        raise Unreadable("n'est pas une valeur de la liste déroulante")
    return found


def parse_cell(column: Column, value: object) -> object:
    """Typed value of a cell for its column, or None when blank; raises Unreadable otherwise."""
    if is_blank(value):
        return None
    if isinstance(value, str) and value.strip().upper() in EXCEL_ERRORS:
        raise Unreadable("est une erreur de formule Excel")
    kind = column.kind
    if kind is Kind.TEXT:
        return parse_reference(value) if column.reference else parse_text(value)
    if kind is Kind.DATE:
        return parse_date(value)
    if kind is Kind.BOOL:
        return parse_bool(value)
    if kind is Kind.INT:
        return parse_int(value)
    if kind in (Kind.NUMBER, Kind.MONEY):
        return parse_number(value)
    if kind is Kind.TIME:
        return parse_time(value)
    return parse_choice(value, column.choices)
