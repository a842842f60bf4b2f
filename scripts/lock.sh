#!/usr/bin/env bash
# Regenerates requirements.lock, the pinned and hashed runtime dependencies of both
# distributions (this one and the client SDK in clients/python) that the Dockerfile installs
# with --require-hashes. Run it after changing a runtime dependency in either pyproject.toml;
# tests/unit/test_image_files.py fails until the lock is in step.
#
# pip-tools (pip-compile) resolves against PyPI only, ignoring this machine's pip
# configuration (local mirrors, find-links, constraints), so the lock is the same anywhere.
# The client SDK is not on PyPI: it is built into a wheel here so that the resolver can read
# its requirements, and left out of the lock (the image installs it from the source tree).
set -euo pipefail
cd "$(dirname "$0")/.."

.venv/bin/python -m pip show -q pip-tools >/dev/null 2>&1 \
  || .venv/bin/python -m pip install -q "pip-tools>=7.4,<8"

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
export PIP_CONFIG_FILE=/dev/null CUSTOM_COMPILE_COMMAND="scripts/lock.sh"
unset PIP_FIND_LINKS PIP_INDEX_URL PIP_EXTRA_INDEX_URL PIP_CONSTRAINT

.venv/bin/python -m pip wheel -q --no-deps -w "$tmp/wheels" ./clients/python
.venv/bin/pip-compile -q --generate-hashes --strip-extras --no-emit-index-url \
  --find-links "$tmp/wheels" --no-emit-find-links --unsafe-package agentconfig-client \
  --output-file requirements.lock \
  pyproject.toml clients/python/pyproject.toml
echo "requirements.lock: $(grep -c '^[a-z0-9]' requirements.lock) pinned packages" >&2
