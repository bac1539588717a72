"""Identities planted where advisers and Excel put them, beyond the contract's tables.

`plant` takes a ccc-xl workbook and writes, for given people, their names, écrou numbers and birth
dates into: a column the adviser inserted inside tblCandidats, cell notes, the adviser's own sheet
(text and a real date cell), a defined name, and a pivot table on Candidats whose cache holds one
record per candidate (surname, écrou, birth date, session) — the parts openpyxl cannot create are
written into the package directly, as Excel writes them.
"""

from __future__ import annotations

import datetime as dt
import io
import zipfile
from dataclasses import dataclass
from xml.sax.saxutils import escape, quoteattr

from openpyxl import load_workbook
from openpyxl.comments import Comment
from openpyxl.utils import get_column_letter, range_boundaries
from openpyxl.workbook.defined_name import DefinedName

from ccc_xl import contract as c

ADVISER_COLUMN = "Téléphone de la famille"
ADVISER_SHEET = "Mes notes"
PIVOT_SHEET = "Analyse"
PIVOT_NAME = "TCD_Candidats"
M = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
R = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
RELS = "http://schemas.openxmlformats.org/package/2006/relationships"
PIVOT_TYPE = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/pivotCacheDefinition"


@dataclass(frozen=True)
class Someone:
    """A candidate as planted: the Excel row of tblCandidats and what identifies them."""

    row: int
    id: str
    first_name: str
    last_name: str
    ecrou: str
    birth_date: dt.date
    session: int

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}"


def plant(path, purged: list[Someone], kept: list[Someone], name_owner: Someone) -> None:
    """Plant identities of ``purged`` (and, as a control that must survive, of ``kept``) everywhere."""
    wb = load_workbook(path)
    ws = wb[c.CANDIDATES.sheet]
    table = ws.tables[c.CANDIDATES.name]
    min_col, min_row, max_col, max_row = range_boundaries(table.ref)
    column = max_col + 1
    ws.cell(min_row, column, ADVISER_COLUMN)
    for person in purged + kept:
        ws.cell(person.row, column, f"06 12 {person.ecrou[-4:-2]} {person.ecrou[-2:]} — mère de {person.first_name}")
    table.ref = f"{get_column_letter(min_col)}{min_row}:{get_column_letter(column)}{max_row}"
    table._initialise_columns()
    for i, col in enumerate(table.tableColumns):
        col.name = str(ws.cell(min_row, min_col + i).value)
    first, second = purged[0], purged[1]
    ws.cell(first.row, 2).comment = Comment("Suivi psychologique, voir le SPIP.", "Conseillère")  # no name: erased whole
    ws.cell(kept[0].row, 2).comment = Comment(f"Codétenu de {second.full_name} (écrou {second.ecrou}).", "Conseillère")
    ws.cell(kept[1].row, 2).comment = Comment("Très motivé.", "Conseillère")  # a kept note: untouched

    notes = wb.create_sheet(ADVISER_SHEET)
    notes["A1"] = f"{first.last_name.upper()} {first.first_name} — écrou {first.ecrou}, né le {first.birth_date:%d/%m/%Y}"
    notes["A2"] = second.birth_date
    notes["A2"].number_format = "dd/mm/yyyy"
    notes["A3"] = f"Rappeler {kept[0].full_name} lundi"
    notes["A4"] = int(second.ecrou)
    wb.defined_names[f"Contact_{name_owner.last_name}"] = DefinedName(
        f"Contact_{name_owner.last_name}", attr_text=f"'{ADVISER_SHEET}'!$A$1")

    people = purged + kept
    surnames = list(dict.fromkeys(p.last_name for p in people))
    pivot = wb.create_sheet(PIVOT_SHEET)
    pivot["A3"], pivot["B3"] = "Étiquettes de lignes", "Nombre de Session"
    for i, surname in enumerate(surnames, start=4):
        pivot.cell(i, 1, surname)
        pivot.cell(i, 2, sum(1 for p in people if p.last_name == surname))
    pivot.cell(4 + len(surnames), 1, "Total général")
    pivot.cell(4 + len(surnames), 2, len(people))
    buffer = io.BytesIO()
    wb.save(buffer)
    sheet_index = wb.sheetnames.index(PIVOT_SHEET) + 1
    data = _with_pivot(buffer.getvalue(), people, surnames, sheet_index, ws.max_row)
    with open(path, "wb") as handle:
        handle.write(data)


def _with_pivot(data: bytes, people: list[Someone], surnames: list[str], sheet_index: int, rows: int) -> bytes:
    """The package with a pivot table on the Analyse sheet: surnames as rows, candidates counted."""
    source = zipfile.ZipFile(io.BytesIO(data))
    parts = {name: source.read(name) for name in source.namelist()}
    sheet_part = _sheet_part(parts, sheet_index)
    definition = (
        f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        f'<pivotCacheDefinition xmlns="{M}" xmlns:r="{R}" r:id="rId1" refreshOnLoad="0" recordCount="{len(people)}" '
        'createdVersion="6" refreshedVersion="6" minRefreshableVersion="3">'
        f'<cacheSource type="worksheet"><worksheetSource ref="A1:F{rows}" sheet="{c.CANDIDATES.sheet}"/></cacheSource>'
        '<cacheFields count="4">'
        f'<cacheField name="Nom" numFmtId="0"><sharedItems count="{len(surnames)}">'
        + "".join(f"<s v={quoteattr(s)}/>" for s in surnames) + "</sharedItems></cacheField>"
        "<cacheField name=\"N° d'écrou\" numFmtId=\"0\"><sharedItems/></cacheField>"
        '<cacheField name="Date de naissance" numFmtId="14"><sharedItems containsSemiMixedTypes="0" containsNonDate="0" '
        f'containsDate="1" containsString="0" minDate="{min(p.birth_date for p in people):%Y-%m-%d}T00:00:00" '
        f'maxDate="{max(p.birth_date for p in people):%Y-%m-%d}T00:00:00"/></cacheField>'
        '<cacheField name="Session" numFmtId="0"><sharedItems containsSemiMixedTypes="0" containsString="0" '
        'containsNumber="1" containsInteger="1" minValue="2000" maxValue="2100"/></cacheField>'
        "</cacheFields></pivotCacheDefinition>"
    )
    records = (
        f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<pivotCacheRecords xmlns="{M}" xmlns:r="{R}" count="{len(people)}">'
        + "".join(f'<r><x v="{surnames.index(p.last_name)}"/><s v="{escape(p.ecrou)}"/>'
                  f'<d v="{p.birth_date:%Y-%m-%d}T00:00:00"/><n v="{p.session}"/></r>' for p in people)
        + "</pivotCacheRecords>"
    )
    n = len(surnames)
    table = (
        f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        f'<pivotTableDefinition xmlns="{M}" name="{PIVOT_NAME}" cacheId="1" applyNumberFormats="0" applyBorderFormats="0" '
        'applyFontFormats="0" applyPatternFormats="0" applyAlignmentFormats="0" applyWidthHeightFormats="1" '
        'dataCaption="Valeurs" updatedVersion="6" minRefreshableVersion="3" createdVersion="6" indent="0" outline="1" '
        'outlineData="1" multipleFieldFilters="0">'
        f'<location ref="A3:B{4 + n}" firstHeaderRow="1" firstDataRow="1" firstDataCol="1"/>'
        '<pivotFields count="4">'
        f'<pivotField axis="axisRow" showAll="0"><items count="{n + 1}">'
        + "".join(f'<item x="{i}"/>' for i in range(n)) + '<item t="default"/></items></pivotField>'
        '<pivotField showAll="0"/><pivotField numFmtId="14" showAll="0"/><pivotField dataField="1" showAll="0"/>'
        '</pivotFields><rowFields count="1"><field x="0"/></rowFields>'
        f'<rowItems count="{n + 1}">' + "".join(f'<i><x v="{i}"/></i>' if i else "<i><x/></i>" for i in range(n))
        + '<i t="grand"><x/></i></rowItems><colItems count="1"><i/></colItems>'
        '<dataFields count="1"><dataField name="Nombre de Session" fld="3" subtotal="count" baseField="0" baseItem="0"/>'
        "</dataFields></pivotTableDefinition>"
    )
    parts["xl/pivotCache/pivotCacheDefinition1.xml"] = definition.encode()
    parts["xl/pivotCache/pivotCacheRecords1.xml"] = records.encode()
    parts["xl/pivotTables/pivotTable1.xml"] = table.encode()
    parts["xl/pivotCache/_rels/pivotCacheDefinition1.xml.rels"] = _rels(
        ("rId1", "pivotCacheRecords", "pivotCacheRecords1.xml")).encode()
    parts["xl/pivotTables/_rels/pivotTable1.xml.rels"] = _rels(
        ("rId1", "pivotCacheDefinition", "../pivotCache/pivotCacheDefinition1.xml")).encode()
    folder, name = sheet_part.rsplit("/", 1)
    sheet_rels = f"{folder}/_rels/{name}.rels"
    parts[sheet_rels] = _add_rel(parts.get(sheet_rels), "rIdPivot1", "pivotTable", "../pivotTables/pivotTable1.xml")
    parts["xl/_rels/workbook.xml.rels"] = _add_rel(parts["xl/_rels/workbook.xml.rels"], "rIdPivotCache1",
                                                   "pivotCacheDefinition", "pivotCache/pivotCacheDefinition1.xml")
    workbook = parts["xl/workbook.xml"].decode()
    caches = '<pivotCaches><pivotCache cacheId="1" r:id="rIdPivotCache1"/></pivotCaches>'
    anchor = "</calcPr>" if "</calcPr>" in workbook else ("<calcPr" if "<calcPr" in workbook else "</definedNames>")
    if anchor == "<calcPr":
        end = workbook.index("/>", workbook.index("<calcPr")) + 2
        workbook = workbook[:end] + caches + workbook[end:]
    else:
        workbook = workbook.replace(anchor, anchor + caches, 1)
    if 'xmlns:r="' not in workbook[:workbook.index(">", workbook.index("<workbook"))]:
        workbook = workbook.replace("<workbook ", f'<workbook xmlns:r="{R}" ', 1)
    parts["xl/workbook.xml"] = workbook.encode()
    types = parts["[Content_Types].xml"].decode()
    base = "application/vnd.openxmlformats-officedocument.spreadsheetml."
    types = types.replace("</Types>", "".join(
        f'<Override PartName="/{part}" ContentType="{base}{kind}+xml"/>' for part, kind in (
            ("xl/pivotCache/pivotCacheDefinition1.xml", "pivotCacheDefinition"),
            ("xl/pivotCache/pivotCacheRecords1.xml", "pivotCacheRecords"),
            ("xl/pivotTables/pivotTable1.xml", "pivotTable"))) + "</Types>")
    parts["[Content_Types].xml"] = types.encode()
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in parts.items():
            archive.writestr(name, content)
    return out.getvalue()


def _sheet_part(parts: dict[str, bytes], index: int) -> str:
    """The part of the ``index``-th sheet (1-based) as the workbook lists them."""
    from lxml import etree

    workbook = etree.fromstring(parts["xl/workbook.xml"])
    rels = etree.fromstring(parts["xl/_rels/workbook.xml.rels"])
    sheet = workbook.findall(f"{{{M}}}sheets/{{{M}}}sheet")[index - 1]
    target = next(r.get("Target") for r in rels if r.get("Id") == sheet.get(f"{{{R}}}id"))
    return target.lstrip("/") if target.startswith("/") else f"xl/{target}"


def _rels(*relations) -> str:
    body = "".join(f'<Relationship Id="{rid}" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/{kind}" '
                   f'Target="{target}"/>' for rid, kind, target in relations)
    return f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<Relationships xmlns="{RELS}">{body}</Relationships>'


def _add_rel(existing: bytes | None, rid: str, kind: str, target: str) -> bytes:
    if existing is None:
        return _rels((rid, kind, target)).encode()
    text = existing.decode()
    relation = (f'<Relationship Id="{rid}" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/{kind}" '
                f'Target="{target}"/>')
    return text.replace("</Relationships>", relation + "</Relationships>").encode()
