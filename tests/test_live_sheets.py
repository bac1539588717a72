"""Generated sheets and the Journal on the live backend: the actions Excel would apply (remote engine).

Each test reads `book.json()["actions"]`, the list xlwings' remote engine hands to Excel, and checks
what an adviser would see: the header colours, the links, the chart, the Excel Tables, the Journal
growing, and that none of it costs more Excel calls for more rows.
"""

from __future__ import annotations

import copy
import datetime as dt
import re

import pandas as pd
import pytest
import xlwings as xw
from hypothesis import given, settings
from hypothesis import strategies as st

from ccc_xl import contract as c
from ccc_xl.workbook.content import Block, Chart, SheetContent
from ccc_xl.workbook.file import FileBackend
from ccc_xl.workbook.gateway import Workbook
from ccc_xl.workbook.layout import INPUT_HEADER, TABLE_STYLE
from ccc_xl.workbook.live import LiveBackend
from conftest import new_workbook

from xlremote_payload import payload

BLUE = "#" + INPUT_HEADER.fgColor.rgb[-6:]


@pytest.fixture(scope="module")
def blank_book(tmp_path_factory):
    """The JSON Excel would send for a blank workbook (built once: each test opens its own copy)."""
    return payload(new_workbook(tmp_path_factory.mktemp("live") / "classeur.xlsx"))


def address(first_row: int, first_col: int, last_row: int, last_col: int) -> str:
    from openpyxl.utils import get_column_letter as letter

    return f"${letter(first_col)}${first_row}:${letter(last_col)}${last_row}"


def on(action, row: int, col: int, rows: int = 1, cols: int = 1) -> bool:
    """Whether an action targets the range of ``rows`` × ``cols`` cells at Excel (row, col)."""
    return (action["start_row"], action["start_column"], action["row_count"], action["column_count"]) == (row - 1, col - 1, rows, cols)


def interviews(n: int) -> pd.DataFrame:
    rows = [[i + 1, dt.time(9, 0), dt.time(9, 20), 1, "B1", "Acme & Fils", "E01", f"P{i:04d}", "Zoé", "Oui"] for i in range(n)]
    return pd.DataFrame(rows, columns=[col.header for col in c.INTERVIEWS.columns])


def documents(n: int) -> pd.DataFrame:
    return pd.DataFrame({"Document": [f'Convocation "{i}"' for i in range(n)],
                         "Emplacement": [f"Documents 100 Chances/2024/convocation-{i}.docx" for i in range(n)]})


def yearly(n: int) -> pd.DataFrame:
    return pd.DataFrame({"Année": [str(2000 + i) for i in range(n)], "Participants": list(range(n)), "Sorties": list(range(n))})


def render(blank_book, content: SheetContent):
    xlbook = xw.Book(json=copy.deepcopy(blank_book))
    Workbook(LiveBackend(xlbook)).replace_sheet(content)
    return xlbook, xlbook.json()["actions"]


def test_generated_sheets_cost_the_same_number_of_excel_calls_for_10_and_1000_rows(blank_book):
    funcs = []
    for n in (10, 1000):
        content = SheetContent(c.INDICATORS_SHEET.name, "Bilan", notes=["Calculé le 02/05/2024"], blocks=[
            Block(yearly(n), title="Par année"), Block(documents(n), links={"Document": "Emplacement"})],
            charts=[Chart("Participants par année", 0, "Année", ("Participants", "Sorties"), "Personnes")])
        funcs.append([a["func"] for a in render(blank_book, content)[1]])
    assert funcs[0] == funcs[1]
    assert {"addChart", "setFormula", "setRangeColor", "setFontProperty", "setColumnWidth"} <= set(funcs[0])


def test_headers_and_title_are_styled_like_the_file_backend(blank_book):
    content = SheetContent(c.INDICATORS_SHEET.name, "Bilan", notes=["note 1", "note 2"], blocks=[Block(yearly(3))])
    _, actions = render(blank_book, content)
    header_row = 5  # title, two notes, a blank line, then the block
    header = [a for a in actions if on(a, header_row, 1, cols=3)]
    assert {"func": "setRangeColor", "args": [BLUE]}.items() <= next(a for a in header if a["func"] == "setRangeColor").items()
    assert ["bold", True] in [a["args"] for a in header if a["func"] == "setFontProperty"]
    assert ["color", "#FFFFFF"] in [a["args"] for a in header if a["func"] == "setFontProperty"]
    title = [a["args"] for a in actions if on(a, 1, 1) and a["func"] == "setFontProperty"]
    assert ["bold", True] in title and ["size", 14.0] in title
    notes = [a["args"] for a in actions if on(a, 2, 1, rows=2) and a["func"] == "setFontProperty"]
    assert ["italic", True] in notes
    assert not [a for a in actions if a["func"] == "setRangeColor" and a["start_row"] >= header_row]  # data cells keep Excel's look


def test_dates_and_times_without_a_declared_format_are_shown_in_french(blank_book):
    frame = pd.DataFrame({"Jour": [None, dt.datetime(2024, 5, 2)], "Heure": [dt.time(9, 30), None], "N": [1, 2]})
    _, actions = render(blank_book, SheetContent(c.PLANNING_SHEET.name, "Planning", blocks=[Block(frame)]))
    formats = {a["start_column"] + 1: a["args"][0] for a in actions if a["func"] == "setNumberFormat"}
    assert formats == {1: "dd/mm/yyyy", 2: "hh:mm"}


def formula_literals(formula: str) -> list[str]:
    """The text arguments of a formula, quotes undoubled (an independent reading of what we wrote)."""
    return [m.replace('""', '"') for m in re.findall(r'"((?:[^"]|"")*)"', formula)]


@settings(max_examples=20, deadline=None)
@given(st.lists(st.tuples(st.text(max_size=40), st.one_of(st.none(), st.text(min_size=1, max_size=60))), min_size=1, max_size=6))
def test_document_links_are_hyperlink_formulas_that_keep_names_and_paths_intact(blank_book, rows):
    names, targets = [n for n, _ in rows], [t for _, t in rows]
    frame = pd.DataFrame({"Document": names, "Emplacement": targets}, dtype=object)
    content = SheetContent(c.DOCUMENTS_SHEET.name, "Documents", blocks=[Block(frame, links={"Document": "Emplacement"})])
    _, actions = render(blank_book, content)
    (formulas,) = [a for a in actions if a["func"] == "setFormula"]
    header_row = 3
    assert on(formulas, header_row + 1, 1, rows=len(rows))  # the whole Document column at once
    for (name, target), (written,) in zip(rows, formulas["values"]):
        if target:
            assert written.startswith("=HYPERLINK(")
            assert formula_literals(written) == [target, name]
        else:  # no file: the name as plain text, never run as a formula
            assert not str(written).startswith("=")
            assert str(written).removeprefix("'") == name or written in ("", None)


def test_chart_is_drawn_from_the_block_beside_it(blank_book):
    content = SheetContent(c.INDICATORS_SHEET.name, "Bilan", blocks=[Block(yearly(4), title="Par année")],
                           charts=[Chart("Participants par année", 0, "Année", ("Participants", "Sorties"), "Personnes")])
    _, actions = render(blank_book, content)
    header_row = 4  # title, blank line, block title
    (add,) = [a for a in actions if a["func"] == "addChart"]
    assert add["args"][1] == "ColumnClustered" and add["args"][2] == c.INDICATORS_SHEET.name
    assert add["args"][3] == address(header_row, 2, header_row + 4, 3)  # series with their header names
    assert add["args"][9] == address(header_row, 5, header_row, 5).split(":")[0]  # one column right of the block
    (axis,) = [a for a in actions if a["func"] == "setChartXAxisValues"]
    assert axis["args"][2] == address(header_row + 1, 1, header_row + 4, 1)  # years as categories
    assert [a["args"][1] for a in actions if a["func"] == "setChartTitle"] == ["Participants par année"]


def test_rerunning_replaces_the_chart_instead_of_stacking_a_second_one(blank_book):
    content = SheetContent(c.INDICATORS_SHEET.name, "Bilan", blocks=[Block(yearly(2))],
                           charts=[Chart("Participants", 0, "Année", ("Participants",))])
    xlbook = xw.Book(json=copy.deepcopy(blank_book))
    for _ in range(2):
        Workbook(LiveBackend(xlbook)).replace_sheet(content)
    funcs = [a["func"] for a in xlbook.json()["actions"]]
    assert funcs.count("addChart") == 2 and funcs.count("deleteChart") == 1
    assert funcs.index("deleteChart") < funcs.index("sheetClear", funcs.index("addChart"))
    assert len(xlbook.sheets[c.INDICATORS_SHEET.name].charts) == 1


@pytest.mark.parametrize("n", [0, 1, 250])
def test_a_contract_block_becomes_an_excel_table_over_its_rows(blank_book, n):
    content = SheetContent(c.INTERVIEWS_SHEET.name, "Entretiens", blocks=[Block(interviews(n), table=c.INTERVIEWS)])
    xlbook, actions = render(blank_book, content)
    header_row = 3
    (table,) = [a for a in actions if a["func"] == "addTable"]
    width = len(c.INTERVIEWS.columns)
    # header and rows (an empty block keeps one blank row: Excel has no Table without a data row)
    assert table["args"] == [address(header_row, 1, header_row + max(n, 1), width), True, TABLE_STYLE, c.INTERVIEWS.name]
    assert funcs_before(actions, "addTable", "setValues")  # values first, then the Table over them
    if n:
        start = c.INTERVIEWS.keys.index("start") + 1
        assert any(a["func"] == "setNumberFormat" and on(a, header_row + 1, start, rows=n) for a in actions)
    # the gateway can read the new Table back by its name in the same run
    assert xlbook.sheets[c.INTERVIEWS_SHEET.name].tables[c.INTERVIEWS.name].range.address == table["args"][0]


def funcs_before(actions, later: str, earlier: str) -> bool:
    funcs = [a["func"] for a in actions]
    return earlier in funcs and funcs.index(earlier) < funcs.index(later)


def journal_book(tmp_path, k: int):
    """A workbook whose Journal already holds ``k`` lines."""
    path = new_workbook(tmp_path / f"journal-{k}.xlsx")
    backend = FileBackend(path)
    backend.fill_table(c.JOURNAL, [["2024-01-01 10:00:00", "eligibilite", "Info", None, None, None, f"ligne {i}"] for i in range(k)])
    backend.save(backup=False)
    return xw.Book(json=payload(path))


@pytest.mark.parametrize("k", [1, 40, 900])
def test_the_journal_table_grows_to_take_the_new_lines(tmp_path, k):
    xlbook = journal_book(tmp_path, k)
    table = xlbook.sheets[c.JOURNAL.sheet].tables[c.JOURNAL.name]
    header_row, first_col, width = table.range.row, table.range.column, len(c.JOURNAL.columns)
    from ccc_xl.report import Anomaly

    anomalies = [Anomaly(c.CANDIDATES.sheet, 5 + i, "Date de naissance", "31/02", "Date impossible") for i in range(3)]
    Workbook(LiveBackend(xlbook)).log("eligibilite", "Terminé", level="Alerte", anomalies=anomalies)
    actions = xlbook.json()["actions"]
    assert [a["func"] for a in actions] == ["setValues", "resizeTable"]
    values, resize = actions
    assert on(values, header_row + k + 1, first_col, rows=4, cols=width)  # right under the last line
    assert [row[c.JOURNAL.keys.index("message")] for row in values["values"]] == ["Terminé"] + ["Date impossible"] * 3
    assert resize["args"] == [0, address(header_row, first_col, header_row + k + 4, first_col + width - 1)]


@pytest.mark.parametrize("client", ["Office.js", "Microsoft Office"])
@pytest.mark.parametrize("n", [0, 3, 400])
def test_a_generated_table_gets_its_drop_downs_and_status_colours(blank_book, client, n):
    """As in a file (`layout.add_rules`): over the rows and the rows an adviser may add, whatever n."""
    from ccc_xl.workbook.layout import FORMATTED_ROWS, list_name

    sent = copy.deepcopy(blank_book)
    sent["client"] = client
    xlbook = xw.Book(json=sent)
    Workbook(LiveBackend(xlbook)).replace_sheet(
        SheetContent(c.INTERVIEWS_SHEET.name, "Entretiens", blocks=[Block(interviews(n), table=c.INTERVIEWS)]))
    actions = xlbook.json()["actions"]
    header_row = 3
    column = c.INTERVIEWS.keys.index("domain_match") + 1
    status = [a for a in actions if a["func"] == "addConditionalFormat"]
    assert [a["args"][0]["formula1"] for a in status] == [f'"{v}"' for v, _ in c.INTERVIEWS.status_colours]
    assert all(on(a, header_row + 1, column, rows=FORMATTED_ROWS) for a in status)
    lists = [a for a in actions if a["func"] == "setDataValidationList"]
    expected = [(col, list_name(col.choices)) for col in c.INTERVIEWS.columns if col.choices and not col.computed]
    if client == "Office.js":
        assert [(a["start_column"] + 1, a["args"][0]["name"]) for a in lists] == [
            (c.INTERVIEWS.columns.index(col) + 1, name) for col, name in expected]
        assert all(a["row_count"] == FORMATTED_ROWS for a in lists)
    else:  # this remote client takes no validation: skipped without stopping the run
        assert lists == []
