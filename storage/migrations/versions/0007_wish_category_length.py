"""widen wishes.category to fit every category code (left_behind_child has 17 characters)

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-21
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("wishes") as batch_op:
        batch_op.alter_column("category", existing_type=sa.String(length=16), type_=sa.String(length=32), existing_nullable=False)


def downgrade() -> None:
    with op.batch_alter_table("wishes") as batch_op:
        batch_op.alter_column("category", existing_type=sa.String(length=32), type_=sa.String(length=16), existing_nullable=False)
