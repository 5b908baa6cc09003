"""Create the kit requests table.

Revision ID: 0001
Revises:
Create Date: 2026-01-01
"""

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "kit_requests",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("function", sa.String(20), nullable=False),
        sa.Column("establishment_type", sa.String(20), nullable=False),
        sa.Column("department", sa.String(3), nullable=False),
        sa.Column("establishment", sa.String(150)),
        sa.Column("email", sa.String(254)),
    )
    op.create_index("ix_kit_requests_created_at", "kit_requests", ["created_at"])


def downgrade() -> None:
    op.drop_index("ix_kit_requests_created_at", "kit_requests")
    op.drop_table("kit_requests")
