"""How contract tables and generated sheets look in an .xlsx written with openpyxl.

Shared by the blank-workbook builder and the file backend, so that a table created for a new
workbook and a generated sheet rewritten by a command look the same.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd
from openpyxl.chart import BarChart, Reference
from openpyxl.comments import Comment
from openpyxl.formatting.rule import CellIsRule
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter, quote_sheetname
from openpyxl.workbook.defined_name import DefinedName
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.table import Table as XlTable
from openpyxl.worksheet.table import TableStyleInfo

from ..contract import LISTS, LISTS_SHEET, Column, Kind, Table
from .content import Block, SheetContent

INPUT_HEADER = PatternFill("solid", fgColor="1F4E78")
COMPUTED_HEADER = PatternFill("solid", fgColor="595959")
COMPUTED_CELL = PatternFill("solid", fgColor="EDEDED")
HEADER_FONT = Font(bold=True, color="FFFFFF")
COMPUTED_HEADER_FONT = Font(bold=True, italic=True, color="FFFFFF")
COMPUTED_FONT = Font(italic=True, color="404040")
TITLE_FONT = Font(bold=True, size=14, color="1F4E78")
NOTE_FONT = Font(italic=True, color="595959")
BLOCK_TITLE_FONT = Font(bold=True, size=12)
HEADER_ALIGNMENT = Alignment(wrap_text=True, vertical="center")
WRAP = Alignment(wrap_text=True, vertical="top")
TABLE_STYLE = "TableStyleMedium2"
CHART_SIZE_CM = (18, 9)  # width, height of a generated sheet's chart

# Validations and conditional formats cover this many rows below a header, so rows an adviser adds
# to a table keep their drop-downs and colours.
FORMATTED_ROWS = 2000


def list_name(list_key: str) -> str:
    """Defined name of a closed list (validations refer to names, which Excel keeps in the
    standard part of the file rather than in an extension openpyxl would drop)."""
    return f"lst_{list_key}"


def write_lists_sheet(wb) -> None:
    """The hidden "Listes" sheet with every closed list and its defined name."""
    ws = wb.create_sheet(LISTS_SHEET)
    for index, closed in enumerate(LISTS.values(), start=1):
        letter = get_column_letter(index)
        ws.cell(1, index, closed.name).font = Font(bold=True)
        for row, value in enumerate(closed.values, start=2):
            ws.cell(row, index, value)
        ws.column_dimensions[letter].width = max(len(v) for v in closed.values) + 2
        ref = f"{quote_sheetname(LISTS_SHEET)}!${letter}$2:${letter}${len(closed.values) + 1}"
        wb.defined_names[list_name(closed.name)] = DefinedName(list_name(closed.name), attr_text=ref)
    ws.sheet_state = "hidden"


def style_header(cell, column: Column | None) -> None:
    """Adviser columns get a blue header, computed columns a dark grey italic one."""
    cell.font, cell.fill = header_style(column)
    cell.alignment = HEADER_ALIGNMENT


def header_style(column: Column | None) -> tuple[Font, PatternFill]:
    """Font and fill of a header cell: blue for adviser columns, dark grey italic for computed ones."""
    computed = bool(column and column.computed)
    return (COMPUTED_HEADER_FONT, COMPUTED_HEADER) if computed else (HEADER_FONT, INPUT_HEADER)


def style_data_cell(cell, column: Column) -> None:
    if column.excel_format:
        cell.number_format = column.excel_format
    if column.computed:
        cell.fill = COMPUTED_CELL
        cell.font = COMPUTED_FONT
    if column.kind is Kind.TEXT and (column.width or 0) >= 30:
        cell.alignment = WRAP


def add_table(ws, table: Table, first_row: int, n_rows: int, style: str = TABLE_STYLE) -> None:
    """Header, styles, widths, validations and status colours of a contract table on ``ws``."""
    last_col = get_column_letter(len(table.columns))
    for index, column in enumerate(table.columns, start=1):
        header = ws.cell(first_row, index, column.header)
        style_header(header, column)
        if column.help:
            header.comment = Comment(column.help, "ccc-xl", width=300, height=110)
        ws.column_dimensions[get_column_letter(index)].width = column.excel_width
        for row in range(first_row + 1, first_row + 1 + max(n_rows, 1)):
            style_data_cell(ws.cell(row, index), column)
    last_row = first_row + max(n_rows, 1)
    xl_table = XlTable(displayName=table.name, ref=f"A{first_row}:{last_col}{last_row}")
    xl_table.tableStyleInfo = TableStyleInfo(name=style, showRowStripes=True)
    ws.add_table(xl_table)
    ws.row_dimensions[first_row].height = 32
    add_rules(ws, table, first_row)


def add_rules(ws, table: Table, first_row: int) -> None:
    """Drop-down lists, date checks and status colours for the rows below a table header."""
    end = first_row + FORMATTED_ROWS
    for index, column in enumerate(table.columns, start=1):
        letter = get_column_letter(index)
        rng = f"{letter}{first_row + 1}:{letter}{end}"
        if column.choices and not column.computed:
            dv = DataValidation(
                type="list",
                formula1=list_name(column.choices),  # as Excel writes it: no leading "="
                allow_blank=True,
                errorStyle="warning",
                errorTitle="Valeur hors liste",
                error=f"Choisissez une valeur de la liste « {column.header} ».",
            )
            dv.add(rng)
            ws.add_data_validation(dv)
        elif column.kind is Kind.DATE and not column.computed:
            dv = DataValidation(
                type="date",
                operator="between",
                formula1="DATE(1920,1,1)",
                formula2="DATE(2100,12,31)",
                allow_blank=True,
                errorStyle="warning",
                errorTitle="Date",
                error="Saisissez une date au format jj/mm/aaaa.",
            )
            dv.add(rng)
            ws.add_data_validation(dv)
        if table.status_column == column.key:
            for value, colour in table.status_colours:
                fill = PatternFill("solid", fgColor=colour, bgColor=colour)
                ws.conditional_formatting.add(rng, CellIsRule(operator="equal", formula=[f'"{value}"'], fill=fill))


def excel_cell_value(value: object) -> object:
    """A DataFrame value as openpyxl wants it (no NaN, no pandas scalars, no numpy types)."""
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, float) and value != value:
        return None
    if isinstance(value, pd.Timestamp):
        return value.to_pydatetime()
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        return dt.datetime(value.year, value.month, value.day)
    if hasattr(value, "item"):
        return value.item()
    return value


def default_format(value: object) -> str | None:
    """The number format of a generated cell without a declared one: dates and times in French."""
    if isinstance(value, dt.datetime):
        return "dd/mm/yyyy"
    if isinstance(value, dt.time):
        return "hh:mm"
    return None


def block_format(block: Block, header: str, column: Column | None) -> str | None:
    """The declared number format of a block's column: the block's own, else the contract's."""
    return block.formats.get(header) or (column.excel_format if column else None)


def wraps(block: Block, column: Column | None) -> bool:
    """Whether a block's column wraps its text (long contract texts, or the whole block)."""
    return block.wrap or bool(column and (column.width or 0) >= 30)


def column_width(block: Block, header: str, column: Column | None) -> float:
    return block.widths.get(header) or (column.excel_width if column else max(12, min(40, len(header) + 4)))


def put(ws, row: int, column: int, value: object):
    """Write a value as data, never as a formula: text starting with "=" stays text.

    openpyxl turns any string starting with "=" into a formula; an adviser's "=Zoé" or a pasted
    "=HYPERLINK(…)" must come back as the text that was typed, not run in someone's Excel.
    """
    cell = ws.cell(row, column)
    cell.value = excel_cell_value(value)
    if isinstance(cell.value, str) and cell.data_type == "f":
        cell.data_type = "s"
    return cell


def render_sheet(ws, content: SheetContent) -> None:
    """Lay out a generated sheet: title, notes, then each block (as an Excel Table if declared)."""
    put(ws, 1, 1, content.title).font = TITLE_FONT
    row = 2
    for note in content.notes:
        put(ws, row, 1, note).font = NOTE_FONT
        row += 1
    row += 1
    widths: dict[int, float] = {}
    block_anchors: list[tuple[int, int]] = []
    for block in content.blocks:
        if block.title:
            put(ws, row, 1, block.title).font = BLOCK_TITLE_FONT
            row += 1
        headers = [str(h) for h in block.frame.columns]
        columns = {c.header: c for c in block.table.columns} if block.table else {}
        header_row = row
        block_anchors.append((header_row, len(block.frame)))
        for index, header in enumerate(headers, start=1):
            style_header(put(ws, row, index, header), columns.get(header))
            widths[index] = max(widths.get(index, 0), column_width(block, header, columns.get(header)))
        for values in block.frame.itertuples(index=False):
            row += 1
            for index, (header, value) in enumerate(zip(headers, values), start=1):
                cell = put(ws, row, index, value)
                column = columns.get(header)
                fmt = block_format(block, header, column) or default_format(cell.value)
                if fmt:
                    cell.number_format = fmt
                if wraps(block, column):
                    cell.alignment = WRAP
                if header in block.links and values[headers.index(block.links[header])]:
                    cell.hyperlink = str(values[headers.index(block.links[header])])
                    cell.style = "Hyperlink"
        if block.table is not None:
            last = get_column_letter(len(headers))
            end = max(row, header_row + 1)
            xl_table = XlTable(displayName=block.table.name, ref=f"A{header_row}:{last}{end}")
            xl_table.tableStyleInfo = TableStyleInfo(name=TABLE_STYLE, showRowStripes=True)
            ws.add_table(xl_table)
            add_rules(ws, block.table, header_row)
        row += 2
    for index, width in widths.items():
        ws.column_dimensions[get_column_letter(index)].width = width
    for chart in content.charts:
        header_row, n = block_anchors[chart.block]
        block = content.blocks[chart.block]
        headers = [str(h) for h in block.frame.columns]
        bar = BarChart()
        bar.type = "col"
        bar.title = chart.title
        bar.y_axis.title = chart.y_title
        for name in chart.series:
            col = headers.index(name) + 1
            bar.add_data(Reference(ws, min_col=col, min_row=header_row, max_row=header_row + n), titles_from_data=True)
        cat = headers.index(chart.categories) + 1
        bar.set_categories(Reference(ws, min_col=cat, min_row=header_row + 1, max_row=header_row + n))
        bar.width, bar.height = CHART_SIZE_CM
        ws.add_chart(bar, f"{get_column_letter(len(headers) + 2)}{header_row}")
    ws.freeze_panes = None
    if content.landscape:
        ws.page_setup.orientation = "landscape"
        ws.page_setup.paperSize = ws.PAPERSIZE_A4
        ws.page_setup.fitToWidth = 1
        ws.page_setup.fitToHeight = 0
        ws.sheet_properties.pageSetUpPr.fitToPage = True
