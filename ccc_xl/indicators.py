"""Yearly and cumulative indicators of the action, as funders (SPIP, FIPD) ask for them.

Pure functions on the DataFrames read from one workbook or consolidated from several
(`funders.consolidate`). Every figure is computed by the same function on a set of sessions, so a
year's column and the cumulative column can never disagree on a definition: the cumulative column
simply pools the sessions (a company present several years counts once, rates are pooled ratios).

Which sessions count: a session is *held* when its first day of coaching is on or before the
computation date; a session in preparation (the coming year) is left out until it starts. A session
in progress is counted, its one-year situations are simply still unknown. ``until`` caps the years
(e.g. 2023 to get the published 2019–2023 figures whatever was added since).
"""

from __future__ import annotations

import datetime as dt
import functools
import unicodedata
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

import numpy as np
import pandas as pd

from . import contract as c

TABLES = (c.SESSIONS, c.CANDIDATES, c.COMPANIES, c.DEBRIEFING, c.FOLLOWUP, c.PATHWAYS, c.FUNDING, c.INFO_MEETINGS)

COUNT, RATE, MONEY = "count", "rate", "money"


@functools.lru_cache(maxsize=4096)
def slug(text: str) -> str:
    """A JSON-friendly key from a French label ("Semi-liberté" -> "semi_liberte"; remembered: the
    same institutions and list values come back for every column)."""
    bare = "".join(ch for ch in unicodedata.normalize("NFKD", text) if not unicodedata.combining(ch))
    return "_".join("".join(ch if ch.isalnum() else " " for ch in bare.lower()).split())


@dataclass(frozen=True)
class Indicator:
    """One line of the indicators: machine key, French label, French definition, kind of value."""

    key: str
    label: str
    definition: str
    kind: str = COUNT
    section: str = "Activité"


@dataclass
class Sources:
    """The tables the indicators read, each with a ``source`` column (which workbook it came from).

    Participant IDs must be unique across sources (`funders.consolidate` makes them so).
    """

    frames: dict[str, pd.DataFrame]

    @classmethod
    def single(cls, frames: dict[str, pd.DataFrame]) -> "Sources":
        """One workbook's tables (by table name), tagged as source 0."""
        return cls({name: frame.assign(source=0) for name, frame in frames.items()})

    def __getitem__(self, table: c.Table) -> pd.DataFrame:
        return self.frames[table.name]


@dataclass
class Results:
    """The indicators per column ("2019", …, cumulative) with their definitions."""

    today: dt.date
    years: list[int]
    indicators: list[Indicator]
    values: dict[str, dict[str, object]] = field(default_factory=dict)  # column -> key -> value

    @property
    def cumulative(self) -> str:
        return cumulative_label(self.years)

    @property
    def columns(self) -> list[str]:
        return [str(y) for y in self.years] + [self.cumulative]

    def value(self, column: str, key: str):
        return self.values[column].get(key)


def cumulative_label(years: list[int]) -> str:
    if not years:
        return "Cumul"
    return f"Cumul {years[0]}–{years[-1]}" if len(years) > 1 else f"Cumul {years[0]}"


# ------------------------------------------------------------------------------------------------
# Which sessions are held
# ------------------------------------------------------------------------------------------------


def held_sessions(sessions: pd.DataFrame, today: dt.date, until: int | None = None) -> pd.DataFrame:
    """Sessions whose coaching has started by ``today`` (and whose year is at most ``until``)."""
    started = sessions.coaching_start.notna() & (sessions.coaching_start <= pd.Timestamp(today))
    held = sessions[started & sessions.year.notna()]
    if until is not None:
        held = held[held.year <= until]
    return held.drop_duplicates(["source", "year"])


def not_held(sessions: pd.DataFrame, year: int, today: dt.date) -> str | None:
    """Why the session ``year`` is not a held session on ``today`` (French, with the date option that
    would count it), or None when it is held. ``sessions``: the Sessions table (one workbook)."""
    rows = sessions[sessions.year == year]
    if rows.empty:
        known = ", ".join(str(int(y)) for y in sorted(sessions.year.dropna().unique())) or "aucune"
        return f"La session {year} n'existe pas dans l'onglet « {c.SESSIONS.sheet} » (sessions : {known})."
    start = rows.coaching_start.dropna()
    header = c.SESSIONS.column("coaching_start").header
    if start.empty:
        return (f"La session {year} n'a pas de « {header} » (onglet « {c.SESSIONS.sheet} ») : une session compte "
                "à partir de son premier jour de coaching ; renseignez-le.")
    first = start.min().date()
    if first <= today:
        return None
    return (f"La session {year} n'est pas encore tenue : son coaching commence le {first:%d/%m/%Y} (« {header} »), "
            f"et le calcul est fait au {today:%d/%m/%Y}. Pour la compter dès maintenant, calculez à cette date : "
            f"option --date {first:%d/%m/%Y} (ou une date postérieure).")


def waiting_sessions(sessions: pd.DataFrame, today: dt.date, until: int | None = None) -> str | None:
    """`not_held` for the first session (up to ``until``) that is not held on ``today``, else None."""
    years = sorted({int(y) for y in sessions.year.dropna() if until is None or y <= until})
    return next((why for why in (not_held(sessions, year, today) for year in years) if why), None)


def in_sessions(frame: pd.DataFrame, keys: pd.MultiIndex, year_column: str = "session") -> pd.Series:
    """Rows of ``frame`` belonging to the sessions ``keys`` (pairs source, year)."""
    if frame.empty:
        return pd.Series(False, index=frame.index)
    pairs = pd.MultiIndex.from_arrays([frame.source, frame[year_column].astype("Int64")])
    return pd.Series(pairs.isin(keys), index=frame.index)


# ------------------------------------------------------------------------------------------------
# The figures of a set of sessions
# ------------------------------------------------------------------------------------------------


def _ratio(numerator, denominator):
    return float(numerator) / float(denominator) if denominator else None


def months_between(start: pd.Series, end: pd.Series) -> pd.Series:
    """Whole calendar months from ``start`` to ``end`` (negative when ``end`` is before)."""
    months = (end.dt.year - start.dt.year) * 12 + (end.dt.month - start.dt.month)
    return months - (end.dt.day < start.dt.day).astype(int)


# The recruitment funnel's steps (`recruitment.FUNNEL_STEPS`) under their indicator keys.
FUNNEL_KEYS = {"informed": "detenus_informes", "volunteers": "volontaires", "interviewed": "entretiens_individuels",
               "retained": "retenus"}


def session_funnels(src: Sources, keys: pd.MultiIndex) -> dict[tuple, dict[str, int]]:
    """The recruitment funnel of each session (source, year) of ``keys``, by indicator key: counted
    once for every session of every workbook, whatever the number of years and columns asked."""
    from .recruitment import session_counts

    counts = session_counts(src[c.CANDIDATES], src[c.INFO_MEETINGS], ["source", "session"])
    empty = dict.fromkeys(FUNNEL_KEYS, 0)
    return {(source, int(year)): {key: counts.get((source, int(year)), empty)[step] for step, key in FUNNEL_KEYS.items()}
            for source, year in dict.fromkeys(keys)}


def _funnel(funnels: dict[tuple, dict[str, int]], keys: pd.MultiIndex) -> dict[str, int]:
    """The recruitment funnel of the sessions ``keys``, summed over sessions (and workbooks)."""
    total = dict.fromkeys(FUNNEL_KEYS.values(), 0)
    for source, year in dict.fromkeys(keys):
        for key, n in funnels[(source, int(year))].items():
            total[key] += n
    return total


def funnel_frame(results: "Results") -> pd.DataFrame:
    """The recruitment funnel as a table: one row per session year and a cumulative row, one column per
    step (French labels of `recruitment.FUNNEL_STEPS`), counts."""
    from .recruitment import FUNNEL_STEPS

    rows = [[column, *(results.value(column, FUNNEL_KEYS[step]) for step, _ in FUNNEL_STEPS)] for column in results.columns]
    return pd.DataFrame(rows, columns=["Session", *(label for _, label in FUNNEL_STEPS)])


def participants_of(src: Sources, keys: pd.MultiIndex) -> pd.DataFrame:
    """The retained candidates of the sessions ``keys`` (pairs source, year), in the Candidats order,
    each with its session's dates and its Parcours row."""
    sessions = src[c.SESSIONS]
    return _participants(sessions[in_sessions(sessions, keys, "year")], src[c.CANDIDATES][in_sessions(src[c.CANDIDATES], keys)],
                         src[c.PATHWAYS])


def _participants(sessions: pd.DataFrame, candidates: pd.DataFrame, pathways: pd.DataFrame) -> pd.DataFrame:
    """`participants_of` from the Sessions and Candidats rows of the sessions."""
    participants = candidates[candidates.retained.fillna(False).astype(bool)]
    dates = sessions[["source", "year", "coaching_start", "coaching_end", "grand_oral_date", "interviews_per_participant"]]
    people = participants[["id", "source", "session", "expected_release"]].merge(
        dates, left_on=["source", "session"], right_on=["source", "year"], how="left"
    )
    return people.merge(pathways.drop_duplicates("participant"), left_on="id", right_on="participant", how="left")


@dataclass
class Rows:
    """What `figures` counts for a set of sessions, row by row: for the sessions, candidates,
    companies, proposals, fundings and participants of these sessions, each row's session year and
    what it adds to the figures (a flag, a list value's position, an amount), as arrays of one table's
    length. `compute` finds them once for every held session, then each year's figures are sums over
    that year's rows (`of_year`): every table is matched to the sessions, the participants to their
    Parcours and Suivi rows, and each test made on every row, once for all the columns."""

    tables: dict[str, dict[str, np.ndarray]]  # table -> name -> array (each with the row's "year")

    @classmethod
    def of(cls, src: Sources, keys: pd.MultiIndex, today: dt.date) -> "Rows":
        from . import followup as fu

        sessions = src[c.SESSIONS][in_sessions(src[c.SESSIONS], keys, "year")]
        candidates = src[c.CANDIDATES][in_sessions(src[c.CANDIDATES], keys)]
        companies = src[c.COMPANIES][in_sessions(src[c.COMPANIES], keys)]
        proposals = src[c.DEBRIEFING][in_sessions(src[c.DEBRIEFING], keys)]
        funding = src[c.FUNDING][in_sessions(src[c.FUNDING], keys)]
        people = _participants(sessions, candidates, src[c.PATHWAYS])
        kept, over = fu.kept_months_by_row(people, src[c.FOLLOWUP], today)
        institutions = sessions.institution.fillna(c.SESSION_DEFAULTS["institution"]).map(slug)
        granted = people.adjustment_granted.fillna(False).astype(bool)
        released = people.release_date.notna() & (people.release_date <= pd.Timestamp(today))
        relay = (
            released
            & people.relay.notna()
            & people.relay_contact_date.notna()
            & (people.relay_contact_date <= people.release_date)
        )
        flags = {"granted": granted, "known": people.situation_1y.notna(), "positive": people.situation_1y.isin(c.POSITIVE_SITUATIONS),
                 "training": people.situation_1y == "Formation", "unknown_6m": people.situation_6m.isna(),
                 "positive_6m": people.situation_6m.isin(c.POSITIVE_SITUATIONS), "released": released, "relay": relay}
        return cls({
            # A session entered in several workbooks (same establishment, same year) counts once.
            "sessions": {"year": _years(sessions.year), "session": sessions.groupby([institutions, sessions.year]).ngroup().to_numpy()},
            "candidates": {"year": _years(candidates.session)},
            "companies": {"year": _years(companies.session), "company": pd.factorize(companies.id)[0]},
            "proposals": {"year": _years(proposals.session), "type": _position(proposals.type, c.PROPOSAL_TYPES)},
            "funding": {"year": _years(funding.session), "funder": funding.funder.to_numpy(dtype=object),
                        "amount": funding.amount.to_numpy()},
            "people": {
                "year": _years(people.session), "kept": kept, "over": over,
                "interviews": people.interviews_per_participant.fillna(c.SESSION_DEFAULTS["interviews_per_participant"]).to_numpy(),
                "adjustment": np.where(granted, _position(people.adjustment_type, c.ADJUSTMENT_TYPES), -1),
                "situation_6m": _position(people.situation_6m, c.SITUATIONS),
                **{name: flag.to_numpy(dtype=bool) for name, flag in flags.items()},
            },
        })

    def of_year(self, year: int) -> "Rows":
        """The rows of the sessions of ``year``."""
        tables = {}
        for table, arrays in self.tables.items():
            rows = arrays["year"] == year
            tables[table] = {name: column[rows] for name, column in arrays.items()}
        return Rows(tables)


def _years(column: pd.Series) -> np.ndarray:
    """A session year column of rows matched to sessions (so never blank), as `in_sessions` reads it."""
    return column.astype("Int64").to_numpy(dtype=np.int64)


def _position(column: pd.Series, values: tuple[str, ...]) -> np.ndarray:
    """The position of each row's value in the list ``values``, -1 when blank or not in the list."""
    return pd.Index(values).get_indexer(column.to_numpy(dtype=object))


def _tally(positions: np.ndarray, values: tuple[str, ...]) -> dict[str, int]:
    """How many rows hold each of ``values`` (`_position`)."""
    counts = np.bincount(positions[positions >= 0], minlength=len(values))
    return {value: int(n) for value, n in zip(values, counts)}


def figures(src: Sources, keys: pd.MultiIndex, today: dt.date, funnels: dict | None = None,
            rows: Rows | None = None) -> dict[str, object]:
    """Every indicator for the sessions ``keys`` (pairs source, year), keyed by `Indicator.key`;
    ``funnels``: `session_funnels` already computed for these sessions (or more); ``rows``: their
    `Rows`, already found."""
    tables = (Rows.of(src, keys, today) if rows is None else rows).tables
    people, companies = tables["people"], tables["companies"]["company"]
    n = len(people["year"])
    out: dict[str, object] = {
        "sessions": len(np.unique(tables["sessions"]["session"])),
        "candidats": len(tables["candidates"]["year"]),
        "participants": n,
        "entreprises": len(np.unique(companies[companies >= 0])),  # -1: no company ID
    }
    out.update(_funnel(funnels if funnels is not None else session_funnels(src, keys), keys))
    out["entretiens"] = int(people["interviews"].sum())

    proposals = tables["proposals"]["type"]
    out["propositions"] = len(proposals)
    for kind, number in _tally(proposals, c.PROPOSAL_TYPES).items():
        out[f"propositions_{slug(kind)}"] = number

    granted = int(people["granted"].sum())
    out["amenagements"] = granted
    out["taux_amenagements"] = _ratio(granted, n)
    for kind, number in _tally(people["adjustment"], c.ADJUSTMENT_TYPES).items():
        out[f"amenagements_{slug(kind)}"] = number

    known, positive, training = (int(people[name].sum()) for name in ("known", "positive", "training"))
    employment = int((people["positive"] & ~people["training"]).sum())
    out["situation_1an_connue"] = known
    out["situation_1an_inconnue"] = n - known
    out["sorties_positives_1an"] = positive
    out["sorties_formation"] = training
    out["sorties_emploi"] = employment
    out["taux_sorties_positives_1an"] = _ratio(positive, known)
    out["part_formation"] = _ratio(training, positive)
    out["part_emploi"] = _ratio(employment, positive)

    for situation, number in _tally(people["situation_6m"], c.SITUATIONS).items():
        out[f"situation_6m_{slug(situation)}"] = number
    out["situation_6m_inconnue"] = int(people["unknown_6m"].sum())
    out["sorties_positives_6m"] = int(people["positive_6m"].sum())

    # The follow-up dashboard's definitions (`followup`): the end of the collective phase, the
    # follow-up months counted from it (`contract.MONTHLY_RULE`) and what a meeting is
    # (`contract.MEETING_RULE`).
    kept, over = int(people["kept"].sum()), int(people["over"].sum())
    out["mois_suivi_tenus"], out["mois_suivi"] = kept, over
    out["taux_suivi_mensuel"] = _ratio(kept, over)

    released, relay = int(people["released"].sum()), int(people["relay"].sum())
    out["liberes"] = released
    out["relais_avant_liberation"] = relay
    out["taux_relais_avant_liberation"] = _ratio(relay, released)

    amounts = pd.Series(tables["funding"]["amount"])
    for funder, amount in amounts.groupby(tables["funding"]["funder"]).sum().items():
        out[f"financement_{slug(funder)}"] = float(amount)
    total = float(amounts.sum())
    out["budget_total"] = total
    out["cout_par_participant"] = _ratio(total, n)
    return out


# ------------------------------------------------------------------------------------------------
# Labels and definitions
# ------------------------------------------------------------------------------------------------

ACTIVITY, RECRUITMENT, ADJUST, EXITS, RATES, SIX_MONTHS, BUDGET = (
    "Activité", "Recrutement", "Aménagements de peine", "Sorties à un an", "Taux", "Situation à 6 mois", "Budget",
)


def catalogue(funders: list[str]) -> list[Indicator]:
    """Every indicator, in the order shown, for the funders found in the data."""
    from .recruitment import FUNNEL_STEPS, STEP_DEFINITIONS

    held = "sessions tenues (coaching commencé à la date de calcul)"
    lines = [
        Indicator("sessions", "Sessions tenues", f"Nombre de {held} ; une même session saisie dans plusieurs classeurs compte une fois."),
        Indicator("candidats", "Candidats repérés", "Lignes de l'onglet Candidats des sessions tenues (repérés puis rencontrés)."),
        Indicator("participants", "Participants", "Candidats dont la colonne « Retenu » vaut Oui."),
        Indicator("entreprises", "Entreprises distinctes", "Entreprises distinctes par « ID entreprise » : une entreprise présente plusieurs années compte une fois dans le cumul."),
        Indicator("entretiens", "Entretiens avec les binômes (prévus)", "Participants × « Entretiens par participant » de la session (3 par défaut) : le classeur ne garde que le planning de la dernière session."),
        Indicator("propositions", "Propositions des entreprises", "Lignes de l'onglet Débriefing (propositions faites aux participants)."),
    ]
    lines += [Indicator(f"propositions_{slug(k)}", f"  dont {k}", f"Propositions de type « {k} ».") for k in c.PROPOSAL_TYPES]
    lines += [Indicator(FUNNEL_KEYS[step], label, STEP_DEFINITIONS[step], section=RECRUITMENT) for step, label in FUNNEL_STEPS]
    lines += [Indicator("amenagements", "Aménagements de peine accordés", "Participants dont « Aménagement accordé » vaut Oui (onglet Parcours).", section=ADJUST)]
    lines += [Indicator(f"amenagements_{slug(k)}", f"  dont {k}", f"Aménagements accordés de type « {k} ».", section=ADJUST) for k in c.ADJUSTMENT_TYPES]
    lines += [
        Indicator("sorties_positives_1an", "Sorties positives à 1 an", c.POSITIVE_EXIT_RULE, section=EXITS),
        Indicator("sorties_formation", "  dont formation", "Participants en « Formation » à 1 an.", section=EXITS),
        Indicator("sorties_emploi", "  dont emploi", "Participants en « Emploi de plus de 6 mois » à 1 an.", section=EXITS),
        Indicator("situation_1an_connue", "Situation à 1 an connue", "Participants dont la « Situation à 1 an » est renseignée (« Sans nouvelles » est une situation connue, non positive).", section=EXITS),
        Indicator("situation_1an_inconnue", "Situation à 1 an inconnue", "Participants sans « Situation à 1 an » (pas encore d'un an, ou non saisie) : exclus du taux de sorties positives.", section=EXITS),
        Indicator("liberes", "Participants libérés", "Participants dont la « Date de libération » est passée à la date de calcul.", section=EXITS),
        Indicator("relais_avant_liberation", "Relais extérieur trouvé avant la libération", "Libérés ayant un « Relais extérieur » et une date « Contact relais » au plus tard le jour de la libération.", section=EXITS),
        Indicator("mois_suivi", "Mois de suivi écoulés", f"Mois de suivi terminés à la date de calcul, additionnés sur les participants (12 par participant au plus). {c.MONTHLY_RULE}", section=EXITS),
        Indicator("mois_suivi_tenus", "Mois avec au moins une rencontre", f"Parmi ces mois de suivi, ceux où le participant a eu au moins une rencontre. {c.MEETING_RULE}", section=EXITS),
        Indicator("taux_amenagements", "Taux d'aménagement de peine", "Aménagements accordés / participants.", RATE, RATES),
        Indicator("taux_sorties_positives_1an", "Taux de sorties positives à 1 an", "Sorties positives à 1 an / participants dont la situation à 1 an est connue (le nombre d'inconnues est donné à part).", RATE, RATES),
        Indicator("part_formation", "Part formation des sorties positives", "Sorties en formation / sorties positives à 1 an.", RATE, RATES),
        Indicator("part_emploi", "Part emploi des sorties positives", "Sorties en emploi de plus de 6 mois / sorties positives à 1 an.", RATE, RATES),
        Indicator("taux_suivi_mensuel", "Suivi mensuel tenu", "Mois avec au moins une rencontre / mois de suivi écoulés (participant-mois).", RATE, RATES),
        Indicator("taux_relais_avant_liberation", "Relais trouvé avant la libération", "Relais extérieur trouvé avant la libération / participants libérés.", RATE, RATES),
    ]
    lines += [Indicator(f"situation_6m_{slug(s)}", s, f"Participants dont la « Situation à 6 mois » est « {s} ».", section=SIX_MONTHS) for s in c.SITUATIONS]
    lines += [
        Indicator("situation_6m_inconnue", "Non renseignée", "Participants sans « Situation à 6 mois ».", section=SIX_MONTHS),
        Indicator("sorties_positives_6m", "Sorties positives à 6 mois", "Participants en emploi de plus de 6 mois ou en formation à 6 mois.", section=SIX_MONTHS),
    ]
    lines += [Indicator(f"financement_{slug(f)}", f"Financement {f}", f"Somme des montants de l'onglet Financements pour le financeur « {f} ».", MONEY, BUDGET) for f in funders]
    lines += [
        Indicator("budget_total", "Budget total (financements)", "Somme des montants de l'onglet Financements des sessions tenues.", MONEY, BUDGET),
        Indicator("cout_par_participant", "Coût par participant", "Budget total / participants.", MONEY, BUDGET),
    ]
    return lines


SECTIONS = (ACTIVITY, RECRUITMENT, ADJUST, EXITS, RATES, SIX_MONTHS, BUDGET)


def compute(src: Sources, today: dt.date, until: int | None = None) -> Results:
    """The indicators of every held session year and their cumulative column."""
    held = held_sessions(src[c.SESSIONS], today, until)
    years = sorted(int(y) for y in held.year.unique())
    keys = pd.MultiIndex.from_arrays([held.source, held.year.astype("Int64")])
    everything = Rows.of(src, keys, today)
    funders = sorted({str(f) for f in everything.tables["funding"]["funder"] if pd.notna(f)})
    results = Results(today, years, catalogue(funders))
    funnels = session_funnels(src, keys)
    for year in years:
        results.values[str(year)] = figures(src, keys[keys.get_level_values(1) == year], today, funnels, everything.of_year(year))
    results.values[results.cumulative] = figures(src, keys, today, funnels, everything)
    for values in results.values.values():  # a funder absent one year gave nothing that year
        values.update({i.key: 0.0 for i in results.indicators if i.key.startswith("financement_") and i.key not in values})
    return results


# Keys printed by `ccc-xl indicateurs --json`, for each year and the cumulative block.
JSON_KEYS = ("sessions", "participants", "entreprises", "taux_sorties_positives_1an", "part_formation", "part_emploi", "amenagements")


def as_json(results: Results) -> dict:
    """The headline figures, machine-readable; rates are fractions (0.6 for 60 %)."""
    pick = lambda column: {k: results.value(column, k) for k in JSON_KEYS}  # noqa: E731
    return {
        "date_calcul": results.today.isoformat(),
        "cumul": {"periode": results.cumulative, **pick(results.cumulative)},
        "annees": {str(y): pick(str(y)) for y in results.years},
    }


ROUNDING_RULE = (
    "Arrondi : les taux sont affichés en pour cent entiers et les montants en euros entiers, arrondis "
    "au plus proche, la moitié vers le haut (5/8 = 62,5 % s'affiche 63 %), partout : onglet Indicateurs, "
    "ligne de commande, bilan et export pour les financeurs."
)


def half_up(value: float, digits: int = 0) -> float:
    """``value`` rounded to ``digits`` decimals, a half going up (62.5 -> 63), as French usage and
    Excel's own display do; Python's round() would give 62 (round half to even). The decimal text of
    the float is rounded, so 0.285 (stored as 0.28499…) gives 0.29 as Excel shows it."""
    return float(Decimal(repr(float(value))).quantize(Decimal(1).scaleb(-digits), rounding=ROUND_HALF_UP))


def percent(fraction) -> int | None:
    """A rate as whole percent under the one rounding rule (`ROUNDING_RULE`): 5/8 -> 63."""
    if fraction is None or pd.isna(fraction):
        return None
    return int(half_up(float(Decimal(repr(float(fraction))) * 100)))


def displayed(indicator: Indicator, value):
    """The number shown for ``value``: a rate as its rounded fraction (0.63 for 5/8), an amount in whole
    euros, a count as it is. Sheets store this number, so any viewer shows what the CLI prints."""
    if value is None or pd.isna(value):
        return None
    if indicator.kind == RATE:
        return percent(value) / 100
    if indicator.kind == MONEY:
        return half_up(value)
    return value


def rate_text(fraction) -> str:
    """« 63 % », « — » when unknown."""
    rounded = percent(fraction)
    return "—" if rounded is None else f"{rounded} %"


def formatted(indicator: Indicator, value) -> str:
    """A value as French text: "60 %", "14 554 €", "30"."""
    if value is None:
        return "—"
    if indicator.kind == RATE:
        return rate_text(value)
    if indicator.kind == MONEY:
        return f"{half_up(value):,.0f} €".replace(",", "\u202f")
    return str(value)


# ------------------------------------------------------------------------------------------------
# The Indicateurs sheet and the printed table
# ------------------------------------------------------------------------------------------------

FORMATS = {COUNT: c.INT_FORMAT, RATE: "0%", MONEY: '#,##0\\ "€"'}
LABEL, DEFINITION, YEAR = "Indicateur", "Définition", "Année"
CHART_SERIES = ("Participants", "Sorties positives à 1 an")
VALUE_WIDTH = 9.5  # every year's column and the cumulative one: equal, so each value sits under its year


def section_frames(results: Results) -> list[tuple[str, pd.DataFrame, str]]:
    """(section title, frame Indicateur | years… | cumulative | Définition, kind) per section.

    Each section holds one kind of value so a whole column shares one number format; values stay
    numbers (rates as fractions) so any viewer shows them without recalculating.
    """
    sections = []
    for section in SECTIONS:
        lines = [i for i in results.indicators if i.section == section]
        rows = [[i.label, *(displayed(i, results.value(col, i.key)) for col in results.columns), i.definition] for i in lines]
        frame = pd.DataFrame(rows, columns=[LABEL, *results.columns, DEFINITION])
        sections.append((section, frame, lines[0].kind if lines else COUNT))
    return sections


def chart_frame(results: Results) -> pd.DataFrame:
    """Participants and positive exits at one year, one row per year (the chart's data). A year
    whose situations at one year are all still unknown has no exit bar, not a bar at zero."""
    def exits(year: int):
        known = results.value(str(year), "situation_1an_connue")
        return results.value(str(year), "sorties_positives_1an") if known else None

    return pd.DataFrame(
        [[y, results.value(str(y), "participants"), exits(y)] for y in results.years],
        columns=[YEAR, *CHART_SERIES],
    )


def computed_on(results: Results) -> str:
    held = ", ".join(str(y) for y in results.years) or "aucune"
    return (
        f"Calculé le {results.today:%d/%m/%Y}. Sessions tenues (coaching commencé à cette date) : {held}. "
        "Les taux sont calculés sur les effectifs cumulés ; une entreprise présente plusieurs années compte une fois."
    )


def sheet_content(results: Results, sheet: str = c.INDICATORS_SHEET.name):
    """The Indicateurs sheet: the sections one under the other in one table (definitions beside each
    line) on one A4 landscape page, then the chart and its figures on a page of their own."""
    from .workbook.content import Block, Chart, SheetContent

    widths = {LABEL: 44, **{col: VALUE_WIDTH for col in results.columns}}
    blocks = [
        Block(frame, title=title, formats={col: FORMATS[kind] for col in results.columns}, widths=widths,
              continued=index > 0, small=(DEFINITION,))
        for index, (title, frame, kind) in enumerate(section_frames(results))
    ]
    blocks.append(Block(chart_frame(results), title="Participants et sorties positives par année", page_break=True,
                        widths={YEAR: widths[LABEL], **{name: VALUE_WIDTH for name in CHART_SERIES}}))
    chart = Chart("Participants et sorties positives à 1 an", len(blocks) - 1, YEAR, CHART_SERIES, "Personnes")
    notes = [computed_on(results), c.POSITIVE_EXIT_RULE, ROUNDING_RULE]
    return SheetContent(sheet, "Indicateurs — 100 Chances 100 Emplois", notes=notes, blocks=blocks, landscape=True,
                        charts=[chart], one_page=True)


def text_lines(results: Results) -> list[str]:
    """The same figures as the sheet, as aligned text (labels whole: a cut label reads as another)."""
    label_width = max((len(i.label) for i in results.indicators), default=0)
    lines = ["".ljust(label_width + 2) + "".join(col.rjust(9) for col in results.columns[:-1]) + "Cumul".rjust(9)]
    for section in SECTIONS:
        lines.append(section)
        for i in (i for i in results.indicators if i.section == section):
            values = "".join(formatted(i, results.value(col, i.key)).rjust(9) for col in results.columns)
            lines.append("  " + i.label.ljust(label_width) + values)
    return lines
