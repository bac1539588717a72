"""Consolidating many workbooks: read in parallel processes, the same export as one by one, with progress."""

from __future__ import annotations

import re
import shutil

import pytest
from openpyxl import load_workbook

from ccc_xl import commands
from ccc_xl.progress import listening
from ccc_xl.report import CommandError
from conftest import DEMO_TODAY


def sheets(path) -> dict:
    """Each sheet's rows, as a sorted list: participants are listed under codes in an order drawn
    afresh at each export (a secret key), so the same export may list them in another order."""
    wb = load_workbook(path, read_only=True)
    found = {ws.title: sorted((tuple("P…" if isinstance(v, str) and re.fullmatch(r"P\d+", v) else v for v in row)
                               for row in ws.iter_rows(values_only=True)), key=repr) for ws in wb.worksheets}
    wb.close()
    return found


@pytest.fixture
def workbooks(demo_workbook, tmp_path):
    """Four territories' workbooks (copies of the demo: every participant counted once)."""
    paths = []
    for n in range(4):
        path = tmp_path / f"territoire-{n}.xlsx"
        shutil.copy2(demo_workbook, path)
        paths.append(path)
    return paths


def export(paths, output, parallel_from, monkeypatch):
    monkeypatch.setattr(commands, "PARALLEL_FROM", parallel_from)
    steps = []
    with listening(steps.append):
        outcome = commands.export_financeurs(paths, output, today=DEMO_TODAY)
    return outcome, steps


def test_parallel_reading_gives_the_same_export_as_one_by_one(workbooks, tmp_path, monkeypatch):
    alone, steps = export(workbooks, tmp_path / "un-par-un.xlsx", 1000, monkeypatch)
    together, parallel_steps = export(workbooks, tmp_path / "en-parallele.xlsx", 2, monkeypatch)
    assert sheets(tmp_path / "en-parallele.xlsx") == sheets(tmp_path / "un-par-un.xlsx")
    assert (together.summary.replace("en-parallele", "un-par-un"), together.lines, together.anomalies) == (
        alone.summary, alone.lines, alone.anomalies)
    for shown in (steps, parallel_steps):
        read = [str(s) for s in shown if s.label == "Classeurs lus"]
        assert read[0].startswith("Classeurs lus : 0/4 — territoire-0.xlsx") and read[-1] == "Classeurs lus : 4/4"
        assert [s.done for s in shown if s.label == "Classeurs lus"] == [0, 1, 2, 3, 4]


def test_a_damaged_workbook_among_many_stops_the_export_naming_it(workbooks, tmp_path, monkeypatch):
    workbooks[2].write_bytes(workbooks[2].read_bytes()[:5000])
    with pytest.raises(CommandError, match="territoire-2.xlsx"):
        export(workbooks, tmp_path / "export.xlsx", 2, monkeypatch)
    assert not (tmp_path / "export.xlsx").exists()
