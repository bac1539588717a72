"""The funders' export lets nobody be singled out: small cells hidden beyond recomputation, and a
per-person table only on request, k-anonymous.

Each check is made by an independent reader: the hidden cells are audited by computing, with CP-SAT,
the smallest and largest value each could take given everything the sheet shows (a different method
from the product's), the k of the per-person table is computed from the sheet by grouping its rows,
and identity values of the source are looked for in every part of the exported file.
"""

from __future__ import annotations

import copy
import datetime as dt
import random
import re
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from openpyxl import load_workbook
from ortools.sat.python import cp_model

from ccc_xl import contract as c
from ccc_xl import disclosure, funders
from ccc_xl import indicators as ind
from ccc_xl.commands import export_financeurs
from ccc_xl.workbook.file import open_workbook

from conftest import DEMO_TODAY, run_cli, workbook_with
from test_funders import identifying_values, leaks

THRESHOLD = 5
TODAY = dt.date(2026, 11, 26)


# --- An independent audit: every value a hidden cell could take --------------------------------


def ranges(values: dict, shown: dict, equations, threshold: int) -> dict:
    """For each cell not shown, (smallest, largest) value consistent with the shown values, the
    sums, and the symbols (« < t »: 1 to t-1; « s » and never published: any count).

    Each cell is solved with only the sums that link it, through other unknown cells, to others:
    the unknowns of one such group are bound by no sum outside it, so its extremes are those of
    the whole grid."""
    bound = sum(values.values()) + 1
    unknown = [k for k in values if shown.get(k, "hidden") != "shown"]
    group = {k: k for k in unknown}  # union-find over the unknown cells sharing a sum

    def root(k):
        while group[k] != k:
            group[k] = group[group[k]]
            k = group[k]
        return k

    for parts, total in equations:
        linked = [k for k in (*parts, total) if k in group]
        for k in linked[1:]:
            group[root(k)] = root(linked[0])
    found = {}
    for cell in (k for k in unknown if shown.get(k) in ("small", "secret")):
        members = [k for k in unknown if root(k) == root(cell)]
        sums = [(parts, total) for parts, total in equations if any(k in members for k in (*parts, total))]
        extremes = []
        for sense in ("min", "max"):
            model = cp_model.CpModel()
            x = {k: model.NewIntVar(*((1, threshold - 1) if shown.get(k) == "small" else (0, bound)), str(k)) for k in members}
            for parts, total in sums:
                model.Add(sum(x.get(k, values[k]) for k in parts) == x.get(total, values[total]))
            (model.Minimize if sense == "min" else model.Maximize)(x[cell])
            solver = cp_model.CpSolver()
            solver.parameters.num_workers = 1  # on so small a model, more workers only cost their start
            assert solver.Solve(model) == cp_model.OPTIMAL
            extremes.append(solver.Value(x[cell]))
        found[cell] = tuple(extremes)
    return found


def read_synthesis(path: Path, results: ind.Results) -> dict[tuple[str, str], object]:
    """(indicator key, column) -> what the Synthèse sheet shows, section by section."""
    rows = list(load_workbook(path)["Synthèse"].iter_rows(values_only=True))
    shown, section, header = {}, None, None
    by_label = {(i.section, i.label): i.key for i in results.indicators}
    for row in rows:
        if row[0] in ind.SECTIONS and all(v is None for v in row[1:]):
            section = row[0]
        elif row[0] == ind.LABEL:
            header = list(row)
        elif section and header and (section, row[0]) in by_label:
            for column in results.columns:
                shown[(by_label[(section, row[0])], column)] = row[header.index(column)]
    return shown


def check_small_cells(path: Path, sources: ind.Sources, threshold: int = THRESHOLD) -> int:
    """Every breakdown cell of the exported synthesis follows the small-cell rule and no hidden
    cell can be recomputed; returns how many cells are hidden."""
    results = ind.compute(sources, TODAY)
    grid = funders.synthesis_grid(results)
    for parts, total in grid.equations:  # the sums the audit relies on are true of the data
        assert sum(grid.values[k] for k in parts) == grid.values[total]
    sheet = read_synthesis(path, results)
    status = {}
    for key in grid.values:
        if key in grid.hidden:
            continue
        value, true = sheet[key], grid.values[key]
        if key in grid.exact:
            assert value == true, key  # whole-session figures stay exact
        elif value == f"< {threshold}":
            assert 1 <= true < threshold, key
            status[key] = "small"
        elif value == "s":
            status[key] = "secret"
        else:
            assert value == true and not 1 <= value < threshold, (key, value)
            status[key] = "shown"
    status.update({k: "shown" for k in grid.exact})
    for cell, (low, high) in ranges(grid.values, status, grid.equations, threshold).items():
        assert low < high or high == 0, f"{cell} se recalcule : {low}"  # a hidden 0 describes nobody
    rates = [i for i in results.indicators if i.kind == ind.RATE]
    for indicator in rates:  # a rate over a hidden count is hidden
        for column in results.columns:
            inputs = funders.RATE_INPUTS.get(indicator.key, ())
            if any(status.get((k, column)) in ("small", "secret") for k in inputs):
                assert sheet[(indicator.key, column)] == "s", (indicator.key, column)
    return sum(1 for s in status.values() if s != "shown")


def smallest_k(path: Path) -> tuple[int, int]:
    """(smallest number of rows sharing one combination, rows) of the per-person table."""
    rows = list(load_workbook(path)[funders.DETAIL_SHEET].iter_rows(values_only=True))
    start = next(i for i, row in enumerate(rows) if row[0] == "Code")
    table = pd.DataFrame(rows[start + 1:], columns=rows[start]).dropna(how="all")
    if table.empty:
        return 0, 0
    sizes = table.drop(columns="Code").astype(str).value_counts()
    return int(sizes.min()), len(table)


# --- A random workbook of 200 participants ------------------------------------------------------

FIRST = ["Léa", "Yanis", "Zoé", "Mehdi", "Inès", "Hugo", "Sarah", "Noah", "Jade", "Adam", "Lina", "Théo"]
LAST = ["Martin", "Bernard", "Dubois", "Thomas", "Robert", "Richard", "Petit", "Durand", "Leroy", "Moreau", "Simon",
        "Laurent", "Lefebvre", "Michel", "Garcia", "David", "Bertrand", "Roux", "Vincent", "Fournier"]


def random_workbook(path: Path, seed: int, participants: int = 200) -> Path:
    """Five sessions in two establishments, ``participants`` detainees with random ages, sentence
    adjustments, situations, releases and proposals (seeded: the same workbook every run)."""
    rng = random.Random(seed)
    years = [2019, 2020, 2021, 2022, 2023]
    sessions = [{"year": y, "institution": "Centre Pénitentiaire de Poitiers-Vivonne" if y % 2 else "Maison d'arrêt de Niort",
                 "coaching_start": dt.date(y, 3, 10), "coaching_end": dt.date(y, 3, 14)} for y in years]
    candidates, pathways, debriefing, funding = [], [], [], []
    for n in range(participants):
        year = years[n % len(years)]
        pid = f"R{year}-{n:03d}"
        start = dt.date(year, 3, 10)
        birth = start - dt.timedelta(days=rng.randint(18 * 365 + 5, 30 * 365 - 5))
        candidates.append({"id": pid, "session": year, "last_name": rng.choice(LAST) + f"-{n}", "first_name": rng.choice(FIRST),
                           "birth_date": birth, "ecrou": f"{rng.randint(100000, 999999)}", "retained": True})
        granted = rng.random() < 0.5
        pathways.append({"participant": pid, "adjustment_granted": granted,
                         "adjustment_type": rng.choice(c.ADJUSTMENT_TYPES) if granted and rng.random() < 0.9 else None,
                         "release_date": start + dt.timedelta(days=rng.randint(30, 600)),
                         "situation_6m": rng.choice([*c.SITUATIONS, None]), "situation_1y": rng.choice([*c.SITUATIONS, None])})
        for _ in range(rng.randint(0, 3)):
            debriefing.append({"session": year, "participant": pid, "type": rng.choice(c.PROPOSAL_TYPES)})
    funding = [{"session": y, "funder": f, "amount": rng.randint(3000, 9000)} for y in years for f in ("SPIP", "FIPD")]
    return workbook_with(path, {c.SESSIONS: sessions, c.CANDIDATES: candidates, c.PATHWAYS: pathways,
                                c.DEBRIEFING: debriefing, c.FUNDING: funding})


def sources_of(path: Path) -> ind.Sources:
    """The tables as the export consolidates them (proposals entered twice count once)."""
    with open_workbook(path, write=False) as book:
        return funders.consolidate([{t.name: book.read(t) for t in ind.TABLES}], [path.name]).sources


@pytest.fixture(scope="module")
def random_200(tmp_path_factory) -> Path:
    return random_workbook(tmp_path_factory.mktemp("aleatoire") / "classeur.xlsx", seed=20261126)


# --- The tests ------------------------------------------------------------------------------------


@pytest.mark.parametrize("which", ["demo", "random"])
def test_the_export_hides_small_cells_and_the_detail_is_k_anonymous(which, demo_copy, random_200, tmp_path):
    source = demo_copy if which == "demo" else random_200
    export = tmp_path / "financeurs.xlsx"
    outcome = export_financeurs([source], export, today=TODAY, detail=True)
    assert "données agrégées" in outcome.summary and "pseudonymisées réservé au SPIP" in outcome.summary
    hidden = check_small_cells(export, sources_of(source))
    assert hidden > 0  # both workbooks have small breakdowns
    k, rows = smallest_k(export)
    results = ind.compute(sources_of(source), TODAY)
    participants = results.value(results.cumulative, "participants")
    assert k >= THRESHOLD and rows >= 0.9 * participants, (k, rows, participants)
    assert leaks(export, identifying_values([source])) == []
    budget = list(load_workbook(export)["Budget"].iter_rows(values_only=True))
    years = [row[0] for row in budget if isinstance(row[0], int)]
    assert years and all(2019 <= y <= 2026 for y in years)  # session years are numbers, not text


def test_by_default_nothing_describes_one_person(random_200, tmp_path):
    export = tmp_path / "financeurs.xlsx"
    export_financeurs([random_200], export, today=TODAY)
    wb = load_workbook(export)
    assert wb.sheetnames == ["Synthèse", "Entreprises", "Budget", "Méthode"]
    texts = [str(cell.value) for ws in wb for row in ws.iter_rows() for cell in row if cell.value is not None]
    assert not [t for t in texts if re.fullmatch(r"P\d{4}", t)]  # no per-person code, no per-person row
    method = " ".join(str(r[0]) for r in wb["Méthode"].iter_rows(values_only=True) if r[0])
    assert "Données agrégées" in method and "« < 5 »" in method and "anonymis" not in method.lower()


def test_a_higher_threshold_hides_more_and_k_follows_it(random_200, tmp_path):
    low, high = tmp_path / "5.xlsx", tmp_path / "10.xlsx"
    export_financeurs([random_200], low, today=TODAY, detail=True)
    export_financeurs([random_200], high, today=TODAY, detail=True, threshold=10)
    sources = sources_of(random_200)
    assert check_small_cells(high, sources, 10) > check_small_cells(low, sources, 5)
    assert smallest_k(high)[0] >= 10
    refused = run_cli("export-financeurs", random_200, "-o", tmp_path / "3.xlsx", "--seuil", "3")
    assert refused.returncode != 0 and "Traceback" not in refused.stderr and not (tmp_path / "3.xlsx").exists()


def test_the_words_say_aggregated_and_pseudonymised_never_anonymised(demo_workbook):
    from docx import Document

    root = Path(__file__).resolve().parents[1]
    docs = " ".join(p.read_text(encoding="utf-8") for p in (root / "README.md", root / "docs" / "guide-conseiller.md"))
    assert "anonymis" not in docs.lower() and "agrégé" in docs and "pseudonymis" in docs
    assert not [text for _, text in c.HOME_TEXT if "anonymis" in text.lower()]
    report = next(demo_workbook.parent.glob("Bilan*.docx"))
    assert "anonymis" not in " ".join(p.text for p in Document(report).paragraphs).lower()
    help_text = run_cli("export-financeurs", "--help").stdout
    assert "agrégé" in help_text and "anonymis" not in help_text


# --- The suppression itself, on every small table hypothesis can think of ------------------------

COUNTS = st.integers(min_value=0, max_value=9)


@settings(max_examples=60, deadline=None)
@given(table=st.lists(st.lists(COUNTS, min_size=3, max_size=3), min_size=2, max_size=3),
       rest=st.lists(COUNTS, min_size=3, max_size=3), complete=st.booleans())
def test_no_hidden_cell_can_be_recomputed(table, rest, complete):
    """Categories × (two years and their sum): the years' totals are exact, the categories (and the
    cumulative column) are protected; with ``complete`` False a never-published rest completes them."""
    years, cumulative = ["A", "B"], "cumul"
    values, grid = {}, disclosure.Grid({})
    for i, row in enumerate(table):
        values.update({(i, "A"): row[0], (i, "B"): row[1], (i, cumulative): row[0] + row[1]})
    if not complete:
        values.update({("reste", "A"): rest[0], ("reste", "B"): rest[1], ("reste", cumulative): rest[0] + rest[1]})
    categories = sorted({k[0] for k in values}, key=str)
    for column in (*years, cumulative):
        values[("total", column)] = sum(values[(k, column)] for k in categories)
    grid = disclosure.Grid(values, exact={k for k in values if k[0] == "total"},
                           hidden={k for k in values if k[0] == "reste"})
    for column in (*years, cumulative):
        grid.add([(k, column) for k in categories], ("total", column))
    for k in categories:
        grid.add([(k, y) for y in years], (k, cumulative))
    status = disclosure.protect(grid, THRESHOLD)
    assert all(1 <= values[k] < THRESHOLD for k, s in status.items() if s == disclosure.SMALL)
    assert all(s != disclosure.SHOWN for k, s in status.items() if 1 <= values[k] < THRESHOLD)  # primaries hidden
    assert all(values[k] >= THRESHOLD or values[k] == 0 for k, s in status.items() if s == disclosure.SHOWN)
    shown = {**status, **{k: "shown" for k in grid.exact}}
    for cell, (low, high) in ranges(values, shown, grid.equations, THRESHOLD).items():
        assert low < high or high == 0, (cell, low)  # a hidden 0 that can be worked out describes nobody


# --- Nothing to export, and the check before writing -----------------------------------------


@pytest.mark.parametrize("year, why", [(2024, "n'existe pas"), (2031, "n'existe pas"), (2027, "pas encore tenue")])
def test_a_year_without_a_held_session_is_refused_like_the_bilan(demo_copy, tmp_path, year, why):
    export = tmp_path / "financeurs.xlsx"
    result = run_cli("export-financeurs", demo_copy, "-o", export, "--annee", year, "--date", "26/11/2026")
    assert result.returncode != 0 and "Traceback" not in result.stderr
    message = " ".join((result.stdout + result.stderr).split())
    assert f"Pas d'export financeurs {year}" in message and why in message and "Rien n'a été écrit" in message
    assert not export.exists()


def test_a_workbook_without_a_held_session_is_refused(tmp_path):
    new = workbook_with(tmp_path / "nouveau.xlsx", {c.SESSIONS: [{"year": 2027, "coaching_start": dt.date(2027, 3, 8)}]})
    export = tmp_path / "financeurs.xlsx"
    from ccc_xl.report import CommandError

    with pytest.raises(CommandError, match="Pas d'export financeurs : la session 2027 n'est pas encore tenue"):
        export_financeurs([new], export, today=TODAY)
    assert not export.exists()


def test_the_check_before_writing_refuses_a_name_typed_where_the_export_shows_text(demo_copy, tmp_path):
    """A funder typed as a detainee's name (a slip an adviser can make) would go to every funder:
    the export is not written, and the message says where without repeating the name."""
    from ccc_xl.report import CommandError

    with open_workbook(demo_copy) as book:
        someone = book.read(c.CANDIDATES).iloc[0]
        funding = book.read(c.FUNDING)
        first = funding.iloc[[0]].assign(funder=f"{someone.first_name} {someone.last_name}")
        book.rewrite_input(c.FUNDING, first, ["funder"])
    export = tmp_path / "financeurs.xlsx"
    with pytest.raises(CommandError) as refused:
        export_financeurs([demo_copy], export, today=TODAY)
    message = refused.value.message
    assert "onglet « Budget »" in message and "« Financeur »" in message and someone.id in message
    assert someone.last_name not in message and not export.exists()


def test_the_check_before_writing_finds_a_small_count_shown_or_recomputable(demo_copy):
    """The check reads the sheets as they would be written: a « < 5 » put back to its value, or a
    secondary « s » put back, is found (so the check is no formality)."""
    consolidated = funders.consolidate([sources_tables(demo_copy)], ["demo"])
    results = ind.compute(consolidated.sources, TODAY)
    sheets = funders.export_contents(consolidated, TODAY, results=results)
    assert funders.check_export(sheets, consolidated, results, THRESHOLD) == []
    status = funders.synthesis_status(results, THRESHOLD)
    values = funders.synthesis_grid(results).values

    def shown_instead(key, column) -> list[str]:
        tampered = copy.deepcopy(sheets)
        label = next(i.label for i in results.indicators if i.key == key)
        for block in tampered[0].blocks:
            labels = list(block.frame[ind.LABEL]) if ind.LABEL in block.frame else []
            if label in labels:
                block.frame.at[labels.index(label), column] = values[(key, column)]
        return funders.check_export(tampered, consolidated, results, THRESHOLD)

    small = next(k for k, s in status.items() if s == disclosure.SMALL)
    assert any("petit effectif affiché" in p for p in shown_instead(*small))
    secondaries = [k for k, s in status.items() if s == disclosure.SECRET and values.get(k, 0) >= THRESHOLD]
    assert any(any("se recalcule" in p for p in shown_instead(*k)) for k in secondaries)  # stops at the first


def sources_tables(path: Path) -> dict:
    with open_workbook(path, write=False) as book:
        return {t.name: book.read(t) for t in ind.TABLES}
