"""The recruitment funnel of each session: detainees informed → volunteers → interviewed → retained.

`indicators` shows it as the « Recrutement » section of the Indicateurs sheet (per session and
cumulated), and so the funders' synthesis too; `funnel` gives it per session as a table.

Information meetings are recorded twice on purpose, at two levels of detail. The Réunions
d'information sheet keeps the day's head counts (« Détenus présents », « Volontaires »): detainees
who only listened are never named, to collect no more than needed. Everyone who goes further gets a
Candidats row, with the meeting number, « Volontaire », the individual interview and « Retenu ».

So a meeting's typed count wins (it includes people never recorded by name); when it is blank, the
candidates attached to that meeting are counted instead. The interviewed and retained steps are
always counted on Candidats.
"""

from __future__ import annotations

import pandas as pd

FUNNEL_STEPS = (
    ("informed", "Détenus informés"),
    ("volunteers", "Volontaires"),
    ("interviewed", "Entretiens individuels"),
    ("retained", "Retenus"),
)
# What each step counts (the Indicateurs sheet shows these beside the figures).
STEP_DEFINITIONS = {
    "informed": "Détenus présents aux réunions d'information : nombre noté à chaque réunion (onglet Réunions "
                "d'information), à défaut candidats rattachés à la réunion.",
    "volunteers": "Volontaires à l'issue des réunions : nombre noté à chaque réunion, à défaut candidats de la "
                  "réunion dont « Volontaire » vaut Oui.",
    "interviewed": "Candidats rencontrés en entretien individuel (colonne « Entretien individuel » renseignée).",
    "retained": "Candidats dont « Retenu » vaut Oui : les participants.",
}
FUNNEL_DEFINITION = (
    "Informés et volontaires : nombres notés à chaque réunion d'information (à défaut, candidats "
    "rattachés à la réunion, volontaires pour le second) ; entretiens individuels : candidats ayant "
    "une date d'entretien individuel ; retenus : candidats dont « Retenu » vaut Oui."
)


def _true(series: pd.Series) -> pd.Series:
    return series.astype("boolean").fillna(False).astype(bool)


def _meeting_counts(meetings: pd.DataFrame, candidates: pd.DataFrame, year: int) -> tuple[int, int]:
    """(informed, volunteers) of a session, meeting by meeting."""
    of_year = candidates[candidates["session"] == year]
    attached = of_year[of_year["info_meeting"].notna()]
    informed = volunteers = 0
    numbers = set()
    for _, meeting in meetings[meetings["session"] == year].iterrows():
        number = meeting["number"]
        numbers.add(number)
        named = attached[attached["info_meeting"] == number] if pd.notna(number) else attached.iloc[0:0]
        informed += int(meeting["attendees"]) if pd.notna(meeting["attendees"]) else len(named)
        volunteers += int(meeting["volunteers"]) if pd.notna(meeting["volunteers"]) \
            else int(_true(named["volunteer"]).sum())
    # Candidates attached to a meeting number the Réunions sheet does not list still count.
    unlisted = attached[~attached["info_meeting"].isin([n for n in numbers if pd.notna(n)])]
    return informed + len(unlisted), volunteers + int(_true(unlisted["volunteer"]).sum())


def funnel(candidates: pd.DataFrame, meetings: pd.DataFrame, years=None) -> pd.DataFrame:
    """One row per session year (index), one column per step of `FUNNEL_STEPS` (keys), as counts.

    ``candidates`` and ``meetings`` are the Candidats and Réunions d'information tables as read from
    the workbook; ``years`` restricts and orders the sessions (all sessions found by default).
    """
    if years is None:
        years = sorted({int(y) for y in pd.concat([candidates["session"], meetings["session"]]).dropna()})
    rows = {}
    for year in years:
        of_year = candidates[candidates["session"] == year]
        informed, volunteers = _meeting_counts(meetings, candidates, year)
        rows[int(year)] = {
            "informed": informed,
            "volunteers": volunteers,
            "interviewed": int(of_year["interview_date"].notna().sum()),
            "retained": int(_true(of_year["retained"]).sum()),
        }
    frame = pd.DataFrame.from_dict(rows, orient="index", columns=[k for k, _ in FUNNEL_STEPS], dtype="int64")
    frame.index.name = "session"
    return frame
