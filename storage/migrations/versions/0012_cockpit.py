"""the data cockpit: case categories, indexes for report figures, the daily rollup, case publications, cockpit passes and page views

Revision ID: 0012
Revises: 0010
Create Date: 2026-12-09

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import storage.types


revision: str = '0012'
down_revision: str | None = '0015'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.add_column(sa.Column('category', sa.String(length=32), nullable=True))
        batch_op.create_index('ix_cases_created_at', ['created_at'], unique=False)
        batch_op.create_index('ix_cases_completed_at', ['completed_at'], unique=False)
        batch_op.create_index('ix_cases_updated_at', ['updated_at'], unique=False)
    with op.batch_alter_table('case_events', schema=None) as batch_op:
        batch_op.create_index('ix_case_events_action_created_at', ['action', 'created_at'], unique=False)

    op.create_table('case_publications',
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('consent', sa.Boolean(), nullable=True),
    sa.Column('consent_at', storage.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('public_text', sa.Text(), nullable=True),
    sa.Column('published_at', storage.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('published_by_person_id', sa.Integer(), nullable=True),
    sa.Column('updated_at', storage.types.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_case_publications_case_id_cases')),
    sa.ForeignKeyConstraint(['published_by_person_id'], ['people.id'], name=op.f('fk_case_publications_published_by_person_id_people')),
    sa.PrimaryKeyConstraint('case_id', name=op.f('pk_case_publications'))
    )
    with op.batch_alter_table('case_publications', schema=None) as batch_op:
        batch_op.create_index('ix_case_publications_published_at', ['published_at'], unique=False)

    op.create_table('daily_figures',
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('street_id', sa.Integer(), nullable=False),
    sa.Column('community_id', sa.Integer(), nullable=False),
    sa.Column('grid_id', sa.Integer(), nullable=False),
    sa.Column('received', sa.Integer(), nullable=False),
    sa.Column('withdrawn', sa.Integer(), nullable=False),
    sa.Column('completed', sa.Integer(), nullable=False),
    sa.Column('timed', sa.Integer(), nullable=False),
    sa.Column('on_time', sa.Integer(), nullable=False),
    sa.Column('hours_sum', sa.Float(), nullable=False),
    sa.Column('hours_n', sa.Integer(), nullable=False),
    sa.Column('rated', sa.Integer(), nullable=False),
    sa.Column('solved', sa.Integer(), nullable=False),
    sa.Column('satisfied', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('day', 'street_id', 'community_id', 'grid_id', name=op.f('pk_daily_figures'))
    )
    op.create_table('rollup_state',
    sa.Column('name', sa.String(length=64), nullable=False),
    sa.Column('through_day', sa.Date(), nullable=False),
    sa.Column('watermark', storage.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('refreshed_at', storage.types.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('name', name=op.f('pk_rollup_state'))
    )
    op.create_table('cockpit_passes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code_hash', sa.String(length=64), nullable=False),
    sa.Column('session_hash', sa.String(length=64), nullable=True),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('issued_via', sa.String(length=16), nullable=False),
    sa.Column('created_at', storage.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('link_expires_at', storage.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('redeemed_at', storage.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('session_expires_at', storage.types.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['person_id'], ['people.id'], name=op.f('fk_cockpit_passes_person_id_people')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_cockpit_passes')),
    sa.UniqueConstraint('code_hash', name=op.f('uq_cockpit_passes_code_hash')),
    sa.UniqueConstraint('session_hash', name=op.f('uq_cockpit_passes_session_hash'))
    )
    with op.batch_alter_table('cockpit_passes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_cockpit_passes_person_id'), ['person_id'], unique=False)

    op.create_table('page_views',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('pass_id', sa.Integer(), nullable=True),
    sa.Column('path', sa.String(length=200), nullable=False),
    sa.Column('detail', sa.String(length=400), nullable=True),
    sa.Column('at', storage.types.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['pass_id'], ['cockpit_passes.id'], name=op.f('fk_page_views_pass_id_cockpit_passes')),
    sa.ForeignKeyConstraint(['person_id'], ['people.id'], name=op.f('fk_page_views_person_id_people')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_page_views'))
    )
    with op.batch_alter_table('page_views', schema=None) as batch_op:
        batch_op.create_index('ix_page_views_person_id_at', ['person_id', 'at'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('page_views', schema=None) as batch_op:
        batch_op.drop_index('ix_page_views_person_id_at')
    op.drop_table('page_views')
    with op.batch_alter_table('cockpit_passes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_cockpit_passes_person_id'))
    op.drop_table('cockpit_passes')
    op.drop_table('rollup_state')
    op.drop_table('daily_figures')
    with op.batch_alter_table('case_publications', schema=None) as batch_op:
        batch_op.drop_index('ix_case_publications_published_at')
    op.drop_table('case_publications')
    with op.batch_alter_table('case_events', schema=None) as batch_op:
        batch_op.drop_index('ix_case_events_action_created_at')
    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.drop_index('ix_cases_updated_at')
        batch_op.drop_index('ix_cases_completed_at')
        batch_op.drop_index('ix_cases_created_at')
        batch_op.drop_column('category')
