"""Benchmark of the funders' export at national scale: 200 workbooks, 20 000 participants.

Builds the workbooks once (in parallel) into a cache folder, then, in each of several passes, times
python-calamine's raw read of every sheet of the same files, each phase of `ccc-xl export-financeurs`
— reading (in worker processes, as the command does), consolidation, indicators, the
disclosure-controlled sheets, the check before writing, writing — and the whole command as a fresh
process. Prints the medians of wall and CPU times (CPU: the process and its finished children, the
reading workers included), the export's reading over the raw read of the same pass, the load average
at the start of each pass, and the peak memory of the process (the workers' is their own).

    PYTHONPATH=. python scripts/bench_indicators.py [--classeurs 200] [--participants 100] [--passages 3] [--dossier /tmp/ccc-bench]
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import resource
import statistics
import subprocess
import sys
import tempfile
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
    parser.add_argument("--passages", dest="runs", type=int, default=3, help="passages mesurés (médianes)")
    options = parser.parse_args()
    folder = options.dossier / f"{options.classeurs}x{options.participants}"
    folder.mkdir(parents=True, exist_ok=True)
    jobs = [(folder / f"classeur-{n:03d}.xlsx", n, options.participants) for n in range(options.classeurs)]
    started = time.perf_counter()
    with ProcessPoolExecutor() as pool:
        paths = list(pool.map(build_one, jobs))
    built = time.perf_counter() - started

    runs = [one_run(paths, folder) for _ in range(options.runs)]
    last = runs[-1]
    total = last["results"].values[last["results"].cumulative]
    loads = " / ".join(f"{r['load']:.1f}" for r in runs)
    print(f"\n{options.classeurs} classeurs, {total['participants']} participants, {last['followups']} lignes de suivi, "
          f"{total['entreprises']} entreprises distinctes (construction : {built:.0f} s, en cache ensuite) ; "
          f"{options.runs} passage(s), médianes ; {os.cpu_count()} cœurs, charge moyenne (1 min) "
          f"{loads} au début de chaque passage\n")
    print(f"| {'Étape':<36} | {'Durée (s)':>9} | {'CPU (s)':>7} |")
    print(f"|{'-' * 38}|{'-' * 11}|{'-' * 9}|")
    for index, (label, _, _) in enumerate(last["steps"]):
        wall = statistics.median(r["steps"][index][1] for r in runs)
        cpu_time = statistics.median(r["steps"][index][2] for r in runs)
        print(f"| {label:<36} | {wall:>9.2f} | {cpu_time:>7.2f} |")
    for label, key in (("Total export", "total"), ("Lecture brute python-calamine", "raw"),
                       ("Processus ccc-xl export-financeurs", "process")):
        print(f"| {label:<36} | {statistics.median(r[key][0] for r in runs):>9.2f} | "
              f"{statistics.median(r[key][1] for r in runs):>7.2f} |")
    print(f"| {'Mémoire maximale du processus (Mo)':<36} | {last['peak_mb']:>9.0f} | {'':>7} |")
    ratios = [r["steps"][0][1] / r["raw"][0] for r in runs]
    print(f"\nLecture de l'export / lecture brute python-calamine (toutes les feuilles, mêmes fichiers, même passage) : "
          f"{' ; '.join(f'{x:.1f} ×' for x in ratios)} (médiane {statistics.median(ratios):.1f} ×). CPU : processus et ses "
          "processus de lecture terminés.")
    written = folder / "financeurs.xlsx"
    print(f"\nExport : {written} ({written.stat().st_size / 1e6:.1f} Mo), {last['duplicates']} doublons")


def cpu() -> float:
    """CPU seconds of this process and of its finished children (the export's reading workers)."""
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def one_run(paths: list[Path], folder: Path) -> dict:
    """One pass: python-calamine's raw read, each step of the export as the command runs it, and the
    whole ``ccc-xl export-financeurs`` process on the same files; (wall, CPU) seconds of each."""
    run = {"load": os.getloadavg()[0], "steps": []}

    def timed(label, work):
        clock, used = time.perf_counter(), cpu()
        result = work()
        run["steps"].append((label, time.perf_counter() - clock, cpu() - used))
        return result

    # The floor: python-calamine reading every sheet of the same files, values only (no typing).
    clock, used = time.perf_counter(), cpu()
    for path in paths:
        with CalamineWorkbook.from_path(str(path)) as book:
            for name in book.sheet_names:
                book.get_sheet_by_name(name).to_python()
    run["raw"] = (time.perf_counter() - clock, cpu() - used)

    today = dt.date(2026, 11, 26)
    # What export-financeurs reads, as it reads it (worker processes from `commands.PARALLEL_FROM` files).
    tables = timed("Lecture des classeurs (passerelle)", lambda: [read for read, *_ in _read_for_export(paths)])
    consolidated = timed("Consolidation et doublons", lambda: funders.consolidate(tables, [p.name for p in paths]))
    results = timed("Indicateurs (5 années + cumul)", lambda: ind.compute(consolidated.sources, today))
    # As the command: the indicators computed once.
    contents = timed("Feuilles anonymisées", lambda: funders.export_contents(consolidated, today, results=results))
    problems = timed("Contrôle avant écriture",
                     lambda: funders.check_export(contents, consolidated, results, funders.disclosure.DEFAULT_THRESHOLD))
    assert not problems, problems
    output = folder / "financeurs.xlsx"
    output.unlink(missing_ok=True)
    timed("Écriture du classeur financeurs", lambda: write_new_workbook(output, contents))
    run["total"] = tuple(sum(step[i] for step in run["steps"]) for i in (1, 2))
    run["peak_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    run.update(results=results, followups=len(consolidated.sources[c.FOLLOWUP]), duplicates=len(consolidated.duplicates))

    # What an adviser waits for: the whole command, from the interpreter's start to the file written.
    with tempfile.TemporaryDirectory() as scratch:
        clock, used = time.perf_counter(), cpu()
        subprocess.run([sys.executable, "-m", "ccc_xl", "export-financeurs", *map(str, paths), "-o",
                        str(Path(scratch) / "financeurs.xlsx"), "--date", today.strftime("%d/%m/%Y")],
                       check=True, capture_output=True)
        run["process"] = (time.perf_counter() - clock, cpu() - used)
    return run

if __name__ == "__main__":
    main()
