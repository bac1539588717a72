"""LibreOffice headless: find it and convert a batch of files in one call.

Advisers may want PDFs (to e-mail a convocation, to print the attendance sheets) and tests open
generated files with an independent office suite. LibreOffice does both; this module is the one
place that knows how to call it safely: its own profile directory (so a LibreOffice already open,
or another run, does not block or share state), one process for the whole batch, and a check that
every output exists (soffice may exit 0 without writing anything).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
import threading
from pathlib import Path
from typing import Sequence

from ccc_xl.progress import report
from ccc_xl.report import CommandError
from ccc_xl.wording import count

MISSING = ("LibreOffice est introuvable sur cet ordinateur : installez-le (https://fr.libreoffice.org) "
           "pour obtenir les PDF, ou relancez sans l'option PDF.")

_CANDIDATES = (
    Path(os.environ.get("ProgramFiles", r"C:\Program Files")) / "LibreOffice/program/soffice.exe",
    Path(os.environ.get("ProgramFiles(x86)", r"C:\Program Files (x86)")) / "LibreOffice/program/soffice.exe",
    Path("/Applications/LibreOffice.app/Contents/MacOS/soffice"),
)


def find_soffice() -> str | None:
    """The LibreOffice executable on PATH or in its usual install folder, else None."""
    for name in ("soffice", "libreoffice"):
        found = shutil.which(name)
        if found:
            return found
    return next((str(p) for p in _CANDIDATES if p.is_file()), None)


def require_soffice() -> str:
    soffice = find_soffice()
    if soffice is None:
        raise CommandError(MISSING)
    return soffice


# LibreOffice runs a graphics self-test (about a second of CPU) at each start whose profile does not
# record a version at least its own as the last one it ran; only its window ever records it, so a
# headless start on a fresh profile ran the test every time. The profile is written with a last
# version above any LibreOffice's (it only checks « current > last »).
_PROFILE_SETTINGS = """<?xml version="1.0" encoding="UTF-8"?>
<oor:items xmlns:oor="http://openoffice.org/2001/registry" xmlns:xs="http://www.w3.org/2001/XMLSchema" \
xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
<item oor:path="/org.openoffice.Setup/Product"><prop oor:name="ooSetupLastVersion" oor:op="fuse">\
<value>999.9</value></prop></item>
</oor:items>
"""


def user_installation(profile: Path) -> str:
    """The ``-env:UserInstallation=`` argument for a LibreOffice profile in the folder ``profile``
    (one per concurrent LibreOffice), the folder made and its settings written if it is new."""
    settings = profile / "user" / "registrymodifications.xcu"
    if not settings.exists():
        settings.parent.mkdir(parents=True, exist_ok=True)
        settings.write_text(_PROFILE_SETTINGS, encoding="utf-8")
    return f"-env:UserInstallation={profile.resolve().as_uri()}"


def convert(sources: Sequence[Path], work_dir: Path, fmt: str = "pdf", locale: str | None = None) -> list[Path]:
    """Convert ``sources`` with a single soffice call; return the outputs, in the same order.
    ``locale`` (« fr_FR.UTF-8 »): LibreOffice's LANG and LC_ALL for this call only.

    The sources are copied under short numbered names into ``work_dir`` first: different folders
    may hold files with the same name, and a thousand long paths would overflow Windows' command
    line limit. Outputs land in ``work_dir/out``; the caller moves them where they belong.
    """
    soffice = require_soffice()
    inputs, outputs = work_dir / "in", work_dir / "out"
    inputs.mkdir(parents=True)
    outputs.mkdir()
    names = []
    for number, source in enumerate(sources, 1):
        name = f"{number:05d}{source.suffix}"
        shutil.copyfile(source, inputs / name)
        names.append(name)
    with tempfile.TemporaryDirectory(prefix="ccc-xl-lo-") as profile:
        command = [soffice, user_installation(Path(profile)), "--headless",
                   "--norestore", "--convert-to", fmt, "--outdir", str(outputs), *names]
        env = {**os.environ, "LANG": locale, "LC_ALL": locale} if locale else None
        output = _run_counting(command, inputs, len(names), f"Conversion en {fmt.upper()}", env)
    produced = [outputs / f"{Path(n).stem}.{fmt}" for n in names]
    failed = [src.name for src, out in zip(sources, produced) if not out.is_file()]
    if failed:
        detail = output.strip().splitlines()[-1:] or [""]
        raise CommandError(f"LibreOffice n'a pas converti {count(len(failed), 'fichier')} en {fmt.upper()} "
                           f"(dont « {failed[0]} »). {detail[0]}".strip())
    return produced


def _run_counting(command: list[str], cwd: Path, total: int, label: str, env: dict | None = None) -> str:
    """Run soffice, reporting progress from the « convert … -> … » line it prints per file;
    return everything it printed."""
    timer = None
    with subprocess.Popen(command, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                          errors="replace", env=env) as process:
        timer = threading.Timer(120 + 10 * total, process.kill)
        timer.start()
        lines, done = [], 0
        report(label, 0, total)
        for line in process.stdout:
            lines.append(line)
            if line.startswith("convert "):
                done += 1
                report(label, done, total)
        process.wait()
    timer.cancel()
    if process.returncode and process.returncode < 0:
        raise CommandError("LibreOffice n'a pas terminé la conversion en PDF à temps.")
    return "".join(lines)
