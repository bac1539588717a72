"""The README's first command leaves a newcomer with a command that works when pasted (the `demo_script`
fixture runs it on a fresh folder, from another folder; tests/test_progress.py reads its progress lines)."""

from __future__ import annotations

import shlex
import subprocess

import pytest


@pytest.mark.xdist_group("demo-sh")
def test_demo_script_ends_with_a_command_that_works_when_pasted(demo_script):
    built, elsewhere = demo_script
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
