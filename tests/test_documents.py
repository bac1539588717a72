"""Word documents: every template renders, values come out intact, names are safe, runs swap cleanly."""

from __future__ import annotations

import dataclasses
import datetime as dt
import os
import shutil
import subprocess
import sys
from collections import defaultdict
from pathlib import Path, PurePath

import pandas as pd
import pytest
from docx import Document
from hypothesis import given, settings
from hypothesis import strategies as st
from pathvalidate import validate_filename

from ccc_xl.documents import DOCUMENT_TYPES, french_date, french_time, plan_documents
from ccc_xl.office import find_soffice
from ccc_xl.report import CommandError
from ccc_xl.word import MAX_NAME, TEMPLATES_DIR, generate, output_paths, safe_name, verify_templates
from document_samples import sample_frames

ROOT = Path(__file__).resolve().parents[1]
TODAY = dt.date(2023, 3, 1)
HOSTILE = "Dupont & Fils <SARL> \"l'atelier\" 😀 =SOMME(A1) "


def _table_text(tables) -> list[str]:
    """The text of every cell, tables inside cells included."""
    parts = []
    for table in tables:
        for row in table.rows:
            for cell in row.cells:
                parts.append(cell.text)
                parts += _table_text(cell.tables)
    return parts


def docx_text(path: Path) -> str:
    """All visible text of a .docx: body paragraphs, tables, headers and footers."""
    doc = Document(path)
    parts = [p.text for p in doc.paragraphs]
    parts += _table_text(doc.tables)
    for section in doc.sections:
        parts += [p.text for p in section.header.paragraphs + section.footer.paragraphs]
    return "\n".join(parts)


def make(tmp_path: Path, frames=None, **kw):
    year, docs, anomalies = plan_documents(frames or sample_frames(), today=TODAY, **{
        k: v for k, v in kw.items() if k in ("types", "session")})
    files = generate(docs, tmp_path, year, types=kw.get("types"), pdf=kw.get("pdf", False),
                     templates_dir=kw.get("templates_dir", TEMPLATES_DIR))
    texts = defaultdict(list)
    for f in files:
        if f.path.suffix == ".docx":
            texts[f.type].append(docx_text(tmp_path / f.path))
    return files, texts, anomalies


def test_committed_templates_match_the_build_script(tmp_path):
    sys.path.insert(0, str(ROOT / "scripts"))
    import build_templates

    for built in build_templates.build(tmp_path):
        committed = TEMPLATES_DIR / built.name
        assert committed.exists(), f"{built.name} absent : lancer scripts/build_templates.py"
        if built.suffix == ".docx":
            assert build_templates.same_package(built, committed), f"{built.name} pas à jour"
        else:
            assert built.read_text(encoding="utf-8") == committed.read_text(encoding="utf-8")


def test_french_formats():
    assert french_date(dt.date(2023, 3, 14)) == "mardi 14 mars 2023"
    assert french_time(dt.time(9, 5)) == "9 h 05"
    assert french_time("14:30") == "14 h 30"
    assert french_date(None) == french_time(None) == ""


@pytest.mark.xdist_group("documents-exemple")
def test_every_template_renders_realistic_data(sample_documents):
    files, texts, anomalies = sample_documents
    assert anomalies == []
    assert set(texts) == set(DOCUMENT_TYPES)
    for kind, docs in texts.items():
        for text in docs:
            assert "{{" not in text and "{%" not in text, kind
            assert "None" not in text and "nan" not in text.split(), kind
            assert "Session 2023" in text
    sensibilisation = "\n".join(texts["convocation-sensibilisation"])
    assert "mardi 28 février 2023" in sensibilisation and "Pièce d'identité obligatoire" in sensibilisation
    assert "Boulangerie Dupont" in sensibilisation
    assert "À l'attention de Marie Durand et de Paul Lenoir 0" in sensibilisation
    interviews = "\n".join(texts["convocation-entretiens"])
    assert "jeudi 16 mars 2023" in interviews and "9 h 00 – 9 h 20" in interviews and "Karim" in interviews
    assert "Intérim 86" in interviews  # the binôme partner of Boulangerie Dupont
    assert "vendredi 17 mars 2023" in "\n".join(texts["invitation-grand-oral"])
    assert "14 h 00" in "\n".join(texts["invitation-grand-oral"])
    coaching = [t for t in texts["convocation-coaching"] if "Karim Benali" in t]
    assert coaching and "lundi 13 mars 2023" in coaching[0] and "Claire Fontaine" in coaching[0]
    grand_oral = [t for t in texts["horaire-grand-oral"] if "Lucas Martin" in t][0]
    assert "14 h 10" in grand_oral and "vendredi 17 mars 2023" in grand_oral
    plan = [t for t in texts["plan-action"] if "Karim Benali" in t][0]
    for sphere in ("Insertion professionnelle", "Formation", "Santé", "Ressources", "Logement",
                   "Aménagement de peine", "Mobilité", "Accès aux droits", "Famille"):
        assert sphere in plan
    assert "Inscription au GRETA" in plan and "vendredi 30 juin 2023" in plan
    assert "Parrainage par le chef boulanger" in plan and "Mission Locale de Châtellerault" in plan
    assert "Le participant" in plan and "La Mission Locale" in plan and "Le SPIP" in plan
    feedback = [t for t in texts["retour-entretiens"] if "Karim Benali" in t][0]
    assert "Parrainage par le chef boulanger" in feedback
    # 4 coaching days, the last shared with the interviews: 7 half-days, then 3 events
    assert len(texts["emargement"]) == 7 + 3
    assert any("après-midi" in t and "BENALI Karim" in t for t in texts["emargement"])
    visitors = texts["liste-visiteurs"][0]
    assert "FONTAINE\nClaire" in visitors and "LENOIR 11\nPaul" in visitors and "de 8 h 30 à 17 h 00" in visitors
    assert "Né(e) le 21/11/1979 à Angoulême" in visitors and "Passeport n° PA00011" in visitors


@pytest.mark.xdist_group("documents-exemple")
def test_documents_carry_only_what_they_need(sample_documents):
    _, texts, _ = sample_documents
    everything = "\n".join(t for docs in texts.values() for t in docs)
    for secret in ("400000", "17 mai 2000", "Confidentiel écrou", "Note interne", "Non-retenu",
                   "30 novembre 2023", "1 décembre 2023"):
        assert secret not in everything
    for kind in ("convocation-sensibilisation", "convocation-entretiens", "invitation-grand-oral"):
        assert not any("Benali" in t for t in texts[kind])  # companies get first names only


def test_hostile_values_come_out_intact(tmp_path):
    long_text = HOSTILE + "é" * 2000
    files, texts, _ = make(tmp_path, sample_frames(participants=3, companies=4, text=long_text))
    assert set(texts) == set(DOCUMENT_TYPES)
    for kind in ("convocation-sensibilisation", "convocation-entretiens", "invitation-grand-oral",
                 "plan-action", "retour-entretiens", "emargement", "liste-visiteurs"):
        assert all(long_text in t for t in texts[kind]), kind
    for kind in ("convocation-coaching", "planning-entretiens", "horaire-grand-oral"):
        assert all(HOSTILE.strip() in t for t in texts[kind]), kind
    for f in files:
        assert len(f.path.stem) <= MAX_NAME
        validate_filename(f.path.name, platform="windows")


def test_empty_optional_fields_leave_no_stray_label(tmp_path):
    _, texts, _ = make(tmp_path, sample_frames(participants=2, companies=4, blank_optional=True))
    # (« Départ prévu » stays: without « Départ », the end of the company's last interview is known.)
    stray = ("À l'attention de", "Arrivée :", "Coach :", "Conseiller :",
             "Projet professionnel :", "Mission Locale référente :", "Territoire :", "Premier contact :",
             "Lieu : \n")
    for kind, docs in texts.items():
        for text in docs:
            for label in stray:
                assert label not in text, (kind, label)
    assert "Relais à rechercher" in texts["plan-action"][0]
    assert sum("Demi-journée :" in t for t in texts["emargement"]) == 7  # not on the 3 event sheets
    frames = sample_frames(participants=2, companies=2, blank_optional=True)
    frames.grand_oral = frames.grand_oral.iloc[0:0]  # no Grand Oral order yet: no time to announce
    _, texts, anomalies = make(tmp_path / "sans-ordre", frames, types=["invitation-grand-oral"])
    assert not texts["invitation-grand-oral"]  # an invitation without its time is not sent
    assert [(a.sheet, a.row, a.column) for a in anomalies] == [("Sessions", 2, "Heure du Grand Oral")]


def test_missing_session_date_is_reported_not_guessed(tmp_path):
    frames = sample_frames(participants=2, companies=4)
    frames.sessions["interviews_date"] = None
    _, docs, anomalies = plan_documents(frames, today=TODAY)
    assert not any(d.type in ("convocation-entretiens", "planning-entretiens") for d in docs)
    found = [a for a in anomalies if a.column == "Date des entretiens"]
    assert found and found[0].sheet == "Sessions" and found[0].row == 2


def test_two_participants_sharing_an_id_get_no_document_each_others_data(tmp_path):
    frames = sample_frames(participants=3, companies=4)
    first, second = frames.candidates.index[:2]
    frames.candidates.loc[second, "id"] = frames.candidates.loc[first, "id"]
    files, texts, anomalies = make(tmp_path, frames, types=["plan-action", "convocation-coaching"])
    assert len(texts["plan-action"]) == len(texts["convocation-coaching"]) == 1  # the third only
    shared = [a for a in anomalies if a.column == "ID"]
    assert [(a.sheet, a.row) for a in shared] == [("Candidats", first)]  # one anomaly for the pair
    assert f"celui des lignes {first}, {second}" in shared[0].message


def test_unknown_session_or_type_is_a_french_error():
    with pytest.raises(CommandError, match="2031"):
        plan_documents(sample_frames(2, 4), session=2031)
    with pytest.raises(CommandError, match="Types possibles"):
        plan_documents(sample_frames(2, 4), types=["facture"])


@settings(max_examples=300, deadline=None)
@given(st.text(min_size=0, max_size=400))
def test_any_name_becomes_a_safe_name_inside_the_output_folder(tmp_path_factory, name):
    from ccc_xl.documents import PlannedDocument

    root = tmp_path_factory.getbasetemp() / "names"
    root.mkdir(exist_ok=True)
    name_only = safe_name(name)
    validate_filename(name_only, platform="windows")
    assert name_only not in ("", ".", "..") and len(name_only) <= MAX_NAME
    doc = PlannedDocument("plan-action", (name, name), name, "plan-action.docx", {})
    [relative] = output_paths([doc])
    target = (root / relative).resolve()
    assert target.is_relative_to(root.resolve())
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(b"")


def test_same_names_get_distinct_files(tmp_path):
    frames = sample_frames(participants=2, companies=4)
    frames.companies["name"] = ["Intérim 86", "INTÉRIM 86", "Intérim 86", "Autre"]
    files, _, _ = make(tmp_path, frames, types=["invitation-grand-oral"])
    names = [f.path.name.casefold() for f in files]
    assert len(names) == len(set(names)) == 4


@pytest.mark.xdist_group("documents-exemple")
def test_regeneration_replaces_a_type_folder_without_mixing(sample_documents_made, tmp_path):
    shutil.copytree(sample_documents_made[0], tmp_path, dirs_exist_ok=True)  # a first run of every type
    frames = sample_frames()
    frames.companies = frames.companies[frames.companies["name"] != "Boulangerie Dupont"]
    make(tmp_path, frames, types=["invitation-grand-oral"])
    session = tmp_path / "2023"
    invitations = sorted(p.name for p in (session / "Invitations Grand Oral").iterdir())
    assert len(invitations) == 11 and not any("Boulangerie" in n for n in invitations)
    assert len(list((session / "Plans d'action").iterdir())) == 10  # other types kept
    assert [p.name for p in tmp_path.iterdir()] == ["2023"]  # no staging folder left behind


@pytest.mark.xdist_group("documents-exemple")
def test_a_failing_run_leaves_the_previous_files_untouched(sample_documents_made, tmp_path):
    out = tmp_path / "out"
    shutil.copytree(sample_documents_made[0], out)  # a first run of every type
    before = sorted(p.relative_to(out) for p in out.rglob("*"))
    broken = tmp_path / "modeles"
    shutil.copytree(TEMPLATES_DIR, broken)
    doc = Document(broken / "plan-action.docx")
    doc.add_paragraph("Téléphone : {{ telephone }}")
    doc.save(broken / "plan-action.docx")
    with pytest.raises(CommandError, match="telephone"):
        make(out, frames=sample_frames(participants=3), templates_dir=broken)
    assert sorted(p.relative_to(out) for p in out.rglob("*")) == before


def test_verify_lists_fields_and_reports_unknown_ones(tmp_path):
    reports = {r.type: r for r in verify_templates()}
    assert set(reports) == set(DOCUMENT_TYPES)
    assert all(not r.problems for r in reports.values())
    assert "creneaux" in reports["convocation-entretiens"].fields
    shutil.copytree(TEMPLATES_DIR, tmp_path / "t")
    doc = Document(tmp_path / "t" / "emargement.docx")
    doc.add_paragraph("{{ financeur }}")
    doc.save(tmp_path / "t" / "emargement.docx")
    (tmp_path / "t" / "liste-visiteurs.docx").unlink()
    problems = [p for r in verify_templates(tmp_path / "t") for p in r.problems]
    assert any("financeur" in p and "emargement.docx" in p for p in problems)
    assert any("liste-visiteurs.docx" in p and "introuvable" in p for p in problems)


def test_pdf_without_libreoffice_says_so(tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path))
    if find_soffice():
        pytest.skip("LibreOffice installé hors du PATH")
    with pytest.raises(CommandError, match="LibreOffice est introuvable"):
        make(tmp_path / "out", pdf=True)
    assert not (tmp_path / "out" / "2023").exists()


def test_pdf_conversion_keeps_names_and_dates(tmp_path):
    if find_soffice() is None:
        if os.environ.get("CI") == "true":
            pytest.fail("LibreOffice (soffice) est requis en CI")
        pytest.skip("LibreOffice absent")
    files, _, _ = make(tmp_path, sample_frames(participants=2, companies=2),
                       types=["horaire-grand-oral", "convocation-sensibilisation"], pdf=True)
    pdfs = [tmp_path / f.path for f in files if f.path.suffix == ".pdf"]
    assert len(pdfs) == 4 and all(p.is_file() for p in pdfs)
    text = "\n".join(subprocess.run(["pdftotext", str(p), "-"], capture_output=True, text=True,
                                    check=True).stdout for p in pdfs)
    assert "Karim Benali" in text and "vendredi 17 mars 2023" in text
    assert "Boulangerie Dupont" in text and "mardi 28 février 2023" in text


def test_documents_command_lists_files_with_links_on_the_documents_sheet(demo_copy):
    from openpyxl import load_workbook

    from ccc_xl.commands import documents, run_on_file

    outcome = run_on_file(demo_copy, "documents", documents, types=["plan-action", "emargement"])
    folder = demo_copy.parent / "Documents 100 Chances"
    assert outcome.paths and all(Path(p).is_file() for p in outcome.paths)
    ws = load_workbook(demo_copy)["Documents"]
    linked = [c.hyperlink.target for row in ws.iter_rows() for c in row if c.hyperlink]
    on_disk = {str(p.relative_to(demo_copy.parent)).replace(os.sep, "/") for p in folder.rglob("*.docx")}
    assert linked and set(linked) == on_disk
    assert any("Plan d'action" in t for t in linked)


def _with(frames, name, excel_row, **values):
    frame = getattr(frames, name).copy()
    for key, value in values.items():
        frame.loc[excel_row, key] = value
    return dataclasses.replace(frames, **{name: frame})


@pytest.mark.parametrize("table, column, value, header", [
    ("debriefing", "company", "ENT-099", "ID entreprise"),
    ("debriefing", "participant", "C2023-99", "ID participant"),
    ("visitors", "company", "E999", "ID entreprise"),
])
def test_a_row_naming_an_unknown_company_or_participant_is_named_before_its_code_reaches_paper(table, column, value, header):
    frames = sample_frames(participants=3, companies=4)
    excel_row = getattr(frames, table).index[0]
    _, _, anomalies = plan_documents(_with(frames, table, excel_row, **{column: value}), today=TODAY)
    named = [a for a in anomalies if a.row == excel_row and a.column == header]
    assert len(named) == 1 and value in named[0].message, [str(a) for a in anomalies]
    _, _, clean = plan_documents(frames, today=TODAY)
    assert not [a for a in clean if a.column == header]


@pytest.mark.parametrize("letter, late", [
    (dt.date(2023, 2, 20), []),  # before every event announced: nothing to say
    (dt.date(2023, 3, 1), ["Convocations sensibilisation"]),
    (dt.date(2023, 3, 14), ["Convocations sensibilisation", "Convocations coaching"]),
    (dt.date(2023, 3, 18), ["Convocations sensibilisation", "Convocations coaching", "Convocations entretiens",
                            "Invitations Grand Oral"]),
])
def test_letters_dated_after_the_event_they_announce_are_flagged_on_the_letter_date(letter, late):
    frames = sample_frames(participants=3)
    frames = _with(frames, "sessions", frames.sessions.index[0], letter_date=pd.Timestamp(letter))
    _, _, anomalies = plan_documents(frames, today=TODAY)
    flagged = [a for a in anomalies if a.column == "Date du courrier"]
    if not late:
        assert flagged == []
        return
    assert len(flagged) == 1 and flagged[0].sheet == "Sessions"
    for folder in late:
        assert f"« {folder} »" in flagged[0].message, flagged[0].message
    announced = {t.folder for t in DOCUMENT_TYPES.values()} - set(late)
    assert not any(f"« {folder} »" in flagged[0].message for folder in announced)


@pytest.mark.parametrize("end, coaching_sheets, problem", [
    ("2023-03-16", 7, None),  # the programme's three days and a half (the interviews' day keeps its morning)
    ("2023-03-31", 29, None),  # three weeks of weekdays: a long coaching, still made
    ("2023-04-03", 0, "soit 16 jours de semaine"),  # one weekday more: a slip in the dates
    ("2061-10-07", 0, "au 7 octobre 2061"),  # a year typed wrong: not thousands of files
    ("2023-03-10", 0, "« Fin du coaching » (le 10 mars 2023) est avant « Début du coaching » (le 13 mars 2023)"),
])
def test_a_coaching_period_that_cannot_be_a_session_makes_no_attendance_sheet_and_says_which_dates_to_check(
        end, coaching_sheets, problem):
    frames = sample_frames()
    frames.sessions.loc[frames.sessions.index[0], "coaching_end"] = pd.Timestamp(end)
    _, docs, anomalies = plan_documents(frames, today=TODAY, types=["emargement"])
    assert sum(d.name.endswith("- Coaching") for d in docs) == coaching_sheets
    assert sum(d.name.endswith(("Entretiens individuels", "Grand Oral et repas")) for d in docs) == 2  # the events still have theirs
    about = [a for a in anomalies if a.column == "Fin du coaching"]
    if problem is None:
        assert not about and not any("est vide" in a.message for a in anomalies)
    else:
        assert len(about) == 1 and about[0].sheet == "Sessions" and problem in about[0].message, anomalies
        assert "feuilles d'émargement du coaching non produites" in about[0].message
        assert not any("jour férié" in a.message for a in anomalies)  # not one per holiday of the decades typed
