"""Buttons that need the adviser's screen (a dialog, a folder to show) around a command.

Each takes the gateway `Workbook` and the `desktop` (see `desktop`), so everything but the dialog
itself runs the same in Excel, in the tests and in the self-test.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from ..contract import HOME_TEXT
from ..report import CommandError, Outcome
from ..wording import count

MAX_QUESTION_LINES = 15  # a question taller than the screen hides its buttons


def open_documents_folder(book, *, desktop) -> Outcome:
    """Open the documents folder of the workbook in the file explorer (Finder on macOS)."""
    from ..commands import documents_folder  # the same folder the Documents button writes into

    folder = documents_folder(book)
    if not folder.is_dir():
        raise CommandError(f"Aucun document n'a encore été produit pour ce classeur (dossier « {folder} » absent) : cliquez d'abord sur « Documents ».")
    desktop.open_folder(folder)
    return Outcome("dossier", f"Dossier ouvert : {folder}", paths=[str(folder)])


def show_help(book, *, desktop) -> Outcome:
    """The adviser's guide in the browser, at the step of the sheet on screen (at its table of
    contents on a sheet of no step: Accueil, Journal…), and the year's steps in the message."""
    from .. import guide

    sheet = book.backend.active_sheet()
    section = guide.find(sheet, full_text=False)
    desktop.open_page(guide.write_page(section))
    steps = [text for style, text in HOME_TEXT if style == "p" and text[:1].isdigit()]
    where = f"à « {section.title} » (onglet « {sheet} »)" if section else "à son sommaire"
    return Outcome("aide", f"Guide du conseiller ouvert dans votre navigateur, {where}. Les étapes de l'année :",
                   lines=steps + ["Chaque clic laisse une trace dans l'onglet « Journal » (feuille, ligne, colonne de chaque anomalie)."])


def export_name(today: dt.date) -> str:
    return f"Export financeurs {today.year}.xlsx"


def export_financeurs(book, *, desktop, today: dt.date | None = None) -> Outcome:
    """Export the workbook on screen (as Excel shows it, saved or not) for the funders, to the file
    the adviser chooses (« Export financeurs ANNÉE.xlsx » beside the workbook is proposed)."""
    from .. import commands

    today = today or dt.date.today()
    workbook = book.backend.path
    proposed = workbook.parent / export_name(today) if workbook else Path(export_name(today))
    chosen = desktop.save_as(proposed, "Export pour les financeurs")
    if chosen is None:
        return Outcome("export-financeurs", "Export annulé : aucun fichier n'a été écrit.")
    chosen = Path(chosen)
    if not chosen.is_absolute():  # no dialog here and no folder for the workbook: nowhere sensible to write
        raise CommandError("Enregistrez d'abord le classeur sur votre ordinateur : l'export est écrit à côté de lui.")
    if chosen.suffix.lower() != ".xlsx":
        chosen = chosen.with_name(chosen.name + ".xlsx")
    commands.check_export_target([book], chosen)  # a ccc-xl workbook is refused before any question
    if chosen.exists() and not desktop.confirm(f"Le fichier « {chosen.name} » existe déjà dans « {chosen.parent} ».\n\nLe remplacer ?"):
        return Outcome("export-financeurs", f"Export annulé : « {chosen.name} » n'a pas été remplacé.")
    return commands.export_financeurs([book], chosen, today=today)


def purger(book, *, desktop, today: dt.date | None = None) -> Outcome:
    """The yearly purge: every session whose retention period is over, after a Yes/No question
    showing what will be pseudonymised (the preview writes nothing)."""
    from .. import commands

    today = today or dt.date.today()
    preview = commands.purger(book, before=today.year, confirm=False, today=today)
    if not preview.data.get("plan"):
        return preview  # nothing to purge: its message says so
    lines = preview.lines
    if len(lines) > MAX_QUESTION_LINES:
        lines = lines[:MAX_QUESTION_LINES] + [f"… et {count(len(lines) - MAX_QUESTION_LINES, 'ligne')} de plus."]
    question = "\n".join([preview.summary, *lines, "",
                          "Pseudonymiser définitivement ces données ? (les noms ne pourront pas être retrouvés)"])
    if not desktop.confirm(question):
        return Outcome("purger", "Purge abandonnée : le classeur n'a pas été modifié.")
    return commands.purger(book, before=today.year, confirm=True, today=today)
