"""Benchmark the interview rotation solver on synthetic sessions (participants × binômes).

Prints, for the demo's session in preparation and for sizes 10×6, 20×10 and 40×20: the solve time,
the five objective values (slots, relevant meetings, variety, load gap, idle slots) against the naive
cyclic rotation's, and which objectives are proven optimal (or the bound when not).
Targets: under 1 s for a real session, under 10 s at 40×20.

    PYTHONPATH=. python scripts/bench_rotation.py
"""

from __future__ import annotations

import platform
import time
from datetime import date

import pandas as pd

from ccc_xl import contract, demo
from ccc_xl.rotation import build_instance, solve_schedule
from ccc_xl.sessions import participants, session_row, session_rows

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


def demo_session():
    """The demo's session in preparation, as the « Rotations » button sees it."""
    data = demo.build()
    frames = {t.name: pd.DataFrame(data.table_rows(t), columns=t.keys)
              for t in (contract.SESSIONS, contract.CANDIDATES, contract.COMPANIES)}
    sessions = frames[contract.SESSIONS.name]
    year = int(sessions["year"].max())
    return year, build_instance(participants(frames[contract.CANDIDATES.name], year),
                                session_rows(frames[contract.COMPANIES.name], year),
                                session_row(sessions, year))


def values(o) -> str:
    return f"{o.slots}/{o.relevant}/{o.variety}/{o.imbalance}/{o.gaps}"


def main() -> None:
    year, real = demo_session()
    cases = [(f"démo {year} ({len(real.participants)}×{len(real.binomes)})", real)]
    cases += [(f"{n}×{b}", session(n, b)) for n, b in SIZES]
    print(f"{date.today():%d/%m/%Y}, {platform.processor() or platform.machine()}, "
          f"limite {TIME_LIMIT:g} s — objectifs : créneaux/domaine/variété/écart/attente")
    print(f"| {'taille':<18} | {'temps (s)':>9} | {'planning':>16} | {'rotation cyclique':>17} | preuve |")
    print(f"|{'-' * 20}|{'-' * 10}:|{'-' * 17}:|{'-' * 18}:|---|")
    for name, instance in cases:
        started = time.monotonic()
        schedule = solve_schedule(instance, TIME_LIMIT)
        seconds = time.monotonic() - started
        base = values(schedule.baseline) if schedule.baseline else "échec"
        proof = "optimal prouvé" if schedule.optimal else "; ".join(
            s for s in schedule.stages if "non prouvé" in s)
        print(f"| {name:<18} | {seconds:>9.2f} | {values(schedule.objectives):>16} | {base:>17} | {proof} |")


if __name__ == "__main__":
    main()
