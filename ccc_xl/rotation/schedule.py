"""The interview schedule, optimised with OR-Tools CP-SAT.

One boolean per possible meeting (participant, binôme, slot) — only where both are there. The rules
are hard constraints. The five objectives are lexicographic and solved **in stages**: minimise the
slots used, then (slots fixed) maximise relevant meetings, then variety, then minimise the load gap
between binômes, then participants' idle slots. Each stage starts from the previous solution and
freezes its value (at its optimum when proven, otherwise no worse than the solution found), so the
report says, objective by objective, whether it is proven optimal or how far the bound is.

The naive cyclic rotation (``baseline.py``) is the yardstick: every objective is also a constraint
"no worse than the cyclic rotation", so no objective is ever traded for a higher one. A compact plan
(`_compact_plan`) usually settles the first objective without searching the whole model, and stages
the schedule in hand already settles are skipped (`_obvious_bound`).

Each participant has exactly the required number of interviews: "at least three" is met, and extra
interviews would only lengthen the day.
"""

from __future__ import annotations

import time as clock
from collections import defaultdict
from dataclasses import dataclass

from ortools.sat.python import cp_model

from ccc_xl.contract import SESSIONS

from .baseline import cyclic_schedule
from .feasibility import precheck
from .model import (LATEST_ADVISED_END, Instance, Objectives, RotationError, Schedule,
                    assign_rooms, evaluate, hhmm, lower_bound_slots)

# Up to this many possible meetings (a real session has a few hundred) CP-SAT runs one worker: the
# same workbook always gives the same planning, and its LP-guided search proves optimality faster
# than the 2-worker portfolio of a modest laptop. Larger models need every core (large-neighbourhood
# search finds improvements a single worker does not).
ONE_WORKER_UP_TO = 2500

STAGE_LABELS = {
    "slots": ("Créneaux utilisés", False),
    "relevant": ("Rencontres dans le domaine visé", True),
    "variety": ("Variété des types d'entreprises", True),
    "imbalance": ("Écart de charge entre binômes", False),
    "gaps": ("Créneaux d'attente des participants", False),
}


def _idle_slots(m: cp_model.CpModel, inst: Instance, n_s: int, busy) -> list:
    """Per participant, the idle slots between their first and last interview, as expressions.

    ``busy(p, s)`` lists the variables that put participant ``p`` in an interview at slot ``s``.
    started[s] = first interview at or before s, pending[s] = last one at or after s, both
    monotone; the span is the slots where both hold. Stronger than min/max integer variables, which
    matters for proving the last stage optimal.
    """
    idle = []
    for p in range(len(inst.participants)):
        started = [m.NewBoolVar(f"started{p}_{s}") for s in range(n_s)]
        pending = [m.NewBoolVar(f"pending{p}_{s}") for s in range(n_s)]
        for s in range(n_s):
            in_slot = sum(busy(p, s))
            m.Add(in_slot <= started[s])
            m.Add(in_slot <= pending[s])
            m.AddBoolOr([started[s], pending[s]])
            if s:
                m.AddImplication(started[s - 1], started[s])
                m.AddImplication(pending[s], pending[s - 1])
        idle.append(sum(started) + sum(pending) - n_s - inst.required)
        # Redundant cut: n interviews in a half-day, at most c in a row, leave >= ceil(n/c) - 1
        # idle slots in it. Gives the last stage the bound it cannot find alone.
        pauses = []
        for block in {slot.block for slot in inst.slots[:n_s]}:
            count = sum(v for s in range(n_s) if inst.slots[s].block == block for v in busy(p, s))
            pause = m.NewIntVar(0, inst.required, f"pause{p}_{block}")
            m.Add(inst.params.max_consecutive * (pause + 1) >= count)
            pauses.append(pause)
        m.Add(idle[-1] >= sum(pauses))
    return idle


def _participant_rules(m: cp_model.CpModel, inst: Instance, n_s: int, busy) -> None:
    """Each participant: exactly the required interviews, one at a time, never too many in a row."""
    windows = [w for w in inst.consecutive_windows() if w[-1] < n_s]
    for p in range(len(inst.participants)):
        m.Add(sum(v for s in range(n_s) for v in busy(p, s)) == inst.required)
        for s in range(n_s):
            m.AddAtMostOne(busy(p, s))
        for window in windows:
            m.Add(sum(v for s in window for v in busy(p, s)) <= inst.params.max_consecutive)


@dataclass
class _Model:
    """The CP-SAT model of one instance with one expression per objective."""

    instance: Instance
    horizon: int | None = None  # only the first slots: a known schedule proves no more are needed
    allowed: frozenset | None = None  # (participant, slot) pairs to keep, to give binômes to a plan

    def __post_init__(self):
        inst, m = self.instance, cp_model.CpModel()
        n_p, n_b = len(inst.participants), len(inst.binomes)
        n_s = min(len(inst.slots), self.horizon or len(inst.slots))
        x = {k: m.NewBoolVar(f"x{k}") for k, ok in inst.can_meet.items()
             if ok and k[2] < n_s and (self.allowed is None or (k[0], k[2]) in self.allowed)}
        groups: dict[tuple, list] = defaultdict(list)
        for (p, b, s), var in x.items():
            for key in (("pb", p, b), ("ps", p, s), ("bs", b, s), ("s", s), ("b", b)):
                groups[key].append(var)
            for t in inst.binomes[b].types:
                groups["pt", p, t].append(var)
        busy = lambda p, s: groups["ps", p, s]  # noqa: E731
        _participant_rules(m, inst, n_s, busy)
        for p in range(n_p):
            for b in range(n_b):
                m.AddAtMostOne(groups["pb", p, b])
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
        m.Add(relevant <= n_p * inst.required)  # redundant: a bound to report before the LP has one

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
        # Redundant: lets the solver prove a gap of 0 (or 1) optimal at once.
        m.Add(high - low >= _obvious_bound(inst, "imbalance"))

        self.model, self.x, self.used = m, x, used
        self.objectives = {"slots": slots, "relevant": relevant, "variety": sum(met_type),
                           "imbalance": high - low, "gaps": sum(_idle_slots(m, inst, n_s, busy))}

    def keep(self, name: str, value: int, exact: bool = False) -> None:
        """Objective ``name`` equal to ``value`` (``exact``) or no worse than it."""
        expr, maximise = self.objectives[name], STAGE_LABELS[name][1]
        self.model.Add(expr == value if exact else expr >= value if maximise else expr <= value)

    def no_worse_than(self, reference: Objectives) -> None:
        """Only schedules at least as good as ``reference`` on every objective, one by one."""
        for name in STAGE_LABELS:
            self.keep(name, getattr(reference, name))

    def hint(self, placed) -> None:
        self.model.ClearHints()
        chosen = set(placed)
        for key, var in self.x.items():
            self.model.AddHint(var, key in chosen)

    def solve(self, seconds: float, linearization: int = 2) -> tuple[cp_model.CpSolver, int]:
        """Solve within ``seconds``; LP bounds (level 2) halve the time to prove optimality, but
        slow down the search for a first solution, where level 0 is best."""
        solver = cp_model.CpSolver()
        solver.parameters.max_time_in_seconds = max(seconds, 0.05)
        solver.parameters.linearization_level = linearization
        # Probing (presolve's trial assignments) costs more than it saves here, at every stage:
        # 10 × 6 in 0.35 s instead of 1 s, 20 × 10 proven in 3 s instead of not in 7 s.
        solver.parameters.cp_model_probing_level = 0
        solver.parameters.num_workers = 1 if len(self.x) <= ONE_WORKER_UP_TO else 0
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
    longer = instance.with_params(day_end=max(LATEST_ADVISED_END, instance.params.day_end))
    if len(longer.slots) > len(instance.slots) and _feasible(longer, seconds):
        model = _Model(longer)
        model.model.Minimize(model.objectives["slots"])
        solver, _ = model.solve(seconds)
        needed = int(solver.ObjectiveValue())
        fixes.append(f"il faut au moins {needed} créneaux, la journée n'en compte que "
                     f"{len(instance.slots)} : indiquez {hhmm(longer.slots[needed - 1].end)} ou plus "
                     f"tard dans {SESSIONS.quoted('day_end')}")
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
                      f"binômes ou baissez {SESSIONS.quoted('interviews_per_participant')}."]
    return [head, "Pour le rendre possible, au choix :", *(f"- {fix} ;" for fix in fixes)]


def _value(instance: Instance, placed, name: str) -> int:
    """One objective of a schedule, measured on the schedule itself (not read from the solver: the
    auxiliary variables of a merely feasible solution may be slack)."""
    return getattr(evaluate(instance, assign_rooms(instance, placed)), name)


def _obvious_bound(instance: Instance, name: str) -> int | None:
    """A bound no schedule can pass, cheap to compute: reached, the stage needs no search."""
    n_p, n_b = len(instance.participants), len(instance.binomes)
    if name == "relevant":  # each participant meets at most the binômes of their domain
        return sum(min(instance.required, sum(instance.relevant(p, b) for b in range(n_b)))
                   for p in range(n_p))
    if name == "imbalance":  # loads can only be equal when the interviews divide evenly
        return 1 if n_b and (n_p * instance.required) % n_b else 0
    return None


def _compact_plan(instance: Instance, reference: Objectives | None,
                  seconds: float) -> list[tuple[int, int, int]] | None:
    """A schedule in the fewest slots possible, no worse than ``reference``, or None.

    Two small steps instead of the whole model: first who is interviewed in which slot, ignoring
    binômes (a tiny relaxation, which also minimises idle slots), then which binôme sees each of
    those interviews. The day length tried grows from ``lower_bound_slots`` only while the
    relaxation is proven infeasible, so a schedule found here proves the first objective optimal
    without any other search — at 40 × 20 in 1 to 2 s, where the whole model needs 3 to 10 s
    and sometimes gives up. None when a step fails or runs out of time.
    """
    inst, n_p, n_b = instance, len(instance.participants), len(instance.binomes)
    deadline = clock.monotonic() + seconds
    last = (reference.slots - 1) if reference is not None else len(inst.slots)
    for k in range(lower_bound_slots(inst), last + 1):
        m = cp_model.CpModel()
        a = {(p, s): m.NewBoolVar(f"a{p}_{s}") for p in range(n_p) for s in range(k)
             if any(inst.can_meet[p, b, s] for b in range(n_b))}
        busy = lambda p, s: [a[p, s]] if (p, s) in a else []  # noqa: E731
        _participant_rules(m, inst, k, busy)
        for s in range(k):
            here = sum(any(inst.can_meet[p, b, s] for p in range(n_p)) for b in range(n_b))
            m.Add(sum(v for p in range(n_p) for v in busy(p, s)) <= min(inst.params.rooms, here))
        gaps = sum(_idle_slots(m, inst, k, busy))
        if reference is not None:
            m.Add(gaps <= reference.gaps)
        m.Minimize(gaps)
        solver = cp_model.CpSolver()
        solver.parameters.max_time_in_seconds = max(deadline - clock.monotonic(), 0.05) / 4
        solver.parameters.num_workers = 1  # a few hundred variables
        status = solver.Solve(m)
        if status == cp_model.INFEASIBLE:
            continue  # proven: not even the interviews alone fit in k slots
        if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            return None
        plan = _Model(inst, k, frozenset(key for key, var in a.items() if solver.BooleanValue(var)))
        if reference is not None:
            plan.no_worse_than(reference)
        solver, status = plan.solve(deadline - clock.monotonic(), linearization=0)
        return plan.placed(solver) if status in (cp_model.OPTIMAL, cp_model.FEASIBLE) else None
    return None


def solve_schedule(instance: Instance, time_limit: float = 10.0) -> Schedule:
    """The best schedule found within ``time_limit`` seconds; RotationError when none exists.

    The naive cyclic rotation, when it succeeds, is the yardstick: the schedule is never worse on
    any objective (each one is a constraint). With the compact plan it bounds the day (no need to
    look beyond their last slot), seeds the search, and is the fallback should the solver find
    nothing in time.
    """
    reasons = precheck(instance)
    if reasons:
        raise RotationError(reasons)
    started = clock.monotonic()
    # The solver's own time: the rest goes to building models, hints and measuring each stage, so
    # that the whole call stays within ``time_limit``.
    solving = 0.9 * time_limit
    cyclic = cyclic_schedule(instance)
    baseline = evaluate(instance, cyclic) if cyclic else None
    compact = _compact_plan(instance, baseline, solving * 0.3)
    placed = compact or (_placed_of(instance, cyclic) if cyclic else None)
    model = _Model(instance, 1 + max(s for *_, s in placed) if placed else None)
    if baseline is not None:
        model.no_worse_than(baseline)
    if placed:
        model.hint(placed)
    stages, optimal, names = [], True, list(STAGE_LABELS)
    for k, name in enumerate(names):
        label, maximise = STAGE_LABELS[name]
        expr, bound, proven = model.objectives[name], None, True
        # No search when the compact plan has the fewest slots, or when the schedule in hand already
        # reaches what no schedule can pass.
        settled = (name == "slots" and compact) or (
            placed is not None and _value(instance, placed, name) == _obvious_bound(instance, name))
        if not settled:
            (model.model.Maximize if maximise else model.model.Minimize)(expr)
            remaining = solving - (clock.monotonic() - started)
            share = 0.4 if k == 0 else 1 / (len(names) - k)  # finding the first schedule is the hard part
            solver, status = model.solve(remaining * share)
            if status == cp_model.INFEASIBLE:
                raise RotationError(explain_infeasible(instance))
            if status in (cp_model.OPTIMAL, cp_model.FEASIBLE):
                placed, bound = model.placed(solver), round(solver.BestObjectiveBound())
            elif placed is None:
                raise RotationError([f"Aucun planning trouvé en {time_limit:g} s : la session est "
                                     "peut-être trop contrainte ; ajoutez une salle, des binômes ou "
                                     f"allongez la journée ({SESSIONS.quoted('day_end')}), puis "
                                     "relancez."])
            proven = status == cp_model.OPTIMAL  # otherwise: the schedule in hand, bound if known
        value = _value(instance, placed, name)
        optimal &= proven
        stages.append(f"{label} : {value} (optimal prouvé)" if proven else
                      f"{label} : {value} (non prouvé optimal" +
                      (f", borne {bound})" if bound is not None else ")"))
        model.keep(name, value, exact=proven)
        if name == "slots":  # the day's length is settled: no interview after its last slot
            for var in model.used[value:]:
                model.model.Add(var == 0)
        model.hint(placed)
    interviews = assign_rooms(instance, placed)
    return Schedule(interviews, evaluate(instance, interviews), optimal, tuple(stages),
                    clock.monotonic() - started, baseline)
