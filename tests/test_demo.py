"""`ccc-xl demo` builds a sound workbook that reproduces the programme's published figures."""


import pandas as pd

from ccc_xl import contract as c
from ccc_xl.workbook.file import open_workbook

from conftest import libreoffice_sheets, run_cli

PAST = [2019, 2021, 2022, 2023]


def read(path, *tables):
    with open_workbook(path, write=False) as book:
        frames = [book.read(t) for t in tables]
        assert book.anomalies == []
    return frames


def test_demo_data_reproduces_the_published_figures(demo_workbook):
    sessions, candidates, companies, pathways, funding = read(
        demo_workbook, c.SESSIONS, c.CANDIDATES, c.COMPANIES, c.PATHWAYS, c.FUNDING
    )
    past = candidates[candidates.session.isin(PAST) & candidates.retained.fillna(False)]
    assert len(set(sessions.year) & set(PAST)) == 4
    assert len(past) == 30
    assert companies[companies.session.isin(PAST)].id.nunique() == 35
    outcomes = pathways.set_index("participant").loc[past.id]
    positive = outcomes.situation_1y.isin(c.POSITIVE_SITUATIONS)
    assert round(100 * positive.mean()) == 60
    assert round(100 * (outcomes.situation_1y == "Formation").sum() / positive.sum()) == 44
    assert round(100 * (outcomes.situation_1y == "Emploi de plus de 6 mois").sum() / positive.sum()) == 56
    first_three = past[past.session.isin(PAST[:3])]
    assert len(first_three) == 20
    assert outcomes.loc[first_three.id].adjustment_granted.sum() == 11
    f2023 = funding[funding.session == 2023].set_index("funder").amount
    assert f2023.sum() == 14554 and f2023["SPIP de la Vienne"] == 6000 and f2023["FIPD"] == 8554


def test_demo_has_a_session_in_preparation_for_the_coming_year(demo_workbook):
    sessions, candidates, companies = read(demo_workbook, c.SESSIONS, c.CANDIDATES, c.COMPANIES)
    coming = sessions.year.max()
    assert coming == 2027
    assert len(candidates[candidates.session == coming]) > 10
    assert len(companies[companies.session == coming]) % 2 == 1  # an odd count: one trio to form


def test_libreoffice_opens_the_demo_and_shows_the_adviser_data(demo_workbook, tmp_path):
    sheets = libreoffice_sheets(demo_workbook, tmp_path / "csv")
    assert set(sheets) >= {"Accueil", "Candidats", "Sessions", "Journal"}
    header, *rows = sheets["Candidats"]
    assert header[: len(c.CANDIDATES.headers)] == c.CANDIDATES.headers
    (candidates,) = read(demo_workbook, c.CANDIDATES)
    first = candidates.iloc[0]
    row = rows[0]
    assert row[header.index("Nom")] == first.last_name
    assert row[header.index("Date de naissance")] == first.birth_date.strftime("%d/%m/%Y")
    assert row[header.index("Retenu")] == "Oui"


def test_cli_help_lists_the_commands_in_french():
    result = run_cli("--help")
    assert result.returncode == 0, result.stderr
    assert "Utilisation" in result.stdout and "Commandes" in result.stdout
    assert "nouveau" in result.stdout and "demo" in result.stdout
    assert "Afficher cette aide" in result.stdout


def test_cli_errors_are_french_without_traceback(tmp_path):
    path = tmp_path / "absent.xlsx"
    result = run_cli("nouveau", tmp_path / "x.txt")
    assert result.returncode == 1
    assert "extension .xlsx" in result.stderr and "Traceback" not in result.stderr
    assert not path.exists()
