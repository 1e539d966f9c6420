"""District tables: the numbered change log for pulls, and station credentials.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-23
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "change_log",
        sa.Column("seq", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("table_name", sa.String(length=40), nullable=False),
        sa.Column("row_id", sa.String(length=36), nullable=False),
        sa.Column("owner_id", sa.String(length=36), nullable=False),
        sa.Column("origin_id", sa.String(length=36), nullable=False),
        sa.Column("hlc", sa.String(length=40), nullable=False),
        sa.PrimaryKeyConstraint("seq", name=op.f("pk_change_log")),
    )
    op.create_index("ix_change_log_owner_seq", "change_log", ["owner_id", "seq"])
    op.create_table(
        "station_credentials",
        sa.Column("station_id", sa.String(length=36), nullable=False),
        sa.Column("token_hash", sa.String(length=128), nullable=True),
        sa.Column("enrollment_hash", sa.String(length=128), nullable=True),
        sa.Column("bundle_secret", sa.String(length=64), nullable=False),
        sa.Column("enrolled_at", sa.String(length=32), nullable=False),
        sa.Column("revoked_at", sa.String(length=32), nullable=True),
        sa.Column("last_sync_at", sa.String(length=32), nullable=True),
        sa.PrimaryKeyConstraint("station_id", name=op.f("pk_station_credentials")),
    )


def downgrade() -> None:
    op.drop_table("station_credentials")
    op.drop_index("ix_change_log_owner_seq", table_name="change_log")
    op.drop_table("change_log")
