"""wecom: the WeChat Work application's shared access token and its template cards

Revision ID: 0014
Revises: 0010
Create Date: 2026-12-03

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import storage.types


revision: str = '0014'
down_revision: str | None = '0010'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('wecom_tokens',
    sa.Column('app_key', sa.String(length=128), nullable=False),
    sa.Column('access_token', sa.String(length=512), nullable=True),
    sa.Column('expires_at', storage.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('refreshing_by', sa.String(length=64), nullable=True),
    sa.Column('refreshing_until', storage.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('updated_at', storage.types.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('app_key', name=op.f('pk_wecom_tokens'))
    )
    op.create_table('wecom_cards',
    sa.Column('task_id', sa.String(length=128), nullable=False),
    sa.Column('channel', sa.String(length=64), nullable=False),
    sa.Column('user_id', sa.String(length=128), nullable=False),
    sa.Column('buttons', sa.JSON(), nullable=False),
    sa.Column('created_at', storage.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('acted_at', storage.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('acted_key', sa.String(length=128), nullable=True),
    sa.PrimaryKeyConstraint('task_id', name=op.f('pk_wecom_cards'))
    )
    with op.batch_alter_table('wecom_cards', schema=None) as batch_op:
        batch_op.create_index('ix_wecom_cards_created_at', ['created_at'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('wecom_cards', schema=None) as batch_op:
        batch_op.drop_index('ix_wecom_cards_created_at')
    op.drop_table('wecom_cards')
    op.drop_table('wecom_tokens')
