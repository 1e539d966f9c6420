"""A conflict's differing fields as a person reads them (a district's walk found station
UUIDs, 'deceased/active', column names and a cancelled file's dates under 脱困 labels)."""

from __future__ import annotations

from station_app.domain.ids import DISTRICT_OWNER_ID, station_id_for
from station_app.domain.services import stations
from station_app.domain.services.conflicts import ConflictView, conflict_lines, differences
from station_app.storage.database import open_database


def view(table, winner, loser):
    differing = sorted(k for k in set(winner) | set(loser) if winner.get(k) != loser.get(k))
    return ConflictView(1, table, "r1", None, "2026-12-05T10:00:00Z", winner, loser,
                        "remote", differing, None, None)


def test_differences_read_as_a_person_reads_them(tmp_path, district_admin):
    db = open_database(tmp_path / "district.sqlite3", create=True)
    db.set_state("station_id", DISTRICT_OWNER_ID)
    with db.session(district_admin) as s:
        stations.upsert_station(s, "KY01", "葵涌社区工联会")
        stations.upsert_station(s, "DP03", "大鹏社区工联会")
    ky, dp = station_id_for("KY01"), station_id_for("DP03")
    member = view("members", {"status": "deceased", "migrant_worker": True},
                  {"status": "active", "migrant_worker": False})
    firm = view("enterprises", {"area_station_id": ky}, {"area_station_id": dp})
    case = view("hardship_cases", {"status": "cancelled", "exit_date": "2023-05-06",
                                   "exit_reason": "重复建档"},
                {"status": "open", "exit_date": None, "exit_reason": None})
    with db.reader() as s:
        assert differences(s, member) == [("是否农民工", "是", "否"), ("状态", "去世", "在会")]
        assert differences(s, member, "en")[1][1:] == ("Deceased", "Active")
        ((name, now, lost),) = differences(s, firm)
        assert (now, lost) == ("KY01 葵涌社区工联会", "DP03 大鹏社区工联会")
        shown = dict((n, (a, b)) for n, a, b in differences(s, case))
        assert shown["注销日期"] == ("2023-05-06", "") and "注销原因" in shown
        assert "脱困日期" not in shown
        lines = conflict_lines([member], {1: "张三"}, shown={1: differences(s, member)})
    assert any("状态: standing '去世' | lost '在会'" in line for line in lines)
    db.close()
