"""The workbook file on disk, with real files and real `ccc-xl` processes: backups that belong to
their workbook, a full disk, two runs at once, another program saving meanwhile, LibreOffice's lock,
symlinks and modes, operating-system errors in French, interrupted saves."""

from __future__ import annotations

import contextlib
import errno
import hashlib
import io
import os
import shutil
import signal
import struct
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import load_workbook

from ccc_xl import contract as c
from ccc_xl.cli import main
from ccc_xl.workbook import safety
from ccc_xl.workbook.build import create_workbook
from ccc_xl.workbook.file import BACKUP_FOLDER, open_workbook
from conftest import new_workbook
from hostile import ROOT

MODIFIED = ("Le classeur a été modifié pendant le calcul (par un autre calcul ccc-xl ou un autre programme) : "
            "rien n'a été écrit, relancez.")
DEADLINE = 180  # seconds a test waits for a process before calling it stuck


def env(**extra) -> dict:
    return {**os.environ, "PYTHONPATH": str(ROOT), "PYTHONDONTWRITEBYTECODE": "1", "COLUMNS": "200", **extra}


def ccc_xl(*args, prefix=(), **kw) -> subprocess.CompletedProcess:
    """The real command in a fresh process."""
    return subprocess.run([*prefix, sys.executable, "-m", "ccc_xl", *map(str, args)], capture_output=True,
                          text=True, timeout=DEADLINE, env=kw.pop("env", env()), **kw)


def assert_french(done: subprocess.CompletedProcess) -> str:
    output = done.stdout + done.stderr
    assert "Traceback" not in output and "Erreur inattendue" not in output and "Exception ignored" not in output, output
    return output


def journal_commands(path: Path) -> list[str]:
    ws = load_workbook(path)[c.JOURNAL.sheet]
    return [row[1] for row in ws.iter_rows(min_row=2, values_only=True) if row[1]]


def wait_for(path: Path, process: subprocess.Popen) -> None:
    deadline = time.monotonic() + DEADLINE
    while not path.exists():
        assert process.poll() is None, process.communicate()
        assert time.monotonic() < deadline, "processus bloqué"
        time.sleep(0.05)


def leftovers(folder: Path) -> list[Path]:
    return [p for p in folder.rglob("*") if ".ccc-xl-" in p.name and ".tmp" in p.name]


@pytest.fixture
def workbook(tmp_path) -> Path:
    return new_workbook(tmp_path / "classeur.xlsx")


# --- 2. Backups belong to their workbook, are complete, and rotate only their own --------------------


def test_rotation_never_deletes_another_workbooks_backups(tmp_path):
    suivi = new_workbook(tmp_path / "Suivi.xlsx")
    backups = tmp_path / BACKUP_FOLDER
    backups.mkdir()
    foreign = [backups / "Suivi 2025 2020-01-01 10-00-00-000000.xlsx",  # « Suivi 2025.xlsx »'s only backup
               backups / "Suivi notes.xlsx", backups / "Suivi.xlsx"]
    for path in foreign:
        path.write_bytes(b"not ours")
    own = [backups / f"Suivi 2021-01-{day:02d} 10-00-00-000000.xlsx" for day in range(1, 21)]
    for path in own:
        path.write_bytes(b"older backup")
    with open_workbook(suivi) as book:
        book.log("essai", "une ligne")
    assert all(p.read_bytes() == b"not ours" for p in foreign)
    kept = safety.backups_of(suivi)
    assert len(kept) == safety.BACKUPS_KEPT and own[0] not in kept and kept[:-1] == own[1:]
    assert kept[-1].name.startswith("Suivi 2026-") or kept[-1].name.startswith("Suivi 20")


def test_a_backup_is_a_complete_copy_and_no_temporary_file_stays(workbook):
    original = workbook.read_bytes()
    with open_workbook(workbook) as book:
        book.log("essai", "une ligne")
    [backup] = safety.backups_of(workbook)
    assert backup.read_bytes() == original
    assert zipfile.ZipFile(backup).testzip() is None
    assert not leftovers(workbook.parent)


# --- 3. Disk full: a real small file system ----------------------------------------------------------


@contextlib.contextmanager
def small_disk(folder: Path, size: int):
    """A tmpfs of ``size`` bytes mounted on ``folder`` (root only); skips where mounting is refused."""
    folder.mkdir()
    if os.geteuid() != 0 or not shutil.which("mount"):
        pytest.skip("monter un petit système de fichiers demande les droits root")
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(folder)], capture_output=True)
    if done.returncode:
        pytest.skip(f"mount refusé ici : {done.stderr!r}")
    try:
        yield folder
    finally:
        subprocess.run(["umount", "-l", str(folder)], check=False)


@pytest.mark.parametrize("room", ["no room for the backup", "no room for the new workbook"])
def test_a_full_disk_is_named_and_leaves_no_truncated_copy(workbook, tmp_path, room):
    size = workbook.stat().st_size
    pages = -(-size // 4096) * 4096
    # The workbook plus its lock file fit; then either not one more copy, or one copy (the backup) only.
    capacity = pages + 8192 if room == "no room for the backup" else 2 * pages + 8192
    with small_disk(tmp_path / "disque", capacity) as disk:
        path = disk / workbook.name
        shutil.copyfile(workbook, path)
        original = path.read_bytes()
        done = ccc_xl("suivi", path)
        output = assert_french(done)
        assert done.returncode == 1, output
        assert "disque est plein" in output and str(disk) in output, output
        assert path.read_bytes() == original
        assert not leftovers(disk)
        assert all(b.read_bytes() == original for b in (disk / BACKUP_FOLDER).glob("*") if (disk / BACKUP_FOLDER).is_dir())


# --- 4. One writer at a time; another program's save is never overwritten ----------------------------

# A real ccc-xl process that stops just before replacing the workbook (its new bytes written, its
# backup made) until the test lets it go: the moment a second run or another program can interfere.
PAUSED_AT_REPLACE = """
import os, sys, time
from pathlib import Path
target, ready, go = os.path.realpath(sys.argv[1]), Path(sys.argv[2]), Path(sys.argv[3])
real_replace = os.replace
def paused(src, dst, *args, **kwargs):
    if os.path.realpath(dst) == target:
        ready.touch()
        while not go.exists():
            time.sleep(0.02)
    return real_replace(src, dst, *args, **kwargs)
os.replace = paused
from ccc_xl.cli import main
main(sys.argv[4:])
"""

# The same, stopping once the command has computed, before anything is saved.
PAUSED_AFTER_COMMAND = """
import sys, time
from pathlib import Path
ready, go = Path(sys.argv[2]), Path(sys.argv[3])
import ccc_xl.commands as commands
real_run = commands.run
def paused(*args, **kwargs):
    outcome = real_run(*args, **kwargs)
    ready.touch()
    while not go.exists():
        time.sleep(0.02)
    return outcome
commands.run = paused
from ccc_xl.cli import main
main(sys.argv[4:])
"""


def paused_run(code: str, path: Path, *args) -> tuple[subprocess.Popen, Path, Path]:
    ready, go = path.with_name("pret"), path.with_name("continuer")
    process = subprocess.Popen([sys.executable, "-c", code, str(path), str(ready), str(go), *map(str, args)],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env())
    wait_for(ready, process)
    return process, ready, go


def test_two_runs_at_once_take_turns_and_both_results_are_kept(workbook):
    first, _, go = paused_run(PAUSED_AT_REPLACE, workbook, "eligibilite", workbook)
    second = subprocess.Popen([sys.executable, "-m", "ccc_xl", "suivi", str(workbook)], stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True, env=env())
    # The second run cannot have read the workbook: it says it waits for the first.
    assert "Un autre calcul ccc-xl est en cours" in second.stderr.readline()
    go.touch()
    out1, err1 = first.communicate(timeout=DEADLINE)
    out2, err2 = second.communicate(timeout=DEADLINE)
    assert first.returncode == 0 and second.returncode == 0, err1 + err2
    assert journal_commands(workbook)[-2:] == ["eligibilite", "suivi"]
    assert len(safety.backups_of(workbook)) == 2


def test_a_save_by_another_program_during_the_run_is_never_overwritten(workbook, tmp_path):
    other = create_workbook(tmp_path / "autre.xlsx").read_bytes()
    run, _, go = paused_run(PAUSED_AFTER_COMMAND, workbook, "suivi", workbook)
    workbook.write_bytes(other)  # Excel, LibreOffice or a copy saves over it meanwhile
    go.touch()
    out, err = run.communicate(timeout=DEADLINE)
    assert run.returncode == 1 and MODIFIED in err.replace("\n", " ").replace("  ", " "), out + err
    assert "Erreur inattendue" not in err and "perdu" not in err
    assert workbook.read_bytes() == other
    assert not safety.backups_of(workbook) and not leftovers(workbook.parent)


def test_a_run_waits_for_a_lock_held_by_another_process(workbook):
    """The lock is the filelock file beside the workbook: any process holding it keeps ccc-xl out."""
    import filelock

    lock = filelock.FileLock(safety.lock_path(workbook))
    with lock:
        run = subprocess.Popen([sys.executable, "-m", "ccc_xl", "suivi", str(workbook)], stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True, env=env())
        assert "Un autre calcul ccc-xl est en cours" in run.stderr.readline()
        assert run.poll() is None and not safety.backups_of(workbook)
    out, err = run.communicate(timeout=DEADLINE)
    assert run.returncode == 0, err
    assert journal_commands(workbook)[-1] == "suivi"


# --- 5. LibreOffice's lock file is a refusal, like Excel's --------------------------------------------


@pytest.mark.parametrize("lock_name, program", [(".~lock.classeur.xlsx#", "LibreOffice"), ("~$classeur.xlsx", "Excel")])
def test_a_workbook_open_in_libreoffice_or_excel_is_refused(workbook, lock_name, program):
    (workbook.parent / lock_name).write_text(",Conseillère,POSTE-2,29.11.2026 10:02,file:///home/c/.config/libreoffice/4;")
    original = workbook.read_bytes()
    done = ccc_xl("eligibilite", workbook)
    output = assert_french(done)
    assert done.returncode == 1 and f"ouvert dans {program}" in output and lock_name in output, output
    assert workbook.read_bytes() == original and not (workbook.parent / BACKUP_FOLDER).exists()
    # A lock file left by a crash: the adviser is told which hidden file to delete, and where.
    flat = " ".join(output.split())
    assert f"Si {program} est déjà fermé" in flat and f"supprimez le fichier caché « {lock_name} »" in flat, flat


@pytest.mark.parametrize("lock_name, program", [(".~lock.100-chances-demo.xlsx#", "LibreOffice"),
                                                ("~$100-chances-demo.xlsx", "Excel")])
def test_the_bilan_and_the_export_read_an_open_workbook_as_last_saved_and_say_so(demo_copy, lock_name, program):
    """Reading commands need not close the workbook: they read its last saved version, say that unsaved
    typing is not counted, and leave the workbook, its lock file and its folder as they were."""
    lock = demo_copy.parent / lock_name
    lock.write_text(",Conseillère,POSTE-2,29.11.2026 10:02,file:///home/c/.config/libreoffice/4;")
    before = {p.name: p.read_bytes() for p in demo_copy.parent.iterdir() if p.is_file()}
    out = demo_copy.parent / "sorties"
    out.mkdir()
    bilan = ccc_xl("bilan", demo_copy, "--annee", "2025", "-o", out / "bilan.docx", "--date", "26/11/2026")
    export = ccc_xl("export-financeurs", demo_copy, "-o", out / "export.xlsx", "--date", "26/11/2026")
    for done in (bilan, export):
        flat = " ".join(assert_french(done).split())
        assert done.returncode == 0, flat
        assert (f"« 100-chances-demo.xlsx » est ouvert dans {program} : ccc-xl a lu sa dernière version enregistrée"
                in flat), flat
    assert {p.name for p in out.iterdir()} == {"bilan.docx", "export.xlsx"}
    assert {p.name: p.read_bytes() for p in demo_copy.parent.iterdir() if p.is_file()} == before
    # A command that writes still refuses (see above); the one that runs again once it is closed says nothing of it.
    lock.unlink()
    again = ccc_xl("bilan", demo_copy, "--annee", "2025", "-o", out / "bilan2.docx", "--date", "26/11/2026")
    assert again.returncode == 0 and "ouvert dans" not in again.stdout + again.stderr


# --- 6. File identity: symlinks, modes, owner, read-only ------------------------------------------


def test_a_symlinked_workbook_is_written_through_to_its_real_file(workbook, tmp_path):
    elsewhere = tmp_path / "bureau"
    elsewhere.mkdir()
    link = elsewhere / "raccourci.xlsx"
    link.symlink_to(workbook)
    done = ccc_xl("suivi", link)
    assert done.returncode == 0, done.stderr
    assert link.is_symlink() and link.resolve() == workbook.resolve()
    assert journal_commands(workbook)[-1] == "suivi"  # the real file has the run, not a copy
    assert [p.name for p in elsewhere.iterdir()] == ["raccourci.xlsx"]


@pytest.mark.parametrize("mode", [0o600, 0o660, 0o640])
def test_the_workbooks_mode_is_kept(workbook, mode):
    workbook.chmod(mode)
    done = ccc_xl("suivi", workbook)
    assert done.returncode == 0, done.stderr
    assert workbook.stat().st_mode & 0o777 == mode
    assert all(b.stat().st_mode & 0o777 == mode for b in safety.backups_of(workbook))


@pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() != 0, reason="changer de propriétaire demande root")
def test_the_workbooks_owner_and_group_are_kept(workbook):
    os.chown(workbook, 1234, 4321)
    done = ccc_xl("suivi", workbook)
    assert done.returncode == 0, done.stderr
    assert (workbook.stat().st_uid, workbook.stat().st_gid) == (1234, 4321)


def test_a_read_only_workbook_is_refused(workbook):
    workbook.chmod(0o444)
    original = workbook.read_bytes()
    done = ccc_xl("suivi", workbook)
    output = assert_french(done)
    assert done.returncode == 1 and "Le classeur est en lecture seule" in output, output
    assert workbook.read_bytes() == original and workbook.stat().st_mode & 0o777 == 0o444


# --- 7. Operating-system errors in French, naming the cause and the path -------------------------------


@pytest.fixture
def shared_folder():
    """A folder another (unprivileged) user can reach, for errors root would not meet."""
    folder = Path(tempfile.mkdtemp(prefix="ccc-xl-droits-", dir="/tmp"))
    folder.chmod(0o755)
    yield folder
    shutil.rmtree(folder, ignore_errors=True)


def other_user() -> tuple[str, ...]:
    """Run as « nobody » when the tests run as root (root ignores permissions)."""
    if os.geteuid() != 0:
        return ()
    prefix = (shutil.which("setpriv") or "setpriv", "--reuid=65534", "--regid=65534", "--clear-groups")
    probe = subprocess.run([*prefix, sys.executable, "-c", "import ccc_xl.cli"], capture_output=True, env=env())
    if probe.returncode:
        pytest.skip("le projet n'est pas lisible par un autre utilisateur sur cette machine")
    return prefix


def test_a_folder_without_write_permission_is_named(shared_folder):
    path = new_workbook(shared_folder / "classeur.xlsx")
    path.chmod(0o666)
    shared_folder.chmod(0o555)
    done = ccc_xl("suivi", path, prefix=other_user(), env=env(HOME=str(shared_folder)))
    output = assert_french(done)
    assert done.returncode == 1 and "accès refusé" in output.lower() and str(shared_folder) in output, output


def test_a_backup_folder_without_write_permission_is_named(shared_folder):
    path = new_workbook(shared_folder / "classeur.xlsx")
    path.chmod(0o666)
    shared_folder.chmod(0o777)
    (shared_folder / BACKUP_FOLDER).mkdir(mode=0o555)
    (shared_folder / BACKUP_FOLDER).chmod(0o555)
    original = path.read_bytes()
    done = ccc_xl("suivi", path, prefix=other_user(), env=env(HOME=str(shared_folder)))
    output = assert_french(done)
    assert done.returncode == 1 and "accès refusé" in output.lower() and BACKUP_FOLDER in output, output
    assert path.read_bytes() == original and not leftovers(shared_folder)


def test_a_file_where_the_backup_folder_should_be_is_named(workbook):
    (workbook.parent / BACKUP_FOLDER).write_text("un fichier, pas un dossier")
    original = workbook.read_bytes()
    done = ccc_xl("suivi", workbook)
    output = assert_french(done)
    assert done.returncode == 1 and "est un fichier alors qu'un dossier" in output and BACKUP_FOLDER in output, output
    assert workbook.read_bytes() == original and not leftovers(workbook.parent)


def test_a_read_only_file_system_is_named(workbook, tmp_path):
    with small_disk(tmp_path / "cle", 1 << 20) as disk:
        path = disk / workbook.name
        shutil.copyfile(workbook, path)
        if subprocess.run(["mount", "-o", "remount,ro", str(disk)], capture_output=True).returncode:
            pytest.skip("remontage en lecture seule refusé")
        done = ccc_xl("suivi", path)
        output = assert_french(done)
        assert done.returncode == 1 and "lecture seule" in output and str(disk) in output, output


def test_a_name_too_long_for_the_backup_is_refused_before_anything_is_written(tmp_path):
    name = "é" * 119 + ".xlsx"  # 243 bytes
    assert len(os.fsencode(name)) == 243
    refused = ccc_xl("nouveau", tmp_path / name)  # not even created: it could never be backed up
    assert refused.returncode == 1 and "trop long" in assert_french(refused) and not list(tmp_path.iterdir())
    path = tmp_path / name
    path.write_bytes(new_workbook(tmp_path / "court.xlsx").read_bytes())
    original = path.read_bytes()
    done = ccc_xl("suivi", path)
    output = assert_french(done)
    assert done.returncode == 1 and "trop long" in output, output
    assert path.read_bytes() == original and not (tmp_path / BACKUP_FOLDER).exists() and not leftovers(tmp_path)
    assert str(path) in output


BUG = """
import sys
import ccc_xl.commands as commands
def broken(*args, **kwargs):
    raise RuntimeError("un défaut du programme")
commands.suivi = broken
from ccc_xl.cli import main
main(sys.argv[1:])
"""


@pytest.mark.parametrize("log_folder_usable", [True, False])
def test_an_unexpected_error_never_prints_a_traceback_and_logs_in_the_users_folder(workbook, tmp_path, log_folder_usable):
    data_home = tmp_path / "donnees"
    if not log_folder_usable:
        data_home.write_text("un fichier là où le dossier des données devrait être")
    done = subprocess.run([sys.executable, "-c", BUG, "suivi", str(workbook)], capture_output=True, text=True,
                          timeout=DEADLINE, env=env(XDG_DATA_HOME=str(data_home), TMPDIR=str(tmp_path)))
    output = done.stdout + done.stderr
    assert done.returncode == 2 and "Traceback" not in output and "Erreur inattendue" in output, output
    log = data_home / "ccc-xl" / "erreurs.log"
    if log_folder_usable:
        assert str(log) in output and "RuntimeError" in log.read_text()
    else:
        assert "n'ont pas pu être enregistrés" in output
    assert not list(tmp_path.glob("ccc-xl-erreurs.log"))


@pytest.mark.parametrize("code, word", [(errno.ENOSPC, "disque est plein"), (errno.EACCES, "accès refusé"),
                                        (errno.EROFS, "lecture seule"), (errno.ENAMETOOLONG, "trop long"),
                                        (errno.ENOTDIR, "dossier"), (errno.EEXIST, "dossier")])
def test_every_os_error_cause_has_its_french_sentence_with_the_path(code, word):
    from ccc_xl.report import os_error_message

    message = os_error_message(OSError(code, os.strerror(code), "/partage/Suivi 2026.xlsx"))
    assert word in message.lower() and "/partage/Suivi 2026.xlsx" in message and os.strerror(code) not in message


# --- 8. Interrupted saves leave nothing behind; stale ones are removed and counted -----------------------


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
def test_a_signal_during_the_save_leaves_no_temporary_copy(workbook, sig):
    original = workbook.read_bytes()
    run, _, _ = paused_run(PAUSED_AT_REPLACE, workbook, "suivi", workbook)
    assert leftovers(workbook.parent)  # the new workbook is waiting in its temporary file
    run.send_signal(sig)
    out, err = run.communicate(timeout=DEADLINE)
    assert run.returncode != 0 and "Traceback" not in err, err
    assert "Interrompu" in err
    assert not leftovers(workbook.parent)
    assert workbook.read_bytes() == original


def test_stale_temporary_copies_are_listed_removed_and_counted_in_the_journal(workbook):
    stale = [workbook.with_name(".classeur.xlsx.ccc-xl-4242-0badcafe.tmp"),
             workbook.with_name(".classeur.ccc-xl-4242.tmp.xlsx"),  # left by earlier versions
             workbook.parent / BACKUP_FOLDER / ".classeur.xlsx.ccc-xl-4242-deadbeef.tmp"]
    others = [workbook.with_name(".autre.xlsx.ccc-xl-4242-0badcafe.tmp"), workbook.with_name("classeur.xlsx.tmp")]
    stale[2].parent.mkdir()
    for path in stale + others:
        path.write_bytes(b"copie partielle")
        os.utime(path, (time.time() - 3600, time.time() - 3600))
    assert set(safety.temp_files_of(workbook)) == set(stale)
    assert set(safety.copies_of(workbook)) == set(stale)
    done = ccc_xl("suivi", workbook)
    assert done.returncode == 0, done.stderr
    assert not any(p.exists() for p in stale) and all(p.exists() for p in others)
    ws = load_workbook(workbook)[c.JOURNAL.sheet]
    messages = [row[6] for row in ws.iter_rows(min_row=2, values_only=True) if row[1] == "suivi"]
    assert any("3 fichiers temporaires laissés par un calcul interrompu supprimés" in str(m) for m in messages), messages
    assert safety.copies_of(workbook) == safety.backups_of(workbook) != []


def test_the_fingerprint_is_of_the_bytes_read(workbook):
    with safety.open_for_update(workbook) as opened:
        assert opened.fingerprint == (len(opened.data), workbook.stat().st_mtime_ns,
                                      hashlib.sha256(workbook.read_bytes()).hexdigest())
        assert opened.target == workbook.resolve()


def test_an_os_error_behind_an_excel_button_is_a_french_message(demo_copy):
    """Excel's path: the same sentence as the command line, in the dialog and the Journal."""
    os.environ.setdefault("XLWINGS_LICENSE_KEY", "noncommercial")
    import xlwings as xw

    from ccc_xl.excel import press
    from xlremote_payload import payload

    (demo_copy.parent / c.DOCUMENTS_FOLDER).write_text("un fichier, pas un dossier")
    xlbook = xw.Book(json=payload(demo_copy, fullname=str(demo_copy)))
    message, level = press(xlbook, "cccDocumentsProduire")
    assert level == "Erreur" and "Erreur inattendue" not in message, message
    assert c.DOCUMENTS_FOLDER in message and "dossier" in message, message


def _with_damaged_part(data: bytes, part: str, how: str) -> bytes:
    """``data`` with one part of its zip damaged, as a bad sector or a cut copy does: the part's
    local header overwritten, or the first bytes of its compressed data flipped."""
    info = zipfile.ZipFile(io.BytesIO(data)).getinfo(part)
    damaged, start = bytearray(data), info.header_offset
    if how == "en-tête":
        damaged[start:start + 4] = b"XXXX"
    else:
        name_length, extra_length = struct.unpack("<HH", data[start + 26:start + 30])
        first = start + 30 + name_length + extra_length
        for i in range(first, first + min(16, info.compress_size)):
            damaged[i] ^= 0xFF
    return bytes(damaged)


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(choice=st.data(), how=st.sampled_from(["en-tête", "données"]))
def test_a_workbook_with_any_damaged_part_is_refused_in_french_before_anything_is_written(corpus, choice, how):
    """Whatever part is damaged — a sheet, the styles, a comment, the theme — a command that writes
    stops before its work with a French message and writes nothing (no document, no backup, the
    workbook as it was); the export either reads what it needs or says the same, and writes no file."""
    source = corpus / "oui-non-varies" / "classeur.xlsx"  # a filled workbook with comments
    original = source.read_bytes()
    part = choice.draw(st.sampled_from(sorted(zipfile.ZipFile(source).namelist())), label="partie")
    with tempfile.TemporaryDirectory() as folder:
        work, out = Path(folder) / "dossier", Path(folder) / "sortie"
        work.mkdir(), out.mkdir()
        path = work / source.name
        path.write_bytes(_with_damaged_part(original, part, how))
        damaged = path.read_bytes()
        for args in (["eligibilite", path], ["documents", path, "--dossier", out, "--type", "emargement"]):
            result = CliRunner().invoke(main, list(map(str, args)))
            assert result.exit_code == 1 and refused_in_french(result.output), result.output
            assert path.read_bytes() == damaged
            assert {p.name for p in work.iterdir()} <= {path.name, safety.lock_path(path).name}
            assert not any(out.iterdir())
        export = out / "export.xlsx"
        result = CliRunner().invoke(main, ["export-financeurs", str(path), "-o", str(export), "--date", "26/11/2026"])
        assert result.exit_code == 0 and export.is_file() or result.exit_code == 1 and refused_in_french(result.output), result.output
        assert result.exit_code == 0 or not export.exists()


def refused_in_french(output: str) -> bool:
    """The refusal of a damaged file: « endommagé », or « n'est pas un classeur Excel » when the
    damage reaches the file's first bytes; never an unexpected error."""
    return ("endommagé" in output or "n'est pas un classeur Excel" in output) and "Erreur inattendue" not in output
