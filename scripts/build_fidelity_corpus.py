"""Build `tests/fidelity/`: a ccc-xl workbook per thing advisers add in Excel that openpyxl cannot
write (sparklines, threaded comments, a logo in the page header, rich text, a chart sheet with its
style parts, macros, x14 drop-downs and data bars, formulas with cached results, protection…).

Each case is the small demo workbook of the hostile corpus with the XML parts written as Excel
writes them, added straight into the package (openpyxl would drop them). The fidelity tests
(`tests/test_fidelity.py`) run every writing command on every case: either each part ccc-xl does not
own comes out identical, or the command refuses first and says what to change. Generated, never
committed (in .gitignore).

    python scripts/build_fidelity_corpus.py [dossier]
"""

from __future__ import annotations

import io
import re
import shutil
import sys
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from lxml import etree

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "scripts"))

import build_corpus  # noqa: E402

from ccc_xl import contract as c  # noqa: E402

CORPUS = ROOT / "tests" / "fidelity"
MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
R = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PKG = "http://schemas.openxmlformats.org/package/2006/relationships"
CT = "http://schemas.openxmlformats.org/package/2006/content-types"
X14 = "http://schemas.microsoft.com/office/spreadsheetml/2009/9/main"
XM = "http://schemas.microsoft.com/office/excel/2006/main"

# Children of <worksheet>, in the order the schema requires.
SHEET_ORDER = ("sheetPr dimension sheetViews sheetFormatPr cols sheetData sheetCalcPr sheetProtection protectedRanges "
               "scenarios autoFilter sortState dataConsolidate customSheetViews mergeCells phoneticPr "
               "conditionalFormatting dataValidations hyperlinks printOptions pageMargins pageSetup headerFooter "
               "rowBreaks colBreaks customProperties cellWatches ignoredErrors smartTags drawing legacyDrawing "
               "legacyDrawingHF drawingHF picture oleObjects controls webPublishItems tableParts extLst").split()


@dataclass(frozen=True)
class Case:
    """One workbook. ``refuses``: command -> words its refusal must contain (the object and the fix).
    ``suffix``: the file's extension (.xlsm for the macro workbook)."""

    name: str
    description: str
    build: Callable[["Package"], None] | None
    refuses: dict[str, tuple[str, ...]] | None = None
    suffix: str = ".xlsx"
    raw: Callable[[], bytes] | None = None  # a file that is not a ccc-xl package at all

    @property
    def workbook(self) -> str:
        return "classeur" + self.suffix


class Package:
    """A package being edited as Excel would have saved it: parts by name."""

    def __init__(self, data: bytes):
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            self.parts = {name: archive.read(name) for name in archive.namelist()}

    def to_bytes(self) -> bytes:
        out = io.BytesIO()
        with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
            for name, content in self.parts.items():
                archive.writestr(name, content)
        return out.getvalue()

    def xml(self, name: str):
        return etree.fromstring(self.parts[name])

    def store(self, name: str, root) -> None:
        self.parts[name] = etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)

    def sheet_part(self, sheet: str) -> str:
        workbook = self.xml("xl/workbook.xml")
        rid = next(s.get(f"{{{R}}}id") for s in workbook.iter(f"{{{MAIN}}}sheet") if s.get("name") == sheet)
        rels = self.xml("xl/_rels/workbook.xml.rels")
        target = next(r.get("Target") for r in rels if r.get("Id") == rid)
        return target.lstrip("/") if target.startswith("/") else "xl/" + target

    def relate(self, source: str, rel_type: str, target: str, rel_id: str | None = None) -> str:
        folder, base = source.rsplit("/", 1) if "/" in source else ("", source)
        rels_name = f"{folder}/_rels/{base}.rels" if folder else f"_rels/{base}.rels"
        root = self.xml(rels_name) if rels_name in self.parts else etree.Element(f"{{{PKG}}}Relationships", nsmap={None: PKG})
        rel_id = rel_id or f"rIdF{len(root) + 1}"
        etree.SubElement(root, f"{{{PKG}}}Relationship", Id=rel_id, Type=rel_type, Target="/" + target)
        self.store(rels_name, root)
        return rel_id

    def content_type(self, part: str | None, content_type: str, extension: str | None = None) -> None:
        root = self.xml("[Content_Types].xml")
        if extension:
            if not any(d.get("Extension") == extension for d in root.iter(f"{{{CT}}}Default")):
                root.insert(0, etree.Element(f"{{{CT}}}Default", Extension=extension, ContentType=content_type))
        else:
            etree.SubElement(root, f"{{{CT}}}Override", PartName="/" + part, ContentType=content_type)
        self.store("[Content_Types].xml", root)

    def sheet_child(self, sheet: str, snippet: str) -> None:
        """Insert an element (XML text) into a worksheet at its place in the schema's order."""
        part = self.sheet_part(sheet)
        root = self.xml(part)
        element = etree.fromstring(snippet)
        tag = etree.QName(element).localname
        later = SHEET_ORDER[SHEET_ORDER.index(tag) + 1:]
        anchor = next((child for child in root if etree.QName(child).localname in later), None)
        if tag == "extLst" and root.find(f"{{{MAIN}}}extLst") is not None:
            existing = root.find(f"{{{MAIN}}}extLst")
            for ext in element:
                existing.append(ext)
        elif anchor is not None:
            anchor.addprevious(element)
        else:
            root.append(element)
        self.store(part, root)

    def edit_sheet_text(self, sheet: str, change: Callable[[str], str]) -> None:
        part = self.sheet_part(sheet)
        self.parts[part] = change(self.parts[part].decode()).encode()

    def cell_ref(self, sheet: str, header: str, row: int) -> str:
        """The reference of the cell under ``header`` (row 1) at ``row``."""
        root = self.xml(self.sheet_part(sheet))
        for cell in root.iter(f"{{{MAIN}}}c"):
            text = "".join(cell.itertext())
            if cell.get("r", "").endswith("1") and re.fullmatch(r"[A-Z]+1", cell.get("r")) and text == header:
                return re.sub(r"\d+", str(row), cell.get("r"))
        raise KeyError(header)

    def set_cell(self, sheet: str, ref: str, inner: str, attributes: str = "") -> None:
        """Replace the cell ``ref`` (it must exist) with Excel's XML for it, keeping its style."""
        part = self.sheet_part(sheet)
        text = self.parts[part].decode()
        pattern = re.compile(rf'<c r="{ref}"([^>]*?)(/>|>.*?</c>)', re.S)
        found = pattern.search(text)
        style = re.search(r' s="\d+"', found.group(1))
        replacement = f'<c r="{ref}"{style.group() if style else ""}{attributes}>{inner}</c>'
        self.parts[part] = (text[: found.start()] + replacement + text[found.end():]).encode()


def ext_list(uri: str, body: str) -> str:
    return (f'<extLst xmlns="{MAIN}"><ext uri="{uri}" xmlns:x14="{X14}">{body}</ext></extLst>')


# --- What advisers add --------------------------------------------------------------------------

def sparklines(package: Package) -> None:
    """Sparklines of the three dates of each candidate, beside the table (Insertion > Sparkline)."""
    birth = package.cell_ref(c.CANDIDATES.sheet, "Date de naissance", 2)
    column = re.sub(r"\d+", "", birth)
    body = (f'<x14:sparklineGroups xmlns:xm="{XM}">'
            '<x14:sparklineGroup displayEmptyCellsAs="gap" markers="1"><x14:colorSeries theme="4" tint="-0.499984740745262"/>'
            '<x14:colorNegative theme="5"/><x14:colorAxis rgb="FF000000"/><x14:colorMarkers theme="4" tint="-0.499984740745262"/>'
            '<x14:colorFirst theme="4" tint="0.39997558519241921"/><x14:colorLast theme="4" tint="0.39997558519241921"/>'
            '<x14:colorHigh theme="4"/><x14:colorLow theme="4"/><x14:sparklines>'
            + "".join(f"<x14:sparkline><xm:f>Candidats!{column}{r}:{column}{r}</xm:f><xm:sqref>AH{r}</xm:sqref></x14:sparkline>"
                      for r in range(2, 8))
            + "</x14:sparklines></x14:sparklineGroup></x14:sparklineGroups>")
    package.sheet_child(c.CANDIDATES.sheet, ext_list("{05C60535-1F16-4fd2-B633-F4F36F0B64E0}", body))


PERSON_ID = "{7B3E9F52-3C1A-4B77-9D0B-5A1F2E6C8D41}"
COMMENT_ID = "{1A2B3C4D-0000-4000-8000-00000000C0DE}"


def threaded_comment(package: Package) -> None:
    """An Excel 365 comment (« Nouveau commentaire ») on the Journal, with a reply: the threaded
    comments part, the persons part, and the plain note Excel writes for older versions."""
    sheet = c.JOURNAL.sheet
    part = package.sheet_part(sheet)
    number = part.rsplit("sheet", 1)[1].split(".")[0]
    threaded = f"xl/threadedComments/threadedComment{number}.xml"
    package.parts[threaded] = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        '<ThreadedComments xmlns="http://schemas.microsoft.com/office/spreadsheetml/2018/threadedcomments" '
        'xmlns:x="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        f'<threadedComment ref="G1" dT="2026-10-02T09:14:33.21" personId="{PERSON_ID}" id="{COMMENT_ID}">'
        "<text>Penser à relire le journal après chaque session &amp; archiver.</text></threadedComment>"
        f'<threadedComment ref="G1" dT="2026-10-03T16:02:11.52" personId="{PERSON_ID}" id="{{2A2B3C4D-0000-4000-8000-00000000C0DE}}" '
        f'parentId="{COMMENT_ID}"><text>Fait pour 2025 ✔</text></threadedComment></ThreadedComments>').encode()
    package.parts["xl/persons/person.xml"] = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        '<personList xmlns="http://schemas.microsoft.com/office/spreadsheetml/2018/threadedcomments" '
        'xmlns:x="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        f'<person displayName="Claire Fontaine" id="{PERSON_ID}" userId="claire.fontaine@mission-locale.fr" providerId="AD"/>'
        "</personList>").encode()
    comments = f"xl/comments{number}.xml"
    package.parts[comments] = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        f'<comments xmlns="{MAIN}" xmlns:mc="http://schemas.openxmlformats.org/markup-compatibility/2006" '
        'mc:Ignorable="xr" xmlns:xr="http://schemas.microsoft.com/office/spreadsheetml/2014/revision">'
        f"<authors><author>tc={COMMENT_ID}</author></authors><commentList>"
        f'<comment ref="G1" authorId="0" shapeId="0" xr:uid="{COMMENT_ID}"><text><t>[Commentaire à thread]\n\n'
        "Votre version d'Excel vous permet de lire ce commentaire à thread ; toutefois, les modifications qui y sont apportées "
        "seront supprimées si le fichier est ouvert dans une version plus récente d'Excel.\n"
        "Commentaire :\n    Penser à relire le journal après chaque session &amp; archiver.</t></text></comment>"
        "</commentList></comments>").encode()
    vml = f"xl/drawings/vmlDrawing{number}.vml"
    package.parts[vml] = NOTE_VML.format(row=0, column=6).encode()
    package.relate(part, "http://schemas.microsoft.com/office/2017/10/relationships/threadedComment", threaded)
    package.relate(part, f"{R}/comments", comments)
    vml_id = package.relate(part, f"{R}/vmlDrawing", vml)
    package.relate("xl/workbook.xml", "http://schemas.microsoft.com/office/2017/10/relationships/person", "xl/persons/person.xml")
    package.content_type(threaded, "application/vnd.ms-excel.threadedcomments+xml")
    package.content_type("xl/persons/person.xml", "application/vnd.ms-excel.person+xml")
    package.content_type(comments, "application/vnd.openxmlformats-officedocument.spreadsheetml.comments+xml")
    package.content_type(None, "application/vnd.openxmlformats-officedocument.vmlDrawing", extension="vml")
    package.sheet_child(sheet, f'<legacyDrawing xmlns="{MAIN}" xmlns:r="{R}" r:id="{vml_id}"/>')


NOTE_VML = """<xml xmlns:v="urn:schemas-microsoft-com:vml"
 xmlns:o="urn:schemas-microsoft-com:office:office"
 xmlns:x="urn:schemas-microsoft-com:office:excel">
 <o:shapelayout v:ext="edit">
  <o:idmap v:ext="edit" data="1"/>
 </o:shapelayout><v:shapetype id="_x0000_t202" coordsize="21600,21600" o:spt="202"
  path="m,l,21600r21600,l21600,xe">
  <v:stroke joinstyle="miter"/>
  <v:path gradientshapeok="t" o:connecttype="rect"/>
 </v:shapetype><v:shape id="_x0000_s1025" type="#_x0000_t202" style='position:absolute;
  margin-left:59.25pt;margin-top:1.5pt;width:108pt;height:59.25pt;z-index:1;
  visibility:hidden' fillcolor="infoBackground [80]" o:insetmode="auto">
  <v:fill color2="infoBackground [80]"/>
  <v:shadow color="none [81]" obscured="t"/>
  <v:path o:connecttype="none"/>
  <v:textbox style='mso-direction-alt:auto'>
   <div style='text-align:left'></div>
  </v:textbox>
  <x:ClientData ObjectType="Note">
   <x:MoveWithCells/>
   <x:SizeWithCells/>
   <x:AutoFill>False</x:AutoFill>
   <x:Row>{row}</x:Row>
   <x:Column>{column}</x:Column>
  </x:ClientData>
 </v:shape></xml>"""

HEADER_VML = """<xml xmlns:v="urn:schemas-microsoft-com:vml"
 xmlns:o="urn:schemas-microsoft-com:office:office"
 xmlns:x="urn:schemas-microsoft-com:office:excel">
 <o:shapelayout v:ext="edit">
  <o:idmap v:ext="edit" data="1"/>
 </o:shapelayout><v:shapetype id="_x0000_t75" coordsize="21600,21600" o:spt="75"
  o:preferrelative="t" path="m@4@5l@4@11@9@11@9@5xe" filled="f" stroked="f">
  <v:stroke joinstyle="miter"/>
  <v:formulas>
   <v:f eqn="if lineDrawn pixelLineWidth 0"/>
   <v:f eqn="sum @0 1 0"/>
   <v:f eqn="sum 0 0 @1"/>
   <v:f eqn="prod @2 1 2"/>
   <v:f eqn="prod @3 21600 pixelWidth"/>
   <v:f eqn="prod @3 21600 pixelHeight"/>
   <v:f eqn="sum @0 0 1"/>
   <v:f eqn="prod @6 1 2"/>
   <v:f eqn="prod @7 21600 pixelWidth"/>
   <v:f eqn="sum @8 21600 0"/>
   <v:f eqn="prod @7 21600 pixelHeight"/>
   <v:f eqn="sum @10 21600 0"/>
  </v:formulas>
  <v:path o:extrusionok="f" gradientshapeok="t" o:connecttype="rect"/>
  <o:lock v:ext="edit" aspectratio="t"/>
 </v:shapetype><v:shape id="LH" o:spid="_x0000_s1025" type="#_x0000_t75"
  style='position:absolute;margin-left:0;margin-top:0;width:60pt;height:30pt;
  z-index:1'>
  <v:imagedata o:relid="rId1" o:title="logo-mission-locale"/>
  <o:lock v:ext="edit" rotation="t"/>
 </v:shape></xml>"""


def _png() -> bytes:
    """A small real PNG (the Mission Locale's logo stand-in)."""
    import struct
    import zlib

    width, height = 8, 4
    raw = b"".join(b"\0" + bytes([0x1F, 0x4E, 0x78]) * width for _ in range(height))

    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))


def header_logo(package: Package) -> None:
    """A logo in the page header of Candidats (Mise en page > En-tête > Image): &G in the header,
    a legacyDrawingHF VML shape and the image."""
    sheet = c.CANDIDATES.sheet
    part = package.sheet_part(sheet)
    vml, image = "xl/drawings/vmlDrawingHF1.vml", "xl/media/image_logo1.png"
    package.parts[vml] = HEADER_VML.encode()
    package.parts[image] = _png()
    package.relate(vml, "http://schemas.openxmlformats.org/officeDocument/2006/relationships/image", image, rel_id="rId1")
    rel_id = package.relate(part, f"{R}/vmlDrawing", vml)
    package.content_type(None, "image/png", extension="png")
    package.content_type(None, "application/vnd.openxmlformats-officedocument.vmlDrawing", extension="vml")
    package.sheet_child(sheet, f'<headerFooter xmlns="{MAIN}"><oddHeader>&amp;L&amp;G&amp;CCandidats 100 Chances</oddHeader></headerFooter>')
    package.sheet_child(sheet, f'<legacyDrawingHF xmlns="{MAIN}" xmlns:r="{R}" r:id="{rel_id}"/>')


def rich_text(package: Package) -> None:
    """A bold word in an observation, once as a shared string (what Excel writes) and once inline."""
    strings = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
               f'<sst xmlns="{MAIN}" count="2" uniqueCount="2">'
               '<si><r><t xml:space="preserve">Très motivé, </t></r><r><rPr><b/><sz val="11"/><color rgb="FFC00000"/>'
               '<rFont val="Calibri"/><family val="2"/><scheme val="minor"/></rPr><t>urgent</t></r>'
               '<r><rPr><sz val="11"/><color theme="1"/><rFont val="Calibri"/><family val="2"/><scheme val="minor"/></rPr>'
               '<t xml:space="preserve"> : rappeler le SPIP</t></r></si>'
               "<si><t>CAP maçon obtenu en détention</t><phoneticPr fontId=\"1\"/></si></sst>")
    package.parts["xl/sharedStrings.xml"] = strings.encode()
    package.relate("xl/workbook.xml", f"{R}/sharedStrings", "xl/sharedStrings.xml")
    package.content_type("xl/sharedStrings.xml", "application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml")
    notes = package.cell_ref(c.CANDIDATES.sheet, "Observations", 3)
    project = package.cell_ref(c.CANDIDATES.sheet, "Projet professionnel", 3)
    package.set_cell(c.CANDIDATES.sheet, notes, "<v>0</v>", ' t="s"')
    package.set_cell(c.CANDIDATES.sheet, project, "<v>1</v>", ' t="s"')
    later = package.cell_ref(c.CANDIDATES.sheet, "Observations", 4)
    package.set_cell(c.CANDIDATES.sheet, later, '<is><r><rPr><i/><sz val="11"/></rPr><t>Libérable</t></r>'
                     '<r><t xml:space="preserve"> en mars</t></r></is>', ' t="inlineStr"')


CHART_XML = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<c:chartSpace xmlns:c="http://schemas.openxmlformats.org/drawingml/2006/chart" xmlns:a="http://schemas.openxmlformats.org/drawingml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships" xmlns:c16r2="http://schemas.microsoft.com/office/drawing/2015/06/chart"><c:date1904 val="0"/><c:lang val="fr-FR"/><c:roundedCorners val="0"/><mc:AlternateContent xmlns:mc="http://schemas.openxmlformats.org/markup-compatibility/2006"><mc:Choice Requires="c14" xmlns:c14="http://schemas.microsoft.com/office/drawing/2007/8/2/chart"><c14:style val="102"/></mc:Choice><mc:Fallback><c:style val="2"/></mc:Fallback></mc:AlternateContent><c:chart><c:title><c:overlay val="0"/></c:title><c:autoTitleDeleted val="0"/><c:plotArea><c:layout/><c:barChart><c:barDir val="col"/><c:grouping val="clustered"/><c:varyColors val="0"/><c:ser><c:idx val="0"/><c:order val="0"/><c:tx><c:strRef><c:f>Financements!$D$1</c:f><c:strCache><c:ptCount val="1"/><c:pt idx="0"><c:v>Montant (€)</c:v></c:pt></c:strCache></c:strRef></c:tx><c:spPr><a:solidFill><a:schemeClr val="accent1"/></a:solidFill></c:spPr><c:invertIfNegative val="0"/><c:cat><c:strRef><c:f>Financements!$C$2:$C$5</c:f><c:strCache><c:ptCount val="4"/><c:pt idx="0"><c:v>SPIP</c:v></c:pt><c:pt idx="1"><c:v>FIPD</c:v></c:pt><c:pt idx="2"><c:v>SPIP</c:v></c:pt><c:pt idx="3"><c:v>FIPD</c:v></c:pt></c:strCache></c:strRef></c:cat><c:val><c:numRef><c:f>Financements!$D$2:$D$5</c:f><c:numCache><c:formatCode>General</c:formatCode><c:ptCount val="4"/><c:pt idx="0"><c:v>6000</c:v></c:pt><c:pt idx="1"><c:v>8554</c:v></c:pt><c:pt idx="2"><c:v>6000</c:v></c:pt><c:pt idx="3"><c:v>8000</c:v></c:pt></c:numCache></c:numRef></c:val><c:extLst><c:ext uri="{C3380CC4-5D6E-409C-BE32-E72D297353CC}" xmlns:c16="http://schemas.microsoft.com/office/drawing/2014/chart"><c16:uniqueId val="{00000000-7A1B-4C2D-8E3F-000000000001}"/></c:ext></c:extLst></c:ser><c:gapWidth val="219"/><c:overlap val="-27"/><c:axId val="512345601"/><c:axId val="512345602"/></c:barChart><c:catAx><c:axId val="512345601"/><c:scaling><c:orientation val="minMax"/></c:scaling><c:delete val="0"/><c:axPos val="b"/><c:numFmt formatCode="General" sourceLinked="1"/><c:majorTickMark val="none"/><c:minorTickMark val="none"/><c:tickLblPos val="nextTo"/><c:crossAx val="512345602"/><c:crosses val="autoZero"/><c:auto val="1"/><c:lblAlgn val="ctr"/><c:lblOffset val="100"/><c:noMultiLvlLbl val="0"/></c:catAx><c:valAx><c:axId val="512345602"/><c:scaling><c:orientation val="minMax"/></c:scaling><c:delete val="0"/><c:axPos val="l"/><c:majorGridlines/><c:numFmt formatCode="General" sourceLinked="1"/><c:majorTickMark val="none"/><c:minorTickMark val="none"/><c:tickLblPos val="nextTo"/><c:crossAx val="512345601"/><c:crosses val="autoZero"/><c:crossBetween val="between"/></c:valAx></c:plotArea><c:legend><c:legendPos val="b"/><c:overlay val="0"/></c:legend><c:plotVisOnly val="1"/><c:dispBlanksAs val="gap"/><c:extLst><c:ext uri="{56B9EC1D-385E-4148-901F-78D8002777C0}" xmlns:c16r3="http://schemas.microsoft.com/office/drawing/2017/03/chart"><c16r3:dataDisplayOptions16><c16r3:dispNaAsBlank val="1"/></c16r3:dataDisplayOptions16></c:ext></c:extLst></c:chart><c:printSettings><c:headerFooter/><c:pageMargins b="0.75" l="0.7" r="0.7" t="0.75" header="0.3" footer="0.3"/><c:pageSetup/></c:printSettings></c:chartSpace>"""

CHART_STYLE = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<cs:chartStyle xmlns:cs="http://schemas.microsoft.com/office/drawing/2012/chartStyle" xmlns:a="http://schemas.openxmlformats.org/drawingml/2006/main" id="201"><cs:axisTitle><cs:lnRef idx="0"/><cs:fillRef idx="0"/><cs:effectRef idx="0"/><cs:fontRef idx="minor"><a:schemeClr val="tx1"><a:lumMod val="65000"/><a:lumOff val="35000"/></a:schemeClr></cs:fontRef><cs:defRPr sz="1330" kern="1200"/></cs:axisTitle><cs:dataPoint><cs:lnRef idx="0"/><cs:fillRef idx="1"><cs:styleClr val="auto"/></cs:fillRef><cs:effectRef idx="0"/><cs:fontRef idx="minor"><a:schemeClr val="tx1"/></cs:fontRef></cs:dataPoint></cs:chartStyle>"""

CHART_COLORS = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<cs:colorStyle xmlns:cs="http://schemas.microsoft.com/office/drawing/2012/chartStyle" xmlns:a="http://schemas.openxmlformats.org/drawingml/2006/main" meth="cycle" id="10"><a:schemeClr val="accent1"/><a:schemeClr val="accent2"/><a:schemeClr val="accent3"/><cs:variation/><cs:variation><a:lumMod val="60000"/></cs:variation></cs:colorStyle>"""


def chart_sheet(package: Package) -> None:
    """A chart on its own sheet (« Graphique financements »), with the chart style and colour parts
    Excel writes and its chart extensions."""
    chartsheet, drawing = "xl/chartsheets/sheet1.xml", "xl/drawings/drawingChart1.xml"
    chart, style, colors = "xl/charts/chartFinancements1.xml", "xl/charts/style1.xml", "xl/charts/colors1.xml"
    package.parts[chartsheet] = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        f'<chartsheet xmlns="{MAIN}" xmlns:r="{R}"><sheetPr/><sheetViews><sheetView zoomScale="118" workbookViewId="0" '
        'zoomToFit="1"/></sheetViews><pageMargins left="0.7" right="0.7" top="0.75" bottom="0.75" header="0.3" footer="0.3"/>'
        '<drawing r:id="rId1"/></chartsheet>').encode()
    package.parts[drawing] = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        '<xdr:wsDr xmlns:xdr="http://schemas.openxmlformats.org/drawingml/2006/spreadsheetDrawing" '
        'xmlns:a="http://schemas.openxmlformats.org/drawingml/2006/main"><xdr:absoluteAnchor><xdr:pos x="0" y="0"/>'
        '<xdr:ext cx="8666018" cy="6293428"/><xdr:graphicFrame macro=""><xdr:nvGraphicFramePr>'
        '<xdr:cNvPr id="2" name="Graphique 1"/><xdr:cNvGraphicFramePr><a:graphicFrameLocks noGrp="1"/></xdr:cNvGraphicFramePr>'
        '</xdr:nvGraphicFramePr><xdr:xfrm><a:off x="0" y="0"/><a:ext cx="0" cy="0"/></xdr:xfrm><a:graphic>'
        '<a:graphicData uri="http://schemas.openxmlformats.org/drawingml/2006/chart">'
        f'<c:chart xmlns:c="http://schemas.openxmlformats.org/drawingml/2006/chart" xmlns:r="{R}" r:id="rId1"/>'
        '</a:graphicData></a:graphic></xdr:graphicFrame><xdr:clientData/></xdr:absoluteAnchor></xdr:wsDr>').encode()
    package.parts[chart] = CHART_XML.encode()
    package.parts[style] = CHART_STYLE.encode()
    package.parts[colors] = CHART_COLORS.encode()
    package.relate(chartsheet, f"{R}/drawing", drawing, rel_id="rId1")
    package.relate(drawing, f"{R}/chart", chart, rel_id="rId1")
    package.relate(chart, "http://schemas.microsoft.com/office/2011/relationships/chartStyle", style, rel_id="rId1")
    package.relate(chart, "http://schemas.microsoft.com/office/2011/relationships/chartColorStyle", colors, rel_id="rId2")
    for part, kind in ((chartsheet, "application/vnd.openxmlformats-officedocument.spreadsheetml.chartsheet+xml"),
                       (drawing, "application/vnd.openxmlformats-officedocument.drawing+xml"),
                       (chart, "application/vnd.openxmlformats-officedocument.drawingml.chart+xml"),
                       (style, "application/vnd.ms-office.chartstyle+xml"),
                       (colors, "application/vnd.ms-office.chartcolorstyle+xml")):
        package.content_type(part, kind)
    rel_id = package.relate("xl/workbook.xml", f"{R}/chartsheet", chartsheet)
    workbook = package.xml("xl/workbook.xml")
    sheets = workbook.find(f"{{{MAIN}}}sheets")
    ids = [int(s.get("sheetId")) for s in sheets]
    element = etree.SubElement(sheets, f"{{{MAIN}}}sheet", name="Graphique financements", sheetId=str(max(ids) + 1))
    element.set(f"{{{R}}}id", rel_id)
    package.store("xl/workbook.xml", workbook)


def vba_project() -> bytes:
    """The VBA project of xlwings' own add-in (a real one, as Excel compiled it)."""
    import xlwings

    with zipfile.ZipFile(Path(xlwings.__file__).parent / "addin" / "xlwings.xlam") as addin:
        return addin.read("xl/vbaProject.bin")


def macros(package: Package) -> None:
    """A macro-enabled workbook (.xlsm): the main part's macro content type and a VBA project."""
    package.parts["xl/vbaProject.bin"] = vba_project()
    package.relate("xl/workbook.xml", "http://schemas.microsoft.com/office/2006/relationships/vbaProject", "xl/vbaProject.bin")
    package.content_type(None, "application/vnd.ms-office.vbaProject", extension="bin")
    types = package.parts["[Content_Types].xml"].decode()
    types = types.replace("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml",
                          "application/vnd.ms-excel.sheet.macroEnabled.main+xml")
    package.parts["[Content_Types].xml"] = types.encode()
    workbook = package.xml("xl/workbook.xml")
    properties = workbook.find(f"{{{MAIN}}}workbookPr")
    properties.set("codeName", "ThisWorkbook")
    package.store("xl/workbook.xml", workbook)


def own_lists_sheet(package: Package) -> str:
    """An adviser's own sheet « Mes listes » (as Excel writes a plain sheet) for a cross-sheet list."""
    part = "xl/worksheets/sheetMesListes.xml"
    package.parts[part] = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        f'<worksheet xmlns="{MAIN}" xmlns:r="{R}"><dimension ref="A1:A4"/><sheetViews><sheetView workbookViewId="0"/></sheetViews>'
        '<sheetFormatPr defaultRowHeight="15"/><sheetData>'
        '<row r="1"><c r="A1" t="inlineStr"><is><t>Avocats</t></is></c></row>'
        '<row r="2"><c r="A2" t="inlineStr"><is><t>Me Durand</t></is></c></row>'
        '<row r="3"><c r="A3" t="inlineStr"><is><t>Me Lefèvre</t></is></c></row>'
        '<row r="4"><c r="A4" t="inlineStr"><is><t>Me N\'Diaye</t></is></c></row>'
        '</sheetData><pageMargins left="0.7" right="0.7" top="0.75" bottom="0.75" header="0.3" footer="0.3"/></worksheet>').encode()
    package.content_type(part, "application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml")
    rel_id = package.relate("xl/workbook.xml", f"{R}/worksheet", part)
    workbook = package.xml("xl/workbook.xml")
    sheets = workbook.find(f"{{{MAIN}}}sheets")
    element = etree.SubElement(sheets, f"{{{MAIN}}}sheet", name="Mes listes", sheetId=str(max(int(s.get("sheetId")) for s in sheets) + 1))
    element.set(f"{{{R}}}id", rel_id)
    package.store("xl/workbook.xml", workbook)
    return "Mes listes"


def cross_sheet_list(package: Package) -> None:
    """A drop-down on Candidats listing the lawyers of another sheet: Excel stores a list pointing at
    another sheet as an x14 data validation."""
    own_lists_sheet(package)
    column = re.sub(r"\d+", "", package.cell_ref(c.CANDIDATES.sheet, "Observations", 2))
    body = (f'<x14:dataValidations count="1" xmlns:xm="{XM}"><x14:dataValidation type="list" allowBlank="1" '
            'showInputMessage="1" showErrorMessage="1"><x14:formula1><xm:f>\'Mes listes\'!$A$2:$A$4</xm:f></x14:formula1>'
            f"<xm:sqref>{column}2:{column}200</xm:sqref></x14:dataValidation></x14:dataValidations>")
    package.sheet_child(c.CANDIDATES.sheet, ext_list("{CCE6A557-97BC-4b89-ADB6-D9C93CAAB3DF}", body))


def data_bars(package: Package) -> None:
    """Data bars on the amounts of Financements and on Candidats' session column, as Excel 2010+
    writes them: a plain rule pointing at an x14 rule in the extension list."""
    for sheet, header, guid in ((c.FUNDING.sheet, "Montant (€)", "{8F1A2B3C-1111-4222-8333-444455556666}"),
                                (c.CANDIDATES.sheet, "Session", "{8F1A2B3C-1111-4222-8333-444455557777}")):
        column = re.sub(r"\d+", "", package.cell_ref(sheet, header, 2))
        area = f"{column}2:{column}200"
        package.sheet_child(sheet, (
            f'<conditionalFormatting xmlns="{MAIN}" sqref="{area}"><cfRule type="dataBar" priority="1"><dataBar>'
            '<cfvo type="min"/><cfvo type="max"/><color rgb="FF638EC6"/></dataBar><extLst>'
            f'<ext uri="{{B025F937-C7B1-47D3-B67F-A62EFF666E3E}}" xmlns:x14="{X14}"><x14:id>{guid}</x14:id></ext>'
            "</extLst></cfRule></conditionalFormatting>"))
        body = (f'<x14:conditionalFormattings xmlns:xm="{XM}"><x14:conditionalFormatting>'
                f'<x14:cfRule type="dataBar" id="{guid}"><x14:dataBar minLength="0" maxLength="100" border="1" negativeBarBorderColorSameAsPositive="0">'
                '<x14:cfvo type="autoMin"/><x14:cfvo type="autoMax"/><x14:borderColor rgb="FF638EC6"/>'
                '<x14:negativeFillColor rgb="FFFF0000"/><x14:negativeBorderColor rgb="FFFF0000"/><x14:axisColor rgb="FF000000"/>'
                f"</x14:dataBar></x14:cfRule><xm:sqref>{area}</xm:sqref></x14:conditionalFormatting></x14:conditionalFormattings>")
        package.sheet_child(sheet, ext_list("{78C0D931-6437-407d-A8EE-F0AAD7539E65}", body))


def formula_birth_date(package: Package) -> None:
    """Birth dates typed as formulas (=DATE(2004;5;3) in a French Excel), calculated and saved by
    Excel: the formula and its cached result."""
    for row, (year, month, day) in ((2, (2004, 5, 3)), (5, (2001, 11, 30))):
        ref = package.cell_ref(c.CANDIDATES.sheet, "Date de naissance", row)
        import datetime as dt

        serial = (dt.date(year, month, day) - dt.date(1899, 12, 30)).days
        package.set_cell(c.CANDIDATES.sheet, ref, f"<f>DATE({year},{month},{day})</f><v>{serial}</v>")
    # A text formula too: its cached result is a string (t="str").
    ref = package.cell_ref(c.CANDIDATES.sheet, "Projet professionnel", 6)
    package.set_cell(c.CANDIDATES.sheet, ref, '<f>CONCATENATE("Maçon"," coffreur")</f><v>Maçon coffreur</v>', ' t="str"')


def formula_without_result(package: Package) -> None:
    """A birth date formula written by a tool that does not calculate: no cached result."""
    ref = package.cell_ref(c.CANDIDATES.sheet, "Date de naissance", 12)
    package.set_cell(c.CANDIDATES.sheet, ref, "<f>DATE(2004,5,3)</f>")


def protected_sheet(package: Package) -> None:
    """Candidats protected with a password (Révision > Protéger la feuille)."""
    package.sheet_child(c.CANDIDATES.sheet, (
        f'<sheetProtection xmlns="{MAIN}" algorithmName="SHA-512" hashValue="x4dVx0pVEr3QUu6nFq9K9iMw0Nv6Wa1AXEeCnUgEeP8rUeNTEu1kCq2Bqbr4nCNi7RVh2ZRsh3HOd3F0Tz5dPg==" '
        'saltValue="Pq1X0pWf6G1SfV3bXWkH4g==" spinCount="100000" sheet="1" objects="1" scenarios="1"/>'))


def protected_structure(package: Package) -> None:
    """The workbook's structure protected (Révision > Protéger le classeur)."""
    workbook = package.parts["xl/workbook.xml"].decode()
    workbook = re.sub(r"<workbookProtection\s*/>", "", workbook)
    workbook = workbook.replace("<bookViews>", '<workbookProtection workbookAlgorithmName="SHA-512" '
                                'workbookHashValue="7mQm2Hc0hN2o2o8c4Zt2bM9V4uJ2Zt1pX9b1I3Vb2F0=" workbookSaltValue="AAECAwQFBgcICQoLDA0ODw==" '
                                'workbookSpinCount="100000" lockStructure="1"/><bookViews>', 1)
    package.parts["xl/workbook.xml"] = workbook.encode()


def note_on_generated_sheet(package: Package) -> None:
    """A note an adviser put on the Planning sheet (regenerated by `rotations`)."""
    sheet = c.PLANNING_SHEET.name
    part = package.sheet_part(sheet)
    comments = "xl/commentsPlanning1.xml"
    package.parts[comments] = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        f'<comments xmlns="{MAIN}"><authors><author>Claire Fontaine</author></authors><commentList>'
        '<comment ref="B3" authorId="0" shapeId="0"><text><r><rPr><b/><sz val="9"/><rFont val="Tahoma"/></rPr>'
        "<t>Claire Fontaine:</t></r><r><rPr><sz val=\"9\"/><rFont val=\"Tahoma\"/></rPr><t xml:space=\"preserve\">\nSalle 2 indisponible le matin</t></r></text></comment>"
        "</commentList></comments>").encode()
    vml = "xl/drawings/vmlDrawingPlanning1.vml"
    package.parts[vml] = NOTE_VML.format(row=2, column=1).encode()
    package.relate(part, f"{R}/comments", comments)
    vml_id = package.relate(part, f"{R}/vmlDrawing", vml)
    package.content_type(comments, "application/vnd.openxmlformats-officedocument.spreadsheetml.comments+xml")
    package.content_type(None, "application/vnd.openxmlformats-officedocument.vmlDrawing", extension="vml")
    package.sheet_child(sheet, f'<legacyDrawing xmlns="{MAIN}" xmlns:r="{R}" r:id="{vml_id}"/>')


def _ods() -> bytes:
    """An OpenDocument spreadsheet (LibreOffice Calc) renamed .xlsx."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(zipfile.ZipInfo("mimetype"), "application/vnd.oasis.opendocument.spreadsheet", zipfile.ZIP_STORED)
        archive.writestr("META-INF/manifest.xml", (
            '<?xml version="1.0" encoding="UTF-8"?><manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" '
            'manifest:version="1.2"><manifest:file-entry manifest:full-path="/" manifest:media-type="application/vnd.oasis.opendocument.spreadsheet"/>'
            '<manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/></manifest:manifest>'))
        archive.writestr("content.xml", (
            '<?xml version="1.0" encoding="UTF-8"?><office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
            'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" '
            'office:version="1.2"><office:body><office:spreadsheet><table:table table:name="Candidats"><table:table-row>'
            "<table:table-cell office:value-type=\"string\"><text:p>Nom</text:p></table:table-cell></table:table-row>"
            "</table:table></office:spreadsheet></office:body></office:document-content>"))
    return out.getvalue()


def _xlsb() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("[Content_Types].xml", '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"/>')
        archive.writestr("xl/workbook.bin", b"\x83\x01\x00")
    return out.getvalue()


def _html() -> bytes:
    return ('<html xmlns:o="urn:schemas-microsoft-com:office:office" xmlns:x="urn:schemas-microsoft-com:office:excel">'
            '<head><meta charset="utf-8"></head><body><table><tr><td>Nom</td><td>Prénom</td></tr>'
            "<tr><td>Dupont</td><td>Léa</td></tr></table></body></html>").encode()


WRITING = ("eligibilite", "rotations", "documents", "suivi", "indicateurs", "purger")
GENERATING = ("rotations", "documents", "suivi", "indicateurs")
CANDIDATES_PROTECTED = ("Candidats", "Ôtez la protection de la feuille « Candidats »")
STRUCTURE = ("structure du classeur est protégée", "Ôtez la protection du classeur")
WRONG_TYPE = ("classeur.xlsx", "Enregistrez-le")

CASES: tuple[Case, ...] = (
    Case("sparklines", "Graphiques sparkline dans la feuille Candidats.", sparklines),
    Case("commentaire-thread", "Commentaire Excel 365 (à thread, avec réponse) dans le Journal.", threaded_comment),
    Case("logo-en-tete", "Logo dans l'en-tête de page de Candidats.", header_logo),
    Case("texte-enrichi", "Mot en gras et en couleur dans des observations (texte enrichi).", rich_text),
    Case("feuille-graphique", "Graphique sur sa propre feuille, avec ses parties de style et de couleurs.", chart_sheet),
    Case("macros-xlsm", "Classeur prenant en charge les macros (.xlsm) avec un projet VBA.", macros, suffix=".xlsm"),
    Case("liste-autre-feuille", "Liste déroulante de Candidats qui pointe vers une autre feuille.", cross_sheet_list),
    Case("barres-de-donnees", "Barres de données (mise en forme conditionnelle Excel 2010).", data_bars),
    Case("formule-date-naissance", "Dates de naissance saisies comme formules =DATE(…), calculées par Excel.", formula_birth_date),
    Case("formule-sans-resultat", "Formule de date de naissance jamais calculée (pas de résultat enregistré).",
         formula_without_result),
    Case("feuille-protegee", "Feuille Candidats protégée par un mot de passe.", protected_sheet,
         refuses={"eligibilite": CANDIDATES_PROTECTED, "purger": CANDIDATES_PROTECTED}),
    Case("structure-protegee", "Structure du classeur protégée.", protected_structure,
         refuses={name: STRUCTURE for name in GENERATING}),
    Case("note-feuille-generee", "Note d'un conseiller sur la feuille Planning (régénérée).", note_on_generated_sheet),
    Case("ods-renomme", "Classeur LibreOffice (.ods) renommé en .xlsx.", None,
         refuses={name: (*WRONG_TYPE, "OpenDocument") for name in WRITING}, raw=_ods),
    Case("xlsb-renomme", "Classeur binaire Excel (.xlsb) renommé en .xlsx.", None,
         refuses={name: (*WRONG_TYPE, ".xlsb") for name in WRITING}, raw=_xlsb),
    Case("html-en-xls", "Tableau HTML enregistré avec une extension Excel.", None,
         refuses={name: (*WRONG_TYPE, "HTML") for name in WRITING}, raw=_html),
)


def build_case(case: Case, folder: Path, base: bytes) -> Path:
    target = folder / case.name
    target.mkdir(parents=True)
    path = target / case.workbook
    if case.raw is not None:
        path.write_bytes(case.raw())
        return path
    package = Package(base)
    case.build(package)
    path.write_bytes(package.to_bytes())
    return path


def base_workbook(scratch: Path) -> bytes:
    """The hostile corpus's small demo workbook, its rotations planned."""
    build_corpus.CORPUS_TMP = scratch
    scratch.mkdir(parents=True, exist_ok=True)
    build_corpus._blank_bytes.cache_clear()
    build_corpus._small_bytes.cache_clear()
    return build_corpus._small_bytes()


def build(folder: Path = CORPUS) -> Path:
    folder = Path(folder)
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    base = base_workbook(folder / ".tmp")
    (folder / "base.xlsx").write_bytes(base)
    for case in CASES:
        build_case(case, folder, base)
    shutil.rmtree(folder / ".tmp")
    build_corpus.write_readme(folder, "build_fidelity_corpus.py", CASES)
    return folder


if __name__ == "__main__":
    built = build(Path(sys.argv[1]) if len(sys.argv) > 1 else CORPUS)
    print(f"{len(CASES)} cas écrits dans {built}")
