"""The fallback without the ccc-xl add-in: xlwings' own « Run main » button.

The xlwings add-in's « Run main » (RibbonXlwings.RunMain) runs
``import <workbook name without extension>; <name>.main()`` with the workbook's folder on
``sys.path``. `ccc-xl nouveau --module-excel` writes that small module beside the workbook; its
``main()`` runs the action of the sheet the adviser is on (`buttons.SHEET_BUTTONS`) through the same
`buttons.press` as the ribbon, so messages and Journal lines are the same. No custom VBA is needed,
only the xlwings add-in set to a Python where ccc-xl is installed.
"""

from __future__ import annotations

import importlib.util
import keyword
from pathlib import Path

from ..report import CommandError
from .buttons import press_active_sheet
from .desktop import desktop_for

MODULE_TEXT = '''\
# Module écrit par « ccc-xl nouveau --module-excel » pour le classeur « {workbook} ».
# Le bouton « Run main » du complément xlwings appelle main() : ccc-xl lance l'action de la
# feuille affichée (Candidats : éligibilité, Entreprises : rotations, Suivi : alertes…).
# Ne le renommez pas : il doit porter le même nom que le classeur et rester à côté de lui.
from ccc_xl.excel.runmain import main

__all__ = ["main"]
'''


def main() -> None:
    """What « Run main » calls: the active sheet's action on the workbook Excel shows."""
    import xlwings as xw

    xlbook = xw.Book.caller()
    desktop = desktop_for(xlbook)
    desktop.show(*press_active_sheet(xlbook, desktop))


def module_path(workbook: Path, overwrite: bool = False) -> Path:
    """The module « Run main » imports for ``workbook``; CommandError when it cannot be written.

    The name goes straight into ``import <name>``: it must be an ASCII Python identifier and must not
    be the name of a module Python already finds elsewhere (which would be imported instead). Checked
    before the workbook is created, so a refused name leaves nothing behind.
    """
    workbook = Path(workbook)
    name = workbook.stem
    target = workbook.with_suffix(".py")
    fix = ("choisissez un autre nom de classeur, fait de lettres sans accents, de chiffres et de « _ » (sans espace "
           "ni tiret, sans commencer par un chiffre), par exemple « cent_chances_vivonne.xlsx »")
    if not (name.isascii() and name.isidentifier()) or keyword.iskeyword(name):
        raise CommandError(f"Le bouton « Run main » de xlwings ne peut pas lancer un module nommé « {name} » : {fix}.")
    try:
        found = importlib.util.find_spec(name)
    except (ImportError, ValueError):
        found = None
    if found is not None and (found.origin is None or Path(found.origin).resolve() != target.resolve()):
        raise CommandError(f"« {name} » est déjà le nom d'un module Python ({found.origin or 'intégré'}) : {fix}.")
    if target.exists() and not overwrite:
        raise CommandError(f"Le fichier « {target} » existe déjà : ajoutez --ecraser pour le remplacer.")
    return target


def write_module(target: Path, workbook: Path) -> None:
    """Write the « Run main » module at ``target`` (from `module_path`) for ``workbook``."""
    target.write_text(MODULE_TEXT.format(workbook=Path(workbook).name), encoding="utf-8")


def new_workbook_with_module(path: Path, overwrite: bool = False):
    """`commands.nouveau`, plus the module xlwings' « Run main » imports, beside the workbook under
    its name; a name « Run main » could not import is refused before anything is written."""
    from ..commands import nouveau

    module = module_path(Path(path), overwrite)
    outcome = nouveau(path, overwrite=overwrite)
    write_module(module, Path(outcome.paths[0]))
    outcome.paths.append(str(module))
    outcome.lines += [f"Module pour le bouton « Run main » de xlwings : {module}",
                      "Gardez-le à côté du classeur, sous le même nom ; « Run main » lance l'action de la feuille affichée."]
    return outcome
