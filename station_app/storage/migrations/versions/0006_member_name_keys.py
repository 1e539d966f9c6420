"""Pinyin search keys per distinct name instead of per member.

``member_search_keys(key, member_id)`` held ~4.5 rows per member in two B-trees (the keys
and an index by member, to replace them on a rename). ``member_name_keys(key, name)``
holds the keys of each distinct name once, in one B-tree: members sharing a name share
its keys, a rename only adds the new name's keys, and a search finds the names by key and
the members by name (``ix_members_name``). Keys of names no member carries any more stay
behind; they find nobody.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-24
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "member_name_keys",
        sa.Column("key", sa.String(length=80), nullable=False),
        sa.Column("name", sa.String(length=50), nullable=False),
        sa.PrimaryKeyConstraint("key", "name", name=op.f("pk_member_name_keys")),
        sqlite_with_rowid=False,
    )
    from station_app.domain.pinyin import search_keys

    conn = op.get_bind()
    names = conn.execute(sa.text("SELECT DISTINCT name FROM members")).scalars().all()
    rows = sorted({(k, name) for name in names for k in search_keys(name)})
    if rows:
        conn.execute(sa.text("INSERT INTO member_name_keys (key, name) VALUES (:k, :n)"),
                     [{"k": k, "n": n} for k, n in rows])
    op.drop_index("ix_member_search_keys_member_id", table_name="member_search_keys")
    op.drop_table("member_search_keys")


def downgrade() -> None:
    op.create_table(
        "member_search_keys",
        sa.Column("key", sa.String(length=80), nullable=False),
        sa.Column("member_id", sa.String(length=36), nullable=False),
        sa.PrimaryKeyConstraint("key", "member_id", name=op.f("pk_member_search_keys")),
        sqlite_with_rowid=False,
    )
    op.create_index("ix_member_search_keys_member_id", "member_search_keys", ["member_id"])
    conn = op.get_bind()
    conn.execute(sa.text(
        "INSERT INTO member_search_keys (key, member_id) SELECT k.key, m.id "
        "FROM member_name_keys k JOIN members m ON m.name = k.name"))
    op.drop_table("member_name_keys")
