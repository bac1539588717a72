"""The interview schedule, optimised with OR-Tools CP-SAT, objective by objective.

The objectives have one explicit priority order (``model.OBJECTIVES``): the day's length first
(slots used), then no slot left empty for everyone before the last interview, relevant meetings,
variety of company types, load gap between binômes, participants' idle slots. « Optimal » means
that no schedule is better on the first objective where two schedules differ.

How a real session is solved and proven in a fraction of a second:

- **Day length**: the timing relaxation (who is interviewed in which slot, binômes ignored) is tried
  with 1, 2… more slots than counting requires; the first length where it has a plan is optimal, as
  it proved every shorter day impossible. When every company stays all day the relaxation is exact
  (König's theorem: the interviews of each slot can always get distinct binômes), so no search of
  the whole model is needed; with company hours the whole model confirms the length.
- **Bounds**: every objective gets a bound from a small relaxation — the timing one for empty and
  idle slots (written by patterns when they are few: a count of participants per set of slots
  their interviews take, whose linear relaxation knows what rooms cost in idle slots), the
  assignment one (which binômes each participant meets in which class of slots
  alike for everyone, each participant's interviews timed) for relevant meetings, variety and load
  gap, each with the previous objectives frozen at their values.
- **First schedule**: the assignment relaxation's best meetings, timed by a model restricted to them
  (a few hundred variables), else the timing relaxation's best plan given binômes. When it reaches
  every bound the schedule is proven optimal at once.
- **Otherwise** each objective whose bound is not reached is searched in the whole model (one
  boolean per possible meeting), starting from the schedule in hand, the bound as a constraint
  (the search ends as soon as it reaches it), then frozen at its value.
- **Symmetry breaking**: participants who cannot be told apart (same domain, same availability) and
  interchangeable binômes (same types, domains and presence) are ordered by when they are busy.

The naive cyclic rotation (``baseline.py``) is reported beside the result, objective by objective,
and is the schedule kept should the solver find nothing in time.
"""

from __future__ import annotations

import math
import time as clock
from collections import defaultdict
from itertools import combinations
from typing import Callable

from ortools.sat.python import cp_model

from ccc_xl.contract import SESSIONS

from .baseline import cyclic_schedule
from .feasibility import precheck
from .model import (OBJECTIVES, Instance, RotationError, Schedule, assign_rooms, evaluate,
                    lower_bound_slots)
from .solver import new_solver

# Up to this many possible meetings CP-SAT runs one worker: the same workbook always gives the same
# planning, and its LP-guided search proves optimality faster than the 2-worker portfolio of a
# modest laptop. Larger models use every core (large-neighbourhood search finds what one worker
# does not).
ONE_WORKER_UP_TO = 6000

LARGER_IS_BETTER = {name: larger for name, _, larger in OBJECTIVES}
LABELS = {name: label.split(" (")[0] for name, label, _ in OBJECTIVES}
FOUND = (cp_model.OPTIMAL, cp_model.FEASIBLE)


class _Clock:
    """The time left for the whole solve, shared out between its steps."""

    def __init__(self, seconds: float):
        self.end = clock.monotonic() + seconds

    def left(self, share: float = 1.0) -> float:
        return max((self.end - clock.monotonic()) * share, 0.05)

    def allows(self, meetings: int) -> bool:
        """Whether a search of the whole model is worth starting: building and presolving it costs
        about 50 µs per possible meeting before the solver even starts (which also bounds the
        memory it can take)."""
        return self.end - clock.monotonic() > max(0.3, 5e-5 * meetings)


def _meetings(inst: Instance, horizon: int) -> int:
    """Possible meetings of the whole model over ``horizon`` slots, at most (its size)."""
    return len(inst.participants) * len(inst.binomes) * horizon


def _solve(model: cp_model.CpModel, seconds: float, workers: int = 1,
           lp: str = "eager") -> tuple[cp_model.CpSolver, int]:
    """Solve within ``seconds``, with the LP settings measured best for each kind of model:

    - ``"lazy"`` (the timing relaxation): the full LP relaxation (linearization level 2) and
      presolve's probing; at 40 × 40 they proved the timing bound 3 times faster.
    - ``"eager"`` (restricted schedules, the assignment relaxation but for relevant meetings): the
      same with every linear constraint in the LP from the start rather than added when violated.
      At 40 × 40 the best meetings' idle slots were proven optimal in 1.6 s instead of 6 s, the
      meeting objectives' bounds 1.5 to 3 times faster; the restricted schedule optimal in 1.7 s
      where the defaults had not in 5.5 s.
    - ``"plain"`` (relevant meetings in the assignment relaxation): CP-SAT's defaults; 0.5 s
      instead of 3 to 7 at 40 × 80 (variety needs the full LP: not found in 30 s without it).
    - ``"whole"`` (the whole model): the defaults without probing (it cost more than it saved at
      every stage measured)."""
    solver = new_solver(seconds, workers)
    if lp in ("lazy", "eager"):
        solver.parameters.linearization_level = 2
        solver.parameters.add_lp_constraints_lazily = lp == "lazy"
    elif lp == "whole":
        solver.parameters.cp_model_probing_level = 0
    return solver, solver.solve(model)


def _bound(solver: cp_model.CpSolver, larger: bool) -> int:
    """The solver's proven bound on its objective, rounded the safe way."""
    value = solver.best_objective_bound
    return math.floor(value + 1e-6) if larger else math.ceil(value - 1e-6)


def _sum(terms) -> cp_model.LinearExpr:
    return cp_model.LinearExpr.sum(list(terms))


def _weighted(pairs) -> cp_model.LinearExpr:
    """Σ weight × variable over (weight, variable) pairs."""
    pairs = list(pairs)
    return cp_model.LinearExpr.weighted_sum([v for _, v in pairs], [w for w, _ in pairs])


def _weights(n: int) -> list[int]:
    """Decreasing weights for n positions: powers of two (a lexicographic order) while small."""
    return [2 ** (n - 1 - i) for i in range(n)] if n <= 30 else [n - i for i in range(n)]


def _order(m: cp_model.CpModel, groups: list[list[int]], row) -> None:
    """Symmetry breaking: within each group of interchangeable items, ``row(i)`` (a list of
    (weight, variable)) never increases. Valid because swapping two such items' whole rows turns
    any schedule into one as good."""
    for group in groups:
        for a, b in zip(group, group[1:]):
            m.add(_weighted(row(a)) >= _weighted(row(b)))


# ---------------------------------------------------------------------------------------------
# Pieces shared by the models
# ---------------------------------------------------------------------------------------------

class _Facts:
    """What a schedule's auxiliary variables are computed from: who is busy when, the company types
    each participant meets, each binôme's load."""

    def __init__(self, inst: Instance, placed):
        self.busy = {(p, s) for p, _, s in placed}
        self.occupied = {s for _, _, s in placed}
        self.types = {(p, t) for p, b, _ in placed for t in inst.binomes[b].types}
        self.loads = [0] * len(inst.binomes)
        self.first, self.last = {}, {}
        for p, b, s in placed:
            self.loads[b] += 1
            self.first[p] = min(s, self.first.get(p, s))
            self.last[p] = max(s, self.last.get(p, s))


# Auxiliary variables and the rule computing each one's value from a schedule's _Facts, so that a
# hint gives every variable: from the meetings alone CP-SAT took 4 s at 40 × 40 to complete it.
Derived = list[tuple[cp_model.IntVar, Callable[[_Facts], int]]]

def _participant_rules(m: cp_model.CpModel, inst: Instance, n_s: int, busy) -> None:
    """Each participant: exactly the required interviews, one at a time, never too many in a row.

    Exactly, not at least: « at least three » is met, and more interviews would only lengthen the
    day. ``busy(p, s)`` lists the variables that put participant ``p`` in an interview at slot ``s``.
    """
    windows = [w for w in inst.consecutive_windows() if w[-1] < n_s]
    for p in range(len(inst.participants)):
        m.add(_sum([v for s in range(n_s) for v in busy(p, s)]) == inst.required)
        for s in range(n_s):
            m.add_at_most_one(busy(p, s))
        for window in windows:
            m.add(_sum([v for s in window for v in busy(p, s)]) <= inst.params.max_consecutive)


def _idle_slots(m: cp_model.CpModel, inst: Instance, n_s: int, busy, derived: Derived) -> list:
    """Per participant, the idle slots between their first and last interview, as expressions.

    started[s] = first interview at or before s, pending[s] = last one at or after s, both
    monotone; the span is the slots where both hold. Stronger than min/max integer variables, which
    matters for proving the last objective optimal.
    """
    idle = []
    for p in range(len(inst.participants)):
        started = [m.new_bool_var(f"started{p}_{s}") for s in range(n_s)]
        pending = [m.new_bool_var(f"pending{p}_{s}") for s in range(n_s)]
        for s in range(n_s):
            derived.append((started[s], lambda f, p=p, s=s: int(f.first.get(p, n_s) <= s)))
            derived.append((pending[s], lambda f, p=p, s=s: int(f.last.get(p, -1) >= s)))
        for s in range(n_s):
            in_slot = _sum(busy(p, s))
            m.add(in_slot <= started[s])
            m.add(in_slot <= pending[s])
            m.add_bool_or([started[s], pending[s]])
            if s:
                m.add_implication(started[s - 1], started[s])
                m.add_implication(pending[s], pending[s - 1])
        idle.append(_sum(started) + _sum(pending) - n_s - inst.required)
        # Redundant cut: n interviews in a half-day, at most c in a row, leave >= ceil(n/c) - 1
        # idle slots in it. Gives the last objective the bound it cannot find alone.
        pauses = []
        for block in {slot.block for slot in inst.slots[:n_s]}:
            count = _sum([v for s in range(n_s) if inst.slots[s].block == block for v in busy(p, s)])
            pause = m.new_int_var(0, inst.required, f"pause{p}_{block}")
            m.add(inst.params.max_consecutive * (pause + 1) >= count)
            derived.append((pause, lambda f, p=p, block=block: max(0, -(-sum(
                (p, s) in f.busy for s in range(n_s) if inst.slots[s].block == block)
                // max(inst.params.max_consecutive, 1)) - 1)))
            pauses.append(pause)
        m.add(idle[-1] >= _sum(pauses))
    return idle


def _day(m: cp_model.CpModel, n_s: int, in_slot, derived: Derived) -> tuple:
    """Slots used (up to the last occupied one) and empty slots before it, as expressions.

    ``in_slot(s)`` lists the variables of the interviews of slot ``s``.
    """
    occupied, used = [], [m.new_bool_var(f"used{s}") for s in range(n_s)]
    for s in range(n_s):
        busy = in_slot(s)
        occ = m.new_bool_var(f"occupied{s}")
        derived.append((occ, lambda f, s=s: int(s in f.occupied)))
        derived.append((used[s], lambda f, s=s: int(s <= max(f.occupied, default=-1))))
        m.add(occ <= _sum(busy))
        for v in busy:
            m.add_implication(v, occ)
        occupied.append(occ)
        m.add_implication(occ, used[s])
        if s + 1 < n_s:
            m.add_implication(used[s + 1], used[s])
            m.add(used[s] <= occ + used[s + 1])
        else:
            m.add(used[s] <= occ)
    return _sum(used), _sum(used) - _sum(occupied)


def _meeting_objectives(m: cp_model.CpModel, inst: Instance, meets: dict, derived: Derived) -> dict:
    """Relevant meetings, variety and load gap over ``meets``: (participant, binôme) -> variables."""
    n_p, n_b = len(inst.participants), len(inst.binomes)
    relevant = _sum([v for (p, b), vs in meets.items() if inst.relevant(p, b) for v in vs])
    by_type = defaultdict(list)
    loads = [[] for _ in range(n_b)]
    for (p, b), vs in meets.items():
        loads[b] += vs
        for t in inst.binomes[b].types:
            by_type[p, t] += vs
    met_type = []
    for (p, t), vs in by_type.items():
        y = m.new_bool_var(f"type{p}_{t}")
        m.add(y <= _sum(vs))
        derived.append((y, lambda f, p=p, t=t: int((p, t) in f.types)))
        met_type.append(y)
    high, low = m.new_int_var(0, n_p, "high"), m.new_int_var(0, n_p, "low")
    m.add_max_equality(high, [_sum(vs) for vs in loads])
    m.add_min_equality(low, [_sum(vs) for vs in loads])
    derived.append((high, lambda f: max(f.loads, default=0)))
    derived.append((low, lambda f: min(f.loads, default=0)))
    # Redundant: loads can only be equal when the interviews divide evenly.
    m.add(high - low >= (1 if n_b and (n_p * inst.required) % n_b else 0))
    return {"relevant": relevant, "variety": _sum(met_type), "imbalance": high - low}


def _keep(m: cp_model.CpModel, expr, name: str, value: int, exact: bool) -> None:
    """Objective ``name`` equal to ``value`` (``exact``) or no worse than it."""
    m.add(expr == value if exact else expr >= value if LARGER_IS_BETTER[name] else expr <= value)


def _optimise(m: cp_model.CpModel, expr, name: str) -> None:
    (m.maximize if LARGER_IS_BETTER[name] else m.minimize)(expr)


# ---------------------------------------------------------------------------------------------
# The two relaxations
# ---------------------------------------------------------------------------------------------

class _TimingModel:
    """What both writings of the timing relaxation share: ``model``, ``objectives`` (empty and
    gaps when the day's length is exact), solved with the same LP settings."""

    model: cp_model.CpModel
    objectives: dict

    def solve(self, seconds: float) -> tuple[cp_model.CpSolver, int]:
        return _solve(self.model, seconds, lp="lazy")

    def bound(self, name: str, frozen: dict, seconds: float) -> int | None:
        """The best ``name`` (empty or gaps) of any day this long, previous objectives frozen."""
        if name == "gaps" and "empty" in frozen:
            _keep(self.model, self.objectives["empty"], "empty", frozen["empty"], exact=True)
        _optimise(self.model, self.objectives[name], name)
        solver, status = self.solve(seconds)
        if status == cp_model.OPTIMAL:
            return round(solver.objective_value)
        return _bound(solver, LARGER_IS_BETTER[name]) if status == cp_model.FEASIBLE else None


class _Timing(_TimingModel):
    """Who is interviewed in which slot of the first ``k``, binômes ignored.

    A relaxation of the schedule (exact when every company stays all day). ``exact`` makes the day
    last exactly k slots, for the empty and idle slots of a day of that length.
    """

    def __init__(self, inst: Instance, k: int, exact: bool = False, start=None):
        m, n_p, n_b = cp_model.CpModel(), len(inst.participants), len(inst.binomes)
        a = {(p, s): m.new_bool_var(f"a{p}_{s}") for p in range(n_p) for s in range(k)
             if inst.usable[p][s]}
        if start and all(key in a for key in start):  # a plan known to respect every rule
            for key, var in a.items():
                m.add_hint(var, key in start)
        busy = lambda p, s: [a[p, s]] if (p, s) in a else []  # noqa: E731
        _participant_rules(m, inst, k, busy)
        for s in range(k):
            present = sum(inst.here[b][s] for b in range(n_b))
            m.add(_sum([v for p in range(n_p) for v in busy(p, s)]) <= min(inst.params.rooms, present))
        self.objectives = {}
        if exact:
            slots, empty = _day(m, k, lambda s: [v for p in range(n_p) for v in busy(p, s)], [])
            m.add(slots == k)
            self.objectives = {"empty": empty, "gaps": _sum(_idle_slots(m, inst, k, busy, []))}
        weights = _weights(k)
        _order(m, inst.twins(lambda p, _: inst.usable[p][:k]),
               lambda p: [(weights[s], a[p, s]) for s in range(k) if (p, s) in a])
        self.model, self.a = m, a

    def plan(self, solver) -> frozenset:
        return frozenset(key for key, var in self.a.items() if solver.boolean_value(var))


# The timing relaxation by patterns up to this many (kind of participant, pattern) variables.
PATTERNS_UP_TO = 20000


def _day_patterns(inst: Instance, k: int, usable) -> list[tuple[int, ...]]:
    """Every set of the required interviews' slots among the first ``k`` a participant free in
    ``usable`` could have: usable slots, never more than ``max_consecutive`` in a row, and (with
    company hours) a different binôme there in each of them."""
    limit, found = inst.params.max_consecutive, []
    for slots in combinations([s for s in range(k) if usable[s]], inst.required):
        run, ok = 0, True
        for i, s in enumerate(slots):
            joined = i and slots[i - 1] == s - 1 and inst.slots[s].block == inst.slots[s - 1].block
            run = run + 1 if joined else 1
            if run > limit:
                ok = False
                break
        if ok and (not inst.company_hours or _distinct_binomes(inst, slots)):
            found.append(slots)
    return found


def _distinct_binomes(inst: Instance, slots) -> bool:
    """Whether each of ``slots`` can have its own binôme among those present then (a matching,
    by augmenting paths): a participant never meets a binôme twice."""
    mate: dict[int, int] = {}  # binôme -> slot

    def place(s, seen) -> bool:
        for b in range(len(inst.binomes)):
            if inst.here[b][s] and b not in seen:
                seen.add(b)
                if b not in mate or place(mate[b], seen):
                    mate[b] = s
                    return True
        return False

    return all(place(s, set()) for s in slots)


class _Patterns(_TimingModel):
    """The timing relaxation of a day of exactly ``k`` slots (``_Timing(exact=True)``), written
    by patterns: participants who are free in the same slots are one kind, and a count per kind
    and pattern (the slots of one participant's interviews) says how many of them have that
    pattern. The same plans and the same optimum when companies stay all day (with company hours
    a tighter relaxation: a pattern needs a different binôme present in each of its slots), but
    idle slots become a plain sum over patterns and its linear relaxation is nearly exact: with 8
    participants in 2 rooms the former model took 7 s to prove 8 idle slots (its relaxation: 0),
    this one 0.05 s. ``None`` from ``build``
    when the patterns are too many (many slots and interviews)."""

    @classmethod
    def build(cls, inst: Instance, k: int) -> "_Patterns | None":
        kinds: dict[tuple, list[int]] = {}
        for p in range(len(inst.participants)):
            kinds.setdefault(inst.usable[p][:k], []).append(p)
        free = [sum(row) for row in kinds]
        if sum(math.comb(n, inst.required) for n in free) > PATTERNS_UP_TO:
            return None
        return cls(inst, k, kinds)

    def __init__(self, inst: Instance, k: int, kinds: dict[tuple, list[int]]):
        m = cp_model.CpModel()
        self.count, covering = {}, [[] for _ in range(k)]
        for kind, (usable, members) in enumerate(kinds.items()):
            counts = []
            for slots in _day_patterns(inst, k, usable):
                var = m.new_int_var(0, len(members), f"n{kind}_{'_'.join(map(str, slots))}")
                self.count[kind, slots] = var
                counts.append(var)
                for s in slots:
                    covering[s].append(var)
            m.add(_sum(counts) == len(members))
        occupied = []
        for s in range(k):
            present = sum(inst.here[b][s] for b in range(len(inst.binomes)))
            m.add(_sum(covering[s]) <= min(inst.params.rooms, present))
            occ = m.new_bool_var(f"occupied{s}")
            m.add(occ <= _sum(covering[s]))
            occupied.append(occ)
        if occupied:
            m.add(occupied[-1] == 1)  # the day lasts exactly k slots
        self.objectives = {
            "empty": k - _sum(occupied),
            "gaps": _weighted((slots[-1] - slots[0] + 1 - len(slots), var)
                              for (_, slots), var in self.count.items()),
        }
        self.model, self.members = m, list(kinds.values())

    def plan(self, solver) -> frozenset:
        """(participant, slot) pairs: each kind's patterns handed out to its members in order."""
        given = defaultdict(list)
        for (kind, slots), var in self.count.items():
            given[kind] += [slots] * solver.value(var)
        return frozenset((p, s) for kind, members in enumerate(self.members)
                         for p, slots in zip(members, given[kind]) for s in slots)


def _exact_timing(inst: Instance, k: int) -> "_Patterns | _Timing":
    """The timing relaxation of a day of exactly ``k`` slots: by patterns when they are few."""
    return _Patterns.build(inst, k) or _Timing(inst, k, exact=True)


# The assignment relaxation's size limit (meeting variables): beyond it, one class of slots.
CLASSES_UP_TO = 4000


def _slot_classes(inst: Instance, k: int) -> list[list[int]]:
    """The first ``k`` slots grouped by how every participant and binôme sees them (the same
    availability and presence): within a class, slots are interchangeable but for their order.
    A single class (all ``k`` slots) beyond two classes or ``CLASSES_UP_TO`` meetings: on random
    sessions with varied unavailabilities and company hours (3 to 11 classes) the relaxation by
    classes took the time the former path needed and gave worse plans, while with two classes
    (40 × 40, 20 × 20, 40 × 80) it proves the optimum in seconds."""
    classes: dict[tuple, list[int]] = {}
    for s in range(k):
        seen = (tuple(row[s] for row in inst.free), tuple(row[s] for row in inst.here))
        classes.setdefault(seen, []).append(s)
    if len(classes) > 2 or len(classes) * len(inst.participants) * len(inst.binomes) > CLASSES_UP_TO:
        return [list(range(k))]
    return list(classes.values())


class _Assignment:
    """Which binômes each participant meets, and in which class of slots (``_slot_classes``), the
    day of ``k`` slots: a relaxation for relevant meetings, variety and load gap.

    Each participant's interviews are timed (``a[p, s]``, every rule of a participant's day and
    each slot's rooms) and the meetings of a class fill the participant's slots of that class, each
    binôme at most once per slot of the class. Nearly exact: within a class every participant and
    binôme is there in every slot, so König's theorem times the meetings of a class but for the
    interviews-in-a-row rule. Slots ignored altogether (one class, no timing) proved too weak: at
    40 × 40 its best meetings could not be timed at all; it is what ``_slot_classes`` leaves
    beyond two classes or ``CLASSES_UP_TO`` meetings.
    """

    def __init__(self, inst: Instance, k: int):
        m, n_p, n_b = cp_model.CpModel(), len(inst.participants), len(inst.binomes)
        classes = _slot_classes(inst, k)
        z = {(p, b, c): m.new_bool_var(f"z{p}_{b}_{c}") for c, slots in enumerate(classes)
             for p in range(n_p) for b in range(n_b) if any(inst.meets(p, b, s) for s in slots)}
        by_pair, by_pc, by_bc = defaultdict(list), defaultdict(list), defaultdict(list)
        for (p, b, c), v in z.items():
            by_pair[p, b].append(v)
            by_pc[p, c].append(v)
            by_bc[b, c].append(v)
        for vs in by_pair.values():
            m.add_at_most_one(vs)
        for b in range(n_b):
            for c, slots in enumerate(classes):
                m.add(_sum(by_bc[b, c]) <= sum(inst.here[b][s] for s in slots))
        rooms = [min(inst.params.rooms, sum(here[s] for here in inst.here)) for s in range(k)]
        self.a = {}
        if len(classes) == 1:
            for p in range(n_p):
                m.add(_sum(by_pc[p, 0]) == inst.required)
            m.add(_sum(z.values()) <= sum(rooms))
        else:
            a = {(p, s): m.new_bool_var(f"a{p}_{s}") for p in range(n_p) for s in range(k)
                 if inst.usable[p][s]}
            busy = lambda p, s: [a[p, s]] if (p, s) in a else []  # noqa: E731
            _participant_rules(m, inst, k, busy)
            for s in range(k):
                m.add(_sum([v for p in range(n_p) for v in busy(p, s)]) <= rooms[s])
            for p in range(n_p):
                for c, slots in enumerate(classes):
                    m.add(_sum(by_pc[p, c]) == _sum([v for s in slots for v in busy(p, s)]))
            self.a = a
        # No symmetry breaking here: ordering participants by the binômes they meet (weights up to
        # 2^binômes) made this small model several times slower to solve, not faster. No hint
        # from one objective to the next either: at 40 × 40 variety took 11 s from the previous
        # solution, 1.6 s from nothing.
        self.objectives = _meeting_objectives(m, inst, dict(by_pair), [])
        self.model, self.z = m, z

    def bound(self, name: str, frozen: dict, seconds: float) -> tuple[int | None, frozenset | None]:
        """The best ``name`` with previous objectives frozen, and the meetings reaching it."""
        for previous, value in frozen.items():
            if previous in self.objectives:
                _keep(self.model, self.objectives[previous], previous, value, exact=True)
        _optimise(self.model, self.objectives[name], name)
        solver, status = _solve(self.model, seconds, lp="plain" if name == "relevant" else "eager")
        if status not in FOUND:
            return None, None
        pairs = frozenset((p, b) for (p, b, _), v in self.z.items() if solver.boolean_value(v))
        best = round(solver.objective_value) if status == cp_model.OPTIMAL else \
            _bound(solver, LARGER_IS_BETTER[name])
        return best, pairs


# ---------------------------------------------------------------------------------------------
# The whole model
# ---------------------------------------------------------------------------------------------

class _Model:
    """One boolean per possible meeting (participant, binôme, slot) among the first ``horizon``
    slots, with one expression per objective. ``keep(p, b, s)`` restricts the meetings."""

    def __init__(self, inst: Instance, horizon: int, keep=None):
        m, n_p, n_b = cp_model.CpModel(), len(inst.participants), len(inst.binomes)
        x = {(p, b, s): m.new_bool_var(f"x{p}_{b}_{s}") for p in range(n_p) for b in range(n_b)
             for s in range(horizon) if inst.meets(p, b, s) and (keep is None or keep(p, b, s))}
        groups: dict[tuple, list] = defaultdict(list)
        for (p, b, s), var in x.items():
            for key in (("pb", p, b), ("ps", p, s), ("bs", b, s), ("s", s)):
                groups[key].append(var)
        busy = lambda p, s: groups["ps", p, s]  # noqa: E731
        _participant_rules(m, inst, horizon, busy)
        for p in range(n_p):
            for b in range(n_b):
                m.add_at_most_one(groups["pb", p, b])
        for s in range(horizon):
            for b in range(n_b):
                m.add_at_most_one(groups["bs", b, s])
            m.add(_sum(groups["s", s]) <= inst.params.rooms)
        self.derived: Derived = []
        slots, empty = _day(m, horizon, lambda s: groups["s", s], self.derived)
        m.add(slots >= lower_bound_slots(inst))
        meets = {(p, b): groups["pb", p, b] for p in range(n_p) for b in range(n_b) if groups["pb", p, b]}
        self.objectives = {"slots": slots, "empty": empty,
                           **_meeting_objectives(m, inst, meets, self.derived),
                           "gaps": _sum(_idle_slots(m, inst, horizon, busy, self.derived))}
        self.twins, self.binome_twins = [], []
        if keep is None:  # restricted meetings make participants distinguishable
            weights = _weights(horizon)
            self.twins = inst.twins(lambda p, person: (person.domain, inst.free[p][:horizon]))
            self.binome_twins = [g for g in inst.binome_twins()]
            _order(m, self.twins, lambda p: [(weights[s], v) for s in range(horizon) for v in busy(p, s)])
            _order(m, self.binome_twins,
                   lambda b: [(weights[s], v) for s in range(horizon) for v in groups["bs", b, s]])
        self.model, self.x, self.horizon, self.instance = m, x, horizon, inst
        self.restricted = keep is not None

    def keep(self, name: str, value: int, exact: bool = False) -> None:
        _keep(self.model, self.objectives[name], name, value, exact)

    def hint(self, placed) -> None:
        """Start the search from ``placed``, reordered to satisfy the symmetry breaking."""
        chosen = _canonical(self.instance, placed, self.horizon, self.twins, self.binome_twins)
        facts, chosen = _Facts(self.instance, chosen), set(chosen)
        self.model.clear_hints()
        hint = self.model.proto.solution_hint  # in bulk: add_hint per variable took seconds at 50 000
        hint.vars.extend(var.index for var in self.x.values())
        hint.values.extend(int(key in chosen) for key in self.x)
        hint.vars.extend(var.index for var, _ in self.derived)
        hint.values.extend(rule(facts) for _, rule in self.derived)

    def solve(self, seconds: float, lp: str = "eager") -> tuple[cp_model.CpSolver, int]:
        return _solve(self.model, seconds, 1 if len(self.x) <= ONE_WORKER_UP_TO else 0,
                      lp=lp if self.restricted else "whole")

    def placed(self, solver) -> list[tuple[int, int, int]]:
        return [k for k, v in self.x.items() if solver.boolean_value(v)]


def _canonical(inst: Instance, placed, horizon: int, twins, binome_twins) -> list:
    """``placed`` with interchangeable participants (then binômes) swapped so that their rows are
    in the order the symmetry breaking requires; the objectives are unchanged."""
    weights = _weights(horizon)
    for index, groups in ((0, twins), (1, binome_twins)):
        for group in groups:
            score = {i: sum(weights[t[2]] for t in placed if t[index] == i and t[2] < horizon)
                     for i in group}
            mapping = dict(zip(sorted(group, key=lambda i: (-score[i], i)), group))
            placed = [tuple(mapping.get(v, v) if k == index else v for k, v in enumerate(t))
                      for t in placed]
    return placed


# ---------------------------------------------------------------------------------------------
# Feasibility, the day's length, the first schedule
# ---------------------------------------------------------------------------------------------

def feasible(inst: Instance, seconds: float) -> bool | None:
    """Whether any schedule respects every rule: True, False, or None when not settled in time."""
    if precheck(inst):
        return False
    _, status = _Timing(inst, len(inst.slots)).solve(seconds)
    if status == cp_model.INFEASIBLE:
        return False
    if status not in FOUND:
        return None
    if not inst.company_hours:
        return True  # the relaxation is exact
    if not _Clock(seconds).allows(_meetings(inst, len(inst.slots))):
        return None  # the whole model would not even be built in time
    _, status = _Model(inst, len(inst.slots)).solve(seconds)
    return True if status in FOUND else False if status == cp_model.INFEASIBLE else None


def shortest_day(inst: Instance, seconds: float, start=None) -> tuple[int | None, bool, frozenset]:
    """The fewest slots the timing relaxation can plan (None: not even the whole day), whether
    every shorter day was proven impossible within ``seconds``, and a plan of that length.
    ``start``: (participant, slot) pairs of a schedule known to respect the rules (the cyclic
    rotation), as a first plan."""
    timer = _Clock(seconds)
    n, low = len(inst.slots), lower_bound_slots(inst)
    if low > n:
        return None, True, frozenset()

    def attempt(k):
        timing = _Timing(inst, k, start=start)
        solver, status = timing.solve(timer.left(0.5))
        return status, (timing.plan(solver) if status in FOUND else frozenset())

    status, plan = attempt(low)
    if status in FOUND:  # the usual case: counting's bound is the answer
        return low, True, plan
    proven = status == cp_model.INFEASIBLE
    # Galloping: lb + 1, lb + 2, lb + 4… (the answer is usually just above the count), then halving.
    low, step = low + 1, 1
    while True:
        k = min(low + step - 1, n)
        status, found = attempt(k)
        if status in FOUND:
            high, plan = k, found
            break
        if k == n:
            return (None, True, frozenset()) if status == cp_model.INFEASIBLE else (n, False, frozenset())
        proven &= status == cp_model.INFEASIBLE
        low, step = k + 1, 2 * step
    while low < high:
        k = (low + high) // 2
        status, found = attempt(k)
        if status in FOUND:
            high, plan = k, found
        else:
            proven &= status == cp_model.INFEASIBLE
            low = k + 1
    return high, proven, plan


def _least_idle(inst: Instance, p: int, k: int) -> int:
    """Fewest idle slots participant ``p`` can have in the first ``k`` slots, alone: the narrowest
    window of slots that can hold the required interviews (at most ``max_consecutive`` in a row)."""
    limit, need, best = inst.params.max_consecutive, inst.required, None
    for i in range(k):
        count, run = 0, 0
        for j in range(i, k):
            joined = run and inst.slots[j].block == inst.slots[j - 1].block
            run = (run + 1 if joined else 1) if inst.usable[p][j] else 0
            count = count + 1 if run and run % (limit + 1) else count
            if count >= need:
                best = j - i + 1 - need if best is None else min(best, j - i + 1 - need)
                break
    return best or 0


class _Bounds:
    """Per objective, the best value any schedule could have with the previous objectives frozen:
    a count first, a relaxation (cached) only when the schedule in hand does not reach the count."""

    def __init__(self, inst: Instance, timer: _Clock, day: int | None):
        self.inst, self.timer, self.day, self.cache = inst, timer, day, {}

    def _count(self, name: str, horizon: int) -> int | None:
        inst, n_b, need = self.inst, len(self.inst.binomes), self.inst.required
        reach = [[b for b in range(n_b) if any(inst.meets(p, b, s) for s in range(horizon))]
                 for p in range(len(inst.participants))]
        if name == "empty":
            return 0
        if name == "relevant":
            return sum(min(need, sum(inst.relevant(p, b) for b in row)) for p, row in enumerate(reach))
        if name == "variety":
            widest = max((len(b.types) for b in inst.binomes), default=0)
            return sum(min(len({t for b in row for t in inst.binomes[b].types}), need * widest)
                       for row in reach)
        if name == "imbalance":
            return 1 if n_b and (len(inst.participants) * need) % n_b else 0
        if name == "gaps":
            return sum(_least_idle(inst, p, horizon) for p in range(len(inst.participants)))
        return None

    def _relaxed(self, name: str, frozen: dict) -> int | None:
        horizon = frozen["slots"]
        if name in ("relevant", "variety", "imbalance"):
            prefix = tuple((k, v) for k, v in frozen.items() if k in ("relevant", "variety"))
            key = (name, horizon, prefix)
            if key not in self.cache:
                self.cache[key] = _Assignment(self.inst, horizon).bound(name, dict(prefix),
                                                                         self.timer.left(0.1))[0]
        else:
            key = (name, horizon, frozen.get("empty") if name == "gaps" else None)
            if key not in self.cache:
                self.cache[key] = _exact_timing(self.inst, horizon).bound(name, frozen,
                                                                                 self.timer.left(0.1))
        return self.cache[key]

    def reached(self, name: str, value: int, frozen: dict) -> tuple[bool, int | None]:
        """Whether ``value`` is proven the best possible, and the bound known."""
        if name == "slots":
            return value == self.day, self.day
        count = self._count(name, frozen["slots"])
        if value == count:
            return True, count
        bound = self._relaxed(name, frozen)
        return value == bound, bound if bound is not None else count

    def idle_bound(self, horizon: int) -> None:
        """Computes (and caches) the bound on idle slots of a day of ``horizon`` slots with none
        empty for everyone, the usual case."""
        self._relaxed("gaps", {"slots": horizon, "empty": 0})

    def learn(self, horizon: int, empty: int, gaps: int) -> None:
        """The timing relaxation's proven optimum of a day of ``horizon`` slots: ``empty`` slots,
        then ``gaps`` idle slots with that many empty (the bounds ``_relaxed`` would compute)."""
        self.cache.setdefault(("empty", horizon, None), empty)
        self.cache.setdefault(("gaps", horizon, empty), gaps)

    def all_reached(self, placed, but_last: bool = False) -> bool:
        """Whether ``placed`` reaches every objective's bound (``but_last``: but the last's)."""
        frozen = {}
        for name, _, _ in OBJECTIVES[:-1] if but_last else OBJECTIVES:
            value = _value(self.inst, placed, name)
            if not self.reached(name, value, frozen)[0]:
                return False
            frozen[name] = value
        return True

    def best_pairs(self, horizon: int, share: float) -> frozenset | None:
        """The assignment relaxation's best meetings, objective after objective (bounds cached)."""
        assignment, frozen, pairs = _Assignment(self.inst, horizon), {}, None
        for name in ("relevant", "variety", "imbalance"):
            count = self._count(name, horizon)
            if pairs is not None and _value_of_pairs(self.inst, pairs, name) == count:
                self.cache[name, horizon, tuple(frozen.items())] = frozen[name] = count
                continue  # already the best possible: no search
            best, found = assignment.bound(name, frozen, self.timer.left(share))
            if best is None:
                break
            self.cache[name, horizon, tuple(frozen.items())] = best
            frozen[name], pairs = _value_of_pairs(self.inst, found, name), found
        return pairs


def _restricted(inst: Instance, horizon: int, keep, meetings_first: bool, seconds: float,
                meetings_fixed: bool = False, lp: str = "eager") -> list | None:
    """The best schedule of ``horizon`` slots among the meetings ``keep`` allows: meeting objectives
    first (relevant, variety, load gap) or slot objectives first (empty, idle slots).
    ``meetings_fixed``: ``keep`` allows each participant exactly the interviews required, so only
    the slot objectives are left (without the meeting terms' large weights, 40 × 40 proved its idle
    slots optimal in 3.8 s, and had not in 10 s with them)."""
    model = _Model(inst, horizon, keep)
    model.keep("slots", horizon, exact=True)
    o, n_p = model.objectives, len(inst.participants)
    spread = n_p + 1
    by_variety = spread * (n_p * len(inst.types) + 1)
    meetings = o["relevant"] * by_variety + o["variety"] * spread - o["imbalance"]
    slots = o["empty"] * (n_p * horizon + 1) + o["gaps"]
    if meetings_fixed:
        model.model.minimize(slots)
    elif meetings_first:
        model.model.maximize(meetings * (n_p * horizon + 1) * (horizon + 1) - slots)
    else:
        model.model.minimize(slots * (n_p * inst.required * by_variety + 1) - meetings)
    solver, status = model.solve(seconds, lp)
    return model.placed(solver) if status in FOUND else None


def _matched(inst: Instance, plan) -> list[tuple[int, int, int]] | None:
    """Binômes for a timing plan, slot after slot, each slot an optimal assignment (OR-Tools' linear
    sum assignment) favouring, in this order, a relevant binôme, company types the participant has
    not met yet, and the least busy binômes. Quick at any size, never worse than a blind colouring
    on relevance; None when a later slot finds someone with no binôme left to meet."""
    from ortools.graph.python import linear_sum_assignment

    n_b = len(inst.binomes)
    met: dict[int, set] = defaultdict(set)
    seen_types: dict[int, set] = defaultdict(set)
    load = [0] * n_b
    by_slot: dict[int, list[int]] = defaultdict(list)
    for p, s in plan:
        by_slot[s].append(p)
    placed = []
    for s in sorted(by_slot):
        people = sorted(by_slot[s])
        if len(people) > n_b:
            return None
        matching = linear_sum_assignment.SimpleLinearSumAssignment()
        for i, p in enumerate(people):
            for b in range(n_b):
                if inst.meets(p, b, s) and b not in met[p]:
                    gain = (1000 * inst.relevant(p, b)
                            + 10 * len(inst.binomes[b].types - seen_types[p]) - min(load[b], 9))
                    matching.add_arc_with_cost(i, b, -gain)
        for i in range(len(people), n_b):  # free binômes this slot
            for b in range(n_b):
                matching.add_arc_with_cost(i, b, 0)
        if matching.solve() != matching.OPTIMAL:
            return None
        for i, p in enumerate(people):
            b = matching.right_mate(i)
            met[p].add(b)
            seen_types[p] |= inst.binomes[b].types
            load[b] += 1
            placed.append((p, b, s))
    return placed


def _colour(inst: Instance, plan) -> list[tuple[int, int, int]] | None:
    """Binômes for a timing plan when every company stays all day: a proper edge colouring of the
    bipartite graph participants × slots with the binômes as colours (König: the most interviews
    of a participant or a slot never exceeds the binômes, so it always exists), built by swapping
    colours along alternating paths. None with company hours (a binôme may then be missing)."""
    n_b = len(inst.binomes)
    if inst.company_hours:
        return None
    at: dict[tuple, dict[int, tuple]] = defaultdict(dict)  # vertex -> colour -> other end
    for p, s in sorted(plan, key=lambda ps: (ps[1], ps[0])):
        u, v = ("p", p), ("s", s)
        a = next(c for c in range(n_b) if c not in at[u])
        if a in at[v]:
            b = next(c for c in range(n_b) if c not in at[v])
            path, x, colour = [], v, a  # the a/b path from v never reaches u (bipartite)
            while colour in at[x]:
                y = at[x][colour]
                path.append((x, y, colour))
                x, colour = y, (b if colour == a else a)
            for x, y, c in path:
                del at[x][c], at[y][c]
            for x, y, c in path:
                swapped = b if c == a else a
                at[x][swapped], at[y][swapped] = y, x
        at[u][a], at[v][a] = v, u
    return [(vertex[1], colour, end[1]) for vertex, colours in at.items() if vertex[0] == "p"
            for colour, end in colours.items()]


def _first_schedule(inst: Instance, horizon: int, timer: _Clock, bounds: _Bounds,
                    day_plan: frozenset = frozenset()) -> list | None:
    """A schedule of ``horizon`` slots aiming at every bound: the assignment relaxation's best
    meetings timed, or else the timing relaxation's best plan given binômes (the better one).
    ``day_plan``, a plan of that length found earlier, stands in should the best plan not be
    found in time: the day keeps its proven length.

    Meetings first when the assignment relaxation has several classes of slots: it then times each
    participant's interviews, so its best meetings can nearly always be timed, and it settles the
    meeting objectives, which come before idle slots (at 40 × 40 the timing plan given binômes was
    not solved in 2 s). With one class its meetings often cannot be timed: they come last."""
    found = []
    # Several classes: the settings measured with the assignment relaxation by classes. One class:
    # the time shares and LP settings of the former planner (the same plans on random sessions).
    classes = len(_slot_classes(inst, horizon)) > 1
    lp = "eager" if classes else "lazy"

    def meetings_timed():
        pairs = bounds.best_pairs(horizon, share=0.35 if classes else 0.1)
        if pairs is not None:
            if classes:
                bounds.idle_bound(horizon)  # while time is plentiful: the timing below takes the rest
            return _restricted(inst, horizon, lambda p, b, s: (p, b) in pairs, False,
                               timer.left(0.8 if classes else 0.25), meetings_fixed=True, lp=lp)

    if classes:
        placed = meetings_timed()
        if placed is not None:
            if bounds.all_reached(placed, but_last=True):
                return placed  # a timing plan's binômes could only be better on idle slots
            found.append(placed)
    def timing_plan(timing):
        timing.model.minimize(timing.objectives["empty"] * (len(inst.participants) * horizon + 1)
                              + timing.objectives["gaps"])
        solver, status = timing.solve(timer.left(0.15))
        if status == cp_model.OPTIMAL:  # the fewest empty slots, then the fewest idle slots with those
            bounds.learn(horizon, solver.value(timing.objectives["empty"]), solver.value(timing.objectives["gaps"]))
        return timing.plan(solver) if status in FOUND else frozenset()

    # Both writings of the timing relaxation: by patterns, quick to prove the fewest idle slots
    # (and the bounds), slot by slot, whose plan's binômes can be better on the meeting objectives
    # (40 × 80: 157 for variety instead of 139). The restricted search times the better plan on
    # empty and idle slots, the slot-by-slot one when they are as good.
    patterns = _Patterns.build(inst, horizon)
    plans = [plan for plan in (timing_plan(_Timing(inst, horizon, exact=True)),
                               timing_plan(patterns) if patterns else frozenset()) if plan]
    plans = sorted(plans, key=lambda plan: _day_values(inst, plan, horizon))[:1] + plans
    plan = plans[0] if plans else day_plan
    if plan:
        # Quick assignments first, kept should the restricted search run out of time (as a hint,
        # the colouring slowed that search down three times).
        for timed in dict.fromkeys(plans[1:] or [plan]):
            quick = _matched(inst, timed) or _colour(inst, timed)
            if quick is not None:
                found.append(quick)
        placed = _restricted(inst, horizon, lambda p, b, s: (p, s) in plan, True, timer.left(0.25), lp=lp)
        if placed is not None:
            if bounds.all_reached(placed):
                return placed
            found.append(placed)
    if not classes:
        placed = meetings_timed()
        if placed is not None:
            found.append(placed)
    return min(found, key=lambda placed: evaluate(inst, assign_rooms(inst, placed)).key, default=None)


def _day_values(inst: Instance, plan, horizon: int) -> tuple[int, int]:
    """A timing plan's empty slots (before its last occupied one) and idle slots."""
    by_person: dict[int, list[int]] = defaultdict(list)
    for p, s in plan:
        by_person[p].append(s)
    occupied = {s for _, s in plan}
    empty = max(occupied, default=-1) + 1 - len(occupied)
    return empty, sum(max(slots) - min(slots) + 1 - len(slots) for slots in by_person.values())


def _value_of_pairs(inst: Instance, pairs, name: str) -> int:
    """An objective measured on meetings alone (relevant, variety, imbalance need no slots)."""
    return getattr(evaluate(inst, assign_rooms(inst, [(p, b, 0) for p, b in pairs])), name)


def _value(inst: Instance, placed, name: str) -> int:
    """One objective of a schedule, measured on the schedule itself (not read from the solver: the
    auxiliary variables of a merely feasible solution may be slack)."""
    return getattr(evaluate(inst, assign_rooms(inst, placed)), name)


def solve_schedule(instance: Instance, time_limit: float = 10.0) -> Schedule:
    """The best schedule found within ``time_limit`` seconds; RotationError when none exists."""
    from .remedies import explain_infeasible  # the remedies re-run this module's feasibility test

    started = clock.monotonic()
    reasons = precheck(instance)
    if reasons:
        raise explain_infeasible(instance, reasons, time_limit)
    # The solver's own time: the rest goes to building models and measuring schedules.
    timer = _Clock(0.9 * time_limit)
    cyclic = cyclic_schedule(instance)
    baseline = evaluate(instance, cyclic) if cyclic else None
    start = {(p, s) for p, _, s in _placed_of(instance, cyclic)} if cyclic else None
    shortest, proven_day, day_plan = shortest_day(instance, timer.left(0.3), start)
    if shortest is None:
        raise explain_infeasible(instance, seconds=time_limit)
    horizon, placed = shortest, None
    bounds = _Bounds(instance, timer, shortest if proven_day else None)
    while placed is None and horizon <= len(instance.slots):
        placed = _first_schedule(instance, horizon, timer, bounds,
                                 day_plan if horizon == shortest else frozenset())
        if placed is None and instance.company_hours and timer.allows(_meetings(instance, horizon)):
            model = _Model(instance, horizon)  # the relaxation is not exact: ask the model
            solver, status = model.solve(timer.left(0.3))
            if status in FOUND:
                placed = model.placed(solver)
            elif status == cp_model.INFEASIBLE:  # proven: this day is too short too
                horizon += 1
                bounds.day = horizon if proven_day else None
                continue
        break
    if placed is None and horizon > len(instance.slots):
        raise explain_infeasible(instance, seconds=time_limit)
    if placed is None:
        if cyclic is None:
            raise RotationError([f"Aucun planning trouvé en {time_limit:g} s : la session est peut-être "
                                 "trop contrainte ; ajoutez une salle, des binômes ou allongez la "
                                 f"journée ({SESSIONS.quoted('day_end')}), puis relancez."])
        placed, bounds.day = _placed_of(instance, cyclic), None
        horizon = max(s for *_, s in placed) + 1
    return _optimise_stages(instance, placed, horizon, bounds, timer, started, baseline)


def _optimise_stages(instance, placed, horizon, bounds, timer, started, baseline) -> Schedule:
    """Each objective in priority order: settled when the schedule in hand reaches its bound,
    searched in the whole model otherwise; then frozen at its value."""
    model = None  # built only if some objective needs a search
    frozen, stages, optimal = {}, [], True
    names = [name for name, _, _ in OBJECTIVES]
    for k, name in enumerate(names):
        value = _value(instance, placed, name)
        proven, bound = bounds.reached(name, value, frozen)
        if not proven and timer.allows(_meetings(instance, horizon)):
            if model is None:
                model = _Model(instance, horizon)
                for previous, kept in frozen.items():
                    model.keep(previous, kept, exact=True)
            model.hint(placed)
            if bound is not None:  # proven: the search may stop once a schedule reaches it
                expr = model.objectives[name]
                model.model.add(expr <= bound if LARGER_IS_BETTER[name] else expr >= bound)
            _optimise(model.model, model.objectives[name], name)
            solver, status = model.solve(timer.left(1 / (len(names) - k)))
            if status in FOUND:
                found = model.placed(solver)
                better = _value(instance, found, name)
                if (better > value) if LARGER_IS_BETTER[name] else (better < value):
                    placed, value = found, better
                solver_bound = _bound(solver, LARGER_IS_BETTER[name])
                tighter = min if LARGER_IS_BETTER[name] else max
                bound = solver_bound if bound is None else tighter(bound, solver_bound)
                proven = status == cp_model.OPTIMAL or value == bound
        optimal &= proven
        stages.append(f"{LABELS[name]} : {value} (optimal prouvé)" if proven else
                      f"{LABELS[name]} : {value} (non prouvé optimal" +
                      (f", borne {bound})" if bound is not None else ")"))
        if model is not None:
            model.keep(name, value, exact=True)
        frozen[name] = value
    interviews = assign_rooms(instance, placed)
    return Schedule(interviews, evaluate(instance, interviews), optimal, tuple(stages),
                    clock.monotonic() - started, baseline)


def _placed_of(instance: Instance, interviews) -> list[tuple[int, int, int]]:
    p_index = {p.id: i for i, p in enumerate(instance.participants)}
    b_index = {b.label: i for i, b in enumerate(instance.binomes)}
    return [(p_index[i.participant], b_index[i.binome], i.slot - 1) for i in interviews]
