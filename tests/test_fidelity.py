"""What advisers add in Excel survives every writing command — or the command refuses first.

The corpus (scripts/build_fidelity_corpus.py) holds one workbook per thing openpyxl cannot write,
made as Excel writes it. For each case × each writing command: either every part of the package
ccc-xl does not own is identical after the save (XML compared canonicalised), or the command
refused before any work, in French, naming the object and the fix. The oracle below decides what
ccc-xl owns from the contract (computed columns, the Journal's new rows, generated sheets), not
from the writer's code.
"""

from __future__ import annotations

import io
import re
import shutil
import subprocess
import uuid
import zipfile
from pathlib import Path

import pytest
from click.testing import CliRunner
from lxml import etree

from ccc_xl import contract as c
from ccc_xl import office
from ccc_xl.cli import main
from ccc_xl.commands import eligibilite, run_on_file
from ccc_xl.parsing import normalise
from hostile import ROOT, TODAY, load_script
from conftest import soffice_or_fail

corpus_script = load_script("build_fidelity_corpus")
CASES = {case.name: case for case in corpus_script.CASES}
MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
R_ID = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}id"
PKG = "http://schemas.openxmlformats.org/package/2006/relationships"
CT = "http://schemas.openxmlformats.org/package/2006/content-types"

COMMANDS = {
    "eligibilite": lambda wb, out: ["eligibilite", str(wb)],
    "rotations": lambda wb, out: ["rotations", str(wb)],
    "documents": lambda wb, out: ["documents", str(wb), "--dossier", str(out), "--type", "emargement"],
    "suivi": lambda wb, out: ["suivi", str(wb), "--au", TODAY],
    "indicateurs": lambda wb, out: ["indicateurs", str(wb), "--date", TODAY],
    "purger": lambda wb, out: ["purger", str(wb), "--avant", "2020", "--oui"],
}
# Generated sheets each command replaces, and the contract tables whose computed columns it writes.
GENERATES = {
    "rotations": {c.BINOMES_SHEET.name, c.INTERVIEWS_SHEET.name, c.PLANNING_SHEET.name, c.GRAND_ORAL_SHEET.name},
    "documents": {c.DOCUMENTS_SHEET.name}, "suivi": {c.DASHBOARD_SHEET.name}, "indicateurs": {c.INDICATORS_SHEET.name},
}


@pytest.fixture(scope="session")
def corpus(built_once):
    """Built once per test run, in a folder shared by the run's workers."""
    return built_once("fidelity", corpus_script.build)


# --- Reading a package independently of the writer -------------------------------------------

class Parts:
    """A package's parts; each XML part parsed once (callers only read the trees), and what each part
    reaches found once."""

    def __init__(self, data: bytes):
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            self.parts = {name: archive.read(name) for name in archive.namelist()}
        self._trees: dict = {}
        self._reachable: dict = {}

    def xml(self, name: str):
        if name not in self._trees:
            self._trees[name] = etree.fromstring(self.parts[name])
        return self._trees[name]

    def rels(self, part: str) -> dict[str, str]:
        folder, base = part.rsplit("/", 1) if "/" in part else ("", part)
        name = f"{folder}/_rels/{base}.rels" if folder else f"_rels/{base}.rels"
        if name not in self.parts:
            return {}
        found = {}
        for rel in self.xml(name):
            if rel.get("TargetMode") == "External":
                continue
            target = rel.get("Target")
            path = target.lstrip("/") if target.startswith("/") else re.sub(r"[^/]+/\.\./", "", f"{folder}/{target}")
            found[rel.get("Id")] = path
        return found

    def sheets(self) -> dict[str, str]:
        targets = self.rels("xl/workbook.xml")
        return {s.get("name"): targets[s.get(R_ID)] for s in self.xml("xl/workbook.xml").iter(f"{{{MAIN}}}sheet")}

    def reachable(self, part: str) -> set[str]:
        if part not in self._reachable:
            self._reachable[part] = self._reach(part)
        return self._reachable[part]

    def _reach(self, part: str) -> set[str]:
        seen, queue = set(), [part]
        while queue:
            current = queue.pop()
            if current in seen:
                continue
            seen.add(current)
            queue.extend(self.rels(current).values())
            folder, base = current.rsplit("/", 1) if "/" in current else ("", current)
            seen.add(f"{folder}/_rels/{base}.rels")
        return seen


def canonical(xml: bytes) -> bytes:
    return etree.tostring(etree.fromstring(xml), method="c14n")


def _text(cell) -> str:
    return "".join(t.text or "" for t in cell.iter(f"{{{MAIN}}}t"))


def owned_cells(before: Parts, sheet: str, purge: bool) -> tuple[set[str], int]:
    """Columns a command may write on a sheet (computed columns of its contract table and, for the
    purge, identifying and free-text ones), found by their header, and the table's header row."""
    table = next((t for t in vars(c).values() if isinstance(t, c.Table) and t.sheet == sheet), None)
    if table is None:
        return set(), 1
    part = before.sheets()[sheet]
    table_part = next((t for t in before.rels(part).values() if "/tables/" in t
                       and before.xml(t).get("name", "").lower() == table.name.lower()), None)
    header_row = int(re.search(r"\d+", before.xml(table_part).get("ref")).group()) if table_part else 1
    headers = {normalise(col.header) for col in table.columns
               if col.computed or (purge and (col.identifying or col.kind is c.Kind.TEXT))}
    strings = strings_of(before)
    columns = set()
    for cell in before.xml(part).iter(f"{{{MAIN}}}c"):
        if re.fullmatch(rf"[A-Z]+{header_row}", cell.get("r", "")):
            text = _text(strings[int(cell.findtext(f"{{{MAIN}}}v"))]) if cell.get("t") == "s" else _text(cell)
            if normalise(text) in headers:
                columns.add(re.sub(r"\d+", "", cell.get("r")))
    return columns, header_row


def row_heights(xml: bytes) -> dict[int, float]:
    return {int(row.get("r")): float(row.get("ht") or 0) for row in etree.fromstring(xml).iter(f"{{{MAIN}}}row")}


def sheet_without(xml: bytes, owned: tuple[set[str], int], strings, new_rows_from: int | None) -> bytes:
    """A sheet's XML without owned cells, new Journal rows, and the attributes a write adjusts
    (dimension, row spans, the height of a row whose written text wraps: checked apart, it may only
    grow); shared strings resolved so a renumbering would not hide a change."""
    root = etree.fromstring(xml)
    columns, header_row = owned
    for row in list(root.iter(f"{{{MAIN}}}row")):
        number = int(row.get("r"))
        for attribute in ("spans", "ht", "customHeight"):
            row.attrib.pop(attribute, None)
        for cell in list(row.iter(f"{{{MAIN}}}c")):
            column = re.sub(r"\d+", "", cell.get("r"))
            if (number > header_row and column in columns) or (new_rows_from is not None and number >= new_rows_from):
                row.remove(cell)
            elif cell.get("t") == "s":
                value = cell.find(f"{{{MAIN}}}v")
                value.text = etree.tostring(strings[int(value.text)], method="c14n").decode()
        if len(row) == 0:
            row.getparent().remove(row)
    for element in list(root.iter(f"{{{MAIN}}}dimension")):
        element.getparent().remove(element)
    return etree.tostring(root, method="c14n")


def strings_of(parts: Parts):
    return parts.xml("xl/sharedStrings.xml").findall(f"{{{MAIN}}}si") if "xl/sharedStrings.xml" in parts.parts else []


def journal_end(before: Parts) -> int:
    """First row under the Journal's last non-empty row (new lines go there)."""
    root = before.xml(before.sheets()[c.JOURNAL.sheet])
    filled = [int(row.get("r")) for row in root.iter(f"{{{MAIN}}}row")
              if any(cell.find(f"{{{MAIN}}}v") is not None or cell.find(f"{{{MAIN}}}is") is not None for cell in row)]
    return max(filled) + 1


def differences(before_data: bytes, after_data: bytes, command: str) -> list[str]:
    """Parts ccc-xl does not own that changed, described; empty when everything was kept."""
    before, after = Parts(before_data), Parts(after_data)
    purge = command == "purger"
    generated = GENERATES.get(command, set())
    old_sheets, new_sheets = before.sheets(), after.sheets()
    owned_parts = set()
    for sheet in generated:
        for parts, sheets in ((before, old_sheets), (after, new_sheets)):
            if sheet in sheets:
                owned_parts |= parts.reachable(sheets[sheet])
    for part in list(owned_parts):  # parts shared with sheets that stay are not owned
        if any(part in before.reachable(p) for s, p in old_sheets.items() if s not in generated):
            owned_parts.discard(part)
    special = {"[Content_Types].xml", "xl/workbook.xml", "xl/_rels/workbook.xml.rels", "xl/styles.xml",
               "xl/sharedStrings.xml", "xl/calcChain.xml"}
    problems = []
    written = {c.JOURNAL.sheet} | ({t.sheet for t in c.INPUT_TABLES} | {t.sheet for t in c.ROTATION_TABLES} if purge else
                                   {"eligibilite": {c.CANDIDATES.sheet}, "rotations": {c.COMPANIES.sheet},
                                    "suivi": {c.PATHWAYS.sheet}}.get(command, set()))
    journal_table = next(t for t in before.reachable(old_sheets[c.JOURNAL.sheet])
                         if t.startswith("xl/tables/") and "/_rels/" not in t)
    strings_before, strings_after = strings_of(before), strings_of(after)
    for name, content in before.parts.items():
        if name in owned_parts or name in special:
            continue
        if name not in after.parts:
            problems.append(f"partie supprimée : {name}")
            continue
        sheet = next((s for s, p in old_sheets.items() if p == name), None)
        if sheet in written and sheet not in generated:
            owned = owned_cells(before, sheet, purge)
            start = journal_end(before) if sheet == c.JOURNAL.sheet else None
            old = sheet_without(content, owned, strings_before, start)
            new = sheet_without(after.parts[name], owned, strings_after, start)
            if old != new:
                problems.append(f"feuille modifiée hors des cellules de ccc-xl : {sheet}")
            heights = row_heights(after.parts[name])
            lowered = [r for r, h in row_heights(content).items() if h and heights.get(r, h) < h]
            if lowered:
                problems.append(f"hauteur de ligne réduite : {sheet}, lignes {lowered}")
        elif name == journal_table:
            strip = lambda xml: re.sub(rb' ref="[A-Z]+\d+:[A-Z]+\d+"', b"", canonical(xml))
            if strip(content) != strip(after.parts[name]):
                problems.append("tableau du Journal modifié")
        elif name.endswith((".xml", ".rels", ".vml")) and content.lstrip().startswith(b"<"):
            # The same bytes are the same canonical XML: only a part rewritten is canonicalised.
            if content != after.parts[name] and canonical(content) != canonical(after.parts[name]):
                problems.append(f"partie modifiée : {name}")
        elif content != after.parts[name]:
            problems.append(f"partie binaire modifiée : {name}")
    problems += _special_differences(before, after, generated)
    return problems


def _special_differences(before: Parts, after: Parts, generated: set[str]) -> list[str]:
    problems = []
    # styles: every collection keeps its entries in place (indices of the adviser's cells)
    old_styles, new_styles = before.xml("xl/styles.xml"), after.xml("xl/styles.xml")
    for collection in old_styles:
        new = new_styles.find(collection.tag)
        old_items = [etree.tostring(e, method="c14n") for e in collection]
        new_items = [etree.tostring(e, method="c14n") for e in (new if new is not None else [])]
        if new_items[: len(old_items)] != old_items:
            problems.append(f"styles déplacés : {etree.QName(collection).localname}")
    # shared strings still used keep their text and runs
    old_strings, new_strings = strings_of(before), strings_of(after)
    used = set()
    for sheet_part in after.sheets().values():
        root = after.xml(sheet_part)
        used |= {int(cell.findtext(f"{{{MAIN}}}v")) for cell in root.iter(f"{{{MAIN}}}c") if cell.get("t") == "s"}
    for index in used:
        if index < len(old_strings) and etree.tostring(old_strings[index], method="c14n") != etree.tostring(new_strings[index], method="c14n"):
            problems.append(f"texte partagé modifié : {index}")
    # workbook: same sheets in the same order (plus new generated ones), names kept, the rest identical
    old_book, new_book = before.xml("xl/workbook.xml"), after.xml("xl/workbook.xml")
    old_names = [s.get("name") for s in old_book.iter(f"{{{MAIN}}}sheet")]
    new_names = [s.get("name") for s in new_book.iter(f"{{{MAIN}}}sheet")]
    if [n for n in new_names if n in old_names] != old_names or set(new_names) - set(old_names) - generated:
        problems.append("feuilles du classeur changées")
    kept_names = {(d.get("name"), old_names[int(d.get("localSheetId"))] if d.get("localSheetId") else None, d.text)
                  for d in old_book.iter(f"{{{MAIN}}}definedName")}
    new_defined = {(d.get("name"), new_names[int(d.get("localSheetId"))] if d.get("localSheetId") else None, d.text)
                   for d in new_book.iter(f"{{{MAIN}}}definedName")}
    lost = {n for n in kept_names - new_defined if not (n[1] in generated and n[0].startswith("_xlnm."))}
    if lost:
        problems.append(f"noms définis perdus : {sorted(map(str, lost))}")
    for tag in ("workbookPr", "workbookProtection", "calcPr", "extLst", "fileVersion"):
        old, new = old_book.find(f"{{{MAIN}}}{tag}"), new_book.find(f"{{{MAIN}}}{tag}")
        if (old is None) != (new is None) or (old is not None and etree.tostring(old, method="c14n") != etree.tostring(new, method="c14n")):
            problems.append(f"classeur modifié : {tag}")
    # relationships of the workbook and content types: all kept
    old_rels = {(r.get("Id"), r.get("Type"), r.get("Target")) for r in before.xml("xl/_rels/workbook.xml.rels")}
    new_rels = {(r.get("Id"), r.get("Type"), r.get("Target")) for r in after.xml("xl/_rels/workbook.xml.rels")}
    if old_rels - new_rels:
        problems.append(f"relations du classeur perdues : {old_rels - new_rels}")
    old_types, new_types = before.xml("[Content_Types].xml"), after.xml("[Content_Types].xml")
    defaults = lambda root: {(d.get("Extension").lower(), d.get("ContentType")) for d in root.iter(f"{{{CT}}}Default")}
    overrides = lambda root: {(o.get("PartName"), o.get("ContentType")) for o in root.iter(f"{{{CT}}}Override")}
    if defaults(old_types) - defaults(new_types):
        problems.append("types de contenu par défaut perdus")
    missing = {o for o in overrides(old_types) - overrides(new_types) if o[0].lstrip("/") in after.parts}
    if missing:
        problems.append(f"types de contenu perdus : {missing}")
    typed = {o[0].lstrip("/") for o in overrides(new_types)}
    extensions = {d[0] for d in defaults(new_types)}
    for name in after.parts:
        if name != "[Content_Types].xml" and not name.endswith(".rels") and name not in typed \
                and name.rsplit(".", 1)[-1].lower() not in extensions:
            problems.append(f"partie sans type de contenu : {name}")
    return problems


# --- The matrix --------------------------------------------------------------------------------

@pytest.mark.parametrize("command", list(COMMANDS))
@pytest.mark.parametrize("case_name", list(CASES))
def test_every_added_thing_survives_or_the_command_refuses_first(corpus, case_name, command, tmp_path):
    case = CASES[case_name]
    work = tmp_path / "dossier"
    shutil.copytree(corpus / case.name, work)
    path, out = work / case.workbook, tmp_path / "sortie"
    out.mkdir()
    original = path.read_bytes()

    result = CliRunner().invoke(main, COMMANDS[command](path, out))

    output = result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), output
    assert "Traceback" not in output and "Erreur inattendue" not in output and "Warning" not in output, output
    refusal = (case.refuses or {}).get(command)
    if refusal is not None:
        assert result.exit_code != 0, output
        for words in refusal:
            assert words.lower() in output.lower(), f"« {words} » absent du refus :\n{output}"
        assert not any(out.rglob("*.docx")), "documents produits avant le refus"
        # A refusal says « rien n'a été modifié »: not even a Journal line is written.
        assert path.read_bytes() == original
        return
    else:
        assert result.exit_code == 0, output
        assert path.read_bytes() != original
    assert differences(original, path.read_bytes(), command) == []


@pytest.mark.parametrize("command", list(COMMANDS))
def test_no_command_loads_the_advisers_workbook_into_openpyxl(corpus, command, tmp_path, monkeypatch):
    """Reading is calamine's and saving is the surgical writer's: openpyxl never loads the workbook,
    so it can neither drop what it does not know nor cost the button its load time."""
    from openpyxl.reader.excel import ExcelReader

    def refuse(*args, **kwargs):
        raise AssertionError("openpyxl a chargé le classeur")

    monkeypatch.setattr(ExcelReader, "__init__", refuse)
    work = tmp_path / "dossier"
    shutil.copytree(corpus / "formule-date-naissance", work)
    out = tmp_path / "sortie"
    out.mkdir()
    result = CliRunner().invoke(main, COMMANDS[command](work / "classeur.xlsx", out))
    assert result.exit_code == 0 and result.exception is None, result.output


ANCHORED_ON_PLANNING = {
    "tableau croisé dynamique": ("pivotTables/pivotTable9.xml", f"{corpus_script.R}/pivotTable",
                                 "application/vnd.openxmlformats-officedocument.spreadsheetml.pivotTable+xml",
                                 f'<pivotTableDefinition xmlns="{MAIN}" name="TCD_Salles" cacheId="9" dataCaption="Valeurs">'
                                 '<location ref="H3:I6" firstHeaderRow="1" firstDataRow="1" firstDataCol="1"/></pivotTableDefinition>'),
    "segment": ("slicers/slicer9.xml", "http://schemas.microsoft.com/office/2007/relationships/slicer",
                "application/vnd.ms-excel.slicer+xml",
                '<slicers xmlns="http://schemas.microsoft.com/office/spreadsheetml/2009/9/main">'
                '<slicer name="Salle" cache="Segment_Salle" caption="Salle" rowHeight="241300"/></slicers>'),
    "chronologie": ("timelines/timeline9.xml", "http://schemas.microsoft.com/office/2011/relationships/timeline",
                    "application/vnd.ms-excel.timeline+xml",
                    '<timelines xmlns="http://schemas.microsoft.com/office/spreadsheetml/2010/11/main">'
                    '<timeline name="Date" cache="NativeTimeline_Date" caption="Date" level="2" selectionLevel="2"/></timelines>'),
}


def _base_with(corpus: Path, build) -> bytes:
    """The corpus's base workbook (rotations planned) with ``build`` applied, as Excel would write it."""
    package = corpus_script.Package((corpus / "base.xlsx").read_bytes())
    build(package)
    return package.to_bytes()


def _refused_by_rotations(corpus: Path, build, tmp_path: Path) -> tuple[Path, bytes, str]:
    """Run rotations on the base workbook with ``build`` applied; it must refuse before the planning
    search and change nothing but the Journal's error line. Returns the path, original bytes, output."""
    path = tmp_path / "classeur.xlsx"
    path.write_bytes(original := _base_with(corpus, build))
    result = CliRunner().invoke(main, ["rotations", str(path)])
    output = " ".join(result.output.split())
    assert result.exit_code != 0 and "Traceback" not in result.output, result.output
    assert "meilleur planning" not in output, output
    assert differences(original, path.read_bytes(), "refus") == []
    return path, original, output


@pytest.mark.parametrize("label", list(ANCHORED_ON_PLANNING))
def test_what_a_regenerated_sheet_carries_and_would_lose_stops_that_command_only(corpus, label, tmp_path):
    """A pivot table, slicer or timeline on Planning: rotations (which regenerates Planning) refuses before
    any work, naming the sheet, the object and the fix; a command that leaves Planning keeps it."""
    name, rel_type, content_type, xml = ANCHORED_ON_PLANNING[label]

    def add(package):
        part = f"xl/{name}"
        package.parts[part] = xml.encode()
        package.content_type(part, content_type)
        package.relate(package.sheet_part(c.PLANNING_SHEET.name), rel_type, part)

    path, original, output = _refused_by_rotations(corpus, add, tmp_path)
    assert f"feuille « {c.PLANNING_SHEET.name} » est régénérée" in output and label in output, output
    assert "déplacez-le sur une autre feuille" in output, output

    kept = CliRunner().invoke(main, ["eligibilite", str(path)])
    assert kept.exit_code == 0, kept.output
    assert differences(original, path.read_bytes(), "eligibilite") == []


def test_an_adviser_table_bearing_the_name_of_a_generated_one_is_named_before_any_work(corpus, tmp_path):
    """ccc-xl writes tblEntretiens on its Entretiens sheet: an adviser's table of that name elsewhere
    would make two tables of one name; rotations says which and how to rename it."""
    def add(package):
        sheet = corpus_script.own_lists_sheet(package)
        ids = [int(package.xml(n).get("id")) for n in package.parts if n.startswith("xl/tables/") and n.endswith(".xml")]
        part = "xl/tables/tableMesListes.xml"
        package.parts[part] = (f'<table xmlns="{MAIN}" id="{max(ids) + 1}" name="{c.INTERVIEWS.name}" '
                               f'displayName="{c.INTERVIEWS.name}" ref="A1:A4" totalsRowShown="0"><autoFilter ref="A1:A4"/>'
                               '<tableColumns count="1"><tableColumn id="1" name="Avocats"/></tableColumns>'
                               '<tableStyleInfo name="TableStyleMedium2" showRowStripes="1"/></table>').encode()
        package.content_type(part, "application/vnd.openxmlformats-officedocument.spreadsheetml.table+xml")
        rel_id = package.relate(package.sheet_part(sheet), f"{corpus_script.R}/table", part)
        package.sheet_child(sheet, f'<tableParts xmlns="{MAIN}" xmlns:r="{corpus_script.R}" count="1">'
                                   f'<tablePart r:id="{rel_id}"/></tableParts>')

    output = _refused_by_rotations(corpus, add, tmp_path)[2]
    assert f"{c.INTERVIEWS.name} de la feuille « Mes listes »" in output and "renommez le vôtre" in output, output


def test_a_note_on_a_generated_sheet_is_said_when_the_sheet_is_regenerated(corpus, tmp_path):
    work = tmp_path / "dossier"
    shutil.copytree(corpus / "note-feuille-generee", work)
    result = CliRunner().invoke(main, ["rotations", str(work / "classeur.xlsx")])
    assert result.exit_code == 0, result.output
    assert "« Planning » a été régénérée" in " ".join(result.output.split()) and "note" in result.output


def _statuses(path: Path) -> list:
    from openpyxl import load_workbook

    ws = load_workbook(path, data_only=True)[c.CANDIDATES.sheet]
    header = [cell.value for cell in ws[1]]
    column = header.index(c.CANDIDATES.column("eligibility").header)
    return [row[column] for row in ws.iter_rows(min_row=2, values_only=True)]


def test_birth_dates_typed_as_formulas_give_the_same_statuses_twice(corpus, tmp_path):
    path = tmp_path / "classeur.xlsx"
    shutil.copy2(corpus / "formule-date-naissance" / "classeur.xlsx", path)
    first = run_on_file(path, "eligibilite", eligibilite)
    after_first, statuses = path.read_bytes(), _statuses(path)
    second = run_on_file(path, "eligibilite", eligibilite)
    assert first.data["counts"] == second.data["counts"] and _statuses(path) == statuses
    assert second.data["changed"] == 0
    assert differences(after_first, path.read_bytes(), "eligibilite") == []
    with zipfile.ZipFile(path) as archive:  # formula and cached result both kept
        sheet = Parts(path.read_bytes()).sheets()[c.CANDIDATES.sheet]
        assert b"<f>DATE(2004,5,3)</f><v>38110</v>" in archive.read(sheet)


def test_a_formula_never_calculated_is_named_with_what_to_do(corpus, tmp_path):
    path = tmp_path / "classeur.xlsx"
    shutil.copy2(corpus / "formule-sans-resultat" / "classeur.xlsx", path)
    outcome = run_on_file(path, "eligibilite", eligibilite)
    found = [a for a in outcome.anomalies if a.row == 12 and a.column == "Date de naissance"]
    assert found and found[0].message == ("formule sans résultat enregistré — ouvrez et enregistrez le classeur dans Excel, "
                                          "ou saisissez la valeur")
    assert "Candidats" in str(found[0])


def test_the_macro_workbook_keeps_its_vba_modules(corpus, tmp_path):
    from oletools.olevba import VBA_Parser

    path = tmp_path / "classeur.xlsm"
    shutil.copy2(corpus / "macros-xlsm" / "classeur.xlsm", path)
    before = path.read_bytes()
    result = CliRunner().invoke(main, ["rotations", str(path)])
    assert result.exit_code == 0, result.output

    def modules(data: bytes) -> list:
        parser = VBA_Parser("classeur.xlsm", data=data)
        return sorted((name, code) for _, _, name, code in parser.extract_macros())

    assert modules(path.read_bytes()) == modules(before) and modules(before)
    with zipfile.ZipFile(path) as archive:
        assert "application/vnd.ms-excel.sheet.macroEnabled.main+xml" in archive.read("[Content_Types].xml").decode()


def test_libreoffice_opens_every_saved_workbook(corpus, tmp_path):
    """Each case after the commands that patch cells (eligibilite), replace sheets and grow the
    Journal (rotations, suivi): one LibreOffice start opens them all."""
    saved = []
    for case in CASES.values():
        if case.raw is not None:
            continue
        path = tmp_path / f"{case.name}{case.suffix}"
        shutil.copy2(corpus / case.name / case.workbook, path)
        for command in ("eligibilite", "rotations", "suivi"):
            CliRunner().invoke(main, COMMANDS[command](path, tmp_path))
        saved.append(path)
    soffice = soffice_or_fail()
    profile = tmp_path / f"lo-{uuid.uuid4().hex}"
    subprocess.run([soffice, office.user_installation(profile), "--headless", "--convert-to", "csv",
                    *map(str, saved), "--outdir", str(tmp_path / "csv")], check=True, capture_output=True, timeout=1200)
    missing = [p.name for p in saved if not (tmp_path / "csv" / f"{p.stem}.csv").exists()]
    assert not missing, missing
