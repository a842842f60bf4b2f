"""SQLAlchemy 2.x (async) storage: Postgres in production, a SQLite file in the embedded mode.
The schema comes from the Alembic migrations in ``config_service/migrations``."""
