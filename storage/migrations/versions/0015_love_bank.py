"""love bank (爱心银行): the append-only points ledger and balances, volunteer activities and sign-ups,
rewards and redemptions, wish teams

Revision ID: 0015
Revises: 0010
Create Date: 2026-12-02
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import storage.types


revision: str = '0015'
down_revision: str | None = '0013'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


APPEND_ONLY_SQLITE = (
    "CREATE TRIGGER lovebank_entries_no_update BEFORE UPDATE ON lovebank_entries "
    "BEGIN SELECT RAISE(ABORT, 'lovebank_entries is append-only'); END",
    "CREATE TRIGGER lovebank_entries_no_delete BEFORE DELETE ON lovebank_entries "
    "BEGIN SELECT RAISE(ABORT, 'lovebank_entries is append-only'); END",
)
APPEND_ONLY_POSTGRESQL = (
    "CREATE FUNCTION lovebank_entries_append_only() RETURNS trigger LANGUAGE plpgsql AS $$ "
    "BEGIN RAISE EXCEPTION 'lovebank_entries is append-only'; END $$",
    "CREATE TRIGGER lovebank_entries_no_update_or_delete BEFORE UPDATE OR DELETE ON lovebank_entries "
    "FOR EACH ROW EXECUTE FUNCTION lovebank_entries_append_only()",
)


def _is_sqlite() -> bool:
    return op.get_bind().dialect.name == "sqlite"


def upgrade() -> None:
    op.create_table('lovebank_accounts',
    sa.Column('person_id', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('balance', sa.Integer(), nullable=False),
    sa.Column('show_name', sa.Boolean(), nullable=True),
    sa.Column('consent_at', storage.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('updated_at', storage.types.UTCDateTime(timezone=True), nullable=False),
    sa.CheckConstraint('balance >= 0', name=op.f('ck_lovebank_accounts_balance_not_negative')),
    sa.ForeignKeyConstraint(['person_id'], ['people.id'], name=op.f('fk_lovebank_accounts_person_id_people')),
    sa.PrimaryKeyConstraint('person_id', name=op.f('pk_lovebank_accounts'))
    )
    op.create_table('lovebank_activities',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('community_id', sa.Integer(), nullable=False),
    sa.Column('organiser_person_id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=100), nullable=False),
    sa.Column('place', sa.String(length=200), nullable=False),
    sa.Column('starts_at', storage.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('minutes', sa.Integer(), nullable=False),
    sa.Column('places', sa.Integer(), nullable=False),
    sa.Column('taken', sa.Integer(), nullable=False),
    sa.Column('points_per_hour', sa.Integer(), nullable=False),
    sa.Column('checkin_code', sa.String(length=16), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('created_at', storage.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', storage.types.UTCDateTime(timezone=True), nullable=False),
    sa.CheckConstraint('taken >= 0 AND taken <= places', name=op.f('ck_lovebank_activities_taken_within_places')),
    sa.ForeignKeyConstraint(['community_id'], ['units.id'], name=op.f('fk_lovebank_activities_community_id_units')),
    sa.ForeignKeyConstraint(['organiser_person_id'], ['people.id'], name=op.f('fk_lovebank_activities_organiser_person_id_people')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_lovebank_activities')),
    sa.UniqueConstraint('checkin_code', name=op.f('uq_lovebank_activities_checkin_code'))
    )
    with op.batch_alter_table('lovebank_activities', schema=None) as batch_op:
        batch_op.create_index('ix_lovebank_activities_community_id_starts_at', ['community_id', 'starts_at'], unique=False)
        batch_op.create_index('ix_lovebank_activities_starts_at', ['starts_at'], unique=False)

    op.create_table('lovebank_entries',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('amount', sa.Integer(), nullable=False),
    sa.Column('reason', sa.String(length=16), nullable=False),
    sa.Column('source_kind', sa.String(length=16), nullable=False),
    sa.Column('source_id', sa.Integer(), nullable=True),
    sa.Column('note', sa.Text(), nullable=True),
    sa.Column('community_id', sa.Integer(), nullable=True),
    sa.Column('recorded_by_person_id', sa.Integer(), nullable=True),
    sa.Column('recorded_by_role', sa.String(length=32), nullable=False),
    sa.Column('key', sa.String(length=64), nullable=True),
    sa.Column('created_at', storage.types.UTCDateTime(timezone=True), nullable=False),
    sa.CheckConstraint('amount <> 0', name=op.f('ck_lovebank_entries_amount_not_zero')),
    sa.ForeignKeyConstraint(['community_id'], ['units.id'], name=op.f('fk_lovebank_entries_community_id_units')),
    sa.ForeignKeyConstraint(['person_id'], ['people.id'], name=op.f('fk_lovebank_entries_person_id_people')),
    sa.ForeignKeyConstraint(['recorded_by_person_id'], ['people.id'], name=op.f('fk_lovebank_entries_recorded_by_person_id_people')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_lovebank_entries')),
    sa.UniqueConstraint('key', name=op.f('uq_lovebank_entries_key'))
    )
    with op.batch_alter_table('lovebank_entries', schema=None) as batch_op:
        batch_op.create_index('ix_lovebank_entries_created_at', ['created_at'], unique=False)
        batch_op.create_index('ix_lovebank_entries_person_id_id', ['person_id', 'id'], unique=False)
        batch_op.create_index('ix_lovebank_entries_source', ['source_kind', 'source_id'], unique=False)

    op.create_table('lovebank_rewards',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('provider', sa.String(length=100), nullable=True),
    sa.Column('points', sa.Integer(), nullable=False),
    sa.Column('stock', sa.Integer(), nullable=False),
    sa.Column('valid_until', sa.Date(), nullable=False),
    sa.Column('community_ids', sa.JSON(), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('created_by_person_id', sa.Integer(), nullable=True),
    sa.Column('created_at', storage.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', storage.types.UTCDateTime(timezone=True), nullable=False),
    sa.CheckConstraint('points > 0', name=op.f('ck_lovebank_rewards_points_positive')),
    sa.CheckConstraint('stock >= 0', name=op.f('ck_lovebank_rewards_stock_not_negative')),
    sa.ForeignKeyConstraint(['created_by_person_id'], ['people.id'], name=op.f('fk_lovebank_rewards_created_by_person_id_people')),
    sa.ForeignKeyConstraint(['unit_id'], ['units.id'], name=op.f('fk_lovebank_rewards_unit_id_units')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_lovebank_rewards'))
    )
    with op.batch_alter_table('lovebank_rewards', schema=None) as batch_op:
        batch_op.create_index('ix_lovebank_rewards_unit_id', ['unit_id'], unique=False)

    op.create_table('lovebank_redemptions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('reward_id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('community_id', sa.Integer(), nullable=True),
    sa.Column('points', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=16), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('created_at', storage.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('expires_at', storage.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('handed_at', storage.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('handed_by_person_id', sa.Integer(), nullable=True),
    sa.Column('expired_at', storage.types.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['community_id'], ['units.id'], name=op.f('fk_lovebank_redemptions_community_id_units')),
    sa.ForeignKeyConstraint(['handed_by_person_id'], ['people.id'], name=op.f('fk_lovebank_redemptions_handed_by_person_id_people')),
    sa.ForeignKeyConstraint(['person_id'], ['people.id'], name=op.f('fk_lovebank_redemptions_person_id_people')),
    sa.ForeignKeyConstraint(['reward_id'], ['lovebank_rewards.id'], name=op.f('fk_lovebank_redemptions_reward_id_lovebank_rewards')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_lovebank_redemptions')),
    sa.UniqueConstraint('code', name=op.f('uq_lovebank_redemptions_code'))
    )
    with op.batch_alter_table('lovebank_redemptions', schema=None) as batch_op:
        batch_op.create_index('ix_lovebank_redemptions_person_id_id', ['person_id', 'id'], unique=False)
        batch_op.create_index('ix_lovebank_redemptions_reward_id', ['reward_id'], unique=False)
        batch_op.create_index('ix_lovebank_redemptions_status_expires_at', ['status', 'expires_at'], unique=False)

    op.create_table('lovebank_signups',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('activity_id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('queued_at', storage.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('checked_in_at', storage.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('minutes', sa.Integer(), nullable=True),
    sa.Column('points', sa.Integer(), nullable=True),
    sa.Column('confirmed_at', storage.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('confirmed_by_person_id', sa.Integer(), nullable=True),
    sa.Column('created_at', storage.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', storage.types.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['activity_id'], ['lovebank_activities.id'], name=op.f('fk_lovebank_signups_activity_id_lovebank_activities')),
    sa.ForeignKeyConstraint(['confirmed_by_person_id'], ['people.id'], name=op.f('fk_lovebank_signups_confirmed_by_person_id_people')),
    sa.ForeignKeyConstraint(['person_id'], ['people.id'], name=op.f('fk_lovebank_signups_person_id_people')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_lovebank_signups')),
    sa.UniqueConstraint('activity_id', 'person_id', name=op.f('uq_lovebank_signups_activity_id'))
    )
    with op.batch_alter_table('lovebank_signups', schema=None) as batch_op:
        batch_op.create_index('ix_lovebank_signups_activity_id_status', ['activity_id', 'status', 'queued_at'], unique=False)
        batch_op.create_index('ix_lovebank_signups_person_id', ['person_id'], unique=False)

    op.create_table('lovebank_wish_teams',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('wish_id', sa.Integer(), nullable=False),
    sa.Column('claim_event_id', sa.Integer(), nullable=False),
    sa.Column('claimant_person_id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=16), nullable=False),
    sa.Column('created_at', storage.types.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['claim_event_id'], ['wish_events.id'], name=op.f('fk_lovebank_wish_teams_claim_event_id_wish_events')),
    sa.ForeignKeyConstraint(['claimant_person_id'], ['people.id'], name=op.f('fk_lovebank_wish_teams_claimant_person_id_people')),
    sa.ForeignKeyConstraint(['wish_id'], ['wishes.id'], name=op.f('fk_lovebank_wish_teams_wish_id_wishes')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_lovebank_wish_teams')),
    sa.UniqueConstraint('claim_event_id', name=op.f('uq_lovebank_wish_teams_claim_event_id')),
    sa.UniqueConstraint('code', name=op.f('uq_lovebank_wish_teams_code'))
    )
    with op.batch_alter_table('lovebank_wish_teams', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_lovebank_wish_teams_wish_id'), ['wish_id'], unique=False)

    op.create_table('lovebank_wish_team_members',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('team_id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('joined_at', storage.types.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['person_id'], ['people.id'], name=op.f('fk_lovebank_wish_team_members_person_id_people')),
    sa.ForeignKeyConstraint(['team_id'], ['lovebank_wish_teams.id'], name=op.f('fk_lovebank_wish_team_members_team_id_lovebank_wish_teams')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_lovebank_wish_team_members')),
    sa.UniqueConstraint('team_id', 'person_id', name=op.f('uq_lovebank_wish_team_members_team_id'))
    )
    for statement in APPEND_ONLY_SQLITE if _is_sqlite() else APPEND_ONLY_POSTGRESQL:
        op.execute(statement)


def downgrade() -> None:
    if _is_sqlite():
        op.execute("DROP TRIGGER lovebank_entries_no_update")
        op.execute("DROP TRIGGER lovebank_entries_no_delete")
    else:
        op.execute("DROP TRIGGER lovebank_entries_no_update_or_delete ON lovebank_entries")
        op.execute("DROP FUNCTION lovebank_entries_append_only()")
    op.drop_table('lovebank_wish_team_members')
    with op.batch_alter_table('lovebank_wish_teams', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_lovebank_wish_teams_wish_id'))

    op.drop_table('lovebank_wish_teams')
    with op.batch_alter_table('lovebank_signups', schema=None) as batch_op:
        batch_op.drop_index('ix_lovebank_signups_person_id')
        batch_op.drop_index('ix_lovebank_signups_activity_id_status')

    op.drop_table('lovebank_signups')
    with op.batch_alter_table('lovebank_redemptions', schema=None) as batch_op:
        batch_op.drop_index('ix_lovebank_redemptions_status_expires_at')
        batch_op.drop_index('ix_lovebank_redemptions_reward_id')
        batch_op.drop_index('ix_lovebank_redemptions_person_id_id')

    op.drop_table('lovebank_redemptions')
    with op.batch_alter_table('lovebank_rewards', schema=None) as batch_op:
        batch_op.drop_index('ix_lovebank_rewards_unit_id')

    op.drop_table('lovebank_rewards')
    with op.batch_alter_table('lovebank_entries', schema=None) as batch_op:
        batch_op.drop_index('ix_lovebank_entries_source')
        batch_op.drop_index('ix_lovebank_entries_person_id_id')
        batch_op.drop_index('ix_lovebank_entries_created_at')

    op.drop_table('lovebank_entries')
    with op.batch_alter_table('lovebank_activities', schema=None) as batch_op:
        batch_op.drop_index('ix_lovebank_activities_starts_at')
        batch_op.drop_index('ix_lovebank_activities_community_id_starts_at')

    op.drop_table('lovebank_activities')
    op.drop_table('lovebank_accounts')
