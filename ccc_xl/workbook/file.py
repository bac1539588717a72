"""The file backend: a closed .xlsx read with python-calamine and saved by the surgical writer.

A run never writes the adviser's file directly, and never re-serialises it. `open_workbook` opens it
through `safety` (lock, refusals, bytes read once), checks the bytes before the command's work
(`preflight`), lets the command read tables (`reader.Package`, on the bytes) and record its edits;
on save `package.apply` produces the new package from the original bytes and the edits, copying
every part ccc-xl does not own unchanged. The result is checked for losses and handed to
`safety.replace` (fingerprint check, verified backup, atomic replace). Any error leaves the
original untouched. openpyxl only renders generated sheets in a scratch workbook and fills the
tables of a new workbook; it never loads an adviser's workbook.
"""

from __future__ import annotations

import contextlib
import io
import warnings
from pathlib import Path

from ..contract import MARKER_NAME, SHEET_ORDER, Table
from ..report import CommandError
from . import integrity, package, preflight, reader, safety
from .content import SheetContent
from .gateway import Backend, RawTable, Workbook, excel_value, same_cell

BACKUP_FOLDER = safety.BACKUP_FOLDER


def read_model(data: bytes, name: str):
    """openpyxl's model of package bytes (a new workbook whose tables are filled), without its
    English warnings."""
    from openpyxl import load_workbook

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return load_workbook(io.BytesIO(data))
    except Exception as problem:  # noqa: BLE001 - a damaged package fails in many ways (XML syntax, missing parts…)
        raise _damaged(Path(name), problem) from None


class FileBackend(Backend):
    """A closed workbook: tables read by the fast reader (`reader.Package`, python-calamine) from the
    bytes `safety` read; writes recorded as edits and applied to those bytes by the surgical writer
    on save."""

    def __init__(self, path: Path, opened: safety.OpenedFile | None = None):
        self.path = Path(path)
        self.opened = opened or safety.read(self.path)
        data = self.opened.data
        with self._refused_if_damaged():
            archive = preflight.check_file_type(data, self.path.name)
        self.original = data
        self.edits: list[package.Edit] = []
        self.replaced: set[str] = set()
        self.notices: list[str] = []
        self.package = self._reader(data, archive)
        self._stale: set[str] = set()  # sheets edited since `package` was read (it shows them as they were)
        self._sheet_names = list(self.package.sheet_names)
        self._builder = None  # openpyxl model of a new workbook whose tables are being filled
        self.dirty = False

    @contextlib.contextmanager
    def _refused_if_damaged(self):
        """The package found damaged while reading becomes the French refusal (`_damaged`)."""
        try:
            yield
        except reader.Unreadable as problem:
            raise _damaged(self.path, problem) from None

    def _reader(self, data: bytes, archive=None) -> reader.Package:
        with self._refused_if_damaged():
            return reader.Package(data, archive)

    def check_intact(self) -> None:
        """Refuse a package with a damaged part before the command's work: saving copies every
        part, so a damaged one no command reads (a comment, the theme) would stop the save after
        documents were written beside the workbook."""
        with self._refused_if_damaged():
            parts = self.package.check_every_part()
        if not self.dirty:  # nothing written yet: the package checked is the one read
            self.opened.parts = parts

    def current(self) -> bytes:
        """The package as it would be saved now."""
        if self._builder is not None:  # tables filled in a new workbook
            from .xlsx_bytes import workbook_bytes

            self.original = workbook_bytes(self._builder)
            self._builder = None
        if not self.edits:
            return self.original
        return package.apply(self.original, self.edits, self.parts())

    def parts(self) -> dict[str, bytes] | None:
        """The parts of `original` by name, when `check_intact` already read them."""
        return self.opened.parts if self.original is self.opened.data else None

    def is_ccc_workbook(self) -> bool:
        return MARKER_NAME in self.package.defined_names

    def _sheet_of(self, table: Table) -> str:
        location = self.package.tables.get(table.name)
        return location.sheet if location is not None else table.sheet

    def read_table(self, table: Table) -> RawTable:
        """A table as it is now: the package is read again (edits applied) only when the table's
        sheet was edited since it was read (the gateway keeps the tables it wrote itself)."""
        if self._stale and (table.name not in self.package.tables or self._sheet_of(table) in self._stale):
            self.package, self._stale = self._reader(self.current()), set()
        with self._refused_if_damaged():
            return self.package.read_table(table)

    def _touch(self, sheet: str) -> None:
        self._stale.add(sheet)
        self.dirty = True

    def write_columns(self, raw: RawTable, columns: dict[str, list[object]], formats: dict[str, str | None]) -> None:
        """Only the cells whose value changes are written: an unchanged cell keeps its formula,
        rich text and look, whatever column it is in."""
        for header, values in columns.items():
            position = raw.header.index(header)
            column_number = raw.first_column + position
            run: list[object] = []
            start = None
            for offset, value in enumerate([*values, _END]):
                old = raw.rows[offset][position] if offset < len(raw.rows) and position < len(raw.rows[offset]) else None
                changed = value is not _END and not same_cell(old, value)
                if changed:
                    start = offset if start is None else start
                    run.append(value)
                elif start is not None:
                    self.edits.append(package.CellRun(raw.sheet, column_number, raw.first_row + start, tuple(run), formats.get(header)))
                    run, start = [], None
        self._fit_written_rows(raw, columns)
        self._touch(raw.sheet)

    def _fit_written_rows(self, raw: RawTable, columns: dict[str, list[object]]) -> None:
        """Rows whose new text wraps are made high enough to print it whole."""
        from .layout import row_height

        by_header = {column.header: column for column in raw.table.columns}
        length = max((len(values) for values in columns.values()), default=0)
        heights = []
        for offset in range(length):
            row = list(raw.rows[offset]) if offset < len(raw.rows) else []
            row += [None] * (len(raw.header) - len(row))
            for header, values in columns.items():
                if offset < len(values):
                    row[raw.header.index(header)] = values[offset]
            height = row_height((by_header[h], v) for h, v in zip(raw.header, row) if h in by_header)
            if height:
                heights.append((raw.first_row + offset, height))
        if heights:
            self.edits.append(package.RowHeights(raw.sheet, tuple(heights)))

    def replace_sheet(self, content: SheetContent) -> None:
        from openpyxl import Workbook as ScratchWorkbook

        from .layout import render_sheet
        from .xlsx_bytes import workbook_bytes

        name = content.sheet
        scratch = ScratchWorkbook()
        ws = scratch.active
        ws.title = name
        render_sheet(ws, content)
        if name in self._sheet_names:
            notes = preflight.notes_on(self.original, name) if name not in self.replaced else 0
            if notes:
                self.notices.append((f"La feuille « {name} » a été régénérée : la note ou le commentaire que vous y aviez mis "
                                     "a été effacé avec elle." if notes == 1 else
                                     f"La feuille « {name} » a été régénérée : les {notes} notes ou commentaires "
                                     "que vous y aviez mis ont été effacés avec elle."))
            position = self._sheet_names.index(name)
        else:
            position = _planned_index(self._sheet_names, name)
            self._sheet_names.insert(position, name)
        self.edits.append(package.SheetReplacement(name, workbook_bytes(scratch), position))
        self.replaced.add(name)
        self._touch(name)

    def append_rows(self, table: Table, rows: list[list[object]]) -> None:
        from .layout import row_height

        heights = tuple(row_height(zip(table.columns, r)) for r in rows)
        self.edits.append(package.TableRows(table.name, tuple(tuple(r) for r in rows), heights))
        self._touch(self._sheet_of(table))

    def fill_table(self, table: Table, rows: list[list[object]]) -> None:
        """Replace a table's data rows (new workbooks only: the demo and test fixtures), through
        openpyxl: such a workbook holds nothing of an adviser's yet."""
        from openpyxl.utils import get_column_letter, range_boundaries

        from .layout import fit_rows, put, style_data_cell, styled_as_before

        if self._builder is None:
            self.original, self.edits = self.current(), []
            self._builder = read_model(self.original, self.path.name)
        ws = next(w for w in self._builder.worksheets if table.name in w.tables)
        xl_table = ws.tables[table.name]
        min_col, min_row, max_col, _ = range_boundaries(xl_table.ref)
        # A column's data style depends only on the style the cell had (its value may have given it a
        # date format): worked out once through openpyxl, copied to the column's other cells.
        looks = {}
        for offset, values in enumerate(rows, start=1):
            for index, column in enumerate(table.columns):
                cell = put(ws, min_row + offset, min_col + index, excel_value(column, values[index]))
                styled_as_before(cell, looks, (index, tuple(cell._style or ())), lambda: style_data_cell(cell, column))
        fit_rows(ws, min_row + 1, min_row + len(rows))
        xl_table.ref = f"{get_column_letter(min_col)}{min_row}:{get_column_letter(max_col)}{min_row + max(len(rows), 1)}"
        self._touch(ws.title)

    def save(self, backup: bool = True) -> Path | None:
        """Save atomically after checking for losses; returns the backup path (None if unchanged)."""
        if not self.dirty:
            return None
        data = self.current()
        read = {}  # what the first inventory parsed, for the parts the second finds unchanged
        original = self.opened.parts if self.opened.parts is not None else io.BytesIO(self.opened.data)
        lost = integrity.losses(integrity.inventory(original, read), integrity.inventory(io.BytesIO(data), read),
                                set(self.replaced))
        if lost:
            raise CommandError("Enregistrement annulé : le classeur aurait perdu " + "; ".join(lost)
                               + ". Le classeur d'origine n'a pas été modifié.")
        return safety.replace(self.opened, data, backup=backup)

    def notes(self) -> list[str]:
        return list(self.opened.notes)


_END = object()


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


@contextlib.contextmanager
def open_workbook(path, write: bool = True, writes: preflight.Writes | None = None, last_saved: bool = False):
    """A `Workbook` on a file; saved atomically on success when ``write``, untouched on error.

    ``writes``: what the command will write, checked on the package before the command's work.
    ``last_saved``: a read-only look that reads a workbook open in Excel as last saved (with a note)."""
    with safety.open_for_update(Path(path), write=write, last_saved=last_saved) as opened:
        backend = FileBackend(Path(path), opened)
        if write:
            backend.check_intact()
        book = Workbook(backend)
        book.check_is_ccc_workbook()
        if write and writes is not None:
            preflight.check(backend.original, writes, backend.parts())
        yield book
        if write:
            backend.save()
            for task in book.after_save:  # still under the lock: no other run writes in between
                task()
