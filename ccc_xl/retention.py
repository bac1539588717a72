"""Retention: pseudonymise the detainees' data of sessions older than the retention period.

Data on criminal matters (GDPR art. 10) must not be kept longer than needed. The yearly figures must
survive, though: funders compare years. So a purge replaces, in the rows of the purged sessions, every
value the contract marks ``identifying`` and keeps every other column as it is (sessions, dates of
the action, outcomes, sentence adjustments, follow-up dates, funding):

- surname → « Anonymisé », first name → the participant's ID (a pseudonymous code already used
  everywhere else in the workbook);
- birth date → blank, and its « Tranche d'âge » is written instead; the exact « Âge à l'action »
  and the eligibility « Motifs » (which may quote dates) are blanked;
- release date → kept to the month (the 1st), or to the relay's first contact when that came
  later in the same month, so that "released" and "relay found before release" stay as they were;
- every other identifying value (écrou, expected release, advisers, contacts, notes) → blank;
- the participant's names and écrou typed in other free text of their rows, or in the Journal,
  are replaced by the ID;
- the columns advisers added inside a table are emptied on these rows (whatever they hold: the row
  belongs to a person whose retention period is over).

The plan also carries the purged people's `identities.Identities`, which the purge uses beyond the
tables (notes, pivot caches, the adviser's own sheets…) and to check that nothing is left.

Nothing here touches a file: `plan_purge` returns the new values, `commands.purger` writes them.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from . import contract as c
from .parsing import is_blank, normalise, parse_reference
from .wording import agreed, count
from .eligibility import age_on
from .identities import Identities, Person, Phrases, fold, glued

PSEUDONYMOUS_SURNAME = "Anonymisé"
# Tables whose rows belong to a session or a participant, in the workbook's order.
PURGED_TABLES: tuple[c.Table, ...] = (*c.INPUT_TABLES, *c.ROTATION_TABLES, c.ALERTS)


def participant_key(value) -> str:
    """A participant ID as the purge compares it, as every command reads IDs (`parsing.parse_reference`:
    case and every space ignored), so that « c2019-02 », « C2019 -02 » and « C2019-02 » followed by a
    non-breaking space are one ID, in a table as read or in a value as typed."""
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return ""
    return parse_reference(value)


def age_band(birth, start) -> str | None:
    """The age band at the first day of the action (exact ages need not be kept)."""
    if pd.isna(birth) or pd.isna(start):
        return None
    age = age_on(pd.Timestamp(birth).date(), pd.Timestamp(start).date())
    for low, high, label in c.AGE_BANDS:
        if low <= age <= high:
            return label
    return f"moins de {c.AGE_BANDS[0][0]} ans" if age < c.AGE_BANDS[0][0] else f"plus de {c.AGE_BANDS[-1][1]} ans"


def coarse_release(release, relay_contact):
    """A release date kept to its month, still on or after a relay contact that preceded it."""
    if pd.isna(release):
        return None
    release = pd.Timestamp(release)
    kept = release.replace(day=1)
    if pd.notna(relay_contact) and kept < pd.Timestamp(relay_contact) <= release:
        kept = pd.Timestamp(relay_contact)
    return kept


def retention_limit(session: pd.Series) -> int:
    """Last year the session's personal data is kept (session year + retention period)."""
    years = session.get("retention_years")
    years = c.SESSION_DEFAULTS["retention_years"] if pd.isna(years) else int(years)
    return int(session["year"]) + years


@dataclass
class TableChange:
    """New values for some rows of one table: adviser columns and computed columns apart."""

    table: c.Table
    inputs: pd.DataFrame  # index = Excel rows, columns = identifying (and scrubbed) keys
    computed: pd.DataFrame | None = None
    rows_by_session: dict[int, int] = field(default_factory=dict)
    extra_headers: list[str] = field(default_factory=list)  # the adviser's own columns emptied on these rows
    # Unreadable cells of these rows (a text in a date column, a value off the list…), emptied
    # so that no later command reports a purged row: header -> Excel rows.
    cleared: dict[str, list[int]] = field(default_factory=dict)

    @property
    def headers(self) -> set[str]:
        """Headers of every column this change writes on its rows."""
        return {self.table.column(key).header for key in self.inputs.columns} | set(self.cleared)


@dataclass
class PurgePlan:
    """What a purge will do: the sessions purged or kept, and the new values of each table."""

    purged: list[int]
    kept: list[tuple[int, int]]  # (session, kept until) for sessions before the limit still kept
    changes: list[TableChange]
    journal: pd.DataFrame | None = None  # new « Message » values of Journal rows to scrub
    identities: Identities = field(default_factory=lambda: Identities([]))
    unattached: list[tuple[str, int, str]] = field(default_factory=list)  # (sheet, row, header) no session claims

    @property
    def rows_by_sheet(self) -> dict[str, set[int]]:
        """Excel rows of the purged sessions, by sheet (their notes are erased whole)."""
        return {change.table.sheet: set(change.inputs.index) for change in self.changes}

    def erased(self, anomaly):
        """``anomaly`` unchanged when it is not about a purged row; None when the purge empties or
        rewrites its cell (nothing is left to report); else without the values it quotes (an
        unreadable cell of a purged row must not reach the Journal)."""
        if anomaly.row not in self.rows_by_sheet.get(anomaly.sheet, ()):
            return anomaly
        if any(ch.table.sheet == anomaly.sheet and anomaly.column in ch.headers for ch in self.changes):
            return None
        return dataclasses.replace(anomaly, value=None, message=_QUOTED.sub(ERASED_VALUE, anomaly.message))

    def lines(self, done: bool = False) -> list[str]:
        """French lines: counts per table and session, never a value; what will be done (the
        preview), or with ``done`` what was."""
        will = lambda n, singular, plural: agreed(n, singular, plural) if done else agreed(n, "sera " + singular, "seront " + plural)  # noqa: E731
        lines = [f"Session {year} : conservée jusqu'au 31/12/{until} (durée de conservation), non modifiée."
                 for year, until in self.kept]
        for change in self.changes:
            for year, n in sorted(change.rows_by_session.items()):
                lines.append(f"Session {year} — {change.table.sheet} : {count(n, 'ligne', 'lignes')} "
                             f"{will(n, 'pseudonymisée', 'pseudonymisées')}.")
            if change.extra_headers:
                n = len(change.extra_headers)
                names = ", ".join(f"« {self.identities.replace(h)} »" for h in change.extra_headers)
                lines.append(f"{change.table.sheet} : {agreed(n, 'colonne ajoutée', 'colonnes ajoutées')} au tableau, "
                             f"{will(n, 'vidée', 'vidées')} aussi sur ces lignes : {names}.")
            cleared = sorted({row for rows in change.cleared.values() for row in rows})
            if cleared:
                n = sum(len(rows) for rows in change.cleared.values())
                lines.append(f"{change.table.sheet} : {count(n, 'cellule illisible', 'cellules illisibles')} de ces lignes "
                             f"({', '.join(f'« {h} »' for h in change.cleared)}) {will(n, 'vidée', 'vidées')}, "
                             "pour qu'aucune commande ne signale plus une ligne purgée.")
        if self.journal is not None and len(self.journal):
            n = len(self.journal)
            lines.append(f"Journal : {count(n, 'ligne', 'lignes')} citant un détenu ou une ligne purgée, "
                         f"{will(n, 'rendue anonyme', 'rendues anonymes')}.")
        lines += self.unattached_lines()
        return lines

    def unattached_lines(self) -> list[str]:
        """One line per sheet naming the rows no session claims (they are left as they are)."""
        by_sheet: dict[tuple[str, str], list[int]] = {}
        for sheet, row, header in self.unattached:
            by_sheet.setdefault((sheet, header), []).append(row)
        return [f"{sheet}, {agreed(len(rows), 'ligne', 'lignes')} {', '.join(map(str, rows))} : « {header} » vide ou "
                "absent des Candidats. Écrivez l'ID tel qu'il est dans Candidats, ou effacez la ligne si elle concerne "
                "un détenu d'une session à purger, puis relancez la purge."
                for (sheet, header), rows in by_sheet.items()]


def _words(values: list[str]) -> re.Pattern | None:
    """One pattern matching any of ``values`` as whole words, earlier values first where they overlap."""
    values = [v for v in values if v]
    if not values:
        return None
    return re.compile(r"(?<!\w)(?:" + "|".join(map(re.escape, values)) + r")(?!\w)", re.IGNORECASE)


@dataclass(frozen=True)
class Detainee:
    """How a purged participant shows up in free text, compiled once for the whole purge."""

    id: str
    secrets: re.Pattern | None  # full names first, then each part, then the écrou number
    telltales: re.Pattern | None  # what surely means this person: a full name or the écrou
    parts: frozenset = frozenset()  # the first name and the surname alone (folded): weaker signs
    organisations: Phrases = field(default_factory=Phrases)

    @classmethod
    def of(cls, pid: str, person: pd.Series, organisations: Phrases | None = None) -> "Detainee":
        last, first, ecrou = (str(person.get(k) or "").strip() for k in ("last_name", "first_name", "ecrou"))
        found = [f"{first} {last}", f"{last} {first}", last, first, ecrou]
        secrets = [s for s in dict.fromkeys(found) if len(s.strip()) >= 2 and s != PSEUDONYMOUS_SURNAME]
        telltales = [f"{first} {last}", f"{last} {first}", ecrou] if last and first else [ecrou]
        parts = frozenset(fold(p) for p in (last, first) if p)
        return cls(pid, _words(secrets), _words(telltales), parts, organisations or Phrases())

    def scrub(self, text):
        """``text`` with every whole-word occurrence of a secret replaced by the ID; a first name
        or surname alone is kept where it is part of a longer word (« Saint-Martin ») or of a kept
        organisation's name (« Boulangerie Martin & Fils »)."""
        if not isinstance(text, str) or self.secrets is None:
            return text

        def replaced(match: re.Match) -> str:
            start, end = match.span()
            if fold(match.group()) in self.parts and (glued(text, start, end) or self.organisations.shields(text, start, end)):
                return match.group()
            return self.id

        return self.secrets.sub(replaced, text)

    def cited_in(self, text: str) -> bool:
        return self.id in text or (self.telltales is not None and self.telltales.search(text) is not None)


def _owner(table: c.Table, frame: pd.DataFrame, years: set[int], ids: dict[str, str]) -> pd.Series:
    """The participant ID (or "" for a session-level row) of each row of a purged session, else NA.
    ``ids``: `participant_key` -> ID as Candidats writes it, for the purged participants."""
    owner = np.full(len(frame), pd.NA, dtype=object)  # filled as an array: a Series set by a mask is slow
    if table is c.CANDIDATES:
        mine = frame["session"].isin(years).to_numpy()
        owner[mine] = frame["id"].to_numpy(dtype=object)[mine]
    else:
        if "participant" in frame.columns:
            found = frame["participant"].map(participant_key).map(ids).to_numpy(dtype=object)
            mine = pd.notna(found)
            owner[mine] = found[mine]
        if "session" in frame.columns:
            owner[pd.isna(owner) & frame["session"].isin(years).to_numpy()] = ""
    return pd.Series(owner, index=frame.index, dtype=object)


def _unattached(table: c.Table, frame: pd.DataFrame, owner: pd.Series, known: set[str]) -> list[int]:
    """Rows of an adviser table about a participant that no session can claim: their ID is blank
    or matches no candidate, and they name no session. The purge cannot tell whether they belong
    to a purged detainee, so it names them instead of saying all is clean."""
    if table.generated or "participant" not in frame.columns:
        return []
    loose = owner.isna() & ~frame["participant"].map(participant_key).isin(known)
    if "session" in frame.columns:
        loose &= frame["session"].isna()
    return [int(row) for row in frame.index[loose]]


def _replacement(table: c.Table, column: c.Column, row: dict, code: str):
    if column.key == "first_name":
        return code or None
    if column.key == "last_name":
        return PSEUDONYMOUS_SURNAME
    if table is c.PATHWAYS and column.key == "release_date":
        return coarse_release(row["release_date"], row.get("relay_contact_date"))
    return None


def free_text_columns(table: c.Table) -> list[c.Column]:
    """Adviser text columns that may quote a detainee's name (IDs are pseudonymous already; names of
    organisations, places and companies are never a detainee's and are never rewritten)."""
    return [col for col in table.input_columns
            if col.kind is c.Kind.TEXT and not col.identifying and not col.organisation
            and col.key not in ("id", "participant")]


def organisation_names(frames: dict[str, pd.DataFrame]) -> list[str]:
    """Every value of the columns that name an organisation, a place or a company, in every row:
    a purged surname inside one of them (« Boulangerie Martin & Fils ») is not the person."""
    tables = {t.name: t for t in PURGED_TABLES}
    names = []
    for name, frame in frames.items():
        table = tables.get(name)
        for col in table.columns if table is not None else ():
            if col.organisation and col.key in frame.columns:
                names += [str(v).strip() for v in frame[col.key].dropna() if str(v).strip()]
    return list(dict.fromkeys(names))


def identifying_columns(table: c.Table) -> list[c.Column]:
    return [col for col in table.input_columns if col.identifying]


def rewritten_columns(table: c.Table) -> list[c.Column]:
    """Every adviser column a purge rewrites in the rows of a purged session (the participant's ID
    too: typed « c2019-02 » or with spaces, it becomes the ID as Candidats writes it)."""
    ids = [table.column("participant")] if "participant" in table.keys and not table.generated else []
    return identifying_columns(table) + free_text_columns(table) + ids


def _table_change(table, frame, owner, detainees, session_of, starts, extra=None, unreadable=()) -> TableChange | None:
    rows = frame[owner.notna()]
    if rows.empty:
        return None
    rewritten = {col.header for col in rewritten_columns(table)}
    cleared: dict[str, list[int]] = {}
    for anomaly in unreadable:
        if anomaly.sheet == table.sheet and anomaly.row in rows.index and anomaly.column not in rewritten \
                and anomaly.column in table.headers:
            cleared.setdefault(anomaly.column, []).append(int(anomaly.row))
    extra_headers = [] if extra is None else [
        header for header in extra.columns
        if extra.loc[extra.index.intersection(rows.index), header].map(lambda v: not is_blank(v)).any()]
    identifying, free_text = identifying_columns(table), free_text_columns(table)
    records = list(zip(rows.index, rows.to_dict("records")))
    columns = {}  # made into a DataFrame at once: adding columns one by one is slow
    for col in identifying:
        columns[col.key] = [_replacement(table, col, row, owner[i]) for i, row in records]
    for col in free_text:
        columns[col.key] = [detainees[owner[i]].scrub(row[col.key]) if owner[i] in detainees
                            else row[col.key] for i, row in records]
    if "participant" in table.keys and not table.generated:
        columns["participant"] = [owner[i] or row["participant"] for i, row in records]
    inputs = pd.DataFrame(columns, index=rows.index)
    computed = None
    if table is c.CANDIDATES:
        computed = pd.DataFrame({
            "age_band": [age_band(row["birth_date"], starts.get(row["session"])) if pd.notna(row["birth_date"])
                         else row["age_band"] for _, row in records],
            "age_at_start": pd.array([None] * len(rows), dtype="Int64"),
            "reasons": [None] * len(rows),
        }, index=rows.index)
    sessions = [session_of.get(owner[i]) if owner[i] else row.get("session") for i, row in records]
    counts = pd.Series(sessions).dropna().astype(int).value_counts().to_dict()
    return TableChange(table, inputs, computed, {int(k): int(v) for k, v in counts.items()}, extra_headers,
                       {header: sorted(set(found)) for header, found in cleared.items()})


ERASED_VALUE = "« (valeur effacée par la purge) »"
_QUOTED = re.compile(r"«[^«»]*»")


def _journal(journal: pd.DataFrame, detainees: dict[str, Detainee], rows: dict[str, set[int]],
             values: set[str]) -> pd.DataFrame:
    """New messages of the Journal rows that cite a purged detainee or a purged row's content.

    A line about a purged row (its sheet and row) loses every value it quotes (« … »): an
    unreadable date, a note. Any other line loses the quoted values equal to one of ``values`` (what
    the purged rows hold as text, unreadable cells included: the row may have moved since the line
    was written). Then names and écrou numbers of purged detainees are replaced by their IDs."""
    changed = {}
    for i, message in journal["message"].items():
        if not isinstance(message, str):
            continue
        sheet, row = journal.at[i, "sheet"], journal.at[i, "row"]
        about_purged = isinstance(sheet, str) and not pd.isna(row) and int(row) in rows.get(sheet, ())
        new = _QUOTED.sub(lambda m: ERASED_VALUE if about_purged or _quotes(m.group(), values) else m.group(), message)
        for detainee in detainees.values():
            if detainee.cited_in(new):
                new = detainee.scrub(new)
        if new != message:
            changed[i] = new
    return pd.DataFrame({"message": pd.Series(changed, dtype=object)})


def _quotes(quoted: str, values: set[str]) -> bool:
    inside = quoted[1:-1].strip()
    return bool(inside) and (inside in values or any(len(v) >= 4 and v in inside for v in values))


def _row_texts(changes: list[TableChange], frames: dict[str, pd.DataFrame], extras: dict[str, pd.DataFrame],
               unreadable) -> set[str]:
    """Every text the purged rows hold (adviser columns, their own columns, unreadable cells), but
    the names of organisations, places and companies, which the purge keeps."""
    texts = set()
    for change in changes:
        rows = change.inputs.index
        kept = {col.key for col in change.table.columns if col.organisation}
        for frame in (frames[change.table.name], extras.get(change.table.name)):
            if frame is not None:
                part = frame.loc[frame.index.intersection(rows)]
                texts |= {str(v).strip() for column in part.columns if column not in kept for v in part[column]
                          if isinstance(v, str)}
        texts |= {str(a.value).strip() for a in unreadable
                  if a.sheet == change.table.sheet and a.row in rows and not is_blank(a.value)}
    return {t for t in texts if len(t) >= 2}


def _identities(people: pd.DataFrame, frames: dict[str, pd.DataFrame], owners: dict[str, pd.Series],
                organisations: Phrases) -> Identities:
    """The purged people's identity tokens, minus what the rows that stay still use; with the first
    names the Planning shows when it is a purged session's (Entretiens tells whose they are)."""
    purged = [Person(str(pid), *(_text(p.get(k)) for k in ("first_name", "last_name", "ecrou")),
                     p["birth_date"].date() if pd.notna(p.get("birth_date")) else None)
              for pid, p in people.iterrows()]
    kept, kept_dates = [], set()
    tables = {t.name: t for t in PURGED_TABLES}
    for name, frame in frames.items():
        table = tables.get(name)
        if table is None or frame.empty:
            continue
        rows = frame[owners[name].isna()] if name in owners else frame
        # Names, contacts and dates of the rows that stay; not their observations, which may cite a
        # purged detainee (they are cleaned, not kept).
        for col in (col for col in table.columns if col.identifying and col.key in rows.columns and col.key != "notes"):
            if col.key == "birth_date":
                kept_dates |= {d.date() for d in rows[col.key].dropna()}
            elif col.kind is not c.Kind.DATE:
                kept += [_text(v) for v in rows[col.key].dropna()]
        if table is c.CANDIDATES:
            kept += [f"{_text(f)} {_text(l)}" for f, l in zip(rows["first_name"], rows["last_name"])]
            kept += [f"{_text(l)} {_text(f)}" for f, l in zip(rows["first_name"], rows["last_name"])]
    vocabulary = [PSEUDONYMOUS_SURNAME, *(col.header for t in c.TABLES.values() for col in t.columns),
                  *(v for closed in c.LISTS.values() for v in closed.values)]
    return Identities(purged, kept, vocabulary, kept_dates, organisations,
                      {c.PLANNING_SHEET.name: _planning_names(people, frames.get(c.INTERVIEWS.name), owners)})


def _planning_names(people: pd.DataFrame, interviews: pd.DataFrame | None, owners) -> dict[str, str]:
    """What the Planning grid shows of each purged participant of the planned session — the first
    name, or « first name (ID) » where two share it — mapped to the ID. A bare first name counts only
    when no participant of the Entretiens who stays has it."""
    if interviews is None or interviews.empty or c.INTERVIEWS.name not in owners:
        return {}
    owner = owners[c.INTERVIEWS.name]
    mine = {pid for pid in owner.dropna() if pid in people.index}
    others = {normalise(str(f)) for f in interviews.loc[owner.isna(), "first_name"].dropna()}
    names = {}
    for pid in mine:
        first = _text(people.at[pid, "first_name"])
        if first:
            names[f"{first} ({pid})"] = pid
            if normalise(first) not in others:
                names[first] = pid
    return names


def _text(value) -> str:
    return "" if value is None or (not isinstance(value, str) and pd.isna(value)) else str(value).strip()


def plan_purge(frames: dict[str, pd.DataFrame], before: int, today: dt.date,
               extras: dict[str, pd.DataFrame] | None = None, unreadable=()) -> PurgePlan:
    """What purging the sessions before ``before`` does, given every table (by table name) as read,
    the adviser's own columns of each table (`Workbook.extra_columns`, by table name), and the
    unreadable cells found while reading them (`report.Anomaly`, whose values the Journal may quote).

    Only sessions whose retention period is over (`retention_limit` < today's year) are purged; the
    others before ``before`` are listed as kept.
    """
    sessions = frames[c.SESSIONS.name]
    older = sessions[sessions["year"].notna() & (sessions["year"] < before)].sort_values("year")
    limits = {int(s["year"]): retention_limit(s) for _, s in older.iterrows()}
    years = {y for y, until in limits.items() if until < today.year}
    kept = [(y, until) for y, until in limits.items() if y not in years]
    candidates = frames[c.CANDIDATES.name]
    people = candidates[candidates["session"].isin(years)].drop_duplicates("id").set_index("id")
    session_of = people["session"].astype(int).to_dict()
    organisations = Phrases(organisation_names(frames))
    detainees = {pid: Detainee.of(pid, person, organisations) for pid, person in people.iterrows()}
    starts = sessions.drop_duplicates("year").set_index("year")["coaching_start"].to_dict()
    ids = {participant_key(pid): pid for pid in people.index}
    known = set(candidates["id"].map(participant_key)) - {""}
    changes, owners, unattached = [], {}, []
    for table in PURGED_TABLES:
        frame = frames.get(table.name)
        if frame is None or frame.empty:
            continue
        owners[table.name] = owner = _owner(table, frame, years, ids)
        if years:
            header = table.column("participant").header if "participant" in table.keys else ""
            unattached += [(table.sheet, row, header) for row in _unattached(table, frame, owner, known)]
        change = _table_change(table, frame, owner, detainees, session_of, starts, (extras or {}).get(table.name),
                               unreadable)
        if change is not None:
            changes.append(change)
    journal = frames.get(c.JOURNAL.name)
    journal_change = None
    if journal is not None and changes:
        rows = {change.table.sheet: set(change.inputs.index) for change in changes}
        journal_change = _journal(journal, detainees, rows, _row_texts(changes, frames, extras or {}, unreadable))
    return PurgePlan(sorted(years), kept, changes, journal_change,
                     _identities(people, frames, owners, organisations), unattached)
