"""The live backend: the workbook open in Excel, through xlwings (ribbon buttons).

Every read and write moves a whole rectangle in one call — a table is read with one call, a
computed column is written with one call, a generated block with one — so a run costs the same
number of Excel round trips for 10 or 1 000 rows. Only values (and the number format of computed
columns) are written into adviser tables: Excel keeps their formatting, validation and Table
objects. Text that Excel would take for a formula (leading = + - @) is written with Excel's
text prefix (an apostrophe), so adviser data is never executed.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from ..contract import MARKER_NAME, SHEET_ORDER, Table
from ..report import CommandError
from .content import SheetContent
from .gateway import Backend, RawTable
from .layout import excel_cell_value

FORMULA_STARTS = ("=", "+", "-", "@")


def cell_value(value: object) -> object:
    """A Python value as a live cell should receive it (text never becomes a formula)."""
    value = excel_cell_value(value)
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    if isinstance(value, dt.time):  # Excel stores a time of day as a fraction of a day
        return (value.hour * 3600 + value.minute * 60 + value.second) / 86400
    return value


class LiveBackend(Backend):
    """xlwings on an open workbook (``xw.Book.caller()``), or xlwings' remote engine in tests."""

    def __init__(self, xlbook):
        self.xlbook = xlbook

    @property
    def path(self) -> Path | None:
        """The workbook's file, or None when Excel has not saved it to a local folder yet."""
        fullname = Path(self.xlbook.fullname)
        return fullname if fullname.is_absolute() else None

    def is_ccc_workbook(self) -> bool:
        return any(name.name == MARKER_NAME for name in self.xlbook.names)

    def _find(self, table: Table):
        for sheet in self.xlbook.sheets:
            for xl_table in sheet.tables:
                if xl_table.name == table.name:
                    return sheet, xl_table
        if table.sheet in [s.name for s in self.xlbook.sheets]:
            raise CommandError(
                f"La feuille « {table.sheet} » ne contient plus le tableau Excel {table.name} "
                "(il a peut-être été converti en plage). Sélectionnez les données puis Insertion > Tableau, "
                f"et nommez-le {table.name}."
            )
        raise CommandError(f"La feuille « {table.sheet} » (tableau {table.name}) est absente du classeur.")

    def read_table(self, table: Table) -> RawTable:
        sheet, xl_table = self._find(table)
        whole = xl_table.range
        grid = whole.options(ndim=2).value  # one call: header and data rows together
        return RawTable(table, sheet.name, [str(h) if h is not None else "" for h in grid[0]],
                        [list(r) for r in grid[1:]], whole.row + 1, whole.column)

    def write_columns(self, raw: RawTable, columns: dict[str, list[object]], formats: dict[str, str | None]) -> None:
        if not raw.rows:
            return
        sheet = self.xlbook.sheets[raw.sheet]
        last = raw.first_row + len(raw.rows) - 1
        for header, values in columns.items():
            column = raw.first_column + raw.header.index(header)
            target = sheet.range((raw.first_row, column), (last, column))
            target.value = [[cell_value(v)] for v in values]
            if formats.get(header):
                target.number_format = formats[header]

    def replace_sheet(self, content: SheetContent) -> None:
        names = [s.name for s in self.xlbook.sheets]
        if content.sheet in names:
            sheet = self.xlbook.sheets[content.sheet]
            sheet.clear()
        else:
            sheet = self.xlbook.sheets.add(content.sheet, after=self.xlbook.sheets[_previous(names, content.sheet)])
        lines = [[content.title], *[[note] for note in content.notes], [None]]
        sheet.range((1, 1), (len(lines), 1)).value = lines
        row = len(lines) + 1
        for block in content.blocks:
            if block.title:
                sheet.range((row, 1)).value = block.title
                row += 1
            headers = [str(h) for h in block.frame.columns]
            grid = [headers] + [[cell_value(v) for v in values] for values in block.frame.itertuples(index=False)]
            area = sheet.range((row, 1), (row + len(grid) - 1, len(headers)))
            area.value = grid
            if block.table is not None:
                sheet.tables.add(source=area, name=block.table.name)
            columns = {c.header: c for c in block.table.columns} if block.table else {}
            for index, header in enumerate(headers, start=1):
                fmt = block.formats.get(header) or (columns[header].excel_format if header in columns else None)
                if fmt and len(grid) > 1:
                    sheet.range((row + 1, index), (row + len(grid) - 1, index)).number_format = fmt
            row += len(grid) + 1

    def append_rows(self, table: Table, rows: list[list[object]]) -> None:
        sheet, xl_table = self._find(table)
        whole = xl_table.range
        grid = whole.options(ndim=2).value
        used = len(grid)  # header + data rows, without the blank rows at the bottom
        while used > 1 and all(v in (None, "") for v in grid[used - 1]):
            used -= 1
        first = whole.row + used
        width = len(table.columns)
        sheet.range((first, whole.column), (first + len(rows) - 1, whole.column + width - 1)).value = [
            [cell_value(v) for v in row] for row in rows
        ]
        end = max(whole.row + len(grid) - 1, first + len(rows) - 1)
        if end > whole.row + len(grid) - 1:
            xl_table.resize(sheet.range((whole.row, whole.column), (end, whole.column + whole.columns.count - 1)))

    def activate(self, sheet_name: str) -> None:
        """Bring a sheet to the front (the Aide button shows the Accueil sheet)."""
        if sheet_name in [s.name for s in self.xlbook.sheets]:
            self.xlbook.sheets[sheet_name].activate()


def _previous(existing: list[str], name: str) -> str:
    """The sheet after which a missing generated sheet goes, following the contract's order."""
    before = [s for s in SHEET_ORDER[: SHEET_ORDER.index(name)] if s in existing] if name in SHEET_ORDER else []
    return before[-1] if before else existing[-1]
