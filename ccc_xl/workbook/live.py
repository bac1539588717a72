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
import sys
from contextlib import suppress
from pathlib import Path

from openpyxl.styles import Alignment, Font, PatternFill

from ..contract import MARKER_NAME, SHEET_ORDER, Table
from ..report import CommandError
from . import layout
from .content import Block, Chart, SheetContent
from .gateway import Backend, RawTable, missing_table
from .layout import excel_cell_value

FORMULA_STARTS = ("=", "+", "-", "@")
LINK_FONT = Font(color="0563C1")  # Excel's "Hyperlink" style colour
MAX_FORMULA_TEXT = 255  # longest text literal Excel accepts inside a formula
POINTS_PER_CM = 72 / 2.54


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
        """The workbook's file (the synced copy of a workbook opened from OneDrive or SharePoint),
        or None when Excel has not saved it yet."""
        from ..excel.cloud import full_name, local_path

        return local_path(full_name(self.xlbook))

    def is_ccc_workbook(self) -> bool:
        return any(name.name == MARKER_NAME for name in self.xlbook.names)

    def _find(self, table: Table):
        for sheet in self.xlbook.sheets:
            for xl_table in sheet.tables:
                if xl_table.name == table.name:
                    return sheet, xl_table
        raise missing_table(table, [s.name for s in self.xlbook.sheets])

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
        """Lay out a generated sheet as `layout.render_sheet` does for a file, range by range.

        Every write covers a whole block, a whole column or a whole header row, so the number of
        Excel calls depends on the number of blocks and columns, never on the number of rows.
        Links are HYPERLINK formulas written as one column (one call instead of one per link).
        """
        names = [s.name for s in self.xlbook.sheets]
        if content.sheet in names:
            sheet = self.xlbook.sheets[content.sheet]
            for chart in reversed(list(sheet.charts)):  # clearing the cells leaves charts in place
                chart.delete()
            for table in list(sheet.tables):  # the new Table takes the old one's name
                _delete_table(table)
            sheet.clear()  # values, formats, drop-downs
        else:
            sheet = self.xlbook.sheets.add(content.sheet, after=self.xlbook.sheets[_previous(names, content.sheet)])
        lines = [[content.title], *[[note] for note in content.notes], [None]]
        sheet.range((1, 1), (len(lines), 1)).value = lines
        _style(sheet.range((1, 1)), font=layout.TITLE_FONT)
        if content.notes:
            _style(sheet.range((2, 1), (1 + len(content.notes), 1)), font=layout.NOTE_FONT)
        row = len(lines) + 1
        widths: dict[int, float] = {}
        anchors: list[tuple[int, int]] = []
        for block in content.blocks:
            if block.title:
                sheet.range((row, 1)).value = block.title
                _style(sheet.range((row, 1)), font=layout.BLOCK_TITLE_FONT)
                row += 1
            anchors.append((row, len(block.frame)))
            _write_block(self.xlbook, sheet, row, block, widths)
            row += len(block.frame) + 2
        for index, width in widths.items():
            sheet.range((1, index)).column_width = width
        for chart in content.charts:
            header_row, n = anchors[chart.block]
            _add_chart(sheet, chart, [str(h) for h in content.blocks[chart.block].frame.columns], header_row, n)

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

    def active_sheet(self) -> str:
        """The sheet on screen (the Aide button opens the guide at its step)."""
        return self.xlbook.sheets.active.name


def _previous(existing: list[str], name: str) -> str:
    """The sheet after which a missing generated sheet goes, following the contract's order."""
    before = [s for s in SHEET_ORDER[: SHEET_ORDER.index(name)] if s in existing] if name in SHEET_ORDER else []
    return before[-1] if before else existing[-1]


def _write_block(xlbook, sheet, header_row: int, block: Block, widths: dict[int, float]) -> None:
    """One block: values in one call, then header style, formats, wrapping and links column by column."""
    headers = [str(h) for h in block.frame.columns]
    rows = list(block.frame.itertuples(index=False))
    last = header_row + len(rows)
    columns = {c.header: c for c in block.table.columns} if block.table else {}
    sheet.range((header_row, 1), (last, len(headers))).value = [headers] + [[cell_value(v) for v in r] for r in rows]
    header_range = sheet.range((header_row, 1), (header_row, len(headers)))
    font, fill = layout.header_style(None)
    _style(header_range, font=font, fill=fill, alignment=layout.HEADER_ALIGNMENT)
    for index, header in enumerate(headers, start=1):
        column = columns.get(header)
        widths[index] = max(widths.get(index, 0), layout.column_width(block, header, column))
        if column is not None and column.computed:
            font, fill = layout.header_style(column)
            _style(sheet.range((header_row, index)), font=font, fill=fill)
        if not rows:
            continue
        data = sheet.range((header_row + 1, index), (last, index))
        first_value = next((v for v in (excel_cell_value(r[index - 1]) for r in rows) if v is not None), None)
        fmt = layout.block_format(block, header, column) or layout.default_format(first_value)
        if fmt:
            data.number_format = fmt
        if layout.wraps(block, column):
            _style(data, alignment=layout.WRAP)
        if header in block.links:
            target = headers.index(block.links[header])
            data.formula = [[_hyperlink(r[target], r[index - 1])] for r in rows]
            _style(data, font=LINK_FONT)
    if block.table is not None:
        sheet.tables.add(source=sheet.range((header_row, 1), (max(last, header_row + 1), len(headers))),
                         name=block.table.name, has_headers=True, table_style_name=layout.TABLE_STYLE)
        _add_rules(xlbook, sheet, block.table, header_row, headers)


def _add_rules(xlbook, sheet, table: Table, header_row: int, headers: list[str]) -> None:
    """Drop-downs and status colours of a generated table, over its rows and the rows an adviser may
    add below, as `layout.add_rules` writes them in a file: one call per column, whatever the rows."""
    end = header_row + layout.FORMATTED_ROWS
    for column in table.columns:
        if column.header not in headers:
            continue
        index = headers.index(column.header) + 1
        cells = sheet.range((header_row + 1, index), (end, index))
        if column.choices and not column.computed:
            with suppress(NotImplementedError):  # xlwings' remote engine takes them from Office.js clients only
                cells.data_validation.set_list(xlbook.names[layout.list_name(column.choices)])
        if table.status_column == column.key:
            for value, colour in table.status_colours:
                cells.conditional_formats.add_cell_value("equal_to", _literal(value), fill_color="#" + colour[-6:])


def _delete_table(table) -> None:
    """Remove a Table before its sheet is rewritten, so no stale Table keeps the name the new one
    needs. Excel's own ListObject.Delete on Windows; elsewhere clearing the sheet is left to do it
    (xlwings has no call for it), which `ccc-xl diagnostic --excel` checks."""
    if sys.platform.startswith("win") and not isinstance(table.api, dict):
        table.api.Delete()


def _style(rng, font: Font | None = None, fill: PatternFill | None = None, alignment: Alignment | None = None) -> None:
    """Apply the file backend's openpyxl styles (`layout`) to a live range: one call per attribute.

    Vertical alignment is left out: xlwings' remote engine (the tests' stand-in for Excel) only
    accepts it from Office.js clients.
    """
    if fill is not None:
        rng.color = "#" + fill.fgColor.rgb[-6:]
    if font is not None:
        if font.b:
            rng.font.bold = True
        if font.i:
            rng.font.italic = True
        if font.sz:
            rng.font.size = font.sz
        if font.color is not None and font.color.rgb:
            rng.font.color = "#" + font.color.rgb[-6:]
    if alignment is not None and alignment.wrap_text:
        rng.wrap_text = True


def _hyperlink(target: object, text: object) -> object:
    """A HYPERLINK formula to ``target`` showing ``text``; the plain value when there is no usable link."""
    target, shown = excel_cell_value(target), excel_cell_value(text)
    if not target or any(len(str(v)) > MAX_FORMULA_TEXT for v in (target, shown)):
        return cell_value(text)
    return f"=HYPERLINK({_literal(target)},{_literal(target if shown is None else shown)})"


def _literal(value: object) -> str:
    """A text literal inside an Excel formula (quotes doubled)."""
    return '"' + str(value).replace('"', '""') + '"'


def _add_chart(sheet, chart: Chart, headers: list[str], header_row: int, n: int) -> None:
    """The block's clustered column chart beside it (series must be adjacent columns)."""
    if n == 0:
        return
    series = sorted(headers.index(name) + 1 for name in chart.series)
    if series != list(range(series[0], series[-1] + 1)):
        raise ValueError(f"chart series {chart.series} must be adjacent columns in the live backend")
    width, height = (size * POINTS_PER_CM for size in layout.CHART_SIZE_CM)
    xl_chart = sheet.charts.add(width=width, height=height, chart_type="column_clustered",
                                anchor=sheet.range((header_row, len(headers) + 2)),
                                source=sheet.range((header_row, series[0]), (header_row + n, series[-1])), plot_by="columns")
    category = headers.index(chart.categories) + 1
    xl_chart.set_x_axis_values(sheet.range((header_row + 1, category), (header_row + n, category)))
    xl_chart.title = chart.title
    if chart.y_title:
        xl_chart.value_axis.title = chart.y_title
