"""The records of exports and prints (issue 15, item 10) reach the district by sync, on
SQLite and PostgreSQL: a clerk's export at a station is recorded there, pushed, and
listed in the district's audit log under its station; the district checks a station's
record like any row (a made-up one is refused with its reason), never lets a station
delete one (403, nothing applied), and sends none back to the stations."""

from __future__ import annotations

import pytest
from forge import KY01, changeset, row
from sqlalchemy import select
from test_push import push_all
from test_signoffs_sync import pull_all, wire_of

from station_app.domain.actor import Actor
from station_app.domain.models import ExportRecord
from station_app.domain.services import exposure, members
from station_app.domain.services.exposure import audit_lines
from station_app.exchange.xlsx_export import export_recorded, export_roster
from sync.merge import apply_changeset
from sync.rules import OwnershipError

DISTRICT = Actor("district", "district_admin", None, "区总工会")


def idn(n: int) -> str:
    from station_app.domain.validation import id_check_char

    body = f"44030519800101{n:03d}"
    return body + id_check_char(body)


def test_a_clerks_export_is_recorded_and_reaches_the_district(db, admin, clerk, district,
                                                                tmp_path):
    pull_all(db, district)
    with db.session(admin) as s:
        for n in range(3):
            members.register_member(s, {"name": "张三李四王五"[n] + "某", "id_number": idn(n + 1)})
    out = tmp_path / "folder" / "名册.xlsx"
    out.parent.mkdir()
    rows = export_recorded(db, clerk, "roster", out,
                           lambda s, full: export_roster(s, out, db.station_id,
                                                         full_ids=full))
    assert rows == 3
    push_all(db, district)
    with district.reader() as s:
        (there,) = s.execute(select(ExportRecord)).scalars()
        assert (there.station_id, there.actor, there.actor_role, there.action, there.what,
                there.row_count, there.file_name, there.full_ids) == (
            db.station_id, "clerk", "clerk", "export", "roster", 3, "名册.xlsx", False)
    with district.reader(DISTRICT) as s:
        lines = audit_lines(s, kind="exports", lang="zh")
        assert [(line.station, line.what) for line in lines] == [
            ("KY01 葵涌社区工联会", "导出会员名册，3 条")]
        assert "名册.xlsx" in lines[0].detail and "已遮蔽" in lines[0].detail
        # the station filter: this station's, or none of another's
        assert audit_lines(s, kind="exports", station_id=db.station_id)
        other = next(i for i, _t in exposure.audit_stations(s) if i != db.station_id)
        assert audit_lines(s, kind="exports", station_id=other) == []
    # the district sends no export record back to any station
    before = _count(db)
    pull_all(db, district, 0)
    assert _count(db) == before


def _count(db) -> int:
    with db.reader() as s:
        return len(s.execute(select(ExportRecord.id)).all())


def test_a_made_up_record_is_refused_with_its_reason(district):
    bad = row("export_records", what="everything", file_name="C:\\Users\\clerk\\名册.xlsx")
    good = row("export_records")
    result = apply_changeset(district, wire_of(changeset(KY01, ("export_records", bad),
                                                         ("export_records", good))),
                             pushing_station=KY01)
    refused = {r[1]: r[-1] for r in result.refused}
    assert set(refused) == {bad["id"]}
    assert "导出或打印记录不符合本软件的规则" in refused[bad["id"]]
    assert "文件名" in refused[bad["id"]]
    with district.reader() as s:
        assert [r.id for r in s.execute(select(ExportRecord)).scalars()] == [good["id"]]


def test_a_station_never_deletes_a_record(district):
    record = row("export_records")
    apply_changeset(district, wire_of(changeset(KY01, ("export_records", record))),
                    pushing_station=KY01)
    gone = dict(record, deleted=True, hlc=row("export_records")["hlc"],
                _base=record["hlc"])
    with pytest.raises(OwnershipError):
        apply_changeset(district, wire_of(changeset(KY01, ("export_records", gone))),
                        pushing_station=KY01)
    with district.reader() as s:
        assert not s.get(ExportRecord, record["id"]).deleted
