"""city scale: process heartbeats, the scheduler's lease, shared send limits, bans, retention runs

Revision ID: 0018
Revises: 0010
Create Date: 2026-12-02

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import storage.types


revision: str = '0018'
down_revision: str | None = '0014'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('processes',
    sa.Column('id', sa.String(length=96), nullable=False),
    sa.Column('role', sa.String(length=16), nullable=False),
    sa.Column('host', sa.String(length=128), nullable=False),
    sa.Column('pid', sa.Integer(), nullable=False),
    sa.Column('started_at', storage.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('beat_at', storage.types.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_processes'))
    )
    with op.batch_alter_table('processes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_processes_beat_at'), ['beat_at'], unique=False)
    op.create_table('leases',
    sa.Column('name', sa.String(length=64), nullable=False),
    sa.Column('holder', sa.String(length=96), nullable=False),
    sa.Column('expires_at', storage.types.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('name', name=op.f('pk_leases'))
    )
    op.create_table('rate_hits',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('key', sa.String(length=200), nullable=False),
    sa.Column('at', sa.Float(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_rate_hits'))
    )
    with op.batch_alter_table('rate_hits', schema=None) as batch_op:
        batch_op.create_index('ix_rate_hits_key_at', ['key', 'at'], unique=False)
    op.create_table('rate_pauses',
    sa.Column('key', sa.String(length=200), nullable=False),
    sa.Column('until', sa.Float(), nullable=False),
    sa.PrimaryKeyConstraint('key', name=op.f('pk_rate_pauses'))
    )
    op.create_table('retention_runs',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('ran_at', storage.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('kind', sa.String(length=32), nullable=False),
    sa.Column('count', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_retention_runs'))
    )
    with op.batch_alter_table('retention_runs', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_retention_runs_ran_at'), ['ran_at'], unique=False)
    op.create_table('bans',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('until', storage.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('reason', sa.String(length=500), nullable=False),
    sa.Column('by_person_id', sa.Integer(), nullable=True),
    sa.Column('created_at', storage.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('lifted_at', storage.types.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['by_person_id'], ['people.id'], name=op.f('fk_bans_by_person_id_people')),
    sa.ForeignKeyConstraint(['person_id'], ['people.id'], name=op.f('fk_bans_person_id_people')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_bans'))
    )
    with op.batch_alter_table('bans', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_bans_person_id'), ['person_id'], unique=False)
    with op.batch_alter_table('people', schema=None) as batch_op:
        batch_op.add_column(sa.Column('banned_until', storage.types.UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('ban_told_at', storage.types.UTCDateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('people', schema=None) as batch_op:
        batch_op.drop_column('ban_told_at')
        batch_op.drop_column('banned_until')
    op.drop_table('bans')
    op.drop_table('retention_runs')
    op.drop_table('rate_pauses')
    op.drop_table('rate_hits')
    op.drop_table('leases')
    op.drop_table('processes')
