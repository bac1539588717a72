"""Partners, COPIL documents, the pack sent to companies, the recruitment funnel, and the purge."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pandas as pd
import pytest
from docx import Document
from hypothesis import given, settings
from hypothesis import strategies as st
from openpyxl import load_workbook

from ccc_xl import contract as c
from ccc_xl.commands import purger, run_on_file
from ccc_xl.documents import plan_documents
from ccc_xl.recruitment import funnel
from ccc_xl.retention import age_band, coarse_release
from ccc_xl.word import find_cvs, generate
from ccc_xl.workbook.file import open_workbook
from conftest import run_cli
from document_samples import sample_frames
from test_documents import docx_text

TODAY = dt.date(2023, 3, 1)


def render(tmp_path, frames, kind):
    year, docs, anomalies = plan_documents(frames, types=[kind], today=TODAY)
    files = generate(docs, tmp_path, year, types=[kind])
    return [docx_text(tmp_path / f.path) for f in files], docs, anomalies


# --- COPIL ------------------------------------------------------------------------------------


def test_copil_invitation_goes_to_invited_partners_with_the_session_funders(tmp_path):
    texts, docs, anomalies = render(tmp_path, sample_frames(), "invitation-copil")
    assert anomalies == []
    assert sorted(d.context["organisation"] for d in docs) == ["FIPD", "Région", "SPIP de la Vienne"]
    text = re.sub(r"\s", " ", texts[0])  # babel's French spaces are no-break spaces
    assert "mardi 6 décembre 2022" in text and "14 h 00" in text and "Lancement ; calendrier" in text
    # Funders: the Financements rows with their amounts; the Région, a Financeur partner with no row
    # for this session, is invited but not listed as funding it.
    assert "8 554,00 €" in text and "6 000,00 €" in text
    funders = [[f["nom"] for f in d.context["financeurs"]] for d in docs]
    assert all(names == list(sample_frames().funding["funder"]) for names in funders)
    assert all("Région" not in names for names in funders)
    assert "Claire Fontaine" not in "\n".join(texts)  # the coach is not invited


def test_copil_attendance_sheet_lists_invited_people(tmp_path):
    texts, docs, anomalies = render(tmp_path, sample_frames(), "emargement-copil")
    assert anomalies == [] and len(texts) == 1
    assert "MOREAU Jean" in texts[0] and "Service prévention" in texts[0] and "Coach" not in texts[0]


def test_copil_documents_without_meeting_name_the_sheet_to_fill():
    frames = sample_frames()
    frames.copil = frames.copil.iloc[0:0]
    _, docs, anomalies = plan_documents(frames, types=["invitation-copil", "emargement-copil"], today=TODAY)
    assert docs == [] and {a.sheet for a in anomalies} == {c.COPIL.sheet}


# --- The pack sent to companies ---------------------------------------------------------------


def write_cv(path: Path, text: str) -> Path:
    doc = Document()
    doc.add_heading("Curriculum vitae", 1)
    doc.add_paragraph(text)
    doc.save(path)
    return path


def test_pack_holds_first_name_project_domain_and_cv_only(tmp_path):
    frames = sample_frames(participants=4, companies=2)
    frames.candidates["domain"] = c.ROME_DOMAINS[3]
    frames.companies["representatives"] = "Service RH"  # no surname shared with a participant
    cv_dir = tmp_path / "out" / "2023" / c.CV_FOLDER
    cv_dir.mkdir(parents=True)
    write_cv(cv_dir / "C2023-01.docx", "Expérience : vendeur en boulangerie & pâtisserie")
    (cv_dir / "c2023-02.PDF").write_bytes(b"%PDF-1.4")
    frames.cvs = find_cvs(tmp_path / "out", 2023, frames.candidates["id"])
    assert set(frames.cvs) == {"C2023-01", "C2023-02"}
    year, docs, anomalies = plan_documents(frames, types=["dossier-entreprises"], today=TODAY)
    files = generate(docs, tmp_path / "out", year, types=["dossier-entreprises"])
    assert len(files) == 2  # one pack per company
    # The advisers learn, in French, which CVs are missing.
    assert sorted(a.value for a in anomalies) == ["C2023-03", "C2023-04"]
    assert all("CV absent" in a.message and a.sheet == c.CANDIDATES.sheet for a in anomalies)
    assert (tmp_path / "out" / "2023" / c.CV_FOLDER / "C2023-01.docx").exists()  # CVs survive the run
    text = docx_text(tmp_path / "out" / files[0].path)
    people = frames.candidates[frames.candidates.retained.fillna(False).astype(bool)]
    for _, p in people.iterrows():
        assert p.first_name in text
    assert "Boulanger" in text and "Commerce, vente et grande distribution" in text  # without its code letter
    assert c.ROME_DOMAINS[3] not in text
    assert "vendeur en boulangerie & pâtisserie" in text  # the .docx CV is merged
    assert "c2023-02.PDF" in text  # the PDF CV is listed to attach
    assert "Non-retenu" not in text  # only retained participants
    forbidden = [*people.last_name, *people.ecrou, "Confidentiel", "Sophie Vidal",
                 "17/05/2000", "17 mai 2000", "2000-05-17", "30/11/2023", "30 novembre 2023", "2023-11-30"]
    assert [f for f in forbidden if f in text] == []


def test_an_unreadable_cv_stops_with_a_french_message(tmp_path):
    frames = sample_frames(participants=2, companies=2)
    bad = tmp_path / "C2023-01.docx"
    bad.write_text("pas un document Word")
    frames.cvs = {"C2023-01": bad}
    year, docs, _ = plan_documents(frames, types=["dossier-entreprises"], today=TODAY)
    with pytest.raises(Exception) as error:
        generate(docs, tmp_path / "out", year, types=["dossier-entreprises"])
    assert "C2023-01.docx" in str(error.value) and "illisible" in str(error.value)


# --- Recruitment funnel -----------------------------------------------------------------------


def frames_for_funnel(meetings, candidates, consolidated=False):
    """The Candidats and Réunions columns the funnel reads (``consolidated``: and the workbook each
    row comes from, ``source``, last in each row)."""
    source = ["source"] if consolidated else []
    cand = pd.DataFrame(candidates, columns=["session", "info_meeting", "volunteer", "interview_date", "retained", *source])
    cand["interview_date"] = pd.to_datetime(cand["interview_date"])
    meet = pd.DataFrame(meetings, columns=["session", "number", "attendees", "volunteers", *source])
    return cand, meet


def test_funnel_prefers_the_days_head_counts_and_falls_back_on_named_candidates():
    cand, meet = frames_for_funnel(
        [(2024, 1, 12, 7), (2024, 2, None, None), (2025, 1, 9, None)],
        [(2024, 1, True, "2024-01-10", True), (2024, 2, True, "2024-01-11", False),
         (2024, 2, False, None, None), (2024, None, None, "2024-01-12", True),
         (2025, 1, True, None, False), (2025, 1, True, "2025-02-01", True)])
    result = funnel(cand, meet)
    assert result.loc[2024].to_dict() == {"informed": 14, "volunteers": 8, "interviewed": 3, "retained": 2}
    assert result.loc[2025].to_dict() == {"informed": 9, "volunteers": 2, "interviewed": 1, "retained": 1}


@settings(max_examples=40, deadline=None)
@given(st.lists(st.tuples(st.sampled_from([1, 2, None]), st.booleans(), st.booleans(), st.booleans()), max_size=25))
def test_funnel_counts_each_recorded_step_once(rows):
    """Without typed head counts, each step counts the candidates recorded at that step."""
    cand, meet = frames_for_funnel(
        [(2024, 1, None, None), (2024, 2, None, None)],
        [(2024, m, v, "2024-01-10" if i else None, r) for m, v, i, r in rows])
    result = funnel(cand, meet, years=[2024]).loc[2024]
    assert result.informed == sum(1 for m, *_ in rows if m is not None)
    assert result.volunteers == sum(1 for m, v, *_ in rows if m is not None and v)
    assert result.interviewed == sum(1 for _, _, i, _ in rows if i)
    assert result.retained == sum(1 for *_, r in rows if r)


meeting_rows = st.lists(st.tuples(st.sampled_from([2024, 2025, None]), st.sampled_from([1, 2, 3, None]),
                                  st.one_of(st.none(), st.integers(0, 30)), st.one_of(st.none(), st.integers(0, 30))), max_size=6)
candidate_rows = st.lists(st.tuples(st.sampled_from([2024, 2025, None]), st.sampled_from([1, 2, 3, 4, None]),
                                    st.sampled_from([True, False, None]), st.booleans(), st.sampled_from([True, False, None])),
                          max_size=25)


def meeting_by_meeting(cand: pd.DataFrame, meet: pd.DataFrame, year: int) -> dict[str, int]:
    """The funnel of one session told row by row: each Réunions row of the year adds its typed head
    counts, or else its named candidates; candidates of a meeting no row lists add themselves."""
    of_year = cand[cand.session == year]
    attached = of_year[of_year.info_meeting.notna()]
    informed = volunteers = 0
    listed = set()
    for _, meeting in meet[meet.session == year].iterrows():
        named = attached[attached.info_meeting == meeting.number] if pd.notna(meeting.number) else attached.iloc[0:0]
        listed.add(meeting.number)
        informed += int(meeting.attendees) if pd.notna(meeting.attendees) else len(named)
        volunteers += int(meeting.volunteers) if pd.notna(meeting.volunteers) else int((named.volunteer == True).sum())  # noqa: E712
    unlisted = attached[~attached.info_meeting.isin([n for n in listed if pd.notna(n)])]
    return {"informed": informed + len(unlisted), "volunteers": volunteers + int((unlisted.volunteer == True).sum()),  # noqa: E712
            "interviewed": int(of_year.interview_date.notna().sum()), "retained": int((of_year.retained == True).sum())}  # noqa: E712


@settings(max_examples=60, deadline=None)
@given(workbooks=st.lists(st.tuples(meeting_rows, candidate_rows), min_size=1, max_size=3))
def test_the_funnel_counted_at_once_is_the_funnel_told_meeting_by_meeting(workbooks):
    """Typed head counts or blanks, meetings listed twice or not at all, candidates without session
    or meeting: per workbook (`funnel`) and for all workbooks at once (`indicators.session_funnels`),
    the counts are those of the meetings and candidates taken one by one."""
    from ccc_xl import indicators as ind

    people = [[(y, m, v, "2024-01-10" if i else None, r) for y, m, v, i, r in cand] for _, cand in workbooks]
    frames = [frames_for_funnel(meet, cand) for (meet, _), cand in zip(workbooks, people)]
    both = frames_for_funnel([(*row, n) for n, (meet, _) in enumerate(workbooks) for row in meet],
                             [(*row, n) for n, cand in enumerate(people) for row in cand], consolidated=True)
    src = ind.Sources({c.CANDIDATES.name: both[0], c.INFO_MEETINGS.name: both[1]})
    keys = pd.MultiIndex.from_tuples([(n, y) for n in range(len(frames)) for y in (2024, 2025)])
    together = ind.session_funnels(src, keys)
    for n, (cand, meet) in enumerate(frames):
        alone = funnel(cand, meet, years=[2024, 2025])
        for year in (2024, 2025):
            expected = meeting_by_meeting(cand, meet, year)
            assert alone.loc[year].to_dict() == expected
            assert together[(n, year)] == {ind.FUNNEL_KEYS[step]: count for step, count in expected.items()}


# --- Retention --------------------------------------------------------------------------------


def test_age_bands_and_release_months():
    start = dt.date(2023, 3, 13)
    assert age_band(dt.date(2005, 3, 13), start) == "18–21 ans"
    assert age_band(dt.date(2001, 3, 14), start) == "18–21 ans"  # 21 the day after
    assert age_band(dt.date(1992, 3, 13), start) == "plus de 30 ans"
    assert coarse_release(pd.Timestamp("2023-06-20"), None) == pd.Timestamp("2023-06-01")
    # A relay met on the 10th, before a release on the 20th, stays "before the release".
    assert coarse_release(pd.Timestamp("2023-06-20"), pd.Timestamp("2023-06-10")) == pd.Timestamp("2023-06-10")
    assert coarse_release(pd.Timestamp("2023-06-20"), pd.Timestamp("2023-06-25")) == pd.Timestamp("2023-06-01")


def published_figures(path):
    """What tests/test_demo.py checks, plus the recruitment funnel, per session."""
    with open_workbook(path, write=False) as book:
        candidates, companies, pathways, funding, meetings = (
            book.read(t) for t in (c.CANDIDATES, c.COMPANIES, c.PATHWAYS, c.FUNDING, c.INFO_MEETINGS))
    people = candidates[candidates.retained.fillna(False).astype(bool)]
    outcomes = pathways.set_index("participant").reindex(people.id)
    released = outcomes.release_date.notna() & (outcomes.release_date <= pd.Timestamp("2030-01-01"))
    relay = released & (outcomes.relay_contact_date <= outcomes.release_date)
    return {
        "participants": people.groupby("session").size().to_dict(),
        "companies": companies.groupby("session").id.nunique().to_dict(),
        "situations": outcomes.situation_1y.value_counts().to_dict(),
        "situations_6m": outcomes.situation_6m.value_counts().to_dict(),
        "adjustments": outcomes.groupby("adjustment_type").size().to_dict(),
        "released": int(released.sum()), "relay_before_release": int(relay.sum()),
        "funding": funding.groupby("session").amount.sum().to_dict(),
        "eligibility": candidates.eligibility.value_counts(dropna=False).to_dict(),
        "funnel": funnel(candidates, meetings).to_dict(),
    }


def people_of(path, years):
    with open_workbook(path, write=False) as book:
        candidates = book.read(c.CANDIDATES)
    return candidates[candidates.session.isin(years)]


def every_cell(path):
    wb = load_workbook(path)
    return [(ws.title, cell.value) for ws in wb.worksheets for row in ws.iter_rows() for cell in row
            if cell.value is not None]


def test_purge_keeps_the_figures_and_leaves_no_identifying_value(demo_copy):
    past = [2019, 2021, 2022, 2023]
    before = published_figures(demo_copy)
    people = people_of(demo_copy, past)
    outcome = run_on_file(demo_copy, "purger", purger, before=2024, confirm=True, today=dt.date(2031, 1, 1))
    assert "2019, 2021, 2022, 2023 pseudonymisées" in outcome.summary and outcome.data["residues"] == []
    assert published_figures(demo_copy) == before

    cells = every_cell(demo_copy)
    texts = [str(v) for _, v in cells if isinstance(v, str)]
    dates = {v.date() for _, v in cells if isinstance(v, dt.datetime)}
    for _, p in people.iterrows():
        for secret in (p.ecrou, f"{p.first_name} {p.last_name}", f"{p.last_name} {p.first_name}",
                       p.birth_date.strftime("%d/%m/%Y")):
            assert not any(secret in t for t in texts), secret
        assert p.birth_date.date() not in dates
    # Every identifying column of a purged row now holds a code, an age band or nothing.
    after = people_of(demo_copy, past)
    assert set(after.last_name) == {"Anonymisé"} and (after.first_name == after.id).all()
    for column in c.CANDIDATES.columns:
        if column.identifying and column.key not in ("last_name", "first_name"):
            assert after[column.key].isna().all(), column.key
    assert after.age_band.notna().all() and after.age_at_start.isna().all()
    with open_workbook(demo_copy, write=False) as book:
        ids = set(after.id)
        for table in (c.FOLLOWUP, c.PLANS, c.DEBRIEFING):
            rows = book.read(table)
            rows = rows[rows.participant.isin(ids)]
            assert all(rows[col.key].isna().all() for col in table.columns if col.identifying), table.name
        companies = book.read(c.COMPANIES)
        assert companies[companies.session.isin(past)].representatives.isna().all()
        journal = book.read(c.JOURNAL)
    assert journal.command.iloc[-1] == "purger"
    assert journal.message.str.contains("Session 2019 — Candidats").any()
    # The session in preparation is untouched.
    assert (people_of(demo_copy, [2027]).last_name != "Anonymisé").all()


def test_purge_respects_the_retention_period_and_is_idempotent(demo_copy):
    today = dt.date(2026, 11, 26)  # 2019 + 5 years is over; 2021 is kept until the end of 2026
    first = run_on_file(demo_copy, "purger", purger, before=2024, confirm=True, today=today)
    assert "Session 2019 pseudonymisée" in first.summary
    assert any("Session 2021 : conservée jusqu'au 31/12/2026" in line for line in first.lines)
    assert (people_of(demo_copy, [2021]).last_name != "Anonymisé").all()
    again = run_on_file(demo_copy, "purger", purger, before=2024, confirm=True, today=today)
    assert "(0 cellule modifiée)" in again.summary


def test_rewrite_input_changes_only_the_given_rows_and_columns(demo_copy):
    with open_workbook(demo_copy) as book:
        candidates = book.read(c.CANDIDATES)
        target = candidates.iloc[[0]].assign(notes="effacé", ecrou=None)
        assert book.rewrite_input(c.CANDIDATES, target, ["notes"]) == 1
        with pytest.raises(ValueError):
            book.rewrite_input(c.CANDIDATES, target.assign(eligibility=None), ["eligibility"])
    with open_workbook(demo_copy, write=False) as book:
        after = book.read(c.CANDIDATES)
    assert after.notes.iloc[0] == "effacé" and after.ecrou.iloc[0] == candidates.ecrou.iloc[0]
    pd.testing.assert_frame_equal(after.iloc[1:], candidates.iloc[1:])


def test_cli_purge_shows_the_plan_and_asks_before_writing(demo_copy):
    command = ["purger", demo_copy, "--avant", "2020"]
    refused = run_cli(*command, input="n\n")
    assert refused.returncode == 0 and "Session 2019 — Candidats" in refused.stdout
    assert "Abandon" in refused.stdout and (people_of(demo_copy, [2019]).last_name != "Anonymisé").all()
    done = run_cli(*command, "--oui")
    assert done.returncode == 0, done.stderr
    assert "Session 2019 — Candidats" in done.stdout and "pseudonymisées" in done.stdout
    assert "Contrôle : plus aucun" in " ".join(done.stdout.split())
    assert (people_of(demo_copy, [2019]).last_name == "Anonymisé").all()
