"""Indicators: known answers on small workbooks, the demo's published figures, the sheet and the CLI."""

import datetime as dt
import json

import pandas as pd
import pytest
from dateutil.relativedelta import relativedelta
from hypothesis import given, settings
from hypothesis import strategies as st
from openpyxl import load_workbook

from ccc_xl import contract as c
from ccc_xl import indicators as ind
from ccc_xl.commands import indicateurs, read_sources, run_on_file
from ccc_xl.workbook.file import open_workbook

from conftest import DEMO_TODAY, run_cli, workbook_with

TODAY = dt.date(2025, 6, 30)
D = dt.date


def session(year, start, end=None):
    return {"year": year, "coaching_start": start, "coaching_end": end}


def small_rows():
    """2024 held, 2025 in progress on TODAY, 2027 in preparation; answers worked out by hand."""
    return {
        c.SESSIONS: [session(2024, D(2024, 3, 11), D(2024, 3, 15)), session(2025, D(2025, 3, 10), D(2025, 3, 14)),
                     session(2027, D(2027, 3, 15))],
        c.CANDIDATES: [
            {"id": "A", "session": 2024, "last_name": "Durand", "first_name": "Ali", "retained": True},
            {"id": "B", "session": 2024, "last_name": "Petit", "first_name": "Bo", "retained": True},
            {"id": "C", "session": 2024, "last_name": "Roy", "first_name": "Cy", "retained": True},  # no follow-up at all
            {"id": "D", "session": 2024, "last_name": "Sol", "first_name": "Dan", "retained": False},
            {"id": "E", "session": 2025, "last_name": "Tao", "first_name": "Eva", "retained": True},
            {"id": "F", "session": 2027, "last_name": "Uri", "first_name": "Fay", "retained": True},
        ],
        c.COMPANIES: [
            {"id": "X", "session": 2024, "name": "X"}, {"id": "Y", "session": 2024, "name": "Y"},
            {"id": "X", "session": 2025, "name": "X"}, {"id": "Z", "session": 2025, "name": "Z"},
            {"id": "W", "session": 2027, "name": "W"},
        ],
        c.DEBRIEFING: [
            {"session": 2024, "participant": "A", "company": "X", "type": "Parrainage"},
            {"session": 2024, "participant": "A", "company": "Y", "type": "Conseil"},
            {"session": 2025, "participant": "E", "company": "Z", "type": "Parrainage"},
        ],
        c.FOLLOWUP: [
            {"participant": "A", "date": D(2024, 3, 20), "type": "Entretien ML"},  # month 0
            {"participant": "A", "date": D(2024, 4, 10), "type": "Entretien ML + SPIP"},  # month 0 too
            {"participant": "A", "date": D(2024, 5, 20), "type": "Réincarcération"},  # month 2: not a meeting
            {"participant": "B", "date": D(2024, 5, 20), "type": "Libération"},  # not a meeting either
            {"participant": "A", "date": D(2024, 6, 20), "type": "Entretien ML"},  # month 3
            {"participant": "A", "date": D(2025, 5, 1), "type": "Entretien ML"},  # after the year of follow-up
            {"participant": "E", "date": D(2025, 4, 20), "type": "Entretien ML"},  # month 1
            {"participant": "E", "date": D(2025, 6, 20), "type": "Entretien ML"},  # month 3, not over on TODAY
        ],
        c.PATHWAYS: [
            {"participant": "A", "adjustment_granted": True, "adjustment_type": "Semi-liberté", "release_date": D(2024, 9, 1),
             "relay": "ML Niort", "relay_contact_date": D(2024, 8, 15), "situation_6m": "Formation", "situation_1y": "Formation"},
            {"participant": "B", "adjustment_granted": False, "release_date": D(2024, 10, 1), "relay": "ML",
             "relay_contact_date": D(2024, 11, 1), "situation_1y": "Sans nouvelles"},
            {"participant": "E", "release_date": D(2025, 9, 1)},
        ],
        c.FUNDING: [
            {"session": 2024, "funder": "SPIP", "amount": 6000}, {"session": 2024, "funder": "FIPD", "amount": 3000},
            {"session": 2025, "funder": "SPIP", "amount": 5000}, {"session": 2027, "funder": "SPIP", "amount": 9999},
        ],
    }


def compute(path, today=TODAY, until=None):
    with open_workbook(path, write=False) as book:
        return ind.compute(read_sources(book)[0], today, until)


def test_each_indicator_on_a_small_workbook(tmp_path):
    results = compute(workbook_with(tmp_path / "w.xlsx", small_rows()))
    assert results.years == [2024, 2025]  # 2027 has not started: not a held session
    y24, y25, total = results.values["2024"], results.values["2025"], results.values[results.cumulative]
    assert (y24["sessions"], y25["sessions"], total["sessions"]) == (1, 1, 2)
    assert (y24["candidats"], y24["participants"], total["participants"]) == (4, 3, 4)
    assert (y24["entreprises"], y25["entreprises"], total["entreprises"]) == (2, 2, 3)  # X both years counts once
    assert (y24["propositions_parrainage"], y24["propositions_conseil"], total["propositions_parrainage"]) == (1, 1, 2)
    # One-year situation: A training (positive), B "Sans nouvelles" (known, not positive), C and E unknown.
    assert (y24["situation_1an_connue"], y24["situation_1an_inconnue"], y24["sorties_positives_1an"]) == (2, 1, 1)
    assert y24["taux_sorties_positives_1an"] == 0.5 and y24["part_formation"] == 1.0 and y24["part_emploi"] == 0.0
    assert y25["taux_sorties_positives_1an"] is None and y25["situation_1an_inconnue"] == 1
    assert (total["situation_1an_inconnue"], total["taux_sorties_positives_1an"]) == (2, 0.5)
    assert (y24["amenagements"], y24["amenagements_semi_liberte"], total["taux_amenagements"]) == (1, 1, 0.25)
    assert (y24["situation_6m_formation"], y24["situation_6m_inconnue"]) == (1, 2)
    # Follow-up: 2024 participants have 12 months each, only A met (months 0 and 3); E has 3 months over, met in month 1.
    assert (y24["mois_suivi"], y24["mois_suivi_tenus"]) == (36, 2)
    assert (y25["mois_suivi"], y25["mois_suivi_tenus"]) == (3, 1)
    assert total["taux_suivi_mensuel"] == 3 / 39
    # Relay: A found one before release, B after; E is not released yet.
    assert (total["liberes"], total["relais_avant_liberation"], total["taux_relais_avant_liberation"]) == (2, 1, 0.5)
    assert (y24["financement_spip"], y24["financement_fipd"], y25["financement_fipd"]) == (6000, 3000, 0)
    assert (y24["cout_par_participant"], total["budget_total"], total["cout_par_participant"]) == (3000, 14000, 3500)


def test_a_later_computation_date_counts_the_session_once_started(tmp_path):
    path = workbook_with(tmp_path / "w.xlsx", small_rows())
    later = compute(path, today=D(2027, 4, 1))
    assert later.years == [2024, 2025, 2027] and later.values[later.cumulative]["participants"] == 5
    assert compute(path, today=D(2027, 4, 1), until=2024).years == [2024]


def test_the_demo_gives_the_published_figures(demo_copy):
    def cli(*options):
        done = run_cli("indicateurs", demo_copy, "--json", *options)
        assert done.returncode == 0, done.stderr
        return json.loads(done.stdout)

    everything = cli("--date", DEMO_TODAY.strftime("%d/%m/%Y"))["cumul"]
    assert everything["periode"] == "Cumul 2019–2026"  # the session in preparation (2027) is not counted
    figures = cli("--date", DEMO_TODAY.strftime("%d/%m/%Y"), "--jusqu-a", "2023")
    total = figures["cumul"]
    assert total["periode"] == "Cumul 2019–2023"
    assert (total["sessions"], total["participants"], total["entreprises"]) == (4, 30, 35)
    assert round(100 * total["taux_sorties_positives_1an"]) == 60
    assert (round(100 * total["part_formation"]), round(100 * total["part_emploi"])) == (44, 56)
    assert sorted(figures["annees"]) == ["2019", "2021", "2022", "2023"]
    assert sum(y["participants"] for y in figures["annees"].values()) == 30
    first_three = cli("--jusqu-a", "2022")["cumul"]
    assert (first_three["participants"], first_three["amenagements"]) == (20, 11)


def test_the_sheet_holds_numbers_definitions_and_a_chart(tmp_path):
    path = workbook_with(tmp_path / "w.xlsx", small_rows())
    outcome = run_on_file(path, "indicateurs", indicateurs, today=TODAY)
    ws = load_workbook(path)[c.INDICATORS_SHEET.name]
    assert not [cell.coordinate for row in ws.iter_rows() for cell in row if cell.data_type == "f"]
    rows = {row[0]: row for row in ws.iter_rows(values_only=True) if row[0]}
    header = rows[ind.LABEL]
    assert list(header[:5]) == ["Indicateur", "2024", "2025", "Cumul 2024–2025", "Définition"]
    assert rows["Participants"][1:4] == (3, 1, 4) and rows["Participants"][4]
    assert rows["Taux de sorties positives à 1 an"][1:4] == (0.5, None, 0.5)
    assert len(ws._charts) == 1
    assert any("30/06/2025" in str(cell.value) for cell in ws["A"][:4])  # date of computation
    printed = "\n".join(outcome.table)
    assert "Participants" in printed and "50 %" in printed


def frames_for(assignments):
    """Sources built directly from DataFrames: (year, retained, situation, company id) per candidate."""
    years = sorted({a[0] for a in assignments})
    sessions = pd.DataFrame({"year": pd.array(years, dtype="Int64"), "institution": None,
                             "coaching_start": pd.to_datetime([D(y, 3, 1) for y in years]),
                             "coaching_end": pd.to_datetime([D(y, 3, 5) for y in years]), "grand_oral_date": pd.NaT,
                             "interviews_per_participant": pd.array([None] * len(years), dtype="Int64")})
    ids = [f"P{i}" for i in range(len(assignments))]
    candidates = pd.DataFrame({"id": ids, "session": pd.array([a[0] for a in assignments], dtype="Int64"),
                               "retained": pd.array([a[1] for a in assignments], dtype="boolean"), "expected_release": pd.NaT})
    pathways = pd.DataFrame({"participant": ids, "adjustment_granted": pd.array([None] * len(ids), dtype="boolean"),
                             "adjustment_type": None, "release_date": pd.NaT, "relay": None, "relay_contact_date": pd.NaT,
                             "situation_6m": None, "situation_1y": [a[2] for a in assignments]})
    companies = pd.DataFrame({"id": [a[3] for a in assignments], "session": pd.array([a[0] for a in assignments], dtype="Int64")})
    candidates = candidates.assign(info_meeting=pd.array([None] * len(ids), dtype="Int64"), interview_date=pd.NaT,
                                   volunteer=pd.array([None] * len(ids), dtype="boolean"))
    empty = {t: pd.DataFrame(columns=t.keys) for t in (c.DEBRIEFING, c.FOLLOWUP, c.FUNDING, c.INFO_MEETINGS)}
    empty[c.FOLLOWUP]["date"] = pd.to_datetime(empty[c.FOLLOWUP]["date"])
    frames = {c.SESSIONS.name: sessions, c.CANDIDATES.name: candidates, c.PATHWAYS.name: pathways,
              c.COMPANIES.name: companies, **{t.name: f for t, f in empty.items()}}
    return ind.Sources.single(frames)


@settings(max_examples=40, deadline=None)
@given(st.lists(st.tuples(st.sampled_from([2019, 2021, 2022]), st.booleans(),
                          st.sampled_from([None, *c.SITUATIONS]), st.sampled_from(["E1", "E2", "E3", "E4"])), min_size=1, max_size=25))
def test_cumulative_pools_the_years(assignments):
    results = ind.compute(frames_for(assignments), D(2024, 1, 1))
    total = results.values[results.cumulative]
    yearly = [results.values[str(y)] for y in results.years]
    for key in ("participants", "sorties_positives_1an", "situation_1an_inconnue", "situation_1an_connue", "candidats"):
        assert total[key] == sum(y[key] for y in yearly)
    assert max(y["entreprises"] for y in yearly) <= total["entreprises"] <= sum(y["entreprises"] for y in yearly)
    assert total["entreprises"] == len({a[3] for a in assignments})
    known = total["situation_1an_connue"]
    if known:
        assert total["taux_sorties_positives_1an"] == total["sorties_positives_1an"] / known
    else:
        assert total["taux_sorties_positives_1an"] is None


def test_bilan_shows_the_year_the_cumulative_figures_the_chart_and_odd_names(tmp_path):
    from docx import Document

    from ccc_xl.commands import bilan

    rows = small_rows()
    rows[c.FUNDING].append({"session": 2024, "funder": "Fonds <Spécial> & Cie", "amount": 1000})
    rows[c.STRUCTURES] = [{"name": "Mission Locale Sud Vienne", "kind": "Mission Locale"}]
    path = workbook_with(tmp_path / "w.xlsx", rows)
    with open_workbook(path, write=False) as book:
        outcome = bilan(book, year=2024, output=tmp_path / "bilan.docx", today=TODAY)
    doc = Document(outcome.paths[0])
    cells = {row.cells[0].text: [cell.text for cell in row.cells] for row in doc.tables[0].rows}
    assert cells["Participants"] == ["Participants", "3", "3"]  # until 2024: the cumulative is 2024 alone
    assert cells["Financement Fonds <Spécial> & Cie"][1] == "1\u202f000 €"
    assert cells["Taux de sorties positives à 1 an"][1] == "50 %"
    assert len(doc.inline_shapes) == 1
    text = "\n".join(p.text for p in doc.paragraphs)
    assert c.POSITIVE_EXIT_RULE in text and "Coût par participant : le budget de la session" in text
    assert "onglet" not in text.replace("l'onglet Méthode", "")  # definitions in plain words
    section = doc.sections[0]
    assert (round(section.page_width.mm), round(section.page_height.mm)) == (210, 297)  # A4
    # The footer credits the one Mission Locale of the Structures sheet, no other.
    assert section.footer.paragraphs[-1].text.startswith("Mission Locale Sud Vienne · Page ")
    assert doc.tables[0].rows[0]._tr.trPr.xpath("./w:tblHeader")  # header repeated on every page
    # Each section of the Indicateurs sheet titles its rows, in bold and without figures, and a
    # « dont » line is set in under its total: « Formation » at six months is not « dont formation ».
    labels = [row.cells[0].text for row in doc.tables[0].rows]
    for section in ind.SECTIONS:
        [title] = [row for row in doc.tables[0].rows if row.cells[0].text == section]
        assert [cell.text for cell in title.cells[1:]] == ["", ""]
        assert all(run.bold for run in title.cells[0].paragraphs[0].runs if run.text)
        assert title.cells[0].paragraphs[0].paragraph_format.keep_with_next  # never alone at a page foot
    assert labels.index("Situation à 6 mois") < labels.index("Formation")
    assert all(label.startswith("\u2003dont ") for label in labels if "dont " in label)


# --- One definition of a meeting and of the monthly rule, shared with the dashboard ----------------

def _one_participant(events, pathway=None):
    """One participant of a session whose collective phase ended on 27/03/2026 (Grand Oral)."""
    return {
        c.SESSIONS: [{"year": 2026, "coaching_start": D(2026, 3, 23), "coaching_end": D(2026, 3, 26), "grand_oral_date": D(2026, 3, 27)}],
        c.CANDIDATES: [{"id": "P1", "session": 2026, "last_name": "A", "first_name": "B", "retained": True, "adviser": "X"}],
        c.FOLLOWUP: [{"participant": "P1", **e} for e in events],
        c.PATHWAYS: [{"participant": "P1", "relay": "ML", **(pathway or {})}],
    }


def _both(tmp_path, rows, day):
    """(months kept, months over) of the indicator and the dashboard's meeting alerts, on ``day``."""
    from ccc_xl.commands import suivi

    path = workbook_with(tmp_path / "w.xlsx", rows)
    values = compute(path, today=day).values["2026"]
    outcome = run_on_file(path, "suivi", suivi, today=day)
    alerts = set(outcome.data["alerts"].kind) & {c.ALERT_LATE_MEETING, c.ALERT_MONTH_MEETING}
    return (values["mois_suivi_tenus"], values["mois_suivi"]), alerts


# Month 7 runs 27/10-26/11/2026; on 27/11 it is over. Its only row is of each Suivi type in turn.
@pytest.mark.parametrize("kind", [t for t in c.FOLLOWUP_TYPES if t != c.REINCARCERATION] + [None])
def test_indicator_and_dashboard_count_the_same_meetings(tmp_path, kind):
    events = [{"date": D(2026, 3, 27) + relativedelta(months=m, days=3), "type": "Entretien ML"} for m in range(7)]
    events.append({"date": D(2026, 11, 10), "type": kind})
    (kept, over), alerts = _both(tmp_path, _one_participant(events), D(2026, 11, 27))
    meeting = kind in c.MEETING_TYPES
    assert over == 8 and kept == (8 if meeting else 7)
    assert (c.ALERT_LATE_MEETING in alerts) is not meeting


@pytest.mark.parametrize("territory, counts", [("79", True), ("Deux-Sèvres", True), ("86", False), ("86000", False)])
def test_a_relay_contact_counts_for_both_only_after_a_release_outside_the_vienne(tmp_path, territory, counts):
    events = [{"date": D(2026, 3, 27) + relativedelta(months=m, days=3), "type": "Entretien ML"} for m in range(7)]
    events.append({"date": D(2026, 11, 10), "type": c.RELAY_CONTACT_TYPE})
    rows = _one_participant(events, {"release_date": D(2026, 11, 1), "relay_territory": territory})
    (kept, over), alerts = _both(tmp_path, rows, D(2026, 11, 27))
    assert kept == (8 if counts else 7)
    assert (c.ALERT_LATE_MEETING in alerts) is not counts


@settings(max_examples=25, deadline=None)
@given(met=st.lists(st.dates(D(2026, 3, 27), D(2027, 3, 26)), max_size=8),
       day=st.dates(D(2026, 3, 28), D(2027, 3, 27)))
def test_indicator_and_dashboard_agree_on_the_monthly_rule(tmp_path_factory, met, day):
    """Every month over kept: no late alert; the last month over and the current one without a meeting:
    a late alert."""
    from ccc_xl.followup import alerts as follow, month_of, month_starts
    from ccc_xl.indicators import Sources

    rows = _one_participant([{"date": d, "type": "Entretien ML"} for d in met])
    frames = {t.name: typed_frame(t, rows.get(t, [])) for t in ind.TABLES}
    values = ind.compute(Sources.single(frames), day).values["2026"]
    found = follow(*(frames[t.name] for t in (c.SESSIONS, c.CANDIDATES, c.DEBRIEFING)), typed_frame(c.PLANS, []),
                   frames[c.FOLLOWUP.name], frames[c.PATHWAYS.name], au=day)
    late = c.ALERT_LATE_MEETING in set(found.alerts.kind)
    starts = month_starts(D(2026, 3, 27))
    met_months = {month_of(starts, d) for d in met if d <= day}
    over = values["mois_suivi"]
    assert values["mois_suivi_tenus"] == len({k for k in met_months if k is not None and k < over})
    if over and (over - 1) not in met_months and over not in met_months:
        assert late
    if values["mois_suivi_tenus"] == over:
        assert not late


participants = st.lists(st.fixed_dictionaries({
    "session": st.sampled_from([2024, 2025, 2026]),
    "release_date": st.one_of(st.none(), st.dates(D(2024, 1, 1), D(2027, 6, 1))),
    "expected_release": st.one_of(st.none(), st.dates(D(2024, 1, 1), D(2027, 6, 1))),
    "relay_territory": st.sampled_from([None, "86", "79", "Deux-Sèvres", "Vienne", "Haute-Vienne", "nulle part"]),
    "events": st.lists(st.tuples(st.dates(D(2024, 1, 1), D(2027, 6, 1)),
                                 st.sampled_from([*c.FOLLOWUP_TYPES, None])), max_size=8),
}), min_size=1, max_size=6)


@settings(max_examples=40, deadline=None)
@given(people=participants, day=st.dates(D(2024, 3, 1), D(2027, 6, 1)))
def test_follow_up_months_counted_at_once_are_those_of_each_participant(people, day):
    """Sessions ending on the 31st or a Grand Oral after the coaching, meetings before A and after the
    year, relay contacts after a release in or outside the Vienne: the indicator, which takes every
    participant at once, counts for each participant what the dashboard's rule on that participant's
    own rows gives (`is_meeting`, then `month_of` in the months over)."""
    from ccc_xl import followup as fu

    sessions = [{"year": 2024, "coaching_start": D(2024, 1, 27), "coaching_end": D(2024, 1, 31)},
                {"year": 2025, "coaching_start": D(2025, 3, 10), "coaching_end": D(2025, 3, 14), "grand_oral_date": D(2025, 3, 28)},
                {"year": 2026, "coaching_start": D(2026, 3, 23)}]
    rows = {c.SESSIONS: sessions,
            c.CANDIDATES: [{"id": f"P{n}", "session": p["session"], "last_name": "N", "first_name": "P", "retained": True,
                            "expected_release": p["expected_release"]} for n, p in enumerate(people)],
            c.PATHWAYS: [{"participant": f"P{n}", "release_date": p["release_date"], "relay_territory": p["relay_territory"]}
                         for n, p in enumerate(people)],
            c.FOLLOWUP: [{"participant": f"P{n}", "date": d, "type": t} for n, p in enumerate(people) for d, t in p["events"]]}
    frames = {t.name: typed_frame(t, rows.get(t, [])) for t in ind.TABLES}
    results = ind.compute(ind.Sources.single(frames), day)
    column = results.values[results.cumulative]
    kept = over = 0
    followup = frames[c.FOLLOWUP.name]
    for n, p in enumerate(people):
        session = next(s for s in sessions if s["year"] == p["session"])
        if session["coaching_start"] > day:
            continue  # a session not held on ``day`` is not counted
        end = fu.end_of_collective_phase(session)
        away = fu.away_since(p["release_date"], p["expected_release"], p["relay_territory"])
        own = followup[followup.participant == f"P{n}"]
        starts = fu.month_starts(end)
        months = sum(1 for start in starts[1:] if start <= day)
        met = {fu.month_of(starts, d.date()) for d in own.date[fu.is_meeting(own.type, own.date, away)]}
        kept += len({k for k in met if k is not None and k < months})
        over += months
    assert (column["mois_suivi_tenus"], column["mois_suivi"]) == (kept, over)


def typed_frame(table, rows):
    from ccc_xl.workbook.gateway import RawTable, excel_value, frame_from_raw

    raw = RawTable(table, table.sheet, table.headers, [[excel_value(col, r.get(col.key)) for col in table.columns] for r in rows], 2, 1)
    return frame_from_raw(raw)[0]


def test_definitions_state_the_monthly_rule_and_the_meeting_types(tmp_path):
    results = compute(workbook_with(tmp_path / "w.xlsx", small_rows()))
    definitions = {i.key: i.definition for i in results.indicators}
    assert c.MONTHLY_RULE in definitions["mois_suivi"] and c.MEETING_RULE in definitions["mois_suivi_tenus"]


# --- One rounding rule for every displayed rate ---------------------------------------------------

ROUNDING = [(5, 8, 63), (1, 8, 13), (3, 8, 38), (7, 8, 88), (1, 2, 50), (1, 3, 33), (2, 3, 67), (57, 200, 29),
            (1, 40, 3), (0, 5, 0), (5, 5, 100), (29, 200, 15)]


@pytest.mark.parametrize("numerator, denominator, shown", ROUNDING)
def test_rates_round_half_up(numerator, denominator, shown):
    rate = ind.Indicator("x", "x", "x", ind.RATE)
    assert ind.percent(numerator / denominator) == shown
    assert ind.formatted(rate, numerator / denominator) == f"{shown} %"
    assert ind.displayed(rate, numerator / denominator) == shown / 100


@pytest.mark.parametrize("amount, shown", [(2.5, "3 €"), (3.5, "4 €"), (14554.5, "14\u202f555 €"), (1000 / 3, "333 €")])
def test_amounts_round_half_up_too(amount, shown):
    assert ind.formatted(ind.Indicator("x", "x", "x", ind.MONEY), amount) == shown


def five_positive_of_eight():
    """Eight participants of 2024 whose one-year situation is known, five of them positive (5/8)."""
    situations = ["Formation", "Formation", "Emploi de plus de 6 mois", "Emploi de plus de 6 mois", "Formation",
                  "Sans nouvelles", "Recherche d'emploi", "Réincarcération"]
    return {
        c.SESSIONS: [session(2024, D(2024, 3, 11), D(2024, 3, 15))],
        c.CANDIDATES: [{"id": f"P{i}", "session": 2024, "last_name": "N", "first_name": "P", "retained": True} for i in range(8)],
        c.PATHWAYS: [{"participant": f"P{i}", "situation_1y": s} for i, s in enumerate(situations)],
        c.FUNDING: [{"session": 2024, "funder": "SPIP", "amount": 1000.5}],
    }


def test_five_out_of_eight_is_63_percent_in_the_sheet_the_cli_the_bilan_and_the_export(tmp_path):
    from docx import Document

    from ccc_xl.commands import bilan, export_financeurs
    from conftest import libreoffice_sheets

    path = workbook_with(tmp_path / "w.xlsx", five_positive_of_eight())
    cli = run_cli("indicateurs", path, "--date", "30/06/2025")
    assert cli.returncode == 0, cli.stderr
    assert "63 % de sorties positives" in cli.stdout and "62 %" not in cli.stdout
    printed = next(line for line in cli.stdout.splitlines() if "Taux de sorties positives" in line)
    assert printed.split()[-4:] == ["63", "%", "63", "%"]  # the year and the cumulative column
    rows = {row[0]: row for row in load_workbook(path)[c.INDICATORS_SHEET.name].iter_rows(values_only=True) if row[0]}
    assert rows["Taux de sorties positives à 1 an"][1] == 0.63
    shown = libreoffice_sheets(path, tmp_path / "lo", names=[c.INDICATORS_SHEET.name])[c.INDICATORS_SHEET.name]
    line = next(r for r in shown if r and r[0] == "Taux de sorties positives à 1 an")
    assert [v.replace(" ", "").replace("\u00a0", "") for v in line[1:3]] == ["63%", "63%"]
    with open_workbook(path, write=False) as book:
        report = bilan(book, year=2024, output=tmp_path / "bilan.docx", today=TODAY)
    cells = {row.cells[0].text: [cell.text for cell in row.cells] for row in Document(report.paths[0]).tables[0].rows}
    assert cells["Taux de sorties positives à 1 an"][1:] == ["63 %", "63 %"]
    assert cells["Part formation des sorties positives"][1] == "60 %"
    export = export_financeurs([path], tmp_path / "export.xlsx", today=TODAY).paths[0]
    synthesis = {row[0]: row for row in load_workbook(export)["Synthèse"].iter_rows(values_only=True) if row[0]}
    assert synthesis["Taux de sorties positives à 1 an"][1] == 0.63


# --- One Journal line per run; the figures live in the sheet ----------------------------------------

def journal_rows(path):
    return [row for row in load_workbook(path)[c.JOURNAL.sheet].iter_rows(min_row=2, values_only=True) if any(row)]


@pytest.mark.parametrize("runs", [1, 3, 5])
def test_indicateurs_writes_one_journal_line_per_run(tmp_path, runs):
    path = workbook_with(tmp_path / "w.xlsx", small_rows())
    for _ in range(runs):
        outcome = run_on_file(path, "indicateurs", indicateurs, today=TODAY)
    rows = journal_rows(path)
    assert len(rows) == runs and all(r[1] == "indicateurs" and r[2] == "Info" for r in rows)
    assert rows[-1][6] == outcome.summary and "onglet « Indicateurs »" in outcome.summary
    assert outcome.lines == [] and any("Participants" in line for line in outcome.table)  # printed, not journaled


def test_indicateurs_journals_anomalies_but_no_figures(tmp_path):
    rows = small_rows()
    rows[c.PATHWAYS][0]["release_date"] = "31/02/2024"
    path = workbook_with(tmp_path / "w.xlsx", rows)
    run_on_file(path, "indicateurs", indicateurs, today=TODAY)
    found = journal_rows(path)
    assert [r[2] for r in found] == ["Alerte", "Alerte"] and found[1][3] == "Parcours"
    assert not any("Sessions tenues" in (r[6] or "") for r in found)


# --- The date option that would count a session not held yet ---------------------------------------

NOT_YET = [
    # (sessions, options, words expected in the message)
    ([session(2027, D(2027, 3, 15))], [], ["aucune session tenue au 30/06/2025", "15/03/2027", "--date 15/03/2027"]),
    ([session(2027, D(2027, 3, 15)), session(2028, D(2028, 2, 1))], [], ["--date 15/03/2027"]),
    ([session(2024, D(2024, 3, 11)), session(2027, D(2027, 3, 15))], ["--jusqu-a", "2027"], ["--date 15/03/2027"]),
    ([session(2027, None)], [], ["n'a pas de « Début du coaching »"]),
]


@pytest.mark.parametrize("sessions, options, words", NOT_YET)
def test_indicateurs_before_a_session_is_held_names_the_date_option(tmp_path, sessions, options, words):
    path = workbook_with(tmp_path / "w.xlsx", {c.SESSIONS: sessions})
    done = run_cli("indicateurs", path, "--date", "30/06/2025", *options)
    assert done.returncode == 0, done.stderr
    for word in words:
        assert word in done.stdout


BILAN_NOT_YET = [
    (2027, ["n'est pas encore tenue", "15/03/2027", "--date 15/03/2027"]),
    (2028, ["n'a pas de « Début du coaching »"]),
    (2031, ["Pas de bilan 2031 : la session 2031 n'existe pas", "2024, 2027, 2028"]),
]


@pytest.mark.parametrize("year, words", BILAN_NOT_YET)
def test_bilan_of_a_session_not_held_says_what_would_help(tmp_path, year, words):
    path = workbook_with(tmp_path / "w.xlsx", {c.SESSIONS: [session(2024, D(2024, 3, 11)), session(2027, D(2027, 3, 15)),
                                                            session(2028, None)]})
    done = run_cli("bilan", path, "--annee", year, "--date", "30/06/2025")
    assert done.returncode == 1 and "Traceback" not in done.stderr
    for word in words:
        assert word in done.stderr
    later = run_cli("bilan", path, "--annee", "2027", "--date", "15/03/2027")
    assert later.returncode == 0, later.stderr


# --- bilan reads the workbook and writes only its document -----------------------------------------

def test_bilan_leaves_the_workbook_untouched_and_writes_the_file_its_help_names(tmp_path):
    import hashlib
    import re

    path = workbook_with(tmp_path / "w.xlsx", small_rows())
    run_on_file(path, "indicateurs", indicateurs, today=D(2024, 6, 1))  # an older Indicateurs sheet stays as it is
    before = hashlib.sha256(path.read_bytes()).hexdigest(), path.stat().st_mtime_ns, sorted(p.name for p in tmp_path.iterdir())
    help_text = run_cli("bilan", "--help").stdout
    default = re.search(r"« (Bilan[^»]*ANNÉE[^»]*\.docx) »", " ".join(help_text.split())).group(1)
    done = run_cli("bilan", path, "--annee", "2024", "--date", "30/06/2025")
    assert done.returncode == 0, done.stderr
    written = tmp_path / default.replace("ANNÉE", "2024")
    assert written.exists() and str(written.name) in done.stdout and "sans être modifié" in done.stdout
    after = hashlib.sha256(path.read_bytes()).hexdigest(), path.stat().st_mtime_ns, sorted(p.name for p in tmp_path.iterdir() if p != written)
    assert after == before  # same bytes, same time, no backup folder, no other file


def test_the_chart_years_are_numbers(tmp_path):
    path = workbook_with(tmp_path / "w.xlsx", small_rows())
    run_on_file(path, "indicateurs", indicateurs, today=TODAY)
    ws = load_workbook(path)[c.INDICATORS_SHEET.name]
    header = next(row for row in ws.iter_rows() if row[0].value == ind.YEAR)
    years = [ws.cell(header[0].row + k, 1).value for k in (1, 2)]
    assert years == [2024, 2025]


# --- The recruitment funnel, per session and cumulated --------------------------------------------

def funnel_rows():
    """2024: two meetings with typed counts (14 and 9 present, 6 and 4 volunteers); 2025: one meeting
    with blank counts (its candidates count) and a candidate attached to a meeting the sheet does not
    list; 2027 in preparation (not counted on TODAY)."""
    def cand(id, year, meeting=None, volunteer=None, interview=None, retained=False):
        return {"id": id, "session": year, "last_name": "N", "first_name": "P", "info_meeting": meeting,
                "volunteer": volunteer, "interview_date": interview, "retained": retained}
    rows = small_rows()
    rows[c.INFO_MEETINGS] = [
        {"session": 2024, "date": D(2024, 1, 10), "number": 1, "attendees": 14, "volunteers": 6},
        {"session": 2024, "date": D(2024, 1, 24), "number": 2, "attendees": 9, "volunteers": 4},
        {"session": 2025, "date": D(2025, 1, 15), "number": 1},
        {"session": 2027, "date": D(2027, 1, 15), "number": 1, "attendees": 30, "volunteers": 20},
    ]
    rows[c.CANDIDATES] = [
        cand("A", 2024, 1, True, D(2024, 2, 1), True), cand("B", 2024, 1, True, D(2024, 2, 1), True),
        cand("C", 2024, 2, True, D(2024, 2, 2), True), cand("D", 2024, 2, True, D(2024, 2, 2)),
        cand("G", 2024, None, None, D(2024, 2, 3)),  # referred without attending a meeting
        cand("E", 2025, 1, True, D(2025, 2, 1), True), cand("H", 2025, 1, False), cand("I", 2025, 1, True, D(2025, 2, 1)),
        cand("J", 2025, 3, True),  # meeting 3 is not on the Réunions sheet: still informed and volunteer
        cand("F", 2027, 1, True, D(2027, 2, 1), True),
    ]
    return rows


def test_the_recruitment_funnel_per_session_and_cumulated(tmp_path):
    path = workbook_with(tmp_path / "w.xlsx", funnel_rows())
    results = compute(path)
    funnel = ind.funnel_frame(results).set_index("Session")
    assert funnel.loc["2024"].tolist() == [23, 10, 5, 3]
    assert funnel.loc["2025"].tolist() == [4, 3, 2, 1]
    assert funnel.loc[results.cumulative].tolist() == [27, 13, 7, 4]  # 2027 has not started
    assert list(funnel.columns) == ["Détenus informés", "Volontaires", "Entretiens individuels", "Retenus"]
    run_on_file(path, "indicateurs", indicateurs, today=TODAY)
    ws = load_workbook(path)[c.INDICATORS_SHEET.name]
    cells = [row for row in ws.iter_rows(values_only=True)]
    section = next(i for i, row in enumerate(cells) if row[0] == "Recrutement")
    steps = cells[section + 1: section + 5]  # the section's lines, under its title
    shown = {row[0]: row[1:4] for row in steps}
    assert shown == {"Détenus informés": (23, 4, 27), "Volontaires": (10, 3, 13), "Entretiens individuels": (5, 2, 7),
                     "Retenus": (3, 1, 4)}
    assert all(row[4] for row in steps)  # each step has its definition


def test_the_funnel_reaches_the_funders_synthesis(tmp_path):
    from ccc_xl.commands import export_financeurs

    path = workbook_with(tmp_path / "w.xlsx", funnel_rows())
    export = export_financeurs([path], tmp_path / "export.xlsx", today=TODAY).paths[0]
    rows = {row[0]: row for row in load_workbook(export)["Synthèse"].iter_rows(values_only=True) if row[0]}
    assert rows["Détenus informés"][1:4] == (23, 4, 27) and rows["Retenus"][1:4] == (3, 1, 4)


def test_the_demo_funnel_matches_the_recruitment_tables(demo_copy):
    from ccc_xl.recruitment import funnel

    with open_workbook(demo_copy, write=False) as book:
        expected = funnel(book.read(c.CANDIDATES), book.read(c.INFO_MEETINGS))
        results = ind.compute(read_sources(book)[0], DEMO_TODAY)
    shown = ind.funnel_frame(results).set_index("Session")
    for year in results.years:
        assert shown.loc[str(year)].tolist() == expected.loc[year].tolist()
    assert shown.loc[results.cumulative].tolist() == expected.loc[results.years].sum().tolist()


def test_a_year_whose_one_year_situations_are_all_unknown_has_no_exit_bar(demo_copy):
    with open_workbook(demo_copy, write=False) as book:
        results = ind.compute(read_sources(book)[0], DEMO_TODAY)
    frame = ind.chart_frame(results).set_index(ind.YEAR)
    exits = frame[ind.CHART_SERIES[1]]
    for year in results.years:
        known = results.value(str(year), "situation_1an_connue")
        if known:
            assert exits[year] == results.value(str(year), "sorties_positives_1an")
        else:
            assert pd.isna(exits[year]), year  # not a bar at zero that a funder reads as 0 %
    assert exits.isna().any() and exits.notna().any()  # the demo has both kinds of years


# --- Every column at once (the export's 200 workbooks) against each column computed alone -------

YEARS = (2022, 2023, 2024, 2025)
some_day = st.dates(D(2022, 1, 1), D(2025, 12, 31))
pool = st.sampled_from(["P1", "P2", "P3", "P4", None])  # an ID on several rows (and sessions), blank IDs


def mostly(strategy):
    """``strategy``'s values, and now and then a blank cell."""
    return st.one_of(strategy, strategy, strategy, st.none())


@st.composite
def session_rows(draw):
    """Sessions mostly started in their year's spring: a year entered twice, a session without dates."""
    return [{"year": year, "institution": draw(st.sampled_from([None, "Vivonne", "Niort"])),
             "coaching_start": draw(st.dates(D(year, 1, 1), D(year, 6, 30)) if draw(st.integers(0, 5)) < 5 else st.none()),
             "coaching_end": draw(mostly(st.dates(D(year, 3, 1), D(year, 7, 31)))),
             "grand_oral_date": draw(st.one_of(st.none(), st.dates(D(year, 3, 1), D(year, 7, 31)))),
             "interviews_per_participant": draw(st.one_of(st.none(), st.integers(1, 4)))}
            for year in draw(st.lists(st.sampled_from(YEARS), min_size=1, max_size=4))]


workbook_rows = st.fixed_dictionaries({
    c.SESSIONS: session_rows(),
    c.CANDIDATES: st.lists(st.fixed_dictionaries({
        "id": pool, "session": mostly(st.sampled_from(YEARS)), "last_name": st.just("N"), "first_name": st.just("P"),
        "retained": st.sampled_from([True, True, True, False, None]), "expected_release": st.one_of(st.none(), some_day)}),
        min_size=1, max_size=8),
    c.COMPANIES: st.lists(st.fixed_dictionaries({"id": st.sampled_from(["E1", "E2", None]), "session": mostly(st.sampled_from(YEARS)),
                                                 "name": st.just("E")}), max_size=4),
    c.DEBRIEFING: st.lists(st.fixed_dictionaries({"session": mostly(st.sampled_from(YEARS)), "participant": pool,
                                                  "type": st.sampled_from([None, *c.PROPOSAL_TYPES])}), max_size=5),
    c.FOLLOWUP: st.lists(st.fixed_dictionaries({"participant": pool, "date": mostly(some_day),
                                                "type": st.sampled_from([None, *c.FOLLOWUP_TYPES])}), min_size=1, max_size=12),
    c.PATHWAYS: st.lists(st.fixed_dictionaries({  # a participant without a row, or with two
        "participant": pool, "adjustment_granted": st.one_of(st.none(), st.booleans()),
        "adjustment_type": st.sampled_from([None, *c.ADJUSTMENT_TYPES]), "release_date": st.one_of(st.none(), some_day),
        "relay": st.sampled_from([None, "ML Niort"]), "relay_contact_date": st.one_of(st.none(), some_day),
        "relay_territory": st.sampled_from([None, "86", "79"]), "situation_6m": st.sampled_from([None, *c.SITUATIONS]),
        "situation_1y": st.sampled_from([None, *c.SITUATIONS])}), max_size=6),
    c.FUNDING: st.lists(st.fixed_dictionaries({"session": mostly(st.sampled_from(YEARS)), "funder": st.sampled_from(["SPIP", "FIPD", None]),
                                               "amount": st.one_of(st.none(), st.integers(0, 9000))}), max_size=4),
})


@settings(max_examples=60, deadline=None)
@given(workbooks=st.lists(workbook_rows, min_size=1, max_size=3), day=st.dates(D(2024, 7, 1), D(2025, 12, 31)),
       until=mostly(st.none()) | st.sampled_from(YEARS))
def test_every_column_at_once_gives_each_column_computed_alone(workbooks, day, until):
    """`compute` finds the participants and their follow-up months once for all the columns: the figures
    of each column are those `figures` gives for that column's sessions alone — with sessions entered twice or without dates,
    candidates without a session, IDs on several rows, participants without a Parcours row; and the
    counts by list value (situations, adjustments, proposals) are those of each value's rows."""
    from ccc_xl import funders

    tables = [{t.name: typed_frame(t, rows.get(t, [])) for t in ind.TABLES} for rows in workbooks]
    src = funders.consolidate(tables, [f"classeur {n}" for n in range(len(tables))]).sources
    results = ind.compute(src, day, until)
    held = ind.held_sessions(src[c.SESSIONS], day, until)
    keys = pd.MultiIndex.from_arrays([held.source, held.year.astype("Int64")])
    subsets = {str(y): keys[keys.get_level_values(1) == y] for y in results.years} | {results.cumulative: keys}
    alone = {column: ind.figures(src, subset, day) for column, subset in subsets.items()}
    assert list(results.values) == list(alone)
    for column, expected in alone.items():
        got = results.values[column]
        # Counts by list value, row by row.
        people = ind.participants_of(src, subsets[column])
        granted = people.adjustment_granted.fillna(False).astype(bool)
        proposals = src[c.DEBRIEFING][ind.in_sessions(src[c.DEBRIEFING], subsets[column])]
        assert [got[f"situation_6m_{ind.slug(s)}"] for s in c.SITUATIONS] == [int((people.situation_6m == s).sum()) for s in c.SITUATIONS]
        assert [got[f"amenagements_{ind.slug(k)}"] for k in c.ADJUSTMENT_TYPES] == [
            int((granted & (people.adjustment_type == k)).sum()) for k in c.ADJUSTMENT_TYPES]
        assert [got[f"propositions_{ind.slug(k)}"] for k in c.PROPOSAL_TYPES] == [int((proposals.type == k).sum()) for k in c.PROPOSAL_TYPES]
        absent_funders = {k: 0.0 for k in set(got) - set(expected) if k.startswith("financement_")}
        assert got == {**expected, **absent_funders}, column
        assert {k: type(v) for k, v in got.items()} == {k: type(v) for k, v in {**expected, **absent_funders}.items()}, column
