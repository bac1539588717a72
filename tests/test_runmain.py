"""xlwings' « Run main » fallback: the module beside the workbook and the active sheet's action."""

from __future__ import annotations

import importlib.util
import sys

import pytest
import xlwings as xw
from click.testing import CliRunner

from ccc_xl import contract as c
from ccc_xl.cli import main as cli
from ccc_xl.excel import runmain
from ccc_xl.excel.buttons import BUTTONS, SHEET_BUTTONS, press_active_sheet

from xlremote_payload import payload


def import_beside(module_file):
    """Import the written module the way « Run main » does: by name, its folder first on sys.path."""
    sys.path.insert(0, str(module_file.parent))
    try:
        spec = importlib.util.find_spec(module_file.stem)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        return module
    finally:
        sys.path.remove(str(module_file.parent))


def test_nouveau_writes_the_run_main_module_beside_the_workbook(tmp_path):
    result = CliRunner().invoke(cli, ["nouveau", str(tmp_path / "cent_chances.xlsx"), "--module-excel"])
    assert result.exit_code == 0, result.output
    module_file = tmp_path / "cent_chances.py"
    assert (tmp_path / "cent_chances.xlsx").exists() and module_file.exists()
    assert "Run main" in result.output
    module = import_beside(module_file)
    assert module.main is runmain.main


@pytest.mark.parametrize("name", ["100 chances", "cent-chances", "suivi_été", "json", "ccc_xl", "class"])
def test_a_name_run_main_cannot_import_is_refused_before_anything_is_written(tmp_path, name):
    result = CliRunner().invoke(cli, ["nouveau", str(tmp_path / f"{name}.xlsx"), "--module-excel"])
    assert result.exit_code != 0
    assert "choisissez un autre nom de classeur" in " ".join(result.output.split())
    assert "Traceback" not in result.output
    assert list(tmp_path.iterdir()) == []


def test_an_existing_module_is_kept_without_ecraser(tmp_path):
    existing = tmp_path / "cent_chances.py"
    existing.write_text("# à moi\n", encoding="utf-8")
    result = CliRunner().invoke(cli, ["nouveau", str(tmp_path / "cent_chances.xlsx"), "--module-excel"])
    assert result.exit_code != 0 and "--ecraser" in result.output
    assert existing.read_text(encoding="utf-8") == "# à moi\n"
    assert not (tmp_path / "cent_chances.xlsx").exists()


def test_every_mapped_sheet_exists_and_its_button_exists(blank):
    from openpyxl import load_workbook

    sheets = load_workbook(blank, read_only=True).sheetnames
    assert set(SHEET_BUTTONS) <= set(sheets)
    assert set(SHEET_BUTTONS.values()) <= set(BUTTONS)


def journal_commands(xlbook) -> list[object]:
    """The « Commande » cells written on the Journal sheet by the actions Excel would apply."""
    journal = xlbook.sheets[c.JOURNAL.sheet]
    column = journal.tables[c.JOURNAL.name].range.column - 1 + c.JOURNAL.keys.index("command")  # 0-based
    return [row[column - a["start_column"]]
            for a in xlbook.json()["actions"]
            if a["func"] == "setValues" and a["sheet_position"] == journal.index - 1
            and a["start_column"] <= column < a["start_column"] + len(a["values"][0])
            for row in a["values"]]


@pytest.mark.parametrize("sheet", sorted(SHEET_BUTTONS))
def test_run_main_runs_the_command_of_the_active_sheet(blank, sheet, tmp_path):
    from ccc_xl.excel.desktop import AutotestDesktop

    command = BUTTONS[SHEET_BUTTONS[sheet]].partition(":")[2]
    xlbook = xw.Book(json=payload(blank, active=sheet))
    message, level = press_active_sheet(xlbook, AutotestDesktop(tmp_path))  # dialogs answered in tmp_path
    assert "Traceback" not in message
    # The command ran and left its Journal line, or is not written yet in this version and says so.
    assert command in journal_commands(xlbook) or f"« {command} » n'est pas encore disponible" in message


@pytest.mark.parametrize("sheet", [c.HOME_SHEET, c.PARTNERS.sheet, c.JOURNAL.sheet])
def test_run_main_on_a_sheet_without_action_says_which_sheet_to_open(blank, sheet):
    xlbook = xw.Book(json=payload(blank, active=sheet))
    message, level = press_active_sheet(xlbook)
    assert f"La feuille « {sheet} » n'a pas d'action" in message
    assert c.CANDIDATES.sheet in message and c.FOLLOWUP.sheet in message
    assert level == "Alerte"
    assert xlbook.json()["actions"] == []
