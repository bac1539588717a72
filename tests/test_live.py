"""The live (xlwings) backend, run on xlwings' remote engine built from a real ccc-xl workbook."""

from __future__ import annotations

import datetime as dt
import os

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

os.environ.setdefault("XLWINGS_LICENSE_KEY", "noncommercial")
import xlwings as xw  # noqa: E402

from ccc_xl.contract import CANDIDATES, JOURNAL, MARKER_NAME  # noqa: E402
from ccc_xl.excel import press  # noqa: E402
from ccc_xl.workbook.file import FileBackend  # noqa: E402
from ccc_xl.workbook.gateway import Workbook  # noqa: E402
from ccc_xl.workbook.live import LiveBackend  # noqa: E402
from conftest import workbook_with  # noqa: E402

from xlremote_payload import payload  # noqa: E402


def candidate_rows(n: int, last_name: str = "Dupont") -> list[list[object]]:
    rows = []
    for i in range(n):
        values = {c.key: None for c in CANDIDATES.columns}
        values.update(id=f"C{i + 1:04d}", session=2024, last_name=last_name, first_name=f"Léa {i}",
                      birth_date=dt.datetime(2000, 1 + i % 12, 1 + i % 28), retained="Oui")
        rows.append([values[c.key] for c in CANDIDATES.columns])
    return rows


def remote_book(tmp_path, rows: list[list[object]]):
    """xlwings' remote book of a new workbook whose Candidats table holds ``rows``, and its file
    (`workbook_with` fills the same rows once per test process: hypothesis draws the same sizes
    again, and 1 000 rows take seconds to fill)."""
    by_key = [dict(zip(CANDIDATES.keys, row)) for row in rows]
    path = workbook_with(tmp_path / f"classeur-{len(rows)}.xlsx", {CANDIDATES: by_key})
    return xw.Book(json=payload(path)), path


def test_live_read_matches_the_file_backend(tmp_path):
    xlbook, path = remote_book(tmp_path, candidate_rows(12, "O'Brien & <Fils> ="))
    live = Workbook(LiveBackend(xlbook)).read(CANDIDATES)
    from_file = Workbook(FileBackend(path)).read(CANDIDATES)
    pd.testing.assert_frame_equal(live, from_file)
    assert xlbook.json()["actions"] == []  # reading writes nothing


def test_demo_workbook_reads_the_same_live_and_from_file(demo_workbook):
    from ccc_xl.contract import INPUT_TABLES

    xlbook = xw.Book(json=payload(demo_workbook))
    live, from_file = Workbook(LiveBackend(xlbook)), Workbook(FileBackend(demo_workbook))
    for table in INPUT_TABLES:
        pd.testing.assert_frame_equal(live.read(table), from_file.read(table))
    assert [str(a) for a in live.anomalies] == [str(a) for a in from_file.anomalies]


def written_cells(xlbook) -> dict[tuple[int, int], object]:
    """(Excel row, column) -> value, from the setValues actions Excel would apply."""
    cells = {}
    for action in xlbook.json()["actions"]:
        if action["func"] == "setValues":
            for i, row in enumerate(action["values"]):
                for j, value in enumerate(row):
                    cells[(action["start_row"] + 1 + i, action["start_column"] + 1 + j)] = value
    return cells


@settings(max_examples=15, deadline=None)
@given(st.lists(st.text(min_size=1, max_size=30), min_size=1, max_size=8))
def test_computed_columns_land_in_their_cells_and_text_never_becomes_a_formula(tmp_path_factory, reasons):
    xlbook, _ = remote_book(tmp_path_factory.mktemp("live"), candidate_rows(len(reasons)))
    book = Workbook(LiveBackend(xlbook))
    frame = book.read(CANDIDATES)
    frame["reasons"] = reasons
    frame["age_at_start"] = pd.array(range(18, 18 + len(reasons)), dtype="Int64")
    book.write_computed(CANDIDATES, frame)
    header_row = frame.index[0] - 1
    reasons_column = CANDIDATES.keys.index("reasons") + 1
    age_column = CANDIDATES.keys.index("age_at_start") + 1
    cells = written_cells(xlbook)
    for excel_row, reason, age in zip(frame.index, reasons, frame["age_at_start"]):
        expected = "'" + reason if reason.startswith(("=", "+", "-", "@")) else reason
        assert cells[(excel_row, reasons_column)] == expected
        assert cells[(excel_row, age_column)] == age
    adviser_columns = {CANDIDATES.keys.index(c.key) + 1 for c in CANDIDATES.input_columns}
    assert not {col for (_, col) in cells} & adviser_columns
    assert header_row not in {row for (row, _) in cells}


@pytest.mark.parametrize("command", ["write", "log"])
def test_number_of_excel_actions_does_not_grow_with_rows(tmp_path, command):
    counts = []
    for n in (10, 1000):
        (tmp_path / str(n)).mkdir()
        xlbook, _ = remote_book(tmp_path / str(n), candidate_rows(n))
        book = Workbook(LiveBackend(xlbook))
        frame = book.read(CANDIDATES)
        if command == "write":
            frame["reasons"] = "Âge hors limites"
            frame["priority"] = pd.array(range(len(frame)), dtype="Int64")
            book.write_computed(CANDIDATES, frame)
        else:
            book.log("eligibilite", "Terminé", anomalies=list(book.anomalies))
        counts.append(len(xlbook.json()["actions"]))
    assert counts[0] == counts[1] > 0


def test_journal_line_is_appended_below_the_existing_rows(tmp_path):
    xlbook, _ = remote_book(tmp_path, candidate_rows(3))
    book = Workbook(LiveBackend(xlbook))
    book.log("eligibilite", "Terminé : 3 candidats", now=dt.datetime(2024, 5, 2, 9, 30))
    journal = xlbook.sheets[JOURNAL.sheet].tables[JOURNAL.name]
    header_row = journal.range.row
    cells = written_cells(xlbook)
    row = min(r for r, _ in cells)
    assert row == header_row + 1  # the fresh journal's blank row is reused
    assert cells[(row, journal.range.column + JOURNAL.keys.index("message"))] == "Terminé : 3 candidats"
    assert cells[(row, journal.range.column + JOURNAL.keys.index("level"))] == "Info"


def test_button_on_a_foreign_workbook_is_refused_without_writing(tmp_path):
    xlbook, _ = remote_book(tmp_path, candidate_rows(2))
    xlbook.api["names"] = [n for n in xlbook.api["names"] if n["name"] != MARKER_NAME]
    message, level = press(xlbook, "cccEligibilite")
    assert level == "Erreur" and "n'est pas un classeur ccc-xl" in message
    assert xlbook.json()["actions"] == []


def test_button_whose_command_is_missing_says_so_in_french(tmp_path, monkeypatch):
    from ccc_xl.excel import buttons

    monkeypatch.setitem(buttons.BUTTONS, "cccEligibilite", "ccc_xl.commands:commande_inexistante")
    xlbook, _ = remote_book(tmp_path, candidate_rows(2))
    message, level = press(xlbook, "cccEligibilite")
    assert "n'est pas encore disponible" in message and "Traceback" not in message


def test_generated_sheet_is_written_block_by_block(tmp_path):
    from ccc_xl.contract import INDICATORS_SHEET
    from ccc_xl.workbook.content import Block, SheetContent

    funcs = []
    for n in (10, 1000):
        (tmp_path / str(n)).mkdir()
        xlbook, _ = remote_book(tmp_path / str(n), candidate_rows(1))
        frame = pd.DataFrame({"Indicateur": [f"=ligne {i}" for i in range(n)], "Valeur": list(range(n))})
        content = SheetContent(INDICATORS_SHEET.name, "Indicateurs", notes=["Calculé le 02/05/2024"],
                               blocks=[Block(frame, title="Session 2024", formats={"Valeur": "0"})])
        Workbook(LiveBackend(xlbook)).replace_sheet(content)
        funcs.append([a["func"] for a in xlbook.json()["actions"]])
        cells = written_cells(xlbook)
        assert cells[(1, 1)] == "Indicateurs"
        header_row = next(r for (r, c), v in cells.items() if v == "Indicateur")
        assert cells[(header_row + n, 1)] == f"'=ligne {n - 1}"
        assert cells[(header_row + n, 2)] == n - 1
    assert funcs[0] == funcs[1]
    assert funcs[0][0] == "sheetClear" and funcs[0].count("setValues") == 3  # title and notes, block title, block
