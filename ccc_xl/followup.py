"""Follow-up after the collective phase: what each adviser must do now, and the positive exits.

The programme promises that every participant is met at least once a month by the Mission Locale
from the end of the collective phase until one year after the action, that an external relay is
found in the territory of release, that the action plan moves, and that the situation at 6 months and
at 1 year is recorded (the funders' "sorties positives" come from it). These rules are computed here
from the Débriefing, Plans d'action, Suivi and Parcours tables as of a given date, so a run is
reproducible; the command writes the result on the Tableau de bord.

Rules (all dates inclusive, "A" = last day of the collective phase: the later of « Fin du coaching »
and « Date du Grand Oral » of the session, else « Début du coaching » + 4 days):
- followed from A to A + 1 year, unless re-incarcerated (a Suivi « Réincarcération » row or a
  situation « Réincarcération »): then only the situations remain due;
- a meeting (« rencontre ») is `contract.MEETING_RULE`: a Suivi « Entretien ML » or « Entretien ML +
  SPIP »; once released with a relay outside the Vienne, a « Contact relais » counts too;
- the monthly rule is `contract.MONTHLY_RULE`: at least one meeting per follow-up month, months
  counted from date to date from A (month k runs from A + k months to the day before A + k + 1
  months). A follow-up month that ended without a meeting -> "Entretien en retard", due the last day
  of the first such month since the last meeting; otherwise no meeting yet in the current follow-up
  month -> "Entretien du mois", due its last day. The indicator « Mois avec au moins une rencontre »
  counts the same months with the same meetings (`kept_months`);
- release (Parcours « Date de libération », else the candidate's « Date de sortie prévisible ») at
  most 60 days ahead, or past, and no « Relais extérieur » -> "Relais à trouver", due at release;
- an action whose « Échéance » is before the day and whose status is neither « Réalisée » nor
  « Abandonnée » -> "Action en retard";
- A + 6 months (resp. + 1 year) reached and the situation blank -> "Situation à 6 mois" (« à 1 an »).
"""

from __future__ import annotations

import datetime as dt
import functools
from bisect import bisect_right
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from dateutil.relativedelta import relativedelta

from . import contract as c
from . import departments
from .report import Anomaly
from .sessions import has_id
from .workbook.content import Block, SheetContent
from .wording import count

COLLECTIVE_PHASE_DAYS = 4  # the coaching lasts three and a half days: used when no end date is given
RELAY_NOTICE_DAYS = 60
CLOSED_STATUSES = ("Réalisée", "Abandonnée")
VIENNE = "86"  # the programme's département: a relay contact counts as a meeting outside it
NO_ADVISER = "(sans conseiller)"


def _day(value) -> dt.date | None:
    """A cell of a typed frame as a date (None when blank)."""
    return None if value is None or pd.isna(value) else pd.Timestamp(value).date()


def _text(value) -> str | None:
    return None if value is None or pd.isna(value) or not str(value).strip() else str(value).strip()


def _fr(day: dt.date) -> str:
    return day.strftime("%d/%m/%Y")


def positive_exits(pathways: pd.DataFrame) -> pd.Series:
    """« Sortie positive à 1 an » per Parcours row: blank while the 1-year situation is not known."""
    known = pathways.situation_1y.notna()
    values = pathways.situation_1y.isin(c.POSITIVE_SITUATIONS).where(known, other=pd.NA)
    return pd.Series(pd.array(values, dtype="boolean"), index=pathways.index, name="positive_exit")


def end_of_collective_phase(session) -> dt.date | None:
    """A: the later of the end of coaching and the Grand Oral (the collective phase's last day), else
    the first day of coaching + 4 days; None when the session has none of these dates."""
    days = [d for d in (_day(session.get("coaching_end")), _day(session.get("grand_oral_date"))) if d]
    if days:
        return max(days)
    start = _day(session.get("coaching_start"))
    return start + dt.timedelta(days=COLLECTIVE_PHASE_DAYS) if start else None


@functools.lru_cache(maxsize=4096)
def month_starts(end: dt.date) -> tuple[dt.date, ...]:
    """First day of each follow-up month from A, then the day after the last one (13 dates).

    Cached: every participant of a session shares it, and a national consolidation asks for it
    tens of thousands of times."""
    return tuple(end + relativedelta(months=k) for k in range(c.FOLLOWUP_MONTHS + 1))


def month_of(starts: list[dt.date], day: dt.date) -> int | None:
    """The follow-up month (0 = first) holding ``day``; None outside the year of follow-up."""
    k = bisect_right(starts, day) - 1
    return k if 0 <= k < c.FOLLOWUP_MONTHS else None


def _last_day(starts: list[dt.date], k: int) -> dt.date:
    return starts[k + 1] - dt.timedelta(days=1)


def is_meeting(types: pd.Series, dates: pd.Series, away) -> pd.Series:
    """Suivi rows that are a « rencontre » (`contract.MEETING_RULE`). ``away``: the day from which a
    relay contact counts too, the release date of a participant released outside the Vienne
    (`away_since`): one date for every row, or a Series of them aligned with the rows (NaT, like
    None, for a participant not released outside the Vienne)."""
    counted = types.isin(c.MEETING_TYPES)
    if away is not None:
        since = pd.to_datetime(away) if isinstance(away, pd.Series) else pd.Timestamp(away)
        counted |= (types == c.RELAY_CONTACT_TYPE) & (dates.dt.normalize() >= since)
    return counted.fillna(False).astype(bool)


def away_since(release, expected_release, territory) -> dt.date | None:
    """The release date (Parcours « Date de libération », else « Date de sortie prévisible ») when the
    relay territory is outside the Vienne, else None; takes the cells as read."""
    day = _day(release) or _day(expected_release)
    return day if day is not None and not in_vienne(_text(territory)) else None


PHASE_DATES = ("coaching_end", "grand_oral_date", "coaching_start")  # what `end_of_collective_phase` reads
AWAY_CELLS = ("release_date", "expected_release", "relay_territory")  # what `away_since` reads


def kept_months(people: pd.DataFrame, followup: pd.DataFrame, au: dt.date) -> tuple[int, int]:
    """(participant-months over by ``au`` with at least one meeting, participant-months over by
    ``au``), summed over ``people``: one row per participant with its « id », its session's dates
    (`PHASE_DATES`) and its release cells (`AWAY_CELLS`). ``followup``: the Suivi rows."""
    kept, over = kept_months_by_row(people, followup, au)
    return int(kept.sum()), int(over.sum())


def kept_months_by_row(people: pd.DataFrame, followup: pd.DataFrame, au: dt.date) -> tuple[np.ndarray, np.ndarray]:
    """`kept_months` of each row of ``people`` alone, as two arrays of whole numbers (the indicators
    sum them over each session year's rows and over all: the Suivi rows are matched once).

    The dashboard's rules on every participant at once (a consolidation has tens of thousands), as
    arrays: A (`end_of_collective_phase`) and the release outside the Vienne (`away_since`) of every
    row, the month starts and months over once per distinct A, the meetings by `is_meeting` on the
    Suivi rows of these participants, and each meeting's follow-up month from the month starts of
    its participant's A."""
    none = np.zeros(len(people), dtype=np.int64)
    if people.empty:
        return none, none
    ends = _days(people, "coaching_end")
    oral = _days(people, "grand_oral_date")
    ends = np.fmax(ends, oral)  # the later of the two, or the one given (NaT when neither)
    ends = np.where(np.isnat(ends), _days(people, "coaching_start") + np.timedelta64(COLLECTIVE_PHASE_DAYS, "D"), ends)
    followed = ~np.isnat(ends)
    if not followed.any():
        return none, none
    distinct, end_code = np.unique(ends[followed], return_inverse=True)
    months = [month_starts(end) for end in distinct.tolist()]
    starts = np.array(months, dtype="datetime64[D]")  # one row of 13 per A
    over = np.zeros(len(people), dtype=np.int64)
    over[followed] = np.array([bisect_right(m[1:], au) for m in months])[end_code]
    codes = np.full(len(people), -1, dtype=np.int64)
    codes[followed] = end_code
    person, dates, types = _events_of(people["id"], followed, followup)
    away = pd.Series(_away_days(people)[person])
    met = is_meeting(pd.Series(types, dtype=object), pd.Series(dates), away).to_numpy()
    person, days = person[met], dates[met].astype("datetime64[D]")  # the day, whatever the time
    month = (starts[codes[person]] <= days[:, None]).sum(axis=1) - 1
    held = (month >= 0) & (month < np.minimum(over[person], c.FOLLOWUP_MONTHS))
    seen = np.zeros((len(people), c.FOLLOWUP_MONTHS), dtype=bool)
    seen[person[held], month[held]] = True
    return seen.sum(axis=1), over


def _days(people: pd.DataFrame, name: str) -> np.ndarray:
    """A date column of ``people`` as days (NaT when blank or absent), times of day dropped."""
    if name not in people:
        return np.full(len(people), np.datetime64("NaT"), dtype="datetime64[D]")
    column = people[name]
    return (column if column.dtype.kind == "M" else pd.to_datetime(column)).to_numpy("datetime64[D]")


def _away_days(people: pd.DataFrame) -> np.ndarray:
    """`away_since` of every row of ``people``, as days (NaT when not released outside the Vienne);
    each distinct relay territory is resolved once."""
    day = _days(people, "release_date")
    day = np.where(np.isnat(day), _days(people, "expected_release"), day)
    territories = people["relay_territory"] if "relay_territory" in people else pd.Series([None] * len(people), dtype=object)
    code, distinct = pd.factorize(territories.to_numpy(dtype=object), use_na_sentinel=True)
    outside = np.array([not in_vienne(_text(t)) for t in distinct] + [False], dtype=bool)[code]  # -1 (blank): inside
    return np.where(outside, day, np.datetime64("NaT"))


def _events_of(ids: pd.Series, followed: np.ndarray, followup: pd.DataFrame) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(row of ``ids``, date, type) of each Suivi row of a followed participant with a date — a row
    for each participant row with that ID when an ID is on several rows, as a join on the ID."""
    code, distinct = pd.factorize(ids.to_numpy(dtype=object)[followed])
    rows = np.flatnonzero(followed)[code >= 0]  # a blank ID has no Suivi rows
    code = code[code >= 0]
    dates = followup["date"].to_numpy("datetime64[ns]")
    # A blank participant is no ID (-1), a blank date no meeting.
    event_code = pd.Index(distinct).get_indexer(followup["participant"].to_numpy(dtype=object))
    matched = np.flatnonzero((event_code >= 0) & ~np.isnat(dates))
    event_code = event_code[matched]
    # Participant rows grouped by ID; each event repeated once per row of its ID.
    order = rows[np.argsort(code, kind="stable")]
    per_id = np.bincount(code, minlength=len(distinct))
    first = np.cumsum(per_id) - per_id
    repeats = per_id[event_code]
    event = np.repeat(matched, repeats)
    within = np.arange(len(event)) - np.repeat(np.cumsum(repeats) - repeats, repeats)
    person = order[np.repeat(first[event_code], repeats) + within]
    return person, dates[event], followup["type"].to_numpy(dtype=object)[event]


def in_vienne(territory: str | None) -> bool:
    """Whether a relay territory is in the Vienne, read by `departments.resolve` (« 86 », « 86000 »,
    « Vienne », « Vienne (86) »; not « Haute-Vienne »). Blank or unresolvable: taken as in the Vienne
    (a relay contact then does not replace the Mission Locale's meeting); `alerts` reports the latter."""
    if territory is None:
        return True
    try:
        return departments.resolve(territory).code == VIENNE
    except departments.Unresolved:
        return True


@dataclass
class FollowUp:
    """Alerts as of ``au`` (columns = keys of contract.ALERTS, most urgent first per adviser)."""

    au: dt.date
    alerts: pd.DataFrame
    followed: int
    anomalies: list[Anomaly] = field(default_factory=list)


@dataclass
class _Participant:
    row: pd.Series  # the Candidats row
    end: dt.date  # A
    pathway: pd.Series | None
    events: pd.DataFrame  # Suivi rows up to the day
    actions: pd.DataFrame  # Plans rows

    def field(self, key: str) -> str | None:
        return None if self.pathway is None else _text(self.pathway.get(key))

    def reincarcerated(self) -> bool:
        return bool((self.events.type == c.REINCARCERATION).any()) or c.REINCARCERATION in (
            self.field("situation_6m"), self.field("situation_1y"))

    def release(self) -> dt.date | None:
        return _day(None if self.pathway is None else self.pathway.get("release_date")) or _day(self.row.expected_release)


def alerts(sessions, candidates, debriefing, plans, followup, pathways, au: dt.date | None = None) -> FollowUp:
    """Every follow-up alert as of ``au`` (default today) for the retained candidates."""
    au = au or dt.date.today()
    anomalies = _check_references(candidates, debriefing, plans, followup, pathways)
    ends = {int(s.year): end_of_collective_phase(s) for _, s in sessions.iterrows() if pd.notna(s.year)}
    retained = candidates[candidates.retained.fillna(False).astype(bool)]
    for excel_row in retained.index[~has_id(retained.id)]:
        anomalies.append(Anomaly(c.CANDIDATES.sheet, excel_row, c.CANDIDATES.column("id").header, None,
                                 "participant retenu sans ID : pas de suivi calculé pour lui tant que son ID n'est pas saisi."))
    retained = retained[has_id(retained.id)].drop_duplicates("id")
    first_pathway = pathways.drop_duplicates("participant").set_index("participant")
    found: list[dict] = []
    followed = 0
    for excel_row, cand in retained.iterrows():
        year = int(cand.session) if pd.notna(cand.session) else None
        end = ends.get(year)
        if end is None:
            problem = ("n'a ni « Début du coaching », ni « Fin du coaching », ni « Date du Grand Oral »" if year in ends
                       else f"est absente de la feuille « {c.SESSIONS.sheet} »")
            anomalies.append(Anomaly(c.CANDIDATES.sheet, excel_row, c.CANDIDATES.column("session").header, cand.session,
                                     f"la session {year or '(vide)'} {problem} : le suivi de ce participant n'est pas calculé."))
            continue
        if end > au:
            continue
        events = followup[(followup.participant == cand.id) & (followup.date.dt.date <= au)]
        person = _Participant(cand, end, first_pathway.loc[cand.id] if cand.id in first_pathway.index else None,
                              events, plans[plans.participant == cand.id])
        active = au <= end + relativedelta(years=1) and not person.reincarcerated()
        followed += active
        rules = (_meeting, _relay, _late_actions) if active else ()
        for rule in (*rules, _situations):
            for kind, due, message in rule(person, au):
                found.append({
                    "adviser": _text(cand.adviser) or NO_ADVISER, "mission_locale": _text(cand.mission_locale),
                    "participant": cand.id, "first_name": cand.first_name, "session": year,
                    "kind": kind, "due": due, "overdue": (au - due).days, "message": message,
                })
    frame = pd.DataFrame(found, columns=c.ALERTS.keys)
    if len(frame):
        frame["rank"] = frame.kind.map(c.ALERT_KINDS.index)
        frame["unassigned"] = frame.adviser == NO_ADVISER
        frame = frame.sort_values(["unassigned", "adviser", "due", "rank", "participant"]).drop(columns=["rank", "unassigned"])
    return FollowUp(au, frame.reset_index(drop=True), followed, anomalies)


def _meeting(person: _Participant, au: dt.date):
    """At most one meeting alert: a follow-up month over without a meeting, else none yet this month."""
    pathway = person.pathway if person.pathway is not None else {}
    away = away_since(pathway.get("release_date"), person.row.expected_release, pathway.get("relay_territory"))
    events = person.events
    met = sorted(d.date() for d in events.date[is_meeting(events.type, events.date, away)])
    starts = month_starts(person.end)
    current = min(bisect_right(starts, au) - 1, c.FOLLOWUP_MONTHS)
    met_months = {month_of(starts, d) for d in met} - {None}
    last = f"dernière rencontre le {_fr(met[-1])}" if met else "aucune rencontre depuis la fin de la phase collective"
    missed = [k for k in range(current) if k not in met_months and all(m < k for m in met_months)]
    if missed:
        first = missed[0]
        due = _last_day(starts, first)
        yield c.ALERT_LATE_MEETING, due, (
            f"Mois de suivi du {_fr(starts[first])} au {_fr(due)} passé sans rencontre ({last}) : "
            "à rencontrer au plus vite (au moins une rencontre par mois de suivi).")
    elif current < c.FOLLOWUP_MONTHS and current not in met_months:
        due = _last_day(starts, current)
        yield c.ALERT_MONTH_MEETING, due, (
            f"Pas encore rencontré pendant le mois de suivi en cours, du {_fr(starts[current])} au {_fr(due)} "
            f"({last}) : à rencontrer au plus tard le {_fr(due)}.")


def _relay(person: _Participant, au: dt.date):
    release = person.release()
    if release is None or person.field("relay") or (release - au).days > RELAY_NOTICE_DAYS:
        return
    if release <= au:
        text = f"Libéré le {_fr(release)} sans relais extérieur"
    else:
        text = f"Libération le {_fr(release)} (dans {count((release - au).days, 'jour')}) et aucun relais extérieur"
    yield c.ALERT_RELAY, release, f"{text} : trouver un relais dans le territoire de sortie (Parcours)."


def _late_actions(person: _Participant, au: dt.date):
    for excel_row, action in person.actions.iterrows():
        deadline = _day(action.deadline)
        if deadline is None or deadline >= au or _text(action.status) in CLOSED_STATUSES:
            continue
        what = _text(action.action) or _text(action.objective) or "action sans libellé"
        owner = _text(action.owner) or "non renseigné"
        yield c.ALERT_LATE_ACTION, deadline, (
            f"« {what} » (responsable : {owner}, statut : {_text(action.status) or 'non renseigné'}) "
            f"en retard depuis le {_fr(deadline)} : feuille « {c.PLANS.sheet} », ligne {excel_row}.")


def _situations(person: _Participant, au: dt.date):
    for key, kind, months in (("situation_6m", c.ALERT_SITUATION_6M, 6), ("situation_1y", c.ALERT_SITUATION_1Y, 12)):
        due = person.end + relativedelta(months=months)
        if due <= au and not person.field(key):
            where = "Parcours" if person.pathway is not None else "Parcours (ajoutez une ligne pour ce participant)"
            yield kind, due, f"{kind} à renseigner dans {where} depuis le {_fr(due)}."


def _check_references(candidates, debriefing, plans, followup, pathways) -> list[Anomaly]:
    """Rows that point to no retained participant, or to no debriefing proposal, are reported."""
    retained = set(candidates.id[candidates.retained.fillna(False).astype(bool)].dropna())
    proposals = set(debriefing.id.dropna())
    found = []
    for table, frame in ((c.DEBRIEFING, debriefing), (c.PLANS, plans), (c.FOLLOWUP, followup), (c.PATHWAYS, pathways)):
        header = table.column("participant").header
        for excel_row, value in frame.participant[~frame.participant.isin(retained)].items():
            found.append(Anomaly(table.sheet, excel_row, header, value,
                                 f"« {value} » n'est pas un candidat retenu (feuille « {c.CANDIDATES.sheet} ») : "
                                 "ligne ignorée par le suivi."))
    untyped = followup[followup.type.isna() & followup.participant.isin(retained)]
    for excel_row, value in untyped.participant.items():
        found.append(Anomaly(c.FOLLOWUP.sheet, excel_row, c.FOLLOWUP.column("type").header, None,
                             f"ligne de « {value} » sans type : elle ne compte pas comme rencontre ({c.MEETING_RULE})"))
    for excel_row, value in pathways.relay_territory.dropna().items():
        try:
            departments.resolve(value)
        except departments.Unresolved as problem:
            found.append(Anomaly(c.PATHWAYS.sheet, excel_row, c.PATHWAYS.column("relay_territory").header, value,
                                 f"« {value} » {problem} : territoire pris comme dans la Vienne (un « {c.RELAY_CONTACT_TYPE} » "
                                 "n'y compte pas comme rencontre)."))
    for excel_row, value in plans.proposal.dropna().items():
        if value not in proposals:
            found.append(Anomaly(c.PLANS.sheet, excel_row, c.PLANS.column("proposal").header, value,
                                 f"« {value} » ne correspond à aucune « {c.DEBRIEFING.column('id').header} » "
                                 f"de la feuille « {c.DEBRIEFING.sheet} »."))
    for excel_row, value in pathways.participant[pathways.participant.duplicated()].items():
        found.append(Anomaly(c.PATHWAYS.sheet, excel_row, c.PATHWAYS.column("participant").header, value,
                             f"« {value} » a déjà une ligne plus haut : seule la première est prise en compte."))
    return found


def headline(result: FollowUp) -> str:
    """« 33 alertes pour 12 participants ; 10 participants en suivi mensuel »: alerts also concern
    participants whose monthly follow-up is over (situations at one year still to fill in), so the
    two counts are given apart."""
    alerts_frame = result.alerts
    return (f"{count(len(alerts_frame), 'alerte')} pour {count(alerts_frame.participant.nunique(), 'participant')} ; "
            f"{count(result.followed, 'participant en suivi mensuel', 'participants en suivi mensuel')}")


def dashboard(result: FollowUp) -> SheetContent:
    """The Tableau de bord: summary counts per adviser, then every alert, most urgent first."""
    alerts_frame = result.alerts
    by_kind = ", ".join(f"{n} « {k} »" for k, n in alerts_frame.kind.value_counts().reindex(c.ALERT_KINDS, fill_value=0).items() if n)
    notes = [
        f"Situation au {_fr(result.au)} : {headline(result)}{' — ' + by_kind if by_kind else ''}.",
        "Suivi de la fin de la phase collective jusqu'à un an après : rencontres mensuelles, relais extérieur à "
        f"trouver {RELAY_NOTICE_DAYS} jours avant la libération, actions échues non réalisées, situations à 6 mois "
        "et 1 an à renseigner.",
        c.MONTHLY_RULE,
        c.MEETING_RULE,
        "Retard (jours) négatif : jours restant avant l'échéance. " + c.POSITIVE_EXIT_RULE,
        "Feuille régénérée par le bouton « Suivi » (ccc-xl suivi) : ne pas saisir ici.",
    ]
    shown = alerts_frame.rename(columns={col.key: col.header for col in c.ALERTS.columns})
    return SheetContent(
        c.DASHBOARD_SHEET.name,
        f"Tableau de bord du suivi au {_fr(result.au)}",
        notes=notes,
        blocks=[Block(_summary(alerts_frame), title="Alertes par conseiller"), Block(shown, title="Alertes, par conseiller, les plus urgentes d'abord", table=c.ALERTS)],
        landscape=True,
    )


def _summary(alerts_frame: pd.DataFrame) -> pd.DataFrame:
    """Count of alerts per adviser (in the order of the list) and kind, with totals."""
    counts = pd.crosstab(alerts_frame.adviser, alerts_frame.kind) if len(alerts_frame) else pd.DataFrame()
    counts = counts.reindex(index=list(dict.fromkeys(alerts_frame.adviser)), columns=list(c.ALERT_KINDS), fill_value=0)
    counts["Total"] = counts.sum(axis=1)
    counts.loc["Total"] = counts.sum()
    return counts.rename_axis(index="Conseiller", columns=None).reset_index()
