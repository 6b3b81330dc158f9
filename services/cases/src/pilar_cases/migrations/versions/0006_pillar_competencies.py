"""replica of people's competencies and institutions' services: the broker prefers a pillar that
offers the case's service

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-25 00:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import pilar_kit.db

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Upgrade the schema."""
    op.create_table(
        "pillar_competencies",
        sa.Column("volunteer_id", sa.Uuid(), nullable=False),
        sa.Column("competencies", sa.String(length=2000), nullable=False),
        sa.Column("changed_at", pilar_kit.db.UtcDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("volunteer_id", name=op.f("pk_pillar_competencies")),
    )
    with op.batch_alter_table("replica_institutions") as batch:
        batch.add_column(sa.Column("services", sa.String(length=2000), nullable=True))


def downgrade() -> None:
    """Downgrade the schema."""
    with op.batch_alter_table("replica_institutions") as batch:
        batch.drop_column("services")
    op.drop_table("pillar_competencies")
