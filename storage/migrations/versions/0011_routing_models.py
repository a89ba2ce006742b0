"""routing models: every trained version of the routing model and which one is active

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-02

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import storage.types


revision: str = '0011'
down_revision: str | None = '0012'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('routing_models',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('created_at', storage.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('source', sa.String(length=16), nullable=False),
    sa.Column('trained_on', sa.Integer(), nullable=False),
    sa.Column('history_rows', sa.Integer(), nullable=False),
    sa.Column('history_until', storage.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('taxonomy', sa.String(length=32), nullable=False),
    sa.Column('figures', sa.JSON(), nullable=False),
    sa.Column('body', sa.LargeBinary(), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('activated_at', storage.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('note', sa.String(length=256), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_routing_models'))
    )
    with op.batch_alter_table('routing_models', schema=None) as batch_op:
        batch_op.create_index('ix_routing_models_active', ['active'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('routing_models', schema=None) as batch_op:
        batch_op.drop_index('ix_routing_models_active')
    op.drop_table('routing_models')
