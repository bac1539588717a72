"""The workbook gateway: typed tables in, computed columns and generated sheets out.

`Workbook` is what commands use. It does everything that does not depend on where the workbook
lives — matching headers to the contract, forgiving parsing, anomalies, turning results back into
cell values — and delegates raw cell access to a `Backend`: `FileBackend` (openpyxl, a closed .xlsx)
or the live xlwings backend (the workbook open in Excel). A backend reads and writes whole ranges,
so the number of calls does not grow with the number of rows.
"""

from __future__ import annotations

import datetime as dt
import itertools
import math
from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from typing import Callable

import numpy as np
import pandas as pd

from ..contract import JOURNAL, OPTIONAL_TABLES, Column, Kind, Table
from ..parsing import Unreadable, is_blank, normalise, parse_cell
from ..report import Anomaly, CommandError, bounded
from ..wording import count
from .content import SheetContent


@dataclass
class RawTable:
    """The cells of an Excel Table as a backend found them, before any typing."""

    table: Table
    sheet: str
    header: list[str]
    rows: list[list[object]]
    first_row: int  # Excel row number of the first data row
    first_column: int  # Excel column number (1-based) of the table's first column
    # (Excel row, position in the row) -> why the cell could not be read, although it holds
    # something (a formula never calculated): reported as an anomaly, read as blank.
    problems: dict[tuple[int, int], str] = field(default_factory=dict)


class MissingSheet(CommandError):
    """The table's whole sheet is absent (a workbook made before the table existed, or a sheet deleted)."""


def missing_table(table: Table, sheet_names: list[str]) -> CommandError:
    """The French refusal when a backend cannot find an Excel Table, saying what to do."""
    if table.generated and table is not JOURNAL and table.sheet in sheet_names:
        return CommandError(
            f"La feuille « {table.sheet} » ne contient pas encore le tableau {table.name} : lancez d'abord "
            "la commande qui la produit (voir l'onglet Accueil)."
        )
    if table.sheet in sheet_names:
        return CommandError(
            f"La feuille « {table.sheet} » ne contient plus le tableau Excel {table.name} "
            "(il a peut-être été converti en plage). Sélectionnez les données puis Insertion > Tableau, "
            f"et nommez-le {table.name}."
        )
    return MissingSheet(f"La feuille « {table.sheet} » (tableau {table.name}) est absente du classeur.")


class Backend(ABC):
    """Raw access to one workbook. Implementations: `file.FileBackend`, `live.LiveBackend`."""

    # French lines a run's outcome must show (the file backend: notes erased with a regenerated sheet).
    notices: tuple[str, ...] | list[str] = ()

    @abstractmethod
    def is_ccc_workbook(self) -> bool:
        """Whether the workbook carries the ccc-xl marker (so it is safe to write into it)."""

    @abstractmethod
    def read_table(self, table: Table) -> RawTable:
        """The header and data cells of an Excel Table; CommandError (French) if it is missing."""

    @abstractmethod
    def write_columns(self, raw: RawTable, columns: dict[str, list[object]], formats: dict[str, str | None]) -> None:
        """Write whole columns of a table (header -> one value per data row), nothing else."""

    @abstractmethod
    def replace_sheet(self, content: SheetContent) -> None:
        """Replace a generated sheet wholesale (create it if missing)."""

    @abstractmethod
    def append_rows(self, table: Table, rows: list[list[object]]) -> None:
        """Append rows at the end of an Excel Table, growing the table."""

    def notes(self) -> list[str]:
        """What opening the workbook did that the Journal should say (French lines)."""
        return []


def _header_map(raw: RawTable) -> dict[str, int]:
    """Contract key -> position in the table, matching headers whatever their case or spacing.

    Advisers may reorder columns or add their own: only missing or duplicated contract headers
    are a problem.
    """
    seen: dict[str, int] = {}
    for position, header in enumerate(raw.header):
        name = normalise(str(header or ""))
        if not name:
            continue
        if name in seen:
            raise CommandError(
                f"La feuille « {raw.sheet} » a deux colonnes « {header} » dans le tableau "
                f"{raw.table.name} : renommez ou supprimez l'une des deux."
            )
        seen[name] = position
    found = {}
    missing = []
    for col in raw.table.columns:
        position = seen.get(normalise(col.header))
        if position is None:
            missing.append(col)
        else:
            found[col.key] = position
    blocking = [c for c in missing if c.required or c.computed]
    if blocking:
        raise _missing_columns_error(raw, blocking)
    return found


def _missing_columns_error(raw: RawTable, columns: list[Column], why: str = "") -> CommandError:
    names = ", ".join(f"« {c.header} »" for c in columns)
    what = "colonne" if len(columns) == 1 else "colonnes"
    return CommandError(
        f"Feuille « {raw.sheet} » : {what} {names} introuvable{'s' if len(columns) > 1 else ''} dans l'en-tête du tableau "
        f"{raw.table.name}.{why} Rétablissez le nom exact de l'en-tête (ligne {raw.first_row - 1})."
    )


def _typed_array(column: Column, distinct: list[object], codes: np.ndarray):
    """A column's values as the array its dtype holds, from its distinct typed values (None for a
    blank) and each row's position among them."""
    blank = np.fromiter((v is None for v in distinct), dtype=bool, count=len(distinct))
    if column.kind is Kind.DATE:
        days = np.array([np.datetime64("NaT") if v is None else np.datetime64(v, "D") for v in distinct], dtype="datetime64[D]")
        return days.astype("datetime64[ns]")[codes]
    if column.kind in (Kind.BOOL, Kind.INT):
        values = np.array([0 if v is None else v for v in distinct], dtype=bool if column.kind is Kind.BOOL else np.int64)
        masked = pd.arrays.BooleanArray if column.kind is Kind.BOOL else pd.arrays.IntegerArray
        return masked(values[codes], blank[codes])
    if column.kind in (Kind.NUMBER, Kind.MONEY):
        return np.array([math.nan if v is None else v for v in distinct], dtype=float)[codes]
    return np.fromiter(distinct, dtype=object, count=len(distinct))[codes]


def _columns(raw: RawTable) -> list[tuple[object, ...]]:
    """The table's cells column by column (a row shorter than the header reads as blank beyond its end)."""
    return list(itertools.zip_longest(*raw.rows)) if raw.rows else []


def _blank_mask(raw: RawTable, positions: dict[str, int], columns: list[tuple[object, ...]]) -> np.ndarray:
    """For each row of the table, whether every adviser cell is blank (rows left empty, or cleared):
    the rows still blank are looked at in the next adviser column (usually none are left after the first)."""
    blank = range(len(raw.rows))
    for col in raw.table.input_columns:
        position = positions.get(col.key)
        if position is not None and position < len(columns) and blank:
            cells = columns[position]
            blank = [i for i in blank if (cell := cells[i]) is None or (isinstance(cell, str) and not cell.strip())]  # is_blank
    mask = np.zeros(len(raw.rows), dtype=bool)
    mask[np.fromiter(blank, dtype=np.intp, count=len(blank))] = True
    return mask


def _blank_rows(raw: RawTable, positions: dict[str, int]) -> set[int]:
    """Excel rows of a table where every adviser cell is blank (rows left empty, or cleared)."""
    return {raw.first_row + int(i) for i in np.flatnonzero(_blank_mask(raw, positions, _columns(raw)))}


class _Uncalculated:
    """A cell holding a formula without a cached result: read as blank, reported with ``why``."""

    def __init__(self, why: str):
        self.why = why


@dataclass
class TypedTable:
    """A table's typed columns before they are put in a DataFrame: one array per contract key (numpy,
    or pandas' masked arrays for yes/no and whole numbers) and the Excel row of each data row.

    `frame` gives the DataFrame; the funders' export keeps workbooks' tables in this form, which a
    worker process sends back at a fraction of a DataFrame's cost and `stacked` joins workbook after
    workbook as one array per column."""

    columns: dict[str, object]
    rows: list[int]

    def __len__(self) -> int:
        return len(self.rows)

    def excel_rows(self) -> np.ndarray:
        """The Excel row of each data row: the frame's index values."""
        return np.array(self.rows, dtype=np.int64 if self.rows else object)

    @property
    def index(self) -> pd.Index:
        return pd.Index(self.excel_rows(), name="ligne")

    def frame(self) -> pd.DataFrame:
        return pd.DataFrame(self.columns, index=self.index, copy=False)


def stacked(parts: list) -> pd.DataFrame:
    """Several workbooks' rows of one table end to end (index 0, 1, …): ``pd.concat(frames,
    ignore_index=True)`` of the parts' frames. Parts are DataFrames or `TypedTable`s; when all are
    `TypedTable`s with the same columns of the same dtypes (as the gateway types one contract table),
    each column is joined as one array. pd.concat of the frames looks at every cell of a column
    blank in a part (each workbook's empty optional columns: a million cells at national scale)."""
    first = parts[0] if parts else None
    if isinstance(first, TypedTable) and all(
            isinstance(part, TypedTable) and list(part.columns) == list(first.columns)
            and all(part.columns[key].dtype == array.dtype for key, array in first.columns.items()) for part in parts):
        return pd.DataFrame({key: _joined([part.columns[key] for part in parts]) for key in first.columns}, copy=False)
    return pd.concat([part.frame() if isinstance(part, TypedTable) else part for part in parts], ignore_index=True)


def _joined(arrays: list):
    """Arrays of one dtype end to end (numpy's, or pandas' extension arrays)."""
    if isinstance(arrays[0], np.ndarray):
        return np.concatenate(arrays)
    return type(arrays[0])._concat_same_type(arrays)


_EQUAL_ACROSS_TYPES = frozenset((bool, int, float))  # True == 1 == 1.0


def _second(key: tuple) -> object:
    return key[1]


def _itself(key: object) -> object:
    return key


def frame_from_raw(raw: RawTable) -> tuple[pd.DataFrame, list[Anomaly]]:
    """Typed DataFrame of a table (columns = contract keys, index = Excel row numbers).

    Rows whose adviser cells are all blank are dropped; cells that cannot be read become None and
    an anomaly naming the sheet, row and column (`typed_from_raw`)."""
    typed, anomalies = typed_from_raw(raw)
    return typed.frame(), anomalies


def typed_from_raw(raw: RawTable) -> tuple[TypedTable, list[Anomaly]]:
    """The typed columns of a table (`TypedTable`) and the anomalies of its unreadable cells.

    A column repeats its values (Oui/Non, list values, dates, a participant's ID on every follow-up
    line): each distinct cell is parsed once, and the column's array is built from the distinct
    values (a consolidation types millions of cells). The type is part of a cell's key, since True,
    1 and 1.0 are equal but do not read the same.
    """
    positions = _header_map(raw)
    columns = _columns(raw)
    kept = np.flatnonzero(~_blank_mask(raw, positions, columns))
    index = (raw.first_row + kept).tolist()
    unread: dict[int, dict[int, str]] = {}  # position -> kept row's place -> why (formulas never calculated)
    if raw.problems:
        place = {excel_row: i for i, excel_row in enumerate(index)}
        for (excel_row, position), why in raw.problems.items():
            if excel_row in place:
                unread.setdefault(position, {})[place[excel_row]] = why
    anomalies: list[Anomaly] = []
    arrays = {}
    for col in raw.table.columns:
        position = positions.get(col.key)
        if position is None or position >= len(columns):
            cells: list[object] = [None] * len(index)
        else:
            whole = columns[position]
            cells = list(whole) if len(kept) == len(whole) else [whole[i] for i in kept]
        for i, why in unread.get(position, {}).items():
            cells[i] = _Uncalculated(why)
        # A cell's type is part of its key where equal cells of different types may meet (True, 1
        # and 1.0 are equal but do not read the same); otherwise the cells are their own keys.
        by_type = len(_EQUAL_ACROSS_TYPES.intersection(map(type, cells))) > 1
        keys = list(zip(map(type, cells), cells)) if by_type else cells
        cell_of = _second if by_type else _itself
        code_of: dict[object, int] = {}
        distinct: list[object] = []
        problems: dict[object, Unreadable] = {}
        for key in dict.fromkeys(keys):
            code_of[key] = len(distinct)
            value, cell = None, cell_of(key)
            if type(cell) is not _Uncalculated:
                try:
                    value = parse_cell(col, cell)
                except Unreadable as problem:
                    problems[key] = problem
            distinct.append(value)
        codes = np.fromiter(map(code_of.__getitem__, keys), dtype=np.intp, count=len(keys))
        arrays[col.key] = _typed_array(col, distinct, codes)
        if not col.computed and (problems or position in unread):
            for excel_row, key in zip(index, keys):
                cell = cell_of(key)
                if type(cell) is _Uncalculated:
                    anomalies.append(Anomaly(raw.sheet, excel_row, col.header, None, cell.why))
                elif key in problems:
                    anomalies.append(Anomaly(raw.sheet, excel_row, col.header, cell, f"« {cell} » {problems[key]}."))
    return TypedTable(arrays, index), anomalies


def excel_value(column: Column, value: object) -> object:
    """A typed value back into what a cell holds (Oui/Non for yes/no, datetimes for dates).

    Text passes through untouched, so fixtures and demos can also write what an adviser would type.
    """
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, float) and math.isnan(value):
        return None
    if hasattr(value, "item") and not isinstance(value, pd.Timestamp):  # numpy scalar
        value = value.item()
    if column.kind is Kind.BOOL and isinstance(value, bool):
        return "Oui" if value else "Non"
    if column.kind is Kind.DATE and isinstance(value, (dt.date, pd.Timestamp)):
        return dt.datetime(value.year, value.month, value.day)
    if column.kind is Kind.INT and isinstance(value, float) and value.is_integer():
        return int(value)
    return value


class Workbook:
    """A workbook as commands see it: typed tables, computed columns, generated sheets, a journal."""

    def __init__(self, backend: Backend):
        self.backend = backend
        self._found: list[Anomaly] = []  # unreadable cells of every table read
        self._sessions: dict[str, dict[int, object]] = {}  # sheet -> Excel row -> its session year
        self._session: int | None = None
        self._raw: dict[str, RawTable] = {}
        self._frames: dict[str, pd.DataFrame] = {}
        # Work a command leaves for once the workbook is saved (file mode: `open_workbook` runs it
        # after replacing the file, e.g. the purge's check of the saved package).
        self.after_save: list[Callable[[], None]] = []

    @property
    def anomalies(self) -> list[Anomaly]:
        """The unreadable cells met so far — of one session's rows only, after `concern_session`."""
        return [a for a in self._found if self._concerns(a)]

    def rewrite_anomalies(self, rewrite: Callable[[Anomaly], Anomaly | None]) -> None:
        """Replace each unreadable cell met so far by ``rewrite(anomaly)``, or forget it when that is
        None (the purge erases the values of purged rows, or the cells themselves, before the run's
        anomalies reach the Journal)."""
        self._found = [new for new in map(rewrite, self._found) if new is not None]

    def concern_session(self, year: int) -> None:
        """This run works on session ``year`` alone: another session's unreadable cells are not its
        business (they are reported by the runs on that session, or on the whole workbook). Rows
        whose « Session » is blank or unreadable stay reported: they may belong to ``year``."""
        self._session = year

    def _concerns(self, anomaly: Anomaly) -> bool:
        if self._session is None or anomaly.sheet not in self._sessions:
            return True
        session = self._sessions[anomaly.sheet].get(anomaly.row)
        return session is None or session == self._session

    def check_is_ccc_workbook(self) -> None:
        if not self.backend.is_ccc_workbook():
            raise CommandError(
                "Ce classeur n'est pas un classeur ccc-xl (il n'a pas été créé par « ccc-xl nouveau »). "
                "Aucune modification n'a été faite."
            )

    def read_optional(self, table: Table) -> pd.DataFrame:
        """The rows of a table added to the contract after some workbooks were made
        (``contract.OPTIONAL_TABLES``): no rows when the workbook has no such sheet."""
        try:
            return self.read(table)
        except MissingSheet:
            if table not in OPTIONAL_TABLES:
                raise
            return frame_from_raw(RawTable(table, table.sheet, table.headers, [], 2, 1))[0]

    def read(self, table: Table) -> pd.DataFrame:
        """The typed rows of a table; unreadable cells are reported in `anomalies`, not raised.
        The frame is kept for the next read and a copy returned."""
        frame = self._frames.get(table.name)
        if frame is None:
            frame = self._frames[table.name] = self.read_typed(table).frame()
        return frame.copy()

    def read_typed(self, table: Table) -> TypedTable:
        """The typed columns of a table, not kept and not made a DataFrame, for a caller reading each
        table once (the funders' export); unreadable cells are reported in `anomalies`."""
        # A table this run wrote into is typed again from the cells as written (`_write` keeps
        # them): the file backend reads the package as it was opened.
        raw = self._raw.get(table.name) or self.backend.read_table(table)
        typed, anomalies = typed_from_raw(raw)
        self._raw[table.name] = raw
        self._found.extend(anomalies)
        if "session" in typed.columns:
            self._sessions[raw.sheet] = {row: None if pd.isna(v) else v for row, v in zip(typed.rows, typed.columns["session"])}
        return typed

    def require_columns(self, table: Table, columns: list[Column], why: str) -> None:
        """CommandError naming sheet, header row and columns when optional ``columns`` are absent
        from the adviser's table (renamed or deleted) and the command cannot do without them."""
        if table.name not in self._raw:
            self.read(table)
        raw = self._raw[table.name]
        present = _header_map(raw)
        lost = [col for col in columns if col.key not in present]
        if lost:
            raise _missing_columns_error(raw, lost, f" {why}")

    def write_computed(self, table: Table, frame: pd.DataFrame) -> int:
        """Write the computed columns present in ``frame`` (index = Excel rows as read).

        Adviser columns are never written, whatever ``frame`` holds. Rows whose adviser cells are
        all blank lose their computed values (a cleared candidate keeps no stale status); other rows
        that are not in ``frame`` (another session) keep their cells. Returns the number of cells
        that changed; nothing is written when nothing changed.
        """
        chosen = [c for c in table.computed_columns if c.key in frame.columns]
        return self._write(table, frame, chosen, clear_blank_rows=True)

    def rewrite_input(self, table: Table, frame: pd.DataFrame, columns: list[str]) -> int:
        """Overwrite the adviser cells of ``columns`` for the rows of ``frame`` (index = Excel rows).

        Only `ccc-xl purger` uses this: pseudonymising old sessions is the one time ccc-xl replaces
        what an adviser typed. Columns absent from the adviser's sheet are skipped (nothing to erase);
        other rows keep their cells. Returns the number of cells that changed.
        """
        if table.name not in self._raw:
            self.read(table)
        present = _header_map(self._raw[table.name])
        chosen = [table.column(key) for key in columns]
        if any(col.computed for col in chosen):
            raise ValueError("rewrite_input writes adviser columns only; use write_computed")
        return self._write(table, frame, [col for col in chosen if col.key in present])

    def extra_columns(self, table: Table) -> pd.DataFrame:
        """The adviser's own columns inside a table (headers the contract does not know), values as
        the backend read them; index = Excel rows (every row of the table), columns = headers."""
        if table.name not in self._raw:
            self.read(table)
        raw = self._raw[table.name]
        known = set(_header_map(raw).values())
        index = range(raw.first_row, raw.first_row + len(raw.rows))
        return pd.DataFrame({header: [row[i] if i < len(row) else None for row in raw.rows]
                             for i, header in enumerate(raw.header) if i not in known and header},
                            index=index, dtype=object)

    def clear_extra(self, table: Table, rows: list[int], headers: list[str]) -> int:
        """Empty the columns ``headers`` (the adviser's own, or contract columns whose cells could not
        be read) on the Excel ``rows`` of a table; other cells keep their values. Only `ccc-xl purger`
        uses this: a purged row keeps nothing of its person. Returns the number of cells emptied."""
        if table.name not in self._raw:
            self.read(table)
        raw = self._raw[table.name]
        targets = {row - raw.first_row for row in rows}
        columns, changed = {}, 0
        for header in headers:
            position = raw.header.index(header)
            old = [row[position] if position < len(row) else None for row in raw.rows]
            new = [None if i in targets else value for i, value in enumerate(old)]
            changed += sum(1 for a, b in zip(old, new) if not same_cell(a, b))
            columns[header] = new
        if changed:
            self._commit(table, columns, {header: None for header in columns})
        return changed

    def _write(self, table: Table, frame: pd.DataFrame, chosen: list[Column], clear_blank_rows: bool = False) -> int:
        """Write whole columns: ``frame``'s values on its rows, the cells as read elsewhere
        (emptied on blank rows with ``clear_blank_rows``)."""
        if table.name not in self._raw:
            self.read(table)
        raw = self._raw[table.name]
        positions = _header_map(raw)
        blank = _blank_rows(raw, positions) if clear_blank_rows else set()
        columns: dict[str, list[object]] = {}
        formats: dict[str, str | None] = {}
        changed = 0
        for col in chosen:
            position = positions[col.key]
            by_row = {row: excel_value(col, v) for row, v in frame[col.key].items()}
            old = [row[position] if position < len(row) else None for row in raw.rows]
            values = [by_row.get(raw.first_row + i, None if raw.first_row + i in blank else old[i])
                      for i in range(len(raw.rows))]
            changed += sum(1 for a, b in zip(old, values) if not same_cell(a, b))
            columns[raw.header[position]] = values
            formats[raw.header[position]] = col.excel_format
        if changed:
            self._commit(table, columns, formats)
        return changed

    def _commit(self, table: Table, columns: dict[str, list[object]], formats: dict[str, str | None]) -> None:
        """Write whole columns through the backend and keep the table as read in step with them."""
        raw = self._raw[table.name]
        self.backend.write_columns(raw, columns, formats)
        for header, values in columns.items():
            position = raw.header.index(header)
            for excel_row, (row, value) in enumerate(zip(raw.rows, values), start=raw.first_row):
                row.extend([None] * (position + 1 - len(row)))
                if not same_cell(row[position], value):  # a formula without result written over is gone
                    raw.problems.pop((excel_row, position), None)
                row[position] = value
        self._frames.pop(table.name, None)

    def replace_sheet(self, content: SheetContent) -> None:
        self.backend.replace_sheet(content)

    def log(self, command: str, message: str, level: str = "Info", anomalies=(), details=(), now: dt.datetime | None = None) -> None:
        """Append a run's summary, its detail lines and each new anomaly to the Journal sheet.

        An anomaly already in the Journal (same sheet, row, column and message) is not written
        again run after run: one line counts those still present and says since when."""
        stamp = (now or dt.datetime.now()).strftime("%Y-%m-%d %H:%M:%S")
        first_seen = self._logged_anomalies()
        new = [a for a in anomalies if _journal_key(a.sheet, a.row, a.column, bounded(a.message)) not in first_seen]
        repeated = [first_seen[_journal_key(a.sheet, a.row, a.column, bounded(a.message))] for a in anomalies if a not in new]
        rows = [[stamp, command, level, None, None, None, bounded(message)]]
        rows += [[stamp, command, "Info", None, None, None, bounded(line)] for line in details]
        rows += [[stamp, command, a.level, a.sheet, a.row, a.column, bounded(a.message)] for a in new]
        if repeated:
            since = min(repeated)[:10]
            rows.append([stamp, command, "Alerte", None, None, None, (
                f"{count(len(repeated), 'anomalie déjà signalée est toujours présente', 'anomalies déjà signalées sont toujours présentes')} "
                f"(la première fois le {since[8:10]}/{since[5:7]}/{since[:4]}) : voir plus haut dans le Journal.")])
        self.backend.append_rows(JOURNAL, rows)

    def _logged_anomalies(self) -> dict[tuple, str]:
        """(sheet, row, column, message) of each anomaly line already in the Journal -> its first timestamp."""
        try:
            journal = self.read(JOURNAL)
        except CommandError:
            return {}
        lines = journal[journal.sheet.notna()]
        first: dict[tuple, str] = {}
        for line in lines.itertuples():
            key = _journal_key(line.sheet, line.row, line.column, line.message)
            first.setdefault(key, str(line.timestamp))
        return first


def _journal_key(sheet, row, column, message) -> tuple:
    """An anomaly as the Journal stores it (blank cells read back as None or NA, rows as numbers)."""
    return (sheet or None, None if is_blank(row) or pd.isna(row) else int(row), column or None, message or None)


def same_cell(old: object, new: object) -> bool:
    """Whether a cell holding ``old`` already shows ``new`` (blanks alike, numbers by value)."""
    if is_blank(old) and is_blank(new):
        return True
    if isinstance(old, dt.datetime) and isinstance(new, dt.datetime):
        return old == new
    if isinstance(old, (int, float)) and isinstance(new, (int, float)) and not isinstance(old, bool):
        return float(old) == float(new)
    return old == new
