"""The `ccc-xl` command: a thin French shell over the command functions of `ccc_xl.commands`.

Every sub-command opens the workbook through the file gateway, calls the same function the Excel
button calls, and prints its outcome. Errors become a French message and a non-zero exit status,
never a traceback (technical details go to a log file for maintainers).
"""

from __future__ import annotations

import datetime as dt
import functools
import re
import sys
import time
import traceback
import warnings
from pathlib import Path

import click
from rich.console import Console
from rich.markup import escape

from . import __version__, clickfr
from .contract import BILAN_FILE
from .progress import listening
from .report import MAX_SHOWN, CommandError, Outcome, bounded, log_unexpected, os_error_message
from .wording import count

clickfr.install()

class _Console(Console):
    """rich's console, except that output piped to a file or another program is not hard-wrapped
    at 80 columns (which would cut paths and « … » in the middle)."""

    def print(self, *objects, **kwargs):
        kwargs.setdefault("soft_wrap", not self.is_terminal)
        super().print(*objects, **kwargs)


out = _Console(highlight=False)
err = _Console(stderr=True, highlight=False)

CONTEXT = {"help_option_names": ["-h", "--help"], "max_content_width": 100}
WORKBOOK = click.Path(dir_okay=False, path_type=Path)


class Year(click.ParamType):
    """A session year, typed on four digits: « 20 » or « 2O27 » is refused, never read as a year."""

    name = "année"

    def convert(self, value, param, ctx):
        if isinstance(value, int):
            return value
        text = str(value).strip()
        if re.fullmatch(r"\d{4}", text) and 2000 <= int(text) <= 2100:
            return int(text)
        self.fail(f"« {value} » n'est pas une année : tapez-la sur quatre chiffres (ex. 2027).", param, ctx)


class Day(click.ParamType):
    """A date typed as advisers type them in the workbook (jj/mm/aaaa, 3/5/26, 3 mai 2026…)."""

    name = "date"

    def convert(self, value, param, ctx):
        from .parsing import Unreadable, parse_date

        if isinstance(value, dt.date):
            return value
        try:
            return parse_date(value)
        except Unreadable as problem:
            self.fail(f"« {value} » {problem}.", param, ctx)


YEAR, DAY = Year(), Day()


def ask(question: str) -> bool:
    """A yes/no question answered in French (o, oui, n, non…); no answer means no."""
    from .parsing import Unreadable, parse_bool

    while True:
        answer = click.prompt(f"{question} (o = oui, n = non)", default="n", show_default=False, err=True,
                              prompt_suffix=" : ")
        try:
            return parse_bool(answer)
        except Unreadable:
            err.print("Réponse non comprise : tapez o pour oui, n pour non.")


def show(outcome: Outcome) -> None:
    """Print an outcome: summary, details, anomalies with where they are (✔ only when ``ok``)."""
    mark = "[bold green]✔[/]" if outcome.ok else "[bold red]✘[/]"
    out.print(f"{mark} {escape(outcome.summary)}")  # adviser data may hold "[b]": never markup
    for line in (*outcome.lines, *outcome.table):
        out.print(f"  {line}", markup=False)
    show_anomalies(out, outcome.anomalies, journaled=outcome.journaled)


def show_anomalies(console: Console, anomalies, journaled: bool = True) -> None:
    """The anomalies found in the data, under a heading that counts them; the first MAX_SHOWN only
    (the Journal has them all), each cut to a bounded length."""
    if anomalies:
        console.print(f"[yellow]{count(len(anomalies), 'anomalie')} à vérifier :[/]")
        for anomaly in anomalies[:MAX_SHOWN]:
            console.print(f"  • {bounded(anomaly)}", markup=False)
        if len(anomalies) > MAX_SHOWN:
            rest = count(len(anomalies) - MAX_SHOWN, "autre anomalie", "autres anomalies")
            console.print(f"  … et {rest}" + (" : voir l'onglet Journal." if journaled else "."), markup=False)


class ProgressDisplay:
    """Shows `progress.report` on standard error: a bar on a terminal; when it goes to a file or
    another program, a plain line at each new step, each tenth of a loop, and every few seconds."""

    PIPED_EVERY = 3.0  # seconds between two plain lines of the same step

    def __init__(self, console: Console):
        self.console = console
        self.bar = None
        self.tasks: dict[str, int] = {}
        self.last: tuple[str, float, int | None] | None = None  # label, time, tenth of the loop

    def __enter__(self):
        if self.console.is_terminal:
            from rich.progress import BarColumn, MofNCompleteColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

            self.bar = Progress(SpinnerColumn(), TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                                TimeElapsedColumn(), console=self.console, transient=True)
            self.bar.start()
        return self

    def __exit__(self, *exc):
        if self.bar is not None:
            self.bar.stop()

    def __call__(self, step) -> None:
        if self.bar is not None:
            description = f"{step.label} — {step.detail}" if step.detail else step.label
            if step.label not in self.tasks:
                self.tasks[step.label] = self.bar.add_task(description, total=step.total)
            self.bar.update(self.tasks[step.label], description=description, completed=step.done or 0, total=step.total)
            return
        now = time.monotonic()
        tenth = (step.done or 0) * 10 // step.total if step.total else None
        if (self.last is None or self.last[0] != step.label or self.last[2] != tenth
                or now - self.last[1] >= self.PIPED_EVERY):
            self.console.print(str(step), markup=False)
            self.last = (step.label, now, tenth)


def friendly(function):
    """Run a sub-command body, turning every failure into a French message and an exit status."""

    @functools.wraps(function)
    def wrapper(*args, **kwargs):
        try:
            with ProgressDisplay(err) as display, listening(display), warnings.catch_warnings():
                # Library warnings (openpyxl, pandas) are English notes for developers, never for advisers.
                warnings.simplefilter("ignore")
                outcome = function(*args, **kwargs)
        except CommandError as error:
            err.print("✘ " + error.message, style="bold red", markup=False)
            show_anomalies(err, error.anomalies)
            sys.exit(1)
        except (KeyboardInterrupt, click.exceptions.Abort):
            err.print("Interrompu : le classeur n'a pas été modifié.")
            sys.exit(130)
        except click.ClickException:
            raise  # a wrong option value found by the command itself: click says it, in French
        except OSError as error:
            err.print("✘ " + os_error_message(error), style="bold red", markup=False)
            sys.exit(1)
        except Exception:  # noqa: BLE001 - the adviser must never see a traceback
            unexpected()
        if outcome is not None:
            show(outcome)
            if not outcome.ok:
                sys.exit(1)

    return wrapper


def unexpected() -> None:
    """A bug: the traceback goes to the maintainers' log, the adviser gets a French sentence."""
    log = log_unexpected(traceback.format_exc())
    where = (f"Les détails techniques sont dans {log} (à transmettre au support)." if log else
             "Les détails techniques n'ont pas pu être enregistrés : notez la commande lancée pour le support.")
    err.print("✘ Erreur inattendue : la commande s'est arrêtée sans modifier le classeur. " + where, markup=False)
    sys.exit(2)


class YearOrder(click.Group):
    """Lists sub-commands in the order of the programme's year, not alphabetically."""

    ORDER = ("nouveau", "demo", "eligibilite", "rotations", "documents", "modeles", "suivi", "indicateurs",
             "export-financeurs", "bilan", "purger", "aide", "addin", "diagnostic")

    def list_commands(self, ctx):
        rank = {name: i for i, name in enumerate(self.ORDER)}
        return sorted(self.commands, key=lambda name: (rank.get(name, len(rank)), name))

    def main(self, *args, **kwargs):
        """click's own entry point, which already answers wrong invocations in French; a bug while
        it reads the options (before `friendly` runs) is answered in French too."""
        try:
            return super().main(*args, **kwargs)
        except Exception:  # noqa: BLE001 - click's own exits are SystemExit, not Exception
            unexpected()


@click.group(cls=YearOrder, context_settings=CONTEXT, subcommand_metavar="COMMANDE [ARGUMENTS]...")
@click.version_option(__version__, "-V", "--version", prog_name="ccc-xl")
def main():
    """ccc-xl : le classeur Excel de « 100 Chances 100 Emplois en milieu carcéral » (Vienne).

    Chaque commande agit sur un classeur fermé ; dans Excel, les mêmes actions sont sur l'onglet
    « 100 Chances » du ruban.
    """


def _set_passwords(ctx, param, value):
    """Configure where this run takes the password of an encrypted workbook (before any opening)."""
    from .workbook import safety

    if param.name == "mot_de_passe_stdin":
        at_terminal = sys.stdin is not None and sys.stdin.isatty()
        prompt = (lambda label: click.prompt(label, hide_input=True, err=True)) if at_terminal and not value else None
        safety.PASSWORDS.reset(from_stdin=value, remember=safety.PASSWORDS.remember, prompt=prompt)
    else:
        safety.PASSWORDS.remember = value


def password_options(function):
    """The options of a command on a workbook that may be encrypted with a password."""
    function = click.option("--retenir-mot-de-passe", is_flag=True, expose_value=False, callback=_set_passwords,
                            help="Retenir le mot de passe du classeur chiffré dans le trousseau du système "
                                 "(il ne sera plus demandé sur cet ordinateur).")(function)
    return click.option("--mot-de-passe-stdin", is_flag=True, expose_value=False, callback=_set_passwords,
                        is_eager=True,
                        help="Lire le mot de passe du classeur chiffré sur l'entrée standard (scripts), "
                             "au lieu de le demander.")(function)


@main.command("nouveau", short_help="Créer un classeur vierge.")
@click.argument("chemin", type=WORKBOOK)
@click.option("--ecraser", is_flag=True, help="Remplacer le fichier s'il existe déjà.")
@click.option("--module-excel", is_flag=True,
              help="Écrire aussi, à côté du classeur, le module Python que lance le bouton « Run main » du "
                   "complément xlwings (solution de secours sans le complément ccc-xl).")
@friendly
def nouveau_cmd(chemin, ecraser, module_excel):
    """Créer un classeur vierge CHEMIN (.xlsx) pour un nouveau conseiller."""
    if module_excel:
        from .excel.runmain import new_workbook_with_module

        return new_workbook_with_module(chemin, overwrite=ecraser)
    from .commands import nouveau

    return nouveau(chemin, overwrite=ecraser)


@main.command("demo", short_help="Construire le classeur de démonstration.")
@click.option("--dossier", type=click.Path(file_okay=False, path_type=Path), default=Path("demo-100-chances"),
              show_default=True, help="Dossier où créer le classeur de démonstration et ses documents.")
@friendly
def demo_cmd(dossier):
    """Construire un classeur de démonstration fictif (sessions 2019 à 2023, deux sessions récentes
    dont une en suivi, et la prochaine) et y exécuter toutes les étapes."""
    from .commands import demo

    return demo(dossier)


# --- Eligibility and selection of candidates ---


@main.command("eligibilite", short_help="Étape 3 : éligibilité des candidats.")
@click.argument("classeur", type=WORKBOOK)
@click.option("--session", type=YEAR, metavar="ANNÉE", default=None,
              help="Ne calculer que les candidats de cette session (toutes les sessions par défaut).")
@password_options
@friendly
def eligibilite_cmd(classeur, session):
    """Calculer l'âge à l'action, l'éligibilité, les motifs et la priorité des candidats du
    CLASSEUR (onglet Candidats), sans toucher aux colonnes saisies."""
    from .commands import eligibilite, run_on_file

    return run_on_file(classeur, "eligibilite", eligibilite, session=session)


def session_option(function):
    return click.option("--session", type=YEAR, metavar="ANNÉE",
                        help="Année de la session (par défaut : la plus récente).")(function)


@main.command("rotations", short_help="Étape 4 : binômes, entretiens, Grand Oral.")
@click.argument("classeur", type=WORKBOOK)
@session_option
@click.option("--verifier", is_flag=True, help="Vérifier le planning existant (même modifié à la main) sans le recalculer.")
@password_options
@friendly
def rotations_cmd(classeur, session, verifier):
    """Former les binômes, planifier les entretiens et l'ordre du Grand Oral."""
    from .commands import rotations, run_on_file

    return run_on_file(classeur, "rotations", rotations, session=session, verifier=verifier)


@main.group("addin", context_settings=CONTEXT, subcommand_metavar="COMMANDE",
            short_help="Installer le complément Excel (ruban).")
def addin_group():
    """Installer, retirer ou vérifier le complément Excel (onglet « 100 Chances » du ruban)."""


def _print_lines(lines):
    return Outcome("addin", lines[0], lines=lines[1:])


@addin_group.command("install")
@click.option("--signe", "signed", type=click.Path(dir_okay=False, exists=True, path_type=Path), metavar="FICHIER.xlam",
              help="Installer la copie du complément signée par le service informatique.")
@friendly
def addin_install(signed):
    """Copier le complément dans le dossier de démarrage d'Excel et régler le Python des boutons."""
    from .excel.addin import install

    return _print_lines(install(signed=signed))


@addin_group.command("remove")
@friendly
def addin_remove():
    """Retirer le complément du dossier de démarrage d'Excel."""
    from .excel.addin import remove

    return _print_lines(remove())


@addin_group.command("status")
@friendly
def addin_status():
    """Dire si le complément est installé et à jour."""
    from .excel.addin import status

    return _print_lines(status())


@main.command("diagnostic", short_help="Vérifier l'installation et dire quoi corriger.")
@click.option("--excel", "in_excel", is_flag=True,
              help="Essayer aussi chaque bouton du ruban dans Excel (Windows) sur une copie du classeur de "
                   "démonstration, et écrire un rapport à envoyer au support.")
@click.option("--rapport", type=click.Path(dir_okay=False, path_type=Path), metavar="FICHIER.txt",
              help="Avec --excel : où écrire le rapport (par défaut dans votre dossier personnel).")
def diagnostic_cmd(in_excel, rapport):
    """Vérifier Python, xlwings, le complément et le réglage du Python des boutons ; dire quoi corriger."""
    from .excel.addin import diagnostic

    if in_excel:
        from .excel.selftest import run as selftest

        sys.exit(selftest(rapport, say=lambda line: out.print(line, markup=False, highlight=False)))
    checks = diagnostic()
    for check in checks:
        out.print(("✔ " if check.ok else "✘ ") + check.label, style=None if check.ok else "red", markup=False)
        if not check.ok and check.fix:
            out.print(f"    → {check.fix}", markup=False)
    sys.exit(0 if all(check.ok for check in checks) else 1)


@main.command("documents", short_help="Étape 5 : documents Word de la session.")
@click.argument("classeur", type=WORKBOOK)
@session_option
@click.option("--type", "types", multiple=True, metavar="TYPE",
              help="Type de document à produire (répétable) ; tous par défaut. Voir « modeles verifier ».")
@click.option("--pdf", is_flag=True, help="Produire aussi les PDF (LibreOffice requis).")
@click.option("--dossier", type=click.Path(file_okay=False, path_type=Path),
              help="Dossier de sortie (par défaut « Documents 100 Chances » à côté du classeur).")
@password_options
@friendly
def documents_cmd(classeur, session, types, pdf, dossier):
    """Produire les convocations, plannings, plans d'action, feuilles d'émargement et la liste des
    visiteurs depuis les modèles Word, et les lister dans l'onglet « Documents »."""
    from .commands import documents, run_on_file

    return run_on_file(classeur, "documents", documents, session=session, types=list(types) or None,
                       pdf=pdf, out_dir=dossier)


@main.group("modeles", context_settings=CONTEXT, subcommand_metavar="COMMANDE",
            short_help="Modèles Word : copier, vérifier.")
def modeles():
    """Modèles Word des documents. Un dossier « Modèles » placé à côté du classeur remplace, type par
    type, les modèles livrés."""


@modeles.command("copier")
@click.argument("dossier", required=False, default="Modèles", type=click.Path(path_type=Path))
@click.option("--remplacer", is_flag=True, help="Remplacer les modèles déjà présents dans DOSSIER.")
@friendly
def modeles_copier_cmd(dossier, remplacer):
    """Copier les modèles livrés dans DOSSIER (par défaut « Modèles » dans le dossier courant),
    pour les adapter dans Word puis placer ce dossier à côté du classeur."""
    from .commands import modeles_copier

    return modeles_copier(dossier, overwrite=remplacer)


@modeles.command("verifier")
@click.argument("modeles_ml", metavar="[DOSSIER]", required=False,
                type=click.Path(file_okay=False, exists=True, path_type=Path))
@click.option("--dossier", type=click.Path(file_okay=False, exists=True, path_type=Path),
              help="Dossier des modèles livrés à vérifier (par défaut ceux de ccc-xl).")
@friendly
def modeles_verifier_cmd(modeles_ml, dossier):
    """Lister les champs de chaque modèle et signaler ceux que le classeur ne fournit pas ; avec
    DOSSIER (un dossier « Modèles »), vérifier ses modèles là où ils remplacent les modèles livrés."""
    from .commands import modeles_verifier

    return modeles_verifier(dossier, modeles_ml)


@main.command("suivi", short_help="Étape 6 : alertes du suivi mensuel.")
@click.argument("classeur", type=WORKBOOK)
@click.option("--au", "au", type=DAY, metavar="JJ/MM/AAAA", help="Date de référence des alertes, aujourd'hui par défaut.")
@password_options
@friendly
def suivi_cmd(classeur, au):
    """Mettre à jour le Tableau de bord du suivi de CLASSEUR : entretiens mensuels, relais, actions
    en retard, situations à 6 mois et 1 an ; calculer les sorties positives."""
    from .commands import run_on_file, suivi

    return run_on_file(classeur, "suivi", suivi, today=au)


@main.command("purger", short_help="Purger les sessions anciennes, puis le contrôler.")
@click.argument("classeur", type=WORKBOOK)
@click.option("--avant", "avant", type=YEAR, required=True, metavar="ANNÉE",
              help="Purger les sessions antérieures à cette année (si leur durée de conservation est dépassée).")
@click.option("--oui", is_flag=True, help="Ne pas demander de confirmation.")
@password_options
@friendly
def purger_cmd(classeur, avant, oui):
    """Purger les données des détenus des sessions anciennes : lignes pseudonymisées (noms, écrou,
    date de naissance, contacts, observations), documents et sauvegardes supprimés, puis contrôle
    qu'il ne reste rien ; tout ce qu'il faut aux indicateurs est gardé."""
    from .commands import purger, run_on_file
    from .workbook.file import open_workbook

    if not oui:  # with --oui the run itself lists what it did: no second reading of the workbook
        with open_workbook(classeur, write=False) as book:
            preview = purger(book, before=avant, confirm=False)
        show(preview)
        if not preview.data.get("plan"):
            return None
        if not ask("Purger définitivement ces données ?"):
            out.print("Abandon : le classeur n'a pas été modifié.")
            return None
    outcome = run_on_file(classeur, "purger", purger, before=avant, confirm=True)
    residues = outcome.data.get("residues")
    if residues:
        show(outcome)
        raise CommandError(f"Contrôle après la purge : {count(len(residues), 'élément cite', 'éléments citent')} encore un détenu purgé. "
                           "Effacez-les à la main (voir la liste) :\n" + "\n".join(f"  • {r}" for r in residues))
    return outcome


# --- Indicators and funders' reports ---------------------------------------------------------

@main.command("indicateurs", short_help="Étape 7 : indicateurs annuels et cumulés.")
@click.argument("classeur", type=WORKBOOK)
@click.option("--json", "as_json", is_flag=True, help="Afficher les chiffres clés en JSON (les taux en fraction de 1, pour un autre programme).")
@click.option("--jusqu-a", "until", type=YEAR, metavar="ANNÉE", help="Ne compter que les sessions jusqu'à cette année (ex. 2023).")
@click.option("--date", "today", type=DAY, metavar="JJ/MM/AAAA", help="Date de calcul (aujourd'hui par défaut).")
@password_options
@friendly
def indicateurs_cmd(classeur, as_json, until, today):
    """Recalculer les indicateurs annuels et cumulés dans l'onglet « Indicateurs » de CLASSEUR."""
    import json

    from .commands import indicateurs, run_on_file

    outcome = run_on_file(classeur, "indicateurs", indicateurs, today=today, until=until)
    if not as_json:
        return outcome
    click.echo(json.dumps(outcome.data, ensure_ascii=False, indent=2))
    show_anomalies(err, outcome.anomalies)
    return None


@main.command("export-financeurs", short_help="Étape 7 : classeur pour les financeurs.")
@click.argument("classeurs", nargs=-1, required=True, type=WORKBOOK)
@click.option("-o", "--sortie", required=True, type=click.Path(dir_okay=False, path_type=Path), metavar="FICHIER.xlsx",
              help="Classeur à produire (nouveau fichier, sans macro).")
@click.option("--annee", type=YEAR, metavar="ANNÉE", help="Sessions jusqu'à cette année dans la synthèse, détail de cette année seule.")
@click.option("--date", "today", type=DAY, metavar="JJ/MM/AAAA", help="Date de calcul (aujourd'hui par défaut).")
@click.option("--detail", is_flag=True,
              help="Ajouter l'onglet « Participants (SPIP) » : une ligne par participant, données pseudonymisées "
                   "rendues k-anonymes (chaque combinaison partagée par au moins SEUIL personnes), pour le SPIP seul.")
@click.option("--seuil", type=click.IntRange(min=5), default=5, show_default=True, metavar="SEUIL",
              help="Plus petit effectif affiché dans une ventilation plus fine qu'une session (en dessous : « < SEUIL »).")
@password_options
@friendly
def export_financeurs_cmd(classeurs, sortie, annee, today, detail, seuil):
    """Consolider un ou plusieurs CLASSEURS (lus sans être modifiés) en un classeur agrégé pour les
    financeurs : synthèse (petits effectifs masqués), entreprises, budget, méthode ; avec --detail, un
    tableau pseudonymisé par participant réservé au SPIP."""
    from .commands import export_financeurs

    return export_financeurs(classeurs, sortie, year=annee, today=today, detail=detail, threshold=seuil)


@main.command("bilan", short_help="Étape 7 : bilan annuel Word.")
@click.argument("classeur", type=WORKBOOK)
@click.option("--annee", required=True, type=YEAR, metavar="ANNÉE", help="Session dont on fait le bilan.")
@click.option("-o", "--sortie", type=click.Path(dir_okay=False, path_type=Path), metavar="FICHIER.docx",
              help=f"Document à produire (par défaut « {BILAN_FILE.format(year='ANNÉE')} » à côté du classeur).")
@click.option("--date", "today", type=DAY, metavar="JJ/MM/AAAA", help="Date de calcul (aujourd'hui par défaut).")
@password_options
@friendly
def bilan_cmd(classeur, annee, sortie, today):
    """Produire le bilan annuel Word d'une session : chiffres, graphique et définitions. Le classeur est
    seulement lu : ni modifié, ni sauvegardé, rien n'est ajouté au Journal."""
    from .commands import bilan
    from .workbook.file import open_workbook

    output = sortie or classeur.with_name(BILAN_FILE.format(year=annee))
    if output.suffix.lower() != ".docx":
        raise click.BadParameter("le document doit avoir l'extension .docx", param_hint="--sortie")
    with open_workbook(classeur, write=False, last_saved=True) as book:
        return bilan(book, year=annee, output=output, today=today)


@main.command("aide", short_help="Le guide du conseiller, étape par étape.")
@click.argument("sujet", nargs=-1)
@click.option("--navigateur", is_flag=True, help="Ouvrir le guide dans le navigateur, à ce sujet.")
@friendly
def aide_cmd(sujet, navigateur):
    """Afficher le guide du conseiller : sans SUJET, son sommaire ; avec un numéro d'étape (3), une
    commande (rotations), un onglet (Candidats) ou un mot d'un titre, la partie correspondante."""
    from rich.markdown import Markdown

    from . import guide

    subject = " ".join(sujet)
    section = guide.find(subject) if subject else None
    if subject and section is None:
        raise CommandError(f"Le guide ne parle pas de « {subject} ». Tapez « ccc-xl aide » pour son sommaire.")
    if navigateur:
        page = guide.write_page(section)
        click.launch(page.as_uri())
        return Outcome("aide", f"Guide ouvert dans le navigateur : {page}", paths=[str(page)])
    if section is not None:
        out.print(Markdown(section.text))
        return None
    out.print("Guide du conseiller : « ccc-xl aide SUJET » affiche une partie.", markup=False)
    for part in guide.sections():
        hint = f"ccc-xl aide {part.step}" if part.step else ""
        out.print(f"{'  ' * (part.level - 2)}{part.title}" + (f"  ({hint})" if hint else ""), markup=False)
    return None
