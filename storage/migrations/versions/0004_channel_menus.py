"""channel menus: the last numbered menu per chat on channels without buttons (WeChat)

Revision ID: 0004_channel_menus
Revises: 0002
Create Date: 2026-11-23
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import storage.types


revision: str = '0004_channel_menus'
down_revision: str | None = '0002'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('channel_menus',
    sa.Column('channel', sa.String(length=64), nullable=False),
    sa.Column('chat_id', sa.String(length=128), nullable=False),
    sa.Column('payloads', sa.JSON(), nullable=False),
    sa.Column('updated_at', storage.types.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('channel', 'chat_id', name=op.f('pk_channel_menus'))
    )


def downgrade() -> None:
    op.drop_table('channel_menus')
