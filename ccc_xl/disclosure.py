"""Statistical disclosure control for what leaves the Mission Locale: small cells and k-anonymity.

The funders' export is aggregated. A count of people in a breakdown finer than a whole session (a
year's « dont Semi-liberté », « Situation à 6 mois : Formation ») can single a person out when it is
small: « 2019, placement extérieur : 1 » in a session of ten is somebody. So, as statistical offices
do:

- primary suppression: a count from 1 to ``threshold - 1`` is shown « < 5 » (zeros are shown: they
  describe nobody);
- secondary suppression: the breakdowns add up to totals that stay exact (participants, positive
  exits, adjustments: what funders contract on), and years add up to the cumulative column, so one
  hidden cell could be recomputed by subtraction. Other cells are hidden too, shown « s » (secret
  statistique), until an audit finds that no hidden non-zero count has a single possible value (a
  0 worked out describes nobody): for each one, CP-SAT looks for another value consistent with
  every published number, every sum and what the symbols say (« < 5 » is 1 to threshold - 1;
  « s » is any count). When a breakdown runs out of cells to hide, its « < 5 » cells become « s »
  as well (the reader then knows even less).

The per-person table (`--detail`) is made k-anonymous instead: every combination of its
quasi-identifiers is shared by at least k rows, by generalising columns as little as possible
(`generalise`), then removing the few rows still alone.

Pure functions: nothing here reads or writes a file.
"""

from __future__ import annotations

import itertools
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Callable, Hashable

import numpy as np
import pandas as pd

SHOWN, SMALL, SECRET = "shown", "small", "secret"
DEFAULT_THRESHOLD = 5

Key = Hashable


@dataclass
class Grid:
    """Counts and the sums that tie them, as a reader of the published table knows them.

    ``exact``: cells published whatever their size (headline totals). ``hidden``: cells never
    published (the rest of a breakdown whose parts do not cover everyone). ``equations``: each
    (parts, total) says sum(parts) == total.
    """

    values: dict[Key, int]
    exact: set[Key] = field(default_factory=set)
    hidden: set[Key] = field(default_factory=set)
    equations: list[tuple[tuple[Key, ...], Key]] = field(default_factory=list)

    def add(self, parts, total) -> None:
        self.equations.append((tuple(parts), total))

    @property
    def protected(self) -> list[Key]:
        return [k for k in self.values if k not in self.exact and k not in self.hidden]


def protect(grid: Grid, threshold: int = DEFAULT_THRESHOLD) -> dict[Key, str]:
    """SHOWN, SMALL (« < threshold ») or SECRET (« s ») for every protected cell of ``grid``, such
    that no SMALL or SECRET cell can be recomputed from what is published (should hiding every
    cell of a sum not suffice, the status is returned as it is: the export's check then refuses)."""
    status = {k: SMALL if 1 <= grid.values[k] < threshold else SHOWN for k in grid.protected}
    lines = _lines_of(grid)
    cache: dict = {}
    while True:
        disclosed = audit(grid, status, threshold, cache)
        if not disclosed:
            return status
        before = dict(status)
        for cell in disclosed:  # hide one more cell beside each disclosed one: the smallest non-zero first
            neighbours = {k for parts, total in lines[cell] for k in (*parts, total)}
            candidates = sorted((k for k in neighbours if status.get(k) == SHOWN),
                                key=lambda k: (grid.values[k] == 0, grid.values[k], str(k)))
            if candidates:
                status[candidates[0]] = SECRET
            else:  # nothing left to hide around it: its « < 5 » neighbours become « s » (any value)
                for k in neighbours | {cell}:
                    if status.get(k) == SMALL:
                        status[k] = SECRET
        if status == before:  # nothing changed: every protected cell of their sums is hidden
            for cell in disclosed:
                status.update({k: SECRET for parts, total in lines[cell] for k in (*parts, total) if k in status})
        if status == before:  # still recomputable with all hidden: said by the export's check, never a loop
            return status


def _lines_of(grid: Grid) -> dict[Key, list[tuple[tuple[Key, ...], Key]]]:
    lines = defaultdict(list)
    for parts, total in grid.equations:
        for key in (*parts, total):
            lines[key].append((parts, total))
    return lines


def audit(grid: Grid, status: dict[Key, str], threshold: int = DEFAULT_THRESHOLD, cache: dict | None = None) -> list[Key]:
    """The SMALL or SECRET cells whose value a reader can work out exactly (none is the goal).

    A reader knows every published number, every sum, and that « < t » is 1 to t-1 and « s » any
    count. Per group of hidden cells linked by sums, CP-SAT looks for values consistent with all
    that and different from the real ones in as many cells as possible; a cell that no solution
    can change is disclosed."""
    cache = {} if cache is None else cache
    unknown = {k for k, s in status.items() if s != SHOWN} | set(grid.hidden)
    disclosed = []
    for component in _components(grid, unknown):
        signature = frozenset((k, status.get(k)) for k in component)
        if signature not in cache:
            cache[signature] = _disclosed_in(grid, status, component, threshold)
        disclosed += cache[signature]
    return disclosed


def _disclosed_in(grid: Grid, status: dict[Key, str], component: set[Key], threshold: int) -> list[Key]:
    """The cells of ``component`` that no table consistent with what is published can change.

    First in bulk (values differing from the real ones in as many cells as possible, again for the
    cells not moved yet); then, when the bulk search ends without a proof, each cell left on its own
    (is there a consistent table where it alone must differ?). A search that runs out of its budget
    counts the cell as recomputable: the caller hides more rather than publish a doubt. The budget
    is CP-SAT's deterministic time, so the result does not depend on the machine's load."""
    from ortools.sat.python import cp_model

    bound = sum(grid.values.values()) + 1
    equations = [(parts, total) for parts, total in grid.equations if any(k in component for k in (*parts, total))]

    def model_of():
        model = cp_model.CpModel()
        variables = {}
        for key in component:
            low, high = (1, threshold - 1) if status.get(key) == SMALL else (0, bound)
            variables[key] = model.NewIntVar(low, high, str(key))
        term = lambda k: variables[k] if k in variables else grid.values[k]  # noqa: E731
        for parts, total in equations:
            model.Add(sum(term(k) for k in parts) == term(total))
        return model, variables

    def solve(model):
        solver = cp_model.CpSolver()
        solver.parameters.num_workers = 1
        solver.parameters.max_deterministic_time = 5
        # A synthesis' models are a few dozen variables tied by sums: presolving them took longer
        # than solving them (18 solves per export of the demo: 44 ms of CPU with it, 26 ms without).
        solver.parameters.cp_model_presolve = False
        return solver, solver.Solve(model)

    # A hidden 0 that a reader can work out describes nobody (and what it implies for the other
    # cells is in the model): only non-zero counts must keep more than one possible value.
    pending = sorted((k for k in component if k not in grid.hidden and grid.values[k]), key=str)
    while pending:
        model, variables = model_of()
        differs = {}
        for key in pending:
            differs[key] = model.NewBoolVar(f"autre {key}")
            model.Add(variables[key] != grid.values[key]).OnlyEnforceIf(differs[key])
        model.Maximize(sum(differs.values()))
        solver, outcome = solve(model)
        moved = [k for k in pending if outcome in (cp_model.OPTIMAL, cp_model.FEASIBLE)
                 and solver.Value(variables[k]) != grid.values[k]]
        if not moved:
            if outcome == cp_model.OPTIMAL:  # proven: no consistent table changes any of them
                return pending
            break
        pending = [k for k in pending if k not in moved]
    disclosed = []
    for key in pending:
        model, variables = model_of()
        model.Add(variables[key] != grid.values[key])
        _, outcome = solve(model)
        if outcome not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            disclosed.append(key)
    return disclosed


def _components(grid: Grid, unknown: set[Key]) -> list[set[Key]]:
    """Groups of unknown cells linked by a sum (a reader can only combine sums within a group)."""
    parent = {k: k for k in unknown}

    def root(k):
        while parent[k] != k:
            parent[k] = parent[parent[k]]
            k = parent[k]
        return k

    for parts, total in grid.equations:
        linked = [k for k in (*parts, total) if k in unknown]
        for a, b in zip(linked, linked[1:]):
            parent[root(a)] = root(b)
    groups = defaultdict(set)
    for k in unknown:
        groups[root(k)].add(k)
    return [g for g in groups.values() if any(k not in grid.hidden for k in g)]


def marker(status: str, threshold: int = DEFAULT_THRESHOLD) -> str | None:
    """The text shown instead of a hidden count: « < 5 », « s » (None for a shown one)."""
    return f"< {threshold}" if status == SMALL else "s" if status == SECRET else None


# --- k-anonymity --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Ladder:
    """How one column of a per-person table gets coarser: each level's French description and the
    function turning the original values into that level's (level 0 is the column as it is)."""

    column: str
    levels: tuple[tuple[str, Callable[[pd.Series], pd.Series]], ...]
    weight: float = 1.0  # how much the column's detail matters to the table's reader


def class_sizes(frame: pd.DataFrame, columns: list[str]) -> pd.Series:
    """For each row, how many rows share its values on ``columns`` (its equivalence class)."""
    if frame.empty:
        return pd.Series(dtype="int64")
    return frame.groupby(columns, dropna=False)[columns[0]].transform("size").astype("int64")


def generalise(frame: pd.DataFrame, ladders: list[Ladder], k: int, max_removed: int = 0) -> tuple[pd.DataFrame, list[str], int]:
    """``frame`` k-anonymous on the ladders' columns, generalised as little as possible.

    Every combination of levels is tried (a few hundred), the least lossy first: a column's loss is
    the share of its distinct values that the level merges (a column with one value loses nothing),
    times the ladder's weight.
    The first combination leaving at most ``max_removed`` rows in classes smaller than k wins (fewest
    rows removed among equals), and those rows are removed; when none does, the most generalised one
    is taken and every row still alone is removed.

    Returns (the table, the descriptions of the levels applied, the number of rows removed)."""
    levels_of = []  # per ladder: the column's values at each level, as text and as integer codes
    for ladder in ladders:
        original = frame[ladder.column]
        values = [original] + [function(original) for _, function in ladder.levels]
        levels_of.append([(v, pd.factorize(v.astype(str))[0]) for v in values])
    loss = [[ladder.weight * (1 - len(set(codes)) / max(len(set(level[0][1])), 1)) if len(frame) else 0
             for _, codes in level] for ladder, level in zip(ladders, levels_of)]
    nodes = sorted(itertools.product(*(range(len(level)) for level in levels_of)),
                   key=lambda node: (sum(loss[i][n] for i, n in enumerate(node)), sum(node), node))

    def alone(node) -> np.ndarray:
        key = np.zeros(len(frame), dtype=np.int64)
        for i, n in enumerate(node):
            codes = levels_of[i][n][1]
            key = key * (int(codes.max(initial=0)) + 1) + codes
        _, inverse, counts = np.unique(key, return_inverse=True, return_counts=True)
        return counts[inverse] < k

    chosen = None
    for node in nodes:
        cost = sum(loss[i][n] for i, n in enumerate(node))
        if chosen is not None and cost > chosen[0]:
            break
        removed = int(alone(node).sum())
        if removed <= max_removed and (chosen is None or removed < chosen[2]):
            chosen = (cost, node, removed)
    node = chosen[1] if chosen else nodes[-1] if nodes else ()
    table = frame.copy()
    for i, n in enumerate(node):
        table[ladders[i].column] = levels_of[i][n][0]
    lonely = alone(node) if len(frame) else np.zeros(0, dtype=bool)
    applied = [ladders[i].levels[n - 1][0] for i, n in enumerate(node) if n]
    return table[~lonely].reset_index(drop=True), applied, int(lonely.sum())
