"""Workbooks on OneDrive or SharePoint: their ``https://`` full name mapped to the synced folder.

With AutoSave on, Excel gives such a workbook's full name as a web address, and the Documents
and « Ouvrir le dossier » buttons need the folder on disk. xlwings maps the address with its
documented settings (ONEDRIVE_CONSUMER_WIN, ONEDRIVE_COMMERCIAL_WIN, SHAREPOINT_WIN; _MAC on macOS),
its environment variables and the OneDrive client's registry keys (`fullname_url_to_local_path`);
ccc-xl gives it the settings `ccc-xl addin install` found and wrote in ``ccc_xl.conf``, and says in
French which setting to fill when no mapping works.
"""

from __future__ import annotations

import sys
from pathlib import Path

from ..report import CommandError

KINDS = ("ONEDRIVE_CONSUMER", "ONEDRIVE_COMMERCIAL", "SHAREPOINT")


def setting_names(platform: str = sys.platform) -> dict[str, str]:
    suffix = "MAC" if platform == "darwin" else "WIN"
    return {kind: f"{kind}_{suffix}" for kind in KINDS}


def full_name(xlbook) -> str:
    """The workbook's full name as Excel gives it (a path, a bare name if never saved, or a web
    address), without xlwings' own mapping, which raises when its own settings are missing."""
    api = xlbook.api
    if isinstance(api, dict):  # xlwings' remote engine: the name the client sent
        return xlbook.fullname
    if sys.platform == "darwin":
        return api.full_name.get()
    return api.FullName


def user_settings() -> dict[str, str]:
    """The add-in's settings on this machine ({} where Excel does not exist)."""
    from .addin import read_settings, settings_file

    try:
        return read_settings(settings_file())
    except CommandError:
        return {}


def kind_of(url: str) -> str:
    """Which of xlwings' settings maps ``url`` (its own URL patterns)."""
    if url.startswith("https://d.docs.live.net/"):
        return "ONEDRIVE_CONSUMER"
    host = url.split("/")[2] if url.count("/") >= 2 else ""
    return "ONEDRIVE_COMMERCIAL" if "-my.sharepoint." in host else "SHAREPOINT"


def local_path(name: str, settings: dict[str, str] | None = None, platform: str = sys.platform) -> Path | None:
    """The workbook's file on disk: ``name`` itself when it is a path, the synced copy when it is a
    OneDrive/SharePoint address (CommandError naming the setting when none is found), None when the
    workbook was never saved."""
    if "://" not in name:
        path = Path(name)
        return path if path.is_absolute() else None
    from xlwings.utils import fullname_url_to_local_path

    settings = user_settings() if settings is None else settings
    names = setting_names(platform)
    try:
        found = fullname_url_to_local_path.__wrapped__(  # uncached: a file synced since is found
            name,
            sheet_onedrive_consumer_config=settings.get(names["ONEDRIVE_CONSUMER"]),
            sheet_onedrive_commercial_config=settings.get(names["ONEDRIVE_COMMERCIAL"]),
            sheet_sharepoint_config=settings.get(names["SHAREPOINT"]),
        )
    except Exception:  # noqa: BLE001 - xlwings raises XlwingsError, or NameError for SharePoint without any folder
        found = None
    if found and Path(found).is_file():
        return Path(found)
    setting = names[kind_of(name)]
    where, example = (("OneDrive", "OneDrive") if setting.startswith("ONEDRIVE")
                      else ("SharePoint", "Nom de l'organisation"))
    raise CommandError(
        f"Ce classeur est ouvert depuis {where} (adresse « {name} ») et ccc-xl ne trouve pas sa copie synchronisée sur "
        "ce poste. Relancez « ccc-xl addin install », qui cherche les dossiers OneDrive et SharePoint synchronisés ; "
        f"sinon indiquez le dossier synchronisé dans le réglage {setting} du fichier ccc_xl.conf (une ligne "
        f'"{setting}","C:\\Users\\…\\{example}"), ou ouvrez le classeur depuis son dossier synchronisé dans '
        "l'Explorateur.")


def synced_libraries() -> dict[str, str]:
    """SharePoint address -> local folder of every library the OneDrive client syncs (Windows
    registry, read by xlwings; {} elsewhere)."""
    from xlwings.utils import get_url_to_mount

    try:
        return get_url_to_mount()
    except OSError:
        return {}


def detect_folders(platform: str, env, home: Path | None, mounts: dict[str, str]) -> dict[str, str]:
    """The settings `install` writes: the OneDrive folders (environment variables the OneDrive
    client sets on Windows, CloudStorage folders on macOS) and the folder holding the synced
    SharePoint libraries (xlwings looks for ``<SHAREPOINT folder>/<site> - Documents/…``)."""
    names = setting_names(platform)
    found: dict[str, str] = {}
    if platform == "darwin":
        cloud = (home or Path.home()) / "Library" / "CloudStorage"
        personal = cloud / "OneDrive-Personal"
        business = sorted(p for p in cloud.glob("OneDrive-*") if p.is_dir() and p != personal) if cloud.is_dir() else []
        candidates = {"ONEDRIVE_CONSUMER": personal, "ONEDRIVE_COMMERCIAL": business[0] if len(business) == 1 else None}
    else:
        candidates = {"ONEDRIVE_CONSUMER": env.get("OneDriveConsumer"), "ONEDRIVE_COMMERCIAL": env.get("OneDriveCommercial")}
    for kind, folder in candidates.items():
        if folder and Path(folder).is_dir():
            found[names[kind]] = str(folder)
    libraries = {str(Path(folder).parent) for url, folder in mounts.items()
                 if "/sites/" in url and Path(folder).name.endswith(" - Documents")}
    if len(libraries) == 1:
        found[names["SHAREPOINT"]] = libraries.pop()
    return found
