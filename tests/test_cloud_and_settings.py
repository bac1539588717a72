"""The add-in's settings file as Excel's macros read it, and workbooks opened from OneDrive/SharePoint."""

from __future__ import annotations

import copy
import shutil

import pytest
import xlwings as xw
from hypothesis import given, settings
from hypothesis import strategies as st

from ccc_xl.excel import addin, cloud
from ccc_xl.excel.addin import diagnostic, install, read_settings, settings_file, startup_folder
from ccc_xl.excel.buttons import press
from ccc_xl.report import CommandError

from xlremote_payload import payload


def windows(tmp_path):
    return dict(platform="win32", env={"APPDATA": str(tmp_path / "AppData"), "USERPROFILE": str(tmp_path)}, home=tmp_path)


# --- ccc_xl.conf: written like xlwings.conf, in the code page the VBA reads -----------------------

CP1252_TEXT = st.text(st.characters(codec="cp1252", exclude_characters='"\r\n', min_codepoint=32), min_size=1, max_size=20)


@settings(max_examples=40, deadline=None)
@given(user=CP1252_TEXT)
def test_an_interpreter_path_round_trips_through_the_ansi_code_page(tmp_path_factory, user):
    tmp_path = tmp_path_factory.mktemp("conf")
    python = f"C:\\Users\\{user}\\AppData\\Local\\Programs\\Python\\Python311\\python.exe"
    install(python=python, mounts={}, encoding="cp1252", **windows(tmp_path))
    raw = settings_file(**windows(tmp_path)).read_bytes()
    # what VBA's « Open … For Input » / « Input # » reads: cp1252 bytes, one "KEY","value" per CRLF line
    assert raw == f'"INTERPRETER_WIN","{python}"\r\n'.encode("cp1252")
    assert read_settings(settings_file(**windows(tmp_path)), "cp1252")["INTERPRETER_WIN"] == python


def test_helene_is_written_as_excel_reads_it_not_as_utf8(tmp_path):
    install(python="C:\\Users\\Hélène\\python.exe", mounts={}, encoding="cp1252", **windows(tmp_path))
    raw = settings_file(**windows(tmp_path)).read_bytes()
    assert b"H\xe9l\xe8ne" in raw and "HÃ©lÃ¨ne".encode("cp1252") not in raw


@pytest.mark.parametrize("python, encoding", [
    ("C:\\Users\\Ελένη\\python.exe", "cp1252"),     # a Greek user name on a French Windows
    ("C:\\Users\\Hélène\\python.exe", "cp1251"),    # « é » on a Cyrillic Windows
    ("C:\\Users\\ml\\Python 🐍\\python.exe", "cp1252"),
])
def test_a_path_the_code_page_cannot_hold_is_refused_in_french_before_anything_is_written(tmp_path, python, encoding):
    with pytest.raises(CommandError) as refused:
        install(python=python, mounts={}, encoding=encoding, **windows(tmp_path))
    message = refused.value.message
    assert python in message and encoding in message and "C:\\Python311" in message
    assert not (startup_folder(**windows(tmp_path)) / addin.ADDIN_NAME).exists()
    assert not settings_file(**windows(tmp_path)).exists()


def test_an_earlier_utf8_file_is_rewritten_keeping_the_advisers_own_settings(tmp_path):
    conf = settings_file(**windows(tmp_path))
    conf.parent.mkdir(parents=True)
    conf.write_text('"INTERPRETER_WIN","C:\\Users\\Hélène\\old\\python.exe"\n"PYTHONPATH","C:\\Users\\Hélène\\lib"\n',
                    encoding="utf-8")
    install(python="C:\\Users\\Hélène\\python.exe", mounts={}, encoding="cp1252", **windows(tmp_path))
    assert read_settings(conf, "cp1252") == {"INTERPRETER_WIN": "C:\\Users\\Hélène\\python.exe",
                                             "PYTHONPATH": "C:\\Users\\Hélène\\lib"}


def test_diagnostic_sees_the_interpreter_path_as_excel_would(tmp_path):
    python = tmp_path / "Hélène" / "python.exe"
    python.parent.mkdir()
    shutil.copy(shutil.which("python3"), python)
    conf = settings_file(**windows(tmp_path))
    conf.parent.mkdir(parents=True)
    conf.write_text(f'"INTERPRETER_WIN","{python}"\n', encoding="utf-8")  # as ccc-xl used to write it
    checks = diagnostic(python=str(python), **windows(tmp_path))
    (check,) = [c for c in checks if "Python réglé" in c.label or "Python des boutons" in c.label]
    assert not check.ok and "HÃ©lÃ¨ne" in check.label and check.fix == "ccc-xl addin install"


# --- OneDrive and SharePoint ---------------------------------------------------------------------

def synced(tmp_path, *parts) -> str:
    target = tmp_path.joinpath(*parts)
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(b"")
    return str(target)


@pytest.mark.parametrize("url, setting, folder, local", [
    ("https://d.docs.live.net/4f2ab0c91d/Documents/Mission Locale/100 chances é.xlsx",
     "ONEDRIVE_CONSUMER_WIN", ("OneDrive",), ("OneDrive", "Documents", "Mission Locale", "100 chances é.xlsx")),
    ("https://mlvienne-my.sharepoint.com/personal/helene_mlvienne_fr/Documents/100 Chances/classeur.xlsx",
     "ONEDRIVE_COMMERCIAL_WIN", ("OneDrive - ML Vienne",), ("OneDrive - ML Vienne", "100 Chances", "classeur.xlsx")),
    ("https://mlvienne.sharepoint.com/sites/Insertion/Documents partages/100 Chances/classeur.xlsx",
     "SHAREPOINT_WIN", ("ML Vienne",), ("ML Vienne", "Insertion - Documents", "100 Chances", "classeur.xlsx")),
])
def test_a_cloud_full_name_maps_to_the_synced_file_from_the_settings(tmp_path, url, setting, folder, local):
    expected = synced(tmp_path, *local)
    assert str(cloud.local_path(url, {setting: str(tmp_path.joinpath(*folder))}, "win32")) == expected
    assert cloud.setting_names("win32")[cloud.kind_of(url)] == setting
    with pytest.raises(CommandError) as unmapped:
        cloud.local_path(url, {}, "win32")
    assert setting in unmapped.value.message and url in unmapped.value.message


def test_local_and_unsaved_full_names_need_no_setting(tmp_path):
    assert cloud.local_path(str(tmp_path / "classeur.xlsx"), {}) == tmp_path / "classeur.xlsx"
    assert cloud.local_path("Classeur1", {}) is None


@pytest.fixture
def onedrive_demo(demo_workbook, tmp_path, monkeypatch):
    """The demo workbook synced in a OneDrive folder, open in Excel under its web address."""
    local = tmp_path / "OneDrive" / "Documents" / demo_workbook.name
    local.parent.mkdir(parents=True)
    shutil.copy2(demo_workbook, local)
    url = f"https://d.docs.live.net/4f2ab0c91d/Documents/{demo_workbook.name}"
    return payload(local, fullname=url), local


def test_documents_and_their_folder_work_on_a_onedrive_workbook(onedrive_demo, tmp_path, monkeypatch):
    sent, local = onedrive_demo
    monkeypatch.setattr(cloud, "user_settings", lambda: {"ONEDRIVE_CONSUMER_WIN": str(tmp_path / "OneDrive")})
    message, level = press(xw.Book(json=copy.deepcopy(sent)), "cccDocumentsProduire")
    assert level != "Erreur", message
    assert list((local.parent / "Documents 100 Chances").rglob("*.docx"))
    opened = []

    class Folder:
        def open_folder(self, folder):
            opened.append(folder)

    message, level = press(xw.Book(json=copy.deepcopy(sent)), "cccOuvrirDossier", Folder())
    assert level == "Info" and opened == [local.parent / "Documents 100 Chances"]


def test_an_unmapped_onedrive_workbook_gets_a_french_message_naming_the_setting(onedrive_demo, monkeypatch):
    sent, _ = onedrive_demo
    monkeypatch.setattr(cloud, "user_settings", lambda: {})
    monkeypatch.setenv("HOME", "/nonexistent")  # no ~/OneDrive fallback on this machine
    for button in ("cccDocumentsProduire", "cccOuvrirDossier"):
        message, level = press(xw.Book(json=copy.deepcopy(sent)), button)
        assert level == "Erreur" and "ONEDRIVE_CONSUMER_WIN" in message and "inattendue" not in message


def test_install_writes_the_synced_folders_it_finds(tmp_path):
    consumer, business = tmp_path / "OneDrive", tmp_path / "OneDrive - ML Vienne"
    library = tmp_path / "ML Vienne" / "Insertion - Documents"
    for folder in (consumer, business, library):
        folder.mkdir(parents=True)
    args = windows(tmp_path)
    args["env"] = {**args["env"], "OneDriveConsumer": str(consumer), "OneDriveCommercial": str(business)}
    lines = install(python="C:\\Python311\\python.exe", encoding="cp1252",
                    mounts={"https://mlvienne.sharepoint.com/sites/Insertion/Documents partages/": str(library)}, **args)
    written = read_settings(settings_file(**args), "cp1252")
    assert written["ONEDRIVE_CONSUMER_WIN"] == str(consumer)
    assert written["ONEDRIVE_COMMERCIAL_WIN"] == str(business)
    assert written["SHAREPOINT_WIN"] == str(tmp_path / "ML Vienne")
    assert sum("Dossier synchronisé" in line for line in lines) == 3


def test_install_on_mac_finds_the_cloudstorage_folders(tmp_path):
    for name in ("OneDrive-Personal", "OneDrive-MLVienne"):
        (tmp_path / "Library" / "CloudStorage" / name).mkdir(parents=True)
    install(platform="darwin", env={}, home=tmp_path, python="/usr/local/bin/python3", mounts={})
    written = read_settings(settings_file("darwin", {}, tmp_path), "utf-8")
    assert written["ONEDRIVE_CONSUMER_MAC"].endswith("OneDrive-Personal")
    assert written["ONEDRIVE_COMMERCIAL_MAC"].endswith("OneDrive-MLVienne")


# --- a copy of the add-in signed by the IT department --------------------------------------------

def resaved(tmp_path, name: str, signature: bool = True, ribbon: bytes | None = None):
    """The add-in as Excel saves it after signing: every part rewritten, a signature part added."""
    import zipfile

    source, target = addin.packaged_addin(), tmp_path / name
    with zipfile.ZipFile(source) as old, zipfile.ZipFile(target, "w") as new:
        for item in old.infolist():
            data = old.read(item.filename)
            if item.filename == "customUI/customUI14.xml":
                data = ribbon if ribbon is not None else data.replace(b"  ", b" ")  # Excel may re-indent
            new.writestr(item.filename, data)
        if signature:
            new.writestr("xl/vbaProjectSignature.bin", b"\x01\x02 signature")
    return target


def test_a_signed_copy_is_installed_and_recognised_until_the_next_version(tmp_path, monkeypatch):
    signed = resaved(tmp_path, "ccc-xl signé.xlam")
    args = windows(tmp_path)
    lines = install(python="C:\\Python311\\python.exe", mounts={}, encoding="cp1252", signed=signed, **args)
    installed = startup_folder(**args) / addin.ADDIN_NAME
    assert installed.read_bytes() == signed.read_bytes() and "copie signée" in lines[0]
    assert "copie signée" in addin.status(**args)[0]
    monkeypatch.setattr("ccc_xl.__version__", "99.0")  # ccc-xl updated: the signed copy is last version's
    assert "ANCIEN" in addin.status(**args)[0]
    install(python="C:\\Python311\\python.exe", mounts={}, encoding="cp1252", **args)  # back to the unsigned one
    assert "à jour" in addin.status(**args)[0] and addin.SIGNED_KEY not in read_settings(settings_file(**args), "cp1252")


@pytest.mark.parametrize("signature, ribbon, refusal", [
    (False, None, "n'est pas signé"),
    (True, b'<customUI xmlns="http://schemas.microsoft.com/office/2009/07/customui"/>', "pas le complément de cette version"),
])
def test_a_copy_that_is_not_this_add_in_signed_is_refused(tmp_path, signature, ribbon, refusal):
    copy = resaved(tmp_path, "copie.xlam", signature, ribbon)
    with pytest.raises(CommandError) as refused:
        install(python="C:\\Python311\\python.exe", mounts={}, encoding="cp1252", signed=copy, **windows(tmp_path))
    assert refusal in refused.value.message
    assert not (startup_folder(**windows(tmp_path)) / addin.ADDIN_NAME).exists()
