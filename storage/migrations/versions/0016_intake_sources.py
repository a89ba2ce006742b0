"""intake sources: each case's source (chat, open311:<key>, patrol, operator:<person>), the Open311 API's keys
and the requests filed through it

Revision ID: 0016
Revises: 0017
Create Date: 2026-12-02

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import storage.types


revision: str = '0016'
down_revision: str | None = '0017'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('api_keys',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=64), nullable=False),
    sa.Column('key_hash', sa.String(length=64), nullable=False),
    sa.Column('rate', sa.String(length=32), nullable=False),
    sa.Column('created_at', storage.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('revoked_at', storage.types.UTCDateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_api_keys')),
    sa.UniqueConstraint('key_hash', name=op.f('uq_api_keys_key_hash')),
    sa.UniqueConstraint('name', name=op.f('uq_api_keys_name'))
    )
    op.create_table('open311_requests',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('api_key_id', sa.Integer(), nullable=False),
    sa.Column('idempotency_key', sa.String(length=128), nullable=True),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('media_url', sa.String(length=512), nullable=True),
    sa.Column('created_at', storage.types.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['api_key_id'], ['api_keys.id'], name=op.f('fk_open311_requests_api_key_id_api_keys')),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_open311_requests_case_id_cases')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_open311_requests')),
    sa.UniqueConstraint('api_key_id', 'idempotency_key', name=op.f('uq_open311_requests_api_key_id'))
    )
    with op.batch_alter_table('open311_requests', schema=None) as batch_op:
        batch_op.create_index('ix_open311_requests_case_id', ['case_id'], unique=True)
    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.add_column(sa.Column('source', sa.String(length=64), server_default='chat', nullable=False))
        batch_op.create_index('ix_cases_source_created', ['source', 'created_at'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.drop_index('ix_cases_source_created')
        batch_op.drop_column('source')
    with op.batch_alter_table('open311_requests', schema=None) as batch_op:
        batch_op.drop_index('ix_open311_requests_case_id')
    op.drop_table('open311_requests')
    op.drop_table('api_keys')
