"""supervision: lights, explanation tasks, calendar overrides

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-21
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import storage.types


revision: str = '0002'
down_revision: str | None = '0001'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('calendar_overrides',
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('is_workday', sa.Boolean(), nullable=False),
    sa.Column('note', sa.String(length=128), nullable=True),
    sa.PrimaryKeyConstraint('day', name=op.f('pk_calendar_overrides'))
    )
    op.create_table('lights',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('cycle', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=True),
    sa.Column('assignee_person_id', sa.Integer(), nullable=True),
    sa.Column('due_at', storage.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('fired_at', storage.types.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['assignee_person_id'], ['people.id'], name=op.f('fk_lights_assignee_person_id_people')),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_lights_case_id_cases')),
    sa.ForeignKeyConstraint(['unit_id'], ['units.id'], name=op.f('fk_lights_unit_id_units')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_lights')),
    sa.UniqueConstraint('case_id', 'cycle', 'kind', name=op.f('uq_lights_case_id'))
    )
    with op.batch_alter_table('lights', schema=None) as batch_op:
        batch_op.create_index('ix_lights_fired_at_unit', ['fired_at', 'unit_id'], unique=False)

    op.create_table('explanation_tasks',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('light_id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('cycle', sa.Integer(), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.Column('due_at', storage.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('created_at', storage.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('submitted_at', storage.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('submitted_by_person_id', sa.Integer(), nullable=True),
    sa.Column('text', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_explanation_tasks_case_id_cases')),
    sa.ForeignKeyConstraint(['light_id'], ['lights.id'], name=op.f('fk_explanation_tasks_light_id_lights')),
    sa.ForeignKeyConstraint(['submitted_by_person_id'], ['people.id'], name=op.f('fk_explanation_tasks_submitted_by_person_id_people')),
    sa.ForeignKeyConstraint(['unit_id'], ['units.id'], name=op.f('fk_explanation_tasks_unit_id_units')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_explanation_tasks')),
    sa.UniqueConstraint('light_id', name=op.f('uq_explanation_tasks_light_id'))
    )
    with op.batch_alter_table('explanation_tasks', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_explanation_tasks_case_id'), ['case_id'], unique=False)
        batch_op.create_index('ix_explanation_tasks_unit_due', ['unit_id', 'due_at'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('explanation_tasks', schema=None) as batch_op:
        batch_op.drop_index('ix_explanation_tasks_unit_due')
        batch_op.drop_index(batch_op.f('ix_explanation_tasks_case_id'))

    op.drop_table('explanation_tasks')
    with op.batch_alter_table('lights', schema=None) as batch_op:
        batch_op.drop_index('ix_lights_fired_at_unit')

    op.drop_table('lights')
    op.drop_table('calendar_overrides')
