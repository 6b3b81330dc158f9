"""institutions' verification and referrals' withdrawal, from the events added to v1

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-25 00:50:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import pilar_kit.db

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Upgrade the schema."""
    with op.batch_alter_table("psks_institutions") as batch:
        batch.add_column(sa.Column("verified_at", pilar_kit.db.UtcDateTime(), nullable=True))
    with op.batch_alter_table("referrals") as batch:
        batch.add_column(sa.Column("withdrawn_at", pilar_kit.db.UtcDateTime(), nullable=True))


def downgrade() -> None:
    """Downgrade the schema."""
    with op.batch_alter_table("referrals") as batch:
        batch.drop_column("withdrawn_at")
    with op.batch_alter_table("psks_institutions") as batch:
        batch.drop_column("verified_at")
