"""simulator access: owners of new simulator identities, trainers' link codes and sessions

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-02

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import storage.types


revision: str = '0009'
down_revision: str | None = '0008'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('sim_owners',
    sa.Column('key', sa.String(length=64), nullable=False),
    sa.Column('owner', sa.String(length=80), nullable=False),
    sa.Column('created_at', storage.types.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('key', name=op.f('pk_sim_owners'))
    )
    op.create_table('sim_passes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code_hash', sa.String(length=64), nullable=False),
    sa.Column('session_hash', sa.String(length=64), nullable=True),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('identities', sa.JSON(), nullable=False),
    sa.Column('allow_new', sa.Boolean(), nullable=False),
    sa.Column('created_at', storage.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('link_expires_at', storage.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('redeemed_at', storage.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('session_expires_at', storage.types.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['person_id'], ['people.id'], name=op.f('fk_sim_passes_person_id_people')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_sim_passes')),
    sa.UniqueConstraint('code_hash', name=op.f('uq_sim_passes_code_hash')),
    sa.UniqueConstraint('session_hash', name=op.f('uq_sim_passes_session_hash'))
    )


def downgrade() -> None:
    op.drop_table('sim_passes')
    op.drop_table('sim_owners')
