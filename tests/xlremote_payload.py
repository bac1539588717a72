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

from ccc_xl.excel.expectations import files_under  # noqa: F401 - the tests take it from here


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


def payload(path: Path, active: str | None = None, fullname: str | None = None) -> dict:
    """The payload of ``path`` as Excel sends it, with sheet ``active`` shown (default: the first).

    ``fullname``: what Excel gives as the workbook's full name (default: the bare file name of a
    workbook never saved; a local path or a OneDrive ``https://`` address otherwise)."""
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
    names = []
    for name, defined in wb.defined_names.items():
        # a name on one range carries its sheet and address, as Excel's client sends it
        sheet, _, address = defined.attr_text.rpartition("!")
        sheet = sheet.strip("'").replace("''", "'")
        on_range = sheet in wb.sheetnames and address.replace("$", "").replace(":", "").isalnum()
        names.append({"name": name, "sheet_index": wb.sheetnames.index(sheet) if on_range else None,
                      "address": address if on_range else None, "book_scope": True,
                      "scope_sheet_name": None, "scope_sheet_index": None, "refers_to": "=" + defined.attr_text})
    return {"client": "Microsoft Office", "version": xw.__version__,
            "book": {"name": fullname or Path(path).name, "active_sheet_index": wb.sheetnames.index(active) if active else 0, "selection": "A1"},
            "names": names, "sheets": sheets}


def observe(sent: dict, xlbook, message: str, level: str, folder: Path, files_before: dict, dialogs: list[str]):
    """What a click did, read from the actions the remote engine hands to Excel (`book.json()`),
    as an `expectations.Observation` (the Windows self-test builds the same from Excel itself)."""
    from ccc_xl import contract as c
    from ccc_xl.excel.expectations import Observation, files_under, hyperlink_target

    sheets = [s["name"] for s in sent["sheets"]]
    tables = {s["name"]: list(s["tables"]) for s in sent["sheets"]}
    by_name = {t.name: t for t in (*c.TABLES.values(), *c.ROTATION_TABLES)}
    changed, written, journal, links, active = set(), set(), [], [], None
    dropdowns, status_rules, added = None, {}, {}  # added: (sheet, data row 0-based, column) -> (table, key)
    for action in xlbook.json()["actions"]:
        func, position = action["func"], action["sheet_position"]
        if position is None or func == "alert":
            continue
        sheet = sheets[position]
        if func == "activateSheet":
            active = sheet
            continue
        changed.add(sheet)
        if func == "sheetClear":
            tables[sheet] = []
        elif func == "addTable":
            tables[sheet].append({"name": action["args"][3], "range_address": action["args"][0]})
            min_col, min_row, _, _ = range_boundaries(action["args"][0].replace("$", ""))
            contract = by_name.get(action["args"][3])
            for i, column in enumerate(contract.columns if contract else ()):
                added[(sheet, min_row, min_col - 1 + i)] = (contract.name, column.key)
        elif func in ("setDataValidationList", "addConditionalFormat"):
            table, key = added.get((sheet, action["start_row"], action["start_column"]), (None, None))
            if func == "setDataValidationList" and table:
                dropdowns = dropdowns or {}
                dropdowns[(table, key)] = action["args"][0].get("name")
            elif table and by_name[table].status_column == key:
                status_rules[table] = status_rules.get(table, 0) + 1
        elif func == "setFormula":
            links += [hyperlink_target(v) for row in action["values"] for v in row if hyperlink_target(v)]
        elif func == "setValues":
            for table in tables[sheet]:
                contract = by_name.get(table["name"])
                if contract is None:
                    continue
                min_col, min_row, max_col, _ = range_boundaries(table["range_address"].replace("$", ""))
                first, last = action["start_column"] + 1, action["start_column"] + action["column_count"]
                header = sent["sheets"][position]["values"][min_row - 1] if min_row <= len(sent["sheets"][position]["values"]) else []
                if action["start_row"] + 1 <= min_row:  # header row written: not an adviser table's data
                    continue
                for col in range(max(first, min_col), min(last, max_col) + 1):
                    title = header[col - 1] if col - 1 < len(header) else None
                    key = next((k for k, h in zip(contract.keys, contract.headers) if h == title), str(title))
                    written.add((contract.name, key))
                if contract is c.JOURNAL and not journal:
                    row = action["values"][0]
                    offset = min_col - 1 - action["start_column"]
                    journal.append((row[offset + c.JOURNAL.keys.index("command")], row[offset + c.JOURNAL.keys.index("level")]))
    after = files_under(folder)
    new_files = sorted(f for f, stamp in after.items() if files_before.get(f) != stamp)
    return Observation(message, level, journal, changed, written,
                       {name: [s for s, ts in tables.items() for t in ts if t["name"] == name]
                        for name in {t["name"] for ts in tables.values() for t in ts}},
                       links, new_files, dialogs, active, dropdowns=dropdowns, status_rules=status_rules,
                       unseen=[] if dropdowns is not None else
                       ["listes déroulantes (le moteur distant ne les prend que d'un client Office.js)"])
