"""Render what ccc-xl puts on paper, as a user would print it, and count the pages.

    python scripts/render.py [--dossier rendu] [--demo DOSSIER_DEMO] [--sans-png]

Builds the demo (or reuses ``--demo``, a folder made by ``ccc-xl demo``), then converts with
LibreOffice (LANG=fr_FR.UTF-8, A4 as each file asks) to PDF:

- every sheet of the demo workbook, of the blank master (workbooks/100-chances-vienne.xlsx) and of
  the funders' export, each sheet on its own (every other sheet hidden, which is how Excel and
  LibreOffice print a single sheet);
- one document of every type for each session that has documents (the largest file of the type:
  the one most likely to spill onto another page), and the yearly bilan.

With a Python that has LibreOffice's ``uno`` module (python3-uno on Debian, LibreOffice's own
python elsewhere), one LibreOffice loads each workbook once and exports each sheet with the others
hidden (``render_uno.py``); without it, one copy of the workbook per sheet, every other sheet hidden
in the copy, is converted (the same pages, a workbook loaded per sheet: several minutes).

Then each PDF becomes PNG pages (``pdftoppm -png -r 70``) to look at, and a table of pages per
sheet and per document is printed. ``tests/test_print.py`` runs the same functions and checks the
pages.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import unicodedata
import uuid
import zipfile
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from ccc_xl import office  # noqa: E402

MASTER = ROOT / "workbooks" / "100-chances-vienne.xlsx"
DEMO_TODAY = dt.date(2026, 11, 26)  # the test suite's demo date: a session in follow-up, one in preparation


@dataclass(frozen=True)
class Rendered:
    """One thing put on paper: its group (workbook or documents), its name, the file it comes from
    (``sheet``: the sheet of that workbook printed alone), the name of its PDF, its PDF."""

    group: str
    name: str
    source: Path
    stem: str
    sheet: str | None = None
    pdf: Path | None = None

    @property
    def pages(self) -> int:
        return pdf_pages(self.pdf)


def pdf_pages(pdf: Path) -> int:
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True).stdout
    return int(re.search(r"^Pages:\s+(\d+)", info, re.M).group(1))


def pdf_page_size(pdf: Path) -> tuple[float, float]:
    """Width and height of the first page, in points."""
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True).stdout
    width, height = re.search(r"^Page size:\s+([\d.]+) x ([\d.]+)", info, re.M).groups()
    return float(width), float(height)


def pdf_text_pages(pdf: Path) -> list[str]:
    """The text of each page (pdftotext's page breaks are form feeds)."""
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True,
                          check=True).stdout
    return text.split("\f")[:pdf_pages(pdf)]


# ---------------------------------------------------------------------------------------------
# One sheet per file
# ---------------------------------------------------------------------------------------------

_SHEET = re.compile(r"<sheet\b[^>]*/>")


def visible_sheets(xlsx: Path) -> list[str]:
    """Names of the sheets a user sees (the hidden « Listes » is never printed)."""
    with zipfile.ZipFile(xlsx) as package:
        book = package.read("xl/workbook.xml").decode("utf-8")
    names = []
    for element in _SHEET.findall(book):
        if 'state="hidden"' in element or 'state="veryHidden"' in element:
            continue
        names.append(_unescape(re.search(r'name="([^"]*)"', element).group(1)))
    return names


def _unescape(text: str) -> str:
    return (text.replace("&quot;", '"').replace("&apos;", "'").replace("&lt;", "<").replace("&gt;", ">")
            .replace("&amp;", "&"))


def only_sheet(xlsx: Path, sheet: str, target: Path) -> Path:
    """A copy of ``xlsx`` where every sheet but ``sheet`` is hidden, and ``sheet`` is active.

    The package is edited at the XML level (workbook part only): everything else — charts, print
    settings, tables — is copied byte for byte, as a spreadsheet program would print it.
    """
    with zipfile.ZipFile(xlsx) as source:
        book = source.read("xl/workbook.xml").decode("utf-8")
        elements = _SHEET.findall(book)
        names = [_unescape(re.search(r'name="([^"]*)"', e).group(1)) for e in elements]
        position = names.index(sheet)
        for index, element in enumerate(elements):
            state = 'state="visible"' if index == position else 'state="hidden"'
            changed = re.sub(r'\sstate="[^"]*"', "", element).replace("<sheet ", f"<sheet {state} ", 1)
            book = book.replace(element, changed, 1)
        book = re.sub(r'activeTab="\d+"', f'activeTab="{position}"', book)
        if "activeTab=" not in book:
            book = book.replace("<workbookView ", f'<workbookView activeTab="{position}" ', 1)
        book = re.sub(r'\sfirstSheet="\d+"', "", book)
        with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as copy:
            for item in source.infolist():
                data = book.encode("utf-8") if item.filename == "xl/workbook.xml" else source.read(item)
                copy.writestr(item, data)
    return target


def _slug(text: str) -> str:
    bare = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^0-9A-Za-z]+", "-", bare).strip("-") or "x"


def workbook_items(group: str, xlsx: Path, work: Path) -> list[Rendered]:
    """Every visible sheet of a copy of ``xlsx``, each printed alone."""
    copy = work / f"{_slug(group)}{xlsx.suffix}"
    shutil.copyfile(xlsx, copy)
    return [Rendered(group, sheet, copy, f"{_slug(group)}-{number:02d}-{_slug(sheet)}", sheet)
            for number, sheet in enumerate(visible_sheets(copy), start=1)]


# ---------------------------------------------------------------------------------------------
# Documents
# ---------------------------------------------------------------------------------------------


def document_items(demo_dir: Path, work: Path) -> list[Rendered]:
    """Per session folder and document type, the largest .docx; then the yearly bilan."""
    from ccc_xl.contract import DOCUMENTS_FOLDER
    from ccc_xl.documents import DOCUMENT_TYPES
    from ccc_xl.word import MAX_FOLDER, safe_name

    folders = {safe_name(t.folder, MAX_FOLDER): key for key, t in DOCUMENT_TYPES.items()}
    items = []
    root = demo_dir / DOCUMENTS_FOLDER
    for session in sorted(p for p in root.iterdir() if p.is_dir()) if root.is_dir() else []:
        for folder, key in folders.items():
            files = sorted((session / folder).glob("*.docx")) if (session / folder).is_dir() else []
            if not files:
                continue
            largest = max(files, key=lambda p: (_docx_text_size(p), p.name))
            copy = work / f"doc-{session.name}-{key}.docx"
            shutil.copyfile(largest, copy)
            items.append(Rendered(f"Documents {session.name}", key, copy, copy.stem))
    for bilan in sorted(demo_dir.glob("Bilan*.docx")):
        copy = work / f"doc-{_slug(bilan.stem)}.docx"
        shutil.copyfile(bilan, copy)
        items.append(Rendered("Documents", bilan.stem, copy, copy.stem))
    return items


def _docx_text_size(path: Path) -> int:
    with zipfile.ZipFile(path) as package:
        return len(re.sub(rb"<[^>]+>", b"", package.read("word/document.xml")))


# ---------------------------------------------------------------------------------------------
# Conversion
# ---------------------------------------------------------------------------------------------


LOCALE = "fr_FR.UTF-8"


def convert(items: list[Rendered], work: Path) -> list[Rendered]:
    """PDF of every item with one LibreOffice (French locale, its own profile). The locale is that
    LibreOffice's alone: set in this process's environment, it reached every later LibreOffice run
    of a test worker, where fr_FR.UTF-8 may not exist (then non-ASCII file names cannot be written)."""
    pdf_dir = work / "pdf"
    pdf_dir.mkdir(parents=True, exist_ok=True)
    scratch = work / "conversion"
    shutil.rmtree(scratch, ignore_errors=True)
    python = uno_python()
    produced = _convert_uno(python, items, scratch) if python else _convert_copies(items, scratch)
    done = []
    for item, pdf in zip(items, produced):
        target = pdf_dir / f"{item.stem}.pdf"
        shutil.move(pdf, target)
        done.append(Rendered(item.group, item.name, item.source, item.stem, item.sheet, target))
    shutil.rmtree(scratch, ignore_errors=True)
    return done


def uno_python() -> str | None:
    """A Python that can import LibreOffice's ``uno``: this one, LibreOffice's own, the system's."""
    soffice = office.find_soffice()
    program = Path(os.path.realpath(soffice)).parent if soffice else None
    candidates = [sys.executable]
    if program:
        candidates += [program / "python.exe", program / "python", program.parent / "Resources" / "python"]
    candidates.append(Path("/usr/bin/python3"))
    for candidate in candidates:
        if Path(candidate).is_file() and subprocess.run([str(candidate), "-c", "import uno"], capture_output=True,
                                                        env=_bare_python_env()).returncode == 0:
            return str(candidate)
    return None


def _bare_python_env() -> dict:
    """This environment without what points a Python at this one's packages."""
    return {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONHOME")}


def _convert_uno(python: str, items: list[Rendered], scratch: Path) -> list[Path]:
    """Each source loaded once by one LibreOffice driven through ``render_uno.py``. Sources are
    copied under numbered names first, as ``office.convert`` does (any folder name, any locale)."""
    inputs, outputs = scratch / "in", scratch / "out"
    inputs.mkdir(parents=True)
    outputs.mkdir()
    jobs: dict[Path, dict] = {}
    produced = []
    for number, item in enumerate(items, 1):
        job = jobs.get(item.source)
        if job is None:
            copy = inputs / f"{len(jobs) + 1:05d}{item.source.suffix}"
            shutil.copyfile(item.source, copy)
            job = jobs[item.source] = {"source": copy.as_uri(), "exports": []}
        produced.append(outputs / f"{number:05d}.pdf")
        job["exports"].append({"sheet": item.sheet, "pdf": produced[-1].as_uri()})
    job_file = scratch / "job.json"
    job_file.write_text(json.dumps(list(jobs.values())), encoding="utf-8")
    soffice = office.require_soffice()
    pipe = f"ccc-xl-render-{uuid.uuid4().hex}"
    with tempfile.TemporaryDirectory(prefix="ccc-xl-lo-") as profile:
        listening = subprocess.Popen(
            [soffice, office.user_installation(Path(profile)), "--headless", "--invisible", "--norestore",
             f"--accept=pipe,name={pipe};urp;"],
            env={**os.environ, "LANG": LOCALE, "LC_ALL": LOCALE}, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            driver = subprocess.run([python, str(ROOT / "scripts" / "render_uno.py"), pipe, str(job_file)],
                                    capture_output=True, text=True, env=_bare_python_env(),
                                    timeout=120 + 10 * len(items))
            listening.wait(timeout=60)
        finally:
            if listening.poll() is None:
                listening.kill()
                listening.wait()
    missing = [item.stem for item, pdf in zip(items, produced) if not pdf.is_file()]
    if driver.returncode or missing:
        raise RuntimeError(f"LibreOffice n'a pas produit tous les PDF ({len(missing)} manquants : {missing[:3]}) : "
                           f"{driver.stderr.strip()}")
    return produced


def _convert_copies(items: list[Rendered], scratch: Path) -> list[Path]:
    """One copy of the workbook per sheet, every other sheet hidden in it, all converted by one
    ``soffice --convert-to pdf`` (which loads each copy in turn)."""
    copies = scratch / "copies"
    copies.mkdir(parents=True)
    sources = [only_sheet(i.source, i.sheet, copies / f"{i.stem}{i.source.suffix}") if i.sheet else i.source
               for i in items]
    return office.convert(sources, scratch / "lo", locale=LOCALE)


def to_png(item: Rendered, out: Path) -> list[Path]:
    out.mkdir(parents=True, exist_ok=True)
    prefix = out / item.pdf.stem
    subprocess.run(["pdftoppm", "-png", "-r", "70", str(item.pdf), str(prefix)], check=True)
    return sorted(out.glob(f"{item.pdf.stem}-*.png"))


def build_demo(folder: Path, today: dt.date = DEMO_TODAY) -> Path:
    from ccc_xl.commands import demo

    shutil.rmtree(folder, ignore_errors=True)
    demo(folder, today=today)
    return folder


PARTS = ("classeur", "vierge", "export", "documents")


def render_all(out: Path, demo_dir: Path | None = None, png: bool = True, parts=PARTS) -> list[Rendered]:
    """Everything rendered into ``out`` (PDF in ``out/sources/pdf``, PNG in ``out/png``)."""
    from ccc_xl.commands import DEMO_FUNDERS_EXPORT, DEMO_WORKBOOK

    out.mkdir(parents=True, exist_ok=True)
    demo_dir = demo_dir or build_demo(out / "demo")
    work = out / "sources"
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir()
    makers = {
        "classeur": lambda: workbook_items("Classeur de démonstration", demo_dir / DEMO_WORKBOOK, work),
        "vierge": lambda: workbook_items("Classeur vierge", MASTER, work),
        "export": lambda: workbook_items("Export financeurs", demo_dir / DEMO_FUNDERS_EXPORT, work),
        "documents": lambda: document_items(demo_dir, work),
    }
    items = [item for part in PARTS if part in parts for item in makers[part]()]
    rendered = convert(items, work)
    if png:
        shutil.rmtree(out / "png", ignore_errors=True)
        for item in rendered:
            to_png(item, out / "png")
    return rendered


def table(rendered: list[Rendered]) -> str:
    lines, group = [], None
    width = max(len(r.name) for r in rendered)
    for item in rendered:
        if item.group != group:
            group = item.group
            total = sum(r.pages for r in rendered if r.group == group)
            lines.append(f"\n{group} — {total} page(s)")
        w, h = pdf_page_size(item.pdf)
        orientation = "paysage" if w > h else "portrait"
        lines.append(f"  {item.name:<{width}}  {item.pages:>3}  {orientation}  {item.pdf.name}")
    return "\n".join(lines)


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dossier", default="rendu", help="dossier de sortie (PDF, PNG)")
    parser.add_argument("--demo", help="dossier d'une démo déjà construite (sinon elle est construite)")
    parser.add_argument("--sans-png", action="store_true", help="ne pas produire les images PNG")
    parser.add_argument("--seulement", action="append", choices=PARTS,
                        help="ne rendre que cette partie (option répétable)")
    args = parser.parse_args(argv)
    rendered = render_all(Path(args.dossier), Path(args.demo) if args.demo else None, png=not args.sans_png,
                          parts=args.seulement or PARTS)
    print(table(rendered))


if __name__ == "__main__":
    main()
