"""The workbook sent to funders: several ccc-xl workbooks consolidated, then anonymised.

The advisers' workbooks hold special-category data (art. 10 GDPR). What leaves the Mission Locale is
built here from an explicit allow-list of fields: a per-export pseudonymous code, the session, an age
band, the sentence adjustment and the situations at 6 months and 1 year — never a column the contract
marks ``identifying`` (name, écrou, birth date, adviser, free-text notes), nor a company contact.

Consolidation: each workbook's participant IDs are made unique; the same participant entered in two
workbooks (same ID and session, or same écrou and session) is kept once and reported, and so is a
funding line entered twice for the same session.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import secrets
from dataclasses import dataclass, field

import pandas as pd

from . import contract as c
from . import indicators as ind
from .parsing import normalise
from .report import Anomaly
from .retention import age_band
from .workbook.content import Block, SheetContent

PARTICIPANT_LINKS = (c.PATHWAYS, c.FOLLOWUP, c.DEBRIEFING)  # tables pointing at a participant ID
UNKNOWN = "Non renseigné"


@dataclass
class Consolidated:
    """Several workbooks as one `indicators.Sources`, with what was found twice."""

    sources: ind.Sources
    names: list[str]
    duplicates: list[Anomaly] = field(default_factory=list)


def _key(values: pd.Series, sessions: pd.Series) -> pd.Series:
    text = values.map(lambda v: normalise(str(v)) if v is not None and not pd.isna(v) and str(v).strip() else None)
    return (text + "|" + sessions.astype("Int64").astype(str)).where(text.notna())


def consolidate(workbooks: list[dict[str, pd.DataFrame]], names: list[str]) -> Consolidated:
    """One set of tables from several workbooks' tables (by table name), duplicates kept once."""
    frames: dict[str, list[pd.DataFrame]] = {t.name: [] for t in ind.TABLES}
    for source, tables in enumerate(workbooks):
        for table in ind.TABLES:
            frame = tables[table.name].assign(source=source, ligne=tables[table.name].index)
            if table is c.CANDIDATES:
                frame = frame.assign(id=f"{source}:" + frame.id.astype(str), original_id=frame.id)
            elif table in PARTICIPANT_LINKS:
                frame = frame.assign(participant=f"{source}:" + frame.participant.astype(str))
            frames[table.name].append(frame)
    merged = {name: pd.concat(parts, ignore_index=True) for name, parts in frames.items()}
    duplicates: list[Anomaly] = []
    merged[c.CANDIDATES.name], alias = _unique_candidates(merged[c.CANDIDATES.name], names, duplicates)
    for table in PARTICIPANT_LINKS:
        merged[table.name] = merged[table.name].assign(participant=merged[table.name].participant.map(lambda p: alias.get(p, p)))
    merged[c.FOLLOWUP.name] = merged[c.FOLLOWUP.name].drop_duplicates(["participant", "date", "type"])
    merged[c.DEBRIEFING.name] = merged[c.DEBRIEFING.name].drop_duplicates(["participant", "company", "type", "session"])
    merged[c.FUNDING.name] = _unique_funding(merged, names, duplicates)
    return Consolidated(ind.Sources(merged), names, duplicates)


def _unique_candidates(cand: pd.DataFrame, names: list[str], duplicates: list[Anomaly]):
    """Candidates once each; (kept rows, alias {dropped internal ID: kept internal ID})."""
    canonical = cand.assign(by_id=_key(cand.original_id, cand.session)).groupby("by_id", dropna=False).id.transform("first")
    canonical = canonical.where(cand.original_id.notna(), cand.id)
    by_ecrou = _key(cand.ecrou, cand.session)
    first_by_ecrou = cand.assign(canonical=canonical, by_ecrou=by_ecrou)[by_ecrou.notna()].groupby("by_ecrou").canonical.transform("first")
    canonical.loc[first_by_ecrou.index] = first_by_ecrou
    dropped = cand[canonical != cand.id]
    where = cand.set_index("id")
    for row, kept_id in zip(dropped.itertuples(), canonical[dropped.index]):
        kept = where.loc[kept_id]
        same = "dans le même classeur" if kept.source == row.source else f"dans « {names[kept.source]} » (ligne {kept.ligne})"
        duplicates.append(Anomaly(
            f"{names[row.source]} › {c.CANDIDATES.sheet}", row.ligne, c.CANDIDATES.column("id").header, row.original_id,
            f"Participant déjà saisi {same} (même ID ou même n° d'écrou pour la session {row.session}) : compté une fois.",
        ))
    return cand[canonical == cand.id], dict(zip(dropped.id, canonical[dropped.index]))


def _unique_funding(merged: dict[str, pd.DataFrame], names: list[str], duplicates: list[Anomaly]) -> pd.DataFrame:
    """Funding lines once each: the same funder and amount for the same session in two workbooks."""
    sessions = merged[c.SESSIONS.name]
    institution = sessions.assign(inst=sessions.institution.fillna(c.SESSION_DEFAULTS["institution"]).map(normalise))
    funding = merged[c.FUNDING.name].merge(
        institution[["source", "year", "inst"]].drop_duplicates(["source", "year"]),
        left_on=["source", "session"], right_on=["source", "year"], how="left",
    ).drop(columns="year")
    if funding.empty:  # no funding yet (a new workbook): nothing to deduplicate
        return funding.drop(columns="inst")
    key = funding[["inst", "session"]].astype(str).agg("|".join, axis=1) + "|" + funding.funder.map(lambda f: normalise(str(f))) + "|" + funding.amount.astype(str)
    twice = key.duplicated() & ~funding.assign(key=key).duplicated(["key", "source"])
    for row in funding[twice].itertuples():
        duplicates.append(Anomaly(
            f"{names[row.source]} › {c.FUNDING.sheet}", row.ligne, c.FUNDING.column("funder").header, row.funder,
            f"Financement déjà saisi dans un autre classeur pour la session {row.session} (même financeur, même montant) : compté une fois.",
        ))
    return funding[~twice].drop(columns="inst")


# ------------------------------------------------------------------------------------------------
# The anonymised sheets
# ------------------------------------------------------------------------------------------------


def age_bands(people: pd.DataFrame) -> list[str]:
    """Each person's age band at the first day of the action; for a purged session (birth date
    erased) the band the purge kept in Candidats."""
    return [age_band(birth, start) or (kept if isinstance(kept, str) else UNKNOWN)
            for birth, start, kept in zip(people.birth_date, people.coaching_start, people.age_band)]


def participants_frame(src: ind.Sources, keys: pd.MultiIndex, key: bytes) -> pd.DataFrame:
    """One anonymised line per participant: sequential code in an order keyed by a secret of this
    export, so the code says nothing about the ID and codes differ from one export to the next."""
    cand = src[c.CANDIDATES]
    people = cand[ind.in_sessions(cand, keys) & cand.retained.fillna(False).astype(bool)]
    sessions = src[c.SESSIONS].drop_duplicates(["source", "year"])
    people = people[["id", "source", "session", "birth_date", "age_band"]].merge(
        sessions[["source", "year", "institution", "coaching_start"]], left_on=["source", "session"], right_on=["source", "year"], how="left"
    ).merge(src[c.PATHWAYS].drop_duplicates("participant"), left_on="id", right_on="participant", how="left")
    order = people.id.map(lambda pid: hmac.new(key, pid.encode(), hashlib.sha256).hexdigest())
    people = people.assign(order=order).sort_values(["session", "order"]).reset_index(drop=True)
    granted = people.adjustment_granted.fillna(False).astype(bool)
    width = max(4, len(str(len(people))))
    return pd.DataFrame({
        "Code": [f"P{n:0{width}d}" for n in range(1, len(people) + 1)],
        "Session": people.session.astype("Int64"),
        "Établissement": people.institution.fillna(c.SESSION_DEFAULTS["institution"]),
        "Tranche d'âge": age_bands(people),
        "Aménagement de peine": granted.map({True: "Oui", False: "Non"}),
        "Type d'aménagement": people.adjustment_type.where(granted),
        "Situation à 6 mois": people.situation_6m.fillna(UNKNOWN),
        "Situation à 1 an": people.situation_1y.fillna(UNKNOWN),
        "Sortie positive à 1 an": people.situation_1y.isin(c.POSITIVE_SITUATIONS).map({True: "Oui", False: "Non"}).where(people.situation_1y.notna(), UNKNOWN),
    })


def companies_frame(src: ind.Sources, keys: pd.MultiIndex) -> pd.DataFrame:
    """Distinct companies by domain (rows) and type (columns): counts only, no name or contact."""
    companies = src[c.COMPANIES][ind.in_sessions(src[c.COMPANIES], keys)].drop_duplicates("id")
    if companies.empty:  # no session held yet: an empty table rather than a crosstab without margins
        return pd.DataFrame(columns=["Domaine", "Total"])
    companies = companies.assign(type=companies.type.fillna(UNKNOWN), domain=companies.domain.fillna(UNKNOWN))
    table = pd.crosstab(companies.domain, companies.type, margins=True, margins_name="Total")
    order = [t for t in (*c.COMPANY_TYPES, UNKNOWN) if t in table.columns] + ["Total"]
    return table[order].rename_axis(index="Domaine", columns=None).reset_index()


def budget_frames(src: ind.Sources, keys: pd.MultiIndex, results: ind.Results) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(funding by session and funder, total and cost per participant by session)."""
    funding = src[c.FUNDING][ind.in_sessions(src[c.FUNDING], keys)]
    by_funder = funding.groupby(["session", "funder"], as_index=False).amount.sum()
    by_funder.columns = ["Session", "Financeur", "Montant (€)"]
    years = sorted({int(y) for y in keys.get_level_values(1)})
    totals = pd.DataFrame([
        [str(y), results.value(str(y), "budget_total"), results.value(str(y), "participants"), results.value(str(y), "cout_par_participant")]
        for y in years if str(y) in results.values
    ], columns=["Session", "Budget total (€)", "Participants", "Coût par participant (€)"])
    return by_funder, totals


def method_frame(results: ind.Results) -> pd.DataFrame:
    rows = [[i.section, i.label.strip(), i.definition] for i in results.indicators]
    return pd.DataFrame(rows, columns=["Rubrique", "Indicateur", "Définition"])


METHOD_NOTES = (
    "Données pseudonymisées : aucun nom, numéro d'écrou, date de naissance, conseiller ni observation libre. "
    "Le code participant est attribué à chaque export et ne permet pas de retrouver la personne.",
    "Tranche d'âge : âge au premier jour du coaching. Entreprises : nombres d'entreprises distinctes, sans contact.",
    "Doublons entre classeurs : un même participant (même ID et session, ou même n° d'écrou et session) "
    "ou un même financement (session, financeur, montant) saisi dans deux classeurs est compté une fois.",
    "Sessions tenues : coaching commencé à la date de calcul ; une session en préparation n'est pas comptée.",
)


def export_contents(consolidated: Consolidated, today: dt.date, year: int | None = None, key: bytes | None = None) -> list[SheetContent]:
    """Every sheet of the funders' workbook. With ``year``, the synthesis covers the sessions up to
    that year (its column and the cumulative one) and the detail sheets that year only."""
    src = consolidated.sources
    results = ind.compute(src, today, until=year)
    held = ind.held_sessions(src[c.SESSIONS], today, year)
    keys = pd.MultiIndex.from_arrays([held.source, held.year.astype("Int64")])
    if year is not None:
        keys = keys[keys.get_level_values(1) == year]
    period = f"session {year}" if year is not None else results.cumulative.replace("Cumul ", "sessions ")
    origin = (
        f"Consolidation de {len(consolidated.names)} classeur(s) ; {len(consolidated.duplicates)} doublon(s) "
        "écarté(s) (voir l'onglet Méthode)."
    )
    synthesis = ind.sheet_content(results, sheet="Synthèse")
    synthesis.title = "100 Chances 100 Emplois en milieu carcéral — synthèse pour les financeurs"
    synthesis.notes.insert(0, origin)
    by_funder, totals = budget_frames(src, keys, results)
    money = {"Montant (€)": '#,##0\\ "€"', "Budget total (€)": '#,##0\\ "€"', "Coût par participant (€)": '#,##0\\ "€"'}
    participants = participants_frame(src, keys, key or secrets.token_bytes(32))
    return [
        synthesis,
        SheetContent("Participants", f"Participants ({period}) — données pseudonymisées", notes=[METHOD_NOTES[0]],
                     blocks=[Block(participants, widths={"Établissement": 34, "Type d'aménagement": 34})]),
        SheetContent("Entreprises", f"Entreprises par domaine et par type ({period})", notes=[METHOD_NOTES[1]],
                     blocks=[Block(companies_frame(src, keys), widths={"Domaine": 60})]),
        SheetContent("Budget", f"Budget et financements ({period})",
                     blocks=[Block(by_funder, title="Financements", formats=money, widths={"Financeur": 30}),
                             Block(totals, title="Coût par participant", formats=money)]),
        SheetContent("Méthode", "Méthode et définitions", notes=[*METHOD_NOTES, c.POSITIVE_EXIT_RULE, ind.computed_on(results)],
                     blocks=[Block(method_frame(results), widths={"Rubrique": 22, "Indicateur": 44, "Définition": 100}, wrap=True)]),
    ]
