"""micro-wishes: wishes and their append-only history (wish_events)

Revision ID: 0005
Revises: 0004_channel_menus
Create Date: 2026-11-24
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import storage.types


revision: str = '0005'
down_revision: str | None = '0004_channel_menus'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


APPEND_ONLY_SQLITE = (
    "CREATE TRIGGER wish_events_no_update BEFORE UPDATE ON wish_events "
    "BEGIN SELECT RAISE(ABORT, 'wish_events is append-only'); END",
    "CREATE TRIGGER wish_events_no_delete BEFORE DELETE ON wish_events "
    "BEGIN SELECT RAISE(ABORT, 'wish_events is append-only'); END",
)
APPEND_ONLY_POSTGRESQL = (
    "CREATE FUNCTION wish_events_append_only() RETURNS trigger LANGUAGE plpgsql AS $$ "
    "BEGIN RAISE EXCEPTION 'wish_events is append-only'; END $$",
    "CREATE TRIGGER wish_events_no_update_or_delete BEFORE UPDATE OR DELETE ON wish_events "
    "FOR EACH ROW EXECUTE FUNCTION wish_events_append_only()",
)


def _is_sqlite() -> bool:
    return op.get_bind().dialect.name == "sqlite"


def upgrade() -> None:
    op.create_table('wishes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('category', sa.String(length=16), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('public_text', sa.Text(), nullable=True),
    sa.Column('photos', sa.JSON(), nullable=False),
    sa.Column('wished_by', sa.Date(), nullable=False),
    sa.Column('contact', sa.String(length=200), nullable=False),
    sa.Column('poster_person_id', sa.Integer(), nullable=False),
    sa.Column('poster_role', sa.String(length=32), nullable=False),
    sa.Column('beneficiary_person_id', sa.Integer(), nullable=True),
    sa.Column('community_id', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('reject_reason', sa.Text(), nullable=True),
    sa.Column('claimant_person_id', sa.Integer(), nullable=True),
    sa.Column('claim_group', sa.String(length=64), nullable=True),
    sa.Column('fulfil_photos', sa.JSON(), nullable=False),
    sa.Column('fulfil_note', sa.Text(), nullable=True),
    sa.Column('story', sa.Text(), nullable=True),
    sa.Column('created_at', storage.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('approved_at', storage.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('listed_at', storage.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('claimed_at', storage.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('fulfilled_at', storage.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('confirmed_at', storage.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('updated_at', storage.types.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['beneficiary_person_id'], ['people.id'], name=op.f('fk_wishes_beneficiary_person_id_people')),
    sa.ForeignKeyConstraint(['claimant_person_id'], ['people.id'], name=op.f('fk_wishes_claimant_person_id_people')),
    sa.ForeignKeyConstraint(['community_id'], ['units.id'], name=op.f('fk_wishes_community_id_units')),
    sa.ForeignKeyConstraint(['poster_person_id'], ['people.id'], name=op.f('fk_wishes_poster_person_id_people')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_wishes'))
    )
    with op.batch_alter_table('wishes', schema=None) as batch_op:
        batch_op.create_index('ix_wishes_status_community', ['status', 'community_id'], unique=False)
        batch_op.create_index('ix_wishes_claimant_status', ['claimant_person_id', 'status'], unique=False)
        batch_op.create_index('ix_wishes_poster', ['poster_person_id'], unique=False)

    op.create_table('wish_events',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('wish_id', sa.Integer(), nullable=False),
    sa.Column('action', sa.String(length=32), nullable=False),
    sa.Column('actor_person_id', sa.Integer(), nullable=True),
    sa.Column('actor_role', sa.String(length=32), nullable=False),
    sa.Column('from_status', sa.String(length=16), nullable=True),
    sa.Column('to_status', sa.String(length=16), nullable=False),
    sa.Column('note', sa.Text(), nullable=True),
    sa.Column('attachments', sa.JSON(), nullable=False),
    sa.Column('created_at', storage.types.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['actor_person_id'], ['people.id'], name=op.f('fk_wish_events_actor_person_id_people')),
    sa.ForeignKeyConstraint(['wish_id'], ['wishes.id'], name=op.f('fk_wish_events_wish_id_wishes')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_wish_events'))
    )
    with op.batch_alter_table('wish_events', schema=None) as batch_op:
        batch_op.create_index('ix_wish_events_wish_id_id', ['wish_id', 'id'], unique=False)
        batch_op.create_index('ix_wish_events_action_created_at', ['action', 'created_at'], unique=False)

    for statement in APPEND_ONLY_SQLITE if _is_sqlite() else APPEND_ONLY_POSTGRESQL:
        op.execute(statement)


def downgrade() -> None:
    if _is_sqlite():
        op.execute("DROP TRIGGER wish_events_no_update")
        op.execute("DROP TRIGGER wish_events_no_delete")
    else:
        op.execute("DROP TRIGGER wish_events_no_update_or_delete ON wish_events")
        op.execute("DROP FUNCTION wish_events_append_only()")
    with op.batch_alter_table('wish_events', schema=None) as batch_op:
        batch_op.drop_index('ix_wish_events_action_created_at')
        batch_op.drop_index('ix_wish_events_wish_id_id')
    op.drop_table('wish_events')
    with op.batch_alter_table('wishes', schema=None) as batch_op:
        batch_op.drop_index('ix_wishes_poster')
        batch_op.drop_index('ix_wishes_claimant_status')
        batch_op.drop_index('ix_wishes_status_community')
    op.drop_table('wishes')
