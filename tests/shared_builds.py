"""What is costly and read-only — the demo, the hostile corpus — built once per test run.

A build lives in the run's shared folder (`built-once`, in the base temporary folder of the run,
shared by its xdist workers and by no other run). A file lock makes the first process to ask build
while the others wait, and a marker written last tells a finished build from one interrupted
half-way. Tests must copy what they change.

Run as a script (`python tests/shared_builds.py FOLDER NAME`), it makes one build in the background:
at the start of a whole-suite run, the xdist controller starts both builds at once (tests/conftest.py
`pytest_sessionstart`), so the two cores build the demo and the corpus while the workers wait for the
first of them, instead of one worker building the demo while the other waits for it, idle.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
from pathlib import Path
from typing import Callable

from filelock import FileLock

ROOT = Path(__file__).resolve().parent.parent


def build_once(shared: Path, name: str, build: Callable[[Path], object]) -> Path:
    """``shared / name`` filled by ``build(folder)`` unless a finished build is already there."""
    folder, done = shared / name, shared / f"{name}.done"
    with FileLock(shared / f"{name}.lock"):
        if not done.exists():
            shutil.rmtree(folder, ignore_errors=True)
            folder.mkdir()
            build(folder)
            done.touch()
    return folder


def build_demo(folder: Path) -> None:
    """The demo as the docs' own run of `ccc-xl demo` on their date makes it (scripts/docs.py
    --build-demo), with the command's screen beside it."""
    subprocess.run([sys.executable, str(ROOT / "scripts" / "docs.py"), "--build-demo", str(folder)],
                   check=True, capture_output=True, timeout=900)


def build_corpus(folder: Path) -> None:
    """The hostile corpus (scripts/build_corpus.py)."""
    from hostile import load_script

    load_script("build_corpus").build_corpus(folder)


BUILDS = {"demo": build_demo, "corpus": build_corpus}


def start_in_background(shared: Path) -> list[subprocess.Popen]:
    """Every build started in its own process group; their output goes to ``shared / NAME.log``."""
    shared.mkdir(parents=True, exist_ok=True)
    started = []
    for name in BUILDS:
        with open(shared / f"{name}.log", "wb") as log:
            started.append(subprocess.Popen([sys.executable, __file__, str(shared), name],
                                            stdout=log, stderr=subprocess.STDOUT, cwd=ROOT,
                                            start_new_session=True))
    return started


def stop(started: list[subprocess.Popen]) -> None:
    """Builds still running (the run stopped early) stopped with the processes they started."""
    for process in started:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGTERM)
        process.wait()


if __name__ == "__main__":
    shared_folder, build_name = Path(sys.argv[1]), sys.argv[2]
    build_once(shared_folder, build_name, BUILDS[build_name])
