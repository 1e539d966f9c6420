"""Sync bookkeeping: the base stamp of each outbox entry, conflicts, applied batches.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-23
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("outbox") as batch:
        batch.add_column(sa.Column("base_hlc", sa.String(length=40), nullable=True))
    op.create_table(
        "sync_conflicts",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("table_name", sa.String(length=40), nullable=False),
        sa.Column("row_id", sa.String(length=36), nullable=False),
        sa.Column("winner_hlc", sa.String(length=40), nullable=False),
        sa.Column("loser_hlc", sa.String(length=40), nullable=False),
        sa.Column("winner", sa.Text(), nullable=False),
        sa.Column("loser", sa.Text(), nullable=False),
        sa.Column("loser_source", sa.String(length=10), nullable=False),
        sa.Column("detected_at", sa.String(length=32), nullable=False),
        sa.Column("resolved_at", sa.String(length=32), nullable=True),
        sa.Column("resolved_by", sa.String(length=50), nullable=True),
        sa.Column("resolution", sa.String(length=20), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sync_conflicts")),
    )
    op.create_index("ix_sync_conflicts_row", "sync_conflicts", ["table_name", "row_id"])
    op.create_table(
        "sync_batches",
        sa.Column("batch_id", sa.String(length=36), nullable=False),
        sa.Column("station_id", sa.String(length=36), nullable=False),
        sa.Column("node", sa.String(length=40), nullable=False),
        sa.Column("applied_at", sa.String(length=32), nullable=False),
        sa.Column("rows", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("batch_id", name=op.f("pk_sync_batches")),
    )


def downgrade() -> None:
    op.drop_table("sync_batches")
    op.drop_index("ix_sync_conflicts_row", table_name="sync_conflicts")
    op.drop_table("sync_conflicts")
    with op.batch_alter_table("outbox") as batch:
        batch.drop_column("base_hlc")
