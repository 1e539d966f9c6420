"""Change capture: stamping, the outbox, tombstones, audit, append-only history, sync
sessions, acknowledgement, read-only sessions, rollback and the bulk path."""

from __future__ import annotations

import json
import uuid
from datetime import date, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.exc import IntegrityError, OperationalError

from station_app.domain.actor import SYSTEM_SYNC
from station_app.domain.ids import station_id_for, uuid7
from station_app.domain.models import (
    AuditRecord,
    LedgerEntry,
    Member,
    MemberNameKey,
    OutboxEntry,
    WatchListEntry,
)
from station_app.domain.services import enterprises, hardship, members
from station_app.domain.validation import credit_code_check_char, id_check_char
from station_app.storage import outbox
from station_app.storage.capture import AppendOnlyError
from station_app.storage.clock import Stamp, wall_ms
from station_app.storage.sqlfile import dbapi as sqlite3

STATION_ID = station_id_for("KY01")
OTHER_STATION = station_id_for("KY99")


def make_id(n: int, born: date = date(1980, 1, 1)) -> str:
    born = born + timedelta(days=n // 1000)
    first17 = f"110101{born:%Y%m%d}{n % 1000:03d}"
    return first17 + id_check_char(first17)


def credit(n: int) -> str:
    body = f"914403000{n:08d}"
    return body + credit_code_check_char(body)


def q(path: Path, sql: str, *args) -> list[tuple]:
    con = sqlite3.connect(path)
    try:
        return con.execute(sql, args).fetchall()
    finally:
        con.close()


def counts(path: Path) -> dict[str, int]:
    return {
        t: q(path, f"SELECT count(*) FROM {t}")[0][0]
        for t in ("members", "outbox", "audit_log", "ledger_entries", "watch_list_entries",
                  "member_name_keys", "hardship_cases")
    }


def register(db, actor, n: int = 1, name: str = "张三", **extra) -> Member:
    with db.session(actor) as s:
        return members.register_member(s, {"name": name, "id_number": make_id(n), **extra})


def ledger_fixture(db, actor) -> tuple[str, str]:
    """(case id, entry id) of a fresh file with one 慰问金 entry."""
    m = register(db, actor, 500, "赵六")
    with db.session(actor) as s:
        case = hardship.open_case(s, m.id, {"category": "因病", "level": "深度困难",
                                            "household_size": 2})
        entry = hardship.add_entry(s, case.id, {"kind": "慰问金", "amount": "300.50"})
        return case.id, entry.id


def watch_fixture(db, actor) -> tuple[str, str]:
    with db.session(actor) as s:
        ent = enterprises.register_enterprise(s, {"name": "葵涌制衣厂", "credit_code": credit(1)})
        entry = enterprises.list_on_watch(s, ent.id, "欠薪风险")
        return ent.id, entry.id


# --------------------------------------------------------------------------- stamping


def test_new_row_is_stamped_queued_and_audited(db, admin, db_path):
    m = register(db, admin)
    assert uuid.UUID(m.id).version == 7
    assert m.station_id == STATION_ID == db.station_id
    stamp = Stamp.parse(m.hlc)
    assert stamp.node == db.node_id
    assert abs(stamp.wall_ms - wall_ms()) < 60_000
    assert q(db_path, "SELECT table_name, hlc FROM outbox WHERE row_id = ?", m.id) == [
        ("members", m.hlc)
    ]
    audit = q(db_path, "SELECT actor, action, table_name FROM audit_log WHERE row_id = ?", m.id)
    assert audit == [("admin", "insert", "members")]
    assert q(db_path, "SELECT deleted FROM members WHERE id = ?", m.id) == [(0,)]
    # the stored clock is the last stamp issued
    assert db.state()["hlc"] == m.hlc


def test_update_restamps_queues_and_audits_the_changed_fields(db, admin, db_path):
    m = register(db, admin, phone="13800138000", notes="旧备注")
    old_hlc = m.hlc
    with db.session(admin) as s:
        updated = members.update_member(s, m.id, {"phone": "13912345678"})
    assert updated.hlc > old_hlc
    assert q(db_path, "SELECT hlc FROM outbox WHERE row_id = ? ORDER BY seq", m.id) == [
        (old_hlc,), (updated.hlc,)
    ]
    rows = q(db_path, "SELECT actor, action, detail FROM audit_log WHERE row_id = ? "
                      "ORDER BY id", m.id)
    assert [r[1] for r in rows] == ["insert", "update"]
    detail = json.loads(rows[1][2])
    assert detail == {"phone": ["13800138000", "13912345678"]}
    assert rows[1][0] == "admin"


def test_an_update_that_changes_nothing_is_not_queued(db, admin, db_path):
    m = register(db, admin, phone="13800138000")
    before = counts(db_path)
    with db.session(admin) as s:
        members.update_member(s, m.id, {"phone": "138 0013 8000"})
    assert counts(db_path)["outbox"] == before["outbox"]


def test_delete_of_a_member_is_a_tombstone(db, admin, db_path):
    m = register(db, admin)
    with db.session(admin) as s:
        s.delete(s.get(Member, m.id))
    rows = q(db_path, "SELECT deleted, hlc FROM members WHERE id = ?", m.id)
    assert len(rows) == 1 and rows[0][0] == 1
    assert rows[0][1] > m.hlc
    actions = [r[0] for r in q(db_path, "SELECT action FROM audit_log WHERE row_id = ? "
                                        "ORDER BY id", m.id)]
    assert actions == ["insert", "delete"]
    assert q(db_path, "SELECT max(hlc) FROM outbox WHERE row_id = ?", m.id) == [(rows[0][1],)]
    # a tombstoned member is not found and its ID number may be registered again
    with db.reader() as s:
        assert members.search_members(s, "张三") == []
    again = register(db, admin)
    assert again.id != m.id


def test_changing_the_owner_is_refused(db, admin, db_path):
    m = register(db, admin)
    before = counts(db_path)
    with pytest.raises(PermissionError):
        with db.session(admin) as s:
            s.get(Member, m.id).station_id = OTHER_STATION
            s.flush()
    assert counts(db_path) == before
    assert q(db_path, "SELECT station_id FROM members WHERE id = ?", m.id) == [(STATION_ID,)]


# --------------------------------------------------------------------------- append-only


@pytest.mark.parametrize(
    "model,change",
    [
        (LedgerEntry, lambda e: setattr(e, "amount_fen", 1)),
        (LedgerEntry, lambda e: setattr(e, "note", "改一下")),
        (LedgerEntry, lambda e: setattr(e, "deleted", True)),
        (LedgerEntry, "delete"),
        (WatchListEntry, lambda e: setattr(e, "reason", "改理由")),
        (WatchListEntry, lambda e: setattr(e, "entry_date", date(2020, 1, 1))),
        (WatchListEntry, "delete"),
    ],
)
def test_orm_writes_to_append_only_rows_are_refused(db, admin, db_path, model, change):
    if model is LedgerEntry:
        _, row_id = ledger_fixture(db, admin)
        table = "ledger_entries"
    else:
        _, row_id = watch_fixture(db, admin)
        table = "watch_list_entries"
    before = counts(db_path)
    row_before = q(db_path, f"SELECT * FROM {table} WHERE id = ?", row_id)
    with pytest.raises(AppendOnlyError):
        with db.session(admin) as s:
            obj = s.get(model, row_id)
            if change == "delete":
                s.delete(obj)
            else:
                change(obj)
            s.flush()
    assert counts(db_path) == before
    assert q(db_path, f"SELECT * FROM {table} WHERE id = ?", row_id) == row_before


@pytest.mark.parametrize(
    "table,setter",
    [
        ("ledger_entries", "amount_fen = amount_fen + 1"),
        ("ledger_entries", "deleted = 1"),
        ("ledger_entries", "note = 'x'"),
        ("ledger_entries", "station_id = 'x'"),
        ("watch_list_entries", "reason = 'x'"),
        ("watch_list_entries", "action = 'unlisted'"),
        ("audit_log", "detail = 'x'"),
        ("audit_log", "actor = 'someone'"),
    ],
)
def test_raw_sql_cannot_rewrite_history(db, admin, db_path, table, setter):
    ledger_fixture(db, admin)
    watch_fixture(db, admin)
    db.close()
    con = sqlite3.connect(db_path)
    try:
        with pytest.raises(sqlite3.DatabaseError, match=f"{table} is append-only"):
            con.execute(f"UPDATE {table} SET {setter}")
        with pytest.raises(sqlite3.DatabaseError, match=f"{table} is append-only"):
            con.execute(f"DELETE FROM {table}")
        con.rollback()
        assert con.execute(f"SELECT count(*) FROM {table}").fetchone()[0] > 0
    finally:
        con.close()


@pytest.mark.parametrize("table", ["ledger_entries", "watch_list_entries"])
def test_raw_sql_may_restamp_only_the_hlc(db, admin, db_path, table):
    ledger_fixture(db, admin)
    watch_fixture(db, admin)
    db.close()
    con = sqlite3.connect(db_path)
    try:
        before = con.execute(f"SELECT * FROM {table}").fetchall()
        con.execute(f"UPDATE {table} SET hlc = '9' || hlc")
        con.commit()
        after = con.execute(f"SELECT * FROM {table}").fetchall()
    finally:
        con.close()
    cols = [r[1] for r in q(db_path, f"PRAGMA table_info({table})")]
    h = cols.index("hlc")
    assert [r[:h] + r[h + 1:] for r in before] == [r[:h] + r[h + 1:] for r in after]
    assert all(a[h] == "9" + b[h] for a, b in zip(after, before, strict=True))


# --------------------------------------------------------------------------- sync source


def test_rows_applied_by_sync_keep_their_stamp_and_owner(db, db_path):
    remote_hlc = str(Stamp(wall_ms() + 120_000, 3, "feedfacefeedface"))  # 2 minutes ahead
    row_id = uuid7()
    before = counts(db_path)
    with db.session(SYSTEM_SYNC, source="sync") as s:
        s.add(Member(id=row_id, station_id=OTHER_STATION, hlc=remote_hlc, name="远程会员",
                     id_number=make_id(900), gender="M", birth_date=date(1980, 1, 3),
                     status="active"))
    row = q(db_path, "SELECT station_id, hlc FROM members WHERE id = ?", row_id)
    assert row == [(OTHER_STATION, remote_hlc)]
    assert q(db_path, "SELECT count(*) FROM outbox WHERE row_id = ?", row_id) == [(0,)]
    assert counts(db_path)["outbox"] == before["outbox"]
    audit = q(db_path, "SELECT actor, action FROM audit_log WHERE row_id = ?", row_id)
    assert audit == [("sync", "sync")]
    # the local clock moved past the remote stamp, in memory and on disk
    remote = Stamp.parse(remote_hlc)
    last = Stamp.parse(db.clock.last())
    assert (last.wall_ms, last.counter) >= (remote.wall_ms, remote.counter)
    stored = Stamp.parse(db.state()["hlc"])
    assert (stored.wall_ms, stored.counter) >= (remote.wall_ms, remote.counter)
    # the synced member is searchable like any
    with db.reader() as s:
        assert [h.id for h in members.search_members(s, "远程")] == [row_id]
    # a local change made afterwards sorts after the remote one
    with db.session(SYSTEM_SYNC) as s:
        s.get(Member, row_id).notes = "本地修改"
    local_hlc = q(db_path, "SELECT hlc FROM members WHERE id = ?", row_id)[0][0]
    assert local_hlc > remote_hlc
    # the row is another station's: this station never sends it (only its own and shared)
    assert q(db_path, "SELECT hlc FROM outbox WHERE row_id = ?", row_id) == []


def test_sync_refuses_stamps_far_in_the_future(db, db_path):
    from station_app.storage.clock import ClockDriftError

    before = counts(db_path)
    clock_before = db.clock.last()
    far = str(Stamp(wall_ms() + 10 * 60_000, 0, "feedfacefeedface"))  # 10 minutes ahead
    with pytest.raises(ClockDriftError, match="ahead"):
        with db.session(SYSTEM_SYNC, source="sync") as s:
            s.add(Member(id=uuid7(), station_id=OTHER_STATION, hlc=far, name="远程会员",
                         id_number=make_id(901), gender="M", birth_date=date(1980, 1, 3),
                         status="active"))
    assert counts(db_path) == before
    assert db.clock.last() == clock_before


def test_bulk_dml_on_syncable_rows_is_refused(db, admin):
    from sqlalchemy import delete, update

    m = register(db, admin)
    with pytest.raises(RuntimeError, match="bypasses change capture"):
        with db.session(admin) as s:
            s.execute(update(Member).where(Member.id == m.id).values(name="改名"))
    with pytest.raises(RuntimeError, match="bypasses change capture"):
        with db.session(admin) as s:
            s.execute(delete(Member).where(Member.id == m.id))
    with db.reader() as s:
        assert s.get(Member, m.id).name == m.name


def test_sync_update_keeps_the_remote_stamp(db, admin, db_path):
    m = register(db, admin)
    remote_hlc = str(Stamp(wall_ms() + 60_000, 0, "feedfacefeedface"))
    before = counts(db_path)
    with db.session(SYSTEM_SYNC, source="sync") as s:
        row = s.get(Member, m.id)
        row.phone, row.hlc = "13700000000", remote_hlc
    assert q(db_path, "SELECT phone, hlc FROM members WHERE id = ?", m.id) == [
        ("13700000000", remote_hlc)
    ]
    assert counts(db_path)["outbox"] == before["outbox"]
    assert q(db_path, "SELECT action FROM audit_log WHERE row_id = ? ORDER BY id DESC "
                      "LIMIT 1", m.id) == [("sync",)]


def test_sync_rows_without_a_stamp_are_refused(db, db_path):
    before = counts(db_path)
    with pytest.raises(ValueError):
        with db.session(SYSTEM_SYNC, source="sync") as s:
            s.add(Member(id=uuid7(), station_id=OTHER_STATION, name="无戳", gender="M",
                         id_number=make_id(901), birth_date=date(1980, 1, 3), status="active"))
    assert counts(db_path) == before


# --------------------------------------------------------------------------- outbox


def test_acknowledge_removes_only_what_was_sent(db, admin, db_path):
    a = register(db, admin, 1, "张三")
    b = register(db, admin, 2, "李四")
    with db.reader() as s:
        sent = outbox.pending(s)
    assert ("members", a.id, a.hlc) in sent and ("members", b.id, b.hlc) in sent
    # an edit while the push is under way
    with db.session(admin) as s:
        edited = members.update_member(s, a.id, {"phone": "13800138000"})
    with db.session(admin) as s:
        removed = outbox.acknowledge(s, sent)
    assert removed == len(sent)
    with db.reader() as s:
        left = outbox.pending(s)
    assert left == [("members", a.id, edited.hlc)]
    assert db.pending_count() == 1
    # acknowledging the edit empties the outbox
    with db.session(admin) as s:
        outbox.acknowledge(s, left)
    assert db.pending_count() == 0


def test_acknowledging_an_older_stamp_keeps_the_newer_entry(db, admin):
    a = register(db, admin)
    with db.session(admin) as s:
        newer = members.update_member(s, a.id, {"notes": "改"})
    with db.session(admin) as s:
        assert outbox.acknowledge(s, [("members", a.id, a.hlc)]) == 1
    with db.reader() as s:
        assert [p for p in outbox.pending(s) if p[0] == "members"] == [
            ("members", a.id, newer.hlc)
        ]


# --------------------------------------------------------------------------- units of work


def test_reader_refuses_orm_writes(db, db_path):
    before = counts(db_path)
    with pytest.raises(RuntimeError):
        with db.reader() as s:
            s.add(Member(name="读者", id_number=make_id(3), gender="M",
                         birth_date=date(1980, 1, 1), status="active"))
    with pytest.raises(RuntimeError):
        with db.reader() as s:
            s.add(Member(name="读者", id_number=make_id(3), gender="M",
                         birth_date=date(1980, 1, 1), status="active"))
            s.flush()
    assert counts(db_path) == before


def test_reader_refuses_every_write(db, admin, db_path):
    m = register(db, admin)
    before = counts(db_path)
    with pytest.raises(OperationalError, match="readonly"):
        with db.reader() as s:
            s.execute(text("UPDATE members SET notes = 'x'"))
    with pytest.raises(OperationalError, match="readonly"):
        with db.reader() as s:
            s.add(AuditRecord(at="2026-01-01T00:00:00Z", actor="x", action="login"))
            s.flush()
    assert counts(db_path) == before
    assert q(db_path, "SELECT notes FROM members WHERE id = ?", m.id) == [(None,)]
    # the pooled connection is writable again for the next unit of work
    with db.session(admin) as s:
        members.update_member(s, m.id, {"notes": "可写"})
    assert q(db_path, "SELECT notes FROM members WHERE id = ?", m.id) == [("可写",)]


def test_a_failing_unit_of_work_leaves_nothing(db, admin, db_path):
    before = counts(db_path)
    hlc_before = db.state()["hlc"]
    with pytest.raises(RuntimeError, match="boom"):
        with db.session(admin) as s:
            m = members.register_member(s, {"name": "张三", "id_number": make_id(1)})
            hardship.open_case(s, m.id, {"category": "因病", "level": "深度困难",
                                         "household_size": 1})
            raise RuntimeError("boom")
    assert counts(db_path) == before
    assert db.state()["hlc"] == hlc_before


def test_a_failed_flush_rolled_back_to_a_savepoint_leaves_no_ghosts(db, admin, db_path):
    first = register(db, admin, 1, "甲")
    before = counts(db_path)
    with db.session(admin) as s:
        with pytest.raises(IntegrityError):
            with s.begin_nested():
                s.add(Member(name="乙", id_number=first.id_number, gender="M",
                             birth_date=date(1980, 1, 1), status="active"))
                s.flush()
        kept = Member(name="丙", id_number=make_id(2), gender="M",
                      birth_date=date(1980, 1, 1), status="active")
        s.add(kept)
    after = counts(db_path)
    assert after["members"] == before["members"] + 1
    assert after["outbox"] == before["outbox"] + 1
    assert after["audit_log"] == before["audit_log"] + 1
    assert q(db_path, "SELECT DISTINCT name FROM member_name_keys "
                      "WHERE name NOT IN (SELECT name FROM members)") == []
    assert q(db_path, "SELECT count(*) FROM outbox WHERE row_id NOT IN "
                      "(SELECT id FROM members) AND table_name = 'members'") == [(0,)]
    with db.reader() as s:
        assert members.search_members(s, "yi") == []
        assert [h.id for h in members.search_members(s, "bing")] == [kept.id]


# --------------------------------------------------------------------------- bulk path


def test_bulk_rows_look_like_single_inserts(db, admin, db_path):
    rows = [
        {"name": "张三", "id_number": make_id(10)},
        {"name": "李四", "id_number": make_id(11), "phone": "13800138000"},
        {"name": "曾小明", "id_number": make_id(12)},
    ]
    with db.session(admin) as s:
        result = members.bulk_register_members(s, rows)
    assert not result.rejected and len(result.inserted) == 3
    got = q(db_path, "SELECT id, station_id, hlc, deleted, status FROM members ORDER BY hlc")
    assert [r[0] for r in got] == result.inserted
    hlcs = [r[2] for r in got]
    assert hlcs == sorted(set(hlcs))
    for row_id, station, hlc, deleted, status in got:
        assert uuid.UUID(row_id).version == 7
        assert station == STATION_ID and deleted == 0 and status == "active"
        assert q(db_path, "SELECT hlc FROM outbox WHERE row_id = ?", row_id) == [(hlc,)]
        assert q(db_path, "SELECT actor, action FROM audit_log WHERE row_id = ?", row_id) == [
            ("admin", "insert")
        ]
    assert db.state()["hlc"] == hlcs[-1]
    with db.reader() as s:
        assert [h.name for h in members.search_members(s, "zs")] == ["张三"]
        assert [h.name for h in members.search_members(s, "zeng")] == ["曾小明"]
        keys = s.execute(select(func.count()).select_from(MemberNameKey)).scalar_one()
    assert keys > 3
    # single inserts give the same shape of rows
    single = register(db, admin, 13, "王五")
    assert uuid.UUID(single.id).version == 7 and single.hlc > hlcs[-1]


def test_outbox_is_written_in_the_same_transaction(db, admin, db_path):
    with db.session(admin) as s:
        m = members.register_member(s, {"name": "张三", "id_number": make_id(1)})
        pending = s.execute(
            select(OutboxEntry.hlc).where(OutboxEntry.row_id == m.id)
        ).scalars().all()
        assert pending == [m.hlc]


def test_pinyin_keys_follow_names_through_renames_and_namesakes(db, admin, db_path):
    """Keys belong to names: two members of one name share them (stored once), a rename
    makes the member findable by the new name's pinyin and no longer by the old one's,
    and the namesake who kept the name is still found by it."""
    first = register(db, admin, 1, "张三")
    namesake = register(db, admin, 2, "张三")
    # zhangsan, zs, zhs and the given name's san, stored once
    assert q(db_path, "SELECT count(*) FROM member_name_keys WHERE name = '张三'") == [(4,)]
    with db.session(admin) as s:
        members.update_member(s, first.id, {"name": "李四"})

    def found(query: str) -> list[str]:
        with db.reader() as s:
            return sorted(h.id for h in members.search_members(s, query))

    assert found("zs") == [namesake.id]
    assert found("ls") == found("lisi") == [first.id]
    with db.session(admin) as s:  # a rename back needs no new keys, and finds both again
        members.update_member(s, first.id, {"name": "张三"})
    assert found("zhangsan") == sorted([first.id, namesake.id])
    assert found("ls") == []


def test_bulk_path_keys_each_name_once_across_its_batches(db, admin, db_path,
                                                          monkeypatch):
    """A bulk load remembers which names it keyed: a name carried in several batches is
    keyed by the first (its keys computed once), and every member who carries it is found
    by its pinyin."""
    from collections import Counter

    from station_app.domain import pinyin
    from station_app.domain.pinyin import ranked_keys

    computed: Counter[str] = Counter()

    def counting(name):
        computed[name] += 1
        return ranked_keys(name)

    monkeypatch.setattr(pinyin, "ranked_keys", counting)
    rows = [{"name": name, "id_number": make_id(20 + i)}
            for i, name in enumerate(["张三", "李四", "张三", "王五", "张三"])]
    with db.session(admin) as s:
        result = members.bulk_register_members(s, rows, batch_size=2)
        assert "_keyed_names" not in s.info  # the memory ends with the load
    assert len(result.inserted) == 5
    assert computed == {"张三": 1, "李四": 1, "王五": 1}  # batches of 2: 张三 in all three

    assert q(db_path, "SELECT name, count(*) FROM member_name_keys GROUP BY name "
                      "ORDER BY name") == sorted((n, len(ranked_keys(n)))
                                                 for n in ("张三", "李四", "王五"))
    with db.reader() as s:
        assert len(members.search_members(s, "zs")) == 3
        assert len(members.search_members(s, "ww")) == 1
