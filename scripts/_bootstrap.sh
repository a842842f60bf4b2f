# Sourced by scripts/test.sh and scripts/run.sh: install what a fresh machine lacks, so
# each of them is one command with nothing done by hand first.

ensure_venv() {
  local stamp=.venv/.installed-$(cat pyproject.toml clients/python/pyproject.toml | sha256sum | cut -c1-16)
  if [[ ! -x .venv/bin/python ]]; then
    python3 -m venv .venv
  fi
  if [[ ! -f "$stamp" ]]; then
    echo "==> installing Python dependencies into .venv" >&2
    .venv/bin/python -m pip install -q --upgrade pip >/dev/null 2>&1 || true
    .venv/bin/python -m pip install -q -e "./clients/python[local]" -e ".[dev]" 2>&1 | grep -v -E "^WARNING: Location|^\s*$" >&2 || true
    .venv/bin/python -c "import grpc, sqlalchemy, agentconfig" || { echo "dependency install failed" >&2; exit 1; }
    rm -f .venv/.installed-*
    touch "$stamp"
  fi
}

apt_install() {
  if [[ $(id -u) -ne 0 ]]; then
    echo "missing system package(s) $*: install them (apt-get install $*) and retry" >&2
    return 1
  fi
  echo "==> apt-get install $*" >&2
  apt-get update -qq >/dev/null 2>&1 || true
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null
}

ensure_redis() {
  command -v redis-server >/dev/null 2>&1 || apt_install redis-server
  # the Sentinel failover test; without the package it runs `redis-server --sentinel`
  command -v redis-sentinel >/dev/null 2>&1 || apt_install redis-sentinel || true
}

ensure_postgres() {
  compgen -G "/usr/lib/postgresql/*/bin/initdb" >/dev/null || command -v initdb >/dev/null \
    || apt_install postgresql
  command -v psql >/dev/null 2>&1 || apt_install postgresql-client
}

ensure_chromium() {
  # the console's browser tests (tests/browser/) drive Debian's Chromium through Playwright
  # (the browser build Playwright would download is not used); in CI a missing one fails them
  command -v chromium >/dev/null 2>&1 || [[ -x /usr/bin/chromium ]] || apt_install chromium
}

ensure_firefox() {
  # tests/browser/test_firefox.py drives Debian's firefox-esr over WebDriver BiDi with
  # Puppeteer (npm puppeteer-core, no browser download; 24.x is the last line for Node 20).
  # Its own prefix: `npm install --no-save` into .tools would remove buf, and ensure_buf it.
  [[ -x /usr/bin/firefox-esr ]] || apt_install firefox-esr
  command -v node >/dev/null 2>&1 || apt_install nodejs npm
  local pinned=24.43.1
  if ! grep -qs "\"version\": \"$pinned\"" .tools/puppeteer/node_modules/puppeteer-core/package.json; then
    echo "==> installing puppeteer-core $pinned (npm) into .tools/puppeteer" >&2
    mkdir -p .tools/puppeteer
    PUPPETEER_SKIP_DOWNLOAD=1 npm install --silent --no-save --no-audit --no-fund \
      --prefix .tools/puppeteer "puppeteer-core@$pinned" >/dev/null
  fi
}

ensure_buf() {
  if [[ ! -x .tools/node_modules/.bin/buf ]]; then
    echo "==> installing buf (npm @bufbuild/buf) into .tools" >&2
    mkdir -p .tools
    npm install --silent --no-save --no-audit --no-fund --prefix .tools @bufbuild/buf@1.75.0 >/dev/null
  fi
}

compose_config() {
  # `docker compose config` validates the compose file without a Docker engine; the Debian
  # docker-compose (v1) does the same where the compose plugin is missing. The file requires
  # the two keys from the environment: validate with placeholders.
  export AGENTCONFIG_OPERATOR_KEY="${AGENTCONFIG_OPERATOR_KEY:-validate-only}"
  export AGENTCONFIG_SERVICE_KEY="${AGENTCONFIG_SERVICE_KEY:-validate-only}"
  if docker compose version >/dev/null 2>&1; then
    docker compose -f docker-compose.yml config -q
  else
    command -v docker-compose >/dev/null 2>&1 || apt_install docker-compose
    docker-compose -f docker-compose.yml config -q
  fi
}
