"""Checks on the package bytes before a command does any work: the right kind of file, and nothing
that would make ccc-xl's writes impossible or lossy.

The surgical writer (`package.py`) keeps every part ccc-xl does not own, so little is refused: a
file that is not an .xlsx workbook (named for what it is), a protected sheet ccc-xl must write
to, a protected workbook structure when a generated sheet must be replaced, a table whose name
ccc-xl needs elsewhere, and what sits on a generated sheet and would lose its anchor (pivot
tables, slicers, timelines). Each refusal names the object and what to change, in French.
"""

from __future__ import annotations

import io
import posixpath
import re
import zipfile
from dataclasses import dataclass

from lxml import etree

from ..report import CommandError
from .reader import unreadable_if_damaged
from .safety import FileRefused

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
STRICT_MAIN = "http://purl.oclc.org/ooxml/spreadsheetml/main"
DOC_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PKG_REL = "http://schemas.openxmlformats.org/package/2006/relationships"
_PARSER = etree.XMLParser(resolve_entities=False, huge_tree=True, no_network=True)
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


@dataclass(frozen=True)
class Writes:
    """What a command writes in the workbook: cells of ``sheets``, and ``generated`` sheets
    replaced wholesale."""

    sheets: tuple[str, ...] = ()
    generated: tuple[str, ...] = ()


def _what_is(data: bytes) -> tuple[str | None, zipfile.ZipFile | None]:
    """A French description of what ``data`` is when it is not an .xlsx workbook (else None), and
    the package opened as a zip archive when it is one."""
    if not data:
        return "un fichier vide", None
    if data.startswith(OLE_MAGIC):
        return "ole", None
    if data.startswith(b"PK"):
        try:
            archive = zipfile.ZipFile(io.BytesIO(data))
            return _zip_kind(archive), archive
        except zipfile.BadZipFile:
            return "tronqué", None
    head = data[:4096].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if head.startswith((b"<!doctype html", b"<html", b"<table", b"mime-version")) or b"<html" in head[:512]:
        return "une page web (HTML) enregistrée avec une extension Excel", None
    if head.startswith(b"<?xml") and b"urn:schemas-microsoft-com:office:spreadsheet" in data[:20000]:
        return "un classeur « Feuille de calcul XML 2003 »", None
    sample = data[:4096]
    if b"\0" not in sample and (sample.count(b";") + sample.count(b",") + sample.count(b"\t")) >= 1 and b"\n" in sample:
        return "un fichier texte (CSV)", None
    return "un fichier d'un autre format", None


def _zip_kind(archive: zipfile.ZipFile) -> str | None:
    """What a zip archive is when it is not an .xlsx workbook (French), else None."""
    names = set(archive.namelist())
    if "mimetype" in names:
        mime = archive.read("mimetype").decode("ascii", "replace").strip()
        if "opendocument" in mime:
            return "un classeur OpenDocument (.ods, LibreOffice Calc)" if "spreadsheet" in mime else "un document OpenDocument"
    if "xl/workbook.bin" in names:
        return "un classeur binaire Excel (.xlsb)"
    if "word/document.xml" in names:
        return "un document Word"
    if "ppt/presentation.xml" in names:
        return "une présentation PowerPoint"
    if "[Content_Types].xml" not in names:
        return "une archive zip qui n'est pas un classeur Excel"
    return None


def check_file_type(data: bytes, name: str) -> zipfile.ZipFile:
    """Refuse, naming what it is, a file that is not an .xlsx/.xlsm workbook; return the package
    opened as a zip archive (opened once, for this check and for the reader). A part this check
    reads that is damaged inside the zip raises `reader.Unreadable`, as the reader would."""
    with unreadable_if_damaged():
        kind, archive = _what_is(data)
        if kind is None:
            _check_not_strict(archive, name)
            return archive
    if kind == "ole":
        raise CommandError(
            f"« {name} » est un ancien classeur Excel (.xls) : ouvrez-le dans Excel et enregistrez-le au "
            "format .xlsx (Fichier > Enregistrer sous > Classeur Excel)."
        )
    if kind == "tronqué":
        raise CommandError(f"« {name} » n'est pas un classeur Excel .xlsx lisible (fichier vide, tronqué ou d'un autre format).")
    if kind == "un fichier vide":
        raise CommandError(f"« {name} » n'est pas un classeur Excel : c'est un fichier vide. Reprenez la dernière sauvegarde.")
    raise CommandError(
        f"« {name} » n'est pas un classeur Excel .xlsx : c'est {kind}. Ouvrez-le dans Excel et enregistrez-le "
        "au format « Classeur Excel (.xlsx) », puis relancez avec ce fichier."
    )


def _check_not_strict(archive: zipfile.ZipFile, name: str) -> None:
    root = archive.read("_rels/.rels") if "_rels/.rels" in archive.namelist() else b""
    if b"purl.oclc.org/ooxml" in root:
        raise CommandError(
            f"« {name} » est enregistré au format « Feuille de calcul Open XML Strict » : ouvrez-le dans Excel et "
            "enregistrez-le au format « Classeur Excel (.xlsx) », puis relancez."
        )


# --- The workbook's structure ------------------------------------------------------------------

def _resolve(source: str, target: str) -> str:
    if target.startswith("/"):
        return posixpath.normpath(target.lstrip("/"))
    return posixpath.normpath(posixpath.join(posixpath.dirname(source), target))


def _rels(read, names: set[str], part: str) -> list[tuple[str, str, str]]:
    """(id, type, target part) of the internal relationships of ``part`` (``read``: part name -> bytes)."""
    folder, base = posixpath.split(part)
    rels = posixpath.join(folder, "_rels", base + ".rels")
    if rels not in names:
        return []
    root = etree.fromstring(read(rels), _PARSER)
    return [(r.get("Id"), r.get("Type"), _resolve(part, r.get("Target"))) for r in root.iter(f"{{{PKG_REL}}}Relationship")
            if r.get("TargetMode") != "External"]


def check(data: bytes, writes: Writes, parts: dict[str, bytes] | None = None) -> None:
    """Refuse before any work what would stop the save of a command that writes ``writes``.
    ``parts``: the parts of ``data`` by name, when already read.

    A refusal here is about the workbook as the adviser made it (protection, objects on a sheet ccc-xl
    regenerates): the message says nothing was changed, so not even a Journal line is written."""
    if parts is not None:
        return _check(set(parts), parts.__getitem__, writes)
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return _check(set(archive.namelist()), archive.read, writes)


def _check(names: set[str], read, writes: Writes) -> None:
    main = next((t for _, kind, t in _rels(read, names, "") if kind.endswith("/officeDocument")), None)
    if main is None or main not in names:
        return  # the reader names the damage
    workbook = etree.fromstring(read(main), _PARSER)
    targets = {rel_id: target for rel_id, _, target in _rels(read, names, main)}
    sheets = {s.get("name"): targets.get(s.get(f"{{{DOC_REL}}}id")) for s in workbook.iter(f"{{{MAIN}}}sheet")}
    structure = workbook.find(f"{{{MAIN}}}workbookProtection")
    if writes.generated and structure is not None and structure.get("lockStructure") in ("1", "true"):
        raise FileRefused(
            "La structure du classeur est protégée (Révision > Protéger le classeur) et ccc-xl doit régénérer "
            f"la feuille « {writes.generated[0]} » : rien n'a été modifié. Ôtez la protection du classeur puis relancez."
        )
    for sheet in dict.fromkeys((*writes.sheets, *writes.generated)):
        part = sheets.get(sheet)
        if part is None or part not in names:
            continue
        root = etree.fromstring(read(part), _PARSER)
        protection = root.find(f"{{{MAIN}}}sheetProtection")
        if protection is not None and protection.get("sheet") in ("1", "true"):
            raise FileRefused(
                f"La feuille « {sheet} » est protégée et ccc-xl doit y écrire : rien n'a été modifié. "
                f"Ôtez la protection de la feuille « {sheet} » (Révision > Ôter la protection de la feuille) puis relancez."
            )
        if sheet in writes.generated:
            _check_generated(read, names, sheet, part, root)
    if writes.generated:
        _check_table_names(read, names, sheets, writes.generated)


ANCHORED = (
    ("/pivotTable", "un tableau croisé dynamique"),
    ("/slicer", "un segment (slicer)"),
    ("/timeline", "une chronologie (timeline)"),
)


def _check_generated(read, names, sheet: str, part: str, root) -> None:
    if root.tag != f"{{{MAIN}}}worksheet":
        raise FileRefused(f"« {sheet} » n'est pas une feuille de calcul ordinaire (feuille graphique ou macro) : "
                           "renommez-la, ccc-xl recréera la sienne.")
    for _, kind, _ in _rels(read, names, part):
        for suffix, label in ANCHORED:
            if kind.endswith(suffix):
                raise FileRefused(
                    f"La feuille « {sheet} » est régénérée par ccc-xl et porte {label} qui serait perdu : "
                    "déplacez-le sur une autre feuille (Couper, puis Coller sur une autre feuille) puis relancez."
                )


def _check_table_names(read, names, sheets: dict, generated: tuple[str, ...]) -> None:
    """A table of another sheet bearing the name of a table ccc-xl writes on a generated sheet."""
    from .. import contract as c

    wanted = {t.name.lower(): t for t in vars(c).values() if isinstance(t, c.Table)}
    for sheet, part in sheets.items():
        if part is None or part not in names or sheet in generated:
            continue
        for _, kind, target in _rels(read, names, part):
            if not kind.endswith("/table") or target not in names:
                continue
            table_name = etree.fromstring(read(target), _PARSER).get("name") or ""
            table = wanted.get(table_name.lower())
            if table is not None and table.sheet in generated and table.sheet != sheet:
                raise FileRefused(
                    f"Le tableau {table_name} de la feuille « {sheet} » porte le nom du tableau que ccc-xl écrit sur la "
                    f"feuille « {table.sheet} » : renommez le vôtre (Création de tableau > Nom du tableau) puis relancez."
                )


def notes_on(data: bytes, sheet: str) -> int:
    """How many notes and threaded comments the sheet ``sheet`` carries."""
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        names = set(archive.namelist())
        main = next((t for _, kind, t in _rels(archive.read, names, "") if kind.endswith("/officeDocument")), None)
        if main is None:
            return 0
        workbook = etree.fromstring(archive.read(main), _PARSER)
        targets = {rel_id: target for rel_id, _, target in _rels(archive.read, names, main)}
        part = next((targets.get(s.get(f"{{{DOC_REL}}}id")) for s in workbook.iter(f"{{{MAIN}}}sheet")
                     if s.get("name") == sheet), None)
        if part is None or part not in names:
            return 0
        # Excel writes a threaded comment twice: as itself and as a plain note for older versions.
        notes = threaded = 0
        for _, kind, target in _rels(archive.read, names, part):
            if target in names and kind.endswith("/comments"):
                notes += len(re.findall(rb"<(?:\w+:)?comment\b", archive.read(target)))
            elif target in names and kind.endswith("/threadedComment"):
                threaded += len(re.findall(rb"<(?:\w+:)?threadedComment\b", archive.read(target)))
        return max(notes, threaded)
