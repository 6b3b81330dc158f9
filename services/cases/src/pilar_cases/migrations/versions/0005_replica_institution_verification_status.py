"""replica of institutions: verification and availability as the registry announces them

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-25 00:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import pilar_kit.db

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Upgrade the schema."""
    with op.batch_alter_table("replica_institutions") as batch:
        batch.add_column(sa.Column("verified_at", pilar_kit.db.UtcDateTime(), nullable=True))
        batch.add_column(sa.Column("status", sa.String(length=16), nullable=True))
        batch.add_column(sa.Column("status_at", pilar_kit.db.UtcDateTime(), nullable=True))


def downgrade() -> None:
    """Downgrade the schema."""
    with op.batch_alter_table("replica_institutions") as batch:
        batch.drop_column("status_at")
        batch.drop_column("status")
        batch.drop_column("verified_at")
