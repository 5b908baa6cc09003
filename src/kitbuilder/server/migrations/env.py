"""Alembic's entry point: run the migrations on the connection that `db.migrate` passes in."""

from alembic import context

connection = context.config.attributes["connection"]
# Batch mode lets later revisions alter columns on SQLite, which has no ALTER COLUMN.
context.configure(connection=connection, render_as_batch=True)
with context.begin_transaction():
    context.run_migrations()
