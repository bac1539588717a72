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
    """

    frame: pd.DataFrame
    title: str | None = None
    table: Table | None = None
    formats: dict[str, str] = field(default_factory=dict)
    widths: dict[str, float] = field(default_factory=dict)
    links: dict[str, str] = field(default_factory=dict)
    wrap: bool = False


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
    """Everything ccc-xl writes on a generated sheet, which is replaced wholesale on each run."""

    sheet: str
    title: str
    notes: list[str] = field(default_factory=list)
    blocks: list[Block] = field(default_factory=list)
    landscape: bool = False
    charts: list[Chart] = field(default_factory=list)
