# One image for both services (and the migration step); the command picks which one runs
# (docker-compose.yml, deploy/kubernetes). docs/operations.md, "The image".
FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_DISABLE_PIP_VERSION_CHECK=1
WORKDIR /app

# Dependencies first, from the lock (scripts/lock.sh): every package pinned with its hashes,
# so two builds of one commit install the same files; this layer changes only with the lock.
COPY requirements.lock ./
RUN pip install --no-cache-dir --require-hashes -r requirements.lock

# Then the two distributions of this repository, without dependencies (the lock has them):
# the client SDK (the generated stubs and the shared pure library), then the services.
# `pip check` fails the build if the lock is missing anything either of them requires.
COPY clients/python ./clients/python
COPY pyproject.toml README.md ./
COPY agentconfig ./agentconfig
COPY config_service ./config_service
COPY runtime_service ./runtime_service
COPY embedded ./embedded
COPY agentctl ./agentctl
COPY console ./console
RUN pip install --no-cache-dir --no-deps ./clients/python . && pip check

# A non-root user (numeric, so Kubernetes' runAsNonRoot can verify it) owning the one
# writable place: /data, the runtime's last-known-good snapshots and key digests.
RUN groupadd --gid 10001 agentconfig \
    && useradd --create-home --uid 10001 --gid 10001 agentconfig \
    && mkdir -p /data/runtime && chown -R 10001:10001 /data
VOLUME /data

# Inside a container: listen on every interface (the settings default to 127.0.0.1), keep
# the runtime's disk copies on the volume, run one runtime worker per usable core
# (docs/operations.md, "Several workers"; the config service ignores it). The config
# service's database defaults to a SQLite file on the volume, for a trial only: set
# AGENTCONFIG_DATABASE_URL to Postgres for anything else.
ENV AGENTCONFIG_LISTEN=0.0.0.0:50051 \
    AGENTCONFIG_RUNTIME_LISTEN=0.0.0.0:50052 \
    AGENTCONFIG_RUNTIME_DATA_DIR=/data/runtime \
    AGENTCONFIG_RUNTIME_WORKERS=0 \
    AGENTCONFIG_DATABASE_URL=sqlite+aiosqlite:////data/agentconfig.db
USER 10001:10001
EXPOSE 50051 50052

# The standard gRPC health protocol, on whichever of the two services this container runs
# (the port of its listen setting). With TLS on, override it with the --tls-* options of
# agentconfig.healthcheck, as the compose file and the Kubernetes overlays do.
HEALTHCHECK --interval=10s --timeout=5s --start-period=30s --retries=3 \
    CMD python -m agentconfig.healthcheck "127.0.0.1:${AGENTCONFIG_LISTEN##*:}" \
        || python -m agentconfig.healthcheck "127.0.0.1:${AGENTCONFIG_RUNTIME_LISTEN##*:}"
CMD ["config-service", "serve"]
