#!/usr/bin/env bash
# The run command: installs what is missing, then runs the system in its embedded default
# (SQLite file under .data/, in-process notification bus). Ctrl-C stops it cleanly.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/_bootstrap.sh
ensure_venv
mkdir -p .data
exec .venv/bin/config-service serve "$@"
