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
    folder, name = posixpath.split(part)
    rels_part = posixpath.join(folder, "_rels", name + ".rels")
    if rels_part not in archive.namelist():
        return {}
    root = ET.fromstring(archive.read(rels_part))
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


def inventory(path) -> Inventory:
    """Inventory of sheets, tables, validations, conditional formats, names and drawings."""
    inv = Inventory()
    with zipfile.ZipFile(path) as archive:
        names = archive.namelist()
        workbook = ET.fromstring(archive.read("xl/workbook.xml"))
        targets = _rels(archive, "xl/workbook.xml")
        for defined in workbook.iterfind("m:definedNames/m:definedName", NS):
            scope = defined.get("localSheetId")
            inv.defined_names.add(f"{defined.get('name')}@{scope}" if scope else defined.get("name"))
        for sheet in workbook.iterfind("m:sheets/m:sheet", NS):
            name = sheet.get("name")
            inv.sheets.append(name)
            part = targets.get(sheet.get(R_ID))
            if not part or part not in names:
                continue
            root = ET.fromstring(_without_cells(archive.read(part)))
            info = SheetInventory(
                validations=len(root.findall(".//m:dataValidation", NS)) + len(root.findall(".//x14:dataValidation", NS)),
                conditional_formats=len(root.findall(".//m:conditionalFormatting", NS))
                + len(root.findall(".//x14:conditionalFormatting", NS)),
            )
            sheet_rels = _rels(archive, part)
            for table_part in root.iterfind("m:tableParts/m:tablePart", NS):
                target = sheet_rels.get(table_part.get(R_ID))
                if target in names:
                    table = ET.fromstring(archive.read(target))
                    inv.tables[table.get("name")] = (name, _rows_in_ref(table.get("ref", "")))
            for drawing in root.iterfind("m:drawing", NS):
                target = sheet_rels.get(drawing.get(R_ID))
                if target in names:
                    anchors = ET.fromstring(archive.read(target))
                    info.drawings += sum(
                        len(anchors.findall(f"xdr:{kind}", NS))
                        for kind in ("twoCellAnchor", "oneCellAnchor", "absoluteAnchor")
                    )
            for target in sheet_rels.values():
                if re.search(r"comments?\d*\.xml$", target) and target in names:
                    comments = ET.fromstring(archive.read(target))
                    info.comments += len(comments.findall(".//m:comment", NS))
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
