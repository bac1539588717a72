"""Install, remove and check the ribbon add-in (`ccc-xl addin …`, `ccc-xl diagnostic`).

Like `xlwings addin install`, the add-in is copied into Excel's user XLSTART folder, which Excel
opens at start-up and trusts by default (no macro warning). The add-in embeds xlwings' RunPython
with its own settings name "ccc_xl": the interpreter it starts is read from
``%USERPROFILE%\\.ccc_xl\\ccc_xl.conf`` (macOS: Excel's sandbox folder), which `install` writes with
the Python running ccc-xl, and with the synced OneDrive/SharePoint folders it finds (xlwings'
settings ONEDRIVE_CONSUMER_WIN, ONEDRIVE_COMMERCIAL_WIN, SHAREPOINT_WIN; see `cloud`), so there is
nothing to set by hand in Excel.

The file is written the way xlwings writes its own ``xlwings.conf`` (``open(path, "w")``: the
locale's encoding, CRLF on Windows) because the embedded VBA reads it the same way: ``Open … For
Input`` decodes bytes with the Windows ANSI code page. A path that code page cannot hold (a Greek or
Cyrillic user name under cp1252) is refused at install with what to do, instead of becoming an
unreadable interpreter path in Excel.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from ..report import CommandError

ADDIN_NAME = "ccc-xl.xlam"
SETTINGS_NAME = "ccc_xl"  # PROJECT_NAME of the embedded xlwings module (scripts/build_addin.py)
MAC_STARTUP = "Library/Group Containers/UBF8T346G9.Office/User Content.localized/Startup.localized/Excel"
MAC_SANDBOX = "Library/Containers/com.microsoft.Excel/Data"


def packaged_addin() -> Path:
    return Path(str(resources.files("ccc_xl") / "data" / ADDIN_NAME))


def startup_folder(platform: str = sys.platform, env=os.environ, home: Path | None = None) -> Path:
    """Excel's per-user start-up folder (XLSTART), where xlwings installs add-ins too."""
    home = home or Path.home()
    if platform.startswith("win"):
        return Path(env.get("APPDATA", home / "AppData" / "Roaming")) / "Microsoft" / "Excel" / "XLSTART"
    if platform == "darwin":
        return home / MAC_STARTUP
    raise CommandError("Excel n'existe pas sur ce système : le complément s'installe sous Windows ou macOS.")


def settings_file(platform: str = sys.platform, env=os.environ, home: Path | None = None) -> Path:
    """The add-in's xlwings settings file (path built by the embedded xlwings VBA, GetConfigFilePath)."""
    home = home or Path.home()
    if platform.startswith("win"):
        return Path(env.get("USERPROFILE", home)) / f".{SETTINGS_NAME}" / f"{SETTINGS_NAME}.conf"
    if platform == "darwin":
        return home / MAC_SANDBOX / f"{SETTINGS_NAME}.conf"
    raise CommandError("Excel n'existe pas sur ce système : le complément s'installe sous Windows ou macOS.")


def interpreter_key(platform: str = sys.platform) -> str:
    return "INTERPRETER_MAC" if platform == "darwin" else "INTERPRETER_WIN"


WESTERN_ANSI = "cp1252"  # the ANSI code page of French (and every Western European) Windows


def settings_encoding(platform: str = sys.platform) -> str:
    """How the embedded VBA decodes the settings file: the ANSI code page on Windows (xlwings writes
    its own with the locale's encoding, which is that code page), UTF-8 on macOS."""
    if not platform.startswith("win"):
        return "utf-8"
    if sys.platform.startswith("win"):
        import ctypes

        return f"cp{ctypes.windll.kernel32.GetACP()}"
    return WESTERN_ANSI  # Windows described from another system (tests)


def read_settings(path: Path, encoding: str | None = None) -> dict[str, str]:
    """xlwings' settings format, one ``"KEY","value"`` per line, read as the VBA reads it."""
    settings = {}
    if path.exists():
        for line in path.read_bytes().decode(encoding or settings_encoding(), errors="replace").splitlines():
            key, sep, value = line.partition(",")
            if sep:
                settings[key.strip().strip('"').upper()] = value.strip().strip('"')
    return settings


def _previous_settings(path: Path, encoding: str) -> dict[str, str]:
    """The settings an earlier install wrote: UTF-8 before ccc-xl wrote the ANSI code page."""
    try:
        path.read_bytes().decode("utf-8")
        return read_settings(path, "utf-8")
    except UnicodeDecodeError:
        return read_settings(path, encoding)
    except OSError:
        return {}


def settings_bytes(settings: dict[str, str], encoding: str, newline: str = "\r\n") -> bytes:
    """The file as xlwings writes its own; CommandError naming the setting the code page cannot hold."""
    lines = []
    for key, value in settings.items():
        try:
            lines.append(f'"{key}","{value}"{newline}'.encode(encoding))
        except UnicodeEncodeError as error:
            raise UnencodableSetting(key, value, encoding, value[error.start:error.end]) from None
    return b"".join(lines)


class UnencodableSetting(CommandError):
    def __init__(self, key: str, value: str, encoding: str, characters: str):
        self.key = key
        what = "Le chemin de Python" if key.startswith("INTERPRETER") else f"Le dossier du réglage {key}"
        fix = ("Installez Python dans un dossier dont le chemin n'a que des lettres latines, par exemple "
               "« C:\\Python311 » (installeur de python.org : « Customize installation », puis « Customize install "
               "location »), installez-y ccc-xl (« C:\\Python311\\python.exe -m pip install ccc-xl »), puis relancez "
               "« C:\\Python311\\Scripts\\ccc-xl addin install »." if key.startswith("INTERPRETER") else
               "Ce réglage n'est pas écrit ; ouvrez le classeur depuis son dossier synchronisé.")
        super().__init__(f"{what} « {value} » contient « {characters} », que les macros d'Excel ne savent pas lire sur "
                         f"ce poste (page de code Windows {encoding}) : Excel ne trouverait pas ce dossier. {fix}")


SIGNED_KEY = "CCC_XL_SIGNED_ADDIN"  # "<ccc-xl version>|<sha256>" of a copy signed by the IT department
SIGNATURE_PARTS = ("xl/vbaProjectSignature.bin", "xl/vbaProjectSignatureAgile.bin", "xl/vbaProjectSignatureV3.bin")
RIBBON_PART = "customUI/customUI14.xml"


def check_signed_copy(path: Path) -> None:
    """Refuse a file that is not this version's add-in signed in Excel: same ribbon, a VBA signature."""
    import xml.etree.ElementTree as ET
    import zipfile

    def ribbon(package: Path) -> bytes:
        with zipfile.ZipFile(package) as z:
            return ET.canonicalize(z.read(RIBBON_PART).decode("utf-8"), strip_text=True).encode()

    try:
        with zipfile.ZipFile(path) as z:
            signed = any(part in z.namelist() for part in SIGNATURE_PARTS)
        same = ribbon(path) == ribbon(packaged_addin())
    except (OSError, KeyError, zipfile.BadZipFile, ET.ParseError):
        raise CommandError(f"« {path} » n'est pas le complément ccc-xl (fichier illisible ou sans ruban 100 Chances).") from None
    if not same:
        raise CommandError(f"« {path} » n'est pas le complément de cette version de ccc-xl : signez celui que donne "
                           "« ccc-xl addin install » (voir le guide pour le service informatique, docs/informatique.md).")
    if not signed:
        raise CommandError(f"« {path} » n'est pas signé : ouvrez-le dans Excel, signez son projet VBA (Outils > Signature "
                           "électronique dans l'éditeur VBA) et enregistrez-le.")


def install(platform: str = sys.platform, env=os.environ, home: Path | None = None, python: str = sys.executable,
            mounts: dict[str, str] | None = None, encoding: str | None = None, signed: Path | None = None) -> list[str]:
    """Copy the add-in into XLSTART and write its settings: this Python, and the synced OneDrive and
    SharePoint folders found (``mounts``: SharePoint address -> local folder, from the OneDrive
    client's registry keys by default). ``signed``: a copy of the add-in the IT department signed,
    installed instead of the packaged one and recognised by `status` and `diagnostic`. French report
    lines; nothing is written when the Python's path cannot be written in the code page Excel's
    macros read."""
    from .. import __version__
    from .cloud import detect_folders, synced_libraries

    if signed is not None:
        check_signed_copy(Path(signed))
    encoding = encoding or settings_encoding(platform)
    conf = settings_file(platform, env, home)
    settings = _previous_settings(conf, encoding)
    settings[interpreter_key(platform)] = python
    settings.pop(SIGNED_KEY, None)
    if signed is not None:
        settings[SIGNED_KEY] = f"{__version__}|{_digest(Path(signed))}"
    lines_after = []
    found = detect_folders(platform, env, home, synced_libraries() if mounts is None else mounts)
    for key, folder in found.items():
        try:
            settings_bytes({key: folder}, encoding)
        except UnencodableSetting as refused:
            lines_after.append(refused.message)
            continue
        settings[key] = folder
    data = settings_bytes(settings, encoding, "\r\n" if platform.startswith("win") else "\n")
    target = startup_folder(platform, env, home) / ADDIN_NAME
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(signed or packaged_addin(), target)
        conf.parent.mkdir(parents=True, exist_ok=True)
        temp = conf.with_name(conf.name + ".tmp")
        temp.write_bytes(data)
        os.replace(temp, conf)
    except PermissionError:
        raise CommandError(f"Impossible d'écrire « {target} » : fermez Excel puis relancez « ccc-xl addin install ».") from None
    lines = [
        f"Complément installé : {target}" + (" (copie signée)" if signed is not None else ""),
        f"Python utilisé par les boutons : {python} (réglage enregistré dans {conf})",
        *[f"Dossier synchronisé pour les classeurs ouverts depuis OneDrive ou SharePoint : {folder} ({key})"
          for key, folder in found.items() if settings.get(key) == folder],
        *lines_after,
        "Redémarrez Excel : l'onglet « 100 Chances » apparaît dans le ruban.",
    ]
    if platform == "darwin":
        lines.append("Sur Mac, lancez aussi une fois « xlwings runpython install » (autorise Excel à démarrer Python).")
    return lines


def remove(platform: str = sys.platform, env=os.environ, home: Path | None = None) -> list[str]:
    target = startup_folder(platform, env, home) / ADDIN_NAME
    if not target.exists():
        return [f"Le complément n'est pas installé (aucun fichier {target})."]
    try:
        target.unlink()
    except PermissionError:
        raise CommandError(f"Impossible de supprimer « {target} » : fermez Excel puis recommencez.") from None
    return [f"Complément supprimé : {target}", "Redémarrez Excel pour faire disparaître l'onglet « 100 Chances »."]


def status(platform: str = sys.platform, env=os.environ, home: Path | None = None) -> list[str]:
    target = startup_folder(platform, env, home) / ADDIN_NAME
    if not target.exists():
        return [f"Le complément n'est pas installé. « ccc-xl addin install » le copiera dans {target.parent}."]
    state = _up_to_date(target, platform, env, home) or "ANCIEN : relancez « ccc-xl addin install »"
    return [f"Complément installé : {target} ({state})."]


def _up_to_date(target: Path, platform: str, env, home: Path | None) -> str | None:
    """How the installed add-in is current (this version's, or its signed copy), None when it is not."""
    from .. import __version__

    digest = _digest(target)
    if digest == _digest(packaged_addin()):
        return "à jour"
    recorded = read_settings(settings_file(platform, env, home), settings_encoding(platform)).get(SIGNED_KEY)
    return "à jour, copie signée" if recorded == f"{__version__}|{digest}" else None


@dataclass
class Check:
    ok: bool
    label: str
    fix: str = ""


def diagnostic(platform: str = sys.platform, env=os.environ, home: Path | None = None, python: str = sys.executable) -> list[Check]:
    """Everything a ribbon click needs, in the order it is needed, each with what to do if wrong."""
    checks = [Check(sys.version_info >= (3, 10), f"Python {sys.version.split()[0]} ({python})",
                    "Installez Python 3.10 ou plus récent depuis python.org.")]
    try:
        import xlwings
        checks.append(Check(True, f"xlwings {xlwings.__version__} installé"))
    except ImportError:
        checks.append(Check(False, "xlwings absent", "pip install ccc-xl (installe xlwings)."))
    try:
        target = startup_folder(platform, env, home) / ADDIN_NAME
    except CommandError as no_excel:
        return [*checks, Check(False, no_excel.message)]
    if not target.exists():
        checks.append(Check(False, f"Complément absent de {target.parent}", "ccc-xl addin install"))
    elif not (state := _up_to_date(target, platform, env, home)):
        checks.append(Check(False, f"Complément {target} plus ancien que ce ccc-xl", "ccc-xl addin install"))
    else:
        checks.append(Check(True, f"Complément installé ({state}) : {target}"))
    conf = settings_file(platform, env, home)
    interpreter = read_settings(conf, settings_encoding(platform)).get(interpreter_key(platform))
    if not interpreter:
        checks.append(Check(False, f"Aucun Python réglé pour les boutons ({conf})", "ccc-xl addin install"))
    elif not Path(interpreter).exists():
        checks.append(Check(False, f"Le Python réglé pour les boutons n'existe plus : {interpreter}", "ccc-xl addin install"))
    else:
        probe = subprocess.run([interpreter, "-c", "import ccc_xl.excel, xlwings"], capture_output=True, text=True, check=False)
        checks.append(Check(probe.returncode == 0, f"Le Python des boutons ({interpreter}) trouve ccc-xl et xlwings",
                            f"Installez ccc-xl dans ce Python ({interpreter} -m pip install ccc-xl) ou relancez « ccc-xl addin install » depuis le bon Python."))
    return checks


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()
