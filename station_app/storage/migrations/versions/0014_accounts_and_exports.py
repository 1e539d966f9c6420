"""Accounts and least exposure (issue 15, items 9 and 10).

- ``users.must_change_password``: a password someone else set (a new user, a reset) is
  changed at the user's next login before the window opens.
- ``export_records``: every export and print of personal data — who, what, how many
  rows, the file's name without its folder, whether ID numbers went out in full. A
  syncable, append-only table (a station's rows go to the district; triggers refuse
  UPDATE but of the sync stamp, and DELETE, like the ledger's).

Locks after failed logins need no column: they are read from the audit log
(``users.lock_state``), where failed logins, locks and unlocks are recorded anyway.

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-20
"""

import sqlalchemy as sa
from alembic import op

from station_app.storage.triggers import (
    PROTECTED_0014,
    create_append_only_triggers,
    drop_append_only_triggers,
)

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("users") as batch:
        batch.add_column(sa.Column("must_change_password", sa.Boolean(), nullable=False,
                                   server_default=sa.false()))
    op.create_table(
        "export_records",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("station_id", sa.String(length=36), nullable=False),
        sa.Column("hlc", sa.String(length=40), nullable=False),
        sa.Column("deleted", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("at", sa.String(length=32), nullable=False),
        sa.Column("actor", sa.String(length=50), nullable=False),
        sa.Column("actor_name", sa.String(length=100), nullable=False),
        sa.Column("actor_role", sa.String(length=20), nullable=False),
        sa.Column("action", sa.String(length=10), nullable=False),
        sa.Column("what", sa.String(length=20), nullable=False),
        sa.Column("row_count", sa.Integer(), nullable=False),
        sa.Column("file_name", sa.String(length=255), nullable=True),
        sa.Column("full_ids", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.CheckConstraint("action IN ('export', 'print')",
                           name=op.f("ck_export_records_action")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_export_records")),
    )
    op.create_index("ix_export_records_station_id", "export_records", ["station_id"])
    op.create_index("ix_export_records_station_at", "export_records", ["station_id", "at"])
    create_append_only_triggers(op.get_bind(), PROTECTED_0014)


def downgrade() -> None:
    drop_append_only_triggers(op.get_bind(), PROTECTED_0014)
    op.drop_index("ix_export_records_station_at", table_name="export_records")
    op.drop_index("ix_export_records_station_id", table_name="export_records")
    op.drop_table("export_records")
    with op.batch_alter_table("users") as batch:
        batch.drop_column("must_change_password")
