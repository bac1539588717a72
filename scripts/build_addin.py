"""Build ccc_xl/data/ccc-xl.xlam from addin/customUI.xml and addin/CccRibbon.bas.

Usage: python scripts/build_addin.py [output.xlam]

Why a base container: Excel validates more of a VBA project than the public specs say, so we start
from a project that Excel is known to open: ``quickstart_addin_ribbon.xlam``, which xlwings ships
(project, references, document modules, the xlwings module and its Dictionary class). Excel did not
save that file: xlwings' release build (scripts/build_excel_files.py in the xlwings repository)
loads it with Aspose.Cells, sets the xlwings module's code and saves it with Aspose, so the package
and the VBA project are Aspose's output (its zip entries carry NTFS time stamps, ``_VBA_PROJECT``
is already the bare 7-byte header while some module streams still hold cached bytes before their
source, and the ribbon part is 2006/01 ``customUI`` under the Office 2010 relationship type).
tests/test_addin.py checks those facts of the base instead of assuming Excel wrote it; only
`ccc-xl diagnostic --excel` shows that Excel opens the result. We change only:

- the ribbon: addin/customUI.xml (Office 2010 ``customUI14`` markup) stored as
  customUI/customUI14.xml, with the package relationship of that version;
- the callback module: ``RibbonMyAddin`` becomes ``CccRibbon`` with the source of
  addin/CccRibbon.bas (dir, PROJECT and PROJECTwm streams renamed accordingly);
- the xlwings module's ``PROJECT_NAME`` ("myaddin" -> "ccc_xl"), so its settings live in
  ``~/.ccc_xl/ccc_xl.conf`` and in a ``ccc_xl.conf`` sheet, not in another add-in's;
- the VBA project name ("MyAddin" -> "ccc_xl") and the config sheet name;
- every compiled p-code / performance cache: each module stream holds only its compressed
  source (MODULEOFFSET 0) and ``_VBA_PROJECT`` is the 7-byte header of MS-OVBA 2.3.4.1 (version
  0xFFFF), so VBA recompiles from source on first open, whatever the Excel version or bitness.

The output is deterministic (fixed zip timestamps and order), so tests rebuild and compare.
"""

from __future__ import annotations

import io
import re
import struct
import sys
import zipfile
from pathlib import Path

import olefile
import xlwings
from oletools.olevba import decompress_stream

sys.path.insert(0, str(Path(__file__).resolve().parent))
from ovba import compress, write_cfb  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
SOURCES = ROOT / "addin"
RIBBON_XML = SOURCES / "customUI.xml"
CALLBACK_BAS = SOURCES / "CccRibbon.bas"
OUTPUT = ROOT / "ccc_xl" / "data" / "ccc-xl.xlam"
BASE = Path(xlwings.__file__).parent / "quickstart_addin_ribbon.xlam"

PROJECT_NAME = "ccc_xl"
BASE_PROJECT_NAME, BASE_CALLBACK, BASE_CONF_SHEET = "MyAddin", "RibbonMyAddin", "_myaddin.conf"
CONF_SHEET = "_ccc_xl.conf"  # leading underscore: inactive until renamed, as in xlwings
BASE_RIBBON_PART, RIBBON_PART = "customUI/customUI.xml", "customUI/customUI14.xml"
# ECMA-376 Part 2 / [MS-CUSTOMUI2]: customUI14 parts are reached by this relationship type
# (customUI 2006/01 parts by .../office/2006/relationships/ui/extensibility).
RIBBON_RELATIONSHIP = "http://schemas.microsoft.com/office/2007/relationships/ui/extensibility"
XLWINGS_NAME_LINE = re.compile(rb'(Public Const PROJECT_NAME As String = )"myaddin"')
VBA_PROJECT_HEADER = struct.pack("<HHBH", 0x61CC, 0xFFFF, 0x00, 0x0001)
CODEPAGE = "cp1252"  # PROJECTCODEPAGE of the base project (0x04E4)
ZIP_TIME = (1980, 1, 1, 0, 0, 0)

# dir stream record ids (MS-OVBA 2.3.4.2)
PROJECTNAME, PROJECTVERSION = 0x04, 0x09
MODULENAME, MODULENAMEUNICODE, MODULESTREAMNAME, STREAMNAMEUNICODE = 0x19, 0x47, 0x1A, 0x32
MODULEOFFSET = 0x31


def callback_module() -> tuple[str, bytes]:
    """(module name, VBA source as stored: CRLF lines in the project code page)."""
    text = CALLBACK_BAS.read_text(encoding="utf-8").replace("\r\n", "\n")
    name = CALLBACK_BAS.stem
    if not text.startswith(f'Attribute VB_Name = "{name}"\n'):
        raise SystemExit(f"{CALLBACK_BAS}: first line must be Attribute VB_Name = \"{name}\"")
    return name, text.replace("\n", "\r\n").encode(CODEPAGE)


def read_records(dir_stream: bytes) -> list[tuple[int, bytes]]:
    """The dir stream as (id, payload) records; PROJECTVERSION's size field lies (4, holds 6)."""
    records, i = [], 0
    while i < len(dir_stream):
        rid, size = struct.unpack_from("<HI", dir_stream, i)
        size = 6 if rid == PROJECTVERSION else size
        records.append((rid, dir_stream[i + 6:i + 6 + size]))
        i += 6 + size
    return records


def write_records(records: list[tuple[int, bytes]]) -> bytes:
    return b"".join(
        struct.pack("<HI", rid, 4 if rid == PROJECTVERSION else len(data)) + data
        for rid, data in records
    )


def build_vba_project(base_bin: bytes) -> bytes:
    """The base vbaProject.bin with our callback module, our names and no p-code."""
    ole = olefile.OleFileIO(base_bin)
    read = lambda path: ole.openstream(path).read()  # noqa: E731
    records = read_records(bytes(decompress_stream(bytearray(read("VBA/dir")))))
    name, source = callback_module()
    renames = {BASE_CALLBACK: name}

    streams: dict[str, bytes] = {}
    modules: list[str] = []
    new_records: list[tuple[int, bytes]] = []
    module = stream_name = None
    for rid, data in records:
        if rid == PROJECTNAME:
            data = PROJECT_NAME.encode(CODEPAGE)
        elif rid == MODULENAME:
            module = data.decode(CODEPAGE)
            modules.append(renames.get(module, module))
            data = modules[-1].encode(CODEPAGE)
        elif rid == MODULENAMEUNICODE:
            data = modules[-1].encode("utf-16-le")
        elif rid == MODULESTREAMNAME:
            stream_name = data.decode(CODEPAGE)
            data = modules[-1].encode(CODEPAGE)
        elif rid == STREAMNAMEUNICODE:
            data = modules[-1].encode("utf-16-le")
        elif rid == MODULEOFFSET:
            offset = struct.unpack("<I", data)[0]
            compressed = read(f"VBA/{stream_name}")[offset:]
            if module == BASE_CALLBACK:
                compressed = compress(source)
            elif module == "xlwings":
                text = bytes(decompress_stream(bytearray(compressed)))
                text, count = XLWINGS_NAME_LINE.subn(rb'\1"' + PROJECT_NAME.encode() + b'"', text)
                if count != 1:
                    raise SystemExit("xlwings module: PROJECT_NAME line not found")
                compressed = compress(text)
            streams[f"VBA/{modules[-1]}"] = compressed
            data = struct.pack("<I", 0)  # source starts the stream: no performance cache
        new_records.append((rid, data))

    streams["VBA/dir"] = compress(write_records(new_records))
    streams["VBA/_VBA_PROJECT"] = VBA_PROJECT_HEADER
    streams["PROJECT"] = rename_project_stream(read("PROJECT"), renames)
    streams["PROJECTwm"] = b"".join(
        m.encode(CODEPAGE) + b"\0" + m.encode("utf-16-le") + b"\0\0" for m in modules
    ) + b"\0\0"
    return write_cfb(dict(sorted(streams.items())))


def rename_project_stream(project: bytes, renames: dict[str, str]) -> bytes:
    """PROJECT is text: rename the project and the modules in Module= and [Workspace] lines."""
    lines = project.decode(CODEPAGE).split("\r\n")
    out = []
    for line in lines:
        if line == f'Name="{BASE_PROJECT_NAME}"':
            line = f'Name="{PROJECT_NAME}"'
        for old, new in renames.items():
            line = re.sub(rf"^(Module=)?{old}(=|$)", lambda m: (m[1] or "") + new + m[2], line)
        out.append(line)
    return "\r\n".join(out).encode(CODEPAGE)


def ribbon_relationship(rels: bytes) -> bytes:
    """The package relationships with the ribbon's pointing at the customUI14 part, typed for it."""
    rels, count = re.subn(
        rb'<Relationship Id="(\w+)" Type="[^"]*/ui/extensibility" Target="/?' + re.escape(BASE_RIBBON_PART.encode()) + b'"',
        lambda m: b'<Relationship Id="' + m[1] + b'" Type="' + RIBBON_RELATIONSHIP.encode() + b'" Target="'
        + RIBBON_PART.encode() + b'"', rels)
    if count != 1:
        raise SystemExit("_rels/.rels: the ribbon relationship of the base add-in was not found")
    return rels


def build(output: Path = OUTPUT) -> Path:
    """Write the add-in to ``output`` from the base container and the sources in addin/."""
    with zipfile.ZipFile(BASE) as base:
        members = [(info.filename, base.read(info.filename)) for info in base.infolist()]
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as out:
        for filename, data in members:
            if filename == "xl/vbaProject.bin":
                data = build_vba_project(data)
            elif filename == "xl/workbook.xml":
                data = data.replace(f'name="{BASE_CONF_SHEET}"'.encode(), f'name="{CONF_SHEET}"'.encode())
            elif filename == "_rels/.rels":
                data = ribbon_relationship(data)
            elif filename == BASE_RIBBON_PART:
                filename, data = RIBBON_PART, RIBBON_XML.read_bytes()
            info = zipfile.ZipInfo(filename, ZIP_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            out.writestr(info, data)
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_bytes(buffer.getvalue())
    return output


if __name__ == "__main__":
    print(build(Path(sys.argv[1]) if len(sys.argv) > 1 else OUTPUT))
