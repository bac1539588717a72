"""`ccc-xl diagnostic --excel`: what can be checked without Windows and Excel."""

from __future__ import annotations

import sys

import pytest
import xlwings as xw
from click.testing import CliRunner

from ccc_xl.cli import main as cli
from ccc_xl.excel.desktop import AUTOTEST_NAME, AUTOTEST_TOKEN, AutotestDesktop, ExcelDesktop, autotest_marker, desktop_for

from xlremote_payload import payload


@pytest.mark.skipif(sys.platform.startswith("win"), reason="this machine has Windows")
def test_without_excel_it_says_so_in_one_line_and_exits_2():
    result = CliRunner().invoke(cli, ["diagnostic", "--excel"])
    assert result.exit_code == 2
    assert result.output.count("\n") == 1 and "Windows" in result.output and "Excel" in result.output


def marked_book(blank, folder, token, written=None, fullname=None):
    """A remote book for ``blank`` carrying the self-test's name for ``folder`` and ``token``."""
    folder.mkdir(exist_ok=True)
    (folder / AUTOTEST_TOKEN).write_text(written if written is not None else token, encoding="utf-8")
    sent = payload(blank, fullname=fullname or str(folder / blank.name))
    sent["names"].append({"name": AUTOTEST_NAME, "sheet_index": None, "address": None, "book_scope": True,
                          "scope_sheet_name": None, "scope_sheet_index": None, "refers_to": autotest_marker(folder, token)})
    return xw.Book(json=sent)


def test_only_the_self_tests_own_copy_answers_its_dialogs_by_itself(blank, tmp_path):
    folder = tmp_path / "essai « é » \"x\""
    desktop = desktop_for(marked_book(blank, folder, "0123abcd"))
    assert isinstance(desktop, AutotestDesktop) and desktop.folder == folder


@pytest.mark.parametrize("case", ["wrong token", "no token file", "workbook elsewhere", "no name"])
def test_any_other_workbook_gets_the_real_dialogs(blank, tmp_path, case):
    """A workbook carrying the name by accident (or by copy) must never auto-confirm a purge."""
    folder = tmp_path / "essai"
    if case == "wrong token":
        xlbook = marked_book(blank, folder, "0123abcd", written="ffff")
    elif case == "no token file":
        xlbook = marked_book(blank, folder, "0123abcd")
        (folder / AUTOTEST_TOKEN).unlink()
    elif case == "workbook elsewhere":
        xlbook = marked_book(blank, folder, "0123abcd", fullname=str(tmp_path / "ailleurs" / blank.name))
    else:
        xlbook = xw.Book(json=payload(blank, fullname=str(folder / blank.name)))
    assert isinstance(desktop_for(xlbook), ExcelDesktop)
