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

from . import contract as c
from . import demo as demo_data
from .report import Anomaly, CommandError, Outcome
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
    book.log(name, outcome.summary, level=level, anomalies=outcome.anomalies, details=outcome.lines)
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


DEMO_WORKBOOK = "100-chances-demo.xlsx"

# Steps `ccc-xl demo` runs on the demo workbook once its data is in, in the year's order.
# Each entry: (label, command name, command function, options).
DEMO_STEPS: list[tuple[str, str, Command, dict]] = []


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


# --- Sessions -------------------------------------------------------------------------------


def select_session(book: Workbook, year: int | None) -> dict:
    """The Sessions row a command works on: ``year`` if given, else the most recent session."""
    sessions = book.read(c.SESSIONS).dropna(subset=["year"])
    if sessions.empty:
        raise CommandError("La feuille « Sessions » ne contient aucune session : saisissez d'abord l'année de la session.")
    if year is None:
        year = int(sessions.year.max())
    chosen = sessions[sessions.year == year]
    if chosen.empty:
        known = ", ".join(str(int(y)) for y in sorted(sessions.year))
        raise CommandError(f"La session {year} n'existe pas dans la feuille « Sessions » (sessions connues : {known}).")
    return chosen.iloc[0].to_dict()


def session_rows(frame, year: int):
    """Rows of a table that belong to a session (its « Session » column)."""
    return frame[frame.session == year]


# --- Interview rotations (issue 4) ----------------------------------------------------------


def rotations(book: Workbook, *, session: int | None = None, verifier: bool = False) -> Outcome:
    """Plan binômes, interviews and the Grand Oral of a session (or, with ``verifier``, check the
    Entretiens sheet as it is, possibly edited by hand)."""
    from .rotation import RotationError, plan_rotations, verify_rotations  # OR-Tools: loaded only here

    chosen = select_session(book, session)
    year = int(chosen["year"])
    candidates = session_rows(book.read(c.CANDIDATES), year)
    participants = candidates[candidates.retained.fillna(False).astype(bool)]
    companies = session_rows(book.read(c.COMPANIES), year)
    try:
        if verifier:
            violations = verify_rotations(participants, companies, book.read(c.INTERVIEWS), chosen)
        else:
            rotation = plan_rotations(participants, companies, chosen)
    except RotationError as error:
        raise CommandError(
            f"Session {year} : " + ("vérification" if verifier else "planification") + " impossible. " + " ".join(error.reasons),
            anomalies=[Anomaly(*problem, level="Erreur") for problem in error.problems],
        ) from None
    if verifier:
        if not violations:
            return Outcome("rotations", f"Session {year} : le planning des entretiens respecte toutes les règles.")
        return Outcome("rotations", f"Session {year} : {len(violations)} règle(s) non respectée(s) dans le planning.",
                       lines=violations)
    for content in rotation.sheet_contents():
        book.replace_sheet(content)
    book.write_computed(c.COMPANIES, rotation.company_pairs(companies))
    schedule = rotation.schedule
    return Outcome(
        "rotations",
        f"Session {year} : {len(rotation.instance.binomes)} binômes, {len(schedule.interviews)} entretiens en "
        f"{schedule.objectives.slots} créneaux, Grand Oral de {len(rotation.grand_oral)} participants"
        + (" (optimal prouvé)." if schedule.optimal else " (non prouvé optimal)."),
        lines=rotation.journal_lines(),
    )


DEMO_STEPS.append(("Rotations de la session en préparation", "rotations", rotations, {}))


# --- Follow-up: alerts on the Tableau de bord, positive exits (issue 6) ---------------------------

def suivi(book: Workbook, *, today: dt.date | None = None) -> Outcome:
    """Compute « Sortie positive à 1 an » in Parcours and replace the Tableau de bord with the alerts
    as of ``today`` (default: the real today), so that a run on a given date is reproducible."""
    from . import followup

    tables = (c.SESSIONS, c.CANDIDATES, c.DEBRIEFING, c.PLANS, c.FOLLOWUP, c.PATHWAYS)
    sessions, candidates, debriefing, plans, events, pathways = (book.read(t) for t in tables)
    pathways["positive_exit"] = followup.positive_exits(pathways)
    book.write_computed(c.PATHWAYS, pathways)
    result = followup.alerts(sessions, candidates, debriefing, plans, events, pathways, au=today)
    book.replace_sheet(followup.dashboard(result))
    alerts = result.alerts
    outcome = Outcome(
        "suivi",
        f"Suivi au {result.au:%d/%m/%Y} : {len(alerts)} alerte(s) pour {result.followed} participant(s) en suivi "
        f"(onglet « {c.DASHBOARD_SHEET.name} »).",
        anomalies=result.anomalies,
        data={"alerts": alerts},
    )
    outcome.lines.extend(f"{adviser} : {n} alerte(s)" for adviser, n in alerts.adviser.value_counts(sort=False).items())
    return outcome


DEMO_STEPS.append(("Suivi des participants", "suivi", suivi, {"today": None}))
