"""Shared by the hostile-input and guarantee tests: the command table, the corpus, snapshots.

Each workbook command is one row of `COMMANDS` (its CLI arguments and the tables it reads), so
adding a command to every hostile test is one line.
"""

from __future__ import annotations

import importlib.util
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from openpyxl import load_workbook

from ccc_xl import contract as c
from ccc_xl.parsing import normalise

ROOT = Path(__file__).resolve().parents[1]


def load_script(name: str):
    """A module of scripts/ (not a package), e.g. the corpus builder."""
    spec = importlib.util.spec_from_file_location(name, ROOT / "scripts" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


@dataclass(frozen=True)
class CommandRow:
    name: str
    args: Callable[[Path, Path], list[str]]  # (workbook, output folder) -> CLI arguments
    reads: frozenset = frozenset({c.SESSIONS, c.CANDIDATES, c.COMPANIES})
    modules: tuple[str, ...] = ()  # what the command imports beyond the CLI (scripts/bench.py)
    # The purge rewrites adviser cells by design: identifying values and free text that may quote a
    # name (Journal messages included), and the columns advisers added inside a table (emptied on
    # purged rows). Every other value, and every style, must stay as it was.
    pseudonymises: bool = False


TODAY = "26/11/2026"  # the corpus's demo date: dated alerts stay the same every day

COMMANDS: tuple[CommandRow, ...] = (
    CommandRow("rotations", lambda wb, out: ["rotations", str(wb)], modules=("ccc_xl.rotation",)),
    CommandRow("rotations-verifier", lambda wb, out: ["rotations", "--verifier", str(wb)], modules=("ccc_xl.rotation",)),
    CommandRow("documents", lambda wb, out: ["documents", str(wb), "--dossier", str(out),
                                             "--type", "emargement", "--type", "convocation-entretiens"],
               modules=("ccc_xl.documents", "ccc_xl.word")),
    CommandRow("eligibilite", lambda wb, out: ["eligibilite", str(wb)], modules=("ccc_xl.eligibility",)),
    CommandRow("suivi", lambda wb, out: ["suivi", str(wb), "--au", TODAY], modules=("ccc_xl.followup",)),
    CommandRow("indicateurs", lambda wb, out: ["indicateurs", str(wb), "--date", TODAY], modules=("ccc_xl.indicators",)),
    CommandRow("export-financeurs", lambda wb, out: ["export-financeurs", str(wb), "-o", str(out / "export.xlsx"),
                                                     "--date", TODAY], modules=("ccc_xl.funders",)),
    CommandRow("bilan", lambda wb, out: ["bilan", str(wb), "--annee", "2023", "-o", str(out / "bilan.docx"),
                                         "--date", TODAY], modules=("ccc_xl.bilan",)),
    # 2019's retention (5 years) is over whatever the day: the purge has rows to rewrite.
    CommandRow("purger", lambda wb, out: ["purger", str(wb), "--avant", "2020", "--oui"],
               reads=frozenset(c.INPUT_TABLES), modules=("ccc_xl.retention",), pseudonymises=True),
)

ADVISER_SHEETS_SKIPPED = {g.name for g in c.GENERATED_SHEETS} | {c.JOURNAL.sheet}


def _style(cell) -> tuple:
    fill, font = cell.fill, cell.font
    return (cell.number_format, fill.fill_type, fill.fgColor.rgb if fill.fgColor is not None else None,
            font.b, font.i, font.color.rgb if font.color is not None else None)


def snapshot(path, generated: bool = False, pseudonymised: bool = False) -> dict:
    """Every cell of every adviser sheet: value, number format, fill and font.

    Computed columns of contract tables (found by their header in row 1) are left out: commands
    write them. With ``generated``, generated sheets are included too (a failed run changes none).
    With ``pseudonymised``, the values (not the styles) of identifying and free-text columns, and of
    the columns advisers added to a contract sheet, are left out: the purge rewrites them. The
    Journal is never included: see `journal`.
    """
    wb = load_workbook(path, read_only=True)
    cells = {}
    for ws in wb.worksheets:
        if ws.title == c.JOURNAL.sheet or (not generated and ws.title in ADVISER_SHEETS_SKIPPED):
            continue
        table = c.table_for_sheet(ws.title)
        computed = {normalise(col.header) for col in table.computed_columns} if table else set()
        rewritten = {normalise(col.header) for col in table.columns
                     if col.identifying or col.kind is c.Kind.TEXT} if table and pseudonymised else set()
        known = {normalise(col.header) for col in table.columns} if table else set()
        skipped: set[int] = set()
        blind: set[int] = set()
        for row in ws.iter_rows():
            for cell in row:
                if not hasattr(cell, "column"):  # EmptyCell of a read-only sheet
                    continue
                if cell.row == 1 and isinstance(cell.value, str) and normalise(cell.value) in computed:
                    skipped.add(cell.column)
                if cell.row == 1 and isinstance(cell.value, str) and normalise(cell.value) in rewritten:
                    blind.add(cell.column)
                if cell.row == 1 and table and pseudonymised and cell.value and normalise(str(cell.value)) not in known:
                    blind.add(cell.column)
                if cell.column in skipped and cell.row > 1:
                    continue
                value = None if cell.column in blind and cell.row > 1 else cell.value
                style = _style(cell)
                if value is None and style[:2] == ("General", None) and not any(style[3:5]):
                    continue  # a blank unstyled cell: the same to the adviser as no cell at all
                cells[(ws.title, cell.row, cell.column)] = (value, *style)
    wb.close()
    return cells


def journal(path, pseudonymised: bool = False) -> list[tuple]:
    """The Journal's rows, values only (a run may only append to it); with ``pseudonymised``,
    without the messages, which the purge rewrites where they quote a name."""
    wb = load_workbook(path, read_only=True)
    rows = [tuple(row) for row in wb[c.JOURNAL.sheet].iter_rows(values_only=True)] if c.JOURNAL.sheet in wb.sheetnames else []
    wb.close()
    if pseudonymised and rows:
        message = [normalise(str(h or "")) for h in rows[0]].index(normalise(c.JOURNAL.column("message").header))
        rows = [row[:message] + row[message + 1:] for row in rows]
    while rows and all(v is None for v in rows[-1]):
        rows.pop()
    return rows
