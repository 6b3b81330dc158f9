"""replica of registry institutions; referrals name the kind of recipient

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-24 22:10:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import pilar_kit.db

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Upgrade the schema."""
    op.create_table(
        "replica_institutions",
        sa.Column("institution_id", sa.Uuid(), nullable=False),
        sa.Column("psks_type", sa.String(length=8), nullable=True),
        sa.Column("region", sa.String(length=13), nullable=True),
        sa.Column("registered_at", pilar_kit.db.UtcDateTime(), nullable=True),
        sa.Column("grade", sa.String(length=1), nullable=True),
        sa.Column("accredited_until", sa.Date(), nullable=True),
        sa.Column("accredited_at", pilar_kit.db.UtcDateTime(), nullable=True),
        sa.PrimaryKeyConstraint("institution_id", name=op.f("pk_replica_institutions")),
    )
    op.create_index(
        "ix_replica_institutions_region_type",
        "replica_institutions",
        ["region", "psks_type"],
        unique=False,
    )
    with op.batch_alter_table("referrals") as batch:
        batch.add_column(
            sa.Column(
                "to_kind", sa.String(length=16), server_default="volunteer", nullable=False
            )
        )


def downgrade() -> None:
    """Downgrade the schema."""
    with op.batch_alter_table("referrals") as batch:
        batch.drop_column("to_kind")
    op.drop_index("ix_replica_institutions_region_type", table_name="replica_institutions")
    op.drop_table("replica_institutions")
