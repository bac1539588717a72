"""What to change when no schedule exists — each remedy offered is sufficient on its own.

A remedy is a change of the session (rooms, end of the day, Grand Oral time or day, companies,
interviews in a row, interviews per participant) or of the people (a participant's
unavailability, the companies' hours). Every remedy offered was checked by re-running the
feasibility test on the session with that change, and only those that make it feasible are
offered. The smallest sufficient change of each kind is found by bisection (each kind only helps
more as it grows). When no single change is enough, two changes that are enough together are
offered together (« ajoutez 2 salles et inscrivez 4 entreprises de plus »), then all of them.
"""

from __future__ import annotations

import time as clock
from dataclasses import dataclass
from itertools import combinations

from ccc_xl.contract import CANDIDATES, COMPANIES, SESSIONS

from .feasibility import no_participant
from .model import LATEST_ADVISED_END, Instance, RotationError, hhmm
from ..wording import count

CHECK_SECONDS = 2.0  # one feasibility test at most; a change not proven enough then is not offered
MOST_PAIRS = 3


@dataclass(frozen=True)
class Remedy:
    """One change (or several, to make together) and its French wording."""

    text: str
    params: tuple[tuple[str, object], ...] = ()  # Params fields to change
    extra_binomes: int = 0  # binômes of two companies present all day, added
    lift: tuple[str, ...] = ()  # IDs of participants whose unavailability is lifted
    all_day: bool = False  # every company present all day

    def apply(self, instance: Instance) -> Instance:
        """The instance as it would be with this change."""
        if self.params:
            instance = instance.with_params(**dict(self.params))
        if self.extra_binomes:
            instance = instance.with_binomes(self.extra_binomes)
        if self.lift:
            instance = instance.without_unavailability(*self.lift)
        if self.all_day:
            instance = instance.with_companies_all_day()
        return instance

    def __add__(self, other: "Remedy") -> "Remedy":
        return Remedy(f"{self.text} et {other.text}", self.params + other.params,
                      self.extra_binomes + other.extra_binomes, self.lift + other.lift,
                      self.all_day or other.all_day)


def _kinds(instance: Instance) -> list[list[Remedy]]:
    """Every kind of change, each as its candidates from the smallest to the largest."""
    params, need = instance.params, instance.required
    n_people, n_binomes = len(instance.participants), len(instance.binomes)
    most_binomes = n_binomes + n_people + need  # enough for anything companies can fix
    kinds = [[Remedy(f"indiquez {r} dans {SESSIONS.quoted('rooms')} ({count(r - params.rooms, 'salle')} de plus)",
                     (("rooms", r),)) for r in range(max(params.rooms, 0) + 1, most_binomes + 1)]]
    longest = instance.with_params(day_end=max(LATEST_ADVISED_END, params.day_end))
    kinds.append([Remedy(f"indiquez {hhmm(slot.end)} ou plus tard dans {SESSIONS.quoted('day_end')}",
                         (("day_end", slot.end),))
                  for slot in longest.slots if slot.end > params.interviews_end])
    if params.grand_oral_same_day and params.grand_oral_time_given:
        unbounded = longest.with_params(grand_oral_same_day=False)
        kinds.append([Remedy(f"indiquez {hhmm(slot.end + params.changeover_minutes)} ou plus tard dans "
                             f"{SESSIONS.quoted('grand_oral_start')}",
                             (("grand_oral_start", slot.end + params.changeover_minutes),))
                      for slot in unbounded.slots if slot.end > params.interviews_end])
        kinds.append([Remedy(f"placez le Grand Oral un autre jour que les entretiens "
                             f"({SESSIONS.quoted('grand_oral_date')})", (("grand_oral_same_day", False),))])
    kinds.append([Remedy(f"inscrivez {count(2 * k, 'entreprise')} de plus ({count(k, 'binôme')})", extra_binomes=k)
                  for k in range(1, most_binomes - n_binomes + 1)])
    kinds.append([Remedy(f"indiquez {c} dans {SESSIONS.quoted('max_consecutive')}",
                         (("max_consecutive", c),)) for c in range(params.max_consecutive + 1, need + 1)])
    busy = [p for p in instance.participants if p.unavailable]
    if busy:
        names = ", ".join(p.label for p in busy)
        kinds.append([Remedy(f"levez les indisponibilités de {names} ({CANDIDATES.quoted('unavailability')})",
                             lift=tuple(p.id for p in busy))])
    if instance.company_hours:
        kinds.append([Remedy(f"laissez vides {COMPANIES.quoted('arrival')} et {COMPANIES.quoted('departure')} "
                             "des entreprises (présentes toute la journée)", all_day=True)])
    kinds.append([Remedy(f"indiquez {n} dans {SESSIONS.quoted('interviews_per_participant')}",
                         (("interviews_per_participant", n),)) for n in range(need - 1, 0, -1)])
    return [kind for kind in kinds if kind]


def _each_participant(instance: Instance) -> list[Remedy]:
    busy = [p for p in instance.participants if p.unavailable]
    if len(busy) < 2:
        return []
    return [Remedy(f"levez les indisponibilités de {p.label} ({CANDIDATES.quoted('unavailability')})",
                   lift=(p.id,)) for p in busy]


class _Search:
    """Feasibility tests of changed instances, within a time budget."""

    def __init__(self, instance: Instance, seconds: float):
        from .schedule import feasible  # the same test as the planning itself

        self.instance, self.feasible = instance, feasible
        self.end = clock.monotonic() + seconds
        self.check = min(CHECK_SECONDS, seconds / 5)

    @property
    def out_of_time(self) -> bool:
        return clock.monotonic() > self.end

    def works(self, remedy: Remedy) -> bool:
        """True only when the change is proven to make a schedule exist."""
        if self.out_of_time:
            return False
        return self.feasible(remedy.apply(self.instance), self.check) is True

    def smallest(self, kind: list[Remedy], base: Remedy | None = None) -> Remedy | None:
        """The smallest candidate of ``kind`` sufficient (together with ``base``), by bisection."""
        join = (lambda r: base + r) if base is not None else (lambda r: r)
        if not self.works(join(kind[-1])):
            return None
        low, high = 0, len(kind) - 1
        while low < high:
            middle = (low + high) // 2
            if self.works(join(kind[middle])):
                high = middle
            else:
                low = middle + 1
        return kind[low]


def _together(parts: list[Remedy]) -> Remedy:
    combined = parts[0]
    for part in parts[1:]:
        combined = combined + part
    return combined


def remedies(instance: Instance, seconds: float = 10.0) -> list[Remedy]:
    """Changes that each make the instance feasible on their own (each one checked)."""
    search, kinds = _Search(instance, seconds), _kinds(instance)
    each = [r for r in (search.smallest([r]) for r in _each_participant(instance)) if r is not None]
    found = [r for r in (search.smallest(kind) for kind in kinds) if r is not None]
    if each:  # lifting one person's unavailability is enough: no need to lift everyone's
        found = [r for r in found if not r.lift] + each
    if found:
        return found
    for first, second in combinations(kinds, 2):
        if len(found) >= MOST_PAIRS or search.out_of_time:
            break
        if not search.works(first[-1] + second[-1]):
            continue
        for candidate in first:
            other = search.smallest(second, candidate)
            if other is not None:
                found.append(candidate + other)
                break
    if found or len(kinds) < 3 or not search.works(_together([kind[-1] for kind in kinds])):
        return found
    # Every kind of change at once is enough: make each as small as the others allow.
    chosen = [kind[-1] for kind in kinds]
    for k, kind in enumerate(kinds):
        chosen[k] = search.smallest(kind, _together(chosen[:k] + chosen[k + 1:])) or chosen[k]
    return [_together(chosen)]


def explain_infeasible(instance: Instance, reasons: list[str] | None = None,
                       seconds: float = 10.0) -> RotationError:
    """The refusal: why no schedule exists (``reasons`` when counting proved it) and every change
    that is enough on its own (searched for ``seconds`` at most), as a RotationError carrying the
    remedies."""
    if no_participant(instance):
        return RotationError(no_participant(instance))
    lines = list(reasons or ["Aucun planning ne respecte toutes les règles de la session."])
    found = remedies(instance, seconds)
    if not found:
        lines.append("Aucun des changements essayés (salles, horaires, entreprises, entretiens "
                     "d'affilée, indisponibilités) ne suffit, même combinés : revoyez les paramètres "
                     f"de la session dans l'onglet « {SESSIONS.sheet} ».")
    elif len(found) == 1:
        lines.append(f"Pour le rendre possible : {found[0].text}.")
    else:
        lines.append("Pour le rendre possible, au choix (chacune de ces solutions suffit à elle seule) :")
        lines += [f"- {r.text}{' ;' if k < len(found) - 1 else '.'}" for k, r in enumerate(found)]
    return RotationError(lines, remedies=found)
