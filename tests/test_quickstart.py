"""The README's first command leaves a newcomer with a command that works when pasted."""

from __future__ import annotations

import shlex
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_demo_script_ends_with_a_command_that_works_when_pasted(tmp_path):
    elsewhere = tmp_path / "ailleurs"
    elsewhere.mkdir()
    built = subprocess.run(["bash", str(ROOT / "scripts" / "demo.sh"), str(tmp_path / "démo")],
                           cwd=elsewhere, capture_output=True, text=True, timeout=900)
    assert built.returncode == 0, built.stdout + built.stderr
    lines = [line.strip() for line in built.stdout.splitlines() if line.strip()]
    assert "activate" in lines[-3]
    pasted = subprocess.run(["bash", "-c", lines[-1]], cwd=elsewhere, capture_output=True, text=True, timeout=300)
    assert pasted.returncode == 0, pasted.stdout + pasted.stderr
    assert pasted.stdout.startswith("✔ Éligibilité")
    activated = subprocess.run(["bash", "-c", f"{lines[-3]} && ccc-xl --version"], cwd=elsewhere,
                               capture_output=True, text=True, timeout=60)
    assert activated.returncode == 0 and "ccc-xl" in activated.stdout, activated.stderr
    assert shlex.split(lines[-1])[1] == "eligibilite"
