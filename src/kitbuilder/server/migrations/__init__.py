"""Alembic migrations of the requests database, run by `db.migrate` at start-up."""
