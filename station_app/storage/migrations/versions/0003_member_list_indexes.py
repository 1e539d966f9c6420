"""Member list indexes in (column, id, deleted) order.

The members page lists 100,000 members in (name, id) order by keyset pages; with the id
right after the sort column the index gives that order directly (no temporary sort) and
still covers the search's ``deleted = 0`` test.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-23
"""

from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

COLUMNS = ("name", "id_number", "phone")


def upgrade() -> None:
    for col in COLUMNS:
        op.drop_index(f"ix_members_{col}", table_name="members")
        op.create_index(f"ix_members_{col}", "members", [col, "id", "deleted"])


def downgrade() -> None:
    for col in COLUMNS:
        op.drop_index(f"ix_members_{col}", table_name="members")
        op.create_index(f"ix_members_{col}", "members", [col, "deleted", "id"])
