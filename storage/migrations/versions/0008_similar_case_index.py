"""index open cases by department, grid and time, for the similar-case check (附议) on every report

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-21
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index("ix_cases_department_grid_created", "cases", ["department_code", "grid_id", "created_at"])


def downgrade() -> None:
    op.drop_index("ix_cases_department_grid_created", table_name="cases")
