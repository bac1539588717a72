"""The workbook file on disk: how it is opened, locked, backed up and replaced without losing anything.

Every file-mode run goes through `open_for_update` and `replace`:

- refuse a workbook that another program has open (Excel's ``~$NAME``, LibreOffice's
  ``.~lock.NAME#``), that is read-only, or whose name leaves no room for ccc-xl's working files;
- hold an inter-process lock beside the real file for the whole read-modify-replace, so two runs
  on one workbook take turns instead of one silently undoing the other;
- read the bytes once, and just before replacing check that the file on disk is still the one that
  was read (size, modification time and SHA-256): another program may have saved it meanwhile;
- write a backup to a temporary name, flush it to disk, check it against what was read, then
  rename it; rotation deletes only backups named by this very pattern;
- write the new bytes to a temporary file beside the real file (through symlinks), flush it, give
  it the original mode and owner, and rename it over the original in one step;
- remove the temporary files on any error and on SIGTERM/SIGINT, and the stale ones that an
  interrupted run left (counted in `OpenedFile.notes` for the Journal).

Operating-system errors become French messages naming the cause and the path (`os_error_message`).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import errno
import hashlib
import io
import os
import re
import secrets
import signal
import sys
import threading
import time
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterator

from ..report import CommandError, os_error_message
from ..wording import count

BACKUP_FOLDER = "Sauvegardes ccc-xl"
BACKUPS_KEPT = 20
STAMP_FORMAT = "%Y-%m-%d %H-%M-%S-%f"
STAMP_PATTERN = r"\d{4}-\d{2}-\d{2} \d{2}-\d{2}-\d{2}-\d{6}"
LOCK_WAIT = 600  # seconds a run waits for another run on the same workbook before giving up
NAME_MAX = 255  # bytes of one file name on the usual file systems (NTFS: 255 characters)
MODIFIED = ("Le classeur a été modifié pendant le calcul (par un autre calcul ccc-xl ou un autre programme) : "
            "rien n'a été écrit, relancez.")
UNCHANGED = " Le classeur n'a pas été modifié."


class FileRefused(CommandError):
    """A refusal about the workbook file itself (open elsewhere, locked, changed, OS error): nothing
    was written, and nothing should be written to it to record the refusal either."""


@dataclass
class OpenedFile:
    path: Path  # the path the adviser gave
    target: Path  # the real file (symlinks resolved) that will be replaced
    data: bytes  # the whole package as read, once, under the lock (decrypted in memory if encrypted)
    fingerprint: tuple  # (size, mtime_ns, sha256) of the file on disk at read time (= of `data` unless encrypted)
    notes: list[str] = field(default_factory=list)  # what the opening did, for the Journal (French)
    disk: bytes | None = field(default=None, repr=False)  # the encrypted bytes on disk, when encrypted
    password: str | None = field(default=None, repr=False)  # kept in memory only, to encrypt the result
    parts: dict[str, bytes] | None = field(default=None, repr=False)  # every part of `data`, read against its checksum (`FileBackend.check_intact`)

    @property
    def on_disk(self) -> bytes:
        """The bytes of the file on disk as read (what a backup keeps)."""
        return self.disk if self.disk is not None else self.data


# --- Names ------------------------------------------------------------------------------------------


def temp_name(target: Path) -> Path:
    """A fresh hidden temporary file beside ``target``: ``.NAME.ccc-xl-PID-RANDOM.tmp``."""
    return target.with_name(f".{_temp_key(target)}.ccc-xl-{os.getpid()}-{secrets.token_hex(4)}.tmp")


def _temp_key(target: Path) -> str:
    """The workbook's name in its temporary files; a digest of it when the name is too long to fit."""
    if len(os.fsencode(target.name)) <= 200:
        return target.name
    return hashlib.sha256(os.fsencode(target.name)).hexdigest()[:16]


def _temp_pattern(target: Path) -> re.Pattern:
    # The current form, and the one earlier versions left (".STEM.ccc-xl-PID.tmp.xlsx").
    return re.compile(rf"\.(?:{re.escape(_temp_key(target))}\.ccc-xl-\d+-[0-9a-f]+\.tmp"
                      rf"|{re.escape(target.stem)}\.ccc-xl-\d+\.tmp{re.escape(target.suffix)})")


def _backup_pattern(target: Path) -> re.Pattern:
    return re.compile(rf"{re.escape(target.stem)} {STAMP_PATTERN}{re.escape(target.suffix)}")


def lock_path(target: Path) -> Path:
    """The inter-process lock file beside the real workbook."""
    return target.with_name(f".{target.name}.ccc-xl.lock")


def backup_folder(path: Path) -> Path:
    return real_file(path).parent / BACKUP_FOLDER


def real_file(path: Path) -> Path:
    """The file a path designates, through any chain of symlinks."""
    return Path(os.path.realpath(path))


def backups_of(path) -> list[Path]:
    """The backups ccc-xl made of this workbook, oldest first (exact names: STEM TIMESTAMP.SUFFIX)."""
    target = real_file(Path(path))
    folder = target.parent / BACKUP_FOLDER
    pattern = _backup_pattern(target)
    with contextlib.suppress(OSError):
        return sorted(p for p in folder.iterdir() if pattern.fullmatch(p.name) and p.is_file() and not p.is_symlink())
    return []


def temp_files_of(path) -> list[Path]:
    """Temporary copies of this workbook that ccc-xl is writing or that an interrupted run left,
    beside the workbook and in its backup folder (they hold the same personal data)."""
    target = real_file(Path(path))
    pattern = _temp_pattern(target)
    found = []
    for folder in (target.parent, target.parent / BACKUP_FOLDER):
        with contextlib.suppress(OSError):
            found += [p for p in folder.iterdir() if pattern.fullmatch(p.name) and not p.is_dir()]
    return sorted(found)


def copies_of(path) -> list[Path]:
    """Every file ccc-xl made that holds a copy of the workbook's data: backups and temporary files."""
    return backups_of(path) + temp_files_of(path)


# --- Refusals before anything is read ----------------------------------------------------------------


def open_elsewhere(path: Path) -> tuple[str, Path] | None:
    """(program, lock file) when Excel or LibreOffice has the workbook open, else None."""
    path = Path(path)
    for name in {path.name, real_file(path).name}:
        for folder in {path.parent, real_file(path).parent}:
            candidates = [("Excel", folder / ("~$" + name))]
            if len(name) > 2:
                candidates.append(("Excel", folder / ("~$" + name[2:])))
            candidates.append(("LibreOffice", folder / f".~lock.{name}#"))
            for program, candidate in candidates:
                if os.path.lexists(candidate):
                    return program, candidate
    return None


def _check_openable(path: Path, target: Path, write: bool, last_saved: bool = False) -> list[str]:
    """Refuse what cannot be opened; with ``last_saved`` (a read-only look: the bilan, the export), a
    workbook open in Excel or LibreOffice is read as last saved, with a note saying so — that
    program keeps the adviser's unsaved typing, nothing is lost."""
    if not os.path.lexists(path) or not target.exists():
        raise FileRefused(f"Le fichier « {path} » est introuvable.")
    if target.is_dir():
        raise FileRefused(f"« {path} » est un dossier, pas un classeur Excel.")
    found = open_elsewhere(path)
    if found and last_saved and not write:
        return [f"Le classeur « {path.name} » est ouvert dans {found[0]} : ccc-xl a lu sa dernière version "
                "enregistrée ; ce qui a été saisi depuis sans enregistrer n'est pas compté."]
    if found:
        program, lock = found
        advice = ("Fermez-le puis relancez la commande, ou utilisez le bouton du ruban « 100 Chances » dans Excel."
                  if program == "Excel" else "Fermez-le puis relancez la commande.")
        # A program that crashed leaves its lock file behind (hidden on Windows): say what to do.
        advice += (f" Si {program} est déjà fermé (après un arrêt brutal), supprimez le fichier caché « {lock.name} » "
                   f"du dossier « {lock.parent} ».")
        raise FileRefused(f"Le classeur « {path.name} » est ouvert dans {program} (fichier {lock.name}). {advice}")
    if not write:
        return []
    mode = target.stat().st_mode
    if not mode & 0o222 or not os.access(target, os.W_OK):
        raise FileRefused(f"Le classeur est en lecture seule : « {path} ». Retirez la lecture seule (clic droit > "
                          "Propriétés) ou enregistrez-en une copie, puis relancez. Rien n'a été modifié.")
    check_name_fits(path)
    return []


def check_name_fits(path: Path) -> None:
    """Refuse a workbook name too long for its backup's name (the name plus a timestamp)."""
    target = real_file(Path(path))
    longest = max(len(os.fsencode(temp_name(target).name)), len(os.fsencode(_backup_name(target, dt.datetime.now()))))
    if longest > NAME_MAX:
        raise FileRefused(f"Le nom du classeur est trop long ({len(os.fsencode(target.name))} octets) : « {path} ». "
                          "ccc-xl ne pourrait pas écrire sa sauvegarde à côté ; raccourcissez-le à 200 caractères "
                          "au plus, puis relancez. Rien n'a été modifié.")


# --- Signals -----------------------------------------------------------------------------------------


@contextlib.contextmanager
def interruptible() -> Iterator[None]:
    """SIGTERM (and SIGHUP) raise KeyboardInterrupt, like Ctrl+C, so that `finally` blocks remove
    temporary files; the previous handlers come back afterwards. Only the main thread can do this."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    names = [n for n in ("SIGTERM", "SIGHUP") if hasattr(signal, n)]
    previous = {}
    try:
        for name in names:
            number = getattr(signal, name)
            previous[number] = signal.signal(number, _interrupt)
    except ValueError:  # not the main interpreter
        pass
    try:
        yield
    finally:
        for number, handler in previous.items():
            signal.signal(number, handler)


def _interrupt(number, frame):
    raise KeyboardInterrupt(signal.Signals(number).name)


# --- Opening -----------------------------------------------------------------------------------------


@contextlib.contextmanager
def open_for_update(path: Path, write: bool = True, last_saved: bool = False) -> Iterator[OpenedFile]:
    """Refuse lock files (a read-only look with ``last_saved`` reads the last saved version instead,
    with a note) / read-only / missing; hold the inter-process lock (write=True) for the whole read-modify-replace; read the
    bytes once; clean stale temp files; French OS errors."""
    path = Path(path)
    target = real_file(path)
    with interruptible():
        try:
            looked = _check_openable(path, target, write, last_saved)
            # An encrypted workbook: its password is asked before taking the lock.
            asked = read(path).notes if write and _starts_as_ole(target) else []
        except OSError as error:
            raise FileRefused(os_error_message(error)) from None
        with _locked(path, target) if write else contextlib.nullcontext():
            try:
                opened = read(path)
                removed = remove_stale_temp_files(target) if write else 0
            except OSError as error:
                raise FileRefused(os_error_message(error)) from None
            opened.notes[:0] = looked + asked
            if removed:
                left = count(removed, "fichier temporaire laissé", "fichiers temporaires laissés")
                gone = "supprimé (il contenait" if removed == 1 else "supprimés (ils contenaient"
                opened.notes.append(f"{left} par un calcul interrompu {gone} une copie du classeur).")
            yield opened


def read(path: Path) -> OpenedFile:
    """The workbook's bytes and fingerprint, read once (no lock: a read-only look); an encrypted
    workbook is decrypted in memory with its password (see `Passwords`)."""
    path = Path(path)
    target = real_file(path)
    with open(target, "rb") as handle:
        before = os.fstat(handle.fileno())
        data = handle.read()
        after = os.fstat(handle.fileno())
    if (before.st_size, before.st_mtime_ns) != (after.st_size, after.st_mtime_ns) or len(data) != after.st_size:
        raise FileRefused(MODIFIED)
    opened = OpenedFile(path, target, data, (after.st_size, after.st_mtime_ns, hashlib.sha256(data).hexdigest()))
    if is_encrypted(data):
        opened.disk = data
        opened.data, opened.password = unlock(path, target, data, opened.notes)
    return opened


@contextlib.contextmanager
def _locked(path: Path, target: Path) -> Iterator[None]:
    import filelock

    # On Windows filelock deletes the lock file on release, so nothing stays beside the workbook;
    # on Linux and macOS the empty dot-file stays (hidden there): deleting it would let a waiting
    # run and a new one each hold a lock on a different file.
    lock = filelock.FileLock(lock_path(target))
    try:
        try:
            lock.acquire(timeout=0)
        except filelock.Timeout:
            print(f"Un autre calcul ccc-xl est en cours sur « {path.name} » : attente de sa fin…",
                  file=sys.stderr, flush=True)
            lock.acquire(timeout=LOCK_WAIT)
    except filelock.Timeout:
        raise FileRefused(f"Un autre calcul ccc-xl travaille sur « {path.name} » depuis plus de {LOCK_WAIT // 60} "
                          "minutes : rien n'a été écrit ; relancez quand il sera terminé.") from None
    except OSError as error:
        raise FileRefused(os_error_message(error, target.parent) + UNCHANGED) from None
    try:
        _hide(lock_path(target))
        yield
    finally:
        lock.release()


def remove_stale_temp_files(target: Path) -> int:
    """Remove this workbook's temporary files older than now (called under the lock: no other run
    of ccc-xl is writing them); returns how many were removed."""
    started = time.time()
    removed = 0
    for temp in temp_files_of(target):
        with contextlib.suppress(FileNotFoundError):
            if temp.lstat().st_mtime <= started:
                temp.unlink()
                removed += 1
    return removed


# --- Replacing ---------------------------------------------------------------------------------------


def fingerprint_of(target: Path) -> tuple:
    with open(target, "rb") as handle:
        info = os.fstat(handle.fileno())
        digest = hashlib.sha256(handle.read()).hexdigest()
    return info.st_size, info.st_mtime_ns, digest


def check_unchanged(opened: OpenedFile) -> None:
    """Refuse when the file on disk is no longer the one that was read."""
    try:
        info = opened.target.stat()
        if (info.st_size, info.st_mtime_ns) != opened.fingerprint[:2] or fingerprint_of(opened.target) != opened.fingerprint:
            raise FileRefused(MODIFIED)
    except FileNotFoundError:
        raise FileRefused(MODIFIED) from None


def replace(opened: OpenedFile, new_data: bytes, backup: bool = True) -> Path | None:
    """Check the file on disk still has `opened.fingerprint` (else refuse: modified during the run),
    write a verified backup, write `new_data` to a temp file beside the target (fsync), keep mode/
    owner, os.replace it over the real target; remove the temp on any failure or signal.
    Returns the backup path."""
    target = opened.target
    with interruptible():
        check_unchanged(opened)
        if opened.password is not None:
            new_data = encrypt(new_data, opened.password)
        backup_path = write_backup(opened) if backup else None
        info = target.stat()
        temp = temp_name(target)
        try:
            try:
                _write_synced(temp, new_data, info)
            except OSError as error:
                raise FileRefused(os_error_message(error, target.parent) + UNCHANGED) from None
            check_unchanged(opened)
            try:
                os.replace(temp, target)
            except OSError as error:
                raise FileRefused(os_error_message(error, target) + UNCHANGED) from None
            _sync_folder(target.parent)
            _keep_windows_attributes(target, info)
        finally:
            with contextlib.suppress(OSError):
                temp.unlink()
    if backup_path is not None:
        rotate_backups(target)
    return backup_path


def write_new(path: Path, data: bytes) -> Path:
    """Write a new file (or overwrite one the caller chose to replace) through a synced temporary
    file and one rename; the temporary file never outlives an error or a signal."""
    path = Path(path)
    target = real_file(path)
    temp = temp_name(target)
    with interruptible():
        try:
            _write_synced(temp, data, target.stat() if target.exists() else None)
            os.replace(temp, target)
        except OSError as error:
            raise FileRefused(os_error_message(error, target.parent)) from None
        finally:
            with contextlib.suppress(OSError):
                temp.unlink()
    return path


def _write_synced(temp: Path, data: bytes, original: os.stat_result | None) -> None:
    """Write ``data`` to a new file ``temp``, flushed to the disk, with ``original``'s mode and owner."""
    fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), 0o600)
    try:
        view = memoryview(data)
        while view:
            written = os.write(fd, view)
            view = view[written:]
        if original is not None and os.name != "nt":
            with contextlib.suppress(PermissionError):  # another owner: only root may give the file away
                if (original.st_uid, original.st_gid) != (os.getuid(), os.getgid()):
                    os.fchown(fd, original.st_uid, original.st_gid)
            os.fchmod(fd, original.st_mode & 0o7777)
        elif original is None and os.name != "nt":
            umask = os.umask(0)
            os.umask(umask)
            os.fchmod(fd, 0o666 & ~umask)
        os.fsync(fd)
    finally:
        os.close(fd)


def _sync_folder(folder: Path) -> None:
    """Make a rename durable (POSIX); Windows has no directory handles for this."""
    if os.name == "nt":
        return
    with contextlib.suppress(OSError):
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def _keep_windows_attributes(target: Path, original: os.stat_result) -> None:
    """Give the new file the original's Windows attributes (hidden, archive…) where allowed."""
    attributes = getattr(original, "st_file_attributes", None)
    if os.name != "nt" or attributes is None:
        return
    import ctypes

    with contextlib.suppress(Exception):  # best effort: the content is already safe
        ctypes.windll.kernel32.SetFileAttributesW(str(target), attributes & 0x27)  # read-only, hidden, system, archive


def _hide(path: Path) -> None:
    """Windows shows dot files: mark ccc-xl's lock file hidden there."""
    if os.name == "nt":
        import ctypes

        with contextlib.suppress(Exception):
            ctypes.windll.kernel32.SetFileAttributesW(str(path), 0x02)


# --- Backups -----------------------------------------------------------------------------------------


def _backup_name(target: Path, when: dt.datetime) -> str:
    return f"{target.stem} {when.strftime(STAMP_FORMAT)}{target.suffix}"


def write_backup(opened: OpenedFile) -> Path:
    """Copy what was read into « Sauvegardes ccc-xl »: temporary name, flushed, read back and
    compared (size, SHA-256, a readable zip when the workbook is one), then renamed. A copy with the
    SHA-256 of a package whose every part this run already read back against its checksum is that
    package: it is not inflated a second time."""
    folder = opened.target.parent / BACKUP_FOLDER
    final = folder / _backup_name(opened.target, dt.datetime.now())
    temp = folder / temp_name(opened.target).name
    try:
        try:
            folder.mkdir(exist_ok=True)
            if not folder.is_dir():
                raise FileExistsError(errno.EEXIST, os.strerror(errno.EEXIST), str(folder))
            _write_synced(temp, opened.on_disk, opened.target.stat())
            written = temp.read_bytes()
        except OSError as error:
            raise FileRefused(os_error_message(error, folder) + UNCHANGED) from None
        if len(written) != opened.fingerprint[0] or hashlib.sha256(written).hexdigest() != opened.fingerprint[2] \
                or not (opened.parts is not None or _readable_package(written, opened.on_disk)):
            raise FileRefused(f"La sauvegarde écrite dans « {folder} » ne correspond pas au classeur (disque "
                              "défaillant ?) : elle a été supprimée." + UNCHANGED)
        try:
            os.replace(temp, final)
        except OSError as error:
            raise FileRefused(os_error_message(error, folder) + UNCHANGED) from None
    finally:
        with contextlib.suppress(OSError):
            temp.unlink()
    return final


def _readable_package(written: bytes, source: bytes) -> bool:
    if not source.startswith(b"PK"):
        return True  # not a zip package (an encrypted workbook): size and hash are the check
    try:
        with zipfile.ZipFile(io.BytesIO(written)) as archive:
            return archive.testzip() is None
    except (zipfile.BadZipFile, OSError, EOFError):
        return False


def rotate_backups(target: Path) -> list[Path]:
    """Keep the newest BACKUPS_KEPT backups of this workbook; touch nothing else. Returns the removed."""
    removed = backups_of(target)[:-BACKUPS_KEPT]
    for old in removed:
        with contextlib.suppress(OSError):
            old.unlink()
    return removed


# --- Encrypted workbooks ------------------------------------------------------------------------------
#
# Excel's « Chiffrer avec mot de passe » stores the package inside an OLE container (ECMA-376
# encryption). msoffcrypto-tool decrypts it in memory (no plaintext file ever touches the disk) and
# encrypts the result again with the same password (agile encryption: AES-256, SHA-512), so the
# workbook, and its backup, stay encrypted. The password comes from, in order: this run's memory
# (a run may open the workbook twice), the OS keyring when the adviser asked to remember it, standard
# input (`--mot-de-passe-stdin`), a no-echo prompt at a terminal (three tries). It is never written
# to disk by ccc-xl (except into the OS keyring on request), never shown, never logged.

OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
PASSWORD_TRIES = 3
KEYRING_SERVICE = "ccc-xl"


@dataclass
class Passwords:
    """Where this run takes passwords from; the CLI sets it from its options."""

    from_stdin: bool = False  # read one line from standard input
    remember: bool = False  # store a password that worked in the OS keyring
    prompt: Callable[[str], str] | None = None  # no-echo prompt, when a person is at a terminal
    known: dict[str, str] = field(default_factory=dict, repr=False)  # real path -> password that worked
    stdin_line: str | None = field(default=None, repr=False)

    def reset(self, from_stdin: bool = False, remember: bool = False, prompt=None) -> None:
        self.from_stdin, self.remember, self.prompt = from_stdin, remember, prompt
        self.known.clear()
        self.stdin_line = None


PASSWORDS = Passwords()


def is_encrypted(data: bytes) -> bool:
    """Whether ``data`` is an Office file encrypted with a password (an OLE container holding an
    EncryptedPackage), as opposed to an old .xls or any other file."""
    if not data.startswith(OLE_MAGIC):
        return False
    import olefile

    try:
        with olefile.OleFileIO(io.BytesIO(data)) as ole:
            return ole.exists("EncryptionInfo") and ole.exists("EncryptedPackage")
    except Exception:  # noqa: BLE001 - a damaged container (olefile raises OSError, ValueError…): not ours to open
        return False


def _starts_as_ole(target: Path) -> bool:
    with open(target, "rb") as handle:
        return handle.read(len(OLE_MAGIC)) == OLE_MAGIC


def decrypt(data: bytes, password: str) -> bytes | None:
    """The decrypted package, or None when the password is wrong."""
    import msoffcrypto
    from msoffcrypto import exceptions

    office = msoffcrypto.OfficeFile(io.BytesIO(data))
    try:
        office.load_key(password=password, verify_password=True)
        plain = io.BytesIO()
        office.decrypt(plain)
    except exceptions.InvalidKeyError:
        return None
    return plain.getvalue()


def encrypt(data: bytes, password: str) -> bytes:
    """``data`` (an OOXML package) encrypted with ``password``: agile encryption, AES-256 / SHA-512."""
    from msoffcrypto.format.ooxml import OOXMLFile

    encrypted = io.BytesIO()
    OOXMLFile(io.BytesIO(data)).encrypt(password, encrypted)
    return encrypted.getvalue()


def unlock(path: Path, target: Path, data: bytes, notes: list[str]) -> tuple[bytes, str]:
    """Decrypt an encrypted workbook with the first password that works; French refusals."""
    name = path.name
    try:
        for password, source in _passwords(path, target):
            plain = decrypt(data, password)
            if plain is not None:
                PASSWORDS.known[str(target)] = password
                if PASSWORDS.remember and source in ("stdin", "prompt"):
                    notes.append(_remember(target, password))
                return plain, password
            if source == "stdin":
                raise FileRefused(f"Mot de passe incorrect pour « {name} » : rien n'a été ouvert ni modifié.")
            if source == "prompt":
                print("Mot de passe incorrect.", file=sys.stderr, flush=True)
    except FileRefused:
        raise
    except Exception as problem:  # noqa: BLE001 - a damaged container fails in many ways
        raise FileRefused(f"« {name} » est chiffré mais n'a pas pu être déchiffré : il est peut-être endommagé "
                          f"({type(problem).__name__}). Reprenez la dernière sauvegarde.") from None
    if PASSWORDS.prompt is not None:
        raise FileRefused(f"Mot de passe incorrect pour « {name} » ({PASSWORD_TRIES} essais) : rien n'a été ouvert ni modifié.")
    raise FileRefused(f"« {name} » est protégé par un mot de passe : lancez la commande dans un terminal pour le saisir, "
                      "ou donnez-le sur l'entrée standard avec l'option --mot-de-passe-stdin.")


def _passwords(path: Path, target: Path) -> Iterator[tuple[str, str]]:
    """Candidate passwords with their source, in order of preference."""
    if str(target) in PASSWORDS.known:
        yield PASSWORDS.known[str(target)], "memory"
    stored = _keyring_get(target)
    if stored:
        yield stored, "keyring"
    if PASSWORDS.from_stdin:
        if PASSWORDS.stdin_line is None:
            line = sys.stdin.readline()
            if not line:
                raise FileRefused("Aucun mot de passe reçu sur l'entrée standard (--mot-de-passe-stdin) : rien n'a été modifié.")
            PASSWORDS.stdin_line = line.rstrip("\r\n")
        yield PASSWORDS.stdin_line, "stdin"
        return
    if PASSWORDS.prompt is not None:
        for _ in range(PASSWORD_TRIES):
            yield PASSWORDS.prompt(f"Mot de passe du classeur « {path.name} »"), "prompt"


def _keyring_get(target: Path) -> str | None:
    try:
        import keyring

        return keyring.get_password(KEYRING_SERVICE, str(target))
    except Exception:  # noqa: BLE001 - no keyring on this computer: ask instead
        return None


def _remember(target: Path, password: str) -> str:
    try:
        import keyring

        keyring.set_password(KEYRING_SERVICE, str(target), password)
    except Exception:  # noqa: BLE001 - the run goes on; the adviser is told
        return "Le mot de passe n'a pas pu être retenu : aucun trousseau du système n'est disponible."
    return "Mot de passe retenu dans le trousseau du système pour ce classeur."


# --- Output files (funders' export, annual report) ---------------------------------------------

PREVIOUS_VERSIONS = "Versions précédentes"
PRODUCER = "ccc-xl"  # the « Auteur » (dc:creator) of every Word and Excel file ccc-xl produces
_CREATOR = "{http://purl.org/dc/elements/1.1/}creator"


def aside_name(path: Path, taken: set[Path] | None = None) -> Path:
    """Where a file in the way goes: « Versions précédentes » beside it, named with its own date
    (a free name: never one in ``taken``, nor one already on disk)."""
    when = dt.datetime.fromtimestamp(path.stat().st_mtime).strftime("%Y-%m-%d %H-%M-%S")
    folder = path.parent / PREVIOUS_VERSIONS
    stem = f"{path.stem[:90]} (version du {when})"  # a name Windows still takes in a deep folder
    candidate, number = folder / f"{stem}{path.suffix}", 1
    while (taken is not None and candidate in taken) or candidate.exists():
        number += 1
        candidate = folder / f"{stem} ({number}){path.suffix}"
    if taken is not None:
        taken.add(candidate)
    return candidate


def produced_by_ccc_xl(path: Path) -> bool:
    """Whether ``path`` is a Word or Excel file whose author is ccc-xl (Word and Excel keep the
    author when the file is edited and saved again)."""
    from xml.etree import ElementTree

    try:
        with zipfile.ZipFile(path) as package:
            creator = ElementTree.fromstring(package.read("docProps/core.xml")).findtext(_CREATOR)
    except (OSError, KeyError, zipfile.BadZipFile, ElementTree.ParseError):
        return False
    return creator == PRODUCER


def write_output(path: Path, data: bytes) -> Path | None:
    """Write an output file (funders' export, annual report) at ``path``. A previous output of
    ccc-xl there (perhaps edited by hand since) is first moved to « Versions précédentes », and its
    new place returned; any other file is refused, so that nothing an adviser made is overwritten."""
    path = Path(path)
    aside = None
    if path.is_dir():
        raise CommandError(f"« {path} » est un dossier : donnez un nom de fichier.")
    if path.exists():
        if not produced_by_ccc_xl(path):
            raise CommandError(f"« {path.name} » existe déjà et n'a pas été produit par ccc-xl : choisissez un "
                               "autre nom de fichier (rien n'a été écrit).")
        aside = aside_name(path)
        try:
            aside.parent.mkdir(exist_ok=True)
            os.replace(path, aside)
        except OSError as error:
            raise FileRefused(os_error_message(error, path)) from None
    try:
        write_new(path, data)
    except BaseException:
        if aside is not None:
            with contextlib.suppress(OSError):
                os.replace(aside, path)  # the previous version goes back where it was
        raise
    return aside
