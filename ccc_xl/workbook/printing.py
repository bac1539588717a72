"""How a sheet written with openpyxl comes out on paper: A4 page set-up, wrapped text, row heights.

Excel and LibreOffice do not recompute the height of a row that openpyxl wrote: a cell whose text
wraps over three lines keeps a one-line row and its text runs over the next row on screen and on
paper. So every row ccc-xl writes gets a height estimated here from its text, its font and its
column's width — with Calibri's character widths (LibreOffice renders it with Carlito, which has
the same metrics) and a small safety margin, so an estimate errs on the side of a taller row.

The same estimate chooses the page orientation (landscape when the columns do not fit across a
portrait page), the scale of sheets printed at a chosen scale, and the minimum width of a column
whose header's longest word must not be cut.
"""

from __future__ import annotations

import functools
import math
import unicodedata
from typing import Iterable

from openpyxl.worksheet.pagebreak import Break
from openpyxl.worksheet.page import PageMargins
from openpyxl.utils import get_column_letter

# A4 in points, and the margins of every printed sheet (inches, as Excel stores them).
A4_WIDTH, A4_HEIGHT = 595.3, 841.9
MARGINS = dict(left=0.45, right=0.45, top=0.6, bottom=0.7, header=0.25, footer=0.3)
# Sheets printed on one page (Indicateurs, Synthèse) use narrower top and bottom margins.
COMPACT_MARGINS = dict(left=0.3, right=0.3, top=0.2, bottom=0.35, header=0.08, footer=0.12)
DEFAULT_SIZE = 11.0
DEFAULT_ROW = 15.0  # Excel's row height for 11 pt Calibri
SAFETY = 1.04  # text is taken 4 % wider than measured: a wrong guess gives a taller row, never overlap

# Advance widths of Calibri (= Carlito) 11 pt at 96 dpi, in pixels, for the printable ASCII range.
_ASCII_PX = (
    "3.3 4.8 5.9 7.3 7.4 10.5 10.0 3.2 4.4 4.4 7.3 7.3 3.7 4.5 3.7 5.7 7.4 7.4 7.4 7.4 7.4 7.4 7.4 7.4 "
    "7.4 7.4 3.9 3.9 7.3 7.3 7.3 6.8 13.1 8.5 8.0 7.8 9.0 7.2 6.7 9.3 9.1 3.7 4.7 7.6 6.2 12.5 9.5 9.7 "
    "7.6 9.9 8.0 6.7 7.1 9.4 8.3 13.0 7.6 7.1 6.9 4.5 5.7 4.5 7.3 7.3 4.3 7.0 7.7 6.2 7.7 7.3 4.5 6.9 "
    "7.7 3.4 3.5 6.7 3.4 11.7 7.7 7.7 7.7 7.7 5.1 5.7 4.9 7.7 6.6 10.5 6.4 6.6 5.8 4.6 6.8 4.6 7.3"
)
CHAR_PX = {chr(32 + i): float(w) for i, w in enumerate(_ASCII_PX.split())}
WIDE_PX = 9.5  # characters outside the table (symbols, emoji): taken wide
BOLD = 1.04  # Calibri bold is about 4 % wider


def char_px(char: str) -> float:
    """Width in pixels of one character of 11 pt Calibri (accented letters as their base letter)."""
    if char in CHAR_PX:
        return CHAR_PX[char]
    base = unicodedata.normalize("NFD", char)[:1]
    if base in CHAR_PX:
        return CHAR_PX[base]
    if char in "«»":
        return 6.0
    if char in "\u202f\u00a0":
        return 3.3
    if char in "–—’…€":
        return {"–": 7.3, "—": 13.0, "’": 3.7, "…": 10.5, "€": 7.4}[char]
    return WIDE_PX


@functools.lru_cache(maxsize=1 << 16)  # words recur in every row and every trial width
def text_px(text: str, size: float = DEFAULT_SIZE, bold: bool = False) -> float:
    """Estimated width of ``text`` in screen pixels (96 dpi) at ``size`` points."""
    width = sum(char_px(ch) for ch in text) * size / DEFAULT_SIZE
    return width * SAFETY * (BOLD if bold else 1.0)


def column_px(width: float) -> float:
    """Pixels a column of ``width`` characters takes on the page: Excel draws 7 px a digit of
    Calibri 11 plus 5 px, LibreOffice 7.4 px (Carlito's digit) and no more; the wider of the two,
    so that a page computed to fit does fit in both."""
    return max(7 * width + 5, 7.4 * width)


def text_room(width: float) -> float:
    """Pixels of text that fit on one line of a column of ``width`` characters in Excel (7 px a digit,
    less 5 px of padding and grid line): the narrower of the two programs, for wrapping."""
    return 7 * width - 5


def column_points(width: float) -> float:
    return column_px(width) * 0.75


def width_for_px(px: float) -> float:
    """The column width (characters) whose pixel width holds ``px`` plus the cell's padding."""
    return math.ceil((px + 5) / 7 * 2) / 2


@functools.lru_cache(maxsize=1 << 16)
def wrapped_lines(text: str, width: float, size: float = DEFAULT_SIZE, bold: bool = False) -> int:
    """Lines ``text`` takes in a wrapping cell of ``width`` characters (greedy word wrap, as Excel).

    Remembered: a sheet fitted to its page estimates the same texts under several widths."""
    room = text_room(width)
    space = text_px(" ", size, bold)
    lines = 0
    for paragraph in str(text).split("\n"):
        lines += 1
        used = 0.0
        for word in paragraph.split(" "):
            word_px = text_px(word, size, bold)
            if word_px > room:  # a word longer than the column is broken across lines
                if used:
                    lines += 1
                lines += math.ceil(word_px / room) - 1
                used = word_px % room or room
                continue
            needed = word_px if not used else used + space + word_px
            if needed > room and used:
                lines += 1
                used = word_px
            else:
                used = needed
    return max(lines, 1)


# Excel's height of a one-line row of Calibri, by font size (points); other sizes in proportion.
# 9 pt: 15 px (11.25 pt) rather than Excel's default 16 px, which still holds the font's line (ascent
# plus descent, 1.22 em = 11 pt) and lets a one-page sheet's sixty lines print at about 68 %.
LINE_HEIGHTS = {8: 11.25, 9: 11.25, 10: 12.75, 11: 15.0, 12: 15.75, 13: 17.25, 14: 18.75, 16: 21.0, 18: 23.25}


def line_height(size: float = DEFAULT_SIZE) -> float:
    """Points per line of text (15 pt for 11 pt Calibri, as Excel's default row)."""
    found = LINE_HEIGHTS.get(size)
    return round(size * 15 / 11, 2) if found is None else found


def text_height(text: str, width: float, size: float = DEFAULT_SIZE, bold: bool = False) -> float:
    """Points a wrapping cell needs for ``text`` in a column of ``width`` characters."""
    return wrapped_lines(text, width, size, bold) * line_height(size)


def header_width(header: str, size: float = DEFAULT_SIZE) -> float:
    """The narrowest column width where no word of a bold header is cut."""
    longest = max((text_px(word, size, bold=True) for word in str(header).split()), default=0.0)
    return width_for_px(longest)


def cell_font(cell) -> tuple[float, bool]:
    font = cell.font
    return float(font.sz or DEFAULT_SIZE), bool(font.b)


def column_width(ws, index: int) -> float:
    dim = ws.column_dimensions.get(get_column_letter(index))
    return float(dim.width) if dim is not None and dim.width else 8.43


def _merged_widths(ws) -> dict[tuple[int, int], float]:
    """(row, column) of the top-left cell of each one-row merged range -> the range's total width."""
    widths = {}
    for merged in ws.merged_cells.ranges:
        if merged.min_row == merged.max_row:
            total = sum(column_width(ws, col) for col in range(merged.min_col, merged.max_col + 1))
            widths[(merged.min_row, merged.min_col)] = total
    return widths


def row_cells(ws, rows: Iterable[int], max_col: int | None = None) -> dict[int, list[tuple]]:
    """What sizes each of ``rows``: (column, text, font size, bold, wraps) of each non-empty cell.

    Read once, it serves every estimate of the same rows under other column widths."""
    last = ws.max_column if max_col is None else min(max_col, ws.max_column)  # openpyxl counts it over every cell
    found, looks = {}, {}
    for row in rows:
        cells = next(ws.iter_rows(min_row=row, max_row=row, max_col=last))
        found[row] = [(cell.column, _shown(cell.value), *_look(cell, looks)) for cell in cells if cell.value is not None]
    return found


def _look(cell, looks: dict) -> tuple[float, bool, bool]:
    """(font size, bold, wraps) of ``cell``, worked out through openpyxl once per font and alignment
    of the sheet (``looks``): a table's thousands of cells share a few looks."""
    style = cell._style
    key = (style.fontId, style.alignmentId) if style is not None else None
    if key is None or key not in looks:
        look = (*cell_font(cell), bool(cell.alignment and cell.alignment.wrap_text))
        if key is None:
            return look
        looks[key] = look
    return looks[key]


def needed_height(ws, row: int, max_col: int | None = None, merged=None, cells=None) -> float | None:
    """Points row ``row`` needs: its wrapping cells' lines, one line of any other cell's font;
    None when the row is empty. ``cells``: the row's `row_cells` when already read."""
    merged = _merged_widths(ws) if merged is None else merged
    found = row_cells(ws, [row], max_col)[row] if cells is None else cells
    return _needed(row, found, merged, lambda column: column_width(ws, column))


def _needed(row: int, cells: list[tuple], merged: dict, width_of) -> float | None:
    needed = None
    for column, text, size, bold, wraps in cells:
        if wraps:
            width = merged.get((row, column))
            height = text_height(text, width_of(column) if width is None else width, size, bold)
        else:
            height = line_height(size)
        needed = height if needed is None or height > needed else needed
    return needed


def _shown(value) -> str:
    return value if isinstance(value, str) else str(value)


def row_heights(ws, cells: dict[int, list[tuple]], minimum: float | None = None,
                base: float | None = None) -> dict[int, float | None]:
    """The height `fit_rows` gives each row of ``cells`` (its `row_cells`) under the sheet's
    present column widths: points, or None for the default height."""
    merged = _merged_widths(ws)
    widths: dict[int, float] = {}

    def width_of(column: int) -> float:
        if column not in widths:
            widths[column] = column_width(ws, column)
        return widths[column]

    return {row: _fitted(max(_needed(row, found, merged, width_of) or 0.0, minimum or 0.0), base)
            for row, found in cells.items()}


def _fitted(needed: float, base: float | None) -> float | None:
    """The height given to a row that needs ``needed`` points: exactly ``base`` at least when given,
    else its own when above the default row, else None (the default height)."""
    if base is not None:
        return round(max(needed, base), 1)
    return round(needed, 1) if needed > DEFAULT_ROW + 0.5 else None


class Trials:
    """Rows' heights under trial widths of some ``columns`` (a one-page sheet choosing the width of
    its definitions): what each row needs from its other cells is measured once, and each trial
    measures only the wrapping cells of those columns and of merged ranges. Gives what
    `row_heights` gives under the sheet's present widths."""

    def __init__(self, ws, cells: dict[int, list[tuple]], columns: Iterable[int], base: float | None = None):
        self.ws, self.base = ws, base
        columns, merged = set(columns), _merged_widths(ws)
        self.rows = {}
        for row, found in cells.items():
            varying = [cell for cell in found if cell[4] and (cell[0] in columns or (row, cell[0]) in merged)]
            steady = [cell for cell in found if cell not in varying] if varying else found
            self.rows[row] = (_needed(row, steady, merged, lambda column: column_width(ws, column)), varying)

    def heights(self) -> dict[int, float | None]:
        merged = _merged_widths(self.ws)
        heights = {}
        for row, (steady, varying) in self.rows.items():
            needed = _needed(row, varying, merged, lambda column: column_width(self.ws, column)) if varying else None
            if needed is None or (steady is not None and steady >= needed):
                needed = steady
            heights[row] = _fitted(needed or 0.0, self.base)
        return heights


def fit_rows(ws, rows: Iterable[int], max_col: int | None = None, minimum: float | None = None,
             base: float | None = None, cells: dict[int, list[tuple]] | None = None) -> None:
    """Give each of ``rows`` the height its wrapping cells need (at least ``minimum`` points).

    Rows that fit on one line keep the default height (no custom height, so Excel still adjusts
    them when an adviser types), or exactly ``base`` points when given (compact sheets).
    ``cells``: the rows' `row_cells`, when the same rows are fitted under several column widths.
    """
    cells = row_cells(ws, rows, max_col) if cells is None else cells
    for row, height in row_heights(ws, cells, minimum, base).items():
        dimension = ws.row_dimensions[row]
        if height is not None:
            dimension.height = height
        elif dimension.height is not None:
            dimension.height = None


def row_points(ws, row: int) -> float:
    height = ws.row_dimensions[row].height if row in ws.row_dimensions else None
    return float(height) if height else DEFAULT_ROW


def page_scale(ws, first_row: int, last_row: int, last_col: int, landscape: bool, margins=MARGINS,
               heights: dict[int, float | None] | None = None) -> int:
    """The largest print scale (percent) at which rows ``first_row``..``last_row`` and columns
    1..``last_col`` fit on one page; ``heights``: rows' heights to take instead of the sheet's
    (`row_heights`)."""
    heights = {} if heights is None else heights
    height = sum((float(heights[row]) if heights[row] else DEFAULT_ROW) if row in heights else row_points(ws, row)
                 for row in range(first_row, last_row + 1))
    width = widths_points(sheet_widths(ws, last_col))
    fits = min(printable_width(landscape, margins) / width if width else 1.0,
               printable_height(landscape, margins) / height if height else 1.0)
    return max(10, min(100, math.floor(100 * fits)))


def printable_width(landscape: bool, margins=MARGINS) -> float:
    page = A4_HEIGHT if landscape else A4_WIDTH
    return page - (margins["left"] + margins["right"]) * 72


def printable_height(landscape: bool, margins=MARGINS) -> float:
    page = A4_WIDTH if landscape else A4_HEIGHT
    return page - (margins["top"] + margins["bottom"]) * 72


def widths_points(widths: Iterable[float]) -> float:
    return sum(column_points(w) for w in widths)


def needs_landscape(widths: Iterable[float]) -> bool:
    """Landscape when the columns do not fit across a portrait A4 page at full size."""
    return widths_points(widths) > printable_width(False)


def table_setup(ws, widths: list[float], *, leading: int, title_rows: str | None, gridlines: bool = True,
                landscape: bool = False) -> None:
    """The page set-up of a table: one page wide when it reads at READABLE_SCALE or more that way;
    else landscape at a readable scale over several pages across, its ``leading`` columns (those
    that name a row, as many as fit) and its header row repeated on every page."""
    landscape = landscape or needs_landscape(widths)
    if fit_scale(widths, landscape) >= READABLE_SCALE:
        page_setup(ws, landscape=landscape, title_rows=title_rows, gridlines=gridlines)
        return
    keys = title_column_count(widths, leading)
    page_setup(ws, landscape=True, title_rows=title_rows, gridlines=gridlines, scale=spread_scale(widths, keys),
               title_columns=keys)


def fit_scale(widths: Iterable[float], landscape: bool) -> int:
    """The print scale (percent) at which the columns fit across the page: what "fit to one page
    wide" gives, as Excel and LibreOffice compute it."""
    total = widths_points(widths)
    return min(100, math.floor(100 * printable_width(landscape) / total)) if total else 100


# The smallest scale a table is printed at: below it, 11 pt text prints under 8 pt and is hard to read.
READABLE_SCALE = 70
TITLE_COLUMNS_SHARE = 0.3  # the columns repeated on every page take at most this share of its width


def pages_across(widths: list[float], title_count: int, scale: int, landscape: bool = True) -> int:
    """Pages a table takes across at ``scale`` percent, its first ``title_count`` columns on each
    (a column is never cut: it goes whole to the next page; 3 % kept for the programs' rounding)."""
    room = printable_width(landscape) * 100 / scale * 0.97 - widths_points(widths[:title_count])
    pages, used = 1, 0.0
    for width in widths[title_count:]:
        points = column_points(width)
        if used and used + points > room:
            pages, used = pages + 1, 0.0
        used += points
    return pages


def spread_scale(widths: list[float], title_count: int, landscape: bool = True) -> int:
    """The print scale of a table too wide to be read one page wide: the largest scale, at least
    READABLE_SCALE, at which it prints on as few pages across as at READABLE_SCALE, its first
    ``title_count`` columns repeated on each page."""
    fewest = pages_across(widths, title_count, READABLE_SCALE, landscape)
    return next(scale for scale in range(100, READABLE_SCALE - 1, -1)
                if pages_across(widths, title_count, scale, landscape) <= fewest)


def title_column_count(widths: list[float], leading: int, landscape: bool = True) -> int:
    """How many of the ``leading`` first columns (those that name a row) repeat on every page: as
    many as fit in TITLE_COLUMNS_SHARE of the page at READABLE_SCALE, at least the first."""
    room = printable_width(landscape) * 100 / READABLE_SCALE * TITLE_COLUMNS_SHARE
    count = 1
    while count < leading and widths_points(widths[:count + 1]) <= room:
        count += 1
    return count


def sheet_widths(ws, max_col: int | None = None) -> list[float]:
    last = max_col or ws.max_column
    return [column_width(ws, index) for index in range(1, last + 1)]


def page_setup(ws, *, landscape: bool, title_rows: str | None = None, gridlines: bool = False,
               scale: int | None = None, margins=MARGINS, title_columns: int = 0) -> None:
    """A4, orientation, one page wide (or ``scale`` percent), repeated title rows, printed lines,
    and the footer « Page N / M », the sheet's name and the print date. With ``title_columns``, the
    first columns repeat on every page and pages run across, then down (a row's continuation is on
    the next page).

    Everything is set on the worksheet itself, so it travels with the sheet wherever it is copied.
    """
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.orientation = "landscape" if landscape else "portrait"
    if scale is None:
        ws.page_setup.fitToWidth = 1
        ws.page_setup.fitToHeight = 0
        ws.sheet_properties.pageSetUpPr.fitToPage = True
    else:
        ws.page_setup.scale = scale
        ws.sheet_properties.pageSetUpPr.fitToPage = False
    ws.page_margins = PageMargins(**margins)
    ws.print_options.gridLines = gridlines
    ws.print_options.horizontalCentered = False
    if title_rows:
        ws.print_title_rows = title_rows
    if title_columns:
        # LibreOffice loads repeated columns slowly (docs/maintainers/paper.md); Excel has no other way.
        ws.print_title_cols = f"A:{get_column_letter(title_columns)}"
        ws.page_setup.pageOrder = "overThenDown"
    for item, text in ((ws.oddFooter.left, "&A"), (ws.oddFooter.center, "Page &P / &N"),
                       (ws.oddFooter.right, "Imprimé le &D")):
        item.text = text
        item.size = 8
        item.color = "595959"


def page_break_before(ws, row: int) -> None:
    """Start a new printed page at ``row``."""
    ws.row_breaks.append(Break(id=row - 1))
