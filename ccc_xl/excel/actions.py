"""Buttons that act on Excel or the desktop rather than on the workbook's data."""

from __future__ import annotations

import os
import subprocess
import sys

from ..contract import HOME_SHEET, HOME_TEXT
from ..report import CommandError, Outcome


def open_documents_folder(book) -> Outcome:
    """Open the documents folder of the workbook in the file explorer (Finder on macOS)."""
    from ..commands import documents_folder  # the same folder the Documents button writes into

    folder = documents_folder(book)
    if not folder.is_dir():
        raise CommandError(f"Aucun document n'a encore été produit pour ce classeur (dossier « {folder} » absent) : cliquez d'abord sur « Documents ».")
    if sys.platform.startswith("win"):
        os.startfile(folder)  # noqa: S606 - a folder the adviser asked to see
    else:
        subprocess.run(["open" if sys.platform == "darwin" else "xdg-open", str(folder)], check=False)
    return Outcome("dossier", f"Dossier ouvert : {folder}", paths=[str(folder)])


def show_help(book) -> Outcome:
    """The year's steps (the Accueil sheet's text), and the Accueil sheet brought to the front."""
    book.backend.activate(HOME_SHEET)
    steps = [text for style, text in HOME_TEXT if style == "p" and text[:1].isdigit()]
    return Outcome("aide", "Les étapes de l'année (détails dans l'onglet « Accueil ») :", lines=steps + [
        "Chaque clic laisse une trace dans l'onglet « Journal » (feuille, ligne, colonne de chaque anomalie).",
    ])
