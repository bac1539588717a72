"""The blank master workbook, built from the contract (`ccc-xl nouveau`, scripts/build_workbook.py)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from openpyxl import Workbook as XlWorkbook
from openpyxl.styles import Alignment
from openpyxl.workbook.defined_name import DefinedName

from .. import contract
from ..contract import GENERATED_SHEETS, HOME_SHEET, HOME_TEXT, INPUT_TABLES, JOURNAL, MARKER_NAME
from ..report import CommandError
from . import printing, safety
from .content import SheetContent
from .xlsx_bytes import workbook_bytes
from .layout import add_table, calibri, render_sheet, write_lists_sheet

# A fixed creation date keeps the committed master workbook reproducible (openpyxl stamps "modified").
BUILD_STAMP = dt.datetime(2026, 1, 1)


def _home(ws) -> None:
    """The "Accueil" sheet: the yearly workflow in French, from the contract's HOME_TEXT."""
    ws.column_dimensions["A"].width = 96  # a portrait A4 page at full size
    fonts = {"title": calibri(18, bold=True, color="1F4E78"), "h": calibri(13, bold=True, color="1F4E78")}
    row = 1
    for style, text in HOME_TEXT:
        if style == "h":
            row += 1  # a blank line before each heading
        cell = ws.cell(row, 1, text)
        cell.alignment = Alignment(wrap_text=True, vertical="top")
        if style in fonts:
            cell.font = fonts[style]
        row += 1
    ws.sheet_view.showGridLines = False
    printing.fit_rows(ws, range(1, row))
    printing.page_setup(ws, landscape=False)


def blank_workbook() -> XlWorkbook:
    """An openpyxl workbook holding every sheet, table, list and format of the contract, no data."""
    wb = XlWorkbook()
    _home(wb.active)
    wb.active.title = HOME_SHEET
    generated = {g.name: g for g in GENERATED_SHEETS}
    tables = {t.sheet: t for t in (*INPUT_TABLES, JOURNAL)}
    for sheet in contract.SHEET_ORDER[1:]:
        if sheet == contract.LISTS_SHEET:
            write_lists_sheet(wb)
        elif sheet in tables:
            ws = wb.create_sheet(sheet)
            add_table(ws, tables[sheet], first_row=1, n_rows=1)
            ws.freeze_panes = "B2"
        else:
            note = f"{generated[sheet].description} Feuille produite par ccc-xl : ne pas saisir ici."
            render_sheet(wb.create_sheet(sheet), SheetContent(sheet, sheet, notes=[note]))
    wb.defined_names[MARKER_NAME] = DefinedName(MARKER_NAME, attr_text=str(contract.CONTRACT_VERSION))
    wb.properties.creator = "ccc-xl"
    wb.properties.title = "100 Chances 100 Emplois en milieu carcéral — Vienne"
    wb.properties.created = BUILD_STAMP
    wb.active = 0
    return wb


def create_workbook(path, overwrite: bool = False) -> Path:
    """Write a new blank workbook at ``path`` (refusing to overwrite an existing file by default)."""
    path = Path(path)
    if path.suffix.lower() != ".xlsx":
        raise CommandError(f"« {path.name} » : le classeur doit avoir l'extension .xlsx.")
    if path.exists() and not overwrite:
        raise CommandError(f"« {path} » existe déjà : choisissez un autre nom, rien n'a été écrasé.")
    safety.check_name_fits(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    safety.write_new(path, workbook_bytes(blank_workbook()))
    return path
