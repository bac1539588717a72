"""What an adviser's workbook holds, read straight from the .xlsx package, to prove nothing was lost.

openpyxl silently drops what it does not understand (shapes, some validations and conditional
formats written by Excel in extension lists…). Before a file-mode run replaces the workbook, the
saved copy's inventory is compared with the original's, read here with the standard library's XML
parser — an independent reader, not openpyxl's own view of what it kept.
"""

from __future__ import annotations

import posixpath
import re
import zipfile
from dataclasses import dataclass, field
from xml.etree import ElementTree as ET

NS = {
    "m": "http://schemas.openxmlformats.org/spreadsheetml/2006/main",
    "r": "http://schemas.openxmlformats.org/officeDocument/2006/relationships",
    "rel": "http://schemas.openxmlformats.org/package/2006/relationships",
    "xdr": "http://schemas.openxmlformats.org/drawingml/2006/spreadsheetDrawing",
    "x14": "http://schemas.microsoft.com/office/spreadsheetml/2009/9/main",
}
R_ID = "{%s}id" % NS["r"]


@dataclass
class SheetInventory:
    validations: int = 0
    conditional_formats: int = 0
    drawings: int = 0  # anchored objects: images, charts, shapes
    comments: int = 0


@dataclass
class Inventory:
    sheets: list[str] = field(default_factory=list)
    per_sheet: dict[str, SheetInventory] = field(default_factory=dict)
    tables: dict[str, tuple[str, int]] = field(default_factory=dict)  # name -> (sheet, data rows)
    defined_names: set[str] = field(default_factory=set)


def _rels(archive: zipfile.ZipFile, part: str) -> dict[str, str]:
    return _Parts(set(archive.namelist()), archive.read, {}).rels(part)


def _relationships(xml: bytes, folder: str) -> dict[str, str]:
    root = ET.fromstring(xml)
    return {
        rel.get("Id"): posixpath.normpath(posixpath.join(folder, rel.get("Target")))
        if not rel.get("Target").startswith("/")
        else rel.get("Target").lstrip("/")
        for rel in root.findall("rel:Relationship", NS)
    }


def _rows_in_ref(ref: str) -> int:
    numbers = [int(n) for n in re.findall(r"\d+", ref)]
    return numbers[-1] - numbers[0] if len(numbers) == 2 else 0


def _without_cells(xml: bytes) -> bytes:
    """A sheet's XML without its cells: everything the inventory counts lies outside
    ``<sheetData>``, and the cells are most of a large sheet's bytes."""
    from .reader import sheet_data_span

    span = sheet_data_span(xml)
    return xml if span is None else xml[:span[0] + 1] + xml[span[1]:]


def _workbook(xml: bytes) -> tuple[list[str], list[tuple[str, str]]]:
    """Defined names (name@scope) and sheets (name, relationship id) of the workbook part."""
    workbook = ET.fromstring(xml)
    names = []
    for defined in workbook.iterfind("m:definedNames/m:definedName", NS):
        scope = defined.get("localSheetId")
        names.append(f"{defined.get('name')}@{scope}" if scope else defined.get("name"))
    return names, [(sheet.get("name"), sheet.get(R_ID)) for sheet in workbook.iterfind("m:sheets/m:sheet", NS)]


def _sheet(xml: bytes) -> tuple[int, int, list[str], list[str]]:
    """Validations, conditional formats, relationship ids of the tables and of the drawings of a sheet part."""
    root = ET.fromstring(_without_cells(xml))
    return (len(root.findall(".//m:dataValidation", NS)) + len(root.findall(".//x14:dataValidation", NS)),
            len(root.findall(".//m:conditionalFormatting", NS)) + len(root.findall(".//x14:conditionalFormatting", NS)),
            [table_part.get(R_ID) for table_part in root.iterfind("m:tableParts/m:tablePart", NS)],
            [drawing.get(R_ID) for drawing in root.iterfind("m:drawing", NS)])


def _table(xml: bytes) -> tuple[str, int]:
    table = ET.fromstring(xml)
    return table.get("name"), _rows_in_ref(table.get("ref", ""))


def _anchors(xml: bytes) -> int:
    anchors = ET.fromstring(xml)
    return sum(len(anchors.findall(f"xdr:{kind}", NS)) for kind in ("twoCellAnchor", "oneCellAnchor", "absoluteAnchor"))


def _comments(xml: bytes) -> int:
    return len(ET.fromstring(xml).findall(".//m:comment", NS))


class _Parts:
    """The parts of a package, each read from its bytes; ``known`` keeps what was read of each
    (part name, bytes), so a part byte-identical to one an earlier inventory read is not parsed again."""

    def __init__(self, names: set[str], read, known: dict):
        self.names, self._read, self._known = names, read, known

    def parsed(self, name: str, how, *more):
        """``how(bytes of the part, *more)``; ``more`` must follow from ``name``."""
        data = self._read(name)
        key = (how, name, data)
        if key not in self._known:
            self._known[key] = how(data, *more)
        return self._known[key]

    def rels(self, part: str) -> dict[str, str]:
        folder, name = posixpath.split(part)
        rels_part = posixpath.join(folder, "_rels", name + ".rels")
        if rels_part not in self.names:
            return {}
        return self.parsed(rels_part, _relationships, folder)


def inventory(source, known: dict | None = None) -> Inventory:
    """Inventory of sheets, tables, validations, conditional formats, names and drawings.

    ``source``: the package (a path or a file object), or its parts already read (name -> bytes).
    ``known``: shared by the inventories of two packages, it spares parsing a part again when it
    has the same name and bytes in both (most parts of a saved workbook are the original's)."""
    known = {} if known is None else known
    if isinstance(source, dict):
        return _inventory(_Parts(set(source), source.__getitem__, known))
    with zipfile.ZipFile(source) as archive:
        return _inventory(_Parts(set(archive.namelist()), archive.read, known))


def _inventory(parts: _Parts) -> Inventory:
    inv = Inventory()
    names = parts.names
    defined_names, sheets = parts.parsed("xl/workbook.xml", _workbook)
    inv.defined_names.update(defined_names)
    targets = parts.rels("xl/workbook.xml")
    for name, rel_id in sheets:
        inv.sheets.append(name)
        part = targets.get(rel_id)
        if not part or part not in names:
            continue
        validations, conditional_formats, table_ids, drawing_ids = parts.parsed(part, _sheet)
        info = SheetInventory(validations=validations, conditional_formats=conditional_formats)
        sheet_rels = parts.rels(part)
        for rel_id in table_ids:
            target = sheet_rels.get(rel_id)
            if target in names:
                table_name, rows = parts.parsed(target, _table)
                inv.tables[table_name] = (name, rows)
        for rel_id in drawing_ids:
            target = sheet_rels.get(rel_id)
            if target in names:
                info.drawings += parts.parsed(target, _anchors)
        for target in sheet_rels.values():
            if re.search(r"comments?\d*\.xml$", target) and target in names:
                info.comments += parts.parsed(target, _comments)
        inv.per_sheet[name] = info
    return inv


def losses(before: Inventory, after: Inventory, replaced: set[str] = frozenset()) -> list[str]:
    """French descriptions of everything ``before`` had that ``after`` lost.

    Sheets in ``replaced`` are generated by ccc-xl: only their existence is checked.
    """
    lost: list[str] = []
    for sheet in before.sheets:
        if sheet not in after.sheets:
            lost.append(f"la feuille « {sheet} »")
    for name, (sheet, rows) in before.tables.items():
        if sheet in replaced:
            continue
        if name not in after.tables:
            lost.append(f"le tableau {name} (feuille « {sheet} »)")
        elif after.tables[name][1] < rows:
            lost.append(f"des lignes du tableau {name} (feuille « {sheet} »)")
    labels = {
        "validations": "des listes déroulantes ou validations",
        "conditional_formats": "des mises en forme conditionnelles",
        "drawings": "des images, graphiques ou formes",
        "comments": "des commentaires",
    }
    for sheet, info in before.per_sheet.items():
        if sheet in replaced or sheet not in after.per_sheet:
            continue
        now = after.per_sheet[sheet]
        for attr, label in labels.items():
            if getattr(now, attr) < getattr(info, attr):
                lost.append(f"{label} de la feuille « {sheet} »")
    replaced_scopes = {str(before.sheets.index(s)) for s in replaced if s in before.sheets}
    for name in sorted(before.defined_names - after.defined_names):
        if name.partition("@")[2] not in replaced_scopes:
            lost.append(f"le nom défini « {name.partition('@')[0]} »")
    return lost
