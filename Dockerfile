# One image for both services (and the migration step); the compose file picks the command.
FROM python:3.11-slim
WORKDIR /app
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1
# a runtime started from this image runs one worker process per usable core on its port
# (docs/operations.md, "Several workers"); the config service ignores it
ENV AGENTCONFIG_RUNTIME_WORKERS=0
COPY pyproject.toml README.md ./
COPY agentconfig ./agentconfig
COPY config_service ./config_service
COPY runtime_service ./runtime_service
COPY embedded ./embedded
COPY agentctl ./agentctl
RUN pip install --no-cache-dir . && useradd --create-home --uid 10001 agentconfig
USER agentconfig
EXPOSE 50051 50052
CMD ["config-service", "serve"]
