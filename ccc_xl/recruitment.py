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


def session_counts(candidates: pd.DataFrame, meetings: pd.DataFrame, by: list[str]) -> dict[tuple, dict[str, int]]:
    """The funnel of every session found, keyed by the session's values of the columns ``by``
    (["session"] for one workbook, ["source", "session"] for a consolidation), by step key.

    Meeting by meeting, a typed head count wins, else the candidates attached to that meeting count;
    candidates attached to a meeting number the Réunions sheet does not list still count. The
    candidates are counted per (session, meeting) group at once, so the loops run over meetings and
    groups, not over people."""
    cand = pd.DataFrame({**{k: candidates[k] for k in by}, "meeting": candidates["info_meeting"],
                         "volunteer": _true(candidates["volunteer"]),
                         "interviewed": candidates["interview_date"].notna(), "retained": _true(candidates["retained"])})
    found: dict[tuple, dict[str, int]] = {}

    def session(key) -> dict[str, int]:
        return found.setdefault(key if isinstance(key, tuple) else (key,), dict.fromkeys(STEP_DEFINITIONS, 0))

    steps = cand.groupby(by)[["interviewed", "retained"]].sum()
    for key, interviewed, retained in zip(steps.index, steps.interviewed, steps.retained):
        session(key).update(interviewed=int(interviewed), retained=int(retained))
    named = cand[cand.meeting.notna()].groupby([*by, "meeting"]).volunteer.agg(["size", "sum"])
    named = {key: (int(n), int(v)) for key, n, v in zip(named.index, named["size"], named["sum"])}
    listed = set()
    for *key, number, attendees, volunteers in meetings[[*by, "number", "attendees", "volunteers"]].itertuples(index=False):
        if any(pd.isna(k) for k in key):
            continue
        counts = session(tuple(key))
        people, willing = (0, 0) if pd.isna(number) else named.get((*key, number), (0, 0))
        listed.add((*key, number))
        counts["informed"] += int(attendees) if pd.notna(attendees) else people
        counts["volunteers"] += int(volunteers) if pd.notna(volunteers) else willing
    for (*key, number), (people, willing) in named.items():
        if (*key, number) not in listed:
            counts = session(tuple(key))
            counts["informed"] += people
            counts["volunteers"] += willing
    return found


def funnel(candidates: pd.DataFrame, meetings: pd.DataFrame, years=None) -> pd.DataFrame:
    """One row per session year (index), one column per step of `FUNNEL_STEPS` (keys), as counts.

    ``candidates`` and ``meetings`` are the Candidats and Réunions d'information tables as read from
    the workbook; ``years`` restricts and orders the sessions (all sessions found by default).
    """
    if years is None:
        years = sorted({int(y) for y in pd.concat([candidates["session"], meetings["session"]]).dropna()})
    counts = session_counts(candidates, meetings, ["session"])
    empty = dict.fromkeys(STEP_DEFINITIONS, 0)
    rows = {int(year): counts.get((year,), empty) for year in years}
    frame = pd.DataFrame.from_dict(rows, orient="index", columns=[k for k, _ in FUNNEL_STEPS], dtype="int64")
    frame.index.name = "session"
    return frame
