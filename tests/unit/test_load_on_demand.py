"""A command loads what it needs: the models without SQLAlchemy's PostgreSQL dialect (its
PostgreSQL-only options attached when a PostgreSQL database is used), an import of a
sheet without pypinyin's phrase dictionary or the stdnum package — and the PostgreSQL
schema still gets its partial index, by migration and by ``create_all`` alike."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def run_python(code: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True,
                          text=True, timeout=120)


def test_a_station_import_loads_neither_postgresql_nor_the_phrase_dictionary(tmp_path, capsys,
                                                                             monkeypatch):
    from openpyxl import Workbook

    from station_app.cli import main
    from station_app.domain.validation import id_check_char

    # station-admin's credentials, as scripts pass them (the import's process inherits them)
    monkeypatch.setenv("STATION_USER", "admin")
    monkeypatch.setenv("STATION_PASSWORD", "demo-pass-1")
    station = tmp_path / "s.sqlite3"
    assert main(["demo", "--db", str(station), "--members", "20", "--admin-password",
                 "demo-pass-1"]) == 0
    capsys.readouterr()
    roster = tmp_path / "roster.xlsx"
    wb = Workbook()
    wb.active.append(["姓名", "性别", "公民身份号码", "联系电话"])
    for n in range(10):
        body = f"44030519850{n % 9 + 1}1{n:01d}{n:03d}"
        wb.active.append([f"{'王李张刘陈'[n % 5]}{'伟芳娜秀英'[n // 2]}", "男" if n % 2 else "女",
                          body + id_check_char(body), f"1380013{n:04d}"])
    wb.save(roster)
    code = f"""
import contextlib, io, sys
from station_app.cli import main
out = io.StringIO()
with contextlib.redirect_stdout(out):
    assert main(["import", "--db", {str(station)!r}, {str(roster)!r}]) == 0
assert "imported 10," in out.getvalue(), out.getvalue()
loaded = sorted(m for m in sys.modules if m.startswith(
    ("sqlalchemy.dialects.postgresql", "pypinyin", "stdnum", "psycopg", "alembic")))
assert not loaded, loaded
print("ok")
"""
    result = run_python(code)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "ok"


def test_postgresql_gets_the_partial_index_by_migration_and_by_create_all(pg_cluster):
    from alembic.autogenerate import compare_metadata
    from alembic.runtime.migration import MigrationContext
    from sqlalchemy import create_engine, inspect, text

    from station_app.domain.models import ACTIVE_ID_NUMBER, Base
    from station_app.storage.database import open_database

    def predicate(engine) -> str:
        with engine.connect() as conn:
            return conn.execute(text(
                "SELECT pg_get_expr(i.indpred, i.indrelid) FROM pg_index i "
                "JOIN pg_class c ON c.oid = i.indexrelid WHERE c.relname = :n"),
                {"n": ACTIVE_ID_NUMBER.name}).scalar_one()

    migrated = open_database(pg_cluster.new_database(), create=True)
    assert "deleted = false" in predicate(migrated.engine)
    with migrated.engine.connect() as conn:
        ctx = MigrationContext.configure(conn, opts={"compare_type": True})
        assert compare_metadata(ctx, Base.metadata) == []
    migrated.close()
    # a plain engine (not storage.engine's), the tables made from the models
    raw = create_engine(pg_cluster.new_database())
    Base.metadata.create_all(raw)
    assert "deleted = false" in predicate(raw)
    assert any(i["name"] == ACTIVE_ID_NUMBER.name and i["unique"]
               for i in inspect(raw).get_indexes("members"))
    raw.dispose()
