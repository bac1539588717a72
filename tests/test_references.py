"""One person, one ID, everywhere: an ID typed « c2026-03 », « C2026 - 03 » or « C2026-03 » is the
same participant for every command, and a person typed twice is counted once by the Indicateurs
sheet, the bilan and the funders' export alike."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner
from docx import Document
from hypothesis import given
from hypothesis import strategies as st
from openpyxl import load_workbook

from ccc_xl import contract as c
from ccc_xl.cli import main
from ccc_xl.parsing import parse_cell
from ccc_xl.workbook.file import FileBackend
from ccc_xl.workbook.gateway import Workbook, excel_value

DATE = "30/11/2026"
FOLLOWED = 2026  # the demo's session in monthly follow-up

EVERY_TABLE = (*c.TABLES.values(), c.BINOMES, c.INTERVIEWS, c.GRAND_ORAL, c.ALERTS)
SPACES = st.sampled_from([" ", "\u00a0", "\u202f", "\t", ""])


def twist(text: str, data) -> str:
    """``text`` as an adviser may type it: any letter's case changed, spaces around and inside."""
    letters = [ch.lower() if data.draw(st.booleans()) else ch for ch in text]
    inside = [ch + (data.draw(SPACES) if data.draw(st.booleans()) else "") for ch in letters]
    return data.draw(SPACES) + "".join(inside) + data.draw(SPACES)


@given(st.from_regex(r"[A-Z]{1,3}[0-9]{2,4}-[0-9]{2}(-P[0-9])?", fullmatch=True), st.data())
def test_every_id_column_reads_an_id_however_it_is_typed(typed, data):
    variant = twist(typed, data)
    for table in EVERY_TABLE:
        for column in table.columns:
            if column.reference:
                assert parse_cell(column, variant) == typed, (table.sheet, column.header, variant)


def test_every_column_other_sheets_refer_to_is_read_as_an_id():
    """The participant and company columns of every table, and the IDs they point at."""
    for table in EVERY_TABLE:
        for column in table.columns:
            if column.header in ("ID", "ID entreprise", "ID participant", "Réf. proposition", "Proposition liée"):
                assert column.reference, (table.sheet, column.header)


def cli(*args) -> str:
    result = CliRunner().invoke(main, [str(a) for a in args], env={"COLUMNS": "300"})
    assert result.exit_code == 0, result.output
    return result.output


def participant_row(path, year=FOLLOWED) -> tuple[dict, int]:
    """A retained participant of ``year`` with follow-up lines, as its cells, and how many."""
    book = Workbook(FileBackend(path))
    candidates = book.read(c.CANDIDATES)
    followed = set(book.read(c.FOLLOWUP)["participant"])
    chosen = candidates[(candidates["session"] == year) & candidates["retained"].fillna(False).astype(bool)
                        & candidates["id"].isin(followed)].iloc[0]
    return {col.key: excel_value(col, chosen[col.key]) for col in c.CANDIDATES.columns}, len(candidates)


def outputs(path, tmp_path, name) -> tuple[dict, str]:
    """What the adviser and the funders receive: the Indicateurs sheet, the bilan's text and the
    export's cells; and what `indicateurs` said."""
    said = cli("indicateurs", path, "--date", DATE)
    sheet = [row for row in load_workbook(path)[c.INDICATORS_SHEET.name].iter_rows(values_only=True)]
    export = tmp_path / f"export-{name}.xlsx"
    cli("export-financeurs", path, "--sortie", export, "--date", DATE)
    exported = {ws.title: [r for r in ws.iter_rows(values_only=True)] for ws in load_workbook(export)}
    bilan = tmp_path / f"bilan-{name}.docx"
    cli("bilan", path, "--annee", FOLLOWED, "--sortie", bilan, "--date", DATE)
    document = Document(bilan)
    text = [p.text for p in document.paragraphs] + [cell.text for t in document.tables for r in t.rows for cell in r.cells]
    return {"Indicateurs": sheet, "export": exported, "bilan": text}, said


def without_dates(value):
    """Outputs carry the day they were made (« Calculé le … ») : compared without it."""
    if isinstance(value, dict):
        return {k: without_dates(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [without_dates(v) for v in value]
    if isinstance(value, (dt.date, dt.datetime)):
        return None
    if isinstance(value, str) and dt.date.today().strftime("%d/%m/%Y") in value:
        return None
    return value


@pytest.fixture(scope="module")
def outputs_before(demo_workbook, tmp_path_factory) -> tuple[Path, dict]:
    """The demo once the three commands have run on it, and what they gave: the same for every
    way of typing a participant twice, computed once (the tests below share one xdist group)."""
    folder = tmp_path_factory.mktemp("avant")
    path = folder / demo_workbook.name
    shutil.copy2(demo_workbook, path)
    return path, outputs(path, folder, "before")[0]


@pytest.mark.xdist_group("references-doubles")
@pytest.mark.parametrize("typed_again", [
    lambda id_: id_.lower(),
    lambda id_: f" {id_[:5]} - {id_[6:]} ",
    lambda id_: id_.replace("-", "\u00a0-"),
    lambda id_: id_,  # the same row pasted twice
])
def test_a_participant_typed_twice_is_one_person_for_every_command(outputs_before, tmp_path, typed_again):
    ran, before = outputs_before
    demo_copy = tmp_path / ran.name
    shutil.copy2(ran, demo_copy)
    row, _ = participant_row(demo_copy)

    twice = {**row, "id": typed_again(row["id"]), "last_name": str(row["last_name"]).upper()}
    backend = FileBackend(demo_copy)
    backend.append_rows(c.CANDIDATES, [[twice.get(k) for k in c.CANDIDATES.keys]])
    backend.save(backup=False)

    flagged = cli("eligibilite", demo_copy)
    assert f"ID « {row['id']} » en double" in flagged, flagged
    after, said = outputs(demo_copy, tmp_path, "after")
    # Counted once, with the same figures everywhere; the double is named for the adviser.
    assert without_dates(after) == without_dates(before)
    assert "Participant déjà saisi dans le même classeur" in said and "feuille « Candidats »" in said, said


def test_a_follow_up_line_typed_with_the_id_in_another_case_belongs_to_the_participant(demo_copy, tmp_path):
    row, _ = participant_row(demo_copy)

    def with_line(participant: str):
        path = tmp_path / f"{len(list(tmp_path.iterdir()))}.xlsx"
        shutil.copy(demo_copy, path)
        line = {"participant": participant, "date": dt.datetime(2026, 11, 20), "type": c.LISTS["TypesSuivi"].values[0]}
        backend = FileBackend(path)
        backend.append_rows(c.FOLLOWUP, [[line.get(k) for k in c.FOLLOWUP.keys]])
        backend.save(backup=False)
        said = cli("suivi", path, "--au", DATE)
        board = list(load_workbook(path)[c.DASHBOARD_SHEET.name].iter_rows(values_only=True))
        return said, board

    typed_right = with_line(row["id"])
    typed_lower = with_line(f" {row['id'].lower()} ")
    assert "n'est pas un candidat retenu" not in typed_lower[0], typed_lower[0]
    assert typed_lower == typed_right
