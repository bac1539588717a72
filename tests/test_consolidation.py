"""Consolidating many workbooks: read in parallel processes, the same export as one by one, with progress."""

from __future__ import annotations

import datetime as dt
import re
import shutil

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import load_workbook

from ccc_xl import commands, funders
from ccc_xl import indicators as ind
from ccc_xl.progress import listening
from ccc_xl.report import CommandError
from ccc_xl.workbook.file import open_workbook
from ccc_xl.workbook.gateway import RawTable, stacked, typed_from_raw
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


# --- Joining the workbooks' tables: typed columns end to end, as pd.concat of their frames -----

cell_values = st.one_of(st.none(), st.sampled_from(["Oui", "Non", " ", "2021", "C-01", "Entretien ML", "#N/A", "Formation"]),
                        st.integers(-3, 3000), st.floats(0, 100), st.booleans(),
                        st.datetimes(dt.datetime(2019, 1, 1), dt.datetime(2030, 1, 1)))


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data(), table=st.sampled_from(ind.TABLES))
def test_typed_tables_end_to_end_are_pd_concat_of_their_frames(data, table):
    """Workbooks' typed tables joined column by column (`gateway.stacked`, what the export does) give
    exactly pd.concat of their DataFrames (what it did): values, blanks (None, NaT, NA), dtypes, index
    — with columns blank in some workbooks, empty tables, and unreadable cells."""
    parts = []
    for _ in range(data.draw(st.integers(1, 4))):
        blank = data.draw(st.sets(st.integers(0, len(table.columns) - 1)))  # columns left empty in this workbook
        rows = data.draw(st.lists(st.lists(cell_values, min_size=len(table.columns), max_size=len(table.columns)), max_size=5))
        rows = [[None if i in blank else v for i, v in enumerate(row)] for row in rows]
        parts.append(typed_from_raw(RawTable(table, table.sheet, table.headers, rows, 2, 1))[0])
    joined, expected = stacked(parts), pd.concat([part.frame() for part in parts], ignore_index=True)
    pd.testing.assert_frame_equal(joined, expected, check_index_type=True, check_column_type=True, check_exact=True)
    assert list(joined.dtypes) == list(expected.dtypes)
    for column in expected.columns:  # None stays None (assert_frame_equal takes None and NaN alike)
        assert list(map(repr, joined[column])) == list(map(repr, expected[column])), column


def test_the_export_consolidates_typed_tables_as_it_consolidated_frames(demo_workbook):
    """The same consolidation (tables, Excel rows, doubles named) whether each workbook's tables
    come as typed columns (files, read in worker processes) or as DataFrames (the open workbook of
    the Excel button), the demo given twice: every participant a double."""
    typed, frames = [], []
    for _ in range(2):
        with open_workbook(demo_workbook, write=False) as book:
            typed.append({t.name: book.read_typed(t) for t in ind.TABLES})
            frames.append({t.name: book.read(t) for t in ind.TABLES})
    fast, slow = (funders.consolidate(tables, ["a.xlsx", "b.xlsx"]) for tables in (typed, frames))
    assert fast.duplicates == slow.duplicates and len(fast.duplicates) > 20
    for name, frame in slow.sources.frames.items():
        pd.testing.assert_frame_equal(fast.sources.frames[name], frame, check_exact=True)
        assert list(fast.sources.frames[name].dtypes) == list(frame.dtypes), name


@settings(max_examples=300, deadline=None)
@given(st.one_of(st.text(), st.text(alphabet=" \t\n\x0b\x0c\r\x1c\x1f\xa0\u2003AbÉé'’-0"), st.none(), st.integers(), st.floats(),
                 st.just(pd.NA), st.just(pd.NaT)))
def test_a_cell_folded_as_text_is_the_normalised_text(value):
    """`funders._folded` (the consolidation's keys; ASCII text folded inline) gives `parsing.normalise`
    of the cell as text, None for a blank cell: whitespace of every kind, accents, case, numbers, NaN."""
    from ccc_xl.parsing import normalise

    blank = value is None or (not isinstance(value, str) and pd.isna(value))
    text = None if blank else str(value)
    assert funders._folded(value) == (normalise(text) if text is not None and text.strip() else None)
