"""French for click's own words ("Usage:", "Options", error messages).

click marks its strings for gettext but ships no French catalogue; each of its modules binds
``_ = gettext.gettext`` at import. Rebinding that name to a lookup in this table makes every built-in
help heading and error message French, without touching the rest of the process's gettext domain.
"""

from __future__ import annotations

import importlib

FRENCH = {
    "Usage:": "Utilisation :",
    "Options": "Options",
    "Commands": "Commandes",
    "Positional arguments": "Arguments",
    "Show this message and exit.": "Afficher cette aide et quitter.",
    "Show the version and exit.": "Afficher la version et quitter.",
    "%(prog)s, version %(version)s": "%(prog)s, version %(version)s",
    "Error: {message}": "Erreur : {message}",
    "Try '{command} {option}' for help.": "Essayez « {command} {option} » pour l'aide.",
    "Missing argument": "Argument manquant",
    "Missing option": "Option manquante",
    "Missing parameter": "Paramètre manquant",
    "Missing command.": "Commande manquante.",
    "Missing {param_type}": "{param_type} manquant",
    "Missing parameter: {param_name}": "Paramètre manquant : {param_name}",
    "No such command {name!r}.": "Commande inconnue : {name!r}.",
    "No such option {name!r}.": "Option inconnue : {name!r}.",
    "Option {name!r} does not take a value.": "L'option {name!r} ne prend pas de valeur.",
    "Invalid value for {param_hint}: {message}": "Valeur invalide pour {param_hint} : {message}",
    "Invalid value: {message}": "Valeur invalide : {message}",
    "Aborted!": "Abandon.",
    "Error: invalid input": "Erreur : réponse non comprise (tapez y pour oui, n pour non)",
    "Do you want to continue?": "Voulez-vous continuer ?",
    "Confirm the action without prompting.": "Confirmer sans poser de question.",
    "default: {default}": "par défaut : {default}",
    "{value!r} is not a valid {number_type}.": "{value!r} n'est pas un {number_type} valide.",
    "{value} is not in the range {range}.": "{value} n'est pas dans l'intervalle {range}.",
    "{name} {filename!r} does not exist.": "{name} {filename!r} n'existe pas.",
    "{name} {filename!r} is a directory.": "{name} {filename!r} est un dossier.",
    "{name} {filename!r} is a file.": "{name} {filename!r} est un fichier.",
    "{name} {filename!r} is not readable.": "{name} {filename!r} n'est pas lisible.",
    "{name} {filename!r} is not writable.": "{name} {filename!r} n'est pas modifiable.",
    "Could not open file {filename!r}: {message}": "Impossible d'ouvrir {filename!r} : {message}",
    "Choose from:\n\t{choices}": "Choisissez parmi :\n\t{choices}",
    "file": "Fichier",
    "directory": "Dossier",
    "path": "Chemin",
    "integer": "entier",
}


PLURALS = {
    "Got unexpected extra argument ({args})": ("Argument en trop ({args})", "Arguments en trop ({args})"),
    "Did you mean {possibility}?": ("Vouliez-vous dire {possibility} ?", "(Vouliez-vous dire : {possibilities} ?)"),
    "Option {name!r} requires an argument.": ("L'option {name!r} attend une valeur.", "L'option {name!r} attend {nargs} valeurs."),
    "{value!r} is not {choice}.": ("{value!r} n'est pas {choice}.", "{value!r} n'est pas parmi {choices}."),
    "{value!r} does not match the format {format}.": (
        "{value!r} ne correspond pas au format {format}.",
        "{value!r} ne correspond à aucun des formats {formats}.",
    ),
}


def _translate(message: str) -> str:
    return FRENCH.get(message, message)


def _translate_plural(singular: str, plural: str, n: int) -> str:
    french = PLURALS.get(singular)
    if french is None:
        return singular if n == 1 else plural
    return french[0] if n == 1 else french[1]


def install() -> None:
    """Make click speak French in this process."""
    for name in ("core", "decorators", "exceptions", "formatting", "parser", "types", "termui", "utils"):
        module = importlib.import_module(f"click.{name}")
        if hasattr(module, "_"):
            module._ = _translate
        if hasattr(module, "ngettext"):
            module.ngettext = _translate_plural
