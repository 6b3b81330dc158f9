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

# Table: its moment columns, the day of whose latest is the row's ``touched_on``. Copied.
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
# Their covering indexes (0004) lead with the province, and the indicator queries name the
# province of a regency or district too: these indexes only slowed every write.
LED_BY_PROVINCE = ("psks_people", "psks_certifications", "pmks_cases", "referrals")
PLACE_INDEXES = ("province", "regency")


def upgrade() -> None:
    """Upgrade the schema."""
    for table, moments in MOMENTS.items():
        with op.batch_alter_table(table) as batch:
            batch.add_column(sa.Column("touched_on", pilar_kit.db.UtcDateTime(), nullable=True))
        op.execute(f"UPDATE {table} SET touched_on = {_day_of_latest(moments)}")
        op.create_index(f"ix_{table}_touched_on", table, ["touched_on"])
    for table in EVENT_DATED:
        op.create_index(f"ix_{table}_at", table, ["at"])
    for table in LED_BY_PROVINCE:
        for column in PLACE_INDEXES:
            op.drop_index(f"ix_{table}_{column}", table_name=table)
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


def _day_of_latest(columns: list[str]) -> str:
    """SQL for the UTC day's start of the latest non-null column (NULL when all are)."""
    if op.get_bind().dialect.name == "postgresql":
        latest = f"GREATEST({', '.join(columns)}) AT TIME ZONE 'UTC'"
        return f"date_trunc('day', {latest}) AT TIME ZONE 'UTC'"
    # SQLite keeps UTC moments as ISO text of one width; its max() of several is NULL if any is
    texts = ", ".join(f"coalesce({column}, '')" for column in columns)
    return f"nullif(substr(max({texts}), 1, 10), '') || ' 00:00:00.000000'"


def downgrade() -> None:
    """Downgrade the schema."""
    op.drop_table("snapshot_epoch")
    op.drop_table("figure_snapshots")
    for table in LED_BY_PROVINCE:
        for column in PLACE_INDEXES:
            op.create_index(f"ix_{table}_{column}", table, [column])
    for table in EVENT_DATED:
        op.drop_index(f"ix_{table}_at", table_name=table)
    for table in MOMENTS:
        op.drop_index(f"ix_{table}_touched_on", table_name=table)
        with op.batch_alter_table(table) as batch:
            batch.drop_column("touched_on")
