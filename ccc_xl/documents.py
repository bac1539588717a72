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
    FUNDING,
    PARTNERS,
    GRAND_ORAL_SHEET,
    INTERVIEWS_SHEET,
    LIFE_SPHERES,
    SESSION_DEFAULTS,
    SESSIONS,
)
from ccc_xl.report import Anomaly, CommandError, rows_text
from ccc_xl.sessions import select_session

LOCALE = "fr_FR"
INTERVIEW_COLUMNS = ("slot", "start", "end", "room", "binome", "companies", "company_ids",
                     "participant", "first_name")
GRAND_ORAL_COLUMNS = ("rank", "start", "participant", "first_name")


# ---------------------------------------------------------------------------------------------
# Document types and their fields
# ---------------------------------------------------------------------------------------------

COMMON_FIELDS = (
    ("session", "Année de la session (ex. 2023)."),
    ("etablissement", "Établissement pénitentiaire de l'action (onglet Sessions)."),
    ("lieu", "Salle ou lieu de l'action dans l'établissement (peut être vide)."),
    ("date_edition", "Date de production du document, ex. « mardi 14 mars 2023 »."),
)
COMPANY_FIELDS = (
    ("entreprise", "Raison sociale de l'entreprise."),
    ("representants", "Représentant(s) de l'entreprise (peut être vide)."),
)
PARTNER_FIELDS = (
    ("organisation", "Organisation partenaire invitée."),
    ("contact", "Personne à contacter dans l'organisation (peut être vide)."),
    ("fonction", "Fonction de cette personne (peut être vide)."),
)
COPIL_FIELDS = (
    ("date_copil", "Date de la réunion du comité de pilotage."),
    ("heure_copil", "Heure de la réunion (peut être vide)."),
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
                     )),
        DocumentType("convocation-entretiens", "Convocations entretiens", "Convocation entretiens",
                     "Entreprises", COMPANY_FIELDS + (
                         ("date_entretiens", "Date des entretiens."),
                         ("heure_arrivee", "Heure d'arrivée de l'entreprise (peut être vide)."),
                         ("heure_depart", "Heure de départ de l'entreprise (peut être vide)."),
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
                         ("heure_grand_oral", "Heure de début du Grand Oral (peut être vide)."),
                     )),
        DocumentType("convocation-coaching", "Convocations coaching", "Convocation coaching",
                     "Participants", PARTICIPANT_FIELDS + (
                         ("date_debut_coaching", "Premier jour du coaching."),
                         ("date_fin_coaching", "Dernier jour du coaching (peut être vide)."),
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
                         ("territoire_relais", "Territoire du relais (peut être vide)."),
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
            ("signataires[].nom", "Nom et prénom (NOM Prénom pour un participant)."),
            ("signataires[].structure", "Structure ou qualité (Participant, Coach, entreprise)."),
        )),
        DocumentType("invitation-copil", "Invitations COPIL", "Invitation COPIL", "Partenaires",
                     PARTNER_FIELDS + COPIL_FIELDS + (
                         ("financeurs", "Financeurs de la session (onglets Financements et Partenaires)."),
                         ("financeurs[].nom", "Nom du financeur."),
                         ("financeurs[].montant", "Montant accordé, ex. « 6 000,00 € » (vide si à confirmer)."),
                         ("budget", "Budget total de la session (peut être vide)."),
                     )),
        DocumentType("emargement-copil", "Émargements COPIL", "Émargement COPIL", "Session",
                     COPIL_FIELDS + (
                         ("invites", "Partenaires invités au COPIL (« Invité au COPIL » = Oui)."),
                         ("invites[].nom", "Personne à contacter (peut être vide)."),
                         ("invites[].organisation", "Organisation."),
                         ("invites[].fonction", "Fonction (peut être vide)."),
                     )),
        DocumentType("dossier-entreprises", "Dossiers entreprises", "Dossier entreprises", "Entreprises",
                     COMPANY_FIELDS + (
                         ("date_entretiens", "Date des entretiens (peut être vide)."),
                         ("heure_arrivee", "Heure d'arrivée de l'entreprise (peut être vide)."),
                         ("date_grand_oral", "Date du Grand Oral (peut être vide)."),
                         ("participants", "Participants retenus, par ID : rien d'autre sur eux que ces trois champs."),
                         ("participants[].prenom", "Prénom du participant."),
                         ("participants[].projet", "Projet professionnel (peut être vide)."),
                         ("participants[].domaine", "Domaine visé (peut être vide)."),
                         ("participants[].cv", "Où trouver le CV : joint à la suite, PDF joint à part, ou non fourni."),
                         ("cv_pdf", "Fichiers PDF de CV à joindre à l'envoi (liste de noms)."),
                     )),
        DocumentType("liste-visiteurs", "Liste des visiteurs", "Liste des visiteurs", "Session", (
            ("evenements", "Temps de l'action où des personnes extérieures entrent."),
            ("evenements[].titre", "Nom du temps (Coaching, Entretiens individuels…)."),
            ("evenements[].date", "Date ou période du temps."),
            ("evenements[].visiteurs", "Personnes extérieures attendues."),
            ("evenements[].visiteurs[].nom", "Nom et prénom du visiteur."),
            ("evenements[].visiteurs[].structure", "Structure du visiteur."),
            ("evenements[].visiteurs[].qualite", "Qualité (Coach, Représentant d'entreprise)."),
            ("evenements[].visiteurs[].arrivee", "Heure d'arrivée (peut être vide)."),
            ("evenements[].visiteurs[].depart", "Heure de départ (peut être vide)."),
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
    """ "mardi 14 mars 2023" (CLDR French, via babel); "" for a blank cell."""
    if is_blank(value):
        return ""
    return format_date(pd.Timestamp(value).date(), format="full", locale=LOCALE)


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


@dataclass(frozen=True)
class PlannedDocument:
    """One file to make: ``folder`` and ``name`` are readable, unsanitised (``word`` sanitises)."""

    type: str
    folder: tuple[str, ...]
    name: str
    template: str
    context: dict
    appendices: tuple = ()  # .docx files merged at the end of the document (CVs)


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
        self.participants = participants.sort_values(["last_name", "first_name"], kind="stable")
        companies, problems = _distinct_ids(_of_session(frames.companies, year), COMPANIES)
        self.problems += problems
        self.companies = companies.sort_values("name", kind="stable")
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
        self.common = {
            "session": str(year),
            "etablissement": as_text(self.row.get("institution")) or SESSION_DEFAULTS["institution"],
            "lieu": as_text(self.row.get("place")),
            "date_edition": french_date(today),
        }

    def value(self, key: str):
        return self.row.get(key)

    def date(self, key: str) -> str:
        return french_date(self.row.get(key))

    def missing(self, key: str, what: str) -> Anomaly:
        column = SESSIONS.column(key).header
        return Anomaly(SESSIONS.sheet, int(self.excel_row), column, None,
                       f"« {column} » est vide : {what} non produit(e)s.")

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


def _participant_context(s: _Session, p: pd.Series) -> dict:
    return {**s.common, "prenom": as_text(p["first_name"]), "nom": as_text(p["last_name"])}


def _company_context(s: _Session, c: pd.Series) -> dict:
    return {**s.common, "entreprise": as_text(c["name"]),
            "representants": ", ".join(_people(c.get("representatives")))}


def _interview_rows(rows: pd.DataFrame) -> list[dict]:
    return [{"horaire": time_range(r["start"], r["end"]), "salle": as_text(r["room"]),
             "binome": as_text(r["binome"]), "entreprises": as_text(r["companies"]),
             "participant": as_text(r["first_name"])} for _, r in rows.iterrows()]


# One builder per document type: (session) -> (list of (name, context), anomalies)


def _awareness(s: _Session):
    if is_blank(s.value("awareness_date")):
        return [], [s.missing("awareness_date", "convocations à la sensibilisation")]
    date = s.date("awareness_date")
    return [(as_text(c["name"]), {**_company_context(s, c), "date_sensibilisation": date})
            for _, c in s.companies.iterrows()], []


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
        docs.append((as_text(c["name"]), {
            **_company_context(s, c),
            "date_entretiens": s.date("interviews_date"),
            "heure_arrivee": french_time(c.get("arrival")),
            "heure_depart": french_time(c.get("departure")),
            "binome": ", ".join(dict.fromkeys(as_text(b) for b in rows["binome"] if as_text(b))),
            "partenaires": " et ".join(sorted(s.company_names.get(i, i) for i in partner_ids)),
            "creneaux": _interview_rows(rows),
        }))
    return docs, anomalies


def _grand_oral_start(s: _Session) -> str:
    if not is_blank(s.value("grand_oral_start")) or s.grand_oral.empty:
        return french_time(s.value("grand_oral_start"))
    return french_time(min(_as_time(v) for v in s.grand_oral["start"] if not is_blank(v)))


def _company_grand_oral(s: _Session):
    if is_blank(s.value("grand_oral_date")):
        return [], [s.missing("grand_oral_date", "invitations au Grand Oral")]
    extra = {"date_grand_oral": s.date("grand_oral_date"), "heure_grand_oral": _grand_oral_start(s)}
    return [(as_text(c["name"]), {**_company_context(s, c), **extra})
            for _, c in s.companies.iterrows()], []


def _participant_name(p: pd.Series) -> str:
    return f"{as_text(p['id'])} {as_text(p['first_name'])}"


def _coaching(s: _Session):
    if is_blank(s.value("coaching_start")):
        return [], [s.missing("coaching_start", "convocations au coaching")]
    extra = {"date_debut_coaching": s.date("coaching_start"), "date_fin_coaching": s.date("coaching_end"),
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
            "territoire_relais": as_text(relay.get("relay_territory")),
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


def _participant_signatories(s: _Session) -> list[dict]:
    return [{"nom": f"{as_text(p['last_name']).upper()} {as_text(p['first_name'])}",
             "structure": "Participant"} for _, p in s.participants.iterrows()]


def _company_people(companies: pd.DataFrame) -> list[dict]:
    """One line per representative (or one per company when nobody is named yet)."""
    return [{"nom": person, "structure": as_text(c["name"]), "qualite": "Représentant d'entreprise",
             "arrivee": french_time(c.get("arrival")), "depart": french_time(c.get("departure"))}
            for _, c in companies.iterrows() for person in (_people(c.get("representatives")) or [""])]


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
    return [{"nom": coach, "structure": "Coach", "qualite": "Coach", "arrivee": "", "depart": ""}] \
        if coach else []


def _attendance(s: _Session):
    docs = []
    for day, half in coaching_half_days(s.value("coaching_start"), s.value("coaching_end"),
                                        s.value("interviews_date")):
        docs.append((f"{day.isoformat()} {half} - Coaching", {
            **s.common, "evenement": "Coaching", "date": french_date(day), "demi_journee": half,
            "signataires": _participant_signatories(s) + _coach_people(s)}))
    anomalies = [] if docs else [s.missing("coaching_start", "feuilles d'émargement du coaching")]
    for title, key, participants, visitors in _events(s):
        if is_blank(s.value(key)):
            continue
        docs.append((f"{pd.Timestamp(s.value(key)).date().isoformat()} - {title}", {
            **s.common, "evenement": title, "date": s.date(key), "demi_journee": "",
            "signataires": participants + visitors}))
    return docs, anomalies


def _visitors(s: _Session):
    events = []
    if not is_blank(s.value("coaching_start")) and _coach_people(s):
        period = s.date("coaching_start")
        if not is_blank(s.value("coaching_end")):
            period = f"du {period} au {s.date('coaching_end')}"
        events.append({"titre": "Coaching", "date": period, "visiteurs": _coach_people(s)})
    events += [{"titre": title, "date": s.date(key), "visiteurs": visitors}
               for title, key, _, visitors in _events(s) if not is_blank(s.value(key)) and visitors]
    return [(f"session {s.year}", {**s.common, "evenements": events})], []


def _session_partners(s: _Session) -> pd.DataFrame:
    """Partners of every session (blank « Session ») or of this one."""
    if s.partners.empty:
        return s.partners
    years = pd.to_numeric(s.partners["session"], errors="coerce")
    return s.partners[years.isna() | (years == s.year)]


def _money(amount) -> str:
    return "" if is_blank(amount) else format_currency(float(amount), "EUR", locale=LOCALE)


def _funders(s: _Session) -> list[dict]:
    """The session's funding rows, then partners with role Financeur that have none yet."""
    funders = [{"nom": as_text(r["funder"]), "montant": _money(r["amount"])} for _, r in s.funding.iterrows()]
    named = {f["nom"].casefold() for f in funders}
    partners = _session_partners(s)
    if len(partners):
        funders += [{"nom": as_text(p["organisation"]), "montant": ""} for _, p in partners.iterrows()
                    if as_text(p["role"]) == "Financeur" and as_text(p["organisation"]).casefold() not in named]
    return funders


def _copil_context(s: _Session, meeting: pd.Series) -> dict:
    return {**s.common, "date_copil": french_date(meeting["date"]), "heure_copil": french_time(meeting.get("start")),
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
    return s.copil, invited.sort_values("organisation", kind="stable"), anomalies


def _copil_invitations(s: _Session):
    meetings, invited, anomalies = _copil_inputs(s, "invitations au COPIL")
    if anomalies:
        return [], anomalies
    funders = _funders(s)
    budget = _money(s.value("budget"))
    return [(f"{pd.Timestamp(m['date']).date().isoformat()} - {as_text(p['organisation'])}", {
        **_copil_context(s, m), "organisation": as_text(p["organisation"]), "contact": as_text(p["contact"]),
        "fonction": as_text(p["position"]), "financeurs": funders, "budget": budget,
    }) for _, m in meetings.iterrows() for _, p in invited.iterrows()], []


def _copil_attendance(s: _Session):
    meetings, invited, anomalies = _copil_inputs(s, "feuilles d'émargement du COPIL")
    if anomalies:
        return [], anomalies
    people = [{"nom": as_text(p["contact"]), "organisation": as_text(p["organisation"]),
               "fonction": as_text(p["position"])} for _, p in invited.iterrows()]
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
               "domaine": as_text(p.get("domain")), "cv": _cv_note(cvs[as_text(p["id"])])}
              for _, p in people.iterrows()]
    merged = tuple(path for path in cvs.values() if path is not None and path.suffix.lower() == ".docx")
    pdfs = [path.name for path in cvs.values() if path is not None and path.suffix.lower() == ".pdf"]
    extra = {"date_entretiens": s.date("interviews_date"), "date_grand_oral": s.date("grand_oral_date"),
             "participants": listed, "cv_pdf": pdfs}
    return [(as_text(c["name"]), {**_company_context(s, c), **extra,
                                  "heure_arrivee": french_time(c.get("arrival"))}, merged)
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
    documents, anomalies = [], list(s.problems)
    for key in check_types(types):
        doc_type = DOCUMENT_TYPES[key]
        made, found = BUILDERS[key](s)
        anomalies += found
        # A builder gives (name, context), or (name, context, appendices) for documents with CVs.
        documents += [PlannedDocument(key, (str(year), doc_type.folder), f"{doc_type.title} - {name}",
                                      doc_type.template, context, *appendices)
                      for name, context, *appendices in made]
    return year, documents, anomalies
