"""Sign-offs as records of their own: a station head's (``signoffs``: the grassroots block
of a hardship file, a week's visits) and the upper union's of a hardship file
(``case_upper_signoffs``, the district's own rows).

The sign-offs kept so far on the hardship file's row (``grassroots_signed_by/_date``,
``upper_signed_by/_date``) are copied into the new tables, each as one row with an id
derived from its file (the same at the station and at the district, so the two copies
meet in sync) and the file's stamp; what was signed was not recorded then (``content``
empty). The columns stay in the schema, no longer written: older stations' rows still
carry them. At a station its own copied rows are queued for the district; at the district
the upper union's copied rows join the change log, so each station pulls those of its
files. ``local_state.key`` is widened to 80 characters (the district's keys per station
did not fit PostgreSQL's 40).

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-20
"""

import json
import uuid
from datetime import UTC, date, datetime

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None

# (the project's namespace for derived ids: station_app.domain.ids.NAMESPACE)
NAMESPACE = uuid.UUID("6f1c2a52-3f0e-5b7a-9c41-2d9e8b7a1c00")
DISTRICT_OWNER_ID = str(uuid.uuid5(NAMESPACE, "district"))


def _signature_columns() -> list[sa.Column]:
    return [
        sa.Column("signed_by", sa.String(length=50), nullable=False),
        sa.Column("signed_by_name", sa.String(length=100), nullable=False),
        sa.Column("signed_date", sa.Date(), nullable=False),
        sa.Column("signed_at", sa.String(length=32), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("content", sa.Text(), nullable=True),
        sa.Column("void_at", sa.String(length=32), nullable=True),
        sa.Column("void_by", sa.String(length=50), nullable=True),
        sa.Column("void_by_name", sa.String(length=100), nullable=True),
        sa.Column("void_reason", sa.Text(), nullable=True),
    ]


def _sync_shape() -> list[sa.Column]:
    return [
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("station_id", sa.String(length=36), nullable=False),
        sa.Column("hlc", sa.String(length=40), nullable=False),
        sa.Column("deleted", sa.Boolean(), server_default=sa.false(), nullable=False),
    ]


def upgrade() -> None:
    op.create_table(
        "signoffs",
        *_sync_shape(),
        sa.Column("kind", sa.String(length=12), nullable=False),
        sa.Column("case_id", sa.String(length=36), nullable=True),
        sa.Column("iso_year", sa.Integer(), nullable=True),
        sa.Column("iso_week", sa.Integer(), nullable=True),
        *_signature_columns(),
        sa.CheckConstraint("kind IN ('case', 'visit_week')", name=op.f("ck_signoffs_kind")),
        sa.ForeignKeyConstraint(["case_id"], ["hardship_cases.id"],
                                name=op.f("fk_signoffs_case_id_hardship_cases")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_signoffs")),
    )
    op.create_index("ix_signoffs_station_id", "signoffs", ["station_id"])
    op.create_index("ix_signoffs_case_id", "signoffs", ["case_id"])
    op.create_index("ix_signoffs_week", "signoffs", ["station_id", "iso_year", "iso_week"])
    op.create_table(
        "case_upper_signoffs",
        *_sync_shape(),
        sa.Column("case_id", sa.String(length=36), nullable=False),
        *_signature_columns(),
        sa.ForeignKeyConstraint(["case_id"], ["hardship_cases.id"],
                                name=op.f("fk_case_upper_signoffs_case_id_hardship_cases")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_case_upper_signoffs")),
    )
    op.create_index("ix_case_upper_signoffs_station_id", "case_upper_signoffs",
                    ["station_id"])
    op.create_index("ix_case_upper_signoffs_case_id", "case_upper_signoffs", ["case_id"])
    # the district's per-station keys ("bundle_cursor:<station id>", 50 characters) did
    # not fit PostgreSQL's varchar(40): sync by file failed at a PostgreSQL district
    with op.batch_alter_table("local_state") as batch:
        batch.alter_column("key", existing_type=sa.String(length=40),
                           type_=sa.String(length=80), existing_nullable=False)
    _copy_signatures(op.get_bind())


def _copy_signatures(conn) -> None:
    """The sign-offs on hardship files' rows, copied into the new tables."""
    cases = sa.table(
        "hardship_cases", sa.column("id", sa.String), sa.column("station_id", sa.String),
        sa.column("hlc", sa.String), sa.column("deleted", sa.Boolean),
        sa.column("grassroots_signed_by", sa.String),
        sa.column("grassroots_signed_date", sa.Date),
        sa.column("upper_signed_by", sa.String), sa.column("upper_signed_date", sa.Date))
    found = conn.execute(sa.select(cases).where(sa.or_(
        sa.and_(cases.c.grassroots_signed_by.is_not(None),
                cases.c.grassroots_signed_date.is_not(None)),
        sa.and_(cases.c.upper_signed_by.is_not(None),
                cases.c.upper_signed_date.is_not(None))))).all()
    if not found:
        return
    here = conn.execute(sa.text(
        "SELECT value FROM local_state WHERE key = 'station_id'")).scalar()
    at_district = here == DISTRICT_OWNER_ID
    def columns() -> list:
        return [sa.column(n) for n in ("id", "station_id", "hlc", "signed_by",
                                       "signed_by_name", "signed_at", "note", "content")] + [
            sa.column("deleted", sa.Boolean), sa.column("case_id"),
            sa.column("signed_date", sa.Date)]

    signoffs = sa.table("signoffs", *columns(), sa.column("kind"))
    upper = sa.table("case_upper_signoffs", *columns())
    grassroots_rows, upper_rows = [], []
    for case in found:
        for who, when, rows, owner, prefix in (
                (case.grassroots_signed_by, case.grassroots_signed_date, grassroots_rows,
                 case.station_id, "signoff:case"),
                (case.upper_signed_by, case.upper_signed_date, upper_rows,
                 DISTRICT_OWNER_ID, "upper-signoff")):
            if who is None or when is None:
                continue
            if isinstance(when, str):
                when = date.fromisoformat(when)
            row = {"id": str(uuid.uuid5(NAMESPACE, f"{prefix}:{case.id}:0012")),
                   "station_id": owner, "hlc": case.hlc, "deleted": bool(case.deleted),
                   "signed_by": who, "signed_by_name": who, "signed_date": when,
                   "signed_at": f"{when.isoformat()}T00:00:00.000000Z", "note": None,
                   "content": None, "case_id": case.id}
            if rows is grassroots_rows:
                row["kind"] = "case"
            rows.append(row)
    if grassroots_rows:
        conn.execute(signoffs.insert(), grassroots_rows)
    if upper_rows:
        conn.execute(upper.insert(), upper_rows)
    outbox = sa.table("outbox", sa.column("table_name"), sa.column("row_id"),
                      sa.column("hlc"), sa.column("base_hlc"))
    if here and not at_district:
        own = [{"table_name": "signoffs", "row_id": r["id"], "hlc": r["hlc"],
                "base_hlc": None} for r in grassroots_rows if r["station_id"] == here]
        if own:
            conn.execute(outbox.insert(), own)
    if at_district and upper_rows:
        log = sa.table("change_log", sa.column("table_name"), sa.column("row_id"),
                       sa.column("owner_id"), sa.column("origin_id"), sa.column("hlc"))
        conn.execute(log.insert(), [
            {"table_name": "case_upper_signoffs", "row_id": r["id"],
             "owner_id": DISTRICT_OWNER_ID, "origin_id": DISTRICT_OWNER_ID,
             "hlc": r["hlc"]} for r in upper_rows])
    audit = sa.table("audit_log", sa.column("at"), sa.column("actor"), sa.column("action"),
                     sa.column("table_name"), sa.column("row_id"), sa.column("detail"))
    conn.execute(audit.insert(), [{
        "at": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ"), "actor": "migration",
        "action": "migrate", "table_name": "hardship_cases", "row_id": None,
        "detail": json.dumps({"revision": "0012", "signoffs": len(grassroots_rows),
                              "case_upper_signoffs": len(upper_rows)})}])


def downgrade() -> None:
    with op.batch_alter_table("local_state") as batch:
        batch.alter_column("key", existing_type=sa.String(length=80),
                           type_=sa.String(length=40), existing_nullable=False)
    op.drop_index("ix_case_upper_signoffs_case_id", table_name="case_upper_signoffs")
    op.drop_index("ix_case_upper_signoffs_station_id", table_name="case_upper_signoffs")
    op.drop_table("case_upper_signoffs")
    op.drop_index("ix_signoffs_week", table_name="signoffs")
    op.drop_index("ix_signoffs_case_id", table_name="signoffs")
    op.drop_index("ix_signoffs_station_id", table_name="signoffs")
    op.drop_table("signoffs")
