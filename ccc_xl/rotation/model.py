"""The rotation problem as plain data: participants, companies, binômes, slots and a schedule.

Everything the solver, the naive baseline, the checker and the Grand Oral need is computed here once
(slot times, who is available when), so that they all judge a schedule by exactly the same rules.
Times are handled as minutes since midnight; ``datetime.time`` only appears at the edges.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, replace
from datetime import time
from functools import cached_property
from typing import Mapping

import pandas as pd

from ccc_xl import contract

EMPLOYER = contract.COMPANY_TYPES[0]


class RotationError(Exception):
    """Stops the rotation with French explanations for the adviser (never a solver status).

    ``problems`` holds input findings as ``(sheet, row, column, value, message)`` so the caller can
    turn them into Journal anomalies pointing at the cell to fix; ``remedies``, when no schedule
    exists, the changes offered to the adviser.
    """

    def __init__(self, reasons: list[str], problems: list[tuple] | None = None, remedies=()):
        super().__init__("\n".join(reasons))
        self.reasons = list(reasons)
        self.problems = list(problems or [])
        self.remedies = list(remedies)  # changes each sufficient on its own (remedies.Remedy)


LATEST = 23 * 60 + 59  # the latest time of day a cell can hold, in minutes
LATEST_ADVISED_END = 19 * 60  # interviews in the prison are never advised to end later than this


def to_minutes(value: time) -> int:
    return value.hour * 60 + value.minute


def to_time(minutes: int) -> time:
    minutes = min(minutes, LATEST)
    return time(minutes // 60, minutes % 60)


def hhmm(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


# ---------------------------------------------------------------------------------------------
# Session parameters
# ---------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Params:
    """Session parameters for the interview day and the Grand Oral, in minutes where a time."""

    interviews_per_participant: int
    interview_minutes: int
    changeover_minutes: int
    day_start: int
    lunch_start: int | None
    lunch_end: int | None
    day_end: int
    rooms: int
    max_consecutive: int
    grand_oral_minutes: int
    grand_oral_start: int
    # The Grand Oral is held on the interview day (« Date du Grand Oral » = « Date des entretiens »)…
    grand_oral_same_day: bool = False
    # … at the time the adviser typed in « Heure du Grand Oral » (False: the default time, which
    # then moves after the interviews).
    grand_oral_time_given: bool = False

    @classmethod
    def from_mapping(cls, values: Mapping | None = None) -> "Params":
        """Blank or missing values fall back to ``contract.SESSION_DEFAULTS`` (a Sessions row works)."""
        values = values or {}

        def given(key):
            value = values.get(key) if hasattr(values, "get") else None
            return None if value is None or (not isinstance(value, time) and pd.isna(value)) else value

        def get(key):
            value = given(key)
            value = contract.SESSION_DEFAULTS[key] if value is None else value
            return to_minutes(value) if isinstance(value, time) else int(value)

        interviews, grand_oral = given("interviews_date"), given("grand_oral_date")
        same_day = interviews is not None and grand_oral is not None and \
            pd.Timestamp(interviews).date() == pd.Timestamp(grand_oral).date()
        fields = [f for f in cls.__dataclass_fields__ if not f.startswith("grand_oral_") or
                  f in ("grand_oral_minutes", "grand_oral_start")]
        return cls(**{f: get(f) for f in fields}, grand_oral_same_day=same_day,
                   grand_oral_time_given=given("grand_oral_start") is not None)

    @property
    def interviews_end(self) -> int:
        """When the last interview must be over: « Heure de fin », or earlier when the Grand Oral
        the adviser set on the same day starts before it (the changeover between the two)."""
        if self.grand_oral_same_day and self.grand_oral_time_given:
            return min(self.day_end, self.grand_oral_start - self.changeover_minutes)
        return self.day_end

    def grand_oral_begins(self, last_interview_end: int | None) -> int:
        """The Grand Oral's first passage: its set time, never before the interviews of the same
        day are over (the default time moves after them)."""
        if self.grand_oral_same_day and last_interview_end is not None:
            return max(self.grand_oral_start, last_interview_end + self.changeover_minutes)
        return self.grand_oral_start


# ---------------------------------------------------------------------------------------------
# People, companies, binômes, slots
# ---------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Participant:
    id: str
    first_name: str
    domain: str | None = None
    unavailable: tuple[tuple[int, int], ...] = ()  # [start, end) in minutes
    row: int | None = None  # Excel row in Candidats, for messages

    def free(self, start: int, end: int) -> bool:
        return all(end <= a or b <= start for a, b in self.unavailable)

    @property
    def label(self) -> str:
        return f"{self.first_name} ({self.id})"


@dataclass(frozen=True)
class Company:
    id: str
    name: str
    type: str | None = None
    domain: str | None = None
    fixed_pair: str | None = None
    arrival: int | None = None
    departure: int | None = None
    row: int | None = None
    pair: str | None = None  # binôme label recorded by the last planning (computed column)

    def present(self, start: int, end: int) -> bool:
        return (self.arrival is None or self.arrival <= start) and (
            self.departure is None or end <= self.departure)


@dataclass(frozen=True)
class Binome:
    label: str
    companies: tuple[Company, ...]
    fixed: bool = False

    @property
    def names(self) -> str:
        return " / ".join(c.name for c in self.companies)

    @property
    def types(self) -> frozenset[str]:
        return frozenset(c.type for c in self.companies if c.type)

    @property
    def domains(self) -> frozenset[str]:
        return frozenset(c.domain for c in self.companies if c.domain)

    def present(self, start: int, end: int) -> bool:
        return all(c.present(start, end) for c in self.companies)


@dataclass(frozen=True)
class Slot:
    number: int  # 1-based, as shown to advisers
    start: int
    end: int
    block: int  # 0 = morning, 1 = afternoon: slots on either side of lunch are not consecutive


def day_slots(params: Params) -> tuple[Slot, ...]:
    """Every interview slot the day can hold, skipping the lunch break, ending by
    ``interviews_end`` (« Heure de fin », or a same-day Grand Oral)."""
    slots: list[Slot] = []
    step = params.interview_minutes + params.changeover_minutes
    lunch = params.lunch_start is not None and params.lunch_end is not None \
        and params.lunch_start < params.lunch_end
    t = params.day_start
    while params.interview_minutes > 0 and step > 0:
        if lunch and t < params.lunch_end and t + params.interview_minutes > params.lunch_start:
            t = params.lunch_end
        if t + params.interview_minutes > params.interviews_end:
            break
        block = int(lunch and t >= params.lunch_end)
        slots.append(Slot(len(slots) + 1, t, t + params.interview_minutes, block))
        t += step
    return tuple(slots)


@dataclass(frozen=True)
class Instance:
    """One interview day to plan: who, with which binômes, in which slots, under which rules."""

    participants: tuple[Participant, ...]
    binomes: tuple[Binome, ...]
    params: Params

    @cached_property
    def slots(self) -> tuple[Slot, ...]:
        return day_slots(self.params)

    @property
    def required(self) -> int:
        return self.params.interviews_per_participant

    @cached_property
    def free(self) -> tuple[tuple[bool, ...], ...]:
        """free[p][s]: participant p is available during slot s."""
        return tuple(tuple(p.free(s.start, s.end) for s in self.slots) for p in self.participants)

    @cached_property
    def here(self) -> tuple[tuple[bool, ...], ...]:
        """here[b][s]: every company of binôme b is present during slot s."""
        return tuple(tuple(b.present(s.start, s.end) for s in self.slots) for b in self.binomes)

    def meets(self, p: int, b: int, s: int) -> bool:
        """Participant p and binôme b are both there during slot s."""
        return self.free[p][s] and self.here[b][s]

    @cached_property
    def usable(self) -> tuple[tuple[bool, ...], ...]:
        """usable[p][s]: participant p could have an interview in slot s (with some binôme)."""
        present = [any(b[s] for b in self.here) for s in range(len(self.slots))]
        return tuple(tuple(f and h for f, h in zip(row, present)) for row in self.free)

    @property
    def company_hours(self) -> bool:
        """Some company arrives after the start or leaves before the end of the day."""
        return any(not all(row) for row in self.here)

    def twins(self, key) -> list[list[int]]:
        """Groups (of two or more) of participant indices that ``key(p)`` cannot tell apart."""
        groups: dict = {}
        for p, person in enumerate(self.participants):
            groups.setdefault(key(p, person), []).append(p)
        return [g for g in groups.values() if len(g) > 1]

    def binome_twins(self) -> list[list[int]]:
        """Groups of binômes that are interchangeable for every rule and objective."""
        groups: dict = {}
        for b, binome in enumerate(self.binomes):
            groups.setdefault((binome.types, binome.domains, self.here[b]), []).append(b)
        return [g for g in groups.values() if len(g) > 1]

    def relevant(self, p: int, b: int) -> bool:
        """A meeting is relevant when a company of the binôme works in the participant's domain."""
        return self.participants[p].domain in self.binomes[b].domains

    @cached_property
    def types(self) -> tuple[str, ...]:
        return tuple(sorted({t for b in self.binomes for t in b.types}))

    def consecutive_windows(self) -> list[list[int]]:
        """Runs of ``max_consecutive + 1`` consecutive slots (same half-day), as slot indices."""
        width = self.params.max_consecutive + 1
        windows = []
        for s in range(len(self.slots) - width + 1):
            run = list(range(s, s + width))
            if len({self.slots[i].block for i in run}) == 1:
                windows.append(run)
        return windows

    def without_unavailability(self, *ids: str) -> "Instance":
        people = tuple(replace(p, unavailable=()) if p.id in ids else p for p in self.participants)
        return replace(self, participants=people)

    def with_binomes(self, extra: int) -> "Instance":
        """The instance with ``extra`` more binômes of two companies present all day."""
        added = tuple(Binome(f"+{k}", (Company(f"+{k}a", f"Entreprise supplémentaire {2 * k - 1}"),
                                       Company(f"+{k}b", f"Entreprise supplémentaire {2 * k}")))
                      for k in range(1, extra + 1))
        return replace(self, binomes=self.binomes + added)

    def with_params(self, **changes) -> "Instance":
        return replace(self, params=replace(self.params, **changes))

    def with_companies_all_day(self) -> "Instance":
        binomes = tuple(replace(b, companies=tuple(replace(c, arrival=None, departure=None)
                                                    for c in b.companies)) for b in self.binomes)
        return replace(self, binomes=binomes)


# ---------------------------------------------------------------------------------------------
# A schedule and how good it is
# ---------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Interview:
    slot: int  # slot number, 1-based
    binome: str  # binôme label
    participant: str  # participant ID
    room: int | None = None
    row: int | None = None  # Excel row when read back from the Entretiens sheet


# The objectives in priority order: (attribute, French label, larger is better). A schedule is
# better than another when it is better on the first objective where they differ.
OBJECTIVES = (
    ("slots", "Créneaux utilisés (la journée finit après le dernier)", False),
    ("empty", "Créneaux vides pour tous avant le dernier entretien", False),
    ("relevant", "Rencontres dans le domaine visé", True),
    ("variety", "Variété (types d'entreprises rencontrés, total)", True),
    ("imbalance", "Écart de charge entre binômes", False),
    ("gaps", "Créneaux d'attente des participants", False),
)


@dataclass(frozen=True)
class Objectives:
    """The six criteria, in priority order; ``key`` compares two schedules (smaller is better)."""

    slots: int  # slots used, the day ends after the last one
    empty: int  # slots before the last one where nobody has an interview
    relevant: int  # meetings with a binôme of the participant's target domain
    variety: int  # sum over participants of the distinct company types met
    imbalance: int  # interviews of the busiest binôme minus the quietest one
    gaps: int  # idle slots between a participant's first and last interview

    @property
    def key(self) -> tuple[int, ...]:
        return tuple(-getattr(self, name) if larger else getattr(self, name)
                     for name, _, larger in OBJECTIVES)

    def lines(self) -> list[str]:
        return [f"{label} : {getattr(self, name)}" for name, label, _ in OBJECTIVES]

    def compare(self, other: "Objectives") -> list[str]:
        """Objective by objective, « 6 contre 7 (mieux) », against another schedule."""
        words = []
        for name, label, larger in OBJECTIVES:
            mine, theirs = getattr(self, name), getattr(other, name)
            verdict = "pareil" if mine == theirs else "mieux" if (mine > theirs) == larger else "moins bien"
            words.append(f"{label.split(' (')[0].lower()} {mine} contre {theirs} ({verdict})")
        return words


@dataclass(frozen=True)
class Schedule:
    interviews: tuple[Interview, ...]
    objectives: Objectives | None = None
    optimal: bool = False
    stages: tuple[str, ...] = ()  # per objective: how far from proven optimal, in French
    seconds: float = 0.0
    baseline: Objectives | None = None  # the naive cyclic rotation's, when it succeeds


def last_end(instance: Instance, interviews) -> int | None:
    """When the last interview of a schedule is over (minutes), None without any interview."""
    ends = {s.number: s.end for s in instance.slots}
    return max((ends[i.slot] for i in interviews if i.slot in ends), default=None)


def evaluate(instance: Instance, interviews) -> Objectives:
    """Measure a schedule on the five objectives (the same figures for solver and baseline)."""
    p_index = {p.id: i for i, p in enumerate(instance.participants)}
    b_index = {b.label: i for i, b in enumerate(instance.binomes)}
    used = [i for i in interviews if i.participant in p_index and i.binome in b_index]
    relevant = sum(instance.relevant(p_index[i.participant], b_index[i.binome]) for i in used)
    types: dict[str, set] = {}
    slots: dict[str, list[int]] = {}
    load = {b.label: 0 for b in instance.binomes}
    for i in used:
        types.setdefault(i.participant, set()).update(instance.binomes[b_index[i.binome]].types)
        slots.setdefault(i.participant, []).append(i.slot)
        load[i.binome] += 1
    gaps = sum(max(s) - min(s) + 1 - len(s) for s in slots.values())
    last = max((i.slot for i in used), default=0)
    return Objectives(
        slots=last,
        empty=last - len({i.slot for i in used}),
        relevant=relevant,
        variety=sum(len(t) for t in types.values()),
        imbalance=(max(load.values()) - min(load.values())) if load else 0,
        gaps=gaps,
    )


# ---------------------------------------------------------------------------------------------
# Reading the workbook frames
# ---------------------------------------------------------------------------------------------

_BOUND = r"(\d{1,2})\s*(?:[h:H]\s*(\d{2})?)?"
_RANGE = re.compile(rf"^\s*{_BOUND}\s*(?:-|–|à|a)\s*{_BOUND}\s*$")


def parse_unavailability(text) -> tuple[tuple[int, int], ...]:
    """« 10:00-11:00 ; 14h30-15h » -> ((600, 660), (870, 900)); ValueError on anything else."""
    if text is None or (not isinstance(text, str) and pd.isna(text)) or not str(text).strip():
        return ()
    ranges = []
    for part in re.split(r"[;,/\n]", str(text)):
        if not part.strip():
            continue
        match = _RANGE.match(part)
        if not match:
            raise ValueError(part.strip())
        h1, m1, h2, m2 = (int(g) if g else 0 for g in match.groups())
        start, end = h1 * 60 + m1, h2 * 60 + m2
        if not (h1 < 24 and h2 < 24 and m1 < 60 and m2 < 60 and start < end):
            raise ValueError(part.strip())
        ranges.append((start, end))
    return tuple(ranges)


def _text(value) -> str | None:
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return None
    value = str(value).strip()
    return value or None


def _clock(value) -> int | None:
    return to_minutes(value) if isinstance(value, time) else None


def read_participants(frame: pd.DataFrame) -> tuple[list[Participant], list[tuple]]:
    """Participants from retained Candidats rows, plus input problems (sheet, row, column, value, msg)."""
    sheet, problems, people, seen = contract.CANDIDATES.sheet, [], [], set()
    header = contract.CANDIDATES.column
    for row, record in frame.iterrows():
        pid = _text(record.get("id"))
        if pid is None:
            problems.append((sheet, row, header("id").header, None,
                             "identifiant manquant : ce participant ne peut pas être planifié."))
            continue
        if pid in seen:
            problems.append((sheet, row, header("id").header, pid,
                             f"l'identifiant « {pid} » est déjà utilisé par un autre participant retenu."))
            continue
        seen.add(pid)
        raw = record.get("unavailability")
        try:
            unavailable = parse_unavailability(raw)
        except ValueError as bad:
            problems.append((sheet, row, header("unavailability").header, raw,
                             f"« {bad} » n'est pas une plage horaire lisible "
                             "(écrire par exemple « 10:00-11:00 ; 14:30-15:00 »)."))
            continue
        people.append(Participant(pid, _text(record.get("first_name")) or pid,
                                  _text(record.get("domain")), unavailable, row))
    return people, problems


def read_companies(frame: pd.DataFrame) -> tuple[list[Company], list[tuple]]:
    """Companies present at the session, plus input problems (sheet, row, column, value, msg)."""
    sheet, problems, companies, seen = contract.COMPANIES.sheet, [], [], set()
    header = contract.COMPANIES.column
    for row, record in frame.iterrows():
        cid = _text(record.get("id")) or _text(record.get("name"))
        if cid is None:
            problems.append((sheet, row, header("id").header, None,
                             "identifiant et raison sociale manquants : entreprise ignorée."))
            continue
        if cid in seen:
            problems.append((sheet, row, header("id").header, cid,
                             f"l'entreprise « {cid} » est inscrite deux fois pour cette session."))
            continue
        seen.add(cid)
        arrival, departure = _clock(record.get("arrival")), _clock(record.get("departure"))
        if arrival is not None and departure is not None and arrival >= departure:
            problems.append((sheet, row, header("departure").header, to_time(departure),
                             f"le départ ({hhmm(departure)}) doit suivre l'arrivée ({hhmm(arrival)})."))
            continue
        companies.append(Company(cid, _text(record.get("name")) or cid, _text(record.get("type")),
                                 _text(record.get("domain")), _text(record.get("fixed_pair")),
                                 arrival, departure, row, _text(record.get("pair"))))
    return companies, problems


def problem_text(problem: tuple) -> str:
    sheet, row, column, _value, message = problem
    return f"Feuille « {sheet} », ligne {row}, colonne « {column} » : {message}"


def lower_bound_slots(instance: Instance) -> int:
    """Slots no schedule can do without: every participant's interviews, and the parallel capacity."""
    parallel = min(instance.params.rooms, len(instance.binomes))
    if parallel <= 0 or not instance.participants:
        return 0
    total = len(instance.participants) * instance.required
    return max(instance.required, math.ceil(total / parallel))



def assign_rooms(instance: Instance, placed: list[tuple[int, int, int]]) -> tuple[Interview, ...]:
    """Interviews from (participant, binôme, slot index) triples, with a room each.

    When there are enough rooms every binôme keeps its own room all day (companies stay put and
    participants move); otherwise rooms are numbered afresh in each slot.
    """
    own_room = len(instance.binomes) <= instance.params.rooms
    taken: dict[int, int] = {}
    interviews = []
    for p, b, s in sorted(placed, key=lambda t: (t[2], t[1])):
        taken[s] = taken.get(s, 0) + 1
        interviews.append(Interview(instance.slots[s].number, instance.binomes[b].label,
                                    instance.participants[p].id, b + 1 if own_room else taken[s]))
    return tuple(interviews)
