"""The surgical writer on its own: bytes in, edits, bytes out; what it does not own stays as it was."""

from __future__ import annotations

import datetime as dt
import io
import posixpath
import re
import zipfile

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lxml import etree
from openpyxl import Workbook as PlainWorkbook
from openpyxl import load_workbook
from openpyxl.styles import Font, PatternFill
from openpyxl.worksheet.table import Table as XlTable

from ccc_xl.report import CommandError
from ccc_xl.workbook import package
from ccc_xl.workbook.content import Block, Chart, SheetContent
from ccc_xl.workbook.build import blank_workbook
from ccc_xl.workbook.layout import render_sheet
from ccc_xl.workbook.xlsx_bytes import workbook_bytes

import pandas as pd

SPARKLINES = (
    '<extLst><ext uri="{05C60535-1F16-4fd2-B633-F4F36F0B64E0}" '
    'xmlns:x14="http://schemas.microsoft.com/office/spreadsheetml/2009/9/main">'
    '<x14:sparklineGroups xmlns:xm="http://schemas.microsoft.com/office/excel/2006/main">'
    '<x14:sparklineGroup displayEmptyCellsAs="gap"><x14:colorSeries rgb="FF376092"/>'
    "<x14:sparklines><x14:sparkline><xm:f>Feuil!B2:D2</xm:f><xm:sqref>E2</xm:sqref></x14:sparkline></x14:sparklines>"
    "</x14:sparklineGroup></x14:sparklineGroups></ext></extLst>"
)


def parts(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def rewrite(data: bytes, changes: dict) -> bytes:
    """``data`` with some parts changed (callables of the old text) or added (bytes)."""
    old = parts(data)
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in old.items():
            change = changes.get(name)
            archive.writestr(name, change(content.decode()).encode() if callable(change) else content)
        for name, content in changes.items():
            if name not in old:
                archive.writestr(name, content)
    return out.getvalue()


def base() -> bytes:
    """A workbook with a table, a journal-like table, styled cells, and an adviser sheet with
    formulas and sparklines (added as Excel writes them)."""
    wb = PlainWorkbook()
    ws = wb.active
    ws.title = "Feuil"
    ws.append(["Nom", "Valeur", "B", "C", "Statut"])
    for index in range(1, 6):
        ws.append([f"n{index}", index, index * 2, index * 3, None])
    for row in range(2, 7):
        ws.cell(row, 5).fill = PatternFill("solid", fgColor="EDEDED")
        ws.cell(row, 5).font = Font(italic=True)
    ws.add_table(XlTable(displayName="tblFeuil", ref="A1:E6"))
    journal = wb.create_sheet("Journal")
    journal.append(["Quand", "Message"])
    journal.append([None, None])
    journal.cell(2, 2).font = Font(color="FF0000")
    journal.add_table(XlTable(displayName="tblJournal", ref="A1:B2"))
    own = wb.create_sheet("Mes calculs")
    own["A1"], own["A2"], own["A3"] = 5, "=A1*2", "=A2+1"
    buffer = io.BytesIO()
    wb.save(buffer)
    data = buffer.getvalue()
    # Cached results, as Excel stores them, and sparklines on the sheet ccc-xl writes to.
    return rewrite(data, {
        "xl/worksheets/sheet3.xml": lambda xml: xml.replace("<f>A1*2</f><v></v>", "<f>A1*2</f><v>10</v>")
        .replace("<f>A1*2</f>", "<f>A1*2</f><v>10</v>").replace("<f>A2+1</f>", "<f>A2+1</f><v>11</v>"),
        "xl/worksheets/sheet1.xml": lambda xml: xml.replace("</worksheet>", SPARKLINES + "</worksheet>"),
    })


def canonical(xml: bytes) -> bytes:
    return etree.tostring(etree.fromstring(xml), method="c14n")


def without_cells(xml: bytes, refs: set[str]) -> bytes:
    root = etree.fromstring(xml)
    for cell in list(root.iter(f"{{{package.MAIN}}}c")):
        if cell.get("r") in refs:
            cell.getparent().remove(cell)
    dimension = root.find(f"{{{package.MAIN}}}dimension")
    if dimension is not None:
        dimension.getparent().remove(dimension)
    return etree.tostring(root, method="c14n")


def test_no_edit_keeps_every_part_byte_for_byte():
    data = base()
    assert parts(package.apply(data, [])) == parts(data)


def test_a_column_write_changes_only_its_cells():
    data = base()
    new = package.apply(data, [package.CellRun("Feuil", 5, 2, ("Éligible", "=Zoé", None, 3.5, dt.datetime(2004, 5, 3)))])
    old_parts, new_parts = parts(data), parts(new)
    sheet = "xl/worksheets/sheet1.xml"
    assert {n for n in old_parts if old_parts[n] != new_parts.get(n)} <= {sheet, "xl/styles.xml"}
    assert without_cells(old_parts[sheet], {f"E{r}" for r in range(2, 7)}) == without_cells(new_parts[sheet], {f"E{r}" for r in range(2, 7)})
    assert SPARKLINES.split("<x14:sparklines>")[1] in new_parts[sheet].decode()
    ws = load_workbook(io.BytesIO(new))["Feuil"]
    assert [ws.cell(r, 5).value for r in range(2, 7)] == ["Éligible", "=Zoé", None, 3.5, dt.datetime(2004, 5, 3)]
    assert ws.cell(3, 5).data_type == "s"  # text starting with "=" stays text
    assert all(ws.cell(r, 5).font.i and ws.cell(r, 5).fill.fgColor.rgb == "00EDEDED" for r in range(2, 7))  # style kept
    assert ws.cell(6, 5).is_date and ws.cell(6, 5).number_format == package.DEFAULT_DATE_FORMAT


def test_a_missing_cell_takes_the_style_of_the_cell_above():
    data = package.apply(base(), [package.CellRun("Feuil", 5, 2, ("a", "b", "c", "d", "e", "f", "g"))])
    ws = load_workbook(io.BytesIO(data))["Feuil"]
    assert ws.cell(8, 5).value == "g" and ws.cell(8, 5).font.i and ws.cell(8, 5).fill.fgColor.rgb == "00EDEDED"


def test_adviser_formulas_keep_their_cached_results():
    data = package.apply(base(), [package.CellRun("Feuil", 5, 2, ("x",))])
    values = load_workbook(io.BytesIO(data), data_only=True)["Mes calculs"]
    assert (values["A2"].value, values["A3"].value) == (10, 11)


def test_overwriting_the_master_of_a_shared_formula_keeps_the_others():
    data = rewrite(base(), {"xl/worksheets/sheet1.xml": lambda xml: re.sub(
        r'<c r="C(\d)" t="n"><v>\d+</v></c>',
        lambda m: (f'<c r="C{m.group(1)}"><f t="shared" ref="C2:C6" si="0">B2*2</f><v>0</v></c>' if m.group(1) == "2"
                   else f'<c r="C{m.group(1)}"><f t="shared" si="0"/><v>0</v></c>'), xml)})
    new = package.apply(data, [package.CellRun("Feuil", 3, 2, (7,))])
    ws = load_workbook(io.BytesIO(new))["Feuil"]
    assert ws["C2"].value == 7
    assert [ws.cell(r, 3).value for r in range(3, 7)] == [f"=B{r}*2" for r in range(3, 7)]


def test_an_array_formula_is_never_cut():
    data = rewrite(base(), {"xl/worksheets/sheet1.xml": lambda xml: xml.replace(
        '<c r="C2" t="n"><v>2</v></c>', '<c r="C2"><f t="array" ref="C2:C3">B2:B3*2</f><v>2</v></c>')})
    with pytest.raises(CommandError, match="matricielle"):
        package.apply(data, [package.CellRun("Feuil", 3, 2, (7,))])


def test_a_protected_sheet_is_never_written():
    data = rewrite(base(), {"xl/worksheets/sheet1.xml": lambda xml: xml.replace(
        "<pageMargins", '<sheetProtection sheet="1" objects="1" scenarios="1"/><pageMargins')})
    with pytest.raises(CommandError, match="Ôtez la protection de la feuille « Feuil »"):
        package.apply(data, [package.CellRun("Feuil", 5, 2, ("x",))])


def test_journal_rows_grow_the_table_and_reuse_its_blank_row():
    data = package.apply(base(), [package.TableRows("tblJournal", (("2026-01-01", "un"), ("2026-01-02", "deux")))])
    ws = load_workbook(io.BytesIO(data))["Journal"]
    assert ws.tables["tblJournal"].ref == "A1:B3"
    assert [[c.value for c in row] for row in ws.iter_rows(min_row=2)] == [["2026-01-01", "un"], ["2026-01-02", "deux"]]
    assert ws["B3"].font.color.rgb == "00FF0000"  # the style of the row above
    table = next(v for k, v in parts(data).items() if k.startswith("xl/tables/") and b"tblJournal" in v)
    assert b'<autoFilter ref="A1:B3"' in table


def test_journal_rows_never_overwrite_what_lies_under_the_table():
    data = package.apply(base(), [package.CellRun("Journal", 2, 4, ("à moi",))])
    with pytest.raises(CommandError, match="sous le tableau tblJournal"):
        package.apply(data, [package.TableRows("tblJournal", (("a", "b"),) * 3)])


def content(title: str = "Généré", rows: int = 3, chart: bool = True) -> SheetContent:
    frame = pd.DataFrame({"Année": [f"{2020 + i}" for i in range(rows)], "Participants": list(range(rows))})
    return SheetContent("Généré", title, notes=["Une note."], blocks=[Block(frame)],
                        charts=[Chart("Participants", 0, "Année", ("Participants",))] if chart else [])


def scratch(sheet: SheetContent) -> bytes:
    wb = PlainWorkbook()
    wb.active.title = sheet.sheet
    render_sheet(wb.active, sheet)
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def check_consistent(data: bytes) -> None:
    """Every relationship target exists and every part has a content type."""
    found = parts(data)
    types = etree.fromstring(found["[Content_Types].xml"])
    ns = package.CONTENT_TYPES_NS
    overrides = {o.get("PartName").lstrip("/") for o in types.iter(f"{{{ns}}}Override")}
    defaults = {d.get("Extension").lower() for d in types.iter(f"{{{ns}}}Default")}
    for name in found:
        if name != "[Content_Types].xml":
            assert name in overrides or name.rsplit(".", 1)[-1].lower() in defaults, name
    assert all(o in found for o in overrides)
    for name, text in found.items():
        if name.endswith(".rels"):
            owner = package._owner_of_rels(name) if not name.startswith("_rels/") else ""
            for rel in etree.fromstring(text):
                if rel.get("TargetMode") != "External":
                    assert package.resolve_target(owner, rel.get("Target")) in found, (name, rel.get("Target"))


def test_a_new_generated_sheet_is_inserted_where_asked_with_its_chart():
    data = package.apply(base(), [package.SheetReplacement("Généré", scratch(content()), 1)])
    check_consistent(data)
    wb = load_workbook(io.BytesIO(data))
    assert wb.sheetnames == ["Feuil", "Généré", "Journal", "Mes calculs"]
    assert len(wb["Généré"]._charts) == 1 and wb["Généré"]["A1"].value == "Généré"
    assert wb["Généré"]["A1"].font.b  # the title's style came along
    assert b"sparklineGroup" in parts(data)["xl/worksheets/sheet1.xml"]


def test_replacing_a_generated_sheet_removes_what_it_had_and_keeps_ids_unique():
    first = package.apply(base(), [package.SheetReplacement("Généré", scratch(content(chart=True)), 1)])
    second = package.apply(first, [package.SheetReplacement("Généré", scratch(content("Encore", rows=5, chart=False)), 1)])
    check_consistent(second)
    wb = load_workbook(io.BytesIO(second))
    assert wb["Généré"]["A1"].value == "Encore" and not wb["Généré"]._charts
    assert not [n for n in parts(second) if n.startswith(("xl/charts/", "xl/drawings/"))]
    ids = [etree.fromstring(v).get("id") for k, v in parts(second).items() if k.startswith("xl/tables/")]
    assert len(ids) == len(set(ids))


def test_regenerating_the_same_sheet_does_not_grow_the_styles():
    once = package.apply(base(), [package.SheetReplacement("Généré", scratch(content()), 1)])
    twice = package.apply(once, [package.SheetReplacement("Généré", scratch(content()), 1)])
    assert canonical(parts(once)["xl/styles.xml"]) == canonical(parts(twice)["xl/styles.xml"])


def test_print_names_of_a_new_sheet_shift_the_others():
    data = rewrite(base(), {"xl/workbook.xml": lambda xml: xml.replace(
        "</sheets>", '</sheets><definedNames><definedName name="_xlnm.Print_Area" localSheetId="1">Journal!$A$1:$B$2</definedName></definedNames>')
        .replace("<definedNames/>", "")})
    new = package.apply(data, [package.SheetReplacement("Généré", scratch(content()), 1)])
    wb = load_workbook(io.BytesIO(new))
    assert wb["Journal"].print_area == "'Journal'!$A$1:$B$2"


def test_a_purged_shared_string_leaves_the_file():
    data = rewrite(base(), {
        "xl/sharedStrings.xml": b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        b'<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="2" uniqueCount="2">'
        b"<si><t>Dupont</t></si><si><r><rPr><b/></rPr><t>gras</t></r><r><t> et pas</t></r></si></sst>",
        "xl/worksheets/sheet1.xml": lambda xml: xml.replace('<c r="A2" t="inlineStr"><is><t>n1</t></is></c>', '<c r="A2" t="s"><v>0</v></c>')
        .replace('<c r="A3" t="inlineStr"><is><t>n2</t></is></c>', '<c r="A3" t="s"><v>1</v></c>'),
        "xl/_rels/workbook.xml.rels": lambda xml: xml.replace("</Relationships>",
            '<Relationship Id="rId99" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings" Target="sharedStrings.xml"/></Relationships>'),
        "[Content_Types].xml": lambda xml: xml.replace("</Types>",
            '<Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/></Types>'),
    })
    assert load_workbook(io.BytesIO(data))["Feuil"]["A2"].value == "Dupont"
    new = package.apply(data, [package.CellRun("Feuil", 1, 2, ("P-001",))])
    strings = parts(new)["xl/sharedStrings.xml"]
    assert b"Dupont" not in strings and b"<b/>" in strings  # the rich text of the other cell is kept
    assert str(load_workbook(io.BytesIO(new), rich_text=True)["Feuil"]["A3"].value) == "gras et pas"


TEXT = st.text(st.characters(blacklist_categories=("Cs",)), max_size=30)
VALUES = st.one_of(st.none(), TEXT, st.integers(-10**12, 10**12), st.floats(allow_nan=False, allow_infinity=False, width=64),
                   st.datetimes(dt.datetime(1901, 1, 1), dt.datetime(2099, 12, 31)).map(lambda d: d.replace(microsecond=0)))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(VALUES, min_size=1, max_size=8))
def test_any_value_is_read_back_as_written(values):
    data = package.apply(base(), [package.CellRun("Feuil", 5, 2, tuple(values))])
    ws = load_workbook(io.BytesIO(data))["Feuil"]
    for offset, value in enumerate(values):
        read = ws.cell(2 + offset, 5).value
        if value is None or value == "":
            assert read is None
        elif isinstance(value, float):
            assert read == pytest.approx(value, rel=1e-15, abs=0)
        elif isinstance(value, str):  # as Excel stores it (openpyxl does not undo Excel's _xHHHH_ escapes)
            assert read in (value, package.escape_text(value))
        else:
            assert read == value


def _rich_workbook() -> PlainWorkbook:
    """A generated sheet (title, notes, table, chart, sparklines) beside a sheet with a comment, an
    image, a hyperlink, merged cells and a table."""
    from openpyxl.comments import Comment
    from openpyxl.drawing.image import Image
    from PIL import Image as Picture

    wb = PlainWorkbook()
    wb.active.title = "Généré"
    render_sheet(wb.active, content())
    other = wb.create_sheet("Autre")
    other.append(["Nom", "Lien"])
    other.append(["Éric & <fils>", "=HYPERLINK(\"https://example.org\")"])
    other["A2"].comment = Comment("Une note de conseillère", "ML")
    other["B3"].hyperlink = "https://example.org/page"
    other.merge_cells("C1:D2")
    other.add_table(XlTable(displayName="tblAutre", ref="A1:B2"))
    picture = io.BytesIO()
    Picture.new("RGB", (8, 8), "navy").save(picture, "PNG")
    other.add_image(Image(picture), "F2")
    return wb


@pytest.mark.parametrize("build", [blank_workbook, _rich_workbook], ids=["classeur-vierge", "feuilles-riches"])
def test_a_workbook_written_in_memory_has_the_parts_openpyxl_saves(build):
    """The same parts, byte for byte, in the same order (only the zip entries' dates and file modes,
    which openpyxl took from its temporary files, differ)."""
    from freezegun import freeze_time

    with freeze_time("2026-11-30 10:00:00"):
        mine = workbook_bytes(build())
        theirs = io.BytesIO()
        build().save(theirs)
    assert list(parts(mine).items()) == list(parts(theirs.getvalue()).items())
