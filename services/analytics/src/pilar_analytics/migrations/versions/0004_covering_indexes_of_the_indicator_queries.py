"""covering indexes of the indicator queries (national figures read indexes, not rows)

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-25 01:00:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Index name: (table, its columns). Copied, not imported, so that the migration stays as written.
INDEXES: dict[str, tuple[str, list[str]]] = {
    "ix_psks_people_counted": (
        "psks_people",
        [
            "province",
            "psks_type",
            "regency",
            "district",
            "registered_at",
            "verified_at",
            "volunteer_id",
        ],
    ),
    "ix_psks_people_by_type": (
        "psks_people",
        [
            "psks_type",
            "province",
            "verified_at",
            "registered_at",
            "regency",
            "district",
            "volunteer_id",
        ],
    ),
    "ix_psks_certifications_in_force": (
        "psks_certifications",
        [
            "province",
            "psks_type",
            "regency",
            "district",
            "certified_at",
            "valid_from",
            "valid_until",
            "ended_at",
            "volunteer_id",
        ],
    ),
    "ix_pmks_cases_open": (
        "pmks_cases",
        [
            "province",
            "regency",
            "district",
            "opened_at",
            "closed_at",
            "pmks_category",
            "assessed_at",
            "referred_at",
            "accepted_at",
            "completed_at",
        ],
    ),
    "ix_referrals_funnel": (
        "referrals",
        [
            "province",
            "regency",
            "district",
            "referred_at",
            "accepted_at",
            "completed_at",
            "declined_at",
            "expired_at",
            "withdrawn_at",
            "to_id",
        ],
    ),
    "ix_referrals_accept_hours": (
        "referrals",
        ["accept_hours", "accepted_at", "referred_at", "province", "regency"],
    ),
    "ix_referrals_complete_hours": (
        "referrals",
        [
            "complete_hours",
            "completed_at",
            "referred_at",
            "province",
            "regency",
        ],
    ),
}


def upgrade() -> None:
    """Upgrade the schema."""
    for name, (table, columns) in INDEXES.items():
        op.create_index(name, table, columns, unique=False)


def downgrade() -> None:
    """Downgrade the schema."""
    for name, (table, _) in reversed(INDEXES.items()):
        op.drop_index(name, table_name=table)
