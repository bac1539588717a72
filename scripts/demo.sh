#!/usr/bin/env bash
# Quick start 1: install ccc-xl in .venv and build the demo workbook in ./demo-100-chances
# (or in the folder given as first argument, relative to the project), then say how to go on.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
folder=${1:-demo-100-chances}
bash scripts/setup.sh
.venv/bin/ccc-xl demo --dossier "$folder"
workbook=$(cd "$folder" && pwd)/100-chances-demo.xlsx
cat <<NEXT

ccc-xl est installé dans $root/.venv. Pour taper simplement « ccc-xl » dans ce terminal :
  source "$root/.venv/bin/activate"
Pour continuer, par exemple recalculer l'éligibilité dans le classeur de démonstration :
  "$root/.venv/bin/ccc-xl" eligibilite "$workbook"
NEXT
