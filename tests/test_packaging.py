"""What `pip install` ships: every sub-package, the add-in and the Word templates."""

import subprocess
import sys
import tomllib
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_every_subpackage_is_declared():
    declared = set(tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["packages"])
    found = {".".join(p.parent.relative_to(ROOT).parts) for p in (ROOT / "ccc_xl").rglob("__init__.py")}
    assert found <= declared, f"à ajouter dans pyproject.toml : {sorted(found - declared)}"


def test_the_wheel_carries_the_addin_the_templates_and_the_guide(tmp_path):
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(tmp_path), str(ROOT)],
                   check=True, capture_output=True)
    (wheel,) = tmp_path.glob("*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    assert "ccc_xl/data/ccc-xl.xlam" in names
    templates = {p.name for p in (ROOT / "templates").glob("*.docx")}
    assert templates and {f"ccc_xl/templates/{t}" for t in templates} <= names
    assert "ccc_xl/docs/guide-conseiller.md" in names  # `ccc-xl aide` on an adviser's PC


def test_only_the_entry_points_and_the_live_backend_import_the_excel_side():
    """The Excel side (buttons, « Run main », add-in) calls the command functions, never the other way
    round: no import cycle between `commands` and `excel`."""
    import ast

    allowed = {"ccc_xl/cli.py", "ccc_xl/workbook/live.py"}
    offenders = []
    for path in sorted((ROOT / "ccc_xl").rglob("*.py")):
        relative = path.relative_to(ROOT).as_posix()
        if relative.startswith("ccc_xl/excel/") or relative in allowed:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            own = isinstance(node, ast.ImportFrom) and (node.level > 0 or (node.module or "").startswith("ccc_xl"))
            if own:  # ccc-xl's modules (not, say, openpyxl.writer.excel)
                names = [node.module or ""] + [f"{node.module or ''}.{a.name}" for a in node.names]
                if any("excel" in n.split(".") for n in names):
                    offenders.append(f"{relative}:{node.lineno}")
            elif isinstance(node, ast.Import) and any(a.name.startswith("ccc_xl") and "excel" in a.name.split(".")
                                                      for a in node.names):
                offenders.append(f"{relative}:{node.lineno}")
    assert not offenders, offenders
