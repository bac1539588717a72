"""Output files (the funders' export, the annual report) never overwrite what an adviser made."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from docx import Document
from openpyxl import Workbook as XlWorkbook

from ccc_xl.workbook.safety import PREVIOUS_VERSIONS
from conftest import run_cli

TODAY = "26/11/2026"


def ccc_xl(*args) -> subprocess.CompletedProcess:
    return run_cli(*args)


def bilan(workbook: Path, output: Path) -> subprocess.CompletedProcess:
    return ccc_xl("bilan", workbook, "--annee", "2025", "-o", output, "--date", TODAY)


def export(workbook: Path, output: Path) -> subprocess.CompletedProcess:
    return ccc_xl("export-financeurs", workbook, "-o", output, "--date", TODAY)


def test_a_report_edited_by_hand_is_kept_when_it_is_produced_again(demo_copy, tmp_path):
    output = tmp_path / "Bilan 2025.docx"
    assert bilan(demo_copy, output).returncode == 0
    edited = Document(output)
    edited.add_paragraph("Commentaire de la directrice : à garder.")
    edited.save(output)  # Word keeps the author (ccc-xl) when the adviser saves
    again = bilan(demo_copy, output)
    assert again.returncode == 0, again.stderr
    (kept,) = (tmp_path / PREVIOUS_VERSIONS).iterdir()
    assert "Commentaire de la directrice : à garder." in [p.text for p in Document(kept).paragraphs]
    assert f"{PREVIOUS_VERSIONS}/{kept.name}" in " ".join(again.stdout.split())
    assert "Commentaire de la directrice" not in [p.text for p in Document(output).paragraphs]


@pytest.mark.parametrize("kind", ["export", "bilan"])
@pytest.mark.parametrize("foreign", ["classeur", "texte"])
def test_a_file_ccc_xl_did_not_make_is_never_overwritten(demo_copy, tmp_path, kind, foreign):
    suffix = ".xlsx" if kind == "export" else ".docx"
    output = tmp_path / f"mon fichier{suffix}"
    if foreign == "texte":
        output.write_text("Budget prévisionnel 2027 — ne pas perdre", encoding="utf-8")
    elif kind == "export":
        wb = XlWorkbook()
        wb.active["A1"] = "Budget prévisionnel 2027 — ne pas perdre"
        wb.save(output)
    else:
        document = Document()
        document.add_paragraph("Budget prévisionnel 2027 — ne pas perdre")
        document.save(output)
    before = output.read_bytes()
    result = (export if kind == "export" else bilan)(demo_copy, output)
    assert result.returncode == 1, result.stdout
    assert f"« {output.name} » existe déjà et n'a pas été produit par ccc-xl" in result.stderr
    assert output.read_bytes() == before and not (tmp_path / PREVIOUS_VERSIONS).exists()


def test_a_previous_export_is_kept_aside_and_the_workbook_itself_is_refused(demo_copy, tmp_path):
    output = tmp_path / "Export financeurs 2025.xlsx"
    assert export(demo_copy, output).returncode == 0
    first = output.read_bytes()
    again = export(demo_copy, output)
    assert again.returncode == 0, again.stderr
    (kept,) = (tmp_path / PREVIOUS_VERSIONS).iterdir()
    assert kept.read_bytes() == first
    before = demo_copy.read_bytes()
    refused = export(demo_copy, demo_copy)
    assert refused.returncode == 1 and "est un classeur ccc-xl" in refused.stderr
    assert demo_copy.read_bytes() == before
