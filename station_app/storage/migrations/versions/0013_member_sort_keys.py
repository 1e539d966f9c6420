"""Members in pinyin order, found by a phone's last digits, and pinyin keys ranked.

- ``members.name_sort``: the name's pinyin sort key (``pinyin.sort_key``), and the index
  ``ix_members_name_sort (name_sort, name, id, deleted)``: lists and search hits sort by
  pinyin (安 before 丁), not by code point (丁 before 安).
- ``members.phone_tail``: the phone's digits reversed (``derived.phone_tail``), and the
  index ``ix_members_phone_tail (phone_tail, id, deleted)``: the last digits of a phone
  find it through an index range, as its first digits do on ``phone``.
- ``member_name_keys.rank``: 0 the usual reading, 1 the given name alone ("xiaoming" for
  王小明, a new kind of key), 2 a rarer reading; a search lists better ranks first. The
  keys of every name are written again with their ranks.

Both member columns are derived from the row and never synced (each database computes
them: ``models.DERIVED``); they are filled here for the rows already there — one UPDATE
per distinct name and per distinct phone, before the indexes are made.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-05
"""

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None

CHUNK = 5_000


def upgrade() -> None:
    from station_app.domain.derived import phone_tail
    from station_app.domain.pinyin import ranked_keys, sort_key

    op.add_column("members", sa.Column("name_sort", sa.String(length=700), nullable=True))
    op.add_column("members", sa.Column("phone_tail", sa.String(length=30), nullable=True))
    op.add_column("member_name_keys", sa.Column("rank", sa.Integer(), nullable=False,
                                                server_default=sa.text("2")))
    conn = op.get_bind()
    names = sorted(conn.execute(sa.text(
        "SELECT DISTINCT name FROM members WHERE name IS NOT NULL")).scalars())
    phones = sorted(conn.execute(sa.text(
        "SELECT DISTINCT phone FROM members WHERE phone IS NOT NULL")).scalars())
    set_sort = sa.text("UPDATE members SET name_sort = :s WHERE name = :n")
    set_tail = sa.text("UPDATE members SET phone_tail = :t WHERE phone = :p")
    for i in range(0, len(names), CHUNK):
        conn.execute(set_sort, [{"s": sort_key(n), "n": n} for n in names[i:i + CHUNK]])
    for i in range(0, len(phones), CHUNK):
        conn.execute(set_tail, [{"t": phone_tail(p), "p": p} for p in phones[i:i + CHUNK]])
    # every name's keys again, with their ranks (and the given names' new keys)
    conn.execute(sa.text("DELETE FROM member_name_keys"))
    rows = sorted({(k, n, r) for n in names for k, r in ranked_keys(n)})
    put = sa.text("INSERT INTO member_name_keys (key, name, rank) VALUES (:k, :n, :r)")
    for i in range(0, len(rows), CHUNK * 4):
        conn.execute(put, [{"k": k, "n": n, "r": r} for k, n, r in rows[i:i + CHUNK * 4]])
    op.create_index("ix_members_name_sort", "members", ["name_sort", "name", "id", "deleted"])
    op.create_index("ix_members_phone_tail", "members", ["phone_tail", "id", "deleted"])


def downgrade() -> None:
    op.drop_index("ix_members_phone_tail", table_name="members")
    op.drop_index("ix_members_name_sort", table_name="members")
    with op.batch_alter_table("member_name_keys") as batch:
        batch.drop_column("rank")
    with op.batch_alter_table("members") as batch:
        batch.drop_column("phone_tail")
        batch.drop_column("name_sort")
