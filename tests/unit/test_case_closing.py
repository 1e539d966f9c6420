"""Closing a hardship file — 脱困 (exited) or 注销 (cancelled) — and the files on record
as of a date D (SPEC: "registered on or before D, not exited or cancelled on or before D").

The rule is checked on the boundary dates and, with hypothesis, against a plain-Python
count for any set of files and any D, through both ways the figure is computed (the
select on a session, and its SQL compiled for SQLite that the command lines run).
"""

from __future__ import annotations

import json
from datetime import date, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from station_app.domain import figures
from station_app.domain.ids import station_id_for
from station_app.domain.models import AuditRecord, HardshipCase
from station_app.domain.services import hardship, members, metrics, metrics_sqlite
from station_app.domain.services.common import PermissionDenied
from station_app.domain.validation import ValidationError, id_check_char

TODAY = date.today()
CASE = {"category": "因病", "level": "深度困难", "household_size": 3}


def make_id(n: int) -> str:
    first17 = f"11010119800101{n:03d}"
    return first17 + id_check_char(first17)


def codes(err: pytest.ExceptionInfo) -> list[str]:
    return [e.code for e in err.value.errors]


def new_case(db, actor, n: int, registered: date) -> str:
    with db.session(actor) as s:
        m = members.register_member(s, {"name": "困难户", "id_number": make_id(n)})
        return hardship.open_case(s, m.id, {**CASE, "registered_date": registered}).id


# --------------------------------------------------------------------------- the service


def test_cancel_is_checked_like_an_exit(db, admin, clerk):
    registered = TODAY - timedelta(days=30)
    case_id = new_case(db, admin, 1, registered)
    attempts = {
        # date in the future, before the file was registered, not a date, no reason
        (TODAY + timedelta(days=1), "建档错误"): ["date.future"],
        (registered - timedelta(days=1), "建档错误"): ["case.closed_before_registered"],
        ("下个月", "建档错误"): ["date.invalid"],
        (TODAY, "  "): ["text.required"],
    }
    for (on, reason), expected in attempts.items():
        with pytest.raises(ValidationError) as err:
            with db.session(admin) as s:
                hardship.cancel_case(s, case_id, on, reason)
        assert codes(err) == expected, (on, reason)
    # the field each error names: the date as 注销日期, in either language
    with pytest.raises(ValidationError) as err:
        with db.session(admin) as s:
            hardship.cancel_case(s, case_id, registered - timedelta(days=1), "")
    zh, en = err.value.messages("zh"), err.value.messages("en")
    assert any(m.startswith("注销日期") and registered.isoformat() in m for m in zh)
    assert any(m.startswith("原因") for m in zh)
    assert any(m.startswith("Cancellation date") for m in en)
    # a clerk may not (the service checks, whatever the screen shows)
    with pytest.raises(PermissionDenied) as err:
        with db.session(clerk) as s:
            hardship.cancel_case(s, case_id, TODAY, "建档错误")
    assert "注销档案" in err.value.messages("zh")[0]
    with db.reader() as s:
        assert s.get(HardshipCase, case_id).status == "open"

    with db.session(admin) as s:
        hardship.cancel_case(s, case_id, registered, "重复建档")
    with db.reader() as s:
        case = s.get(HardshipCase, case_id)
        assert (case.status, case.exit_date, case.exit_reason) == (
            "cancelled", registered, "重复建档")
        assert [c.id for c in hardship.cancelled_cases(s)] == [case_id]
        assert hardship.exited_cases(s) == []
        assert case_id not in {c.id for c in hardship.never_helped(s)}
    # closed is closed: neither a second cancel nor an exit, and no more entries
    for close in (hardship.cancel_case, hardship.exit_case):
        with pytest.raises(ValidationError) as err:
            with db.session(admin) as s:
                close(s, case_id, TODAY, "再次")
        assert codes(err) == ["case.already_closed"]
        text = err.value.messages("zh")[0]
        assert "注销" in text and registered.isoformat() in text
    with pytest.raises(ValidationError) as err:
        with db.session(clerk) as s:
            hardship.add_entry(s, case_id, {"kind": "入户走访"})
    assert codes(err) == ["case.not_open"]


def test_a_closing_in_error_is_undone_and_audited(db, admin, clerk):
    registered = TODAY - timedelta(days=100)
    case_id = new_case(db, admin, 2, registered)
    with pytest.raises(ValidationError) as err:
        with db.session(admin) as s:
            hardship.reopen_case(s, case_id)
    assert codes(err) == ["case.not_closed"]
    with db.session(admin) as s:
        hardship.exit_case(s, case_id, TODAY - timedelta(days=10), "再就业")
    with pytest.raises(PermissionDenied):
        with db.session(clerk) as s:
            hardship.reopen_case(s, case_id)
    with db.session(admin) as s:
        hardship.reopen_case(s, case_id)
    with db.reader() as s:
        case = s.get(HardshipCase, case_id)
        assert (case.status, case.exit_date, case.exit_reason) == ("open", None, None)
        details = [json.loads(d) for d in s.execute(
            select(AuditRecord.detail).where(AuditRecord.row_id == case_id,
                                             AuditRecord.action == "update")
            .order_by(AuditRecord.id)).scalars()]
    closed_on = (TODAY - timedelta(days=10)).isoformat()
    assert details[0]["status"] == ["open", "exited"]
    assert details[0]["exit_date"] == [None, closed_on]
    # the undo keeps what was undone
    assert details[1]["status"] == ["exited", "open"]
    assert details[1]["exit_date"] == [closed_on, None]
    assert details[1]["exit_reason"] == ["再就业", None]
    # open again: it counts on every date from registration, and takes entries again
    with db.reader() as s:
        assert metrics.metric_value(s, "hardship_cases_open", figures.Scope(TODAY, None)) == 1
    with db.session(clerk) as s:
        hardship.add_entry(s, case_id, {"kind": "入户走访"})


def test_reopening_keeps_one_open_file_per_household(db, admin):
    old = new_case(db, admin, 3, TODAY - timedelta(days=400))
    with db.session(admin) as s:
        hardship.exit_case(s, old, TODAY - timedelta(days=200), "再就业")
        member_id = s.get(HardshipCase, old).member_id
        hardship.open_case(s, member_id, {**CASE, "registered_date": TODAY})
    with pytest.raises(ValidationError) as err:
        with db.session(admin) as s:
            hardship.reopen_case(s, old)
    assert codes(err) == ["case.exists"]


# --------------------------------------------------------------------------- the rule


D = date(2025, 6, 30)
KY01 = station_id_for("KY01")
KY02 = station_id_for("KY02")


def _figure_both_ways(session, as_of: date, station_id: str | None) -> int:
    """hardship_cases_open on the session, checked equal to the compiled SQL's count."""
    scope = figures.Scope(as_of, station_id)
    by_session = metrics.metric_value(session, "hardship_cases_open", scope)
    sql, constants, _kinds = metrics_sqlite.QUERIES[("metric:hardship_cases_open",
                                                     station_id is not None)]
    params = {k: (v.isoformat() if isinstance(v, date) else v)
              for k, v in {**constants, **scope.params()}.items()}
    (compiled,) = session.connection().exec_driver_sql(sql, params).one()
    assert compiled == by_session, (as_of, station_id)
    # the records behind the figure are as many as the figure
    assert len(metrics.metric_rows(session, "hardship_cases_open", scope)) == by_session
    return by_session


def _insert(session, member_id: str, registered: date, status: str = "open",
            closed: date | None = None, *, station: str = KY01, deleted: bool = False
            ) -> str:
    """A file as any version of the software (or a sync) may have left it: written as
    it is, without the service's checks (a legacy 注销 has no date)."""
    case = HardshipCase(member_id=member_id, category="illness", level="deep",
                        household_size=1, registered_date=registered, status=status,
                        exit_date=closed, exit_reason="原因" if closed else None,
                        station_id=station, deleted=deleted)
    session.add(case)
    session.flush()
    return case.id


@pytest.fixture
def head(db, admin) -> str:
    with db.session(admin) as s:
        return members.register_member(s, {"name": "户主", "id_number": make_id(9)}).id


BOUNDARY = [
    # (what, registered, status, closed, on file on D)
    ("registered on D", D, "open", None, True),
    ("registered D+1", D + timedelta(days=1), "open", None, False),
    ("exited on D", D - timedelta(days=9), "exited", D, False),
    ("exited D+1", D - timedelta(days=9), "exited", D + timedelta(days=1), True),
    ("exited D-1", D - timedelta(days=9), "exited", D - timedelta(days=1), False),
    ("cancelled D-1", D - timedelta(days=9), "cancelled", D - timedelta(days=1), False),
    ("cancelled on D", D - timedelta(days=9), "cancelled", D, False),
    ("cancelled D+1", D - timedelta(days=9), "cancelled", D + timedelta(days=1), True),
    ("cancelled, no date", D - timedelta(days=9), "cancelled", None, False),
    ("exited, no date", D - timedelta(days=9), "exited", None, False),
    ("registered and exited on D", D, "exited", D, False),
    ("registered and cancelled D+1", D, "cancelled", D + timedelta(days=1), True),
]


@pytest.mark.parametrize("what, registered, status, closed, on_file", BOUNDARY,
                         ids=[b[0] for b in BOUNDARY])
def test_on_file_on_the_boundary_dates(db, admin, head, what, registered, status, closed,
                                       on_file):
    with db.session(admin) as s:
        _insert(s, head, registered, status, closed)
        assert _figure_both_ways(s, D, None) == int(on_file), what
        assert _figure_both_ways(s, D, KY01) == int(on_file), what
        assert _figure_both_ways(s, D, KY02) == 0
        # and the day before, the day after
        before = registered <= D - timedelta(days=1) and (
            status == "open" or (closed is not None and closed > D - timedelta(days=1)))
        assert _figure_both_ways(s, D - timedelta(days=1), None) == int(before), what


def test_the_district_report_counts_exits_and_cancellations_on_file(db, admin, head):
    """81 files registered, 1 exited on D and 1 cancelled before D: 79 on file on D."""
    with db.session(admin) as s:
        for _ in range(79):
            _insert(s, head, date(2024, 3, 1))
        _insert(s, head, date(2024, 3, 1), "exited", D)
        _insert(s, head, date(2024, 3, 1), "cancelled", date(2025, 2, 1))
        assert _figure_both_ways(s, D, None) == 79
        assert _figure_both_ways(s, date(2025, 1, 31), None) == 81


class _Rollback(Exception):
    pass


# days around D, narrow so that dates fall on each other often (a file registered or
# closed on the as-of date is what the rule is about)
file_strategy = st.fixed_dictionaries({
    "registered": st.integers(-3, 3),
    "status": st.sampled_from(["open", "exited", "cancelled"]),
    "closed": st.one_of(st.integers(-3, 4), st.just(None)),
    "station": st.sampled_from([KY01, KY02]),
    "deleted": st.sampled_from([False, False, False, True]),
})


def on_file_by_hand(files: list[dict], as_of: date, station: str | None) -> int:
    """The SPEC's rule in plain Python."""
    n = 0
    for f in files:
        if f["deleted"] or (station is not None and f["station"] != station):
            continue
        registered = D + timedelta(days=f["registered"])
        if registered > as_of:
            continue
        if f["status"] == "open":
            n += 1
        elif f["closed"] is not None and D + timedelta(days=f["closed"]) > as_of:
            n += 1  # closed after D: still on file on D
    return n


@settings(deadline=None, max_examples=150,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(files=st.lists(file_strategy, min_size=1, max_size=10), day=st.integers(-4, 5))
def test_on_file_is_the_rule_for_any_files_and_any_date(db, admin, head, files, day):
    as_of = D + timedelta(days=day)
    try:
        with db.session(admin) as s:
            for f in files:
                closed = None if f["status"] == "open" or f["closed"] is None \
                    else D + timedelta(days=f["closed"])
                _insert(s, head, D + timedelta(days=f["registered"]), f["status"], closed,
                        station=f["station"], deleted=f["deleted"])
            # an open file's closing fields are empty (re-opening clears them)
            for station in (None, KY01, KY02):
                assert _figure_both_ways(s, as_of, station) == on_file_by_hand(
                    files, as_of, station), (as_of, station)
            raise _Rollback
    except _Rollback:
        pass


def test_find_case_by_id_number_or_file_id(db, admin):
    case_id = new_case(db, admin, 4, TODAY - timedelta(days=30))
    with db.reader() as s:
        assert hardship.find_case(s, make_id(4)).id == case_id
        assert hardship.find_case(s, f" {make_id(4)[:6]} {make_id(4)[6:]} ").id == case_id
        assert hardship.find_case(s, case_id).id == case_id
        with pytest.raises(ValidationError) as err:
            hardship.find_case(s, make_id(4), closed=True)
        assert codes(err) == ["case.none_for_id"]
    # the same person with an open file at another station too (a district's database)
    saved = db._station_id
    db._station_id = KY02
    try:
        other = new_case(db, admin, 4, TODAY - timedelta(days=10))
    finally:
        db._station_id = saved
    with db.reader() as s:
        with pytest.raises(ValidationError) as err:
            hardship.find_case(s, make_id(4))
        assert codes(err) == ["case.several_for_id"]
        assert case_id in err.value.messages("en")[0] and other in err.value.messages("en")[0]
        assert hardship.find_case(s, other).id == other
    with db.session(admin) as s:
        hardship.exit_case(s, case_id, TODAY, "再就业")
    with db.reader() as s:
        assert hardship.find_case(s, make_id(4), closed=True).id == case_id


def test_a_closed_file_stays_registered_before_its_closing(db, admin):
    case_id = new_case(db, admin, 5, TODAY - timedelta(days=60))
    with db.session(admin) as s:
        hardship.cancel_case(s, case_id, TODAY - timedelta(days=20), "错建")
    with pytest.raises(ValidationError) as err:
        with db.session(admin) as s:
            hardship.update_case(s, case_id, {
                "registered_date": (TODAY - timedelta(days=10)).isoformat()})
    assert codes(err) == ["case.registered_after_closing"]
    assert "注销" in err.value.messages("zh")[0]
    with db.session(admin) as s:  # on or before the closing: fine
        hardship.update_case(s, case_id, {
            "registered_date": (TODAY - timedelta(days=20)).isoformat()})
