"""Database triggers that make history tables append-only, on SQLite and PostgreSQL.

The ledger (台账), the watch-list history, the audit log and signed reports refuse UPDATE
and DELETE at the database level, so not even a raw SQL tool can rewrite history. The one
exception is the sync stamp (``hlc``) of ledger, watch-list and signed-report rows, which a
clock correction may re-stamp while the row waits to be sent; the content of the row never
changes.

SQLite batch migrations recreate tables and lose their triggers, so a migration that
alters one of these tables calls ``create_append_only_triggers`` again with the columns of
its own revision (``tests/unit/test_migrations.py`` proves the triggers exist after every
revision).
"""

from __future__ import annotations

from sqlalchemy.engine import Connection

# Columns protected per table as of revision 0001. A later revision that changes these
# tables passes its own mapping; never edit this one.
PROTECTED_0001: dict[str, tuple[str, ...] | None] = {
    "ledger_entries": (
        "id", "station_id", "deleted", "case_id", "entry_date", "kind", "amount_fen",
        "cover_year", "beneficiary", "funding_source", "handled_by", "note", "reverses_id",
    ),
    "watch_list_entries": (
        "id", "station_id", "deleted", "enterprise_id", "action", "reason", "entry_date",
        "recorded_by",
    ),
    "audit_log": None,  # None: every update is refused
}
# Revision 0011: signed reports (a report as it was signed), the same rule — only the sync
# stamp may be re-written (clock correction).
PROTECTED_0011: dict[str, tuple[str, ...] | None] = {
    "signed_reports": (
        "id", "station_id", "deleted", "as_of", "scope", "scope_code", "scope_name",
        "content", "digest", "signed_by", "signed_by_name", "signed_at", "note",
    ),
}
# Revision 0014: the records of exports and prints, the same rule.
PROTECTED_0014: dict[str, tuple[str, ...] | None] = {
    "export_records": (
        "id", "station_id", "deleted", "at", "actor", "actor_name", "actor_role", "action",
        "what", "row_count", "file_name", "full_ids",
    ),
}


def trigger_names(table: str) -> tuple[str, str]:
    return f"{table}_no_update", f"{table}_no_delete"


def create_append_only_triggers(
    conn: Connection, protected: dict[str, tuple[str, ...] | None] = PROTECTED_0001
) -> None:
    dialect = conn.dialect.name
    if dialect == "postgresql":
        conn.exec_driver_sql(
            "CREATE OR REPLACE FUNCTION station_refuse_change() RETURNS trigger AS $$ "
            "BEGIN RAISE EXCEPTION '%% is append-only: rows are never changed or deleted', "
            "TG_TABLE_NAME; END $$ LANGUAGE plpgsql"
        )
    for table, columns in protected.items():
        upd, dele = trigger_names(table)
        conn.exec_driver_sql(f"DROP TRIGGER IF EXISTS {upd}" + (f" ON {table}" if dialect == "postgresql" else ""))
        conn.exec_driver_sql(f"DROP TRIGGER IF EXISTS {dele}" + (f" ON {table}" if dialect == "postgresql" else ""))
        if dialect == "sqlite":
            msg = f"{table} is append-only: rows are never changed or deleted"
            when = ""
            if columns:
                same = " AND ".join(f"NEW.{c} IS OLD.{c}" for c in columns)
                when = f" WHEN NOT ({same})"
            conn.exec_driver_sql(
                f"CREATE TRIGGER {upd} BEFORE UPDATE ON {table}{when} "
                f"BEGIN SELECT RAISE(ABORT, '{msg}'); END"
            )
            conn.exec_driver_sql(
                f"CREATE TRIGGER {dele} BEFORE DELETE ON {table} "
                f"BEGIN SELECT RAISE(ABORT, '{msg}'); END"
            )
        elif dialect == "postgresql":
            when = ""
            if columns:
                old = ", ".join(f"OLD.{c}" for c in columns)
                new = ", ".join(f"NEW.{c}" for c in columns)
                when = f" WHEN (ROW({old}) IS DISTINCT FROM ROW({new}))"
            conn.exec_driver_sql(
                f"CREATE TRIGGER {upd} BEFORE UPDATE ON {table} FOR EACH ROW{when} "
                "EXECUTE FUNCTION station_refuse_change()"
            )
            conn.exec_driver_sql(
                f"CREATE TRIGGER {dele} BEFORE DELETE ON {table} FOR EACH ROW "
                "EXECUTE FUNCTION station_refuse_change()"
            )
            conn.exec_driver_sql(
                f"DROP TRIGGER IF EXISTS {table}_no_truncate ON {table}"
            )
            conn.exec_driver_sql(
                f"CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table} "
                "FOR EACH STATEMENT EXECUTE FUNCTION station_refuse_change()"
            )
        else:  # pragma: no cover - only SQLite and PostgreSQL are supported
            raise NotImplementedError(dialect)


def drop_append_only_triggers(
    conn: Connection, protected: dict[str, tuple[str, ...] | None] = PROTECTED_0001
) -> None:
    pg = conn.dialect.name == "postgresql"
    for table in protected:
        for name in (*trigger_names(table), f"{table}_no_truncate"):
            if name.endswith("truncate") and not pg:
                continue
            conn.exec_driver_sql(f"DROP TRIGGER IF EXISTS {name}" + (f" ON {table}" if pg else ""))


def existing_triggers(conn: Connection) -> set[str]:
    if conn.dialect.name == "sqlite":
        rows = conn.exec_driver_sql("SELECT name FROM sqlite_master WHERE type = 'trigger'")
    else:
        rows = conn.exec_driver_sql(
            "SELECT tgname FROM pg_trigger WHERE NOT tgisinternal"
        )
    return {r[0] for r in rows}
