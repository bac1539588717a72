"""Build the JSON that Excel sends to xlwings' remote engine, from a real .xlsx (openpyxl).

`xw.Book(json=payload)` then behaves like the workbook open in Excel, and `book.json()` lists the
actions Excel would apply: the live backend is tested on it without Excel.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import xlwings as xw
from openpyxl import load_workbook
from openpyxl.utils import get_column_letter, range_boundaries


def _absolute(ref: str) -> str:
    min_col, min_row, max_col, max_row = range_boundaries(ref)
    return f"${get_column_letter(min_col)}${min_row}:${get_column_letter(max_col)}${max_row}"


def _cell(value):
    """Values as Excel's client sends them: ISO dates with Z, times as day fractions, "" for blank."""
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return value.strftime("%Y-%m-%dT%H:%M:%S.000Z")
    if isinstance(value, dt.date):
        return f"{value.isoformat()}T00:00:00.000Z"
    if isinstance(value, dt.time):
        return (value.hour * 3600 + value.minute * 60 + value.second) / 86400
    return value


def payload(path: Path, active: str | None = None) -> dict:
    """The payload of ``path`` as Excel sends it, with sheet ``active`` shown (default: the first)."""
    wb = load_workbook(path)
    sheets = []
    for ws in wb.worksheets:
        grid = [[_cell(v) for v in row] for row in ws.iter_rows(min_row=1, min_col=1, values_only=True)] or [[""]]
        tables = []
        for table in ws.tables.values():
            min_col, min_row, max_col, max_row = range_boundaries(table.ref)
            tables.append({
                "name": table.name,
                "range_address": _absolute(table.ref),
                "header_row_range_address": _absolute(f"{get_column_letter(min_col)}{min_row}:{get_column_letter(max_col)}{min_row}"),
                "data_body_range_address": _absolute(f"{get_column_letter(min_col)}{min_row + 1}:{get_column_letter(max_col)}{max_row}"),
                "total_row_range_address": None,
                "show_headers": True,
                "show_totals": False,
                "show_autofilter": True,
                "table_style": table.tableStyleInfo.name if table.tableStyleInfo else None,
            })
        sheets.append({"name": ws.title, "values": grid, "pictures": [], "shapes": [], "charts": [],
                       "notes": [], "print_area": None, "tables": tables})
    names = [{"name": name, "sheet_index": None, "address": None, "book_scope": True,
              "scope_sheet_name": None, "scope_sheet_index": None, "refers_to": "=" + defined.attr_text}
             for name, defined in wb.defined_names.items()]
    return {"client": "Microsoft Office", "version": xw.__version__,
            "book": {"name": Path(path).name, "active_sheet_index": wb.sheetnames.index(active) if active else 0, "selection": "A1"},
            "names": names, "sheets": sheets}
