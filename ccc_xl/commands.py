"""Command functions: what each button and each `ccc-xl` sub-command does, whatever starts it.

A command takes a `Workbook` (file or live backend) and returns an `Outcome`. `run` wraps any command
the same way for the CLI and for Excel: it checks the workbook, runs the command, writes a summary and
the anomalies to the Journal sheet, and turns errors into French messages. `run_on_file` adds the file
mode around it: open, atomic save, and on failure a Journal line without touching anything else.
"""

from __future__ import annotations

import contextlib
import datetime as dt
from pathlib import Path
from typing import Callable

import pandas as pd

from . import contract as c
from . import demo as demo_data
from .report import CommandError, Outcome
from .workbook.build import create_workbook
from .workbook.file import FileBackend, open_workbook
from .workbook.gateway import Workbook

Command = Callable[..., Outcome]


def run(book: Workbook, name: str, command: Command, **options) -> Outcome:
    """Run ``command`` on ``book`` and record it in the Journal; CommandError propagates."""
    book.check_is_ccc_workbook()
    outcome = command(book, **options)
    outcome.anomalies = _unique(book.anomalies + outcome.anomalies)
    level = "Alerte" if outcome.anomalies else "Info"
    book.log(name, outcome.summary, level=level, anomalies=outcome.anomalies)
    return outcome


def _unique(anomalies):
    seen, kept = set(), []
    for a in anomalies:
        key = (a.sheet, a.row, a.column, a.message)
        if key not in seen:
            seen.add(key)
            kept.append(a)
    return kept


def run_on_file(path, name: str, command: Command, **options) -> Outcome:
    """File mode: run a command on a closed workbook, saved atomically only if it succeeds.

    When the command stops with a CommandError, the error alone is appended to the Journal (if the
    workbook can be opened at all) and the error is raised again for the caller to show.
    """
    try:
        with open_workbook(path) as book:
            return run(book, name, command, **options)
    except CommandError as error:
        with contextlib.suppress(CommandError):
            with open_workbook(path) as book:
                book.log(name, error.message, level="Erreur", anomalies=error.anomalies)
        raise


def nouveau(path, overwrite: bool = False) -> Outcome:
    """Create a blank ccc-xl workbook for a new adviser."""
    created = create_workbook(path, overwrite=overwrite)
    return Outcome("nouveau", f"Classeur créé : {created}", paths=[str(created)])


DOCUMENTS_FOLDER = "Documents 100 Chances"


def _documents_folder(book: Workbook, out_dir) -> Path:
    """Where documents go: ``out_dir``, else a folder next to the workbook file."""
    if out_dir is not None:
        return Path(out_dir)
    path = getattr(book.backend, "path", None)
    if path is None:
        raise CommandError("Indiquez le dossier où produire les documents.")
    return Path(path).resolve().parent / DOCUMENTS_FOLDER


def documents(book: Workbook, session: int | None = None, types=None, pdf: bool = False,
              out_dir=None, today: dt.date | None = None) -> Outcome:
    """Fill the Word templates for a session (every type, or ``types``), optionally as PDF too,
    and list the session's files, with links, on the Documents sheet."""
    from . import documents as docs
    from . import word
    from .workbook.content import Block, SheetContent

    # The interview schedule and Grand Oral order come from the rotation planning; until it is
    # read here, SessionFrames' empty defaults make those documents anomalies ("lancez Rotations").
    frames = docs.SessionFrames(
        sessions=book.read(c.SESSIONS), candidates=book.read(c.CANDIDATES), companies=book.read(c.COMPANIES),
        debriefing=book.read(c.DEBRIEFING), plans=book.read(c.PLANS), pathways=book.read(c.PATHWAYS))
    year, planned, anomalies = docs.plan_documents(frames, session, types, today)
    folder = _documents_folder(book, out_dir)
    made = word.generate(planned, folder, year, types=types, pdf=pdf)
    listed = word.session_files(folder, year)
    # Relative links (next to the workbook) keep working when the whole folder is moved or shared.
    links = ["/".join((folder.name, *f.path.parts)) if out_dir is None else str(folder / f.path)
             for f in listed]
    frame = pd.DataFrame({
        "Type": [docs.DOCUMENT_TYPES[f.type].title if f.type else "" for f in listed],
        "Document": [f.path.stem for f in listed],
        "Format": [f.path.suffix.lstrip(".").upper() for f in listed],
        "Emplacement": links,
    })
    book.replace_sheet(SheetContent(
        c.DOCUMENTS_SHEET.name, f"Documents de la session {year}",
        notes=[f"Dossier : {folder / str(year)}", "Cliquez sur un nom de document pour l'ouvrir."],
        blocks=[Block(frame, links={"Document": "Emplacement"}, widths={"Document": 60, "Emplacement": 70})]))
    return Outcome("documents", f"{len(made)} document(s) produit(s) pour la session {year} dans « {folder} ».",
                   anomalies=anomalies, paths=[str(folder / f.path) for f in made])


def modeles_verifier(templates_dir=None) -> Outcome:
    """List each Word template's fields and every field the data does not provide."""
    from . import word

    reports = word.verify_templates(Path(templates_dir) if templates_dir else word.TEMPLATES_DIR)
    lines = [f"{r.template} : {', '.join(r.fields) or 'aucun champ'}" for r in reports]
    problems = [p for r in reports for p in r.problems]
    if problems:
        raise CommandError(f"{len(problems)} problème(s) dans les modèles : " + " ; ".join(problems))
    return Outcome("modeles", f"{len(reports)} modèles vérifiés : tous leurs champs sont fournis.", lines=lines)


DEMO_WORKBOOK = "100-chances-demo.xlsx"

# Steps `ccc-xl demo` runs on the demo workbook once its data is in, in the year's order.
# Each entry: (label, command name, command function, options).
DEMO_STEPS: list[tuple[str, str, Command, dict]] = [
    ("Documents", "documents", documents, {"today": None}),
]


def demo(folder, today: dt.date | None = None, progress: Callable[[str], None] = lambda _: None) -> Outcome:
    """Build the fictitious demo workbook in ``folder`` and run every available step on it."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / DEMO_WORKBOOK
    progress("Création du classeur de démonstration")
    create_workbook(path, overwrite=True)
    data = demo_data.build(today)
    backend = FileBackend(path)
    for table in c.INPUT_TABLES:
        backend.fill_table(table, data.table_rows(table))
    backend.save(backup=False)  # a fresh demo needs no backup of itself
    outcome = Outcome("demo", f"Classeur de démonstration : {path}", paths=[str(path)])
    for label, name, command, options in DEMO_STEPS:
        progress(label)
        # Steps that depend on the date (follow-up alerts…) declare a "today" option: the demo's own.
        step = run_on_file(path, name, command, **{k: today if k == "today" else v for k, v in options.items()})
        outcome.lines.append(f"{label} : {step.summary}")
        outcome.paths.extend(p for p in step.paths if p not in outcome.paths)
    sessions = len(data.rows[c.SESSIONS.name])
    candidates = len(data.rows[c.CANDIDATES.name])
    outcome.lines.insert(0, f"{sessions} sessions, {candidates} candidats, {len(data.rows[c.COMPANIES.name])} participations d'entreprises (données fictives).")
    return outcome
