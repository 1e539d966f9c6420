"""Golden-file upgrades: a database written by an older revision opens without loss."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from sqlalchemy import func, select

from station_app.domain.actor import CLI_ADMIN

GOLDEN = Path(__file__).resolve().parents[1] / "golden"


@pytest.mark.parametrize("name", sorted(p.name for p in GOLDEN.glob("station-*.sqlite3")))
def test_golden_database_upgrades(name, tmp_path):
    from station_app.cli import run_check
    from station_app.domain.models import LedgerEntry, Member
    from station_app.domain.services.hardship import ledger_totals
    from station_app.domain.services.members import search_members
    from station_app.storage.backup import list_backups
    from station_app.storage.database import SCHEMA_HEAD, open_database, read_revision

    path = tmp_path / "station.sqlite3"
    shutil.copy(GOLDEN / name, path)
    old = read_revision(path)
    assert old != SCHEMA_HEAD
    db = open_database(path)
    assert read_revision(path) == SCHEMA_HEAD
    assert [b.reason for b in list_backups(path)] == ["migration"]
    with db.reader() as s:
        assert s.execute(select(func.count()).select_from(Member)).scalar_one() == 3
        assert s.execute(select(func.count()).select_from(LedgerEntry)).scalar_one() == 3
        # the reversal pair cancels; the rest of the money is still there
        assert ledger_totals(s, group_by=()).total == 80000
        # search keys were backfilled by the upgrade
        assert [h.name for h in search_members(s, "zxm")] == ["曾小明"]
        assert [h.name for h in search_members(s, "oynn")] == ["欧阳娜娜"]
    assert run_check(db) == []
    # the upgraded file keeps working: a new write is stamped after the old clock
    from station_app.domain.services.members import register_member
    from station_app.domain.validation import id_check_char

    body = "44030519950505123"
    with db.session(CLI_ADMIN) as s:
        m = register_member(s, {"name": "李四", "id_number": body + id_check_char(body)})
    assert m.hlc > "1760000000099"
    db.close()
