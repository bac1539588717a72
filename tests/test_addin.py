"""The ribbon add-in: built from its sources, readable by independent tools, wired to Python."""

from __future__ import annotations

import os
import shutil
import struct
import subprocess
import sys
import zipfile
import xml.etree.ElementTree as ET
from pathlib import Path

import olefile
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from oletools.olevba import VBA_Parser, decompress_stream

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "scripts"))

import build_addin  # noqa: E402
import ovba  # noqa: E402
from ccc_xl import office  # noqa: E402
from ccc_xl.excel import BUTTONS  # noqa: E402
from ccc_xl.excel.addin import install, read_settings, remove, settings_file, status, startup_folder  # noqa: E402

ADDIN = ROOT / "ccc_xl" / "data" / "ccc-xl.xlam"
RED, BLACK = 0, 1  # MS-CFB 2.6.1 colour flags
CUSTOM_UI14 = "http://schemas.microsoft.com/office/2009/07/customui"
CUSTOM_UI = "{" + CUSTOM_UI14 + "}"
UI_RELATIONSHIP_2010 = "http://schemas.microsoft.com/office/2007/relationships/ui/extensibility"
# Microsoft's customUI14 schema ([MS-CUSTOMUI2] 5.1; where the copy comes from: see its header).
SCHEMA = Path(__file__).resolve().parent / "schemas" / "customui14.xsd"


def ribbon_xml() -> str:
    return zipfile.ZipFile(ADDIN).read("customUI/customUI14.xml").decode("utf-8")


def ribbon() -> ET.Element:
    return ET.fromstring(ribbon_xml())


def vba_modules(path: Path) -> dict[str, str]:
    parser = VBA_Parser(str(path))
    return {filename.rsplit(".", 1)[0]: code for _, _, filename, code in parser.extract_macros()}


def test_olevba_reads_exactly_the_callback_source_of_the_repo():
    modules = vba_modules(ADDIN)
    assert modules["CccRibbon"].replace("\r\n", "\n") == (ROOT / "addin" / "CccRibbon.bas").read_text(encoding="utf-8")
    assert 'Public Const PROJECT_NAME As String = "ccc_xl"' in modules["xlwings"]
    assert "RibbonMyAddin" not in modules


def test_no_compiled_code_is_left_so_vba_recompiles():
    with zipfile.ZipFile(ADDIN) as z:
        ole = olefile.OleFileIO(z.read("xl/vbaProject.bin"))
    assert ole.openstream("VBA/_VBA_PROJECT").read() == bytes.fromhex("cc61ffff000100")
    for entry in ole.listdir():
        if entry[0] == "VBA" and entry[1] not in ("dir", "_VBA_PROJECT"):
            # the stream is a bare compressed container (MODULEOFFSET 0): it starts with 0x01
            assert ole.openstream(entry).read()[:1] == b"\x01", entry


def test_ribbon_names_only_callbacks_of_the_vba():
    code = vba_modules(ADDIN)
    callbacks = {b.get("onAction") for b in ribbon().iter(f"{CUSTOM_UI}button")}
    for callback in callbacks:
        module, procedure = callback.split(".")
        assert f"Public Sub {procedure}(control As IRibbonControl)" in code[module]


def test_every_button_has_a_command_and_every_command_a_button():
    ids = [b.get("id") for b in ribbon().iter(f"{CUSTOM_UI}button")]
    assert len(ids) == len(set(ids))
    assert set(ids) == set(BUTTONS)


def test_ribbon_labels_are_french_with_office_icons():
    tab = next(ribbon().iter(f"{CUSTOM_UI}tab"))
    assert tab.get("label") == "100 Chances"
    labels = {b.get("label") for b in tab.iter(f"{CUSTOM_UI}button")}
    assert {"Éligibilité", "Rotations", "Vérifier le planning", "Documents", "Suivi / alertes",
            "Indicateurs", "Export financeurs", "Ouvrir le dossier des documents", "Purge annuelle", "Aide"} == labels
    assert all(b.get("imageMso") for b in tab.iter(f"{CUSTOM_UI}button"))


def test_ribbon_validates_against_microsofts_customui14_schema():
    import xmlschema

    schema = xmlschema.XMLSchema10(str(SCHEMA))
    schema.validate(ribbon_xml())


@pytest.mark.parametrize("change", [
    ("2009/07/customui", "2006/01/customui"),             # the other version's namespace
    ('size="large"', 'size="huge"'),                     # a value outside the schema's list
    ('id="cccRotations"', 'id="cccEligibilite"'),        # two controls with one id
    ('screentip="Aide"', 'screentip=""'),                # an empty string where one character is needed
    ("<tabs>", "<tabs><onglet/>"),                       # an element the schema does not know
])
def test_the_schema_check_refuses_what_office_refuses(change):
    import xmlschema

    schema = xmlschema.XMLSchema10(str(SCHEMA))
    assert change[0] in ribbon_xml()
    assert not schema.is_valid(ribbon_xml().replace(*change, 1))


def test_the_ribbon_part_and_its_relationship_are_the_same_office_version():
    """customUI14 markup (2009/07) is reached by the Office 2010 relationship type, and only by it."""
    with zipfile.ZipFile(ADDIN) as package:
        rels = ET.fromstring(package.read("_rels/.rels"))
        ui = [r for r in rels if r.get("Type", "").endswith("/ui/extensibility")]
        assert [(r.get("Type"), r.get("Target")) for r in ui] == [(UI_RELATIONSHIP_2010, "customUI/customUI14.xml")]
        assert ET.fromstring(package.read("customUI/customUI14.xml")).tag == CUSTOM_UI + "customUI"
        assert "customUI/customUI.xml" not in package.namelist()


def test_the_base_addin_is_what_the_build_assumes():
    """xlwings' template is written by Aspose.Cells in xlwings' release build, not saved by Excel:
    these are the facts of it that scripts/build_addin.py relies on, checked rather than assumed."""
    with zipfile.ZipFile(build_addin.BASE) as base:
        names = base.namelist()
        rels = ET.fromstring(base.read("_rels/.rels"))
        ui = [r for r in rels if r.get("Type", "").endswith("/ui/extensibility")]
        # the mismatch the build corrects: a 2006/01 part under the Office 2010 relationship type
        assert [(r.get("Type"), r.get("Target")) for r in ui] == [(UI_RELATIONSHIP_2010, build_addin.BASE_RIBBON_PART)]
        assert ET.fromstring(base.read(build_addin.BASE_RIBBON_PART)).tag == "{http://schemas.microsoft.com/office/2006/01/customui}customUI"
        ole = olefile.OleFileIO(base.read("xl/vbaProject.bin"))
    assert "xl/vbaProject.bin" in names and f'name="{build_addin.BASE_CONF_SHEET}"'.encode() in zipfile.ZipFile(build_addin.BASE).read("xl/workbook.xml")
    # Aspose's bare _VBA_PROJECT header (version 0xFFFF: Office ignores cached code), yet some module
    # streams keep cached bytes before their source, which the build drops
    assert ole.openstream("VBA/_VBA_PROJECT").read() == build_addin.VBA_PROJECT_HEADER
    records = build_addin.read_records(bytes(decompress_stream(bytearray(ole.openstream("VBA/dir").read()))))
    assert max(struct.unpack("<I", data)[0] for rid, data in records if rid == build_addin.MODULEOFFSET) > 0
    codepage = next(data for rid, data in records if rid == 0x03)  # PROJECTCODEPAGE
    assert struct.unpack("<H", codepage)[0] == 1252 and build_addin.CODEPAGE == "cp1252"
    modules = [data.decode("cp1252") for rid, data in records if rid == build_addin.MODULENAME]
    assert sorted(modules) == sorted(["ThisWorkbook", "Dictionary", build_addin.BASE_CALLBACK, "Sheet2", "xlwings"])


def test_the_ribbon_callback_and_the_self_test_share_one_entry_point():
    code = vba_modules(ADDIN)["CccRibbon"]
    assert "Public Sub RunButton(controlId As String)" in code
    on_button = code[code.index("Public Sub OnButton"):code.index("End Sub")]
    assert "RunButton control.Id" in on_button and "RunPython" not in on_button


def test_committed_addin_is_up_to_date_with_its_sources(tmp_path):
    rebuilt = build_addin.build(tmp_path / "ccc-xl.xlam")
    with zipfile.ZipFile(ADDIN) as old, zipfile.ZipFile(rebuilt) as new:
        assert old.namelist() == new.namelist()
        for name in old.namelist():
            assert old.read(name) == new.read(name), f"{name}: run python scripts/build_addin.py"


@settings(max_examples=60, deadline=None)
@given(st.one_of(
    st.binary(max_size=9000),
    st.text(alphabet="ab \r\n'\"=éà&<>", max_size=12000).map(lambda t: t.encode("cp1252")),
    st.tuples(st.binary(min_size=1, max_size=40), st.integers(1, 800)).map(lambda p: p[0] * p[1]),
))
def test_compression_round_trips_through_oletools(data):
    try:
        packed = ovba.compress(data)
    except ValueError:  # only incompressible bytes in a short final chunk are refused
        assert len(data) % ovba.CHUNK and len(set(data)) > 64
        return
    assert bytes(decompress_stream(bytearray(packed))) == data


@settings(max_examples=30, deadline=None)
@given(st.dictionaries(
    st.text(alphabet="abcXYZ_é", min_size=1, max_size=12),
    st.binary(max_size=6000), min_size=1, max_size=25,
))
def test_compound_file_round_trips_through_olefile(streams):
    paths = {f"S/{name}": data for name, data in streams.items()}
    ole = olefile.OleFileIO(ovba.write_cfb(paths))
    for path, data in paths.items():
        assert ole.openstream(path).read() == data
    # red-black rule: every path from a storage's tree root to a leaf has as many black nodes
    entries = ole.direntries

    def black_heights(sid):
        if sid == olefile.NOSTREAM:
            return {0}
        e = entries[sid]
        below = black_heights(e.sid_left) | black_heights(e.sid_right)
        if e.color == RED:
            assert all(entries[c].color == BLACK for c in (e.sid_left, e.sid_right) if c != olefile.NOSTREAM)
        return {h + (e.color == BLACK) for h in below}

    for e in entries:
        if e is not None and e.sid_child != olefile.NOSTREAM:
            assert len(black_heights(e.sid_child)) == 1
            assert entries[e.sid_child].color == BLACK


def test_libreoffice_loads_the_addin_and_sees_the_module(tmp_path):
    soffice = shutil.which("soffice")
    if soffice is None:
        if os.environ.get("CI") == "true":
            pytest.fail("LibreOffice (soffice) is required in CI")
        pytest.skip("LibreOffice not installed")
    shutil.copy(ADDIN, tmp_path / "ccc-xl.xlam")
    subprocess.run(
        [soffice, office.user_installation(tmp_path / "profile"), "--headless",
         "--infilter=Calc MS Excel 2007 VBA XML", "--convert-to", "ods", "--outdir", str(tmp_path),
         str(tmp_path / "ccc-xl.xlam")],
        check=True, capture_output=True, timeout=180,
    )
    converted = tmp_path / "ccc-xl.ods"
    assert converted.exists()
    with zipfile.ZipFile(converted) as ods:
        module = ods.read("Basic/ccc_xl/CccRibbon.xml").decode("utf-8")
    assert "Public Sub OnButton(control As IRibbonControl)" in module
    assert "ccc_xl.excel.run_button(" in module


@pytest.mark.parametrize("platform", ["win32", "darwin"])
def test_install_status_remove_round_trip(tmp_path, platform):
    env = {"APPDATA": str(tmp_path / "AppData"), "USERPROFILE": str(tmp_path)}
    args = dict(platform=platform, env=env, home=tmp_path)
    assert "pas installé" in status(**args)[0]
    lines = install(python="C:/Python/python.exe", **args)
    target = startup_folder(**args) / "ccc-xl.xlam"
    assert target.read_bytes() == ADDIN.read_bytes()
    key = "INTERPRETER_MAC" if platform == "darwin" else "INTERPRETER_WIN"
    assert read_settings(settings_file(**args))[key] == "C:/Python/python.exe"
    assert any("Redémarrez Excel" in line for line in lines)
    assert "à jour" in status(**args)[0]
    remove(**args)
    assert not target.exists()


def test_windows_paths_follow_excel_and_the_embedded_xlwings():
    env = {"APPDATA": r"C:\Users\ml\AppData\Roaming", "USERPROFILE": r"C:\Users\ml"}
    assert str(startup_folder("win32", env)).replace("\\", "/").endswith("AppData/Roaming/Microsoft/Excel/XLSTART")
    assert str(settings_file("win32", env)).replace("\\", "/").endswith("ml/.ccc_xl/ccc_xl.conf")
