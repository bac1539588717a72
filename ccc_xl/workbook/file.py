"""The file backend: a closed .xlsx read with python-calamine and written with openpyxl (CLI, tests, Linux).

A run never writes the adviser's file directly. `open_workbook` opens it through `safety` (lock,
refusals, bytes read once), loads it, lets the command work in memory, saves the new package to
bytes, checks from the package itself that nothing the adviser had was lost, and hands the bytes to
`safety.replace` (fingerprint check, verified backup, atomic replace). Any error leaves the
original untouched.
"""

from __future__ import annotations

import contextlib
import io
import zipfile
from pathlib import Path

from openpyxl import load_workbook
from openpyxl.utils import get_column_letter, range_boundaries

from ..contract import MARKER_NAME, SHEET_ORDER, Table
from ..report import CommandError
from . import integrity, reader, safety
from .content import SheetContent
from .gateway import Backend, RawTable, Workbook, excel_value, missing_table
from .layout import put, render_sheet, style_data_cell

BACKUP_FOLDER = safety.BACKUP_FOLDER


def check_package(path: Path, data: bytes) -> None:
    """Refuse, in French, what openpyxl cannot or must not open."""
    if data.startswith(b"\xd0\xcf\x11\xe0"):
        raise CommandError(
            f"« {path.name} » est un ancien classeur Excel (.xls) : ouvrez-le dans Excel et enregistrez-le au "
            "format .xlsx (Fichier > Enregistrer sous > Classeur Excel)."
        )
    if not zipfile.is_zipfile(io.BytesIO(data)):
        raise CommandError(f"« {path.name} » n'est pas un classeur Excel .xlsx lisible (fichier vide, tronqué ou d'un autre format).")


class FileBackend(Backend):
    """A closed workbook: tables read by the fast reader (`reader.Package`, python-calamine) from the
    bytes `safety` read; openpyxl loads the workbook only when a command writes into it."""

    def __init__(self, path: Path, opened: safety.OpenedFile | None = None):
        self.path = Path(path)
        self.opened = opened or safety.read(self.path)
        check_package(self.path, self.opened.data)
        try:
            self.package = reader.Package(self.opened.data)
        except reader.Unreadable as problem:
            raise _damaged(self.path, problem) from None
        self._wb = None
        self.replaced: set[str] = set()
        self.dirty = False

    @property
    def wb(self):
        """The openpyxl workbook, loaded from the bytes read at opening when first written to."""
        if self._wb is None:
            try:
                self._wb = load_workbook(io.BytesIO(self.opened.data))
            except Exception as problem:  # noqa: BLE001 - a damaged package fails in many ways (XML syntax, missing parts…)
                raise _damaged(self.path, problem) from None
        return self._wb

    def is_ccc_workbook(self) -> bool:
        return MARKER_NAME in self.package.defined_names

    def _find(self, table: Table):
        for ws in self.wb.worksheets:
            if table.name in ws.tables:
                return ws, ws.tables[table.name]
        raise missing_table(table, self.wb.sheetnames)

    def read_table(self, table: Table) -> RawTable:
        try:
            return self.package.read_table(table)
        except reader.Unreadable as problem:
            raise _damaged(self.path, problem) from None

    def write_columns(self, raw: RawTable, columns: dict[str, list[object]], formats: dict[str, str | None]) -> None:
        ws = self.wb[raw.sheet]
        for header, values in columns.items():
            column_number = raw.first_column + raw.header.index(header)
            for offset, value in enumerate(values):
                cell = put(ws, raw.first_row + offset, column_number, value)
                if formats.get(header):
                    cell.number_format = formats[header]
        self.dirty = True

    def replace_sheet(self, content: SheetContent) -> None:
        name = content.sheet
        if name in self.wb.sheetnames:
            index = self.wb.sheetnames.index(name)
            self.wb.remove(self.wb[name])
        else:
            index = _planned_index(self.wb.sheetnames, name)
        ws = self.wb.create_sheet(name, index)
        render_sheet(ws, content)
        self.replaced.add(name)
        self.dirty = True

    def append_rows(self, table: Table, rows: list[list[object]]) -> None:
        ws, xl_table = self._find(table)
        min_col, min_row, max_col, max_row = range_boundaries(xl_table.ref)
        # Reuse trailing blank rows of the table (a fresh table has one) before growing it.
        last_used = max_row
        while last_used > min_row and all(
            ws.cell(last_used, c).value in (None, "") for c in range(min_col, max_col + 1)
        ):
            last_used -= 1
        for offset, values in enumerate(rows, start=1):
            for index, (column, value) in enumerate(zip(table.columns, values)):
                cell = put(ws, last_used + offset, min_col + index, value)
                style_data_cell(cell, column)
        new_max = max(max_row, last_used + len(rows))
        xl_table.ref = f"{get_column_letter(min_col)}{min_row}:{get_column_letter(max_col)}{new_max}"
        self.dirty = True

    def fill_table(self, table: Table, rows: list[list[object]]) -> None:
        """Replace a table's data rows (new workbooks only: the demo and test fixtures)."""
        ws, xl_table = self._find(table)
        min_col, min_row, max_col, _ = range_boundaries(xl_table.ref)
        for offset, values in enumerate(rows, start=1):
            for index, column in enumerate(table.columns):
                cell = put(ws, min_row + offset, min_col + index, excel_value(column, values[index]))
                style_data_cell(cell, column)
        xl_table.ref = f"{get_column_letter(min_col)}{min_row}:{get_column_letter(max_col)}{min_row + max(len(rows), 1)}"
        self.dirty = True

    def save(self, backup: bool = True) -> Path | None:
        """Save atomically after checking for losses; returns the backup path (None if unchanged)."""
        if not self.dirty:
            return None
        data = workbook_bytes(self.wb)
        lost = integrity.losses(integrity.inventory(io.BytesIO(self.opened.data)), integrity.inventory(io.BytesIO(data)),
                                set(self.replaced))
        if lost:
            raise CommandError("Enregistrement annulé : le classeur aurait perdu " + "; ".join(lost)
                               + ". Le classeur d'origine n'a pas été modifié.")
        return safety.replace(self.opened, data, backup=backup)

    def notes(self) -> list[str]:
        return list(self.opened.notes)


def _damaged(path: Path, problem: Exception) -> CommandError:
    what = problem if isinstance(problem, reader.Unreadable) else type(problem).__name__
    return CommandError(f"« {path.name} » n'a pas pu être lu comme un classeur Excel : il est endommagé ({what}). "
                        "Reprenez la dernière sauvegarde.")


def _planned_index(existing: list[str], name: str) -> int:
    """Where a missing generated sheet goes: after the last existing sheet that precedes it in the
    contract's order."""
    if name not in SHEET_ORDER:
        return len(existing)
    before = SHEET_ORDER[: SHEET_ORDER.index(name)]
    positions = [existing.index(s) + 1 for s in before if s in existing]
    return max(positions, default=len(existing))


def workbook_bytes(wb) -> bytes:
    """The whole .xlsx package of an openpyxl workbook, in memory."""
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


@contextlib.contextmanager
def open_workbook(path, write: bool = True):
    """A `Workbook` on a file; saved atomically on success when ``write``, untouched on error."""
    with safety.open_for_update(Path(path), write=write) as opened:
        backend = FileBackend(Path(path), opened)
        book = Workbook(backend)
        book.check_is_ccc_workbook()
        yield book
        if write:
            backend.save()
            for task in book.after_save:  # still under the lock: no other run writes in between
                task()
