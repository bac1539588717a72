"""The workbook sent to funders: several ccc-xl workbooks consolidated, then aggregated.

The advisers' workbooks hold special-category data (art. 10 GDPR). By default what leaves the Mission
Locale is aggregated: the indicators by session and cumulated, companies by domain and type, budget,
method; a count of people finer than a whole session below the threshold is hidden, with as many
other cells as needed so that it cannot be recomputed from the totals (`disclosure`). On request, a
per-person table for the SPIP: pseudonymised personal data (a per-export code, never a column the
contract marks ``identifying``), made k-anonymous on its quasi-identifiers.

Consolidation: each workbook's participant IDs are made unique; the same participant entered in two
workbooks (same ID and session, or same écrou and session) is kept once and reported, and so is a
funding line entered twice for the same session.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import secrets
import textwrap
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from . import contract as c
from . import disclosure
from . import indicators as ind
from .identities import Identities, Person, words
from .parsing import normalise
from .report import Anomaly
from .wording import agreed, count
from .retention import age_band
from .workbook.content import Block, SheetContent
from .workbook.gateway import TypedTable, stacked

PARTICIPANT_LINKS = (c.PATHWAYS, c.FOLLOWUP, c.DEBRIEFING)  # tables pointing at a participant ID
UNKNOWN = "Non renseigné"


@dataclass
class Consolidated:
    """Several workbooks as one `indicators.Sources`, with what was found twice."""

    sources: ind.Sources
    names: list[str]
    duplicates: list[Anomaly] = field(default_factory=list)


def _folded(value) -> str | None:
    """A cell compared as text (`normalise`); None for a blank one."""
    if type(value) is str and value.isascii():  # IDs and écrou numbers: `normalise`'s own first case, inline
        return " ".join(value.casefold().split()) or None
    if not isinstance(value, str):  # text, the usual case, needs no conversion
        if value is None or pd.isna(value):
            return None
        value = str(value)
    return normalise(value) if value.strip() else None


def _key(values: pd.Series, sessions: pd.Series) -> pd.Series:
    folded = {v: _folded(v) for v in dict.fromkeys(values)}  # each distinct value once
    text = pd.Series([folded[v] for v in values], index=values.index, dtype=object)
    return (text + "|" + sessions.astype("Int64").astype(str)).where(text.notna())


def consolidate(workbooks: list[dict[str, pd.DataFrame]], names: list[str]) -> Consolidated:
    """One set of tables from several workbooks' tables (by table name), duplicates kept once."""
    merged: dict[str, pd.DataFrame] = {}
    for table in ind.TABLES:  # each table's frames put end to end once, then tagged column by column
        parts = [tables[table.name] for tables in workbooks]
        source = np.repeat(np.arange(len(parts)), [len(part) for part in parts])
        rows = (np.concatenate([part.excel_rows() if isinstance(part, TypedTable) else part.index.to_numpy() for part in parts])
                if parts else np.array([], dtype=object))
        frame = stacked(parts)  # a new frame: its columns are set in place
        frame["source"], frame["ligne"] = source, rows  # ligne: the Excel row
        tag = np.array([f"{n}:" for n in range(len(parts))], dtype=object)[source]  # « 12: », the workbook's number
        if table is c.CANDIDATES:
            frame["original_id"] = frame.id
            frame["id"] = tag + frame.id.astype(str)
        elif table in PARTICIPANT_LINKS:
            frame["participant"] = tag + frame.participant.astype(str)
        merged[table.name] = frame
    duplicates: list[Anomaly] = []
    merged[c.CANDIDATES.name], alias = _unique_candidates(merged[c.CANDIDATES.name], names, duplicates)
    for table in PARTICIPANT_LINKS:
        if alias:  # a participant entered twice: its rows point at the one kept
            links = merged[table.name].participant
            kept = links.map(alias)
            merged[table.name] = merged[table.name].assign(participant=links.where(kept.isna(), kept))
    merged[c.FOLLOWUP.name] = merged[c.FOLLOWUP.name].drop_duplicates(["participant", "date", "type"])
    merged[c.DEBRIEFING.name] = merged[c.DEBRIEFING.name].drop_duplicates(["participant", "company", "type", "session"])
    merged[c.FUNDING.name] = _unique_funding(merged, names, duplicates)
    return Consolidated(ind.Sources(merged), names, duplicates)


def _sheet(workbook: str, table: c.Table) -> str:
    """Where a double is: « classeur › feuille », or the sheet alone for an unnamed workbook (a
    command consolidating the one workbook it works on)."""
    return f"{workbook} › {table.sheet}" if workbook else table.sheet


def _unique_candidates(cand: pd.DataFrame, names: list[str], duplicates: list[Anomaly]):
    """Candidates once each; (kept rows, alias {dropped internal ID: kept internal ID})."""
    canonical = cand.assign(by_id=_key(cand.original_id, cand.session)).groupby("by_id", dropna=False).id.transform("first")
    canonical = canonical.where(cand.original_id.notna(), cand.id)
    by_ecrou = _key(cand.ecrou, cand.session)
    first_by_ecrou = cand.assign(canonical=canonical, by_ecrou=by_ecrou)[by_ecrou.notna()].groupby("by_ecrou").canonical.transform("first")
    canonical.loc[first_by_ecrou.index] = first_by_ecrou
    # The same ID typed on two rows of one workbook: one internal ID, the first row counts.
    again = cand.id.duplicated() & cand.original_id.notna()
    dropped = cand[(canonical != cand.id) | again]
    where = cand.drop_duplicates("id").set_index("id")
    for row, kept_id in zip(dropped.itertuples(), canonical[dropped.index]):
        kept = where.loc[kept_id]
        same = "dans le même classeur" if kept.source == row.source else f"dans « {names[kept.source]} » (ligne {kept.ligne})"
        duplicates.append(Anomaly(
            _sheet(names[row.source], c.CANDIDATES), row.ligne, c.CANDIDATES.column("id").header, row.original_id,
            f"Participant déjà saisi {same} (même ID ou même n° d'écrou pour la session {row.session}) : compté une fois.",
        ))
    return cand[(canonical == cand.id) & ~again], dict(zip(dropped.id, canonical[dropped.index]))


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
    key = (funding.inst.astype(str) + "|" + funding.session.astype(str) + "|" + funding.funder.map(lambda f: normalise(str(f)))
           + "|" + funding.amount.astype(str))
    twice = key.duplicated() & ~funding.assign(key=key).duplicated(["key", "source"])
    for row in funding[twice].itertuples():
        duplicates.append(Anomaly(
            _sheet(names[row.source], c.FUNDING), row.ligne, c.FUNDING.column("funder").header, row.funder,
            f"Financement déjà saisi dans un autre classeur pour la session {row.session} (même financeur, même montant) : compté une fois.",
        ))
    return funding[~twice].drop(columns="inst")


# ------------------------------------------------------------------------------------------------
# The aggregated sheets, and the pseudonymised per-person table on request
# ------------------------------------------------------------------------------------------------

# Breakdowns of people (or proposals) finer than a whole session, as (total, parts, complete): the
# parts add up to the total, or, when ``complete`` is False, to less (the rest is never published:
# an adjustment without a type, participants not released…). Counts that are no part of any
# breakdown are whole-session figures, published exactly: participants, positive exits, adjustments,
# and how many one-year situations are known, on which the positive-exit rate funders contract on
# is computed.
BREAKDOWNS: tuple[tuple[str, tuple[str, ...], bool], ...] = (
    ("propositions", tuple(f"propositions_{ind.slug(k)}" for k in c.PROPOSAL_TYPES), False),
    ("amenagements", tuple(f"amenagements_{ind.slug(k)}" for k in c.ADJUSTMENT_TYPES), False),
    ("sorties_positives_1an", ("sorties_formation", "sorties_emploi"), True),
    ("participants", (*(f"situation_6m_{ind.slug(s)}" for s in c.SITUATIONS), "situation_6m_inconnue"), True),
    ("participants", ("sorties_positives_6m",), False),
    ("participants", ("liberes",), False),
    ("liberes", ("relais_avant_liberation",), False),
)
# Rates and the counts they are computed from: a rate on a hidden count is hidden too.
RATE_INPUTS = {
    "taux_amenagements": ("amenagements", "participants"),
    "taux_sorties_positives_1an": ("sorties_positives_1an", "situation_1an_connue"),
    "part_formation": ("sorties_formation", "sorties_positives_1an"),
    "part_emploi": ("sorties_emploi", "sorties_positives_1an"),
    "taux_suivi_mensuel": ("mois_suivi_tenus", "mois_suivi"),
    "taux_relais_avant_liberation": ("relais_avant_liberation", "liberes"),
}


def synthesis_grid(results: ind.Results) -> disclosure.Grid:
    """The counts of the synthesis and the sums a reader can use: each breakdown adds up to its
    total in every column, and every count of the years adds up to the cumulative column."""
    years, cumulative = [str(y) for y in results.years], results.cumulative
    counts = {i.key for i in results.indicators if i.kind == ind.COUNT}
    value = lambda key, column: int(results.value(column, key) or 0)  # noqa: E731
    grid = disclosure.Grid({(key, column): value(key, column) for key in counts for column in results.columns})
    parts_of_any = set()
    for number, (total, parts, complete) in enumerate(BREAKDOWNS):
        parts = tuple(p for p in parts if p in counts)
        if total not in counts or not parts:
            continue
        rests = {column: value(total, column) - sum(value(p, column) for p in parts) for column in results.columns}
        if any(rest < 0 for rest in rests.values()):
            continue  # parts beyond their total (inconsistent data): no sum to rely on
        parts_of_any |= set(parts)
        rest_key = None if complete and not any(rests.values()) else f"reste {number}"
        for column in results.columns:
            cells = [(p, column) for p in parts]
            if rest_key:
                grid.values[(rest_key, column)] = rests[column]
                grid.hidden.add((rest_key, column))
                cells.append((rest_key, column))
            grid.add(cells, (total, column))
        if rest_key:
            parts_of_any.add(rest_key)
    grid.exact = {k for k in grid.values if k[0] not in parts_of_any}
    if years:
        for key in {k for k, _ in grid.values} & parts_of_any:
            if sum(grid.values[(key, y)] for y in years) == grid.values[(key, cumulative)]:
                grid.add([(key, y) for y in years], (key, cumulative))
    return grid


def synthesis_status(results: ind.Results, threshold: int) -> dict[tuple[str, str], str]:
    """(indicator key, column) -> SHOWN, SMALL or SECRET for every count and rate of the synthesis."""
    status = disclosure.protect(synthesis_grid(results), threshold)
    for indicator in (i for i in results.indicators if i.kind == ind.RATE):
        for column in results.columns:
            inputs = RATE_INPUTS.get(indicator.key)
            hidden = [s for (key, col), s in status.items() if col == column and s != disclosure.SHOWN
                      and (inputs is None or key in inputs)]
            status[(indicator.key, column)] = disclosure.SECRET if hidden else disclosure.SHOWN
    return status


def synthesis_content(results: ind.Results, threshold: int) -> tuple[SheetContent, int]:
    """The Indicateurs sheet's layout with small cells hidden; and how many cells are hidden."""
    status = synthesis_status(results, threshold)
    content = ind.sheet_content(results, sheet="Synthèse")
    for block, section in zip(content.blocks, ind.SECTIONS):
        lines = [i for i in results.indicators if i.section == section]
        # Definitions are on the Méthode sheet: without them the figures fit a landscape page.
        block.frame = block.frame.drop(columns=ind.DEFINITION).astype(object)
        for row, indicator in enumerate(lines):
            for column in results.columns:
                text = disclosure.marker(status.get((indicator.key, column), disclosure.SHOWN), threshold)
                if text:
                    block.frame.at[row, column] = text
        # « < 5 » and « s » are text: the format's text section right-aligns them like the numbers.
        block.formats = {column: f"{fmt};-{fmt};{fmt};* @" for column, fmt in block.formats.items()}
        block.widths = {**block.widths, **{column: 9 for column in results.columns}, results.cumulative: 19}
    return content, sum(1 for s in status.values() if s != disclosure.SHOWN)


def age_bands(people: pd.DataFrame) -> list[str]:
    """Each person's age band at the first day of the action; for a purged session (birth date
    erased) the band the purge kept in Candidats."""
    return [age_band(birth, start) or (kept if isinstance(kept, str) else UNKNOWN)
            for birth, start, kept in zip(people.birth_date, people.coaching_start, people.age_band)]


def people_frame(src: ind.Sources, keys: pd.MultiIndex, key: bytes) -> pd.DataFrame:
    """One line per participant, quasi-identifiers only, in an order keyed by a secret of this
    export (the order says nothing about the ID)."""
    cand = src[c.CANDIDATES]
    people = cand[ind.in_sessions(cand, keys) & cand.retained.fillna(False).astype(bool)]
    sessions = src[c.SESSIONS].drop_duplicates(["source", "year"])
    people = people[["id", "source", "session", "birth_date", "age_band"]].merge(
        sessions[["source", "year", "institution", "coaching_start"]], left_on=["source", "session"], right_on=["source", "year"], how="left"
    ).merge(src[c.PATHWAYS].drop_duplicates("participant"), left_on="id", right_on="participant", how="left")
    order = people.id.map(lambda pid: hmac.new(key, pid.encode(), hashlib.sha256).hexdigest())
    people = people.assign(order=order).sort_values(["session", "order"]).reset_index(drop=True)
    granted = people.adjustment_granted.fillna(False).astype(bool)
    adjustment = people.adjustment_type.where(people.adjustment_type.notna(), "Oui (type non renseigné)")
    return pd.DataFrame({
        "Session": people.session.astype("Int64").astype(object),
        "Établissement": people.institution.fillna(c.SESSION_DEFAULTS["institution"]),
        "Tranche d'âge": age_bands(people),
        "Aménagement de peine": adjustment.where(granted, "Non"),
        "Situation à 6 mois": people.situation_6m.fillna(UNKNOWN),
        "Situation à 1 an": people.situation_1y.fillna(UNKNOWN),
    })


def _periods(years: pd.Series, width: int | None) -> pd.Series:
    """Session years grouped by periods of ``width`` years from the first one (« 2019–2021 »), or
    all together (``width`` None: « 2019–2026 »)."""
    numbers = pd.to_numeric(years, errors="coerce")
    if numbers.notna().sum() == 0:
        return years.map(lambda _: UNKNOWN)
    first, last = int(numbers.min()), int(numbers.max())
    if width is None:
        return numbers.map(lambda y: f"{first}–{last}" if pd.notna(y) else UNKNOWN)
    return numbers.map(lambda y: UNKNOWN if pd.isna(y) else
                       f"{first + (int(y) - first) // width * width}–{first + (int(y) - first) // width * width + width - 1}")


def _outcome(situations: pd.Series) -> pd.Series:
    return situations.map(lambda s: "Sortie positive" if s in c.POSITIVE_SITUATIONS
                          else UNKNOWN if s == UNKNOWN else "Autre situation")


def _two_bands(bands: pd.Series) -> pd.Series:
    lows = {label: low for low, _, label in c.AGE_BANDS}
    return bands.map(lambda b: b if b == UNKNOWN else "moins de 26 ans"
                     if lows.get(b, 0 if str(b).startswith("moins") else 99) < 26 else "26 ans et plus")


def _all(text: str):
    return lambda values: values.map(lambda _: text)


# How each column of the per-person table gets coarser (`disclosure.generalise`). The outcomes are
# what the SPIP reads the table for: losing them weighs more than grouping years or ages.
LADDERS = (
    disclosure.Ladder("Aménagement de peine", (
        ("type d'aménagement remplacé par Oui/Non", lambda s: s.map(lambda v: "Non" if v == "Non" else "Oui")),
        ("aménagement masqué", _all("—"))), weight=2),
    disclosure.Ladder("Tranche d'âge", (
        ("tranches d'âge regroupées (moins de 26 ans, 26 ans et plus)", _two_bands),
        ("tranche d'âge masquée", _all("—")))),
    disclosure.Ladder("Session", (
        ("sessions regroupées par périodes de 3 ans", lambda s: _periods(s, 3)),
        ("sessions toutes regroupées", lambda s: _periods(s, None)))),
    disclosure.Ladder("Établissement", (("établissements regroupés", _all("Tous établissements")),)),
    disclosure.Ladder("Situation à 6 mois", (
        ("situation à 6 mois réduite à sortie positive / autre", _outcome), ("situation à 6 mois masquée", _all("—"))),
        weight=2),
    disclosure.Ladder("Situation à 1 an", (
        ("situation à 1 an réduite à sortie positive / autre", _outcome), ("situation à 1 an masquée", _all("—"))),
        weight=3),
)
QUASI_IDENTIFIERS = [ladder.column for ladder in LADDERS]
REMOVABLE = 0.1  # share of the rows the per-person table may lose rather than be generalised further


def detail_content(src: ind.Sources, keys: pd.MultiIndex, k: int, key: bytes, period: str) -> SheetContent:
    """The pseudonymised per-person table for the SPIP: k-anonymous on every column but the code."""
    people = people_frame(src, keys, key)
    table, applied, removed = disclosure.generalise(people, list(LADDERS), k, int(len(people) * REMOVABLE))
    table = table[["Session", *(q for q in QUASI_IDENTIFIERS if q != "Session")]]
    table = table.sort_values(list(table.columns), key=lambda s: s.astype(str), kind="stable").reset_index(drop=True)
    width = max(4, len(str(len(table))))
    table.insert(0, "Code", [f"P{n:0{width}d}" for n in range(1, len(table) + 1)])
    notes = [DETAIL_WARNING,
             f"Chaque combinaison de session, établissement, tranche d'âge, aménagement et situations est partagée par "
             f"au moins {k} personnes (k-anonymat, k = {k}).",
             "Généralisations appliquées : " + (" ; ".join(applied) if applied else "aucune") + ".",
             f"{count(removed, 'participant', 'participants')} dont la combinaison restait partagée par moins de {k} "
             f"personnes : {agreed(removed, 'ligne retirée', 'lignes retirées')}."]
    return SheetContent(DETAIL_SHEET, f"Participants ({period}) — données personnelles pseudonymisées, réservées au SPIP",
                        notes=notes, blocks=[Block(table, widths={"Établissement": 34, "Aménagement de peine": 30,
                                                                  "Situation à 6 mois": 26, "Situation à 1 an": 26})])


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
    """(funding by session and funder, total and cost per participant by session); session years
    are numbers, amounts in whole euros as everywhere (`indicators.displayed`)."""
    money = next(i for i in results.indicators if i.key == "budget_total")
    funding = src[c.FUNDING][ind.in_sessions(src[c.FUNDING], keys)]
    by_funder = funding.groupby(["session", "funder"], as_index=False).amount.sum()
    by_funder.columns = ["Session", "Financeur", "Montant (€)"]
    by_funder["Session"] = by_funder["Session"].astype("Int64")
    by_funder["Montant (€)"] = by_funder["Montant (€)"].map(lambda v: ind.displayed(money, v))
    years = sorted({int(y) for y in keys.get_level_values(1)})
    totals = pd.DataFrame([
        [y, ind.displayed(money, results.value(str(y), "budget_total")), results.value(str(y), "participants"),
         ind.displayed(money, results.value(str(y), "cout_par_participant"))]
        for y in years if str(y) in results.values
    ], columns=["Session", "Budget total (€)", "Participants", "Coût par participant (€)"])
    return by_funder, totals


def method_frame(results: ind.Results) -> pd.DataFrame:
    rows = [[i.section, i.label.strip(), i.definition] for i in results.indicators]
    return pd.DataFrame(rows, columns=["Rubrique", "Indicateur", "Définition"])


DETAIL_SHEET = "Participants (SPIP)"
DETAIL_WARNING = (
    "Données personnelles pseudonymisées, réservées au SPIP : une ligne par participant, sans nom, écrou, date de "
    "naissance ni observation, mais qui reste une donnée personnelle (RGPD, art. 10). Ne pas transmettre aux autres "
    "financeurs ; ne pas chercher à réidentifier les personnes."
)


AGE_AND_COMPANIES = "Tranche d'âge : âge au premier jour du coaching. Entreprises : nombres d'entreprises distinctes, sans contact."


def method_notes(threshold: int, hidden: int, detail: bool) -> list[str]:
    """The Méthode sheet's notes: what the workbook holds and how small counts are protected."""
    notes = [
        "Données agrégées : effectifs, taux et montants par session et cumulés ; aucune ligne ne décrit une personne"
        + (f", sauf l'onglet « {DETAIL_SHEET} » (données pseudonymisées, voir plus bas)." if detail else "."),
        "Chiffres exacts : ceux de chaque session entière (sessions, candidats, participants, aménagements accordés, "
        "sorties positives à 1 an, situations connues, budget…), sur lesquels portent les conventions.",
        f"Petits effectifs (secret statistique) : dans une ventilation plus fine qu'une session entière (propositions "
        f"par type, aménagements par type, situations à 6 mois, formation ou emploi, libérés, relais), un effectif de 1 "
        f"à {threshold - 1} est affiché « < {threshold} » (secret primaire) ; 0 est affiché, il ne décrit personne.",
        "Secret secondaire : chaque ventilation s'additionne à son total et chaque année au cumul ; pour qu'un effectif "
        "masqué ne puisse pas être retrouvé par différence, d'autres cases sont masquées « s », jusqu'à ce qu'un contrôle "
        "(recherche exhaustive des tableaux compatibles avec tout ce qui est affiché) montre qu'aucune case masquée n'a "
        "une seule valeur possible (hors zéros, qui ne décrivent personne). Un taux calculé sur une case masquée est masqué aussi. "
        f"{count(hidden, 'case masquée', 'cases masquées')} dans la synthèse.",
        AGE_AND_COMPANIES,
        "Doublons entre classeurs : un même participant (même ID et session, ou même n° d'écrou et session) "
        "ou un même financement (session, financeur, montant) saisi dans deux classeurs est compté une fois.",
        "Sessions tenues : coaching commencé à la date de calcul ; une session en préparation n'est pas comptée.",
        "Contrôle avant écriture : le classeur n'est écrit que si ces règles sont vérifiées sur son contenu et qu'aucun "
        "nom, numéro d'écrou, date de naissance ou coordonnée des classeurs sources n'y figure.",
    ]
    if detail:
        notes += [DETAIL_WARNING,
                  f"k-anonymat de l'onglet « {DETAIL_SHEET} » : chaque combinaison de session, établissement, tranche "
                  f"d'âge, aménagement et situations y est partagée par au moins {threshold} personnes. Pour y parvenir, "
                  "les colonnes sont généralisées le moins possible (sessions regroupées par périodes, tranches d'âge "
                  "fusionnées, type d'aménagement ramené à Oui/Non, situations réduites à « sortie positive » ou "
                  f"« autre », au besoin masquées), puis les quelques personnes restées seules (au plus "
                  f"{round(REMOVABLE * 100)} %) sont retirées ; l'onglet dit ce qui a été fait."]
    return notes


def export_contents(consolidated: Consolidated, today: dt.date, year: int | None = None, key: bytes | None = None,
                    threshold: int = disclosure.DEFAULT_THRESHOLD, detail: bool = False,
                    results: ind.Results | None = None) -> list[SheetContent]:
    """Every sheet of the funders' workbook: aggregates with small counts hidden (``threshold``), and
    with ``detail`` the k-anonymous per-person table (k = ``threshold``). With ``year``, the synthesis
    covers the sessions up to that year (its column and the cumulative one) and the other sheets
    that year only. ``results``: the indicators already computed for ``today`` and ``year``."""
    src = consolidated.sources
    results = results or ind.compute(src, today, until=year)
    held = ind.held_sessions(src[c.SESSIONS], today, year)
    keys = pd.MultiIndex.from_arrays([held.source, held.year.astype("Int64")])
    if year is not None:
        keys = keys[keys.get_level_values(1) == year]
    period = f"session {year}" if year is not None else results.cumulative.replace("Cumul ", "sessions ")
    origin = (
        f"Consolidation de {count(len(consolidated.names), 'classeur', 'classeurs')} ; "
        f"{count(len(consolidated.duplicates), 'doublon écarté', 'doublons écartés')} (voir l'onglet Méthode)."
    )
    synthesis, hidden = synthesis_content(results, threshold)
    synthesis.title = "100 Chances 100 Emplois en milieu carcéral — synthèse agrégée pour les financeurs"
    synthesis.notes[:0] = [origin, f"« < {threshold} » : effectif de 1 à {threshold - 1} ; « s » : masqué (secret "
                                   "statistique). Définitions et méthode : onglet « Méthode »."]
    by_funder, totals = budget_frames(src, keys, results)
    money = {"Montant (€)": '#,##0\\ "€"', "Budget total (€)": '#,##0\\ "€"', "Coût par participant (€)": '#,##0\\ "€"'}
    years = {"Session": "0"}
    notes = method_notes(threshold, hidden, detail)
    sheets = [
        synthesis,
        SheetContent("Entreprises", f"Entreprises par domaine et par type ({period})", notes=[AGE_AND_COMPANIES],
                     blocks=[Block(companies_frame(src, keys), widths={"Domaine": 60})]),
        SheetContent("Budget", f"Budget et financements ({period})",
                     blocks=[Block(by_funder, title="Financements", formats={**money, **years}, widths={"Financeur": 30}),
                             Block(totals, title="Coût par participant", formats={**money, **years})]),
        SheetContent("Méthode", "Méthode et définitions", notes=[*notes, c.POSITIVE_EXIT_RULE, ind.ROUNDING_RULE,
                                                                 ind.computed_on(results)],
                     blocks=[Block(method_frame(results), widths={"Rubrique": 22, "Indicateur": 44, "Définition": 150}, wrap=True)]),
    ]
    if detail:
        sheets.insert(1, detail_content(src, keys, threshold, key or secrets.token_bytes(32), period))
    for sheet in sheets:  # printed on landscape pages one sheet wide, notes cut in lines that fit
        sheet.landscape = True
        sheet.notes = [line for note in sheet.notes for line in textwrap.wrap(note, NOTE_WIDTH)]
    return sheets


NOTE_WIDTH = 130  # characters of a note's line: what a landscape page shows of the narrowest sheet


# ------------------------------------------------------------------------------------------------
# Before anything is written: is there something to export, and does the export keep its promises?
# ------------------------------------------------------------------------------------------------


def nothing_to_export(consolidated: Consolidated, today: dt.date, year: int | None) -> str | None:
    """Why there is no export to write (French), like the annual report's refusal; None when there
    is. With ``year``, that session must be held; without, at least one session must be."""
    sessions = consolidated.sources[c.SESSIONS]
    if year is not None:
        why = ind.not_held(sessions, year, today)
        return f"Pas d'export financeurs {year} : {why[:1].lower()}{why[1:]} Rien n'a été écrit." if why else None
    if not ind.held_sessions(sessions, today).empty:
        return None
    why = ind.waiting_sessions(sessions, today) or f"aucune session dans l'onglet « {c.SESSIONS.sheet} »."
    return f"Pas d'export financeurs : {why[:1].lower()}{why[1:]} Rien n'a été écrit."


def check_export(sheets: list[SheetContent], consolidated: Consolidated, results: ind.Results, threshold: int) -> list[str]:
    """What the export about to be written would reveal, read back from its sheets (French, one
    line per problem; empty when it keeps its promises): no sheet beyond the expected ones; in the
    synthesis, whole-session figures exact, every other count shown only when 0 or at least
    ``threshold``, and no hidden count recomputable from what is shown (`disclosure.audit`); the
    per-person table, if any, k-anonymous with k = ``threshold`` on all its columns but the code;
    no name, écrou number, birth date or contact of the sources anywhere. ``results``: the
    indicators the export was made from."""
    by_name = {sheet.sheet: sheet for sheet in sheets}
    problems = [f"onglet inattendu « {name} »" for name in by_name if name not in (*SHEETS, DETAIL_SHEET)]
    problems += _synthesis_problems(by_name["Synthèse"], results, threshold)
    if DETAIL_SHEET in by_name:
        problems += _detail_problems(by_name[DETAIL_SHEET], threshold)
    problems += _identity_problems(sheets, consolidated, results)
    return problems


SHEETS = ("Synthèse", "Entreprises", "Budget", "Méthode")


def _synthesis_problems(synthesis: SheetContent, results: ind.Results, threshold: int) -> list[str]:
    grid = synthesis_grid(results)
    shown: dict[tuple[str, str], object] = {}
    for block, section in zip(synthesis.blocks, ind.SECTIONS):
        lines = [i for i in results.indicators if i.section == section]
        if list(block.frame[ind.LABEL]) != [i.label for i in lines]:
            return [f"synthèse : la rubrique « {section} » ne suit pas les indicateurs calculés"]
        for row, indicator in enumerate(lines):
            shown.update({(indicator.key, column): block.frame.at[row, column] for column in results.columns})
    problems, status = [], {}
    small, secret = disclosure.marker(disclosure.SMALL, threshold), disclosure.marker(disclosure.SECRET, threshold)
    for key, true in grid.values.items():
        if key in grid.hidden:
            continue
        value, where = shown.get(key), f"synthèse, « {_label(results, key[0])} », {key[1]}"
        if key in grid.exact:
            if value != true:
                problems.append(f"{where} : {value} au lieu de {true}")
        elif value == small:
            status[key] = disclosure.SMALL
            if not 1 <= true < threshold:
                problems.append(f"{where} : « {small} » pour {true}")
        elif value == secret:
            status[key] = disclosure.SECRET
        else:
            status[key] = disclosure.SHOWN
            if value != true or 1 <= true < threshold:
                problems.append(f"{where} : petit effectif affiché")
    recomputable = disclosure.audit(grid, status, threshold)
    problems += [f"synthèse, « {_label(results, k)} », {column} : case masquée qui se recalcule à partir des totaux"
                 for k, column in recomputable]
    for indicator in (i for i in results.indicators if i.kind == ind.RATE):
        inputs = RATE_INPUTS.get(indicator.key)
        for column in results.columns:
            over_hidden = any(s != disclosure.SHOWN for (k, col), s in status.items()
                              if col == column and (inputs is None or k in inputs))
            if over_hidden and shown.get((indicator.key, column)) != secret:
                problems.append(f"synthèse, « {indicator.label} », {column} : taux calculé sur un effectif masqué")
    return problems


def _label(results: ind.Results, key: str) -> str:
    return next((i.label for i in results.indicators if i.key == key), key)


def _detail_problems(detail: SheetContent, k: int) -> list[str]:
    table = detail.blocks[0].frame
    if sorted(table.columns) != sorted(["Code", *QUASI_IDENTIFIERS]):
        return [f"onglet « {DETAIL_SHEET} » : colonnes inattendues"]
    sizes = disclosure.class_sizes(table, QUASI_IDENTIFIERS)
    alone = int((sizes < k).sum())
    return [f"onglet « {DETAIL_SHEET} » : {count(alone, 'ligne partage', 'lignes partagent')} leur combinaison avec moins de {k} personnes"] if alone else []


def _identity_problems(sheets: list[SheetContent], consolidated: Consolidated, results: ind.Results) -> list[str]:
    """Every text the sheets hold, looked at for the identity tokens of the sources' people."""
    texts = [(sheet.sheet, where, text) for sheet in sheets for where, text in _texts_of(sheet)]
    shown = {word for *_, text in texts for word in words(text)}  # every word the export shows
    src = consolidated.sources
    cand = src[c.CANDIDATES]
    births = cand.birth_date.dt.date.astype(object).where(cand.birth_date.notna(), None)
    people = [Person(f"{consolidated.names[s]} › {pid}", _text(f), last, ecrou, b)
              for s, pid, f, last, ecrou, b in zip(cand.source.tolist(), cand.original_id, cand.first_name,
                                                    map(_text, cand.last_name), map(_text, cand.ecrou), births)
              if _could_be_found(shown, last, ecrou, b)]
    # Advisers, company contacts…: each whole value is looked for as a name.
    for table in ind.TABLES:
        frame = src[table]
        for column in (col for col in table.columns if col.identifying and col.key in frame.columns
                       and col.kind is c.Kind.TEXT and col.key not in ("first_name", "last_name", "ecrou", "notes")):
            people += [Person(f"« {column.header} » de l'onglet « {table.sheet} »", last_name=v)
                       for v in frame[column.key].dropna().map(_text) if v and _could_be_found(shown, v)]
    # A surname alone is not looked for where it is a word of the export's own text, or of the
    # establishments' and funders' names the export shows (« Vienne » in « Département de la Vienne »).
    vocabulary = [*(col.header for t in c.TABLES.values() for col in t.columns),
                  *(v for closed in c.LISTS.values() for v in closed.values),
                  *(text for i in results.indicators for text in (i.section, i.label, i.definition)),
                  *method_notes(disclosure.DEFAULT_THRESHOLD, 0, True), c.POSITIVE_EXIT_RULE, ind.ROUNDING_RULE,
                  *src[c.SESSIONS].institution.dropna().map(_text), *src[c.FUNDING].funder.dropna().map(_text)]
    identities = Identities(people, ignored=vocabulary)
    places: dict[str, list[str]] = {}  # what was found -> where in the export
    for sheet, where, text in texts:
        for hit in identities.find(text):
            what = f"{hit.kind} du participant {hit.owner}" if " › " in hit.owner else f"valeur de la colonne {hit.owner}"
            places.setdefault(what, []).append(f"onglet « {sheet} », {where}")
    return [f"{what} ({' ; '.join(dict.fromkeys(where))}) : à retirer de la cellule du classeur source qui l'a apporté"
            for what, where in places.items()]


def _texts_of(sheet: SheetContent) -> list[tuple[str, str]]:
    """(where, text) of every text a sheet shows: title, notes, column headers and text cells."""
    texts = [("titre", sheet.title), *(("note", n) for n in sheet.notes)]
    for block in sheet.blocks:
        texts += [(f"colonne « {h} »", str(h)) for h in block.frame.columns]
        for header in block.frame.columns:
            texts += [(f"colonne « {header} »", v) for v in block.frame[header] if isinstance(v, str)]
    return texts


def _could_be_found(shown: set[str], last_name: str, ecrou: str = "", birth_date: dt.date | None = None) -> bool:
    """Whether a person's identity tokens (`identities.Identities`) can be in texts whose words are
    ``shown``: a token is found only when all its words are, and a full name and a surname alone
    hold every word of the surname, an écrou its own words, a birth date its year (four or two
    digits). The other people are not looked for: the same tokens are found, with the same owners."""
    return (shown.issuperset(words(last_name)) or shown.issuperset(words(ecrou))
            or (birth_date is not None and (str(birth_date.year) in shown or f"{birth_date.year % 100:02d}" in shown)))


def _text(value) -> str:
    return "" if value is None or (not isinstance(value, str) and pd.isna(value)) else str(value).strip()
