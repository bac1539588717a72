"""Interview rotations: binômes, schedule, checker, infeasibility advice, Grand Oral."""

from __future__ import annotations

import datetime as dt
import shutil
from itertools import combinations

import pandas as pd
import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from openpyxl import Workbook as XlBook
from openpyxl import load_workbook

from ccc_xl import contract
from ccc_xl.rotation import (RotationError, build_instance, check_schedule, cyclic_schedule,
                             evaluate, plan_rotations, verify_rotations)
from ccc_xl.workbook.layout import render_sheet

DOMAINS, TYPES = contract.ROME_DOMAINS, contract.COMPANY_TYPES
DAY = dt.date(2027, 3, 4)  # the interview day of the Grand Oral cases
EMPLOYER = TYPES[0]


def people(n, unavailable=None, domains=None):
    unavailable = unavailable or {}
    return pd.DataFrame([{
        "id": f"C-{i}", "first_name": f"Prénom{i}",
        "domain": (domains or DOMAINS)[i % len(domains or DOMAINS)],
        "unavailability": unavailable.get(i),
    } for i in range(n)], index=range(2, n + 2))


def firms(n, types=TYPES, fixed=None, presence=None):
    fixed, presence = fixed or {}, presence or {}
    return pd.DataFrame([{
        "id": f"E-{i}", "name": f"Société {i} & fils", "type": types[i % len(types)],
        "domain": DOMAINS[i % len(DOMAINS)], "fixed_pair": fixed.get(i),
        "arrival": presence.get(i, (None, None))[0], "departure": presence.get(i, (None, None))[1],
    } for i in range(n)], index=range(2, n + 2))


def keyed(frame: pd.DataFrame, table: contract.Table) -> pd.DataFrame:
    """A displayed frame read back with column keys, Excel rows as index (as the gateway does)."""
    frame = frame.rename(columns={c.header: c.key for c in table.columns})
    frame.index = range(2, len(frame) + 2)
    return frame


def meetings(rotation):
    return {(i.participant, i.binome) for i in rotation.schedule.interviews}


# --- binômes ---------------------------------------------------------------------------------

def test_fixed_pairs_are_kept_as_given():
    rotation = plan_rotations(people(4), firms(8, fixed={0: "X", 4: "X", 1: "Y", 2: "Y"}), {})
    groups = {frozenset(c.id for c in b.companies) for b in rotation.instance.binomes}
    assert {"E-0", "E-4"} in [set(g) for g in groups]
    assert {"E-1", "E-2"} in [set(g) for g in groups]


@pytest.mark.parametrize("n_firms, fixed, sizes", [
    (7, {}, [2, 2, 3]),
    (8, {}, [2, 2, 2, 2]),
    (11, {0: "X", 1: "X"}, [2, 2, 2, 2, 3]),  # once 2, 3, 3, 3: three trios where one suffices
    (12, {0: "X", 1: "X"}, [2, 2, 2, 2, 2, 2]),
    (13, {0: "X", 1: "X", 2: "Y", 3: "Y"}, [2, 2, 2, 2, 2, 3]),
    (10, {0: "X", 1: "X", 2: "X"}, [2, 2, 3, 3]),  # an imposed trio stays; 7 left: one more trio
    (9, {0: "X", 1: "X", 2: "X"}, [2, 2, 2, 3]),  # imposed trio, 6 left: pairs only
    (9, {0: "seul"}, [2, 2, 2, 3]),  # a value only one company carries imposes nothing
    (15, {}, [2, 2, 2, 2, 2, 2, 3]),
    (21, {}, [2] * 9 + [3]),
])
def test_binomes_are_pairs_with_one_trio_only_when_the_free_count_is_odd(n_firms, fixed, sizes):
    companies = firms(n_firms, fixed=fixed)
    instance = build_instance(people(3), companies, {})
    assert sorted(len(b.companies) for b in instance.binomes) == sizes
    free = [b for b in instance.binomes if not b.fixed]
    n_free = sum(len(b.companies) for b in free)
    assert sum(len(b.companies) == 3 for b in free) == n_free % 2
    assert sorted(c.id for b in instance.binomes for c in b.companies) == sorted(companies["id"])


@pytest.mark.parametrize("n_firms, fixed, said", [
    (7, {}, ["3 binômes : 2 paires d'entreprises et 1 trio.",
             "les 7 entreprises hors binômes imposés sont en nombre impair"]),
    (11, {0: "X", 1: "X"}, ["5 binômes : 4 paires d'entreprises et 1 trio ; 1 imposé",
                            "les 9 entreprises hors binômes imposés sont en nombre impair"]),
    (8, {}, ["4 binômes : 4 paires d'entreprises."]),
    (9, {0: "seul"}, ["« seul » (« Binôme imposé ») n'est indiqué que pour Société 0 & fils"]),
    (10, {0: "X", 1: "X", 2: "X"}, ["Le binôme imposé B1 compte 3 entreprises"]),
    (3, {0: "X", 1: "X"}, ["Société 2 & fils est la seule entreprise hors binômes imposés"]),
])
def test_the_summary_and_the_binomes_sheet_say_how_binomes_were_formed(n_firms, fixed, said):
    rotation = plan_rotations(people(1), firms(n_firms, fixed=fixed), {"interviews_per_participant": 1})
    notes = rotation.sheet_contents()[0].notes
    assert any("une seule d'entre elles complète une paire (un trio)" in n for n in notes)
    for text in said:
        assert any(text in line for line in rotation.journal_lines()), (text, rotation.journal_lines())
        assert any(text in n for n in notes)
    trios = sum(len(b.companies) == 3 for b in rotation.instance.binomes)
    assert ("(dont 1 trio)" in rotation.trio_note) == (trios == 1)


def _best_split_score(companies, trio):
    """Brute force: the best total mix score over every split into pairs (and one trio if ``trio``)."""
    from ccc_xl.rotation.binomes import mix_score
    if not companies:
        return 0 if not trio else float("-inf")
    first, rest = companies[0], companies[1:]
    options = [mix_score((first, rest[i])) + _best_split_score(rest[:i] + rest[i + 1:], trio)
               for i in range(len(rest))]
    if trio:
        options += [mix_score((first, rest[i], rest[j])) +
                    _best_split_score([c for k, c in enumerate(rest) if k not in (i, j)], False)
                    for i, j in combinations(range(len(rest)), 2)]
    return max(options, default=float("-inf"))


@settings(max_examples=40, deadline=None)
@given(kinds=st.lists(st.tuples(st.sampled_from(TYPES[:3]), st.sampled_from(DOMAINS[:3])),
                      min_size=4, max_size=9))
def test_pairing_reaches_the_best_mix_of_every_split(kinds):
    """The trio is searched among one representative per combination of kinds: still exact."""
    from ccc_xl.rotation.binomes import _partition, mix_score
    from ccc_xl.rotation.model import Company
    companies = [Company(f"E{i}", f"E{i}", t, d) for i, (t, d) in enumerate(kinds)]
    groups = _partition(companies)
    assert sorted(len(g) for g in groups).count(3) == len(companies) % 2
    assert sum(mix_score(g) for g in groups) == _best_split_score(companies, len(companies) % 2 == 1)


# --- schedule rules --------------------------------------------------------------------------

def test_every_participant_meets_enough_distinct_binomes_never_twice():
    rotation = plan_rotations(people(10), firms(12), {})
    per_person = {}
    for i in rotation.schedule.interviews:
        per_person.setdefault(i.participant, []).append(i.binome)
    assert all(len(b) == len(set(b)) == 3 for b in per_person.values())
    assert len(per_person) == 10
    assert check_schedule(rotation.instance, rotation.schedule.interviews) == []


def test_unavailability_is_respected():
    rotation = plan_rotations(people(6, unavailable={0: "09:00-10:30", 3: "9h-9h45 ; 11:00-12:00"}),
                              firms(8), {})
    slots = {s.number: s for s in rotation.instance.slots}
    for i in rotation.schedule.interviews:
        start = slots[i.slot].start
        if i.participant == "C-0":
            assert start >= 10 * 60 + 30
        if i.participant == "C-3":
            assert start >= 9 * 60 + 45 and not (11 * 60 - 20 < start < 12 * 60)


def test_company_presence_is_respected():
    presence = {0: (dt.time(10, 0), None), 1: (None, dt.time(11, 0))}
    rotation = plan_rotations(people(6), firms(8, presence=presence), {})
    slots = {s.number: s for s in rotation.instance.slots}
    for i in rotation.schedule.interviews:
        ids = {c.id for b in rotation.instance.binomes if b.label == i.binome for c in b.companies}
        if "E-0" in ids:
            assert slots[i.slot].start >= 600
        if "E-1" in ids:
            assert slots[i.slot].end <= 660


@pytest.mark.parametrize("rooms", [1, 2, 4])
def test_parallel_interviews_never_exceed_rooms(rooms):
    rotation = plan_rotations(people(5), firms(8), {"rooms": rooms})
    per_slot = pd.Series([i.slot for i in rotation.schedule.interviews]).value_counts()
    assert per_slot.max() <= rooms
    assert {i.room for i in rotation.schedule.interviews} <= set(range(1, rooms + 1))


def test_solver_beats_the_cyclic_rotation_on_a_real_session():
    rotation = plan_rotations(people(10), firms(12), {})
    assert rotation.schedule.optimal
    assert rotation.schedule.objectives.key < rotation.baseline.key
    assert rotation.schedule.objectives.relevant > rotation.baseline.relevant
    assert rotation.schedule.objectives.slots < rotation.baseline.slots


# --- the priority order: the day's length first --------------------------------------------

BUSY_MID_MORNING = {i: "10:00-10:45" for i in range(0, 20, 5)}


@pytest.mark.parametrize("n_people, n_firms, session, unavailable", [
    (10, 10, {}, {}),
    (10, 10, {"rooms": 4}, BUSY_MID_MORNING),
    (10, 12, {"rooms": 3, "max_consecutive": 1}, {}),
    (8, 8, {"rooms": 2}, {1: "09:00-09:45", 6: "13:30-15:00"}),
    (12, 24, {}, {0: "11:00-12:00", 3: "09:00-10:00"}),
    (6, 8, {"interviews_per_participant": 4, "max_consecutive": 3}, {2: "9:50-10:40"}),
])
def test_the_day_is_as_short_as_possible_whatever_the_end_time_allows(n_people, n_firms, session,
                                                                      unavailable):
    """« Heure de fin » only limits the day: a later end never gives a longer planning (once 8
    slots ending 13:50 where 6 slots ending 11:25 were possible)."""
    participants, companies = people(n_people, unavailable), firms(n_firms)
    rotation = plan_rotations(participants, companies, session)
    objectives = rotation.schedule.objectives
    assert objectives.empty == 0
    last = rotation.instance.slots[objectives.slots - 1]
    tight = plan_rotations(participants, companies, {**session, "day_end": dt.time(*divmod(last.end, 60))})
    assert tight.schedule.objectives.slots == objectives.slots
    assert "Créneaux utilisés : " + str(objectives.slots) + " (optimal prouvé)" in rotation.schedule.stages
    with pytest.raises(RotationError):  # one slot less is impossible
        plan_rotations(participants, companies, {**session, "day_end": dt.time(*divmod(last.end - 1, 60))})


def test_a_shorter_day_comes_first_and_the_report_says_what_it_costs():
    """The cyclic rotation meets the afternoon binôme (more variety) but ends at 13:50: the planning
    ends at 09:20 with less variety, and says so objective by objective."""
    presence = {0: (dt.time(13, 30), None), 1: (dt.time(13, 30), None)}
    companies = firms(4, types=(TYPES[1], TYPES[2], EMPLOYER, EMPLOYER), fixed={0: "Y", 1: "Y", 2: "X", 3: "X"},
                      presence=presence)
    rotation = plan_rotations(people(1), companies, {"interviews_per_participant": 1})
    planned, cyclic = rotation.schedule.objectives, rotation.baseline
    assert (planned.slots, cyclic.slots) == (1, 8)
    assert planned.variety < cyclic.variety
    assert rotation.schedule.optimal
    lines = " ".join(rotation.journal_lines())
    assert "créneaux utilisés 1 contre 8 (mieux)" in lines
    assert "variété 1 contre 2 (moins bien)" in lines
    assert "« Variété » : le planning gagne sur « Créneaux utilisés », prioritaire" in lines
    assert "fait au moins aussi bien" not in lines


@pytest.mark.parametrize("unavailable, session", [
    ({0: "09:25-09:45", 1: "09:25-09:45"}, {"rooms": 2}),  # slot 2: only two of four people free
    ({0: "09:50-10:35", 1: "09:50-10:35", 2: "09:50-10:35"}, {"rooms": 1}),
    ({}, {"rooms": 1, "max_consecutive": 1}),
    ({i: "10:00-10:35" for i in range(3)}, {"rooms": 3}),
])
def test_no_slot_is_left_empty_for_everyone_before_the_last_interview(unavailable, session):
    rotation = plan_rotations(people(4, unavailable), firms(8), session)
    used = {i.slot for i in rotation.schedule.interviews}
    assert used == set(range(1, max(used) + 1)), sorted(used)
    assert rotation.schedule.objectives.empty == 0


def test_a_slot_is_left_empty_only_when_no_planning_of_that_length_can_fill_it():
    # Three people are away 10:00-11:00 (slots 3 to 5): only the fourth could be interviewed then,
    # and never three times in a row; a 7-slot day is the shortest, and it has one empty slot.
    rotation = plan_rotations(people(4, {i: "10:00-11:00" for i in range(3)}), firms(8), {"rooms": 3})
    assert (rotation.schedule.objectives.slots, rotation.schedule.objectives.empty) == (7, 1)
    assert rotation.schedule.optimal


# --- infeasibility, in French, with remedies that each suffice -----------------------------

def assert_each_remedy_suffices(instance, error):
    """Every remedy offered, applied alone, gives a planning; a combined one is needed whole."""
    from ccc_xl.rotation import solve_schedule
    from ccc_xl.rotation.remedies import Remedy
    assert error.remedies, error.reasons
    text = " ".join(error.reasons)
    for remedy in error.remedies:
        assert remedy.text in text
        changed = remedy.apply(instance)
        schedule = solve_schedule(changed, time_limit=5.0)
        assert check_schedule(changed, schedule.interviews) == []
        if " et " in remedy.text and not remedy.lift:  # given together: no part is enough alone
            for part in remedy.params:
                with pytest.raises(RotationError):
                    solve_schedule(Remedy("", (part,)).apply(instance), time_limit=5.0)


INFEASIBLE = [
    # 1 room, a day ending 12:00: once « ajoutez 2 salle(s), ou formez au moins 5 binômes », neither
    # of which was enough alone.
    ("une-salle-midi", people(10), firms(6), {"rooms": 1, "day_end": dt.time(12, 0)},
     "Il faut au moins 30 créneaux pour 30 entretiens avec 1 entretien en parallèle ; la journée "
     "n'en compte que 7 entre 09:00 et 12:00.",
     ["indiquez 2 dans « Salles » (1 salle de plus) et indiquez 16:45 ou plus tard dans « Heure de fin »",
      "indiquez 5 dans « Salles » (4 salles de plus) et inscrivez 4 entreprises de plus (2 binômes)"]),
    ("une-salle-midi-5-binomes", people(10), firms(10), {"rooms": 1, "day_end": dt.time(12, 0)}, None,
     ["indiquez 5 dans « Salles » (4 salles de plus)"]),
    # 2 rooms ending 11:00: once « ajoutez 3 salle(s) », not enough alone (5 binômes, 5 slots).
    ("deux-salles-11h", people(10), firms(10), {"rooms": 2, "day_end": dt.time(11, 0)},
     "la journée n'en compte que 5 entre 09:00 et 11:00",
     ["indiquez 16:45 ou plus tard dans « Heure de fin »"]),
    ("deux-binomes", people(4), firms(4), {},
     "Il n'y a que 2 binômes (4 entreprises) pour 3 entretiens par participant",
     ["inscrivez 2 entreprises de plus (1 binôme)", "indiquez 2 dans « Entretiens par participant »"]),
    ("une-salle", people(10), firms(12), {"rooms": 1},
     "Il faut au moins 30 créneaux pour 30 entretiens avec 1 entretien en parallèle ; la journée "
     "n'en compte que 16", ["indiquez 2 dans « Salles » (1 salle de plus)"]),
    ("journee-courte", people(3), firms(6),
     {"day_start": dt.time(11, 0), "lunch_start": None, "lunch_end": None, "day_end": dt.time(12, 0)},
     "La journée ne compte que 2 créneaux de 20 min entre 11:00 et 12:00",
     ["indiquez 13:50 ou plus tard dans « Heure de fin »"]),
    ("absent-toute-la-journee", people(2, unavailable={1: "08:00-20:00"}), firms(6), {},
     "Prénom1 (C-1) ne peut rencontrer que 0 binôme",
     ["levez les indisponibilités de Prénom1 (C-1) (« Indisponibilités »)"]),
    ("indisponibles-apres-10h40", people(2, unavailable={0: "10:40-18:00", 1: "10:40-18:00"}), firms(6),
     {"rooms": 1, "max_consecutive": 3}, "Aucun planning ne respecte toutes les règles de la session.",
     ["indiquez 2 dans « Salles » (1 salle de plus)",
      "levez les indisponibilités de Prénom0 (C-0) (« Indisponibilités »)",
      "levez les indisponibilités de Prénom1 (C-1) (« Indisponibilités »)"]),
    ("entreprises-l-apres-midi", people(4), firms(6, presence={i: (dt.time(13, 30), None) for i in range(4)}),
     {"day_end": dt.time(12, 0)}, None,
     ["laissez vides « Arrivée » et « Départ » des entreprises (présentes toute la journée)"]),
    ("entretiens-d-affilee", people(1), firms(6), {"rooms": 1, "max_consecutive": 1,
                                                   "day_start": dt.time(9, 0), "day_end": dt.time(10, 10)},
     "Prénom0 (C-0) ne peut passer que 2 entretiens", ["indiquez 3 dans « Entretiens consécutifs max »"]),
    # A Grand Oral on the interview day at 10:00: the interviews must be over by 09:55.
    ("grand-oral-10h", people(6), firms(8), {"interviews_date": DAY, "grand_oral_date": DAY,
                                              "grand_oral_start": dt.time(10, 0)},
     "entre 09:00 et 09:55 (le Grand Oral a lieu le même jour à 10:00, « Heure du Grand Oral »",
     ["indiquez 11:05 ou plus tard dans « Heure du Grand Oral »",
      "placez le Grand Oral un autre jour que les entretiens (« Date du Grand Oral »)"]),
    ("grand-oral-tot-une-salle", people(6), firms(8),
     {"interviews_date": DAY, "grand_oral_date": DAY, "rooms": 1, "grand_oral_start": dt.time(10, 0)},
     None, ["indiquez 2 dans « Salles » (1 salle de plus) et placez le Grand Oral un autre jour"]),
]


@pytest.mark.parametrize("name, participants, companies, session, diagnosis, offered", INFEASIBLE,
                         ids=[case[0] for case in INFEASIBLE])
def test_an_impossible_planning_says_why_and_offers_remedies_each_sufficient(
        name, participants, companies, session, diagnosis, offered):
    with pytest.raises(RotationError) as error:
        plan_rotations(participants, companies, session)
    text = " ".join(error.value.reasons)
    if diagnosis:
        assert diagnosis in text
    for remedy in offered:
        assert remedy in text
    assert "INFEASIBLE" not in text
    assert_each_remedy_suffices(build_instance(participants, companies, session), error.value)


def test_the_day_ends_at_the_session_end_time_and_the_advice_works():
    session = {"day_end": dt.time(11, 0), "rooms": 2}  # 09:00-11:00: 5 slots of 20 + 5 min
    with pytest.raises(RotationError) as error:
        plan_rotations(people(4), firms(6), session)
    text = " ".join(error.value.reasons)
    assert "Il faut au moins 6 créneaux pour 12 entretiens avec 2 entretiens en parallèle ; la " \
           "journée n'en compte que 5 entre 09:00 et 11:00." in text
    assert "indiquez 3 dans « Salles » (1 salle de plus)" in text
    assert "indiquez 11:25 ou plus tard dans « Heure de fin »" in text
    session["day_end"] = dt.time(11, 25)  # as advised: the sixth slot is 11:05-11:25
    rotation = plan_rotations(people(4), firms(6), session)
    assert max(i.slot for i in rotation.schedule.interviews) == 6
    assert check_schedule(rotation.instance, rotation.schedule.interviews) == []


@pytest.mark.parametrize("text", ["10-11h30h", "demain", "14:00-13:00", "25:00-26:00"])
def test_unreadable_unavailability_points_at_the_cell(text):
    with pytest.raises(RotationError) as error:
        plan_rotations(people(3, unavailable={1: text}), firms(6), {})
    assert error.value.problems[0][:3] == ("Candidats", 3, "Indisponibilités")
    assert "ligne 3" in str(error.value)


# --- Grand Oral ------------------------------------------------------------------------------

def test_grand_oral_gives_everyone_a_passage_outside_unavailability():
    rotation = plan_rotations(people(5, unavailable={0: "09:30-10:00", 2: "09:30-09:50"}), firms(6), {})
    passages = rotation.grand_oral
    assert [p.rank for p in passages] == [1, 2, 3, 4, 5]
    assert sorted(p.participant.id for p in passages) == [f"C-{i}" for i in range(5)]
    for p in passages:
        assert p.participant.free(p.start, p.end)
    assert passages[-1].end == 10 * 60 + 20  # no pause needed: 5 passages of 10 min from 09:30


# --- outputs ---------------------------------------------------------------------------------

def test_frames_carry_the_contract_headers_and_one_row_per_interview():
    rotation = plan_rotations(people(6), firms(8), {})
    frames = rotation.frames()
    assert list(frames["Entretiens"].columns) == contract.INTERVIEWS.headers
    assert len(frames["Entretiens"]) == 18
    assert list(frames["Binômes"].columns) == contract.BINOMES.headers
    assert list(frames["Grand Oral"].columns) == contract.GRAND_ORAL.headers
    grid = frames["Planning"]
    names = {v for b in rotation.instance.binomes for v in grid[b.label] if v}
    assert names == {f"Prénom{i}" for i in range(6)}


# --- checker on hand-edited schedules --------------------------------------------------------

@pytest.fixture(scope="module")
def planned():
    participants = people(6, unavailable={0: "13:30-18:00"})
    companies = firms(8)
    rotation = plan_rotations(participants, companies, {})
    recorded = companies.assign(pair=rotation.company_pairs(companies)["pair"])
    edited = keyed(rotation.frames()["Entretiens"], contract.INTERVIEWS)
    return participants, recorded, edited


def test_checker_accepts_the_schedule_as_written(planned):
    participants, companies, edited = planned
    assert verify_rotations(participants, companies, edited, {}) == []


def _edit(planned, change):
    participants, companies, edited = planned
    edited = edited.copy()
    change(edited)
    return verify_rotations(participants, companies, edited, {})


def test_checker_reports_an_interview_during_unavailability(planned):
    def move(f):
        row = f.index[f["participant"] == "C-0"][0]
        f.loc[row, ["slot", "start"]] = [9, dt.time(13, 30)]
    assert any("Prénom0 (C-0) est indisponible au créneau 9" in v for v in _edit(planned, move))


def test_checker_reports_a_dropped_interview(planned):
    violations = _edit(planned, lambda f: f.drop(index=f.index[0], inplace=True))
    assert any("ne rencontre que 2 binômes ; il en faut au moins 3" in v for v in violations)


def test_checker_reports_the_same_binome_twice_and_clashes(planned):
    def duplicate(f):
        first = f.index[f["participant"] == "C-1"]
        f.loc[first[1], "binome"] = f.loc[first[0], "binome"]
    violations = _edit(planned, duplicate)
    assert any("rencontre le binôme" in v and "2 fois" in v for v in violations)


def test_checker_reports_a_time_typed_without_changing_the_slot(planned):
    def retime(f):
        f.loc[f.index[0], "start"] = dt.time(16, 0)
    violations = _edit(planned, retime)
    assert any("l'heure 16:00 ne correspond pas au créneau" in v for v in violations)


def test_checker_reports_an_unknown_participant(planned):
    def corrupt(f):
        f.loc[f.index[0], "participant"] = "=HACK()"
    violations = _edit(planned, corrupt)
    assert any("« =HACK() » n'est pas un participant retenu" in v for v in violations)


def test_checker_reports_two_interviews_in_one_room(planned):
    def share_room(f):
        busiest = f["slot"].value_counts().idxmax()
        rows = f.index[f["slot"] == busiest]
        f.loc[rows[1], "room"] = f.loc[rows[0], "room"]
    violations = _edit(planned, share_room)
    assert any("La salle" in v and "accueille 2 entretiens" in v for v in violations)


# --- properties on random small instances ----------------------------------------------------

def _clock(minutes):
    return f"{minutes // 60}:{minutes % 60:02d}"


@st.composite
def instances(draw, company_hours=True, tight=False):
    """Small sessions: unavailabilities, fixed pairs, rooms, interviews in a row, end of day, and
    (optionally) company hours and a Grand Oral on the interview day."""
    n_people = draw(st.integers(1, 6))
    n_firms = draw(st.integers(2, 8))
    unavailable = {}
    for i in range(n_people):
        if draw(st.booleans()):
            start = draw(st.integers(9 * 60, 16 * 60))
            length = draw(st.integers(15, 180))
            unavailable[i] = f"{_clock(start)}-{_clock(start + length)}"
    fixed = {i: "F" for i in range(n_firms) if i < 2 and draw(st.booleans())}
    presence = {}
    if company_hours:
        for i in range(n_firms):
            if draw(st.integers(0, 4)) == 0:
                presence[i] = draw(st.sampled_from([(dt.time(10, 0), None), (None, dt.time(11, 0)),
                                                    (dt.time(13, 30), None)]))
    ends = [dt.time(10, 0), dt.time(11, 0), dt.time(12, 0)] if tight else \
        [dt.time(11, 0), dt.time(12, 0), dt.time(17, 30)]
    session = {
        "interviews_per_participant": draw(st.integers(1, 3)),
        "rooms": draw(st.integers(1, 4)),
        "max_consecutive": draw(st.integers(1, 3)),
        "day_end": draw(st.sampled_from(ends)),
    }
    if company_hours and draw(st.integers(0, 3)) == 0:
        session.update(interviews_date=DAY, grand_oral_date=DAY,
                       grand_oral_start=draw(st.sampled_from([dt.time(10, 0), dt.time(11, 30), None])))
    return people(n_people, unavailable), firms(n_firms, fixed=fixed, presence=presence), session


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(instances(company_hours=False))
def test_the_day_is_the_relaxation_s_shortest_with_no_empty_slot_that_could_be_filled(case):
    """On random feasible sessions (companies there all day): the day's length is the minimum the
    timing relaxation alone finds, and no slot is empty for everyone before the last interview
    unless every plan of that length leaves one empty (the relaxation's own minimum)."""
    from ccc_xl.rotation.schedule import _Timing, shortest_day
    participants, companies, session = case
    instance = build_instance(participants, companies, session)
    try:
        rotation = plan_rotations(participants, companies, session, time_limit=5.0)
    except RotationError:
        event("impossible")
        assert shortest_day(instance, 5.0)[0] is None or cyclic_schedule(instance) is None
        return
    schedule = rotation.schedule
    assert check_schedule(rotation.instance, schedule.interviews) == []
    assert schedule.objectives == evaluate(rotation.instance, schedule.interviews)
    shortest, proven, _ = shortest_day(instance, 5.0)
    assert proven and schedule.objectives.slots == shortest
    least_empty = _Timing(instance, shortest, exact=True).bound("empty", {}, 5.0)
    assert schedule.objectives.empty == least_empty
    used = {i.slot for i in schedule.interviews}
    assert len(set(range(1, max(used) + 1)) - used) == least_empty
    event(f"empty slots: {least_empty}")
    baseline = cyclic_schedule(instance)
    if baseline is not None:
        assert check_schedule(instance, baseline) == []
        assert schedule.objectives.key <= evaluate(instance, baseline).key  # never worse in priority order


def _least(relaxation, name, seconds):
    """The model's optimum of ``name``: (solver, value), value None when it has no plan; None when
    not settled within ``seconds``."""
    from ortools.sat.python import cp_model

    from ccc_xl.rotation.schedule import _optimise
    _optimise(relaxation.model, relaxation.objectives[name], name)
    solver, status = relaxation.solve(seconds)
    if status not in (cp_model.OPTIMAL, cp_model.INFEASIBLE):
        return None
    return solver, round(solver.objective_value) if status == cp_model.OPTIMAL else None


@st.composite
def crowded_days(draw):
    """Small sessions where interviews must wait: few rooms, several interviews each, some in a row
    at most, unavailabilities, sometimes company hours; with the length of the day to plan, from
    the shortest possible."""
    from ccc_xl.rotation.schedule import shortest_day
    n_people, n_firms = draw(st.integers(2, 6)), draw(st.integers(4, 10))
    unavailable = {}
    for i in range(n_people):
        if draw(st.integers(0, 2)) == 0:
            start = draw(st.integers(9 * 60, 16 * 60))
            unavailable[i] = f"{_clock(start)}-{_clock(start + draw(st.integers(15, 120)))}"
    presence = {}
    if draw(st.booleans()):
        for i in range(n_firms):
            if draw(st.integers(0, 2)) == 0:
                presence[i] = draw(st.sampled_from([(dt.time(10, 0), None), (None, dt.time(11, 0)),
                                                    (dt.time(13, 30), None)]))
    session = {"interviews_per_participant": draw(st.integers(2, 4)), "rooms": draw(st.integers(1, 3)),
               "max_consecutive": draw(st.integers(1, 3)),
               "day_end": draw(st.sampled_from([dt.time(12, 0), dt.time(15, 0), dt.time(17, 30)]))}
    instance = build_instance(people(n_people, unavailable), firms(n_firms, presence=presence), session)
    shortest = shortest_day(instance, 5.0)[0]
    if shortest is None:
        event("no plan at all")
        shortest = len(instance.slots)
    return instance, min(shortest + draw(st.integers(0, 2)), len(instance.slots))


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(crowded_days())
def test_the_timing_relaxation_by_patterns_gives_valid_bounds_on_empty_and_idle_slots(case):
    """The bounds on empty and idle slots come from the timing relaxation written by patterns. On
    random small sessions and days of several lengths: with companies there all day it has a plan
    exactly when the slot-by-slot relaxation has one, the same fewest empty slots, then the same
    fewest idle slots (valid, and as tight); with company hours it never claims more than the
    whole model solved to optimality (fewer or as many empty slots, then as many idle slots at
    most); its plan keeps every rule of a participant's day, each interview with its own binôme."""
    from itertools import permutations

    from ccc_xl.rotation.schedule import _keep, _Model, _Patterns, _Timing
    instance, k = case
    patterns = _Patterns.build(instance, k)
    assert patterns is not None  # small sessions have few patterns
    if instance.company_hours:
        reference = _Model(instance, k)
        reference.keep("slots", k, exact=True)
    else:
        reference = _Timing(instance, k, exact=True)
    frozen = {}
    for name in ("empty", "gaps"):
        settled = _least(reference, name, 5.0)
        if settled is None:  # the slot-by-slot relaxation and the whole model can be slow to prove
            event("reference not proven in time")
            return
        best = settled[1]
        solver, by_patterns = _least(patterns, name, 20.0)  # proven at once, or a failure
        if instance.company_hours:
            assert best is None or (by_patterns is not None and by_patterns <= best), name
        else:
            assert by_patterns == best, name
        if best is None:
            event("no plan this long")
            return
        frozen[name] = best
        for relaxation in (patterns, reference):
            _keep(relaxation.model, relaxation.objectives[name], name, best, exact=True)
    plan, params, n_b = patterns.plan(solver), instance.params, len(instance.binomes)
    busy = [[(p, s) in plan for s in range(k)] for p in range(len(instance.participants))]
    assert all(sum(row) == instance.required for row in busy)
    assert all(instance.usable[p][s] for p, s in plan)
    assert all(not all(row[s] for s in window) for row in busy for window in instance.consecutive_windows()
               if window[-1] < k)
    assert all(sum(row[s] for row in busy) <= min(params.rooms, sum(here[s] for here in instance.here))
               for s in range(k))
    assert not instance.company_hours or all(
        any(all(instance.here[b][s] for b, s in zip(chosen, slots)) for chosen in permutations(range(n_b), len(slots)))
        for slots in ([s for s in range(k) if row[s]] for row in busy))
    assert any(row[k - 1] for row in busy)
    idle = sum(max(s for s in range(k) if row[s]) - min(s for s in range(k) if row[s]) + 1 - instance.required
               for row in busy if any(row))
    assert k - sum(any(row[s] for row in busy) for s in range(k)) == frozen["empty"]
    assert idle == frozen["gaps"] if not instance.company_hours else idle <= frozen["gaps"]
    event(f"{'company hours' if instance.company_hours else 'all day'}, {frozen['gaps']} idle slots")


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(instances())
def test_every_objective_said_proven_optimal_is_the_best_possible_after_the_previous_ones(case):
    """On random small sessions (unavailabilities, company hours, rooms, interviews in a row, a
    Grand Oral the same day): each objective the Journal says proven optimal, after objectives all
    proven, has the value the whole model solved to optimality stage by stage gives; no bound of a
    relaxation claimed more than it may, and no planning beats that reference."""
    from ortools.sat.python import cp_model

    from ccc_xl.rotation.model import OBJECTIVES
    from ccc_xl.rotation.schedule import _Model, _optimise
    participants, companies, session = case
    try:
        rotation = plan_rotations(participants, companies, session, time_limit=5.0)
    except RotationError:
        event("impossible")
        return
    instance, planned = rotation.instance, rotation.schedule
    reference = _Model(instance, len(instance.slots))
    best = []
    for name, _, _ in OBJECTIVES:
        _optimise(reference.model, reference.objectives[name], name)
        solver, status = reference.solve(20.0)
        if status != cp_model.OPTIMAL:
            event("reference not proven in time")
            return
        best.append(round(solver.objective_value))
        reference.keep(name, best[-1], exact=True)
    values = [getattr(planned.objectives, name) for name, _, _ in OBJECTIVES]
    key = lambda vs: tuple(-v if larger else v for v, (_, _, larger) in zip(vs, OBJECTIVES))  # noqa: E731
    assert key(best) <= key(values)
    for name_value, stage, value, optimum in zip(OBJECTIVES, planned.stages, values, best):
        if "(optimal prouvé)" not in stage:
            break
        assert value == optimum, (name_value[0], stage, optimum)
    event("proven optimal" if planned.optimal else "not all proven")


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(instances(tight=True))
def test_on_an_impossible_session_every_single_remedy_offered_is_enough(case):
    participants, companies, session = case
    instance = build_instance(participants, companies, session)
    try:
        plan_rotations(participants, companies, session, time_limit=5.0)
    except RotationError as error:
        assert error.reasons and all(r[0].isupper() or r.startswith("-") for r in error.reasons)
        assert cyclic_schedule(instance) is None  # the naive rotation cannot do it either
        event(f"remedies offered: {len(error.remedies)}")
        if error.remedies:
            assert_each_remedy_suffices(instance, error)
        else:
            assert "ne suffit, même combinés" in " ".join(error.reasons)


def test_generated_sheets_are_written_and_read_back_through_the_file_gateway(tmp_path):
    rotation = plan_rotations(people(6), firms(8), {})
    book = XlBook()
    for content in rotation.sheet_contents():
        render_sheet(book.create_sheet(content.sheet), content)
    path = tmp_path / "rotations.xlsx"
    book.save(path)
    saved = load_workbook(path)
    assert {"tblBinomes", "tblEntretiens", "tblGrandOral"} <= {
        name for ws in saved.worksheets for name in ws.tables}
    planning_text = {c.value for row in saved["Planning"].iter_rows() for c in row}
    assert {f"Prénom{i}" for i in range(6)} <= planning_text


# --- the command on a workbook: a broken planning is never reported as a success ------------

YEAR = 2027


def rotation_workbook(path, n_people=6, n_firms=8, session=None, companies=None):
    """A ccc-xl workbook holding one session (``session`` overrides its Sessions cells)."""
    from conftest import workbook_with

    sessions = [{"year": YEAR, "coaching_start": dt.date(YEAR, 3, 1), **(session or {})}]
    candidates = [{**row, "session": YEAR, "retained": True, "last_name": f"Nom{k}"}
                  for k, row in enumerate(people(n_people).to_dict("records"))]
    firms_rows = [{**row, "session": YEAR} for row in
                  (companies if companies is not None else firms(n_firms)).to_dict("records")]
    return workbook_with(path, {contract.SESSIONS: sessions, contract.CANDIDATES: candidates,
                                contract.COMPANIES: firms_rows})


def run_cli(*args):
    from click.testing import CliRunner

    from ccc_xl.cli import main
    return CliRunner().invoke(main, [str(a) for a in args])


def journal_rows(path):
    """The Journal's filled rows, as (header, rows)."""
    ws = load_workbook(path)["Journal"]
    header = [c.value for c in ws[1]]
    return header, [r for r in ws.iter_rows(min_row=2, values_only=True) if any(v is not None for v in r)]


def run_level(path, before: int):
    """The Journal level of the summary line written after the first `before` rows (one run's first line).

    Counted by rows, not by timestamp: two runs within the same second share one.
    """
    header, rows = journal_rows(path)
    return rows[before][header.index("Niveau")]


def flat(text: str) -> str:
    """Console output with rich's line wrapping undone."""
    return " ".join(text.split())


def _header_row(ws):
    return next(r for r in range(1, 10) if ws.cell(r, 1).value == "Créneau")


def _set(row_offset, column, value):
    def change(ws, _):
        top = _header_row(ws)
        col = next(c.column for c in ws[top] if c.value == column)
        ws.cell(top + row_offset, col).value = value
    return change


def _copy_binome(ws, _):
    top = _header_row(ws)
    head = {c.value: c.column for c in ws[top]}
    rows = range(top + 1, ws.max_row + 1)
    by_slot = {}
    for r in rows:
        by_slot.setdefault(ws.cell(r, head["Créneau"]).value, []).append(r)
    first, second = next(v for v in by_slot.values() if len(v) > 1)[:2]
    ws.cell(second, head["Binôme"]).value = ws.cell(first, head["Binôme"]).value


@pytest.fixture(scope="module")
def verified_workbook(tmp_path_factory):
    """A workbook planned by `rotations`, then checked by `rotations --verifier`: its path, both
    runs' results and the check's Journal level. Built once for the tests below (one xdist group),
    which copy it before breaking it."""
    path = rotation_workbook(tmp_path_factory.mktemp("verifie") / "classeur.xlsx")
    planned = run_cli("rotations", path)
    before = len(journal_rows(path)[1])
    clean = run_cli("rotations", "--verifier", path)
    return path, planned, clean, run_level(path, before)


@pytest.mark.xdist_group("rotations-verifier")
@pytest.mark.parametrize("change, expected", [
    # An ID is read as an ID (upper case, no spaces); its & and < stay as typed.
    (_set(1, "ID participant", "C-99 & <fils>"), "« C-99&<FILS> » n'est pas un participant retenu"),
    (_set(1, "Créneau", 40), "le créneau 40 n'existe pas"),
    (_set(2, "Binôme", "B99"), "le binôme « B99 » n'existe pas"),
    (_copy_binome, "reçoit 2 participants en même temps"),
])
def test_verifier_with_broken_rules_fails_without_a_tick(tmp_path, verified_workbook, change, expected):
    source, planned, clean, level = verified_workbook
    assert planned.exit_code == 0, planned.output
    assert clean.exit_code == 0 and "✔" in clean.output, clean.output
    assert level == "Info"
    path = tmp_path / "classeur.xlsx"
    shutil.copyfile(source, path)
    wb = load_workbook(path)
    change(wb["Entretiens"], None)
    wb.save(path)
    before = len(journal_rows(path)[1])
    result = run_cli("rotations", "--verifier", path)
    assert result.exit_code == 1, result.output
    assert "✔" not in result.output and "✘" in result.output
    assert "non respectée" in result.output and expected in flat(result.output)
    assert run_level(path, before) == "Alerte"


# --- the Grand Oral on the interview day ------------------------------------------------------

def _grand_oral_respects_the_interviews(rotation):
    params, slots = rotation.instance.params, {s.number: s for s in rotation.instance.slots}
    finished = max(slots[i.slot].end for i in rotation.schedule.interviews)
    assert rotation.grand_oral[0].start >= finished + params.changeover_minutes
    frame = keyed(rotation.frames()["Grand Oral"], contract.GRAND_ORAL)
    from ccc_xl.rotation import check_grand_oral
    assert check_grand_oral(rotation.instance, rotation.schedule.interviews, frame) == []
    return finished


@pytest.mark.parametrize("n_people, session, first_passage", [
    # Default « Heure du Grand Oral » (09:30): the Grand Oral follows the last interview.
    (5, {"rooms": 1, "max_consecutive": 3}, None),
    (8, {"rooms": 2, "day_end": dt.time(16, 0)}, None),
    (6, {}, None),
    # A time the adviser typed after the interviews is kept.
    (6, {"grand_oral_start": dt.time(14, 0)}, 14 * 60),
    # A time the adviser typed: interviews are planned to end before it, changeover included.
    (6, {"rooms": 2, "grand_oral_start": dt.time(15, 0)}, 15 * 60),
    (2, {"rooms": 3, "grand_oral_start": dt.time(11, 0)}, 11 * 60),
])
def test_a_grand_oral_on_the_interview_day_starts_after_the_last_interview(n_people, session, first_passage):
    session = {"interviews_date": DAY, "grand_oral_date": DAY, **session}
    rotation = plan_rotations(people(n_people), firms(8), session)
    finished = _grand_oral_respects_the_interviews(rotation)
    if first_passage is not None:
        assert rotation.grand_oral[0].start == first_passage
    else:
        assert rotation.grand_oral[0].start == finished + 5
    assert any("Grand Oral le jour des entretiens" in line for line in rotation.journal_lines())


def test_a_grand_oral_on_another_day_keeps_its_time():
    session = {"interviews_date": DAY, "grand_oral_date": DAY + dt.timedelta(days=1),
               "rooms": 1, "max_consecutive": 3}
    rotation = plan_rotations(people(5), firms(8), session)
    assert rotation.grand_oral[0].start == 9 * 60 + 30
    assert max(i.slot for i in rotation.schedule.interviews) > 8  # interviews go on into the afternoon


@pytest.mark.parametrize("session, fix", [
    # The default morning Grand Oral on its own day ends before lunch: the meal is a lunch.
    ({"grand_oral_date": DAY + dt.timedelta(days=1)}, None),
    ({"grand_oral_date": DAY + dt.timedelta(days=1), "grand_oral_start": dt.time(11, 0)}, None),
    ({"grand_oral_date": DAY}, None),  # short interview morning, then the Grand Oral, then lunch
    # An afternoon Grand Oral: the letters' « suivi d'un repas commun » would be a late meal.
    ({"grand_oral_date": DAY + dt.timedelta(days=1), "grand_oral_start": dt.time(14, 0)},
     "avancez « Heure du Grand Oral »"),
    ({"grand_oral_date": DAY + dt.timedelta(days=1), "grand_oral_start": dt.time(12, 30),
      "lunch_end": dt.time(13, 0)}, "avancez « Heure du Grand Oral »"),
    ({"grand_oral_date": DAY, "rooms": 2},
     "placez le Grand Oral le matin d'un autre jour que les entretiens (« Date du Grand Oral »)"),
])
def test_a_grand_oral_ending_after_lunch_is_flagged_since_the_letters_announce_a_meal_after_it(session, fix):
    rotation = plan_rotations(people(6), firms(8), {"interviews_date": DAY, **session})
    end = rotation.grand_oral[-1].end
    flagged = [line for line in rotation.journal_lines() if "repas commun" in line]
    if fix is None:
        assert flagged == [] and end <= 13 * 60 + 30
    else:
        assert len(flagged) == 1 and fix in flagged[0]
        assert f"finit à {end // 60:02d}:{end % 60:02d}" in flagged[0]


@pytest.mark.parametrize("session, said", [
    ({"rooms": 1, "grand_oral_start": dt.time(10, 0)}, "« Heure du Grand Oral »"),
    ({"rooms": 2, "grand_oral_start": dt.time(9, 30)}, "« Heure du Grand Oral »"),
])
def test_a_grand_oral_set_too_early_on_the_interview_day_is_refused_naming_the_time(session, said):
    session = {"interviews_date": DAY, "grand_oral_date": DAY, **session}
    with pytest.raises(RotationError) as error:
        plan_rotations(people(6), firms(8), session)
    text = " ".join(error.value.reasons)
    assert said in text and "Grand Oral" in text


def test_verifier_reports_a_grand_oral_passage_during_the_interviews(tmp_path):
    path = rotation_workbook(tmp_path / "classeur.xlsx", n_people=5,
                             session={"interviews_date": DAY, "grand_oral_date": DAY, "rooms": 1,
                                      "max_consecutive": 3})
    assert run_cli("rotations", path).exit_code == 0
    assert run_cli("rotations", "--verifier", path).exit_code == 0
    wb = load_workbook(path)
    ws = wb["Grand Oral"]
    top = next(r for r in range(1, 10) if ws.cell(r, 1).value == "Ordre")
    start = next(c.column for c in ws[top] if c.value == "Heure")
    ws.cell(top + 1, start).value = dt.time(14, 10)
    wb.save(path)
    result = run_cli("rotations", "--verifier", path)
    assert result.exit_code == 1 and "✔" not in result.output
    assert "commence avant la fin des entretiens du même jour" in flat(result.output)


# --- size guard -------------------------------------------------------------------------------

def test_a_session_beyond_the_limits_is_refused_before_any_model_with_what_to_do():
    from ccc_xl.rotation.limits import MAX_COMPANIES, MAX_PARTICIPANTS
    from ccc_xl.wording import count
    # 1 000 companies once grew to 24 GB before the system killed the run, without a word.
    for n_people, n_firms in ((MAX_PARTICIPANTS + 1, 10), (10, MAX_COMPANIES + 1), (500, 1000)):
        with pytest.raises(RotationError) as error:
            build_instance(people(n_people), firms(n_firms), {})
        text = " ".join(error.value.reasons)
        assert f"{count(n_people, 'participant')} et {count(n_firms, 'entreprise')}" in text  # « 1 000 » spaced as in French
        assert f"ccc-xl planifie au plus {MAX_PARTICIPANTS} participants et {MAX_COMPANIES} entreprises" in text
        assert "Partagez la session en plusieurs journées" in text


def test_a_day_cut_into_too_many_slots_is_refused_saying_which_settings_to_change():
    with pytest.raises(RotationError) as error:
        build_instance(people(4), firms(8), {"interview_minutes": 5, "changeover_minutes": 0})
    text = " ".join(error.value.reasons)
    assert "créneaux d'entretien ; ccc-xl en planifie au plus" in text
    assert "« Durée d'un entretien (min) »" in text


def test_a_negative_changeover_never_loops_forever():
    with pytest.raises(RotationError) as error:
        plan_rotations(people(2), firms(6), {"changeover_minutes": -30})
    assert "La journée ne compte que 0 créneau" in " ".join(error.value.reasons)


def test_the_command_refuses_a_session_too_large_and_writes_nothing(tmp_path):
    from ccc_xl.rotation.limits import MAX_PARTICIPANTS
    path = rotation_workbook(tmp_path / "classeur.xlsx", n_people=MAX_PARTICIPANTS + 5, n_firms=8)
    before = load_workbook(path)["Entretiens"].max_row
    result = run_cli("rotations", path)
    assert result.exit_code == 1
    assert "Session trop grande pour une seule journée d'entretiens" in flat(result.output)
    assert load_workbook(path)["Entretiens"].max_row == before


def test_a_session_at_the_limits_is_planned_in_well_under_2_gb(tmp_path):
    """The largest accepted session, planned in a fresh process: a valid planning, everyone at the
    Grand Oral, and the peak memory of that process alone stays under 2 GB. Its Grand Oral starts
    at 09:00 on its own day."""
    import json
    import subprocess
    import sys
    from pathlib import Path
    script = """
import datetime as dt, json, resource, sys
sys.path.insert(0, "tests")
from test_rotation import people, firms
from ccc_xl.rotation import check_schedule, plan_rotations
from ccc_xl.rotation.limits import MAX_COMPANIES, MAX_PARTICIPANTS
rotation = plan_rotations(people(MAX_PARTICIPANTS, {i: "10:00-10:45" for i in range(0, MAX_PARTICIPANTS, 5)}),
                          firms(MAX_COMPANIES), {"rooms": MAX_COMPANIES // 2, "grand_oral_start": dt.time(9, 0)},
                          time_limit=10.0)
print(json.dumps({"violations": check_schedule(rotation.instance, rotation.schedule.interviews),
                  "interviews": len(rotation.schedule.interviews),
                  "grand_oral": len({p.participant.id for p in rotation.grand_oral}),
                  "memory_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""
    root = Path(__file__).resolve().parents[1]
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, cwd=root,
                          timeout=600)
    assert done.returncode == 0, done.stderr[-2000:]
    result = json.loads(done.stdout.strip().splitlines()[-1])
    from ccc_xl.rotation.limits import MAX_PARTICIPANTS
    assert result["violations"] == [] and result["interviews"] == 3 * MAX_PARTICIPANTS
    assert result["grand_oral"] == MAX_PARTICIPANTS
    assert result["memory_mb"] < 2048


def test_ctrl_c_while_the_solver_searches_stops_the_command_and_writes_nothing(demo_copy):
    import signal
    import subprocess
    import sys

    before = demo_copy.read_bytes()
    process = subprocess.Popen([sys.executable, "-m", "ccc_xl", "rotations", str(demo_copy)],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    for line in process.stderr:  # piped progress: this line is printed as the search starts
        if line.startswith("Recherche du meilleur planning"):
            process.send_signal(signal.SIGINT)
            break
    out, err = process.communicate(timeout=120)
    assert process.returncode == 130, out + err
    assert "Interrompu : le classeur n'a pas été modifié." in err and "Erreur inattendue" not in out + err
    assert demo_copy.read_bytes() == before


@pytest.mark.parametrize("session, arrival, unavailable, said, start", [
    # Every company arrives at 09:00, the day starts at 08:30: two slots stay empty.
    ({"day_start": dt.time(8, 30)}, dt.time(9, 0), None, "aucun binôme n'est au complet avant 09:00", "09:00"),
    # Everyone is unavailable until 09:45.
    ({}, None, "09:00-09:45", "aucun participant n'est disponible", "09:45"),
    # Nothing keeps the day from starting at its first slot.
    ({}, None, None, None, None),
])
def test_empty_slots_at_the_start_of_the_day_are_explained_with_the_start_to_set(session, arrival, unavailable, said,
                                                                                  start):
    companies = firms(8, presence={i: (arrival, None) for i in range(8)})
    participants = people(6, unavailable={i: unavailable for i in range(6)} if unavailable else None)
    rotation = plan_rotations(participants, companies, session)
    lines = [line for line in rotation.journal_lines() if "premier entretien" in line]
    if said is None:
        assert lines == [] and min(i.slot for i in rotation.schedule.interviews) == 1
        return
    assert min(i.slot for i in rotation.schedule.interviews) > 1
    assert len(lines) == 1 and said in lines[0], lines
    assert f"indiquez {start} dans « Heure de début »" in lines[0]
    # Taking the advice: the day then starts with an interview, and the line is gone.
    again = plan_rotations(participants, companies, {**session, "day_start": dt.time(*map(int, start.split(":")))})
    assert min(i.slot for i in again.schedule.interviews) == 1
    assert not [line for line in again.journal_lines() if "premier entretien" in line]
