"""French départements as advisers write them, resolved against the official list.

The list is ISO 3166-2:FR, maintained in the `pycountry` package: the metropolitan départements
(Corsica's 2A and 2B included), Paris (listed by ISO as a collectivity with special status, FR-75C;
département 75 for INSEE) and the five overseas départements 971 to 976. ISO's regions and other
collectivities (Alsace, Métropole de Lyon, New Caledonia…) are not départements and are left out.

An adviser may write a département as a number (« 86 », « 6 » for 06, « 086 »), a postal code
(« 86000 », « 1000 » when Excel dropped the leading zero, « 20200 » for Haute-Corse, « 97400 »), a name
with or without accents, hyphens, articles or case (« Deux-Sèvres », « deux sevres », « la Vienne »),
or both (« 86 - Vienne », « Vienne (86) »). `resolve` returns the département or raises `Unresolved`
with a French explanation; it never guesses:

- a postal code wins over the words beside it (« 38200 Vienne » is the town of Vienne, in the Isère);
- a number and a name that designate two départements (« Haute-Vienne (86) ») are refused, and so
  are two numbers, a number that is no département (« 99 », « 975 »), « 20 » or « Corse » alone
  (2A or 2B?) and negations (« hors 86 »);
- a number beside other words keeps the number (« Poitiers (86) »);
- a name alone must be a département's name exactly (articles, accents, hyphens and « St » aside):
  an unknown name is refused, with the closest names as a suggestion, never silently replaced.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass
from functools import lru_cache

from .parsing import normalise

# Words that carry no meaning in a département's name or around it.
_FILLERS = {"de", "du", "des", "la", "le", "les", "l", "d", "et", "en", "dans", "departement", "departements",
            "dept", "dpt", "dep", "n", "no", "num", "numero"}
_ABBREVIATIONS = {"st": "saint", "ste": "sainte"}
_NEGATIONS = {"hors", "sauf", "pas", "non", "autre", "autres", "ou", "sans"}
_CORSICA = ("2A", "2B")
_CORSICA_WORDS = {"corse", "20"}


class Unresolved(ValueError):
    """A value that designates no département, or more than one; the message is French."""


@dataclass(frozen=True)
class Department:
    code: str  # "86", "2A", "974"
    name: str  # "Vienne"

    @property
    def label(self) -> str:
        """« 86 - Vienne »: the form of the drop-down lists."""
        return f"{self.code} - {self.name}"


def _words(text: str) -> list[str]:
    return [_ABBREVIATIONS.get(w, w) for w in re.findall(r"[0-9a-z]+", normalise(text))]


def _name_key(text: str) -> str:
    return " ".join(w for w in _words(text) if w not in _FILLERS)


def french_subdivisions() -> list[tuple[str, str]]:
    """(ISO code, name) of France's ISO 3166-2 subdivisions, as pycountry lists them.

    Read from pycountry's own data file, without importing pycountry: importing it and loading its
    objects for every country's subdivisions takes about half a second of CPU, most of a button's
    work beyond its imports; the file alone takes a few milliseconds. pycountry's API is used when
    the file is not where and what this version of pycountry keeps (`tests/test_eligibility.py`
    checks that both give the same list)."""
    import importlib.util
    import json
    from pathlib import Path

    try:
        folder = Path(importlib.util.find_spec("pycountry").submodule_search_locations[0])
        with open(folder / "databases" / "iso3166-2.json", encoding="utf-8") as handle:
            entries = json.load(handle)["3166-2"]
        found = [(entry["code"], entry["name"]) for entry in entries if entry["code"].startswith("FR-")]
        if found:
            return found
    except (OSError, ValueError, KeyError, TypeError, AttributeError, IndexError):
        pass
    import pycountry

    return [(sub.code, sub.name) for sub in pycountry.subdivisions.get(country_code="FR")]


@lru_cache(maxsize=1)
def departments() -> tuple[Department, ...]:
    """Every département, in INSEE order (01…19, 2A, 2B, 21…95, 971…976)."""
    found = {}
    for iso, name in french_subdivisions():
        code = iso.split("-", 1)[1]
        code = "75" if code == "75C" else code  # Paris: a collectivity with special status for ISO
        if re.fullmatch(r"\d\d|2[AB]|97\d", code):
            found[code] = Department(code, re.sub(r"\s*\(.*\)", "", name))  # « Guyane (française) »
    return tuple(sorted(found.values(), key=lambda d: (len(d.code), d.code.replace("2A", "20A").replace("2B", "20B"))))


@lru_cache(maxsize=1)
def _indexes() -> tuple[dict[str, Department], dict[str, Department]]:
    by_code = {d.code: d for d in departments()}
    by_name = {_name_key(d.name): d for d in departments()}
    assert len(by_name) == len(by_code), "two départements share a name key"
    return by_code, by_name


def labels() -> tuple[str, ...]:
    """« 01 - Ain », …, « 976 - Mayotte »: the drop-down list of départements."""
    return tuple(d.label for d in departments())


def _from_postal_code(digits: str) -> str:
    digits = digits.zfill(5)
    if digits.startswith("97"):
        return digits[:3]
    if digits.startswith("20"):
        return "2A" if int(digits) < 20200 else "2B"
    return digits[:2]


def _code(token: str) -> tuple[str, bool]:
    """(département code a number token stands for, whether it is a postal code)."""
    if token in ("2a", "2b"):
        return token.upper(), False
    if len(token) >= 4:
        return _from_postal_code(token), True
    if len(token) == 3 and token.startswith("0"):
        token = token[1:]
    return token.zfill(2), False


@lru_cache(maxsize=4096)
def resolve(text: str) -> Department:
    """The département ``text`` designates; `Unresolved` (French message) otherwise."""
    by_code, by_name = _indexes()
    words = _words(text)
    if _NEGATIONS & set(words):
        raise Unresolved("ne désigne pas un département (indiquez le numéro ou le nom du département)")
    numbers = [w for w in words if w.isdigit() or w in ("2a", "2b")]
    rest = [w for w in words if w not in numbers and w not in _FILLERS]
    name = " ".join(rest)
    if set(numbers) & _CORSICA_WORDS or (name == "corse" and not numbers):
        raise Unresolved("désigne la Corse, qui compte deux départements : indiquez 2A (Corse-du-Sud) ou 2B (Haute-Corse)")
    codes = {}
    for token in numbers:
        code, postal = _code(token)
        if code not in by_code:
            raise Unresolved(f"« {token} » n'est pas un numéro de département")
        codes[code] = codes.get(code, False) or postal
    if len(codes) > 1:
        raise Unresolved("désigne plusieurs départements (" + ", ".join(by_code[k].label for k in codes) + ")")
    if codes:
        (code, postal), = codes.items()
        named = by_name.get(name)
        if named is not None and named.code != code and not postal:
            raise Unresolved(f"le numéro {code} ({by_code[code].name}) et le nom « {named.name} » ({named.code}) "
                             "ne désignent pas le même département")
        return by_code[code]
    if name in by_name:
        return by_name[name]
    close = difflib.get_close_matches(name, by_name, n=2, cutoff=0.75) if name else []
    hint = " ; vouliez-vous dire " + " ou ".join(f"« {by_name[k].label} »" for k in close) + " ?" if close else ""
    raise Unresolved("n'est ni un numéro, ni un code postal, ni un nom de département" + hint)


def same(text: str, department: Department) -> bool:
    """Whether ``text`` resolves to ``department`` (False when it resolves to nothing)."""
    try:
        return resolve(text) == department
    except Unresolved:
        return False
