"""Reading typed tables forgives what advisers type; writing touches only computed cells."""

import datetime as dt

import pandas as pd
import pytest
from openpyxl import load_workbook

from ccc_xl import contract as c
from ccc_xl.report import CommandError
from ccc_xl.workbook.file import open_workbook

from conftest import workbook_with

ODD_ROWS = [
    {"id": "C1", "session": "2027", "last_name": " Dupont ", "first_name": "Léa", "birth_date": "03/05/2001",
     "project_defined": "oui ", "motivated": "X", "behaviour_ok": "NON", "retained": 1, "domain": "f"},
    {},  # a blank row inside the table
    {"id": "C2", "session": 2027.0, "last_name": "O'Brien & <Fils>", "first_name": "=Zoé 🙂", "birth_date": "31/02/2001",
     "project_defined": "peut-être", "expected_release": 46100, "notes": "x" * 2000},
]


def cells(path, sheet):
    ws = load_workbook(path)[sheet]
    return {(cell.row, cell.column): (cell.value, cell.number_format, cell.fill.fgColor.rgb) for row in ws.iter_rows() for cell in row}


def test_odd_input_is_read_as_meant_and_unreadable_cells_are_reported(tmp_path):
    path = workbook_with(tmp_path / "w.xlsx", {c.CANDIDATES: ODD_ROWS})
    with open_workbook(path, write=False) as book:
        df = book.read(c.CANDIDATES)
        anomalies = book.anomalies
    assert list(df.index) == [2, 4]  # Excel rows; the blank row 3 is skipped
    first, second = df.loc[2], df.loc[4]
    assert first.last_name == "Dupont" and first.session == 2027
    assert first.birth_date == pd.Timestamp(2001, 5, 3)
    assert (first.project_defined, first.motivated, first.behaviour_ok, first.retained) == (True, True, False, True)
    assert first.domain == c.ROME_DOMAINS[5]
    assert second.last_name == "O'Brien & <Fils>" and second.first_name == "=Zoé 🙂"
    assert pd.isna(second.birth_date) and pd.isna(second.project_defined)
    assert second.expected_release == pd.Timestamp(2026, 3, 19)  # Excel serial 46100
    where = {(a.sheet, a.row, a.column) for a in anomalies}
    assert where == {("Candidats", 4, "Date de naissance"), ("Candidats", 4, "Projet défini")}
    assert all("31/02/2001" in a.message or "peut-être" in a.message for a in anomalies)


def test_reordered_and_extra_columns_are_fine(tmp_path):
    path = workbook_with(tmp_path / "w.xlsx", {c.CANDIDATES: ODD_ROWS[:1]})
    wb = load_workbook(path)
    ws = wb["Candidats"]
    ws.move_range("C1:C2", cols=30)  # "Nom" moved to the far right, outside the table
    ws["C1"], ws["C2"] = "Mon commentaire", "à moi"  # an adviser's own column takes its place
    ws.tables["tblCandidats"].ref = "A1:AG2"
    ws["AG1"] = "  nom "  # reordered, with odd case and spaces
    wb.save(path)
    with open_workbook(path, write=False) as book:
        df = book.read(c.CANDIDATES)
    assert df.loc[2, "last_name"] == "Dupont"


def test_missing_or_duplicated_headers_stop_with_the_sheet_and_column(tmp_path):
    path = workbook_with(tmp_path / "w.xlsx", {c.CANDIDATES: ODD_ROWS[:1]})
    wb = load_workbook(path)
    wb["Candidats"]["A1"] = "Identifiant"
    wb.save(path)
    with pytest.raises(CommandError, match="« ID »"), open_workbook(path, write=False) as book:
        book.read(c.CANDIDATES)
    wb["Candidats"]["A1"] = "Nom"
    wb.save(path)
    with pytest.raises(CommandError, match="deux colonnes « Nom »"), open_workbook(path, write=False) as book:
        book.read(c.CANDIDATES)


def test_write_computed_changes_only_computed_cells(tmp_path):
    path = workbook_with(tmp_path / "w.xlsx", {c.CANDIDATES: ODD_ROWS})
    before = cells(path, "Candidats")
    with open_workbook(path) as book:
        df = book.read(c.CANDIDATES)
        df["eligibility"] = ["Éligible", "À compléter"]
        df["age_at_start"] = [25, None]
        df["last_name"] = "ÉCRASÉ"  # an adviser column: must never be written
        book.write_computed(c.CANDIDATES, df)
    after = cells(path, "Candidats")
    computed = {c.CANDIDATES.headers.index(col.header) + 1 for col in c.CANDIDATES.computed_columns}
    changed = {k for k in before if before[k] != after.get(k)}
    assert changed == {(2, c.CANDIDATES.headers.index("Éligibilité") + 1), (4, c.CANDIDATES.headers.index("Éligibilité") + 1),
                       (2, c.CANDIDATES.headers.index("Âge à l'action") + 1)}
    assert all(col in computed for _, col in changed)
    ws = load_workbook(path)["Candidats"]
    assert ws["C2"].value == " Dupont "  # adviser's own typing, stray spaces included, untouched


def test_rewriting_the_same_results_changes_nothing(tmp_path):
    path = workbook_with(tmp_path / "w.xlsx", {c.CANDIDATES: ODD_ROWS})
    for expected_changes in (2, 0):
        with open_workbook(path) as book:
            df = book.read(c.CANDIDATES)
            df["eligibility"] = ["Éligible", "Non éligible"]
            assert book.write_computed(c.CANDIDATES, df) == expected_changes


def test_journal_lines_accumulate(tmp_path, blank):
    for n in range(2):
        with open_workbook(blank) as book:
            book.log("essai", f"exécution {n}", now=dt.datetime(2026, 1, 1, 10, n))
    ws = load_workbook(blank)["Journal"]
    rows = [[cell.value for cell in row] for row in ws.iter_rows(min_row=2)]
    assert rows == [["2026-01-01 10:00:00", "essai", "Info", None, None, None, "exécution 0"],
                    ["2026-01-01 10:01:00", "essai", "Info", None, None, None, "exécution 1"]]
    assert ws.tables["tblJournal"].ref == "A1:G3"


def test_a_cleared_row_loses_its_stale_computed_values_but_other_rows_keep_theirs(tmp_path):
    path = workbook_with(tmp_path / "w.xlsx", {c.CANDIDATES: ODD_ROWS})
    with open_workbook(path) as book:
        df = book.read(c.CANDIDATES)
        df["eligibility"] = ["Éligible", "Non éligible"]
        book.write_computed(c.CANDIDATES, df)
    wb = load_workbook(path)
    ws = wb["Candidats"]
    for cell in ws[4][: len(c.CANDIDATES.input_columns)]:  # the adviser clears row 4's own cells
        cell.value = None
    wb.save(path)
    with open_workbook(path) as book:
        df = book.read(c.CANDIDATES)
        assert list(df.index) == [2]
        book.write_computed(c.CANDIDATES, df.iloc[0:0].assign(eligibility=[]))  # a command that touched no row
    column = c.CANDIDATES.headers.index("Éligibilité") + 1
    ws = load_workbook(path)["Candidats"]
    assert ws.cell(2, column).value == "Éligible" and ws.cell(4, column).value is None


def test_a_generated_table_not_made_yet_says_to_run_its_step_first(blank):
    with pytest.raises(CommandError, match="ne contient pas encore le tableau tblEntretiens : lancez d'abord"):
        with open_workbook(blank, write=False) as book:
            book.read(c.INTERVIEWS)


def test_an_anomaly_still_present_is_counted_not_written_again(tmp_path, blank):
    from ccc_xl.report import Anomaly

    old = Anomaly("Candidats", 4, "Date de naissance", "31/02/2003", "« 31/02/2003 » n'est pas une date.")
    other = Anomaly("Candidats", 5, "Retenu", "peut-être", "« peut-être » n'est pas une réponse Oui/Non.")
    fresh = Anomaly("Candidats", 6, "Retenu", "bof", "« bof » n'est pas une réponse Oui/Non.")
    runs = [(dt.datetime(2026, 1, 5, 9), [old, other]), (dt.datetime(2026, 1, 6, 9), [old, other, fresh]),
            (dt.datetime(2026, 2, 1, 9), [old, fresh])]
    for when, found in runs:
        with open_workbook(blank) as book:
            book.log("eligibilite", "résumé", level="Alerte", anomalies=found, now=when)
    rows = [[cell.value for cell in row] for row in load_workbook(blank)["Journal"].iter_rows(min_row=2)]
    anomaly_rows = [(r[0][:10], r[4]) for r in rows if r[3]]
    assert anomaly_rows == [("2026-01-05", 4), ("2026-01-05", 5), ("2026-01-06", 6)]  # each written once
    counted = [r[6] for r in rows if r[6].startswith(("1 anomalie", "2 anomalies"))]
    assert counted == [
        "2 anomalies déjà signalées sont toujours présentes (la première fois le 05/01/2026) : voir plus haut dans le Journal.",
        "2 anomalies déjà signalées sont toujours présentes (la première fois le 05/01/2026) : voir plus haut dans le Journal.",
    ]


def test_an_anomaly_about_a_whole_sheet_is_recognised_the_next_run(blank):
    """An anomaly with no row (« rien de planifié… » on Entretiens) reads back from the Journal as a
    blank row; the next run counts it instead of stopping on it."""
    from ccc_xl.report import Anomaly

    whole_sheet = Anomaly("Entretiens", None, None, None, "rien de planifié pour la session 2019.")
    for day in (5, 6):
        with open_workbook(blank) as book:
            book.log("documents", "résumé", anomalies=[whole_sheet], now=dt.datetime(2026, 1, day, 9))
    messages = [row[6] for row in load_workbook(blank)["Journal"].iter_rows(min_row=2, values_only=True)]
    assert messages.count(whole_sheet.message) == 1 and messages[-1].startswith("1 anomalie déjà signalée")


def test_running_a_command_twice_does_not_double_its_anomaly_lines(tmp_path):
    from ccc_xl.commands import eligibilite, run_on_file

    path = workbook_with(tmp_path / "w.xlsx", {
        c.SESSIONS: [{"year": 2027, "coaching_start": dt.date(2027, 3, 1)}],
        c.CANDIDATES: [{"id": "C1", "session": 2027, "last_name": "Aubert", "first_name": "Léa",
                        "birth_date": "31/02/2003", "retained": "bof"}]})
    first = run_on_file(path, "eligibilite", eligibilite)
    second = run_on_file(path, "eligibilite", eligibilite)
    assert first.anomalies and second.anomalies == first.anomalies  # the adviser still sees them all
    rows = [[cell.value for cell in row] for row in load_workbook(path)["Journal"].iter_rows(min_row=2)]
    assert sum(1 for r in rows if r[3]) == len(first.anomalies)
    assert rows[-1][6].startswith(f"{len(first.anomalies)} anomalie")


def test_a_run_on_one_session_reports_that_session_s_unreadable_cells_only(tmp_path):
    from ccc_xl.commands import eligibilite, run_on_file

    rows = [{"id": "C2019-01", "session": 2019, "last_name": "Ancien", "first_name": "Léo", "birth_date": "31/02/1999"},
            {"id": "C2027-01", "session": 2027, "last_name": "Aubert", "first_name": "Léa", "birth_date": "30/02/2004"},
            {"id": "C????-01", "session": "vingt-sept", "last_name": "Sans", "first_name": "Année", "birth_date": "32/01/2004"}]
    path = workbook_with(tmp_path / "w.xlsx", {
        c.SESSIONS: [{"year": 2019, "coaching_start": dt.date(2019, 3, 1)}, {"year": 2027, "coaching_start": dt.date(2027, 3, 1)}],
        c.CANDIDATES: rows})
    of_2027 = run_on_file(path, "eligibilite", eligibilite, session=2027)
    cells = {a.value for a in of_2027.anomalies if a.column == "Date de naissance"}
    assert cells == {"30/02/2004", "32/01/2004"}  # 2027's row, and the row whose session is unreadable
    assert any(a.column == "Session" for a in of_2027.anomalies)
    everything = run_on_file(path, "eligibilite", eligibilite)
    assert {a.value for a in everything.anomalies if a.column == "Date de naissance"} == {"31/02/1999", "30/02/2004", "32/01/2004"}
