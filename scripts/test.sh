#!/usr/bin/env bash
# The test command. Installs what is missing (Python deps, redis-server, buf, chromium,
# firefox-esr with puppeteer-core), then
# runs the linters, the type checker, the proto checks and the whole suite; the suite starts
# its own Postgres and Redis on free ports and stops them (the browser tests their own
# Chromium, one per session). Extra arguments go to pytest.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/_bootstrap.sh
ensure_venv
ensure_redis
ensure_postgres
ensure_buf
ensure_chromium
ensure_firefox

echo "==> ruff" >&2
.venv/bin/ruff check .
echo "==> mypy" >&2
.venv/bin/mypy
echo "==> protos: generated stubs fresh, buf lint, buf breaking" >&2
scripts/gen_protos.sh --check
.tools/node_modules/.bin/buf lint
# against the released API (buf-baseline.json: a change spread over several commits is still
# caught), and against the previous commit (fields added since the release)
.tools/node_modules/.bin/buf breaking --against buf-baseline.json
if git rev-parse -q --verify HEAD~1 >/dev/null 2>&1 && git show HEAD~1:buf.yaml >/dev/null 2>&1; then
  .tools/node_modules/.bin/buf breaking --against ".git#ref=HEAD~1"
fi
echo "==> docker-compose.yml validates" >&2
compose_config
echo "==> pytest" >&2
.venv/bin/python -m pytest -q "$@"
