"""A new, standalone .xlsx built from `SheetContent`s (the funders' workbook).

Not a ccc-xl workbook: no tables of the contract, no macro, no marker. Every text cell that a
spreadsheet could read as a formula (leading = + - @, or a tab or carriage return before one) is
neutralised with a leading apostrophe and stays text, so a pasted "=HYPERLINK(…)" in a funder's name
cannot run in the funder's Excel, nor in a CSV exported from it.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

from openpyxl import Workbook as XlWorkbook

from ..report import CommandError
from . import safety
from .content import SheetContent
from .xlsx_bytes import workbook_bytes
from .layout import render_sheet

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def neutralised(value: object) -> object:
    """Text that could start a formula, prefixed with an apostrophe; anything else unchanged."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def neutralised_content(content: SheetContent) -> SheetContent:
    """The same sheet with every text (title, notes, headers, cells) neutralised."""
    blocks = []
    for block in content.blocks:
        frame = block.frame.rename(columns=neutralised)
        frame = frame.apply(lambda column: column.map(neutralised) if column.dtype == object else column)
        blocks.append(dataclasses.replace(
            block, frame=frame, title=neutralised(block.title),
            formats={neutralised(k): v for k, v in block.formats.items()},
            widths={neutralised(k): v for k, v in block.widths.items()},
        ))
    charts = [dataclasses.replace(ch, title=neutralised(ch.title), categories=neutralised(ch.categories),
                                  series=tuple(neutralised(s) for s in ch.series)) for ch in content.charts]
    return dataclasses.replace(content, title=neutralised(content.title), notes=[neutralised(n) for n in content.notes],
                               blocks=blocks, charts=charts)


def write_new_workbook(path, contents: list[SheetContent]) -> Path | None:
    """Write ``contents`` as a new .xlsx at ``path``, atomically (temporary file then rename); a
    previous export there goes to « Versions précédentes » (its new place is returned), any other
    file is refused."""
    path = Path(path)
    if path.suffix.lower() != ".xlsx":
        raise CommandError(f"« {path.name} » : le fichier produit doit avoir l'extension .xlsx (classeur sans macro).")
    if not path.parent.is_dir():
        raise CommandError(f"Le dossier « {path.parent} » n'existe pas.")
    wb = XlWorkbook()
    wb.remove(wb.active)
    for content in contents:
        render_sheet(wb.create_sheet(content.sheet), neutralised_content(content))
    wb.properties.creator = safety.PRODUCER
    wb.properties.title = contents[0].title if contents else ""
    return safety.write_output(path, workbook_bytes(wb))
