"""Interview rotations: binômes, the interview schedule and the Grand Oral order.

Pure functions over the Candidats, Entreprises and Sessions frames; nothing here reads or writes a
workbook. ``plan_rotations`` does the whole job; ``verify_rotations`` checks the Entretiens sheet as
an adviser may have edited it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Mapping

import pandas as pd

from ccc_xl import contract
from ccc_xl.progress import report
from ccc_xl.wording import agreed, number

from .baseline import cyclic_schedule
from .binomes import composition_lines, form_binomes, recorded_binomes
from .check import check_grand_oral, check_schedule, interviews_from_frame
from .grand_oral import Passage, grand_oral_order
from .limits import check_size
from .model import (OBJECTIVES, Instance, Objectives, Params, RotationError, Schedule, evaluate, hhmm, last_end,
                    parse_unavailability, problem_text, read_companies, read_participants, to_minutes)
from .schedule import solve_schedule
from .tables import (binomes_frame, grand_oral_frame, interviews_frame, planning_frame,
                     sheet_contents)


@dataclass(frozen=True)
class Rotation:
    """A planned interview day and Grand Oral, ready to be written."""

    instance: Instance
    schedule: Schedule
    grand_oral: list[Passage]
    baseline: Objectives | None  # the naive cyclic rotation, for comparison; None if it fails

    def journal_lines(self) -> list[str]:
        """What the Journal records: how the binômes were formed, objective values and whether they
        are proven optimal."""
        lines = composition_lines(self.instance.binomes) + list(self.schedule.objectives.lines())
        lines.append("Planning optimal prouvé (objectifs dans l'ordre de priorité)."
                     if self.schedule.optimal else
                     "Planning non prouvé optimal (temps de calcul limité), étape par étape :")
        if not self.schedule.optimal:
            lines += list(self.schedule.stages)
        if self.baseline is not None:
            lines += comparison_lines(self.schedule.objectives, self.baseline)
        params = self.instance.params
        if params.grand_oral_same_day and self.grand_oral:
            finished = last_end(self.instance, self.schedule.interviews)
            lines.append(f"Grand Oral le jour des entretiens : premier passage à "
                         f"{hhmm(self.grand_oral[0].start)}, après le dernier entretien (fini à "
                         f"{hhmm(finished)}) et {params.changeover_minutes} min de battement.")
        lines += self.idle_start_lines() + self.meal_lines()
        lines.append(f"Calcul : {number(self.schedule.seconds, 1)} s.")
        return lines

    def idle_start_lines(self) -> list[str]:
        """Why the day starts with empty slots, and the « Heure de début » that would avoid them."""
        instance = self.instance
        used = [i.slot for i in self.schedule.interviews]
        if not used or min(used) == 1:
            return []
        empty, first = instance.slots[:min(used) - 1], instance.slots[min(used) - 1]
        start = first.start  # the « Heure de début » to suggest: when the first interview can begin
        if not any(here[0] for here in instance.here):
            complete = min(max((c.arrival or 0 for c in b.companies), default=0) for b in instance.binomes)
            if complete > empty[0].start:
                why, start = f"aucun binôme n'est au complet avant {hhmm(complete)} (« Arrivée » des entreprises)", complete
            else:
                why = "aucun binôme n'est au complet (« Départ » des entreprises)"
        elif not any(free[0] for free in instance.free):
            why = "aucun participant n'est disponible (« Indisponibilités »)"
            start = min(_free_from(p, empty[0].start) for p in instance.participants)
        else:
            why = "les règles de la journée ne permettent pas d'y placer un entretien"
        which = "Le premier créneau" if len(empty) == 1 else f"Les {len(empty)} premiers créneaux"
        return [f"{which} de la journée ({hhmm(empty[0].start)}–{hhmm(empty[-1].end)}) "
                f"{agreed(len(empty), 'reste vide', 'restent vides')} : "
                f"{why}. Pour que la journée commence avec le premier entretien, indiquez {hhmm(min(start, first.start))} "
                f"dans {contract.SESSIONS.quoted('day_start')}."]

    def meal_lines(self) -> list[str]:
        """A warning when the Grand Oral ends after the lunch break: the letters announce the shared
        meal that ends the action right after it (« sera suivi d'un repas commun »), a lunch."""
        params = self.instance.params
        lunch_end = params.lunch_end if params.lunch_end is not None else \
            to_minutes(contract.SESSION_DEFAULTS["lunch_end"])
        if not self.grand_oral or self.grand_oral[-1].end <= lunch_end:
            return []
        where = ("placez le Grand Oral le matin d'un autre jour que les entretiens "
                 f"({contract.SESSIONS.quoted('grand_oral_date')})" if params.grand_oral_same_day else
                 f"avancez {contract.SESSIONS.quoted('grand_oral_start')}")
        return [f"Le Grand Oral finit à {hhmm(self.grand_oral[-1].end)}, après la pause déjeuner "
                f"({contract.SESSIONS.quoted('lunch_end')} : {hhmm(lunch_end)}), alors que les courriers "
                f"annoncent qu'il sera suivi d'un repas commun : pour un déjeuner, {where}."]

    @property
    def trio_note(self) -> str:
        """« (dont 1 trio) » for the run's one-line summary when a binôme has three companies."""
        trios = sum(len(b.companies) == 3 for b in self.instance.binomes)
        return f" (dont {trios} trio{'s' if trios > 1 else ''})" if trios else ""

    def frames(self) -> dict[str, pd.DataFrame]:
        """Displayed frames by generated sheet name (Binômes, Entretiens, Planning, Grand Oral)."""
        interviews = self.schedule.interviews
        return {
            contract.BINOMES_SHEET.name: binomes_frame(self.instance, interviews),
            contract.INTERVIEWS_SHEET.name: interviews_frame(self.instance, interviews),
            contract.PLANNING_SHEET.name: planning_frame(self.instance, interviews),
            contract.GRAND_ORAL_SHEET.name: grand_oral_frame(self.grand_oral),
        }

    def sheet_contents(self) -> list:
        """The four generated sheets as ``SheetContent``, for ``book.replace_sheet``."""
        return sheet_contents(self.instance, self.schedule.interviews, self.grand_oral,
                              self.journal_lines())

    def company_pairs(self, companies: pd.DataFrame) -> pd.DataFrame:
        """The computed « Binôme » column of Entreprises (index = Excel rows as read)."""
        label = {c.id: b.label for b in self.instance.binomes for c in b.companies}
        ids = companies["id"].where(companies["id"].notna(), companies["name"])
        return pd.DataFrame({"pair": [label.get(str(i).strip()) for i in ids]}, index=companies.index)


def _free_from(participant, t: int) -> int:
    """The first minute from ``t`` on when ``participant`` is not unavailable."""
    moved = True
    while moved:
        moved = False
        for a, b in participant.unavailable:
            if a <= t < b:
                t, moved = b, True
    return t


def comparison_lines(planned: Objectives, cyclic: Objectives) -> list[str]:
    """The planning against the cyclic rotation, objective by objective, and why it can be worse
    on one: a criterion earlier in the priority order gains."""
    lines = ["Rotation cyclique simple (faite à la main), pour comparaison : "
             + " ; ".join(planned.compare(cyclic)) + "."]
    worse = [f"« {label.split(' (')[0]} »" for (_, label, _), verdict in zip(OBJECTIVES, planned.compare(cyclic))
             if verdict.endswith("(moins bien)")]
    first = next(((name, label) for name, label, _ in OBJECTIVES
                  if getattr(planned, name) != getattr(cyclic, name)), None)
    if worse and first is not None and planned.key < cyclic.key:
        lines.append(f"Moins bien sur {', '.join(worse)} : le planning gagne sur « "
                     f"{first[1].split(' (')[0]} », prioritaire (ordre : longueur de la journée, "
                     "créneaux vides, domaine visé, variété, écart de charge, attente).")
    return lines


def build_instance(participants: pd.DataFrame, companies: pd.DataFrame,
                   session: Mapping | None = None, recorded: bool = False) -> Instance:
    """The instance to plan (or, with ``recorded``, the binômes of the last planning, to check it).

    ``participants``: retained Candidats rows; ``companies``: Entreprises rows of the session;
    ``session``: a Sessions row or any mapping of its keys (blanks take ``SESSION_DEFAULTS``).
    Raises RotationError listing every input problem by sheet, row and column.
    """
    people, problems = read_participants(participants)
    firms, more = read_companies(companies)
    problems += more
    if problems:
        raise RotationError([problem_text(p) for p in problems], problems)
    params = Params.from_mapping(session)
    if not recorded:  # checking a planning builds no model: any size can be checked
        check_size(len(people), len(firms), params)
    binomes = recorded_binomes(firms) if recorded else form_binomes(firms)
    if recorded and not binomes:
        raise RotationError([f"Aucun binôme enregistré dans la feuille « {contract.COMPANIES.sheet} » "
                             f"(colonne {contract.COMPANIES.quoted('pair')}) : lancez d'abord les "
                             "rotations."])
    return Instance(tuple(people), tuple(binomes), params)


def plan_rotations(participants: pd.DataFrame, companies: pd.DataFrame,
                   session: Mapping | None = None, time_limit: float = 10.0) -> Rotation:
    """Form the binômes, schedule the interviews, order the Grand Oral; RotationError if impossible."""
    instance = build_instance(participants, companies, session)
    report(f"Recherche du meilleur planning (au plus {number(time_limit)} s)")
    schedule = solve_schedule(instance, time_limit)
    return Rotation(instance, schedule, grand_oral_order(instance, last_end(instance, schedule.interviews)),
                    schedule.baseline)


def verify_rotations(participants: pd.DataFrame, companies: pd.DataFrame, interviews: pd.DataFrame,
                     session: Mapping | None = None, grand_oral: pd.DataFrame | None = None) -> list[str]:
    """Every rule broken by the Entretiens table as it stands (keys of ``contract.INTERVIEWS``), and
    by the Grand Oral table when given (keys of ``contract.GRAND_ORAL``)."""
    instance = build_instance(participants, companies, session, recorded=True)
    schedule, problems = interviews_from_frame(instance, interviews)
    problems += check_schedule(instance, schedule)
    if grand_oral is not None:
        problems += check_grand_oral(instance, schedule, grand_oral)
    return problems


__all__ = [
    "Instance", "Objectives", "Params", "Passage", "Rotation", "RotationError", "Schedule",
    "build_instance", "check_schedule", "cyclic_schedule", "evaluate", "form_binomes",
    "grand_oral_order", "parse_unavailability", "plan_rotations", "solve_schedule",
    "verify_rotations",
]
