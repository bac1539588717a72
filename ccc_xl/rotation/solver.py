"""The CP-SAT solver every rotation model (binômes, schedule, Grand Oral) is solved with."""

from __future__ import annotations

from ortools.sat.python import cp_model


def new_solver(seconds: float, workers: int = 1) -> cp_model.CpSolver:
    """A CP-SAT solver limited to ``seconds`` and ``workers``.

    CP-SAT's own Ctrl+C handler is turned off: once installed it replaces Python's for the rest of
    the process, so a later Ctrl+C no longer stopped the command, which wrote its planning anyway.
    With Python's handler, Ctrl+C stops the command as soon as the solve returns, nothing written."""
    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = max(seconds, 0.05)
    solver.parameters.num_workers = workers
    solver.parameters.catch_sigint_signal = False
    return solver
