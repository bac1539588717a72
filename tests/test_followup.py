"""`ccc-xl suivi`: each follow-up alert at its boundaries, the special cases, and the command in place."""

import datetime as dt

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from openpyxl import load_workbook

from ccc_xl import contract as c
from ccc_xl import demo as demo_data
from ccc_xl.commands import run_on_file, suivi
from ccc_xl.followup import alerts, in_vienne
from ccc_xl.workbook.file import open_workbook
from ccc_xl.workbook.gateway import RawTable, excel_value, frame_from_raw

from conftest import DEMO_TODAY, run_cli, workbook_with

D = dt.date
END = D(2026, 3, 27)  # Grand Oral: last day of the collective phase
RELEASE = D(2027, 6, 1)


def typed(table, rows):
    """Rows typed exactly as the gateway types what it reads from a workbook."""
    raw = RawTable(table, table.sheet, table.headers,
                   [[excel_value(col, row.get(col.key)) for col in table.columns] for row in rows], 2, 1)
    frame, problems = frame_from_raw(raw)
    assert problems == []
    return frame


def run(au, candidate=(), pathway=None, events=(), actions=(), proposals=()):
    """Alerts on ``au`` for one participant of a session that ended on END."""
    session = {"year": 2026, "coaching_start": D(2026, 3, 23), "coaching_end": D(2026, 3, 26), "grand_oral_date": END}
    person = {"id": "P1", "session": 2026, "last_name": "Aubert", "first_name": "Léa", "retained": True,
              "adviser": "Claire Fontaine", "mission_locale": "ML du Poitou", "expected_release": RELEASE, **dict(candidate)}
    result = alerts(
        typed(c.SESSIONS, [session]), typed(c.CANDIDATES, [person]), typed(c.DEBRIEFING, list(proposals)),
        typed(c.PLANS, [{"participant": "P1", **a} for a in actions]),
        typed(c.FOLLOWUP, [{"participant": "P1", "type": "Entretien ML", **e} for e in events]),
        typed(c.PATHWAYS, [{"participant": "P1", **pathway}] if pathway is not None else []),
        au=au,
    )
    return result


def kinds(au, **world):
    return {row.kind: row for row in run(au, **world).alerts.itertuples()}


# --- Monthly meetings: one rule (contract.MONTHLY_RULE), one definition of a meeting ------------------
# END = 27/03/2026: follow-up month 0 runs 27/03-26/04, month 6 27/09-26/10, month 7 27/10-26/11…

MONTHLY_CASES = [
    # (case, day, meetings, expected alert or None, its due date)
    ("mois-en-cours-non-rencontre", D(2026, 11, 26), [D(2026, 10, 20)], c.ALERT_MONTH_MEETING, D(2026, 11, 26)),
    ("mois-precedent-passe-sans-rencontre", D(2026, 11, 27), [D(2026, 10, 20)], c.ALERT_LATE_MEETING, D(2026, 11, 26)),
    ("rencontre-dans-le-mois-precedent", D(2026, 11, 27), [D(2026, 10, 20), D(2026, 10, 27)], c.ALERT_MONTH_MEETING, D(2026, 12, 26)),
    ("deja-rencontre-ce-mois", D(2026, 11, 20), [D(2026, 10, 20), D(2026, 11, 2)], None, None),
    # 31 days after the last meeting but still in the next follow-up month: not late (no 31-day rule).
    ("32-jours-meme-regle", D(2026, 11, 22), [D(2026, 10, 21)], c.ALERT_MONTH_MEETING, D(2026, 11, 26)),
    ("premier-mois", D(2026, 4, 15), [], c.ALERT_MONTH_MEETING, D(2026, 4, 26)),
    ("premier-mois-passe", D(2026, 4, 27), [], c.ALERT_LATE_MEETING, D(2026, 4, 26)),
    ("le-jour-du-grand-oral-compte", D(2026, 4, 27), [END], c.ALERT_MONTH_MEETING, D(2026, 5, 26)),
    # Three months missed: due at the end of the first one since the last meeting.
    ("plusieurs-mois-manques", D(2026, 8, 1), [D(2026, 4, 1)], c.ALERT_LATE_MEETING, D(2026, 5, 26)),
    ("dernier-mois-de-suivi", D(2027, 3, 27), [D(2027, 2, 1)], c.ALERT_LATE_MEETING, D(2027, 3, 26)),
    ("suivi-termine", D(2027, 3, 28), [D(2027, 2, 1)], None, None),
]


@pytest.mark.parametrize("day, met, kind, due", [case[1:] for case in MONTHLY_CASES], ids=[case[0] for case in MONTHLY_CASES])
def test_one_monthly_rule_in_follow_up_months(day, met, kind, due):
    found = kinds(day, events=[{"date": d} for d in met], pathway={"relay": "ML", "situation_6m": "Formation", "situation_1y": "Formation"})
    meeting = {k: row for k, row in found.items() if k in (c.ALERT_LATE_MEETING, c.ALERT_MONTH_MEETING)}
    assert set(meeting) == ({kind} if kind else set())
    if kind:
        assert (meeting[kind].due, meeting[kind].overdue) == (due, (day - due).days)
        assert "mois de suivi" in meeting[kind].message


def test_months_are_counted_from_date_to_date_even_from_the_31st():
    """A collective phase ending on 31/01: month 1 starts on 28/02 (no 31/02), month 2 on 31/03."""
    session_end = {"coaching_end": D(2027, 1, 31), "grand_oral_date": None, "coaching_start": D(2027, 1, 27)}
    result = alerts(typed(c.SESSIONS, [{"year": 2027, **session_end}]),
                    typed(c.CANDIDATES, [{"id": "P1", "session": 2027, "last_name": "A", "first_name": "B", "retained": True,
                                          "adviser": "X"}]),
                    typed(c.DEBRIEFING, []), typed(c.PLANS, []),
                    typed(c.FOLLOWUP, [{"participant": "P1", "date": D(2027, 2, 27), "type": "Entretien ML"}]),
                    typed(c.PATHWAYS, [{"participant": "P1", "relay": "ML"}]), au=D(2027, 3, 1))
    (alert,) = result.alerts.itertuples()
    assert (alert.kind, alert.due) == (c.ALERT_MONTH_MEETING, D(2027, 3, 30))


NOT_MEETINGS = [t for t in c.FOLLOWUP_TYPES if t not in c.MEETING_TYPES]


@pytest.mark.parametrize("kind", [*c.MEETING_TYPES, *NOT_MEETINGS, None])
def test_only_the_contract_meeting_types_count_on_the_dashboard(kind):
    """The last follow-up month's only Suivi row is of ``kind``: only a meeting type keeps it kept."""
    events = [{"date": D(2026, 9, 30)}, {"date": D(2026, 11, 10), "type": kind}]
    found = kinds(D(2026, 11, 27), events=events)
    if kind == c.REINCARCERATION:
        assert not {c.ALERT_LATE_MEETING, c.ALERT_MONTH_MEETING} & set(found)  # no longer chased at all
        return
    assert (c.ALERT_LATE_MEETING not in found) is (kind in c.MEETING_TYPES)


def test_a_suivi_row_without_type_is_reported():
    result = run(D(2026, 11, 27), events=[{"date": D(2026, 11, 10), "type": None}])
    (anomaly,) = result.anomalies
    assert (anomaly.sheet, anomaly.row, anomaly.column) == ("Suivi", 2, "Type")
    assert "ne compte pas comme rencontre" in anomaly.message


def test_dashboard_states_the_monthly_rule_and_the_meeting_types():
    from ccc_xl.followup import dashboard

    notes = dashboard(run(D(2026, 11, 26), events=[{"date": D(2026, 10, 20)}])).notes
    assert c.MONTHLY_RULE in notes and c.MEETING_RULE in notes
    for kind in c.MEETING_TYPES:
        assert f"« {kind} »" in c.MEETING_RULE


def test_follow_up_starts_at_the_end_of_the_collective_phase_and_lasts_one_year():
    assert run(D(2026, 3, 26)).alerts.empty  # the day before: not yet followed
    assert set(kinds(END + dt.timedelta(days=32))) == {c.ALERT_LATE_MEETING}
    last_day = kinds(D(2027, 3, 27), pathway={"relay": "ML référente"})
    assert c.ALERT_LATE_MEETING in last_day
    after = kinds(D(2027, 3, 28), pathway={"relay": "ML référente"})
    assert set(after) == {c.ALERT_SITUATION_6M, c.ALERT_SITUATION_1Y}


# --- External relay ---------------------------------------------------------------------------

def test_relay_is_due_exactly_60_days_before_release():
    world = {"candidate": {"expected_release": D(2026, 12, 1)}, "events": [{"date": D(2026, 10, 1)}]}
    assert c.ALERT_RELAY not in kinds(D(2026, 10, 1), **world)
    relay = kinds(D(2026, 10, 2), **world)[c.ALERT_RELAY]
    assert (relay.due, relay.overdue) == (D(2026, 12, 1), -60) and "dans 60 jours" in relay.message
    assert c.ALERT_RELAY not in kinds(D(2026, 10, 2), **world, pathway={"relay": "ML du Niortais"})


def test_released_early_the_actual_release_date_counts():
    pathway = {"release_date": D(2026, 9, 1), "adjustment_granted": True, "adjustment_type": "Placement à l'extérieur"}
    relay = kinds(D(2026, 9, 15), events=[{"date": D(2026, 9, 10)}], pathway=pathway)[c.ALERT_RELAY]
    assert (relay.due, relay.overdue) == (D(2026, 9, 1), 14) and "Libéré le 01/09/2026" in relay.message


# --- Actions ----------------------------------------------------------------------------------

@pytest.mark.parametrize("deadline, status, late", [
    (D(2026, 11, 26), "En cours", False),  # due today: not late yet
    (D(2026, 11, 25), "En cours", True),
    (D(2026, 11, 25), None, True),
    (D(2026, 11, 25), "Réalisée", False),
    (D(2026, 11, 25), "Abandonnée", False),
    (None, "À faire", False),
])
def test_action_is_late_the_day_after_its_deadline_unless_closed(deadline, status, late):
    action = {"sphere": "Logement", "action": "Dossier SIAO <urgent> & « 115 »", "owner": "SPIP", "deadline": deadline, "status": status}
    found = kinds(D(2026, 11, 26), events=[{"date": D(2026, 11, 2)}], actions=[action])
    assert (c.ALERT_LATE_ACTION in found) is late
    if late:
        assert found[c.ALERT_LATE_ACTION].overdue == 1
        assert "Dossier SIAO <urgent> & « 115 »" in found[c.ALERT_LATE_ACTION].message
        assert "ligne 2" in found[c.ALERT_LATE_ACTION].message


# --- Situations at 6 months and 1 year ----------------------------------------------------------

def test_situations_are_due_six_months_and_one_year_after_the_action():
    met = [{"date": D(2027, 3, 20)}]
    assert c.ALERT_SITUATION_6M not in kinds(D(2026, 9, 26), events=[{"date": D(2026, 9, 20)}])
    six = kinds(D(2026, 9, 27), events=[{"date": D(2026, 9, 20)}])[c.ALERT_SITUATION_6M]
    assert (six.due, six.overdue) == (D(2026, 9, 27), 0) and "ajoutez une ligne" in six.message
    recorded = {"situation_6m": "Toujours en détention", "relay": "ML référente"}
    assert c.ALERT_SITUATION_1Y not in kinds(D(2027, 3, 26), events=met, pathway=recorded)
    year = kinds(D(2027, 3, 27), events=met, pathway=recorded)
    assert c.ALERT_SITUATION_6M not in year and year[c.ALERT_SITUATION_1Y].overdue == 0


# --- Re-incarcerated, moved out of the Vienne, not retained --------------------------------------

def test_reincarcerated_participant_is_no_longer_chased_but_outcomes_are_still_due():
    world = {"pathway": {"release_date": D(2026, 6, 1), "situation_6m": "Recherche d'emploi"},
             "events": [{"date": D(2026, 7, 1)}, {"date": D(2026, 8, 1), "type": "Réincarcération"}],
             "actions": [{"action": "Inscription France Travail", "deadline": D(2026, 7, 15), "status": "À faire"}]}
    before = kinds(D(2026, 7, 31), **world)
    assert {c.ALERT_RELAY, c.ALERT_LATE_ACTION} <= set(before)
    assert run(D(2026, 11, 26), **world).alerts.empty
    assert set(kinds(D(2027, 4, 1), **world)) == {c.ALERT_SITUATION_1Y}
    recorded = {"pathway": {"situation_6m": "Réincarcération"}, "events": [{"date": D(2026, 5, 1)}]}
    assert run(D(2026, 11, 26), **recorded).alerts.empty


@pytest.mark.parametrize("territory, chased", [("79", False), ("Deux-Sèvres", False), ("deux sevres", False),
                                               ("Haute-Vienne", False), ("87000", False), ("Charente (16)", False),
                                               ("2A", False), ("974", False), ("86", True), ("86000", True),
                                               ("Vienne", True), ("Vienne (86)", True), ("86 - Vienne", True),
                                               ("la vienne", True), ("Poitiers (86)", True)])
def test_released_outside_the_vienne_the_relay_contact_is_the_monthly_meeting(territory, chased):
    world = {"pathway": {"release_date": D(2026, 8, 1), "relay": "ML du territoire", "relay_territory": territory,
                         "situation_6m": "Formation"},
             "events": [{"date": D(2026, 7, 20)}] + [{"date": D(2026, m, 5), "type": "Contact relais"} for m in (8, 9, 10, 11)]}
    assert (c.ALERT_LATE_MEETING in kinds(D(2026, 11, 26), **world)) is chased
    assert in_vienne(territory) is chased


@pytest.mark.parametrize("territory", ["Poitou", "hors 86", "Haute-Vienne (86)"])
def test_an_unresolvable_relay_territory_is_reported_and_not_taken_as_outside(territory):
    world = {"pathway": {"release_date": D(2026, 8, 1), "relay": "ML", "relay_territory": territory},
             "events": [{"date": D(2026, 7, 20)}] + [{"date": D(2026, m, 5), "type": "Contact relais"} for m in (8, 9, 10, 11)]}
    result = run(D(2026, 11, 26), **world)
    assert c.ALERT_LATE_MEETING in set(result.alerts.kind)
    assert [(a.sheet, a.column) for a in result.anomalies] == [("Parcours", "Territoire du relais")]


def test_contact_relais_before_release_does_not_count():
    world = {"pathway": {"release_date": D(2026, 12, 1), "relay": "ML", "relay_territory": "79"},
             "events": [{"date": D(2026, 9, 1)}, {"date": D(2026, 11, 5), "type": "Contact relais"}]}
    assert c.ALERT_LATE_MEETING in kinds(D(2026, 11, 26), **world)


def test_candidates_not_retained_get_no_alert_and_stray_rows_are_reported():
    result = run(D(2026, 11, 26), candidate={"retained": False}, actions=[{"action": "x", "proposal": "P1-P9"}])
    assert result.alerts.empty and result.followed == 0
    where = {(a.sheet, a.row, a.column) for a in result.anomalies}
    assert where == {("Plans d'action", 2, "ID participant"), ("Plans d'action", 2, "Proposition liée")}


@pytest.mark.parametrize("candidate, says", [({"session": 2025}, "session 2025 est absente"),
                                             ({"session": None}, "session (vide)")])
def test_a_participant_without_a_known_session_end_is_reported(candidate, says):
    result = run(D(2026, 11, 26), candidate=candidate)
    assert result.alerts.empty
    (anomaly,) = result.anomalies
    assert (anomaly.sheet, anomaly.row, anomaly.column) == ("Candidats", 2, "Session") and says in anomaly.message


def test_a_linked_proposal_must_exist_in_the_debriefing():
    proposal = {"session": 2026, "participant": "P1", "type": "Parrainage", "id": "P1-P1"}
    ok = run(D(2026, 11, 26), actions=[{"action": "x", "proposal": "P1-P1"}], proposals=[proposal])
    assert ok.anomalies == []


# --- The command, in place ----------------------------------------------------------------------

def all_cells(path, skip=(c.DASHBOARD_SHEET.name, c.JOURNAL.sheet)):
    wb = load_workbook(path)
    return {(ws.title, cell.coordinate): cell.value for ws in wb.worksheets if ws.title not in skip
            for row in ws.iter_rows() for cell in row}


@pytest.fixture
def demo_rows(tmp_path):
    """The demo's data without any step run on it."""
    data = demo_data.build(DEMO_TODAY)
    return workbook_with(tmp_path / "suivi.xlsx", {t: data.rows[t.name] for t in c.INPUT_TABLES})


def test_suivi_writes_only_positive_exits_and_is_idempotent(demo_rows):
    before = all_cells(demo_rows)
    run_on_file(demo_rows, "suivi", suivi, today=DEMO_TODAY)
    first = all_cells(demo_rows)
    positive_column = next(coord for (sheet, coord), v in first.items() if sheet == "Parcours" and v == "Sortie positive à 1 an").rstrip("0123456789")
    changed = {key for key in first if before.get(key) != first[key]}
    assert changed and all(sheet == "Parcours" and coord.rstrip("0123456789") == positive_column for sheet, coord in changed)
    run_on_file(demo_rows, "suivi", suivi, today=DEMO_TODAY)
    assert all_cells(demo_rows) == first
    with open_workbook(demo_rows, write=False) as book:
        pathways = book.read(c.PATHWAYS)
    known = pathways[pathways.situation_1y.notna()]
    assert (known.positive_exit == known.situation_1y.isin(c.POSITIVE_SITUATIONS)).all()
    assert pathways[pathways.situation_1y.isna()].positive_exit.isna().all()


def dashboard_rows(path):
    ws = load_workbook(path)[c.DASHBOARD_SHEET.name]
    ref = ws.tables[c.ALERTS.name].ref
    rows = [[cell.value for cell in row] for row in ws[ref]]
    return ws, [dict(zip(rows[0], r)) for r in rows[1:]]


def test_demo_dashboard_shows_every_kind_by_adviser_most_urgent_first(demo_workbook):
    ws, rows = dashboard_rows(demo_workbook)
    assert ws["A1"].value == "Tableau de bord du suivi au 26/11/2026"
    assert {r["Alerte"] for r in rows} == set(c.ALERT_KINDS)
    advisers = [r["Conseiller"] for r in rows]
    assert advisers == sorted(advisers, key=advisers.index) and len(set(advisers)) == 3  # grouped
    for adviser in set(advisers):
        dues = [r["Échéance"] for r in rows if r["Conseiller"] == adviser]
        assert dues == sorted(dues)
    for r in rows:
        assert r["Retard (jours)"] == (DEMO_TODAY - r["Échéance"].date()).days
    # the re-incarcerated and the participant followed by a relay outside the Vienne are not chased
    with open_workbook(demo_workbook, write=False) as book:
        pathways = book.read(c.PATHWAYS).set_index("participant")
    quiet = [p for p in pathways.index if p.startswith("C2026") and pathways.loc[p, "relay_territory"] == "79"]
    events = load_workbook(demo_workbook)["Suivi"]
    reincarcerated = {row[0] for row in events.iter_rows(values_only=True) if row[2] == c.REINCARCERATION}
    assert quiet and reincarcerated
    assert not [r for r in rows if r["ID participant"] in {*quiet, *reincarcerated} and r["Alerte"] != c.ALERT_SITUATION_6M]
    assert any(c.POSITIVE_EXIT_RULE in (cell.value or "") for cell in ws["A"])


def test_hostile_text_reaches_the_dashboard_verbatim(tmp_path):
    path = workbook_with(tmp_path / "w.xlsx", {
        c.SESSIONS: [{"year": 2026, "coaching_start": D(2026, 3, 23), "grand_oral_date": END}],
        c.CANDIDATES: [{"id": "=P1", "session": 2026, "last_name": "O'Brien", "first_name": "=Zoé 🙂 <&>",
                        "adviser": "Anne \"Nana\" d'Aubigné", "retained": True}],
    })
    run_on_file(path, "suivi", suivi, today=D(2026, 11, 26))
    _, rows = dashboard_rows(path)
    assert {(r["ID participant"], r["Prénom"], r["Conseiller"]) for r in rows} == {("=P1", "=Zoé 🙂 <&>", "Anne \"Nana\" d'Aubigné")}


def test_cli_suivi_reads_french_dates_and_refuses_unreadable_ones(demo_copy):
    ok = run_cli("suivi", demo_copy, "--au", "1er mars 2027")
    assert ok.returncode == 0, ok.stderr
    assert "Suivi au 01/03/2027" in ok.stdout
    assert load_workbook(demo_copy)[c.DASHBOARD_SHEET.name]["A1"].value.endswith("01/03/2027")
    bad = run_cli("suivi", demo_copy, "--au", "31/02/2027")
    assert bad.returncode == 2 and "--au" in bad.stderr and "31/02/2027" in bad.stderr and "Traceback" not in bad.stderr


@pytest.mark.parametrize("au, followed", [(D(2026, 6, 1), 1), (D(2027, 6, 1), 0), (D(2029, 1, 1), 0)])
def test_headline_counts_participants_with_alerts_apart_from_those_in_follow_up(au, followed):
    from ccc_xl.followup import headline

    result = run(au, pathway={"relay": None})
    n = len(result.alerts)
    assert n >= 1
    text = headline(result)
    assert text.startswith(f"{n} alerte{'s' if n > 1 else ''} pour 1 participant ; ")
    assert text.endswith(f"{followed} participant en suivi mensuel")
    assert "(s)" not in text


# --- The monthly rule on every participant at once (the indicators), against each row alone ---------

maybe_day = st.one_of(st.none(), st.dates(D(2024, 1, 1), D(2027, 6, 1)))
people_rows = st.lists(st.fixed_dictionaries({
    "id": st.sampled_from(["P1", "P2", "P3", None]),  # an ID on several rows, and blank IDs
    "coaching_start": maybe_day, "coaching_end": maybe_day, "grand_oral_date": maybe_day,
    "release_date": maybe_day, "expected_release": maybe_day,
    "relay_territory": st.sampled_from([None, "", "86", "79", "Deux-Sèvres", "Vienne", "Haute-Vienne", "nulle part"]),
}), max_size=6)
suivi_rows = st.lists(st.tuples(st.sampled_from(["P1", "P2", "P3", "P9", None]),
                                st.one_of(st.none(), st.datetimes(dt.datetime(2024, 1, 1), dt.datetime(2027, 6, 1))),
                                st.sampled_from([*c.FOLLOWUP_TYPES, None])), max_size=12)


@settings(max_examples=150, deadline=None)
@given(people=people_rows, events=suivi_rows, au=st.dates(D(2024, 1, 1), D(2027, 6, 1)))
def test_kept_months_at_once_are_the_sum_of_each_participant_row_alone(people, events, au):
    """`followup.kept_months` (arrays, every row at once) counts, and `kept_months_by_row` gives for
    each row, what the dashboard's own functions give row by row: A (`end_of_collective_phase`), the release outside the Vienne (`away_since`), the
    months over, the meetings (`is_meeting`) and their month (`month_of`) — with sessions missing
    dates, a Grand Oral before or after the coaching, an ID on several rows, blank IDs, Suivi rows
    without a date or of nobody, meetings at any time of the day."""
    import pandas as pd

    from ccc_xl import followup as fu

    frame = pd.DataFrame(people, columns=["id", *fu.PHASE_DATES, *fu.AWAY_CELLS])
    for name in (*fu.PHASE_DATES, "release_date", "expected_release"):
        frame[name] = pd.to_datetime(frame[name])
    followup = pd.DataFrame(events, columns=["participant", "date", "type"]).astype({"participant": object, "type": object})
    followup["date"] = pd.to_datetime(followup["date"])
    kept, over = [], []  # of each row
    for _, row in frame.iterrows():
        end = fu.end_of_collective_phase(row)
        if end is None:
            kept.append(0), over.append(0)
            continue
        starts = fu.month_starts(end)
        months = sum(1 for start in starts[1:] if start <= au)
        away = fu.away_since(row.release_date, row.expected_release, row.relay_territory)
        own = followup[(followup.participant == row.id) & followup.date.notna()]
        met = {fu.month_of(starts, d.date()) for d in own.date[fu.is_meeting(own.type, own.date, away)]}
        kept.append(len({k for k in met if k is not None and k < months}))
        over.append(months)
    assert fu.kept_months(frame, followup, au) == (sum(kept), sum(over))
    by_row = fu.kept_months_by_row(frame, followup, au)
    assert (by_row[0].tolist(), by_row[1].tolist()) == (kept, over)
