"""Sign-offs through sync, on SQLite and PostgreSQL: a station head's sign-offs (of a
file, of a week's visits) and their voiding reach the district; the upper union's
sign-off is the district's own record, pulled by the station whose file it is and never
written by a station (a push of it is refused 403, over HTTP); a station's edit after it
shows as a change since signing on both sides, and never overwrites it. A station of an
older release is not sent the new table, and catches up on it once it reads it (by HTTP
and by file)."""

from __future__ import annotations

import gzip
import json
from datetime import date, timedelta

import httpx
import pytest
from forge import DP02, KY01, changeset, idn, row
from loopback import serve
from sqlalchemy import func, select
from test_push import push_all, wire

from station_app.domain.actor import Actor
from station_app.domain.ids import DISTRICT_OWNER_ID
from station_app.domain.models import (
    CaseUpperSignOff,
    ChangeLog,
    HardshipCase,
    OutboxEntry,
    SignOff,
)
from station_app.domain.services import enterprises, hardship, members, users, visits
from station_app.domain.services.common import PermissionDenied
from station_app.domain.validation import credit_code_check_char
from sync.changeset import from_wire
from sync.district import LATER_TABLES, PULL_READS, enroll, pull
from sync.merge import apply_changeset


def wire_of(data: dict):
    """A forged wire changeset as the district reads it."""
    return from_wire(json.loads(json.dumps(data)))

DISTRICT = Actor("district", "district_admin", None, "区总工会")
TODAY = date.today()
MONDAY = TODAY - timedelta(days=TODAY.weekday())


def pull_all(station, district, cursor: int = 0, **scope) -> int:
    """Pull as the current release does: reading the later tables."""
    scope.setdefault("reads", LATER_TABLES)
    while True:
        cs, new = pull(district, station.station_id, cursor, limit=50, **scope)
        if cs.count():
            apply_changeset(station, wire(cs), pushing_station=None, from_district=True)
        if new == cursor:
            return cursor
        cursor = new


def count(db, model, *where) -> int:
    with db.reader() as s:
        return s.execute(select(func.count()).select_from(model).where(*where)).scalar_one()


def boss(district) -> Actor:
    """A district administrator who logs in at the district (a person signs)."""
    with district.session(DISTRICT) as s:
        user = users.create_user(s, "qu", "district-pass-1", "district_admin", "李主席",
                                 bootstrap=True)
        return Actor(user.username, user.role, user.id, user.display_name)


def a_file(db, admin) -> str:
    with db.session(admin) as s:
        head = members.register_member(s, {"name": "王秀英", "id_number": idn(1)})
        case = hardship.open_case(s, head.id, {"category": "因病", "level": "深度困难",
                                               "household_size": 3,
                                               "household_annual_income_fen": "36000",
                                               "political_status": "群众"})
        hardship.add_household_member(s, case.id, {"name": "李小明", "relation": "子女",
                                                   "age": 12})
        return case.id


def test_a_station_heads_sign_offs_and_their_voiding_reach_the_district(db, admin,
                                                                          district):
    pull_all(db, district)
    case_id = a_file(db, admin)
    with db.session(admin) as s:
        body = "91440300MA5000001"
        ent = enterprises.register_enterprise(s, {
            "name": "葵涌电子厂", "credit_code": body + credit_code_check_char(body)})
        visits.record_visit(s, {"visit_date": MONDAY, "enterprise_id": ent.id,
                                "visitors": "王芳"})
        signed = hardship.sign_case(s, case_id, note="情况属实")
        y, w, _ = MONDAY.isocalendar()
        week = visits.sign_week(s, y, w)
    push_all(db, district)
    with district.reader() as s:
        there = hardship.case_signoffs(s, case_id).grassroots
        weeks = visits.week_signoffs(s, y, w, station_id=KY01)
    assert [(v.id, v.signed_by_name, v.note, v.in_force) for v in there] == [
        (signed.id, "站长", "情况属实", True)]  # the district holds the file as signed
    assert [(v.id, v.in_force) for v in weeks] == [(week.id, True)]
    # a station admin's later change voids it there too, the row kept
    with db.session(admin) as s:
        hardship.update_case(s, case_id, {"household_annual_income_fen": "48000"})
    push_all(db, district)
    with district.reader() as s:
        [there] = hardship.case_signoffs(s, case_id).grassroots
        stored = s.get(SignOff, signed.id)
    assert there.void and (stored.void_by, stored.void_by_name) == ("admin", "站长")
    assert "家庭年总收入" in there.why_void("zh")
    assert push_all(db, district) == 0


def test_the_upper_union_signs_at_the_district_and_the_station_pulls_it(db, admin, district):
    pull_all(db, district)
    case_id = a_file(db, admin)
    push_all(db, district)
    signer = boss(district)
    with district.session(signer) as s:
        upper = hardship.sign_case_upper(s, case_id, note="同意建档")
    with district.reader() as s:
        assert s.get(CaseUpperSignOff, upper.id).station_id == DISTRICT_OWNER_ID
    pull_all(db, district)
    with db.reader() as s:
        [here] = hardship.case_signoffs(s, case_id).upper
    assert (here.id, here.signed_by_name, here.note, here.in_force) == (
        upper.id, "李主席", "同意建档", True)
    assert count(db, OutboxEntry, OutboxEntry.table_name == "case_upper_signoffs") == 0
    # the station's edit after it: a station admin's; the upper sign-off shows the change,
    # at the station and, once pushed, at the district — and is never overwritten
    with pytest.raises(PermissionDenied, match="站点管理员"):
        with db.session(Actor("clerk-x", "clerk", None, "专职")) as s:
            hardship.update_case(s, case_id, {"household_annual_income_fen": "48000"})
    with db.session(admin) as s:
        hardship.update_case(s, case_id, {"household_annual_income_fen": "48000"})
        [here] = hardship.case_signoffs(s, case_id).upper
    assert not here.in_force and not here.void
    assert [c.zh for c in here.changes] == ["家庭年总收入：签署时为 36000.00，现为 48000.00"]
    push_all(db, district)
    with district.reader() as s:
        [there] = hardship.case_signoffs(s, case_id).upper
        stored = s.get(CaseUpperSignOff, upper.id)
    assert (stored.signed_by, stored.note, stored.void_at) == ("qu", "同意建档", None)
    assert [c.en for c in there.changes] == [
        "Household annual income: signed 36000.00, now 48000.00"]
    # the district signs the file as it is now; the station pulls it; the first stays
    with district.session(signer) as s:
        again = hardship.sign_case_upper(s, case_id)
    pull_all(db, district)
    with db.reader() as s:
        history = hardship.case_signoffs(s, case_id).upper
    assert [v.id for v in history] == [again.id, upper.id]
    assert history[0].in_force and not history[1].in_force
    # withdrawn at the district: void at the station too, with why
    with district.session(signer) as s:
        hardship.withdraw_upper_signoff(s, again.id, "误签")
    pull_all(db, district)
    with db.reader() as s:
        current = hardship.case_signoffs(s, case_id).upper_current
    assert current.void and current.why_void("zh") == "撤回：误签"


def test_a_station_never_pulls_another_stations_upper_sign_offs(db, admin, district):
    pull_all(db, district)
    case_id = a_file(db, admin)
    push_all(db, district)
    with district.session(boss(district)) as s:
        hardship.sign_case_upper(s, case_id)
    cs, _cursor = pull(district, DP02, 0, reads=LATER_TABLES)
    assert "case_upper_signoffs" not in cs.rows
    cs, _cursor = pull(district, KY01, 0, reads=LATER_TABLES)
    assert len(cs.rows["case_upper_signoffs"]) == 1


def test_an_older_station_is_not_sent_the_new_table_and_catches_up_later(db, admin,
                                                                        district):
    pull_all(db, district)
    case_id = a_file(db, admin)
    push_all(db, district)
    with district.session(boss(district)) as s:
        upper = hardship.sign_case_upper(s, case_id)
    cs, cursor = pull(district, KY01, 0)  # an older release says it reads nothing new
    assert "case_upper_signoffs" not in cs.rows and cursor > 0
    # … and moves on; once updated, it catches up on the table from the start
    cs, _ = pull(district, KY01, cursor, reads=LATER_TABLES)
    assert "case_upper_signoffs" not in cs.rows
    cs, _ = pull(district, KY01, 0, reads=LATER_TABLES, only=LATER_TABLES)
    assert set(cs.rows) == {"case_upper_signoffs"}
    assert [r["id"] for r in cs.rows["case_upper_signoffs"]] == [upper.id]


# --------------------------------------------------------------------------- over HTTP


@pytest.fixture
def server(district):
    from sync.server.app import create_app

    with serve(create_app(district)) as url:
        yield url


def test_a_station_updated_after_the_sign_off_catches_up_by_http(db, admin, district,
                                                                 server):
    from sync.client import SyncClient

    code = enroll(district, "KY01", DISTRICT).code
    case_id = a_file(db, admin)
    client = SyncClient(db, server)
    client.sync(code)
    with district.session(boss(district)) as s:
        upper = hardship.sign_case_upper(s, case_id)
    # as an older release left it: pulled past the sign-off without reading the table
    with district.reader() as s:
        newest = s.execute(select(func.max(ChangeLog.seq))).scalar_one()
    db.set_state("pull_cursor", str(newest))
    db.set_state(PULL_READS, "")
    client.sync()
    client.close()
    with db.reader() as s:
        assert [v.id for v in hardship.case_signoffs(s, case_id).upper] == [upper.id]
    assert db.state()[PULL_READS] == ",".join(LATER_TABLES)
    assert int(db.state()["pull_cursor"]) >= newest


def test_a_station_may_not_push_the_districts_sign_off_or_delete_its_own(db, district,
                                                                        server):
    one_time = enroll(district, "KY01", DISTRICT).code
    with httpx.Client(base_url=server, timeout=60) as http:
        token = http.post("/v1/enroll", json={"station_code": "KY01", "code": one_time}
                          ).json()["token"]
        headers = {"Authorization": f"Bearer {token}", "Content-Encoding": "gzip",
                   "Content-Type": "application/json"}

        def push(*rows):
            body = gzip.compress(json.dumps(changeset(KY01, *rows)).encode())
            return http.post("/v1/push", content=body, headers=headers)

        member = row("members", KY01, id_number=idn(7))
        case = row("hardship_cases", KY01, member_id=member["id"])
        assert push(("members", member), ("hardship_cases", case)).status_code == 200
        for owner in (KY01, DISTRICT_OWNER_ID):  # as its own or as the district's
            forged = row("case_upper_signoffs", owner, case_id=case["id"])
            answer = push(("case_upper_signoffs", forged))
            assert answer.status_code == 403, answer.text
            assert "only the district writes case_upper_signoffs" in answer.json()["detail"]
        mine = row("signoffs", KY01, kind="case", case_id=case["id"], iso_year=None,
                   iso_week=None)
        assert push(("signoffs", mine)).status_code == 200
        answer = push(("signoffs", dict(mine, deleted=True, hlc=row("members")["hlc"])))
        assert answer.status_code == 403 and "never deleted" in answer.json()["detail"]
        theirs = row("members", DP02, id_number=idn(8))
        their_case = row("hardship_cases", DP02, member_id=theirs["id"])
        apply_changeset(district, wire_of(changeset(DP02, ("members", theirs),
                                                    ("hardship_cases", their_case))),
                        pushing_station=DP02)
        other = row("signoffs", KY01, kind="case", case_id=their_case["id"], iso_year=None,
                    iso_week=None)
        answer = push(("signoffs", other))
        assert answer.status_code == 403, answer.text  # not a file of its own
        assert "of another station" in answer.json()["detail"]
    assert count(district, CaseUpperSignOff) == 0
    assert count(district, SignOff) == 1
    with district.reader() as s:
        assert not s.get(SignOff, mine["id"]).deleted


# --------------------------------------------------------------------------- by file


def test_sign_offs_travel_by_file_both_ways(db, admin, district, tmp_path):
    from sync.bundle import (
        export_district_bundle,
        export_station_bundle,
        import_district_bundle,
        import_station_bundle,
    )

    secret = enroll(district, "KY01", DISTRICT).bundle_secret
    db.set_state("bundle_secret", secret)
    case_id = a_file(db, admin)
    with db.session(admin) as s:
        grassroots = hardship.sign_case(s, case_id)
    up = tmp_path / "up.bundle"
    export_station_bundle(db, up)
    import_station_bundle(district, up)
    with district.reader() as s:
        assert [v.id for v in hardship.case_signoffs(s, case_id).grassroots] == [
            grassroots.id]
    with district.session(boss(district)) as s:
        upper = hardship.sign_case_upper(s, case_id)
    down = tmp_path / "down.bundle"
    export_district_bundle(district, db.station_id, down)
    import_district_bundle(db, down)
    with db.reader() as s:
        assert [v.id for v in hardship.case_signoffs(s, case_id).upper] == [upper.id]
    assert count(db, OutboxEntry) == 0


def test_an_older_stations_file_back_leaves_the_new_table_out(db, admin, district, tmp_path):
    from sync.bundle import (
        export_district_bundle,
        export_station_bundle,
        import_district_bundle,
        import_station_bundle,
        read_bundle,
    )

    secret = enroll(district, "KY01", DISTRICT).bundle_secret
    db.set_state("bundle_secret", secret)
    case_id = a_file(db, admin)
    up = tmp_path / "up.bundle"
    export_station_bundle(db, up)
    import_station_bundle(district, up)
    with district.session(boss(district)) as s:
        upper = hardship.sign_case_upper(s, case_id)
    # the district's record of what the station reads, as an older release's file left it
    district.set_state(f"bundle_reads:{KY01}", json.dumps({"reads": [], "catch_up": []}))
    down = tmp_path / "down.bundle"
    export_district_bundle(district, db.station_id, down)
    payload = read_bundle(down, lambda _p: secret)
    assert "case_upper_signoffs" not in payload["changeset"]["rows"]
    import_district_bundle(db, down)
    assert count(db, CaseUpperSignOff) == 0
    # updated: the station's next file asks to catch up, and the file back brings it
    db.set_state(PULL_READS, "")
    up2 = tmp_path / "up2.bundle"
    export_station_bundle(db, up2)
    assert read_bundle(up2, lambda _p: secret)["catch_up"] == list(LATER_TABLES)
    import_station_bundle(district, up2)
    down2 = tmp_path / "down2.bundle"
    export_district_bundle(district, db.station_id, down2)
    import_district_bundle(db, down2)
    with db.reader() as s:
        assert [v.id for v in hardship.case_signoffs(s, case_id).upper] == [upper.id]
    assert db.state()[PULL_READS] == ",".join(LATER_TABLES)
    with db.reader() as s:  # (the file's own changes came too)
        assert s.get(HardshipCase, case_id) is not None


def test_the_districts_list_of_files_shows_each_blocks_sign_off(db, admin, district):
    pull_all(db, district)
    case_id = a_file(db, admin)
    with db.session(admin) as s:
        other = members.register_member(s, {"name": "李四", "id_number": idn(2)})
        unsigned = hardship.open_case(s, other.id, {"category": "失业", "level": "相对困难",
                                                    "household_size": 2}).id
        hardship.sign_case(s, case_id)
    push_all(db, district)
    with district.session(boss(district)) as s:
        hardship.sign_case_upper(s, case_id)
    with db.session(admin) as s:  # changed after both: void here, changed there
        hardship.add_household_member(s, case_id, {"name": "王芳", "relation": "配偶"})
    push_all(db, district)
    with district.reader() as s:
        rows = {r.case_id: r for r in hardship.signoff_rows(s)}
        one = hardship.signoff_rows(s, station_id=DP02)
    assert one == []
    signed, plain = rows[case_id], rows[unsigned]
    assert (signed.station_code, signed.head_name, signed.status) == ("KY01", "王秀英", "open")
    assert signed.grassroots.void and "王芳" in signed.grassroots.why_void("zh")
    assert signed.upper.signed_by_name == "李主席" and not signed.upper.in_force
    assert [c.zh for c in signed.upper.changes] == ["家庭成员 王芳：签署后添加"]
    assert (plain.grassroots, plain.upper, plain.head_name) == (None, None, "李四")
