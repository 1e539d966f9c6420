"""Corrections travel, on SQLite and PostgreSQL: a station's edits and tombstones of its own
members, enterprises, visits, events and household members reach the district — which
checks them like any row and refuses none — and no figure counts a tombstone there."""

from __future__ import annotations

from datetime import date

from forge import KY01
from sqlalchemy import func, select
from test_push import push_all

from station_app.domain.models import (
    Enterprise,
    Event,
    EventMember,
    HardshipCase,
    HouseholdMember,
    Member,
    OutboxEntry,
    Visit,
)
from station_app.domain.services import enterprises, events, hardship, members, metrics, visits
from station_app.domain.validation import credit_code_check_char, id_check_char
from sync.changeset import from_wire, to_wire
from sync.merge import apply_changeset
from sync.outbound import acknowledge, gather

TODAY = date.today()


def idn(n: int) -> str:
    body = f"44030519800101{n:03d}"
    return body + id_check_char(body)


def credit(n: int) -> str:
    body = f"91440300MA5{n:06d}"
    return body + credit_code_check_char(body)


def test_edits_and_tombstones_of_a_stations_records_reach_the_district(db, admin, district):
    with db.session(admin) as s:
        wrong = members.register_member(s, {"name": "误录", "id_number": idn(1)})
        head = members.register_member(s, {"name": "王秀英", "id_number": idn(2)})
        case = hardship.open_case(s, head.id, {"category": "因病", "level": "深度困难",
                                               "household_size": 3})
        child = hardship.add_household_member(s, case.id, {"name": "李小明",
                                                           "relation": "子女", "age": 12})
        stray = enterprises.register_enterprise(s, {"name": "重复录入", "credit_code": credit(1)})
        ent = enterprises.register_enterprise(s, {"name": "葵涌电子厂", "credit_code": credit(2)})
        visit = visits.record_visit(s, {"visit_date": TODAY, "enterprise_id": ent.id,
                                        "visitors": "王芳", "kind": "劳资纠纷处置",
                                        "workers_served": 10}).visit
        event = events.record_event(s, {"kind": "法律服务", "event_date": TODAY,
                                        "title": "普法讲座", "person_times": 30,
                                        "migrant_person_times": 5}, [head.id])
    push_all(db, district)
    with db.session(admin) as s:
        members.delete_member(s, wrong.id)
        enterprises.delete_enterprise(s, stray.id)
        hardship.update_household_member(s, child.id, {"school_or_work": "葵涌中学"})
        hardship.delete_household_member(s, child.id)
        hardship.update_case(s, case.id, {"housing_type": "租房", "bank_name": "农业银行"})
        visits.update_visit(s, visit.id, {"workers_served": 12})
        events.delete_event(s, event.id)
    refused = []
    while (cs := gather(db)) is not None:
        result = apply_changeset(district, from_wire(to_wire(cs)), pushing_station=KY01)
        refused += result.refused
        acknowledge(db, result.acks)
    assert refused == []
    with db.reader() as s:
        assert s.execute(select(func.count()).select_from(OutboxEntry)).scalar_one() == 0
    with district.reader() as s:
        assert s.get(Member, wrong.id).deleted and not s.get(Member, head.id).deleted
        assert s.get(Enterprise, stray.id).deleted
        hm = s.get(HouseholdMember, child.id)
        assert hm.deleted and hm.school_or_work == "葵涌中学"
        stored = s.get(HardshipCase, case.id)
        assert (stored.housing_type, stored.bank_name) == ("租赁住房", "农业银行")
        assert s.get(Visit, visit.id).workers_served == 12
        assert s.get(Event, event.id).deleted
        links = s.execute(select(EventMember.deleted).where(EventMember.event_id == event.id))
        assert [d for (d,) in links] == [True]
        summary = metrics.compute_summary(s, TODAY)
    assert summary.values["dispute_workers_served"] == 12
    assert summary.values["legal_events"] == 0  # a tombstone counts for nothing
