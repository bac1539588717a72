"""Who may take part in a session: the programme's public criteria, checked candidate by candidate.

The criteria come from the seed's "Public" section, each one configurable per session in the
Sessions table (blank cells fall back to `contract.SESSION_DEFAULTS`):

- detained at the session's institution (``institution``), however it is spelt
  (`establishments.match`: « CP Poitiers-Vivonne », « C.P. de Vivonne », « Vivonne »…); only a
  recognised *other* establishment fails the criterion, an unrecognised one is « À compléter »;
- aged ``min_age`` to ``max_age`` inclusive (18 to 30) on the **reference date**, which is the first
  day of the action: the session's ``coaching_start``. Age is counted in whole years, birthday
  included: the 18th birthday on that day counts as 18, a 31st birthday the day before counts as 31.
  Someone born on 29 February has their birthday on 1 March in common years;
- a defined professional project, real motivation (adviser), minimum behavioural codes (SPIP);
- can claim a sentence adjustment, or an expected release *strictly* less than
  ``release_horizon_months`` (12) months after the reference date, as the seed says ("< à un an"):
  a release exactly one year after the first day (same day, next year) does not meet it;
- a project in ``priority_department`` (86) gives priority; outside it the candidate is still
  eligible, with a flag: a relay must be sought in the destination territory. Both départements are
  read by `departments.resolve` (number, postal code or name, against the official list); a project
  département that designates no département, or several, is « À compléter », never « hors 86 ».

A candidate is "Non éligible" when a criterion is known to fail, "À compléter" when none fails but
at least one cannot be judged (blank or unreadable cell, unknown session, doubtful date), otherwise
"Éligible". Motifs lists every failing and missing criterion, not only the first.

Eligible candidates of a session get a priority rank (1 = first), documented in `PRIORITY_RULE`.

Everything here is pure: DataFrames in (contract keys, Excel rows as index), DataFrames and
anomalies out.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter, defaultdict
from dataclasses import dataclass, field

import pandas as pd
from dateutil.relativedelta import relativedelta

from . import contract as c
from . import departments, establishments
from .departments import Department
from .parsing import parse_text
from .report import Anomaly, rows_text
from .wording import agreed, count

ELIGIBLE, NOT_ELIGIBLE, TO_COMPLETE = c.ELIGIBILITY_STATUSES
COMPUTED = ("age_at_start", "eligibility", "reasons", "priority")

REFERENCE_RULE = "Date de référence : premier jour de l'action (« Début du coaching » de la session)."
PRIORITY_RULE = (
    "Priorité parmi les éligibles d'une session : projet dans le département prioritaire d'abord, "
    "puis sortie la plus proche (un aménagement de peine possible compte comme une sortie dès le "
    "début de l'action, puis date de sortie prévisible), puis date de candidature la plus ancienne, "
    "puis ID."
)


def _header(key: str) -> str:
    return c.CANDIDATES.column(key).header


def _day(value) -> str:
    return value.strftime("%d/%m/%Y")


def _known(value) -> bool:
    return not pd.isna(value)


@dataclass(frozen=True)
class Criteria:
    """One session's criteria, blanks already replaced by the programme's defaults."""

    year: int
    start: dt.date | None
    institution: str
    min_age: int
    max_age: int
    release_horizon_months: int
    priority_department: str  # as typed in Sessions (or the default)
    capacity: int
    release_limit: dt.date | None  # first day too late for the expected release (excluded)
    start_problem: str = "manquante"  # why ``start`` is None: "manquante" or "illisible (…)"
    priority: Department | None = None  # ``priority_department`` resolved; None when it cannot be


Unreadable = dict[tuple[str, int, str], object]  # (sheet, Excel row, header) -> the cell as typed


def unreadable_cells(anomalies: list[Anomaly]) -> Unreadable:
    """The cells the gateway could not read, from its anomalies: motifs quote what was typed."""
    return {(a.sheet, a.row, a.column): a.value for a in anomalies if a.row is not None and a.column}


def _blank_or_unreadable(unreadable: Unreadable, table: c.Table, row: int, key: str) -> str:
    """« manquante » for a blank cell, « illisible (31/02/2003) » for one typed but unreadable."""
    where = (table.sheet, row, table.column(key).header)
    if where not in unreadable:
        return "manquante"
    return f"illisible ({parse_text(unreadable[where])})"


def session_criteria(sessions: pd.DataFrame, unreadable: Unreadable | None = None) -> tuple[dict[int, Criteria], list[Anomaly]]:
    """Criteria per session year; a year entered twice keeps its first row and is reported."""
    found: dict[int, Criteria] = {}
    anomalies = []
    for row, session in sessions.iterrows():
        if not _known(session.year):
            continue
        year = int(session.year)
        if year in found:
            anomalies.append(Anomaly(c.SESSIONS.sheet, row, c.SESSIONS.column("year").header, year,
                                     f"la session {year} est saisie deux fois : seule la première ligne est utilisée."))
            continue
        setting = {key: session[key] if _known(session[key]) else default
                   for key, default in c.SESSION_DEFAULTS.items() if key in sessions.columns}
        start = session.coaching_start.date() if _known(session.coaching_start) else None
        problem = _blank_or_unreadable(unreadable or {}, c.SESSIONS, row, "coaching_start")
        if start is None:
            anomalies.append(Anomaly(c.SESSIONS.sheet, row, c.SESSIONS.column("coaching_start").header, None,
                                     f"session {year} : date de début du coaching {problem} : l'âge et la sortie de ses candidats ne peuvent pas être évalués."))
        months = int(setting["release_horizon_months"])
        try:
            priority = departments.resolve(str(setting["priority_department"]))
        except departments.Unresolved as why:
            priority = None
            anomalies.append(Anomaly(c.SESSIONS.sheet, row, c.SESSIONS.column("priority_department").header,
                                     setting["priority_department"],
                                     f"« {setting['priority_department']} » {why} : la priorité départementale de la "
                                     f"session {year} n'est pas appliquée."))
        found[year] = Criteria(
            year, start, str(setting["institution"]), int(setting["min_age"]), int(setting["max_age"]),
            months, str(setting["priority_department"]), int(setting["capacity"]),
            start + relativedelta(months=months) if start else None, problem, priority,
        )
    return found, anomalies


def age_on(birth: dt.date, day: dt.date) -> int:
    """Whole years lived on ``day``, the birthday itself included (born 29 February: 1 March in
    common years)."""
    return day.year - birth.year - ((day.month, day.day) < (birth.month, birth.day))


@dataclass
class Assessment:
    """What the rules say about one candidate."""

    status: str
    reasons: str
    age: int | None = None
    rank_key: tuple | None = None
    anomalies: list[Anomaly] = field(default_factory=list)


def assess(row: int, candidate, criteria: Criteria | None, today: dt.date, unreadable: Unreadable | None = None) -> Assessment:
    """Check one candidate (a row of the Candidats frame) against its session's criteria.

    ``unreadable``: the cells the gateway could not read (`unreadable_cells`), so that a motif says
    « illisible (31/02/2003) » rather than « manquante » for a date typed but impossible."""
    failed: list[str] = []
    missing: list[str] = []
    notes: list[str] = []
    anomalies: list[Anomaly] = []

    def anomaly(key, value, message):
        anomalies.append(Anomaly(c.CANDIDATES.sheet, row, _header(key), value, message))

    def blank(key: str) -> str:
        return _blank_or_unreadable(unreadable or {}, c.CANDIDATES, row, key)

    def unknown(key: str, blank_text: str) -> str:
        """``blank_text`` for a blank cell, « « Header » illisible (what was typed) » otherwise."""
        problem = blank(key)
        return blank_text if problem == "manquante" else f"« {_header(key)} » {problem}"

    def yes_no(key: str, no: str, blank_text: str) -> None:
        value = getattr(candidate, key)
        if not _known(value):
            missing.append(unknown(key, blank_text))
        elif not value:
            failed.append(no)

    if not _filled(candidate.id):
        missing.append(f"« {_header('id')} » manquant (sans ID, ni planning, ni document, ni suivi)")

    if criteria is None:
        year = candidate.session
        text = (f"session {year} absente de l'onglet Sessions" if _known(year)
                else "session non renseignée" if blank("session") == "manquante" else f"session {blank('session')}")
        anomaly("session", year if _known(year) else None, f"{text} : éligibilité non évaluée.")
        return Assessment(TO_COMPLETE, f"À compléter : {text}.", anomalies=anomalies)
    start = criteria.start
    if start is None:
        missing.append(f"date de début du coaching de la session {criteria.start_problem} (onglet Sessions)")

    # Institution, however it is spelt (establishments.match): only another recognised one excludes
    institution = candidate.institution
    found = establishments.match(institution, criteria.institution) if _known(institution) else None
    if not _known(institution):
        missing.append("établissement non renseigné")
    elif found == establishments.OTHER:
        failed.append(f"détenu à « {institution} », pas au {criteria.institution}")
    elif found == establishments.UNKNOWN:
        missing.append(f"établissement « {institution} » non reconnu : indiquer « {criteria.institution} » si le "
                       "candidat y est détenu, sinon le nom complet de son établissement")

    # Age on the first day of the action
    age = None
    birth = candidate.birth_date.date() if _known(candidate.birth_date) else None
    if birth is None:
        missing.append(f"date de naissance {blank('birth_date')}")
    elif birth > today or (start and birth > start):
        when = "dans le futur" if birth > today else "postérieure au début de l'action"
        missing.append(f"date de naissance {_day(birth)} {when}, à corriger")
        anomaly("birth_date", birth, f"date de naissance {_day(birth)} {when} : à corriger.")
    elif start:
        age = age_on(birth, start)
        if age < criteria.min_age:
            failed.append(f"{age} ans au {_day(start)} ({criteria.min_age} ans au moins)")
        elif age > criteria.max_age:
            failed.append(f"{age} ans au {_day(start)} ({criteria.max_age} ans au plus)")

    yes_no("project_defined", "projet professionnel non défini", "« Projet défini » non renseigné")
    yes_no("motivated", "motivation insuffisante (entretien individuel)", "motivation non renseignée (entretien individuel)")
    yes_no("behaviour_ok", "codes comportementaux non acquis (avis du SPIP)",
           "codes comportementaux non renseignés (avis du SPIP)")

    # Sentence adjustment or release soon enough
    release = candidate.expected_release.date() if _known(candidate.expected_release) else None
    adjustment = candidate.adjustment_possible
    adjustment_text = unknown("adjustment_possible", "aménagement de peine possible non renseigné")
    months = criteria.release_horizon_months
    if release and start and release < start:
        missing.append(f"sortie prévisible le {_day(release)}, avant le début de l'action : à vérifier")
        anomaly("expected_release", release, f"date de sortie prévisible {_day(release)} antérieure au début de l'action ({_day(start)}).")
    elif _known(adjustment) and adjustment:
        pass
    elif release and start and release < criteria.release_limit:
        pass
    elif release and start:
        when = f"(prévue le {_day(release)}, il faudrait avant le {_day(criteria.release_limit)})"
        if _known(adjustment):
            failed.append(f"ni aménagement de peine possible, ni sortie prévisible à moins de {months} mois {when}")
        else:
            missing.append(f"{adjustment_text}, et sortie prévisible à {months} mois ou plus {when}")
    elif start:
        release_text = f"date de sortie prévisible {blank('expected_release')}"
        missing.append(f"{adjustment_text} et {release_text}" if not _known(adjustment)
                       else f"{release_text} (aménagement de peine non possible)")

    # Priority department: never an exclusion
    department = candidate.project_department
    outside = True
    priority = criteria.priority
    if priority is None:
        notes.append(f"département prioritaire de la session « {criteria.priority_department} » non reconnu "
                     "(onglet Sessions) : priorité non appliquée")
    elif not _known(department):
        notes.append(f"département du projet non renseigné (priorité {priority.label} non appliquée)")
    else:
        try:
            project = departments.resolve(department)
        except departments.Unresolved as problem:
            missing.append(f"département du projet « {department} » {problem}")
            anomaly("project_department", department, f"« {department} » {problem}.")
        else:
            outside = project != priority
            if outside:
                notes.append(f"projet en {project.label}, hors du {priority.label} : relais à rechercher dans "
                             "le territoire de destination")

    status = NOT_ELIGIBLE if failed else TO_COMPLETE if missing else ELIGIBLE
    sentences = []
    if status == ELIGIBLE:
        sentences.append(f"Tous les critères sont remplis au {_day(start)} (premier jour de l'action).")
    if failed:
        sentences.append("Non rempli : " + " ; ".join(failed) + ".")
    if missing:
        sentences.append("À compléter : " + " ; ".join(missing) + ".")
    sentences += [note[0].upper() + note[1:] + "." for note in notes]
    if status != ELIGIBLE and start:
        sentences.append(f"Référence : {_day(start)}, premier jour de l'action.")
    rank_key = None
    if status == ELIGIBLE:
        soonest = 0 if _known(adjustment) and adjustment else (release - start).days
        far = dt.date.max
        application = candidate.application_date.date() if _known(candidate.application_date) else far
        rank_key = (outside, soonest, release or far, application, str(candidate.id or ""), row)
    return Assessment(status, " ".join(sentences), age, rank_key, anomalies)


@dataclass
class Evaluation:
    """The computed columns for the evaluated rows, what was found, and counts per session."""

    computed: pd.DataFrame  # index = Excel rows, columns = COMPUTED
    anomalies: list[Anomaly]
    counts: dict[int | None, Counter]
    purged: Counter = field(default_factory=Counter)  # session -> pseudonymised candidates left as they are


def evaluate(candidates: pd.DataFrame, sessions: pd.DataFrame, *, today: dt.date,
             session: int | None = None, unreadable: Unreadable | None = None) -> Evaluation:
    """Assess every candidate (or those of one session), rank the eligible, list the anomalies.

    ``unreadable``: the cells the gateway could not read (`unreadable_cells` of its anomalies)."""
    criteria, anomalies = session_criteria(sessions, unreadable)
    chosen = candidates if session is None else candidates[candidates.session.eq(session).fillna(False)]
    # A pseudonymised row (the purge wrote its age band in place of the birth date) is history: its
    # status stays what it was when the session ran, and it raises no anomaly about what was erased.
    pseudonymised = chosen.age_band.map(_filled).astype(bool)
    purged = Counter(_session_year(year) for year in chosen.session[pseudonymised])
    chosen = chosen[~pseudonymised]
    assessments = {row: assess(row, cand, criteria.get(_session_year(cand.session)), today, unreadable)
                   for row, cand in zip(chosen.index, chosen.itertuples(index=False))}
    ranks = _ranks(chosen, assessments)
    computed = pd.DataFrame(
        {
            "age_at_start": pd.array([a.age for a in assessments.values()], dtype="Int64"),
            "eligibility": [a.status for a in assessments.values()],
            "reasons": [a.reasons for a in assessments.values()],
            "priority": pd.array([ranks.get(row) for row in assessments], dtype="Int64"),
        },
        index=chosen.index,
    )
    for a in assessments.values():
        anomalies.extend(a.anomalies)
    anomalies += _duplicates(candidates, chosen, "id", lambda v: v.strip().casefold(), "ID")
    anomalies += _duplicates(chosen, chosen, "ecrou", lambda v: re.sub(r"\s", "", v).casefold(), "N° d'écrou", per_session=True)
    anomalies += _selection_warnings(chosen, computed, criteria)
    counts: dict[int | None, Counter] = defaultdict(Counter)
    for year, status in zip(chosen.session, computed.eligibility):
        counts[_session_year(year)][status] += 1
    return Evaluation(computed, anomalies, dict(counts), purged)


NO_ID = ("candidat retenu sans ID : ni planning, ni document, ni suivi ne seront produits pour lui tant que "
         "son ID n'est pas saisi.")


def _filled(value) -> bool:
    """A cell holding something other than blanks (an ID, an age band…)."""
    return _known(value) and bool(str(value).strip())


def _session_year(value) -> int | None:
    return int(value) if _known(value) else None


def _ranks(chosen: pd.DataFrame, assessments: dict[int, Assessment]) -> dict[int, int]:
    by_session = defaultdict(list)
    for row, year in zip(chosen.index, chosen.session):
        key = assessments[row].rank_key
        if key is not None:
            by_session[year].append((key, row))
    return {row: rank for rows in by_session.values() for rank, (_, row) in enumerate(sorted(rows), start=1)}


def _duplicates(table: pd.DataFrame, chosen: pd.DataFrame, key: str, canonical, label: str,
                per_session: bool = False) -> list[Anomaly]:
    """One anomaly per group of rows of ``table`` sharing a value, for each group that holds a row of
    ``chosen``: on the group's first chosen row, listing a handful of the group's rows (linear in
    the number of rows, however many share one value)."""
    groups = defaultdict(list)
    for row, value, year in zip(table.index, table[key], table.session):
        if _known(value) and str(value).strip():
            groups[(year if per_session else None, canonical(str(value)))].append(row)
    found, reported = [], set()
    for row, value, year in zip(chosen.index, chosen[key], chosen.session):
        if not (_known(value) and str(value).strip()):
            continue
        group_key = (year if per_session else None, canonical(str(value)))
        group = groups[group_key]
        if len(group) > 1 and group_key not in reported:
            reported.add(group_key)
            where = f"de la session {year}" if per_session else "du tableau"
            found.append(Anomaly(c.CANDIDATES.sheet, row, _header(key), value,
                                 f"{label} « {value} » en double : lignes {rows_text(group)} {where}."))
    return found


def _selection_warnings(chosen: pd.DataFrame, computed: pd.DataFrame, criteria: dict[int, Criteria]) -> list[Anomaly]:
    """The team decides who is retained; flag choices that contradict the criteria or the capacity."""
    warnings = []
    retained = chosen.retained.fillna(False).astype(bool)
    for row in chosen.index[retained]:
        status = computed.at[row, "eligibility"]
        if not _filled(chosen.at[row, "id"]):
            warnings.append(Anomaly(c.CANDIDATES.sheet, row, _header("id"), None, NO_ID))
        elif status != ELIGIBLE:
            warnings.append(Anomaly(c.CANDIDATES.sheet, row, _header("retained"), "Oui",
                                    f"candidat retenu alors que son éligibilité est « {status} »."))
    for year, count in chosen.session[retained].value_counts().items():
        session = criteria.get(int(year))
        if session and count > session.capacity:
            warnings.append(Anomaly(c.CANDIDATES.sheet, None, _header("retained"), count,
                                    f"session {session.year} : {count} candidats retenus pour {session.capacity} "
                                    f"{agreed(session.capacity, 'place', 'places')}."))
    return warnings


def summary(evaluation: Evaluation, anomalies: int) -> tuple[str, list[str]]:
    """A French summary line and one line per session, for the Journal and the CLI/Excel message;
    ``anomalies`` counts everything found, reading problems included."""
    total = Counter()
    by_year = {}
    for year, counts in evaluation.counts.items():
        total.update(counts)
        by_year[year] = f"Session {year if year is not None else '(non renseignée)'} : {_counts(counts)}."
    for year, n in evaluation.purged.items():
        by_year[year] = (f"Session {year} : {count(n, 'candidat pseudonymisé', 'candidats pseudonymisés')} par la "
                         "purge, laissés tels quels (leur éligibilité reste celle de la session).")
    lines = [by_year[year] for year in sorted(by_year, key=lambda y: (y is None, y))]
    head = (f"Éligibilité de {count(sum(total.values()), 'candidat')} : {_counts(total)} ; "
            f"{count(anomalies, 'anomalie')}. {REFERENCE_RULE}")
    return head, lines


def _counts(counts: Counter) -> str:
    return ", ".join(f"{status} : {counts.get(status, 0)}" for status in c.ELIGIBILITY_STATUSES)
