"""Checking any interview schedule against every rule, in French.

The solver's schedules are correct by construction; this checker exists for the schedule an adviser
edits by hand in the Entretiens sheet (and, in the tests, as an independent judge of the solver).
"""

from __future__ import annotations

from collections import Counter, defaultdict

import pandas as pd

from ccc_xl import contract

from .model import Instance, Interview, hhmm, last_end, to_minutes
from ..wording import count


def _where(interview: Interview) -> str:
    if interview.row is not None:
        return f"Feuille « {contract.INTERVIEWS_SHEET.name} », ligne {interview.row} : "
    return ""


def check_schedule(instance: Instance, interviews) -> list[str]:
    """Every broken rule of the schedule, one French sentence each; empty when all is well."""
    people = {p.id: p for p in instance.participants}
    binomes = {b.label: b for b in instance.binomes}
    slots = {s.number: s for s in instance.slots}
    params, violations, valid = instance.params, [], []

    for i in interviews:
        if i.participant not in people:
            violations.append(f"{_where(i)}« {i.participant} » n'est pas un participant retenu.")
        elif i.binome not in binomes:
            violations.append(f"{_where(i)}le binôme « {i.binome} » n'existe pas.")
        elif i.slot not in slots:
            violations.append(f"{_where(i)}le créneau {i.slot} n'existe pas "
                              f"(la journée en compte {len(slots)}).")
        else:
            valid.append(i)

    by_slot = defaultdict(list)
    for i in valid:
        by_slot[i.slot].append(i)
    for number, group in sorted(by_slot.items()):
        at = f"au créneau {number} ({hhmm(slots[number].start)})"
        for pid, n in Counter(i.participant for i in group).items():
            if n > 1:
                violations.append(f"{people[pid].label} a {n} entretiens en même temps {at}.")
        for label, n in Counter(i.binome for i in group).items():
            if n > 1:
                violations.append(f"Le binôme {label} reçoit {n} participants en même temps {at}.")
        if len(group) > params.rooms:
            violations.append(f"{len(group)} entretiens ont lieu {at} pour {count(params.rooms, 'salle')}.")
        for room, n in Counter(i.room for i in group if i.room is not None).items():
            if n > 1:
                violations.append(f"La salle {room} accueille {n} entretiens {at}.")
        for i in group:
            if i.room is not None and not 1 <= i.room <= params.rooms:
                violations.append(f"{_where(i)}la salle {i.room} n'existe pas "
                                  f"(salles 1 à {params.rooms}).")

    for i in valid:
        slot, person, binome = slots[i.slot], people[i.participant], binomes[i.binome]
        span = f"{hhmm(slot.start)}-{hhmm(slot.end)}"
        if not person.free(slot.start, slot.end):
            violations.append(f"{_where(i)}{person.label} est indisponible au créneau {i.slot} "
                              f"({span}).")
        for company in binome.companies:
            if not company.present(slot.start, slot.end):
                violations.append(f"{_where(i)}{company.name} (binôme {binome.label}) n'est pas "
                                  f"présente au créneau {i.slot} ({span}).")

    by_person = defaultdict(list)
    for i in valid:
        by_person[i.participant].append(i)
    for person in instance.participants:
        mine = by_person.get(person.id, [])
        for label, n in Counter(i.binome for i in mine).items():
            if n > 1:
                violations.append(f"{person.label} rencontre le binôme {label} {n} fois.")
        met = len({i.binome for i in mine})
        if met < instance.required:
            violations.append(f"{person.label} ne rencontre que {count(met, 'binôme')} ; "
                              f"il en faut au moins {instance.required}.")
        busy = {i.slot for i in mine}
        for window in instance.consecutive_windows():
            numbers = [instance.slots[s].number for s in window]
            if all(n in busy for n in numbers):
                violations.append(f"{person.label} enchaîne plus de {params.max_consecutive} "
                                  f"entretiens d'affilée (créneaux {numbers[0]} à {numbers[-1]}).")
    return violations


def interviews_from_frame(instance: Instance, frame: pd.DataFrame) -> tuple[list[Interview], list[str]]:
    """Read back an Entretiens table (keys of ``contract.INTERVIEWS``), possibly edited by hand.

    The slot number is what counts; a start time changed without changing the slot number is
    reported rather than silently ignored.
    """
    starts = {s.number: s.start for s in instance.slots}
    interviews, problems = [], []
    sheet = contract.INTERVIEWS_SHEET.name
    for row, record in frame.iterrows():
        slot, room, start = record.get("slot"), record.get("room"), record.get("start")
        participant, binome = record.get("participant"), record.get("binome")
        if any(v is None or pd.isna(v) for v in (slot, participant, binome)):
            problems.append(f"Feuille « {sheet} », ligne {row} : créneau, binôme et participant "
                            "sont obligatoires.")
            continue
        slot = int(slot)
        if hasattr(start, "hour") and slot in starts and to_minutes(start) != starts[slot]:
            problems.append(f"Feuille « {sheet} », ligne {row} : l'heure {hhmm(to_minutes(start))} "
                            f"ne correspond pas au créneau {slot} ({hhmm(starts[slot])}) ; "
                            "changez le numéro de créneau.")
        interviews.append(Interview(slot, str(binome).strip(), str(participant).strip(),
                                    None if room is None or pd.isna(room) else int(room), row))
    return interviews, problems


def check_grand_oral(instance: Instance, interviews, passages: pd.DataFrame) -> list[str]:
    """Rules the Grand Oral table (keys of ``contract.GRAND_ORAL``) breaks, as written in its sheet.

    Every participant passes once, never during an unavailability, and — when the Grand Oral is on
    the interview day — never before the last interview is over plus the changeover.
    """
    sheet, params = contract.GRAND_ORAL_SHEET.name, instance.params
    people = {p.id: p for p in instance.participants}
    finished = last_end(instance, [i for i in interviews if i.participant in people])
    earliest = finished + params.changeover_minutes if params.grand_oral_same_day and finished else None
    violations, seen = [], Counter()
    for row, record in passages.iterrows():
        pid, start, end = record.get("participant"), record.get("start"), record.get("end")
        if pid is None or pd.isna(pid) or not hasattr(start, "hour"):
            violations.append(f"Feuille « {sheet} », ligne {row} : l'ID du participant et l'heure sont "
                              "obligatoires.")
            continue
        pid, begin = str(pid).strip(), to_minutes(start)
        finish = to_minutes(end) if hasattr(end, "hour") else begin + params.grand_oral_minutes
        seen[pid] += 1
        where = f"Feuille « {sheet} », ligne {row} : "
        if pid not in people:
            violations.append(f"{where}« {pid} » n'est pas un participant retenu.")
            continue
        if earliest is not None and begin < earliest:
            violations.append(
                f"{where}le passage de {people[pid].label} à {hhmm(begin)} commence avant la fin des "
                f"entretiens du même jour (dernier entretien fini à {hhmm(finished)}, plus "
                f"{params.changeover_minutes} min de battement) : le Grand Oral doit commencer à "
                f"{hhmm(earliest)} ou plus tard ({contract.SESSIONS.quoted('grand_oral_start')}).")
        if not people[pid].free(begin, finish):
            violations.append(f"{where}{people[pid].label} est indisponible pendant son passage "
                              f"({hhmm(begin)}-{hhmm(finish)}).")
    for person in instance.participants:
        if seen[person.id] != 1:
            violations.append(f"{person.label} a {count(seen[person.id], 'passage')} au Grand Oral au lieu d'un.")
    return violations
