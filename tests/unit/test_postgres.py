"""The same models, migrations and services on a real PostgreSQL 15 (the district's database)."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import text


@pytest.fixture
def district(pg_url):
    from station_app.domain.ids import DISTRICT_OWNER_ID
    from station_app.storage.database import open_database

    db = open_database(pg_url, create=True)
    db.set_state("station_id", DISTRICT_OWNER_ID)
    yield db
    db.close()


def test_migrations_reach_head_with_the_append_only_triggers(district, pg_url):
    from station_app.domain.models import APPEND_ONLY_TABLES
    from station_app.storage.database import SCHEMA_HEAD, open_database
    from station_app.storage.triggers import existing_triggers, trigger_names

    with district.engine.connect() as conn:
        assert conn.execute(text("SELECT version_num FROM alembic_version")).scalar() == \
            SCHEMA_HEAD
        present = existing_triggers(conn)
    for table in APPEND_ONLY_TABLES:
        assert set(trigger_names(table)) <= present
        assert f"{table}_no_truncate" in present
    # opening again does not migrate again and keeps the identity
    again = open_database(pg_url)
    assert again.node_id == district.node_id
    again.close()


def test_services_and_history_on_postgres(district, district_admin):
    from station_app.domain.ids import station_id_for
    from station_app.domain.services import hardship, members, metrics, stations
    from station_app.domain.validation import id_check_char

    with district.session(district_admin) as s:
        stations.upsert_station(s, "KY01", "葵涌社区工联会", is_key=True)
    with district.session(district_admin) as s:
        s.info["ctx"].station_id = station_id_for("KY01")
        body = "44030519900101123"
        m = members.register_member(s, {"name": "曾小明", "id_number": body + id_check_char(body),
                                        "phone": "13800138000"})
        case = hardship.open_case(s, m.id, {"category": "illness", "level": "deep",
                                            "household_size": 2,
                                            "registered_date": "2026-01-02"})
        e1 = hardship.add_entry(s, case.id, {"kind": "condolence", "amount": "100",
                                             "entry_date": "2026-02-01"})
        hardship.add_entry(s, case.id, {"kind": "home_visit", "entry_date": "2026-02-02"})
        hardship.reverse_entry(s, e1.id, "录错", on="2026-02-03")
    with district.reader() as s:
        assert [h.name for h in members.search_members(s, "zxm")] == ["曾小明"]
        assert [h.name for h in members.search_members(s, "0101")] == ["曾小明"]
        assert [h.name for h in members.search_members(s, "1380")] == ["曾小明"]
        assert [h.name for h in members.search_members(s, "小")] == ["曾小明"]
        assert hardship.reconcile(s) == []
        assert hardship.ledger_totals(s, group_by=("year", "kind")).by_key == {
            (2026, "home_visit"): 0}  # the reversed payment and its reversal count for nothing
        summary = metrics.compute_summary(s, date(2026, 11, 23))
        assert summary.values["hardship_cases_open"] == 1
        assert summary.values["hardship_cases_visited"] == 1
        assert summary.values["hardship_paid_fen"] == 0
        assert summary.values["key_stations_total"] == 1
    with pytest.raises(Exception, match="append-only"):
        with district.engine.begin() as conn:
            conn.execute(text("UPDATE ledger_entries SET amount_fen = 1"))
    with pytest.raises(Exception, match="append-only"):
        with district.engine.begin() as conn:
            conn.execute(text("TRUNCATE audit_log"))
    with district.engine.begin() as conn:  # the sync stamp alone may be re-written
        conn.execute(text("UPDATE ledger_entries SET hlc = hlc"))


def test_an_older_district_schema_is_dumped_before_it_is_upgraded(pg_url):
    """Like a station file, a PostgreSQL district is backed up (pg_dump) before any
    migration; the dump restores the data as it was."""
    import os
    import subprocess

    from sqlalchemy import text

    from station_app.paths import data_dir
    from station_app.storage.backup import find_pg_dump
    from station_app.storage.database import migrate, open_database
    from station_app.storage.engine import make_engine
    from station_app.storage.schema import SCHEMA_HEAD

    engine = make_engine(pg_url)
    migrate(engine, "0004")  # a district made by an older version
    with engine.begin() as conn:
        conn.execute(text("INSERT INTO local_state (key, value) VALUES ('mark', 'before')"))
    engine.dispose()
    db = open_database(pg_url)
    with db.engine.connect() as conn:
        assert conn.execute(text("SELECT version_num FROM alembic_version")).scalar() \
            == SCHEMA_HEAD
    db.close()
    dumps = list((data_dir() / "backups").glob("*.migration.dump"))
    assert len(dumps) == 1
    listing = subprocess.run([find_pg_dump().replace("pg_dump", "pg_restore"), "-l",
                              str(dumps[0])], capture_output=True, text=True,
                             env=dict(os.environ), check=True).stdout
    assert "TABLE DATA public local_state" in listing
    assert "change_log" not in listing  # taken before revision 0005 added it
