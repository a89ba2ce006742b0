"""report requests: reports asked for in chat, answered by a job

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-02

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import storage.types


revision: str = '0010'
down_revision: str | None = '0009'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('report_requests',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('requested_at', storage.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('done_at', storage.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('outcome', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['person_id'], ['people.id'], name=op.f('fk_report_requests_person_id_people')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_report_requests'))
    )
    with op.batch_alter_table('report_requests', schema=None) as batch_op:
        batch_op.create_index('ix_report_requests_done_at', ['done_at'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('report_requests', schema=None) as batch_op:
        batch_op.drop_index('ix_report_requests_done_at')
    op.drop_table('report_requests')
