"""`ccc-xl diagnostic --excel`: every ribbon button pressed in a real Excel, checked like the tests.

On Windows with Excel: a hidden Excel instance opens the installed add-in and a copy of the demo
workbook (marked as the self-test's, so its dialogs answer themselves, see `desktop`), presses
each button through the add-in's VBA entry point ``CccRibbon.RunButton`` (the ribbon callback's own
code path: VBA, RunPython, the Python of ``ccc_xl.conf``), reads the workbook back and checks each
click with `expectations.check`, the same table the remote-engine tests check. It closes everything
without saving and writes a French report the adviser can send to support.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import platform as platform_info
import secrets
import shutil
import signal
import sys
import tempfile
import threading
from pathlib import Path

from .. import __version__
from .. import contract as c
from .desktop import AUTOTEST_LOG, AUTOTEST_NAME, AUTOTEST_TOKEN, autotest_marker
from .expectations import EXPECTATIONS, Observation, check, files_under, hyperlink_target

NO_EXCEL = "Excel pour Windows est introuvable sur ce poste : « ccc-xl diagnostic --excel » ne fonctionne que sous Windows, avec Excel installé."
CLICK_TIMEOUT = 300  # seconds; a click that never ends (a window waiting for an answer) stops the test
DEFAULT_REPORT = "ccc-xl diagnostic Excel.txt"


def run(report: Path | None = None, say=print) -> int:
    """The self-test; 0 when every button did what it must, 1 otherwise, 2 without Excel."""
    if not sys.platform.startswith("win"):
        say(NO_EXCEL)
        return 2
    try:
        import xlwings as xw

        app = xw.App(visible=False, add_book=False)
    except Exception:  # noqa: BLE001 - no Excel, or Excel that COM cannot start
        say(NO_EXCEL)
        return 2
    report = Path(report) if report else Path.home() / DEFAULT_REPORT
    lines = [f"ccc-xl {__version__} — autotest dans Excel du {dt.datetime.now():%d/%m/%Y %H:%M}",
             f"Windows : {platform_info.platform()} ; Excel {app.version} ; Python {sys.version.split()[0]} ({sys.executable}) ; "
             f"xlwings {xw.__version__}"]
    ok = False
    try:
        ok = _press_everything(app, lines, say)
    except Exception as error:  # noqa: BLE001 - the report must be written whatever happened
        lines.append(f"✘ L'autotest s'est arrêté : {type(error).__name__} : {error}")
    finally:
        for book in list(app.books):
            try:
                book.close()  # without saving
            except Exception:  # noqa: BLE001, S110 - Excel may already be gone (stopped click)
                pass
        try:
            app.quit()
        except Exception:  # noqa: BLE001, S110
            pass
    lines.append("Résultat : tout fonctionne." if ok else "Résultat : au moins un point ne fonctionne pas (✘ ci-dessus).")
    report.write_text("\n".join(lines) + "\n", encoding="utf-8")
    for line in lines:
        say(line)
    say(f"Rapport écrit dans « {report} » : envoyez-le au support en cas de problème.")
    return 0 if ok else 1


def _press_everything(app, lines: list[str], say) -> bool:
    from ..commands import DEMO_WORKBOOK, demo
    from .addin import ADDIN_NAME, diagnostic, startup_folder

    checks = diagnostic()
    lines += [("✔ " if ch.ok else "✘ ") + ch.label + (f" → {ch.fix}" if not ch.ok and ch.fix else "") for ch in checks]
    addin = startup_folder() / ADDIN_NAME
    if not all(ch.ok for ch in checks):
        lines.append("✘ Corrigez d'abord les points ci-dessus (« ccc-xl diagnostic »), puis relancez l'autotest.")
        return False
    # Excel started by a program loads neither XLSTART nor add-ins: open the installed one ourselves.
    app.books.open(str(addin))
    loaded = [b for b in app.api.Workbooks if b.Name.lower() == ADDIN_NAME.lower()]
    lines.append(("✔ " if loaded and loaded[0].IsAddin else "✘ ") + f"Complément chargé dans Excel : {addin}")
    if not (loaded and loaded[0].IsAddin):
        return False

    work = Path(tempfile.mkdtemp(prefix="ccc-xl-autotest-"))
    say("Construction du classeur de démonstration…")
    demo(work / "demo")
    folder = work / "essai"
    folder.mkdir()
    copy = folder / DEMO_WORKBOOK
    shutil.copy2(work / "demo" / DEMO_WORKBOOK, copy)
    token = secrets.token_hex(16)
    (folder / AUTOTEST_TOKEN).write_text(token, encoding="utf-8")
    book = app.books.open(str(copy))
    book.names.add(AUTOTEST_NAME, autotest_marker(folder, token))

    all_ok, unseen = True, set()
    for button, expected in EXPECTATIONS.items():
        say(f"Bouton {button}…")
        seen = _click(app, book, button, expected, folder)
        problems, not_seen = check(button, expected, seen, folder)
        unseen.update(not_seen)
        all_ok &= not problems
        first = seen.message.splitlines()[0] if seen.message else "(aucun message)"
        lines.append(f"{'✔' if not problems else '✘'} {button} : {first}")
        lines += [f"    ✘ {problem}" for problem in problems]
    if unseen:
        lines.append("Non vérifié : " + " ; ".join(sorted(unseen)))
    return all_ok


def _click(app, book, button: str, expected, folder: Path) -> Observation:
    """Press ``button`` through the add-in's VBA entry point and observe what changed."""
    from .addin import ADDIN_NAME

    markers = {}  # two rows below its content: a sheet the click rewrites loses it
    for name in expected.sheets:
        if name in [s.name for s in book.sheets]:
            markers[name] = book.sheets[name].range((book.sheets[name].used_range.last_cell.row + 2, 1))
            markers[name].value = "autotest"
    before, files, journal = _snapshot(book), files_under(folder), _journal_rows(book)
    log = folder / AUTOTEST_LOG
    log.unlink(missing_ok=True)
    book.activate()
    watchdog = threading.Timer(CLICK_TIMEOUT, lambda: os.kill(app.pid, signal.SIGTERM))
    watchdog.start()
    try:
        app.macro(f"'{ADDIN_NAME}'!CccRibbon.RunButton")(button)
    finally:
        watchdog.cancel()
    events = [json.loads(line) for line in log.read_text(encoding="utf-8").splitlines()] if log.exists() else []
    shown = [e for e in events if e["kind"] == "message"]
    after = _snapshot(book)
    changed = {name for name in set(before) | set(after)
               if isinstance(name, str) and before.get(name) != after.get(name)}  # sheets, not table columns
    changed |= {name for name, cell in markers.items() if cell.value != "autotest"}
    rows = _journal_rows(book)[len(journal):]
    keys = c.JOURNAL.keys
    return Observation(
        message=shown[-1]["message"] if shown else "", level=shown[-1]["level"] if shown else "Erreur",
        journal=[(row[keys.index("command")], row[keys.index("level")]) for row in rows[:1]],
        changed_sheets=changed, written_columns=_changed_columns(before, after),
        tables={t.name: [s.name for s in book.sheets for x in s.tables if x.name == t.name]
                for s in book.sheets for t in s.tables},
        link_targets=[t for f in _formulas(book, expected.links) if (t := hyperlink_target(f))],
        new_files=sorted(f for f, stamp in files_under(folder).items() if files.get(f) != stamp and f != AUTOTEST_LOG),
        dialogs=[e["kind"] for e in events if e["kind"] != "message"], active=book.sheets.active.name,
        dropdowns={(t.name, col.key): _validation(book, t, col) for t in expected.tables for col in t.columns
                   if col.choices and not col.computed},
        status_rules={t.name: _rules(book, t) for t in expected.tables if t.status_column})


def _snapshot(book) -> dict[str, object]:
    """Every sheet's values, and each adviser table's columns by key."""
    shot = {s.name: s.used_range.value for s in book.sheets}
    for table in c.TABLES.values():
        try:
            body = book.sheets[table.sheet].tables[table.name].range.options(ndim=2).value
        except Exception:  # noqa: BLE001 - a table a generated sheet does not hold (yet)
            continue
        header = [str(h) for h in body[0]]
        for col in table.columns:
            if col.header in header:
                shot[(table.name, col.key)] = [row[header.index(col.header)] for row in body[1:]]
    return shot


def _changed_columns(before: dict, after: dict) -> set[tuple[str, str]]:
    return {key for key in set(before) | set(after) if isinstance(key, tuple) and before.get(key) != after.get(key)}


def _journal_rows(book) -> list[list[object]]:
    rows = book.sheets[c.JOURNAL.sheet].tables[c.JOURNAL.name].range.options(ndim=2).value[1:]
    return [r for r in rows if any(v not in (None, "") for v in r)]


def _formulas(book, sheet: str | None) -> list[object]:
    if sheet is None or sheet not in [s.name for s in book.sheets]:
        return []
    grid = book.sheets[sheet].used_range.options(ndim=2).formula
    return [f for row in grid for f in row]


def _column(book, table: c.Table, column: c.Column):
    found = book.sheets[table.sheet].tables[table.name]
    index = found.header_row_range.value.index(column.header) + 1
    return found.range.columns[index - 1]


def _validation(book, table: c.Table, column: c.Column) -> str | None:
    """The list formula of the column's first data cell (None without a drop-down)."""
    try:
        return _column(book, table, column)[1].api.Validation.Formula1
    except Exception:  # noqa: BLE001 - COM raises when the cell has no validation
        return None


def _rules(book, table: c.Table) -> int:
    status = next(col for col in table.columns if col.key == table.status_column)
    try:
        return _column(book, table, status).api.FormatConditions.Count
    except Exception:  # noqa: BLE001
        return 0
