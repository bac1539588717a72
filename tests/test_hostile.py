"""Every command on every broken or odd workbook of the corpus (scripts/build_corpus.py).

For each (case, command): no traceback and no "unexpected error", a non-zero exit status when the
workbook cannot be used, French messages naming sheet, row and column, and the adviser's workbook
unchanged — byte for byte, or cell for cell and style for style outside computed columns, generated
sheets and new Journal lines (and, for the purge, whose job it is, the values of identifying and
free-text cells).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys

import pytest
from click.testing import CliRunner

from ccc_xl.cli import main
from ccc_xl.workbook.file import BACKUP_FOLDER
from ccc_xl.workbook.safety import lock_path
from hostile import COMMANDS, ROOT, Package, load_script

corpus_script = load_script("build_corpus")
CASES = corpus_script.CASES
WORKBOOK = corpus_script.WORKBOOK


@pytest.fixture(scope="session")
def before(corpus):
    """Snapshot and Journal of a case as built, computed once, only for cases a command changed."""
    cache = {}

    def get(case, pseudonymised=False):
        if (case.name, pseudonymised) not in cache:
            with Package(corpus / case.name / WORKBOOK) as package:
                cache[case.name, pseudonymised] = (package.snapshot(pseudonymised=pseudonymised),
                                                   package.snapshot(generated=True), package.journal(pseudonymised))
        return cache[case.name, pseudonymised]

    return get


def assert_french_and_clean(output: str):
    assert "Traceback" not in output and "Erreur inattendue" not in output, output
    assert 'File "' not in output, output


@pytest.mark.parametrize("command", COMMANDS, ids=[row.name for row in COMMANDS])
# A case's commands run on one worker (--dist loadgroup): its snapshot before is taken once.
@pytest.mark.parametrize("case", [pytest.param(case, id=case.name, marks=pytest.mark.xdist_group(f"corpus-{case.name}"))
                                  for case in CASES])
def test_command_on_hostile_workbook(corpus, before, case, command, tmp_path):
    work = tmp_path / "dossier"
    shutil.copytree(corpus / case.name, work)
    path, out = work / WORKBOOK, tmp_path / "sortie"
    out.mkdir()
    original = path.read_bytes() if path.is_file() else None

    result = CliRunner().invoke(main, command.args(path, out))

    output = result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), output
    assert_french_and_clean(output)
    if case.refuses(command.name):
        assert result.exit_code != 0, output
    if case.where and (case.refuses(command.name) or case.table in command.reads):
        for word in case.where:
            assert word in output, f"« {word} » absent du message :\n{output}"
    # Only the workbook, its lock file, backups and the chosen output folder exist afterwards.
    assert {p.name for p in work.iterdir()} <= {WORKBOOK, "~$" + WORKBOOK, BACKUP_FOLDER, lock_path(path).name}, list(work.iterdir())
    assert not any(tmp_path.glob("**/*.ccc-xl-*.tmp*"))
    if original is None or path.read_bytes() == original:
        return
    # The file changed: a success (computed cells, generated sheets, Journal) or a Journal line.
    purge = command.pseudonymises
    old_cells, old_all_cells, old_journal = before(case, purge)
    with Package(path) as package:
        if result.exit_code == 0:
            assert package.snapshot(pseudonymised=purge) == old_cells
        else:  # a stopped command only adds its error to the Journal
            assert package.snapshot(generated=True) == old_all_cells
        new_journal = package.journal(purge)
    assert new_journal[: len(old_journal)] == old_journal and len(new_journal) > len(old_journal)
    backups = list((work / BACKUP_FOLDER).glob("*.xlsx"))
    if purge and "Contrôle : plus aucun" in " ".join(output.split()):  # a purge that purged deletes every copy
        assert backups == [], "une sauvegarde d'avant la purge est restée"
    else:
        assert any(b.read_bytes() == original for b in backups), "sauvegarde absente"


@pytest.mark.parametrize("case_name", ["dates-hors-limites", "zip-tronque", "ouvert-dans-excel", "emoji-rtl"])
def test_the_real_command_never_prints_a_traceback(corpus, case_name, tmp_path):
    """End to end, in a fresh process: the installed entry point's output and exit status."""
    work = tmp_path / "dossier"
    shutil.copytree(corpus / case_name, work)
    done = subprocess.run([sys.executable, "-m", "ccc_xl", "rotations", str(work / WORKBOOK)],
                          capture_output=True, text=True, cwd=tmp_path, timeout=300,
                          env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert done.returncode in (0, 1), done.stderr
    assert_french_and_clean(done.stdout + done.stderr)
    assert (done.stdout + done.stderr).strip()


def test_the_corpus_is_large_and_described():
    assert len(CASES) >= 40
    assert len({case.name for case in CASES}) == len(CASES)
    assert all(case.description.strip() for case in CASES)
