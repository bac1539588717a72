"""The ribbon's buttons: one table from button id to command, and the run around each command.

The add-in's VBA entry point (`CccRibbon.RunButton`, which the ribbon callback calls) passes the
clicked button's id to `run_button` through xlwings' RunPython. Commands are the same functions the
CLI calls (`ccc_xl.commands`), looked up by name when clicked, so a button whose command is not
written yet says so instead of failing, and importing this module stays cheap. A command that needs
a dialog declares a ``desktop`` parameter and receives the `desktop` seam.
"""

from __future__ import annotations

import importlib
import inspect
from contextlib import contextmanager, suppress

from .. import contract as c
from ..progress import listening
from ..report import CommandError, Outcome, os_error_message
from ..wording import count
from .desktop import desktop_for

# Button id (addin/customUI.xml) -> "module:function" taking the gateway `Workbook`.
BUTTONS: dict[str, str] = {
    "cccEligibilite": "ccc_xl.commands:eligibilite",
    "cccRotations": "ccc_xl.commands:rotations",
    "cccVerifierPlanning": "ccc_xl.commands:verifier_planning",
    "cccDocumentsProduire": "ccc_xl.commands:documents",
    "cccOuvrirDossier": "ccc_xl.excel.actions:open_documents_folder",
    "cccSuiviAlertes": "ccc_xl.commands:suivi",
    "cccIndicateurs": "ccc_xl.commands:indicateurs",
    "cccExportFinanceurs": "ccc_xl.excel.actions:export_financeurs",
    "cccPurger": "ccc_xl.excel.actions:purger",
    "cccAide": "ccc_xl.excel.actions:show_help",
}

# The sheet the adviser is on -> the button whose action xlwings' own « Run main » runs there (the
# fallback that needs no ccc-xl add-in, see `runmain`). Sheets not listed have no action.
SHEET_BUTTONS: dict[str, str] = {
    c.CANDIDATES.sheet: "cccEligibilite",
    **dict.fromkeys((c.COMPANIES.sheet, c.BINOMES_SHEET.name, c.INTERVIEWS_SHEET.name, c.PLANNING_SHEET.name,
                     c.GRAND_ORAL_SHEET.name), "cccRotations"),
    c.DOCUMENTS_SHEET.name: "cccDocumentsProduire",
    **dict.fromkeys((c.FOLLOWUP.sheet, c.PATHWAYS.sheet, c.PLANS.sheet, c.DEBRIEFING.sheet, c.DASHBOARD_SHEET.name),
                    "cccSuiviAlertes"),
    c.INDICATORS_SHEET.name: "cccIndicateurs",
    c.FUNDING.sheet: "cccExportFinanceurs",
    c.SESSIONS.sheet: "cccPurger",  # the retention period is a Sessions column; a Yes/No question comes first
}

MAX_LINES = 20  # a message box taller than the screen hides its OK button


def resolve(target: str):
    """The function named by ``"module:function"``, or None when it does not exist yet."""
    module_name, _, function_name = target.partition(":")
    try:
        module = importlib.import_module(module_name)
    except ModuleNotFoundError as missing:
        if missing.name and module_name.startswith(missing.name):
            return None
        raise
    return getattr(module, function_name, None)


def run_button(control_id: str) -> None:
    """Entry point of RunPython: run the button's command on the workbook the adviser is looking at."""
    import xlwings as xw

    xlbook = xw.Book.caller()
    desktop = desktop_for(xlbook)
    desktop.show(*press(xlbook, control_id, desktop))


def press_active_sheet(xlbook, desktop=None) -> tuple[str, str]:
    """Run the action of the sheet the adviser is on (SHEET_BUTTONS), like `press`; never raises."""
    sheet = xlbook.sheets.active.name
    control_id = SHEET_BUTTONS.get(sheet)
    if control_id is None:
        actions: dict[str, list[str]] = {}
        for name, button in SHEET_BUTTONS.items():
            actions.setdefault(_command(BUTTONS[button]), []).append(name)
        choices = " ; ".join(f"{command} : {', '.join(names)}" for command, names in actions.items())
        return (f"La feuille « {sheet} » n'a pas d'action. Ouvrez la feuille de l'étape voulue puis cliquez de "
                f"nouveau sur « Run main » ({choices})."), "Alerte"
    return press(xlbook, control_id, desktop)


def press(xlbook, control_id: str, desktop=None) -> tuple[str, str]:
    """Run a button on an xlwings Book; returns the French message to show and its level.

    ``desktop`` answers the dialogs (`desktop.ExcelDesktop` of the book's Excel by default).
    Never raises: a refusal, a command's error or a bug all become a message (and, once the
    workbook is known to be a ccc-xl workbook, a Journal line).
    """
    from ..commands import run
    from ..workbook.gateway import Workbook
    from ..workbook.live import LiveBackend

    target = BUTTONS.get(control_id)
    if target is None:
        return f"Le bouton « {control_id} » n'est relié à aucune commande : réinstallez le complément (ccc-xl addin install).", "Erreur"
    book = Workbook(LiveBackend(xlbook))
    command = _command(target)
    try:
        book.check_is_ccc_workbook()
    except CommandError as refusal:
        return refusal.message, "Erreur"
    try:
        function = resolve(target)
        if function is None:
            return f"La fonction « {command} » n'est pas encore disponible dans cette version de ccc-xl.", "Alerte"
        options = {}
        if "desktop" in inspect.signature(function).parameters:
            options["desktop"] = desktop if desktop is not None else desktop_for(xlbook)
        with _frozen(xlbook.app), _status_bar(xlbook.app):
            outcome = run(book, command, function, **options)  # the CLI's runner: same Journal lines
        return _shorten(outcome), outcome.level
    except CommandError as error:
        return _report(book, command, error.message, error.anomalies), "Erreur"
    except OSError as error:  # a document folder on a full or read-only disk…
        return _report(book, command, os_error_message(error), ()), "Erreur"
    except Exception as bug:  # noqa: BLE001 - an adviser must never see a traceback
        message = f"Erreur inattendue ({type(bug).__name__} : {bug}). Rien d'autre n'a été modifié ; signalez-la avec le Journal."
        return _report(book, command, message, ()), "Erreur"


def _command(target: str) -> str:
    """The command name of a ``"module:function"`` target, as the Journal and the CLI name it."""
    return target.partition(":")[2]


def _report(book, command: str, message: str, anomalies) -> str:
    try:
        book.log(command, message, level="Erreur", anomalies=anomalies)
    except Exception:  # noqa: BLE001 - the message box must still appear
        return message + "\n(Le Journal n'a pas pu être complété.)"
    return message + ("\n" + "\n".join(f"- {a}" for a in anomalies[:MAX_LINES]) if anomalies else "")


def _shorten(outcome: Outcome) -> str:
    lines = outcome.text().splitlines()
    if len(lines) > MAX_LINES:
        lines = lines[:MAX_LINES] + [f"… et {count(len(lines) - MAX_LINES, 'ligne')} de plus : voir l'onglet Journal."]
    return "\n".join(lines)


@contextmanager
def _status_bar(app):
    """Excel's status bar shows where long work is (`progress.report`: documents, PDF conversion,
    solving), and is handed back to Excel at the end, even on error. Engines without a status bar
    (xlwings' remote engine) simply show nothing."""
    def show(step) -> None:
        with suppress(NotImplementedError):
            app.status_bar = f"100 Chances — {step}"

    with listening(show):
        try:
            yield
        finally:
            with suppress(NotImplementedError):
                app.status_bar = False


@contextmanager
def _frozen(app):
    """Screen updating off during a run (restored even on error), where the engine supports it."""
    try:
        previous = app.screen_updating
    except NotImplementedError:  # xlwings' remote engine has no screen
        yield
        return
    app.screen_updating = False
    try:
        yield
    finally:
        app.screen_updating = previous
