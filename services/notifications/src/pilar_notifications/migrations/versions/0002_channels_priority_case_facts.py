"""fallback channels, priority lane, case facts

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-30 09:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0002'
down_revision: str | None = '0001'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Upgrade the schema."""
    op.create_table('case_facts',
    sa.Column('case_id', sa.Uuid(), nullable=False),
    sa.Column('region', sa.String(length=13), nullable=False),
    sa.Column('pmks_category', sa.String(length=16), nullable=False),
    sa.Column('owner_id', sa.Uuid(), nullable=True),
    sa.PrimaryKeyConstraint('case_id', name=op.f('pk_case_facts'))
    )
    with op.batch_alter_table('notifications', schema=None) as batch_op:
        batch_op.add_column(sa.Column('channels_tried', sa.JSON(), nullable=False, server_default='[]'))
        batch_op.add_column(sa.Column('priority', sa.SmallInteger(), nullable=False, server_default='1'))
        batch_op.add_column(sa.Column('channel_attempts', sa.Integer(), nullable=False, server_default='0'))
        batch_op.create_index('ix_notifications_due', ['status', 'priority', 'next_attempt_at'], unique=False)


def downgrade() -> None:
    """Downgrade the schema."""
    with op.batch_alter_table('notifications', schema=None) as batch_op:
        batch_op.drop_index('ix_notifications_due')
        batch_op.drop_column('channel_attempts')
        batch_op.drop_column('priority')
        batch_op.drop_column('channels_tried')
    op.drop_table('case_facts')
