"""Alembic environment: runs on the connection handed in by
``config_service.adapters.sql.engine.migrate`` (async engine, run_sync)."""

from alembic import context

from config_service.adapters.sql.tables import metadata

connection = context.config.attributes.get("connection")
if connection is None:
    raise RuntimeError("run migrations through `config-service migrate` "
                       "(config_service.adapters.sql.engine.migrate)")
context.configure(connection=connection, target_metadata=metadata,
                  render_as_batch=connection.dialect.name == "sqlite")
with context.begin_transaction():
    context.run_migrations()
