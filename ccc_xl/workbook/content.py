"""Backend-neutral description of a generated sheet (Binômes, Planning, Indicateurs…).

Domain code builds a `SheetContent`; each backend (openpyxl file, live xlwings) lays it out. Keeping
the description free of any Excel library lets the same result be written by both.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from ..contract import Table


@dataclass
class Block:
    """A rectangle of data on a generated sheet: a header row then one row per DataFrame row.

    ``frame`` columns are the displayed headers. With ``table`` (a contract table declared
    ``generated=True``) the block becomes a real Excel Table with that name and the contract's
    formats and widths. ``formats`` maps a header to an Excel number format for plain blocks.
    ``links`` maps a header to the header of a column holding hyperlink targets (hidden text).
    A ``continued`` block carries on the block above it (same columns): no header row, no blank
    line, its title a section row inside the table. ``page_break`` prints the block from a new page.
    ``small`` columns are printed in a small italic font, as wide as their longest text.
    """

    frame: pd.DataFrame
    title: str | None = None
    table: Table | None = None
    formats: dict[str, str] = field(default_factory=dict)
    widths: dict[str, float] = field(default_factory=dict)
    links: dict[str, str] = field(default_factory=dict)
    wrap: bool = False
    continued: bool = False
    page_break: bool = False
    small: tuple[str, ...] = ()  # headers of columns printed small (definitions beside figures)


@dataclass
class Chart:
    """A clustered column chart drawn from one block: categories in one column, series in others."""

    title: str
    block: int
    categories: str
    series: tuple[str, ...]
    y_title: str = ""


@dataclass
class SheetContent:
    """Everything ccc-xl writes on a generated sheet, which is replaced wholesale on each run.

    It prints on A4, in landscape when ``landscape`` or when its columns do not fit across a portrait
    page, one page wide, the header row of its main block repeated on every page."""

    sheet: str
    title: str
    notes: list[str] = field(default_factory=list)
    blocks: list[Block] = field(default_factory=list)
    landscape: bool = False
    charts: list[Chart] = field(default_factory=list)
    # Print what comes before the first ``page_break`` block on one page, in a compact font, at the
    # largest scale that fits (Indicateurs, the funders' Synthèse); otherwise one page wide.
    one_page: bool = False
