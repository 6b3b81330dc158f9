"""touched rows and figure snapshots (a national figure now: the day's snapshot plus what moved)

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-06 14:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import pilar_kit.db

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Table: its moment columns, whose latest is the row's ``touched_at``. Copied, not imported.
MOMENTS: dict[str, list[str]] = {
    "psks_people": ["registered_at", "verified_at"],
    "psks_certifications": ["certified_at", "ended_at"],
    "psks_institutions": ["registered_at", "verified_at"],
    "pmks_cases": [
        *("opened_at", "assessed_at", "referred_at", "accepted_at", "completed_at", "closed_at"),
    ],
    "referrals": [
        *("referred_at", "accepted_at", "declined_at", "expired_at", "withdrawn_at"),
        "completed_at",
    ],
}
EVENT_DATED = ("psks_status_changes", "psks_accreditations")


def upgrade() -> None:
    """Upgrade the schema."""
    for table, moments in MOMENTS.items():
        with op.batch_alter_table(table) as batch:
            batch.add_column(sa.Column("touched_at", pilar_kit.db.UtcDateTime(), nullable=True))
        op.execute(f"UPDATE {table} SET touched_at = {_latest(moments)}")
        op.create_index(f"ix_{table}_touched_at", table, ["touched_at"])
    for table in EVENT_DATED:
        op.create_index(f"ix_{table}_at", table, ["at"])
    op.create_table(
        "figure_snapshots",
        sa.Column("figure", sa.String(length=64), nullable=False),
        sa.Column("region", sa.String(length=13), nullable=False),
        sa.Column("boundary", pilar_kit.db.UtcDateTime(), nullable=False),
        sa.Column("body", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("figure", "region", "boundary", name=op.f("pk_figure_snapshots")),
    )
    epoch = op.create_table(
        "snapshot_epoch",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("epoch", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_snapshot_epoch")),
    )
    op.bulk_insert(epoch, [{"id": 1, "epoch": 0}])


def _latest(columns: list[str]) -> str:
    """SQL for the latest non-null of the columns (NULL when all are), on either database."""
    if op.get_bind().dialect.name == "postgresql":
        return f"GREATEST({', '.join(columns)})"
    # SQLite keeps moments as ISO text of one width; its max() of several is NULL if any is
    texts = ", ".join(f"coalesce({column}, '')" for column in columns)
    return f"nullif(max({texts}), '')"


def downgrade() -> None:
    """Downgrade the schema."""
    op.drop_table("snapshot_epoch")
    op.drop_table("figure_snapshots")
    for table in EVENT_DATED:
        op.drop_index(f"ix_{table}_at", table_name=table)
    for table in MOMENTS:
        op.drop_index(f"ix_{table}_touched_at", table_name=table)
        with op.batch_alter_table(table) as batch:
            batch.drop_column("touched_at")
