"""The adviser's guide where the adviser is: `ccc-xl aide SUJET` and the ribbon's « Aide » button."""

from __future__ import annotations

import copy
import json
import re
import shutil
from pathlib import Path

import pytest
import xlwings as xw
from click.testing import CliRunner

from ccc_xl import contract as c
from ccc_xl import guide
from ccc_xl.cli import main
from ccc_xl.excel.buttons import press
from ccc_xl.excel.desktop import AUTOTEST_LOG, AutotestDesktop

from xlremote_payload import payload

ROOT = Path(__file__).resolve().parent.parent


def _step_sheets() -> dict[str, int]:
    """Each sheet the Accueil sheet lists under a step, with the step's number (« 3. Réunions
    d'information, Candidats : … »)."""
    found = {}
    for style, text in c.HOME_TEXT:
        if style == "p" and (head := re.match(r"(\d+)\. ([^:]+) :", text)):
            for sheet in head.group(2).split(","):
                found[sheet.strip()] = int(head.group(1))
    return found


def test_the_guide_has_the_accueil_sheets_steps_in_order():
    numbers = sorted(set(_step_sheets().values()))
    assert [s.step for s in guide.steps()] == numbers == list(range(1, 8))


@pytest.mark.parametrize("sheet, step", sorted(_step_sheets().items()))
def test_each_sheet_of_a_step_leads_to_that_step(sheet, step):
    assert guide.find(sheet, full_text=False).step == step


@pytest.mark.parametrize("sheet", [s for s in (*(t.sheet for t in c.TABLES.values()), *(g.name for g in c.GENERATED_SHEETS))
                                   if s not in (c.JOURNAL.sheet,)])
def test_every_sheet_an_adviser_works_in_has_its_place_in_the_guide(sheet):
    assert guide.find(sheet, full_text=False) is not None, sheet


@pytest.mark.parametrize("command", sorted(main.commands))
def test_every_command_is_explained_in_the_guide(command):
    section = guide.find(command)
    assert section is not None and f"ccc-xl {command}" in section.text, command


@pytest.mark.parametrize("typed, step", [("3", 3), ("étape 4", 4), ("ELIGIBILITE", 3), ("éligibilité", 3),
                                         ("ccc-xl rotations", 4), ("Grand Oral", 4), ("tableau de bord", 6),
                                         ("export-financeurs", 7), ("Plans d'action", 6)])
def test_a_subject_is_found_however_the_adviser_types_it(typed, step):
    assert guide.find(typed).step == step


def test_every_link_inside_the_docs_reaches_a_heading_or_a_file():
    for page in (ROOT / "docs").rglob("*.md"):
        markdown = page.read_text(encoding="utf-8")
        anchors = {s.anchor for s in guide.sections(markdown)} | {
            guide.anchor(line.lstrip("# ")) for line in markdown.splitlines() if line.startswith("# ")}
        for target in re.findall(r"\]\(([^)\s]+)\)", markdown):
            if target.startswith(("http://", "https://")):
                continue
            path, _, fragment = target.partition("#")
            if path:
                assert (page.parent / path).exists(), f"{page.name}: {target}"
            elif fragment:
                assert fragment in anchors, f"{page.name}: #{fragment}"


def run(*args):
    return CliRunner().invoke(main, list(args))


def test_aide_alone_lists_the_steps_with_the_command_to_type():
    result = run("aide")
    assert result.exit_code == 0
    for section in guide.steps():
        assert f"{section.title}  (ccc-xl aide {section.step})" in result.output


def test_aide_on_a_step_prints_that_step_and_not_the_next():
    result = run("aide", "4")
    assert result.exit_code == 0
    assert "Étape 4" in result.output and "Grand Oral" in result.output and "Étape 5" not in result.output


def test_aide_on_an_unknown_subject_says_so_in_french():
    result = run("aide", "cafétéria")
    assert result.exit_code == 1 and "ne parle pas de « cafétéria »" in result.output + (result.stderr if result.stderr_bytes else "")


def test_the_html_guide_jumps_to_the_step_and_every_heading_has_its_anchor(tmp_path):
    section = guide.find("Candidats")
    jump = guide.write_page(section, tmp_path)
    page = (tmp_path / "guide-conseiller.html").read_text(encoding="utf-8")
    target = re.search(r'url=([^"]+)"', jump.read_text(encoding="utf-8")).group(1)
    assert target == f"guide-conseiller.html#{section.anchor}"
    for part in guide.sections():
        assert f'id="{part.anchor}"' in page, part.title
    assert "<table>" in page and "&lt;" not in section.title  # tables rendered, text escaped once


@pytest.mark.parametrize("sheet, step", [(c.CANDIDATES.sheet, 3), (c.PLANNING_SHEET.name, 4), (c.HOME_SHEET, None)])
def test_the_aide_button_opens_the_guide_at_the_step_of_the_sheet_on_screen(demo_workbook, tmp_path, monkeypatch, sheet, step):
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "donnees"))
    folder = tmp_path / "classeur"
    folder.mkdir()
    workbook = folder / demo_workbook.name
    shutil.copy2(demo_workbook, workbook)
    xlbook = xw.Book(json=copy.deepcopy(payload(workbook, active=sheet, fullname=str(workbook))))
    message, level = press(xlbook, "cccAide", AutotestDesktop(folder))
    (opened,) = [json.loads(line) for line in (folder / AUTOTEST_LOG).read_text(encoding="utf-8").splitlines()]
    assert level == "Info" and opened["kind"] == "open_page"
    page = Path(opened["path"])
    assert page.is_relative_to(tmp_path / "donnees") and page.exists()
    if step is None:
        assert page.name == "guide-conseiller.html" and "sommaire" in message
    else:
        section = next(s for s in guide.steps() if s.step == step)
        assert section.anchor in page.read_text(encoding="utf-8") and section.title in message
