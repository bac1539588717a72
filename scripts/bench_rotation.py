"""Benchmark the interview rotation solver on synthetic sessions (participants × binômes).

Prints solve time, objective values (slots, relevant meetings, variety, load gap, idle slots), the
naive cyclic rotation for comparison, and whether each objective is proven optimal.
Targets: under 1 s for a real session (10×6), under 10 s at 40×20.

    PYTHONPATH=. python scripts/bench_rotation.py
"""

from __future__ import annotations

import time

import pandas as pd

from ccc_xl import contract
from ccc_xl.rotation import build_instance, cyclic_schedule, evaluate, solve_schedule

SIZES = ((10, 6), (20, 10), (40, 20))
TIME_LIMIT = 10.0


def session(n_people: int, n_binomes: int):
    domains, types = contract.ROME_DOMAINS, contract.COMPANY_TYPES
    participants = pd.DataFrame([{
        "id": f"C{i:02d}", "first_name": f"P{i}", "domain": domains[i % 7],
        "unavailability": "10:00-10:45" if i % 5 == 0 else None,
    } for i in range(n_people)])
    companies = pd.DataFrame([{
        "id": f"E{i:02d}", "name": f"Entreprise {i}", "type": types[i % 4], "domain": domains[i % 9],
        "fixed_pair": None, "arrival": None, "departure": None,
    } for i in range(2 * n_binomes)])
    return build_instance(participants, companies, {"rooms": n_binomes})


def main() -> None:
    print(f"{'taille':>7} | {'temps (s)':>9} | {'créneaux':>8} | {'domaine':>7} | {'variété':>7} | "
          f"{'écart':>5} | {'attente':>7} | {'cyclique (créneaux/domaine/attente)':>35} | preuve")
    for n_people, n_binomes in SIZES:
        instance = session(n_people, n_binomes)
        started = time.monotonic()
        schedule = solve_schedule(instance, TIME_LIMIT)
        seconds = time.monotonic() - started
        o = schedule.objectives
        base = cyclic_schedule(instance)
        b = evaluate(instance, base) if base else None
        cyclic = f"{b.slots}/{b.relevant}/{b.gaps}" if b else "échec"
        proof = "optimal prouvé" if schedule.optimal else "; ".join(
            s for s in schedule.stages if "prouvé optimal" in s)
        print(f"{n_people:>3}×{n_binomes:<3} | {seconds:>9.2f} | {o.slots:>8} | {o.relevant:>7} | "
              f"{o.variety:>7} | {o.imbalance:>5} | {o.gaps:>7} | {cyclic:>35} | {proof}")


if __name__ == "__main__":
    main()
