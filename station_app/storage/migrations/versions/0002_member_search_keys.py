"""Pinyin search keys for member names, backfilled for existing members.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "member_search_keys",
        sa.Column("key", sa.String(length=80), nullable=False),
        sa.Column("member_id", sa.String(length=36), nullable=False),
        sa.PrimaryKeyConstraint("key", "member_id", name=op.f("pk_member_search_keys")),
        sqlite_with_rowid=False,
    )
    op.create_index("ix_member_search_keys_member_id", "member_search_keys", ["member_id"])
    # Backfill: members written before this revision get their keys now.
    from station_app.domain.pinyin import search_keys

    conn = op.get_bind()
    members = conn.execute(sa.text("SELECT id, name FROM members")).all()
    rows = [{"k": k, "m": mid} for mid, name in members for k in search_keys(name)]
    if rows:
        conn.execute(
            sa.text("INSERT INTO member_search_keys (key, member_id) VALUES (:k, :m)"), rows
        )


def downgrade() -> None:
    op.drop_index("ix_member_search_keys_member_id", table_name="member_search_keys")
    op.drop_table("member_search_keys")
