"""How contract tables and generated sheets look in an .xlsx written with openpyxl.

Shared by the blank-workbook builder and the file backend, so that a table created for a new
workbook and a generated sheet rewritten by a command look the same.
"""

from __future__ import annotations

import copy
import functools
import datetime as dt

import pandas as pd
from openpyxl.chart import BarChart, Reference
from openpyxl.comments import Comment
from openpyxl.formatting.rule import CellIsRule
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter, quote_sheetname
from openpyxl.workbook.defined_name import DefinedName
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.table import Table as XlTable
from openpyxl.worksheet.table import TableStyleInfo

from ..contract import LISTS, LISTS_SHEET, Column, Kind, Table
from . import printing
from .content import Block, SheetContent


def calibri(size: float = 11, **style) -> Font:
    """A font named in full: a font without a name prints in LibreOffice's default serif face."""
    return Font(name="Calibri", size=size, **style)


INPUT_HEADER = PatternFill("solid", fgColor="1F4E78")
COMPUTED_HEADER = PatternFill("solid", fgColor="595959")
COMPUTED_CELL = PatternFill("solid", fgColor="EDEDED")
HEADER_FONT = calibri(bold=True, color="FFFFFF")
COMPUTED_HEADER_FONT = calibri(bold=True, italic=True, color="FFFFFF")
COMPUTED_FONT = calibri(italic=True, color="404040")
TITLE_FONT = calibri(14, bold=True, color="1F4E78")
NOTE_FONT = calibri(italic=True, color="595959")
BLOCK_TITLE_FONT = calibri(12, bold=True)
HEADER_ALIGNMENT = Alignment(wrap_text=True, vertical="center")
NUMBER_HEADER_ALIGNMENT = Alignment(wrap_text=True, vertical="center", horizontal="right")
WRAP = Alignment(wrap_text=True, vertical="top")
TOP = Alignment(vertical="top")
NOTE_ALIGNMENT = Alignment(wrap_text=True, vertical="top")
SECTION_FONT = calibri(bold=True, color="1F4E78")
SECTION_FILL = PatternFill("solid", fgColor="DDEBF7")
THIN = Side(style="thin", color="A6A6A6")
BORDER = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
NUMBER_KINDS = (Kind.INT, Kind.NUMBER, Kind.MONEY)
NOTES_ONLY_WIDTH = 90  # a sheet with no table yet: its notes across a portrait page
# One-page sheets (Indicateurs, the funders' Synthèse) print their table in 9 pt: some fifty lines on a
# landscape A4 page.
COMPACT_SIZE = 9.0
LINK_MAX_WIDTH = 90  # document names are at most 90 characters long
SMALL_FONT = calibri(8, italic=True, color="404040")
COMPACT_TITLE_SIZE = 12
SPACER = 4.0  # points of a blank line between the notes and the table of a one-page sheet
TABLE_STYLE = "TableStyleMedium2"
CHART_SIZE_CM = (18, 9)  # width, height of a generated sheet's chart
PAGE_CHART_CM = (30, 15)  # the chart of a one-page sheet, alone on its page (printed at about 68 %)

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
        ws.cell(1, index, closed.name).font = calibri(bold=True)
        for row, value in enumerate(closed.values, start=2):
            ws.cell(row, index, value)
        ws.column_dimensions[letter].width = max(len(v) for v in closed.values) + 2
        ref = f"{quote_sheetname(LISTS_SHEET)}!${letter}$2:${letter}${len(closed.values) + 1}"
        wb.defined_names[list_name(closed.name)] = DefinedName(list_name(closed.name), attr_text=ref)
    ws.sheet_state = "hidden"


def style_header(cell, column: Column | None) -> None:
    """Adviser columns get a blue header, computed columns a dark grey italic one; numbers' headers
    are right-aligned over their right-aligned values."""
    cell.font, cell.fill = header_style(column)
    cell.alignment = NUMBER_HEADER_ALIGNMENT if column is not None and column.kind in NUMBER_KINDS \
        else HEADER_ALIGNMENT


def header_style(column: Column | None) -> tuple[Font, PatternFill]:
    """Font and fill of a header cell: blue for adviser columns, dark grey italic for computed ones."""
    computed = bool(column and column.computed)
    return (COMPUTED_HEADER_FONT, COMPUTED_HEADER) if computed else (HEADER_FONT, INPUT_HEADER)


def wraps_column(column: Column) -> bool:
    """Text columns wrap on screen and on paper: a long value grows its row instead of running
    into the next cell or being cut."""
    return column.kind in (Kind.TEXT, Kind.CHOICE)


CHOICE_FIT = 26  # a drop-down column widens to its longest value up to this width, then wraps


@functools.lru_cache(maxsize=None)  # the contract's columns: a few hundred, asked for every written row
def print_width(column: Column) -> float:
    """The column's width: the contract's, widened so that no word of its header is cut and, for a
    drop-down, so that its values (when short enough) fit on one line."""
    width = max(column.excel_width, printing.header_width(column.header))
    if column.values:
        longest = printing.width_for_px(max(printing.text_px(v) for v in column.values))
        width = max(width, min(longest, CHOICE_FIT))
    return width


def style_data_cell(cell, column: Column) -> None:
    if column.excel_format:
        cell.number_format = column.excel_format
    if column.computed:
        cell.fill = COMPUTED_CELL
        cell.font = COMPUTED_FONT
    cell.alignment = WRAP if wraps_column(column) else TOP


def add_table(ws, table: Table, first_row: int, n_rows: int, style: str = TABLE_STYLE) -> None:
    """Header, styles, widths, validations, status colours and print set-up of a contract table."""
    last_col = get_column_letter(len(table.columns))
    widths = []
    for index, column in enumerate(table.columns, start=1):
        header = ws.cell(first_row, index, column.header)
        style_header(header, column)
        if column.help:
            header.comment = Comment(column.help, "ccc-xl", width=300, height=110)
        widths.append(print_width(column))
        ws.column_dimensions[get_column_letter(index)].width = widths[-1]
        for row in range(first_row + 1, first_row + 1 + max(n_rows, 1)):
            style_data_cell(ws.cell(row, index), column)
    last_row = first_row + max(n_rows, 1)
    xl_table = XlTable(displayName=table.name, ref=f"A{first_row}:{last_col}{last_row}")
    xl_table.tableStyleInfo = TableStyleInfo(name=style, showRowStripes=True)
    ws.add_table(xl_table)
    printing.fit_rows(ws, [first_row], minimum=30)
    add_rules(ws, table, first_row)
    leading = next((index for index, column in enumerate(table.columns) if not column.required), len(widths))
    printing.table_setup(ws, widths, leading=max(leading, 1), title_rows=f"{first_row}:{first_row}")


def row_height(cells) -> float | None:
    """Points a table row needs for its wrapping text, ``cells`` being (column, value) pairs; None
    when one line is enough (the row keeps Excel's default height)."""
    needed = max((printing.text_height(value, print_width(column)) for column, value in cells
                  if isinstance(value, str) and value and wraps_column(column)), default=0.0)
    return round(needed, 1) if needed > printing.DEFAULT_ROW + 0.5 else None


def fit_rows(ws, first_row: int, last_row: int) -> None:
    """Heights of rows ccc-xl wrote, from their wrapping text (see `printing`)."""
    printing.fit_rows(ws, range(first_row, last_row + 1))


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


def _spread(ws, row: int, span: int, cell) -> None:
    """Let a title or note wrap across the table's width (merged cells), not run off the page."""
    cell.alignment = NOTE_ALIGNMENT
    if span > 1:
        ws.merge_cells(start_row=row, start_column=1, end_row=row, end_column=span)


def _sized(font, size: float | None) -> Font:
    """``font`` (or a cell's font) at ``size`` points; unchanged when ``size`` is None."""
    return copy.copy(font) if size is None else Font(name=font.name or "Calibri", size=size, bold=font.b,
                                                  italic=font.i, color=font.color, underline=font.u)


def sheet_widths(content: SheetContent) -> dict[int, float]:
    """Column number -> width over every block: declared widths, never narrower than a header word."""
    size = COMPACT_SIZE if content.one_page else printing.DEFAULT_SIZE
    widths: dict[int, float] = {}
    for block in content.blocks:
        columns = {c.header: c for c in block.table.columns} if block.table else {}
        for index, header in enumerate((str(h) for h in block.frame.columns), start=1):
            width = max(column_width(block, header, columns.get(header)), printing.header_width(header, size))
            if header in block.small:
                longest = max((printing.text_px(str(v), SMALL_FONT.sz) for v in block.frame[header].dropna()), default=0)
                width = max(printing.header_width(header, size), printing.width_for_px(longest))
            elif header in block.links:  # LibreOffice never wraps a link: room for the longest one
                longest = max((printing.text_px(str(v), size or printing.DEFAULT_SIZE) for v in block.frame[header].dropna()),
                              default=0)
                width = max(width, min(printing.width_for_px(longest), LINK_MAX_WIDTH))
            widths[index] = max(widths.get(index, 0), width)
    return widths


def render_sheet(ws, content: SheetContent) -> None:
    """Lay out a generated sheet for the screen and for A4 paper: title and notes wrapped across the
    table's width, each block (an Excel Table if declared) with printed borders, row heights for
    wrapped text, and the page set-up (orientation, one page wide or one page, repeated header row,
    footer « Page N / M »)."""
    size = COMPACT_SIZE if content.one_page else None
    widths = sheet_widths(content) or {1: NOTES_ONLY_WIDTH}
    span = max(widths, default=1)
    for index, width in widths.items():
        ws.column_dimensions[get_column_letter(index)].width = width
    _spread(ws, 1, span, put(ws, 1, 1, content.title))
    ws.cell(1, 1).font = _sized(TITLE_FONT, COMPACT_TITLE_SIZE if size else None)
    row = 2
    # A one-page sheet runs its notes together: every line counts on that page.
    notes = [" ".join(content.notes)] if content.one_page and content.notes else content.notes
    for note in notes:
        cell = put(ws, row, 1, note)
        cell.font = _sized(NOTE_FONT, size)
        _spread(ws, row, span, cell)
        row += 1
    spacer = row
    row += 1
    block_anchors: list[tuple[int, int]] = []
    # A value cell's style indices by its look: its fonts, fills… are added to the workbook's
    # lists (in order) by the first cell of each look only, as openpyxl would do.
    looks: dict[tuple, object] = {}
    main_header, main_rows, break_row = None, -1, None
    for position, block in enumerate(content.blocks):
        headers = [str(h) for h in block.frame.columns]
        columns = {c.header: c for c in block.table.columns} if block.table else {}
        if block.page_break:
            printing.page_break_before(ws, row)
            break_row = break_row or row
        if block.continued:
            if block.title:
                for index in range(1, len(headers) + 1):
                    section = ws.cell(row, index)
                    section.fill, section.border = SECTION_FILL, BORDER
                put(ws, row, 1, block.title).font = _sized(SECTION_FONT, size)
                row += 1
            header_row = row - 1
        else:
            if block.title:
                put(ws, row, 1, block.title).font = _sized(BLOCK_TITLE_FONT, size and size + 1)
                row += 1
            header_row = row
            for index, header in enumerate(headers, start=1):
                cell = put(ws, row, index, header)
                style_header(cell, columns.get(header))
                if block.table is None and _numeric(block.frame.iloc[:, index - 1]):
                    cell.alignment = NUMBER_HEADER_ALIGNMENT
                cell.font = _sized(cell.font, size)
                cell.border = BORDER
            row += 1
            if len(block.frame) > main_rows:
                main_header, main_rows = header_row, len(block.frame)
        block_anchors.append((header_row, len(block.frame)))
        for values in block.frame.itertuples(index=False):
            for index, (header, value) in enumerate(zip(headers, values), start=1):
                cell = put(ws, row, index, value)
                column = columns.get(header)
                fmt = block_format(block, header, column) or default_format(cell.value)
                link = values[headers.index(block.links[header])] if header in block.links else None
                look = (fmt, header in block.small, wraps(block, column) or isinstance(cell.value, str))
                if link or cell.has_style:
                    _style_value(cell, *look, size, link)
                else:
                    styled_as_before(cell, looks, look, lambda: _style_value(cell, *look, size, link))
            row += 1
        if block.table is not None:
            last = get_column_letter(len(headers))
            end = max(row - 1, header_row + 1)
            xl_table = XlTable(displayName=block.table.name, ref=f"A{header_row}:{last}{end}")
            xl_table.tableStyleInfo = TableStyleInfo(name=TABLE_STYLE, showRowStripes=True)
            ws.add_table(xl_table)
            add_rules(ws, block.table, header_row)
            row = end + 1
        following = content.blocks[position + 1] if position + 1 < len(content.blocks) else None
        if following is None or not (following.continued or following.page_break):
            row += 1
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
        bar.width, bar.height = PAGE_CHART_CM if content.one_page else CHART_SIZE_CM
        # Under its figures, from the first column: it prints within the table's width.
        ws.add_chart(bar, f"A{header_row + n + 2}")
    ws.freeze_panes = None
    base = printing.line_height(size) if size is not None else None
    landscape = content.landscape or printing.needs_landscape(widths.values())
    if content.one_page:
        small = sorted({index for block in content.blocks for index, header in enumerate(block.frame.columns, start=1)
                        if str(header) in block.small})
        margins = printing.COMPACT_MARGINS
        scale = _fit_one_page(ws, range(1, row), (break_row or row) - 1, span, small, landscape, base, spacer)
        printing.page_setup(ws, landscape=landscape, scale=scale, margins=margins)
    else:
        printing.fit_rows(ws, range(1, row))
        title_rows = f"{main_header}:{main_header}" if main_header else None
        printing.page_setup(ws, landscape=landscape, title_rows=title_rows)


def styled_as_before(cell, looks: dict, look, style) -> None:
    """``style()`` the cell, or give it the style indices of the earlier cell with the same ``look``
    (recorded in ``looks``): openpyxl would hash its font, fill, border… only to find the same ones."""
    if look in looks:
        cell._style = copy.copy(looks[look])
    else:
        style()
        looks[look] = copy.copy(cell._style)


def _style_value(cell, fmt: str | None, small: bool, wrap: bool, size: float | None, link=None) -> None:
    """The look of a value cell of a generated sheet (a ``link`` target makes it a hyperlink)."""
    if fmt:
        cell.number_format = fmt
    if link:
        cell.hyperlink = str(link)
        cell.style = "Hyperlink"
    if small:
        cell.font = SMALL_FONT
    elif size is not None:
        cell.font = _sized(cell.font, size)
    cell.alignment = WRAP if wrap else TOP
    cell.border = BORDER


def _fit_one_page(ws, rows: range, last: int, span: int, small: list[int], landscape: bool, base: float,
                  spacer: int) -> int:
    """Row heights and the print scale of a one-page sheet; the width of its ``small`` columns
    (definitions) is chosen to print the page as large as possible: wide enough that few of them
    wrap, narrow enough not to shrink the whole page. Returns the scale (percent)."""
    margins = printing.COMPACT_MARGINS
    letters = [get_column_letter(index) for index in small]
    widest = [ws.column_dimensions[letter].width for letter in letters]
    candidates = sorted({*range(30, int(max(widest, default=30)) + 1, 2), *widest}) if small else [None]
    best = None
    cells = printing.row_cells(ws, rows)
    trials = printing.Trials(ws, cells, small, base=base)
    for width in candidates:  # each trial's heights are only computed; the best one's are set below
        for letter, full in zip(letters, widest):
            ws.column_dimensions[letter].width = min(width, full)
        heights = trials.heights()
        heights[spacer] = SPACER
        scale = printing.page_scale(ws, 1, last, span, landscape, margins, heights=heights)
        if best is None or scale > best[0]:
            best = (scale, width)
    for letter, full in zip(letters, widest):
        ws.column_dimensions[letter].width = min(best[1], full) if best[1] else full
    printing.fit_rows(ws, rows, base=base, cells=cells)
    ws.row_dimensions[spacer].height = SPACER
    return best[0]


def _numeric(values: pd.Series) -> bool:
    """Whether a plain block's column holds numbers (its header is then right-aligned)."""
    filled = values.dropna()
    return bool(len(filled)) and all(pd.api.types.is_number(v) and not pd.api.types.is_bool(v) for v in filled)
