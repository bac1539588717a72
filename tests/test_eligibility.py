"""Eligibility: every boundary of the public criteria, odd typing, and a workbook left as it was."""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

import pandas as pd
import pytest
from dateutil.relativedelta import relativedelta
from hypothesis import given, settings
from hypothesis import strategies as st
from openpyxl import load_workbook

from ccc_xl import contract as c
from ccc_xl import demo as demo_data
from ccc_xl.commands import eligibilite, run_on_file
from ccc_xl.eligibility import evaluate
from ccc_xl.report import CommandError
from ccc_xl.workbook.file import open_workbook
from ccc_xl.workbook.gateway import RawTable, excel_value, frame_from_raw

from conftest import DEMO_TODAY, run_cli, workbook_with

START = dt.date(2027, 3, 15)  # first day of the 2027 action: the reference date
TODAY = dt.date(2026, 11, 26)
INSTITUTION = c.SESSION_DEFAULTS["institution"]
COMPUTED_HEADERS = {col.header for col in c.CANDIDATES.computed_columns}


def session(year=2027, start=START, **extra) -> dict:
    return {"year": year, "coaching_start": start, "capacity": 10, **extra}


def candidate(id, **extra) -> dict:
    """A candidate meeting every criterion of the 2027 session, changed by ``extra``."""
    return {
        "id": id, "session": 2027, "last_name": "Martin", "first_name": "Léo", "birth_date": dt.date(2000, 6, 1),
        "ecrou": f"E-{id}", "institution": INSTITUTION, "application_date": dt.date(2027, 2, 1),
        "project_defined": True, "motivated": True, "behaviour_ok": True, "adjustment_possible": False,
        "expected_release": dt.date(2027, 9, 1), "project_department": "86", **extra,
    }


def typed(table: c.Table, rows: list[dict]) -> pd.DataFrame:
    """The DataFrame the gateway would read from a table holding ``rows`` (no file involved)."""
    cells = [[excel_value(col, row.get(col.key)) for col in table.columns] for row in rows]
    frame, anomalies = frame_from_raw(RawTable(table, table.sheet, table.headers, cells, 2, 1))
    assert anomalies == []
    return frame


# (ID, changes, status, words expected in Motifs, age at the action)
CASES = [
    ("ok", {}, "Éligible", ["Tous les critères sont remplis au 15/03/2027 (premier jour de l'action)"], 26),
    ("18-le-jour", {"birth_date": dt.date(2009, 3, 15)}, "Éligible", [], 18),
    ("18-le-lendemain", {"birth_date": dt.date(2009, 3, 16)}, "Non éligible", ["17 ans au 15/03/2027 (18 ans au moins)"], 17),
    ("31-la-veille", {"birth_date": dt.date(1996, 3, 14)}, "Non éligible", ["31 ans au 15/03/2027 (30 ans au plus)"], 31),
    ("31-le-lendemain", {"birth_date": dt.date(1996, 3, 16)}, "Éligible", [], 30),
    ("sortie-un-an-pile", {"expected_release": dt.date(2028, 3, 15)}, "Non éligible",
     ["ni aménagement de peine possible, ni sortie prévisible à moins de 12 mois", "il faudrait avant le 15/03/2028"], 26),
    ("sortie-veille-un-an", {"expected_release": dt.date(2028, 3, 14)}, "Éligible", [], 26),
    ("amenagement-sortie-loin", {"adjustment_possible": True, "expected_release": dt.date(2031, 1, 1)}, "Éligible", [], 26),
    ("amenagement-sans-sortie", {"adjustment_possible": True, "expected_release": None}, "Éligible", [], 26),
    ("amenagement-inconnu-sortie-loin", {"adjustment_possible": None, "expected_release": dt.date(2029, 1, 1)},
     "À compléter", ["aménagement de peine possible non renseigné, et sortie prévisible à 12 mois ou plus"], 26),
    ("sans-sortie", {"expected_release": None}, "À compléter",
     ["date de sortie prévisible manquante (aménagement de peine non possible)"], 26),
    ("rien-sur-la-sortie", {"expected_release": None, "adjustment_possible": None}, "À compléter",
     ["aménagement de peine possible non renseigné et date de sortie prévisible manquante"], 26),
    ("sortie-avant-action", {"expected_release": dt.date(2027, 1, 10)}, "À compléter",
     ["sortie prévisible le 10/01/2027, avant le début de l'action : à vérifier"], 26),
    ("sans-naissance", {"birth_date": None}, "À compléter", ["date de naissance manquante"], None),
    ("naissance-future", {"birth_date": dt.date(2030, 1, 1)}, "À compléter", ["date de naissance 01/01/2030 dans le futur"], None),
    ("sans-etablissement", {"institution": None}, "À compléter", ["établissement non renseigné"], 26),
    ("autre-etablissement", {"institution": "Maison d'arrêt de Niort"}, "Non éligible",
     ["détenu à « Maison d'arrêt de Niort », pas au Centre Pénitentiaire de Poitiers-Vivonne"], 26),
    ("etablissement-casse", {"institution": "  centre penitentiaire de POITIERS-vivonne "}, "Éligible", [], 26),
    ("sans-projet", {"project_defined": None}, "À compléter", ["« Projet défini » non renseigné"], 26),
    ("projet-non", {"project_defined": False}, "Non éligible", ["projet professionnel non défini"], 26),
    ("sans-motivation", {"motivated": None}, "À compléter", ["motivation non renseignée (entretien individuel)"], 26),
    ("motivation-non", {"motivated": False}, "Non éligible", ["motivation insuffisante"], 26),
    ("sans-codes", {"behaviour_ok": None}, "À compléter", ["codes comportementaux non renseignés (avis du SPIP)"], 26),
    ("codes-non", {"behaviour_ok": False}, "Non éligible", ["codes comportementaux non acquis (avis du SPIP)"], 26),
    ("tout-a-la-fois", {"birth_date": dt.date(1990, 1, 1), "behaviour_ok": False, "motivated": None, "project_department": "79"},
     "Non éligible", ["Non rempli : 37 ans au 15/03/2027 (30 ans au plus) ; codes comportementaux non acquis",
                      "À compléter : motivation non renseignée", "relais à rechercher dans le territoire de destination",
                      "Référence : 15/03/2027, premier jour de l'action"], 37),
    ("hors-vienne", {"project_department": "79"}, "Éligible",
     ["Projet en 79 - Deux-Sèvres, hors du 86 - Vienne : relais à rechercher dans le territoire de destination"], 26),
    ("vienne-en-toutes-lettres", {"project_department": "86 - Vienne"}, "Éligible", [], 26),
    ("sans-departement", {"project_department": None}, "Éligible", ["Département du projet non renseigné (priorité 86 - Vienne non appliquée)"], 26),
    ("session-inconnue", {"session": 2031}, "À compléter", ["session 2031 absente de l'onglet Sessions"], None),
    # What advisers type: text dates, "oui ", "X", "NON", a number stored as text.
    ("saisie-libre", {"birth_date": "14/03/1996", "project_defined": "oui ", "motivated": "X", "behaviour_ok": "NON",
                      "expected_release": "2027-09-01", "session": "2027"},
     "Non éligible", ["31 ans au 15/03/2027", "codes comportementaux non acquis"], 31),
    # A session with its own criteria, and one left blank (programme defaults).
    ("niort-ok", {"session": 2028, "institution": "Maison d'arrêt de Niort", "birth_date": dt.date(2003, 1, 1),
                  "expected_release": dt.date(2028, 7, 31), "project_department": "79"}, "Éligible", [], 25),
    ("niort-trop-age", {"session": 2028, "institution": "Maison d'arrêt de Niort", "birth_date": dt.date(2002, 1, 1),
                        "expected_release": dt.date(2028, 8, 1), "project_department": "86"}, "Non éligible",
     ["26 ans au 01/02/2028 (25 ans au plus)", "moins de 6 mois", "il faudrait avant le 01/08/2028",
      "Projet en 86 - Vienne, hors du 79 - Deux-Sèvres"], 26),
    ("defauts", {"session": 2029, "birth_date": dt.date(1998, 4, 1), "expected_release": dt.date(2030, 4, 2)},
     "Non éligible", ["31 ans au 02/04/2029 (30 ans au plus)", "moins de 12 mois"], 31),
]
SESSIONS = [
    session(),
    session(2028, dt.date(2028, 2, 1), institution="Maison d'arrêt de Niort", min_age=20, max_age=25,
            release_horizon_months=6, priority_department="79"),
    {"year": 2029, "coaching_start": dt.date(2029, 4, 2)},
]


@pytest.fixture(scope="module")
def cases_workbook(tmp_path_factory) -> Path:
    """A workbook holding every case, with a blank row inside the table, before any run."""
    rows = [candidate(id, **changes) for id, changes, *_ in CASES]
    rows.insert(5, {})
    return workbook_with(tmp_path_factory.mktemp("cases") / "cas.xlsx", {c.SESSIONS: SESSIONS, c.CANDIDATES: rows})


@pytest.fixture(scope="module")
def evaluated(cases_workbook, tmp_path_factory):
    path = tmp_path_factory.mktemp("run") / "cas.xlsx"
    path.write_bytes(cases_workbook.read_bytes())
    outcome = run_on_file(path, "eligibilite", eligibilite, today=TODAY)
    with open_workbook(path, write=False) as book:
        frame = book.read(c.CANDIDATES)
    return path, outcome, frame.set_index("id")


@pytest.mark.parametrize(("id", "changes", "status", "words", "age"), CASES, ids=[case[0] for case in CASES])
def test_each_boundary_and_missing_field(evaluated, id, changes, status, words, age):
    _, _, frame = evaluated
    found = frame.loc[id.upper()]  # IDs read as IDs: upper case
    assert found.eligibility == status
    for word in words:
        assert word in found.reasons
    assert (None if pd.isna(found.age_at_start) else found.age_at_start) == age
    assert pd.isna(found.priority) == (status != "Éligible")


def test_anomalies_name_the_row_and_column(evaluated):
    path, outcome, _ = evaluated
    with open_workbook(path, write=False) as book:
        by_id = {r.id.lower(): line for line, r in book.read(c.CANDIDATES).iterrows()}  # IDs read upper case
    found = {(a.row, a.column) for a in outcome.anomalies}
    assert (by_id["naissance-future"], "Date de naissance") in found
    assert (by_id["sortie-avant-action"], "Date de sortie prévisible") in found
    assert (by_id["session-inconnue"], "Session") in found
    assert all(a.sheet == "Candidats" for a in outcome.anomalies)


def test_summary_counts_each_status_and_states_the_reference_date(evaluated):
    path, outcome, frame = evaluated
    counts = frame.eligibility.value_counts()
    for status in c.ELIGIBILITY_STATUSES:
        assert f"{status} : {counts[status]}" in outcome.summary
    assert "premier jour de l'action" in outcome.summary
    journal = [[cell.value for cell in row] for row in load_workbook(path)["Journal"].iter_rows(min_row=2)]
    assert journal[0][1] == "eligibilite" and journal[0][6] == outcome.summary
    assert {r[4] for r in journal[1:]} >= {a.row for a in outcome.anomalies if a.row}


def test_blank_row_inside_the_table_stays_blank(evaluated):
    path, _, _ = evaluated
    ws = load_workbook(path)["Candidats"]
    headers = [cell.value for cell in ws[1]]
    blank_row = [ws.cell(7, headers.index(h) + 1).value for h in headers if h]
    assert blank_row == [None] * len(blank_row)


def test_duplicates_and_selection_warnings(tmp_path):
    rows = [candidate("A", ecrou="12345", retained=True), candidate("B", ecrou=" 12345 ", retained=True),
            candidate("A", ecrou="99", retained=True), candidate("D", behaviour_ok=False, retained="Oui"),
            candidate("E", session=2028, ecrou="12345")]
    path = workbook_with(tmp_path / "w.xlsx", {c.SESSIONS: [session(capacity=3), session(2028, dt.date(2028, 3, 6))],
                                               c.CANDIDATES: rows})
    outcome = run_on_file(path, "eligibilite", eligibilite, today=TODAY)
    messages = {(a.row, a.column): a.message for a in outcome.anomalies}
    assert "N° d'écrou « 12345 » en double : lignes 2, 3 de la session 2027" in messages[(2, "N° d'écrou")]
    assert (3, "N° d'écrou") not in messages and (6, "N° d'écrou") not in messages  # one per group; another year: not a duplicate
    assert "lignes 2, 4 du tableau" in messages[(2, "ID")] and (4, "ID") not in messages
    assert "retenu alors que son éligibilité est « Non éligible »" in messages[(5, "Retenu")]
    assert messages[(None, "Retenu")] == "session 2027 : 4 candidats retenus pour 3 places."


def test_session_without_start_date_asks_for_it():
    sessions = typed(c.SESSIONS, [{"year": 2027}])
    result = evaluate(typed(c.CANDIDATES, [candidate("x")]), sessions, today=TODAY)
    assert result.computed.eligibility.tolist() == ["À compléter"]
    assert "date de début du coaching de la session manquante" in result.computed.reasons.iloc[0]
    assert [(a.sheet, a.row, a.column) for a in result.anomalies] == [("Sessions", 2, "Début du coaching")]


def test_priority_rank_follows_the_documented_order():
    """Vienne first; then soonest exit (adjustment counts as now, then release date); application date; ID."""
    rows = [
        candidate("h-79-adj", project_department="79", adjustment_possible=True, expected_release=dt.date(2027, 4, 1)),
        candidate("g-86-late", expected_release=dt.date(2028, 1, 1)),
        candidate("f-86-soon", expected_release=dt.date(2027, 5, 1)),
        candidate("e-86-adj-late", adjustment_possible=True, expected_release=dt.date(2028, 3, 1)),
        candidate("d-86-adj-early-applied-later", adjustment_possible=True, expected_release=dt.date(2027, 6, 1),
                  application_date=dt.date(2027, 2, 10)),
        candidate("c-86-adj-early", adjustment_possible=True, expected_release=dt.date(2027, 6, 1)),
        candidate("b-86-adj-early-same", adjustment_possible=True, expected_release=dt.date(2027, 6, 1)),
        candidate("a-not-eligible", behaviour_ok=False),
    ]
    result = evaluate(typed(c.CANDIDATES, rows), typed(c.SESSIONS, [session()]), today=TODAY)
    ranked = result.computed.priority.dropna().sort_values()
    ids = [rows[line - 2]["id"] for line in ranked.index]
    assert ids == ["b-86-adj-early-same", "c-86-adj-early", "d-86-adj-early-applied-later", "e-86-adj-late",
                   "f-86-soon", "g-86-late", "h-79-adj"]


def test_one_session_only_leaves_the_others_as_they_were(cases_workbook, tmp_path):
    path = tmp_path / "cas.xlsx"
    path.write_bytes(cases_workbook.read_bytes())
    outcome = run_on_file(path, "eligibilite", eligibilite, session=2028, today=TODAY)
    with open_workbook(path, write=False) as book:
        frame = book.read(c.CANDIDATES)
    done = frame[frame.eligibility.notna()]
    assert set(done.session) == {2028} and len(done) == 2
    assert "Éligibilité de 2 candidats" in outcome.summary
    # Running all sessions afterwards gives the same 2028 results: nothing depends on the order of runs.
    run_on_file(path, "eligibilite", eligibilite, today=TODAY)
    with open_workbook(path, write=False) as book:
        again = book.read(c.CANDIDATES)
    pd.testing.assert_frame_equal(again.loc[done.index, ["eligibility", "reasons", "priority"]],
                                  done[["eligibility", "reasons", "priority"]])


def snapshot(path: Path) -> tuple[dict, dict]:
    """Every cell's value and style, sheet by sheet (Journal aside), plus widths and validations;
    and the same without the computed columns of the candidates' sheet (one load for both)."""
    wb = load_workbook(path)
    found, styles, computed = {}, {}, set()

    def style(cell) -> tuple:
        """The cell's style written out in full, once per distinct style of the workbook (a style's
        repr is costly and the demo's cells share a few dozen styles)."""
        if cell.style_id not in styles:
            styles[cell.style_id] = (cell.number_format, repr(cell.font), repr(cell.fill), repr(cell.border),
                                     repr(cell.alignment), repr(cell.protection))
        return styles[cell.style_id]

    for ws in wb.worksheets:
        if ws.title == c.JOURNAL.sheet:
            continue
        headers = {cell.column: cell.value for cell in ws[1]}
        for row in ws.iter_rows():
            for cell in row:
                if ws.title == c.CANDIDATES.sheet and headers.get(cell.column) in COMPUTED_HEADERS and cell.row > 1:
                    computed.add((ws.title, cell.coordinate))
                found[(ws.title, cell.coordinate)] = (cell.value, *style(cell))
        found[(ws.title, "widths")] = {k: d.width for k, d in ws.column_dimensions.items()}
        found[(ws.title, "validations")] = sorted(str(v.sqref) for v in ws.data_validations.dataValidation)
        found[(ws.title, "formats")] = sorted(str(r.sqref) for r in ws.conditional_formatting)
        found[(ws.title, "tables")] = dict(ws.tables.items())
    return found, {key: value for key, value in found.items() if key not in computed}


@pytest.fixture
def fresh_demo(tmp_path) -> Path:
    """The demo's data before any command ran: computed columns still empty."""
    data = demo_data.build(DEMO_TODAY)
    return workbook_with(tmp_path / "demo.xlsx", {t: data.rows[t.name] for t in c.INPUT_TABLES})


def test_only_the_four_computed_columns_change_and_a_second_run_changes_nothing(fresh_demo):
    before, others_before = snapshot(fresh_demo)
    first = run_on_file(fresh_demo, "eligibilite", eligibilite, today=DEMO_TODAY)
    after, others_after = snapshot(fresh_demo)
    assert others_after == others_before
    assert after != before and first.data["changed"] > 0
    second = run_on_file(fresh_demo, "eligibilite", eligibilite, today=DEMO_TODAY)
    assert second.data["changed"] == 0
    assert snapshot(fresh_demo)[0] == after


def test_extra_and_reordered_columns(cases_workbook, tmp_path):
    """An adviser's own column in the middle and computed columns moved: results follow the headers."""
    path = tmp_path / "cas.xlsx"
    path.write_bytes(cases_workbook.read_bytes())
    wb = load_workbook(path)
    ws = wb["Candidats"]
    headers = [cell.value for cell in ws[1]]
    last = ws.max_row
    name_col, reasons_col = headers.index("Nom") + 1, headers.index("Motifs") + 1
    for row in range(1, last + 1):  # swap "Nom" and "Motifs", then put the adviser's column in "Prénom"'s place
        a, b = ws.cell(row, name_col), ws.cell(row, reasons_col)
        a.value, b.value = b.value, a.value
    first_col = headers.index("Prénom") + 1
    ws.move_range(f"{ws.cell(1, first_col).coordinate}:{ws.cell(last, first_col).coordinate}", cols=len(headers) - first_col + 1)
    ws.cell(1, first_col).value = "Mon commentaire"
    for row in range(2, last + 1):
        ws.cell(row, first_col).value = f"note {row}"
    ws.tables["tblCandidats"].ref = f"A1:{ws.cell(last, len(headers) + 1).coordinate}"
    wb.save(path)
    run_on_file(path, "eligibilite", eligibilite, today=TODAY)
    ws = load_workbook(path)["Candidats"]
    after = [cell.value for cell in ws[1]]
    column = {h: after.index(h) + 1 for h in after if h}
    assert ws.cell(2, column["Nom"]).value == "Martin"
    assert ws.cell(2, column["Motifs"]).value.startswith("Tous les critères sont remplis")
    assert ws.cell(2, column["Mon commentaire"]).value == "note 2"
    assert ws.cell(2, column["Éligibilité"]).value == "Éligible"


def test_demo_past_participants_are_all_eligible_and_2027_is_a_realistic_mix(demo_workbook):
    with open_workbook(demo_workbook, write=False) as book:
        frame = book.read(c.CANDIDATES)
    past = frame[(frame.session < 2027) & frame.retained.fillna(False)]
    assert len(past[past.session <= 2023]) == 30 and set(past.eligibility) == {"Éligible"}
    coming = frame[frame.session == 2027]
    assert set(coming.eligibility) == set(c.ELIGIBILITY_STATUSES)
    start = pd.Timestamp(2027, 3, 15)
    turned_31_yesterday = coming[coming.birth_date == start - pd.DateOffset(years=31, days=1)]
    turns_18_today = coming[coming.birth_date == start - pd.DateOffset(years=18)]
    assert list(turned_31_yesterday.eligibility) == ["Non éligible"] and list(turned_31_yesterday.age_at_start) == [31]
    assert list(turns_18_today.eligibility) == ["Éligible"] and list(turns_18_today.age_at_start) == [18]
    eligible = coming[coming.eligibility == "Éligible"]
    assert sorted(eligible.priority) == list(range(1, len(eligible) + 1))


def test_cli_runs_one_session_and_refuses_an_unknown_one_in_french(cases_workbook, tmp_path):
    path = tmp_path / "cas.xlsx"
    path.write_bytes(cases_workbook.read_bytes())
    done = run_cli("eligibilite", path, "--session", "2028")
    assert done.returncode == 0, done.stderr
    assert "Éligibilité de 2 candidats" in done.stdout
    before = path.read_bytes()
    refused = run_cli("eligibilite", path, "--session", "2040")
    assert refused.returncode == 1
    assert "La session 2040 n'existe pas" in refused.stderr and "Traceback" not in refused.stderr
    with open_workbook(path, write=False) as book:
        assert book.read(c.CANDIDATES).eligibility.notna().sum() == 2  # nothing recomputed


# --- Properties over many inputs -------------------------------------------------------------

starts = st.dates(dt.date(2000, 1, 1), dt.date(2045, 12, 31))


@settings(max_examples=300, deadline=None)
@given(start=starts, years=st.sampled_from([18, 31]), shift=st.integers(-400, 400))
def test_age_around_the_boundaries_matches_an_independent_count(start, years, shift):
    birth = start - relativedelta(years=years) + dt.timedelta(days=shift)
    rows = [candidate("x", birth_date=birth, expected_release=start + dt.timedelta(days=30))]
    result = evaluate(typed(c.CANDIDATES, rows), typed(c.SESSIONS, [session(start=start)]), today=dt.date(2050, 1, 1))
    found = result.computed.iloc[0]
    if birth > start:
        assert found.eligibility == "À compléter"
        return
    expected = relativedelta(start, birth).years
    if (birth.month, birth.day) == (2, 29) and (start.month, start.day) == (2, 28):
        expected -= 1  # born 29 February: birthday on 1 March in common years (documented choice)
    assert found.age_at_start == expected
    assert found.eligibility == ("Éligible" if 18 <= expected <= 30 else "Non éligible")


candidates_strategy = st.lists(
    st.fixed_dictionaries({
        "project_department": st.sampled_from(["86", "79", "17", None]),
        "adjustment_possible": st.booleans(),
        "expected_release": st.dates(dt.date(2027, 3, 15), dt.date(2028, 3, 14)),
        "application_date": st.one_of(st.none(), st.dates(dt.date(2026, 12, 1), dt.date(2027, 3, 1))),
        "behaviour_ok": st.sampled_from([True, True, True, False, None]),
    }),
    min_size=1, max_size=25,
)


@settings(max_examples=80, deadline=None)
@given(drawn=candidates_strategy, order=st.randoms(use_true_random=False))
def test_ranks_are_one_to_n_vienne_first_and_independent_of_row_order(drawn, order):
    rows = [candidate(f"C{i:03d}", **extra) for i, extra in enumerate(drawn)]
    sessions = typed(c.SESSIONS, [session()])

    def ranks(rows):
        result = evaluate(typed(c.CANDIDATES, rows), sessions, today=TODAY)
        return {rows[line - 2]["id"]: (status, rank) for line, status, rank in
                zip(result.computed.index, result.computed.eligibility, result.computed.priority)}

    first = ranks(rows)
    eligible = {id: rank for id, (status, rank) in first.items() if status == "Éligible"}
    assert sorted(eligible.values()) == list(range(1, len(eligible) + 1))
    vienne = {row["id"] for row in rows if row["project_department"] == "86"}
    if eligible.keys() & vienne and eligible.keys() - vienne:
        assert max(eligible[i] for i in eligible.keys() & vienne) < min(eligible[i] for i in eligible.keys() - vienne)
    shuffled = rows[:]
    order.shuffle(shuffled)
    assert ranks(shuffled) == first


def test_excel_button_runs_the_same_command_on_the_open_workbook(fresh_demo):
    """The ribbon's « Éligibilité » button (xlwings remote engine) gives the CLI's summary."""
    os.environ.setdefault("XLWINGS_LICENSE_KEY", "noncommercial")
    import xlwings as xw

    from ccc_xl.excel import press
    from xlremote_payload import payload

    xlbook = xw.Book(json=payload(fresh_demo))
    message, level = press(xlbook, "cccEligibilite")
    expected = run_on_file(fresh_demo, "eligibilite", eligibilite, today=dt.date.today())
    assert level == "Info" and message.startswith(expected.summary)
    assert xlbook.json()["actions"]  # the computed cells (and the Journal) were written


# --- A date (or an answer) typed but unreadable is « illisible (what was typed) », never « manquante » ----

UNREADABLE = [
    # (case, candidate changes, session changes, words expected in Motifs)
    ("31-fevrier", {"birth_date": "31/02/2003"}, {}, ["date de naissance illisible (31/02/2003)"]),
    ("30-fevrier", {"birth_date": "30/02/2001"}, {}, ["date de naissance illisible (30/02/2001)"]),
    ("mois-13", {"birth_date": "2003-13-01"}, {}, ["date de naissance illisible (2003-13-01)"]),
    ("naissance-1850", {"birth_date": "01/01/1850"}, {}, ["date de naissance illisible (01/01/1850)"]),
    ("naissance-texte", {"birth_date": "vers 2001"}, {}, ["date de naissance illisible (vers 2001)"]),
    ("sortie-31-avril", {"expected_release": "31/04/2027"}, {},
     ["date de sortie prévisible illisible (31/04/2027) (aménagement de peine non possible)"]),
    ("sortie-29-fevrier-amenagement-vide", {"expected_release": "29/02/2027", "adjustment_possible": None}, {},
     ["aménagement de peine possible non renseigné et date de sortie prévisible illisible (29/02/2027)"]),
    ("debut-session-impossible", {}, {"coaching_start": "31/02/2027"},
     ["date de début du coaching de la session illisible (31/02/2027) (onglet Sessions)"]),
    ("motivation-illisible", {"motivated": "peut-être"}, {}, ["« Motivation » illisible (peut-être)"]),
    ("amenagement-illisible", {"adjustment_possible": "bof", "expected_release": dt.date(2029, 1, 1)}, {},
     ["« Aménagement de peine possible » illisible (bof), et sortie prévisible à 12 mois ou plus"]),
    ("session-illisible", {"session": "deux mille"}, {}, ["session illisible (deux mille)"]),
]


@pytest.mark.parametrize("changes, session_changes, words", [case[1:] for case in UNREADABLE], ids=[case[0] for case in UNREADABLE])
def test_unreadable_cells_are_named_with_what_was_typed(tmp_path, changes, session_changes, words):
    path = workbook_with(tmp_path / "w.xlsx", {c.SESSIONS: [{**session(), **session_changes}],
                                               c.CANDIDATES: [candidate("x", **changes)]})
    outcome = run_on_file(path, "eligibilite", eligibilite, today=TODAY)
    with open_workbook(path, write=False) as book:
        found = book.read(c.CANDIDATES).iloc[0]
    assert found.eligibility == "À compléter"
    for word in words:
        assert word in found.reasons
    assert "manquante" not in found.reasons
    assert outcome.anomalies  # the Journal names the cell too


# --- A retained row without ID: flagged, and nothing produced for it anywhere ----------------------

@pytest.mark.parametrize("blank_id", [None, "   "])
@pytest.mark.parametrize("retained", [True, False])
def test_a_row_without_id_is_to_complete_and_a_retained_one_is_reported(tmp_path, blank_id, retained):
    rows = [candidate("ok", retained=True), candidate(blank_id, retained=retained)]
    path = workbook_with(tmp_path / "w.xlsx", {c.SESSIONS: [session()], c.CANDIDATES: rows})
    outcome = run_on_file(path, "eligibilite", eligibilite, today=TODAY)
    with open_workbook(path, write=False) as book:
        frame = book.read(c.CANDIDATES)
    assert frame.eligibility.tolist() == ["Éligible", "À compléter"]
    assert "« ID » manquant" in frame.reasons.iloc[1]
    said = [a for a in outcome.anomalies if (a.row, a.column) == (3, "ID")]
    assert bool(said) is retained
    if retained:
        assert "ni planning, ni document, ni suivi" in said[0].message


def test_a_retained_row_without_id_gets_no_document_stops_the_planning_and_gets_no_alert(demo_copy, tmp_path):
    from ccc_xl.commands import documents, rotations, suivi

    wb = load_workbook(demo_copy)
    ws = wb["Candidats"]
    headers = [cell.value for cell in ws[1]]
    column = {h: headers.index(h) + 1 for h in headers if h}
    rows = [r for r in range(2, ws.max_row + 1) if ws.cell(r, column["Session"]).value in (2026, 2027)
            and ws.cell(r, column["Retenu"]).value == "Oui"]
    blanked = {}
    for r in [next(r for r in rows if ws.cell(r, column["Session"]).value == year) for year in (2026, 2027)]:
        blanked[ws.cell(r, column["Session"]).value] = (r, ws.cell(r, column["Prénom"]).value, ws.cell(r, column["Nom"]).value)
        ws.cell(r, column["ID"]).value = None
    wb.save(demo_copy)
    with open_workbook(demo_copy, write=False) as book:
        interviews_before = book.read(c.INTERVIEWS)
    with pytest.raises(CommandError) as refused:
        run_on_file(demo_copy, "rotations", rotations, session=2027)
    row, _, _ = blanked[2027]
    assert f"ligne {row}" in str(refused.value) and "« ID »" in str(refused.value)
    made = run_on_file(demo_copy, "documents", documents, session=2027, types=["convocation-coaching"], today=DEMO_TODAY)
    row, first, last = blanked[2027]
    assert not [p for p in made.paths if first in Path(p).name or "Identifiant" in Path(p).name or Path(p).name.endswith(" .docx")]
    assert [a for a in made.anomalies if a.row == row and "sans ID" in a.message]
    with open_workbook(demo_copy, write=False) as book:
        pd.testing.assert_frame_equal(book.read(c.INTERVIEWS), interviews_before)
    followed = run_on_file(demo_copy, "suivi", suivi, today=DEMO_TODAY)
    row, first, _ = blanked[2026]
    assert first not in set(followed.data["alerts"].first_name)
    assert [a for a in followed.anomalies if a.row == row and "sans ID" in a.message]


# --- Département du projet: every way an adviser writes one, against the official list --------------

DEPARTMENTS = [
    # (typed, département it designates or None when it cannot be resolved)
    ("Vienne", "86"), ("vienne", "86"), ("VIENNE", "86"), ("la Vienne", "86"), ("Département de la Vienne", "86"),
    ("86 - Vienne", "86"), ("Vienne (86)", "86"), ("86000", "86"), ("86", "86"), (86, "86"), ("086", "86"),
    ("Poitiers (86)", "86"), ("86 Vienne", "86"),
    ("Deux-Sèvres", "79"), ("deux sevres", "79"), ("DEUX-SEVRES", "79"), ("Deux Sèvres (79)", "79"), ("79000", "79"),
    ("Haute-Vienne", "87"), ("haute vienne", "87"), ("87 - Haute-Vienne", "87"), ("Charente-Maritime", "17"),
    ("2A", "2A"), ("2b", "2B"), ("Corse-du-Sud", "2A"), ("20200", "2B"), ("20000", "2A"),
    ("971", "971"), ("Guadeloupe", "971"), ("97400", "974"), ("La Réunion", "974"), ("Guyane", "973"),
    ("Seine-St-Denis", "93"), ("Côtes d'Armor", "22"), ("1000", "01"), ("6", "06"), ("Paris", "75"),
    ("Poitiers", None), ("hors 86", None), ("Corse", None), ("20", None), ("Haute-Vienne (86)", None), ("99", None),
    ("975", None), ("Deux Sevre", None), ("Vienne ou Charente", None), ("86 ou 79", None), ("?", None),
]


@pytest.mark.parametrize("written, code", DEPARTMENTS, ids=[str(t) for t, _ in DEPARTMENTS])
def test_project_department_written_any_way(written, code):
    found = evaluate(typed(c.CANDIDATES, [candidate("x", project_department=written)]), typed(c.SESSIONS, [session()]),
                     today=TODAY)
    status, reasons = found.computed.eligibility.iloc[0], found.computed.reasons.iloc[0]
    if code is None:
        assert status == "À compléter" and f"département du projet « {written} »" in reasons
        assert [a for a in found.anomalies if a.column == "Département du projet"]
    elif code == "86":
        assert status == "Éligible" and "hors du" not in reasons
    else:
        assert status == "Éligible" and f"Projet en {code} - " in reasons and "hors du 86 - Vienne" in reasons


def test_an_unknown_name_gets_the_closest_names_as_a_suggestion():
    found = evaluate(typed(c.CANDIDATES, [candidate("x", project_department="Deux Sevre")]),
                     typed(c.SESSIONS, [session()]), today=TODAY)
    assert "vouliez-vous dire « 79 - Deux-Sèvres »" in found.computed.reasons.iloc[0]


@pytest.mark.parametrize("vienne", ["Vienne", "Vienne (86)", "86000", "la vienne"])
def test_a_vienne_project_written_as_a_name_ranks_before_a_79_project(vienne):
    rows = [candidate("deux-sevres", project_department="79", expected_release=dt.date(2027, 4, 1)),
            candidate("vienne", project_department=vienne, expected_release=dt.date(2028, 1, 1))]
    found = evaluate(typed(c.CANDIDATES, rows), typed(c.SESSIONS, [session()]), today=TODAY)
    assert found.computed.priority.tolist() == [2, 1]


@pytest.mark.parametrize("priority, project, outside", [("Vienne", "86", False), ("86 - Vienne", "Vienne", False),
                                                         ("Deux-Sèvres", "79000", False), ("79", "Vienne", True)])
def test_the_session_priority_department_is_read_the_same_way(priority, project, outside):
    found = evaluate(typed(c.CANDIDATES, [candidate("x", project_department=project)]),
                     typed(c.SESSIONS, [session(priority_department=priority)]), today=TODAY)
    assert ("hors du" in found.computed.reasons.iloc[0]) is outside


def test_an_unreadable_session_priority_department_is_reported_not_guessed():
    found = evaluate(typed(c.CANDIDATES, [candidate("x", project_department="79")]),
                     typed(c.SESSIONS, [session(priority_department="Poitou")]), today=TODAY)
    assert "Département prioritaire de la session « Poitou » non reconnu" in found.computed.reasons.iloc[0]
    assert [(a.sheet, a.column) for a in found.anomalies] == [("Sessions", "Département prioritaire")]


def test_the_departement_columns_offer_the_official_list():
    wb = load_workbook(Path(__file__).resolve().parent.parent / "workbooks" / "100-chances-vienne.xlsx")
    listed = [row[0] for row in wb["Listes"].iter_rows(values_only=True)]
    headers = [cell.value for cell in wb["Listes"][1]]
    column = headers.index("Departements")
    values = [row[column] for row in wb["Listes"].iter_rows(min_row=2, values_only=True) if row[column]]
    assert len(values) == 101 and values[0] == "01 - Ain" and "86 - Vienne" in values and "2A - Corse-du-Sud" in values
    assert values[-1] == "976 - Mayotte" and "975" not in " ".join(values) and listed
    for sheet, header in (("Candidats", "Département du projet"), ("Sessions", "Département prioritaire"),
                          ("Parcours", "Territoire du relais")):
        ws = wb[sheet]
        letter = ws.cell(1, [cell.value for cell in ws[1]].index(header) + 1).column_letter
        formulas = {dv.formula1.lstrip("=") for dv in ws.data_validations.dataValidation
                    if str(dv.sqref).split(":")[0].rstrip("0123456789") == letter}
        assert formulas == {"lst_Departements"}, sheet


# --- Établissement: the usual spellings of the session's establishment -------------------------------

ESTABLISHMENTS = [
    # (typed, status)
    ("CP Poitiers-Vivonne", "Éligible"), ("C.P. Poitiers-Vivonne", "Éligible"), ("C.P. de Poitiers Vivonne", "Éligible"),
    ("Centre pénitentiaire Poitiers-Vivonne", "Éligible"), ("centre penitentiaire de vivonne", "Éligible"),
    ("Vivonne", "Éligible"), ("CP Vivonne", "Éligible"), ("CP de Poitiers", "Éligible"), ("Poitiers-Vivonne", "Éligible"),
    ("CP Poitiers Vivone", "Éligible"), ("QMA Vivonne", "Éligible"), ("Centre de détention de Vivonne", "Éligible"),
    ("Maison d'arrêt de Niort", "Non éligible"), ("MA Niort", "Non éligible"), ("CD de Bédenac", "Non éligible"),
    ("Maison centrale de Saint-Martin-de-Ré", "Non éligible"), ("CP de Châteauroux", "Non éligible"),
    ("CP", "À compléter"), ("Centre pénitentiaire", "À compléter"), ("Niort", "À compléter"), ("Prison", "À compléter"),
    ("CP de la Vienne", "À compléter"), ("Vivonne / Niort", "À compléter"),
]


@pytest.mark.parametrize("written, status", ESTABLISHMENTS, ids=[t for t, _ in ESTABLISHMENTS])
def test_establishment_written_any_way(written, status):
    found = evaluate(typed(c.CANDIDATES, [candidate("x", institution=written)]), typed(c.SESSIONS, [session()]), today=TODAY)
    assert found.computed.eligibility.iloc[0] == status
    reasons = found.computed.reasons.iloc[0]
    if status == "Non éligible":
        assert f"détenu à « {written} », pas au Centre Pénitentiaire de Poitiers-Vivonne" in reasons
    if status == "À compléter":
        assert f"établissement « {written} » non reconnu : indiquer « Centre Pénitentiaire de Poitiers-Vivonne »" in reasons


@pytest.mark.parametrize("written, status", [("MA Niort", "Éligible"), ("Niort", "Éligible"), ("M.A. de Niort", "Éligible"),
                                             ("CP Poitiers-Vivonne", "Non éligible"), ("Vivonne", "À compléter")])
def test_establishment_of_a_session_held_elsewhere(written, status):
    found = evaluate(typed(c.CANDIDATES, [candidate("x", institution=written)]),
                     typed(c.SESSIONS, [session(institution="Maison d'arrêt de Niort")]), today=TODAY)
    assert found.computed.eligibility.iloc[0] == status


def test_the_establishment_columns_offer_the_session_establishment():
    wb = load_workbook(Path(__file__).resolve().parent.parent / "workbooks" / "100-chances-vienne.xlsx")
    headers = [cell.value for cell in wb["Listes"][1]]
    column = headers.index("Etablissements")
    values = [row[column] for row in wb["Listes"].iter_rows(min_row=2, values_only=True) if row[column]]
    assert values == [c.SESSION_DEFAULTS["institution"]]
    for sheet in ("Candidats", "Sessions"):
        ws = wb[sheet]
        letter = ws.cell(1, [cell.value for cell in ws[1]].index("Établissement") + 1).column_letter
        assert {dv.formula1.lstrip("=") for dv in ws.data_validations.dataValidation
                if str(dv.sqref).split(":")[0].rstrip("0123456789") == letter} == {"lst_Etablissements"}


def test_the_sessions_establishments_are_named_once_each_in_their_official_spelling():
    from ccc_xl.establishments import distinct

    official = "Centre Pénitentiaire de Poitiers-Vivonne"
    typed = ["CP Poitiers-Vivonne", official, "C.P. de Vivonne", "  Maison d'arrêt de Niort ", "MA Niort", "centre penitentiaire poitiers vivonne"]
    assert distinct(typed, official) == [official, "Maison d'arrêt de Niort"]
    assert distinct([], official) == []


def test_a_purged_session_keeps_its_eligibility_and_raises_no_anomaly(demo_copy):
    """After the purge, the pseudonymised candidates are history: re-running the eligibility does
    not turn them « À compléter » for the birth dates the purge erased, nor flag them."""
    from ccc_xl.commands import purger

    run_on_file(demo_copy, "purger", purger, before=2020, confirm=True, today=DEMO_TODAY)
    with open_workbook(demo_copy, write=False) as book:
        before = book.read(c.CANDIDATES)
    again = run_on_file(demo_copy, "eligibilite", eligibilite, today=DEMO_TODAY)
    with open_workbook(demo_copy, write=False) as book:
        after = book.read(c.CANDIDATES)
    purged = before.session.eq(2019).fillna(False)
    assert purged.any() and before.age_band[purged].notna().all()
    pd.testing.assert_frame_equal(after[purged], before[purged])
    assert not [a for a in again.anomalies if a.row in set(before.index[purged])]
    assert any("Session 2019 : 10 candidats pseudonymisés par la purge" in line for line in again.lines)
    assert 2019 not in again.data["counts"]


def test_the_departements_are_pycountry_s_list_read_from_its_data_file():
    """The département list is read from pycountry's data file (fast); it must be what pycountry's
    own API lists, so a pycountry release that moves or reshapes the file is caught here."""
    import pycountry

    from ccc_xl.departments import departments, french_subdivisions

    assert sorted(french_subdivisions()) == sorted((s.code, s.name) for s in pycountry.subdivisions.get(country_code="FR"))
    assert len(departments()) == 101 and departments()[0].label == "01 - Ain" and departments()[-1].code == "976"
