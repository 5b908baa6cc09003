"""Remember used form tokens in the database, so that a restart does not forget them.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "kit_form_tokens",
        sa.Column("nonce", sa.String(32), primary_key=True),
        sa.Column("request_id", sa.Integer(), nullable=False),
        sa.Column("used_at", sa.DateTime(), nullable=False),
    )
    op.create_index("ix_kit_form_tokens_used_at", "kit_form_tokens", ["used_at"])


def downgrade() -> None:
    op.drop_index("ix_kit_form_tokens_used_at", "kit_form_tokens")
    op.drop_table("kit_form_tokens")
