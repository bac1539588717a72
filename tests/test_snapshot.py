"""The hostile and guarantee tests' `snapshot` sees exactly what openpyxl's cells show, and every
change an adviser would notice.

`reference_snapshot` is the plain way: every cell of openpyxl's read-only rows, its style read
through the cell. `snapshot` (tests/hostile.py) must give the same dictionary on every corpus case,
as built and after a command, and on the demo; and it must tell a changed value, number format,
fill, bold, italic, font colour or a new cell in an adviser sheet, even when only the styles, the
shared strings or the date system of the package changed and not the sheet's own part (which
`snapshot` does not read again when it is unchanged).
"""

from __future__ import annotations

import datetime as dt
import re
import shutil
import zipfile
from collections import OrderedDict
from pathlib import Path

import pytest
from click.testing import CliRunner
from openpyxl import load_workbook
from openpyxl.styles import Font, PatternFill

import hostile
from ccc_xl import contract as c
from ccc_xl.cli import main
from ccc_xl.parsing import normalise
from conftest import workbook_with
from hostile import ADVISER_SHEETS_SKIPPED, COMMANDS, headers, load_script, snapshot

corpus_script = load_script("build_corpus")
WORKBOOK = corpus_script.WORKBOOK


def _reference_style(cell) -> tuple:
    fill, font = cell.fill, cell.font
    return (cell.number_format, fill.fill_type, fill.fgColor.rgb if fill.fgColor is not None else None,
            font.b, font.i, font.color.rgb if font.color is not None else None)


def reference_snapshot(path, generated: bool = False, pseudonymised: bool = False) -> dict:
    """`snapshot` through openpyxl's read-only cells, one by one (see `hostile.snapshot`)."""
    wb = load_workbook(path, read_only=True)
    cells = {}
    styles: dict = {}  # a read-only cell's style is its workbook's style at its index: read once per index
    for ws in wb.worksheets:
        if ws.title == c.JOURNAL.sheet or (not generated and ws.title in ADVISER_SHEETS_SKIPPED):
            continue
        table, computed, rewritten, known = headers(ws.title, pseudonymised)
        skipped: set[int] = set()
        blind: set[int] = set()
        for row in ws.iter_rows():
            for cell in row:
                if not hasattr(cell, "column"):  # EmptyCell of a read-only sheet
                    continue
                if cell.row == 1 and isinstance(cell.value, str) and normalise(cell.value) in computed:
                    skipped.add(cell.column)
                if cell.row == 1 and isinstance(cell.value, str) and normalise(cell.value) in rewritten:
                    blind.add(cell.column)
                if cell.row == 1 and table and pseudonymised and cell.value and normalise(str(cell.value)) not in known:
                    blind.add(cell.column)
                if cell.column in skipped and cell.row > 1:
                    continue
                value = None if cell.column in blind and cell.row > 1 else cell.value
                if cell._style_id not in styles:
                    styles[cell._style_id] = _reference_style(cell)
                style = styles[cell._style_id]
                if value is None and style[:2] == ("General", None) and not any(style[3:5]):
                    continue
                cells[(ws.title, cell.row, cell.column)] = (value, *style)
    wb.close()
    return cells


def assert_read_as_openpyxl_does(path: Path, pseudonymised: bool = False) -> dict:
    """Every sheet, generated ones included, and the adviser's sheets alone; returns the first."""
    everything = reference_snapshot(path, generated=True, pseudonymised=pseudonymised)
    adviser = {key: cell for key, cell in everything.items() if key[0] not in ADVISER_SHEETS_SKIPPED}
    with hostile.Package(path) as package:  # what `snapshot` does, the package read once for both
        assert package.snapshot(generated=True, pseudonymised=pseudonymised) == everything
        assert package.snapshot(pseudonymised=pseudonymised) == adviser
    return everything


READABLE = [case for case in corpus_script.CASES if case.refused is not True]


@pytest.mark.parametrize("case", [pytest.param(case, id=case.name) for case in READABLE])
def test_every_corpus_case_is_read_as_openpyxl_reads_it_before_and_after_a_command(corpus, case, tmp_path, monkeypatch):
    """As built, with no sheet read before; then after the eligibility, which rewrites the
    candidates' sheet, the styles and the Journal: the sheets it left alone are those read before."""
    work = tmp_path / "dossier"
    shutil.copytree(corpus / case.name, work)
    path = work / WORKBOOK
    with monkeypatch.context() as fresh:
        fresh.setattr(hostile, "_SHEETS", OrderedDict())
        assert assert_read_as_openpyxl_does(path)
        original = path.read_bytes()
        CliRunner().invoke(main, ["eligibilite", str(path)])
        if path.read_bytes() != original:
            assert_read_as_openpyxl_does(path)


def test_the_corpus_compared_is_the_corpus():
    assert len(READABLE) >= 30


@pytest.mark.parametrize("command", ["rotations", "suivi", "purger"])
def test_the_demo_is_read_as_openpyxl_reads_it_before_and_after_a_command(demo_copy, command, tmp_path):
    """Commands that write generated sheets, and the purge, which rewrites adviser cells."""
    row = next(row for row in COMMANDS if row.name == command)
    for pseudonymised in {False, row.pseudonymises}:
        assert_read_as_openpyxl_does(demo_copy, pseudonymised)
    result = CliRunner().invoke(main, row.args(demo_copy, tmp_path / "sortie"))
    assert result.exit_code == 0, result.output
    for pseudonymised in {False, row.pseudonymises}:
        assert assert_read_as_openpyxl_does(demo_copy, pseudonymised)


# --- What the snapshot tells apart -------------------------------------------------------------

CANDIDATES = [
    {"id": "C1", "session": 2027, "last_name": "Durand", "first_name": "Léa", "birth_date": dt.date(2001, 3, 5), "volunteer": True},
    {"id": "C2", "session": 2027, "last_name": "N'Diaye", "first_name": "Ömer <&>", "birth_date": dt.date(1999, 12, 31)},
]


@pytest.fixture(scope="module")
def rewritten(tmp_path_factory) -> Path:
    """A small ccc-xl workbook as openpyxl saves it (shared strings, one styles part), read once."""
    folder = tmp_path_factory.mktemp("instantane")
    made = workbook_with(folder / "fait.xlsx", {c.CANDIDATES: CANDIDATES})
    wb = load_workbook(made)
    wb.save(folder / "reecrit.xlsx")
    return folder / "reecrit.xlsx"


def column(ws, header: str) -> int:
    return next(cell.column for cell in ws[1] if cell.value == header)


def candidates_cell(ws, key: str, row: int = 2):
    return ws.cell(row, column(ws, c.CANDIDATES.column(key).header))


def restyle(cell, **font):
    cell.font = Font(**{"b": cell.font.b, "i": cell.font.i, "color": cell.font.color, **font})


MUTATIONS = {  # name: (change, seen by snapshot(), by snapshot(generated=True), by snapshot(pseudonymised=True))
    "valeur": (lambda wb: setattr(candidates_cell(wb[c.CANDIDATES.sheet], "session"), "value", 2028), True, True, True),
    "valeur-identifiante": (lambda wb: setattr(candidates_cell(wb[c.CANDIDATES.sheet], "last_name"), "value", "Martin"), True, True, False),
    "format-nombre": (lambda wb: setattr(candidates_cell(wb[c.CANDIDATES.sheet], "session"), "number_format", "0.00"), True, True, True),
    "format-date": (lambda wb: setattr(candidates_cell(wb[c.CANDIDATES.sheet], "birth_date"), "number_format", "yyyy-mm-dd"), True, True, True),
    "remplissage": (lambda wb: setattr(candidates_cell(wb[c.CANDIDATES.sheet], "first_name"), "fill",
                                       PatternFill("solid", fgColor="FFFF0000")), True, True, True),
    "gras": (lambda wb: restyle(candidates_cell(wb[c.CANDIDATES.sheet], "first_name"), b=True), True, True, True),
    "italique": (lambda wb: restyle(candidates_cell(wb[c.CANDIDATES.sheet], "first_name"), i=True), True, True, True),
    "couleur-police": (lambda wb: restyle(candidates_cell(wb[c.CANDIDATES.sheet], "session"), color="FF00B050"), True, True, True),
    # Known limit, kept from the per-cell reading: with ``pseudonymised`` an identifying cell's
    # value is left out first, and then a cell with no number format, fill, bold or italic is
    # left out whole, its font colour with it.
    "couleur-police-identifiante": (lambda wb: restyle(candidates_cell(wb[c.CANDIDATES.sheet], "first_name"), color="FF00B050"),
                                    True, True, False),
    "cellule-ajoutee": (lambda wb: setattr(wb[c.CANDIDATES.sheet]["AZ40"], "value", "note"), True, True, True),
    "cellule-vide-coloree": (lambda wb: setattr(wb[c.COMPANIES.sheet]["C30"], "fill", PatternFill("solid", fgColor="FFFFFF00")), True, True, True),
    "feuille-personnelle": (lambda wb: setattr(wb.create_sheet("Mes notes")["B2"], "value", 3.5), True, True, True),
    "colonne-calculee": (lambda wb: setattr(candidates_cell(wb[c.CANDIDATES.sheet], "eligibility"), "value", "Éligible"), False, False, False),
    "feuille-generee": (lambda wb: setattr(wb[c.GENERATED_SHEETS[0].name]["B5"], "value", "x"), False, True, False),
    "journal": (lambda wb: wb[c.JOURNAL.sheet].append(["x"] * 7), False, False, False),
}


@pytest.mark.parametrize("name", MUTATIONS)
def test_a_change_is_seen_exactly_where_an_adviser_sees_it(rewritten, name, tmp_path):
    change, plain, generated, pseudonymised = MUTATIONS[name]
    wb = load_workbook(rewritten)
    change(wb)
    wb.save(tmp_path / "modifie.xlsx")
    changed = tmp_path / "modifie.xlsx"
    everything = reference_snapshot(changed, generated=True)  # the adviser's sheets are some of them
    references = ({key: cell for key, cell in everything.items() if key[0] not in ADVISER_SHEETS_SKIPPED}, everything,
                  reference_snapshot(changed, pseudonymised=True))
    kinds = ({}, plain), ({"generated": True}, generated), ({"pseudonymised": True}, pseudonymised)
    with hostile.Package(rewritten) as old, hostile.Package(changed) as new:  # what `snapshot` does, each package read once
        for (kind, seen), reference in zip(kinds, references):
            before = old.snapshot(**kind)
            after = new.snapshot(**kind)
            assert (after != before) == seen, (name, kind)
            assert after == reference
            if seen:  # only the cell changed differs
                assert len({key for key in before.keys() | after.keys() if before.get(key) != after.get(key)}) == 1


def with_part(path: Path, target: Path, part: str, change) -> Path:
    """A copy of the package whose part ``part`` is ``change(text)``, every other part as it was."""
    with zipfile.ZipFile(path) as source, zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as copy:
        for info in source.infolist():
            data = source.read(info)
            if info.filename == part:
                new = change(data.decode("utf-8"))
                assert new != data.decode("utf-8"), f"{part} inchangé"
                data = new.encode("utf-8")
            copy.writestr(info, data)
    return target


SST = "application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"
SST_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings"


def with_shared_strings(path: Path, target: Path) -> Path:
    """The package with its plain inline texts moved to a shared strings part, as Excel saves them."""
    strings: list[str] = []

    def shared(match) -> str:
        strings.append(match.group(2))
        return f'{match.group(1)}t="s"><v>{len(strings) - 1}</v></c>'

    with zipfile.ZipFile(path) as source, zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as copy:
        for info in source.infolist():
            text = source.read(info).decode("utf-8") if info.filename.endswith((".xml", ".rels")) else None
            if text is not None and info.filename.startswith("xl/worksheets/sheet"):
                text = re.sub(r'(<c [^>]*)t="inlineStr"><is><t>([^<]*)</t></is></c>', shared, text)
            elif info.filename == "[Content_Types].xml":
                text = text.replace("</Types>", f'<Override PartName="/xl/sharedStrings.xml" ContentType="{SST}"/></Types>')
            elif info.filename == "xl/_rels/workbook.xml.rels":
                text = text.replace("</Relationships>", f'<Relationship Id="rIdSst" Type="{SST_REL}" Target="sharedStrings.xml"/></Relationships>')
            copy.writestr(info, text.encode("utf-8") if text is not None else source.read(info))
        items = "".join(f"<si><t>{s}</t></si>" for s in strings)
        copy.writestr("xl/sharedStrings.xml", f'<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
                                              f'count="{len(strings)}" uniqueCount="{len(strings)}">{items}</sst>')
    return target


PART_CHANGES = {  # name: (part, change of its text) — the sheets' own parts stay byte for byte
    # Every bold font of the package loses its bold: headers' style indexes stay the same.
    "gras-dans-les-styles": ("xl/styles.xml", lambda xml: re.sub(r"<b ?(val=\"1\")? ?/>", "", xml)),
    "couleur-dans-les-styles": ("xl/styles.xml", lambda xml: re.sub(r'(<fgColor rgb=")[0-9A-F]{8}', r"\g<1>FF123456", xml, count=1)),
    "format-dans-les-styles": ("xl/styles.xml", lambda xml: re.sub(r'formatCode="[^"]*"', 'formatCode="0.000"', xml, count=1)),
    "texte-partage": ("xl/sharedStrings.xml", lambda xml: xml.replace("Durand", "Dupont")),
    "calendrier-1904": ("xl/workbook.xml", lambda xml: re.sub(r"<workbookPr\b([^>]*)/>", r'<workbookPr\1 date1904="1"/>', xml)),
}


@pytest.mark.parametrize("name", PART_CHANGES)
def test_a_change_outside_the_sheet_part_is_seen_after_that_sheet_was_read(rewritten, name, tmp_path):
    part, change = PART_CHANGES[name]
    base = with_shared_strings(rewritten, tmp_path / "partage.xlsx")
    before = snapshot(base)  # remembers every sheet as read here
    assert before == reference_snapshot(base) and before == snapshot(rewritten)
    changed = with_part(base, tmp_path / "modifie.xlsx", part, change)
    after = snapshot(changed)
    assert after != before
    assert after == reference_snapshot(changed)


def test_cells_beyond_the_declared_dimension_are_seen(rewritten, tmp_path):
    """A sheet whose <dimension> is too small (a tool's slip): openpyxl's read-only rows stop at it,
    the snapshot reads every cell all the same."""
    wb = load_workbook(rewritten, read_only=True)
    part = wb[c.CANDIDATES.sheet]._worksheet_path
    wb.close()
    changed = with_part(rewritten, tmp_path / "dimension.xlsx", part,
                        lambda xml: re.sub(r'<dimension ref="[^"]*"/>', '<dimension ref="A1:B1"/>', xml))
    assert snapshot(changed) == snapshot(rewritten)
    assert reference_snapshot(changed) != reference_snapshot(rewritten)
