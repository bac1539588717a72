"""Which session a command works on, and the rows of a table that belong to it."""

from __future__ import annotations

import pandas as pd

from .contract import SESSIONS
from .report import CommandError


def select_session(sessions: pd.DataFrame, session: int | None) -> int:
    """The requested session year, or the most recent one; a French error when there is none."""
    years = sorted({int(y) for y in pd.to_numeric(sessions["year"], errors="coerce").dropna()}) if len(sessions) else []
    if session is None:
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


def participants(candidates: pd.DataFrame, year: int) -> pd.DataFrame:
    """The retained candidates of a session: its participants."""
    of_year = session_rows(candidates, year)
    return of_year[of_year["retained"].fillna(False).astype(bool)]
