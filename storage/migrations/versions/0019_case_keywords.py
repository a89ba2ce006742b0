"""each case's keywords, cut once (case_keywords, keyword_state, cases.keywords_cut); case_id in the events' report index

Revision ID: 0019
Revises: 0016
Create Date: 2026-12-02

The keywords of existing cases are cut by the `case_keywords` job (or `qungong keywords`), which
needs jieba: a migration does not import nlp/. Until then a report cuts the cases not yet cut itself.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import storage.types

revision: str = '0019'
down_revision: str | None = '0016'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.add_column(sa.Column('keywords_cut', sa.Boolean(), server_default=sa.false(), nullable=False))
    op.create_index(
        'ix_cases_keywords_pending', 'cases', ['id'], unique=False,
        sqlite_where=sa.text('keywords_cut = 0'), postgresql_where=sa.text('NOT keywords_cut'),
    )
    op.create_table('case_keywords',
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=1), nullable=False),
    sa.Column('word', sa.String(length=64), nullable=False),
    sa.Column('n', sa.Integer(), nullable=False),
    sa.Column('created_at', storage.types.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_case_keywords_case_id_cases'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('case_id', 'kind', 'word', name=op.f('pk_case_keywords'))
    )
    op.create_index('ix_case_keywords_created_at', 'case_keywords', ['created_at'], unique=False)
    # A report reads a year of returns, extensions and redos with their case from the index alone.
    op.drop_index('ix_case_events_action_created_at', table_name='case_events')
    op.create_index('ix_case_events_action_created_at', 'case_events', ['action', 'created_at', 'case_id'], unique=False)
    op.create_table('keyword_state',
    sa.Column('name', sa.String(length=64), nullable=False),
    sa.Column('digest', sa.String(length=64), nullable=False),
    sa.Column('changed_at', storage.types.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('name', name=op.f('pk_keyword_state'))
    )


def downgrade() -> None:
    op.drop_table('keyword_state')
    op.drop_index('ix_case_events_action_created_at', table_name='case_events')
    op.create_index('ix_case_events_action_created_at', 'case_events', ['action', 'created_at'], unique=False)
    op.drop_index('ix_case_keywords_created_at', table_name='case_keywords')
    op.drop_table('case_keywords')
    op.drop_index('ix_cases_keywords_pending', table_name='cases')
    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.drop_column('keywords_cut')
