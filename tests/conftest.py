"""Shared fixtures: fresh workbooks, the demo workbook, and LibreOffice as an independent reader.

The suite runs in parallel (pytest-xdist, `scripts/test.sh` passes ``-n auto``). What is costly and
read-only — the demo workbook, the hostile corpus — is built once per run, in a folder shared by the
run's workers (`built_once`, tests/shared_builds.py): by background processes a whole-suite run starts
first, or else by whichever worker asks first. Every test still works on its own copy in its own
temporary folder.
"""

from __future__ import annotations

import csv
import datetime as dt
import functools
import os
import shutil
import subprocess
import sys
import tempfile
import traceback
import uuid
from collections import defaultdict
from pathlib import Path

import pytest

# xlwings registers its remote engine (the stand-in for Excel in the live-backend tests) at import
# time, only when a licence key is set: set it before any test module imports xlwings.
os.environ.setdefault("XLWINGS_LICENSE_KEY", "noncommercial")

from ccc_xl import contract as c
from ccc_xl import office
from ccc_xl.workbook.build import create_workbook
from ccc_xl.workbook.file import FileBackend

import shared_builds

ROOT = Path(__file__).resolve().parent.parent
DEMO_TODAY = dt.date(2026, 11, 26)  # scripts/docs.py's TODAY, the demo's date


@functools.cache
def _blank_bytes() -> bytes:
    """A new workbook as `create_workbook` writes it, built once per test process (0.25 s each time)."""
    with tempfile.TemporaryDirectory() as folder:
        return create_workbook(Path(folder) / "classeur.xlsx").read_bytes()


def new_workbook(path: Path) -> Path:
    """A new blank ccc-xl workbook at ``path``: a copy of the one `create_workbook` wrote in this test
    process (the tests of `create_workbook` itself call it)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(_blank_bytes())
    return path


@pytest.fixture
def blank(tmp_path) -> Path:
    return new_workbook(tmp_path / "classeur.xlsx")


_FILLED: dict[str, bytes] = {}


def workbook_with(path: Path, rows: dict) -> Path:
    """A fresh ccc-xl workbook at ``path`` whose tables hold ``rows`` ({table: [dict by key]}).

    Filling and saving gives the same bytes for the same rows: a test process keeps them (64 at
    most), keyed by the rows' repr unless a value's repr is an object's address, and copies them
    for the next test asking for the same rows."""
    key = repr([(table.name, table_rows) for table, table_rows in rows.items()])
    if key in _FILLED:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(_FILLED[key])
        return path
    new_workbook(path)
    backend = FileBackend(path)
    for table, table_rows in rows.items():
        backend.fill_table(table, [[r.get(k) for k in table.keys] for r in table_rows])
    backend.save(backup=False)
    if " at 0x" not in key and len(_FILLED) < 64:
        _FILLED[key] = path.read_bytes()
    return path


_BACKGROUND_BUILDS = pytest.StashKey[list]()


def _shared_folder(config) -> Path:
    """The run's `built-once` folder: in the controller's base temporary folder, which is the parent
    of each xdist worker's own."""
    base = config._tmp_path_factory.getbasetemp()
    return (base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base) / "built-once"


def pytest_sessionstart(session):
    """A whole-suite parallel run starts building the demo and the corpus at once, in the background
    (tests/shared_builds.py), before its workers ask for them."""
    config = session.config
    if config.pluginmanager.hasplugin("dsession") and config.args_source == pytest.Config.ArgsSource.TESTPATHS \
            and not config.option.keyword and not config.option.markexpr:
        config.stash[_BACKGROUND_BUILDS] = shared_builds.start_in_background(_shared_folder(config))


def pytest_sessionfinish(session):
    """Background builds end with the run (they are finished long before, unless the run stopped early)."""
    shared_builds.stop(session.config.stash.get(_BACKGROUND_BUILDS, []))


@pytest.fixture(scope="session")
def built_once(pytestconfig):
    """``built_once(name, build)``: the folder ``build(folder)`` filled, built once per test run and
    shared by its workers (tests/shared_builds.py). Tests must copy what they change."""
    shared = _shared_folder(pytestconfig)
    shared.mkdir(exist_ok=True)
    return lambda name, build: shared_builds.build_once(shared, name, build)


@pytest.fixture(scope="session")
def demo_built(built_once) -> Path:
    """The demo built once per test run by the docs' own run of `ccc-xl demo` on DEMO_TODAY
    (scripts/docs.py --build-demo), in its folder, with the command's screen beside it."""
    return built_once("demo", shared_builds.build_demo)


@pytest.fixture(scope="session")
def demo_workbook(demo_built) -> Path:
    """The demo built once per test run; tests copy it before changing it."""
    return demo_built / "demo-100-chances" / "100-chances-demo.xlsx"


@pytest.fixture(scope="session")
def demo_script(tmp_path_factory) -> tuple[subprocess.CompletedProcess, Path]:
    """README's first command, `bash scripts/demo.sh FOLDER`, run once from another folder with its
    output piped: (the finished process, the folder it ran from). Its tests are in the
    xdist_group "demo-sh" so that one worker runs it."""
    root = tmp_path_factory.mktemp("demo-sh")
    elsewhere = root / "ailleurs"
    elsewhere.mkdir()
    built = subprocess.run(["bash", str(ROOT / "scripts" / "demo.sh"), str(root / "démo")],
                           cwd=elsewhere, capture_output=True, text=True, timeout=900)
    return built, elsewhere


@pytest.fixture(scope="session")
def sample_documents_made(tmp_path_factory):
    """Every document type generated once for the sample session (tests/document_samples.py): the
    folder and what `test_documents.make(folder)` returns. Read-only: tests use `sample_documents`
    or copy the folder. Its tests are in the xdist_group "documents-exemple" so that one worker
    generates them."""
    from test_documents import make

    folder = tmp_path_factory.mktemp("documents-exemple")
    return folder, make(folder)


@pytest.fixture
def sample_documents(sample_documents_made):
    """(files, texts by type, anomalies) of `sample_documents_made`, the lists copied for the test."""
    files, texts, anomalies = sample_documents_made[1]
    return list(files), defaultdict(list, {kind: list(docs) for kind, docs in texts.items()}), list(anomalies)


@pytest.fixture(scope="session")
def corpus(built_once) -> Path:
    """The hostile corpus (scripts/build_corpus.py), built once per test run, not in tests/corpus
    (which a developer may be reading while the suite runs)."""
    return built_once("corpus", shared_builds.build_corpus)


@pytest.fixture
def demo_copy(demo_workbook, tmp_path) -> Path:
    target = tmp_path / demo_workbook.name
    shutil.copy2(demo_workbook, target)
    return target


def run_cli(*args, input: str | None = None, env: dict | None = None) -> subprocess.CompletedProcess:
    """``ccc-xl ARGS`` run in this process by click's CliRunner, as a finished process: its exit
    status, its standard output and error (not a terminal, as when piped). An exception escaping
    the command is shown in the error output as Python would print it (« Traceback … »), with
    status 1. For what a command says and does; tests about the process itself (imports, signals,
    crashes, a real pipe's encoding, a terminal) start a real one."""
    from click.testing import CliRunner

    from ccc_xl.cli import main

    words = [str(a) for a in args]
    result = CliRunner(env=env).invoke(main, words, input=input, prog_name="ccc-xl")
    stderr, status = result.stderr, result.exit_code
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        stderr += "".join(traceback.format_exception(result.exception))
        status = 1
    return subprocess.CompletedProcess(["ccc-xl", *words], status, result.stdout, stderr)


def soffice_or_fail() -> str:
    """LibreOffice's binary; in CI its absence is a failure, on a developer machine a skip."""
    found = shutil.which("soffice") or shutil.which("libreoffice")
    if found:
        return found
    if os.environ.get("CI"):
        pytest.fail("LibreOffice (soffice) est requis en CI : .ci/run doit l'installer.")
    pytest.skip("LibreOffice absent de ce poste de développement")


def libreoffice_sheets(path: Path, outdir: Path, names=c.SHEET_ORDER) -> dict[str, list[list[str]]]:
    """Every sheet of a workbook as LibreOffice shows it (formatted text), read from its CSV export.

    ``names``: the sheets to look for (the ccc-xl workbook's by default)."""
    soffice = soffice_or_fail()
    profile = outdir / f"lo-profile-{uuid.uuid4().hex}"
    outdir.mkdir(parents=True, exist_ok=True)
    # CSV filter options: comma, double quote, UTF-8, from line 1, …, "as shown" = true, all sheets (-1).
    subprocess.run(
        [soffice, office.user_installation(profile), "--headless", "--convert-to",
         'csv:Text - txt - csv (StarCalc):44,34,76,1,,0,false,true,true,false,false,-1', str(path), "--outdir", str(outdir)],
        check=True, capture_output=True, timeout=180,
    )
    # The profile office.user_installation writes spares each start LibreOffice's graphics self-test.
    assert not (profile / "user" / "GraphicsRenderTests.log").exists(), "LibreOffice a lancé son autotest graphique"
    sheets = {}
    for sheet in names:
        exported = outdir / f"{path.stem}-{sheet}.csv"
        if exported.exists():
            with open(exported, encoding="utf-8") as handle:
                sheets[sheet] = list(csv.reader(handle))
    if not sheets:
        pytest.fail(f"LibreOffice n'a rien exporté de {path.name}")
    return sheets
