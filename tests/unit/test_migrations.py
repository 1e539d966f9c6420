"""Migrations: the scripts build the models' schema, the app knows every revision, old
files upgrade with their data, the append-only triggers survive every revision, and the
chain goes down and up again."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import inspect

from station_app.domain.models import APPEND_ONLY_TABLES, Base
from station_app.domain.services import members
from station_app.domain.validation import id_check_char
from station_app.storage import database
from station_app.storage.database import (
    KNOWN_REVISIONS,
    MIGRATIONS_DIR,
    SCHEMA_HEAD,
    migrate,
    open_database,
)
from station_app.storage.engine import make_engine
from station_app.storage.sqlfile import dbapi as sqlite3
from station_app.storage.triggers import existing_triggers, trigger_names


def make_id(n: int, born: date = date(1980, 1, 1)) -> str:
    born = born + timedelta(days=n // 1000)
    first17 = f"110101{born:%Y%m%d}{n % 1000:03d}"
    return first17 + id_check_char(first17)


def alembic_config() -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    return cfg


@pytest.fixture
def engine(tmp_path):
    eng = make_engine(tmp_path / "m.sqlite3")
    yield eng
    eng.dispose()


def revision_of(engine) -> str | None:
    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def user_tables(engine) -> set[str]:
    return set(inspect(engine).get_table_names()) - {"alembic_version"}


# --------------------------------------------------------------------------- schema


def test_head_schema_matches_the_models(engine):
    migrate(engine)
    assert revision_of(engine) == SCHEMA_HEAD
    insp = inspect(engine)
    assert user_tables(engine) == set(Base.metadata.tables)
    for table in Base.metadata.sorted_tables:
        got = {c["name"]: c for c in insp.get_columns(table.name)}
        assert set(got) == {c.name for c in table.columns}, table.name
        for col in table.columns:
            assert got[col.name]["nullable"] == col.nullable, (table.name, col.name)
        pk = insp.get_pk_constraint(table.name)["constrained_columns"]
        assert set(pk) == {c.name for c in table.primary_key.columns}, table.name
        fks = {(tuple(f["constrained_columns"]), f["referred_table"])
               for f in insp.get_foreign_keys(table.name)}
        want = {(tuple(fk.parent.name for fk in c.elements), c.referred_table.name)
                for c in table.foreign_key_constraints}
        assert fks == want, table.name
        indexes = {i["name"] for i in insp.get_indexes(table.name)}
        assert {i.name for i in table.indexes} <= indexes, table.name
    # and Alembic's own comparison finds nothing to generate
    with engine.connect() as conn:
        ctx = MigrationContext.configure(conn, opts={"compare_type": True})
        assert compare_metadata(ctx, Base.metadata) == []


def test_known_revisions_are_the_scripts_in_order():
    script = ScriptDirectory.from_config(alembic_config())
    in_order = [s.revision for s in reversed(list(script.walk_revisions()))]
    assert tuple(in_order) == KNOWN_REVISIONS
    assert script.get_heads() == [SCHEMA_HEAD]
    assert script.get_current_head() == SCHEMA_HEAD == database.SCHEMA_HEAD
    # a linear chain: every revision follows the one before it
    for before, after in zip(in_order, in_order[1:], strict=False):
        assert script.get_revision(after).down_revision == before


# --------------------------------------------------------------------------- old files


def _raw_member(con: sqlite3.Connection, n: int, name: str, *, phone: str | None = None,
                status: str = "active") -> str:
    number = make_id(n)
    row_id = f"00000000-0000-7000-8000-{n:012d}"
    con.execute(
        "INSERT INTO members (id, station_id, hlc, deleted, name, id_number, gender, "
        "birth_date, status, migrant_worker, phone) VALUES (?, ?, ?, 0, ?, ?, ?, ?, ?, 0, ?)",
        (row_id, "st-old", f"{1_700_000_000_000 + n:013d}-00000-oldnode", name, number,
         "M" if int(number[16]) % 2 else "F", "1980-01-01", status, phone),
    )
    return row_id


def test_an_old_database_upgrades_with_its_members(tmp_path):
    path = tmp_path / "old.sqlite3"
    eng = make_engine(path)
    migrate(eng, "0001")
    eng.dispose()
    con = sqlite3.connect(path)
    ids = {
        "张三": _raw_member(con, 1, "张三", phone="13800138000"),
        "李四": _raw_member(con, 2, "李四"),
        "曾小明": _raw_member(con, 3, "曾小明", status="left"),
    }
    namesake = _raw_member(con, 4, "张三")  # two members share a name, and its keys
    con.commit()
    tables = {r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    assert "member_search_keys" not in tables
    columns = ", ".join(f'"{r[1]}"' for r in con.execute("PRAGMA table_info(members)"))
    before = con.execute(f"SELECT {columns} FROM members ORDER BY id").fetchall()
    con.close()

    db = open_database(path)
    try:
        assert revision_of(db.engine) == SCHEMA_HEAD
        con = sqlite3.connect(path)
        # every column the file had is as it was; the derived ones (revision 0013) filled
        assert con.execute(f"SELECT {columns} FROM members ORDER BY id").fetchall() == before
        derived = dict(con.execute("SELECT id, name_sort || ' ' || ifnull(phone_tail, '-') "
                                   "FROM members").fetchall())
        assert derived[ids["张三"]] == "zhang1san10005f20004e09 00083100831"
        assert derived[ids["李四"]].endswith(" -")
        keyed = con.execute("SELECT key, name FROM member_name_keys ORDER BY 1, 2").fetchall()
        tables = {r[0] for r in con.execute("SELECT name FROM sqlite_master")}
        con.close()
        assert {name for _k, name in keyed} == set(ids)
        assert ("zs", "张三") in keyed and ("zhangsan", "张三") in keyed
        assert "member_search_keys" not in tables  # revision 0006 keys names, not members
        with db.reader() as s:
            assert sorted(h.id for h in members.search_members(s, "zs")) == sorted(
                [ids["张三"], namesake])
            assert [h.id for h in members.search_members(s, "lis")] == [ids["李四"]]
            assert [h.id for h in members.search_members(s, "zxm")] == [ids["曾小明"]]
            assert [h.id for h in members.search_members(s, "zeng")] == [ids["曾小明"]]
            assert [h.id for h in members.search_members(s, "1380013")] == [ids["张三"]]
    finally:
        db.close()


# --------------------------------------------------------------------------- triggers


def _assert_triggers_fire(path: Path) -> None:
    con = sqlite3.connect(path)  # foreign keys off: bare rows are enough here
    try:
        con.execute(
            "INSERT INTO audit_log (at, actor, action) VALUES ('2026-01-01T00:00:00Z', 't', 'x')"
        )
        con.execute(
            "INSERT INTO watch_list_entries (id, station_id, hlc, deleted, enterprise_id, "
            "action, reason, entry_date) VALUES ('w1', 's', 'h', 0, 'e', 'listed', 'r', "
            "'2026-01-01')"
        )
        con.execute(
            "INSERT INTO ledger_entries (id, station_id, hlc, deleted, case_id, entry_date, "
            "kind, amount_fen) VALUES ('l1', 's', 'h', 0, 'c', '2026-01-01', 'other', 100)"
        )
        for table, setter in (
            ("audit_log", "actor = 'y'"),
            ("watch_list_entries", "reason = 'y'"),
            ("ledger_entries", "amount_fen = 1"),
        ):
            with pytest.raises(sqlite3.DatabaseError, match="append-only"):
                con.execute(f"UPDATE {table} SET {setter}")
            with pytest.raises(sqlite3.DatabaseError, match="append-only"):
                con.execute(f"DELETE FROM {table}")
        for table in ("watch_list_entries", "ledger_entries"):
            con.execute(f"UPDATE {table} SET hlc = 'h2'")  # re-stamping is allowed
    finally:
        con.rollback()
        con.close()


def _assert_triggers_exist(engine) -> None:
    with engine.connect() as conn:
        present = existing_triggers(conn)
    tables = user_tables(engine)  # (a table a later revision makes is checked from then on)
    for table in (t for t in APPEND_ONLY_TABLES if t in tables):
        for name in trigger_names(table):
            assert name in present, (name, present)


def test_append_only_triggers_exist_and_fire_after_every_revision(tmp_path):
    path = tmp_path / "steps.sqlite3"
    eng = make_engine(path)
    try:
        for revision in KNOWN_REVISIONS:
            migrate(eng, revision)
            assert revision_of(eng) == revision
            _assert_triggers_exist(eng)
            _assert_triggers_fire(path)
    finally:
        eng.dispose()


def test_downgrade_to_base_and_upgrade_again(tmp_path):
    path = tmp_path / "down.sqlite3"
    eng = make_engine(path)
    try:
        migrate(eng)
        cfg = alembic_config()
        for target in reversed(("base", *KNOWN_REVISIONS[:-1])):
            with eng.begin() as conn:
                cfg.attributes["connection"] = conn
                command.downgrade(cfg, target)
            assert revision_of(eng) == (None if target == "base" else target)
            if target != "base":
                _assert_triggers_exist(eng)
        assert user_tables(eng) == set()
        with eng.connect() as conn:
            assert existing_triggers(conn) == set()
        migrate(eng)
        assert revision_of(eng) == SCHEMA_HEAD
        assert user_tables(eng) == set(Base.metadata.tables)
        _assert_triggers_exist(eng)
        _assert_triggers_fire(path)
    finally:
        eng.dispose()
    # the rebuilt file is a working station database
    db = open_database(path)
    db.close()
