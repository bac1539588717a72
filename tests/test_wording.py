"""French figures in messages: decimal comma, thousands, agreement of counted nouns."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ccc_xl.wording import count, number

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
    assert float(text.replace(NNBSP, "").replace(",", ".")) == pytest.approx(round(value, decimals), abs=10 ** -decimals)
