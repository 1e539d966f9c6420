"""Correcting records and signing them off, through the services on a real station file:
the hardship file in full, household members, visits, events, members and enterprises
corrected or deleted as the permission table says (by role, by who entered them and when,
while nothing refers to them, after a sign-off), each change audited and queued for the
district; sign-offs of a file and of a week's visits, voided visibly by a later change."""

from __future__ import annotations

import json
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from station_app.domain.actor import Actor
from station_app.domain.ids import station_id_for
from station_app.domain.models import (
    AuditRecord,
    Enterprise,
    Event,
    EventMember,
    HardshipCase,
    HouseholdMember,
    Member,
    OutboxEntry,
    SignOff,
    Visit,
)
from station_app.domain.services import (
    corrections,
    enterprises,
    events,
    hardship,
    members,
    stations,
    users,
    visits,
)
from station_app.domain.services.common import NotFound, PermissionDenied
from station_app.domain.validation import ValidationError, credit_code_check_char, id_check_char
from station_app.exchange.casefile import case_file_html

KY01, DP02 = station_id_for("KY01"), station_id_for("DP02")
TODAY = date.today()
MONDAY = TODAY - timedelta(days=TODAY.weekday())


def make_id(n: int, born: date = date(1980, 1, 1)) -> str:
    born = born + timedelta(days=n // 1000)
    first17 = f"110101{born:%Y%m%d}{n % 1000:03d}"
    return first17 + id_check_char(first17)


def credit(n: int) -> str:
    body = f"914403000{n:08d}"
    return body + credit_code_check_char(body)


def codes(err) -> list[str]:
    return [e.code for e in err.value.errors]


def audit(db, table: str, row_id: str) -> list[tuple[str, dict | None]]:
    with db.reader() as s:
        return [(a, json.loads(d) if d else None) for a, d in s.execute(
            select(AuditRecord.action, AuditRecord.detail).where(
                AuditRecord.table_name == table, AuditRecord.row_id == row_id)
            .order_by(AuditRecord.id))]


def queued(db, table: str, row_id: str) -> int:
    with db.reader() as s:
        return len(s.execute(select(OutboxEntry.seq).where(
            OutboxEntry.table_name == table, OutboxEntry.row_id == row_id)).all())


@pytest.fixture
def clerk2(db, admin):
    """A second clerk of the station."""
    with db.session(admin) as s:
        user = users.create_user(s, "clerk2", "clerk2-pass-1", "clerk", "李四")
        return Actor(user.username, user.role, user.id, user.display_name)


@pytest.fixture
def later(monkeypatch):
    """Move the permission table's today a number of days on (a clerk's week passes)."""
    def move(days: int) -> None:
        monkeypatch.setattr(corrections, "today", lambda: TODAY + timedelta(days=days))
    return move


def register(db, actor, n: int, name: str = "张三", **extra) -> Member:
    with db.session(actor) as s:
        return members.register_member(s, {"name": name, "id_number": make_id(n), **extra})


def new_case(db, actor, n: int = 1, **fields) -> HardshipCase:
    head = register(db, actor, n, "户主")
    with db.session(actor) as s:
        return hardship.open_case(s, head.id, {"category": "因病", "level": "深度困难",
                                               "household_size": 3, **fields})


def new_enterprise(db, actor, n: int = 1) -> str:
    with db.session(actor) as s:
        return enterprises.register_enterprise(s, {"name": f"企业{n}",
                                                   "credit_code": credit(n)}).id


def new_visit(db, actor, ent: str, day: date = TODAY, **fields) -> Visit:
    with db.session(actor) as s:
        return visits.record_visit(s, {"visit_date": day, "enterprise_id": ent,
                                       "visitors": "王芳", **fields}).visit


# =========================================================================== the file


FULL = {
    "category": "因病", "level": "深度困难", "household_size": 4,
    "monthly_income_per_capita_fen": "812.50", "registered_date": "2024-03-01",
    "political_status": "党员", "health": "患大病", "disability_category": "肢体",
    "model_worker_type": "市级劳动模范", "housing_type": "租房", "employer_name": "葵涌五金厂",
    "employer_nature": "民营企业", "enterprise_status": "停产", "single_parent": "否",
    "own_monthly_income_fen": "1,800", "household_annual_income_fen": "39000.00",
    "hukou_area": "广东省深圳市大鹏新区", "medical_insurance": "城镇职工医保",
    "zero_employment": "是", "primary_cause": "本人患大病", "secondary_cause": "子女教育",
    "bank_name": "中国农业银行", "bank_account": "6228480012345678901", "filed_by": "王芳",
    "reviewed_by": "李强", "entered_by": "王芳", "notes": "首次建档",
}


def test_a_file_is_opened_and_edited_in_full(db, clerk):
    case = new_case(db, clerk, 1, **FULL)
    with db.reader() as s:
        row = s.get(HardshipCase, case.id)
        values = hardship.case_values(row)
    # every field of the 困难职工档案表, the office's wordings read as the list's
    assert (row.political_status, row.disability_category, row.model_worker_type,
            row.housing_type, row.employer_nature, row.enterprise_status,
            row.medical_insurance) == ("中共党员", "肢体残疾", "市级劳模", "租赁住房", "私营企业",
                                       "停产半停产", "职工基本医疗保险")
    assert (row.own_monthly_income_fen, row.household_annual_income_fen,
            row.monthly_income_per_capita_fen) == (180000, 3900000, 81250)
    assert (row.single_parent, row.zero_employment) == (False, True)
    assert (row.hukou_area, row.bank_account, row.filed_by, row.reviewed_by,
            row.entered_by) == ("广东省深圳市大鹏新区", "6228480012345678901", "王芳", "李强",
                                "王芳")
    assert values["household_annual_income_fen"] == "39000.00"  # the form's yuan
    # edited: only what differs is written, and the audit record lists it
    with db.session(clerk) as s:
        hardship.update_case(s, case.id, {**values, "household_annual_income_fen": "42,000",
                                          "housing_type": "公租房", "notes": "年审后更新"})
    with db.reader() as s:
        row = s.get(HardshipCase, case.id)
        doc = case_file_html(s, case.id)
    assert (row.household_annual_income_fen, row.housing_type) == (4200000, "公租房或廉租房")
    action, detail = audit(db, "hardship_cases", case.id)[-1]
    assert action == "update"
    assert set(detail) == {"household_annual_income_fen", "housing_type", "notes"}
    assert queued(db, "hardship_cases", case.id) == 2  # the correction goes to the district
    for text in ("中共党员", "肢体残疾", "市级劳模", "公租房或廉租房", "私营企业", "停产半停产",
                 "职工基本医疗保险", "42,000.00", "1,800.00", "广东省深圳市大鹏新区",
                 "中国农业银行", "6228480012345678901", "李强", "年审后更新"):
        assert text in doc, text
    # nothing changed: nothing written
    with db.session(clerk) as s:
        hardship.update_case(s, case.id, {"housing_type": "公租房或廉租房"})
    assert len(audit(db, "hardship_cases", case.id)) == 2


def test_bad_fields_of_the_file_are_named_in_both_languages_and_nothing_is_saved(db, clerk):
    case = new_case(db, clerk, 1)
    with pytest.raises(ValidationError) as err:
        with db.session(clerk) as s:
            hardship.update_case(s, case.id, {"political_status": "党外", "housing_type": "帐篷",
                                              "own_monthly_income_fen": "12.345",
                                              "household_annual_income_fen": "-5",
                                              "zero_employment": "也许",
                                              "household_size": 0})
    assert set(err.value.by_field()) == {"political_status", "housing_type",
                                         "own_monthly_income_fen",
                                         "household_annual_income_fen", "zero_employment",
                                         "household_size"}
    zh, en = err.value.messages("zh"), err.value.messages("en")
    assert any(m.startswith("政治面貌") and "中共党员" in m and "群众" in m for m in zh)
    assert any(m.startswith("住房类型") and "租赁住房" in m for m in zh)
    assert any(m.startswith("本人月收入") for m in zh)
    assert any(m.startswith("家庭年总收入") for m in zh)
    assert any(m.startswith("Political status") and "CPC member" in m for m in en)
    assert any(m.startswith("Housing") for m in en)
    assert not any("_" in m.split(":")[0] for m in en)  # no field's code reaches a clerk
    with db.reader() as s:
        assert s.get(HardshipCase, case.id).political_status is None
    assert len(audit(db, "hardship_cases", case.id)) == 1


def test_household_members_are_added_corrected_and_removed(db, clerk):
    case = new_case(db, clerk, 1)
    child = make_id(2, born=date(2012, 5, 4))
    with db.session(clerk) as s:
        hm = hardship.add_household_member(s, case.id, {"name": "李小明", "relation": "子女",
                                                        "id_number": child,
                                                        "school_or_work": "葵涌中学"})
        spouse = hardship.add_household_member(s, case.id, {"name": "王芳", "relation": "配偶",
                                                            "age": 41})
    t = TODAY
    assert hm.age == t.year - 2012 - ((t.month, t.day) < (5, 4))  # from the ID number
    # the same ID number twice, or the head's own, is refused; a bad one named
    for data, code in (({"name": "李小明", "relation": "子女", "id_number": child},
                        "household.id_twice"),
                       ({"name": "户主", "relation": "本人", "id_number": make_id(1)},
                        "household.is_head"),
                       ({"name": "某人", "relation": "表亲", "id_number": child[:-1] + "0"
                         if child[-1] != "0" else child[:-1] + "1"}, None)):
        with pytest.raises(ValidationError) as err:
            with db.session(clerk) as s:
                hardship.add_household_member(s, case.id, data)
        if code:
            assert codes(err) == [code]
        else:
            assert set(err.value.by_field()) == {"relation", "id_number"}
    # corrected: a new ID number gives the age again; only what differs is written
    other = make_id(3, born=date(1983, 1, 1))
    with db.session(clerk) as s:
        hardship.update_household_member(s, spouse.id, {"id_number": other, "health": "健康"})
    with db.reader() as s:
        row = s.get(HouseholdMember, spouse.id)
    assert (row.id_number, row.health, row.name) == (other, "健康", "王芳")
    assert row.age == t.year - 1983 - ((t.month, t.day) < (1, 1))
    assert set(audit(db, "household_members", spouse.id)[-1][1]) == {"id_number", "health",
                                                                      "age"}
    # removed: a tombstone, kept, audited, queued; gone from the file
    with db.session(clerk) as s:
        hardship.delete_household_member(s, hm.id)
    with db.reader() as s:
        assert s.get(HouseholdMember, hm.id).deleted
        assert [h.name for h in hardship.household(s, case.id)] == ["王芳"]
        assert "李小明" not in case_file_html(s, case.id)
    assert audit(db, "household_members", hm.id)[-1][0] == "delete"
    assert queued(db, "household_members", hm.id) == 2
    with pytest.raises(NotFound):
        with db.session(clerk) as s:
            hardship.update_household_member(s, hm.id, {"health": "健康"})


# =========================================================================== visits


def test_a_clerk_corrects_the_visits_they_entered_this_week(db, clerk, clerk2, admin, later):
    ent = new_enterprise(db, clerk)
    mine = new_visit(db, clerk, ent)
    theirs = new_visit(db, clerk2, ent, visitors="李四")
    with db.session(clerk) as s:
        visits.update_visit(s, mine.id, {"workers_served": 7})
    with pytest.raises(PermissionDenied) as err:
        with db.session(clerk) as s:
            visits.update_visit(s, theirs.id, {"workers_served": 7})
    assert codes(err) == ["perm.not_entered_by_you"]
    assert "李四" in err.value.messages("zh")[0] and "station admin" in \
        err.value.messages("en")[0]
    # a week on, the clerk no longer may; a station admin may, any time
    later(7)
    for work in (lambda s: visits.update_visit(s, mine.id, {"workers_served": 9}),
                 lambda s: visits.delete_visit(s, mine.id)):
        with pytest.raises(PermissionDenied) as err:
            with db.session(clerk) as s:
                work(s)
        assert codes(err) == ["perm.week_passed"]
        assert TODAY.isoformat() in err.value.messages("en")[0]
    with db.session(admin) as s:
        visits.update_visit(s, theirs.id, {"workers_served": 3})
        visits.delete_visit(s, mine.id)
    with db.reader() as s:
        assert s.get(Visit, mine.id).deleted and s.get(Visit, theirs.id).workers_served == 3
    assert [a for a, _ in audit(db, "visits", mine.id)] == ["insert", "update", "delete"]
    # the same week, Monday to Sunday: not the same weekday a week later
    later(6 - TODAY.weekday())  # this Sunday
    with db.session(clerk2) as s:
        visits.delete_visit(s, theirs.id)


def test_a_visit_that_came_by_sync_is_a_station_admins_to_correct(db, clerk, admin):
    ent = new_enterprise(db, clerk)
    with db.session(clerk, source="sync") as s:  # (as a re-seed brings its own rows back)
        restored = Visit(id="01900000-0000-7000-8000-000000000001", hlc="0000000000001-00000-x",
                         station_id=KY01, visit_date=TODAY, kind="routine",
                         enterprise_id=ent, visitors="王芳", workers_served=0,
                         operating_status="normal")
        s.add(restored)
    with pytest.raises(PermissionDenied) as err:
        with db.session(clerk) as s:
            visits.update_visit(s, restored.id, {"visitors": "改"})
    assert codes(err) == ["perm.entered_unknown"]
    with db.session(admin) as s:
        visits.update_visit(s, restored.id, {"visitors": "改"})


# =========================================================================== events


def test_events_are_corrected_and_deleted_by_the_table(db, clerk, clerk2, admin, later):
    m = register(db, clerk, 1)
    with db.session(clerk) as s:
        ev = events.record_event(s, {"kind": "法律服务", "event_date": TODAY, "title": "普法讲座",
                                     "person_times": 30, "migrant_person_times": 12}, [m.id])
    with db.session(clerk) as s:
        events.update_event(s, ev.id, {"person_times": 35})
    with pytest.raises(PermissionDenied) as err:
        with db.session(clerk2) as s:
            events.delete_event(s, ev.id)
    assert codes(err) == ["perm.not_entered_by_you"]
    with pytest.raises(ValidationError) as err:  # the whole event checked again
        with db.session(clerk) as s:
            events.update_event(s, ev.id, {"migrant_person_times": 40})
    assert codes(err) == ["event.migrants_exceed"]
    later(8)
    with pytest.raises(PermissionDenied):
        with db.session(clerk) as s:
            events.update_event(s, ev.id, {"title": "普法"})
    with db.session(admin) as s:
        events.delete_event(s, ev.id)
    with db.reader() as s:
        assert s.get(Event, ev.id).deleted and s.get(Event, ev.id).person_times == 35
        links = s.execute(select(EventMember).where(EventMember.event_id == ev.id)).scalars()
        assert [link.deleted for link in links] == [True]  # its participants with it
    assert [a for a, _ in audit(db, "events", ev.id)] == ["insert", "update", "delete"]
    assert queued(db, "events", ev.id) == 3


# =========================================================================== members, enterprises


def test_a_member_entered_in_error_is_deleted_only_while_nothing_refers_to_it(db, clerk,
                                                                              clerk2, admin):
    lone = register(db, clerk, 1, "误录")
    head = new_case(db, clerk, 2)
    with db.reader() as s:
        head_id = s.get(HardshipCase, head.id).member_id
    with db.session(clerk) as s:
        hardship.add_entry(s, head.id, {"kind": "慰问金", "amount": 300})
    with pytest.raises(PermissionDenied) as err:  # another clerk's
        with db.session(clerk2) as s:
            members.delete_member(s, lone.id)
    assert codes(err) == ["perm.not_entered_by_you"]
    with db.session(clerk) as s:
        members.delete_member(s, lone.id)
    with db.reader() as s:
        assert s.get(Member, lone.id).deleted
        assert [h.id for h in members.search_members(s, "误录")] == []
    assert audit(db, "members", lone.id)[-1][0] == "delete"
    assert queued(db, "members", lone.id) == 2
    # a member with a file and ledger entries: refused for everyone, naming them
    for actor in (clerk, admin):
        with pytest.raises(PermissionDenied) as err:
            with db.session(actor) as s:
                members.delete_member(s, head_id)
        assert codes(err) == ["perm.referenced"]
        assert "1 份困难职工档案" in err.value.messages("zh")[0]
        assert "1 条帮扶记录" in err.value.messages("zh")[0]
        assert "hardship file" in err.value.messages("en")[0]
    with db.reader() as s:
        assert not s.get(Member, head_id).deleted


def test_an_enterprise_entered_in_error_is_deleted_only_while_nothing_refers_to_it(
        db, clerk, admin, district_admin):
    ent = new_enterprise(db, clerk, 1)
    visited = new_enterprise(db, clerk, 2)
    new_visit(db, clerk, visited)
    with db.session(clerk) as s:
        enterprises.delete_enterprise(s, ent)
    with db.reader() as s:
        assert s.get(Enterprise, ent).deleted
    with pytest.raises(PermissionDenied) as err:
        with db.session(admin) as s:
            enterprises.delete_enterprise(s, visited)
    assert codes(err) == ["perm.referenced"] and "1 条走访记录" in str(err.value)
    # another station's enterprise (shared, as pulled) is not this station's to delete
    with db.session(district_admin) as s:
        stations.upsert_station(s, "DP02", "大鹏社区工联会")
    with db.session(admin, source="sync") as s:
        theirs = Enterprise(id="01900000-0000-7000-8000-0000000000e1", station_id=DP02,
                            hlc="0000000000001-00000-x", name="他站企业",
                            union_established=False)
        s.add(theirs)
    with pytest.raises(PermissionDenied) as err:
        with db.session(admin) as s:
            enterprises.delete_enterprise(s, theirs.id)
    assert codes(err) == ["perm.not_own"] and "DP02" in err.value.messages("en")[0]


# =========================================================================== sign-offs


def test_the_station_head_signs_a_file_and_a_later_change_voids_it_visibly(db, clerk, admin):
    case = new_case(db, clerk, 1, **FULL)
    with db.session(clerk) as s:
        hardship.add_household_member(s, case.id, {"name": "李小明", "relation": "子女",
                                                   "age": 12})
    with pytest.raises(PermissionDenied) as err:  # a clerk may not sign
        with db.session(clerk) as s:
            hardship.sign_case(s, case.id)
    assert "站点管理员" in err.value.messages("zh")[0]
    with db.session(admin) as s:
        view = hardship.sign_case(s, case.id, note="情况属实")
    assert (view.signed_by, view.signed_by_name, view.signed_date, view.note) == (
        "admin", "站长", TODAY, "情况属实")
    assert view.in_force and view.recorded
    assert queued(db, "signoffs", view.id) == 1  # to the district
    with pytest.raises(ValidationError) as err:  # signed and unchanged: nothing to sign
        with db.session(admin) as s:
            hardship.sign_case(s, case.id)
    assert codes(err) == ["signoff.already"]
    # after sign-off a clerk may not change the file or its household …
    with pytest.raises(PermissionDenied) as err:
        with db.session(clerk) as s:
            hardship.update_case(s, case.id, {"household_annual_income_fen": "45000"})
    assert codes(err) == ["perm.signed"]
    assert "站长" in err.value.messages("zh")[0] and TODAY.isoformat() in str(err.value)
    with pytest.raises(PermissionDenied):
        with db.session(clerk) as s:
            hardship.add_household_member(s, case.id, {"name": "王芳", "relation": "配偶"})
    # … but records the annual review (not what was signed)
    with db.session(clerk) as s:
        hardship.record_review(s, case.id, TODAY)
    # a station admin may, and the change voids the sign-off: kept, with who, when, why
    with db.session(admin) as s:
        hardship.update_case(s, case.id, {"household_annual_income_fen": "45000"})
    with db.reader() as s:
        [voided] = hardship.case_signoffs(s, case.id).grassroots
        doc = case_file_html(s, case.id)
    assert voided.id == view.id and voided.void and not voided.in_force
    assert (voided.void_by, voided.void_by_name) == ("admin", "站长")
    assert "家庭年总收入" in voided.why_void("zh")
    assert "Household annual income" in voided.why_void("en")
    assert "作废" in voided.status("zh") and "voided" in voided.status("en")
    assert "签署作废" in doc and "<s>站长</s>" in doc
    assert queued(db, "signoffs", view.id) == 2  # the void goes to the district too
    # signed again: a new sign-off, the history kept
    with db.session(admin) as s:
        again = hardship.sign_case(s, case.id)
        hm = hardship.add_household_member(s, case.id, {"name": "王芳", "relation": "配偶"})
    with db.reader() as s:
        history = hardship.case_signoffs(s, case.id).grassroots
    assert [v.id for v in history] == [again.id, view.id]
    assert history[0].void and "王芳" in history[0].why_void("zh")
    assert hm.name == "王芳"


def test_a_week_of_visits_is_signed_and_a_change_to_it_voids_the_sign_off(db, clerk, admin):
    ent = new_enterprise(db, clerk)
    first = new_visit(db, clerk, ent, MONDAY)
    y, w, _ = MONDAY.isocalendar()
    with pytest.raises(PermissionDenied):
        with db.session(clerk) as s:
            visits.sign_week(s, y, w)
    with db.session(admin) as s:
        view = visits.sign_week(s, y, w, note="本周走访已核")
    assert view.level == "week" and (view.iso_year, view.iso_week) == (y, w) and view.in_force
    # the clerk who entered it may not correct it now: the week is signed
    with pytest.raises(PermissionDenied) as err:
        with db.session(clerk) as s:
            visits.update_visit(s, first.id, {"workers_served": 4})
    assert codes(err) == ["perm.signed"]
    # a visit added to the signed week (a clerk may): the week's sign-off is void
    late = new_visit(db, clerk, ent, MONDAY, visitors="补录")
    with db.reader() as s:
        [voided] = visits.week_signoffs(s, y, w)
    assert voided.void and MONDAY.isoformat() in voided.why_void("zh")
    assert voided.void_by == "clerk"
    with db.session(admin) as s:
        again = visits.sign_week(s, y, w)
        visits.update_visit(s, late.id, {"workers_served": 2})
    with db.reader() as s:
        now = visits.week_signoffs(s, y, w)
        listed = visits.signed_weeks(s)
    assert [v.id for v in now] == [again.id, view.id] and now[0].void
    assert "workers served" in now[0].why_void("en").lower()
    assert listed[0].id == again.id
    # a week not yet begun, or one that does not exist, cannot be signed
    nxt = (MONDAY + timedelta(days=7)).isocalendar()
    for year, week, code in ((nxt[0], nxt[1], "signoff.week_future"),
                             (2021, 53, "signoff.week_invalid")):
        with pytest.raises(ValidationError) as err:
            with db.session(admin) as s:
                visits.sign_week(s, year, week)
        assert codes(err) == [code]


def test_only_a_person_signs_off(db):
    case = new_case(db, Actor("cli:root", "district_admin", None, "command line"), 1)
    with pytest.raises(PermissionDenied) as err:
        with db.session(Actor("cli:root", "district_admin", None, "command line")) as s:
            hardship.sign_case(s, case.id)
    assert codes(err) == ["signoff.needs_user"]
    with db.reader() as s:
        assert s.execute(select(SignOff)).first() is None


def test_the_upper_block_is_the_districts_to_sign(db, admin):
    case = new_case(db, admin, 1)
    with pytest.raises(PermissionDenied) as err:
        with db.session(admin) as s:
            hardship.sign_case_upper(s, case.id)
    assert codes(err) == ["perm.denied"]
    boss = Actor("qu", "district_admin", 99, "李主席")
    with pytest.raises(PermissionDenied) as err:  # in a station's file: never
        with db.session(boss) as s:
            hardship.sign_case_upper(s, case.id)
    assert codes(err) == ["perm.district_only"]


def test_the_district_accepts_an_older_releases_free_text_in_the_files_lists():
    """Before the fixed lists (revision 0012) 政治面貌 and the like were free text: the
    district still takes such a row (``sync.validate.LEGACY``), and every other rule of
    the file still holds."""
    from sync.changeset import from_wire
    from sync.validate import refusals

    def file_row(n: int, **values) -> dict:
        return {"id": f"01900000-0000-7000-8000-00000000000{n}", "station_id": KY01,
                "hlc": f"0000000000001-0000{n}-x", "deleted": False, "_base": None,
                **{c.key: None for c in HardshipCase.__table__.columns
                   if c.key not in ("id", "station_id", "hlc", "deleted")},
                "member_id": "01900000-0000-7000-8000-0000000000aa", "category": "illness",
                "level": "deep", "household_size": 2, "registered_date": "2024-03-01",
                "status": "open", "single_parent": False, "zero_employment": False,
                **values}

    older = file_row(1, political_status="党员（预备）", housing_type="与父母同住")
    broken = file_row(2, political_status="党员（预备）", household_size=0)
    cs = from_wire({"version": 1, "station_id": KY01, "node": "x",
                    "batch_id": "01900000-0000-7000-8000-0000000000bb",
                    "rows": {"hardship_cases": [older, broken]}})
    refused = refusals(cs)
    assert list(refused) == [("hardship_cases", broken["id"])]
    assert "Household size" in refused[("hardship_cases", broken["id"])]
    assert "Political status" not in refused[("hardship_cases", broken["id"])]


def test_the_buttons_ask_the_same_table_with_the_records_facts(db, clerk, clerk2, admin):
    ent = new_enterprise(db, clerk)
    mine = new_visit(db, clerk, ent)
    with db.session(clerk) as s:
        assert corrections.decide(s, "visit.create").ok  # a "New" button
        assert corrections.decide(s, "visit.edit", "visits", mine.id).ok
        assert not corrections.decide(s, "visit_week.sign").ok
    with db.session(clerk2) as s:
        refused = corrections.decide(s, "visit.delete", "visits", mine.id)
    assert not refused and refused.reason.code == "perm.not_entered_by_you"
    assert "专职工作者" in refused.text("zh")  # the clerk who entered it, by display name
    y, w, _ = mine.visit_date.isocalendar()
    with db.session(admin) as s:
        visits.sign_week(s, y, w)
    with db.session(admin) as s:
        decision = corrections.decide(s, "visit.edit", "visits", mine.id)
    assert decision.ok and decision.voids  # the page warns before the change
