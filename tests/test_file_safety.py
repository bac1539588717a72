"""File mode never half-writes, never loses what the adviser had, and keeps a backup."""

import io
import zipfile
from pathlib import Path

import pytest
from openpyxl import Workbook as PlainWorkbook

from ccc_xl.report import CommandError
from ccc_xl.workbook.file import BACKUP_FOLDER, open_workbook

X14_VALIDATION = (
    '<extLst><ext uri="{CCE6A557-97BC-4b89-ADB6-D9C93CAAB3DF}" '
    'xmlns:x14="http://schemas.microsoft.com/office/spreadsheetml/2009/9/main">'
    '<x14:dataValidations count="1" xmlns:xm="http://schemas.microsoft.com/office/excel/2006/main">'
    '<x14:dataValidation type="list" allowBlank="1"><x14:formula1><xm:f>Listes!$A$2:$A$3</xm:f></x14:formula1>'
    "<xm:sqref>W2:W100</xm:sqref></x14:dataValidation></x14:dataValidations></ext></extLst>"
)


def rewrite_member(path: Path, member: str, change) -> None:
    with zipfile.ZipFile(path) as source:
        items = [(info, source.read(info.filename)) for info in source.infolist()]
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as target:
        for info, data in items:
            target.writestr(info, change(data.decode()).encode() if info.filename == member else data)


def sheet_part(path: Path, sheet: str) -> str:
    from ccc_xl.workbook.integrity import _rels, NS, R_ID
    from xml.etree import ElementTree as ET

    with zipfile.ZipFile(path) as archive:
        root = ET.fromstring(archive.read("xl/workbook.xml"))
        rid = next(s.get(R_ID) for s in root.iterfind("m:sheets/m:sheet", NS) if s.get("name") == sheet)
        return _rels(archive, "xl/workbook.xml")[rid]


def write_something(path):
    with open_workbook(path) as book:
        book.log("essai", "une ligne de journal")


def test_a_run_keeps_a_timestamped_backup_of_the_previous_workbook(blank):
    original = blank.read_bytes()
    write_something(blank)
    backups = list((blank.parent / BACKUP_FOLDER).glob("classeur *.xlsx"))
    assert len(backups) == 1 and backups[0].read_bytes() == original
    assert blank.read_bytes() != original
    assert not list(blank.parent.glob(".*.tmp.xlsx"))


def test_refuses_a_workbook_open_in_excel(blank):
    lock = blank.with_name("~$" + blank.name)
    lock.write_bytes(b"owner")
    original = blank.read_bytes()
    with pytest.raises(CommandError, match="ouvert dans Excel"):
        write_something(blank)
    assert blank.read_bytes() == original


def test_what_openpyxl_cannot_write_is_kept_as_it_was(blank):
    """An x14 drop-down (a list on another sheet) on a sheet ccc-xl writes to survives the save."""
    part = sheet_part(blank, "Journal")
    rewrite_member(blank, part, lambda xml: xml.replace("</worksheet>", X14_VALIDATION + "</worksheet>"))
    write_something(blank)
    with zipfile.ZipFile(blank) as archive:
        assert X14_VALIDATION.replace("<extLst>", "").split("<x14:formula1>")[1] in archive.read(part).decode()


def test_the_loss_check_still_refuses_a_package_missing_something(blank):
    """The last safety net: bytes that lost a sheet are never written over the workbook."""
    from ccc_xl.workbook.file import FileBackend

    original = blank.read_bytes()
    with zipfile.ZipFile(blank) as source:
        items = [(info, source.read(info.filename)) for info in source.infolist()]
    lossy = io.BytesIO()
    with zipfile.ZipFile(lossy, "w") as target:
        for info, data in items:
            if info.filename == "xl/workbook.xml":
                data = data.replace(b' name="Accueil"', b' name="Accueil2"')
            target.writestr(info, data)
    backend = FileBackend(blank)
    backend.original, backend.dirty = lossy.getvalue(), True  # as if an edit had produced these bytes
    with pytest.raises(CommandError) as refused:
        backend.save()
    assert "Accueil" in refused.value.message and "n'a pas été modifié" in refused.value.message
    assert blank.read_bytes() == original
    assert not list(blank.parent.glob(".*.tmp*"))


@pytest.mark.parametrize("where", [0, 0.5, -1])
def test_a_backup_that_does_not_read_back_as_written_is_refused(blank, monkeypatch, where):
    """A disk that gives back other bytes than those written (one flipped byte: its header, its
    middle, its end) stops the run before the workbook is touched, and leaves no such backup."""
    from ccc_xl.workbook import safety

    write_synced = safety._write_synced

    def flipping(temp, data, original):
        if temp.parent.name == BACKUP_FOLDER:
            changed = bytearray(data)
            changed[int(len(data) * where) if isinstance(where, float) else where] ^= 1
            data = bytes(changed)
        write_synced(temp, data, original)

    monkeypatch.setattr(safety, "_write_synced", flipping)
    original = blank.read_bytes()
    with pytest.raises(CommandError, match="ne correspond pas au classeur"):
        write_something(blank)
    assert blank.read_bytes() == original
    assert not any((blank.parent / BACKUP_FOLDER).iterdir())


@pytest.mark.parametrize(
    "content, message",
    [(b"", "n'est pas un classeur Excel"), (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600, "ancien classeur Excel"),
     (b"Nom;Prenom\nDupont;Lea\n", "n'est pas un classeur Excel")],
)
def test_files_that_are_not_xlsx_are_refused_in_french(tmp_path, content, message):
    path = tmp_path / "faux.xlsx"
    path.write_bytes(content)
    with pytest.raises(CommandError, match=message):
        write_something(path)
    assert path.read_bytes() == content


def test_a_strict_open_xml_workbook_is_named(blank):
    """Excel's « Feuille de calcul Open XML Strict » uses other namespaces: named, with what to do."""
    rewrite_member(blank, "_rels/.rels", lambda xml: xml.replace(
        "http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument",
        "http://purl.oclc.org/ooxml/officeDocument/relationships/officeDocument"))
    original = blank.read_bytes()
    with pytest.raises(CommandError, match="Open XML Strict.*Classeur Excel"):
        write_something(blank)
    assert blank.read_bytes() == original


def test_truncated_workbook_is_refused(blank):
    data = blank.read_bytes()
    blank.write_bytes(data[: len(data) // 2])
    with pytest.raises(CommandError, match="pas un classeur Excel"):
        write_something(blank)


def test_a_workbook_not_made_by_ccc_xl_is_left_alone(tmp_path):
    path = tmp_path / "autre.xlsx"
    PlainWorkbook().save(path)
    original = path.read_bytes()
    with pytest.raises(CommandError, match="n'est pas un classeur ccc-xl"):
        write_something(path)
    assert path.read_bytes() == original


def test_missing_file_is_named(tmp_path):
    with pytest.raises(CommandError, match="introuvable"):
        write_something(tmp_path / "absent.xlsx")
