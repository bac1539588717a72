"""French wording of numbers and counts in messages: « 1 alerte », « 3 alertes », « 0,4 s », « 1 234 ».

Every figure a command prints goes through here, so the decimal comma, the narrow no-break space
between thousands (CLDR French, via babel) and the agreement of a counted noun are the same in the
terminal, in Excel's dialog boxes and in the Journal.
"""

from __future__ import annotations


def number(value: float, decimals: int = 0) -> str:
    """« 1 234 », « 0,4 »: French digits with ``decimals`` places."""
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
