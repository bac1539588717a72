#!/usr/bin/env bash
# Prepare a virtual environment in .venv with ccc-xl and its test tools (idempotent: skipped when
# .venv already holds the project as pyproject.toml describes it).
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON=${PYTHON:-python3}
as_root() { if [ "$(id -u)" = 0 ]; then "$@"; elif command -v sudo >/dev/null; then sudo "$@"; else return 1; fi; }
if [ ! -x .venv/bin/python ]; then
  if ! "$PYTHON" -m venv .venv 2>/dev/null; then
    echo "Installation du module venv de Python (python3-venv)…"
    as_root apt-get update -qq && as_root apt-get install -y -qq python3-venv
    rm -rf .venv && "$PYTHON" -m venv .venv
  fi
fi
# ccc-xl is installed in place (editable): its modules are compiled here, once, because an
# environment setting PYTHONDONTWRITEBYTECODE would otherwise make every run of the command compile
# them again. A .pyc records its source's modification time and size: Python ignores a stale one.
compile_sources() { .venv/bin/python -m compileall -q ccc_xl >/dev/null || true; }
stamp=.venv/.ccc-xl-installed
wanted=$(sha256sum pyproject.toml | cut -d' ' -f1)
if [ -x .venv/bin/ccc-xl ] && [ "$(cat "$stamp" 2>/dev/null)" = "$wanted" ]; then
  compile_sources
  exit 0
fi
echo "Installation de ccc-xl et de ses bibliothèques dans .venv (quelques minutes la première fois)…"
log=.venv/installation.log
if ! { .venv/bin/python -m pip install --quiet --upgrade pip && .venv/bin/python -m pip install --quiet -e ".[test]"; } >"$log" 2>&1; then
  cat "$log"
  echo "L'installation a échoué (détails ci-dessus, et dans $log)." >&2
  exit 1
fi
echo "$wanted" > "$stamp"
compile_sources
