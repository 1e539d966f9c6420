"""The clerk's to-do list (issue 14, item 3): follow-ups due, files due for annual review,
watch-listed enterprises not visited this week, rows the district refused — each opens
its record and each is closed with an outcome, on a real station file."""

from __future__ import annotations

import json
from datetime import date, timedelta

import pytest

from station_app.domain.ids import station_id_for
from station_app.domain.models import HardshipCase, OutboxEntry, Visit
from station_app.domain.services import enterprises, hardship, members, todo, visits
from station_app.domain.services.common import PermissionDenied
from station_app.domain.validation import ValidationError, credit_code_check_char, id_check_char
from station_app.storage.sqlfile import dbapi as sqlite3

KY01 = station_id_for("KY01")
TODAY = date.today()


def make_id(n: int) -> str:
    first17 = f"11010119800101{n:03d}"
    return first17 + id_check_char(first17)


def credit(n: int) -> str:
    body = f"914403000{n:08d}"
    return body + credit_code_check_char(body)


def codes(exc: pytest.ExceptionInfo) -> list[str]:
    return [e.code for e in exc.value.errors]


def items(db, kind: str | None = None, today: date = TODAY) -> list[todo.TodoItem]:
    with db.reader() as s:
        found = todo.todo_items(s, KY01, today)
    return [i for i in found if kind is None or i.kind == kind]


def close(db, actor, item, **outcome):
    with db.session(actor) as s:
        return todo.close_item(s, actor, item, outcome)


def audit(path, action: str) -> list[tuple[str, str, dict]]:
    con = sqlite3.connect(path)
    try:
        rows = con.execute("SELECT actor, row_id, detail FROM audit_log WHERE action = ? "
                           "ORDER BY id", (action,)).fetchall()
    finally:
        con.close()
    return [(a, r, json.loads(d)) for a, r, d in rows]


def enterprise(db, actor, n: int, name: str) -> str:
    with db.session(actor) as s:
        return enterprises.register_enterprise(s, {"name": name, "credit_code": credit(n)}).id


def visit(db, actor, ent: str, day: date, **extra) -> Visit:
    with db.session(actor) as s:
        return visits.record_visit(s, {"visit_date": day, "enterprise_id": ent,
                                       "visitors": "王五", **extra}).visit


def abnormal(db, actor, ent: str, day: date, **extra) -> Visit:
    return visit(db, actor, ent, day, operating_status="abnormal", flags="欠薪",
                 workers_involved=12, **extra)


# --------------------------------------------------------------------------- follow-ups


def test_an_abnormal_visit_is_a_follow_up_until_closed_with_its_outcome(db, clerk, db_path):
    ent = enterprise(db, clerk, 1, "鹏城电子")
    v = abnormal(db, clerk, ent, TODAY - timedelta(days=3),
                 follow_up_due=TODAY - timedelta(days=1))
    [item] = items(db, "follow_up")
    assert item.title.zh == f"跟进：鹏城电子（{v.visit_date.isoformat()} 走访）"
    assert item.title.en == f"Follow up 鹏城电子 (visited {v.visit_date.isoformat()})"
    assert "欠薪" in item.detail.zh and "预警" in item.detail.zh
    assert "Wage arrears" in item.detail.en
    assert (item.due, item.overdue) == (TODAY - timedelta(days=1), True)
    assert (item.page, item.record_id, item.actions) == ("visits", v.id, ("close", "revisit"))
    with db.reader() as s:
        assert [w.reason for w in visits.early_warnings(s, station_id=KY01)] == ["abnormal"]

    with pytest.raises(ValidationError) as exc:  # not before the visit, not in the future
        close(db, clerk, item, action="close", note="已补发", on=v.visit_date - timedelta(1))
    assert codes(exc) == ["visit.closed_before_visit"]
    with pytest.raises(ValidationError) as exc:
        close(db, clerk, item, action="review")
    assert codes(exc) == ["todo.action"]
    assert exc.value.messages("zh") == ["处理结果：“跟进”只能这样处理：关闭跟进、登记回访"]

    closed = close(db, clerk, item, action="close", note="企业已补发 3 月工资")
    assert closed.closed_date == TODAY
    assert items(db, "follow_up") == []
    with db.reader() as s:  # the early warning stops with it
        assert visits.early_warnings(s, station_id=KY01) == []
    assert audit(db_path, "follow-up-closed") == [
        ("clerk", v.id, {"outcome": "企业已补发 3 月工资"})]
    with pytest.raises(ValidationError) as exc:  # settled already
        close(db, clerk, item, action="close", note="again")
    assert codes(exc) == ["todo.gone"]


def test_a_return_visit_closes_the_follow_up_on_its_date(db, clerk):
    ent = enterprise(db, clerk, 1, "鹏城电子")
    first = abnormal(db, clerk, ent, TODAY - timedelta(days=10))
    [item] = items(db, "follow_up")
    assert item.due is None and not item.overdue and "未定跟进期限" in item.detail.zh
    result = close(db, clerk, item, action="revisit",
                   visit={"visit_date": TODAY - timedelta(days=2), "visitors": "王五",
                          "findings": "工资已发放，职工情绪稳定"})
    assert result.visit.enterprise_id == ent and result.visit.id != first.id
    with db.reader() as s:
        assert s.get(Visit, first.id).closed_date == TODAY - timedelta(days=2)
    assert items(db, "follow_up") == []


def test_which_follow_ups_are_listed(db, clerk):
    ent = enterprise(db, clerk, 1, "鹏城电子")
    soon = visit(db, clerk, ent, TODAY - timedelta(days=1),
                 follow_up_due=TODAY + timedelta(days=todo.HORIZON_DAYS))
    visit(db, clerk, ent, TODAY - timedelta(days=1),
          follow_up_due=TODAY + timedelta(days=todo.HORIZON_DAYS + 1))  # later: not yet
    old = abnormal(db, clerk, ent, TODAY - timedelta(days=todo.WARNING_DAYS + 5))  # no more
    assert [i.row_id for i in items(db, "follow_up")] == [soon.id]
    tomb = abnormal(db, clerk, ent, TODAY)
    with db.session(clerk) as s:
        visits.delete_visit(s, tomb.id)
    assert [i.row_id for i in items(db, "follow_up")] == [soon.id]
    assert old.id not in {i.row_id for i in items(db)}


# --------------------------------------------------------------------------- reviews


def test_a_file_due_for_review(db, clerk, admin):
    with db.session(clerk) as s:
        head = members.register_member(s, {"name": "李困难", "id_number": make_id(1)})
        case = hardship.open_case(s, head.id, {
            "category": "因病", "level": "深度困难", "household_size": 3,
            "registered_date": TODAY - timedelta(days=400)})
        other = members.register_member(s, {"name": "赵新", "id_number": make_id(2)})
        hardship.open_case(s, other.id, {"category": "因病", "level": "深度困难",
                                         "household_size": 2})  # registered today: not due
    [item] = items(db, "review")
    assert item.title.zh == "年审：李困难 的困难职工档案"
    assert item.title.en == "Annual review: 李困难's hardship file"
    assert item.overdue and item.due < TODAY
    assert (item.page, item.record_id, item.actions) == ("hardship", case.id,
                                                         ("review", "exit"))
    with pytest.raises(PermissionDenied):  # closing a file is a station admin's
        close(db, clerk, item, action="exit", reason="已就业")
    done = close(db, clerk, item, action="review", on=TODAY - timedelta(days=1),
                 note="入户核查，情况属实")
    assert done.last_review_date == TODAY - timedelta(days=1)
    assert items(db, "review") == []


def test_a_review_may_close_the_file(db, clerk, admin):
    with db.session(clerk) as s:
        head = members.register_member(s, {"name": "李困难", "id_number": make_id(1)})
        case = hardship.open_case(s, head.id, {
            "category": "因病", "level": "深度困难", "household_size": 3,
            "registered_date": TODAY - timedelta(days=400)})
    [item] = items(db, "review")
    close(db, admin, item, action="exit", reason="子女已就业，家庭收入稳定")
    with db.reader() as s:
        assert s.get(HardshipCase, case.id).status == "exited"
    assert items(db, "review") == []


# --------------------------------------------------------------------------- watch list


def test_a_watch_listed_enterprise_not_visited_this_week(db, clerk):
    ent = enterprise(db, clerk, 1, "鹏城电子")
    enterprise(db, clerk, 2, "不在名单")
    with db.session(clerk) as s:
        enterprises.list_on_watch(s, ent, "欠薪风险", TODAY - timedelta(days=14))
    [item] = items(db, "watch_visit")
    sunday = TODAY + timedelta(days=6 - TODAY.weekday())
    assert item.title.zh == "本周走访重点监管企业：鹏城电子"
    assert (item.due, item.overdue, item.page, item.record_id, item.actions) == (
        sunday, False, "enterprises", ent, ("visit",))
    result = close(db, clerk, item, action="visit",
                   visit={"visit_date": TODAY, "visitors": "王五"})
    assert (result.visit.enterprise_id, result.visit.kind) == (ent, "watch")
    assert items(db, "watch_visit") == []
    with db.reader() as s:
        week = visits.weekly_compliance(s, KY01, *TODAY.isocalendar()[:2])
        assert week.overdue_watch_listed == ()
    # next week it is due again
    assert [i.row_id for i in items(db, "watch_visit", TODAY + timedelta(days=7))] == [ent]


# --------------------------------------------------------------------------- refused


def held(db) -> dict[str, str]:
    from sync.outbound import held as held_rows

    return held_rows(db, tidy=False)


def refuse(db, table: str, row_id: str, reason: str) -> None:
    """What the client does with a row the district refused (``sync.outbound.hold``)."""
    from sync.outbound import hold

    with db.reader() as s:
        stamp = s.get(Visit if table == "visits" else HardshipCase, row_id).hlc
    hold(db, [(table, row_id, stamp, reason)])


def test_a_refused_row_is_listed_with_the_districts_reason_and_sent_again(db, clerk,
                                                                            db_path):
    from sync.outbound import HELD_KEY, gather

    assert todo.HELD_KEY == HELD_KEY
    ent = enterprise(db, clerk, 1, "鹏城电子")
    v = visit(db, clerk, ent, TODAY)
    refuse(db, "visits", v.id, "the station is unknown\t区总工会没有这个站点")
    [item] = items(db, "refused")
    assert item.title.zh == f"区总工会拒收了走访记录：鹏城电子 {TODAY.isoformat()}"
    assert item.title.en == f"The district refused a visit: 鹏城电子 {TODAY.isoformat()}"
    assert (item.detail.zh, item.detail.en) == ("区总工会没有这个站点", "the station is unknown")
    assert (item.page, item.record_id, item.actions) == ("visits", v.id, ("retry", "discard"))
    assert gather(db, exclude=held(db)).rows.get("visits") is None  # held back
    assert close(db, clerk, item, action="retry") is None
    assert held(db) == {} and items(db, "refused") == []
    assert [r["id"] for r in gather(db, exclude=held(db)).rows["visits"]] == [v.id]
    assert audit(db_path, "sync-retry") == [
        ("clerk", v.id, {"reason": "the station is unknown\t区总工会没有这个站点"})]


def test_a_record_the_district_never_accepted_may_be_discarded(db, clerk, db_path):
    ent = enterprise(db, clerk, 1, "鹏城电子")
    v = visit(db, clerk, ent, TODAY)
    refuse(db, "visits", v.id, "refused\t拒收")
    [item] = items(db, "refused")
    discarded = close(db, clerk, item, action="discard")
    assert discarded.id == v.id
    with db.reader() as s:
        assert s.get(Visit, v.id).deleted  # a tombstone, kept here
        assert s.query(OutboxEntry).filter_by(table_name="visits", row_id=v.id).count() == 0
    assert held(db) == {} and items(db) == []
    assert [a for _who, _row, a in audit(db_path, "sync-discard")] == [{}]
    with pytest.raises(ValidationError) as exc:
        close(db, clerk, item, action="discard")
    assert codes(exc) == ["todo.gone"]


def test_a_record_the_district_holds_is_not_discarded(db, clerk):
    from sync.outbound import acknowledge, gather

    ent = enterprise(db, clerk, 1, "鹏城电子")
    v = visit(db, clerk, ent, TODAY)
    cs = gather(db)
    acknowledge(db, cs.keys())  # the district took the first version
    with db.session(clerk) as s:
        visits.update_visit(s, v.id, {"findings": "补充情况"})
    refuse(db, "visits", v.id, "refused\t拒收")
    [item] = items(db, "refused")
    with pytest.raises(ValidationError) as exc:
        close(db, clerk, item, action="discard")
    assert codes(exc) == ["todo.discard_accepted"]
    with db.reader() as s:
        assert not s.get(Visit, v.id).deleted


def test_a_refused_file_is_corrected_not_discarded(db, clerk):
    with db.session(clerk) as s:
        head = members.register_member(s, {"name": "李困难", "id_number": make_id(1)})
        case = hardship.open_case(s, head.id, {"category": "因病", "level": "深度困难",
                                               "household_size": 3})
    refuse(db, "hardship_cases", case.id, "refused\t拒收")
    [item] = items(db, "refused")
    assert item.title.zh == "区总工会拒收了困难职工档案：李困难"
    assert (item.page, item.record_id, item.actions) == ("hardship", case.id, ("retry",))
    # an edit of the row releases it: it goes with the next batch
    with db.session(clerk) as s:
        hardship.update_case(s, case.id, {"household_size": 4})
    assert items(db, "refused") == []


def test_the_list_is_in_due_order(db, clerk):
    watched = enterprise(db, clerk, 1, "鹏城电子")
    other = enterprise(db, clerk, 2, "大鹏物流")
    with db.session(clerk) as s:
        enterprises.list_on_watch(s, watched, "欠薪风险", TODAY - timedelta(days=14))
        head = members.register_member(s, {"name": "李困难", "id_number": make_id(1)})
        hardship.open_case(s, head.id, {"category": "因病", "level": "深度困难",
                                        "household_size": 3,
                                        "registered_date": TODAY - timedelta(days=370)})
    visit(db, clerk, other, TODAY - timedelta(days=5), follow_up_due=TODAY - timedelta(days=2))
    listed = items(db)
    # the review due 5 days ago, the follow-up 2 days ago, the visit by Sunday
    assert [(i.kind, i.overdue) for i in listed] == [
        ("review", True), ("follow_up", True), ("watch_visit", False)]
    registered = TODAY - timedelta(days=370)
    assert [i.due for i in listed] == [registered.replace(year=registered.year + 1),
                                       TODAY - timedelta(days=2),
                                       TODAY + timedelta(days=6 - TODAY.weekday())]
    assert [i.kind_label("en") for i in listed] == ["Annual review", "Follow-up",
                                                    "Watch-list visit"]


def test_only_the_actors_own_unit_of_work(db, clerk, admin):
    ent = enterprise(db, clerk, 1, "鹏城电子")
    abnormal(db, clerk, ent, TODAY)
    [item] = items(db, "follow_up")
    with db.session(admin) as s, pytest.raises(ValueError):
        todo.close_item(s, clerk, item, {"action": "close", "note": "x"})
