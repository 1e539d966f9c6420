"""The district decides: a batch id bound to its rows, enrollment codes that expire.

``sync_batches.digest`` binds a batch id to the rows it acknowledged (a batch id sent again
with other rows is refused); ``sync_batches.refused`` keeps the rows the district's checks
refused in it, so the batch sent again is answered as the first time.
``station_credentials.code_expires_at``: when the pending enrollment code stops working.
Rows from before this revision have none of these (a code issued before keeps working until
it is used or replaced).

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-05
"""

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("sync_batches") as batch:
        batch.add_column(sa.Column("digest", sa.String(length=64), nullable=True))
        batch.add_column(sa.Column("refused", sa.Text(), nullable=True))
    with op.batch_alter_table("station_credentials") as batch:
        batch.add_column(sa.Column("code_expires_at", sa.String(length=32), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("station_credentials") as batch:
        batch.drop_column("code_expires_at")
    with op.batch_alter_table("sync_batches") as batch:
        batch.drop_column("refused")
        batch.drop_column("digest")
