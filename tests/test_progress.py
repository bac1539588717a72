"""Long work shows where it is: counts on a terminal or in plain lines when piped; counts that read right."""

from __future__ import annotations

import re

import pytest

from ccc_xl import progress
from conftest import run_cli, soffice_or_fail


def test_piped_documents_with_pdf_print_progress_lines_with_counts(demo_copy):
    soffice_or_fail()
    result = run_cli("documents", demo_copy, "--type", "emargement", "--pdf")
    assert result.returncode == 0, result.stderr
    words = re.findall(r"^Documents Word : (\d+)/(\d+)", result.stderr, re.MULTILINE)
    pdfs = re.findall(r"^Conversion en PDF : (\d+)/(\d+)", result.stderr, re.MULTILINE)
    assert words and pdfs, result.stderr
    total = int(words[-1][1])
    assert words[-1] == (str(total), str(total)) and pdfs[-1] == (str(total), str(total))
    assert f"✔ {total} documents Word et {total} PDF pour la session" in result.stdout
    assert "(s)" not in result.stdout.splitlines()[0]
    assert len(result.stderr.splitlines()) <= 40  # periodic lines, not one per file


@pytest.mark.xdist_group("demo-sh")
def test_piped_demo_names_each_step(demo_script):
    """The demo command as the README's first command runs it (scripts/demo.sh), output piped."""
    result, _ = demo_script
    assert result.returncode == 0, result.stderr
    steps = re.findall(r"^Démonstration : (\d+)/(\d+) — (.+)$", result.stderr, re.MULTILINE)
    names = [s[2] for s in steps]
    assert names[0] == "création du classeur" and "Éligibilité des candidats" in names
    assert names.index("Rotations de la session en suivi") < names.index("Éligibilité des candidats")
    assert steps[-1][2].startswith("bilan ")


def test_without_a_listener_reports_cost_nothing_and_listeners_nest():
    seen, inner = [], []
    progress.report("rien")  # no listener: nothing happens
    with progress.listening(seen.append):
        progress.report("A", 1, 2)
        with progress.listening(inner.append):
            progress.report("B")
        progress.report("A", 2, 2, "fin")
    assert [str(s) for s in seen] == ["A : 1/2", "A : 2/2 — fin"] and [str(s) for s in inner] == ["B…"]


def test_missing_cvs_point_at_the_full_path_of_a_folder_that_now_exists(demo_copy):
    from ccc_xl.commands import documents, run_on_file

    outcome = run_on_file(demo_copy, "documents", documents, session=2027, types=["dossier-entreprises"])
    folder = demo_copy.parent / "Documents 100 Chances" / "2027" / "CV"
    assert folder.is_dir()
    missing = [a for a in outcome.anomalies if "CV absent" in a.message]
    assert missing and all(f"« {folder.resolve()} »" in a.message for a in missing)


def test_excel_status_bar_shows_each_step_and_is_handed_back():
    """The status-bar seam of the Excel buttons (Excel itself cannot run here: what reaches a real
    `Application.StatusBar` is listed as unverified in docs/maintainers/excel.md)."""
    from ccc_xl.excel.buttons import _status_bar

    class App:  # only the one attribute the seam uses; xlwings' App.status_bar takes text or False
        def __init__(self):
            self.shown = []

        @property
        def status_bar(self):
            return self.shown[-1] if self.shown else False

        @status_bar.setter
        def status_bar(self, value):
            self.shown.append(value)

    app = App()
    with pytest.raises(RuntimeError):
        with _status_bar(app):
            progress.report("Documents Word", 3, 10, "Convocation")
            raise RuntimeError("arrêt")
    assert app.shown == ["100 Chances — Documents Word : 3/10 — Convocation", False]
