"""initial schema

Revision ID: 0001
Revises: 
Create Date: 2026-11-21
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import storage.types


revision: str = '0001'
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


APPEND_ONLY_SQLITE = (
    "CREATE TRIGGER case_events_no_update BEFORE UPDATE ON case_events "
    "BEGIN SELECT RAISE(ABORT, 'case_events is append-only'); END",
    "CREATE TRIGGER case_events_no_delete BEFORE DELETE ON case_events "
    "BEGIN SELECT RAISE(ABORT, 'case_events is append-only'); END",
)
APPEND_ONLY_POSTGRESQL = (
    "CREATE FUNCTION case_events_append_only() RETURNS trigger LANGUAGE plpgsql AS $$ "
    "BEGIN RAISE EXCEPTION 'case_events is append-only'; END $$",
    "CREATE TRIGGER case_events_no_update_or_delete BEFORE UPDATE OR DELETE ON case_events "
    "FOR EACH ROW EXECUTE FUNCTION case_events_append_only()",
)


def _is_sqlite() -> bool:
    return op.get_bind().dialect.name == "sqlite"


def _head_person_fk_inline() -> list[sa.ForeignKeyConstraint]:
    # SQLite cannot add a foreign key later, but accepts one to a table created afterwards.
    if not _is_sqlite():
        return []
    return [sa.ForeignKeyConstraint(['head_person_id'], ['people.id'], name='fk_units_head_person_id_people')]


def upgrade() -> None:
    op.create_table('case_number_counters',
    sa.Column('day', sa.String(length=8), nullable=False),
    sa.Column('last', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('day', name=op.f('pk_case_number_counters'))
    )
    op.create_table('inbound_updates',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('channel', sa.String(length=64), nullable=False),
    sa.Column('platform_id', sa.String(length=128), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('payload', sa.JSON(), nullable=False),
    sa.Column('received_at', storage.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('handled_at', storage.types.UTCDateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_inbound_updates')),
    sa.UniqueConstraint('channel', 'platform_id', name=op.f('uq_inbound_updates_channel'))
    )
    op.create_table('units',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=64), nullable=False),
    sa.Column('name', sa.String(length=128), nullable=False),
    sa.Column('kind', sa.String(length=32), nullable=False),
    sa.Column('parent_id', sa.Integer(), nullable=True),
    sa.Column('head_person_id', sa.Integer(), nullable=True),
    sa.Column('centre_lon', sa.Float(), nullable=True),
    sa.Column('centre_lat', sa.Float(), nullable=True),
    sa.Column('polygon', sa.JSON(), nullable=True),
    sa.Column('gazetteer', sa.JSON(), nullable=True),
    *_head_person_fk_inline(),
    sa.ForeignKeyConstraint(['parent_id'], ['units.id'], name=op.f('fk_units_parent_id_units')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_units')),
    sa.UniqueConstraint('code', name=op.f('uq_units_code'))
    )
    with op.batch_alter_table('units', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_units_kind'), ['kind'], unique=False)
        batch_op.create_index(batch_op.f('ix_units_parent_id'), ['parent_id'], unique=False)

    op.create_table('people',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=128), nullable=False),
    sa.Column('phone', sa.String(length=32), nullable=True),
    sa.Column('registered_unit_id', sa.Integer(), nullable=True),
    sa.Column('demo_key', sa.String(length=64), nullable=True),
    sa.Column('created_at', storage.types.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['registered_unit_id'], ['units.id'], name=op.f('fk_people_registered_unit_id_units')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_people')),
    sa.UniqueConstraint('demo_key', name=op.f('uq_people_demo_key'))
    )
    op.create_table('cases',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('number', sa.String(length=32), nullable=False),
    sa.Column('request_type', sa.String(length=16), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('photos', sa.JSON(), nullable=False),
    sa.Column('lat', sa.Float(), nullable=True),
    sa.Column('lon', sa.Float(), nullable=True),
    sa.Column('address', sa.String(length=256), nullable=True),
    sa.Column('grid_id', sa.Integer(), nullable=True),
    sa.Column('community_id', sa.Integer(), nullable=True),
    sa.Column('street_id', sa.Integer(), nullable=True),
    sa.Column('jurisdiction_source', sa.String(length=16), nullable=True),
    sa.Column('department_code', sa.String(length=32), nullable=True),
    sa.Column('classifier_confidence', sa.Float(), nullable=True),
    sa.Column('classifier_reason', sa.String(length=256), nullable=True),
    sa.Column('current_unit_id', sa.Integer(), nullable=True),
    sa.Column('assignee_person_id', sa.Integer(), nullable=True),
    sa.Column('resident_person_id', sa.Integer(), nullable=False),
    sa.Column('contact_phone', sa.String(length=32), nullable=True),
    sa.Column('anonymous', sa.Boolean(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('resolution', sa.String(length=32), nullable=True),
    sa.Column('cycle', sa.Integer(), nullable=False),
    sa.Column('redo_count', sa.Integer(), nullable=False),
    sa.Column('dispatched_at', storage.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('sign_deadline', storage.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('handle_deadline', storage.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('extension_requested_until', storage.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('next_alert_at', storage.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('signed_at', storage.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('completed_at', storage.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('closed_at', storage.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('created_at', storage.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', storage.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['assignee_person_id'], ['people.id'], name=op.f('fk_cases_assignee_person_id_people')),
    sa.ForeignKeyConstraint(['community_id'], ['units.id'], name=op.f('fk_cases_community_id_units')),
    sa.ForeignKeyConstraint(['current_unit_id'], ['units.id'], name=op.f('fk_cases_current_unit_id_units')),
    sa.ForeignKeyConstraint(['grid_id'], ['units.id'], name=op.f('fk_cases_grid_id_units')),
    sa.ForeignKeyConstraint(['resident_person_id'], ['people.id'], name=op.f('fk_cases_resident_person_id_people')),
    sa.ForeignKeyConstraint(['street_id'], ['units.id'], name=op.f('fk_cases_street_id_units')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_cases')),
    sa.UniqueConstraint('number', name=op.f('uq_cases_number'))
    )
    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_cases_community_id'), ['community_id'], unique=False)
        batch_op.create_index('ix_cases_current_unit_status', ['current_unit_id', 'status'], unique=False)
        batch_op.create_index(batch_op.f('ix_cases_department_code'), ['department_code'], unique=False)
        batch_op.create_index(batch_op.f('ix_cases_next_alert_at'), ['next_alert_at'], unique=False)
        batch_op.create_index('ix_cases_resident_created', ['resident_person_id', 'created_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_cases_status'), ['status'], unique=False)

    op.create_table('channel_accounts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('channel', sa.String(length=64), nullable=False),
    sa.Column('external_id', sa.String(length=128), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('chat_id', sa.String(length=128), nullable=True),
    sa.Column('last_seen_at', storage.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('created_at', storage.types.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['person_id'], ['people.id'], name=op.f('fk_channel_accounts_person_id_people')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_channel_accounts')),
    sa.UniqueConstraint('channel', 'external_id', name=op.f('uq_channel_accounts_channel'))
    )
    with op.batch_alter_table('channel_accounts', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_channel_accounts_person_id'), ['person_id'], unique=False)

    op.create_table('conversations',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('channel', sa.String(length=64), nullable=False),
    sa.Column('chat_id', sa.String(length=128), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=True),
    sa.Column('state', sa.String(length=64), nullable=False),
    sa.Column('data', sa.JSON(), nullable=False),
    sa.Column('expires_at', storage.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('updated_at', storage.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['person_id'], ['people.id'], name=op.f('fk_conversations_person_id_people')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_conversations')),
    sa.UniqueConstraint('channel', 'chat_id', name=op.f('uq_conversations_channel'))
    )
    op.create_table('invites',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code_hash', sa.String(length=64), nullable=False),
    sa.Column('role', sa.String(length=32), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=True),
    sa.Column('person_name', sa.String(length=128), nullable=True),
    sa.Column('created_at', storage.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('expires_at', storage.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('used_at', storage.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('used_by_person_id', sa.Integer(), nullable=True),
    sa.Column('revoked_at', storage.types.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['person_id'], ['people.id'], name=op.f('fk_invites_person_id_people')),
    sa.ForeignKeyConstraint(['unit_id'], ['units.id'], name=op.f('fk_invites_unit_id_units')),
    sa.ForeignKeyConstraint(['used_by_person_id'], ['people.id'], name=op.f('fk_invites_used_by_person_id_people')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_invites')),
    sa.UniqueConstraint('code_hash', name=op.f('uq_invites_code_hash'))
    )
    op.create_table('outbox',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('dedupe_key', sa.String(length=200), nullable=False),
    sa.Column('channel', sa.String(length=64), nullable=True),
    sa.Column('chat_id', sa.String(length=128), nullable=True),
    sa.Column('person_id', sa.Integer(), nullable=True),
    sa.Column('kind', sa.String(length=32), nullable=False),
    sa.Column('payload', sa.JSON(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('next_attempt_at', storage.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('claimed_by', sa.String(length=64), nullable=True),
    sa.Column('claimed_until', storage.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('last_error', sa.Text(), nullable=True),
    sa.Column('created_at', storage.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('sent_at', storage.types.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['person_id'], ['people.id'], name=op.f('fk_outbox_person_id_people')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_outbox')),
    sa.UniqueConstraint('dedupe_key', name=op.f('uq_outbox_dedupe_key'))
    )
    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_outbox_person_id'), ['person_id'], unique=False)
        batch_op.create_index('ix_outbox_status_next_attempt_at', ['status', 'next_attempt_at'], unique=False)

    op.create_table('role_bindings',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('role', sa.String(length=32), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.Column('created_at', storage.types.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['person_id'], ['people.id'], name=op.f('fk_role_bindings_person_id_people')),
    sa.ForeignKeyConstraint(['unit_id'], ['units.id'], name=op.f('fk_role_bindings_unit_id_units')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_role_bindings')),
    sa.UniqueConstraint('person_id', 'role', 'unit_id', name=op.f('uq_role_bindings_person_id'))
    )
    with op.batch_alter_table('role_bindings', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_role_bindings_person_id'), ['person_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_role_bindings_unit_id'), ['unit_id'], unique=False)

    op.create_table('case_events',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('action', sa.String(length=32), nullable=False),
    sa.Column('actor_person_id', sa.Integer(), nullable=True),
    sa.Column('actor_role', sa.String(length=32), nullable=False),
    sa.Column('from_status', sa.String(length=16), nullable=True),
    sa.Column('to_status', sa.String(length=16), nullable=False),
    sa.Column('from_unit_id', sa.Integer(), nullable=True),
    sa.Column('to_unit_id', sa.Integer(), nullable=True),
    sa.Column('note', sa.Text(), nullable=True),
    sa.Column('attachments', sa.JSON(), nullable=False),
    sa.Column('created_at', storage.types.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['actor_person_id'], ['people.id'], name=op.f('fk_case_events_actor_person_id_people')),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_case_events_case_id_cases')),
    sa.ForeignKeyConstraint(['from_unit_id'], ['units.id'], name=op.f('fk_case_events_from_unit_id_units')),
    sa.ForeignKeyConstraint(['to_unit_id'], ['units.id'], name=op.f('fk_case_events_to_unit_id_units')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_case_events'))
    )
    with op.batch_alter_table('case_events', schema=None) as batch_op:
        batch_op.create_index('ix_case_events_case_id_id', ['case_id', 'id'], unique=False)

    if not _is_sqlite():
        op.create_foreign_key('fk_units_head_person_id_people', 'units', 'people', ['head_person_id'], ['id'])
    for statement in APPEND_ONLY_SQLITE if _is_sqlite() else APPEND_ONLY_POSTGRESQL:
        op.execute(statement)


def downgrade() -> None:
    if _is_sqlite():
        op.execute("DROP TRIGGER case_events_no_update")
        op.execute("DROP TRIGGER case_events_no_delete")
    else:
        op.execute("DROP TRIGGER case_events_no_update_or_delete ON case_events")
        op.execute("DROP FUNCTION case_events_append_only()")
        op.drop_constraint('fk_units_head_person_id_people', 'units', type_='foreignkey')
    with op.batch_alter_table('case_events', schema=None) as batch_op:
        batch_op.drop_index('ix_case_events_case_id_id')

    op.drop_table('case_events')
    with op.batch_alter_table('role_bindings', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_role_bindings_unit_id'))
        batch_op.drop_index(batch_op.f('ix_role_bindings_person_id'))

    op.drop_table('role_bindings')
    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.drop_index('ix_outbox_status_next_attempt_at')
        batch_op.drop_index(batch_op.f('ix_outbox_person_id'))

    op.drop_table('outbox')
    op.drop_table('invites')
    op.drop_table('conversations')
    with op.batch_alter_table('channel_accounts', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_channel_accounts_person_id'))

    op.drop_table('channel_accounts')
    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_cases_status'))
        batch_op.drop_index('ix_cases_resident_created')
        batch_op.drop_index(batch_op.f('ix_cases_next_alert_at'))
        batch_op.drop_index(batch_op.f('ix_cases_department_code'))
        batch_op.drop_index('ix_cases_current_unit_status')
        batch_op.drop_index(batch_op.f('ix_cases_community_id'))

    op.drop_table('cases')
    op.drop_table('people')
    with op.batch_alter_table('units', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_units_parent_id'))
        batch_op.drop_index(batch_op.f('ix_units_kind'))

    op.drop_table('units')
    op.drop_table('inbound_updates')
    op.drop_table('case_number_counters')
