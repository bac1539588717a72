"""Pairing companies into interview binômes.

Binômes are pairs. Groups fixed by the adviser (two or more companies sharing a « Binôme imposé »
value) are kept exactly as given. The other companies are split into pairs; when their count is odd,
exactly one of them joins a pair (a single trio, never more). A « Binôme imposé » value that only one
company carries imposes nothing: that company is paired like the others (and the summary says so).

The pairs mix company types (ideally an employer with an interim agency, a training body or an
insertion structure) and domains, so that every participant hears more than one point of view. The
split is solved exactly with CP-SAT (one worker: the same workbook always gives the same binômes).
"""

from __future__ import annotations

from collections import defaultdict
from itertools import combinations_with_replacement

from ortools.sat.python import cp_model

from ccc_xl.contract import COMPANIES

from .model import EMPLOYER, Binome, Company
from .solver import new_solver
from ..wording import count


def mix_score(group: tuple[Company, ...]) -> int:
    """How well a group mixes: employer + non-employer first, then distinct types, then domains."""
    types = {c.type for c in group}
    employer_mix = EMPLOYER in types and len(types - {EMPLOYER}) > 0
    return 4 * employer_mix + 2 * (len(types) - 1) + (len({c.domain for c in group}) - 1)


def _partition(companies: list[Company]) -> list[tuple[Company, ...]]:
    """Pairs, plus one trio when the count is odd, maximising the total mix score.

    The score only depends on each company's (type, domain) class, so the problem is solved on
    classes — how many pairs of each two classes, which three classes make the trio — then the
    companies of each class are handed out in workbook order. Companies of one class are
    interchangeable: the optimum is exact, and the model stays small whatever the number of
    companies (a few classes instead of thousands of symmetric pairs and triples).
    """
    n = len(companies)
    if n <= 3:
        return [tuple(companies)] if companies else []
    members: dict[tuple, list[Company]] = defaultdict(list)
    for company in companies:
        members[company.type, company.domain].append(company)
    classes = sorted(members, key=str)
    count = {c: len(members[c]) for c in classes}
    model = cp_model.CpModel()
    pairs = {(a, b): model.new_int_var(0, min(count[a], count[b]) // (2 if a == b else 1), f"p{a}{b}")
             for a, b in combinations_with_replacement(classes, 2) if count[a] >= 1 + (a == b)}
    trios = {}
    if n % 2:
        for group in combinations_with_replacement(classes, 3):
            if all(group.count(c) <= count[c] for c in group):
                trios[group] = model.new_bool_var(f"t{group}")
        model.add_exactly_one(trios.values())
    for c in classes:
        model.add(sum(var * ((a == c) + (b == c)) for (a, b), var in pairs.items())
                  + sum(var * group.count(c) for group, var in trios.items()) == count[c])

    def score(group) -> int:
        used: dict[tuple, int] = defaultdict(int)
        sample = []
        for c in group:
            sample.append(members[c][used[c]])
            used[c] += 1
        return mix_score(tuple(sample))

    model.maximize(sum(score(k) * v for k, v in pairs.items()) + sum(score(k) * v for k, v in trios.items()))
    solver = new_solver(10.0)
    solver.parameters.linearization_level = 2  # its LP bound proves the optimum at once
    status = solver.solve(model)
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):  # never seen: pairs always exist
        raise RuntimeError("company pairing found no solution")
    left = {c: list(members[c]) for c in classes}
    groups = [tuple(left[c].pop(0) for c in group) for group, var in trios.items() if solver.value(var)]
    for (a, b), var in pairs.items():
        for _ in range(solver.value(var)):
            groups.append((left[a].pop(0), left[b].pop(0)))
    order = {id(c): i for i, c in enumerate(companies)}
    groups = [tuple(sorted(g, key=lambda c: order[id(c)])) for g in groups]
    return sorted(groups, key=lambda g: order[id(g[0])])


def form_binomes(companies: list[Company]) -> list[Binome]:
    """Fixed groups first (in workbook order), then the pairs (and the trio); labelled B1, B2…"""
    fixed: dict[str, list[Company]] = {}
    for company in companies:
        if company.fixed_pair:
            fixed.setdefault(company.fixed_pair, []).append(company)
    imposed = {key: group for key, group in fixed.items() if len(group) >= 2}
    free = [c for c in companies if c.fixed_pair not in imposed]
    groups = [(tuple(g), True) for g in imposed.values()] + [(g, False) for g in _partition(free)]
    return [Binome(f"B{k}", group, is_fixed) for k, (group, is_fixed) in enumerate(groups, start=1)]


def composition_lines(binomes) -> list[str]:
    """How the binômes were formed, in French: pairs, the trio and why, imposed groups."""
    free = [b for b in binomes if not b.fixed]
    fixed = [b for b in binomes if b.fixed]
    n_free = sum(len(b.companies) for b in free)
    trios = [b for b in free if len(b.companies) == 3]
    pairs = sum(len(b.companies) == 2 for b in binomes)
    head = f"{count(len(binomes), 'binôme')} : {count(pairs, 'paire')} d'entreprises" + (" et 1 trio" if trios else "")
    if fixed:
        head += f" ; {count(len(fixed), 'imposé')} par la colonne {COMPANIES.quoted('fixed_pair')}"
    lines = [head + "."]
    if trios:
        lines.append(f"Un seul trio ({trios[0].label} : {trios[0].names}) : les {n_free} entreprises hors "
                     "binômes imposés sont en nombre impair, l'une d'elles complète une paire.")
    elif n_free == 1:
        alone = free[0]
        lines.append(f"{alone.names} est la seule entreprise hors binômes imposés : elle forme seule "
                     f"le binôme {alone.label} (inscrivez une autre entreprise pour en faire une paire).")
    for b in fixed:
        if len(b.companies) != 2:
            lines.append(f"Le binôme imposé {b.label} compte {len(b.companies)} entreprises, comme "
                         f"l'indique la colonne {COMPANIES.quoted('fixed_pair')}.")
    for b in free:
        for c in b.companies:
            if c.fixed_pair:
                lines.append(f"« {c.fixed_pair} » ({COMPANIES.quoted('fixed_pair')}) n'est indiqué que pour "
                             f"{c.name} : aucune autre entreprise ne le partage, elle est associée comme "
                             "les autres.")
    return lines


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
