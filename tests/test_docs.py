"""The docs tell the truth: command outputs are current, and no file points outside the repository."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_every_command_output_shown_in_the_docs_is_what_the_command_prints_today(demo_built):
    """The demo's screen comes from the suite's shared demo, built by the same script's run of
    `ccc-xl demo` (scripts/docs.py --build-demo); every other command runs here on a copy of it."""
    checked = subprocess.run([sys.executable, str(ROOT / "scripts" / "docs.py"), "--check", "--demo", str(demo_built)],
                             capture_output=True, text=True, cwd=ROOT)
    assert checked.returncode == 0, checked.stdout + checked.stderr


def _tracked_text_files():
    names = subprocess.run(["git", "ls-files"], capture_output=True, text=True, cwd=ROOT, check=True).stdout.split()
    for name in names:
        path = ROOT / name
        if path.suffix in {".py", ".md", ".sh", ".toml", ".txt", ".bas", ".xml", ".cfg", ".yml", ".yaml", ""} and path.is_file():
            yield name, path.read_text(encoding="utf-8", errors="replace")


def test_no_file_of_the_repository_points_outside_it():
    outside = re.compile(r"\.\./shared|/work/|shared/DESIGN\.md")
    found = [name for name, text in _tracked_text_files() if outside.search(text) and name != "tests/test_docs.py"]
    assert not found, found


def test_no_comment_or_doc_cites_an_issue_number():
    cited = re.compile(r"\bissues? \d+\b", re.I)  # ours, not upstream ones (« olefile issues #99 »)
    found = [f"{name}: {m.group(0)}" for name, text in _tracked_text_files() if name != "tests/test_docs.py"
             for m in cited.finditer(text)]
    assert not found, found
