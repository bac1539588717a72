"""French figures in messages: decimal comma, thousands, agreement of counted nouns."""

import datetime as dt

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ccc_xl.wording import count, name_key, number

NNBSP = "\u202f"


@pytest.mark.parametrize("n, singular, plural, expected", [
    (0, "alerte", None, "0 alerte"),
    (1, "alerte", None, "1 alerte"),
    (2, "alerte", None, "2 alertes"),
    (1, "document produit", "documents produits", "1 document produit"),
    (115, "document produit", "documents produits", "115 documents produits"),
    (3, "travail", "travaux", "3 travaux"),
    (12345, "cellule", None, f"12{NNBSP}345 cellules"),
])
def test_counts_agree_with_their_number(n, singular, plural, expected):
    assert count(n, singular, plural) == expected


@pytest.mark.parametrize("value, decimals, expected", [
    (0.4, 1, "0,4"), (0.35, 2, "0,35"), (1234.5, 1, f"1{NNBSP}234,5"), (14554, 0, f"14{NNBSP}554"), (3, 0, "3"),
])
def test_numbers_use_the_french_comma_and_thin_spaces(value, decimals, expected):
    assert number(value, decimals) == expected


@given(st.floats(min_value=0, max_value=1e9, allow_nan=False), st.integers(0, 3))
def test_no_decimal_point_ever(value, decimals):
    text = number(value, decimals)
    assert "." not in text and "," not in text.replace(",", "", 1)
    shown = float(text.replace(NNBSP, "").replace(",", "."))
    # Within one unit of the last place: babel rounds 0.35 half up to « 0,4 », Python's round gives 0.3.
    assert shown == pytest.approx(round(value, decimals), abs=1.001 * 10 ** -decimals)


ACCENTED = {"a": "aàâAÀÂ", "c": "cçCÇ", "e": "eéèêëEÉÈÊË", "i": "iîïIÎÏ", "o": "oôOÔ", "u": "uùûüUÙÛÜ", "y": "yÿY"}


@settings(max_examples=30, deadline=None)
@given(st.lists(st.text(alphabet="abcdeiouyz", min_size=1, max_size=6), min_size=2, max_size=8, unique=True),
       st.randoms(use_true_random=False))
def test_names_sort_in_dictionary_order_whatever_their_accents_and_capitals(words, rnd):
    """« Élodie » sorts as « elodie » (between « Eddy » and « Emma »), not after « Zoé »."""
    def dressed(word):
        return "".join(rnd.choice(ACCENTED.get(ch, ch + ch.upper())) for ch in word)

    written = {word: dressed(word) for word in words}
    assert [w for w in sorted(words, key=lambda w: name_key(written[w]))] == sorted(words)


def test_names_with_particles_and_ligatures_sort_as_read():
    names = ["Zoé", "Œillet", "Oscar", "Élodie", "Emma", "Eddy", "de Villiers", "Dupont", "", None]
    assert sorted(names, key=name_key) == ["", None, "de Villiers", "Dupont", "Eddy", "Élodie", "Emma", "Œillet",
                                           "Oscar", "Zoé"]


def test_small_whole_numbers_read_as_babel_writes_them():
    """Counts under a thousand skip babel's locale data (a click's message needs no separator):
    the same text as babel's French format, for every one of them; floats still go to babel."""
    from babel.numbers import format_decimal

    assert [number(n) for n in range(-5, 1005)] == [format_decimal(n, format="#,##0", locale="fr_FR") for n in range(-5, 1005)]
    assert number(7.0) == "7" and number(1000) == f"1{NNBSP}000"


@given(st.dates(min_value=dt.date(2000, 1, 1), max_value=dt.date(2100, 12, 31)))
def test_dates_on_paper_write_the_first_of_the_month_as_1er(day):
    from ccc_xl.documents import french_date
    from ccc_xl.wording import letter_date

    weekday, day_number, *_ = french_date(day).split()
    assert weekday in {"lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche"}
    assert day_number == ("1er" if day.day == 1 else str(day.day))
    assert french_date(day) == f"{weekday} {letter_date(day)}"  # the same words as the letters' date


@pytest.mark.parametrize("n, expected", [
    (5, "1, 2, 3, 4, 5"),
    (6, "1, 2, 3, 4, 5 … et 1 autre"),
    (7, "1, 2, 3, 4, 5 … et 2 autres"),
    (5005, "1, 2, 3, 4, 5 … et 5 000 autres"),
])
def test_a_long_list_names_five_and_counts_the_others_in_agreement(n, expected):
    from ccc_xl.report import some_of

    assert some_of(str(i) for i in range(1, n + 1)) == expected.replace("5 000", "5\u202f000")
