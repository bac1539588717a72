"""The purge reaches every place a detainee's identity lies, then proves it by a self-check.

A demo workbook gets the 2019 documents, then identities planted everywhere advisers and Excel put
them (tests/planted.py): a column inserted inside tblCandidats, cell notes, the adviser's own sheet,
a defined name, a pivot table whose cache holds every candidate, a backup and the temporary copy of
an interrupted save. After `purger --avant 2020 --oui`, an independent scan of every XML part (not
the product's own scanner) finds none of the 2019 names, écrou numbers or birth dates; what the
purge cannot remove is listed by place with a non-zero exit.
"""

from __future__ import annotations

import datetime as dt
import html
import io
import re
import shutil
import zipfile
from pathlib import Path
from urllib.parse import quote

import pandas as pd
import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st
from lxml import etree
from openpyxl import load_workbook

from ccc_xl import contract as c
from ccc_xl.cli import main
from ccc_xl.commands import documents, purger, run_on_file
from ccc_xl.identities import BIRTH_DATE, ECROU, LAST_NAME, NAME, Identities, Person, fold
from ccc_xl.workbook import scrub
from ccc_xl.workbook.file import BACKUP_FOLDER, open_workbook

from conftest import DEMO_TODAY, libreoffice_sheets
from planted import ADVISER_COLUMN, ADVISER_SHEET, PIVOT_SHEET, Someone, plant

# The module's planted and tester workbooks are built once, on one worker (--dist loadgroup).
pytestmark = pytest.mark.xdist_group("purge")

# Two 2019 candidates get surnames no one else in the demo has, so their surname alone identifies them
# (the demo's other surnames are shared with kept candidates or company representatives).
UNIQUE = {"C2019-01": "Quiroga-Texeira", "C2019-08": "O'Malley & <Fils>"}
PURGE = ["purger", "--avant", "2020", "--oui"]


def people(path, years) -> list[Someone]:
    with open_workbook(path, write=False) as book:
        candidates = book.read(c.CANDIDATES)
    rows = candidates[candidates.session.isin(years)]
    return [Someone(r.Index, r.id, r.first_name, r.last_name, r.ecrou, r.birth_date.date(), int(r.session))
            for r in rows.itertuples()]


@pytest.fixture(scope="module")
def planted_folder(demo_workbook, tmp_path_factory) -> Path:
    """A folder with the demo workbook, its 2019 and 2027 documents, planted identities, a backup
    and an interrupted save's temporary copy."""
    folder = tmp_path_factory.mktemp("purge") / "classeur"
    folder.mkdir()
    path = folder / demo_workbook.name
    shutil.copy2(demo_workbook, path)
    wb = load_workbook(path)
    ws = wb[c.CANDIDATES.sheet]
    last_name = 1 + c.CANDIDATES.keys.index("last_name")
    for row in range(2, ws.max_row + 1):
        if ws.cell(row, 1).value in UNIQUE:
            ws.cell(row, last_name).value = UNIQUE[ws.cell(row, 1).value]
    wb.save(path)
    for year in (2019, 2027):
        run_on_file(path, "documents", documents, session=year, today=DEMO_TODAY)
    purged, kept = people(path, [2019]), people(path, [2023])[:3]
    owner = next(p for p in purged if p.id == "C2019-01")
    plant(path, purged, kept, owner)
    (folder / "Documents 100 Chances" / "2019" / f"Notes sur {owner.last_name}.txt").write_text(
        f"{owner.full_name}, écrou {owner.ecrou}", encoding="utf-8")
    (folder / BACKUP_FOLDER).mkdir(exist_ok=True)
    shutil.copy2(path, folder / BACKUP_FOLDER / f"{path.stem} 2026-01-05 10-00-00-000000{path.suffix}")
    shutil.copy2(path, folder / f".{path.stem}.ccc-xl-4242.tmp{path.suffix}")
    return folder


@pytest.fixture
def planted(planted_folder, tmp_path) -> Path:
    folder = tmp_path / "classeur"
    shutil.copytree(planted_folder, folder)
    return folder / "100-chances-demo.xlsx"


def kept_values(path, purged_years=(2019,)) -> set[str]:
    """Names and contacts of the rows a purge keeps (casefolded): a company representative of 2023
    may be a namesake of a 2019 detainee, and keeps his name."""
    found = set()
    with open_workbook(path, write=False) as book:
        candidates = book.read(c.CANDIDATES)
        purged_ids = set(candidates[candidates.session.isin(purged_years)].id)
        for table in c.INPUT_TABLES:
            rows = book.read(table)
            if "session" in rows.columns:
                rows = rows[~rows.session.isin(purged_years)]
            if "participant" in rows.columns:
                rows = rows[~rows.participant.isin(purged_ids)]
            for column in table.columns:
                if column.identifying and column.kind is c.Kind.TEXT and column.key != "notes":
                    found |= {str(v).casefold() for v in rows[column.key].dropna()}
    return found


def secrets_of(person: Someone, kept: set[str] = frozenset()) -> list[re.Pattern]:
    """What identifies a person, as an independent reader would look for it in text (a name that a
    kept row holds too is that row's, not the purged person's)."""
    texts = [f"{person.first_name} {person.last_name}", f"{person.last_name} {person.first_name}",
             f"{person.birth_date:%d/%m/%Y}", f"{person.birth_date:%Y-%m-%d}"]
    if person.last_name in UNIQUE.values():
        texts.append(person.last_name)
    texts = [t for t in texts if t.casefold() not in kept]
    patterns = [re.compile(r"(?<![^\W_])" + re.escape(t) + r"(?![^\W_])", re.IGNORECASE) for t in texts]
    return patterns + [re.compile(r"(?<!\d)" + re.escape(person.ecrou) + r"(?!\d)")]


def texts_of(package: bytes) -> dict[str, list[str]]:
    """Every text and attribute value of every XML part (entities decoded), by part; numbers in
    cells are left out (a date is a number: 43649 is the 4th of July 2019, not an écrou)."""
    found = {}
    with zipfile.ZipFile(io.BytesIO(package)) as archive:
        for name in archive.namelist():
            data = archive.read(name)
            try:
                root = etree.fromstring(data)
            except etree.XMLSyntaxError:
                found[name] = [html.unescape(data.decode("utf-8", "replace"))]
                continue
            values = []
            for element in root.iter():
                if isinstance(element.tag, str):
                    number = element.tag.endswith("}v") and (element.text or "").replace(".", "", 1).isdigit()
                    values += [element.text or "" if not number else "", *element.attrib.values()]
            found[name] = values
    return found


def leaks(path: Path, persons: list[Someone], kept: set[str] = frozenset()) -> list[tuple[str, str]]:
    """(part, ID) for every identity of ``persons`` still in the package (each value is first
    searched with every pattern at once, then, when one matches, with each person's)."""
    patterns = {person.id: secrets_of(person, kept) for person in persons}
    anyone = re.compile("|".join(f"(?{'i' if p.flags & re.IGNORECASE else ''}:{p.pattern})"
                                 for found in patterns.values() for p in found) or "(?!)")
    return [(part, pid) for part, values in texts_of(path.read_bytes()).items() for value in values if anyone.search(value)
            for pid, found in patterns.items() if any(p.search(value) for p in found)]


def test_purge_removes_every_planted_identity_and_proves_it(planted):
    folder = planted.parent
    purged, kept = people(planted, [2019]), people(planted, [2023])[:3]
    homonyms = kept_values(planted)
    planted_before = leaks(planted, purged, homonyms)
    assert planted_before  # the planted identities are there before, found by this very scan
    kept_before = leaks(planted, kept)
    assert any(part.startswith("xl/pivotCache") for part, _ in planted_before)

    result = CliRunner().invoke(main, [PURGE[0], str(planted), *PURGE[1:]])

    assert result.exit_code == 0, result.output
    assert "Contrôle : plus aucun nom" in " ".join(result.output.split())
    for person in purged:  # the command's own output never prints a purged identity
        assert not any(p.search(result.output) for p in secrets_of(person)), person.id
    assert leaks(planted, purged, homonyms) == []
    assert leaks(planted, kept) == kept_before  # kept people keep their data everywhere

    wb = load_workbook(planted)
    candidates = wb[c.CANDIDATES.sheet]
    header = [cell.value for cell in candidates[1]]
    column = header.index(ADVISER_COLUMN) + 1
    assert all(candidates.cell(p.row, column).value is None for p in purged)
    assert all(candidates.cell(p.row, column).value for p in kept)
    assert candidates.cell(purged[0].row, 2).comment.text == scrub.NOTE_ERASED
    assert purged[1].id in candidates.cell(kept[0].row, 2).comment.text
    assert candidates.cell(kept[1].row, 2).comment.text == "Très motivé."
    notes = wb[ADVISER_SHEET]
    assert notes["A1"].value.startswith("C2019-01 ") and notes["A2"].value is None and notes["A4"].value is None
    assert notes["A3"].value == f"Rappeler {kept[0].full_name} lundi"
    assert "Contact_C2019_01" in wb.defined_names and wb.defined_names["Contact_C2019_01"].attr_text == f"'{ADVISER_SHEET}'!$A$1"

    with zipfile.ZipFile(planted) as archive:
        definition = etree.fromstring(archive.read("xl/pivotCache/pivotCacheDefinition1.xml"))
        records = etree.fromstring(archive.read("xl/pivotCache/pivotCacheRecords1.xml"))
    assert definition.get("refreshOnLoad") == "1"
    assert int(records.get("count")) == len(records) == len(kept)

    documents = folder / c.DOCUMENTS_FOLDER
    assert not (documents / "2019").exists() and any((documents / "2027").rglob("*.docx"))
    assert not list((folder / BACKUP_FOLDER).glob("*")) and not list(folder.glob(".*.tmp.xlsx"))

    # Independent readers open the result: LibreOffice shows the pivot's sheet without a 2019 name.
    shown = libreoffice_sheets(planted, folder.parent / "csv", names=(PIVOT_SHEET, ADVISER_SHEET))
    flat = "\n".join(",".join(row) for row in shown[PIVOT_SHEET])
    assert UNIQUE["C2019-01"] not in flat and UNIQUE["C2019-08"] not in flat
    assert any(f"Rappeler {kept[0].full_name}" in cell for row in shown[ADVISER_SHEET] for cell in row)


def test_what_cannot_be_removed_is_listed_by_place_with_an_error(planted):
    """A sheet named after a detainee (renaming it would break links) and a file named after one in
    another session's folder stay: the command names each place and exits with an error."""
    owner = next(p for p in people(planted, [2019]) if p.id == "C2019-01")
    wb = load_workbook(planted)
    wb.create_sheet(f"Suivi {owner.first_name} {owner.last_name}"[:31])
    wb.save(planted)
    other = planted.parent / c.DOCUMENTS_FOLDER / "2021"
    other.mkdir(parents=True)
    (other / f"{owner.last_name} courrier.txt").write_text("courrier", encoding="utf-8")

    result = CliRunner().invoke(main, [PURGE[0], str(planted), *PURGE[1:]])

    assert result.exit_code == 1, result.output
    output = " ".join(result.output.split())
    assert "Contrôle après la purge : 2 éléments citent encore un détenu purgé" in output
    assert "nom de la feuille « Suivi C2019-01 »" in output
    assert "fichier « Documents 100 Chances/2021/C2019-01 courrier.txt » (nom du fichier)" in output
    assert owner.last_name not in result.output and owner.ecrou not in result.output
    assert "Traceback" not in result.output
    # Everything else was done: the rows, the other places, the folders and the copies.
    assert people(planted, [2019])[0].last_name == "Anonymisé"
    assert not (planted.parent / c.DOCUMENTS_FOLDER / "2019").exists()
    assert not list((planted.parent / BACKUP_FOLDER).glob("*"))


def test_the_preview_names_what_will_go_and_changes_nothing(planted):
    before = planted.read_bytes()
    files = sum(1 for p in (planted.parent / c.DOCUMENTS_FOLDER / "2019").rglob("*") if p.is_file())

    result = CliRunner().invoke(main, ["purger", str(planted), "--avant", "2020"], input="n\n")

    assert result.exit_code == 0, result.output
    output = " ".join(result.output.split())
    assert f"« {ADVISER_COLUMN} »" in output
    assert f"Dossier « Documents 100 Chances/2019 » et ses {files} fichiers" in output and "sera supprimé" in output
    copies = len(list((planted.parent / BACKUP_FOLDER).glob("*.xlsx"))) + 1  # and the interrupted save's
    assert f"{copies} copies du classeur d'avant la purge seront supprimées" in output
    # Each cell outside the purged rows is named, with its text before and after: the adviser sees
    # exactly what will change (the preview is never logged).
    owner, second = people(planted, [2019])[:2]
    assert (f"« {ADVISER_SHEET} », ligne 1, colonne « A » : « {owner.last_name.upper()} {owner.first_name} — écrou "
            f"{owner.ecrou}, né le {owner.birth_date:%d/%m/%Y} » → « C2019-01 — écrou C2019-01, né le (date effacée) »") in output
    assert f"« {ADVISER_SHEET} », ligne 2, colonne « A » : « {second.birth_date:%d/%m/%Y} » → « (vide) »" in output
    assert f"« {ADVISER_SHEET} », ligne 4, colonne « A » : « {int(second.ecrou)} » → « (vide) »" in output
    assert " note" in output
    assert "tableau croisé « TCD_Candidats »" in output and "sera actualisé" in output
    assert re.search(r"\d+ noms? définis? (sera renommé|seront renommés)", output)
    assert "10 lignes seront pseudonymisées" in output
    # Nothing is done yet: the preview never speaks as if it were, nor with « (s) ».
    told = "\n".join(line for line in result.output.splitlines() if "À modifier hors des lignes purgées" not in line)
    assert not re.search(r"(?<!sera )(?<!seront )\b(supprimée?s?|retirée?s?|renommée?s?|effacée?s?|vidée?s?)\b",
                         " ".join(told.split()).replace("leurs valeurs effacées", "")), told
    assert "(s)" not in output
    assert "Abandon" in output and planted.read_bytes() == before
    assert (planted.parent / c.DOCUMENTS_FOLDER / "2019").exists()
    for person in people(planted, [2019]):
        assert not any(p.search(told) for p in secrets_of(person)), person.id


def test_the_purge_in_excel_pseudonymises_when_nothing_lies_outside_the_tables(demo_workbook, tmp_path):
    import xlwings as xw

    from ccc_xl.workbook.gateway import Workbook
    from ccc_xl.workbook.live import LiveBackend
    from xlremote_payload import payload

    path = shutil.copy2(demo_workbook, tmp_path / demo_workbook.name)
    (tmp_path / BACKUP_FOLDER).mkdir()
    backup = shutil.copy2(path, tmp_path / BACKUP_FOLDER / f"{path.stem} 2026-01-05 10-00-00-000000{path.suffix}")
    xlbook = xw.Book(json=payload(path, fullname=str(path)))
    book = Workbook(LiveBackend(xlbook))
    preview = purger(book, before=2020, today=DEMO_TODAY)
    assert preview.data["preview"].startswith("Session à pseudonymiser : 2019.")
    assert "Session 2019 — Candidats : 10 lignes seront pseudonymisées" in preview.data["preview"]
    assert xlbook.json()["actions"] == [] and backup.exists()
    done = purger(book, before=2020, confirm=True, today=DEMO_TODAY)
    assert "Session 2019 pseudonymisée" in done.summary and "Candidats : 10 lignes pseudonymisées" in " ".join(done.lines) and any("Ctrl+S" in line for line in done.lines)
    assert xlbook.json()["actions"] and not backup.exists()


def test_the_purge_in_excel_refuses_when_notes_or_pivots_cite_a_detainee(planted):
    import xlwings as xw

    from ccc_xl.report import CommandError
    from ccc_xl.workbook.gateway import Workbook
    from ccc_xl.workbook.live import LiveBackend
    from xlremote_payload import payload

    xlbook = xw.Book(json=payload(planted, fullname=str(planted)))
    with pytest.raises(CommandError, match="fermez le classeur") as refused:
        purger(Workbook(LiveBackend(xlbook)), before=2020, confirm=True, today=DEMO_TODAY)
    assert "tableau croisé « TCD_Candidats »" in refused.value.message and " note" in refused.value.message
    assert f"feuille « {ADVISER_SHEET} » : 3 cellules" in refused.value.message  # places only: the refusal is logged
    for person in people(planted, [2019]):
        assert not any(p.search(refused.value.message) for p in secrets_of(person)), person.id
    assert xlbook.json()["actions"] == []
    assert (planted.parent / c.DOCUMENTS_FOLDER / "2019").exists()


# --- The package scrubber on parts openpyxl does not keep -------------------------------------

THREADED = "http://schemas.microsoft.com/office/spreadsheetml/2018/threadedcomments"
CHART = "http://schemas.openxmlformats.org/drawingml/2006/chart"
DRAWING = "http://schemas.openxmlformats.org/drawingml/2006/spreadsheetDrawing"
DML = "http://schemas.openxmlformats.org/drawingml/2006/main"


def with_parts(path: Path, person: Someone) -> bytes:
    """The workbook's package plus a header, a threaded comment, custom XML, a chart cache and a
    drawing's text box split over two runs, each holding ``person``'s identity."""
    wb = load_workbook(path)
    wb[c.PARTNERS.sheet].oddHeader.center.text = person.full_name
    buffer = io.BytesIO()
    wb.save(buffer)
    source = zipfile.ZipFile(buffer)
    parts = {name: source.read(name) for name in source.namelist()}
    sheets = scrub.Package(buffer.getvalue()).sheets
    candidates = next(part for part, name in sheets.items() if name == c.CANDIDATES.sheet)
    folder, name = candidates.rsplit("/", 1)
    threaded = (f'<ThreadedComments xmlns="{THREADED}"><threadedComment ref="B3" id="{{1}}" personId="{{2}}">'
                f"<text>Voir {html.escape(person.full_name)} (écrou {person.ecrou})</text></threadedComment></ThreadedComments>")
    parts["xl/threadedComments/threadedComment1.xml"] = threaded.encode()
    rels = parts[f"{folder}/_rels/{name}.rels"].decode()
    parts[f"{folder}/_rels/{name}.rels"] = rels.replace("</Relationships>", (
        '<Relationship Id="rIdTc" Type="http://schemas.microsoft.com/office/2017/10/relationships/threadedComment" '
        'Target="/xl/threadedComments/threadedComment1.xml"/></Relationships>')).encode()
    parts["customXml/item1.xml"] = (f"<dossier><nom>{html.escape(person.last_name)}</nom>"
                                    f"<naissance>{person.birth_date:%d.%m.%Y}</naissance></dossier>").encode()

    chart = etree.fromstring(parts["xl/charts/chart1.xml"])
    series = chart.find(f".//{{{CHART}}}ser")
    names = etree.SubElement(series.find(f"{{{CHART}}}tx/{{{CHART}}}strRef"), f"{{{CHART}}}strCache")
    etree.SubElement(names, f"{{{CHART}}}ptCount", val="1")
    etree.SubElement(etree.SubElement(names, f"{{{CHART}}}pt", idx="0"), f"{{{CHART}}}v").text = person.full_name
    dates = etree.SubElement(series.find(f"{{{CHART}}}cat/{{{CHART}}}numRef"), f"{{{CHART}}}numCache")
    etree.SubElement(dates, f"{{{CHART}}}formatCode").text = "dd/mm/yyyy"
    etree.SubElement(dates, f"{{{CHART}}}ptCount", val="1")
    serial = (person.birth_date - dt.date(1899, 12, 30)).days
    etree.SubElement(etree.SubElement(dates, f"{{{CHART}}}pt", idx="0"), f"{{{CHART}}}v").text = str(serial)
    parts["xl/charts/chart1.xml"] = etree.tostring(chart)

    drawing = etree.fromstring(parts["xl/drawings/drawing1.xml"])
    anchor = etree.SubElement(drawing, f"{{{DRAWING}}}oneCellAnchor")
    start = etree.SubElement(anchor, f"{{{DRAWING}}}from")
    for tag in ("col", "colOff", "row", "rowOff"):
        etree.SubElement(start, f"{{{DRAWING}}}{tag}").text = "0"
    etree.SubElement(anchor, f"{{{DRAWING}}}ext", cx="100", cy="100")
    shape = etree.SubElement(anchor, f"{{{DRAWING}}}sp")
    properties = etree.SubElement(shape, f"{{{DRAWING}}}nvSpPr")
    etree.SubElement(properties, f"{{{DRAWING}}}cNvPr", id="99", name="Zone de texte")
    etree.SubElement(properties, f"{{{DRAWING}}}cNvSpPr", txBox="1")
    etree.SubElement(shape, f"{{{DRAWING}}}spPr")
    body = etree.SubElement(shape, f"{{{DRAWING}}}txBody")
    etree.SubElement(body, f"{{{DML}}}bodyPr")
    paragraph = etree.SubElement(body, f"{{{DML}}}p")
    for text in (f"{person.first_name} ", person.last_name):  # two runs: the name is split
        etree.SubElement(etree.SubElement(paragraph, f"{{{DML}}}r"), f"{{{DML}}}t").text = text
    etree.SubElement(anchor, f"{{{DRAWING}}}clientData")
    parts["xl/drawings/drawing1.xml"] = etree.tostring(drawing)
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for part, data in parts.items():
            archive.writestr(part, data)
    return out.getvalue()


def test_the_scrubber_reaches_comments_custom_xml_headers_charts_and_drawings(demo_workbook, tmp_path):
    person = Someone(0, "C2019-05", "Zoé", "Wolfsohn-Ézéchiel", "E-998877", dt.date(2001, 7, 14), 2019)
    identities = Identities([Person(person.id, person.first_name, person.last_name, person.ecrou, person.birth_date)])
    package = with_parts(demo_workbook, person)
    residues = scrub.scan(package, identities)
    places = {r.place.split(" (")[0] for r in residues}
    assert {"feuille « Candidats », commentaire de la cellule B3", "données XML personnalisées",
            "feuille « Partenaires », en-tête ou pied de page"} <= places, places
    assert any(p.startswith("feuille « Indicateurs », graphique") for p in places), places
    assert any(p.startswith("feuille « Indicateurs », dessin") for p in places), places
    whats = {r.what for r in residues}
    assert {f"{NAME} de C2019-05", f"{ECROU} de C2019-05", f"{BIRTH_DATE} de C2019-05"} <= whats

    cleaned, changes = scrub.scrub(package, identities)
    assert changes and scrub.scan(cleaned, identities) == []
    assert [p for p, _ in leaks_in(cleaned, person)] == []
    # Only the parts that held an identity were rewritten; the others are the same bytes.
    before, after = zipfile.ZipFile(io.BytesIO(package)), zipfile.ZipFile(io.BytesIO(cleaned))
    rewritten = {n for n in before.namelist() if before.read(n) != after.read(n)}
    partners = next(part for part, name in scrub.Package(package).sheets.items() if name == c.PARTNERS.sheet)
    assert rewritten == {"xl/threadedComments/threadedComment1.xml", "customXml/item1.xml", partners,
                         "xl/charts/chart1.xml", "xl/drawings/drawing1.xml"}
    (tmp_path / "nettoye.xlsx").write_bytes(cleaned)
    assert load_workbook(tmp_path / "nettoye.xlsx").sheetnames == load_workbook(demo_workbook).sheetnames


def leaks_in(package: bytes, person: Someone):
    return [(part, v) for part, values in texts_of(package).items() for v in values
            if any(p.search(v) for p in secrets_of(person))]


def test_a_package_without_purged_identities_is_returned_as_it_was(demo_workbook):
    nobody = Identities([Person("C1900-01", "Personne", "Inconnue-Ailleurs", "ZZ-000001", dt.date(1950, 1, 2))])
    data = demo_workbook.read_bytes()
    assert scrub.scrub(data, nobody)[0] is data and scrub.scan(data, nobody) == []


# --- Identity tokens --------------------------------------------------------------------------

NAMES = st.text(alphabet=st.characters(whitelist_categories=("Lu", "Ll")), min_size=3, max_size=12)
FILLER = st.text(alphabet=st.sampled_from(list("abc xyz,;:()[]-_/'\"\n12")), max_size=20)


@settings(max_examples=200, deadline=None)
@given(first=NAMES, last=NAMES, before=FILLER, after=FILLER, separator=st.sampled_from([" ", "  ", "_", "-", ", "]),
       upper=st.booleans())
def test_a_full_name_is_found_whatever_its_case_and_separator(first, last, before, after, separator, upper):
    if fold(first) == fold(last) or any(fold(n.upper()) != fold(n) for n in (first, last)):
        return  # the same word twice, or a letter whose capital is another word (ß → SS)
    if {fold(first), fold(last)} & set(re.split(r"\W+", fold(f"{before} {after}"))):
        return  # the filler holds one of the names too: « aax AAA AAX » is rightly found as « aax AAA »
    identities = Identities([Person("C2019-01", first, last)], kept=[last])  # surname alone not looked for
    name = f"{last}{separator}{first}".upper() if upper else f"{first}{separator}{last}"
    text = f"{before} {name} {after}"
    hits = [h for h in identities.find(text) if h.kind == NAME]
    assert hits and text[hits[0].start:hits[0].end].casefold() == name.casefold()
    assert identities.replace(text).count("C2019-01") >= 1
    assert not [h for h in identities.find(f"x{first}{last}y") if h.kind == NAME]  # inside a longer word


@settings(max_examples=100, deadline=None)
@given(day=st.dates(min_value=dt.date(1960, 1, 1), max_value=dt.date(2010, 12, 31)))
def test_a_birth_date_is_found_in_every_common_form(day):
    identities = Identities([Person("C2019-02", "Léa", "Dupont-Aignan", "", day)])
    months = ["janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre", "octobre",
              "novembre", "décembre"]
    for text in (f"{day:%d/%m/%Y}", f"{day.day}/{day.month}/{day:%y}", f"{day:%Y-%m-%d}T00:00:00", f"{day:%d.%m.%Y}",
                 f"{day:%d-%m-%Y}", f"né le {day.day} {months[day.month - 1]} {day.year}"):
        assert [h.kind for h in identities.find(text)] == [BIRTH_DATE], text
    serial = (day - dt.date(1899, 12, 30)).days
    assert identities.serial_owner(serial) == identities.serial_owner(f"{serial}.25") == "C2019-02"
    assert identities.find(f"{day:%d/%m/%Y}1") == []


def test_names_still_used_by_kept_rows_are_not_looked_for_alone():
    identities = Identities([Person("C2019-03", "Jean", "Martin", "45123"), Person("C2019-04", "Lina", "Zerrouki")],
                            kept=["Paul Martin"], ignored=["Formation"])
    assert [h.kind for h in identities.find("Rappeler Martin")] == []  # Paul Martin is kept: not this person's
    assert [h.kind for h in identities.find("Jean MARTIN, écrou 45123")] == [NAME, ECROU]
    assert [(h.owner, h.kind) for h in identities.find("Mme Zerrouki")] == [("C2019-04", LAST_NAME)]
    assert identities.number_owner("45123.0") == "C2019-03" and identities.number_owner("45123.5") is None
    same_person = Identities([Person("C2019-05", "Noé", "Vidal", "77", dt.date(2000, 1, 2))],
                             kept=["Noé Vidal"], kept_dates=[dt.date(2000, 1, 2)])
    assert same_person.find("Noé Vidal, né le 02/01/2000") == []  # came back in a kept session


def test_identities_in_the_journal_and_free_text_of_kept_rows_are_scrubbed_too(demo_copy):
    """A kept row's observation citing a purged detainee loses the name (the package pass)."""
    purged = people(demo_copy, [2019])[0]
    with open_workbook(demo_copy) as book:
        candidates = book.read(c.CANDIDATES)
        kept_row = candidates[candidates.session == 2023].iloc[[0]]
        book.rewrite_input(c.CANDIDATES, kept_row.assign(notes=f"Ancien codétenu de {purged.full_name}"), ["notes"])
    outcome = run_on_file(demo_copy, "purger", purger, before=2020, confirm=True, today=DEMO_TODAY)
    assert outcome.data["residues"] == []
    with open_workbook(demo_copy, write=False) as book:
        after = book.read(c.CANDIDATES)
    assert after.loc[kept_row.index[0], "notes"] == f"Ancien codétenu de {purged.id}"
    assert after.loc[kept_row.index[0], "last_name"] == kept_row.last_name.iloc[0]
    assert after.groupby("session").size().equals(candidates.groupby("session").size())


def test_the_journal_keeps_no_unreadable_value_nor_text_of_a_purged_row(demo_copy):
    """An unreadable birth date of a 2019 row reaches the Journal through a command's anomalies, and
    an older line quotes that row's note from when the row was elsewhere; after the purge no
    Journal message quotes either (the purge's own lines neither), while a kept row's stays."""
    from ccc_xl.commands import indicateurs
    from ccc_xl.report import Anomaly

    wb = load_workbook(demo_copy)
    ws = wb[c.CANDIDATES.sheet]
    column = {key: 1 + c.CANDIDATES.keys.index(key) for key in ("birth_date", "notes", "session")}
    rows = {year: next(r for r in range(2, ws.max_row + 1) if ws.cell(r, column["session"]).value == year) for year in (2019, 2023)}
    purged_date, kept_date, note = "31/13/1997", "32/01/2000", "Rencontré au parloir, son frère tient le garage"
    ws.cell(rows[2019], column["birth_date"]).value = purged_date
    ws.cell(rows[2023], column["birth_date"]).value = kept_date
    ws.cell(rows[2019], column["notes"]).value = note
    wb.save(demo_copy)
    with open_workbook(demo_copy) as book:  # a line written when the row was 7 rows lower
        book.log("suivi", "Suivi", anomalies=[Anomaly(c.CANDIDATES.sheet, rows[2019] + 7, "Observations", note,
                                                      f"« {note} » : texte trop long pour le tableau de bord.")])
    run_on_file(demo_copy, "indicateurs", indicateurs, today=DEMO_TODAY)

    def messages() -> list[str]:
        with open_workbook(demo_copy, write=False) as book:
            return [str(m) for m in book.read(c.JOURNAL).message.dropna()]

    before = " ".join(messages())
    assert purged_date in before and kept_date in before and note in before  # the test can fail

    outcome = run_on_file(demo_copy, "purger", purger, before=2020, confirm=True, today=DEMO_TODAY)
    assert any("Journal" in line and "rendues anonymes" in line for line in outcome.lines)
    after = " ".join(messages())
    assert purged_date not in after and note not in after and "Rencontré au parloir" not in after
    assert kept_date in after  # a kept row's anomaly is the adviser's to fix: it stays
    assert "(valeur effacée par la purge)" in after


def test_the_purge_clears_a_visitors_identity_of_a_session_past_its_retention_and_keeps_the_rest(demo_workbook, tmp_path):
    """A visitor of 2019 (past its five years) loses name, birth, nationality and identity document,
    everywhere in the file; the row's other cells and every visitor of the kept sessions stay as
    they were."""
    path = tmp_path / demo_workbook.name
    shutil.copy2(demo_workbook, path)
    planted_visitors = [
        [2019, "Quintanilla-Vasseur", "Bérénice", "Représentant d'entreprise", "E-2019-77", "Boulangerie « Au Fournil »",
         dt.datetime(1971, 2, 3), "Saint-Affrique", "andorrane", "Passeport", "ZX4471902", True, None, True, True],
        [2019, "O'Kelly & <Fils>", "Anselme", "Coach", None, "Coaching Anselme", dt.datetime(1968, 9, 14),
         "Ploumanac'h", "irlandaise", "Carte nationale d'identité", "IE77120934", None, True, None, None],
    ]
    with open_workbook(path) as book:
        book.backend.append_rows(c.VISITORS, planted_visitors)
    with open_workbook(path, write=False) as book:
        before = book.read(c.VISITORS)
    secrets = ["Quintanilla-Vasseur", "Saint-Affrique", "ZX4471902", "andorrane", "O'Kelly & <Fils>",
               "Ploumanac'h", "IE77120934", "irlandaise"]
    found = lambda: {s for values in texts_of(path.read_bytes()).values() for v in values for s in secrets if s in v}
    assert found() == set(secrets)

    result = CliRunner().invoke(main, [PURGE[0], str(path), *PURGE[1:]])

    assert result.exit_code == 0, result.output
    assert found() == set()
    with open_workbook(path, write=False) as book:
        after = book.read(c.VISITORS)
    assert list(after.index) == list(before.index)  # no row lost
    purged = before.session == 2019
    identifying = [col.key for col in c.VISITORS.columns if col.identifying]
    assert {"last_name", "first_name", "birth_date", "birth_place", "nationality", "id_type", "id_number"} <= set(identifying)
    for key in identifying:
        for old, new in zip(before.loc[purged, key], after.loc[purged, key]):
            assert new != old or old is None
    kept_columns = [col.key for col in c.VISITORS.columns if not col.identifying]
    assert after.loc[purged, kept_columns].astype(str).equals(before.loc[purged, kept_columns].astype(str))
    assert after.loc[~purged].astype(str).equals(before.loc[~purged].astype(str))
    assert (~purged).sum() >= 29  # the demo's visitors of 2026 and 2027


# --- A new adviser's first purge: kept organisations, IDs typed by hand, generated sheets -------

TESTER_NAMES = {"C2019-02": ("Martin", "Seán"), "C2019-03": ("Léger", "Kévin 😀"), "C2019-06": ("Dupont", None),
                "C2019-09": ("Rouxel", None)}
KEPT_NOTE = "Rappeler Martin, vu rue Saint-Martin chez Boulangerie Martin & Fils"
ODD_NOTE = 'Point <plan> & "suite" 🙂'
UNREADABLE = {c.CANDIDATES: ("application_date", "début mars"), c.PLANS: ("deadline", "fin juin ??"),
              c.FOLLOWUP: ("date", "le 3 du mois"), c.PATHWAYS: ("situation_6m", "Intérim ?")}


def _rows(ws, table: c.Table, key: str, wanted) -> list[int]:
    column = 1 + table.keys.index(key)
    return [r for r in range(2, ws.max_row + 1) if wanted(ws.cell(r, column).value)]


def _set(ws, table: c.Table, row: int, key: str, value) -> None:
    ws.cell(row, 1 + table.keys.index(key)).value = value


@pytest.fixture(scope="module")
def tester_folder(demo_workbook, tmp_path_factory) -> dict:
    """The demo as the tester had it: 2019 detainees named like kept companies and places, IDs
    typed by hand in Suivi, unreadable cells in purged rows, and the generated sheets (rotations,
    documents, follow-up alerts) of the session that will be purged."""
    from ccc_xl.commands import rotations, suivi

    folder = tmp_path_factory.mktemp("tester") / "classeur"
    folder.mkdir()
    path = Path(shutil.copy2(demo_workbook, folder / demo_workbook.name))
    wb = load_workbook(path)
    ws = wb[c.CANDIDATES.sheet]
    for row in range(2, ws.max_row + 1):
        pid = ws.cell(row, 1).value
        if pid in TESTER_NAMES:
            last, first = TESTER_NAMES[pid]
            _set(ws, c.CANDIDATES, row, "last_name", last)
            if first:
                _set(ws, c.CANDIDATES, row, "first_name", first)
    kept_row = _rows(ws, c.CANDIDATES, "session", lambda v: v == 2023)[0]
    _set(ws, c.CANDIDATES, kept_row, "notes", KEPT_NOTE)
    current_row = _rows(ws, c.CANDIDATES, "session", lambda v: v == 2027)[0]
    _set(ws, c.CANDIDATES, current_row, "application_date", "bientôt")  # a kept row's problem: still reported
    unreadable = {}
    for table, (key, value) in UNREADABLE.items():
        sheet = wb[table.sheet]
        owner = "session" if table is c.CANDIDATES else "participant"
        row = _rows(sheet, table, owner, lambda v: v in (2019, "C2019-04"))[0]
        _set(sheet, table, row, key, value)
        unreadable[table.sheet] = row
    ws = wb[c.COMPANIES.sheet]
    _set(ws, c.COMPANIES, _rows(ws, c.COMPANIES, "session", lambda v: v == 2026)[0], "name", "Boulangerie Martin & Fils")
    _set(wb[c.STRUCTURES.sheet], c.STRUCTURES, 2, "address", "3 rue Léger")
    _set(wb[c.PARTNERS.sheet], c.PARTNERS, 11, "organisation", "Garage Dupont et Rouxel")
    ws = wb[c.FOLLOWUP.sheet]
    variants = {"C2019-02": "c2019-02", "C2019-03": "\u00a0C2019 -03 ", "C2019-05": "C2019-05\u202f"}
    typed = {}
    for pid, variant in variants.items():
        row = _rows(ws, c.FOLLOWUP, "participant", lambda v, p=pid: v == p)[0]
        _set(ws, c.FOLLOWUP, row, "participant", variant)
        _set(ws, c.FOLLOWUP, row, "notes", ODD_NOTE)
        typed[row] = pid
    wb.save(path)
    run_on_file(path, "rotations", rotations, session=2019)
    run_on_file(path, "documents", documents, session=2019, today=DEMO_TODAY)
    run_on_file(path, "suivi", suivi, today=dt.date(2019, 12, 16))
    return {"folder": folder, "path": path, "unreadable": unreadable, "typed": typed, "kept_row": kept_row,
            "current_row": current_row}


def _purged_first_names(path) -> dict[str, str]:
    with open_workbook(path, write=False) as book:
        candidates = book.read(c.CANDIDATES)
    return dict(zip(candidates[candidates.session == 2019].id, candidates[candidates.session == 2019].first_name))


@pytest.fixture(scope="module")
def purged_tester(tester_folder, tmp_path_factory) -> dict:
    """The tester's workbook after « purger --avant 2020 »: preview answered no, then --oui."""
    folder = tmp_path_factory.mktemp("purged-tester") / "classeur"
    shutil.copytree(tester_folder["folder"], folder)
    path = folder / tester_folder["path"].name
    with open_workbook(path, write=False) as book:
        before = {t.name: book.read(t) for t in (c.CANDIDATES, c.FOLLOWUP, c.ALERTS)}
    first_names = _purged_first_names(path)
    preview = CliRunner().invoke(main, ["purger", str(path), "--avant", "2020"], input="n\n")
    done = CliRunner().invoke(main, [PURGE[0], str(path), *PURGE[1:]])
    return {**tester_folder, "folder": folder, "path": path, "preview": preview, "done": done, "before": before,
            "first_names": first_names}


def _cells(wb, sheet: str) -> list[tuple[str, object]]:
    """The filled cells of a sheet of ``wb`` (loaded once per test: each load reads the whole workbook)."""
    return [(cell.coordinate, cell.value) for row in wb[sheet].iter_rows() for cell in row if cell.value is not None]


def _values(wb, sheet: str) -> list[str]:
    return [str(v) for _, v in _cells(wb, sheet)]


def test_kept_organisations_are_never_rewritten_and_names_alone_are_whole_words(purged_tester):
    path, done, preview = purged_tester["path"], purged_tester["done"], purged_tester["preview"]
    assert preview.exit_code == 0 and done.exit_code == 0, done.output
    output = " ".join(done.output.split())
    assert "Contrôle : plus aucun nom" in output
    wb = load_workbook(path)
    # Organisations, companies, addresses and partners keep the words that are purged surnames, in every session.
    assert _values(wb, c.COMPANIES.sheet).count("Boulangerie Martin & Fils") >= 2
    assert "3 rue Léger" in _values(wb, c.STRUCTURES.sheet)
    assert "Garage Dupont et Rouxel" in _values(wb, c.PARTNERS.sheet)
    for sheet in (c.BINOMES_SHEET.name, c.INTERVIEWS_SHEET.name, c.PLANNING_SHEET.name):
        assert any("Boulangerie Martin & Fils" in v for v in _values(wb, sheet)), sheet
    assert not any(re.search(r"C2019-\d\d (&|et) ", v) or "rue C2019" in v
                   for sheet in wb.sheetnames for v in _values(wb, sheet))
    # A kept free-text cell: the surname alone is replaced as a whole word only.
    with open_workbook(path, write=False) as book:
        note = book.read(c.CANDIDATES).loc[purged_tester["kept_row"], "notes"]
    assert note == "Rappeler C2019-02, vu rue Saint-Martin chez Boulangerie Martin & Fils"
    # The preview showed that cell, before and after; the summary says what was kept and why.
    shown = " ".join(preview.output.split())
    assert (f"« Candidats », ligne {purged_tester['kept_row']}, colonne « Observations » : « {KEPT_NOTE} » → « {note} »"
            in shown)
    assert "Gardés tels quels" in output and "Raison sociale" in output and "pas la personne" in output
    # The name shown in the preview is never logged.
    assert KEPT_NOTE not in done.output
    assert not any("Rappeler Martin" in v for v in _values(wb, c.JOURNAL.sheet))


def test_ids_typed_in_another_case_or_with_spaces_are_purged(purged_tester):
    before, path = purged_tester["before"][c.FOLLOWUP.name], purged_tester["path"]
    ids = set(purged_tester["first_names"])
    with open_workbook(path, write=False) as book:
        after = book.read(c.FOLLOWUP)
    for row, pid in purged_tester["typed"].items():
        assert pid in ids and before.loc[row, "notes"] == ODD_NOTE
        assert pd.isna(after.loc[row, "notes"]) and pd.isna(after.loc[row, "adviser"]), row
    purged = before.participant.str.upper().str.replace(r"\s", "", regex=True).isin(ids).sum()
    assert f"Session 2019 — Suivi : {purged} lignes pseudonymisées" in " ".join(purged_tester["done"].output.split())


def test_after_the_purge_no_command_reports_a_purged_row(purged_tester, tmp_path):
    from ccc_xl.commands import eligibilite, indicateurs, suivi

    folder = tmp_path / "classeur"
    shutil.copytree(purged_tester["folder"], folder)
    path = folder / purged_tester["path"].name
    with open_workbook(path, write=False) as book:
        candidates = book.read(c.CANDIDATES)
        purged = {c.CANDIDATES.sheet: set(candidates.index[candidates.session == 2019])}
        for table in (c.PLANS, c.FOLLOWUP, c.PATHWAYS, c.DEBRIEFING):
            frame = book.read(table)
            purged[table.sheet] = set(frame.index[frame.participant.str.upper().str.strip().str.startswith("C2019")])
        for table, (key, _) in UNREADABLE.items():  # the unreadable cells were emptied
            assert pd.isna(book.read(table).loc[purged_tester["unreadable"][table.sheet], key])
    assert all(purged_tester["unreadable"][sheet] in rows for sheet, rows in purged.items() if sheet in purged_tester["unreadable"])
    outcomes = [run_on_file(path, "eligibilite", eligibilite, today=DEMO_TODAY),
                run_on_file(path, "suivi", suivi, today=DEMO_TODAY),
                run_on_file(path, "indicateurs", indicateurs, today=DEMO_TODAY)]
    anomalies = [a for outcome in outcomes for a in outcome.anomalies]
    assert [a for a in anomalies if a.row in purged.get(a.sheet, ())] == []
    assert any(a.row == purged_tester["current_row"] and "bientôt" in a.message for a in anomalies)  # a kept row's is still said
    assert "valeur effacée" not in purged_tester["done"].output


def test_generated_sheets_of_a_purged_session_keep_no_first_name(purged_tester):
    path, names = purged_tester["path"], purged_tester["first_names"]
    alerts = purged_tester["before"][c.ALERTS.name]
    assert set(alerts.participant) & set(names)  # the Tableau de bord spoke of 2019 participants
    patterns = {pid: re.compile(r"(?<!\w)" + re.escape(name) + r"(?!\w)") for pid, name in names.items()}
    wb = load_workbook(path)
    for sheet in (g.name for g in c.GENERATED_SHEETS):
        for ref, value in _cells(wb, sheet):
            found = [pid for pid, pattern in patterns.items() if isinstance(value, str) and pattern.search(value)]
            assert not found, (sheet, ref, value)
    planning = [v for _, v in _cells(wb, c.PLANNING_SHEET.name) if isinstance(v, str) and v.startswith("C2019-")]
    with open_workbook(path, write=False) as book:
        assert len(planning) == len(book.read(c.INTERVIEWS))  # one ID per interview in the grid
    assert scrub.links_of(path.read_bytes(), c.DOCUMENTS_SHEET.name) == []
    assert "supprimés par « ccc-xl purger »" in " ".join(_values(wb, c.DOCUMENTS_SHEET.name))
    with open_workbook(path, write=False) as book:
        dashboard = book.read(c.ALERTS)
    mine = dashboard[dashboard.participant.isin(names)]
    assert len(mine) and (mine.first_name == mine.participant).all() and mine.adviser.isna().all()


def test_a_row_no_session_claims_stops_the_purge_and_is_named(demo_copy):
    """A Suivi row whose ID matches no candidate may be a purged detainee's: the purge cannot say all
    is clean, so it names the row and does nothing until the adviser fixes it."""
    wb = load_workbook(demo_copy)
    ws = wb[c.FOLLOWUP.sheet]
    row = _rows(ws, c.FOLLOWUP, "participant", lambda v: v == "C2019-05")[0]
    _set(ws, c.FOLLOWUP, row, "participant", "C2O19-05")  # a letter O for the zero: no candidate has it
    wb.save(demo_copy)
    before = people(demo_copy, [2019])

    for args in (["purger", str(demo_copy), "--avant", "2020"], [PURGE[0], str(demo_copy), *PURGE[1:]]):
        result = CliRunner().invoke(main, args, input="o\n")
        output = " ".join(result.output.split())
        assert result.exit_code == 1, result.output
        assert "1 ligne n’est rattachée à aucune session" in output and f"Suivi, ligne {row} : « ID participant »" in output
        assert "Rien n'a été modifié" in output and "Traceback" not in output
    assert people(demo_copy, [2019]) == before  # nobody was pseudonymised
    assert load_workbook(demo_copy)[c.FOLLOWUP.sheet].cell(row, 1).value == "C2O19-05"


WORD = st.text(alphabet=st.characters(whitelist_categories=("Lu", "Ll")), min_size=3, max_size=10)


@settings(max_examples=150, deadline=None)
@given(surname=WORD, first=WORD, before=WORD, after=WORD, joiner=st.sampled_from(["-", "'", "’", ""]),
       side=st.booleans())
def test_a_name_alone_inside_an_organisation_or_a_longer_word_is_not_the_person(surname, first, before, after,
                                                                                   joiner, side):
    from ccc_xl.retention import Detainee, Phrases

    words_ = {fold(w) for w in (surname, first, before, after)}
    if len(words_) < 4 or any(fold(w.upper()) != fold(w) for w in (surname, first, before, after)):
        return
    company = f"{before} {surname} & {after}"
    identities = Identities([Person("C2019-01", first, surname)], organisations=[company])
    detainee = Detainee.of("C2019-01", pd.Series({"last_name": surname, "first_name": first, "ecrou": ""}),
                           Phrases([company]))
    compound = f"{before}{joiner}{surname}" if side else f"{surname}{joiner}{after}"
    for text in (company, f"Stage chez {company}.", compound, f"vu {compound} hier"):
        assert identities.find(text) == [] and detainee.scrub(text) == text, text
    assert [h.kind for h in identities.shielded(f"Stage chez {company}.")] == [LAST_NAME]
    alone = f"Rappeler {surname} ({after})"
    assert identities.replace(alone) == detainee.scrub(alone) == f"Rappeler C2019-01 ({after})"
    full = f"{first} {surname} chez {company}"
    assert identities.replace(full) == f"C2019-01 chez {company}"


@pytest.fixture(scope="module")
def demo_frames(demo_workbook):
    from ccc_xl import retention

    with open_workbook(demo_workbook, write=False) as book:
        return {t.name: book.read_optional(t) for t in (*retention.PURGED_TABLES, c.JOURNAL)}


SPACES = st.sampled_from([" ", "\u00a0", "\u202f", "\t", ""])


@settings(max_examples=40, deadline=None)
@given(upper=st.lists(st.booleans(), min_size=8, max_size=8), spaces=st.lists(SPACES, min_size=3, max_size=3),
       data=st.data())
def test_participant_ids_are_matched_whatever_their_case_and_spaces(demo_frames, upper, spaces, data):
    from ccc_xl.retention import participant_key, plan_purge

    followup = demo_frames[c.FOLLOWUP.name]
    rows = followup.index[followup.participant.str.startswith("C2019")]
    row = data.draw(st.sampled_from(list(rows)))
    pid = followup.at[row, "participant"]
    typed = "".join(ch.upper() if up else ch.lower() for ch, up in zip(pid, upper))
    typed = f"{spaces[0]}{typed[:5]}{spaces[1]}{typed[5:]}{spaces[2]}"
    assert participant_key(typed) == participant_key(pid)
    frames = {**demo_frames, c.FOLLOWUP.name: followup.assign(participant=followup.participant.where(followup.index != row, typed))}
    plan = plan_purge(frames, 2020, DEMO_TODAY)
    change = next(ch for ch in plan.changes if ch.table is c.FOLLOWUP)
    assert row in change.inputs.index and change.inputs.at[row, "notes"] is None
    assert plan.unattached == []


def test_places_outside_the_cells_are_named_for_the_adviser(demo_workbook, tmp_path):
    """A link whose address names a detainee (%20 for the spaces) is found, cleaned, and its place
    is said as the adviser sees it, not as a part of the file."""
    person = Someone(0, "C2019-05", "Zoé", "Wolfsohn-Ézéchiel", "E-998877", dt.date(2001, 7, 14), 2019)
    identities = Identities([Person(person.id, person.first_name, person.last_name, person.ecrou, person.birth_date)])
    path = tmp_path / "liens.xlsx"
    wb = load_workbook(demo_workbook)
    ws = wb.create_sheet("Mes liens")
    ws["A1"] = "Dossier"
    ws["A1"].hyperlink = quote(f"Dossiers/Notes {person.first_name} {person.last_name}.docx")  # as Excel writes it
    wb.save(path)
    places = [r.place for r in scrub.scan(path.read_bytes(), identities)]
    assert places == ["feuille « Mes liens », liens (adresses des liens hypertexte et des fichiers liés)"]
    cleaned, changes = scrub.scrub(path.read_bytes(), identities)
    assert scrub.scan(cleaned, identities) == []
    assert not any("xl/" in line for line in changes.lines(done=False) + changes.lines())
    assert scrub.links_of(cleaned, "Mes liens") == ["Dossiers/Notes C2019-05.docx"]


@settings(max_examples=60, deadline=None)
@given(people=st.lists(st.builds(
    Person, st.sampled_from(["C1", "C2", "C3", "C4"]), st.sampled_from(["Léa", "", "Jean Marc"]),
    st.sampled_from(["Martin", "Dupont-Aignan", "Vidal", "", "Li"]), st.sampled_from(["", "45123", "AB 77", "12"]),
    st.one_of(st.none(), st.dates(dt.date(2000, 1, 1), dt.date(2000, 3, 1)))), max_size=8),
    kept=st.lists(st.sampled_from(["Martin", "Paul Vidal", "45123", "Léa Martin"]), max_size=2),
    kept_dates=st.lists(st.dates(dt.date(2000, 1, 1), dt.date(2000, 3, 1)), max_size=2))
def test_identities_of_many_people_are_those_of_each_person_in_turn(people, kept, kept_dates):
    """Tokens looked for (names, écrou, birth dates shared by several people: the first one listed
    owns them; a date serial the last one), as if each person were taken alone in turn."""
    together = Identities(people, kept=kept, kept_dates=kept_dates)
    keys, serials, numbers = {}, {}, {}
    for person in people:
        alone = Identities([person], kept=kept, kept_dates=kept_dates)
        for key, owner in alone.keys.items():
            keys.setdefault(key, owner)
        serials.update(alone.serials)
        numbers.update(alone.numbers)
    assert (together.keys, together.serials, together.numbers) == (keys, serials, numbers)
