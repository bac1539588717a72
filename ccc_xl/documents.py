"""Which documents a session needs, and what goes into each: pure functions over workbook tables.

Advisers used to spend days on mail merges. Here the workbook's tables become a list of
``PlannedDocument`` (type, readable file name, template, context); ``ccc_xl.word`` renders them.
Nothing in this module touches a file.

Contexts hold French text ready to print (dates "mardi 14 mars 2023", times "9 h 30"), so the Word
templates stay simple for advisers who edit them. Field names are French because advisers see them
in the templates; every field is described in ``DOCUMENT_TYPES`` and in ``templates/CHAMPS.md``.

Data protection (GDPR art. 10): a participant document carries the participant's first and last
name and what the document is about, never the écrou number, birth date, release date or the
advisers' observations; company documents name participants by first name only; file names carry
the participant's ID and first name only. The pack sent to companies before the interviews carries,
per participant, the first name, professional project and target domain only, and the CV the adviser
placed in the session's « CV » folder (its content is the adviser's responsibility).

Expected input frames (columns = contract keys, index = Excel rows), in ``SessionFrames``:
the contract tables SESSIONS, CANDIDATES, COMPANIES, DEBRIEFING, PLANS, PATHWAYS, and two frames
produced by the rotation planning for the session being generated:

- ``interviews``: one row per interview, columns ``slot, start, end, room, binome, companies,
  company_ids, participant, first_name`` — ``start``/``end`` are ``datetime.time`` (or "HH:MM"),
  ``binome`` a short label ("B1"), ``companies`` the display names of the binôme,
  ``company_ids`` the binôme's company IDs (list, or text separated by ";"), ``participant`` the
  candidate ID.
- ``grand_oral``: one row per participant, columns ``rank, start, participant, first_name``.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field

import pandas as pd
from babel.dates import format_date, format_time
from babel.numbers import format_currency

from ccc_xl.contract import (
    CANDIDATES,
    COMPANIES,
    COPIL,
    CV_FOLDER,
    DEBRIEFING,
    FUNDING,
    PARTNERS,
    STRUCTURES,
    COACH_VISITOR,
    COMPANY_VISITOR,
    VISITOR_IDENTITY,
    VISITOR_IDENTITY_DEFAULT,
    VISITOR_ROLES,
    VISITORS,
    GRAND_ORAL_SHEET,
    INTERVIEWS_SHEET,
    LIFE_SPHERES,
    SESSION_DEFAULTS,
    SESSIONS,
)
from ccc_xl.report import Anomaly, CommandError, rows_text
from ccc_xl.sessions import select_session
from ccc_xl.wording import (PersonName, closed_day, count, departement_label, domain_label, french_list, letter_date,
                            name_key, of, person_name)

LOCALE = "fr_FR"
INTERVIEW_COLUMNS = ("slot", "start", "end", "room", "binome", "companies", "company_ids",
                     "participant", "first_name")
GRAND_ORAL_COLUMNS = ("rank", "start", "participant", "first_name")


# ---------------------------------------------------------------------------------------------
# Document types and their fields
# ---------------------------------------------------------------------------------------------

STRUCTURE_PARTS = (
    ("nom", "nom complet"), ("adresse", "adresse (numéro et rue)"), ("code_postal", "code postal"),
    ("ville", "ville"), ("telephone", "téléphone"), ("email", "e-mail"), ("signataire", "signataire des courriers"),
    ("fonction_signataire", "fonction du signataire"),
)
COMMON_FIELDS = (
    ("session", "Année de la session (ex. 2023)."),
    ("etablissement", "Établissement pénitentiaire de l'action (onglet Sessions)."),
    ("lieu", "Salle ou lieu de l'action dans l'établissement (peut être vide)."),
    ("date_edition", "Date de production du document, ex. « mardi 14 mars 2023 »."),
    ("date_courrier", "Date du courrier, sans le jour de la semaine, ex. « 3 mars 2027 » (« Date du courrier » "
                      "de la session, sinon le jour de production)."),
    ("lieu_courrier", "Ville de la structure référente, d'où part le courrier (peut être vide)."),
    *((f"structure.{key}", f"Structure référente de la session (onglet Structures) : {text} (peut être vide).")
      for key, text in STRUCTURE_PARTS),
    ("contact_reponse", "À qui répondre : « auprès d'Éric Blanc au 05 49 00 00 02 ou par courriel à … » "
                        "(structure référente ; vide sans téléphone ni e-mail)."),
    ("logos", "Logos de la structure référente et du SPIP (dossier « Logos » ; liste vide sans logo)."),
    ("organisateurs", "Qui mène l'action, en pied de page : les Missions Locales puis le SPIP de l'onglet "
                      "Structures, ex. « Missions Locales du Poitou et Sud Vienne · SPIP de la Vienne »."),
    ("mention_financement", "Mentions de financement de la session (onglet Financements ; peut être vide)."),
)
COMPANY_FIELDS = (
    ("entreprise", "Raison sociale de l'entreprise."),
    ("representants", "Représentant(s) de l'entreprise (peut être vide)."),
    ("a_l_attention", "« À l'attention d'Élodie Martin et de Paul Lenoir » (vide sans représentant)."),
)
PARTNER_FIELDS = (
    ("organisation", "Organisation partenaire invitée."),
    ("contact", "Personne à contacter dans l'organisation (peut être vide)."),
    ("fonction", "Fonction de cette personne (peut être vide)."),
    ("a_l_attention", "« À l'attention d'Isabelle Roy, directrice » (vide sans contact)."),
)
COPIL_FIELDS = (
    ("date_copil", "Date de la réunion du comité de pilotage."),
    ("heure_copil", "Heure de la réunion."),
    ("horaire_copil", "Horaire de la réunion, ex. « de 14 h 00 à 16 h 00 » ou « à 14 h 00 »."),
    ("lieu_copil", "Lieu de la réunion (à défaut, l'établissement)."),
    ("ordre_du_jour", "Ordre du jour (peut être vide)."),
)
PARTICIPANT_FIELDS = (
    ("prenom", "Prénom du participant."),
    ("nom", "Nom du participant (pour la remise par le SPIP)."),
)


@dataclass(frozen=True)
class DocumentType:
    """One kind of document: its template, where its files go, and the fields its context offers."""

    key: str  # value of `--type`, also the template's file name without ".docx"
    folder: str  # sub-folder of the session's output folder
    title: str  # start of each file name
    audience: str
    fields: tuple[tuple[str, str], ...]  # (field, French description); "a[].b" = b of each a

    @property
    def template(self) -> str:
        return f"{self.key}.docx"

    @property
    def all_fields(self) -> tuple[tuple[str, str], ...]:
        return COMMON_FIELDS + self.fields

    @property
    def top_level_fields(self) -> set[str]:
        """Names a template may use directly (what docxtpl reports as undeclared variables)."""
        return {re.split(r"[\[.]", name)[0] for name, _ in self.all_fields}


SCHEDULE_ROW = "Horaire « 9 h 00 – 9 h 20 »"
DOCUMENT_TYPES: dict[str, DocumentType] = {
    t.key: t
    for t in (
        DocumentType("convocation-sensibilisation", "Convocations sensibilisation",
                     "Convocation sensibilisation", "Entreprises", COMPANY_FIELDS + (
                         ("date_sensibilisation", "Date de la demi-journée de sensibilisation."),
                         ("horaire", "Horaire de la demi-journée, ex. « de 9 h 00 à 12 h 00 »."),
                     )),
        DocumentType("convocation-entretiens", "Convocations entretiens", "Convocation entretiens",
                     "Entreprises", COMPANY_FIELDS + (
                         ("date_entretiens", "Date des entretiens."),
                         ("heure_convocation", "Heure où l'entreprise est attendue : « Arrivée » (onglet "
                                               "Entreprises), sinon son premier entretien."),
                         ("heure_arrivee", "Heure d'arrivée de l'entreprise (la même)."),
                         ("heure_depart", "Heure de départ : « Départ » (onglet Entreprises), sinon la fin de "
                                          "son dernier entretien."),
                         ("binome", "Binôme de l'entreprise (peut être vide)."),
                         ("partenaires", "Entreprise(s) partenaire(s) du binôme (peut être vide)."),
                         ("creneaux", "Liste des entretiens de l'entreprise, dans l'ordre."),
                         ("creneaux[].horaire", SCHEDULE_ROW),
                         ("creneaux[].salle", "Salle de l'entretien."),
                         ("creneaux[].participant", "Prénom du participant (seulement le prénom)."),
                     )),
        DocumentType("invitation-grand-oral", "Invitations Grand Oral", "Invitation Grand Oral",
                     "Entreprises", COMPANY_FIELDS + (
                         ("date_grand_oral", "Date du Grand Oral."),
                         ("heure_grand_oral", "Heure de début du Grand Oral."),
                         ("horaire_grand_oral", "Horaire du Grand Oral et du repas qui le suit, ex. « de 9 h 30 "
                                                "à 12 h 40 » (fin : dernier passage planifié, puis la durée de la "
                                                "pause déjeuner)."),
                     )),
        DocumentType("convocation-coaching", "Convocations coaching", "Convocation coaching",
                     "Participants", PARTICIPANT_FIELDS + (
                         ("date_debut_coaching", "Premier jour du coaching."),
                         ("date_fin_coaching", "Dernier jour du coaching (peut être vide)."),
                         ("horaire", "Horaire de chaque journée, ex. « de 9 h 00 à 16 h 30 »."),
                         ("coach", "Nom du coach (peut être vide)."),
                         ("date_entretiens", "Date des entretiens (peut être vide)."),
                         ("date_grand_oral", "Date du Grand Oral (peut être vide)."),
                     )),
        DocumentType("planning-entretiens", "Plannings entretiens", "Planning entretiens",
                     "Participants", PARTICIPANT_FIELDS + (
                         ("date_entretiens", "Date des entretiens."),
                         ("entretiens", "Liste des entretiens du participant, dans l'ordre."),
                         ("entretiens[].horaire", SCHEDULE_ROW),
                         ("entretiens[].salle", "Salle de l'entretien."),
                         ("entretiens[].binome", "Binôme rencontré."),
                         ("entretiens[].entreprises", "Entreprises du binôme."),
                     )),
        DocumentType("horaire-grand-oral", "Horaires Grand Oral", "Horaire Grand Oral",
                     "Participants", PARTICIPANT_FIELDS + (
                         ("date_grand_oral", "Date du Grand Oral."),
                         ("heure_passage", "Heure de passage du participant, ex. « 14 h 10 »."),
                         ("ordre", "Rang de passage (1, 2, …)."),
                     )),
        DocumentType("plan-action", "Plans d'action", "Plan d'action", "Participants",
                     PARTICIPANT_FIELDS + (
                         ("mission_locale", "Mission Locale référente (peut être vide)."),
                         ("conseiller", "Conseiller référent (peut être vide)."),
                         ("projet", "Projet professionnel (peut être vide)."),
                         ("spheres", "Toutes les sphères de vie, dans l'ordre de la liste « Sphère »."),
                         ("spheres[].nom", "Nom de la sphère (Insertion professionnelle, Santé…)."),
                         ("spheres[].actions", "Actions de la sphère (liste vide si aucune)."),
                         ("spheres[].actions[].objectif", "Objectif."),
                         ("spheres[].actions[].action", "Action."),
                         ("spheres[].actions[].responsable", "Qui (Participant, Mission Locale…)."),
                         ("spheres[].actions[].echeance", "Pour quand (date en toutes lettres)."),
                         ("spheres[].actions[].statut", "Statut (À faire, En cours…)."),
                         ("propositions", "Propositions des entreprises au débriefing."),
                         ("propositions[].entreprise", "Entreprise qui propose."),
                         ("propositions[].type", "Type (Parrainage, Conseil, Mise en relation…)."),
                         ("propositions[].detail", "Détail de la proposition."),
                         ("propositions[].suite", "Suite donnée."),
                         ("relais", "Relais extérieur (peut être vide)."),
                         ("territoire_relais", "Territoire du relais, ex. « Vienne (86) » (peut être vide)."),
                         ("date_contact_relais", "Date du contact avec le relais (peut être vide)."),
                     )),
        DocumentType("retour-entretiens", "Retours entretiens", "Retour entretiens", "Participants",
                     PARTICIPANT_FIELDS + (
                         ("date_entretiens", "Date des entretiens."),
                         ("entretiens", "Binômes rencontrés, dans l'ordre."),
                         ("entretiens[].horaire", SCHEDULE_ROW),
                         ("entretiens[].binome", "Binôme rencontré."),
                         ("entretiens[].entreprises", "Entreprises du binôme."),
                         ("propositions", "Propositions des entreprises au débriefing."),
                         ("propositions[].entreprise", "Entreprise qui propose."),
                         ("propositions[].type", "Type de proposition."),
                         ("propositions[].detail", "Détail de la proposition."),
                     )),
        DocumentType("emargement", "Feuilles d'émargement", "Émargement", "Session", (
            ("evenement", "Temps de l'action (Coaching, Sensibilisation des entreprises…)."),
            ("date", "Date du temps."),
            ("demi_journee", "« matin » ou « après-midi » pour le coaching (vide sinon)."),
            ("signataires", "Personnes attendues : participants, coach, représentants."),
            ("signataires[].nom", "« NOM Prénom », par ordre alphabétique des noms."),
            ("signataires[].structure", "Structure ou qualité (Participant, Coach, entreprise)."),
        )),
        DocumentType("invitation-copil", "Invitations COPIL", "Invitation COPIL", "Partenaires",
                     PARTNER_FIELDS + COPIL_FIELDS + (
                         ("financeurs", "Financeurs de la session et leur montant (onglet Financements)."),
                         ("financeurs[].nom", "Nom du financeur."),
                         ("financeurs[].montant", "Montant accordé, ex. « 6 000,00 € » (vide si à confirmer)."),
                         ("budget", "Budget total de la session (peut être vide)."),
                     )),
        DocumentType("emargement-copil", "Émargements COPIL", "Émargement COPIL", "Session",
                     COPIL_FIELDS + (
                         ("invites", "Partenaires invités au COPIL (« Invité au COPIL » = Oui)."),
                         ("invites[].nom", "Personne à contacter, « NOM Prénom » (peut être vide) ; la liste est "
                                           "par ordre alphabétique des noms."),
                         ("invites[].organisation", "Organisation."),
                         ("invites[].fonction", "Fonction (peut être vide)."),
                     )),
        DocumentType("dossier-entreprises", "Dossiers entreprises", "Dossier entreprises", "Entreprises",
                     COMPANY_FIELDS + (
                         ("date_entretiens", "Date des entretiens (peut être vide)."),
                         ("heure_arrivee", "Heure d'arrivée de l'entreprise : « Arrivée », sinon son premier "
                                           "entretien planifié (peut être vide)."),
                         ("heure_depart", "Heure de départ : « Départ », sinon la fin de son dernier entretien "
                                          "(peut être vide)."),
                         ("date_grand_oral", "Date du Grand Oral (peut être vide)."),
                         ("participants", "Participants retenus, par ID : rien d'autre sur eux que ces trois champs."),
                         ("participants[].prenom", "Prénom du participant."),
                         ("participants[].projet", "Projet professionnel (peut être vide)."),
                         ("participants[].domaine", "Domaine visé, sans sa lettre de code (peut être vide)."),
                         ("participants[].cv", "Où trouver le CV : joint à la suite, PDF joint à part, ou non fourni."),
                         ("cv_pdf", "Fichiers PDF de CV à joindre à l'envoi (liste de noms)."),
                     )),
        DocumentType("liste-visiteurs", "Liste des visiteurs", "Liste des visiteurs", "Session", (
            ("identite_demandee", "Ce que l'établissement demande pour chaque visiteur (« Identité des "
                                  "visiteurs » de la session), ex. « nom, prénom, date et lieu de naissance »."),
            ("evenements", "Temps de l'action où des personnes extérieures entrent."),
            ("evenements[].titre", "Nom du temps (Coaching, Entretiens individuels…)."),
            ("evenements[].date", "Date ou période du temps."),
            ("evenements[].horaire", "Horaire du temps (peut être vide)."),
            ("evenements[].visiteurs", "Personnes extérieures attendues, une ligne par personne, par ordre "
                                       "alphabétique des noms."),
            ("evenements[].visiteurs[].nom", "Nom de famille, en capitales."),
            ("evenements[].visiteurs[].prenom", "Prénom."),
            ("evenements[].visiteurs[].identite", "Les autres éléments d'identité demandés (naissance, "
                                                  "nationalité, pièce d'identité), un par ligne."),
            ("evenements[].visiteurs[].structure", "Structure du visiteur."),
            ("evenements[].visiteurs[].qualite", "Qualité (Coach, Représentant d'entreprise, Mission Locale…)."),
            ("evenements[].visiteurs[].horaire", "Heures d'arrivée et de départ (peut être vide)."),
        )),
    )
}


def fields_markdown() -> str:
    """The field reference of every template (``templates/CHAMPS.md``), for advisers editing them."""
    lines = [
        "# Champs des modèles de documents",
        "",
        "Fichier produit par `scripts/build_templates.py` : ne pas modifier à la main.",
        "",
        "Dans un modèle Word, `{{ champ }}` affiche une valeur ; `{%p if champ %}` … `{%p endif %}` "
        "(chacun seul dans son paragraphe) n'affiche un passage que si le champ est rempli ; "
        "`{%tr for x in liste %}` … `{%tr endfor %}` (chacun seul dans sa ligne de tableau) répète une "
        "ligne de tableau, et `{{ x.champ }}` affiche un champ de chaque élément. "
        "`ccc-xl modeles verifier` signale tout champ inconnu.",
        "",
    ]
    for doc_type in DOCUMENT_TYPES.values():
        lines += [f"## {doc_type.title} — `{doc_type.template}`", "",
                  f"Destinataires : {doc_type.audience.lower()}. Option `--type {doc_type.key}`.", "",
                  "| Champ | Contenu |", "|---|---|"]
        lines += [f"| `{name}` | {text} |" for name, text in doc_type.all_fields]
        lines.append("")
    return "\n".join(lines)


# ---------------------------------------------------------------------------------------------
# French formatting
# ---------------------------------------------------------------------------------------------


def is_blank(value) -> bool:
    if value is None or value is pd.NaT:
        return True
    if isinstance(value, str):
        return not value.strip()
    if isinstance(value, (list, tuple)):
        return not value
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


def as_text(value) -> str:
    """Cell value as printable text; blanks become "" so templates can test them."""
    if is_blank(value):
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def french_date(value) -> str:
    """ "mardi 14 mars 2023", "mercredi 1er septembre 2027": the weekday (CLDR French, via babel)
    before the date as the letters write it; "" for a blank cell."""
    if is_blank(value):
        return ""
    return f"{format_date(pd.Timestamp(value).date(), format='EEEE', locale=LOCALE)} {letter_date(value)}"


def _as_time(value) -> dt.time:
    if isinstance(value, dt.datetime):
        return value.time()
    if isinstance(value, dt.time):
        return value
    return dt.time.fromisoformat(str(value).strip())


def french_time(value) -> str:
    """ "9 h 30", the French typographic form; "" for a blank cell."""
    if is_blank(value):
        return ""
    return format_time(_as_time(value), "H' h 'mm", locale=LOCALE)


def time_range(start, end) -> str:
    return " – ".join(t for t in (french_time(start), french_time(end)) if t)


# ---------------------------------------------------------------------------------------------
# Planning
# ---------------------------------------------------------------------------------------------


def _empty(columns) -> pd.DataFrame:
    return pd.DataFrame(columns=list(columns))


@dataclass
class SessionFrames:
    """The workbook tables the documents are made from (see the module docstring)."""

    sessions: pd.DataFrame
    candidates: pd.DataFrame
    companies: pd.DataFrame
    debriefing: pd.DataFrame
    plans: pd.DataFrame
    pathways: pd.DataFrame
    interviews: pd.DataFrame = field(default_factory=lambda: _empty(INTERVIEW_COLUMNS))
    grand_oral: pd.DataFrame = field(default_factory=lambda: _empty(GRAND_ORAL_COLUMNS))
    partners: pd.DataFrame = field(default_factory=lambda: _empty(PARTNERS.keys))
    copil: pd.DataFrame = field(default_factory=lambda: _empty(COPIL.keys))
    funding: pd.DataFrame = field(default_factory=lambda: _empty(FUNDING.keys))
    cvs: dict = field(default_factory=dict)  # participant ID -> CV file (Path) found in the CV folder
    cv_folder: str = ""  # where advisers put the CVs, as the anomalies name it (full path)
    structures: pd.DataFrame = field(default_factory=lambda: _empty(STRUCTURES.keys))
    visitors: pd.DataFrame = field(default_factory=lambda: _empty(VISITORS.keys))
    logos: dict = field(default_factory=dict)  # file name (casefolded) -> Path, in the « Logos » folder
    logo_folder: str = ""  # where advisers put the logos, as the anomalies name it


@dataclass(frozen=True)
class Image:
    """A picture to place in a document (a logo): ``word`` turns it into docxtpl's InlineImage."""

    path: object  # pathlib.Path
    height_mm: float = 14


@dataclass(frozen=True)
class PlannedDocument:
    """One file to make: ``folder`` and ``name`` are readable, unsanitised (``word`` sanitises)."""

    type: str
    folder: tuple[str, ...]
    name: str
    template: str
    context: dict
    appendices: tuple = ()  # .docx files merged at the end of the document (CVs)


def _with_columns(frame: pd.DataFrame, table) -> pd.DataFrame:
    """``frame`` with every column of ``table`` (blank where the workbook has none)."""
    missing = [key for key in table.keys if key not in frame.columns]
    return frame.reindex(columns=[*frame.columns, *missing]) if missing else frame


def _ids(value) -> list[str]:
    if is_blank(value):
        return []
    items = value if isinstance(value, (list, tuple)) else re.split(r"[;\n]", str(value))
    return [as_text(i) for i in items if as_text(i)]


def _people(value) -> list[str]:
    """Representatives typed in one cell, separated by ";" or line breaks."""
    return [p.strip() for p in re.split(r"[;\n]", as_text(value)) if p.strip()]


def _of_session(frame: pd.DataFrame, year: int) -> pd.DataFrame:
    if frame.empty:
        return frame
    return frame[pd.to_numeric(frame["session"], errors="coerce") == year]


def _by_name(frame: pd.DataFrame, *columns: str) -> pd.DataFrame:
    """``frame`` in French dictionary order of ``columns`` (then as it was)."""
    if frame.empty:
        return frame
    order = sorted(range(len(frame)), key=lambda i: tuple(name_key(frame[col].iloc[i]) for col in columns))
    return frame.iloc[order]


def _sorted_by_start(frame: pd.DataFrame) -> pd.DataFrame:
    if frame.empty:
        return frame
    return frame.assign(_t=frame["start"].map(lambda v: _as_time(v) if not is_blank(v) else dt.time.max)
                        ).sort_values("_t", kind="stable")


def _distinct_ids(frame: pd.DataFrame, table, need_id: bool = False) -> tuple[pd.DataFrame, list[Anomaly]]:
    """Rows of ``frame`` whose ID no other row shares (and, with ``need_id``, that have an ID), and an
    anomaly for each row left out.

    Documents find a person's interviews, plan and Grand Oral slot by ID: two rows with one ID would
    each receive the other's data, so neither gets documents until the adviser tells them apart.
    """
    ids = frame["id"].map(as_text) if len(frame) else pd.Series(dtype=object)
    shared = ids.ne("") & ids.duplicated(keep=False)
    header = table.column("id").header
    anomalies = [
        Anomaly(table.sheet, int(rows[0]), header, value,
                f"l'ID « {value} » est celui des lignes {rows_text(rows)} : aucun document pour ces lignes (leurs "
                "données se mélangeraient) ; donnez-leur un ID distinct.")
        for value, rows in ids[shared].groupby(ids[shared], sort=False).groups.items()]
    missing = ids.eq("") & need_id
    anomalies += [Anomaly(table.sheet, int(row), header, None, "participant retenu sans ID : aucun document pour lui ; saisissez son ID.")
                  for row in ids.index[missing]]
    return frame[~shared & ~missing], anomalies


class _Session:
    """The session's rows with lookups shared by every document builder."""

    def __init__(self, frames: SessionFrames, year: int, today: dt.date):
        self.year = year
        rows = frames.sessions[pd.to_numeric(frames.sessions["year"], errors="coerce") == year]
        self.excel_row = rows.index[0]
        self.row = rows.iloc[0]
        retained = frames.candidates["retained"].astype("boolean").fillna(False) \
            if len(frames.candidates) else pd.Series(dtype=bool)
        participants = _of_session(frames.candidates, year)
        participants = participants[retained.reindex(participants.index, fill_value=False).astype(bool)]
        participants, self.problems = _distinct_ids(participants, CANDIDATES, need_id=True)
        self.participants = _by_name(participants, "last_name", "first_name")
        companies, problems = _distinct_ids(_of_session(frames.companies, year), COMPANIES)
        self.problems += problems
        self.companies = _by_name(companies, "name")
        self.company_names = {as_text(r["id"]): as_text(r["name"]) for _, r in self.companies.iterrows()}
        ids = set(self.participants["id"].map(as_text))
        self.debriefing = _of_session(frames.debriefing, year)
        self.plans = frames.plans[frames.plans["participant"].map(as_text).isin(ids)] \
            if len(frames.plans) else frames.plans
        self.pathways = frames.pathways
        self.interviews = _sorted_by_start(frames.interviews)
        self.grand_oral = frames.grand_oral
        self.partners, self.funding, self.cvs = frames.partners, _of_session(frames.funding, year), frames.cvs
        self.cv_folder = frames.cv_folder or f"{year}/{CV_FOLDER}"
        self.copil = _of_session(frames.copil, year).sort_values("date", kind="stable") \
            if len(frames.copil) else frames.copil
        self.visitors = _of_session(_with_columns(frames.visitors, VISITORS), year)
        structure, logos, problems = _referent_structures(frames, self.row, self.excel_row)
        self.coaching_problem = _coaching_period_problem(self)
        self.problems += problems + _closed_days(self) + ([self.coaching_problem] if self.coaching_problem else [])
        self.structure = structure
        # « Date du courrier », today when blank: the date every letter of the run bears.
        self.letter_day = pd.Timestamp(today if is_blank(self.row.get("letter_date")) else self.row.get("letter_date")).date()
        self.common = {
            "session": str(year),
            "etablissement": as_text(self.row.get("institution")) or SESSION_DEFAULTS["institution"],
            "lieu": as_text(self.row.get("place")),
            "date_edition": french_date(today),
            "date_courrier": letter_date(self.letter_day),
            "lieu_courrier": structure["ville"],
            "structure": structure,
            "contact_reponse": reply_contact(structure),
            "logos": logos,
            "mention_financement": funding_mention(self.funding),
            "organisateurs": organisers(frames.structures),
        }

    def value(self, key: str):
        return self.row.get(key)

    def date(self, key: str) -> str:
        return french_date(self.row.get(key))

    def missing(self, key: str, what: str) -> Anomaly:
        column = SESSIONS.column(key).header
        return Anomaly(SESSIONS.sheet, int(self.excel_row), column, None,
                       f"« {column} » est vide : {what} non produit(e)s.")

    def time(self, key: str) -> str:
        value = self.row.get(key)
        return "" if is_blank(value) else french_time(value)

    def unplanned(self, sheet: str, what: str) -> Anomaly:
        return Anomaly(sheet, None, None, None,
                       f"rien de planifié pour la session {self.year} : {what} non produit(e)s "
                       "(lancez « Rotations »).")

    def interviews_of_company(self, company_id: str) -> pd.DataFrame:
        if self.interviews.empty:
            return self.interviews
        return self.interviews[self.interviews["company_ids"].map(lambda v: company_id in _ids(v))]

    def interviews_of_participant(self, participant_id: str) -> pd.DataFrame:
        if self.interviews.empty:
            return self.interviews
        return self.interviews[self.interviews["participant"].map(as_text) == participant_id]

    def proposals(self, participant_id: str) -> list[dict]:
        if self.debriefing.empty:
            return []
        rows = self.debriefing[self.debriefing["participant"].map(as_text) == participant_id]
        return [{"entreprise": self.company_names.get(as_text(r["company"]), as_text(r["company"])),
                 "type": as_text(r["type"]), "detail": as_text(r["detail"]),
                 "suite": as_text(r["outcome"])} for _, r in rows.iterrows()]


# ---------------------------------------------------------------------------------------------
# Identity of the sender, funding, dates to check
# ---------------------------------------------------------------------------------------------

EMPTY_STRUCTURE = {key: "" for key, _ in STRUCTURE_PARTS}
STRUCTURE_COLUMNS = {"nom": "name", "adresse": "address", "code_postal": "postcode", "ville": "town",
                     "telephone": "phone", "email": "email", "signataire": "signatory",
                     "fonction_signataire": "signatory_title"}
LOGO_HEIGHTS_MM = (12, 11)  # the referent structure's logo, then the SPIP's


def _structure_context(row: pd.Series) -> dict:
    fields = {key: as_text(row.get(column)) for key, column in STRUCTURE_COLUMNS.items()}
    return {**fields, "signataire": person_name(fields["signataire"]).spoken}


def referent_identity(structures: pd.DataFrame, session: pd.Series, session_row, logos: dict,
                      logo_folder: str = "") -> tuple[dict, list, list]:
    """The referent structure's fields, its logos and anomalies (see `_referent_structures`), for
    papers made outside the documents run (the bilan)."""
    frames = SessionFrames(*(pd.DataFrame() for _ in range(6)), structures=structures, logos=logos,
                           logo_folder=logo_folder)
    return _referent_structures(frames, session, session_row)


def _referent_structures(frames: SessionFrames, session: pd.Series, session_row) -> tuple[dict, list, list]:
    """(the referent structure's fields, the logos to print, anomalies) of a session.

    The referent structure is the one named in « Structure référente » (by its « Nom court » or its
    name), else the first Mission Locale of the Structures sheet; the SPIP's logo goes beside its
    logo. A logo file named but not found is reported; the document simply goes without it.
    """
    structures = _with_columns(frames.structures, STRUCTURES)
    if structures.empty:
        return dict(EMPTY_STRUCTURE), [], []
    anomalies = []
    names = {as_text(v).casefold(): i for col in ("short_name", "name") for i, v in structures[col].items()
             if as_text(v)}
    kinds = structures["kind"].map(as_text)
    wanted = as_text(session.get("referent_structure"))
    referent = names.get(wanted.casefold()) if wanted else None
    if wanted and referent is None:
        column = SESSIONS.column("referent_structure").header
        anomalies.append(Anomaly(SESSIONS.sheet, int(session_row), column, wanted,
                                 f"« {wanted} » n'est le nom d'aucune structure de l'onglet « {STRUCTURES.sheet} » : "
                                 "les documents partent au nom de la première Mission Locale."))
    if referent is None:
        missions = kinds.index[kinds == "Mission Locale"]
        referent = missions[0] if len(missions) else structures.index[0]
    chosen = [referent] + [i for i in kinds.index[kinds == "SPIP"][:1] if i != referent]
    logos = []
    for index, height in zip(chosen, LOGO_HEIGHTS_MM):
        name = as_text(structures.loc[index, "logo"])
        if not name:
            continue
        path = frames.logos.get(name.casefold())
        if path is None:
            anomalies.append(Anomaly(STRUCTURES.sheet, int(index), STRUCTURES.column("logo").header, name,
                                     f"le fichier « {name} » est introuvable dans le dossier des logos "
                                     f"({frames.logo_folder or 'Logos'}) : les documents partent sans ce logo."))
            continue
        logos.append(Image(path, height))
    return _structure_context(structures.loc[referent]), logos, anomalies


# Long official names printed by their usual acronym in the footer's one line.
ACRONYMS = {"service pénitentiaire d'insertion et de probation": "SPIP"}
FALLBACK_ORGANISERS = "100 Chances 100 Emplois en milieu carcéral"


def organisers(structures: pd.DataFrame) -> str:
    """Who runs the action, as every page's footer says it: the Missions Locales of the Structures
    sheet (« Missions Locales du Poitou, Nord Vienne et Sud Vienne » when each name begins with
    « Mission Locale »), then the SPIP (« SPIP de la Vienne »); the programme's name when the sheet
    names neither, so that a footer never credits a structure the workbook does not list."""
    structures = _with_columns(structures, STRUCTURES)
    kinds = structures["kind"].map(as_text)
    names = structures["name"].map(as_text)
    missions = [n for n in names[kinds == "Mission Locale"] if n]
    services = [_acronym(n) for n in names[kinds == "SPIP"] if n]
    parts = [_shared_prefix(missions, "Mission Locale", "Missions Locales")] if missions else []
    parts += [french_list(services)] if services else []
    return " · ".join(parts) or FALLBACK_ORGANISERS


def _acronym(name: str) -> str:
    for long, short in ACRONYMS.items():
        if name.casefold().startswith(long):
            return short + name[len(long):]
    return name


def _shared_prefix(names: list[str], singular: str, plural: str) -> str:
    """« Missions Locales du Poitou et Sud Vienne » when every name begins with ``singular``, else
    the names listed."""
    rests = [n[len(singular):].strip() for n in names if n.casefold().startswith(singular.casefold() + " ")]
    if len(names) > 1 and len(rests) == len(names):
        return f"{plural} {french_list(rests)}"
    return french_list(names)


def funding_mention(funding: pd.DataFrame) -> str:
    """What the session's documents print about their funding: each funder's « Mention de
    financement », and the funders without one named after « Financement : »."""
    if funding.empty:
        return ""
    mentions, unnamed = [], []
    for _, row in funding.iterrows():
        mention = as_text(row.get("mention"))
        if mention:
            mentions.append(mention)
        elif as_text(row.get("funder")):
            unnamed.append(as_text(row.get("funder")))
    if unnamed:
        mentions.append("Financement : " + ", ".join(dict.fromkeys(unnamed)))
    return " · ".join(dict.fromkeys(mentions))


SESSION_DAYS = ("awareness_date", "interviews_date", "grand_oral_date")


def _unknown_references(s: "_Session") -> list[Anomaly]:
    """Débriefing and Visiteurs rows of the session naming a company or a participant the session
    does not have: the document would print the raw code (« ENT-099 ») instead of a name."""
    found = []
    participants = set(s.participants["id"].map(as_text))
    for excel_row, row in s.debriefing.iterrows():
        if as_text(row.get("participant")) not in participants:
            found.append(Anomaly(DEBRIEFING.sheet, int(excel_row), DEBRIEFING.column("participant").header,
                                 row.get("participant"), f"« {as_text(row.get('participant'))} » n'est pas un participant "
                                 f"retenu de la session {s.year} (onglet Candidats) : proposition dans aucun plan d'action."))
    for table, frame in ((DEBRIEFING, s.debriefing), (VISITORS, s.visitors)):
        for excel_row, row in frame.iterrows():
            company = as_text(row.get("company"))
            if company and company not in s.company_names:
                found.append(Anomaly(table.sheet, int(excel_row), table.column("company").header, company,
                                     f"« {company} » n'est pas une entreprise de la session {s.year} (onglet Entreprises) : "
                                     "les documents montreraient ce code au lieu d'un nom."))
    return found


# Letters dated « Date du courrier » that announce an event of the session, so must be dated
# before it: document type -> the Sessions column of that event. The COPIL invitations are left
# out: the meetings fall months apart from the session, and one « Date du courrier » serves both.
ANNOUNCES = {"convocation-sensibilisation": "awareness_date", "convocation-entretiens": "interviews_date",
             "invitation-grand-oral": "grand_oral_date", "convocation-coaching": "coaching_start"}


def _letter_out_of_time(s: "_Session", types) -> list[Anomaly]:
    """Convocations and invitations dated after the event they announce (a « Date du courrier »
    typed late, or a past session's letters printed again today): one anomaly on « Date du
    courrier » naming them."""
    day = s.letter_day
    events = [(key, s.value(ANNOUNCES[key])) for key in types if key in ANNOUNCES]
    late = [f"« {DOCUMENT_TYPES[key].folder} » (le {letter_date(when)})" for key, when in events
            if not is_blank(when) and pd.Timestamp(when).date() < day]
    if not late:
        return []
    column = SESSIONS.column("letter_date").header
    dated = f"les courriers sont datés du {letter_date(day)}" + (f" (« {column} » vide : date du jour)"
                                                                  if is_blank(s.value("letter_date")) else "")
    return [Anomaly(SESSIONS.sheet, int(s.excel_row), column, None,
                    f"{dated}, après ce qu'annoncent les {', '.join(late)} : vérifiez la date.")]


# The programme's coaching lasts three days and a half. More than three weeks of weekdays is a
# slip in a year or a month (2062 for 2026), not a session: one attendance sheet per half-day of it
# would be thousands of files, so none is made and the adviser is told which dates to check.
MAX_COACHING_WEEKDAYS = 15


def _coaching_period_problem(s: "_Session") -> Anomaly | None:
    """The anomaly of a coaching period that ends before it starts or lasts implausibly long."""
    start, end = s.value("coaching_start"), s.value("coaching_end")
    if is_blank(start) or is_blank(end):
        return None
    first, last = pd.Timestamp(start).date(), pd.Timestamp(end).date()
    column = SESSIONS.column("coaching_end").header
    begin = SESSIONS.column("coaching_start").header
    if last < first:
        why = f"« {column} » (le {letter_date(last)}) est avant « {begin} » (le {letter_date(first)})"
    elif (weekdays := len(pd.bdate_range(first, last))) > MAX_COACHING_WEEKDAYS:
        why = (f"le coaching irait du {letter_date(first)} au {letter_date(last)}, soit {count(weekdays, 'jour')} de "
               f"semaine (le programme en prévoit 3 et demi)")
    else:
        return None
    return Anomaly(SESSIONS.sheet, int(s.excel_row), column, None,
                   f"{why} : vérifiez « {begin} » et « {column} » ; feuilles d'émargement du coaching non produites.")


def _closed_days(s: "_Session") -> list[Anomaly]:
    """Events of the session set on a weekend or a public holiday: worth a second look."""
    found = []
    for key in SESSION_DAYS:
        why = closed_day(s.value(key))
        if why:
            column = SESSIONS.column(key).header
            found.append(Anomaly(SESSIONS.sheet, int(s.excel_row), column, None,
                                 f"« {column} » tombe {why}, le {letter_date(s.value(key))} : vérifiez la date."))
    start, end = s.value("coaching_start"), s.value("coaching_end")
    if not is_blank(start) and s.coaching_problem is None:
        for day in pd.date_range(pd.Timestamp(start), pd.Timestamp(end if not is_blank(end) else start)):
            why = closed_day(day)
            if why.startswith("un jour férié") or (why and day == pd.Timestamp(start)):
                column = SESSIONS.column("coaching_start").header
                found.append(Anomaly(SESSIONS.sheet, int(s.excel_row), column, None,
                                     f"le coaching passe par {why}, le {letter_date(day)} : vérifiez ses dates."))
    for excel_row, meeting in s.copil.iterrows():
        why = closed_day(meeting.get("date"))
        if why:
            found.append(Anomaly(COPIL.sheet, int(excel_row), COPIL.column("date").header, None,
                                 f"le comité de pilotage est fixé {why}, le {letter_date(meeting['date'])} : "
                                 "vérifiez la date."))
    return found


def reply_contact(structure: dict) -> str:
    """ "auprès d'Éric Blanc au 05 49 00 00 02 ou par courriel à contact@…", "" without phone or e-mail."""
    ways = [f"au {structure['telephone']}" if structure["telephone"] else "",
            f"par courriel à {structure['email']}" if structure["email"] else ""]
    ways = [way for way in ways if way]
    if not ways:
        return ""
    who = f"{of(structure['signataire'])} " if structure["signataire"] else ""
    return f"auprès {who}" + " ou ".join(ways)


def hours(start, end) -> str:
    """ "de 9 h 00 à 12 h 00", or "à 9 h 00" without an end; "" without a start."""
    if is_blank(start):
        return ""
    if is_blank(end):
        return f"à {french_time(start)}"
    return f"de {french_time(start)} à {french_time(end)}"


def attention(people: list[str], position: str = "") -> str:
    """ "À l'attention d'Élodie Martin et de Paul Lenoir", "" for nobody."""
    if not people:
        return ""
    return f"À l'attention {french_list([of(person) for person in people])}" + (f", {position}" if position else "")


def _participant_context(s: _Session, p: pd.Series) -> dict:
    return {**s.common, "prenom": as_text(p["first_name"]), "nom": as_text(p["last_name"])}


def _company_context(s: _Session, c: pd.Series) -> dict:
    people = [person_name(p).spoken for p in _people(c.get("representatives"))]
    return {**s.common, "entreprise": as_text(c["name"]), "representants": ", ".join(people),
            "a_l_attention": attention(people)}


def _interview_rows(rows: pd.DataFrame) -> list[dict]:
    return [{"horaire": time_range(r["start"], r["end"]), "salle": as_text(r["room"]),
             "binome": as_text(r["binome"]), "entreprises": as_text(r["companies"]),
             "participant": as_text(r["first_name"])} for _, r in rows.iterrows()]


# One builder per document type: (session) -> (list of (name, context), anomalies)


def _awareness(s: _Session):
    for key in ("awareness_date", "awareness_start"):
        if is_blank(s.value(key)):
            return [], [s.missing(key, "convocations à la sensibilisation")]
    extra = {"date_sensibilisation": s.date("awareness_date"),
             "horaire": hours(s.value("awareness_start"), s.value("awareness_end"))}
    return [(as_text(c["name"]), {**_company_context(s, c), **extra}) for _, c in s.companies.iterrows()], []


def _company_interviews(s: _Session):
    if is_blank(s.value("interviews_date")):
        return [], [s.missing("interviews_date", "convocations aux entretiens")]
    if s.interviews.empty:
        return [], [s.unplanned(INTERVIEWS_SHEET.name, "convocations aux entretiens")]
    docs, anomalies = [], []
    for excel_row, c in s.companies.iterrows():
        company_id = as_text(c["id"])
        rows = s.interviews_of_company(company_id)
        if rows.empty:
            anomalies.append(Anomaly(COMPANIES.sheet, int(excel_row), COMPANIES.column("id").header,
                                     company_id, "aucun entretien planifié pour cette entreprise : "
                                     "convocation aux entretiens non produite (lancez « Rotations »)."))
            continue
        partner_ids = {i for v in rows["company_ids"] for i in _ids(v)} - {company_id}
        arrival, departure = _company_day(s, c)
        docs.append((as_text(c["name"]), {
            **_company_context(s, c),
            "date_entretiens": s.date("interviews_date"),
            "heure_convocation": french_time(arrival),
            "heure_arrivee": french_time(arrival),
            "heure_depart": french_time(departure),
            "binome": ", ".join(dict.fromkeys(as_text(b) for b in rows["binome"] if as_text(b))),
            "partenaires": french_list(sorted((s.company_names.get(i, i) for i in partner_ids), key=name_key)),
            "creneaux": _interview_rows(rows),
        }))
    return docs, anomalies


def _grand_oral_start_value(s: _Session):
    """The Grand Oral's start: « Heure du Grand Oral », else the first passage planned, else None."""
    if not is_blank(s.value("grand_oral_start")) or s.grand_oral.empty:
        return s.value("grand_oral_start")
    starts = [_as_time(v) for v in s.grand_oral["start"] if not is_blank(v)]
    return min(starts) if starts else None


def _grand_oral_start(s: _Session) -> str:
    value = _grand_oral_start_value(s)
    return "" if is_blank(value) else french_time(value)


def _setting(s: _Session, key: str):
    """A session parameter, or its default when the cell is blank."""
    value = s.value(key)
    return SESSION_DEFAULTS.get(key) if is_blank(value) else value


def _later(start, minutes: float) -> dt.time:
    moment = dt.datetime.combine(dt.date(2000, 1, 1), _as_time(start)) + dt.timedelta(minutes=float(minutes))
    return moment.time()


def _minutes_between(start, end) -> float:
    return (dt.datetime.combine(dt.date(2000, 1, 1), _as_time(end))
            - dt.datetime.combine(dt.date(2000, 1, 1), _as_time(start))).total_seconds() / 60


def _grand_oral_hours(s: _Session) -> tuple:
    """(start, end) of the Grand Oral and the meal that closes it; (None, None) without a start.

    The passages end with the last one planned (Grand Oral sheet) plus « Passage Grand Oral (min) »,
    or, before the plan, after one passage per participant; the meal then takes as long as the
    session's lunch break (« Début » to « Fin pause déjeuner »)."""
    start = _grand_oral_start_value(s)
    if is_blank(start):
        return None, None
    minutes = float(_setting(s, "grand_oral_minutes"))
    planned = [_as_time(v) for v in s.grand_oral["start"] if not is_blank(v)] if not s.grand_oral.empty else []
    passages_end = _later(max(planned), minutes) if planned else _later(start, minutes * len(s.participants))
    meal = max(_minutes_between(_setting(s, "lunch_start"), _setting(s, "lunch_end")), 0)
    return start, _later(max(passages_end, _as_time(start)), meal)


def _plan_span(rows: pd.DataFrame) -> tuple:
    """(first start, last end) of planned interviews; (None, None) when there are none."""
    starts = [_as_time(v) for v in rows["start"] if not is_blank(v)] if len(rows) else []
    ends = [_as_time(v) for v in rows["end"] if not is_blank(v)] if len(rows) else []
    return (min(starts) if starts else None), (max(ends) if ends else None)


def _company_day(s: _Session, company) -> tuple:
    """(arrival, departure) of a company on the interview day: its « Arrivée » and « Départ »
    (Entreprises), else the start of its first interview and the end of its last in the plan."""
    first, last = _plan_span(s.interviews_of_company(as_text(company.get("id"))))
    arrival, departure = company.get("arrival"), company.get("departure")
    return (first if is_blank(arrival) else arrival), (last if is_blank(departure) else departure)


def _interview_day(s: _Session) -> tuple:
    """(start, end) of the interview day: the plan's first and last interviews, else the session's
    « Heure de début » and « Heure de fin »."""
    first, last = _plan_span(s.interviews)
    return (first or _setting(s, "day_start")), (last or _setting(s, "day_end"))


def _company_grand_oral(s: _Session):
    if is_blank(s.value("grand_oral_date")):
        return [], [s.missing("grand_oral_date", "invitations au Grand Oral")]
    if not _grand_oral_start(s):
        return [], [s.missing("grand_oral_start", "invitations au Grand Oral (sans heure, et pas d'ordre de "
                                                  "passage planifié)")]
    extra = {"date_grand_oral": s.date("grand_oral_date"), "heure_grand_oral": _grand_oral_start(s),
             "horaire_grand_oral": hours(*_grand_oral_hours(s))}
    return [(as_text(c["name"]), {**_company_context(s, c), **extra})
            for _, c in s.companies.iterrows()], []


def _participant_name(p: pd.Series) -> str:
    return f"{as_text(p['id'])} {as_text(p['first_name'])}"


def _coaching(s: _Session):
    for key in ("coaching_start", "coaching_day_start"):
        if is_blank(s.value(key)):
            return [], [s.missing(key, "convocations au coaching")]
    extra = {"date_debut_coaching": s.date("coaching_start"), "date_fin_coaching": s.date("coaching_end"),
             "horaire": hours(s.value("coaching_day_start"), s.value("coaching_day_end")),
             "coach": as_text(s.value("coach")), "date_entretiens": s.date("interviews_date"),
             "date_grand_oral": s.date("grand_oral_date")}
    return [(_participant_name(p), {**_participant_context(s, p), **extra})
            for _, p in s.participants.iterrows()], []


def _participant_interviews(s: _Session):
    if is_blank(s.value("interviews_date")):
        return [], [s.missing("interviews_date", "plannings des entretiens")]
    if s.interviews.empty:
        return [], [s.unplanned(INTERVIEWS_SHEET.name, "plannings des entretiens")]
    docs, anomalies = [], []
    for excel_row, p in s.participants.iterrows():
        rows = s.interviews_of_participant(as_text(p["id"]))
        if rows.empty:
            anomalies.append(Anomaly(CANDIDATES.sheet, int(excel_row), CANDIDATES.column("id").header,
                                     as_text(p["id"]), "aucun entretien planifié pour ce participant : "
                                     "planning non produit (lancez « Rotations »)."))
            continue
        docs.append((_participant_name(p), {**_participant_context(s, p),
                                            "date_entretiens": s.date("interviews_date"),
                                            "entretiens": _interview_rows(rows)}))
    return docs, anomalies


def _participant_grand_oral(s: _Session):
    if is_blank(s.value("grand_oral_date")):
        return [], [s.missing("grand_oral_date", "horaires du Grand Oral")]
    if s.grand_oral.empty:
        return [], [s.unplanned(GRAND_ORAL_SHEET.name, "horaires du Grand Oral")]
    by_participant = {as_text(r["participant"]): r for _, r in s.grand_oral.iterrows()}
    docs, anomalies = [], []
    for excel_row, p in s.participants.iterrows():
        slot = by_participant.get(as_text(p["id"]))
        if slot is None:
            anomalies.append(Anomaly(CANDIDATES.sheet, int(excel_row), CANDIDATES.column("id").header,
                                     as_text(p["id"]), "pas d'horaire de Grand Oral pour ce participant "
                                     "(lancez « Rotations »)."))
            continue
        docs.append((_participant_name(p), {**_participant_context(s, p),
                                            "date_grand_oral": s.date("grand_oral_date"),
                                            "heure_passage": french_time(slot["start"]),
                                            "ordre": as_text(slot["rank"])}))
    return docs, anomalies


def _spheres(actions: pd.DataFrame) -> list[dict]:
    """Every life sphere of the closed list (the plan covers them all), then any other typed."""
    typed = [as_text(v) for v in actions["sphere"]] if len(actions) else []
    names = [n for n in LIFE_SPHERES if n != "Autre"] + [n for n in dict.fromkeys(typed)
                                                         if n not in LIFE_SPHERES or n == "Autre"]
    spheres = []
    for name in names:
        rows = actions[[t == name for t in typed]] if len(actions) else actions
        spheres.append({"nom": name or "Sans sphère", "actions": [
            {"objectif": as_text(r["objective"]), "action": as_text(r["action"]),
             "responsable": as_text(r["owner"]), "echeance": french_date(r["deadline"]),
             "statut": as_text(r["status"])} for _, r in rows.iterrows()]})
    return spheres


def _action_plans(s: _Session):
    docs = []
    for _, p in s.participants.iterrows():
        pid = as_text(p["id"])
        actions = s.plans[s.plans["participant"].map(as_text) == pid] if len(s.plans) else s.plans
        pathway = s.pathways[s.pathways["participant"].map(as_text) == pid] if len(s.pathways) else s.pathways
        relay = pathway.iloc[0] if len(pathway) else pd.Series(dtype=object)
        docs.append((_participant_name(p), {
            **_participant_context(s, p),
            "mission_locale": as_text(p.get("mission_locale")),
            "conseiller": as_text(p.get("adviser")),
            "projet": as_text(p.get("project")),
            "spheres": _spheres(actions),
            "propositions": s.proposals(pid),
            "relais": as_text(relay.get("relay")),
            "territoire_relais": departement_label(relay.get("relay_territory")),
            "date_contact_relais": french_date(relay.get("relay_contact_date")),
        }))
    return docs, []


def _feedback(s: _Session):
    if is_blank(s.value("interviews_date")):
        return [], [s.missing("interviews_date", "retours après entretiens")]
    return [(_participant_name(p), {
        **_participant_context(s, p), "date_entretiens": s.date("interviews_date"),
        "entretiens": _interview_rows(s.interviews_of_participant(as_text(p["id"]))),
        "propositions": s.proposals(as_text(p["id"])),
    }) for _, p in s.participants.iterrows()], []


def _listed(people: list[tuple[PersonName, dict]]) -> list[dict]:
    """Lines of a printed list: « NOM Prénom » in ``nom``, by last name then first name (a line
    without a name after the named ones, in its order)."""
    ordered = sorted(people, key=lambda item: (not item[0].typed, item[0].key))
    return [{"nom": name.listed, **line} for name, line in ordered]


def _participant_signatories(s: _Session) -> list[dict]:
    return _listed([(person_name(p["last_name"], p["first_name"]), {"structure": "Participant"})
                    for _, p in s.participants.iterrows()])


def _company_people(companies: pd.DataFrame) -> list[dict]:
    """One line per representative (or one per company when nobody is named yet)."""
    return _listed([(person_name(person), {"structure": as_text(c["name"]), "qualite": "Représentant d'entreprise",
                                           "arrivee": french_time(c.get("arrival")),
                                           "depart": french_time(c.get("departure"))})
                    for _, c in companies.iterrows() for person in (_people(c.get("representatives")) or [""])])


def coaching_half_days(start, end, interviews_date=None) -> list[tuple[dt.date, str]]:
    """Half-days of coaching, weekdays from start to end; a day shared with the interviews keeps
    only its morning (the programme's "3 jours et demi")."""
    if is_blank(start):
        return []
    last = pd.Timestamp(end if not is_blank(end) else start).date()
    shared = pd.Timestamp(interviews_date).date() if not is_blank(interviews_date) else None
    halves = []
    for day in pd.bdate_range(pd.Timestamp(start).date(), last):
        day = day.date()
        halves += [(day, "matin")] + ([] if day == shared else [(day, "après-midi")])
    return halves


def _events(s: _Session) -> list[tuple[str, str, list[dict], list[dict]]]:
    """(title, date key, participants signing, visitors) for each one-day event with a date."""
    companies_met = s.companies
    if not s.interviews.empty:
        met = {i for v in s.interviews["company_ids"] for i in _ids(v)}
        companies_met = s.companies[s.companies["id"].map(as_text).isin(met)]
    return [
        ("Sensibilisation des entreprises", "awareness_date", [], _company_people(s.companies)),
        ("Entretiens individuels", "interviews_date", _participant_signatories(s),
         _company_people(companies_met)),
        ("Grand Oral et repas", "grand_oral_date", _participant_signatories(s),
         _company_people(s.companies)),
    ]


def _coach_people(s: _Session) -> list[dict]:
    coach = as_text(s.value("coach"))
    return _listed([(person_name(coach), {"structure": "Coach", "qualite": "Coach", "arrivee": "", "depart": ""})]) \
        if coach else []


def _attendance(s: _Session):
    docs = []
    halves = [] if s.coaching_problem else coaching_half_days(s.value("coaching_start"), s.value("coaching_end"),
                                                              s.value("interviews_date"))
    for day, half in halves:
        docs.append((f"{day.isoformat()} {half} - Coaching", {
            **s.common, "evenement": "Coaching", "date": french_date(day), "demi_journee": half,
            "signataires": _participant_signatories(s) + _coach_people(s)}))
    anomalies = [] if docs or s.coaching_problem else [s.missing("coaching_start", "feuilles d'émargement du coaching")]
    for title, key, participants, visitors in _events(s):
        if is_blank(s.value(key)):
            continue
        docs.append((f"{pd.Timestamp(s.value(key)).date().isoformat()} - {title}", {
            **s.common, "evenement": title, "date": s.date(key), "demi_journee": "",
            "signataires": participants + visitors}))
    return docs, anomalies


# The times outsiders come in: (title, session date key, « Visiteurs » column, who comes by default).
VISITOR_EVENTS = (
    ("Sensibilisation des entreprises", "awareness_date", "awareness",
     {COMPANY_VISITOR, "Mission Locale", "SPIP", "Autre"}),
    ("Coaching", "coaching_start", "coaching", {COACH_VISITOR, "Mission Locale"}),
    ("Entretiens individuels", "interviews_date", "interviews", set(VISITOR_ROLES)),
    ("Grand Oral et repas", "grand_oral_date", "grand_oral", set(VISITOR_ROLES)),
)


def _identity_asked(s: _Session) -> tuple[list[str], list[Anomaly]]:
    """The identity fields the establishment asks for (« Identité des visiteurs »), in their order."""
    typed = as_text(s.value("visitor_identity"))
    if not typed:
        return list(VISITOR_IDENTITY_DEFAULT), []
    known = {label.casefold(): label for label in VISITOR_IDENTITY}
    asked, unknown = [], []
    for part in re.split(r"[;,\n]", typed):
        part = part.strip()
        if part:
            (asked.append(known[part.casefold()]) if part.casefold() in known else unknown.append(part))
    column = SESSIONS.column("visitor_identity").header
    anomalies = [Anomaly(SESSIONS.sheet, int(s.excel_row), column, typed,
                         f"« {', '.join(unknown)} » : élément(s) d'identité inconnu(s) ; possibles : "
                         f"{' ; '.join(VISITOR_IDENTITY)}.")] if unknown else []
    return list(dict.fromkeys(asked)) or list(VISITOR_IDENTITY_DEFAULT), anomalies


def _identity_lines(person: dict, asked: list[str]) -> tuple[str, list[str]]:
    """The identity column of one visitor (one element a line) and the asked elements missing."""
    lines, missing = [], []
    born, place = person.get("birth_date"), as_text(person.get("birth_place"))
    if "Date de naissance" in asked or "Lieu de naissance" in asked:
        text = ""
        if "Date de naissance" in asked:
            text = f"le {pd.Timestamp(born):%d/%m/%Y}" if not is_blank(born) else ""
            missing += [] if text else ["Date de naissance"]
        if "Lieu de naissance" in asked:
            text += f" à {place}" if place else ""
            missing += [] if place else ["Lieu de naissance"]
        if text.strip():
            lines.append(f"Né(e) {text.strip()}")
    if "Nationalité" in asked:
        nationality = as_text(person.get("nationality"))
        lines += [f"Nationalité : {nationality}"] if nationality else []
        missing += [] if nationality else ["Nationalité"]
    if "Pièce d'identité" in asked:
        kind, number = as_text(person.get("id_type")), as_text(person.get("id_number"))
        if kind or number:
            lines.append(" n° ".join(v for v in (kind or "Pièce d'identité", number) if v))
        missing += [] if kind and number else ["Pièce d'identité"]
    for label in ("Nom", "Prénom"):
        if label in asked and not as_text(person.get(VISITOR_IDENTITY[label])):
            missing.append(label)
    return "\n".join(lines), missing


def _visitor_people(s: _Session) -> tuple[list[dict], list[Anomaly]]:
    """Everyone from outside: the « Visiteurs » rows of the session, then the companies'
    representatives and the coach who have none (their identity is then missing)."""
    people, anomalies = [], []
    for excel_row, v in s.visitors.iterrows():
        company = as_text(v.get("company"))
        people.append({**v.to_dict(), "excel_row": int(excel_row),
                       "role": as_text(v.get("role")) or (COMPANY_VISITOR if company else "Autre"),
                       "structure": as_text(v.get("structure")) or s.company_names.get(company, company)})
    listed = {(as_text(p.get("company")), f"{as_text(p.get('first_name'))} {as_text(p.get('last_name'))}".casefold())
              for p in people} | {(as_text(p.get("company")), f"{as_text(p.get('last_name'))} "
                                                              f"{as_text(p.get('first_name'))}".casefold()) for p in people}
    header = COMPANIES.column("representatives").header
    for excel_row, c in s.companies.iterrows():
        company = as_text(c["id"])
        unlisted = [person for person in _people(c.get("representatives")) if (company, person.casefold()) not in listed]
        for person in unlisted:
            name = person_name(person)
            people.append({"last_name": name.last or name.typed, "first_name": name.first, "role": COMPANY_VISITOR,
                           "company": company, "structure": as_text(c["name"]), "excel_row": None})
        if unlisted:
            anomalies.append(Anomaly(COMPANIES.sheet, int(excel_row), header, "; ".join(unlisted),
                                     f"{french_list(unlisted)} ({as_text(c['name'])}) : pas de ligne dans l'onglet "
                                     f"« {VISITORS.sheet} » pour la session {s.year}, identité absente de la liste "
                                     "des visiteurs."))
    coach = as_text(s.value("coach"))
    if coach and not any(p["role"] == COACH_VISITOR for p in people):
        name = person_name(coach)
        people.append({"last_name": name.last or name.typed, "first_name": name.first, "role": COACH_VISITOR,
                       "structure": name.note.strip("()"),
                       "excel_row": None})
        anomalies.append(Anomaly(SESSIONS.sheet, int(s.excel_row), SESSIONS.column("coach").header, coach,
                                 f"le coach n'a pas de ligne dans l'onglet « {VISITORS.sheet} » : son identité manque "
                                 "sur la liste des visiteurs."))
    return people, anomalies


def _comes(person: dict, column: str, roles: set, met: set | None) -> bool:
    said = person.get(column)
    if not is_blank(said):
        return bool(said)
    if person["role"] == COMPANY_VISITOR and column == "interviews" and met is not None:
        return as_text(person.get("company")) in met
    return person["role"] in roles


def _visitor_hours(s: _Session, key: str, person: dict) -> str:
    """When a person (or, for ``{}``, the event) comes in and leaves: on the interview day a
    company's people keep their company's own hours (`_company_day`)."""
    if key == "awareness_date":
        return hours(s.value("awareness_start"), s.value("awareness_end"))
    if key == "coaching_start":
        return hours(s.value("coaching_day_start"), s.value("coaching_day_end"))
    if key == "grand_oral_date":
        return hours(*_grand_oral_hours(s))
    company = s.companies[s.companies["id"].map(as_text) == as_text(person.get("company"))]
    if person.get("role") == COMPANY_VISITOR and len(company):
        arrival, departure = _company_day(s, company.iloc[0])
        if not is_blank(arrival):
            return hours(arrival, departure)
    return hours(*_interview_day(s))


def _visitors(s: _Session):
    """The list for the establishment's security: one section per time of the action, one row per
    person, with the identity elements the establishment asks for (only ever printed here)."""
    asked, anomalies = _identity_asked(s)
    people, found = _visitor_people(s)
    anomalies += found
    for person in people:
        _, missing = _identity_lines(person, asked)
        if missing and person["excel_row"] is not None:
            column = VISITORS.column({"Pièce d'identité": "id_type", "Nom": "last_name", "Prénom": "first_name"}
                                     .get(missing[0], VISITOR_IDENTITY.get(missing[0], "last_name"))).header
            anomalies.append(Anomaly(VISITORS.sheet, person["excel_row"], column, None,
                                     f"{as_text(person.get('first_name'))} {as_text(person.get('last_name'))} : "
                                     f"{', '.join(missing)} à compléter pour la liste des visiteurs."))
    met = {i for v in s.interviews["company_ids"] for i in _ids(v)} if not s.interviews.empty else None
    events = []
    for title, key, column, roles in VISITOR_EVENTS:
        if is_blank(s.value(key)):
            continue
        coming = sorted((p for p in people if _comes(p, column, roles, met)),
                        key=lambda p: person_name(p.get("last_name"), p.get("first_name")).key)
        if not coming:
            continue
        date = s.date(key)
        if key == "coaching_start" and not is_blank(s.value("coaching_end")):
            date = f"du {date} au {s.date('coaching_end')}"
        events.append({"titre": title, "date": date, "horaire": _visitor_hours(s, key, {}),
                       "visiteurs": [{"nom": as_text(p.get("last_name")).upper(), "prenom": as_text(p.get("first_name")),
                                      "identite": _identity_lines(p, asked)[0], "structure": as_text(p.get("structure")),
                                      "qualite": p["role"], "horaire": _visitor_hours(s, key, p)} for p in coming]})
    extra = {"evenements": events, "identite_demandee": ", ".join(label.lower() for label in asked)}
    return [(f"session {s.year}", {**s.common, **extra})], anomalies


def _session_partners(s: _Session) -> pd.DataFrame:
    """Partners of every session (blank « Session ») or of this one."""
    if s.partners.empty:
        return s.partners
    years = pd.to_numeric(s.partners["session"], errors="coerce")
    return s.partners[years.isna() | (years == s.year)]


def _money(amount) -> str:
    return "" if is_blank(amount) else format_currency(float(amount), "EUR", locale=LOCALE)


def _funders(s: _Session) -> list[dict]:
    """The session's funding rows (« Financements »): who funds and how much. A partner whose role
    is Financeur is invited, not listed as funding a session it has no row for."""
    return [{"nom": as_text(r["funder"]), "montant": _money(r["amount"])} for _, r in s.funding.iterrows()]


def _copil_context(s: _Session, meeting: pd.Series) -> dict:
    return {**s.common, "date_copil": french_date(meeting["date"]), "heure_copil": french_time(meeting.get("start")),
            "horaire_copil": hours(meeting.get("start"), meeting.get("end")),
            "lieu_copil": as_text(meeting.get("place")) or s.common["etablissement"],
            "ordre_du_jour": as_text(meeting.get("agenda"))}


def _copil_inputs(s: _Session, what: str):
    """(meetings, invited partners, anomalies) for the COPIL documents."""
    partners = _session_partners(s)
    invited = partners[partners["copil_invited"].astype("boolean").fillna(False).astype(bool)] \
        if len(partners) else partners
    anomalies = []
    if s.copil.empty:
        anomalies.append(Anomaly(COPIL.sheet, None, None, None, f"aucune réunion du comité de pilotage pour la "
                                 f"session {s.year} : {what} non produit(e)s."))
    if invited.empty:
        column = PARTNERS.column("copil_invited").header
        anomalies.append(Anomaly(PARTNERS.sheet, None, column, None, f"aucun partenaire n'a « {column} » = Oui "
                                 f"pour la session {s.year} : {what} non produit(e)s."))
    return s.copil, _by_name(invited, "organisation", "contact"), anomalies


def _copil_invitations(s: _Session):
    meetings, invited, anomalies = _copil_inputs(s, "invitations au COPIL")
    if anomalies:
        return [], anomalies
    funders = _funders(s)
    budget = _money(s.value("budget"))
    timed = meetings[meetings["start"].map(lambda v: not is_blank(v))] if len(meetings) else meetings
    untimed = [Anomaly(COPIL.sheet, int(row), COPIL.column("start").header, None,
                       f"« {COPIL.column('start').header} » est vide pour le comité de pilotage du "
                       f"{french_date(m['date'])} : invitations non produites.")
               for row, m in meetings.iterrows() if row not in timed.index]
    return [(f"{pd.Timestamp(m['date']).date().isoformat()} - {as_text(p['organisation'])}", {
        **_copil_context(s, m), "organisation": as_text(p["organisation"]), "contact": as_text(p["contact"]),
        "fonction": as_text(p["position"]), "financeurs": funders, "budget": budget,
        "a_l_attention": attention([person_name(c).spoken for c in _people(p["contact"])], as_text(p["position"])),
    }) for _, m in timed.iterrows() for _, p in invited.iterrows()], untimed


def _copil_attendance(s: _Session):
    meetings, invited, anomalies = _copil_inputs(s, "feuilles d'émargement du COPIL")
    if anomalies:
        return [], anomalies
    people = _listed([(person_name(p["contact"]), {"organisation": as_text(p["organisation"]),
                                                   "fonction": as_text(p["position"])})
                      for _, p in invited.iterrows()])
    return [(pd.Timestamp(m["date"]).date().isoformat(), {**_copil_context(s, m), "invites": people})
            for _, m in meetings.iterrows()], []


def _cv_note(path) -> str:
    if path is None:
        return "non fourni"
    return "joint à la suite" if path.suffix.lower() == ".docx" else f"PDF joint à part ({path.name})"


def _company_pack(s: _Session):
    """Per company: practical information, then each participant's first name, project, domain, CV."""
    people = s.participants.sort_values("id", kind="stable")
    cvs = {as_text(p["id"]): s.cvs.get(as_text(p["id"])) for _, p in people.iterrows()}
    anomalies = [Anomaly(CANDIDATES.sheet, int(row), CANDIDATES.column("id").header, as_text(p["id"]),
                         f"CV absent du dossier « {s.cv_folder} » ({as_text(p['id'])}.docx ou .pdf) : "
                         "le dossier entreprises part sans ce CV.")
                 for row, p in people.iterrows() if cvs[as_text(p["id"])] is None]
    listed = [{"prenom": as_text(p["first_name"]), "projet": as_text(p.get("project")),
               "domaine": domain_label(p.get("domain")), "cv": _cv_note(cvs[as_text(p["id"])])}
              for _, p in people.iterrows()]
    merged = tuple(path for path in cvs.values() if path is not None and path.suffix.lower() == ".docx")
    pdfs = [path.name for path in cvs.values() if path is not None and path.suffix.lower() == ".pdf"]
    extra = {"date_entretiens": s.date("interviews_date"), "date_grand_oral": s.date("grand_oral_date"),
             "participants": listed, "cv_pdf": pdfs}
    return [(as_text(c["name"]), {**_company_context(s, c), **extra,
                                  "heure_arrivee": french_time(_company_day(s, c)[0]),
                                  "heure_depart": french_time(_company_day(s, c)[1])}, merged)
            for _, c in s.companies.iterrows()], anomalies


BUILDERS = {
    "convocation-sensibilisation": _awareness,
    "convocation-entretiens": _company_interviews,
    "invitation-grand-oral": _company_grand_oral,
    "convocation-coaching": _coaching,
    "planning-entretiens": _participant_interviews,
    "horaire-grand-oral": _participant_grand_oral,
    "plan-action": _action_plans,
    "retour-entretiens": _feedback,
    "emargement": _attendance,
    "invitation-copil": _copil_invitations,
    "emargement-copil": _copil_attendance,
    "dossier-entreprises": _company_pack,
    "liste-visiteurs": _visitors,
}


def check_types(types) -> list[str]:
    """The requested document types in a stable order; a French error naming the valid ones."""
    if not types:
        return list(DOCUMENT_TYPES)
    unknown = [t for t in types if t not in DOCUMENT_TYPES]
    if unknown:
        raise CommandError(f"Type de document inconnu : {', '.join(unknown)}. "
                           f"Types possibles : {', '.join(DOCUMENT_TYPES)}.")
    return [t for t in DOCUMENT_TYPES if t in types]


def plan_documents(frames: SessionFrames, session: int | None = None, types=None,
                   today: dt.date | None = None) -> tuple[int, list[PlannedDocument], list[Anomaly]]:
    """Every document of the session (or of the given types): (year, documents, anomalies).

    A document that lacks its key date is not planned; an anomaly names the empty cell instead.
    """
    year = select_session(frames.sessions, session)
    s = _Session(frames, year, today or dt.date.today())
    documents, anomalies = [], list(s.problems) + _unknown_references(s)
    anomalies += _letter_out_of_time(s, check_types(types))
    for key in check_types(types):
        doc_type = DOCUMENT_TYPES[key]
        made, found = BUILDERS[key](s)
        anomalies += found
        # A builder gives (name, context), or (name, context, appendices) for documents with CVs.
        documents += [PlannedDocument(key, (str(year), doc_type.folder), f"{doc_type.title} - {name}",
                                      doc_type.template, context, *appendices)
                      for name, context, *appendices in made]
    return year, documents, anomalies
