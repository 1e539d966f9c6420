"""The tables a unit of work changed, from every write path (the capture hook, the bulk
path, DML through the session, the sync merge, an import), and no write without an
actor. The client refreshes its pages from these sets, never from lists made by hand."""

from __future__ import annotations

import json
from datetime import date

import pytest
from sqlalchemy import insert, select, update

from station_app.domain.actor import SYSTEM_SYNC, Actor
from station_app.domain.ids import DISTRICT_OWNER_ID
from station_app.domain.models import Event, LocalState, Member
from station_app.domain.services import events, hardship, members, stations, visits
from station_app.domain.services.enterprises import register_enterprise
from station_app.domain.validation import credit_code_check_char, id_check_char
from station_app.storage.capture import CHANGED_TABLES, NoActorError, bulk_insert
from station_app.storage.database import open_database
from sync.changeset import from_wire, to_wire
from sync.merge import apply_changeset
from sync.outbound import gather

DISTRICT = Actor("district", "district_admin", None, "区总工会")


def idn(n: int) -> str:
    body = f"44030519800101{n:03d}"
    return body + id_check_char(body)


def credit(n: int) -> str:
    body = f"91440300MA5F{n:05d}"
    return body + credit_code_check_char(body)


def test_a_session_hands_on_the_tables_its_flush_wrote(db, admin):
    with db.session(admin) as s:
        members.register_member(s, {"name": "张三", "id_number": idn(1)})
    changed = s.info[CHANGED_TABLES]
    assert {"members", "audit_log", "outbox", "local_state", "member_name_keys"} <= changed
    assert "hardship_cases" not in changed and "visits" not in changed


def test_collect_changes_gathers_every_unit_of_work_of_the_thread(db, admin):
    with db.collect_changes() as changed:
        with db.session(admin) as s:
            members.register_member(s, {"name": "李四", "id_number": idn(2)})
        with db.session(admin) as s:
            events.record_event(s, {"kind": "legal", "event_date": date(2024, 5, 6),
                                    "title": "普法讲座", "person_times": "30"})
        with db.reader() as s:  # a read changes nothing
            s.execute(select(Member.id)).all()
    assert {"members", "events"} <= changed
    # a unit of work that failed is not reported
    with db.collect_changes() as failed, pytest.raises(ValueError):
        with db.session(admin) as s:
            s.add(Event(kind="legal", event_date=date(2024, 5, 7), title="x",
                        person_times=1, migrant_person_times=0))
            s.flush()
            raise ValueError("rolled back")
    assert failed == set()
    # nor one of another thread
    import threading

    other: set[str] = set()

    def elsewhere() -> None:
        with db.session(admin) as s2:
            members.register_member(s2, {"name": "王五", "id_number": idn(3)})

    with db.collect_changes() as mine:
        t = threading.Thread(target=elsewhere)
        t.start()
        t.join()
    assert mine == other


def test_the_bulk_path_and_session_dml_are_reported(db, admin):
    with db.session(admin) as s:
        result = members.bulk_register_members(s, [
            {"name": "赵六", "id_number": idn(4)}, {"name": "钱七", "id_number": idn(5)}])
    assert len(result.inserted) == 2
    assert {"members", "outbox", "audit_log", "member_name_keys"} <= s.info[CHANGED_TABLES]
    with db.collect_changes() as changed:
        db.set_state("district_server", "https://district.example:8765")
    assert changed == {"local_state"}
    with db.session(admin) as s:
        s.execute(update(LocalState).where(LocalState.key == "district_server")
                  .values(value="https://other.example"))
    assert s.info[CHANGED_TABLES] == {"local_state"}


def _station_work(db, admin) -> None:
    """Members, a hardship file with a household member, a visit and an event."""
    with db.session(admin) as s:
        m = members.register_member(s, {"name": "孙八", "id_number": idn(6)})
        case = hardship.open_case(s, m.id, {"category": "illness", "level": "deep",
                                           "household_size": "3",
                                           "registered_date": "2024-03-01"})
        hardship.add_household_member(s, case.id, {"name": "孙小八", "relation": "child",
                                                  "age": "9"})
        ent = register_enterprise(s, {"name": "葵涌制衣厂", "credit_code": credit(1)})
        visits.record_visit(s, {"enterprise_id": ent.id, "visit_date": "2024-03-04",
                                "kind": "routine", "visitors": "王芳"})
        events.record_event(s, {"kind": "training", "event_date": date(2024, 3, 5),
                                "title": "提素课堂", "person_times": "20"})


def test_a_sync_apply_reports_visits_events_and_households(db, admin, tmp_path):
    """The Sync page once named the tables by hand and left these out."""
    _station_work(db, admin)
    district = open_database(tmp_path / "district.sqlite3", create=True)
    try:
        district.set_state("station_id", DISTRICT_OWNER_ID)
        with district.session(DISTRICT) as s:
            stations.upsert_station(s, "KY01", "葵涌社区工联会", is_key=True)
        cs = gather(db)
        cs = from_wire(json.loads(json.dumps(to_wire(cs), ensure_ascii=False)))
        with district.collect_changes() as changed:
            result = apply_changeset(district, cs, pushing_station=db.station_id)
        assert result.inserted > 0
        assert {"members", "hardship_cases", "household_members", "visits", "events",
                "enterprises", "sync_batches", "change_log"} <= changed
    finally:
        district.close()


def test_an_import_of_hardship_files_reports_the_members_it_registered(db, admin, tmp_path):
    """The members page stayed stale after such an import: the page named only the
    hardship table."""
    from station_app.exchange.xlsx_import import import_sheets
    from tests.exchange.xlsx_helpers import write_xlsx

    path = write_xlsx(tmp_path / "档案.xlsx", [
        ["困难类别", "姓名", "性别", "身份证号", "家庭人口", "主要致困原因", "建档日期"],
        ["深度困难职工", "周九", "男", idn(7), 3, "因病", "2023-03-01"],
    ])
    with db.collect_changes() as changed:
        result = import_sheets(db, admin, path)
    assert result.imported == 1
    assert {"members", "hardship_cases"} <= changed


# --------------------------------------------------------------------------- no actor


def test_a_session_without_an_actor_reads_but_never_writes(db, admin):
    with db.session(admin) as s:
        members.register_member(s, {"name": "吴十", "id_number": idn(8)})
    with db.session() as s:  # reads are fine
        assert s.execute(select(Member.name)).scalars().all() == ["吴十"]
    attempts = [
        lambda s: s.add(Event(kind="legal", event_date=date(2024, 5, 7), title="x",
                              person_times=1, migrant_person_times=0)),
        lambda s: setattr(s.execute(select(Member)).scalar_one(), "phone", "13800000000"),
        lambda s: s.execute(insert(LocalState).values(key="x", value="y")),
        lambda s: db.set_state("district_server", "https://x.example", session=s),
        lambda s: bulk_insert(s, Member, [{"name": "x"}]),
        # a service's own check comes first: nobody passes a role check
        lambda s: members.register_member(s, {"name": "郑一", "id_number": idn(9)}),
    ]
    for attempt in attempts:
        with pytest.raises((NoActorError, members.ValidationError)):
            with db.session() as s:
                attempt(s)
                s.flush()
    with db.reader() as s:
        assert s.execute(select(Member.name)).scalars().all() == ["吴十"]
        assert s.get(LocalState, "x") is None
        assert s.execute(select(Member.phone)).scalar_one() is None


def test_system_actors_pass_no_role_check(db):
    from station_app.domain.actor import SYSTEM_LOGIN, SYSTEM_SETUP
    from station_app.domain.services.common import PermissionDenied

    for actor in (SYSTEM_SYNC, SYSTEM_SETUP, SYSTEM_LOGIN):
        assert not actor.at_least("clerk") and not actor.is_person
        with pytest.raises(PermissionDenied), db.session(actor) as s:
            members.register_member(s, {"name": "冯二", "id_number": idn(10)})
