"""One table for every workbook command: time, memory and import share at 1, 10 and 100 sessions.

The figure tracked is the ratio of a command's whole process (interpreter start-up included) to a
fresh process that only imports what the command needs (pandas, openpyxl, python-calamine, click,
rich, the CLI and the command's own modules): what the command's work costs beyond its imports.

Each run is a fresh `python` process (what an adviser's click or a CLI call costs): it imports the
CLI and the command's modules (timed: the import share), runs the command on a fresh copy of a
scaled demo workbook, and reports its wall time and peak memory (VmHWM on Linux: ru_maxrss
would carry over the parent's peak across exec; ru_maxrss elsewhere). Then `python -X
importtime` totals for the module Excel's button imports first.

    python scripts/bench.py [--runs 3] [--scales 1,10,100] [--commandes rotations,bilan]
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from dateutil.relativedelta import relativedelta

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

from ccc_xl import contract as c  # noqa: E402
from ccc_xl import demo as demo_data  # noqa: E402
from ccc_xl.commands import rotations, run_on_file  # noqa: E402
from hostile import COMMANDS, load_script  # noqa: E402

corpus = load_script("build_corpus")
PAST = sorted(demo_data.STARTS)  # the demo's four past sessions, reused as templates
PARTICIPANT_TABLES = (c.PLANS, c.FOLLOWUP, c.PATHWAYS)

CHILD = """
import json, resource, sys, time
start = time.perf_counter()
import ccc_xl.cli
for name in sys.argv[2].split(","):
    if name:
        __import__(name)
imported = time.perf_counter()
try:
    ccc_xl.cli.main(json.loads(sys.argv[1]), standalone_mode=False)
except SystemExit:
    pass
done = time.perf_counter()
try:  # Linux: ru_maxrss survives exec and would count the parent's peak; VmHWM starts afresh
    rss = next(int(l.split()[1]) for l in open("/proc/self/status") if l.startswith("VmHWM:"))
except OSError:
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(json.dumps({"import": imported - start, "total": done - start, "rss": rss}), file=sys.stderr)
"""


def _shift(value, years: int, old: int, new: int):
    if isinstance(value, dt.date):
        return value + relativedelta(years=years)
    if isinstance(value, str):
        return value.replace(f"C{old}-", f"C{new}-")
    return value


def _of_year(table, row: dict, year: int) -> bool:
    """A demo row belongs to a session year by its session (or year) column or its participant ID."""
    return row.get("session", row.get("year")) == year or (
        table in PARTICIPANT_TABLES and row["participant"].startswith(f"C{year}-"))


def scaled_rows(sessions: int) -> dict:
    """The demo's coming session plus ``sessions - 1`` past ones (the demo's past years, shifted)."""
    rows = demo_data.build(corpus.TODAY).rows
    coming = corpus.COMING
    out = {t: [r for r in rows.get(t.name, []) if _of_year(t, r, coming)] for t in c.INPUT_TABLES}
    out[c.PARTNERS] = rows[c.PARTNERS.name]
    for k in range(1, sessions):
        old, new = PAST[(k - 1) % len(PAST)], coming - k
        for table in c.INPUT_TABLES:
            for row in rows.get(table.name, []):
                if _of_year(table, row, old) and table is not c.PARTNERS:
                    shifted = {key: _shift(v, new - old, old, new) for key, v in row.items()}
                    shifted.update({key: new for key in ("session", "year") if key in row})
                    out[table].append(shifted)
    return out


def one_run(command, workbook: Path, scratch: Path) -> dict:
    work = scratch / "run"
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir()
    copy_path = work / workbook.name
    shutil.copy2(workbook, copy_path)
    args = command.args(copy_path, work / "sortie")
    started = time.perf_counter()
    done = subprocess.run([sys.executable, "-c", CHILD, json.dumps(args), ",".join(command.modules)],
                          capture_output=True, text=True, cwd=work, env={**os.environ, "PYTHONPATH": str(ROOT)})
    return {**json.loads(done.stderr.strip().splitlines()[-1]), "process": time.perf_counter() - started}


BARE = ("pandas", "openpyxl", "python_calamine", "click", "rich", "ccc_xl.cli")


def bare_imports(command, runs: int) -> float:
    """Median wall time of a fresh process that only imports what ``command`` needs: the reference
    its whole run is compared with (the bare « python -c "import pandas, openpyxl, click, rich,
    ccc_xl.cli" »)."""
    code = "import " + ", ".join((*BARE, *command.modules))
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        subprocess.run([sys.executable, "-c", code], check=True, env={**os.environ, "PYTHONPATH": str(ROOT)})
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def importtime(module: str) -> tuple[float, int]:
    """Cumulative import time (ms) of ``module`` and how many modules it loads."""
    done = subprocess.run([sys.executable, "-X", "importtime", "-c", f"import {module}"], capture_output=True, text=True,
                          env={**os.environ, "PYTHONPATH": str(ROOT)})
    lines = [line for line in done.stderr.splitlines() if line.startswith("import time:") and "|" in line][1:]
    top = next(line for line in lines if line.split("|")[-1].strip() == module)
    return int(top.split("|")[1]) / 1000, len(lines)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--scales", default="1,10,100")
    parser.add_argument("--commandes", default=",".join(row.name for row in COMMANDS),
                        help="only these commands (names of tests/hostile.py:COMMANDS)")
    options = parser.parse_args()
    scales = [int(s) for s in options.scales.split(",")]
    commands = [row for row in COMMANDS if row.name in options.commandes.split(",")]
    with tempfile.TemporaryDirectory() as scratch:
        scratch = Path(scratch)
        corpus.CORPUS_TMP = scratch
        workbooks = {}
        for n in scales:
            path = scratch / f"{n}-sessions" / "classeur.xlsx"
            path.parent.mkdir()
            workbooks[n] = corpus.write_rows(path, scaled_rows(n))
            run_on_file(path, "rotations", rotations)  # planned, as mid-year: the verifier has work
        print(f"{'commande':<20} {'sessions':>8} {'processus (s)':>13} {'imports seuls (s)':>17} {'ratio':>6} "
              f"{'mémoire (Mo)':>13} {'imports':>8} {'travail':>8}")
        for command in commands:
            bare = bare_imports(command, options.runs)
            for n in scales:
                runs = [one_run(command, workbooks[n], scratch) for _ in range(options.runs)]
                process = statistics.median(r["process"] for r in runs)
                total = statistics.median(r["total"] for r in runs)
                imports = statistics.median(r["import"] for r in runs)
                rss = max(r["rss"] for r in runs) / 1024
                print(f"{command.name:<20} {n:>8} {process:>13.2f} {bare:>17.2f} {process / bare:>6.2f} "
                      f"{rss:>13.0f} {imports / total:>8.0%} {1 - imports / total:>8.0%}", flush=True)
    for module in ("ccc_xl.excel.buttons", "ccc_xl.excel", "ccc_xl.cli"):
        ms, count = importtime(module)
        print(f"python -X importtime : import {module} = {ms:.0f} ms cumulés, {count} modules")


if __name__ == "__main__":
    main()
