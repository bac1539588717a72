"""The workbook contract: every sheet, Excel Table, column and closed list of the ccc-xl workbook.

This is the only module that knows a French header. The blank master workbook (`workbook/build.py`),
the readers and writers (`workbook/gateway.py`), input validation (`parsing.py`) and the header
comments advisers read are all derived from these declarations. Code elsewhere names columns by their
English ``key`` (``"birth_date"``), never by their header.

Headers are a published interface: advisers' workbooks carry them. Once released, a header is never
renamed; add a column instead.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from enum import Enum
from typing import Callable


class Kind(str, Enum):
    """How a column's cells are typed, parsed and formatted."""

    TEXT = "text"
    INT = "int"
    NUMBER = "number"
    MONEY = "money"
    DATE = "date"
    TIME = "time"
    BOOL = "bool"
    CHOICE = "choice"


# Number formats as Excel stores them; dd/mm/yyyy is what advisers expect.
DATE_FORMAT = "dd/mm/yyyy"
TIME_FORMAT = "hh:mm"
MONEY_FORMAT = '#,##0.00\\ "€"'
INT_FORMAT = "0"
NUMBER_FORMAT = "0.0"

DEFAULT_FORMATS = {
    Kind.DATE: DATE_FORMAT,
    Kind.TIME: TIME_FORMAT,
    Kind.MONEY: MONEY_FORMAT,
    Kind.INT: INT_FORMAT,
    Kind.NUMBER: NUMBER_FORMAT,
}

# Column widths (characters) chosen for A4 printing: text wraps inside its column, and a column is
# never narrower than the longest word of its header (workbook.layout widens it).
DEFAULT_WIDTHS = {
    Kind.TEXT: 16,
    Kind.INT: 8,
    Kind.NUMBER: 9,
    Kind.MONEY: 12,
    Kind.DATE: 11,
    Kind.TIME: 8,
    Kind.BOOL: 8,
    Kind.CHOICE: 16,
}


# --------------------------------------------------------------------------------------------
# Closed lists (drop-downs). Stored on the hidden "Listes" sheet, one column per list.
# --------------------------------------------------------------------------------------------

YES_NO = ("Oui", "Non")

ROME_DOMAINS = (
    "A - Agriculture et pêche, espaces naturels et espaces verts, soins aux animaux",
    "B - Arts et façonnage d'ouvrages d'art",
    "C - Banque, assurance, immobilier",
    "D - Commerce, vente et grande distribution",
    "E - Communication, média et multimédia",
    "F - Construction, bâtiment et travaux publics",
    "G - Hôtellerie-restauration, tourisme, loisirs et animation",
    "H - Industrie",
    "I - Installation et maintenance",
    "J - Santé",
    "K - Services à la personne et à la collectivité",
    "L - Spectacle",
    "M - Support à l'entreprise",
    "N - Transport et logistique",
)

COMPANY_TYPES = (
    "Entreprise privée",
    "Agence d'intérim",
    "Organisme de formation",
    "Structure d'insertion (SIAE)",
)

ADJUSTMENT_TYPES = (
    "Semi-liberté",
    "Placement à l'extérieur",
    "Détention à domicile sous surveillance électronique",
    "Libération conditionnelle",
    "Libération sous contrainte",
    "Suspension de peine",
    "Autre",
)

SITUATIONS = (
    "Emploi de plus de 6 mois",
    "Emploi de moins de 6 mois",
    "Formation",
    "Recherche d'emploi",
    "Toujours en détention",
    "Réincarcération",
    "Sans nouvelles",
    "Autre",
)
POSITIVE_SITUATIONS = ("Emploi de plus de 6 mois", "Formation")
POSITIVE_EXIT_RULE = (
    "Sortie positive à 1 an = situation à 1 an « Emploi de plus de 6 mois » ou « Formation »."
)

# Age bands that replace birth dates wherever a person must not be identified (funders' export,
# purged sessions): whole years on the first day of the action.
AGE_BANDS = ((18, 21, "18–21 ans"), (22, 25, "22–25 ans"), (26, 30, "26–30 ans"))

MISSIONS_LOCALES = ("ML du Poitou", "ML Nord Vienne", "ML Sud Vienne")

REFERRERS = (
    "SPIP",
    "Mission Locale",
    "Gepsa",
    "Psychologue PEP",
    "France Travail",
    "École",
    "Autre",
)

PARTNER_ROLES = (
    "Mission Locale",
    "SPIP",
    "Administration pénitentiaire",
    "Magistrat",
    "Financeur",
    "École",
    "Gepsa",
    "France Travail",
    "Psychologue",
    "Coach",
    "Entreprise",
    "Autre",
)

ELIGIBILITY_STATUSES = ("Éligible", "Non éligible", "À compléter")

# The programme's establishment (seed, "Public"): the default of every session and the suggestion of the
# « Établissement » drop-downs; other spellings are recognised by `establishments.match`.
INSTITUTION = "Centre Pénitentiaire de Poitiers-Vivonne"
INSTITUTIONS = (INSTITUTION,)

PROPOSAL_TYPES = (
    "Parrainage",
    "Conseil",
    "Mise en relation",
    "Offre d'emploi",
    "Stage / PMSMP",
    "Formation",
    "Autre",
)

PROPOSAL_OUTCOMES = ("À engager", "En cours", "Réalisée", "Sans suite")

LIFE_SPHERES = (
    "Insertion professionnelle",
    "Formation",
    "Santé",
    "Ressources",
    "Logement",
    "Aménagement de peine",
    "Mobilité",
    "Accès aux droits",
    "Famille",
    "Autre",
)

ACTION_OWNERS = ("Participant", "Mission Locale", "SPIP", "Entreprise", "Partenaire")

ACTION_STATUSES = ("À faire", "En cours", "Réalisée", "Abandonnée")

INTERVIEW_OUTCOMES = ("Favorable", "Défavorable", "Désistement", "À revoir")

FOLLOWUP_TYPES = (
    "Entretien ML",
    "Entretien ML + SPIP",
    "Permission de sortie",
    "Rencontre employeur",
    "Contact relais",
    "Libération",
    "Réincarcération",
    "Autre",
)
# Suivi rows that count as the monthly meeting with the Mission Locale; once a participant is released
# outside the Vienne, a "Contact relais" counts too (the relay there carries the follow-up). The
# dashboard's alerts and the monthly follow-up indicator both use this one definition.
MEETING_TYPES = ("Entretien ML", "Entretien ML + SPIP")
RELAY_CONTACT_TYPE = "Contact relais"
REINCARCERATION = "Réincarcération"  # a Suivi type and a situation: follow-up stops there
MEETING_RULE = (
    "Rencontre : ligne de l'onglet Suivi de type " + " ou ".join(f"« {t} »" for t in MEETING_TYPES)
    + f" ; après une libération hors de la Vienne, un « {RELAY_CONTACT_TYPE} » daté de la libération ou après "
    "compte aussi. Les autres types (" + ", ".join(t for t in FOLLOWUP_TYPES if t not in (*MEETING_TYPES, RELAY_CONTACT_TYPE))
    + ") ne sont pas des rencontres."
)
# The programme's « au moins une fois par mois », counted in follow-up months (no partial month):
# the dashboard's meeting alerts and the indicator « Mois avec au moins une rencontre » use it.
FOLLOWUP_MONTHS = 12
MONTHLY_RULE = (
    "Suivi mensuel : au moins une rencontre par mois de suivi. Les mois de suivi se comptent de date à date "
    "à partir du dernier jour de la phase collective (le plus tardif de « Fin du coaching » et « Date du Grand "
    "Oral », à défaut « Début du coaching » + 4 jours), pendant 12 mois : phase collective finie le 27/03, "
    "1er mois du 27/03 au 26/04, 2e mois du 27/04 au 26/05, et ainsi de suite."
)

LOG_LEVELS = ("Info", "Alerte", "Erreur")

STRUCTURE_KINDS = ("Mission Locale", "SPIP", "Autre")

VISITOR_ROLES = ("Représentant d'entreprise", "Coach", "Mission Locale", "SPIP", "Autre")
COMPANY_VISITOR, COACH_VISITOR = VISITOR_ROLES[:2]

ID_DOCUMENTS = ("Carte nationale d'identité", "Passeport", "Titre de séjour", "Permis de conduire")

# What a security office may ask to clear a visitor (« Identité des visiteurs » of a session lists
# some of these labels); the default is what the Centre Pénitentiaire asks.
VISITOR_IDENTITY = {
    "Nom": "last_name",
    "Prénom": "first_name",
    "Date de naissance": "birth_date",
    "Lieu de naissance": "birth_place",
    "Nationalité": "nationality",
    "Pièce d'identité": "id_document",
}
VISITOR_IDENTITY_DEFAULT = ("Nom", "Prénom", "Date de naissance", "Lieu de naissance", "Pièce d'identité")


@dataclass(frozen=True)
class ClosedList:
    """A drop-down list: its name on the Listes sheet and its values (or the function giving them,
    for a list read from a reference package only when a workbook is built)."""

    name: str
    source: tuple[str, ...] | Callable[[], tuple[str, ...]]

    @property
    def values(self) -> tuple[str, ...]:
        return self.source() if callable(self.source) else self.source


def _departments() -> tuple[str, ...]:
    from .departments import labels

    return labels()


LISTS: dict[str, ClosedList] = {
    cl.name: cl
    for cl in (
        ClosedList("OuiNon", YES_NO),
        ClosedList("DomainesROME", ROME_DOMAINS),
        ClosedList("TypesEntreprise", COMPANY_TYPES),
        ClosedList("TypesAmenagement", ADJUSTMENT_TYPES),
        ClosedList("Situations", SITUATIONS),
        ClosedList("MissionsLocales", MISSIONS_LOCALES),
        ClosedList("Orienteurs", REFERRERS),
        ClosedList("RolesPartenaires", PARTNER_ROLES),
        ClosedList("StatutsEligibilite", ELIGIBILITY_STATUSES),
        ClosedList("TypesProposition", PROPOSAL_TYPES),
        ClosedList("SuitesProposition", PROPOSAL_OUTCOMES),
        ClosedList("Spheres", LIFE_SPHERES),
        ClosedList("Responsables", ACTION_OWNERS),
        ClosedList("StatutsAction", ACTION_STATUSES),
        ClosedList("TypesSuivi", FOLLOWUP_TYPES),
        ClosedList("IssuesEntretien", INTERVIEW_OUTCOMES),
        ClosedList("Niveaux", LOG_LEVELS),
        # Every French département (« 86 - Vienne »), from the official list: a suggestion only, the
        # columns using it accept a number, a postal code or a name (`departments.resolve`).
        ClosedList("Departements", _departments),
        ClosedList("Etablissements", INSTITUTIONS),
        ClosedList("TypesStructure", STRUCTURE_KINDS),
        ClosedList("QualitesVisiteur", VISITOR_ROLES),
        ClosedList("PiecesIdentite", ID_DOCUMENTS),
    )
}


# --------------------------------------------------------------------------------------------
# Columns and tables
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Column:
    """One column of an Excel Table.

    ``key`` names the column in code and DataFrames; ``header`` is the French header in Excel.
    ``computed`` columns are written by ccc-xl and shown in a distinct style; every other column
    belongs to the adviser and is never written by a command.
    """

    key: str
    header: str
    kind: Kind = Kind.TEXT
    required: bool = False
    computed: bool = False
    choices: str | None = None  # name of a ClosedList, for Kind.CHOICE / Kind.BOOL
    width: float | None = None
    number_format: str | None = None
    help: str = ""
    identifying: bool = False  # direct identifier of a person: never leaves the Mission Locale
    # An ID that rows of other sheets refer to (a participant, a company, a proposal): read without
    # case or spaces, so that « c2027-06 », « C2027 - 06 » and « C2027-06 » are one person everywhere.
    reference: bool = False
    # Names an organisation, a company, a place or one of their staff, never a detainee: a purge
    # never rewrites it, and a detainee's surname inside it (« Boulangerie Martin ») is not the person.
    organisation: bool = False

    @property
    def values(self) -> tuple[str, ...]:
        return LISTS[self.choices].values if self.choices else ()

    @property
    def excel_width(self) -> float:
        return self.width or DEFAULT_WIDTHS[self.kind]

    @property
    def excel_format(self) -> str | None:
        return self.number_format or DEFAULT_FORMATS.get(self.kind)


def text(key, header, **kw) -> Column:
    return Column(key, header, Kind.TEXT, **kw)


def integer(key, header, **kw) -> Column:
    return Column(key, header, Kind.INT, **kw)


def number(key, header, **kw) -> Column:
    return Column(key, header, Kind.NUMBER, **kw)


def money(key, header, **kw) -> Column:
    return Column(key, header, Kind.MONEY, **kw)


def date(key, header, **kw) -> Column:
    return Column(key, header, Kind.DATE, **kw)


def reference(key, header, **kw) -> Column:
    return Column(key, header, Kind.TEXT, reference=True, **kw)


def time(key, header, **kw) -> Column:
    return Column(key, header, Kind.TIME, **kw)


def yes_no(key, header, **kw) -> Column:
    return Column(key, header, Kind.BOOL, choices="OuiNon", **kw)


def choice(key, header, list_name, **kw) -> Column:
    return Column(key, header, Kind.CHOICE, choices=list_name, **kw)


@dataclass(frozen=True)
class Table:
    """An Excel Table (ListObject) on its own sheet, with a stable name such as ``tblCandidats``."""

    name: str
    sheet: str
    columns: tuple[Column, ...]
    description: str
    generated: bool = False  # the whole sheet is written by ccc-xl (replaced on each run)
    status_column: str | None = None  # key of a column whose values get coloured
    status_colours: tuple[tuple[str, str], ...] = ()  # (value, fill colour RGB hex)

    def column(self, key: str) -> Column:
        for col in self.columns:
            if col.key == key:
                return col
        raise KeyError(f"{self.name} has no column {key!r}")

    def quoted(self, key: str) -> str:
        """A column's header in French quotes, for messages that send the adviser to it."""
        return f"« {self.column(key).header} »"

    @property
    def keys(self) -> list[str]:
        return [c.key for c in self.columns]

    @property
    def headers(self) -> list[str]:
        return [c.header for c in self.columns]

    @property
    def input_columns(self) -> tuple[Column, ...]:
        return tuple(c for c in self.columns if not c.computed)

    @property
    def computed_columns(self) -> tuple[Column, ...]:
        return tuple(c for c in self.columns if c.computed)


GREEN, RED, ORANGE, GREY, BLUE = "C6EFCE", "FFC7CE", "FFEB9C", "E7E6E6", "DDEBF7"

SESSIONS = Table(
    "tblSessions",
    "Sessions",
    (
        integer("year", "Année", required=True, help="Année de la session (ex. 2023) : sert d'identifiant."),
        text("institution", "Établissement", width=20, choices="Etablissements",
             help="Établissement pénitentiaire où se déroule l'action (vide : Centre Pénitentiaire de "
                  "Poitiers-Vivonne).", organisation=True),
        text("place", "Lieu", help="Salle ou lieu de l'action dans l'établissement.", organisation=True),
        text("coach", "Coach", help="Coach certifié 100 Chances 100 Emplois.", organisation=True),
        integer("capacity", "Places", help="Nombre de participants prévus (10 par défaut)."),
        date("awareness_date", "Sensibilisation entreprises",
             help="Demi-journée de sensibilisation des entreprises au Centre Pénitentiaire."),
        date("info_meeting_1", "Réunion d'information 1"),
        date("info_meeting_2", "Réunion d'information 2"),
        date("cv_workshop_date", "Atelier CV", help="Atelier CV animé par le Gepsa."),
        date("coaching_start", "Début du coaching", required=True,
             help="Premier jour de l'action : date de référence pour l'âge et la date de sortie."),
        date("coaching_end", "Fin du coaching"),
        date("interviews_date", "Date des entretiens"),
        date("grand_oral_date", "Date du Grand Oral"),
        integer("min_age", "Âge minimum", help="Critère d'âge (18 par défaut), à la date de début."),
        integer("max_age", "Âge maximum", help="Critère d'âge (30 par défaut, inclus)."),
        integer("release_horizon_months", "Sortie prévisible max (mois)",
                help="Délai maximal entre le début de l'action et la sortie prévisible (12 par défaut)."),
        text("priority_department", "Département prioritaire", width=12, choices="Departements",
             help="Projets d'insertion prioritaires dans ce département (86 par défaut) : numéro ou nom.", organisation=True),
        integer("interviews_per_participant", "Entretiens par participant",
                help="Nombre minimal de binômes rencontrés par chaque participant (3 par défaut)."),
        integer("interview_minutes", "Durée d'un entretien (min)"),
        integer("changeover_minutes", "Battement (min)"),
        time("day_start", "Heure de début"),
        time("lunch_start", "Début pause déjeuner"),
        time("lunch_end", "Fin pause déjeuner"),
        time("day_end", "Heure de fin",
             help="Heure à laquelle les entretiens doivent être terminés (17:30 par défaut)."),
        integer("rooms", "Salles"),
        integer("max_consecutive", "Entretiens consécutifs max"),
        integer("grand_oral_minutes", "Passage Grand Oral (min)"),
        time("grand_oral_start", "Heure du Grand Oral",
             help="Premier passage. Vide : 09:30, pour que le repas commun qui suit soit un déjeuner ; "
                  "le jour des entretiens, juste après le dernier entretien."),
        money("budget", "Budget total (€)"),
        text("notes", "Observations", width=24),
        integer("retention_years", "Durée de conservation (années)",
                help="Années après la session au-delà desquelles « ccc-xl purger » pseudonymise les "
                     "données des détenus de la session (5 par défaut)."),
        time("awareness_start", "Heure début sensibilisation",
             help="Heure de la convocation des entreprises à la sensibilisation (sans elle, pas de convocation)."),
        time("awareness_end", "Heure fin sensibilisation"),
        time("coaching_day_start", "Heure début coaching",
             help="Heure de début de chaque journée de coaching (sans elle, pas de convocation au coaching)."),
        time("coaching_day_end", "Heure fin coaching"),
        text("referent_structure", "Structure référente",
             help="« Nom court » (onglet Structures) de la structure qui envoie les courriers de la session : "
                  "son logo, ses coordonnées, son signataire ; vide = la première Mission Locale de l'onglet.", organisation=True),
        date("letter_date", "Date du courrier",
             help="Date imprimée sur les courriers et documents de la session ; vide = le jour de leur production."),
        text("visitor_identity", "Identité des visiteurs", width=24,
             help="Ce que l'établissement demande pour chaque visiteur, séparé par « ; » parmi : "
                  + " ; ".join(VISITOR_IDENTITY) + ". Vide = " + " ; ".join(VISITOR_IDENTITY_DEFAULT) + "."),
        text("highlights", "Faits marquants", width=40,
             help="Quelques phrases sur la session (ce qui a marqué, ce qui a changé), reprises dans le bilan."),
    ),
    "Une ligne par session annuelle de l'action, avec son calendrier et ses paramètres.",
)

PARTNERS = Table(
    "tblPartenaires",
    "Partenaires",
    (
        text("organisation", "Organisation", required=True, width=30, organisation=True),
        choice("role", "Rôle", "RolesPartenaires"),
        text("contact", "Contact", identifying=True),
        text("position", "Fonction", organisation=True),
        text("email", "E-mail", width=28, identifying=True),
        text("phone", "Téléphone", width=16, identifying=True),
        text("notes", "Observations", width=30),
        integer("session", "Session",
                help="Année de la session du partenaire ; vide = partenaire de toutes les sessions."),
        yes_no("copil_invited", "Invité au COPIL",
               help="Oui : reçoit l'invitation au comité de pilotage et figure sur sa feuille d'émargement."),
    ),
    "Organisations partenaires (Missions Locales, SPIP, administration pénitentiaire, financeurs…).",
)

COPIL = Table(
    "tblCOPIL",
    "COPIL",
    (
        integer("session", "Session", required=True),
        date("date", "Date", required=True),
        text("place", "Lieu", organisation=True),
        text("agenda", "Ordre du jour", width=40),
        text("attendees", "Présents", width=40, organisation=True),
        time("start", "Heure"),
        text("excused", "Excusés", width=30, organisation=True),
        time("end", "Heure de fin"),
    ),
    "Réunions du comité de pilotage de chaque session.",
)

STRUCTURES = Table(
    "tblStructures",
    "Structures",
    (
        text("name", "Structure", required=True, width=26,
             help="Nom complet, tel qu'il s'imprime en tête des courriers.", organisation=True),
        choice("kind", "Type", "TypesStructure", width=14),
        text("short_name", "Nom court", width=14,
             help="Nom utilisé dans « ML référente » des Candidats (ML du Poitou…) et dans « Structure "
                  "référente » des Sessions.", organisation=True),
        text("address", "Adresse", width=24, help="Numéro et rue (Alt+Entrée pour une seconde ligne).", organisation=True),
        text("postcode", "Code postal", width=9, organisation=True),
        text("town", "Ville", width=14, help="D'où partent les courriers : « Poitiers, le 3 mars 2027 ».", organisation=True),
        text("phone", "Téléphone", width=14, organisation=True),
        text("email", "E-mail", width=24, organisation=True),
        text("signatory", "Signataire", help="Nom de la personne qui signe les courriers de la structure.", organisation=True),
        text("signatory_title", "Fonction du signataire", width=20, organisation=True),
        text("logo", "Logo", width=16,
             help="Nom du fichier image (PNG ou JPEG) du logo, dans le dossier « Logos » à côté du classeur ; "
                  "vide = pas de logo.", organisation=True),
    ),
    "Les Missions Locales et le SPIP : nom, coordonnées, signataire et logo imprimés sur les documents.",
)

INFO_MEETINGS = Table(
    "tblReunions",
    "Réunions d'information",
    (
        integer("session", "Session", required=True),
        date("date", "Date", required=True),
        text("place", "Lieu", organisation=True),
        text("hosts", "Animateurs", width=30, organisation=True),
        integer("attendees", "Détenus présents",
                help="Nombre de détenus présents (ceux qui ne se portent pas volontaires ne sont pas "
                     "nommés) ; vide = nombre de candidats rattachés à la réunion."),
        integer("volunteers", "Volontaires",
                help="Nombre de volontaires noté le jour même ; vide = candidats de la réunion "
                     "marqués « Volontaire »."),
        integer("number", "N°", width=6,
                help="Numéro de la réunion dans la session (1, 2) : à reporter dans la colonne "
                     "« Réunion d'information » des Candidats."),
    ),
    "Réunions d'information organisées pour les détenus avant chaque session.",
)

CANDIDATES = Table(
    "tblCandidats",
    "Candidats",
    (
        reference("id", "ID", required=True, width=12, help="Identifiant du candidat (ex. C2023-01)."),
        integer("session", "Session", required=True, help="Année de la session."),
        text("last_name", "Nom", required=True, identifying=True),
        text("first_name", "Prénom", required=True, identifying=True),
        date("birth_date", "Date de naissance", identifying=True),
        text("ecrou", "N° d'écrou", width=12, identifying=True),
        text("institution", "Établissement", width=20, choices="Etablissements",
             help="Établissement où le candidat est détenu : celui de la session (liste), ou tel qu'il "
                  "s'écrit (CP Poitiers-Vivonne, Vivonne…).", organisation=True),
        choice("referrer", "Orienté par", "Orienteurs"),
        date("application_date", "Date de candidature"),
        integer("info_meeting", "Réunion d'information",
                help="N° de la réunion d'information suivie (onglet Réunions d'information) ; vide si "
                     "le candidat a été orienté sans y assister."),
        yes_no("volunteer", "Volontaire", help="Oui : s'est porté volontaire à la réunion d'information."),
        date("interview_date", "Entretien individuel",
             help="Date de l'entretien individuel avec un conseiller de la Mission Locale."),
        text("interview_adviser", "Conseiller de l'entretien", identifying=True),
        choice("interview_outcome", "Issue de l'entretien", "IssuesEntretien"),
        text("project", "Projet professionnel", width=22),
        choice("domain", "Domaine visé", "DomainesROME", width=24),
        yes_no("project_defined", "Projet défini"),
        yes_no("motivated", "Motivation", help="Appréciation du conseiller après l'entretien individuel."),
        yes_no("behaviour_ok", "Codes comportementaux", help="Appréciation du SPIP."),
        yes_no("adjustment_possible", "Aménagement de peine possible"),
        date("expected_release", "Date de sortie prévisible", identifying=True),
        text("project_department", "Département du projet", width=16, choices="Departements",
             help="Département où le candidat veut s'insérer : numéro (86), code postal (86000) ou nom "
                  "(Vienne), ou un choix de la liste.", organisation=True),
        choice("mission_locale", "ML référente", "MissionsLocales"),
        text("adviser", "Conseiller", identifying=True),
        text("unavailability", "Indisponibilités", width=16,
             help="Créneaux où le candidat n'est pas disponible, ex. « 10:00-11:00 ; 14:30-15:00 »."),
        yes_no("retained", "Retenu", help="Décision de l'équipe : le candidat participe à l'action."),
        text("notes", "Observations", width=24, identifying=True),
        integer("age_at_start", "Âge à l'action", computed=True,
                help="Âge au premier jour de l'action (début du coaching)."),
        choice("eligibility", "Éligibilité", "StatutsEligibilite", computed=True, width=14),
        text("reasons", "Motifs", computed=True, width=36),
        integer("priority", "Priorité", computed=True, help="Rang de priorité parmi les éligibles."),
        text("age_band", "Tranche d'âge", computed=True, width=12,
             help="Écrite par « ccc-xl purger » à la place de la date de naissance."),
    ),
    "Une ligne par candidat repéré pour une session ; colonnes grises calculées par ccc-xl.",
    status_column="eligibility",
    status_colours=(("Éligible", GREEN), ("Non éligible", RED), ("À compléter", ORANGE)),
)

COMPANIES = Table(
    "tblEntreprises",
    "Entreprises",
    (
        reference("id", "ID entreprise", required=True, width=16,
             help="Identifiant stable d'une année à l'autre (SIRET de préférence).", organisation=True),
        integer("session", "Session", required=True),
        text("name", "Raison sociale", required=True, width=24, organisation=True),
        choice("type", "Type", "TypesEntreprise"),
        choice("domain", "Domaine", "DomainesROME", width=24),
        text("representatives", "Représentant(s)", width=20, identifying=True),
        text("phone", "Téléphone", width=16, identifying=True),
        text("email", "E-mail", width=22, identifying=True),
        yes_no("awareness_done", "Sensibilisation suivie"),
        text("fixed_pair", "Binôme imposé", width=12,
             help="Laisser vide pour laisser ccc-xl former les binômes ; même valeur = même binôme.", organisation=True),
        time("arrival", "Arrivée"),
        time("departure", "Départ"),
        text("notes", "Observations", width=24),
        text("pair", "Binôme", computed=True, width=10, help="Binôme retenu par la dernière planification."),
    ),
    "Une ligne par entreprise bénévole et par session.",
)

VISITORS = Table(
    "tblVisiteurs",
    "Visiteurs",
    (
        integer("session", "Session", required=True),
        text("last_name", "Nom", required=True, identifying=True),
        text("first_name", "Prénom", identifying=True),
        choice("role", "Qualité", "QualitesVisiteur"),
        reference("company", "ID entreprise", width=14,
             help="Pour un représentant d'entreprise : l'« ID entreprise » de l'onglet Entreprises.", organisation=True),
        text("structure", "Structure", width=20, help="Pour les autres : la structure du visiteur.", organisation=True),
        date("birth_date", "Date de naissance", identifying=True),
        text("birth_place", "Lieu de naissance", identifying=True),
        text("nationality", "Nationalité", width=12, identifying=True),
        choice("id_type", "Pièce d'identité", "PiecesIdentite", identifying=True),
        text("id_number", "N° de pièce", width=14, identifying=True),
        yes_no("awareness", "Sensibilisation", help="Vient à ce temps ; vide = selon sa qualité."),
        yes_no("coaching", "Coaching", help="Vient à ce temps ; vide = selon sa qualité (le coach)."),
        yes_no("interviews", "Entretiens", help="Vient à ce temps ; vide = selon sa qualité."),
        yes_no("grand_oral", "Grand Oral", help="Vient à ce temps ; vide = selon sa qualité."),
    ),
    "Les personnes extérieures qui entrent au Centre Pénitentiaire pour la session (représentants des "
    "entreprises, coach, Missions Locales) et l'identité que l'établissement demande pour les habiliter. "
    "Ces informations ne sont imprimées que sur la liste des visiteurs et « ccc-xl purger » les efface.",
)

DEBRIEFING = Table(
    "tblDebriefing",
    "Débriefing",
    (
        integer("session", "Session", required=True),
        reference("participant", "ID participant", required=True, width=14),
        reference("company", "ID entreprise", width=16, organisation=True),
        choice("type", "Type de proposition", "TypesProposition"),
        text("detail", "Détail", width=40),
        choice("outcome", "Suite donnée", "SuitesProposition"),
        text("notes", "Observations", width=30, identifying=True),
        reference("id", "Réf. proposition", width=16,
             help="Référence de la proposition (ex. C2026-03-P1), à reporter dans « Proposition liée » "
                  "du plan d'action."),
    ),
    "Une ligne par proposition faite par une entreprise à un participant lors du débriefing.",
)

PLANS = Table(
    "tblPlans",
    "Plans d'action",
    (
        reference("participant", "ID participant", required=True, width=14),
        choice("sphere", "Sphère", "Spheres"),
        text("objective", "Objectif", width=30),
        text("action", "Action", width=36),
        choice("owner", "Responsable", "Responsables"),
        date("deadline", "Échéance"),
        choice("status", "Statut", "StatutsAction", width=12),
        reference("proposal", "Proposition liée", width=20,
             help="« Réf. proposition » de la proposition du débriefing à l'origine de l'action."),
        text("notes", "Observations", width=30, identifying=True),
    ),
    "Une ligne par action du plan individuel de chaque participant.",
    status_column="status",
    status_colours=(("Réalisée", GREEN), ("Abandonnée", GREY), ("En cours", BLUE)),
)

FOLLOWUP = Table(
    "tblSuivi",
    "Suivi",
    (
        reference("participant", "ID participant", required=True, width=14),
        date("date", "Date", required=True),
        choice("type", "Type", "TypesSuivi"),
        text("adviser", "Conseiller", identifying=True),
        text("notes", "Observations", width=34, identifying=True),
    ),
    "Une ligne par rencontre ou événement du suivi mensuel.",
)

PATHWAYS = Table(
    "tblParcours",
    "Parcours",
    (
        reference("participant", "ID participant", required=True, width=14),
        yes_no("adjustment_granted", "Aménagement accordé"),
        choice("adjustment_type", "Type d'aménagement", "TypesAmenagement", width=28),
        date("adjustment_date", "Date d'aménagement"),
        date("release_date", "Date de libération", identifying=True),
        text("relay", "Relais extérieur", width=26, organisation=True),
        text("relay_territory", "Territoire du relais", width=18, choices="Departements",
             help="Département (86, 79, Deux-Sèvres…) ou code postal du lieu de sortie. Hors Vienne, un « Contact "
                  "relais » du Suivi compte comme rencontre mensuelle après la libération.", organisation=True),
        date("relay_contact_date", "Contact relais"),
        choice("situation_6m", "Situation à 6 mois", "Situations", width=24),
        choice("situation_1y", "Situation à 1 an", "Situations", width=24),
        text("notes", "Observations", width=30, identifying=True),
        yes_no("positive_exit", "Sortie positive à 1 an", computed=True, help=POSITIVE_EXIT_RULE),
    ),
    "Une ligne par participant : aménagement, libération, relais et situation à 6 mois et 1 an. "
    + POSITIVE_EXIT_RULE,
    status_column="positive_exit",
    status_colours=(("Oui", GREEN),),
)

FUNDING = Table(
    "tblFinancements",
    "Financements",
    (
        integer("session", "Session", required=True),
        text("funder", "Financeur", required=True, width=24, organisation=True),
        money("amount", "Montant (€)", required=True),
        text("notes", "Observations", width=30),
        text("mention", "Mention de financement", width=36,
             help="Phrase imprimée en bas de chaque document de la session, ex. « Action financée par le Fonds "
                  "interministériel de prévention de la délinquance (FIPD) ».", organisation=True),
    ),
    "Une ligne par financement obtenu pour une session (SPIP, FIPD…).",
)

JOURNAL = Table(
    "tblJournal",
    "Journal",
    (
        Column("timestamp", "Horodatage", Kind.TEXT, width=19),
        text("command", "Commande", width=16),
        choice("level", "Niveau", "Niveaux", width=9),
        text("sheet", "Feuille", width=16),
        integer("row", "Ligne", width=7),
        text("column", "Colonne", width=22),
        text("message", "Message", width=90),
    ),
    "Ce que chaque exécution de ccc-xl a fait, et chaque anomalie trouvée.",
    generated=True,
    status_column="level",
    status_colours=(("Erreur", RED), ("Alerte", ORANGE)),
)

INPUT_TABLES: tuple[Table, ...] = (
    SESSIONS,
    PARTNERS,
    STRUCTURES,
    COPIL,
    INFO_MEETINGS,
    CANDIDATES,
    COMPANIES,
    VISITORS,
    DEBRIEFING,
    PLANS,
    FOLLOWUP,
    PATHWAYS,
    FUNDING,
)
# Tables added after the first workbooks were handed out: a workbook without them still works (read
# as empty), and `ccc-xl nouveau` creates them.
OPTIONAL_TABLES: tuple[Table, ...] = (STRUCTURES, VISITORS)

TABLES: dict[str, Table] = {t.name: t for t in (*INPUT_TABLES, JOURNAL)}


@dataclass(frozen=True)
class GeneratedSheet:
    """A sheet that ccc-xl replaces wholesale on each run; advisers read it, never type in it."""

    name: str
    description: str


BINOMES_SHEET = GeneratedSheet("Binômes", "Binômes d'entreprises formés pour les entretiens.")
INTERVIEWS_SHEET = GeneratedSheet("Entretiens", "Une ligne par entretien planifié.")
PLANNING_SHEET = GeneratedSheet("Planning", "Grille créneaux × binômes, imprimable en A4 paysage.")
GRAND_ORAL_SHEET = GeneratedSheet("Grand Oral", "Ordre de passage et horaires du Grand Oral.")
INDICATORS_SHEET = GeneratedSheet("Indicateurs", "Indicateurs annuels et cumulés pour les financeurs.")
DASHBOARD_SHEET = GeneratedSheet("Tableau de bord", "Alertes du suivi, par conseiller, les plus urgentes d'abord.")
DOCUMENTS_SHEET = GeneratedSheet("Documents", "Documents produits, avec un lien vers chaque fichier.")

# Tables of the rotation sheets (rewritten by `ccc-xl rotations`; the Planning grid has one column
# per binôme, so it is a plain range, not a Table). Entretiens is read back by `--verifier` to check
# a schedule edited by hand.
BINOMES = Table(
    "tblBinomes",
    BINOMES_SHEET.name,
    (
        text("binome", "Binôme", width=9),
        text("companies", "Entreprises", width=40, organisation=True),
        text("types", "Types", width=40),
        text("domains", "Domaines", width=45),
        yes_no("fixed", "Imposé", help="Binôme imposé par le conseiller (colonne « Binôme imposé »)."),
        integer("room", "Salle", help="Salle du binôme pour toute la journée, s'il y a assez de salles."),
        integer("interviews", "Entretiens"),
    ),
    BINOMES_SHEET.description,
    generated=True,
)

INTERVIEWS = Table(
    "tblEntretiens",
    INTERVIEWS_SHEET.name,
    (
        integer("slot", "Créneau", width=9),
        time("start", "Début"),
        time("end", "Fin"),
        integer("room", "Salle", width=7),
        text("binome", "Binôme", width=9),
        text("companies", "Entreprises", width=40, organisation=True),
        text("company_ids", "ID entreprises", width=18, organisation=True),
        reference("participant", "ID participant", width=14),
        text("first_name", "Prénom", identifying=True),
        yes_no("domain_match", "Domaine visé", width=12,
               help="Oui quand une entreprise du binôme relève du domaine visé par le participant."),
    ),
    INTERVIEWS_SHEET.description,
    generated=True,
    status_column="domain_match",
    status_colours=(("Oui", GREEN),),
)

GRAND_ORAL = Table(
    "tblGrandOral",
    GRAND_ORAL_SHEET.name,
    (
        integer("rank", "Ordre", width=7),
        time("start", "Heure"),
        time("end", "Fin"),
        reference("participant", "ID participant", width=14),
        text("first_name", "Prénom", identifying=True),
    ),
    GRAND_ORAL_SHEET.description,
    generated=True,
)

ROTATION_TABLES: tuple[Table, ...] = (BINOMES, INTERVIEWS, GRAND_ORAL)


# Follow-up alerts (rewritten by `ccc-xl suivi` on the Tableau de bord), one row per thing to do.
ALERT_LATE_MEETING = "Entretien en retard"
ALERT_MONTH_MEETING = "Entretien du mois"
ALERT_RELAY = "Relais à trouver"
ALERT_LATE_ACTION = "Action en retard"
ALERT_SITUATION_6M = "Situation à 6 mois"
ALERT_SITUATION_1Y = "Situation à 1 an"
ALERT_KINDS = (ALERT_LATE_MEETING, ALERT_MONTH_MEETING, ALERT_RELAY, ALERT_LATE_ACTION, ALERT_SITUATION_6M,
               ALERT_SITUATION_1Y)

ALERTS = Table(
    "tblAlertes",
    DASHBOARD_SHEET.name,
    (
        text("adviser", "Conseiller", identifying=True),
        choice("mission_locale", "ML référente", "MissionsLocales", width=16),
        reference("participant", "ID participant", width=14),
        text("first_name", "Prénom", identifying=True, width=14),
        integer("session", "Session", width=9),
        text("kind", "Alerte", width=20),
        date("due", "Échéance"),
        integer("overdue", "Retard (jours)", width=10,
                help="Jours écoulés depuis l'échéance ; négatif = jours restant avant l'échéance."),
        text("message", "Message", width=70),
    ),
    DASHBOARD_SHEET.description,
    generated=True,
    status_column="kind",
    status_colours=((ALERT_LATE_MEETING, RED), (ALERT_LATE_ACTION, RED), (ALERT_RELAY, RED),
                    (ALERT_MONTH_MEETING, ORANGE), (ALERT_SITUATION_6M, ORANGE), (ALERT_SITUATION_1Y, ORANGE)),
)

GENERATED_SHEETS: tuple[GeneratedSheet, ...] = (
    BINOMES_SHEET,
    INTERVIEWS_SHEET,
    PLANNING_SHEET,
    GRAND_ORAL_SHEET,
    INDICATORS_SHEET,
    DASHBOARD_SHEET,
    DOCUMENTS_SHEET,
)

HOME_SHEET = "Accueil"
# Folder beside the workbook where generated documents go (opened by the ribbon's button).
DOCUMENTS_FOLDER = "Documents 100 Chances"
# The yearly report `ccc-xl bilan` writes beside the workbook when no file is given.
BILAN_FILE = "Bilan 100 Chances {year}.docx"
# Sub-folder of a session's documents where advisers put the CVs, named by participant ID
# (« Documents 100 Chances/2027/CV/C2027-03.docx » or .pdf), for the pack sent to companies.
CV_FOLDER = "CV"
# Folders an adviser may put beside the workbook: the structures' logo images, and the Mission
# Locale's own Word templates (same file names as the shipped ones), used instead of them.
LOGOS_FOLDER = "Logos"
TEMPLATES_FOLDER = "Modèles"
LISTS_SHEET = "Listes"

# Sheet order in the workbook, following the year's workflow.
SHEET_ORDER: tuple[str, ...] = (
    HOME_SHEET,
    SESSIONS.sheet,
    PARTNERS.sheet,
    STRUCTURES.sheet,
    COPIL.sheet,
    INFO_MEETINGS.sheet,
    CANDIDATES.sheet,
    COMPANIES.sheet,
    VISITORS.sheet,
    BINOMES_SHEET.name,
    INTERVIEWS_SHEET.name,
    PLANNING_SHEET.name,
    GRAND_ORAL_SHEET.name,
    DEBRIEFING.sheet,
    PLANS.sheet,
    FOLLOWUP.sheet,
    PATHWAYS.sheet,
    FUNDING.sheet,
    INDICATORS_SHEET.name,
    DASHBOARD_SHEET.name,
    DOCUMENTS_SHEET.name,
    JOURNAL.sheet,
    LISTS_SHEET,
)

# A workbook is a ccc-xl workbook when it carries this defined name (written by `ccc-xl nouveau`).
MARKER_NAME = "cccxl_version"
CONTRACT_VERSION = 1

# Defaults from the programme's public criteria (seed, "Public"), used when a session leaves a
# parameter blank.
SESSION_DEFAULTS = {
    "institution": INSTITUTION,
    "capacity": 10,
    "min_age": 18,
    "max_age": 30,
    "release_horizon_months": 12,
    "priority_department": "86",
    "interviews_per_participant": 3,
    "interview_minutes": 20,
    "changeover_minutes": 5,
    "rooms": 6,
    "max_consecutive": 2,
    "grand_oral_minutes": 10,
    # Interview day and Grand Oral times when the session leaves them blank.
    "day_start": dt.time(9, 0),
    "lunch_start": dt.time(12, 0),
    "lunch_end": dt.time(13, 30),
    "day_end": dt.time(17, 30),
    # A morning Grand Oral, so that the shared meal that ends the action (« suivi d'un repas commun »
    # in the letters) is a lunch; on the interview day it moves after the last interview.
    "grand_oral_start": dt.time(9, 30),
    "retention_years": 5,
}

HOME_TEXT: tuple[tuple[str, str], ...] = (
    ("title", "100 Chances 100 Emplois en milieu carcéral — Vienne"),
    ("p", "Classeur commun des trois Missions Locales de la Vienne et du SPIP pour l'action menée "
          "au Centre Pénitentiaire de Poitiers-Vivonne. Les onglets suivent l'année de l'action."),
    ("h", "L'année, étape par étape (onglet « 100 Chances » du ruban Excel)"),
    ("p", "1. Sessions, Partenaires, Structures, COPIL, Financements : créer la session de l'année, son "
          "calendrier, ses heures et ses paramètres ; les coordonnées, signataires et logos des Missions Locales "
          "et du SPIP ; réunir le comité de pilotage. Pas de bouton : saisie seulement."),
    ("p", "2. Entreprises : inscrire la douzaine d'entreprises bénévoles (entreprises privées, agences "
          "d'intérim, organismes de formation, structures d'insertion) et leur sensibilisation. "
          "Pas de bouton : saisie seulement."),
    ("p", "3. Réunions d'information, Candidats : saisir les détenus repérés puis rencontrés en entretien "
          "individuel. Bouton « Éligibilité » : âge, éligibilité, motifs et priorité. "
          "La colonne « Retenu » reste la décision de l'équipe."),
    ("p", "4. Binômes, Entretiens, Planning, Grand Oral : bouton « Rotations » pour former les binômes "
          "d'entreprises, planifier les entretiens (au moins trois binômes par participant) et l'ordre du "
          "Grand Oral ; bouton « Vérifier le planning » après une modification à la main."),
    ("p", "5. Visiteurs, Documents : l'identité des personnes extérieures que demande l'établissement ; "
          "bouton « Documents » pour les convocations, plannings individuels, feuilles d'émargement, liste "
          "des visiteurs et plans d'action ; bouton « Ouvrir le dossier des documents » pour les retrouver."),
    ("p", "6. Débriefing, Plans d'action, Suivi, Parcours : propositions des entreprises, plan d'action "
          "individuel, rencontre au moins une fois par mois, relais extérieur, situation à 6 mois et 1 an. "
          "Bouton « Suivi / alertes » : met à jour le Tableau de bord."),
    ("p", "7. Indicateurs : bouton « Indicateurs » pour les chiffres annuels et cumulés ; bouton « Export "
          "financeurs » pour le classeur agrégé destiné au SPIP et au FIPD."),
    ("p", "Chaque année, après la durée de conservation : bouton « Purge annuelle » pour pseudonymiser "
          "les sessions anciennes. En cas de doute : bouton « Aide »."),
    ("h", "Bon à savoir"),
    ("p", "Les colonnes à en-tête gris foncé sont calculées par ccc-xl : ne les saisissez pas, elles sont "
          "réécrites à chaque calcul. Les onglets Binômes, Entretiens, Planning, Grand Oral, Indicateurs, "
          "Tableau de bord et Documents sont entièrement régénérés."),
    ("p", "Dates au format jj/mm/aaaa ; Oui/Non dans les listes déroulantes. Le Journal garde la trace de "
          "chaque exécution et de chaque anomalie (feuille, ligne, colonne)."),
    ("p", "Données sensibles (art. 10 RGPD) : ne transmettez jamais ce classeur hors de la Mission Locale ; "
          "pour les financeurs, utilisez l'export financeurs, agrégé."),
)


def table_for_sheet(sheet: str) -> Table | None:
    for table in TABLES.values():
        if table.sheet == sheet:
            return table
    return None
