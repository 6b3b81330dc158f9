"""client keys stand apart from the clients table (they may live in a key database of their own)

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-06 11:40:00.000000
"""

from collections.abc import Sequence

from alembic import op

revision: str = '0008'
down_revision: str | None = '0007'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Upgrade the schema."""
    with op.batch_alter_table('client_keys', schema=None) as batch_op:
        batch_op.drop_constraint('fk_client_keys_client_ref_clients', type_='foreignkey')


def downgrade() -> None:
    """Downgrade the schema."""
    with op.batch_alter_table('client_keys', schema=None) as batch_op:
        batch_op.create_foreign_key(
            batch_op.f('fk_client_keys_client_ref_clients'),
            'clients',
            ['client_ref'],
            ['client_ref'],
        )
