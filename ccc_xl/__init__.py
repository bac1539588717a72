"""ccc-xl: the workbook and tools of « 100 Chances 100 Emplois en milieu carcéral » (Vienne)."""

from pathlib import Path

__version__ = "0.1.0"


def shipped(folder: str) -> Path:
    """A folder kept at the top of the repository (templates, docs), where advisers and maintainers
    find it; an installed wheel ships the same files inside the package (see pyproject.toml)."""
    in_repository = Path(__file__).resolve().parents[1] / folder
    return in_repository if in_repository.is_dir() else Path(__file__).resolve().parent / folder
