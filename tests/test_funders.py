"""The funders' workbook: consolidation, duplicates, aggregates without identities, neutralised text,
LibreOffice."""

import datetime as dt
import re
import shutil
import zipfile

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from openpyxl import load_workbook

from ccc_xl import contract as c
from ccc_xl import indicators as ind
from ccc_xl.commands import export_financeurs
from ccc_xl.report import CommandError
from ccc_xl.workbook.file import open_workbook

from conftest import DEMO_TODAY, libreoffice_sheets, workbook_with

SHEETS = ("Synthèse", "Entreprises", "Budget", "Méthode")
DETAIL = "Participants (SPIP)"
HOSTILE = ("=HYPERLINK(\"http://x.test\",\"clic\")", "+33 6 00 00 00 00", "-2+3", "@SOMME(A1)")


def hostile_workbook(path, ecrou_a="E-998877", ecrou_b="E-665544", id_b="H2"):
    """A small workbook full of identifying values and formula-like text."""
    return workbook_with(path, {
        c.SESSIONS: [{"year": 2024, "institution": "=1+1 Maison d'arrêt", "coaching_start": dt.date(2024, 3, 11)}],
        c.CANDIDATES: [
            {"id": "H1", "session": 2024, "last_name": "Zébulon-Tartempion", "first_name": "Ézéchiel", "birth_date": dt.date(2001, 7, 14),
             "ecrou": ecrou_a, "adviser": "Hortense Quiroga", "notes": "=Confidentiel : suivi psy", "retained": True},
            {"id": id_b, "session": 2024, "last_name": "O'Malley & <Fils>", "first_name": "Zoé 🙂", "birth_date": dt.date(1999, 2, 3),
             "ecrou": ecrou_b, "adviser": "Barnabé Wolfsohn", "expected_release": dt.date(2024, 12, 24), "retained": True},
        ],
        c.COMPANIES: [{"id": "S1", "session": 2024, "name": "-Société", "type": "Entreprise privée", "domain": c.ROME_DOMAINS[0],
                       "representatives": "Gontran Pfeffer", "phone": "05 99 88 77 66", "email": "gontran@pfeffer.test"}],
        c.FOLLOWUP: [{"participant": "H1", "date": dt.date(2024, 4, 2), "adviser": "Hortense Quiroga", "notes": "Parle de sa famille à Niort"}],
        c.PATHWAYS: [{"participant": "H1", "adjustment_granted": True, "adjustment_type": "Semi-liberté", "release_date": dt.date(2024, 6, 5),
                      "situation_1y": "Formation", "notes": "@Voir le JAP"}],
        c.FUNDING: [{"session": 2024, "funder": f, "amount": 1000 + i} for i, f in enumerate(HOSTILE)],
        c.PARTNERS: [{"organisation": "SPIP", "contact": "Isaure Kowalczyk", "email": "isaure@spip.test", "phone": "05 11 22 33 44"}],
    })


def identifying_values(paths) -> set[str]:
    """Every identifying value of the source workbooks, as text (dates in the forms a sheet shows)."""
    found = set()
    for path in paths:
        with open_workbook(path, write=False) as book:
            for table in c.INPUT_TABLES:
                frame = book.read(table)
                for column in (col for col in table.columns if col.identifying):
                    for value in frame[column.key].dropna():
                        if isinstance(value, pd.Timestamp):
                            found |= {f"{value:%d/%m/%Y}", f"{value:%Y-%m-%d}"}
                        elif str(value).strip():
                            found.add(str(value).strip())
    return found


def leaks(export, values) -> list[str]:
    """Identifying values found in any cell of any sheet or anywhere in the package's XML."""
    cells = [str(cell.value) for ws in load_workbook(export) for row in ws.iter_rows() for cell in row if cell.value is not None]
    with zipfile.ZipFile(export) as package:
        xml = [package.read(name).decode("utf-8", "replace") for name in package.namelist()]
    # One text, the parts kept apart by a character no cell or XML holds: a value is found where it
    # is whole (not inside a longer word or number), and looked for only where it occurs at all.
    texts = "\0".join(cells + xml)
    escaped = lambda v: v.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")  # noqa: E731
    whole = lambda v: v in texts and re.search(r"(?<![\w.])" + re.escape(v) + r"(?![\w.])", texts)  # noqa: E731
    return [v for v in values if whole(v) or whole(escaped(v))]


def test_no_identifying_value_leaves_in_the_export(tmp_path, demo_copy):
    sources = [demo_copy, hostile_workbook(tmp_path / "h.xlsx")]
    values = identifying_values(sources)
    assert {"Zébulon-Tartempion", "E-998877", "14/07/2001", "Hortense Quiroga", "Gontran Pfeffer", "Claire Fontaine"} <= values
    for detail in (False, True):
        export = tmp_path / f"financeurs-{detail}.xlsx"
        export_financeurs(sources, export, today=DEMO_TODAY, detail=detail)
        assert (DETAIL in load_workbook(export).sheetnames) == detail
        assert leaks(export, values) == []
    # The scan itself finds a value that is there: a source workbook leaks everything.
    assert "Zébulon-Tartempion" in leaks(sources[1], values)


def test_formula_like_text_is_neutralised_and_stays_text(tmp_path):
    export = tmp_path / "financeurs.xlsx"
    export_financeurs([hostile_workbook(tmp_path / "h.xlsx")], export, today=DEMO_TODAY)
    wb = load_workbook(export)
    assert list(wb.sheetnames) == list(SHEETS)
    cells = [cell for ws in wb for row in ws.iter_rows() for cell in row if cell.value is not None]
    assert not [cell.coordinate for cell in cells if cell.data_type == "f"]
    assert not [cell.value for cell in cells if isinstance(cell.value, str) and cell.value.startswith(("=", "+", "-", "@"))]
    texts = {cell.value for cell in cells}
    assert {"'" + h for h in HOSTILE} <= texts  # funders' names (the establishment is in no aggregate)
    assert not export.with_suffix(".xlsm").exists() and "xl/vbaProject.bin" not in zipfile.ZipFile(export).namelist()


def test_duplicates_across_workbooks_are_reported_and_counted_once(tmp_path):
    first = hostile_workbook(tmp_path / "ml1.xlsx")
    # The same two people in another Mission Locale's workbook: one with the same ID, one with the
    # same écrou under another ID; plus the same funding lines.
    second = hostile_workbook(tmp_path / "ml2.xlsx", id_b="AUTRE-7")
    alone = tmp_path / "seul.xlsx"
    export_financeurs([first], alone, today=DEMO_TODAY, detail=True)
    both = tmp_path / "deux.xlsx"
    outcome = export_financeurs([first, second], both, today=DEMO_TODAY, detail=True)
    about = [(a.sheet, a.row) for a in outcome.anomalies]
    assert ("ml2.xlsx › Candidats", 2) in about and ("ml2.xlsx › Candidats", 3) in about
    assert sum(1 for a in outcome.anomalies if a.sheet == "ml2.xlsx › Financements") == len(HOSTILE)

    def synthesis(path):
        return [row for row in load_workbook(path)["Synthèse"].iter_rows(values_only=True)]

    assert synthesis(alone)[4:] == synthesis(both)[4:]  # same figures, only the origin note differs
    assert load_workbook(both)[DETAIL].max_row == load_workbook(alone)[DETAIL].max_row


def test_the_export_never_overwrites_a_ccc_workbook(tmp_path, demo_copy):
    with pytest.raises(CommandError, match="classeur ccc-xl"):
        export_financeurs([demo_copy], demo_copy, today=DEMO_TODAY)
    other = shutil.copy2(demo_copy, tmp_path / "autre.xlsx")
    with pytest.raises(CommandError, match="classeur ccc-xl"):
        export_financeurs([demo_copy], other, today=DEMO_TODAY)


def test_libreoffice_shows_the_computed_figures(tmp_path, demo_copy):
    from ccc_xl import funders

    export = tmp_path / "financeurs.xlsx"
    export_financeurs([demo_copy], export, today=DEMO_TODAY, detail=True)
    with open_workbook(demo_copy, write=False) as book:
        from ccc_xl.commands import read_sources

        results = ind.compute(read_sources(book)[0], DEMO_TODAY)
    hidden = funders.synthesis_status(results, 5)
    shown = libreoffice_sheets(export, tmp_path / "csv", names=(*SHEETS, DETAIL))
    assert set(shown) == {*SHEETS, DETAIL}
    labels = {i.label for i in results.indicators}
    header = next(row for row in shown["Synthèse"] if row and row[0] == ind.LABEL)
    rows = [row for row in shown["Synthèse"] if row and row[0] in labels]  # in the sheet's order
    assert [row[0] for row in rows] == [i.label for i in results.indicators]
    checked = masked = 0
    for indicator, row in zip(results.indicators, rows):
        if indicator.kind == ind.MONEY:
            continue  # money formats depend on LibreOffice's locale
        for column in results.columns:
            value = results.value(column, indicator.key)
            status = hidden.get((indicator.key, column), "shown")
            if status != "shown":
                assert row[header.index(column)] == ("< 5" if status == "small" else "s"), (indicator.label, column)
                masked += 1
                continue
            expected = "" if value is None else (f"{ind.percent(value)}%" if indicator.kind == ind.RATE else str(value))
            assert row[header.index(column)].replace("\u00a0", "").replace(" ", "") == expected, (indicator.label, column)
            checked += 1
    assert checked > 200 and masked > 20
    cumulative = results.value(results.cumulative, "participants")
    assert results.cumulative == "Cumul 2019–2026" and cumulative == 46  # the demo's held sessions
    assert next(row for row in rows if row[0] == "Participants")[header.index(results.cumulative)] == str(cumulative)
    removed = int(re.search(r"(\d+) participants? dont la combinaison", str(shown[DETAIL])).group(1))
    assert sum(1 for row in shown[DETAIL] if row and re.fullmatch(r"P\d{4}", row[0])) == cumulative - removed


def test_purged_sessions_keep_their_age_band_for_the_detail_table(tmp_path, demo_copy):
    import secrets

    import pandas as pd

    from ccc_xl import funders
    from ccc_xl.commands import purger, read_sources, run_on_file

    run_on_file(demo_copy, "purger", purger, before=2022, confirm=True, today=DEMO_TODAY)
    with open_workbook(demo_copy, write=False) as book:
        sources, _ = read_sources(book)
    keys = pd.MultiIndex.from_tuples([(0, 2019), (0, 2021)])
    people = funders.people_frame(sources, keys, secrets.token_bytes(8))
    assert len(people) == 13 and set(people.Session) == {2019, 2021}
    # Purged: birth dates are gone, the bands the purge kept remain.
    assert set(people["Tranche d'âge"]) <= {label for *_, label in c.AGE_BANDS}


# --- The check before writing looks only for the people whose tokens are made of shown words ------

name_words = st.sampled_from(["Martin", "Léger", "de", "la", "Vienne", "Formation", "Session", "Nom03", "Zoé", "O'Neil", "s"])
written = st.lists(name_words, min_size=0, max_size=3).map(" ".join)
digits = st.sampled_from(["03", "2019", "12", "5", "000201903", "E-5", "86"])
text_part = st.one_of(name_words, digits, st.sampled_from(["14/07/2001", "14 juillet 2001", "2001-07-14", "1er mars 1993",
                                                         "01/03/93", "Cumul 2019–2023", "<", "—"]))


@settings(max_examples=150, deadline=None)
@given(people=st.lists(st.tuples(written, written, st.one_of(digits, written),
                                 st.one_of(st.none(), st.sampled_from([dt.date(2001, 7, 14), dt.date(1993, 3, 1), dt.date(2003, 3, 1)]))),
                       max_size=8),
       texts=st.lists(st.lists(text_part, max_size=6).map(" ".join), max_size=5),
       ignored=st.lists(written, max_size=3))
def test_looking_only_for_people_whose_words_are_shown_finds_the_same(people, texts, ignored):
    """`funders._could_be_found`: leaving out the people none of whose identity tokens is made of words the
    export's texts show finds, in every text, the same names, surnames, écrous and birth dates with the same
    owners as looking for everyone — people sharing a surname or a birth date, particles, digits, dates
    written out, surnames that are words of the vocabulary."""
    from ccc_xl import funders
    from ccc_xl.identities import Identities, Person, words

    everyone = [Person(f"P{n}", first, last, ecrou, born) for n, (first, last, ecrou, born) in enumerate(people)]
    shown = {word for text in texts for word in words(text)}
    some = [p for p in everyone if funders._could_be_found(shown, p.last_name, p.ecrou, p.birth_date)]
    for text in texts:
        assert Identities(some, ignored=ignored).find(text) == Identities(everyone, ignored=ignored).find(text)
