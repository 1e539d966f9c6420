"""Name the station a sync conflict came with (``sync_conflicts.station_id``).

At the district, a conflict was counted against the owner of the row. For a shared row
(an enterprise one station registered and another corrected) that is the wrong station:
the one whose push met the conflict is the one to ask. Conflicts recorded before this
revision keep no station and are still counted against the row's owner.

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-24
"""

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("sync_conflicts") as batch:
        batch.add_column(sa.Column("station_id", sa.String(length=36), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("sync_conflicts") as batch:
        batch.drop_column("station_id")
