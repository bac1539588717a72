"""Pairing companies into interview binômes.

Pairs fixed by the adviser (same « Binôme imposé » value) are kept exactly as given. The other
companies are split into pairs — one trio when their count is odd — that mix company types (ideally
an employer with an interim agency, a training body or an insertion structure) and domains, so that
every participant hears more than one point of view. The split is a small set-partitioning problem
solved exactly with CP-SAT (one worker, so the same workbook always gives the same binômes).
"""

from __future__ import annotations

from itertools import combinations

from ortools.sat.python import cp_model

from .model import EMPLOYER, Binome, Company


def mix_score(group: tuple[Company, ...]) -> int:
    """How well a group mixes: employer + non-employer first, then distinct types, then domains."""
    types = {c.type for c in group}
    employer_mix = EMPLOYER in types and len(types - {EMPLOYER}) > 0
    return 4 * employer_mix + 2 * (len(types) - 1) + (len({c.domain for c in group}) - 1)


def _partition(companies: list[Company]) -> list[tuple[Company, ...]]:
    n = len(companies)
    if n <= 3:
        return [tuple(companies)] if companies else []
    groups = list(combinations(range(n), 2))
    if n % 2:
        groups += list(combinations(range(n), 3))
    model = cp_model.CpModel()
    chosen = [model.NewBoolVar(f"g{k}") for k in range(len(groups))]
    for i in range(n):
        model.AddExactlyOne(chosen[k] for k, g in enumerate(groups) if i in g)
    model.Maximize(sum(mix_score(tuple(companies[i] for i in g)) * chosen[k]
                       for k, g in enumerate(groups)))
    solver = cp_model.CpSolver()
    solver.parameters.num_workers = 1
    solver.parameters.max_time_in_seconds = 10.0
    solver.Solve(model)  # always feasible: the companies can be cut into pairs and one trio
    picked = [groups[k] for k in range(len(groups)) if solver.Value(chosen[k])]
    return [tuple(companies[i] for i in g) for g in sorted(picked)]


def form_binomes(companies: list[Company]) -> list[Binome]:
    """Fixed groups first (in workbook order), then the mixed pairs; labelled B1, B2…"""
    fixed: dict[str, list[Company]] = {}
    free: list[Company] = []
    for company in companies:
        if company.fixed_pair:
            fixed.setdefault(company.fixed_pair, []).append(company)
        else:
            free.append(company)
    groups = [(tuple(g), True) for g in fixed.values()] + [(g, False) for g in _partition(free)]
    return [Binome(f"B{k}", group, is_fixed) for k, (group, is_fixed) in enumerate(groups, start=1)]


def recorded_binomes(companies: list[Company]) -> list[Binome]:
    """The binômes of the last planning, from the « Binôme » column written back in Entreprises.

    Used to check a hand-edited schedule against the binômes it was made with.
    """
    groups: dict[str, list[Company]] = {}
    for company in companies:
        if company.pair:
            groups.setdefault(company.pair, []).append(company)
    return [Binome(label, tuple(group), any(c.fixed_pair for c in group))
            for label, group in groups.items()]
