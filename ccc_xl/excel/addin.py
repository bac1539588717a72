"""Install, remove and check the ribbon add-in (`ccc-xl addin …`, `ccc-xl diagnostic`).

Like `xlwings addin install`, the add-in is copied into Excel's user XLSTART folder, which Excel
opens at start-up and trusts by default (no macro warning). The add-in embeds xlwings' RunPython
with its own settings name "ccc_xl": the interpreter it starts is read from
``%USERPROFILE%\\.ccc_xl\\ccc_xl.conf`` (macOS: Excel's sandbox folder), which `install` writes with
the Python running ccc-xl, so there is nothing to set by hand in Excel.
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


def read_settings(path: Path) -> dict[str, str]:
    """xlwings' settings format: one ``"KEY","value"`` per line."""
    settings = {}
    if path.exists():
        for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
            key, sep, value = line.partition(",")
            if sep:
                settings[key.strip().strip('"').upper()] = value.strip().strip('"')
    return settings


def install(platform: str = sys.platform, env=os.environ, home: Path | None = None, python: str = sys.executable) -> list[str]:
    """Copy the add-in into XLSTART and point its settings at this Python; French report lines."""
    target = startup_folder(platform, env, home) / ADDIN_NAME
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(packaged_addin(), target)
    except PermissionError:
        raise CommandError(f"Impossible d'écrire « {target} » : fermez Excel puis relancez « ccc-xl addin install ».") from None
    conf = settings_file(platform, env, home)
    conf.parent.mkdir(parents=True, exist_ok=True)
    settings = read_settings(conf)
    settings[interpreter_key(platform)] = python
    conf.write_text("".join(f'"{k}","{v}"\n' for k, v in settings.items()), encoding="utf-8")
    lines = [
        f"Complément installé : {target}",
        f"Python utilisé par les boutons : {python} (réglage enregistré dans {conf})",
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
    state = "à jour" if _digest(target) == _digest(packaged_addin()) else "ANCIEN : relancez « ccc-xl addin install »"
    return [f"Complément installé : {target} ({state})."]


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
    elif _digest(target) != _digest(packaged_addin()):
        checks.append(Check(False, f"Complément {target} plus ancien que ce ccc-xl", "ccc-xl addin install"))
    else:
        checks.append(Check(True, f"Complément installé et à jour : {target}"))
    conf = settings_file(platform, env, home)
    interpreter = read_settings(conf).get(interpreter_key(platform))
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
