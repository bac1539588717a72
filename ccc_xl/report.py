"""What a command tells the adviser: anomalies found in the data, errors that stop a run, the outcome.

Everything here is French text for people, with the sheet, row and column that a finding is about,
so that a message in the Journal or in a dialog box leads straight to the cell to fix.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from .wording import count


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


SHOWN_ROWS = 5  # rows named in one message; the rest are counted


def rows_text(rows) -> str:
    """« 2, 3, 4, 5, 6 … et 5 995 autres »: a handful of row numbers, the others counted."""
    return some_of(str(int(r)) for r in rows)


def some_of(items) -> str:
    """« a, b, c, d, e … et 12 autres »: a handful of names, the others counted."""
    from .wording import count

    items = list(items)
    shown = ", ".join(items[:SHOWN_ROWS])
    return shown + (f" … et {count(len(items) - SHOWN_ROWS, 'autre')}" if len(items) > SHOWN_ROWS else "")


MAX_TEXT = 1000  # characters of one Journal message or one printed anomaly
MAX_SHOWN = 100  # anomalies printed by the CLI; the Journal keeps them all


def bounded(text: str) -> str:
    """``text`` cut to MAX_TEXT characters (an ellipsis says it was cut)."""
    text = str(text)
    return text if len(text) <= MAX_TEXT else text[: MAX_TEXT - 1] + "…"


class CommandError(Exception):
    """Stops a command with a French message for the adviser; nothing is written."""

    def __init__(self, message: str, anomalies: list[Anomaly] | tuple[Anomaly, ...] = ()):
        super().__init__(message)
        self.message = message
        self.anomalies = list(anomalies)


@dataclass
class Outcome:
    """What a command did: a short French summary, detail lines, anomalies, and produced paths.

    ``ok`` is False when the command ran to the end but what it checked breaks a rule (a hand-edited
    planning, for instance): no ✔, a non-zero exit status, a Journal line at level « Alerte ».
    """

    command: str
    summary: str
    lines: list[str] = field(default_factory=list)
    anomalies: list[Anomaly] = field(default_factory=list)
    paths: list[str] = field(default_factory=list)
    data: dict = field(default_factory=dict)
    journaled: bool = False  # written to the workbook's Journal (anomalies included)
    # Shown in the terminal after the lines, never written to the Journal nor to Excel's message box:
    # a table of figures that the command also writes to a sheet (the sheet is their record).
    table: list[str] = field(default_factory=list)
    ok: bool = True

    @property
    def level(self) -> str:
        """The Journal level of the run: « Alerte » when something needs the adviser's attention."""
        return "Alerte" if self.anomalies or not self.ok else "Info"

    def text(self) -> str:
        parts = [self.summary, *self.lines]
        if self.anomalies:
            parts.append(f"{count(len(self.anomalies), 'anomalie')} :")
            parts.extend(f"  - {a}" for a in self.anomalies)
        return "\n".join(parts)


# What the operating system refused, said in French with the cause and the path. `errno` values are
# the same on Windows for these causes; Windows' own sharing violation comes as `winerror` 32/33.
_OS_CAUSES = {
    "ENOSPC": "le disque est plein : impossible d'écrire dans « {path} ». Libérez de la place (ou videz la corbeille) puis relancez.",
    "EDQUOT": "votre quota d'espace disque est atteint : impossible d'écrire dans « {path} ». Libérez de la place puis relancez.",
    "EACCES": "accès refusé à « {path} » : vous n'avez pas le droit d'y écrire (dossier protégé, ou fichier ouvert par un "
              "autre programme). Demandez l'accès, ou copiez le classeur dans un dossier à vous.",
    "EROFS": "« {path} » est sur un support en lecture seule (clé USB verrouillée, partage en lecture seule) : copiez le "
             "classeur sur un disque où vous pouvez écrire.",
    "ENAMETOOLONG": "le chemin « {path} » est trop long pour le système : raccourcissez le nom du classeur ou de ses dossiers.",
    "ENOTDIR": "un fichier porte le nom d'un dossier attendu sur le chemin « {path} » : renommez ou déplacez ce fichier.",
    "EEXIST": "« {path} » est un fichier alors qu'un dossier de ce nom est attendu : renommez ou déplacez ce fichier.",
    "EISDIR": "« {path} » est un dossier alors qu'un fichier est attendu : renommez ou déplacez ce dossier.",
    "ENOENT": "« {path} » est introuvable (déplacé, supprimé ou disque débranché pendant le calcul ?).",
    "EBUSY": "« {path} » est utilisé par un autre programme : fermez-le puis relancez.",
    "EIO": "erreur de lecture ou d'écriture du disque sur « {path} » (disque ou clé USB défaillant ?).",
}
_OS_CAUSES["EPERM"] = _OS_CAUSES["EACCES"]
_WINDOWS_SHARING = {32, 33}  # ERROR_SHARING_VIOLATION, ERROR_LOCK_VIOLATION


def os_error_message(error: OSError, path=None) -> str:
    """A French sentence for an operating-system error: its cause, the path concerned (``path`` when
    given, else the one the error carries) and what to do."""
    import errno

    where = path if path is not None else (error.filename if error.filename is not None else error.filename2)
    where = "" if where is None else str(where)
    name = errno.errorcode.get(error.errno or 0, "")
    if getattr(error, "winerror", None) in _WINDOWS_SHARING:
        name = "EBUSY"
    template = _OS_CAUSES.get(name)
    if template is None:
        detail = error.strerror or type(error).__name__
        return f"Erreur du système de fichiers sur « {where} » : {detail}." if where else f"Erreur du système de fichiers : {detail}."
    text = template.format(path=where) if where else template.replace(" « {path} »", "").format(path="")
    return text[0].upper() + text[1:]


def log_unexpected(details: str) -> str | None:
    """Append a bug's technical details to the error log in the user's own data folder; the log's
    path, or None when it cannot be written (the adviser is never shown a second error)."""
    import datetime as dt

    try:
        import platformdirs

        from . import __version__

        folder = platformdirs.user_data_path("ccc-xl", appauthor=False)
        folder.mkdir(parents=True, exist_ok=True)
        log = folder / "erreurs.log"
        with open(log, "a", encoding="utf-8") as handle:
            handle.write(f"--- {dt.datetime.now():%Y-%m-%d %H:%M:%S} ccc-xl {__version__}\n{details}\n")
        return str(log)
    except Exception:  # noqa: BLE001 - no log is better than a traceback
        return None
