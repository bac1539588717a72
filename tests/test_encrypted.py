"""Workbooks encrypted with a password (Excel's « Chiffrer avec mot de passe ») are opened, computed
and written back encrypted with the same password: password from standard input, from a no-echo
prompt (three tries), or from the OS keyring; LibreOffice opens the result only with the password."""

from __future__ import annotations

import io
import json
import os
import shutil
import subprocess
import sys
import uuid
from pathlib import Path

import pexpect
import pytest
from msoffcrypto.format.ooxml import OOXMLFile
from openpyxl import load_workbook

from ccc_xl import contract as c
from ccc_xl import office
from ccc_xl.workbook import safety
from conftest import new_workbook, soffice_or_fail
from hostile import ROOT

PASSWORD = "Vivonne-2027 é&<\"'"
TESTS = Path(__file__).resolve().parent


def env(tmp_path: Path, **extra) -> dict:
    return {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), str(TESTS)]), "COLUMNS": "200",
            "XDG_DATA_HOME": str(tmp_path / "donnees"), "PYTHON_KEYRING_BACKEND": "keyring_for_tests.JsonKeyring",
            "CCC_XL_TEST_KEYRING": str(tmp_path / "trousseau.json"), **extra}


def ccc_xl(tmp_path, *args, input=None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "ccc_xl", *map(str, args)], input=input, capture_output=True,
                          text=True, timeout=300, env=env(tmp_path), stdin=None if input is not None else subprocess.DEVNULL)


@pytest.fixture
def locked(tmp_path) -> Path:
    """A blank ccc-xl workbook encrypted as Excel does (agile encryption)."""
    plain = new_workbook(tmp_path / "clair.xlsx")
    path = tmp_path / "classeur.xlsx"
    with open(path, "wb") as out:
        OOXMLFile(io.BytesIO(plain.read_bytes())).encrypt(PASSWORD, out)
    plain.unlink()
    return path


def decrypted_journal(path: Path, password: str = PASSWORD) -> list[str]:
    data = safety.decrypt(path.read_bytes(), password)
    assert data is not None
    ws = load_workbook(io.BytesIO(data))[c.JOURNAL.sheet]
    return [row[1] for row in ws.iter_rows(min_row=2, values_only=True) if row[1]]


def everything_written(tmp_path: Path) -> str:
    """Every text ccc-xl left on disk outside the encrypted files (logs, keyring excluded)."""
    texts = []
    for p in tmp_path.rglob("*"):
        if p.is_file() and p.name != "trousseau.json":
            data = p.read_bytes()
            if not safety.is_encrypted(data):
                texts.append(data.decode("utf-8", "replace"))
    return "\n".join(texts)


def test_password_on_standard_input_round_trip(locked, tmp_path):
    original = locked.read_bytes()
    done = ccc_xl(tmp_path, "eligibilite", locked, "--mot-de-passe-stdin", input=PASSWORD + "\n")
    assert done.returncode == 0, done.stderr
    assert safety.is_encrypted(locked.read_bytes()) and locked.read_bytes() != original
    assert decrypted_journal(locked)[-1] == "eligibilite"
    [backup] = safety.backups_of(locked)
    assert backup.read_bytes() == original  # the backup is the encrypted file as it was
    assert PASSWORD not in done.stdout + done.stderr and PASSWORD not in everything_written(tmp_path)
    assert not safety.temp_files_of(locked)


def test_the_result_is_encrypted_with_the_standard_agile_scheme(locked, tmp_path):
    assert ccc_xl(tmp_path, "suivi", locked, "--mot-de-passe-stdin", input=PASSWORD + "\n").returncode == 0
    import olefile

    with olefile.OleFileIO(locked) as ole:
        info = ole.openstream("EncryptionInfo").read()
    assert info[:4] == b"\x04\x00\x04\x00"  # version 4.4: agile encryption
    assert b'cipherAlgorithm="AES"' in info and b'keyBits="256"' in info and b'hashAlgorithm="SHA512"' in info


def test_a_wrong_password_on_standard_input_changes_nothing(locked, tmp_path):
    original = locked.read_bytes()
    done = ccc_xl(tmp_path, "eligibilite", locked, "--mot-de-passe-stdin", input="mauvais\n")
    assert done.returncode == 1 and "Mot de passe incorrect" in done.stderr, done.stderr
    assert "Traceback" not in done.stderr and "mauvais" not in done.stdout + done.stderr
    assert locked.read_bytes() == original and not (tmp_path / safety.BACKUP_FOLDER).exists()


def test_without_a_terminal_nor_option_the_refusal_says_how_to_give_the_password(locked, tmp_path):
    original = locked.read_bytes()
    done = ccc_xl(tmp_path, "eligibilite", locked)
    assert done.returncode == 1 and "protégé par un mot de passe" in done.stderr and "--mot-de-passe-stdin" in done.stderr
    assert locked.read_bytes() == original


def spawn(tmp_path, *args):
    return pexpect.spawn(sys.executable, ["-m", "ccc_xl", *map(str, args)], env=env(tmp_path), encoding="utf-8",
                         timeout=300, dimensions=(50, 200))


def test_the_prompt_hides_the_password_and_allows_three_tries(locked, tmp_path):
    child = spawn(tmp_path, "eligibilite", locked)
    child.expect("Mot de passe du classeur « classeur.xlsx »")
    child.sendline("premier-essai")
    child.expect("Mot de passe incorrect")
    child.expect("Mot de passe du classeur")
    child.sendline(PASSWORD)
    child.expect("✔")
    child.expect(pexpect.EOF)
    child.close()
    shown = child.before + str(child.buffer)
    assert child.exitstatus == 0, shown
    assert "premier-essai" not in shown and PASSWORD not in shown  # no echo
    assert decrypted_journal(locked)[-1] == "eligibilite"


def test_three_wrong_passwords_at_the_prompt_change_nothing(locked, tmp_path):
    original = locked.read_bytes()
    child = spawn(tmp_path, "suivi", locked)
    for _ in range(safety.PASSWORD_TRIES):
        child.expect("Mot de passe du classeur")
        child.sendline("faux")
    child.expect("3 essais")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 1
    assert locked.read_bytes() == original


def test_a_password_remembered_in_the_keyring_is_not_asked_again(locked, tmp_path):
    first = ccc_xl(tmp_path, "eligibilite", locked, "--mot-de-passe-stdin", "--retenir-mot-de-passe", input=PASSWORD + "\n")
    assert first.returncode == 0, first.stderr
    assert "Mot de passe retenu" in first.stdout
    stored = json.loads((tmp_path / "trousseau.json").read_text())
    assert list(stored.values()) == [PASSWORD]
    second = ccc_xl(tmp_path, "suivi", locked)  # no terminal, no option: the keyring answers
    assert second.returncode == 0, second.stderr
    assert decrypted_journal(locked)[-2:] == ["eligibilite", "suivi"]


# LibreOffice, driven through its UNO bridge by the system Python that ships with it: one LibreOffice
# loads the workbook once per password given (none: ""), in turn, and reads the Journal's commands.
UNO = r"""
import json, subprocess, sys, time, uno
from com.sun.star.beans import PropertyValue
soffice, installation, pipe, url, passwords = sys.argv[1:5] + [json.loads(sys.argv[5])]
office = subprocess.Popen([soffice, installation, "--headless", "--invisible", "--norestore",
                           "--accept=pipe,name=%s;urp;StarOffice.ComponentContext" % pipe],
                          stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
local = uno.getComponentContext()
resolver = local.ServiceManager.createInstanceWithContext("com.sun.star.bridge.UnoUrlResolver", local)
for _ in range(600):
    try:
        context = resolver.resolve("uno:pipe,name=%s;urp;StarOffice.ComponentContext" % pipe)
        break
    except Exception:
        time.sleep(0.1)
desktop = context.ServiceManager.createInstanceWithContext("com.sun.star.frame.Desktop", context)
def prop(name, value):
    p = PropertyValue(); p.Name = name; p.Value = value; return p
results = []
for password in passwords:
    props = [prop("Hidden", True)] + ([prop("Password", password)] if password else [])
    result = {"opened": False}
    try:
        doc = desktop.loadComponentFromURL(url, "_blank", 0, tuple(props))
        if doc is not None:
            sheet = doc.Sheets.getByName("Journal")
            rows = sheet.getCellRangeByName("B2:B50").getDataArray()
            result = {"opened": True, "commands": [r[0] for r in rows if r[0]]}
            doc.close(True)
    except Exception as problem:
        result["error"] = type(problem).__name__
    results.append(result)
try:
    desktop.terminate()
except Exception:
    pass
office.wait(timeout=60)
print(json.dumps(results))
"""


def libreoffice_open(path: Path, passwords: list[str], tmp_path: Path) -> list[dict]:
    """What one LibreOffice shows of ``path`` opened with each password in turn."""
    soffice = soffice_or_fail()
    system_python = shutil.which("python3", path="/usr/bin:/usr/local/bin") or "python3"
    if subprocess.run([system_python, "-c", "import uno"], capture_output=True).returncode:
        if os.environ.get("CI"):
            pytest.fail("python3-uno est requis en CI : scripts/test.sh doit l'installer.")
        pytest.skip("python3-uno absent (pont Python de LibreOffice)")
    profile = office.user_installation(tmp_path / f"lo-{uuid.uuid4().hex}")
    done = subprocess.run([system_python, "-c", UNO, soffice, profile, f"ccc-xl-{uuid.uuid4().hex}", path.as_uri(),
                           json.dumps(passwords)],
                          capture_output=True, text=True, timeout=300, env={k: v for k, v in os.environ.items() if k != "PYTHONPATH"})
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_libreoffice_opens_the_result_only_with_the_password(locked, tmp_path):
    done = ccc_xl(tmp_path, "eligibilite", locked, "--mot-de-passe-stdin", input=PASSWORD + "\n")
    assert done.returncode == 0, done.stderr
    # Without the password first: nothing LibreOffice could remember from an opening helps it.
    without, with_password = libreoffice_open(locked, ["", PASSWORD], tmp_path)
    assert not without["opened"]
    assert with_password["opened"] and with_password["commands"][-1] == "eligibilite"
    assert with_password["commands"] == decrypted_journal(locked)
