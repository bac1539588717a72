"""Shared by the hostile-input and guarantee tests: the command table, the corpus, snapshots.

Each workbook command is one row of `COMMANDS` (its CLI arguments and the tables it reads), so
adding a command to every hostile test is one line.
"""

from __future__ import annotations

import hashlib
import importlib.util
import io
import sys
from collections import OrderedDict
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from lxml import etree
from openpyxl import load_workbook
from openpyxl.cell.read_only import ReadOnlyCell
from openpyxl.utils.cell import coordinate_to_tuple
from openpyxl.worksheet._reader import WorkSheetParser
from openpyxl.xml.constants import SHEET_MAIN_NS

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

CELL, ROW = f"{{{SHEET_MAIN_NS}}}c", f"{{{SHEET_MAIN_NS}}}row"
INLINE, TEXT = f"{{{SHEET_MAIN_NS}}}is", f"{{{SHEET_MAIN_NS}}}t"


def _style(cell) -> tuple:
    fill, font = cell.fill, cell.font
    return (cell.number_format, fill.fill_type, fill.fgColor.rgb if fill.fgColor is not None else None,
            font.b, font.i, font.color.rgb if font.color is not None else None)


def headers(title: str, pseudonymised: bool) -> tuple:
    """A sheet's contract table (or None) and the normalised headers of its computed columns, of
    the columns the purge rewrites (with ``pseudonymised``) and of all its contract columns."""
    table = c.table_for_sheet(title)
    computed = {normalise(col.header) for col in table.computed_columns} if table else set()
    rewritten = {normalise(col.header) for col in table.columns
                 if col.identifying or col.kind is c.Kind.TEXT} if table and pseudonymised else set()
    known = {normalise(col.header) for col in table.columns} if table else set()
    return table, computed, rewritten, known


def _unstyled(style: tuple) -> bool:
    return style[:2] == ("General", None) and not any(style[3:5])


# Sheets already read, by the things their snapshot depends on (see `Package._sheet`), so that the
# sheets a command left alone are not read again after it. A workbook has about 25 sheets.
_SHEETS: OrderedDict = OrderedDict()
_SHEETS_KEPT = 120


class Package:
    """A workbook read once (openpyxl, read-only) for its `snapshot`s and its `journal`.

    openpyxl reads the package (sheet names and parts, shared strings, styles, date system) and
    every cell that holds something (`WorkSheetParser.parse_cell`); this class skips its per-cell
    objects: a cell's style is resolved once per style index, a blank cell (no value, formula or
    inline text) costs a dictionary look-up, and plain inline text is read straight from its <t>.
    Unlike openpyxl's read-only rows, cells beyond the sheet's declared dimension are seen too.
    """

    def __init__(self, path):
        self.wb = load_workbook(path, read_only=True)
        self._styles: dict = {}
        self._strings: dict = {}

    def close(self):
        self.wb.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def snapshot(self, generated: bool = False, pseudonymised: bool = False) -> dict:
        """See `snapshot`."""
        cells = {}
        for ws in self.wb.worksheets:
            if ws.title == c.JOURNAL.sheet or (not generated and ws.title in ADVISER_SHEETS_SKIPPED):
                continue
            cells.update(((ws.title, row, column), kept) for (row, column), kept in self._sheet(ws, pseudonymised).items())
        return cells

    def journal(self, pseudonymised: bool = False) -> list[tuple]:
        """See `journal`."""
        wb = self.wb
        rows = [tuple(row) for row in wb[c.JOURNAL.sheet].iter_rows(values_only=True)] if c.JOURNAL.sheet in wb.sheetnames else []
        if pseudonymised and rows:
            message = [normalise(str(h or "")) for h in rows[0]].index(normalise(c.JOURNAL.column("message").header))
            rows = [row[:message] + row[message + 1:] for row in rows]
        while rows and all(v is None for v in rows[-1]):
            rows.pop()
        return rows

    def _style(self, ws, style_id) -> tuple:
        """A style index's `_style` as openpyxl resolves it for a cell, and whether openpyxl reads
        the numbers of its cells as dates or durations."""
        if style_id not in self._styles:
            wb = self.wb
            self._styles[style_id] = (_style(ReadOnlyCell(ws, None, None, None, "n", style_id)),
                                      style_id in wb._date_formats, style_id in wb._timedelta_formats)
        return self._styles[style_id]

    def _sheet(self, ws, pseudonymised: bool) -> dict:
        """One sheet's snapshot, {(row, column): (value, *style)}.

        It depends only on the sheet's name and XML part, on the shared strings and date system,
        and on what `_style` gives for the style indexes its cells use: when all of these are
        those of a sheet already read, that sheet's snapshot is the answer.
        """
        data = self.wb._archive.read(ws._worksheet_path)
        strings = ws._shared_strings  # openpyxl gives every sheet of a package the same list
        if id(strings) not in self._strings:
            self._strings[id(strings)] = hashlib.blake2b("\x00".join(strings).encode("utf-8", "surrogatepass")).digest()
        key = (ws.title, pseudonymised, hashlib.blake2b(data).digest(), self._strings[id(strings)], self.wb.epoch)
        known = _SHEETS.get(key)
        if known is not None and all(self._style(ws, s) == style for s, style in known[1].items()):
            _SHEETS.move_to_end(key)
            return known[0]
        used: dict = {}
        cells = self._read(ws, data, pseudonymised, used)
        _SHEETS[key] = (cells, used)
        while len(_SHEETS) > _SHEETS_KEPT:
            _SHEETS.popitem(last=False)
        return cells

    def _read(self, ws, data: bytes, pseudonymised: bool, used: dict) -> dict:
        """Read one sheet's cells; ``used`` receives the `_style` of every style index met."""
        table, computed, rewritten, known = headers(ws.title, pseudonymised)
        skipped: set[int] = set()
        blind: set[int] = set()
        cells = {}
        wb = self.wb
        parser = WorkSheetParser(None, ws._shared_strings, epoch=wb.epoch,
                                 date_formats=wb._date_formats, timedelta_formats=wb._timedelta_formats)

        def style(style_id) -> tuple:
            if style_id not in used:
                used[style_id] = self._style(ws, style_id)
            return used[style_id][0]

        def cell(element) -> tuple | None:
            """(row, column, value, style index) of a <c> that has its position, as openpyxl reads
            it; None for a blank unstyled cell, left out of the snapshot like no cell at all."""
            s = element.get("s", 0)
            style_id = int(s) if s else s
            if len(element) == 0:  # no <v>, <f> nor <is>: blank
                if _unstyled(style(style_id)):
                    return None
                return (*coordinate_to_tuple(element.get("r")), None, style_id)
            if len(element) == 1 and element.get("t") == "inlineStr":
                rich = element[0]
                if rich.tag == INLINE and not rich.attrib and len(rich) == 1 and rich[0].tag == TEXT and len(rich[0]) == 0:
                    return (*coordinate_to_tuple(element.get("r")), rich[0].text or "", style_id)
            read = parser.parse_cell(element)
            return read["row"], read["column"], read["value"], read["style_id"]

        rows = etree.iterparse(io.BytesIO(data), events=("end",), tag=ROW, remove_comments=True, remove_pis=True,
                               huge_tree=True)
        for _, element in rows:
            r = element.get("r")
            if r is not None and r.isdigit() and all(e.tag == CELL and e.get("r") for e in element):
                parser.row_counter = int(r)  # as openpyxl's parse_row does; rows without r count on
                found = [read for read in map(cell, element) if read is not None]
            else:  # cells or rows without their position: openpyxl counts them itself
                found = [(read["row"], read["column"], read["value"], read["style_id"])
                         for read in parser.parse_row(element)[1]]
            element.clear()
            while element.getprevious() is not None:  # rows already read
                del element.getparent()[0]
            for row, column, value, style_id in found:
                if row == 1 and isinstance(value, str) and normalise(value) in computed:
                    skipped.add(column)
                if row == 1 and isinstance(value, str) and normalise(value) in rewritten:
                    blind.add(column)
                if row == 1 and table and pseudonymised and value and normalise(str(value)) not in known:
                    blind.add(column)
                if column in skipped and row > 1:
                    continue
                if column in blind and row > 1:
                    value = None
                if value is None and _unstyled(style(style_id)):
                    continue  # a blank unstyled cell: the same to the adviser as no cell at all
                cells[row, column] = (value, *style(style_id))
        return cells


def snapshot(path, generated: bool = False, pseudonymised: bool = False) -> dict:
    """Every cell of every adviser sheet: value, number format, fill and font.

    Computed columns of contract tables (found by their header in row 1) are left out: commands
    write them. With ``generated``, generated sheets are included too (a failed run changes none).
    With ``pseudonymised``, the values (not the styles) of identifying and free-text columns, and of
    the columns advisers added to a contract sheet, are left out: the purge rewrites them. The
    Journal is never included: see `journal`.
    """
    with Package(path) as wb:
        return wb.snapshot(generated, pseudonymised)


def journal(path, pseudonymised: bool = False) -> list[tuple]:
    """The Journal's rows, values only (a run may only append to it); with ``pseudonymised``,
    without the messages, which the purge rewrites where they quote a name."""
    with Package(path) as wb:
        return wb.journal(pseudonymised)
