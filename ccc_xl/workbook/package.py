"""The surgical writer: new package bytes from the adviser's package bytes and ccc-xl's edits.

ccc-xl never re-serialises the adviser's workbook. `apply` copies every part of the .xlsx package
it does not own unchanged and edits, in place, only what ccc-xl owns:

- `CellRun`: cells down one column (computed columns, the purge's rewrite): each `<c>` element is
  patched in the sheet XML; the rest of the sheet (the adviser's cells with their formulas and
  cached results, rich text, extension lists, sparklines…) is untouched;
- `TableRows`: rows appended to an Excel Table (the Journal), whose `ref` grows;
- `SheetReplacement`: a generated sheet rendered by openpyxl in a scratch workbook, transplanted
  with its tables, drawing, chart, hyperlinks and print names, its styles merged into the package's.

Untouched parts keep their bytes; edited XML parts are parsed and written back with lxml, which
keeps namespace prefixes and everything it does not look at. Problems that would lose something
(writing into a protected sheet, into an array formula, over cells under a table) raise a French
`CommandError` before any file is written.
"""

from __future__ import annotations

import bisect
import datetime as dt
import io
import math
import posixpath
import re
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass, field

from lxml import etree
from openpyxl.formula.translate import Translator
from openpyxl.styles.numbers import BUILTIN_FORMATS, is_date_format
from openpyxl.utils import column_index_from_string, get_column_letter, range_boundaries
from openpyxl.utils.datetime import CALENDAR_MAC_1904, CALENDAR_WINDOWS_1900, to_excel

from ..report import CommandError

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
DOC_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PKG_REL = "http://schemas.openxmlformats.org/package/2006/relationships"
CONTENT_TYPES_NS = "http://schemas.openxmlformats.org/package/2006/content-types"
XML_NS = "http://www.w3.org/XML/1998/namespace"
REL_ID = f"{{{DOC_REL}}}id"
CONTENT_TYPES = "[Content_Types].xml"
WORKSHEET_TYPE = f"{DOC_REL}/worksheet"
WORKSHEET_CT = "application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"
DEFAULT_DATE_FORMAT = "dd/mm/yyyy"
DEFAULT_TIME_FORMAT = "hh:mm"

_PARSER = etree.XMLParser(resolve_entities=False, huge_tree=True, no_network=True, remove_blank_text=False)
_CELL_REF = re.compile(r"^\$?([A-Z]{1,3})\$?(\d+)$")
# Characters XML 1.0 cannot carry; Excel stores them escaped as _xHHHH_ (so does a literal "_x0041_").
_SHARED_CELL = re.compile(rb'<(?:\w+:)?c\b[^>]*?\bt="s"[^>]*>\s*<(?:\w+:)?v>(\d+)<')
_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]|_(?=x[0-9A-Fa-f]{4}_)")


def q(tag: str) -> str:
    return f"{{{MAIN}}}{tag}"


# --- Edits -----------------------------------------------------------------------------------

@dataclass(frozen=True)
class CellRun:
    """Values written down one column of a sheet from ``first_row`` (None empties a cell).

    ``number_format`` is applied to each written cell (its other style attributes are kept); dates
    and times without one get a French date or time format unless the cell already shows dates.
    """

    sheet: str
    column: int
    first_row: int
    values: tuple
    number_format: str | None = None


@dataclass(frozen=True)
class TableRows:
    """Rows appended to the Excel Table ``table`` (trailing blank rows of the table are reused).

    ``heights``: for each row, the points its wrapping text needs (None: one line is enough)."""

    table: str
    rows: tuple
    heights: tuple = ()


@dataclass(frozen=True)
class RowHeights:
    """Rows of ``sheet`` made at least as high as their wrapping text needs: ((row, points), …).
    Excel and LibreOffice never recompute a row's height from a file; a row already higher (an
    adviser's choice) keeps its height."""

    sheet: str
    heights: tuple


@dataclass(frozen=True)
class SheetReplacement:
    """A generated sheet replaced wholesale by the only sheet of ``scratch`` (an .xlsx package).

    ``position``: where the sheet goes when the workbook does not have it yet (sheet index)."""

    sheet: str
    scratch: bytes
    position: int


Edit = CellRun | TableRows | SheetReplacement | RowHeights


def apply(data: bytes, edits: Sequence[Edit], parts: dict[str, bytes] | None = None) -> bytes:
    """The package ``data`` with ``edits`` applied; every part they do not touch keeps its bytes.
    ``parts``: the parts of ``data`` by name, when already read."""
    package = Package(data, parts)
    for edit in edits:
        if isinstance(edit, CellRun):
            package.write_run(edit)
        elif isinstance(edit, TableRows):
            package.append_rows(edit)
        elif isinstance(edit, SheetReplacement):
            package.replace_sheet(edit)
        elif isinstance(edit, RowHeights):
            sheet = package.sheet_xml(edit.sheet)
            for row, points in edit.heights:
                sheet.at_least(row, points)
        else:  # pragma: no cover - a programming error
            raise TypeError(edit)
    package.forget_strings()
    return package.to_bytes()


# --- Small helpers -----------------------------------------------------------------------------

def part_rels_name(part: str) -> str:
    folder, name = posixpath.split(part)
    return posixpath.join(folder, "_rels", name + ".rels")


def resolve_target(source: str, target: str) -> str:
    """A relationship target as a part name (no leading slash), from the part ``source``."""
    if target.startswith("/"):
        return posixpath.normpath(target.lstrip("/"))
    return posixpath.normpath(posixpath.join(posixpath.dirname(source), target))


def split_ref(ref: str) -> tuple[int, int]:
    """'B12' -> (12, 2)."""
    found = _CELL_REF.match(ref.upper())
    if not found:
        raise ValueError(ref)
    return int(found.group(2)), column_index_from_string(found.group(1))


def cell_ref(row: int, column: int) -> str:
    return f"{get_column_letter(column)}{row}"


def escape_text(text: str) -> str:
    return _ILLEGAL.sub(lambda m: "_x005F" if m.group() == "_" else f"_x{ord(m.group()):04X}_", text)


def _key(element) -> tuple:
    """Structural identity of a style element: tag, attributes, text and children, in any order
    of attributes and children (Excel, LibreOffice and openpyxl order a font's children differently)."""
    children = tuple(sorted(_key(child) for child in element if isinstance(child.tag, str)))
    return element.tag, tuple(sorted(element.attrib.items())), (element.text or "").strip(), children


_EMPTY_STRING = (f"{{{MAIN}}}si", (), "", ((f"{{{MAIN}}}t", (), "", ()),))


def _serialise(root) -> bytes:
    return etree.tostring(root.getroottree(), xml_declaration=True, encoding="UTF-8", standalone=True)


def _refuse_protected(sheet: str) -> CommandError:
    return CommandError(
        f"La feuille « {sheet} » est protégée et ccc-xl doit y écrire : rien n'a été modifié. "
        f"Ôtez la protection de la feuille « {sheet} » (Révision > Ôter la protection de la feuille) puis relancez."
    )


# --- The package -----------------------------------------------------------------------------

class Package:
    """An .xlsx package held as parts; XML parts are parsed only when an edit needs them."""

    def __init__(self, data: bytes, parts: dict[str, bytes] | None = None):
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            self.infos = {info.filename: info for info in archive.infolist() if not info.is_dir()}
            self.parts: dict[str, bytes] = {name: parts[name] if parts is not None else archive.read(name) for name in self.infos}
        self._lower = {name.lower(): name for name in self.parts}
        self.trees: dict[str, etree._Element] = {}
        self.dirty: set[str] = set()
        self.removed_strings: set[int] = set()  # shared strings some edit stopped using
        self._styles: Styles | None = None
        self._sheet_index: dict[str, _SheetXml] = {}

    # parts
    def has(self, name: str) -> bool:
        return name.lower() in self._lower

    def xml(self, name: str, touch: bool = True):
        if name not in self.trees:
            self.trees[name] = etree.fromstring(self.parts[name], _PARSER)
        if touch:
            self.dirty.add(name)
        return self.trees[name]

    def put(self, name: str, content) -> None:
        """Add or replace a part (bytes, or an lxml root element)."""
        if isinstance(content, bytes):
            self.parts[name] = content
            self.trees.pop(name, None)
            self.dirty.discard(name)
        else:
            self.parts.setdefault(name, b"")
            self.trees[name] = content
            self.dirty.add(name)
        self._lower[name.lower()] = name

    def remove(self, name: str) -> None:
        for mapping in (self.parts, self.trees, self.infos):
            mapping.pop(name, None)
        self.dirty.discard(name)
        self._lower.pop(name.lower(), None)

    def free_name(self, wanted: str) -> str:
        """``wanted`` if unused, else the same name with the first free number (table3.xml…)."""
        folder, base = posixpath.split(wanted)
        stem, ext = posixpath.splitext(base)
        stem = stem.rstrip("0123456789")
        number = 1
        while True:
            name = posixpath.join(folder, f"{stem}{number}{ext}")
            if not self.has(name):
                return name
            number += 1

    def to_bytes(self) -> bytes:
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
            order = [CONTENT_TYPES] + [n for n in self.parts if n != CONTENT_TYPES]
            for name in order:
                content = _serialise(self.trees[name]) if name in self.dirty else self.parts[name]
                info = self.infos.get(name)
                if info is None:
                    info = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))
                else:
                    info = zipfile.ZipInfo(name, date_time=info.date_time)
                info.compress_type = zipfile.ZIP_DEFLATED
                archive.writestr(info, content)
        return buffer.getvalue()

    # relationships and content types
    def rels(self, part: str, create: bool = False):
        name = part_rels_name(part)
        if not self.has(name):
            if not create:
                return None
            self.put(name, etree.Element(f"{{{PKG_REL}}}Relationships", nsmap={None: PKG_REL}))
        return self.xml(name, touch=create)

    def relationships(self, part: str) -> list:
        root = self.rels(part)
        return [] if root is None else list(root.iter(f"{{{PKG_REL}}}Relationship"))

    def internal_targets(self, part: str) -> dict[str, str]:
        """Relationship id -> part name, for the relationships of ``part`` inside the package."""
        return {rel.get("Id"): resolve_target(part, rel.get("Target"))
                for rel in self.relationships(part) if rel.get("TargetMode") != "External"}

    def add_relationship(self, part: str, rel_type: str, target: str) -> str:
        root = self.rels(part, create=True)
        used = {rel.get("Id") for rel in root}
        number = len(used) + 1
        while f"rId{number}" in used:
            number += 1
        rel_id = f"rId{number}"
        relative = posixpath.relpath(target, posixpath.dirname(part) or ".")
        etree.SubElement(root, f"{{{PKG_REL}}}Relationship", Id=rel_id, Type=rel_type, Target=relative)
        return rel_id

    def content_type(self, name: str) -> str | None:
        types = self.xml(CONTENT_TYPES, touch=False)
        for override in types.iter(f"{{{CONTENT_TYPES_NS}}}Override"):
            if override.get("PartName").lstrip("/").lower() == name.lower():
                return override.get("ContentType")
        extension = posixpath.splitext(name)[1].lstrip(".").lower()
        for default in types.iter(f"{{{CONTENT_TYPES_NS}}}Default"):
            if default.get("Extension").lower() == extension:
                return default.get("ContentType")
        return None

    def set_content_type(self, name: str, content_type: str) -> None:
        if self.content_type(name) == content_type:
            return
        types = self.xml(CONTENT_TYPES)
        etree.SubElement(types, f"{{{CONTENT_TYPES_NS}}}Override", PartName="/" + name, ContentType=content_type)

    def drop_content_type(self, name: str) -> None:
        types = self.xml(CONTENT_TYPES, touch=False)
        for override in list(types.iter(f"{{{CONTENT_TYPES_NS}}}Override")):
            if override.get("PartName").lstrip("/").lower() == name.lower():
                types.remove(override)
                self.dirty.add(CONTENT_TYPES)

    # workbook
    @property
    def workbook_part(self) -> str:
        for rel in self.relationships(""):
            if rel.get("Type").endswith("/officeDocument"):
                return resolve_target("", rel.get("Target"))
        raise CommandError("Ce fichier n'est pas un classeur Excel : sa partie principale est introuvable.")

    def workbook(self, touch: bool = False):
        return self.xml(self.workbook_part, touch=touch)

    def sheet_elements(self) -> list:
        return list(self.workbook().iter(q("sheet")))

    def sheet_part(self, sheet: str) -> str:
        targets = self.internal_targets(self.workbook_part)
        for element in self.sheet_elements():
            if element.get("name") == sheet:
                return targets[element.get(REL_ID)]
        raise CommandError(f"La feuille « {sheet} » est absente du classeur.")

    def sheet_xml(self, sheet: str) -> _SheetXml:
        if sheet not in self._sheet_index:
            part = self.sheet_part(sheet)
            root = self.xml(part)
            if root.find(q("sheetProtection")) is not None and root.find(q("sheetProtection")).get("sheet") in ("1", "true"):
                raise _refuse_protected(sheet)
            self._sheet_index[sheet] = _SheetXml(self, sheet, part, root)
        return self._sheet_index[sheet]

    @property
    def epoch(self) -> dt.datetime:
        properties = self.workbook().find(q("workbookPr"))
        date1904 = properties is not None and properties.get("date1904") in ("1", "true")
        return CALENDAR_MAC_1904 if date1904 else CALENDAR_WINDOWS_1900

    @property
    def styles(self) -> Styles:
        if self._styles is None:
            part = next((t for rel, t in ((r, resolve_target(self.workbook_part, r.get("Target")))
                                          for r in self.relationships(self.workbook_part))
                         if rel.get("Type").endswith("/styles")), None)
            if part is None:
                raise CommandError("Le classeur n'a pas de feuille de styles : enregistrez-le de nouveau dans Excel puis relancez.")
            self._styles = Styles(self.xml(part))
        return self._styles

    def calc_chain_forget(self, sheet_id: str, refs: set[str] | None) -> None:
        """Drop calculation-chain entries of cells whose formula is gone (all of a sheet's: None)."""
        part = next((t for t in self.internal_targets(self.workbook_part).values() if t.endswith("calcChain.xml")), None)
        if part is None or not self.has(part):
            return
        root = self.xml(part)
        current = None
        for entry in list(root):
            current = entry.get("i", current)
            entry.set("i", current)  # explicit: the next entry may have inherited it from a removed one
            if current == sheet_id and (refs is None or entry.get("r") in refs):
                root.remove(entry)
        if len(root) == 0:
            self._remove_part_and_links(part)

    def _remove_part_and_links(self, part: str) -> None:
        for source in [n for n in self.parts if n.endswith(".rels")]:
            owner = _owner_of_rels(source)
            root = self.xml(source, touch=False)
            for rel in list(root):
                if rel.get("TargetMode") != "External" and resolve_target(owner, rel.get("Target")) == part:
                    root.remove(rel)
                    self.dirty.add(source)
        self.remove(part)
        self.remove(part_rels_name(part))
        self.drop_content_type(part)

    def shared_string_uses(self, part: str) -> set[int]:
        """Indices of the shared strings the cells of a sheet part use."""
        if part in self.trees:
            return {int(c.findtext(q("v"))) for c in self.trees[part].iter(q("c"))
                    if c.get("t") == "s" and (c.findtext(q("v")) or "").strip().isdigit()}
        return {int(n) for n in _SHARED_CELL.findall(self.parts[part])}

    def forget_strings(self) -> None:
        """Empty the shared strings that no cell uses any more (a purged name must not stay in the
        file); their positions are kept, so no other cell changes."""
        if not self.removed_strings:
            return
        part = next((t for rel, t in ((r, resolve_target(self.workbook_part, r.get("Target")))
                                      for r in self.relationships(self.workbook_part))
                     if rel.get("Type").endswith("/sharedStrings")), None)
        if part is None or not self.has(part):
            return
        used = set()
        for name in self.parts:
            if name.endswith(".xml") and name.startswith(("xl/worksheets/", "xl/macrosheets/", "xl/dialogsheets/")):
                used |= self.shared_string_uses(name)
        root = self.xml(part, touch=False)
        items = root.findall(q("si"))
        for index in sorted(self.removed_strings - used):
            if index < len(items) and _key(items[index]) != _EMPTY_STRING:
                item = items[index]
                for child in list(item):
                    item.remove(child)
                etree.SubElement(item, q("t"))
                self.dirty.add(part)
        self.removed_strings.clear()

    # edits
    def write_run(self, run: CellRun) -> None:
        sheet = self.sheet_xml(run.sheet)
        for offset, value in enumerate(run.values):
            sheet.write(run.first_row + offset, run.column, value, run.number_format, floor=run.first_row)
        sheet.finish()

    def find_table(self, name: str) -> tuple[str, str, etree._Element]:
        """(sheet, table part, table root) of the Excel Table ``name`` (case-insensitive, as Excel)."""
        targets = self.internal_targets(self.workbook_part)
        for element in self.sheet_elements():
            part = targets.get(element.get(REL_ID))
            if part is None or not self.has(part):
                continue
            for target in self.internal_targets(part).values():
                if "/tables/" in target and self.has(target):
                    root = self.xml(target, touch=False)
                    if (root.get("name") or "").lower() == name.lower():
                        return element.get("name"), target, root
        raise CommandError(f"Le tableau {name} est absent du classeur.")

    def append_rows(self, edit: TableRows) -> None:
        sheet_name, table_part, table = self.find_table(edit.table)
        if int(table.get("totalsRowCount", "0") or 0):
            raise CommandError(f"Le tableau {edit.table} (feuille « {sheet_name} ») a une ligne des totaux : "
                               "ôtez-la (Création de tableau > Ligne des totaux) puis relancez.")
        sheet = self.sheet_xml(sheet_name)
        min_col, min_row, max_col, max_row = range_boundaries(table.get("ref"))
        last_used = max_row
        while last_used > min_row and not any(sheet.has_value(last_used, col) for col in range(min_col, max_col + 1)):
            last_used -= 1
        new_max = max(max_row, last_used + len(edit.rows))
        for row in range(max_row + 1, new_max + 1):
            for col in range(min_col, max_col + 1):
                if sheet.has_value(row, col):
                    raise CommandError(
                        f"Feuille « {sheet_name} » : la cellule {cell_ref(row, col)}, sous le tableau {edit.table}, "
                        "n'est pas vide et le tableau doit s'agrandir : déplacez ce qui est sous le tableau puis relancez.")
        for offset, values in enumerate(edit.rows, start=1):
            for index, value in enumerate(values):
                if min_col + index <= max_col:
                    sheet.write(last_used + offset, min_col + index, value, None, floor=min_row + 1)
        for offset, points in enumerate(edit.heights, start=1):
            sheet.at_least(last_used + offset, points)
        sheet.finish()
        if new_max != max_row:
            ref = f"{get_column_letter(min_col)}{min_row}:{get_column_letter(max_col)}{new_max}"
            table.set("ref", ref)
            autofilter = table.find(q("autoFilter"))
            if autofilter is not None:
                autofilter.set("ref", ref)
            self.dirty.add(table_part)

    def replace_sheet(self, edit: SheetReplacement) -> None:
        _Transplant(self, edit).run()


def _owner_of_rels(rels_name: str) -> str:
    folder, name = posixpath.split(rels_name)
    return posixpath.join(posixpath.dirname(folder), name[: -len(".rels")])


# --- Cells of one sheet ---------------------------------------------------------------------------

class _SheetXml:
    """A worksheet's XML with its rows and cells indexed for patching."""

    def __init__(self, package: Package, name: str, part: str, root):
        self.package, self.name, self.part, self.root = package, name, part, root
        self.data = root.find(q("sheetData"))
        if self.data is None:
            raise CommandError(f"La feuille « {name} » n'est pas une feuille de calcul : ccc-xl ne peut pas y écrire.")
        self.rows: dict[int, etree._Element] = {}
        self.row_numbers: list[int] = []  # sorted
        self.cells: dict[tuple[int, int], etree._Element] = {}
        self.row_columns: dict[int, list[int]] = {}  # row -> sorted columns of its cells
        self.formulas_gone: set[str] = set()
        self.bounds: list[int] | None = None  # min row, min col, max row, max col written
        row_number = 0
        for row in self.data.iterchildren(q("row")):
            row_number = int(row.get("r") or row_number + 1)
            row.set("r", str(row_number))
            self.rows[row_number] = row
            columns = self.row_columns.setdefault(row_number, [])
            column = 0
            for cell in row.iterchildren(q("c")):
                ref = cell.get("r")
                column = split_ref(ref)[1] if ref else column + 1
                if not ref:
                    cell.set("r", cell_ref(row_number, column))
                self.cells[row_number, column] = cell
                columns.append(column)
            columns.sort()
        self.row_numbers = sorted(self.rows)

    @property
    def sheet_id(self) -> str:
        return next(e.get("sheetId") for e in self.package.sheet_elements() if e.get("name") == self.name)

    def has_value(self, row: int, column: int) -> bool:
        cell = self.cells.get((row, column))
        if cell is None:
            return False
        value = cell.find(q("v"))
        return cell.find(q("f")) is not None or cell.find(q("is")) is not None or (value is not None and (value.text or "") != "")

    def at_least(self, number: int, points: float | None) -> None:
        """Row ``number`` at least ``points`` high; a higher row keeps its height."""
        if not points or number not in self.rows:
            return
        row = self.rows[number]
        try:
            current = float(row.get("ht") or 0)
        except ValueError:
            current = 0.0
        if points > current + 0.05:
            row.set("ht", f"{points:g}")
            row.set("customHeight", "1")
            self.package.dirty.add(self.part)

    def _row(self, number: int):
        row = self.rows.get(number)
        if row is None:
            row = etree.Element(q("row"), r=str(number))
            position = bisect.bisect(self.row_numbers, number)
            if position < len(self.row_numbers):
                self.rows[self.row_numbers[position]].addprevious(row)
            else:
                self.data.append(row)
            self.row_numbers.insert(position, number)
            self.rows[number] = row
            self.row_columns[number] = []
        return row

    def _cell(self, row: int, column: int):
        cell = self.cells.get((row, column))
        if cell is None:
            row_element = self._row(row)
            cell = etree.Element(q("c"), r=cell_ref(row, column))
            columns = self.row_columns[row]
            position = bisect.bisect(columns, column)
            if position < len(columns):
                self.cells[row, columns[position]].addprevious(cell)
            else:
                extension = row_element.find(q("extLst"))
                if extension is not None:
                    extension.addprevious(cell)
                else:
                    row_element.append(cell)
            columns.insert(position, column)
            self.cells[row, column] = cell
            spans = row_element.get("spans")
            if spans and ":" in spans and " " not in spans:
                low, high = (int(n) for n in spans.split(":"))
                row_element.set("spans", f"{min(low, column)}:{max(high, column)}")
        return cell

    def _donor_style(self, row: int, column: int, floor: int) -> str | None:
        """The style of a new cell: the nearest cell above in the same column (not above ``floor``),
        else the column's own style."""
        for above in range(row - 1, floor - 1, -1):
            cell = self.cells.get((above, column))
            if cell is not None and cell.get("s"):
                return cell.get("s")
        cols = self.root.find(q("cols"))
        if cols is not None:
            for col in cols.iterchildren(q("col")):
                if int(col.get("min")) <= column <= int(col.get("max")) and col.get("style"):
                    return col.get("style")
        return None

    def write(self, row: int, column: int, value: object, number_format: str | None, floor: int) -> None:
        value = _cell_value(value)
        existing = (row, column) in self.cells
        if value is None and not existing:
            return
        cell = self._cell(row, column)
        if not existing:
            style = self._donor_style(row, column, floor)
            if style:
                cell.set("s", style)
        self._clear(cell)
        styles = self.package.styles
        style = int(cell.get("s") or 0)
        wanted = number_format
        if wanted is None and isinstance(value, (dt.datetime, dt.date, dt.time)) and not styles.shows_dates(style):
            wanted = DEFAULT_TIME_FORMAT if isinstance(value, dt.time) else DEFAULT_DATE_FORMAT
        elif wanted is None and isinstance(value, (int, float)) and not isinstance(value, bool) and styles.shows_dates(style):
            wanted = "General"  # a number, not a date, whatever the cell showed before
        if wanted is not None and styles.format_code(style) != wanted:
            style = styles.with_number_format(style, wanted)
            cell.set("s", str(style))
        self._set(cell, value)
        if self.bounds is None:
            self.bounds = [row, column, row, column]
        else:
            self.bounds = [min(self.bounds[0], row), min(self.bounds[1], column), max(self.bounds[2], row), max(self.bounds[3], column)]

    def _clear(self, cell) -> None:
        """Remove a cell's value and formula (never part of an array formula: refused)."""
        formula = cell.find(q("f"))
        if formula is not None:
            kind = formula.get("t")
            ref = cell.get("r")
            if kind in ("array", "dataTable") or (kind is None and formula.get("ref")):
                area = formula.get("ref") or ref
                if ":" in area:
                    raise CommandError(
                        f"Feuille « {self.name} » : la cellule {ref} fait partie d'une formule matricielle ({area}) "
                        "que ccc-xl doit remplacer : supprimez la formule matricielle puis relancez.")
            if kind == "shared" and formula.get("ref") and formula.text:
                self._unshare(formula, ref)
            self.formulas_gone.add(ref)
        if cell.get("t") == "s":
            value = cell.find(q("v"))
            if value is not None and (value.text or "").strip().isdigit():
                self.package.removed_strings.add(int(value.text))
        for child in list(cell):
            if child.tag in (q("f"), q("v"), q("is")):
                cell.remove(child)
        for attribute in ("t", "cm", "vm"):
            cell.attrib.pop(attribute, None)

    def _unshare(self, master, master_ref: str) -> None:
        """The master of a shared formula is overwritten: give each other cell its own formula."""
        group = master.get("si")
        for (row, column), cell in self.cells.items():
            formula = cell.find(q("f"))
            if cell is master.getparent() or formula is None or formula.get("t") != "shared" or formula.get("si") != group:
                continue
            own = Translator("=" + master.text, origin=master_ref).translate_formula(cell_ref(row, column))
            for attribute in ("t", "si", "ref"):
                formula.attrib.pop(attribute, None)
            formula.text = own[1:]

    def _set(self, cell, value) -> None:
        if value is None:
            return
        if isinstance(value, bool):
            cell.set("t", "b")
            etree.SubElement(cell, q("v")).text = "1" if value else "0"
        elif isinstance(value, (int, float)):
            etree.SubElement(cell, q("v")).text = repr(value) if isinstance(value, float) else str(value)
        elif isinstance(value, (dt.datetime, dt.date, dt.time)):
            serial = to_excel(value, self.package.epoch)
            etree.SubElement(cell, q("v")).text = repr(float(serial)) if not float(serial).is_integer() else str(int(serial))
        else:
            cell.set("t", "inlineStr")
            holder = etree.SubElement(cell, q("is"))
            text = etree.SubElement(holder, q("t"))
            text.text = escape_text(str(value))
            if text.text != text.text.strip() or "\n" in text.text:
                text.set(f"{{{XML_NS}}}space", "preserve")
        # The extension list of a cell, when Excel wrote one, must stay its last child.
        extension = cell.find(q("extLst"))
        if extension is not None:
            cell.remove(extension)
            cell.append(extension)

    def finish(self) -> None:
        """Keep the sheet's dimension and the calculation chain true after writes."""
        if self.formulas_gone:
            self.package.calc_chain_forget(self.sheet_id, set(self.formulas_gone))
            self.formulas_gone.clear()
        if self.bounds is None:
            return
        dimension = self.root.find(q("dimension"))
        if dimension is not None:
            try:
                low_col, low_row, high_col, high_row = range_boundaries(dimension.get("ref"))
            except (TypeError, ValueError):
                low_col = low_row = high_col = high_row = None
            if low_row is not None:
                low_row, low_col = min(low_row, self.bounds[0]), min(low_col, self.bounds[1])
                high_row, high_col = max(high_row, self.bounds[2]), max(high_col, self.bounds[3])
                dimension.set("ref", f"{cell_ref(low_row, low_col)}:{cell_ref(high_row, high_col)}")
        self.bounds = None


def _cell_value(value: object) -> object:
    """What a cell can hold: None for blanks and non-finite numbers, Python scalars otherwise."""
    if value is None:
        return None
    if hasattr(value, "to_pydatetime"):  # pandas Timestamp; NaT is not a datetime
        value = None if value != value else value.to_pydatetime()
    elif hasattr(value, "item") and not isinstance(value, (str, bytes)):  # numpy scalar
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if type(value).__name__ in ("NAType", "NaTType"):
        return None
    if isinstance(value, dt.datetime) and value.tzinfo is not None:
        value = value.replace(tzinfo=None)
    if isinstance(value, str) and value == "":
        return None
    return value


# --- Styles ----------------------------------------------------------------------------------

_STYLE_ORDER = ["numFmts", "fonts", "fills", "borders", "cellStyleXfs", "cellXfs", "cellStyles", "dxfs",
                "tableStyles", "colors", "extLst"]
_BUILTIN_IDS = {code: number for number, code in BUILTIN_FORMATS.items()}


class Styles:
    """styles.xml, grown only by appending: existing indices never move, so the adviser's cells
    keep their look; identical entries are reused, so repeated runs do not grow it."""

    def __init__(self, root):
        self.root = root
        self._keys: dict[str, dict[tuple, int]] = {}

    def collection(self, tag: str, create: bool = True):
        element = self.root.find(q(tag))
        if element is None and create:
            element = etree.Element(q(tag), count="0")
            position = _STYLE_ORDER.index(tag)
            later = [self.root.find(q(t)) for t in _STYLE_ORDER[position + 1:]]
            later = [e for e in later if e is not None]
            if later:
                later[0].addprevious(element)
            else:
                self.root.append(element)
        return element

    def items(self, tag: str) -> list:
        element = self.collection(tag, create=False)
        return [] if element is None else [e for e in element if isinstance(e.tag, str) and e.tag != q("extLst")]

    def add(self, tag: str, item) -> int:
        """Index of ``item`` in the collection ``tag`` (appended when no identical entry exists)."""
        keys = self._keys.get(tag)
        if keys is None:
            keys = {}
            for index, existing in enumerate(self.items(tag)):
                keys.setdefault(_key(existing), index)
            self._keys[tag] = keys
        key = _key(item)
        if key in keys:
            return keys[key]
        element = self.collection(tag)
        extension = element.find(q("extLst"))
        if extension is not None:
            extension.addprevious(item)
        else:
            element.append(item)
        count = len(self.items(tag))
        keys[key] = count - 1
        element.set("count", str(count))
        return keys[key]

    def format_code(self, xf_index: int) -> str:
        xfs = self.items("cellXfs")
        number = int(xfs[xf_index].get("numFmtId", "0")) if xf_index < len(xfs) else 0
        return self.code_of(number)

    def code_of(self, number: int) -> str:
        for fmt in self.items("numFmts"):
            if int(fmt.get("numFmtId")) == number:
                return fmt.get("formatCode")
        return BUILTIN_FORMATS.get(number, "General")

    def shows_dates(self, xf_index: int) -> bool:
        return is_date_format(self.format_code(xf_index))

    def format_id(self, code: str) -> int:
        if code in _BUILTIN_IDS:
            return _BUILTIN_IDS[code]
        custom = self.items("numFmts")
        for fmt in custom:
            if fmt.get("formatCode") == code:
                return int(fmt.get("numFmtId"))
        number = max([163] + [int(f.get("numFmtId")) for f in custom]) + 1
        self.add("numFmts", etree.Element(q("numFmt"), numFmtId=str(number), formatCode=code))
        return number

    def with_number_format(self, xf_index: int, code: str) -> int:
        xfs = self.items("cellXfs")
        base = xfs[xf_index] if xf_index < len(xfs) else etree.Element(q("xf"), numFmtId="0", fontId="0", fillId="0", borderId="0", xfId="0")
        clone = etree.fromstring(etree.tostring(base))
        clone.set("numFmtId", str(self.format_id(code)))
        clone.set("applyNumberFormat", "1")
        return self.add("cellXfs", clone)


class StyleImport:
    """Maps the style indices of a scratch workbook (openpyxl's) to the package's styles."""

    def __init__(self, target: Styles, source: Styles):
        self.target, self.source = target, source
        self._maps: dict[str, dict[int, int]] = {}

    def _simple(self, tag: str, index: int) -> int:
        mapping = self._maps.setdefault(tag, {})
        if index not in mapping:
            items = self.source.items(tag)
            mapping[index] = self.target.add(tag, etree.fromstring(etree.tostring(items[index]))) if index < len(items) else 0
        return mapping[index]

    def _number_format(self, number: int) -> int:
        return number if number < 164 else self.target.format_id(self.source.code_of(number))

    def _xf(self, element):
        clone = etree.fromstring(etree.tostring(element))
        for attribute, tag in (("fontId", "fonts"), ("fillId", "fills"), ("borderId", "borders")):
            if clone.get(attribute) is not None:
                clone.set(attribute, str(self._simple(tag, int(clone.get(attribute)))))
        if clone.get("numFmtId") is not None:
            clone.set("numFmtId", str(self._number_format(int(clone.get("numFmtId")))))
        return clone

    def _named(self, index: int) -> int:
        """A named cell style (Normal, Hyperlink): the package's own when it has one of that name."""
        mapping = self._maps.setdefault("cellStyleXfs", {})
        if index in mapping:
            return mapping[index]
        name = next((s for s in self.source.items("cellStyles") if int(s.get("xfId", "0")) == index), None)
        existing = next((s for s in self.target.items("cellStyles") if name is not None and s.get("name") == name.get("name")), None)
        if existing is not None:
            mapping[index] = int(existing.get("xfId", "0"))
        else:
            items = self.source.items("cellStyleXfs")
            mapping[index] = self.target.add("cellStyleXfs", self._xf(items[index])) if index < len(items) else 0
            if name is not None:
                style = etree.fromstring(etree.tostring(name))
                style.set("xfId", str(mapping[index]))
                self.target.add("cellStyles", style)
        return mapping[index]

    def cell(self, index: int) -> int:
        mapping = self._maps.setdefault("cellXfs", {})
        if index not in mapping:
            items = self.source.items("cellXfs")
            if index >= len(items):
                mapping[index] = 0
            else:
                clone = self._xf(items[index])
                clone.set("xfId", str(self._named(int(clone.get("xfId", "0")))))
                mapping[index] = self.target.add("cellXfs", clone)
        return mapping[index]

    def dxf(self, index: int) -> int:
        mapping = self._maps.setdefault("dxfs", {})
        if index not in mapping:
            items = self.source.items("dxfs")
            mapping[index] = self.target.add("dxfs", etree.fromstring(etree.tostring(items[index])))
        return mapping[index]


# --- Generated sheets ------------------------------------------------------------------------------

# Local defined names ccc-xl writes for a generated sheet (print titles and area, filters).
OWNED_LOCAL_NAMES = ("_xlnm.Print_Titles", "_xlnm.Print_Area", "_xlnm._FilterDatabase")


class _Transplant:
    """Moves the sheet of a scratch workbook into the package in place of (or as) ``edit.sheet``."""

    def __init__(self, package: Package, edit: SheetReplacement):
        self.package, self.edit = package, edit
        self.scratch = Package(edit.scratch)

    def run(self) -> None:
        package, scratch = self.package, self.scratch
        workbook = package.workbook(touch=True)
        structure = workbook.find(q("workbookProtection"))
        if structure is not None and structure.get("lockStructure") in ("1", "true"):
            raise CommandError(
                f"La structure du classeur est protégée et ccc-xl doit régénérer la feuille « {self.edit.sheet} » : "
                "rien n'a été modifié. Ôtez la protection du classeur (Révision > Protéger le classeur) puis relancez.")
        element = next((e for e in package.sheet_elements() if e.get("name") == self.edit.sheet), None)
        if element is not None:
            part = package.sheet_part(self.edit.sheet)
            if package.content_type(part) != WORKSHEET_CT:
                raise CommandError(f"« {self.edit.sheet} » n'est pas une feuille de calcul ordinaire (feuille graphique "
                                   "ou macro) : renommez-la, ccc-xl recréera la sienne.")
            old = package.xml(part, touch=False)
            protection = old.find(q("sheetProtection"))
            if protection is not None and protection.get("sheet") in ("1", "true"):
                raise _refuse_protected(self.edit.sheet)
            old_tables = self._table_ids(part)
            self._remove_dependants(part)
            package.calc_chain_forget(element.get("sheetId"), None)
            package.removed_strings.update(package.shared_string_uses(part))
            index = package.sheet_elements().index(element)
        else:
            part = package.free_name("xl/worksheets/sheet1.xml")
            old_tables = {}
            index = min(self.edit.position, len(package.sheet_elements()))
            rel_id = package.add_relationship(package.workbook_part, WORKSHEET_TYPE, part)
            ids = [int(e.get("sheetId")) for e in package.sheet_elements()]
            element = etree.Element(q("sheet"), name=self.edit.sheet, sheetId=str(max(ids, default=0) + 1))
            element.set(REL_ID, rel_id)
            sheets = workbook.find(q("sheets"))
            siblings = list(sheets.iterchildren(q("sheet")))
            if index < len(siblings):
                siblings[index].addprevious(element)
            else:
                sheets.append(element)
            self._shift_sheet_indices(index)
            package.set_content_type(part, WORKSHEET_CT)
        package._sheet_index.pop(self.edit.sheet, None)
        source_part = scratch.sheet_part(scratch.sheet_elements()[0].get("name"))
        root = scratch.xml(source_part)
        styles = StyleImport(package.styles, scratch.styles)
        self._restyle(root, styles)
        self._select(root, index)
        new_rels = self._copy_dependants(source_part, part, styles, old_tables)
        package.remove(part_rels_name(part))
        if new_rels is not None:
            package.put(part_rels_name(part), new_rels)
        package.put(part, root)
        self._names(index)

    # the old sheet
    def _table_ids(self, part: str) -> dict[str, str]:
        ids = {}
        for target in self.package.internal_targets(part).values():
            if "/tables/" in target and self.package.has(target):
                table = self.package.xml(target, touch=False)
                ids[(table.get("name") or "").lower()] = table.get("id")
        return ids

    def _remove_dependants(self, part: str) -> None:
        """Remove the parts only the old sheet used (its tables, drawing, chart, comments…)."""
        package = self.package
        owned, queue = set(), list(package.internal_targets(part).values())
        while queue:
            target = queue.pop()
            if target in owned or not package.has(target):
                continue
            owned.add(target)
            queue.extend(package.internal_targets(target).values())
        referenced = set()
        for rels in [n for n in package.parts if n.endswith(".rels")]:
            owner = _owner_of_rels(rels)
            if owner == part or owner in owned:
                continue
            referenced.update(package.internal_targets(owner).values())
        for target in owned - referenced:
            package.remove(target)
            package.remove(part_rels_name(target))
            package.drop_content_type(target)

    def _shift_sheet_indices(self, index: int) -> None:
        workbook = self.package.workbook(touch=True)
        for name in workbook.iter(q("definedName")):
            local = name.get("localSheetId")
            if local is not None and int(local) >= index:
                name.set("localSheetId", str(int(local) + 1))
        for view in workbook.iter(q("workbookView")):
            if int(view.get("activeTab", "0")) >= index and view.get("activeTab") is not None:
                view.set("activeTab", str(int(view.get("activeTab")) + 1))

    # the new sheet
    def _restyle(self, root, styles: StyleImport) -> None:
        shared = self.scratch_strings()
        for cell in root.iter(q("c")):
            if cell.get("s") is not None:
                cell.set("s", str(styles.cell(int(cell.get("s")))))
            if cell.get("t") == "s":  # strings of the scratch workbook become inline strings
                value = cell.find(q("v"))
                item = shared[int(value.text)]
                cell.remove(value)
                cell.set("t", "inlineStr")
                holder = etree.SubElement(cell, q("is"))
                for child in item:
                    holder.append(etree.fromstring(etree.tostring(child)))
        for row in root.iter(q("row")):
            if row.get("s") is not None:
                row.set("s", str(styles.cell(int(row.get("s")))))
        for col in root.iter(q("col")):
            if col.get("style") is not None:
                col.set("style", str(styles.cell(int(col.get("style")))))
        for rule in root.iter(q("cfRule")):
            if rule.get("dxfId") is not None:
                rule.set("dxfId", str(styles.dxf(int(rule.get("dxfId")))))

    def scratch_strings(self) -> list:
        scratch = self.scratch
        for rel in scratch.relationships(scratch.workbook_part):
            if rel.get("Type").endswith("/sharedStrings"):
                return scratch.xml(resolve_target(scratch.workbook_part, rel.get("Target")), touch=False).findall(q("si"))
        return []

    def _select(self, root, index: int) -> None:
        """The sheet is selected only if it is the workbook's active tab (two selected tabs would
        group them in Excel, and an adviser's next edit would go to both)."""
        active = 0
        for view in self.package.workbook().iter(q("workbookView")):
            active = int(view.get("activeTab", "0"))
            break
        for view in root.iter(q("sheetView")):
            if index == active:
                view.set("tabSelected", "1")
            else:
                view.attrib.pop("tabSelected", None)

    def _copy_dependants(self, source_part: str, part: str, styles: StyleImport, old_tables: dict[str, str]):
        """Copy the parts the scratch sheet uses under fresh names; return the sheet's new rels."""
        scratch, package = self.scratch, self.package
        rels = scratch.rels(source_part)
        if rels is None:
            return None
        renamed: dict[str, str] = {}
        table_ids = self._used_table_ids()

        def copy(source: str) -> str:
            if source in renamed:
                return renamed[source]
            target = package.free_name(source)
            renamed[source] = target
            content_type = scratch.content_type(source)
            if "/tables/" in source:
                table = etree.fromstring(scratch.parts[source], _PARSER)
                if (table.get("name") or "").lower() in self._other_table_names():
                    raise CommandError(
                        f"Un autre tableau du classeur s'appelle déjà {table.get('name')}, le nom du tableau que ccc-xl "
                        f"écrit sur la feuille « {self.edit.sheet} » : renommez le vôtre (Création de tableau > Nom du tableau) puis relancez.")
                wanted = old_tables.get((table.get("name") or "").lower())
                if wanted is None or wanted in table_ids:
                    wanted = str(max([0] + [int(i) for i in table_ids]) + 1)
                table_ids.add(wanted)
                table.set("id", wanted)
                for attribute in list(table.attrib):
                    if attribute.endswith("DxfId"):
                        table.set(attribute, str(styles.dxf(int(table.get(attribute)))))
                package.put(target, table)
            else:
                package.put(target, scratch.parts[source])
            if content_type:
                package.set_content_type(target, content_type)
            inner = scratch.rels(source)
            if inner is not None:
                package.put(part_rels_name(target), self._retarget(inner, source, target, copy))
            return target

        return self._retarget(rels, source_part, part, copy)

    def _retarget(self, rels, source: str, target: str, copy):
        clone = etree.fromstring(etree.tostring(rels))
        for rel in clone.iter(f"{{{PKG_REL}}}Relationship"):
            if rel.get("TargetMode") == "External":
                continue
            copied = copy(resolve_target(source, rel.get("Target")))
            rel.set("Target", posixpath.relpath(copied, posixpath.dirname(target)))
        return clone

    def _other_table_names(self) -> set[str]:
        return {(self.package.xml(n, touch=False).get("name") or "").lower()
                for n in self.package.parts if n.startswith("xl/tables/") and n.endswith(".xml")}

    def _used_table_ids(self) -> set[str]:
        ids = set()
        for name in self.package.parts:
            if name.startswith("xl/tables/") and name.endswith(".xml"):
                ids.add(self.package.xml(name, touch=False).get("id"))
        return ids

    def _names(self, index: int) -> None:
        """The scratch sheet's print titles and area replace the old sheet's."""
        workbook = self.package.workbook(touch=True)
        names = workbook.find(q("definedNames"))
        if names is not None:
            for name in list(names):
                if name.get("localSheetId") == str(index) and name.get("name") in OWNED_LOCAL_NAMES:
                    names.remove(name)
        scratch_names = [n for n in self.scratch.workbook().iter(q("definedName"))
                         if n.get("localSheetId") == "0" and n.get("name") in OWNED_LOCAL_NAMES]
        if not scratch_names:
            if names is not None and len(names) == 0:
                workbook.remove(names)
            return
        if names is None:
            names = etree.Element(q("definedNames"))
            anchor = workbook.find(q("sheets"))
            anchor.addnext(names)
        for name in scratch_names:
            clone = etree.fromstring(etree.tostring(name))
            clone.set("localSheetId", str(index))
            names.append(clone)


