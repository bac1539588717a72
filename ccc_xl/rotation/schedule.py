"""The interview schedule, optimised with OR-Tools CP-SAT.

One boolean per possible meeting (participant, binôme, slot) — only where both are there. The rules
are hard constraints. The five objectives are lexicographic and solved **in stages**: minimise the
slots used, then (slots fixed) maximise relevant meetings, then variety, then minimise the load gap
between binômes, then participants' idle slots. Each stage starts from the previous solution and
freezes its value (at its optimum when proven, otherwise no worse than the solution found), so the
report says, objective by objective, whether it is proven optimal or how far the bound is.

Each participant has exactly the required number of interviews: "at least three" is met, and extra
interviews would only lengthen the day.
"""

from __future__ import annotations

import time as clock
from collections import defaultdict
from dataclasses import dataclass

from ortools.sat.python import cp_model

from .baseline import cyclic_schedule
from .feasibility import precheck
from .model import (Instance, RotationError, Schedule, assign_rooms, evaluate, hhmm,
                    lower_bound_slots)

STAGE_LABELS = {
    "slots": ("Créneaux utilisés", False),
    "relevant": ("Rencontres dans le domaine visé", True),
    "variety": ("Variété des types d'entreprises", True),
    "imbalance": ("Écart de charge entre binômes", False),
    "gaps": ("Créneaux d'attente des participants", False),
}


@dataclass
class _Model:
    """The CP-SAT model of one instance with one expression per objective."""

    instance: Instance
    horizon: int | None = None  # only the first slots: a known schedule proves no more are needed

    def __post_init__(self):
        inst, m = self.instance, cp_model.CpModel()
        n_p, n_b = len(inst.participants), len(inst.binomes)
        n_s = min(len(inst.slots), self.horizon or len(inst.slots))
        x = {k: m.NewBoolVar(f"x{k}") for k, ok in inst.can_meet.items() if ok and k[2] < n_s}
        groups: dict[tuple, list] = defaultdict(list)
        for (p, b, s), var in x.items():
            for key in (("p", p), ("pb", p, b), ("ps", p, s), ("bs", b, s), ("s", s), ("b", b)):
                groups[key].append(var)
            for t in inst.binomes[b].types:
                groups["pt", p, t].append(var)
        windows = [w for w in inst.consecutive_windows() if w[-1] < n_s]
        for p in range(n_p):
            m.Add(sum(groups["p", p]) == inst.required)
            for b in range(n_b):
                m.AddAtMostOne(groups["pb", p, b])
            for s in range(n_s):
                m.AddAtMostOne(groups["ps", p, s])
            for window in windows:
                m.Add(sum(v for s in window for v in groups["ps", p, s])
                      <= inst.params.max_consecutive)
        for s in range(n_s):
            for b in range(n_b):
                m.AddAtMostOne(groups["bs", b, s])
            m.Add(sum(groups["s", s]) <= inst.params.rooms)

        used = [m.NewBoolVar(f"used{s}") for s in range(n_s)]
        for (p, b, s), var in x.items():
            m.AddImplication(var, used[s])
        for s in range(n_s - 1):
            m.AddImplication(used[s + 1], used[s])
        slots = sum(used)
        m.Add(slots >= lower_bound_slots(inst))

        relevant = sum(v for (p, b, s), v in x.items() if inst.relevant(p, b))

        met_type = []
        for p in range(n_p):
            for t in inst.types:
                y = m.NewBoolVar(f"y{p}{t}")
                m.Add(y <= sum(groups["pt", p, t]))
                met_type.append(y)

        loads = [sum(groups["b", b]) for b in range(n_b)]
        high, low = m.NewIntVar(0, n_p, "high"), m.NewIntVar(0, n_p, "low")
        m.AddMaxEquality(high, loads)
        m.AddMinEquality(low, loads)

        # Idle slots: started[p][s] = first interview at or before s, pending[p][s] = last one at
        # or after s, both monotone; the span is the slots where both hold. Stronger than min/max
        # integer variables, which matters for proving the last stage optimal.
        idle = []
        for p in range(n_p):
            started = [m.NewBoolVar(f"started{p}_{s}") for s in range(n_s)]
            pending = [m.NewBoolVar(f"pending{p}_{s}") for s in range(n_s)]
            for s in range(n_s):
                busy = sum(groups["ps", p, s])
                m.Add(busy <= started[s])
                m.Add(busy <= pending[s])
                m.AddBoolOr([started[s], pending[s]])
                if s:
                    m.AddImplication(started[s - 1], started[s])
                    m.AddImplication(pending[s], pending[s - 1])
            idle.append(sum(started) + sum(pending) - n_s - inst.required)
            # Redundant cut: n interviews in a half-day, at most c in a row, leave >= ceil(n/c) - 1
            # idle slots in it. Gives the last stage the bound it cannot find alone.
            pauses = []
            for block in {slot.block for slot in inst.slots[:n_s]}:
                count = sum(v for s in range(n_s) if inst.slots[s].block == block
                            for v in groups["ps", p, s])
                pause = m.NewIntVar(0, inst.required, f"pause{p}_{block}")
                m.Add(inst.params.max_consecutive * (pause + 1) >= count)
                pauses.append(pause)
            m.Add(idle[-1] >= sum(pauses))

        self.model, self.x = m, x
        self.objectives = {"slots": slots, "relevant": relevant, "variety": sum(met_type),
                           "imbalance": high - low, "gaps": sum(idle)}

    def hint(self, placed) -> None:
        self.model.ClearHints()
        chosen = set(placed)
        for key, var in self.x.items():
            self.model.AddHint(var, key in chosen)

    def solve(self, seconds: float, workers: int = 0) -> tuple[cp_model.CpSolver, int]:
        solver = cp_model.CpSolver()
        solver.parameters.max_time_in_seconds = max(seconds, 0.05)
        solver.parameters.linearization_level = 2  # LP bounds: halves the time to prove optimality
        if workers:
            solver.parameters.num_workers = workers

        return solver, solver.Solve(self.model)

    def placed(self, solver) -> list[tuple[int, int, int]]:
        return [k for k, v in self.x.items() if solver.BooleanValue(v)]


def _placed_of(instance: Instance, interviews) -> list[tuple[int, int, int]]:
    p_index = {p.id: i for i, p in enumerate(instance.participants)}
    b_index = {b.label: i for i, b in enumerate(instance.binomes)}
    return [(p_index[i.participant], b_index[i.binome], i.slot - 1) for i in interviews]


def _feasible(instance: Instance, seconds: float) -> bool:
    if precheck(instance):
        return False
    _, status = _Model(instance).solve(seconds)
    return status in (cp_model.OPTIMAL, cp_model.FEASIBLE)


def explain_infeasible(instance: Instance, seconds: float = 2.0) -> list[str]:
    """Why no schedule exists, found by relaxing one rule at a time, and what would fix it."""
    params, fixes = instance.params, []
    n_binomes = len(instance.binomes)
    if params.rooms < n_binomes and _feasible(instance.with_params(rooms=n_binomes), seconds):
        rooms = next(r for r in range(params.rooms + 1, n_binomes + 1)
                     if _feasible(instance.with_params(rooms=r), seconds))
        fixes.append(f"ajoutez {rooms - params.rooms} salle(s) (il en faut {rooms})")
    longer = instance.with_params(day_end=23 * 60 + 59)
    if len(longer.slots) > len(instance.slots) and _feasible(longer, seconds):
        model = _Model(longer)
        model.model.Minimize(model.objectives["slots"])
        solver, _ = model.solve(seconds)
        needed = int(solver.ObjectiveValue())
        fixes.append(f"il faut au moins {needed} créneaux, la journée n'en compte que "
                     f"{len(instance.slots)} : finissez à {hhmm(longer.slots[needed - 1].end)}")
    if params.max_consecutive < instance.required:
        for allowed in range(params.max_consecutive + 1, instance.required + 1):
            if _feasible(instance.with_params(max_consecutive=allowed), seconds):
                fixes.append(f"autorisez {allowed} entretiens d'affilée")
                break
    for p, person in enumerate(instance.participants):
        if person.unavailable and _feasible(instance.without_unavailability(p), seconds):
            fixes.append(f"réduisez les indisponibilités de {person.label}")
    companies = [c for b in instance.binomes for c in b.companies]
    if any(c.arrival is not None or c.departure is not None for c in companies) and \
            _feasible(instance.with_companies_all_day(), seconds):
        fixes.append("élargissez les horaires de présence des entreprises (arrivée, départ)")
    head = "Aucun planning ne respecte toutes les règles de la session."
    if not fixes:
        return [head, "Même en relâchant une règle à la fois, aucun planning n'existe : ajoutez des "
                      "binômes ou baissez « Entretiens par participant »."]
    return [head, "Pour le rendre possible, au choix :", *(f"- {fix} ;" for fix in fixes)]


def solve_schedule(instance: Instance, time_limit: float = 10.0, workers: int = 0) -> Schedule:
    """The best schedule found within ``time_limit`` seconds; RotationError when none exists.

    The naive cyclic rotation, when it succeeds, bounds the day (no need to look beyond its last
    slot), seeds the search, and is the fallback should the solver find nothing in time.
    """
    reasons = precheck(instance)
    if reasons:
        raise RotationError(reasons)
    started = clock.monotonic()
    baseline = cyclic_schedule(instance)
    known = _placed_of(instance, baseline) if baseline else None
    model = _Model(instance, max(i.slot for i in baseline) if baseline else None)
    placed, stages, optimal = known, [], True
    if known:
        model.hint(known)
    names = list(STAGE_LABELS)
    for k, name in enumerate(names):
        label, maximise = STAGE_LABELS[name]
        expr = model.objectives[name]
        (model.model.Maximize if maximise else model.model.Minimize)(expr)
        remaining = time_limit - (clock.monotonic() - started)
        share = 0.4 if k == 0 else 1 / (len(names) - k)  # finding the first schedule is the hard part
        solver, status = model.solve(remaining * share, workers)
        if status == cp_model.INFEASIBLE:
            raise RotationError(explain_infeasible(instance))
        if status in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            value, bound = round(solver.ObjectiveValue()), round(solver.BestObjectiveBound())
            placed = model.placed(solver)
        elif placed is None:
            raise RotationError([f"Aucun planning trouvé en {time_limit:g} s : la session est "
                                 "peut-être trop contrainte ; ajoutez une salle, des binômes ou "
                                 "allongez la journée, puis relancez."])
        else:  # nothing better than the schedule in hand: keep it, bound unknown
            value, bound = getattr(evaluate(instance, assign_rooms(instance, placed)), name), None
        proven = status == cp_model.OPTIMAL
        optimal &= proven
        stages.append(f"{label} : {value} (optimal prouvé)" if proven else
                      f"{label} : {value} (non prouvé optimal" +
                      (f", borne {bound})" if bound is not None else ")"))
        model.model.Add(expr == value if proven else (expr >= value if maximise else expr <= value))
        model.hint(placed)
    interviews = assign_rooms(instance, placed)
    return Schedule(interviews, evaluate(instance, interviews), optimal, tuple(stages),
                    clock.monotonic() - started)
