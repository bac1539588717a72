"""Fast reading of a closed .xlsx: the cells of an Excel Table through python-calamine.

openpyxl builds a Python object for every cell and style of every sheet before a command can read
one table (42 s of a 50 s consolidation of 200 workbooks). Here the package's small XML parts
(workbook, relationships, tables, styles) are read with the standard library to find where a table
is, and calamine (Rust) reads only the sheets holding the tables a command asks for.

The values are those openpyxl gives for the same cells with ``data_only=True`` — what the file
backend read before, and what `tests/test_reader.py` proves on the demo, the hostile corpus and
random workbooks — so typed parsing and anomalies do not depend on the reader:
- a whole-day date is a ``datetime`` at midnight (calamine gives a ``date``), an integral number an
  ``int``, an empty cell ``None`` (calamine gives ``""``);
- the few cells calamine reads differently are read from the sheet's XML, found by a byte scan
  without parsing it: error values (« #N/A », which calamine turns into empty cells), ISO 8601
  dates (t="d"), numbers in date-formatted cells that are negative or too large for a date
  (openpyxl gives a date before 1900 or « #VALUE! »), integers beyond 2**53 (exact for openpyxl);
- a formula without a cached result (no ``<v>``: the file was written by a tool that does not
  calculate) reads as blank for both, so the same scan finds those cells and `RawTable.problems`
  names each one (« formule sans résultat enregistré … »);
- a sheet calamine cannot convert at all (a date-formatted number far beyond any calendar, on which
  it panics) is read cell by cell from the same XML with openpyxl's own conversions.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import io
import posixpath
import re
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path
from xml.etree import ElementTree as ET

from openpyxl.styles.numbers import BUILTIN_FORMATS, is_date_format, is_timedelta_format
from openpyxl.utils import range_boundaries
from openpyxl.utils.cell import coordinate_from_string, column_index_from_string
from openpyxl.utils.datetime import CALENDAR_MAC_1904, CALENDAR_WINDOWS_1900, from_excel, from_ISO8601

from ..contract import Table
from ..report import CommandError
from .gateway import RawTable, missing_table

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
NS = {
    "m": MAIN,
    "r": "http://schemas.openxmlformats.org/officeDocument/2006/relationships",
    "rel": "http://schemas.openxmlformats.org/package/2006/relationships",
}
R_ID = "{%s}id" % NS["r"]
WORKSHEET = "/worksheet"
TABLE = "/table"
FORMULA_WITHOUT_RESULT = ("formule sans résultat enregistré — ouvrez et enregistrez le classeur dans Excel, "
                          "ou saisissez la valeur")
# Integral floats up to this are exact: calamine reads every number as a float, openpyxl gives an
# int for a number written without a decimal point.
EXACT_INTEGERS = 2**53
# Days from 1900: beyond 9999-12-31 (2 958 465) no date exists; far beyond, calamine fails.
BEYOND_CALENDAR = 10**7


class Unreadable(Exception):
    """The package cannot be read as a workbook (damaged, truncated, another format)."""


# What reading a part of a damaged zip raises: a broken local header, a corrupt compressed stream.
ZIP_DAMAGE = (zipfile.BadZipFile, OSError, EOFError, zlib.error)


@contextlib.contextmanager
def unreadable_if_damaged(*more: type[Exception]):
    """Turn what reading a damaged zip part raises (and ``more``) into `Unreadable`, named by the
    error's type."""
    try:
        yield
    except (*ZIP_DAMAGE, *more) as problem:
        raise Unreadable(type(problem).__name__) from None


@dataclass(frozen=True)
class TableLocation:
    sheet: str
    part: str  # the sheet's XML part, e.g. "xl/worksheets/sheet3.xml"
    ref: str  # "A1:K37"


class Package:
    """An .xlsx package (bytes or path): its sheets, defined names and tables, and their values.
    ``archive``: the same bytes already opened as a zip archive (the file-type check opened it)."""

    def __init__(self, source: bytes | Path, archive: zipfile.ZipFile | None = None):
        self._data = source if isinstance(source, bytes) else Path(source).read_bytes()
        with unreadable_if_damaged(KeyError, ET.ParseError):
            self._zip = archive if archive is not None else zipfile.ZipFile(io.BytesIO(self._data))
            self._names = set(self._zip.namelist())
            workbook = ET.fromstring(self._zip.read("xl/workbook.xml"))
            self._read_workbook(workbook)
        self._calamine = None
        self._styles: tuple[set[int], set[int]] | None = None

    # --- Structure, from the small XML parts -------------------------------------------------

    def _read_workbook(self, workbook: ET.Element) -> None:
        properties = workbook.find("m:workbookPr", NS)
        self.epoch = CALENDAR_MAC_1904 if properties is not None and _true(properties.get("date1904")) else CALENDAR_WINDOWS_1900
        self.defined_names = {d.get("name") for d in workbook.iterfind("m:definedNames/m:definedName", NS)
                              if d.get("localSheetId") is None}  # workbook-wide names, as openpyxl's wb.defined_names
        targets = self._rels("xl/workbook.xml")
        self.sheet_names: list[str] = []
        self.tables: dict[str, TableLocation] = {}
        for sheet in workbook.iterfind("m:sheets/m:sheet", NS):
            name = sheet.get("name")
            self.sheet_names.append(name)
            part, kind = targets.get(sheet.get(R_ID), (None, ""))
            if part is None or not kind.endswith(WORKSHEET) or part not in self._names:
                continue
            for table_part, table_kind in self._rels(part).values():
                if table_kind.endswith(TABLE) and table_part in self._names:
                    table = ET.fromstring(self._zip.read(table_part))
                    self.tables.setdefault(table.get("name"), TableLocation(name, part, table.get("ref", "")))

    def _rels(self, part: str) -> dict[str, tuple[str, str]]:
        """Relationship id -> (target part, relationship type) of a part."""
        folder, name = posixpath.split(part)
        rels_part = posixpath.join(folder, "_rels", name + ".rels")
        if rels_part not in self._names:
            return {}
        found = {}
        for rel in ET.fromstring(self._zip.read(rels_part)).iterfind("rel:Relationship", NS):
            target = rel.get("Target") or ""
            target = target.lstrip("/") if target.startswith("/") else posixpath.normpath(posixpath.join(folder, target))
            found[rel.get("Id")] = (target, rel.get("Type") or "")
        return found

    def check_every_part(self) -> dict[str, bytes]:
        """Every part of the zip by name, decompressed and matched against its checksum as
        ``ZipFile.testzip`` does (`Unreadable` if one is damaged), for the writer and the loss
        check to use instead of inflating them again."""
        with unreadable_if_damaged():
            return {name: self._zip.read(name) for name in dict.fromkeys(self._zip.namelist())}

    def _date_styles(self) -> tuple[set[int], set[int]]:
        """Style indexes whose number format is a date, and those that are a duration ([h]:mm),
        by openpyxl's own rules."""
        if self._styles is None:
            dates, durations = set(), set()
            if "xl/styles.xml" in self._names:
                root = ET.fromstring(self._zip.read("xl/styles.xml"))
                custom = {int(f.get("numFmtId")): f.get("formatCode") for f in root.iterfind("m:numFmts/m:numFmt", NS)}
                for index, xf in enumerate(root.iterfind("m:cellXfs/m:xf", NS)):
                    number = int(xf.get("numFmtId", 0))
                    code = custom.get(number, BUILTIN_FORMATS.get(number))
                    if is_date_format(code):
                        dates.add(index)
                    if is_timedelta_format(code):
                        durations.add(index)
            self._styles = dates, durations
        return self._styles

    # --- Values --------------------------------------------------------------------------------

    def read_table(self, table: Table) -> RawTable:
        """The header and data cells of an Excel Table, as `FileBackend` has always read them."""
        location = self.tables.get(table.name)
        if location is None:
            raise missing_table(table, self.sheet_names)
        min_col, min_row, max_col, table_end = range_boundaries(location.ref)
        with unreadable_if_damaged():  # the sheet's part, the styles or the shared strings
            grid, merged, uncalculated = self._sheet(location, table_end)
        max_row = table_end
        if table_end > min_row:  # rows below the last one holding a value (formats only) are not read
            filled = (r for r in range(min(table_end, len(grid)), min_row, -1)
                      if any(v is not None for v in grid[r - 1][min_col - 1:max_col]))
            max_row = next(filled, min_row + 1)
        rows = [_padded(grid[r - 1] if r <= len(grid) else [], min_col, max_col) for r in range(min_row, max_row + 1)]
        if any(first_row <= table_end and last_row >= min_row for first_row, last_row in merged):
            raise CommandError(f"La feuille « {location.sheet} » contient des cellules fusionnées dans le tableau {table.name} : annulez la fusion.")
        problems = {(row, column - min_col): FORMULA_WITHOUT_RESULT for row, column in uncalculated
                    if min_row < row <= max_row and min_col <= column <= max_col}
        return RawTable(table, location.sheet, [str(h) if h is not None else "" for h in rows[0]], rows[1:], min_row + 1, min_col,
                        problems=problems)

    def _sheet(self, location: TableLocation, last_row: int) -> tuple[list[list[object]], list[tuple[int, int]], set[tuple[int, int]]]:
        """A sheet's values from A1 down to ``last_row`` (lists of cells, 0-based), its merged
        ranges (first and last Excel row of each) and its formulas without a cached result."""
        xml = self._zip.read(location.part)
        uncalculated = _uncalculated(xml)
        exceptions, beyond = self._exceptions(xml)
        if not beyond:
            try:
                sheet = self._workbook().get_sheet_by_name(location.sheet)
                # Inline for the text and empty cells most cells are (a call per cell costs a third more).
                grid = [[(v or None) if type(v) is str else _value(v) for v in row]
                        for row in sheet.to_python(skip_empty_area=False, nrows=last_row)]
                merged = [(start[0] + 1, end[0] + 1) for start, end in sheet.merged_cell_ranges or ()]
            except (KeyboardInterrupt, SystemExit):
                raise
            except BaseException:  # noqa: BLE001 - whatever calamine cannot convert (a Rust panic is a BaseException)
                beyond = True
        if beyond:  # that sheet is read from its XML
            try:
                return self._cells_from_xml(xml, last_row), _merged_from_xml(xml), uncalculated
            except (ET.ParseError, ValueError, IndexError) as problem:
                raise Unreadable(type(problem).__name__) from None
        for (row, column), value in exceptions.items():
            if row <= last_row:
                while len(grid) < row:
                    grid.append([])
                line = grid[row - 1]
                line.extend([None] * (column - len(line)))
                line[column - 1] = value
        return grid, merged, uncalculated

    def _workbook(self):
        if self._calamine is None:
            from python_calamine import CalamineWorkbook

            self._calamine = CalamineWorkbook.from_object(io.BytesIO(self._data))
        return self._calamine

    def _exceptions(self, xml: bytes) -> tuple[dict[tuple[int, int], object], bool]:
        """(row, column) -> value of the cells calamine may read differently from openpyxl (errors,
        ISO dates, the numbers `_SUSPECT_NUMBER` finds), and whether a date-formatted number is
        beyond any calendar (calamine would give up the whole sheet, printing a Rust panic)."""
        found: dict[tuple[int, int], object] = {}
        beyond = False
        # A substring search (C speed) first: most sheets have no error or ISO date at all.
        rare = b't="e"' in xml or b't="d"' in xml
        starts = [m.start() for m in _ERROR_OR_ISO_CELL.finditer(xml)] if rare else []
        starts += [m.start() for m in _SUSPECT_NUMBER.finditer(xml)]
        for position in starts:
            start = xml.rfind(b"<c ", 0, position)
            if start < 0:
                continue
            end = xml.find(b"</c>", start)
            element = xml[start:end + 4] if end >= 0 else b""
            cell = _parse_cell(element)
            if cell is None:
                continue
            coordinate, kind, style, value = cell
            if kind in ("e", "d", "n"):
                found[coordinate] = self._convert(kind, style, value)
                if kind == "n" and value and style in self._date_styles()[0] and abs(float(value)) >= BEYOND_CALENDAR:
                    beyond = True
        return found, beyond

    def _convert(self, kind: str, style: int, text: str | None) -> object:
        """openpyxl's reading of one cell's cached value (data_only)."""
        if not text:
            return None
        if kind == "n":
            number = _number(text)
            dates, durations = self._date_styles()
            if style in dates:
                try:
                    return from_excel(number, self.epoch, timedelta=style in durations)
                except (OverflowError, ValueError):
                    return "#VALUE!"
            return number
        if kind == "b":
            return bool(int(text))
        if kind == "d":
            return from_ISO8601(text)
        return text

    def _cells_from_xml(self, xml: bytes, last_row: int) -> list[list[object]]:
        """Every value of a sheet read from its XML (the rare sheets calamine cannot convert)."""
        shared = self._shared_strings()
        grid: list[list[object]] = []
        for element in ET.fromstring(xml).iterfind("m:sheetData/m:row/m:c", NS):
            row, column = _coordinate(element.get("r"))
            if row > last_row:
                continue
            kind = element.get("t", "n")
            if kind == "inlineStr":
                value = _unescape("".join(t.text or "" for t in element.iter(f"{{{MAIN}}}t") if _not_phonetic(element, t))) or None
            else:
                text = element.findtext(f"{{{MAIN}}}v") or None
                if kind == "s" and text is not None:
                    value = shared[int(text)]
                else:
                    value = self._convert(kind, int(element.get("s", 0) or 0), text)
            while len(grid) < row:
                grid.append([])
            grid[row - 1].extend([None] * (column - len(grid[row - 1])))
            grid[row - 1][column - 1] = value
        return grid

    def _shared_strings(self) -> list[str]:
        if "xl/sharedStrings.xml" not in self._names:
            return []
        root = ET.fromstring(self._zip.read("xl/sharedStrings.xml"))
        strings = []
        for item in root.iterfind("m:si", NS):
            parts = [item.findtext("m:t", "", NS)] + [run.findtext("m:t", "", NS) for run in item.iterfind("m:r", NS)]
            strings.append(_unescape("".join(parts)))
        return strings


# Errors, and ISO 8601 dates (t="d", which openpyxl reads to the millisecond and calamine to the
# microsecond, and a day alone as a date).
_ERROR_OR_ISO_CELL = re.compile(rb'\st="[ed]"')
# A number openpyxl may read differently: negative or seven digits or more (not a date in a date
# format; beyond 2**53, an exact int), a fraction that rounds to a whole day (not a time), with an
# exponent, or integral with a decimal point (a float).
_SUSPECT_NUMBER = re.compile(rb"<v>(?:-|\d{7}|0\.99999|[0-9.]*[eE]|\d+\.0*<)")
_ATTRIBUTE = re.compile(rb'\s([a-zA-Z:]+)="([^"]*)"')
_VALUE = re.compile(rb"<v>([^<]*)</v>")


# In a sheet's cells (any namespace prefix): a formula element, a cell's start and end, a cached value.
_FORMULA = re.compile(rb"<(?:\w+:)?f[\s>/]")
_CELL_START = re.compile(rb"<(?:\w+:)?c[\s>]")
_CELL_END = re.compile(rb"</(?:\w+:)?c>")
_CACHED_VALUE = re.compile(rb"<(?:\w+:)?v[\s>/]")
_REFERENCE = re.compile(rb'\sr="\$?([A-Z]+)\$?([0-9]+)"')
_SHEET_DATA = re.compile(rb"<(?:\w+:)?sheetData[\s>/]")
_SHEET_DATA_END = re.compile(rb"</(?:\w+:)?sheetData>")


def sheet_data_span(xml: bytes) -> tuple[int, int] | None:
    """Where a sheet's cells are: from the « > » ending the ``<sheetData>`` tag to the start of its
    closing tag; None when the sheet has no cells. The closing tag is the last « sheetData> »,
    found from the end rather than by scanning every cell."""
    opening = _SHEET_DATA.search(xml)
    if opening is None or xml[opening.end() - 1:opening.end()] == b"/":
        return None
    tag_end = xml.find(b">", opening.start())
    if tag_end < 0 or xml[tag_end - 1:tag_end] == b"/":  # <sheetData/>
        return None
    closing = _SHEET_DATA_END.match(xml, xml.rfind(b"<", tag_end, xml.rfind(b"sheetData>") + 1))
    closing = closing or _SHEET_DATA_END.search(xml, tag_end)
    return (tag_end, closing.start()) if closing else None


def _uncalculated(xml: bytes) -> set[tuple[int, int]]:
    """(row, column) of the cells holding a formula without a cached result (``<f>`` and no
    ``<v>``, or an empty one after a formula that does not give text: the workbook was written by a tool that does not calculate, and was never opened and
    saved in Excel since). Such a cell reads as blank, which is not what the adviser sees. Only the
    cells are scanned: extension lists hold formulas of their own (drop-downs, sparklines)."""
    found: set[tuple[int, int]] = set()
    span = sheet_data_span(xml)
    if span is None:
        return found
    first, last = span[0] + 1, span[1]
    if xml.find(b"<f", first, last) < 0 and xml.find(b":f", first, last) < 0:  # no formula (C-speed search)
        return found
    for match in _FORMULA.finditer(xml, first, last):
        cell = None
        for cell in _CELL_START.finditer(xml, max(first, match.start() - 512), match.start()):
            pass
        if cell is None:
            continue
        tag_end = xml.find(b">", cell.start())
        end = _CELL_END.search(xml, match.end(), last)
        reference = _REFERENCE.search(xml, cell.start(), tag_end)
        if reference is None or end is None:
            continue
        cached = _CACHED_VALUE.search(xml, tag_end, end.start())
        if cached is not None and (not _empty_element(xml, cached) or b't="str"' in xml[cell.start():tag_end]):
            continue  # a result, or the empty text a text formula may give
        found.add((int(reference.group(2)), column_index_from_string(reference.group(1).decode())))
    return found


def _empty_element(xml: bytes, start: re.Match) -> bool:
    """Whether the element whose start tag ``start`` matched is empty: « <v/> » or « <v></v> »."""
    closing = xml.find(b">", start.start())
    # Well-formed XML: an end tag right after the start tag can only be the element's own.
    return xml[closing - 1:closing] == b"/" or xml.startswith(b"</", closing + 1)


def _parse_cell(element: bytes) -> tuple[tuple[int, int], str, int, str | None] | None:
    """((row, column), type, style, cached value text) of one ``<c …>…</c>`` element's bytes."""
    tag_end = element.find(b">")
    if tag_end < 0:
        return None
    attributes = dict(_ATTRIBUTE.findall(element[:tag_end]))
    if b"r" not in attributes:
        return None
    value = _VALUE.search(element) if not element[:tag_end].endswith(b"/") else None
    text = value.group(1).decode("utf-8") if value else None
    if text is not None and "&" in text:
        text = ET.fromstring(f"<v>{text}</v>").text
    return (_coordinate(attributes[b"r"].decode()), attributes.get(b"t", b"n").decode(),
            int(attributes.get(b"s", b"0") or 0), text)


def _coordinate(reference: str) -> tuple[int, int]:
    column, row = coordinate_from_string(reference)
    return row, column_index_from_string(column)


def _merged_from_xml(xml: bytes) -> list[tuple[int, int]]:
    found = []
    for ref in re.findall(rb'<mergeCell ref="([^"]+)"', xml):
        _, first_row, _, last_row = range_boundaries(ref.decode())
        found.append((first_row, last_row))
    return found


def _unescape(text: str) -> str:
    """Characters XML cannot hold, stored as « _x000D_ », decoded as calamine (and Excel) do."""
    return _ESCAPE.sub(lambda m: chr(int(m.group(1), 16)), text) if "_x" in text else text


_ESCAPE = re.compile(r"_x([0-9A-Fa-f]{4})_")


def _not_phonetic(cell: ET.Element, text: ET.Element) -> bool:
    return not any(text in list(ph) for ph in cell.iter(f"{{{MAIN}}}rPh"))


def _number(text: str) -> int | float:
    """openpyxl's cast: an int when written without a decimal point or exponent."""
    if "." in text or "E" in text or "e" in text:
        return float(text)
    return int(text)


def _value(value: object) -> object:
    """A calamine value as openpyxl gives it."""
    kind = type(value)
    if kind is float:
        if value.is_integer() and -EXACT_INTEGERS < value < EXACT_INTEGERS:
            return int(value)
        return value
    if kind is dt.date:
        return dt.datetime(value.year, value.month, value.day)
    if value is None or value == "":
        return None
    return value


def _padded(row: list[object], min_col: int, max_col: int) -> list[object]:
    """The table's cells of a sheet's row (a list of this read's own): the row itself when it is
    exactly the table's width from column A."""
    if min_col == 1 and len(row) == max_col:
        return row
    cells = row[min_col - 1:max_col]
    return cells + [None] * (max_col - min_col + 1 - len(cells))


def _true(text: str | None) -> bool:
    return (text or "").strip().lower() in ("1", "true")
