"""Benchmark of the funders' export at national scale: 200 workbooks, 20 000 participants.

Builds the workbooks once (in parallel) into a cache folder, then times each phase of
`ccc-xl export-financeurs` — reading (in worker processes, as the command does), consolidation,
indicators, the disclosure-controlled sheets, the check before writing, writing — and the peak memory of the process (the workers' is their own), and, in the
same run, python-calamine's raw read of every sheet of the same files with the ratio. Prints a table.

    PYTHONPATH=. python scripts/bench_indicators.py [--classeurs 200] [--participants 100] [--dossier /tmp/ccc-bench]
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import resource
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

from python_calamine import CalamineWorkbook

from ccc_xl import contract as c
from ccc_xl import funders
from ccc_xl import indicators as ind
from ccc_xl.workbook.build import create_workbook
from ccc_xl.workbook.export import write_new_workbook
from ccc_xl.commands import _read_for_export
from ccc_xl.workbook.file import FileBackend

YEARS = (2019, 2020, 2021, 2022, 2023)


def rows_for(number: int, participants: int) -> dict:
    """One establishment's five sessions with ``participants`` people in all and a year of follow-up."""
    rng = random.Random(number)
    institution = f"Établissement {number:03d}"
    rows = {t: [] for t in (c.SESSIONS, c.CANDIDATES, c.COMPANIES, c.FOLLOWUP, c.PATHWAYS, c.FUNDING, c.DEBRIEFING)}
    per_year = participants // len(YEARS)
    for year in YEARS:
        start = dt.date(year, 3, 11)
        rows[c.SESSIONS].append({"year": year, "institution": institution, "coaching_start": start, "coaching_end": start + dt.timedelta(days=4)})
        rows[c.FUNDING] += [{"session": year, "funder": "SPIP", "amount": 6000}, {"session": year, "funder": "FIPD", "amount": 8000}]
        rows[c.COMPANIES] += [{"id": f"SIRET-{rng.randint(1, 3000):05d}", "session": year, "name": "Entreprise",
                               "type": rng.choice(c.COMPANY_TYPES), "domain": rng.choice(c.ROME_DOMAINS)} for _ in range(12)]
        for index in range(per_year):
            pid = f"N{number:03d}-{year}-{index:02d}"
            rows[c.CANDIDATES].append({"id": pid, "session": year, "last_name": f"Nom{number}{index}", "first_name": "Prénom",
                                       "birth_date": dt.date(year - rng.randint(18, 30), rng.randint(1, 12), 1),
                                       "ecrou": f"{number:03d}{year}{index:02d}", "retained": True})
            granted = rng.random() < 0.5
            rows[c.PATHWAYS].append({"participant": pid, "adjustment_granted": granted,
                                     "adjustment_type": rng.choice(c.ADJUSTMENT_TYPES) if granted else None,
                                     "release_date": start + dt.timedelta(days=rng.randint(30, 300)),
                                     "situation_6m": rng.choice(c.SITUATIONS), "situation_1y": rng.choice((*c.SITUATIONS, None))})
            rows[c.FOLLOWUP] += [{"participant": pid, "date": start + dt.timedelta(days=30 * m + 10), "type": "Entretien ML"}
                                 for m in range(12) if rng.random() < 0.9]
            rows[c.DEBRIEFING].append({"session": year, "participant": pid, "type": rng.choice(c.PROPOSAL_TYPES)})
    return rows


def build_one(args) -> Path:
    path, number, participants = args
    if not path.exists():
        create_workbook(path, overwrite=True)
        backend = FileBackend(path)
        for table, table_rows in rows_for(number, participants).items():
            backend.fill_table(table, [[r.get(k) for k in table.keys] for r in table_rows])
        backend.save(backup=False)
    return path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--classeurs", type=int, default=200)
    parser.add_argument("--participants", type=int, default=100, help="participants par classeur")
    parser.add_argument("--dossier", type=Path, default=Path("/tmp/ccc-bench-indicateurs"))
    options = parser.parse_args()
    folder = options.dossier / f"{options.classeurs}x{options.participants}"
    folder.mkdir(parents=True, exist_ok=True)
    jobs = [(folder / f"classeur-{n:03d}.xlsx", n, options.participants) for n in range(options.classeurs)]
    started = time.perf_counter()
    with ProcessPoolExecutor() as pool:
        paths = list(pool.map(build_one, jobs))
    built = time.perf_counter() - started

    # The floor: python-calamine reading every sheet of the same files, values only (no typing).
    clock = time.perf_counter()
    for path in paths:
        with CalamineWorkbook.from_path(str(path)) as book:
            for name in book.sheet_names:
                book.get_sheet_by_name(name).to_python()
    raw_read = time.perf_counter() - clock

    timings = []
    clock = time.perf_counter()
    tables = [read for read, *_ in _read_for_export(paths)]  # what export-financeurs reads, as it reads it
    timings.append(("Lecture des classeurs (passerelle)", time.perf_counter() - clock))
    clock = time.perf_counter()
    consolidated = funders.consolidate(tables, [p.name for p in paths])
    timings.append(("Consolidation et doublons", time.perf_counter() - clock))
    clock = time.perf_counter()
    today = dt.date(2026, 11, 26)
    results = ind.compute(consolidated.sources, today)
    timings.append(("Indicateurs (5 années + cumul)", time.perf_counter() - clock))
    clock = time.perf_counter()
    contents = funders.export_contents(consolidated, today, results=results)  # as the command: indicators computed once
    timings.append(("Feuilles anonymisées", time.perf_counter() - clock))
    clock = time.perf_counter()
    problems = funders.check_export(contents, consolidated, results, funders.disclosure.DEFAULT_THRESHOLD)
    timings.append(("Contrôle avant écriture", time.perf_counter() - clock))
    assert not problems, problems
    clock = time.perf_counter()
    write_new_workbook(folder / "financeurs.xlsx", contents)
    timings.append(("Écriture du classeur financeurs", time.perf_counter() - clock))
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

    total = results.values[results.cumulative]
    followups = len(consolidated.sources[c.FOLLOWUP])
    print(f"\n{options.classeurs} classeurs, {total['participants']} participants, {followups} lignes de suivi, "
          f"{total['entreprises']} entreprises distinctes (construction : {built:.0f} s, en cache ensuite)\n")
    print(f"| {'Étape':<36} | {'Durée (s)':>9} |")
    print(f"|{'-' * 38}|{'-' * 11}|")
    for label, seconds in timings:
        print(f"| {label:<36} | {seconds:>9.2f} |")
    print(f"| {'Total export':<36} | {sum(s for _, s in timings):>9.2f} |")
    print(f"| {'Mémoire maximale du processus (Mo)':<36} | {peak_mb:>9.0f} |")
    print(f"\nLecture brute python-calamine (toutes les feuilles, mêmes fichiers) : {raw_read:.2f} s ; "
          f"lecture de l'export : {timings[0][1]:.2f} s, soit {timings[0][1] / raw_read:.1f} × la lecture brute")
    written = folder / "financeurs.xlsx"
    print(f"\nExport : {written} ({written.stat().st_size / 1e6:.1f} Mo), {len(consolidated.duplicates)} doublons")


if __name__ == "__main__":
    main()
