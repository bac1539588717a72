"""The Grand Oral running order: every participant in turn, never during an unavailability.

Passages follow each other from the session's Grand Oral time, one every ``grand_oral_minutes``;
when the Grand Oral is on the interview day, never before the last interview and the changeover.
CP-SAT picks a position for everyone (positions all different, none overlapping the participant's
unavailability), minimising first the end of the Grand Oral, then the distance to the workbook order
(weighted sum: the end counts more than any reordering). A position left empty is a pause.
"""

from __future__ import annotations

from dataclasses import dataclass

from ortools.sat.python import cp_model

from ccc_xl.contract import SESSIONS

from .model import Instance, Participant, RotationError, hhmm
from .solver import new_solver

LAST_MINUTE = 24 * 60


@dataclass(frozen=True)
class Passage:
    rank: int
    start: int  # minutes since midnight
    end: int
    participant: Participant


def grand_oral_order(instance: Instance, last_interview_end: int | None = None) -> list[Passage]:
    """Everyone's passage; on the interview day, after the last interview and the changeover."""
    people, params = instance.participants, instance.params
    length, first = params.grand_oral_minutes, params.grand_oral_begins(last_interview_end)
    if length <= 0:
        raise RotationError(["La durée d'un passage au Grand Oral doit être d'au moins 1 minute "
                             f"({SESSIONS.quoted('grand_oral_minutes')})."])
    positions = (LAST_MINUTE - first) // length
    allowed = [[k for k in range(positions) if p.free(first + k * length, first + (k + 1) * length)]
               for p in people]
    blocked = [p.label for p, ok in zip(people, allowed) if not ok]
    if blocked:
        raise RotationError([f"{name} est indisponible pendant tout le Grand Oral (à partir de "
                             f"{hhmm(first)}) : réduisez ses indisponibilités ou avancez "
                             f"{SESSIONS.quoted('grand_oral_start')}." for name in blocked])
    if len(people) > positions:
        raise RotationError([f"Le Grand Oral ne peut pas accueillir {len(people)} passages de {length} "
                             f"min entre {hhmm(first)} et minuit : avancez "
                             f"{SESSIONS.quoted('grand_oral_start')}."])
    if not people:
        return []
    first_fit = _first_fit(allowed)
    model = cp_model.CpModel()
    pos = [model.new_int_var_from_domain(cp_model.Domain.from_values(ok), f"pos{i}")
           for i, ok in enumerate(allowed)]
    if first_fit is not None:  # a valid order to start from (and to keep if time runs out)
        for var, k in zip(pos, first_fit):
            model.add_hint(var, k)
    model.add_all_different(pos)
    last = model.new_int_var(0, positions, "last")
    model.add_max_equality(last, pos)
    shift = []
    for i, var in enumerate(pos):
        d = model.new_int_var(0, positions, f"d{i}")
        model.add_abs_equality(d, var - i)
        shift.append(d)
    model.minimize(last * (len(people) * positions + 1) + sum(shift))
    solver = new_solver(5.0)
    status = solver.solve(model)
    if status in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        chosen = [solver.value(var) for var in pos]
    elif first_fit is not None:
        chosen = first_fit
    else:
        raise RotationError(["Aucun ordre de passage au Grand Oral ne respecte toutes les "
                             "indisponibilités : réduisez-les ou avancez "
                             f"{SESSIONS.quoted('grand_oral_start')}."])
    order = sorted(range(len(people)), key=lambda i: chosen[i])
    return [Passage(rank, first + chosen[i] * length, first + (chosen[i] + 1) * length, people[i])
            for rank, i in enumerate(order, start=1)]


def _first_fit(allowed: list[list[int]]) -> list[int] | None:
    """Each participant, in workbook order, at the first position still free for them; None when
    this simple order leaves someone without a position (the solver may still find one)."""
    taken, chosen = set(), []
    for options in allowed:
        position = next((k for k in options if k not in taken), None)
        if position is None:
            return None
        taken.add(position)
        chosen.append(position)
    return chosen
