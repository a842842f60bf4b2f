#!/usr/bin/env bash
# The run command: installs what is missing, then runs the whole system in its embedded
# default: the config service and the runtime service in one process, on a SQLite file
# under .data/ and an in-process notification bus, with a demo workspace seeded on first
# start, and the web console (its URL is printed; 127.0.0.1:8080 unless taken or
# --console-listen says otherwise). Ctrl-C stops it cleanly. Extra arguments go to
# agentconfig-dev (see --help).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/_bootstrap.sh
ensure_venv
exec .venv/bin/agentconfig-dev "$@"
