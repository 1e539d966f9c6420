"""Indexes for counting persons: ``ix_members_person`` — ``members (id_number, deleted,
status, status_date, join_date, migrant_worker, station_id)``, covering — and
``ix_members_leaving`` — ``(status, status_date, deleted, id_number, station_id)`` over the
rows with a leaving status only.

The work summary's membership figures count distinct ID numbers (a person with rows at
two stations is one person at the district) among the rows on the roll on a date, joined,
left, deceased or transferred in its year. The covering index makes the roll one scan in
ID-number order without reading the table (about a quarter of the time through the table
over 500,000 members, docs/BENCHMARKS.md); the partial one finds a year's leavers among
the few rows that left, and registering members (active) never writes to it.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-05
"""

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

PERSON = ["id_number", "deleted", "status", "status_date", "join_date", "migrant_worker",
          "station_id"]
LEAVING = ["status", "status_date", "deleted", "id_number", "station_id"]
LEAVING_WHERE = "status != 'active'"


def upgrade() -> None:
    op.create_index("ix_members_person", "members", PERSON)
    op.create_index("ix_members_leaving", "members", LEAVING,
                    sqlite_where=sa.text(LEAVING_WHERE), postgresql_where=sa.text(LEAVING_WHERE))


def downgrade() -> None:
    op.drop_index("ix_members_leaving", table_name="members")
    op.drop_index("ix_members_person", table_name="members")
