"""Every ribbon button, and every sheet's « Run main », pressed on the demo workbook (remote engine).

Each click runs for real on xlwings' remote engine, built from a copy of the demo workbook saved in
a folder of its own (documents and exports are real files there). Only the dialogs are answered by
the self-test's `AutotestDesktop` (« Oui », files saved beside the workbook). What each click must do
is the table `ccc_xl.excel.expectations.EXPECTATIONS`, which `ccc-xl diagnostic --excel` checks in a
real Excel with the same `check`.
"""

from __future__ import annotations

import copy
import json
import shutil

import pytest
import xlwings as xw

from ccc_xl import contract as c
from ccc_xl.excel.buttons import BUTTONS, SHEET_BUTTONS, press, press_active_sheet
from ccc_xl.excel.desktop import AUTOTEST_LOG, AutotestDesktop
from ccc_xl.excel.expectations import EXPECTATIONS, check

from xlremote_payload import files_under, observe, payload

# Every button is pressed once per worker that runs these tests: one worker (--dist loadgroup).
pytestmark = pytest.mark.xdist_group("boutons")


@pytest.fixture(scope="module")
def saved_demo(demo_workbook, tmp_path_factory):
    """A copy of the demo workbook alone in its folder, and the JSON Excel sends for it."""
    folder = tmp_path_factory.mktemp("clics")
    workbook = folder / demo_workbook.name
    shutil.copy2(demo_workbook, workbook)
    return folder, payload(workbook, fullname=str(workbook))


def click(folder, sent, run):
    """Run ``run(xlbook, desktop)`` on a fresh remote book; the observation of what it did."""
    xlbook = xw.Book(json=copy.deepcopy(sent))
    log = folder / AUTOTEST_LOG
    log.unlink(missing_ok=True)
    before = files_under(folder)
    message, level = run(xlbook, AutotestDesktop(folder))
    dialogs = [json.loads(line)["kind"] for line in log.read_text(encoding="utf-8").splitlines()] if log.exists() else []
    log.unlink(missing_ok=True)
    return observe(sent, xlbook, message, level, folder, before, dialogs)


@pytest.fixture(scope="module")
def clicks(saved_demo):
    """Every button pressed once, in the ribbon's order (Documents before « Ouvrir le dossier »)."""
    folder, sent = saved_demo
    return {button: click(folder, sent, lambda xlbook, desktop, b=button: press(xlbook, b, desktop)) for button in BUTTONS}


def test_the_expectation_table_covers_every_button_and_only_them():
    assert list(EXPECTATIONS) == list(BUTTONS)


@pytest.mark.parametrize("button", list(BUTTONS))
def test_every_button_does_what_the_shared_table_expects(clicks, saved_demo, button):
    seen = clicks[button]
    problems, _ = check(button, EXPECTATIONS[button], seen, saved_demo[0])
    assert not problems, f"{button}: {problems}\n{seen.message}"


@pytest.mark.parametrize("sheet", sorted(SHEET_BUTTONS))
def test_run_main_on_every_mapped_sheet_does_what_its_button_does(saved_demo, sheet):
    folder, sent = saved_demo
    sent = copy.deepcopy(sent)
    sent["book"]["active_sheet_index"] = [s["name"] for s in sent["sheets"]].index(sheet)
    seen = click(folder, sent, press_active_sheet)
    button = SHEET_BUTTONS[sheet]
    problems, _ = check(button, EXPECTATIONS[button], seen, folder)
    assert not problems, f"{sheet} → {button}: {problems}\n{seen.message}"


def test_the_export_writes_the_chosen_file_from_the_workbook_on_screen(clicks, saved_demo):
    from openpyxl import load_workbook

    folder, _ = saved_demo
    (exported,) = [f for f in clicks["cccExportFinanceurs"].new_files if f.startswith("Export financeurs ")]
    assert str(folder / exported) in clicks["cccExportFinanceurs"].message
    funders = load_workbook(folder / exported, read_only=True)
    assert c.MARKER_NAME not in funders.defined_names  # a new workbook, not a copy of the adviser's
    candidates = load_workbook(folder / "100-chances-demo.xlsx", read_only=True)[c.CANDIDATES.sheet]
    surnames = {row[c.CANDIDATES.keys.index("last_name")] for row in candidates.iter_rows(min_row=2, values_only=True)} - {None}
    text = " ".join(str(v) for ws in funders.worksheets for row in ws.iter_rows(values_only=True) for v in row if v)
    assert surnames and not [name for name in surnames if name in text]  # pseudonymised


class Answers:
    """The adviser's answers to the dialogs (the only part a test cannot click)."""

    def __init__(self, confirm: bool, save_as=None):
        self.confirm_answer, self.save_as_answer, self.asked = confirm, save_as, []

    def show(self, message, level):
        raise AssertionError("press returns the message; it must not show it")

    def confirm(self, question):
        self.asked.append(question)
        return self.confirm_answer

    def save_as(self, default, title):
        self.asked.append(str(default))
        return self.save_as_answer

    def open_folder(self, folder):
        self.asked.append(str(folder))


def test_saying_no_to_the_purge_changes_nothing_but_the_journal(saved_demo):
    folder, sent = saved_demo
    xlbook, answers = xw.Book(json=copy.deepcopy(sent)), Answers(confirm=False)
    message, level = press(xlbook, "cccPurger", answers)
    (question,) = answers.asked
    assert "Session à pseudonymiser : 2019" in question and "Candidats" in question  # the preview, by table
    assert "abandonnée" in message and level == "Info"
    seen = observe(sent, xlbook, message, level, folder, files_under(folder), [])
    assert seen.changed_sheets == {c.JOURNAL.sheet} and seen.journal == [("purger", "Info")]


def test_saying_yes_to_the_purge_pseudonymises_the_expired_sessions(clicks):
    seen = clicks["cccPurger"]
    assert "pseudonymisée" in seen.message and seen.dialogs == ["confirm"]
    assert (c.CANDIDATES.name, "last_name") in seen.written_columns


def test_a_cancelled_export_writes_nothing(saved_demo):
    folder, sent = saved_demo
    before = files_under(folder)
    message, level = press(xw.Book(json=copy.deepcopy(sent)), "cccExportFinanceurs", Answers(True, save_as=None))
    assert "annulé" in message and level == "Info" and files_under(folder) == before


def test_an_existing_export_is_replaced_only_if_the_adviser_says_yes(saved_demo, tmp_path):
    folder, sent = saved_demo
    from openpyxl import Workbook as NewWorkbook

    mine = tmp_path / "Export financeurs 2026.xlsx"
    NewWorkbook().save(mine)  # last year's export, say: an .xlsx that is not a ccc-xl workbook
    kept = mine.read_bytes()
    answers = Answers(False, save_as=mine)
    message, _ = press(xw.Book(json=copy.deepcopy(sent)), "cccExportFinanceurs", answers)
    assert "existe déjà" in answers.asked[-1] and "n'a pas été remplacé" in message
    assert mine.read_bytes() == kept
    answers = Answers(True, save_as=tmp_path / "autre nom")  # no extension typed: .xlsx added
    message, level = press(xw.Book(json=copy.deepcopy(sent)), "cccExportFinanceurs", answers)
    assert level != "Erreur" and (tmp_path / "autre nom.xlsx").exists()


def test_exporting_over_the_workbook_itself_is_refused(saved_demo):
    folder, sent = saved_demo
    workbook = folder / "100-chances-demo.xlsx"
    before = workbook.read_bytes()
    message, level = press(xw.Book(json=copy.deepcopy(sent)), "cccExportFinanceurs", Answers(True, save_as=workbook))
    assert level == "Erreur" and "l'export ne l'écrase pas" in message and "inattendue" not in message
    assert workbook.read_bytes() == before
