"""Shared fixtures: fresh workbooks, the demo workbook, and LibreOffice as an independent reader."""

from __future__ import annotations

import csv
import datetime as dt
import os
import shutil
import subprocess
import uuid
from pathlib import Path

import pytest

# xlwings registers its remote engine (the stand-in for Excel in the live-backend tests) at import
# time, only when a licence key is set: set it before any test module imports xlwings.
os.environ.setdefault("XLWINGS_LICENSE_KEY", "noncommercial")

from ccc_xl import contract as c
from ccc_xl.commands import demo
from ccc_xl.workbook.build import create_workbook
from ccc_xl.workbook.file import FileBackend

DEMO_TODAY = dt.date(2026, 11, 26)


@pytest.fixture
def blank(tmp_path) -> Path:
    return create_workbook(tmp_path / "classeur.xlsx")


def workbook_with(path: Path, rows: dict) -> Path:
    """A fresh ccc-xl workbook at ``path`` whose tables hold ``rows`` ({table: [dict by key]})."""
    create_workbook(path, overwrite=True)
    backend = FileBackend(path)
    for table, table_rows in rows.items():
        backend.fill_table(table, [[r.get(k) for k in table.keys] for r in table_rows])
    backend.save(backup=False)
    return path


@pytest.fixture(scope="session")
def demo_workbook(tmp_path_factory) -> Path:
    """The demo built once per test session; tests copy it before changing it."""
    folder = tmp_path_factory.mktemp("demo")
    demo(folder, today=DEMO_TODAY)
    return folder / "100-chances-demo.xlsx"


@pytest.fixture
def demo_copy(demo_workbook, tmp_path) -> Path:
    target = tmp_path / demo_workbook.name
    shutil.copy2(demo_workbook, target)
    return target


def soffice_or_fail() -> str:
    """LibreOffice's binary; in CI its absence is a failure, on a developer machine a skip."""
    found = shutil.which("soffice") or shutil.which("libreoffice")
    if found:
        return found
    if os.environ.get("CI"):
        pytest.fail("LibreOffice (soffice) est requis en CI : .ci/run doit l'installer.")
    pytest.skip("LibreOffice absent de ce poste de développement")


def libreoffice_sheets(path: Path, outdir: Path, names=c.SHEET_ORDER) -> dict[str, list[list[str]]]:
    """Every sheet of a workbook as LibreOffice shows it (formatted text), read from its CSV export.

    ``names``: the sheets to look for (the ccc-xl workbook's by default)."""
    soffice = soffice_or_fail()
    profile = outdir / f"lo-profile-{uuid.uuid4().hex}"
    outdir.mkdir(parents=True, exist_ok=True)
    # CSV filter options: comma, double quote, UTF-8, from line 1, …, "as shown" = true, all sheets (-1).
    subprocess.run(
        [soffice, f"-env:UserInstallation={profile.as_uri()}", "--headless", "--convert-to",
         'csv:Text - txt - csv (StarCalc):44,34,76,1,,0,false,true,true,false,false,-1', str(path), "--outdir", str(outdir)],
        check=True, capture_output=True, timeout=180,
    )
    sheets = {}
    for sheet in names:
        exported = outdir / f"{path.stem}-{sheet}.csv"
        if exported.exists():
            with open(exported, encoding="utf-8") as handle:
                sheets[sheet] = list(csv.reader(handle))
    if not sheets:
        pytest.fail(f"LibreOffice n'a rien exporté de {path.name}")
    return sheets
