"""The file backend's former read path, kept as the reference the fast reader is compared with.

openpyxl loads the whole workbook twice (formulas, then their cached results): slow, but it is
what ccc-xl has always read, so `ccc_xl.workbook.reader` must give exactly the same tables. A
formula without a cached result is found by parsing the sheet's XML with lxml (the writer's
package model), not by the reader's byte scan.

`reference_frame` is the gateway's former typing, cell by cell and a pandas Series per column,
the reference of `gateway.frame_from_raw` (which builds each column from its distinct values).
"""

from __future__ import annotations

import io
import math

import pandas as pd
from openpyxl import load_workbook
from openpyxl.utils import range_boundaries

from ccc_xl.contract import Kind, Table
from ccc_xl.parsing import Unreadable, is_blank, parse_cell
from ccc_xl.report import Anomaly, CommandError
from ccc_xl.workbook.gateway import RawTable, _header_map, missing_table
from ccc_xl.workbook.package import Package, q, split_ref
from ccc_xl.workbook.reader import FORMULA_WITHOUT_RESULT


class ReferenceReader:
    def __init__(self, data: bytes):
        self.data = data
        self.wb = load_workbook(io.BytesIO(data))
        self._values_wb = None

    def _values(self, ws):
        if self._values_wb is None:
            self._values_wb = load_workbook(io.BytesIO(self.data), data_only=True)
        return self._values_wb[ws.title]

    def read_table(self, table: Table) -> RawTable:
        for ws in self.wb.worksheets:
            if table.name in ws.tables:
                xl_table = ws.tables[table.name]
                break
        else:
            raise missing_table(table, self.wb.sheetnames)
        min_col, min_row, max_col, table_end = range_boundaries(xl_table.ref)
        max_row = _last_filled_row(ws, min_col, min_row, max_col, table_end)
        cells = list(ws.iter_rows(min_row=min_row, max_row=max_row, min_col=min_col, max_col=max_col))
        problems = {}
        if any(c.data_type == "f" for row in cells[1:] for c in row):
            values_ws = self._values(ws)
            grid = [list(r) for r in values_ws.iter_rows(min_row=min_row, max_row=max_row, min_col=min_col, max_col=max_col, values_only=True)]
            formulas = {(c.row, c.column) for row in cells[1:] for c in row if c.data_type == "f"}
            problems = {(r, column - min_col): FORMULA_WITHOUT_RESULT for r, column in self._uncalculated(ws.title) & formulas}
        else:
            grid = [[c.value for c in row] for row in cells]
        if ws.merged_cells.ranges and any(
            range_boundaries(str(m))[1] <= table_end and range_boundaries(str(m))[3] >= min_row for m in ws.merged_cells.ranges
        ):
            raise CommandError(f"La feuille « {ws.title} » contient des cellules fusionnées dans le tableau {table.name} : annulez la fusion.")
        return RawTable(table, ws.title, [str(h) if h is not None else "" for h in grid[0]], grid[1:], min_row + 1, min_col,
                        problems=problems)

    def _uncalculated(self, sheet: str) -> set[tuple[int, int]]:
        """(row, column) of the cells of ``sheet`` holding a formula and no cached result (no
        ``<v>``, or an empty one after a formula that does not give text)."""
        package = Package(self.data)
        root = package.xml(package.sheet_part(sheet), touch=False)
        return {split_ref(cell.get("r")) for cell in root.iter(q("c"))
                if cell.find(q("f")) is not None and (cell.find(q("v")) is None or (
                    not cell.find(q("v")).text and cell.get("t") != "str"))}


def _last_filled_row(ws, min_col: int, min_row: int, max_col: int, max_row: int) -> int:
    filled = [row for (row, column), cell in ws._cells.items()
              if min_row < row <= max_row and min_col <= column <= max_col and cell.value is not None]
    return max(filled, default=min_row + 1) if max_row > min_row else max_row


def reference_frame(raw: RawTable) -> tuple[pd.DataFrame, list[Anomaly]]:
    """The typed frame and the anomalies of a table, each cell parsed on its own."""
    positions = _header_map(raw)
    inputs = [positions[c.key] for c in raw.table.input_columns if c.key in positions]
    kept = [(raw.first_row + i, row) for i, row in enumerate(raw.rows)
            if not all(is_blank(row[p]) for p in inputs if p < len(row))]
    index = [excel_row for excel_row, _ in kept]
    anomalies, series = [], []
    for col in raw.table.columns:
        position = positions.get(col.key)
        values = []
        for excel_row, row in kept:
            cell = row[position] if position is not None and position < len(row) else None
            uncalculated = raw.problems.get((excel_row, position))
            value = None
            if uncalculated is not None:
                if not col.computed:
                    anomalies.append(Anomaly(raw.sheet, excel_row, col.header, None, uncalculated))
            else:
                try:
                    value = parse_cell(col, cell)
                except Unreadable as problem:
                    if not col.computed:
                        anomalies.append(Anomaly(raw.sheet, excel_row, col.header, cell, f"« {cell} » {problem}."))
            values.append(value)
        series.append(_reference_series(col, values, index))
    frame = pd.concat(series, axis=1)
    frame.index.name = "ligne"
    return frame, anomalies


def _reference_series(column, values: list[object], index: list[int]) -> pd.Series:
    if column.kind is Kind.DATE:
        return pd.Series(pd.to_datetime(values), index=index, name=column.key, dtype="datetime64[ns]")
    if column.kind is Kind.BOOL:
        return pd.Series(pd.array(values, dtype="boolean"), index=index, name=column.key)
    if column.kind is Kind.INT:
        return pd.Series(pd.array(values, dtype="Int64"), index=index, name=column.key)
    if column.kind in (Kind.NUMBER, Kind.MONEY):
        return pd.Series([math.nan if v is None else v for v in values], index=index, name=column.key, dtype=float)
    return pd.Series(values, index=index, name=column.key, dtype=object)
