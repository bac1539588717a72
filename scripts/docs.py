"""Regenerate every command output shown in the docs, from real runs on a fresh demo workbook.

A block in a Markdown file of the repository is generated when it follows a marker naming the
command line exactly as a reader would type it from the project folder:

    <!-- sortie : ccc-xl eligibilite demo-100-chances/100-chances-demo.xlsx --session 2027 -->
    ```
    $ ccc-xl eligibilite demo-100-chances/100-chances-demo.xlsx --session 2027
    ✔ …
    ```

The commands of `SESSION` run in that order, in a temporary folder, on a date fixed to `TODAY` (the
demo's sessions and the follow-up depend on the date), through the real CLI. Paths under the
temporary folder are shown under `~/ccc-xl`, the project folder. `--check` writes nothing and
exits with 1 when a block is stale (`tests/test_docs.py` runs it), which names the file and the
command to regenerate.

    python scripts/docs.py            # rewrite the blocks
    python scripts/docs.py --check    # are they current?
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import re
import shlex
import shutil
import sys
import tempfile
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TODAY = dt.datetime(2026, 11, 26, 9, 30)
PROJECT = "~/ccc-xl"
DEMO_FOLDER = "demo-100-chances"
DEMO = f"{DEMO_FOLDER}/100-chances-demo.xlsx"
DEMO_COMMAND = f"ccc-xl demo --dossier {DEMO_FOLDER}"
DEMO_SCREEN = "demo-screen.txt"

# (command line, what is typed at its questions): the order a newcomer would follow.
SESSION: tuple[tuple[str, str], ...] = (
    ("ccc-xl --help", ""),
    (DEMO_COMMAND, ""),
    (f"ccc-xl eligibilite {DEMO} --session 2027", ""),
    (f"ccc-xl rotations {DEMO} --session 2027", ""),
    (f"ccc-xl rotations {DEMO} --session 2027 --verifier", ""),
    (f"ccc-xl documents {DEMO} --session 2027 --type emargement", ""),
    (f"ccc-xl suivi {DEMO}", ""),
    (f"ccc-xl indicateurs {DEMO} --jusqu-a 2023", ""),
    (f"ccc-xl export-financeurs {DEMO} -o demo-100-chances/export-2026.xlsx", ""),
    (f"ccc-xl bilan {DEMO} --annee 2023", ""),
    (f"ccc-xl purger {DEMO} --avant 2020", "n\n"),
)

MARKER = re.compile(r"<!-- sortie : (?P<command>.+?) -->\n```\n(?P<output>.*?)```\n", re.S)
# Durations vary from run to run; they are compared as « … s ».
DURATION = re.compile(r"\d+(?:,\d+)? s\b")


def documents() -> list[Path]:
    return [ROOT / "README.md", *sorted((ROOT / "docs").rglob("*.md"))]


@contextmanager
def fixed_day():
    """The clock frozen at TODAY (ticking), with everything the commands import imported first:
    freezegun patches the modules loaded at that moment, and an import under a frozen clock is very
    slow."""
    from freezegun import freeze_time

    import ccc_xl.bilan, ccc_xl.cli, ccc_xl.commands, ccc_xl.funders, ccc_xl.rotation.schedule, ccc_xl.word  # noqa: E401, F401
    with freeze_time(TODAY, tick=True):
        yield


def invoke(command: str, typed: str, folder: str) -> str:
    """``command`` run through the CLI with ``folder`` as the current folder; its screen, as text,
    with ``folder`` shown as the project folder."""
    from click.testing import CliRunner

    from ccc_xl.cli import main

    previous = os.getcwd()
    os.chdir(folder)
    try:
        result = CliRunner().invoke(main, shlex.split(command)[1:], input=typed or None,
                                    prog_name="ccc-xl", env={"COLUMNS": "100"}, terminal_width=100)
    finally:
        os.chdir(previous)
    return f"$ {command}\n" + result.stdout.replace(str(Path(folder).resolve()), PROJECT).replace(folder, PROJECT)


def build_demo(folder: Path) -> Path:
    """Run the demo command of SESSION in ``folder`` on TODAY, as `run_session` does, and keep its
    screen beside it: a folder `run_session(demo=folder)` starts from instead of building the demo
    again (the test suite builds the demo once for every test)."""
    folder.mkdir(parents=True, exist_ok=True)
    with fixed_day():
        (folder / DEMO_SCREEN).write_text(invoke(DEMO_COMMAND, "", str(folder)), encoding="utf-8")
    return folder


def run_session(demo: Path | None = None) -> dict[str, str]:
    """Each command of SESSION run through the CLI in a fresh folder; its screen, as text.

    ``demo``: a folder made by `build_demo`, copied instead of running the demo command again."""
    shown = {}
    with tempfile.TemporaryDirectory(prefix="ccc-xl-docs-") as folder, fixed_day():
        for command, typed in SESSION:
            if demo is not None and command == DEMO_COMMAND:
                shutil.copytree(demo / DEMO_FOLDER, Path(folder) / DEMO_FOLDER)
                shown[command] = (demo / DEMO_SCREEN).read_text(encoding="utf-8")
            else:
                shown[command] = invoke(command, typed, folder)
    return shown


def regenerate(check: bool, demo: Path | None = None) -> list[str]:
    """Rewrite (or, with ``check``, compare) every marked block; the stale ones, as messages."""
    shown = run_session(demo)
    stale = []
    for page in documents():
        markdown = page.read_text(encoding="utf-8")

        def block(found: re.Match) -> str:
            command = found.group("command")
            if command not in shown:
                raise SystemExit(f"{page.relative_to(ROOT)}: « {command} » is not in SESSION (scripts/docs.py)")
            if DURATION.sub("… s", found.group("output")) != DURATION.sub("… s", shown[command]):
                stale.append(f"{page.relative_to(ROOT)}: {command}")
            return f"<!-- sortie : {command} -->\n```\n{shown[command]}```\n"

        updated = MARKER.sub(block, markdown)
        if not check and updated != markdown:
            page.write_text(updated, encoding="utf-8")
    return stale


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="compare only; exit 1 when a block is stale")
    parser.add_argument("--demo", type=Path, metavar="FOLDER",
                        help="start from this folder made by --build-demo instead of building the demo")
    parser.add_argument("--build-demo", type=Path, metavar="FOLDER",
                        help="only run the demo command in FOLDER and keep its screen there, for --demo")
    args = parser.parse_args(argv)
    if args.build_demo:
        build_demo(args.build_demo)
        return 0
    stale = regenerate(args.check, args.demo)
    for line in stale:
        print(("stale: " if args.check else "updated: ") + line)
    if args.check and stale:
        print("Run `python scripts/docs.py` and commit the result.")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
