"""The one table of who may do what (``domain.permissions``): every rule judged for every
role and every kind of record, the clerk's "same ISO week" for all days, the reasons in
both languages, every action the services check present in the table, and the table in
docs/ARCHITECTURE.md the one the module writes."""

from __future__ import annotations

import re
from datetime import date, timedelta
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from station_app.domain.actor import Actor
from station_app.domain.permissions import (
    ADMIN_VOIDS,
    DISTRICT,
    RULES,
    STATION,
    VOIDS,
    Record,
    allowed,
    markdown_table,
    same_iso_week,
)
from station_app.domain.validation import Localized

ROOT = Path(__file__).resolve().parents[2]
CLERK = Actor("clerk", "clerk", 2, "王芳")
OTHER_CLERK = Actor("clerk2", "clerk", 3, "李四")
ADMIN = Actor("admin", "station_admin", 1, "站长")
BOSS = Actor("qu", "district_admin", 1, "李主席")
TOOL = Actor("sync", "system", None, "同步")
RANK = {"clerk": 1, "station_admin": 2, "district_admin": 3}
MONDAY = date(2026, 3, 2)


def texts(decision) -> tuple[str, str]:
    return decision.text("zh"), decision.text("en")


@pytest.mark.parametrize("action", sorted(RULES))
def test_the_role_decides_first_and_says_so_in_both_languages(action):
    rule = RULES[action]
    at_district = rule.where == DISTRICT
    for actor in (CLERK, ADMIN, BOSS, TOOL):
        decision = allowed(actor, action, at_district=at_district)
        may = RANK.get(actor.role, 0) >= RANK[rule.least]
        assert decision.ok == may, (action, actor.role)
        if not may:
            zh, en = texts(decision)
            assert decision.reason.code == "perm.denied"
            assert rule.zh in zh and rule.en in en
            assert "_" not in zh  # a role's code never reaches a clerk


@pytest.mark.parametrize("action", sorted(a for a, r in RULES.items() if r.where != "any"))
def test_the_place_decides_next(action):
    rule = RULES[action]
    wrong_place = rule.where == STATION  # at the district for a station's action …
    decision = allowed(BOSS, action, at_district=wrong_place)
    assert not decision.ok
    assert decision.reason.code == ("perm.station_only" if rule.where == STATION
                                    else "perm.district_only")
    assert rule.zh in decision.text("zh") and rule.en in decision.text("en")


ENTERED = sorted(a for a, r in RULES.items() if r.entered)


@given(entered=st.dates(date(2020, 1, 1), date(2030, 12, 31)),
       days=st.integers(-3, 30), action=st.sampled_from(ENTERED))
def test_a_clerk_corrects_what_they_entered_the_same_iso_week_an_admin_any_time(
        entered, days, action):
    today = entered + timedelta(days=days)
    record = Record(entered_by="clerk", entered_on=entered, entered_by_name="王芳")
    same = entered.isocalendar()[:2] == today.isocalendar()[:2]
    decision = allowed(CLERK, action, record, today)
    assert decision.ok == same
    if not same:
        assert decision.reason.code == "perm.week_passed"
        assert entered.isoformat() in decision.text("zh")
    assert allowed(ADMIN, action, record, today).ok
    other = allowed(OTHER_CLERK, action, record, entered)
    assert not other.ok and other.reason.code == "perm.not_entered_by_you"
    assert "王芳" in other.text("zh") and "王芳" in other.text("en")
    unknown = allowed(CLERK, action, Record(), entered)
    assert not unknown.ok and unknown.reason.code == "perm.entered_unknown"


def test_the_iso_week_runs_monday_to_sunday():
    sunday = MONDAY + timedelta(days=6)
    assert same_iso_week(MONDAY, sunday)
    assert not same_iso_week(sunday, sunday + timedelta(days=1))
    # across a new year: 2026-12-31 (Thursday) and 2027-01-03 (Sunday) share ISO week 53
    assert same_iso_week(date(2026, 12, 31), date(2027, 1, 3))


@pytest.mark.parametrize("action", sorted(a for a, r in RULES.items() if r.unreferenced))
def test_a_record_something_refers_to_is_deleted_by_nobody(action):
    refs = (Localized("2 份困难职工档案", "2 hardship file(s)"),
            Localized("3 条走访记录", "3 visit(s)"))
    record = Record(entered_by="clerk", entered_on=MONDAY, referenced_by=refs)
    for actor in (CLERK, ADMIN):
        decision = allowed(actor, action, record, MONDAY)
        assert not decision.ok and decision.reason.code == "perm.referenced"
        zh, en = texts(decision)
        assert "2 份困难职工档案、3 条走访记录" in zh and "2 hardship file(s), 3 visit(s)" in en
    assert allowed(CLERK, action, Record(entered_by="clerk", entered_on=MONDAY),
                   MONDAY).ok


@pytest.mark.parametrize("action", sorted(a for a, r in RULES.items() if r.own))
def test_another_owners_record_is_not_this_stations(action):
    decision = allowed(ADMIN, action, Record(owner="DP02 大鹏社区工联会"), MONDAY)
    assert not decision.ok and decision.reason.code == "perm.not_own"
    assert "DP02" in decision.text("zh") and "DP02" in decision.text("en")


@pytest.mark.parametrize("action", sorted(a for a, r in RULES.items() if r.signed != "free"))
def test_after_sign_off(action):
    rule = RULES[action]
    record = Record(entered_by="clerk", entered_on=MONDAY, signed_by="站长",
                    signed_on=MONDAY)
    clerk = allowed(CLERK, action, record, MONDAY)
    admin = allowed(ADMIN, action, record, MONDAY)
    assert admin.ok and admin.voids  # a station admin may, and it voids the sign-off
    if rule.signed == ADMIN_VOIDS:
        assert not clerk.ok and clerk.reason.code == "perm.signed"
        zh, en = texts(clerk)
        assert "站长" in zh and MONDAY.isoformat() in zh and "voids" in en
    else:
        assert rule.signed == VOIDS and clerk.ok and clerk.voids
    unsigned = allowed(ADMIN, action, Record(entered_by="clerk", entered_on=MONDAY), MONDAY)
    assert unsigned.ok and not unsigned.voids


def test_every_action_the_code_checks_is_in_the_table():
    used = set()
    for path in (ROOT / "station_app").rglob("*.py"):
        used |= set(re.findall(r'(?:permit|may)\(session, "([a-z_.]+)"', path.read_text()))
    assert used and used <= set(RULES), used - set(RULES)


def test_the_documented_table_is_the_modules():
    doc = (ROOT / "docs" / "ARCHITECTURE.md").read_text(encoding="utf-8")
    start, end = "<!-- permissions:start -->\n", "<!-- permissions:end -->"
    assert start in doc and end in doc
    written = doc[doc.index(start) + len(start):doc.index(end)]
    assert written == markdown_table(), (
        "docs/ARCHITECTURE.md's permissions table differs from the module: paste "
        "station_app.domain.permissions.markdown_table() between its markers")
