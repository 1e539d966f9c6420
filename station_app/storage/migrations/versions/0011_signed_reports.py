"""Signed reports: a work report kept as it was signed (figures, targets, who, when).

``signed_reports`` is a syncable, append-only table (a station's own signed reports go to
the district; the district's stay there): its rows refuse UPDATE (but of the sync stamp)
and DELETE by triggers, like the ledger's.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-12
"""

import sqlalchemy as sa
from alembic import op

from station_app.storage.triggers import (
    PROTECTED_0011,
    create_append_only_triggers,
    drop_append_only_triggers,
)

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "signed_reports",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("station_id", sa.String(length=36), nullable=False),
        sa.Column("hlc", sa.String(length=40), nullable=False),
        sa.Column("deleted", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("as_of", sa.Date(), nullable=False),
        sa.Column("scope", sa.String(length=10), nullable=False),
        sa.Column("scope_code", sa.String(length=32), nullable=True),
        sa.Column("scope_name", sa.String(length=100), nullable=False),
        sa.Column("content", sa.Text(), nullable=False),
        sa.Column("digest", sa.String(length=64), nullable=False),
        sa.Column("signed_by", sa.String(length=50), nullable=False),
        sa.Column("signed_by_name", sa.String(length=100), nullable=False),
        sa.Column("signed_at", sa.String(length=32), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.CheckConstraint("scope IN ('district', 'station')",
                           name=op.f("ck_signed_reports_scope")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_signed_reports")),
    )
    op.create_index("ix_signed_reports_station_id", "signed_reports", ["station_id"])
    op.create_index("ix_signed_reports_scope_as_of", "signed_reports", ["station_id", "as_of"])
    create_append_only_triggers(op.get_bind(), PROTECTED_0011)


def downgrade() -> None:
    drop_append_only_triggers(op.get_bind(), PROTECTED_0011)
    op.drop_index("ix_signed_reports_scope_as_of", table_name="signed_reports")
    op.drop_index("ix_signed_reports_station_id", table_name="signed_reports")
    op.drop_table("signed_reports")
