"""Benchmark of `ccc-xl eligibilite` in file mode on 10, 1 000 and 100 000 candidates.

Prints one table: workbook load (open + typed read of Sessions and Candidats), the rules alone
(`eligibility.evaluate`; its tracemalloc peak from a second, traced pass), the command once the tables are loaded (rules +
writing the computed cells in memory), the atomic save, the whole `run_on_file`, and the peak
resident memory of the process that ran it. Each size runs in its own process so peaks do not mix.

    PYTHONPATH=. python scripts/bench_eligibility.py [--tailles 10,1000,100000]
"""

from __future__ import annotations

import argparse
import datetime as dt
import multiprocessing
import resource
import shutil
import tempfile
import time
import tracemalloc
from pathlib import Path

from ccc_xl import contract as c
from ccc_xl import demo as demo_data
from ccc_xl.commands import eligibilite, run_on_file
from ccc_xl.eligibility import evaluate
from ccc_xl.workbook.build import create_workbook
from ccc_xl.workbook.file import FileBackend
from ccc_xl.workbook.gateway import Workbook

TODAY = dt.date(2026, 11, 26)


def build(path: Path, size: int) -> None:
    """A workbook whose Candidats table repeats the demo's candidates (all flaws included) ``size`` times over."""
    data = demo_data.build(TODAY)
    sessions = data.rows[c.SESSIONS.name]
    pattern = data.rows[c.CANDIDATES.name]
    rows = [{**pattern[i % len(pattern)], "id": f"B{i:06d}", "ecrou": f"{i:07d}"} for i in range(size)]
    create_workbook(path, overwrite=True)
    backend = FileBackend(path)
    backend.fill_table(c.SESSIONS, [[r.get(k) for k in c.SESSIONS.keys] for r in sessions])
    backend.fill_table(c.CANDIDATES, [[r.get(k) for k in c.CANDIDATES.keys] for r in rows])
    backend.save(backup=False)


def measure(path: Path, results) -> None:
    """Phases of one run, in this (child) process."""
    start = time.perf_counter()
    backend = FileBackend(path)
    book = Workbook(backend)
    sessions, candidates = book.read(c.SESSIONS), book.read(c.CANDIDATES)
    loaded = time.perf_counter()
    evaluate(candidates, sessions, today=TODAY)
    ruled = time.perf_counter()
    tracemalloc.start()  # a second, traced pass: tracemalloc slows Python down several times
    evaluate(candidates, sessions, today=TODAY)
    rules_peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    traced = time.perf_counter()
    eligibilite(book, today=TODAY)  # tables already read: rules + computed cells written in memory
    commanded = time.perf_counter()
    backend.save(backup=False)
    saved = time.perf_counter()
    results.put({"load": loaded - start, "rules": ruled - loaded, "rules_peak": rules_peak,
                 "command": commanded - traced, "save": saved - commanded})


def whole(path: Path, results) -> None:
    """The file-mode command as `ccc-xl eligibilite` runs it, with the process's peak memory."""
    start = time.perf_counter()
    run_on_file(path, "eligibilite", eligibilite, today=TODAY)
    results.put({"total": time.perf_counter() - start, "rss": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss})


def in_child(target, path: Path) -> dict:
    results = multiprocessing.get_context("fork").Queue()
    process = multiprocessing.get_context("fork").Process(target=target, args=(path, results))
    process.start()
    found = results.get()
    process.join()
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tailles", default="10,1000,100000", help="Nombres de candidats, séparés par des virgules.")
    sizes = [int(s) for s in parser.parse_args().tailles.split(",")]
    folder = Path(tempfile.mkdtemp(prefix="bench-eligibilite-"))
    header = ("candidats", "chargement (s)", "règles (s)", "pic règles (Mo)", "commande hors chargement (s)",
              "enregistrement (s)", "run_on_file total (s)", "pic RSS (Mo)")
    print(" | ".join(header))
    print(" | ".join("---" for _ in header))
    try:
        for size in sizes:
            source = folder / f"bench-{size}.xlsx"
            build(source, size)
            phases_copy, whole_copy = folder / f"phases-{size}.xlsx", folder / f"whole-{size}.xlsx"
            shutil.copy2(source, phases_copy)
            shutil.copy2(source, whole_copy)
            phases, total = in_child(measure, phases_copy), in_child(whole, whole_copy)
            print(" | ".join([
                f"{size:,}".replace(",", " "), f"{phases['load']:.2f}", f"{phases['rules']:.3f}",
                f"{phases['rules_peak'] / 2**20:.1f}", f"{phases['command']:.3f}", f"{phases['save']:.2f}",
                f"{total['total']:.2f}", f"{total['rss'] / 1024:.0f}",
            ]), flush=True)
    finally:
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
