"""Undoing the last import: its rows removed as tombstones (audited, queued for sync) while
nothing has been done with them since; refused, saying why, otherwise."""

from __future__ import annotations

import pytest
from xlsx_helpers import make_id, write_xlsx

from station_app.domain.services import imports
from station_app.domain.validation import ValidationError
from station_app.exchange.xlsx_import import import_file
from station_app.storage.sqlfile import dbapi as sqlite3

IDS = [make_id(f"4403051990010{i}123") for i in range(1, 6)]


def _q(db_path, sql: str):
    con = sqlite3.connect(db_path)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


def roster(tmp_path, name="m.xlsx", ids=IDS[:3]):
    return write_xlsx(tmp_path / name, [["姓名", "身份证号"]] + [
        [f"会员{chr(0x4e00 + i)}", idn] for i, idn in enumerate(ids)])


def undo(db, actor):
    with db.session(actor) as s:
        return imports.undo_last_import(s)


def test_the_last_import_undone_as_tombstones(db, db_path, admin, tmp_path):
    import_file(db, admin, roster(tmp_path, "a.xlsx", IDS[:2]))
    import_file(db, admin, roster(tmp_path, "b.xlsx", IDS[2:5]))
    import_file(db, admin, roster(tmp_path, "b.xlsx", IDS[2:5]))  # nothing new: no record
    with db.reader() as s:
        last = imports.last_import(s)
    assert (last.source, last.kind, last.rows, last.undone) == ("b.xlsx", "members", 3, False)
    done = undo(db, admin)
    assert done.rows == 3
    assert _q(db_path, "SELECT id_number, deleted FROM members ORDER BY id_number") == [
        (IDS[0], 0), (IDS[1], 0), (IDS[2], 1), (IDS[3], 1), (IDS[4], 1)]
    removed = {i for (i,) in _q(db_path, "SELECT id FROM members WHERE deleted = 1")}
    audited = {i for (i,) in _q(db_path, "SELECT row_id FROM audit_log WHERE action = "
                                         "'delete' AND table_name = 'members'")}
    assert audited == removed
    queued = {i for (i,) in _q(db_path, "SELECT row_id FROM outbox WHERE table_name = "
                                        "'members'")}
    assert removed <= queued  # sync carries the tombstones
    with pytest.raises(ValidationError) as exc:
        undo(db, admin)
    assert exc.value.codes == ["import.undo_done"] and "b.xlsx" in exc.value.messages()[0]
    # the rows can be imported again
    assert import_file(db, admin, roster(tmp_path, "b.xlsx", IDS[2:5])).imported == 3


def test_rows_used_or_changed_since_are_not_undone(db, db_path, admin, tmp_path):
    from station_app.domain.services import hardship, members

    import_file(db, admin, roster(tmp_path))
    with db.session(admin) as s:
        member = members.find_active_by_id_number(s, IDS[0])
        hardship.open_case(s, member.id, {"category": "illness", "level": "deep",
                                          "household_size": 3})
    with pytest.raises(ValidationError) as exc:
        undo(db, admin)
    assert exc.value.codes == ["import.undo_used"] and "困难职工档案" in exc.value.messages()[0]
    import_file(db, admin, roster(tmp_path, "c.xlsx", IDS[3:5]))
    with db.session(admin) as s:
        member = members.find_active_by_id_number(s, IDS[3])
        members.update_member(s, member.id, {"phone": "13800138000"})
    with pytest.raises(ValidationError) as exc:
        undo(db, admin)
    assert exc.value.codes == ["import.undo_changed"]
    assert _q(db_path, "SELECT count(*) FROM members WHERE deleted = 1") == [(0,)]


def test_who_may_undo(db, admin, clerk, tmp_path):
    import_file(db, admin, roster(tmp_path))
    with pytest.raises(ValidationError) as exc:
        undo(db, clerk)
    assert exc.value.codes == ["import.undo_other_user"]
    import_file(db, clerk, roster(tmp_path, "c.xlsx", IDS[3:5]))
    assert undo(db, admin).source == "c.xlsx"  # a station admin may


def test_a_hardship_import_is_undone_with_the_members_it_registered(db, db_path, admin,
                                                                    tmp_path):
    path = write_xlsx(tmp_path / "h.xlsx", [
        ["困难类别", "困难程度", "姓名", "身份证号", "家庭人口"],
        ["因病", "深度困难", "张一", IDS[0], 3],
    ])
    assert import_file(db, admin, path).imported == 1
    undo(db, admin)
    assert _q(db_path, "SELECT deleted FROM hardship_cases") == [(1,)]
    assert _q(db_path, "SELECT deleted FROM members") == [(1,)]


def test_a_ledger_import_is_reversed_not_deleted(db, admin, tmp_path):
    from station_app.domain.services import hardship, members

    with db.session(admin) as s:
        m = members.register_member(s, {"name": "张一", "id_number": IDS[0]})
        hardship.open_case(s, m.id, {"category": "illness", "level": "deep",
                                     "household_size": 3})
    path = write_xlsx(tmp_path / "l.xlsx", [["身份证号", "帮扶日期", "帮扶类型", "金额"],
                                            [IDS[0], "2024-03-01", "慰问金", 500]])
    assert import_file(db, admin, path).imported == 1
    with pytest.raises(ValidationError) as exc:
        undo(db, admin)
    assert exc.value.codes == ["import.undo_ledger"] and "冲正" in exc.value.messages()[0]


def test_nothing_to_undo(db, admin):
    with pytest.raises(ValidationError) as exc:
        undo(db, admin)
    assert exc.value.codes == ["import.undo_none"]
