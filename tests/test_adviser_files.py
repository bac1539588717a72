"""Documents never destroy what the adviser owns: files put beside the generated ones, generated
files edited by hand; and duplicate anomalies stay linear in the number of rows."""

from __future__ import annotations

import datetime as dt
import functools
import subprocess
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import load_workbook

from ccc_xl import contract as c
from ccc_xl.documents import plan_documents
from ccc_xl.report import MAX_TEXT
from ccc_xl.word import MANIFEST, PREVIOUS_VERSIONS, read_manifest, render_session
from conftest import run_cli, soffice_or_fail, workbook_with
from document_samples import sample_frames

TODAY = dt.date(2023, 3, 1)
TYPE = "convocation-coaching"


def ccc_xl(*args) -> subprocess.CompletedProcess:
    return run_cli(*args, env={"COLUMNS": "200"})


def journal(path: Path) -> list[tuple]:
    ws = load_workbook(path)[c.JOURNAL.sheet]
    return [row for row in ws.iter_rows(min_row=2, values_only=True) if row[1]]


def contents(folder: Path) -> dict[bytes, Path]:
    return {p.read_bytes(): p for p in folder.rglob("*") if p.is_file()}


# --- 1. The reported case, end to end ----------------------------------------------------------------


def test_documents_keep_the_advisers_files_and_hand_edits(demo_copy):
    first = ccc_xl("documents", demo_copy, "--type", TYPE)
    assert first.returncode == 0, first.stderr
    folder = demo_copy.parent / c.DOCUMENTS_FOLDER / "2027" / "Convocations coaching"
    generated = sorted(folder.glob("*.docx"))
    assert generated
    signed = folder / "Convocation signée Yanis.pdf"
    signed.write_bytes(b"%PDF-1.4 signed by hand")
    notes = folder / "notes.txt"
    notes.write_text("Appeler le SPIP lundi.", encoding="utf-8")
    edited = generated[0]
    edited.write_bytes(edited.read_bytes() + b"corrected by hand")
    corrected = edited.read_bytes()

    second = ccc_xl("documents", demo_copy, "--type", TYPE)
    assert second.returncode == 0, second.stderr
    assert signed.read_bytes() == b"%PDF-1.4 signed by hand"
    assert notes.read_text(encoding="utf-8") == "Appeler le SPIP lundi."
    [kept] = list((folder / PREVIOUS_VERSIONS).iterdir())
    assert kept.read_bytes() == corrected and kept.name.startswith(edited.stem)
    assert edited.read_bytes() != corrected  # a fresh document in its place
    assert all(p.exists() for p in generated) and len(list(folder.glob("*.docx"))) == len(generated)
    output = second.stdout.replace("\n", " ")
    assert PREVIOUS_VERSIONS in output and "modifié à la main" in output, output
    messages = [str(row[6]) for row in journal(demo_copy) if row[1] == "documents"]
    assert any(PREVIOUS_VERSIONS in m for m in messages) and any(edited.name in m and "modifié à la main" in m for m in messages)


def test_a_file_not_written_by_ccc_xl_is_moved_aside_only_when_a_document_takes_its_name(tmp_path):
    year, docs, _ = plan_documents(sample_frames(participants=3), today=TODAY, types=[TYPE])
    render_session(docs, tmp_path, year, types=[TYPE])
    folder = tmp_path / str(year) / "Convocations coaching"
    taken = sorted(folder.glob("*.docx"))[0]
    (tmp_path / str(year) / MANIFEST).unlink()  # an older version's folder: nothing is known as ccc-xl's
    result = render_session(docs, tmp_path, year, types=[TYPE])
    assert len(result.kept) == 3 and not any(k.edited for k in result.kept)
    assert len(list((folder / PREVIOUS_VERSIONS).iterdir())) == 3 and taken.exists()
    assert set(read_manifest(tmp_path / str(year))) == {f"Convocations coaching/{p.name}" for p in folder.glob("*.docx")}


def test_a_generated_file_no_longer_produced_is_removed_unless_edited(tmp_path):
    frames = sample_frames(participants=3)
    year, docs, _ = plan_documents(frames, today=TODAY, types=[TYPE])
    render_session(docs, tmp_path, year, types=[TYPE])
    folder = tmp_path / str(year) / "Convocations coaching"
    one, two, _ = sorted(folder.glob("*.docx"), key=lambda p: p.name)
    one.write_bytes(b"edited by hand")
    fewer = [d for d in docs if d.name not in (one.stem, two.stem)]
    result = render_session(fewer, tmp_path, year, types=[TYPE])
    assert one.read_bytes() == b"edited by hand"  # edited: now the adviser's, left where it is
    assert not two.exists()  # unchanged and no longer produced: removed, and said
    assert result.withdrawn == [two.relative_to(tmp_path)]
    assert f"Convocations coaching/{one.name}" not in read_manifest(tmp_path / str(year))


def test_pdfs_of_an_earlier_run_removed_by_a_run_without_pdf_are_announced(demo_copy):
    soffice_or_fail()
    with_pdf = ccc_xl("documents", demo_copy, "--type", TYPE, "--pdf")
    assert with_pdf.returncode == 0, with_pdf.stderr
    folder = demo_copy.parent / c.DOCUMENTS_FOLDER / "2027" / "Convocations coaching"
    pdfs = sorted(p.name for p in folder.glob("*.pdf"))
    assert pdfs and len(pdfs) == len(list(folder.glob("*.docx")))
    signed = folder / "Convocation signée.pdf"
    signed.write_bytes(b"%PDF-1.4 signed by hand")

    without = ccc_xl("documents", demo_copy, "--type", TYPE)
    assert without.returncode == 0, without.stderr
    output = " ".join(without.stdout.split())
    assert sorted(p.name for p in folder.glob("*.pdf")) == [signed.name]
    assert signed.read_bytes() == b"%PDF-1.4 signed by hand"  # never ccc-xl's: left alone, not counted
    assert f"{len(pdfs)} fichiers d'une production précédente" in output, output
    assert f"dont {len(pdfs)} PDF : les PDF ne sont refaits que sur demande" in output, output
    assert pdfs[0] in output  # the detail names the files removed
    messages = " ".join(str(row[6]) for row in journal(demo_copy) if row[1] == "documents")
    assert "plus produits aujourd'hui" in messages and pdfs[0] in messages


# --- 1. Any interleaving of runs and adviser actions --------------------------------------------------

ACTION = st.one_of(
    st.tuples(st.just("run")),
    st.tuples(st.just("add"), st.sampled_from(["notes.txt", "Convocation signée.pdf", "Versions précédentes/x.txt",
                                               "GENERATED", "sous-dossier/photo.jpg"])),
    st.tuples(st.just("edit"), st.integers(0, 20)),
    st.tuples(st.just("delete"), st.integers(0, 20)),
    st.tuples(st.just("fewer"),),  # a run after a participant was removed from the session
)


@functools.cache
def _planned() -> tuple[int, tuple]:
    """The three participants' convocations, planned once: the plan does not depend on the actions
    drawn, and rendering only reads it."""
    year, docs, _ = plan_documents(sample_frames(participants=3), today=TODAY, types=[TYPE])
    return year, tuple(docs)


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(actions=st.lists(ACTION, min_size=1, max_size=8))
def test_no_interleaving_of_runs_and_adviser_actions_loses_an_adviser_file_or_edit(tmp_path_factory, actions):
    out = tmp_path_factory.mktemp("documents")
    year, planned = _planned()
    docs = list(planned)
    folder = out / str(year) / "Convocations coaching"
    owned: set[bytes] = set()  # every content the adviser made and has not deleted
    for number, action in enumerate([("run",), *actions]):
        files = sorted(p for p in folder.rglob("*") if p.is_file()) if folder.is_dir() else []
        if action[0] in ("run", "fewer"):
            render_session(docs if action[0] == "run" else docs[1:], out, year, types=[TYPE])
            present = contents(out / str(year))
            assert owned <= set(present), [k for k in owned if k not in present]
            if action[0] == "run":
                assert all((out / str(year) / "Convocations coaching" / f"{d.name}.docx").exists() for d in docs)
        elif action[0] == "add":
            name = files[0].name if action[1] == "GENERATED" and files else action[1]
            data = f"adviser file {number}".encode()
            target = folder / name
            target.parent.mkdir(parents=True, exist_ok=True)
            if target.exists():
                owned.discard(target.read_bytes())  # the adviser overwrote their own file
            target.write_bytes(data)
            owned.add(data)
        elif action[0] == "edit" and files:
            target = files[action[1] % len(files)]
            owned.discard(target.read_bytes())
            data = target.read_bytes() + f" edited {number}".encode()
            target.write_bytes(data)
            owned.add(data)
        elif action[0] == "delete" and files:
            target = files[action[1] % len(files)]
            owned.discard(target.read_bytes())
            target.unlink()


# --- 10. Duplicate anomalies grow with the number of groups, not rows squared --------------------------


def test_one_ecrou_filled_down_gives_one_anomaly_and_bounded_output(tmp_path):
    rows = [{"id": f"C{n:04d}", "session": 2027, "last_name": "Martin", "first_name": "Léo",
             "birth_date": dt.date(2000, 6, 1), "ecrou": "12345", "institution": "CP Poitiers-Vivonne"}
            for n in range(600)]
    rows += [{"id": "C0001", "session": 2027, "last_name": "Durand", "first_name": "Théo", "ecrou": "777"}]
    path = workbook_with(tmp_path / "classeur.xlsx", {
        c.SESSIONS: [{"year": 2027, "coaching_start": dt.date(2027, 3, 1), "capacity": 10}], c.CANDIDATES: rows})
    size = path.stat().st_size
    done = ccc_xl("eligibilite", path)
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert len(lines) < 60, len(lines)
    ecrou = [line for line in lines if "N° d'écrou « 12345 » en double" in line]
    assert len(ecrou) == 1 and "lignes 2, 3, 4, 5, 6 … et 595 autres de la session 2027" in ecrou[0], ecrou
    ids = [line for line in lines if "ID « C0001 » en double" in line]
    assert len(ids) == 1 and "lignes 3, 602 du tableau" in ids[0], ids
    logged = [row for row in journal(path) if row[1] == "eligibilite"]
    assert len(logged) < 20 and all(len(str(row[6])) <= MAX_TEXT for row in logged)
    assert path.stat().st_size < size + 50_000


def test_documents_name_a_shared_id_once_per_group(tmp_path):
    frames = sample_frames(participants=8)
    frames.candidates["id"] = "C-1"  # filled down
    _, _, anomalies = plan_documents(frames, today=TODAY, types=[TYPE])
    shared = [a for a in anomalies if a.column == "ID"]
    assert len(shared) == 1 and "… et 3 autres" in shared[0].message


def test_the_console_shows_a_bounded_number_of_anomalies(tmp_path):
    rows = [{"id": f"C{n:04d}", "session": 2027, "last_name": "Martin", "first_name": "Léo",
             "birth_date": f"pas une date {n}"} for n in range(300)]
    path = workbook_with(tmp_path / "classeur.xlsx", {
        c.SESSIONS: [{"year": 2027, "coaching_start": dt.date(2027, 3, 1), "capacity": 10}], c.CANDIDATES: rows})
    done = ccc_xl("eligibilite", path)
    assert done.returncode == 0, done.stderr
    assert len(done.stdout.splitlines()) < 130
    assert "autres anomalies : voir l'onglet Journal" in done.stdout
    assert sum(1 for row in journal(path) if row[3] == c.CANDIDATES.sheet) >= 300  # the Journal has them all
