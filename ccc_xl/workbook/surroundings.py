"""What lies beside a workbook file and holds its data: session folders, backups, temporary copies.

A purge must reach them: the Word documents of a purged session (plans d'action, convocations… with
first and last names) live in « Documents 100 Chances/ANNÉE », and every backup or copy left by an
interrupted save still holds the workbook as it was before the purge.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from pathlib import Path

from ..identities import Identities
from .safety import copies_of
from .scrub import Residue


@dataclass(frozen=True)
class SessionFolder:
    """A session's documents folder and how many files it holds (sub-folders included)."""

    year: int
    path: Path
    files: int


def session_folders(documents: Path, years) -> list[SessionFolder]:
    """The existing « Documents 100 Chances/ANNÉE » folders of ``years``."""
    found = []
    for year in years:
        folder = documents / str(year)
        if folder.is_dir():
            found.append(SessionFolder(year, folder, sum(1 for p in folder.rglob("*") if not p.is_dir())))
    return found


def delete(paths) -> list[str]:
    """Delete files and folders (deepest first); French descriptions of what could not be deleted
    (a file open in Word, a read-only folder), nothing raised."""
    failures = []
    for path in map(Path, paths):
        inside = sorted(path.rglob("*"), key=lambda p: len(p.parts), reverse=True) if _is_folder(path) else []
        for target in [*inside, path]:
            try:
                target.rmdir() if _is_folder(target) else target.unlink()
            except FileNotFoundError:
                pass
            except OSError as error:
                if not (_is_folder(target) and failures):  # a folder left because a file in it is
                    failures.append(f"« {target} » n'a pas pu être supprimé ({_reason(error)}).")
    return failures


def _is_folder(path: Path) -> bool:
    return path.is_dir() and not path.is_symlink()


def _reason(error) -> str:
    if isinstance(error, PermissionError):
        return "accès refusé : le fichier est peut-être ouvert dans un autre programme"
    return getattr(error, "strerror", None) or type(error).__name__


def leftovers(workbook: Path, folders: list[Path], identities: Identities, documents: Path | None = None) -> list[Residue]:
    """What the purge should have removed and is still there: files in the purged sessions'
    folders, backups and temporary copies of the workbook, and any file of the documents folder
    whose name holds a purged identity."""
    found = []
    for folder in folders:
        if folder.exists():
            files = [p for p in folder.rglob("*") if not p.is_dir()] or [folder]
            found += [Residue(f"fichier « {_shown(p, workbook, identities)} »", "document d'une session purgée, non supprimé")
                      for p in files]
    found += [Residue(f"fichier « {_shown(p, workbook, identities)} »", "copie du classeur d'avant la purge, non supprimée")
              for p in copies_of(workbook)]
    if documents is not None and documents.is_dir():
        for path in documents.rglob("*"):
            hits = identities.find(str(path.relative_to(documents)))
            found += [Residue.of(f"fichier « {_shown(path, workbook, identities)} » (nom du fichier)", h) for h in hits]
    return found


def _shown(path: Path, workbook: Path, identities: Identities) -> str:
    """A path as the adviser finds it (from the workbook's folder), without a purged identity."""
    with contextlib.suppress(ValueError):
        path = path.relative_to(workbook.parent)
    return identities.replace(str(path))
