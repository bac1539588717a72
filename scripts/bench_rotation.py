"""Benchmark the interview rotation planner, and measure the largest session it accepts.

1. Quality and speed: the demo's session in preparation, then synthetic sessions (participants ×
   binômes, every fifth participant unavailable 10:00-10:45, one room per binôme): the whole run's
   time (pairing, solving, Grand Oral), its CPU time, the six objectives (slots/empty/relevant/
   variety/load gap/idle) against the cyclic rotation's, and what is proven optimal (or the bound).
   Targets: a 12 × 24 session (12 participants, 24 companies) proven optimal in 2 s or less;
   40 × 20 proven, or within 1 % of the bound, in the 10 s limit.
2. Size limit: sessions of growing size, each in a fresh process (peak memory of that process
   alone), planned without the size guard; then the guard's limits and its refusal message.
   An accepted size must plan within the time limit (plus 20 % for pairing and building), stay
   under 2 GB, and give the shortest day proven (the first objective) in every room layout.

    PYTHONPATH=. python scripts/bench_rotation.py            # both parts
    PYTHONPATH=. python scripts/bench_rotation.py --qualite  # part 1 only
"""

from __future__ import annotations

import datetime as dt
import json
import os
import platform
import resource
import subprocess
import sys
import time
from datetime import date

import pandas as pd

from ccc_xl import contract, demo
from ccc_xl.rotation import RotationError, build_instance, grand_oral_order, solve_schedule
from ccc_xl.rotation.binomes import form_binomes
from ccc_xl.rotation.limits import MAX_COMPANIES, MAX_PARTICIPANTS
from ccc_xl.rotation.model import Instance, Params, last_end, read_companies, read_participants
from ccc_xl.sessions import participants, session_row, session_rows

# (participants, companies): the real sessions' size, then larger ones.
SIZES = ((10, 12), (12, 24), (20, 20), (40, 40))
LIMIT_SIZES = ((40, 80), (80, 160), (120, 240), (160, 320))
TIME_LIMIT = 10.0
MEMORY_LIMIT_MB = 2048


# Room layouts of the size table: one room per binôme; one room per 5 participants and a day
# until 19:00 (15 slots of interviews); 10-minute interviews back to back (42 slots, the guard
# allows 48) and one room per 12 participants (36 slots): the largest models the guard accepts.
LAYOUTS = {
    "binomes": lambda n, c: {"rooms": c // 2},
    "cinq": lambda n, c: {"rooms": n // 5, "day_end": dt.time(19, 0)},
    "courts": lambda n, c: {"rooms": n // 12, "interview_minutes": 10, "changeover_minutes": 0},
}


def frames(n_people: int, n_companies: int, layout: str = "binomes"):
    domains, types = contract.ROME_DOMAINS, contract.COMPANY_TYPES
    people = pd.DataFrame([{
        "id": f"C{i:03d}", "first_name": f"P{i}", "domain": domains[i % 7],
        "unavailability": "10:00-10:45" if i % 5 == 0 else None,
    } for i in range(n_people)])
    companies = pd.DataFrame([{
        "id": f"E{i:03d}", "name": f"Entreprise {i}", "type": types[i % 4], "domain": domains[i % 9],
        "fixed_pair": None, "arrival": None, "departure": None,
    } for i in range(n_companies)])
    return people, companies, LAYOUTS[layout](n_people, n_companies)


def session(n_people: int, n_companies: int, layout: str = "binomes") -> Instance:
    """A synthetic session, built as the planner builds it but without the size guard."""
    people, companies, settings = frames(n_people, n_companies, layout)
    persons, _ = read_participants(people)
    firms, _ = read_companies(companies)
    return Instance(tuple(persons), tuple(form_binomes(firms)), Params.from_mapping(settings))


def demo_session():
    """The demo's session in preparation, as the « Rotations » button sees it."""
    data = demo.build()
    tables = {t.name: pd.DataFrame(data.table_rows(t), columns=t.keys)
              for t in (contract.SESSIONS, contract.CANDIDATES, contract.COMPANIES)}
    sessions = tables[contract.SESSIONS.name]
    year = int(sessions["year"].max())
    return year, build_instance(participants(tables[contract.CANDIDATES.name], year),
                                session_rows(tables[contract.COMPANIES.name], year),
                                session_row(sessions, year))


def values(o) -> str:
    return f"{o.slots}/{o.empty}/{o.relevant}/{o.variety}/{o.imbalance}/{o.gaps}"


def quality() -> None:
    year, real = demo_session()
    cases = [(f"démo {year} ({len(real.participants)}×{sum(len(b.companies) for b in real.binomes)})",
              lambda: real)]
    cases += [(f"{n}×{c}", lambda n=n, c=c: session(n, c)) for n, c in SIZES]
    print(f"{date.today():%d/%m/%Y}, {platform.processor() or platform.machine()}, {os.cpu_count()} cœurs, "
          f"limite {TIME_LIMIT:g} s — participants×entreprises ; objectifs : "
          "créneaux/vides/domaine/variété/écart/attente")
    print(f"| {'taille':<17} | {'temps (s)':>9} | {'CPU (s)':>7} | {'planning':>17} | {'rotation cyclique':>17} | preuve |")
    print(f"|{'-' * 19}|{'-' * 10}:|{'-' * 8}:|{'-' * 18}:|{'-' * 18}:|---|")
    for name, make in cases:
        started, cpu = time.monotonic(), time.process_time()
        instance = make()
        schedule = solve_schedule(instance, TIME_LIMIT)
        grand_oral_order(instance, last_end(instance, schedule.interviews))
        seconds, cpu = time.monotonic() - started, time.process_time() - cpu
        base = values(schedule.baseline) if schedule.baseline else "échec"
        proof = "optimal prouvé" if schedule.optimal else "; ".join(
            s for s in schedule.stages if "non prouvé" in s)
        print(f"| {name:<17} | {seconds:>9.2f} | {cpu:>7.2f} | {values(schedule.objectives):>17} | "
              f"{base:>17} | {proof} |", flush=True)


def one_size(n_people: int, n_companies: int, layout: str) -> dict:
    """Plan one synthetic session in this process (run in a fresh one by `limit`)."""
    started, cpu = time.monotonic(), time.process_time()
    day_proven = False
    try:
        schedule = solve_schedule(session(n_people, n_companies, layout), TIME_LIMIT)
        outcome = "optimal prouvé" if schedule.optimal else "non prouvé : " + "; ".join(
            s.split(" (")[0] for s in schedule.stages if "non prouvé" in s)
        day_proven = "(optimal prouvé)" in schedule.stages[0]
    except RotationError as error:
        outcome = "échec : " + error.reasons[0][:60]
    return {"seconds": time.monotonic() - started, "cpu": time.process_time() - cpu, "outcome": outcome,
            "day_proven": day_proven, "memory_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}


def limit() -> None:
    print("\nTaille limite (un processus par taille, mémoire = pic du processus ; salles : une par binôme, "
          "ou une pour 5 participants et une journée jusqu'à 19:00 (15 créneaux), ou une pour 12 participants "
          "et des entretiens de 10 min sans battement (36 créneaux)) :")
    print(f"| {'participants×entreprises':<24} | {'salles':>6} | {'temps (s)':>9} | {'CPU (s)':>7} | "
          f"{'mémoire (Mo)':>12} | résultat |")
    print(f"|{'-' * 26}|{'-' * 7}:|{'-' * 10}:|{'-' * 8}:|{'-' * 13}:|---|")
    accepted, failed = None, False
    for n, c in LIMIT_SIZES:
        fits_all = True
        for layout in LAYOUTS:
            done = subprocess.run([sys.executable, __file__, "--une-taille", str(n), str(c), layout],
                                  capture_output=True, text=True, timeout=900)
            rooms = LAYOUTS[layout](n, c)["rooms"]
            if done.returncode:
                print(f"| {n}×{c:<21} | {rooms:>6} | échec du processus : {done.stderr.strip()[-200:]} |")
                fits_all = False
                continue
            row = json.loads(done.stdout.strip().splitlines()[-1])
            fits_all &= row["seconds"] <= 1.2 * TIME_LIMIT and row["memory_mb"] < MEMORY_LIMIT_MB \
                and row["day_proven"]
            print(f"| {n}×{c:<21} | {rooms:>6} | {row['seconds']:>9.2f} | {row['cpu']:>7.2f} | "
                  f"{row['memory_mb']:>12.0f} | {row['outcome']} |", flush=True)
        failed |= not fits_all
        if fits_all and not failed:
            accepted = (n, c)
    print(f"Plus grande taille mesurée planifiée en {TIME_LIMIT:g} s (+20 %) et {MEMORY_LIMIT_MB} Mo, journée la plus "
          "courte prouvée : " + (f"{accepted[0]} participants, {accepted[1]} entreprises" if accepted else "aucune"))
    print(f"Limites de ccc_xl/rotation/limits.py : {MAX_PARTICIPANTS} participants, {MAX_COMPANIES} entreprises.")
    people, companies, settings = frames(MAX_PARTICIPANTS + 1, MAX_COMPANIES + 2)
    try:
        build_instance(people, companies, settings)
    except RotationError as error:
        print("Au-delà, refus immédiat : " + " ".join(error.reasons))


if __name__ == "__main__":
    if sys.argv[1:2] == ["--une-taille"]:
        print(json.dumps(one_size(int(sys.argv[2]), int(sys.argv[3]), sys.argv[4])))
    else:
        quality()
        if "--qualite" not in sys.argv:
            limit()
