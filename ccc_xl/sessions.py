"""Which session a command works on, and the rows of a table that belong to it."""

from __future__ import annotations

import pandas as pd

from .contract import SESSIONS
from .report import CommandError


def select_session(sessions: pd.DataFrame, session: int | None) -> int:
    """The requested session year, or the most recent one; a French error when there is none."""
    numbers = pd.to_numeric(sessions["year"], errors="coerce") if len(sessions) else pd.Series(dtype=float)
    years = sorted({int(y) for y in numbers.dropna()})
    if session is None:
        unreadable = numbers.index[numbers.isna()]
        if len(unreadable):
            # "The most recent session" is unknown while a year is unreadable: guessing would plan
            # and write into last year's session.
            header = SESSIONS.column("year").header
            raise CommandError(
                f"Feuille « {SESSIONS.sheet} », ligne {unreadable[0]}, colonne « {header} » : année manquante ou "
                "illisible. Corrigez-la (ex. 2027) ou indiquez la session voulue (--session).")
        if not years:
            raise CommandError(f"Aucune session dans l'onglet « {SESSIONS.sheet} » : créez d'abord la session de l'année.")
        return years[-1]
    if int(session) not in years:
        known = ", ".join(map(str, years)) or "aucune"
        raise CommandError(f"La session {session} n'existe pas dans l'onglet « {SESSIONS.sheet} » (sessions connues : {known}).")
    return int(session)


def session_row(sessions: pd.DataFrame, year: int) -> dict:
    """The Sessions row of a year, as a mapping of column keys."""
    return sessions[sessions["year"] == year].iloc[0].to_dict()


def session_rows(frame: pd.DataFrame, year: int) -> pd.DataFrame:
    """Rows of a table that belong to a session (its « Session » column)."""
    return frame[frame["session"] == year]


def has_id(ids: pd.Series) -> pd.Series:
    """Rows whose ID is filled in: a retained row without ID gets no planning, document nor alert
    (everything about a participant is found by ID; eligibility reports the row)."""
    return ids.map(lambda v: v is not None and not pd.isna(v) and bool(str(v).strip())).astype(bool)


def participants(candidates: pd.DataFrame, year: int) -> pd.DataFrame:
    """The retained candidates of a session that have an ID: its participants."""
    of_year = session_rows(candidates, year)
    return of_year[of_year["retained"].fillna(False).astype(bool) & has_id(of_year["id"])]
