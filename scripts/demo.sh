#!/usr/bin/env bash
# Quick start 1: install ccc-xl in .venv and build the demo workbook in ./demo-100-chances.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
.venv/bin/ccc-xl demo --dossier demo-100-chances "$@"
