"""What a command tells the adviser: anomalies found in the data, errors that stop a run, the outcome.

Everything here is French text for people, with the sheet, row and column that a finding is about,
so that a message in the Journal or in a dialog box leads straight to the cell to fix.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Anomaly:
    """A problem in the adviser's data: where it is, what was found, what it means."""

    sheet: str
    row: int | None
    column: str | None
    value: object
    message: str
    level: str = "Alerte"  # "Alerte" (the run goes on) or "Erreur" (the run stops)

    def __str__(self) -> str:
        where = [f"feuille « {self.sheet} »"]
        if self.row is not None:
            where.append(f"ligne {self.row}")
        if self.column:
            where.append(f"colonne « {self.column} »")
        return f"{', '.join(where)} : {self.message}"


class CommandError(Exception):
    """Stops a command with a French message for the adviser; nothing is written."""

    def __init__(self, message: str, anomalies: list[Anomaly] | tuple[Anomaly, ...] = ()):
        super().__init__(message)
        self.message = message
        self.anomalies = list(anomalies)


@dataclass
class Outcome:
    """What a command did: a short French summary, detail lines, anomalies, and produced paths."""

    command: str
    summary: str
    lines: list[str] = field(default_factory=list)
    anomalies: list[Anomaly] = field(default_factory=list)
    paths: list[str] = field(default_factory=list)
    data: dict = field(default_factory=dict)

    def text(self) -> str:
        parts = [self.summary, *self.lines]
        if self.anomalies:
            parts.append(f"{len(self.anomalies)} anomalie(s) :")
            parts.extend(f"  - {a}" for a in self.anomalies)
        return "\n".join(parts)
