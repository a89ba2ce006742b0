"""district import: boundaries, retired units and roster people, the gazetteer of places

Revision ID: 0013
Revises: 0010
Create Date: 2026-12-03

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import storage.types


revision: str = '0013'
down_revision: str | None = '0018'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('units', schema=None) as batch_op:
        batch_op.add_column(sa.Column('boundary', sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column('sla_hours', sa.Float(), nullable=True))
        batch_op.add_column(sa.Column('retired_at', storage.types.UTCDateTime(timezone=True), nullable=True))
    with op.batch_alter_table('people', schema=None) as batch_op:
        batch_op.add_column(sa.Column('source', sa.String(length=16), nullable=True))
        batch_op.add_column(sa.Column('retired_at', storage.types.UTCDateTime(timezone=True), nullable=True))
        batch_op.create_index(batch_op.f('ix_people_source'), ['source'], unique=False)
    op.create_table('places',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('key', sa.String(length=200), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('name', sa.String(length=128), nullable=False),
    sa.Column('category', sa.String(length=32), nullable=True),
    sa.Column('aliases', sa.JSON(), nullable=False),
    sa.Column('grid_id', sa.Integer(), nullable=False),
    sa.Column('number_from', sa.Integer(), nullable=True),
    sa.Column('number_to', sa.Integer(), nullable=True),
    sa.Column('parity', sa.String(length=8), nullable=True),
    sa.Column('lon', sa.Float(), nullable=True),
    sa.Column('lat', sa.Float(), nullable=True),
    sa.Column('updated_at', storage.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('retired_at', storage.types.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['grid_id'], ['units.id'], name=op.f('fk_places_grid_id_units')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_places')),
    sa.UniqueConstraint('key', name=op.f('uq_places_key'))
    )
    with op.batch_alter_table('places', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_places_grid_id'), ['grid_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('places', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_places_grid_id'))
    op.drop_table('places')
    with op.batch_alter_table('people', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_people_source'))
        batch_op.drop_column('retired_at')
        batch_op.drop_column('source')
    with op.batch_alter_table('units', schema=None) as batch_op:
        batch_op.drop_column('retired_at')
        batch_op.drop_column('sla_hours')
        batch_op.drop_column('boundary')
