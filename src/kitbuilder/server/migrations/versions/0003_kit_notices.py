"""Consent to be told of new editions, and the editions each address was told of.

The e-mail address is now optional and asked for one purpose only, with its own box: the
time that box was ticked is kept beside the address (`consent_at`). Addresses stored before
were given under a consent that named that purpose: they keep it, dated from their request.
`kit_notices` remembers which request's address was sent which edition, so that
`kitbuilder requests notify` never sends one edition twice; it holds no address.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-02
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("kit_requests") as batch:
        batch.add_column(sa.Column("consent_at", sa.DateTime(), nullable=True))
    op.execute("UPDATE kit_requests SET consent_at = created_at WHERE email IS NOT NULL")
    op.create_table(
        "kit_notices",
        sa.Column("request_id", sa.Integer(), primary_key=True),
        sa.Column("edition", sa.String(100), primary_key=True),
        sa.Column("sent_at", sa.DateTime(), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("kit_notices")
    with op.batch_alter_table("kit_requests") as batch:
        batch.drop_column("consent_at")
