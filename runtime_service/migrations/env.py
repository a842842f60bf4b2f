"""Alembic environment of the runtime's own tables (conversations, executions), with its
own version table so it can share a database with the config service."""

from alembic import context

from runtime_service.adapters.recorder import metadata

connection = context.config.attributes.get("connection")
if connection is None:
    raise RuntimeError("run through runtime_service.adapters.database.migrate")
context.configure(connection=connection, target_metadata=metadata,
                  version_table="runtime_alembic_version",
                  render_as_batch=connection.dialect.name == "sqlite")
with context.begin_transaction():
    context.run_migrations()
