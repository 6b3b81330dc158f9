"""directory regions, preferences, cause time

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-07 09:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import pilar_kit.db

revision: str = '0003'
down_revision: str | None = '0002'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Upgrade the schema."""
    op.create_table('preferences',
    sa.Column('person_id', sa.Uuid(), nullable=False),
    sa.Column('opt_outs', sa.JSON(), nullable=False),
    sa.Column('language', sa.String(length=2), nullable=True),
    sa.Column('updated_at', pilar_kit.db.UtcDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('person_id', name=op.f('pk_preferences'))
    )
    with op.batch_alter_table('recipients', schema=None) as batch_op:
        batch_op.add_column(sa.Column('regions', sa.JSON(), nullable=False, server_default='[]'))
    with op.batch_alter_table('notifications', schema=None) as batch_op:
        batch_op.add_column(sa.Column('cause_time', pilar_kit.db.UtcDateTime(timezone=True), nullable=True))


def downgrade() -> None:
    """Downgrade the schema."""
    with op.batch_alter_table('notifications', schema=None) as batch_op:
        batch_op.drop_column('cause_time')
    with op.batch_alter_table('recipients', schema=None) as batch_op:
        batch_op.drop_column('regions')
    op.drop_table('preferences')
