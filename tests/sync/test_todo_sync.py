"""A follow-up closed from the to-do list ends the early warning at the district too,
once synced (SQLite and PostgreSQL districts): the district's warnings read the closing
the station sent."""

from __future__ import annotations

import json
from datetime import date, timedelta

from station_app.domain.ids import station_id_for
from station_app.domain.services import enterprises, todo, visits
from station_app.domain.validation import credit_code_check_char
from sync.changeset import from_wire, to_wire
from sync.merge import apply_changeset
from sync.outbound import acknowledge, gather

KY01 = station_id_for("KY01")
TODAY = date.today()


def push_all(station, district) -> None:
    while (cs := gather(station, limit=150)) is not None:
        cs = from_wire(json.loads(json.dumps(to_wire(cs), ensure_ascii=False)))
        result = apply_changeset(district, cs, pushing_station=station.station_id)
        assert not result.refused, result.refused
        acknowledge(station, result.acks)


def warnings(db) -> list[tuple[str, str]]:
    with db.reader() as s:
        return [(w.enterprise_name, w.reason)
                for w in visits.early_warnings(s, station_id=KY01)]


def test_closing_a_follow_up_ends_the_districts_warning(db, clerk, district):
    body = "91440300000000001"
    with db.session(clerk) as s:
        ent = enterprises.register_enterprise(s, {
            "name": "鹏城电子", "credit_code": body + credit_code_check_char(body)}).id
        visits.record_visit(s, {"visit_date": TODAY - timedelta(days=2), "enterprise_id": ent,
                                "visitors": "王五", "operating_status": "abnormal",
                                "flags": "欠薪", "follow_up_due": TODAY})
    push_all(db, district)
    assert warnings(db) == warnings(district) == [("鹏城电子", "abnormal")]
    with db.reader() as s:
        [item] = [i for i in todo.todo_items(s, KY01, TODAY) if i.kind == "follow_up"]
    with db.session(clerk) as s:
        todo.close_item(s, clerk, item, {"action": "close", "note": "已协调补发工资"})
    assert warnings(db) == []
    assert warnings(district) == [("鹏城电子", "abnormal")]  # not yet synced
    push_all(db, district)
    assert warnings(district) == []
