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
from ccc_xl.wording import number

from .baseline import cyclic_schedule
from .binomes import form_binomes, recorded_binomes
from .check import check_schedule, interviews_from_frame
from .grand_oral import Passage, grand_oral_order
from .model import (Instance, Objectives, Params, RotationError, Schedule, evaluate,
                    parse_unavailability, problem_text, read_companies, read_participants)
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
        """What the Journal records: objective values and whether they are proven optimal."""
        lines = list(self.schedule.objectives.lines())
        lines.append("Planning optimal prouvé (objectifs dans l'ordre de priorité)."
                     if self.schedule.optimal else
                     "Planning non prouvé optimal (temps de calcul limité), étape par étape :")
        if not self.schedule.optimal:
            lines += list(self.schedule.stages)
        if self.baseline is not None:
            b = self.baseline
            lines.append(f"Rotation cyclique simple, pour comparaison : {b.slots} créneaux, {b.relevant} "
                         f"rencontres dans le domaine visé, variété {b.variety}, écart de charge "
                         f"{b.imbalance}, {b.gaps} créneaux d'attente ; le planning fait au moins "
                         "aussi bien sur chacun de ces critères.")
        lines.append(f"Calcul : {number(self.schedule.seconds, 1)} s.")
        return lines

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
    binomes = recorded_binomes(firms) if recorded else form_binomes(firms)
    if recorded and not binomes:
        raise RotationError([f"Aucun binôme enregistré dans la feuille « {contract.COMPANIES.sheet} » "
                             f"(colonne {contract.COMPANIES.quoted('pair')}) : lancez d'abord les "
                             "rotations."])
    return Instance(tuple(people), tuple(binomes), Params.from_mapping(session))


def plan_rotations(participants: pd.DataFrame, companies: pd.DataFrame,
                   session: Mapping | None = None, time_limit: float = 10.0) -> Rotation:
    """Form the binômes, schedule the interviews, order the Grand Oral; RotationError if impossible."""
    instance = build_instance(participants, companies, session)
    report(f"Recherche du meilleur planning (au plus {number(time_limit)} s)")
    schedule = solve_schedule(instance, time_limit)
    return Rotation(instance, schedule, grand_oral_order(instance), schedule.baseline)


def verify_rotations(participants: pd.DataFrame, companies: pd.DataFrame,
                     interviews: pd.DataFrame, session: Mapping | None = None) -> list[str]:
    """Every rule broken by the Entretiens table as it stands (keys of ``contract.INTERVIEWS``)."""
    instance = build_instance(participants, companies, session, recorded=True)
    schedule, problems = interviews_from_frame(instance, interviews)
    return problems + check_schedule(instance, schedule)


__all__ = [
    "Instance", "Objectives", "Params", "Passage", "Rotation", "RotationError", "Schedule",
    "build_instance", "check_schedule", "cyclic_schedule", "evaluate", "form_binomes",
    "grand_oral_order", "parse_unavailability", "plan_rotations", "solve_schedule",
    "verify_rotations",
]
