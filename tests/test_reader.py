"""The fast reader (python-calamine) reads exactly what openpyxl read: same typed tables, same anomalies.

`tests/reference_reader.py` is the file backend's former read path (openpyxl, formulas' cached
results from a second load), typed cell by cell by `reference_frame` (the gateway's former
typing). Both read the demo workbook, every workbook of the hostile corpus and
random packages written cell by cell (every kind of cell XML an adviser's Excel, LibreOffice or
another tool writes: shared and inline strings, numbers under date, time, duration and number
formats, booleans, errors, formulas with and without a cached result, text starting with « = »,
style-only cells below the data, merged cells), and must give the same DataFrames and anomalies.
"""

from __future__ import annotations

import datetime as dt
import io
import math
import warnings
import zipfile
from dataclasses import dataclass
from pathlib import Path
from xml.sax.saxutils import escape

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl.utils import get_column_letter

from ccc_xl import contract as c
from ccc_xl.report import CommandError
from ccc_xl.workbook.gateway import frame_from_raw
from ccc_xl.workbook.reader import Package, Unreadable
from reference_reader import ReferenceReader, reference_frame

ALL_TABLES = (*c.TABLES.values(), *c.ROTATION_TABLES)


def outcome(reader, table: c.Table, typing=frame_from_raw):
    """What a command gets from reading ``table``: a French refusal, or the typed frame and the
    anomalies, with the raw table's place and header (the cells the writer writes back to)."""
    try:
        raw = reader.read_table(table)
    except CommandError as refusal:
        return ("refused", refusal.message)
    place = (raw.sheet, raw.header, raw.first_row, raw.first_column)
    try:
        frame, anomalies = typing(raw)
    except CommandError as refusal:
        return ("refused", place, refusal.message)
    return ("read", place, frame, anomalies)


def assert_same_tables(data: bytes, tables=ALL_TABLES, reference: ReferenceReader | None = None) -> int:
    """Both readers on one package (``reference``: openpyxl's reading of it, when already loaded);
    returns how many tables were read (not refused)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # openpyxl warns about what it drops: not our concern here
        reference = reference or ReferenceReader(data)
        fast = Package(data)
        read = 0
        for table in tables:
            expected, found = outcome(reference, table, reference_frame), outcome(fast, table)
            assert found[:2] == expected[:2], table.name
            if expected[0] == "read":
                read += 1
                _, _, frame, anomalies = expected
                assert list(found[2].columns) == list(frame.columns) and list(found[2].dtypes) == list(frame.dtypes), table.name
                assert found[2].index.equals(frame.index) and found[2].index.dtype == frame.index.dtype, table.name
                for column in frame.columns:
                    assert found[2][column].tolist() == frame[column].tolist() or found[2][column].equals(frame[column]), (table.name, column)
                assert found[3] == anomalies, table.name
            else:
                assert found == expected
    return read


def test_the_demo_reads_the_same(demo_workbook):
    assert assert_same_tables(demo_workbook.read_bytes()) >= len(c.INPUT_TABLES)


def test_every_corpus_workbook_reads_the_same_or_is_refused_by_both(corpus):
    compared = refused = 0
    for case in sorted(p for p in corpus.iterdir() if p.is_dir()):
        path = case / "classeur.xlsx"
        if not path.is_file():
            continue
        data = path.read_bytes()
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                reference = ReferenceReader(data)
        except Exception:  # noqa: BLE001 - whatever openpyxl raises, the fast reader must refuse too
            with pytest.raises(Unreadable):
                Package(data)
            refused += 1
            continue
        assert_same_tables(data, reference=reference)
        compared += 1
    assert compared >= 40 and refused >= 5


# --- Random packages, written cell by cell ---------------------------------------------------

# Number formats of the styles (index = style id): what French Excel and LibreOffice offer, and custom ones.
FORMATS = ["General", "dd/mm/yyyy", "d/m/yy h:mm", "hh:mm", "[h]:mm:ss", "0.00", '#,##0.00\\ "€"', "@", "mm:ss",
           "[$-40C]dddd\\ d\\ mmmm\\ yyyy", "yyyy-mm-dd", '0.00"h"', "0%", "h:mm AM/PM", "d mmm yy", "[Red]dd/mm/yyyy",
           "0.00E+00", '"le "dd/mm/yyyy', "# ?/?"]
ERRORS = ["#N/A", "#VALUE!", "#REF!", "#DIV/0!", "#NUM!", "#NAME?", "#NULL!"]
WORDS = ["Oui", "non", " X ", "1", "Vrai", "03/05/2001", "3 mai 2001", "2001-05-03", "9h30", "09:30", "14 h", "1 234,50 €",
         "=SOMME(A1:A3)", "=", "'=texte", "#N/A", "  ", "", "Éric L'Hôpital & fils <ok>", "😀 ערבית",
         "D - Commerce", "SPIP", "86", "12.5", "1e400", "inf", "45000", "Non éligible"]

text = st.one_of(st.sampled_from(WORDS), st.text(st.characters(blacklist_categories=("Cs", "Cc")), max_size=12))
numbers = st.one_of(
    st.integers(-100, 100), st.integers(7000, 80000), st.integers(2958000, 2959000), st.integers(10**8, 10**10),
    st.floats(-1000, 1000), st.floats(0, 1, exclude_max=True), st.floats(7000, 80000),
    st.sampled_from([0, 0.5, -0.5, 59, 60, 61, 1e15, 1e16 + 1, 12345678901234567, 3e6, 45000.999999999, 1e20, -1e20]),
)


@dataclass(frozen=True)
class Cell:
    xml: str  # the <c> element without its reference, "{r}" standing for it


def _number_text(value) -> str:
    return str(value) if isinstance(value, int) else repr(value)


cells = st.one_of(
    st.none(),
    st.builds(lambda s: Cell(f'<c r="{{r}}" s="{s}"/>'), st.integers(0, len(FORMATS) - 1)),
    st.builds(lambda v, s: Cell(f'<c r="{{r}}" s="{s}"><v>{_number_text(v)}</v></c>'), numbers, st.integers(0, len(FORMATS) - 1)),
    st.builds(lambda t: Cell(f'<c r="{{r}}" t="s"><v>{{s:{t}}}</v></c>'), text),
    st.builds(lambda t: Cell(f'<c r="{{r}}" t="inlineStr"><is><t xml:space="preserve">{escape(t)}</t></is></c>'), text),
    st.builds(lambda b: Cell(f'<c r="{{r}}" t="b"><v>{int(b)}</v></c>'), st.booleans()),
    st.builds(lambda e: Cell(f'<c r="{{r}}" t="e"><v>{escape(e)}</v></c>'), st.sampled_from(ERRORS)),
    st.builds(lambda t: Cell(f'<c r="{{r}}" t="str"><f>B2&amp;""</f><v>{escape(t)}</v></c>'), text),
    st.builds(lambda v, s: Cell(f'<c r="{{r}}" s="{s}"><f>1+1</f><v>{_number_text(v)}</v></c>'), numbers, st.integers(0, len(FORMATS) - 1)),
    st.builds(lambda e: Cell(f'<c r="{{r}}" t="e"><f>1/0</f><v>{escape(e)}</v></c>'), st.sampled_from(ERRORS)),
    st.just(Cell('<c r="{r}"><f>NOW()</f></c>')),
    st.just(Cell('<c r="{r}" t="b"><f>TRUE()</f><v>1</v></c>')),
    st.builds(lambda d, s: Cell(f'<c r="{{r}}" s="{s}" t="d"><v>{d.isoformat()}</v></c>'),
              st.one_of(st.datetimes(dt.datetime(1990, 1, 1), dt.datetime(2040, 1, 1)), st.dates(dt.date(1990, 1, 1)), st.times()),
              st.integers(0, len(FORMATS) - 1)),
)


@st.composite
def workbooks(draw) -> tuple:
    """A workbook with the Sessions and Candidates tables (contract headers), random data cells, rows
    of formats only below them, perhaps merged cells."""
    strings: list[str] = []

    def shared(index_text: str) -> str:
        strings.append(index_text)
        return str(len(strings) - 1)

    sheets = []
    for number, table in enumerate((c.SESSIONS, c.CANDIDATES), start=1):
        width = len(table.columns)
        rows = draw(st.lists(st.lists(cells, min_size=width, max_size=width), max_size=6))
        formatted = draw(st.integers(0, 3))  # rows of style-only cells below the data, inside the table
        lines = ['<row r="1">' + "".join(
            f'<c r="{get_column_letter(i + 1)}1" t="s"><v>{shared(col.header)}</v></c>' for i, col in enumerate(table.columns)) + "</row>"]
        for r, row in enumerate(rows, start=2):
            body = ""
            for i, cell in enumerate(row):
                if cell is None:
                    continue
                xml = cell.xml.replace("{r}", f"{get_column_letter(i + 1)}{r}")
                if "{s:" in xml:
                    start = xml.index("{s:")
                    xml = xml[:start] + shared(xml[start + 3:xml.index("}</v>", start)]) + xml[xml.index("}</v>", start) + 1:]
                body += xml
            lines.append(f'<row r="{r}">{body}</row>')
        last = len(rows) + 1 + formatted
        for r in range(len(rows) + 2, last + 1):
            lines.append(f'<row r="{r}"><c r="A{r}" s="1"/><c r="C{r}" s="3"/></row>')
        merged = draw(st.sampled_from(["", f'<mergeCells count="1"><mergeCell ref="B{last + 3}:C{last + 3}"/></mergeCells>',
                                       '<mergeCells count="1"><mergeCell ref="B2:C2"/></mergeCells>']))
        ref = f"A1:{get_column_letter(width)}{max(last, 2)}"
        sheets.append((table.name, "".join(lines), merged, ref))
    return sheets, strings, draw(st.booleans())


def _package(sheets, strings: list[str], date1904: bool) -> bytes:
    main = 'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
    rels = 'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"'
    pkg = "http://schemas.openxmlformats.org/package/2006/relationships"
    office = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
    types = ['<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>',
             '<Default Extension="xml" ContentType="application/xml"/>',
             '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>',
             '<Override PartName="/xl/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>',
             '<Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/>']
    parts = {}
    workbook_rels, sheet_entries = [], []
    for n, (name, data, merged, ref) in enumerate(sheets, start=1):
        table = c.TABLES[name]
        types += [f'<Override PartName="/xl/worksheets/sheet{n}.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>',
                  f'<Override PartName="/xl/tables/table{n}.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.table+xml"/>']
        parts[f"xl/worksheets/sheet{n}.xml"] = (f'<worksheet {main} {rels}><sheetData>{data}</sheetData>{merged}'
                                                 f'<tableParts count="1"><tablePart r:id="rId1"/></tableParts></worksheet>')
        parts[f"xl/worksheets/_rels/sheet{n}.xml.rels"] = (f'<Relationships xmlns="{pkg}"><Relationship Id="rId1" '
                                                            f'Type="{office}/table" Target="../tables/table{n}.xml"/></Relationships>')
        columns = "".join(f'<tableColumn id="{i}" name="{escape(col.header, {chr(34): "&quot;"})}"/>' for i, col in enumerate(table.columns, start=1))
        parts[f"xl/tables/table{n}.xml"] = (f'<table {main} id="{n}" name="{table.name}" displayName="{table.name}" ref="{ref}">'
                                            f'<tableColumns count="{len(table.columns)}">{columns}</tableColumns></table>')
        workbook_rels.append(f'<Relationship Id="rId{n}" Type="{office}/worksheet" Target="worksheets/sheet{n}.xml"/>')
        sheet_entries.append(f'<sheet name="{escape(table.sheet)}" sheetId="{n}" r:id="rId{n}"/>')
    workbook_rels += [f'<Relationship Id="rIdS" Type="{office}/styles" Target="styles.xml"/>',
                      f'<Relationship Id="rIdT" Type="{office}/sharedStrings" Target="sharedStrings.xml"/>']
    parts["[Content_Types].xml"] = f'<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">{"".join(types)}</Types>'
    parts["_rels/.rels"] = f'<Relationships xmlns="{pkg}"><Relationship Id="rId1" Type="{office}/officeDocument" Target="xl/workbook.xml"/></Relationships>'
    properties = '<workbookPr date1904="1"/>' if date1904 else "<workbookPr/>"
    parts["xl/workbook.xml"] = (f'<workbook {main} {rels}>{properties}'
                                f'<sheets>{"".join(sheet_entries)}</sheets>'
                                f'<definedNames><definedName name="{c.MARKER_NAME}">"ccc-xl"</definedName></definedNames></workbook>')
    parts["xl/_rels/workbook.xml.rels"] = f'<Relationships xmlns="{pkg}">{"".join(workbook_rels)}</Relationships>'
    numbers = "".join(f'<numFmt numFmtId="{164 + i}" formatCode="{escape(code, {chr(34): "&quot;"})}"/>' for i, code in enumerate(FORMATS))
    xfs = "".join(f'<xf numFmtId="{164 + i}" fontId="0" fillId="0" borderId="0" applyNumberFormat="1"/>' for i in range(len(FORMATS)))
    parts["xl/styles.xml"] = (f'<styleSheet {main}><numFmts count="{len(FORMATS)}">{numbers}</numFmts>'
                              '<fonts count="1"><font><sz val="11"/><name val="Calibri"/></font></fonts>'
                              '<fills count="1"><fill><patternFill patternType="none"/></fill></fills>'
                              '<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>'
                              f'<cellStyleXfs count="1"><xf/></cellStyleXfs><cellXfs count="{len(FORMATS)}">{xfs}</cellXfs></styleSheet>')
    items = "".join(f'<si><t xml:space="preserve">{escape(s)}</t></si>' for s in strings)
    parts["xl/sharedStrings.xml"] = f'<sst {main} count="{len(strings)}" uniqueCount="{len(strings)}">{items}</sst>'
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in parts.items():
            archive.writestr(name, '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n' + content)
    return buffer.getvalue()


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(workbook=workbooks())
def test_random_workbooks_read_the_same(workbook):
    """``workbook``: each sheet's table, row XML, merged cells and table range; the shared strings;
    whether dates count from 1904."""
    assert_same_tables(_package(*workbook), (c.SESSIONS, c.CANDIDATES))



def test_escaped_characters_read_as_excel_shows_them():
    """Excel stores a carriage return in text as « _x000D_ » (and a literal « _x » as « _x005F_x »):
    the fast reader decodes them as Excel shows them, where openpyxl left the escape in the text — the
    one difference between the two readers, and a correction (the escape used to reach documents)."""
    header = "".join(f'<c r="{get_column_letter(i + 1)}1" t="inlineStr"><is><t>{escape(col.header)}</t></is></c>'
                      for i, col in enumerate(c.SESSIONS.columns))
    notes = get_column_letter(c.SESSIONS.keys.index("notes") + 1)
    rows = (f'<row r="1">{header}</row><row r="2"><c r="A2"><v>2027</v></c>'
            f'<c r="{notes}2" t="inlineStr"><is><t>ligne 1_x000D_\nligne 2 _x005F_x000D_</t></is></c></row>')
    data = _package([("tblSessions", rows, "", f"A1:{get_column_letter(len(c.SESSIONS.columns))}2")], [], False)
    raw = Package(data).read_table(c.SESSIONS)
    frame, anomalies = frame_from_raw(raw)
    assert frame.notes.tolist() == ["ligne 1\r\nligne 2 _x000D_"] and not anomalies
    assert ReferenceReader(data).read_table(c.SESSIONS).rows[0][c.SESSIONS.keys.index("notes")] == "ligne 1_x000D_\nligne 2 _x005F_x000D_"


def test_a_sheet_calamine_cannot_convert_is_read_from_its_xml():
    """A date-formatted number beyond any calendar makes calamine give up the whole sheet: the
    reader reads that sheet's cells from the XML, with the same values as openpyxl."""
    header = "".join(f'<c r="{get_column_letter(i + 1)}1" t="inlineStr"><is><t>{escape(col.header)}</t></is></c>'
                     for i, col in enumerate(c.SESSIONS.columns))
    start = get_column_letter(c.SESSIONS.keys.index("coaching_start") + 1)
    rows = (f'<row r="1">{header}</row>'
            f'<row r="2"><c r="A2"><v>2027</v></c><c r="B2" t="s"><v>0</v></c><c r="{start}2" s="1"><v>1e20</v></c></row>'
            f'<row r="3"><c r="A3" t="e"><v>#N/A</v></c><c r="B3" t="inlineStr"><is><t>Vivonne</t></is></c>'
            f'<c r="C3" t="b"><v>1</v></c><c r="{start}3" s="1"><f>TODAY()</f><v>46000</v></c></row>')
    data = _package([("tblSessions", rows, "", f"A1:{get_column_letter(len(c.SESSIONS.columns))}4")], ["Centre pénitentiaire"], False)
    assert assert_same_tables(data, (c.SESSIONS,)) == 1


def test_formulas_without_a_cached_result_are_named_and_only_they():
    """A formula never calculated (no ``<v>``: written by a tool that does not calculate) is named
    by row and column; a calculated one, even with an empty text result, reads as its result; the
    formulas of a drop-down or sparkline in the sheet's extension list are not cells."""
    width = len(c.CANDIDATES.columns)
    header = "".join(f'<c r="{get_column_letter(i + 1)}1" t="inlineStr"><is><t>{escape(col.header)}</t></is></c>'
                     for i, col in enumerate(c.CANDIDATES.columns))
    born = get_column_letter(c.CANDIDATES.keys.index("birth_date") + 1)
    ecrou = get_column_letter(c.CANDIDATES.keys.index("ecrou") + 1)
    rows = (f'<row r="1">{header}</row>'
            f'<row r="2"><c r="A2" t="inlineStr"><is><t>C1</t></is></c><c r="{born}2"><f>DATE(2004,5,3)</f></c>'
            f'<c r="{ecrou}2" t="str"><f>""</f><v></v></c></row>'
            f'<row r="3"><c r="A3" t="inlineStr"><is><t>C2</t></is></c><c r="{born}3" s="1"><f>DATE(2004,5,3)</f><v>38110</v></c>'
            f'<c r="{ecrou}3"><f t="shared" ref="{ecrou}3:{ecrou}4" si="0">1234567+0</f></c></row>'
            f'<row r="4"><c r="A4" t="inlineStr"><is><t>C3</t></is></c><c r="{ecrou}4"><f t="shared" si="0"/></c>'
            f'<c r="{get_column_letter(width)}4" t="inlineStr"><is><t>dernière</t></is></c></row>'
            # An empty cached value is no result either (openpyxl writes « <v/> » after a formula),
            # except after a text formula, whose result may be empty text.
            f'<row r="5"><c r="A5" t="inlineStr"><is><t>C4</t></is></c><c r="{born}5"><f>DATE(2003,9,6)</f><v/></c>'
            f'<c r="{ecrou}5"><f>1+1</f><v></v></c></row>'
            f'<row r="6"><c r="A6" t="inlineStr"><is><t>C5</t></is></c><c r="{born}6" t="str"><f>""</f><v/></c></row>')
    extensions = ('<extLst><ext uri="{CCE6A557-97BC-4b89-ADB6-D9C93CAAB3DF}" '
                  'xmlns:x14="http://schemas.microsoft.com/office/spreadsheetml/2009/9/main">'
                  '<x14:dataValidations count="1" xmlns:xm="http://schemas.microsoft.com/office/excel/2006/main">'
                  '<x14:dataValidation type="list"><x14:formula1><xm:f>Listes!$A$1:$A$5</xm:f></x14:formula1>'
                  f'<xm:sqref>{get_column_letter(width)}2:{get_column_letter(width)}9</xm:sqref></x14:dataValidation>'
                  '</x14:dataValidations></ext></extLst>')
    data = _package([("tblCandidats", rows, extensions, f"A1:{get_column_letter(width)}6")], [], False)
    assert assert_same_tables(data, (c.CANDIDATES,)) == 1
    frame, anomalies = frame_from_raw(Package(data).read_table(c.CANDIDATES))
    assert frame.loc[3, "birth_date"].date() == dt.date(2004, 5, 3)
    named = sorted((a.sheet, a.row, a.column) for a in anomalies if "formule sans résultat" in a.message)
    assert named == [("Candidats", 2, "Date de naissance"), ("Candidats", 3, "N° d'écrou"), ("Candidats", 4, "N° d'écrou"),
                     ("Candidats", 5, "Date de naissance"), ("Candidats", 5, "N° d'écrou")]


# --- Typing: the gateway's column-at-once typing against the cell-by-cell reference ------------

raw_values = st.one_of(
    st.none(), text, st.booleans(), numbers, st.sampled_from([math.nan, math.inf, -0.0, 0.0, 1, 1.0, True, "#N/A", " #REF! "]),
    st.datetimes(dt.datetime(1900, 1, 1), dt.datetime(2200, 1, 1)), st.dates(dt.date(1900, 1, 1)), st.times(),
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data(), table=st.sampled_from(ALL_TABLES))
def test_typing_a_table_at_once_gives_what_typing_each_cell_gives(data, table):
    """Random cells of any type under a contract table's headers (shuffled, with an adviser's own
    column), rows shorter than the header, repeated values, formulas never calculated: the same
    frame (values, dtypes, index) and the same anomalies in the same order."""
    from ccc_xl.workbook.gateway import RawTable

    header = data.draw(st.permutations([col.header for col in table.columns] + ["Ma colonne"]))
    pool = data.draw(st.lists(raw_values, min_size=1, max_size=6))  # repeated cells, as a column repeats its values
    cell = st.one_of(st.sampled_from(pool), raw_values)
    rows = data.draw(st.lists(st.lists(cell, max_size=len(header)), max_size=8))
    problems = {(2 + r, p): "formule sans résultat" for r, p in data.draw(
        st.lists(st.tuples(st.integers(0, 8), st.integers(0, len(header))), max_size=3))}
    raw = RawTable(table, table.sheet, header, rows, 2, 1, problems=problems)
    frame, anomalies = frame_from_raw(raw)
    expected, expected_anomalies = reference_frame(raw)
    pd.testing.assert_frame_equal(frame, expected, check_index_type=True, check_column_type=True)
    assert anomalies == expected_anomalies
