"""What ccc-xl puts on paper, rendered as a user prints it (LibreOffice, French locale, A4).

`scripts/render.py` converts every sheet of the demo workbook, of the blank master and of the
funders' export (each sheet alone), and one document of every type, to PDF; these tests read the
PDFs back with poppler (pdfinfo, pdftotext) and check what a reader of the paper would notice.
"""

from __future__ import annotations

import functools
import html
import importlib.util
import re
import subprocess
import sys
from collections import defaultdict
from pathlib import Path

import pytest
from openpyxl import load_workbook
from openpyxl.utils import column_index_from_string

from ccc_xl.workbook import layout, printing
from conftest import libreoffice_sheets, soffice_or_fail

ROOT = Path(__file__).resolve().parents[1]
# One worker renders once and runs every test of the rendering (--dist loadgroup).
pytestmark = pytest.mark.xdist_group("rendu")


def _render_module():
    spec = importlib.util.spec_from_file_location("render", ROOT / "scripts" / "render.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules["render"] = module  # dataclasses look their module up while the class is made
    spec.loader.exec_module(module)
    return module


render = _render_module()


@pytest.fixture(scope="session")
def rendered(demo_workbook, tmp_path_factory):
    """Every sheet and document of the demo folder as PDF, by group then name."""
    soffice_or_fail()
    items = render.render_all(tmp_path_factory.mktemp("rendu"), demo_workbook.parent, png=False)
    by_group = defaultdict(dict)
    for item in items:
        by_group[item.group][item.name] = item
    return by_group


SHEET_GROUPS = ("Classeur de démonstration", "Classeur vierge", "Export financeurs")


def _words(pdf: Path, page: int) -> list[tuple[float, float, float, float, str]]:
    """(xMin, yMin, xMax, yMax, text) of every word of one page."""
    out = subprocess.run(["pdftotext", "-f", str(page), "-l", str(page), "-bbox", str(pdf), "-"],
                         capture_output=True, text=True, check=True).stdout
    words = []
    for line in out.splitlines():
        line = line.strip()
        if line.startswith("<word "):
            attrs = dict(part.split("=") for part in line[6:line.index(">")].replace('"', "").split())
            text = line[line.index(">") + 1:line.rindex("</word>")]
            words.append((float(attrs["xMin"]), float(attrs["yMin"]), float(attrs["xMax"]), float(attrs["yMax"]), text))
    return words


@functools.cache
def _source_workbook(path: Path):
    return load_workbook(path)


def _source_sheet(item):
    """The worksheet a rendered sheet came from (its workbook read once; tests only read it)."""
    return _source_workbook(item.source)[item.sheet]


def _across(ws) -> int:
    """Pages across of a sheet printed over several pages wide (1 for a sheet one page wide)."""
    if not ws.print_title_cols:
        return 1
    keys = column_index_from_string(ws.print_title_cols.split(":")[1].replace("$", ""))
    return printing.pages_across(printing.sheet_widths(ws), keys, int(ws.page_setup.scale))


def test_the_demo_workbook_prints_its_one_page_wide_sheets_in_at_most_60_pages(rendered):
    """The sheets read one page wide keep the issue's bar; the wide input tables (Sessions,
    Candidats…) print at a readable scale instead, which costs pages (counted in the report)."""
    pages = {name: item.pages for name, item in rendered["Classeur de démonstration"].items()
             if _across(_source_sheet(item)) == 1}
    assert sum(pages.values()) <= 60, pages


def test_the_blank_master_prints_one_page_down_per_sheet(rendered):
    """No strip of headers alone: an empty sheet is one page, or one row of pages across."""
    pages = {name: (item.pages, _across(_source_sheet(item))) for name, item in rendered["Classeur vierge"].items()}
    assert pages and all(n == across for n, across in pages.values()), pages


# Generated sheets still printed one page wide under 70 %: their notes span the page in merged cells,
# which repeated columns would cut.
GENERATED_WIDE = {"Tableau de bord"}


@pytest.mark.parametrize("group", SHEET_GROUPS)
def test_every_sheet_is_readable_with_its_header_row_and_row_names_on_every_page(rendered, group):
    """A sheet one page wide shows the first and the last header on every page. A wider one prints at
    a readable scale (never under 70 %), across then down: every page shows the header row and the
    columns that name a row (« Année », « ID »…), and every header is printed on some page."""
    wide = []
    for name, item in rendered[group].items():
        ws = _source_sheet(item)
        if not ws.print_title_rows:
            continue
        row = int(ws.print_title_rows.split(":")[0].lstrip("$"))
        headers = [str(c.value) for c in ws[row] if c.value not in (None, "")]
        pages = render.pdf_text_pages(item.pdf)
        if _across(ws) == 1:
            assert ws.sheet_properties.pageSetUpPr.fitToPage and ws.page_setup.fitToWidth == 1, name
            if ws.tables and name not in GENERATED_WIDE:
                assert printing.fit_scale(printing.sheet_widths(ws), ws.page_setup.orientation == "landscape") \
                    >= printing.READABLE_SCALE, name
            first, last = headers[0].split()[0], headers[-1].split()[0]
            for page, text in enumerate(pages, start=1):
                assert first in text and last in text, f"{group} › {name}, page {page} : {first!r} / {last!r}"
            continue
        wide.append(name)
        assert int(ws.page_setup.scale) >= printing.READABLE_SCALE and ws.page_setup.pageOrder == "overThenDown"
        assert len(pages) % _across(ws) == 0, name  # whole rows of pages across, no stray strip
        for page, text in enumerate(pages, start=1):
            assert headers[0].split()[0] in text, f"{group} › {name}, page {page}"
        flat = " ".join(" ".join(pages).split())
        assert all(word in flat for header in headers for word in header.split()[:1]), name
    assert group == "Export financeurs" or {"Sessions", "Candidats"} <= set(wide)


@pytest.mark.parametrize("group", SHEET_GROUPS)
def test_every_printed_page_has_its_footer(rendered, group):
    for name, item in rendered[group].items():
        pages = render.pdf_text_pages(item.pdf)
        for number, text in enumerate(pages, start=1):
            assert f"Page {number} / {len(pages)}" in text, f"{group} › {name}, page {number}"
            assert name in text and "Imprimé le" in text, f"{group} › {name}, page {number}"


SMALLEST_SCALE = 66


@pytest.mark.parametrize("group, sheet", [("Classeur de démonstration", "Indicateurs"),
                                          ("Export financeurs", "Synthèse")])
def test_indicators_print_on_one_page_at_a_readable_size_and_the_chart_on_the_next(rendered, group, sheet):
    item = rendered[group][sheet]
    assert item.pages <= 2
    ws = _source_sheet(item)
    assert ws.page_setup.orientation == "landscape"
    # Sixty indicator lines and two three-line definitions on one landscape page: 66 % at least
    # (9 pt printed as 6 pt), the most that page holds since the definitions grew.
    assert int(ws.page_setup.scale) >= SMALLEST_SCALE
    first = render.pdf_text_pages(item.pdf)[0]
    assert "Définition" in first and "Budget" in first  # the whole table, definitions beside it
    # Text as printed: a 9 pt line at 66 % or more is at least 0.66 × 9 × 1.3 pt high (Carlito's box).
    words = _words(item.pdf, 1)
    labels = [w for w in words if w[4] == "Participants"]
    leftmost = min(w[0] for w in labels)
    heights = [w[3] - w[1] for w in labels if w[0] == leftmost]
    assert heights and min(heights) >= SMALLEST_SCALE / 100 * layout.COMPACT_SIZE * 1.3 - 0.1
    if item.pages == 2:
        assert "Participants et sorties positives" in render.pdf_text_pages(item.pdf)[1]


def _overlaps(words):
    """Pairs of words drawn over each other (boxes sharing more than 40 % of their height: the
    boxes of two lines of one cell touch, text printed over text covers it)."""
    found = []
    ordered = sorted(words, key=lambda w: w[1])
    for i, a in enumerate(ordered):
        for b in ordered[i + 1:]:
            if b[1] >= a[3]:
                break
            height = min(a[3] - a[1], b[3] - b[1])
            if min(a[2], b[2]) - max(a[0], b[0]) > 0.5 and min(a[3], b[3]) - max(a[1], b[1]) > 0.4 * height:
                found.append((a[4], b[4]))
    return found


@pytest.mark.parametrize("group", SHEET_GROUPS)
def test_no_printed_text_runs_over_another(rendered, group):
    """Wrapped text in a row too low for it would be drawn over the next row's text."""
    for name, item in rendered[group].items():
        for page in range(1, item.pages + 1):
            assert not _overlaps(_words(item.pdf, page)), f"{group} › {name}, page {page}"


def test_every_wrapped_cell_has_the_height_its_text_needs(demo_workbook):
    """The same estimate as the writer, checked cell by cell on every sheet of the demo."""
    wb = load_workbook(demo_workbook)
    short = []
    for ws in wb.worksheets:
        if ws.sheet_state != "visible":
            continue
        merged = printing._merged_widths(ws)
        for row in ws.iter_rows():
            for cell in row:
                if cell.value is None or not (cell.alignment and cell.alignment.wrap_text):
                    continue
                width = merged.get((cell.row, cell.column), printing.column_width(ws, cell.column))
                size, bold = printing.cell_font(cell)
                needed = printing.text_height(str(cell.value), width, size, bold)
                height = ws.row_dimensions[cell.row].height or printing.DEFAULT_ROW
                if height + 0.05 < needed:
                    short.append((ws.title, cell.coordinate, height, needed))
    assert not short, short[:10]


def _printed_cells(item, key_header: str, text_header: str):
    """(key, the cell's text, the text printed in its column between its row's key and the next
    row's), for every row of the sheet's table found on the pages — spaces left out."""
    ws = _source_sheet(item)
    header_row = int(ws.print_title_rows.split(":")[0].lstrip("$"))
    headers = [c.value for c in ws[header_row]]
    key_col, text_col = headers.index(key_header) + 1, headers.index(text_header) + 1
    rows = [(str(ws.cell(r, key_col).value), ws.cell(r, text_col).value)
            for r in range(header_row + 1, ws.max_row + 1) if ws.cell(r, key_col).value is not None]
    found, position = [], 0
    for page in range(1, item.pages + 1):
        words = [(*w[:4], html.unescape(w[4])) for w in _words(item.pdf, page)]
        heads = [w for w in words if w[4] == text_header.split()[0]]
        if not heads:  # a page of a wide sheet holding other columns (its rows' keys repeat on it)
            continue
        head = min(heads, key=lambda w: w[1])
        left = head[0] - 1
        right = min((w[0] for w in words if abs(w[1] - head[1]) < 3 and w[0] > left + 5), default=1e6) - 1
        keys = sorted((w for w in words if w[0] < left and w[1] > head[3]), key=lambda w: w[1])
        starts = []
        for key, text in rows[position:]:
            match = next((w for w in keys if w[4] == key and (not starts or w[1] > starts[-1][1] + 1)), None)
            if match is None:
                break
            starts.append((key, match[1], text))
        position += len(starts)
        bottom = min(w[1] for w in words if w[4] == "Page") - 1  # the footer
        for (key, top, text), following in zip(starts, starts[1:] + [(None, bottom, None)]):
            printed = sorted((w for w in words if left <= w[0] < right and top - 1 <= w[1] < following[1] - 1),
                             key=lambda w: (round(w[1]), w[0]))
            found.append((key, "".join(str(text or "").split()), "".join(w[4] for w in printed)))
    return found


@pytest.mark.parametrize("sheet, key, column", [("Candidats", "ID", "Motifs"),
                                                ("Tableau de bord", "ID participant", "Message"),
                                                ("Plans d'action", "ID participant", "Action")])
def test_wrapped_cells_print_whole_in_the_rows_written_for_them(rendered, sheet, key, column):
    """A row too low for its wrapped text prints it cut (LibreOffice) or over the next row (Excel):
    every word of these cells is printed between its row and the next."""
    cells = _printed_cells(rendered["Classeur de démonstration"][sheet], key, column)
    assert len(cells) >= 8
    cut = [(key, text, printed) for key, text, printed in cells if text != printed]
    assert not cut, cut[:3]


DOCUMENT_GROUPS = ("Documents 2026", "Documents 2027")
CONVOCATIONS = ("convocation-sensibilisation", "convocation-entretiens", "invitation-grand-oral",
                "convocation-coaching", "invitation-copil", "horaire-grand-oral", "planning-entretiens")


def _documents(rendered):
    return [item for group in (*DOCUMENT_GROUPS, "Documents") for item in rendered[group].values()]


def test_the_demo_renders_one_document_of_every_type_for_both_recent_sessions(rendered):
    from ccc_xl.documents import DOCUMENT_TYPES

    for group in DOCUMENT_GROUPS:
        assert set(rendered[group]) == set(DOCUMENT_TYPES), group


def test_every_multi_page_document_numbers_its_pages(rendered):
    for item in _documents(rendered):
        pages = render.pdf_text_pages(item.pdf)
        for number, text in enumerate(pages, start=1):
            assert f"Page {number} / {len(pages)}" in text, (item.group, item.name, number)


def test_every_document_of_a_funded_session_prints_its_funders_mention(rendered):
    for item in _documents(rendered):
        text = " ".join(" ".join(render.pdf_text_pages(item.pdf)).split())
        assert "Fonds interministériel de prévention de la délinquance" in text, (item.group, item.name)


def test_no_convocation_without_a_time(rendered):
    for group in DOCUMENT_GROUPS:
        for kind in CONVOCATIONS:
            text = " ".join(render.pdf_text_pages(rendered[group][kind].pdf))
            assert re.search(r"\d{1,2} h \d{2}", text), (group, kind)


def test_letters_carry_the_sender_and_a_date_without_weekday(rendered):
    for group in DOCUMENT_GROUPS:
        for kind in ("convocation-sensibilisation", "invitation-grand-oral", "invitation-copil"):
            first = " ".join(render.pdf_text_pages(rendered[group][kind].pdf)[0].split())
            assert "Mission Locale d'Insertion du Poitou" in first and "Poitiers, le 26 novembre 2026" in first
            assert "jeudi 26 novembre" not in first


def test_the_visitor_list_titles_its_section_on_every_page(rendered):
    for group in DOCUMENT_GROUPS:
        item = rendered[group]["liste-visiteurs"]
        for number, text in enumerate(render.pdf_text_pages(item.pdf), start=1):
            assert re.search(r"(Sensibilisation des entreprises|Coaching|Entretiens individuels|Grand Oral et repas)"
                             r" — \w+ \d", text), (group, number)


def test_the_bilan_is_a4_with_its_table_header_on_every_page(rendered):
    item = next(i for i in rendered["Documents"].values() if i.name.startswith("Bilan"))
    assert render.pdf_page_size(item.pdf) == pytest.approx((595.3, 841.9), abs=1)
    pages = render.pdf_text_pages(item.pdf)
    assert item.pages >= 2 and "Faits marquants" in pages[0]
    table_pages = [t for t in pages if "Sessions tenues" in t or "Financement FIPD" in t]
    assert all("Indicateur" in t for t in table_pages)


# Where each signed document's signature block starts: the closing formula of a letter, the heading of
# the plan's signature boxes.
SIGNED = {kind: r"Nous vous prions d.agréer" for kind in
          ("convocation-sensibilisation", "convocation-entretiens", "invitation-grand-oral", "invitation-copil",
           "dossier-entreprises")} | {"plan-action": r"^\s*Signatures\s*$"}
RUNNING_HEAD = re.compile(r"100 Chances 100 Emplois en milieu carcéral\s*$|^\s*Vienne · Session \d{4}\s*$")


def test_a_signature_is_never_alone_on_its_page(rendered):
    """On the page where the signature block starts, body text comes before it (the largest document of
    each signed type is rendered: the one most likely to push its signature over)."""
    from ccc_xl.documents import DOCUMENT_TYPES

    template_text = {kind: " ".join(render.pdf_text_pages(rendered[DOCUMENT_GROUPS[0]][kind].pdf)) for kind in SIGNED}
    assert all(re.search(marker, template_text[kind], re.M) for kind, marker in SIGNED.items())
    unsigned = [k for k in DOCUMENT_TYPES if k not in SIGNED
                and re.search(r"Nous vous prions d.agréer|Date et signature :", " ".join(
                    render.pdf_text_pages(rendered[DOCUMENT_GROUPS[0]][k].pdf)))]
    assert unsigned == []  # every signed type is checked
    for group in DOCUMENT_GROUPS:
        for kind, marker in SIGNED.items():
            pages = render.pdf_text_pages(rendered[group][kind].pdf)
            (page,) = [text for text in pages if re.search(marker, text, re.M)][:1]
            lines = page.splitlines()
            start = next(i for i, line in enumerate(lines) if re.search(marker, line))
            body = [line for line in lines[:start] if line.strip() and not RUNNING_HEAD.search(line)]
            assert body, (group, kind, pages.index(page) + 1)


def test_rendering_leaves_later_libreoffice_runs_their_accented_sheet_names(rendered, tmp_path):
    """The French locale of the PDF rendering is that call's alone: a later LibreOffice run of the
    same process still writes « Réunions d'information », « Binômes », « Débriefing »… (where
    fr_FR.UTF-8 is not installed, a process-wide LANG made such names impossible to write)."""
    from ccc_xl import contract as c

    assert rendered  # the rendering ran in this process first
    shown = libreoffice_sheets(render.MASTER, tmp_path / "csv")
    accented = [name for name in c.SHEET_ORDER if not name.isascii()]
    assert accented and set(accented) <= set(shown), sorted(set(accented) - set(shown))


def test_each_sheet_prints_as_a_copy_of_the_workbook_showing_that_sheet_alone(rendered, tmp_path):
    """The rendering hides the other sheets of a workbook loaded once; a user prints a sheet alone.
    The funders' export (every sheet with accents, a chart, a one-page sheet) converted as one copy
    per sheet, every other sheet hidden in the copy, gives the same pages: size, count and text."""
    items = list(rendered["Export financeurs"].values())
    copies = render._convert_copies(items, tmp_path / "copies")
    for item, copy in zip(items, copies):
        assert render.pdf_page_size(copy) == render.pdf_page_size(item.pdf), item.name
        assert render.pdf_pages(copy) == item.pages, item.name
        assert render.pdf_text_pages(copy) == render.pdf_text_pages(item.pdf), item.name
