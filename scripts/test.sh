#!/usr/bin/env bash
# Quick start 2: install ccc-xl in .venv, LibreOffice headless if missing, then run the whole test suite
# in parallel (pytest-xdist: one worker per core; tests sharing a costly fixture marked `xdist_group` run
# on one worker, the largest groups first; extra arguments go to pytest).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
as_root() { if [ "$(id -u)" = 0 ]; then "$@"; elif command -v sudo >/dev/null; then sudo -n "$@"; else return 1; fi; }
if ! command -v soffice >/dev/null || ! command -v pdftotext >/dev/null || ! fc-list 2>/dev/null | grep -qi carlito; then
  echo "Installation de LibreOffice headless et poppler-utils (apt-get)…"
  as_root apt-get update -qq || echo "apt-get update a échoué"
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
    libreoffice-calc-nogui libreoffice-writer-nogui poppler-utils fonts-crosextra-carlito \
    || echo "LibreOffice n'a pas pu être installé : les tests qui en ont besoin seront ignorés (hors CI)."
fi
if ! /usr/bin/python3 -c "import uno" 2>/dev/null; then
  echo "Installation du pont Python de LibreOffice (python3-uno, apt-get)…"
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends python3-uno \
    || { as_root apt-get update -qq && as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends python3-uno; } \
    || echo "python3-uno n'a pas pu être installé : le test LibreOffice du classeur chiffré sera ignoré (hors CI)."
fi
.venv/bin/python -m pytest -n auto --dist loadgroup "$@"
