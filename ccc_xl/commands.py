"""Command functions: what each button and each `ccc-xl` sub-command does, whatever starts it.

A command takes a `Workbook` (file or live backend) and returns an `Outcome`. `run` wraps any command
the same way for the CLI and for Excel: it checks the workbook, runs the command, writes a summary and
the anomalies to the Journal sheet, and turns errors into French messages. `run_on_file` adds the file
mode around it: open, atomic save, and on failure a Journal line without touching anything else.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import io
import os
from pathlib import Path, PurePath
from typing import Callable, Iterator

import pandas as pd

from . import contract as c
from .progress import report as progress
from .report import Anomaly, CommandError, Outcome, some_of
from .wording import agreed, count
from .sessions import select_session, session_row, session_rows
from .workbook.file import BACKUP_FOLDER, FileBackend, open_workbook
from .workbook.gateway import Workbook
from .workbook.preflight import Writes
from .workbook.safety import FileRefused

Command = Callable[..., Outcome]


def run(book: Workbook, name: str, command: Command, **options) -> Outcome:
    """Run ``command`` on ``book`` and record it in the Journal; CommandError propagates."""
    book.check_is_ccc_workbook()
    try:
        outcome = command(book, **options)
    except CommandError as error:
        # The unreadable cells met so far often explain the stop ("no participant" when every
        # « Retenu » is unreadable): the adviser sees them with the error, in the Journal too.
        error.anomalies = _unique(error.anomalies + book.anomalies)
        raise
    outcome.anomalies = _unique(book.anomalies + outcome.anomalies)
    outcome.lines += book.backend.notes()
    if book.backend.notices:
        outcome.summary = " ".join([outcome.summary, *book.backend.notices])
    book.log(name, outcome.summary, level=outcome.level, anomalies=outcome.anomalies, details=outcome.lines)
    outcome.journaled = True
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
        with open_workbook(path, writes=planned_writes(name, options)) as book:
            return run(book, name, command, **options)
    except FileRefused:
        raise  # about the file itself (open elsewhere, changed meanwhile…): nothing may be written to it
    except CommandError as error:
        with contextlib.suppress(CommandError):
            with open_workbook(path, writes=Writes((c.JOURNAL.sheet,))) as book:
                book.log(name, error.message, level="Erreur", anomalies=error.anomalies)
        raise


def planned_writes(name: str, options: dict) -> Writes:
    """What a command will write in a workbook file, checked before it starts (a protected sheet,
    a protected workbook structure): the adviser learns it at once, not after a long planning."""
    from . import retention

    sheets: tuple[str, ...] = ()
    generated: tuple[c.GeneratedSheet, ...] = ()
    if name == "eligibilite":
        sheets = (c.CANDIDATES.sheet,)
    elif name == "rotations" and not options.get("verifier"):
        sheets = (c.COMPANIES.sheet,)
        generated = (c.BINOMES_SHEET, c.INTERVIEWS_SHEET, c.PLANNING_SHEET, c.GRAND_ORAL_SHEET)
    elif name == "documents":
        generated = (c.DOCUMENTS_SHEET,)
    elif name == "suivi":
        sheets, generated = (c.PATHWAYS.sheet,), (c.DASHBOARD_SHEET,)
    elif name == "indicateurs":
        generated = (c.INDICATORS_SHEET,)
    elif name == "purger" and options.get("confirm"):
        sheets = tuple(dict.fromkeys(t.sheet for t in retention.PURGED_TABLES))
    return Writes((*sheets, c.JOURNAL.sheet), tuple(g.name for g in generated))


def nouveau(path, overwrite: bool = False) -> Outcome:
    """Create a blank ccc-xl workbook for a new adviser."""
    from .workbook.build import create_workbook  # the buttons never build a workbook: not imported for them

    created = create_workbook(path, overwrite=overwrite)
    return Outcome("nouveau", f"Classeur créé : {created}", paths=[str(created)])


def documents_folder(book: Workbook, out_dir=None) -> Path:
    """Where documents go: ``out_dir``, else the contract's folder next to the workbook file."""
    if out_dir is not None:
        return Path(out_dir)
    path = getattr(book.backend, "path", None)
    if path is None:
        raise CommandError("Enregistrez d'abord le classeur sur votre ordinateur (il n'a pas encore de dossier), "
                           "ou indiquez le dossier où produire les documents.")
    return Path(path).resolve().parent / c.DOCUMENTS_FOLDER


def workbook_folder(book: Workbook) -> Path | None:
    """The folder holding the workbook file (None for a workbook never saved)."""
    path = getattr(book.backend, "path", None)
    return Path(path).resolve().parent if path is not None else None


def custom_templates(book: Workbook) -> Path | None:
    """The « Modèles » folder beside the workbook, when the Mission Locale made one."""
    beside = workbook_folder(book)
    folder = beside / c.TEMPLATES_FOLDER if beside else None
    return folder if folder is not None and folder.is_dir() else None


def _planned_day(book: Workbook) -> dict:
    """The Entretiens and Grand Oral tables of the last rotation planning, when there is one.

    Without them, SessionFrames' empty defaults turn the interview documents into anomalies
    ("lancez Rotations") instead of stopping the other documents.
    """
    try:
        return {"interviews": book.read(c.INTERVIEWS), "grand_oral": book.read(c.GRAND_ORAL)}
    except CommandError:
        return {}


def documents(book: Workbook, session: int | None = None, types=None, pdf: bool = False,
              out_dir=None, today: dt.date | None = None) -> Outcome:
    """Fill the Word templates for a session (every type, or ``types``), optionally as PDF too,
    and list the session's files, with links, on the Documents sheet."""
    from . import documents as docs
    from . import word
    from .workbook.content import Block, SheetContent

    sessions, candidates = book.read(c.SESSIONS), book.read(c.CANDIDATES)
    year = select_session(sessions, session)
    book.concern_session(year)
    ids = set(session_rows(candidates, year)["id"])
    folder = documents_folder(book, out_dir)
    cv_folder = word.cv_folder(folder, year)
    with contextlib.suppress(OSError):  # made ready for the CVs; its absence is said in the anomalies
        cv_folder.mkdir(parents=True, exist_ok=True)
    beside = workbook_folder(book)
    logos = beside / c.LOGOS_FOLDER if beside else None
    frames = docs.SessionFrames(
        sessions=sessions, candidates=candidates, companies=book.read(c.COMPANIES),
        debriefing=book.read(c.DEBRIEFING), plans=book.read(c.PLANS), pathways=book.read(c.PATHWAYS),
        partners=book.read(c.PARTNERS), copil=book.read(c.COPIL), funding=book.read(c.FUNDING),
        structures=book.read_optional(c.STRUCTURES), visitors=book.read_optional(c.VISITORS),
        logos=word.find_logos(logos), logo_folder=str(logos or c.LOGOS_FOLDER),
        cvs=word.find_cvs(folder, year, ids), cv_folder=str(cv_folder),
        **{name: frame[frame["participant"].isin(ids)] for name, frame in _planned_day(book).items()})
    year, planned, anomalies = docs.plan_documents(frames, year, types, today)
    generation = word.render_session(planned, folder, year, types=types, pdf=pdf, custom_dir=custom_templates(book))
    made = generation.files
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
        blocks=[Block(frame, links={"Document": "Emplacement"}, widths={"Type": 24, "Document": 56, "Format": 8}, small=("Emplacement",))]))
    words = sum(1 for f in made if f.path.suffix == ".docx")
    made_text = count(words, "document Word", "documents Word") + (f" et {count(len(made) - words, 'PDF', 'PDF')}" if pdf else "")
    summary = f"{made_text} pour la session {year} dans « {folder} »."
    if generation.kept:
        summary += (f" {count(len(generation.kept), 'fichier qui aurait été remplacé est gardé', 'fichiers qui auraient été remplacés sont gardés')} "
                    f"dans « {word.PREVIOUS_VERSIONS} » (voir le détail).")
    if generation.withdrawn:
        pdfs = sum(1 for p in generation.withdrawn if p.suffix == ".pdf")
        summary += (" " + count(len(generation.withdrawn),
                                "fichier d'une production précédente, inchangé depuis et plus produit aujourd'hui, est retiré",
                                "fichiers d'une production précédente, inchangés depuis et plus produits aujourd'hui, sont retirés")
                    + (f", dont {count(pdfs, 'PDF', 'PDF')} : les PDF ne sont refaits que sur demande" if pdfs and not pdf else "")
                    + " (voir le détail).")
    lines = [f"« {k.was} » " + ("modifié à la main depuis sa production" if k.edited else "n'a pas été produit par ccc-xl")
             + f" : gardé sous « {k.now} »." for k in generation.kept]
    by_folder: dict[PurePath, list[str]] = {}
    for path in generation.withdrawn:
        by_folder.setdefault(path.parent, []).append(path.name)
    lines += [f"Retirés de « {where} », plus produits aujourd'hui et inchangés depuis leur production : {some_of(names)}."
              for where, names in by_folder.items()]
    if generation.stale:
        removed = "supprimé" if generation.stale == 1 else "supprimés"
        lines.append(f"{count(generation.stale, 'dossier temporaire laissé', 'dossiers temporaires laissés')} par un calcul "
                     f"interrompu {removed}.")
    return Outcome("documents", summary, lines=lines, anomalies=anomalies, paths=[str(folder / f.path) for f in made])


def modeles_verifier(templates_dir=None, custom_dir=None) -> Outcome:
    """List each Word template's fields and every field the data does not provide; with
    ``custom_dir`` (a « Modèles » folder), its templates are checked where they replace shipped ones."""
    from . import word

    custom = Path(custom_dir) if custom_dir else None
    if custom is not None and not custom.is_dir():
        raise CommandError(f"Le dossier « {custom} » n'existe pas.")
    reports = word.verify_templates(Path(templates_dir) if templates_dir else word.TEMPLATES_DIR, custom_dir=custom)
    lines = [f"{r.template}{' (modèle de la Mission Locale)' if r.custom else ''} : {', '.join(r.fields) or 'aucun champ'}"
             for r in reports]
    if custom is not None:
        known = {t.template.casefold() for t in word.DOCUMENT_TYPES.values()} | {word.BILAN_TEMPLATE, "champs.md"}
        strays = sorted(p.name for p in custom.iterdir() if p.is_file() and p.name.casefold() not in known
                        and not p.name.startswith("~$"))
        lines += [f"« {name} » : ce nom n'est celui d'aucun modèle, le fichier n'est pas utilisé." for name in strays]
    problems = [p for r in reports for p in r.problems]
    if problems:
        raise CommandError(f"{count(len(problems), 'problème')} dans les modèles : " + " ; ".join(problems))
    own = sum(r.custom for r in reports)
    summary = f"{len(reports)} modèles vérifiés : tous leurs champs sont fournis."
    if custom is not None:
        summary += f" {count(own, 'modèle vient', 'modèles viennent')} de « {custom} », les autres sont les modèles livrés."
    return Outcome("modeles", summary, lines=lines)


def modeles_copier(folder, overwrite: bool = False) -> Outcome:
    """Copy the shipped templates into ``folder`` (the « Modèles » folder to put beside the
    workbook), for a Mission Locale to adapt them in Word."""
    from . import word

    folder = Path(folder)
    if folder.exists() and not folder.is_dir():
        raise CommandError(f"« {folder} » est un fichier, pas un dossier.")
    copied, kept = word.copy_templates(folder, overwrite)
    summary = f"{count(len(copied), 'modèle copié', 'modèles copiés')} dans « {folder} »."
    lines = [f"« {p.name} » existe déjà : gardé tel quel (--remplacer pour le remplacer)." for p in kept]
    lines.append(f"Placez ce dossier « {c.TEMPLATES_FOLDER} » à côté du classeur : ses modèles remplacent les modèles "
                 "livrés, type par type. Gardez les noms de fichiers et les balises {{ … }} et {% … %} ; "
                 "« ccc-xl modeles verifier DOSSIER » les vérifie.")
    return Outcome("modeles", summary, lines=lines, paths=[str(p) for p in copied])


DEMO_WORKBOOK = "100-chances-demo.xlsx"
DEMO_PROGRESS = "Démonstration"
DEMO_FUNDERS_EXPORT = "export-financeurs-demo.xlsx"

# Steps `ccc-xl demo` runs on the demo workbook once its data is in, in the year's order.
# Each entry: (label, command name, command function, options).
DEMO_STEPS: list[tuple[str, str, Command, dict]] = []  # filled at the end of this module


def demo(folder, today: dt.date | None = None) -> Outcome:
    """Build the fictitious demo workbook in ``folder`` and run every available step on it."""
    from . import demo as demo_data
    from .workbook.build import create_workbook

    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / DEMO_WORKBOOK
    progress(DEMO_PROGRESS, 0, len(DEMO_STEPS) + 5, "création du classeur")
    create_workbook(path, overwrite=True)
    data = demo_data.build(today)
    backend = FileBackend(path)
    for table in c.INPUT_TABLES:
        backend.fill_table(table, data.table_rows(table))
    backend.save(backup=False)  # a fresh demo needs no backup of itself
    outcome = Outcome("demo", f"Classeur de démonstration : {path}", paths=[str(path)])
    logos = folder / c.LOGOS_FOLDER
    logos.mkdir(exist_ok=True)
    for name, initials, caption, colour in demo_data.LOGOS:
        (logos / name).write_bytes(demo_data.logo_png(initials, caption, colour))
    # The session in follow-up first: its documents show a real plan of action and the companies'
    # proposals; then the year's steps, which end with the session in preparation planned.
    held = sorted(s["year"] for s in data.rows[c.SESSIONS.name])
    followed = held[-2] if len(held) > 1 else held[-1]
    plan = [("Rotations de la session en suivi", "rotations", rotations, {"session": followed}),
            ("Documents de la session en suivi", "documents", documents, {"session": followed, "today": None}),
            *DEMO_STEPS]
    steps = len(plan) + 3  # the workbook, each step, the funders' export, the report (done = finished)
    for number, (label, name, command, options) in enumerate(plan, start=1):
        progress(DEMO_PROGRESS, number, steps, label)
        # Steps that depend on the date (follow-up alerts…) declare a "today" option: the demo's own.
        step = run_on_file(path, name, command, **{k: today if k == "today" else v for k, v in options.items()})
        outcome.lines.append(f"{label} : {step.summary}")
        outcome.paths.extend(p for p in step.paths if p not in outcome.paths)
    # What leaves the Mission Locale: the funders' workbook and the report of the last year whose
    # one-year outcomes are known.
    today = today or dt.date.today()
    progress(DEMO_PROGRESS, steps - 2, steps, "export pour les financeurs")
    export = export_financeurs([path], folder / DEMO_FUNDERS_EXPORT, today=today)
    closed = max(s["year"] for s in data.rows[c.SESSIONS.name] if s["coaching_start"].replace(year=s["coaching_start"].year + 1) <= today)
    progress(DEMO_PROGRESS, steps - 1, steps, f"bilan {closed}")
    with open_workbook(path, write=False) as book:
        report = bilan(book, year=closed, output=folder / c.BILAN_FILE.format(year=closed), today=today)
    progress(DEMO_PROGRESS, steps, steps)
    for label, step in (("Export financeurs", export), (f"Bilan {closed}", report)):
        outcome.lines.append(f"{label} : {step.summary}")
        outcome.paths.extend(step.paths)
    sessions = len(data.rows[c.SESSIONS.name])
    candidates = len(data.rows[c.CANDIDATES.name])
    outcome.lines.insert(0, f"{sessions} sessions, {candidates} candidats, {len(data.rows[c.COMPANIES.name])} participations d'entreprises (données fictives).")
    return outcome


# --- Eligibility and selection of candidates ---


def eligibilite(book: Workbook, *, session: int | None = None, today: dt.date | None = None) -> Outcome:
    """Compute age, eligibility, reasons and priority in place in tblCandidats.

    Only the four computed columns are written; with ``session``, the other sessions' rows keep
    their cells. ``today`` tells a birth date in the future.
    """
    from . import eligibility  # imported here to keep this feature's additions in one block

    if session is not None:
        select_session(book.read(c.SESSIONS), session)  # a French error for a session that does not exist
        book.concern_session(session)
    evaluation = eligibility.evaluate(book.read(c.CANDIDATES), book.read(c.SESSIONS), today=today or dt.date.today(),
                                      session=session, unreadable=eligibility.unreadable_cells(book.anomalies))
    changed = book.write_computed(c.CANDIDATES, evaluation.computed)
    found = len(_unique(book.anomalies + evaluation.anomalies))
    summary, lines = eligibility.summary(evaluation, found)
    lines += [eligibility.PRIORITY_RULE, f"{count(changed, 'cellule calculée mise à jour', 'cellules calculées mises à jour')}."]
    return Outcome("eligibilite", summary, lines=lines, anomalies=evaluation.anomalies,
                   data={"counts": evaluation.counts, "changed": changed})


# --- Interview rotations ------------------------------------------------------------------


def rotations(book: Workbook, *, session: int | None = None, verifier: bool = False) -> Outcome:
    """Plan binômes, interviews and the Grand Oral of a session (or, with ``verifier``, check the
    Entretiens sheet as it is, possibly edited by hand)."""
    from .rotation import RotationError, plan_rotations, verify_rotations  # OR-Tools: loaded only here

    sessions = book.read(c.SESSIONS)
    year = select_session(sessions, session)
    book.concern_session(year)
    chosen = session_row(sessions, year)
    # Every retained row, with an ID or not: one without an ID stops the planning, named by its
    # row, rather than a day planned without a participant the team has retained.
    of_year = session_rows(book.read(c.CANDIDATES), year)
    participants = of_year[of_year["retained"].fillna(False).astype(bool)]
    companies = session_rows(book.read(c.COMPANIES), year)
    try:
        if verifier:
            violations = verify_rotations(participants, companies, book.read(c.INTERVIEWS), chosen,
                                          book.read(c.GRAND_ORAL))
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
        return Outcome("rotations", f"Session {year} : {count(len(violations), 'règle non respectée', 'règles non respectées')} dans le planning.",
                       lines=violations, ok=False)
    for content in rotation.sheet_contents():
        book.replace_sheet(content)
    book.write_computed(c.COMPANIES, rotation.company_pairs(companies))
    schedule = rotation.schedule
    return Outcome(
        "rotations",
        f"Session {year} : {count(len(rotation.instance.binomes), 'binôme')}{rotation.trio_note}, "
        f"{count(len(schedule.interviews), 'entretien')} en {count(schedule.objectives.slots, 'créneau', 'créneaux')}, "
        f"Grand Oral de {count(len(rotation.grand_oral), 'participant')}"
        + (" (optimal prouvé)." if schedule.optimal else " (non prouvé optimal)."),
        lines=rotation.journal_lines(),
    )




def verifier_planning(book: Workbook, *, session: int | None = None) -> Outcome:
    """The « Vérifier le planning » button: check the Entretiens sheet without replanning."""
    return rotations(book, session=session, verifier=True)


# --- Follow-up: alerts on the Tableau de bord, positive exits -----------------------------------

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
        f"Suivi au {result.au:%d/%m/%Y} : {followup.headline(result)} (onglet « {c.DASHBOARD_SHEET.name} »).",
        anomalies=result.anomalies,
        data={"alerts": alerts},
    )
    outcome.lines.extend(f"{adviser} : {count(n, 'alerte')}" for adviser, n in alerts.adviser.value_counts(sort=False).items())
    return outcome


# --- Retention: pseudonymise old sessions -------------------------------------------------


def _purge_plan(book: Workbook, before: int, today: dt.date):
    from . import retention

    frames, extras = {}, {}
    for table in (*retention.PURGED_TABLES, c.JOURNAL):
        try:
            frames[table.name] = book.read_optional(table)
        except CommandError:
            if table in c.INPUT_TABLES or table is c.JOURNAL:
                raise
            continue
        if table in c.INPUT_TABLES:
            extras[table.name] = book.extra_columns(table)
    plan = retention.plan_purge(frames, before, today, extras, list(book.anomalies))
    for change in plan.changes:  # a renamed column would keep its names: refuse rather than half-purge
        book.require_columns(change.table, retention.rewritten_columns(change.table),
                             "ccc-xl ne pourrait pas y effacer les noms des détenus : rien n'a été pseudonymisé.")
    return plan


def purger(book: Workbook, *, before: int, confirm: bool = False, today: dt.date | None = None) -> Outcome:
    """Purge the detainees' data of the sessions before ``before`` whose retention period is over.

    Without ``confirm`` nothing is written: the outcome says what would be done (its lines, also as
    one text in ``data["preview"]`` for a Yes/No box, and the plan in ``data["plan"]``).

    With ``confirm``, the rows of the purged sessions are rewritten (`retention`). In file mode,
    once `open_workbook` has saved the workbook, `_finish_purge` cleans the rest of the package,
    deletes the sessions' document folders and every copy of the workbook, and checks that no purged
    identity is left; what is left goes to ``data["residues"]`` (the CLI then exits with an error).
    A participant row no session claims (its ID matches no candidate: it may be a purged detainee's)
    stops the purge before anything is done: the preview names it, the run refuses.
    In Excel (live backend) the package cannot be rewritten while Excel holds it: the purge goes on
    only when the workbook's last saved version cites no purged detainee outside the rows it rewrites
    (else it refuses and names the places), deletes the folders and copies, and asks to save.
    """
    from .workbook import safety, surroundings

    plan = _purge_plan(book, before, today or dt.date.today())
    lines = plan.lines(done=confirm)
    if not plan.purged:
        return Outcome("purger", f"Aucune session antérieure à {before} n'a dépassé sa durée de conservation : "
                                 "rien à pseudonymiser.", lines=lines)
    years = ", ".join(map(str, plan.purged))
    path = book.backend.path if getattr(book.backend, "path", None) else None
    folders = surroundings.session_folders(documents_folder(book), plan.purged) if path else []
    copies = safety.copies_of(path) if path else []
    for f in folders:
        files = count(f.files, "fichier", "fichiers")
        lines.append(f"Dossier « {c.DOCUMENTS_FOLDER}/{f.year} » supprimé avec ses {files} (documents produits, CV et tout "
                     "fichier ajouté)." if confirm else
                     f"Dossier « {c.DOCUMENTS_FOLDER}/{f.year} » et ses {files} (documents produits, CV et tout fichier "
                     "ajouté) : sera supprimé.")
    if copies:
        n = len(copies)
        lines.append(f"{count(n, 'copie', 'copies')} du classeur d'avant la purge "
                     f"{agreed(n, 'supprimée', 'supprimées') if confirm else agreed(n, 'sera supprimée', 'seront supprimées')} "
                     f"(dossier « {BACKUP_FOLDER} » et copies temporaires d'enregistrements interrompus).")
    live = not isinstance(book.backend, FileBackend)
    listed = _documents_sheet_session(book, path, plan.purged)
    if listed and confirm and not live:  # the sheet is regenerated: refused now if the workbook's structure forbids it
        from .workbook import preflight

        preflight.check(book.backend.original, Writes((), (c.DOCUMENTS_SHEET.name,)), book.backend.parts())
    if listed:
        lines.append(f"Onglet « {c.DOCUMENTS_SHEET.name} » : il liste les documents de la session {listed}, supprimés avec "
                     f"son dossier ; il {'a été vidé' if confirm else 'sera vidé'}.")
    # The preview shows each cell's text before and after; a refusal (which reaches the Journal) only places.
    outside = _outside_tables(Path(path), plan, values=not confirm) if path and (live or not confirm) else []
    if plan.unattached:  # they may be a purged detainee's: a purge that left them could not say all is clean
        refusal = (f"Purge impossible pour l'instant : {count(len(plan.unattached), 'ligne n’est rattachée', 'lignes ne sont rattachées')} "
                   "à aucune session (son ID ne correspond à aucun candidat) ; ccc-xl ne peut pas savoir si "
                   f"{agreed(len(plan.unattached), 'elle concerne', 'elles concernent')} un détenu à purger.")
        raise CommandError(refusal + "\n" + "\n".join(plan.unattached_lines()) + "\nRien n'a été modifié.")
    if not confirm:
        lines += outside
        if not live:
            lines.append("La copie de sécurité faite en enregistrant sera supprimée dès que le classeur purgé aura été vérifié.")
        summary = f"{agreed(len(plan.purged), 'Session', 'Sessions')} à pseudonymiser : {years}."
        return Outcome("purger", summary, lines=lines, data={"plan": plan, "preview": "\n".join([summary, *lines])})
    if live and outside:
        raise CommandError("Ce classeur cite aussi ces détenus hors des lignes à pseudonymiser, là où Excel ne laisse pas "
                           "ccc-xl écrire : " + " ; ".join(outside) + " Pour une purge complète et contrôlée, "
                           "enregistrez et fermez le classeur, puis lancez « ccc-xl purger » sur le fichier. "
                           "Rien n'a été modifié.")
    book.rewrite_anomalies(plan.erased)
    cells = 0
    for change in plan.changes:
        cells += book.rewrite_input(change.table, change.inputs, list(change.inputs.columns))
        if change.computed is not None:
            cells += book.write_computed(change.table, change.computed)
        if change.extra_headers:
            cells += book.clear_extra(change.table, list(change.inputs.index), change.extra_headers)
        for header, rows in change.cleared.items():
            cells += book.clear_extra(change.table, rows, [header])
    if listed:
        from .workbook.content import SheetContent

        book.replace_sheet(SheetContent(c.DOCUMENTS_SHEET.name, f"Documents de la session {listed}", notes=[
            f"Les documents de cette session ont été supprimés par « ccc-xl purger » le {today or dt.date.today():%d/%m/%Y} : "
            "sa durée de conservation était dépassée."]))
    if plan.journal is not None and len(plan.journal):
        cells += book.rewrite_input(c.JOURNAL, plan.journal, ["message"])
    changed = f"{count(cells, 'cellule modifiée', 'cellules modifiées')}"
    outcome = Outcome("purger", f"{agreed(len(plan.purged), 'Session', 'Sessions')} {years} "
                                f"{agreed(len(plan.purged), 'pseudonymisée', 'pseudonymisées')} ({changed}) ; "
                                "les indicateurs sont inchangés.", lines=lines)
    if not live:
        book.after_save.append(lambda: _finish_purge(Path(path), plan, [f.path for f in folders], outcome))
        return outcome
    outcome.lines += surroundings.delete([f.path for f in folders] + copies)
    outcome.lines.append("Enregistrez maintenant le classeur (Ctrl+S) : jusque-là, le fichier sur le disque contient "
                         "encore les données d'avant la purge.")
    return outcome


def _outside_tables(path: Path, plan, values: bool = True) -> list[str]:
    """What the purge cleans beyond the rows it rewrites: a dry run of the package clean-up on the
    workbook as last saved (other sheets, notes, names, pivot caches…)."""
    from .workbook import safety, scrub

    _, changes = scrub.scrub(safety.read(path).data, plan.identities, plan.rows_by_sheet)
    return changes.lines(plan.rows_by_sheet, done=False, values=values) + scrub.kept_lines(changes.kept)


def _documents_sheet_session(book: Workbook, path, years: list[int]) -> int | None:
    """The purged session whose documents the Documents sheet lists (its links point into that
    session's folder, which the purge deletes), else None."""
    from .workbook import safety, scrub

    if not path or not years:
        return None
    data = book.backend.original if isinstance(book.backend, FileBackend) else safety.read(path).data
    for link in scrub.links_of(data, c.DOCUMENTS_SHEET.name):
        parts = PurePath(link.replace("\\", "/")).parts
        folder = parts.index(c.DOCUMENTS_FOLDER) if c.DOCUMENTS_FOLDER in parts else -1
        if 0 <= folder < len(parts) - 1 and parts[folder + 1] in {str(y) for y in years}:
            return int(parts[folder + 1])
    return None


def _finish_purge(path: Path, plan, folders: list[Path], outcome: Outcome) -> None:
    """After the purged workbook is saved: clean the package beyond the tables, check the saved
    file, delete the session folders and every copy of the workbook, then look for what is left."""
    from .workbook import integrity, safety, scrub, surroundings

    opened = safety.read(path)
    cleaned, changes = scrub.scrub(opened.data, plan.identities, plan.rows_by_sheet)
    if cleaned is not opened.data:
        read = {}  # what the first inventory parsed, for the parts the second finds unchanged
        lost = integrity.losses(integrity.inventory(io.BytesIO(opened.data), read), integrity.inventory(io.BytesIO(cleaned), read))
        lost = [item for item in lost if not item.startswith("le nom défini")] if changes.renamed else lost
        if lost:
            outcome.lines.append("Nettoyage hors des tableaux annulé : le classeur aurait perdu " + "; ".join(lost) + ".")
        else:
            safety.replace(opened, cleaned, backup=False)
            outcome.lines += changes.lines(plan.rows_by_sheet)
    failures = surroundings.delete(folders)
    if _purged_rows_hold_no_name(path, plan):
        failures += surroundings.delete(safety.copies_of(path))
    else:
        outcome.lines.append("Le classeur enregistré n'a pas pu être vérifié : ses sauvegardes sont gardées.")
    outcome.lines += failures
    documents = path.parent / c.DOCUMENTS_FOLDER
    kept: list[scrub.Residue] = []
    residues = (scrub.scan(safety.read(path).data, plan.identities, kept)
                + surroundings.leftovers(path, folders, plan.identities, documents))
    outcome.lines += scrub.kept_lines(kept)
    outcome.data["residues"] = residues
    if not residues:
        outcome.lines.append("Contrôle : plus aucun nom, numéro d'écrou ni date de naissance des détenus purgés dans le "
                             "classeur (cellules, notes, noms, tableaux croisés, graphiques…), ses dossiers de "
                             "documents et ses sauvegardes.")


def _purged_rows_hold_no_name(path: Path, plan) -> bool:
    """The saved workbook opens and its purged candidates carry the pseudonymous surname."""
    from .retention import PSEUDONYMOUS_SURNAME

    rows = next((set(ch.inputs.index) for ch in plan.changes if ch.table is c.CANDIDATES), set())
    try:
        with open_workbook(path, write=False) as book:
            candidates = book.read(c.CANDIDATES)
    except CommandError:
        return False
    return not rows or (candidates.loc[candidates.index.isin(rows), "last_name"] == PSEUDONYMOUS_SURNAME).all()




# --- Indicators and funders' reports ---------------------------------------------------------

from . import indicators as ind  # noqa: E402


def read_sources(book: Workbook) -> tuple[ind.Sources, list[Anomaly]]:
    """The tables the indicators need, read through the gateway, with a person typed twice (same
    ID or same écrou in a session) counted once, exactly as the funders' export counts them: the
    Indicateurs sheet, the bilan and the export give the same figures. Also returns those doubles."""
    from .funders import consolidate

    # An unnamed workbook: its doubles are named by their sheet alone, not « classeur › feuille ».
    consolidated = consolidate([{t.name: book.read(t) for t in ind.TABLES}], [""])
    return consolidated.sources, consolidated.duplicates


def indicateurs(book: Workbook, *, today: dt.date | None = None, until: int | None = None) -> Outcome:
    """Recompute the yearly and cumulative indicators and replace the Indicateurs sheet.

    One Journal line per run: the figures live in the sheet (and are printed by the CLI)."""
    today = today or dt.date.today()
    sources, doubles = read_sources(book)
    results = ind.compute(sources, today, until)
    book.replace_sheet(ind.sheet_content(results))
    total = results.values[results.cumulative]
    where = f"(onglet « {c.INDICATORS_SHEET.name} »)"
    summary = (
        f"Indicateurs recalculés {where}, {results.cumulative} : {count(total['sessions'], 'session')}, "
        f"{count(total['participants'], 'participant')}, {count(total['entreprises'], 'entreprise')}, "
        f"{ind.rate_text(total['taux_sorties_positives_1an'])} de "
        "sorties positives à 1 an."
        if results.years else f"Indicateurs recalculés {where} : aucune session tenue au {today:%d/%m/%Y}."
    )
    waiting = ind.waiting_sessions(sources[c.SESSIONS], today, until)
    if waiting is not None and (not results.years or until is not None):
        summary += " " + waiting
    return Outcome("indicateurs", summary, table=ind.text_lines(results), data=ind.as_json(results), anomalies=doubles)


def _source(source) -> tuple[Path | None, str]:
    """(file, name) of an export source: a workbook path, or an open `Workbook` (the Excel button's)."""
    if isinstance(source, Workbook):
        path = source.backend.path
        return path, path.name if path else "classeur ouvert"
    return Path(source), Path(source).name


def check_export_target(sources, output) -> None:
    """Refuse a source given twice, and an output that is a ccc-xl workbook (never overwritten)."""
    output, seen = Path(output), set()
    for source in sources:
        path, name = _source(source)
        if path is not None and path.resolve() in seen:
            raise CommandError(f"« {name} » est donné deux fois : chaque classeur ne doit figurer qu'une fois.")
        if path is not None:
            seen.add(path.resolve())
    if output.resolve() in seen or (output.is_file() and _is_ccc_workbook(output)):
        raise CommandError(f"« {output.name} » est un classeur ccc-xl : l'export ne l'écrase pas. Choisissez un autre nom de fichier.")


def _is_ccc_workbook(path: Path) -> bool:
    try:
        return FileBackend(path).is_ccc_workbook()
    except CommandError:  # not a workbook at all: the export's writer refuses it by name
        return False


def export_financeurs(paths, output, *, year: int | None = None, today: dt.date | None = None,
                      detail: bool = False, threshold: int | None = None) -> Outcome:
    """Consolidate workbooks (read only) into a new aggregated workbook for funders; with ``detail``,
    plus a k-anonymous pseudonymised per-person table for the SPIP. ``threshold``: smallest count
    shown in a breakdown, and k (5 by default, never less). ``paths`` are workbook files, or an open
    `Workbook` (the Excel button exports the workbook on screen)."""
    import dataclasses

    from . import disclosure, funders
    from .workbook.export import write_new_workbook

    threshold = disclosure.DEFAULT_THRESHOLD if threshold is None else threshold
    if threshold < disclosure.DEFAULT_THRESHOLD:
        raise CommandError(f"Le seuil des petits effectifs ne peut pas être inférieur à {disclosure.DEFAULT_THRESHOLD}.")
    paths, output = list(paths), Path(output)
    check_export_target(paths, output)
    tables, anomalies, names, notes = [], [], [], []
    for index, (read, unreadable, opening) in enumerate(_read_for_export(paths)):
        path, name = _source(paths[index])
        names.append(name)
        tables.append(read)
        anomalies += [dataclasses.replace(a, sheet=f"{name} › {a.sheet}") for a in unreadable]
        notes += opening
    consolidated = funders.consolidate(tables, names)
    today = today or dt.date.today()
    why = funders.nothing_to_export(consolidated, today, year)
    if why:
        raise CommandError(why, anomalies=consolidated.duplicates + anomalies)
    results = ind.compute(consolidated.sources, today, until=year)
    contents = funders.export_contents(consolidated, today, year, threshold=threshold, detail=detail, results=results)
    problems = funders.check_export(contents, consolidated, results, threshold)
    if problems:
        raise CommandError("Export financeurs non écrit : son contrôle avant écriture a trouvé " + " ; ".join(problems)
                           + ". Rien n'a été écrit.",
                           anomalies=consolidated.duplicates + anomalies)
    previous = write_new_workbook(output, contents)
    what = ("données agrégées, et onglet « Participants (SPIP) » de données pseudonymisées réservé au SPIP" if detail
            else "données agrégées")
    summary = (f"Classeur pour les financeurs écrit : {output} ({count(len(names), 'classeur consolidé', 'classeurs consolidés')}, "
               f"{what}).")
    duplicates = len(consolidated.duplicates)
    lines = [f"{count(duplicates, 'doublon', 'doublons')} entre ou dans les classeurs, "
             f"{agreed(duplicates, 'compté', 'comptés')} une fois."] if duplicates else []
    lines += notes + ([kept_previous(previous)] if previous else [])
    return Outcome("export-financeurs", summary, lines=lines, anomalies=consolidated.duplicates + anomalies, paths=[str(output)])


# From this many workbook files, the export reads them in worker processes, one per core: reading
# is the export's main cost, and below this the workers' start-up (a fresh interpreter importing
# pandas on Windows) costs more than it saves.
PARALLEL_FROM = 16
READERS_MAX = 8  # worker processes at most, whatever the cores: each holds one workbook at a time


def _read_for_export(sources) -> Iterator[tuple[dict, list, list]]:
    """(tables by name, anomalies, notes) of each export source, in order, with « Classeurs lus : 37/200 »
    progress. Workbook files are read in parallel processes when there are many; an open `Workbook`
    (the Excel button's) and encrypted workbooks (their password may have to be asked) are read here."""
    from concurrent.futures import ProcessPoolExecutor

    files = [Path(s) for s in sources if not isinstance(s, Workbook) and not _maybe_encrypted(Path(s))]
    workers = min(os.cpu_count() or 1, READERS_MAX, len(files))
    with contextlib.ExitStack() as stack:
        in_workers = set()
        if len(files) >= PARALLEL_FROM and workers > 1:
            pool = ProcessPoolExecutor(max_workers=workers)
            # On a refusal, the workbooks not started yet are not read for nothing.
            stack.callback(pool.shutdown, wait=True, cancel_futures=True)
            # Results come back in the order of `files`, each as soon as it and those before it are read.
            # Small chunks (a few workbooks): when the last ones are read, one worker waits for the
            # other's chunk to end, so a chunk of 12 workbooks (a quarter of a second) left a core idle.
            results = pool.map(_export_tables, files, chunksize=max(1, len(files) // (workers * 32)))
            in_workers = set(files)
        for done, source in enumerate(sources):
            progress("Classeurs lus", done, len(sources), _source(source)[1])
            if isinstance(source, Workbook):  # its own unreadable cells are reported by `run`
                yield {t.name: source.read(t) for t in ind.TABLES}, [], []
                continue
            result = next(results) if Path(source) in in_workers else _export_tables(Path(source))
            if isinstance(result, CommandError):
                raise result
            yield result
        progress("Classeurs lus", len(sources), len(sources))


def _export_tables(path: Path) -> tuple[dict, list, list] | CommandError:
    """What the export reads from one workbook file (in a worker process when there are many), as
    last saved when it is open in Excel; a refusal is returned, not raised, so that its anomalies
    survive the way back from a worker."""
    try:
        with open_workbook(path, write=False, last_saved=True) as book:
            return {t.name: book.read_typed(t) for t in ind.TABLES}, list(book.anomalies), book.backend.notes()
    except CommandError as refusal:
        return refusal


def _maybe_encrypted(path: Path) -> bool:
    with contextlib.suppress(OSError), open(path, "rb") as handle:
        return handle.read(4) == b"\xd0\xcf\x11\xe0"
    return False


def kept_previous(place: Path) -> str:
    """The line saying where the previous version of an output file went."""
    return f"La version précédente est gardée dans « {place.parent.name}/{place.name} »."


def bilan(book: Workbook, *, year: int, output, today: dt.date | None = None) -> Outcome:
    """Render the yearly Word report for ``year`` (figures up to that year) to ``output``.

    Read-only: the figures are computed in memory; the workbook, its Indicateurs sheet and its
    Journal are left as they are (no save, no backup)."""
    from . import bilan as report
    from . import documents as docs
    from . import establishments
    from . import word

    today = today or dt.date.today()
    sources, doubles = read_sources(book)
    why = ind.not_held(sources[c.SESSIONS], year, today)
    if why:
        raise CommandError(f"Pas de bilan {year} : {why[:1].lower()}{why[1:]}", anomalies=list(book.anomalies) + doubles)
    results = ind.compute(sources, today, until=year)
    official = c.SESSION_DEFAULTS["institution"]
    institutions = establishments.distinct(sources[c.SESSIONS].institution.dropna(), official)
    sessions = book.read(c.SESSIONS)
    of_year = sessions[pd.to_numeric(sessions["year"], errors="coerce") == year]
    beside = workbook_folder(book)
    identity, found = {}, []
    if len(of_year):
        logos = beside / c.LOGOS_FOLDER if beside else None
        structures = book.read_optional(c.STRUCTURES)
        structure, images, found = docs.referent_identity(structures, of_year.iloc[0], of_year.index[0],
                                                          word.find_logos(logos), str(logos or c.LOGOS_FOLDER))
        funding = book.read(c.FUNDING)
        identity = {"logos": images, "organisateurs": docs.organisers(structures), "mention_financement": docs.funding_mention(
            funding[pd.to_numeric(funding["session"], errors="coerce") == year])}
    highlights = [v for v in of_year["highlights"] if isinstance(v, str) and v.strip()] \
        if "highlights" in of_year.columns else []
    template = word.template_path(word.BILAN_TEMPLATE, word.TEMPLATES_DIR, custom_templates(book))
    previous = report.render(results, year, ", ".join(institutions) or official, Path(output),
                             template=template, highlights=highlights, identity=identity)
    # Read-only run (no Journal): the unreadable cells are shown with the outcome instead.
    return Outcome("bilan", f"Bilan {year} écrit : {output} (classeur lu sans être modifié).",
                   lines=book.backend.notes() + ([kept_previous(previous)] if previous else []),
                   anomalies=list(book.anomalies) + doubles + found,
                   paths=[str(output)])


# --- The demo runs every step, in the order of the year -------------------------------------

DEMO_STEPS.extend([
    ("Éligibilité des candidats", "eligibilite", eligibilite, {"today": None}),
    ("Rotations de la session en préparation", "rotations", rotations, {}),
    ("Documents de la session en préparation", "documents", documents, {"today": None}),
    ("Suivi des participants", "suivi", suivi, {"today": None}),
    ("Indicateurs", "indicateurs", indicateurs, {"today": None}),
])
