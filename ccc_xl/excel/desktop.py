"""What a click needs from the adviser's screen besides the workbook: message boxes, a Yes/No
question, a Save-As dialog, opening a folder or a page of the guide.

This is the only part of a button that cannot run without a person in front of Excel. Every
action receives it as ``desktop`` so that the tests (xlwings' remote engine has no screen) and the
Windows self-test (`ccc-xl diagnostic --excel`, Excel hidden) answer the dialogs themselves, and
everything else a click does runs for real.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

TITLE = "100 Chances"

# A workbook carrying this defined name, whose value names the folder it lies in and a token written
# in that folder, is a copy made by the self-test: its clicks answer the dialogs without a person.
# No other workbook can pass for one (the token is random and only the self-test writes it).
AUTOTEST_NAME = "ccc_xl_autotest"
AUTOTEST_TOKEN = "jeton-autotest.txt"
AUTOTEST_LOG = "clics.jsonl"


class ExcelDesktop:
    """The real dialogs of the Excel the adviser is using (through xlwings)."""

    def __init__(self, app):
        self.app = app

    def show(self, message: str, level: str) -> None:
        self.app.alert(message, title=TITLE, mode="critical" if level == "Erreur" else "info")

    def confirm(self, question: str) -> bool:
        """Yes/No; on Windows « Non » is the default button, so Enter never confirms by accident."""
        if sys.platform.startswith("win"):
            import win32api
            import win32con

            style = win32con.MB_YESNO | win32con.MB_ICONWARNING | win32con.MB_DEFBUTTON2
            return win32api.MessageBox(self.app.hwnd, question, TITLE, style) == win32con.IDYES
        return self.app.alert(question, title=TITLE, buttons="yes_no", mode="critical") == "yes"

    def save_as(self, default: Path, title: str) -> Path | None:
        """The file the adviser chooses (None when cancelled). Excel's own Save-As dialog on Windows;
        elsewhere xlwings offers none, so the proposed file beside the workbook is used."""
        if sys.platform.startswith("win"):
            chosen = self.app.api.GetSaveAsFilename(
                InitialFileName=str(default), FileFilter="Classeur Excel (*.xlsx),*.xlsx", Title=title)
            return Path(chosen) if isinstance(chosen, str) and chosen else None
        return default

    def open_folder(self, folder: Path) -> None:
        if sys.platform.startswith("win"):
            os.startfile(folder)  # noqa: S606 - a folder the adviser asked to see
        else:
            subprocess.run(["open" if sys.platform == "darwin" else "xdg-open", str(folder)], check=False)

    def open_page(self, page: Path) -> None:
        """A local HTML page in the adviser's default browser."""
        import webbrowser

        webbrowser.open(page.as_uri())


class AutotestDesktop:
    """Answers for the self-test's copy: « Oui » to every question, files saved in its folder, and
    every message, question and opened folder written to ``clics.jsonl`` there for the report."""

    def __init__(self, folder: Path):
        self.folder = folder

    def _record(self, **event) -> None:
        with open(self.folder / AUTOTEST_LOG, "a", encoding="utf-8") as log:
            log.write(json.dumps(event, ensure_ascii=False) + "\n")

    def show(self, message: str, level: str) -> None:
        self._record(kind="message", message=message, level=level)

    def confirm(self, question: str) -> bool:
        self._record(kind="confirm", question=question)
        return True

    def save_as(self, default: Path, title: str) -> Path | None:
        chosen = self.folder / Path(default).name
        self._record(kind="save_as", path=str(chosen))
        return chosen

    def open_folder(self, folder: Path) -> None:
        self._record(kind="open_folder", path=str(folder))

    def open_page(self, page: Path) -> None:
        self._record(kind="open_page", path=str(page))


def desktop_for(xlbook):
    """The self-test's answers for its own copy of the demo workbook, Excel's dialogs otherwise."""
    folder = autotest_folder(xlbook)
    return AutotestDesktop(folder) if folder is not None else ExcelDesktop(xlbook.app)


def autotest_folder(xlbook) -> Path | None:
    try:
        name = next((n for n in xlbook.names if n.name == AUTOTEST_NAME), None)
        if name is None:
            return None
        folder, _, token = name.refers_to.lstrip("=").strip('"').replace('""', '"').rpartition("|")
        folder = Path(folder)
        if Path(xlbook.fullname).parent != folder or (folder / AUTOTEST_TOKEN).read_text(encoding="utf-8") != token:
            return None
    except (OSError, ValueError):
        return None
    return folder


def autotest_marker(folder: Path, token: str) -> str:
    """The value of the AUTOTEST_NAME name for a copy in ``folder`` (Excel formula syntax)."""
    return '="' + f"{folder}|{token}".replace('"', '""') + '"'
