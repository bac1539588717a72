"""French for click's own words ("Usage:", "Options", error messages).

click marks its strings for gettext but ships no French catalogue; each of its modules binds
``_ = gettext.gettext`` at import. Rebinding that name to a lookup in this table makes every built-in
help heading and error message French, without touching the rest of the process's gettext domain.
"""

from __future__ import annotations

import importlib

FRENCH = {
    "Usage:": "Utilisation :",
    # click writes "{heading}:"; French typography puts a space before the colon.
    "Options": "Options ",
    "Commands": "Commandes ",
    "Positional arguments": "Arguments ",
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
    "No such command {name!r}.": "Commande inconnue : « {name} ».",
    "No such option {name!r}.": "Option inconnue : « {name} ».",
    "Option {name!r} does not take a value.": "L'option « {name} » ne prend pas de valeur.",
    "Invalid value for {param_hint}: {message}": "Valeur incorrecte pour {param_hint} : {message}",
    "Invalid value: {message}": "Valeur incorrecte : {message}",
    "Aborted!": "Abandon.",
    "Error: invalid input": "Réponse non comprise (tapez y pour oui, n pour non)",
    "Error: The two entered values do not match.": "Les deux saisies ne correspondent pas.",
    "Repeat for confirmation": "Saisissez de nouveau pour confirmer",
    "Do you want to continue?": "Voulez-vous continuer ?",
    "Confirm the action without prompting.": "Confirmer sans poser de question.",
    "Press any key to continue...": "Appuyez sur une touche pour continuer…",
    "default: {default}": "par défaut : {default}",
    "env var: {var}": "variable d'environnement : {var}",
    "required": "obligatoire",
    "deprecated": "obsolète",
    "(dynamic)": "(calculé)",
    # click passes its type's English name ("integer", "float") as {number_type}: one French
    # sentence covers both.
    "{value!r} is not a valid {number_type}.": "« {value} » n'est pas un nombre valide.",
    "{value!r} is not a valid UUID.": "« {value} » n'est pas un identifiant UUID valide.",
    "{value} is not in the range {range}.": "{value} n'est pas dans l'intervalle {range}.",
    "{name} {filename!r} does not exist.": "{name} « {filename} » introuvable.",
    "{name} {filename!r} is a directory.": "{name} « {filename} » : c'est un dossier.",
    "{name} {filename!r} is a file.": "{name} « {filename} » : c'est un fichier.",
    "{name} {filename!r} is not readable.": "{name} « {filename} » : lecture impossible.",
    "{name} {filename!r} is not writable.": "{name} « {filename} » : écriture impossible.",
    "{name} {filename!r} is not executable.": "{name} « {filename} » : pas un programme.",
    "Could not open file {filename!r}: {message}": "Impossible d'ouvrir « {filename} » : {message}",
    "Choose from:\n\t{choices}": "Choisissez parmi :\n\t{choices}",
    "Argument {name!r} takes {nargs} values.": "L'argument « {name} » attend {nargs} valeurs.",
    "Value must be an iterable.": "La valeur doit être une liste.",
    "unknown error": "erreur inconnue",
    "file": "Fichier",
    "directory": "Dossier",
    "path": "Chemin",
}


PLURALS = {
    "Got unexpected extra argument ({args})": ("Argument en trop ({args})", "Arguments en trop ({args})"),
    "Option {name!r} requires an argument.": ("L'option « {name} » attend une valeur.",
                                              "L'option « {name} » attend {nargs} valeurs."),
    "{value!r} is not {choice}.": ("« {value} » n'est pas {choice}.", "« {value} » n'est pas parmi {choices}."),
    "{value!r} does not match the format {format}.": (
        "« {value} » ne correspond pas au format {format}.",
        "« {value} » ne correspond à aucun des formats {formats}.",
    ),
    "Takes {nargs} values but 1 was given.": ("Attend {nargs} valeurs, 1 seule donnée.",
                                              "Attend {nargs} valeurs, {len} données."),
    "{len_type} values are required, but {len_value} was given.": (
        "{len_type} valeurs attendues, {len_value} donnée.", "{len_type} valeurs attendues, {len_value} données."),
}


def _translate(message: str) -> str:
    return FRENCH.get(message, message)


def _translate_plural(singular: str, plural: str, n: int) -> str:
    french = PLURALS.get(singular)
    if french is None:
        return singular if n == 1 else plural
    return french[0] if n == 1 else french[1]


def _format_possibilities(possibilities: list[str]) -> str:
    """click's « Did you mean … » with French quotes instead of Python's repr."""
    quoted = ", ".join(f"« {p} »" for p in sorted(possibilities))
    return (f"Vouliez-vous dire {quoted} ?" if len(possibilities) == 1
            else f"(Vouliez-vous dire l'une de ces commandes : {quoted} ?)")


def install() -> None:
    """Make click speak French in this process."""
    for name in ("core", "decorators", "exceptions", "formatting", "parser", "types", "termui", "utils"):
        module = importlib.import_module(f"click.{name}")
        if hasattr(module, "_"):
            module._ = _translate
        if hasattr(module, "ngettext"):
            module.ngettext = _translate_plural
    exceptions = importlib.import_module("click.exceptions")
    exceptions._format_possibilities = _format_possibilities
