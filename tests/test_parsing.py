"""What advisers type is read as they meant it; what cannot be read is explained, never raised."""

import datetime as dt

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ccc_xl import contract as c
from ccc_xl.parsing import Unreadable, parse_bool, parse_cell, parse_choice, parse_date, parse_number, parse_time

D = dt.date


@pytest.mark.parametrize(
    "typed, expected",
    [
        (dt.datetime(2001, 5, 3, 0, 0), D(2001, 5, 3)),
        (D(2001, 5, 3), D(2001, 5, 3)),
        (37014, D(2001, 5, 3)),  # Excel serial
        (37014.0, D(2001, 5, 3)),
        ("37014", D(2001, 5, 3)),
        ("03/05/2001", D(2001, 5, 3)),
        ("3/5/2001", D(2001, 5, 3)),
        ("3-5-01", D(2001, 5, 3)),
        ("03.05.2001", D(2001, 5, 3)),
        (" 03/05/2001 ", D(2001, 5, 3)),
        ("2001-05-03", D(2001, 5, 3)),
        ("3 mai 2001", D(2001, 5, 3)),
        ("1er mars 2023", D(2023, 3, 1)),
        ("lundi 13 mars 2023", D(2023, 3, 13)),
        ("03/05/99", D(1999, 5, 3)),
    ],
)
def test_dates_in_every_form_advisers_type(typed, expected):
    assert parse_date(typed) == expected


@pytest.mark.parametrize("typed", ["31/02/2001", "12/13/2001", "mai 2001", "demain", "5", "03/05", "2001", "#N/A?"])
def test_impossible_or_incomplete_dates_are_explained(typed):
    with pytest.raises(Unreadable) as problem:
        parse_date(typed)
    assert "date" in str(problem.value)


@given(st.dates(min_value=D(1921, 1, 1), max_value=D(2099, 12, 31)))
def test_any_date_round_trips_through_the_usual_text_forms(day):
    for text in (day.strftime("%d/%m/%Y"), f"{day.day}-{day.month}-{day.year}", day.isoformat(), f"{day.day}.{day.month:02d}.{day.year}"):
        assert parse_date(text) == day


@given(st.text())
def test_no_text_makes_the_date_parser_crash(text):
    try:
        assert isinstance(parse_date(text), D)
    except Unreadable:
        pass


@pytest.mark.parametrize("typed", ["Oui", "oui", "OUI ", "O", "o", "X", "x", "Yes", "1", 1, True, "True", "vrai", " oui."])
def test_yes_in_all_its_forms(typed):
    assert parse_bool(typed) is True


@pytest.mark.parametrize("typed", ["Non", "non", "NON", "N", "No", "0", 0, False, "faux", "False"])
def test_no_in_all_its_forms(typed):
    assert parse_bool(typed) is False


@pytest.mark.parametrize("typed", ["peut-être", "2", "?"])
def test_answers_that_are_not_yes_or_no(typed):
    with pytest.raises(Unreadable):
        parse_bool(typed)


@pytest.mark.parametrize(
    "typed, expected",
    [("14 554 €", 14554.0), ("1 234,50", 1234.5), ("1.234,50", 1234.5), ("1,234.50", 1234.5), (" 12 ", 12.0),
     ("6\u202f000 €", 6000.0), (8554, 8554.0), ("8554 euros", 8554.0)],
)
def test_numbers_stored_as_text(typed, expected):
    assert parse_number(typed) == expected


@pytest.mark.parametrize("typed, expected", [("9h", dt.time(9)), ("9h30", dt.time(9, 30)), ("09:30", dt.time(9, 30)),
                                             ("14 h 30", dt.time(14, 30)), (0.5, dt.time(12)), (dt.time(13, 30), dt.time(13, 30))])
def test_times(typed, expected):
    assert parse_time(typed) == expected


@given(st.floats(min_value=0, max_value=1, exclude_max=True))
def test_any_excel_time_of_day_reads_as_a_time(fraction):
    """An Excel time is a fraction of a day; one in the last half-minute (0.99999…) is 23:59, not a crash."""
    found = parse_time(fraction)
    assert found == dt.time(23, 59) or abs(found.hour * 60 + found.minute - fraction * 24 * 60) <= 0.5


@pytest.mark.parametrize(
    "typed, expected",
    [("F", c.ROME_DOMAINS[5]), ("f - construction, bâtiment et travaux publics", c.ROME_DOMAINS[5]),
     ("construction, batiment et travaux publics", c.ROME_DOMAINS[5]), ("AGENCE D'INTÉRIM", "Agence d'intérim"),
     ("agence d’interim", "Agence d'intérim")],
)
def test_closed_lists_forgive_case_accents_and_codes(typed, expected):
    list_name = "DomainesROME" if expected in c.ROME_DOMAINS else "TypesEntreprise"
    assert parse_choice(typed, list_name) == expected


def test_text_columns_keep_what_was_typed_minus_stray_spaces():
    column = c.CANDIDATES.column("ecrou")
    assert parse_cell(column, "  12345 ") == "12345"
    assert parse_cell(column, 12345.0) == "12345"
    assert parse_cell(c.CANDIDATES.column("notes"), "=SOMME(A1) & <b> \"x\" 'y' 🙂") == "=SOMME(A1) & <b> \"x\" 'y' 🙂"


def test_blank_cells_are_none_and_formula_errors_are_explained():
    assert parse_cell(c.CANDIDATES.column("birth_date"), "   ") is None
    with pytest.raises(Unreadable, match="formule"):
        parse_cell(c.CANDIDATES.column("birth_date"), "#N/A")


@settings(max_examples=300, deadline=None)
@given(text=st.one_of(st.text(st.characters(max_codepoint=127)), st.text()))
def test_normalise_of_plain_ascii_is_that_of_any_text(text):
    """ASCII text (IDs, écrou numbers) skips the Unicode decomposition: the same folded form."""
    import unicodedata

    from ccc_xl.parsing import normalise

    bare = "".join(ch for ch in unicodedata.normalize("NFKD", text) if not unicodedata.combining(ch))
    assert normalise(text) == " ".join(bare.casefold().replace("’", "'").split())
