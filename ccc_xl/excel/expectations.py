"""What each ribbon button must do to the demo workbook: one table, checked on two engines.

The tests press every button on xlwings' remote engine and observe the actions Excel would apply;
`ccc-xl diagnostic --excel` presses them in a real, hidden Excel and observes the workbook itself.
Both turn what they saw into an `Observation` and call the same `check`, so an expectation means
the same thing here and on an adviser's PC. Where an engine cannot see something (the remote engine
does not model drop-downs), the observation leaves it at None and the report says it was not seen.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from .. import contract as c
from ..wording import count

UNEXPECTED = "Erreur inattendue"


@dataclass(frozen=True)
class Expectation:
    journal: str                                     # « Commande » of the Journal line the click appends
    sheets: tuple[str, ...] = ()                     # generated sheets the click replaces
    tables: tuple[c.Table, ...] = ()                 # Excel Tables on those sheets, each exactly once
    may_write: tuple[tuple[c.Table, str], ...] = ()  # adviser-table columns (keys) the click may write
    links: str | None = None                         # sheet whose document links must reach a file
    files: tuple[str, ...] = ()                      # files written beside the workbook (glob patterns)
    dialogs: tuple[str, ...] = ()                    # dialogs the click always goes through, in order
    may_ask: tuple[str, ...] = ()                    # dialogs it uses only in some cases
    active: str | None = None                        # sheet shown after the click


def _computed(*tables: c.Table) -> tuple[tuple[c.Table, str], ...]:
    return tuple((t, col.key) for t in tables for col in t.columns if col.computed)


def _purged() -> tuple[tuple[c.Table, str], ...]:
    from ..retention import PURGED_TABLES, rewritten_columns

    return tuple(dict.fromkeys(
        [(t, col.key) for t in PURGED_TABLES for col in rewritten_columns(t)] + list(_computed(*PURGED_TABLES))))


ROTATION_SHEETS = (c.BINOMES_SHEET.name, c.INTERVIEWS_SHEET.name, c.PLANNING_SHEET.name, c.GRAND_ORAL_SHEET.name)

# Button id -> what a click does on the demo workbook (`ccc-xl demo`), in the ribbon's order.
EXPECTATIONS: dict[str, Expectation] = {
    "cccEligibilite": Expectation("eligibilite", may_write=_computed(c.CANDIDATES)),
    "cccRotations": Expectation("rotations", sheets=ROTATION_SHEETS, tables=c.ROTATION_TABLES,
                                may_write=_computed(c.COMPANIES)),
    "cccVerifierPlanning": Expectation("verifier_planning"),
    "cccDocumentsProduire": Expectation("documents", sheets=(c.DOCUMENTS_SHEET.name,), links=c.DOCUMENTS_SHEET.name,
                                        files=(f"{c.DOCUMENTS_FOLDER}/*.docx",)),
    "cccOuvrirDossier": Expectation("open_documents_folder", dialogs=("open_folder",)),
    "cccSuiviAlertes": Expectation("suivi", sheets=(c.DASHBOARD_SHEET.name,), may_write=_computed(c.PATHWAYS)),
    "cccIndicateurs": Expectation("indicateurs", sheets=(c.INDICATORS_SHEET.name,)),
    # The export asks before replacing an existing file; the purge asks only when a session's
    # retention period is over.
    "cccExportFinanceurs": Expectation("export_financeurs", files=("Export financeurs *.xlsx",), dialogs=("save_as",),
                                       may_ask=("confirm",)),
    "cccPurger": Expectation("purger", may_write=_purged(), may_ask=("confirm",)),
    "cccAide": Expectation("show_help", dialogs=("open_page",)),
}


@dataclass
class Observation:
    """What one click did, as an engine sees it."""

    message: str
    level: str
    journal: list[tuple[str, str]]                 # (command, level) of the run lines appended
    changed_sheets: set[str]                       # sheets with any cell written or cleared
    written_columns: set[tuple[str, str]]          # (table name, column key) of adviser tables written
    tables: dict[str, list[str]]                   # table name -> sheets holding it, after the click
    link_targets: list[str]                        # targets of the HYPERLINK formulas on the links sheet
    new_files: list[str]                           # files created beside the workbook (relative, "/")
    dialogs: list[str]                             # dialogs used, in order
    active: str | None
    dropdowns: dict[tuple[str, str], str | None] | None = None   # (table, column key) -> list formula
    status_rules: dict[str, int] | None = None                   # table -> conditional formats on its status column
    unseen: list[str] = field(default_factory=list)


def check(button: str, expected: Expectation, seen: Observation, folder) -> tuple[list[str], list[str]]:
    """(problems, not verifiable on this engine), in French, for one click."""
    from fnmatch import fnmatch
    from pathlib import Path

    problems, unseen = [], list(seen.unseen)
    if UNEXPECTED in seen.message or seen.level == "Erreur":
        problems.append(f"message d'erreur : {seen.message}")
    if not seen.journal or seen.journal[0][0] != expected.journal or seen.journal[0][1] == "Erreur":
        problems.append(f"ligne de Journal attendue « {expected.journal} » (Info ou Alerte), vue : {seen.journal[:1] or 'aucune'}")
    allowed = {c.JOURNAL.sheet, *expected.sheets, *(t.sheet for t, _ in expected.may_write)}
    if extra := seen.changed_sheets - allowed:
        problems.append(f"feuilles modifiées sans raison : {', '.join(sorted(extra))}")
    if missing := set(expected.sheets) - seen.changed_sheets:
        problems.append(f"feuilles non remplacées : {', '.join(sorted(missing))}")
    allowed_columns = {(t.name, key) for t, key in expected.may_write} | {(c.JOURNAL.name, k) for k in c.JOURNAL.keys}
    if extra := seen.written_columns - allowed_columns:
        problems.append("colonnes des conseillers écrites : " + ", ".join(f"{t}.{k}" for t, k in sorted(extra)))
    for table in expected.tables:
        where = seen.tables.get(table.name, [])
        if where != [table.sheet]:
            problems.append(f"le tableau {table.name} doit exister une fois, sur « {table.sheet} » (vu : {where or 'absent'})")
    if expected.links is not None:
        if not seen.link_targets:
            problems.append(f"aucun lien sur la feuille « {expected.links} »")
        broken = [t for t in seen.link_targets if not (Path(folder) / t).is_file()]
        if broken:
            problems.append(f"{count(len(broken), 'lien')} vers un fichier absent, dont « {broken[0]} »")
    for pattern in expected.files:
        if not any(fnmatch(f, pattern) for f in seen.new_files):
            problems.append(f"aucun fichier « {pattern} » écrit")
    required = [d for d in seen.dialogs if d not in expected.may_ask]
    if required != list(expected.dialogs) or not set(seen.dialogs) <= {*expected.dialogs, *expected.may_ask}:
        problems.append(f"dialogues attendus {list(expected.dialogs)} (et peut-être {list(expected.may_ask)}), vus {seen.dialogs}")
    if expected.active and seen.active != expected.active:
        problems.append(f"la feuille « {expected.active} » devait être affichée (vue : {seen.active})")
    problems += _rules(expected, seen, unseen)
    return problems, unseen


def _rules(expected: Expectation, seen: Observation, unseen: list[str]) -> list[str]:
    """Drop-downs and status colours of the generated tables (as the file backend writes them)."""
    problems = []
    for table in expected.tables:
        for column in table.columns:
            if column.choices and not column.computed:
                if seen.dropdowns is None:
                    unseen.append(f"liste déroulante {table.name}.{column.header}")
                    continue
                formula = (seen.dropdowns.get((table.name, column.key)) or "").lstrip("=")
                if formula != f"lst_{column.choices}":
                    problems.append(f"liste déroulante absente ou fausse dans {table.name}, colonne « {column.header} » "
                                    f"(vu : {formula or 'aucune'})")
        if table.status_column:
            if seen.status_rules is None:
                unseen.append(f"couleurs d'état de {table.name}")
            elif not seen.status_rules.get(table.name):
                problems.append(f"couleurs d'état absentes dans {table.name}")
    return problems


def files_under(folder) -> dict[str, tuple[int, int]]:
    """Every file below ``folder`` (relative, "/"-separated) -> (size, mtime_ns): what a click wrote
    is what differs between two of these."""
    from pathlib import Path

    return {p.relative_to(folder).as_posix(): (p.stat().st_size, p.stat().st_mtime_ns)
            for p in Path(folder).rglob("*") if p.is_file()}


HYPERLINK = re.compile(r'^=HYPERLINK\("((?:[^"]|"")*)"', re.IGNORECASE)


def hyperlink_target(formula: object) -> str | None:
    """The target of a ``=HYPERLINK("target", …)`` formula written by the live backend."""
    match = HYPERLINK.match(str(formula or ""))
    return match[1].replace('""', '"') if match else None
