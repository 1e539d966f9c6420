"""The district decides: what a station may write, what the district checks, and how a
push that breaks a rule is refused — over real HTTP, on SQLite and PostgreSQL. Every
refusal is checked for its status, its message and that nothing of it was applied."""

from __future__ import annotations

import gzip
import json
import time
from datetime import date

import httpx
import pytest
from forge import DP02, KY01, changeset, enterprise, idn, row
from loopback import serve
from sqlalchemy import func, select

from station_app.domain.actor import CLI_ADMIN, SYSTEM_SYNC, Actor
from station_app.domain.ids import DISTRICT_OWNER_ID, uuid7
from station_app.domain.models import (
    MODEL_BY_TABLE,
    Enterprise,
    HardshipCase,
    LedgerEntry,
    Member,
    OutboxEntry,
    Station,
    SyncBatch,
    SyncConflict,
    Target,
    WatchListEntry,
)
from station_app.domain.services import enterprises, members
from station_app.domain.services.conflicts import resolve_conflict
from sync import district as district_service
from sync.server.app import create_app

DISTRICT = Actor("district", "district_admin", None, "区总工会")


# --------------------------------------------------------------------------- fixtures


@pytest.fixture
def server(district):
    with serve(create_app(district)) as url:
        yield url


@pytest.fixture
def http(server):
    with httpx.Client(base_url=server, timeout=60) as client:
        yield client


def enrolled(http: httpx.Client, district, code: str) -> dict[str, str]:
    """The headers of a station enrolled now."""
    one_time = district_service.enroll(district, code, CLI_ADMIN).code
    answer = http.post("/v1/enroll", json={"station_code": code, "code": one_time})
    assert answer.status_code == 200, answer.text
    return {"Authorization": f"Bearer {answer.json()['token']}"}


@pytest.fixture
def ky01(http, district):
    return enrolled(http, district, "KY01")


@pytest.fixture
def dp02(http, district):
    return enrolled(http, district, "DP02")


def push(http: httpx.Client, headers, data) -> httpx.Response:
    return http.post("/v1/push", content=gzip.compress(json.dumps(data).encode()),
                     headers={**headers, "Content-Encoding": "gzip",
                              "Content-Type": "application/json"})


def pushed(http, headers, station, *rows) -> dict:
    answer = push(http, headers, changeset(station, *rows))
    assert answer.status_code == 200, answer.text
    return answer.json()


def snapshot(db) -> dict[str, dict]:
    """Every syncable row at the district, by table and id."""
    out = {}
    with db.reader() as s:
        for table, model in MODEL_BY_TABLE.items():
            out[table] = {o.id: {c.key: getattr(o, c.key) for c in model.__table__.columns}
                          for o in s.execute(select(model)).scalars()}
    return out


def count(db, model, *where) -> int:
    with db.reader() as s:
        return s.execute(select(func.count()).select_from(model).where(*where)).scalar_one()


def refused_whole(http, headers, data, district, status: int, words: str) -> dict:
    """The push is refused with ``status`` naming ``words``, and nothing of it applied."""
    before = snapshot(district)
    batches = count(district, SyncBatch)
    answer = push(http, headers, data)
    assert answer.status_code == status, answer.text
    body = answer.json()
    assert words in body["detail"], body
    assert "nothing" in body["detail"]
    assert snapshot(district) == before
    assert count(district, SyncBatch) == batches
    return body


# --------------------------------------------------------------------------- 1. ownership


def test_a_station_never_writes_the_districts_tables(http, district, ky01):
    """Stations and targets are the district's: a station's new station row (EVIL, a key
    station), a row squatting the id of a station not yet enrolled, district-wide targets
    — each refused whole, nothing of its batch applied, and never pulled by anyone."""
    from station_app.domain.ids import station_id_for

    member = row("members", KY01, id_number=idn(1))
    evil = row("stations", KY01, code="EVIL")
    squat = row("stations", KY01, id=station_id_for("LG03"), code="LG03", name="龙岗")
    target = row("targets", DISTRICT_OWNER_ID, scope_station_id=None)
    for data in (changeset(KY01, ("members", member), ("stations", evil)),
                 changeset(KY01, ("stations", squat)),
                 changeset(KY01, ("members", member), ("targets", target)),
                 changeset(KY01, ("targets", row("targets", KY01, scope_station_id=KY01)))):
        body = refused_whole(http, ky01, data, district, 403, "only the district writes")
        assert "区总工会不接受本站点写入该记录" in body["reason"]
    assert count(district, Member) == 0
    assert count(district, Station, Station.code.in_(("EVIL", "LG03"))) == 0
    assert count(district, Target) == 0
    # what the district does own it still writes, and stations pull it
    cs, _cursor = district_service.pull(district, KY01, 0)
    assert "targets" not in cs.rows


def test_district_only_rows_and_columns(http, district, ky01):
    """Station visits (站点调研) and removals from the watch list are the district's; a
    station's new member never comes with a transfer's source, nor a file with the upper
    union's sign-off. On a row the district holds, the district's values stand."""
    ent = enterprise(KY01, 1)
    pushed(http, ky01, KY01, ("enterprises", ent))
    visit = row("visits", KY01, kind="station", target_station_id=DP02, enterprise_id=None)
    refused_whole(http, ky01, changeset(KY01, ("visits", visit)), district, 403,
                  "station visits")
    unlisted = row("watch_list_entries", KY01, enterprise_id=ent["id"], action="unlisted")
    refused_whole(http, ky01, changeset(KY01, ("watch_list_entries", unlisted)), district,
                  403, "removals from the watch list")
    moved = row("members", KY01, id_number=idn(2), transferred_from_id=uuid7())
    refused_whole(http, ky01, changeset(KY01, ("members", moved)), district, 403,
                  "only the district sets transferred_from_id")
    member = row("members", KY01, id_number=idn(3))
    signed = row("hardship_cases", KY01, member_id=member["id"], upper_signed_by="区总工会",
                 upper_signed_date="2026-02-01")
    refused_whole(http, ky01, changeset(KY01, ("members", member), ("hardship_cases", signed)),
                  district, 403, "only the district sets upper_signed_by")
    # the district signs a file of KY01's; KY01's later edit, made without that sign-off,
    # leaves it standing, and the row goes back to KY01 with it
    case = dict(signed, upper_signed_by=None, upper_signed_date=None)
    pushed(http, ky01, KY01, ("members", member), ("hardship_cases", case))
    with district.session(DISTRICT) as s:  # (as releases before revision 0012 kept it)
        stored = s.get(HardshipCase, case["id"])
        stored.upper_signed_by, stored.upper_signed_date = "区总工会", date(2026, 2, 2)
    time.sleep(0.002)  # (the station's edit is stamped after the sign-off)
    edit = dict(case, notes="站点补充", hlc=row("members")["hlc"], _base=case["hlc"])
    pushed(http, ky01, KY01, ("hardship_cases", edit))
    with district.reader() as s:
        stored = s.get(HardshipCase, case["id"])
        assert (stored.notes, stored.upper_signed_by) == ("站点补充", "区总工会")
    back, _cursor = district_service.pull(district, KY01, 0)
    assert [r["upper_signed_by"] for r in back.rows["hardship_cases"]] == ["区总工会"]


def test_a_station_writes_only_its_own_rows_and_refers_only_to_them(http, district, ky01,
                                                                    dp02):
    theirs = row("members", DP02, id_number=idn(4))
    their_case = row("hardship_cases", DP02, member_id=theirs["id"])
    pushed(http, dp02, DP02, ("members", theirs), ("hardship_cases", their_case))
    before = snapshot(district)
    # DP02's member, sent by KY01 as its own or as DP02's
    refused_whole(http, ky01, changeset(KY01, ("members", dict(theirs, station_id=KY01))),
                  district, 403, "owner never changes")
    refused_whole(http, ky01, changeset(KY01, ("members", dict(theirs, name="改名"))),
                  district, 403, "only its own rows")
    # KY01's own ledger entry on DP02's file, its own file of DP02's member
    entry = row("ledger_entries", KY01, case_id=their_case["id"])
    refused_whole(http, ky01, changeset(KY01, ("ledger_entries", entry)), district, 403,
                  "of another station")
    case = row("hardship_cases", KY01, member_id=theirs["id"])
    refused_whole(http, ky01, changeset(KY01, ("hardship_cases", case)), district, 403,
                  "of another station")
    assert snapshot(district) == before


def test_shared_enterprises_creation_and_the_watch_list(http, district, ky01, dp02):
    """A station registers an enterprise as its own, in its own area; it lists enterprises
    of its area, or ones it visits."""
    refused_whole(http, ky01, changeset(KY01, ("enterprises", enterprise(DP02, 5))),
                  district, 403, "is its own")
    refused_whole(http, ky01, changeset(KY01, ("enterprises", enterprise(
        KY01, 5, area_station_id=DP02))), district, 403, "of its own area")
    theirs = enterprise(DP02, 6)
    pushed(http, dp02, DP02, ("enterprises", theirs))
    listing = row("watch_list_entries", KY01, enterprise_id=theirs["id"])
    refused_whole(http, ky01, changeset(KY01, ("watch_list_entries", listing)), district,
                  403, "its own area, or ones it visits")
    visit = row("visits", KY01, enterprise_id=theirs["id"])
    answer = pushed(http, ky01, KY01, ("watch_list_entries", listing), ("visits", visit))
    assert answer["inserted"] == 2
    assert count(district, WatchListEntry) == 1
    # an area moved to another station: the district's doing only
    mine = enterprise(KY01, 7)
    pushed(http, ky01, KY01, ("enterprises", mine))
    refused_whole(http, ky01, changeset(KY01, ("enterprises", dict(
        mine, area_station_id=DP02, hlc=row("members")["hlc"]))), district, 403,
        "only by the district")


def test_another_stations_enterprise_changed_is_a_proposal_for_review(http, district, ky01,
                                                                       dp02):
    """KY01 renames and then tombstones DP02's enterprise: acknowledged, never applied,
    kept for the district's review; the district's version goes back to KY01. The district
    accepts the rename: it becomes the district's own change, which everybody pulls."""
    theirs = enterprise(DP02, 8, area_station_id=DP02)
    pushed(http, dp02, DP02, ("enterprises", theirs))
    renamed = dict(theirs, name="改过的名字", hlc=row("members")["hlc"], _base=theirs["hlc"])
    answer = pushed(http, ky01, KY01, ("enterprises", renamed))
    assert (answer["review"], answer["acks"]) == (1, [["enterprises", theirs["id"],
                                                       renamed["hlc"]]])
    gone = dict(renamed, deleted=True, hlc=row("members")["hlc"], _base=renamed["hlc"])
    assert pushed(http, ky01, KY01, ("enterprises", gone))["review"] == 1
    pushed(http, ky01, KY01, ("enterprises", gone))  # (sent again: kept once)
    with district.reader() as s:
        stored = s.get(Enterprise, theirs["id"])
        assert (stored.name, stored.deleted, stored.station_id) == ("测试企业8", False, DP02)
        proposals = s.execute(select(SyncConflict).order_by(SyncConflict.id)).scalars().all()
    assert [(p.loser_source, p.station_id, json.loads(p.loser)["name"],
             json.loads(p.loser)["deleted"]) for p in proposals] == [
        ("review", KY01, "改过的名字", False), ("review", KY01, "改过的名字", True)]
    back, _cursor = district_service.pull(district, KY01, 0)
    assert [(r["name"], r["deleted"]) for r in back.rows["enterprises"]] == [("测试企业8", False)]
    with district.session(DISTRICT) as s:
        resolve_conflict(s, proposals[0].id, "loser")
    with district.reader() as s:
        assert s.get(Enterprise, theirs["id"]).name == "改过的名字"
    after = district_service.pull(district, DP02, 0)[0].rows["enterprises"]
    assert [r["name"] for r in after] == ["改过的名字"]


def test_a_proposal_comes_back_to_the_station_over_http(db, admin, district, server):
    """End to end: the station's change to the district's enterprise is acknowledged (it
    leaves the outbox), and the next pull makes the station's copy the district's again."""
    from sync.client import SyncClient

    with district.session(DISTRICT) as s:
        eid = enterprises.register_enterprise(s, {"name": "区里的企业"}).id
    client = SyncClient(db, server)
    try:
        client.sync(district_service.enroll(district, "KY01", CLI_ADMIN).code)
        with db.session(admin) as s:
            enterprises.update_enterprise(s, eid, {"name": "站点改的名字"})
        report = client.sync()
    finally:
        client.close()
    assert report.review == 1 and count(db, OutboxEntry) == 0
    for database in (db, district):
        with database.reader() as s:
            assert s.get(Enterprise, eid).name == "区里的企业"
    assert count(district, SyncConflict, SyncConflict.loser_source == "review") == 1


# --------------------------------------------------------------------------- 3. validation


def test_rows_that_break_the_rules_are_refused_and_the_rest_applies(http, district, ky01):
    """A member with the ID ABCDEFGHIJKLMNOPQR, gender Q, born 1800 and no name; a ledger
    entry in a fraction of a fen … each refused with its reason, set apart; the rest of
    the batch applies; a row of a refused member goes with it."""
    good = row("members", KY01, id_number=idn(5))
    bad = row("members", KY01, name="", id_number="ABCDEFGHIJKLMNOPQR", gender="Q",
              birth_date="1800-01-01")
    forged = row("members", KY01, id_number=idn(6), gender="F", birth_date="1990-05-05")
    case = row("hardship_cases", KY01, member_id=bad["id"])
    good_case = row("hardship_cases", KY01, member_id=good["id"], household_size=0)
    entry = row("ledger_entries", KY01, case_id=good_case["id"], kind="wrong-kind")
    future = row("events", KY01, event_date="2999-01-01")
    answer = pushed(http, ky01, KY01, ("members", good), ("members", bad), ("members", forged),
                    ("hardship_cases", case), ("hardship_cases", good_case),
                    ("ledger_entries", entry), ("events", future))
    refused = {r[1]: r[3] for r in answer["refused"]}
    assert set(refused) == {bad["id"], forged["id"], case["id"], good_case["id"], entry["id"],
                            future["id"]}
    assert answer["inserted"] == 1 and answer["acks"] == [["members", good["id"],
                                                            good["hlc"]]]
    assert "ID card number" in refused[bad["id"]] and "身份证号码" in refused[bad["id"]]
    assert "Name" in refused[bad["id"]]
    assert "does not match the ID number" in refused[forged["id"]]
    assert "Household size: 0 is out of range" in refused[good_case["id"]]
    assert f"refers to the member {bad['id']}, which was refused" in refused[case["id"]]
    assert "after today" in refused[future["id"]]
    assert count(district, Member) == 1 and count(district, HardshipCase) == 0
    assert count(district, LedgerEntry) == 0


def test_the_station_holds_a_refused_row_with_its_reason(db, admin, district, server):
    """A row the app would not save today (a member stored by an older, looser version,
    say) is refused by the district, held at the station with the reason in the clerk's
    language, and does not block the rest."""
    from sync.client import SyncClient
    from sync.merge import reason_text
    from sync.outbound import held

    with db.session(admin) as s:
        ok = members.register_member(s, {"name": "张三", "id_number": idn(7)})
        odd = members.register_member(s, {"name": "李四", "id_number": idn(8)})
    with db.engine.begin() as conn:  # what an older app let through
        conn.exec_driver_sql("UPDATE members SET gender = 'Q' WHERE id = ?", (odd.id,))
    client = SyncClient(db, server)
    try:
        report = client.sync(district_service.enroll(district, "KY01", CLI_ADMIN).code)
    finally:
        client.close()
    assert report.pushed == 1 and len(report.held) == 1 and report.still_held == 1
    kept = held(db)[f"members:{odd.id}"]
    assert "与身份证号码不符" in reason_text(kept.split(" ", 1)[1], "zh")
    with district.reader() as s:
        assert s.get(Member, ok.id) is not None and s.get(Member, odd.id) is None
    assert count(db, OutboxEntry) == 1


# --------------------------------------------------------------------------- 4. no 5xx


def test_input_the_databases_cannot_store_is_a_4xx_naming_the_field(http, district, ky01):
    for after in ("9223372036854775808", "2147483648", "-1", "x"):
        answer = http.get("/v1/pull", params={"after": after}, headers=ky01)
        assert answer.status_code == 422, (after, answer.text)
        assert "after" in answer.json()["detail"]
    huge = enterprise(KY01, 9, headcount=9007199254740992)
    body = refused_whole(http, ky01, changeset(KY01, ("enterprises", huge)), district, 422,
                         "out of range")
    assert body["where"] == "rows.enterprises[0].headcount"
    # a NUL (or another control character) in a text: that row refused, naming the field
    nul = row("members", KY01, id_number=idn(9), notes="a\u0000b")
    bell = row("events", KY01, title="讲座\u0007")
    fine = row("members", KY01, id_number=idn(10))
    answer = pushed(http, ky01, KY01, ("members", nul), ("members", fine), ("events", bell))
    reasons = {r[1]: r[3] for r in answer["refused"]}
    assert set(reasons) == {nul["id"], bell["id"]}
    assert "U+0000" in reasons[nul["id"]] and "notes" in reasons[nul["id"]].lower()
    assert "U+0007" in reasons[bell["id"]]
    assert count(district, Member) == 1


def test_a_gzip_body_is_one_member_with_nothing_after_it(http, district, ky01):
    data = json.dumps(changeset(KY01, ("members", row("members", KY01, id_number=idn(11)))))
    headers = {**ky01, "Content-Encoding": "gzip", "Content-Type": "application/json"}
    for body in (gzip.compress(data.encode()) + b"garbage",
                 gzip.compress(data.encode()) + gzip.compress(b"{}")):
        answer = http.post("/v1/push", content=body, headers=headers)
        assert answer.status_code == 400 and "after its end" in answer.json()["detail"]
    assert count(district, Member) == 0


def test_a_fault_of_the_service_is_logged_with_its_traceback(http, district, ky01,
                                                            monkeypatch, tmp_path):
    import logging

    from station_app.logs import FORMAT

    def broken(*_args, **_kwargs):
        raise RuntimeError("a fault planted by the test")

    log_file = tmp_path / "district-server.log"
    handler = logging.FileHandler(log_file, encoding="utf-8")
    handler.setFormatter(logging.Formatter(FORMAT))
    logging.getLogger().addHandler(handler)
    monkeypatch.setattr(district_service, "pull", broken)
    try:
        answer = http.get("/v1/pull", headers=ky01)
    finally:
        logging.getLogger().removeHandler(handler)
        handler.close()
    assert answer.status_code == 500
    assert "district-server.log" in answer.json()["detail"]
    text = log_file.read_text(encoding="utf-8")
    assert "GET /v1/pull failed" in text and "Traceback" in text
    assert "a fault planted by the test" in text


# --------------------------------------------------------------------------- 6. batch ids


def test_a_batch_id_is_bound_to_its_rows(http, district, ky01):
    good = row("members", KY01, id_number=idn(12))
    bad = row("members", KY01, id_number=idn(13), gender="Q")
    first = pushed(http, ky01, KY01, ("members", good), ("members", bad))
    batch = first["batch_id"]
    again = push(http, ky01, changeset(KY01, ("members", good), ("members", bad),
                                       batch_id=batch)).json()
    assert again["duplicate"] is True
    assert (again["acks"], again["refused"]) == (first["acks"], first["refused"])
    other = row("members", KY01, id_number=idn(14))
    body = refused_whole(http, ky01, changeset(KY01, ("members", other), batch_id=batch),
                         district, 409, "applied before with other rows")
    assert "批次编号" in body["reason"]
    assert count(district, Member) == 1


# --------------------------------------------------------------------------- 7. enrollment


def test_enrollment_codes_expire_and_failed_attempts_are_limited(http, district,
                                                                  monkeypatch):
    from sync.server import app as app_module

    one_time = district_service.enroll(district, "KY01", CLI_ADMIN, valid_days=1).code
    with district.session(SYSTEM_SYNC) as s:
        from station_app.domain.models import StationCredential

        s.get(StationCredential, KY01).code_expires_at = "2000-01-01T00:00:00.000000Z"
    answer = http.post("/v1/enroll", json={"station_code": "KY01", "code": one_time})
    assert answer.status_code == 401 and "expired" in answer.json()["detail"]
    with district.reader() as s:
        status = {st.code: st.enrollment for st in district_service.station_status(s)}
    assert status["KY01"] == "code expired"
    with pytest.raises(ValueError):
        district_service.enroll(district, "KY01", CLI_ADMIN, valid_days=0)
    one_time = district_service.enroll(district, "KY01", CLI_ADMIN).code
    for _ in range(app_module.MAX_FAILURES - 1):  # (the expired code was the first)
        assert http.post("/v1/enroll", json={"station_code": "KY01",
                                             "code": "0000-0000-0000-0000"}).status_code == 401
    blocked = http.post("/v1/enroll", json={"station_code": "KY01", "code": one_time})
    assert blocked.status_code == 429 and int(blocked.headers["retry-after"]) > 0
    for _ in range(app_module.MAX_FAILURES):
        assert http.get("/v1/pull", headers={"Authorization": "Bearer wrong"}
                        ).status_code in (401, 429)
    assert http.get("/v1/pull", headers={"Authorization": "Bearer wrong"}).status_code == 429


def test_the_changeset_schema_is_served(http):
    document = http.get("/v1/openapi.json").json()
    body = document["paths"]["/v1/push"]["post"]["requestBody"]["content"]
    schema = body["application/json"]["schema"]
    members_row = schema["properties"]["rows"]["properties"]["members"]["items"]
    assert members_row["additionalProperties"] is False
    assert members_row["properties"]["name"] == {"type": "string", "maxLength": 50}
    assert document["paths"]["/v1/pull"]["get"]["parameters"][0]["schema"]["maximum"] == \
        2**31 - 1


# --------------------------------------------------------------------------- the helper


def test_large_batches_are_checked_beside_their_apply(district, monkeypatch):
    """A batch of thousands is checked in the service's helper process while it applies
    (not here); with a refused row among them it applies again without that row."""
    import time

    from sync import validate
    from sync.server import app as app_module

    app = create_app(district)
    with serve(app) as url, httpx.Client(base_url=url, timeout=120) as client:
        headers = enrolled(client, district, "KY01")
        warm = [("members", row("members", KY01, id_number=idn(n)))
                for n in range(app_module.WARM_HELPER_ROWS)]
        pushed(client, headers, KY01, *warm)  # this large a push starts the helper
        deadline = time.monotonic() + 60
        while not (app.state.checks.warm and app.state.checks.warm.done()):
            assert time.monotonic() < deadline, "the helper process did not start"
            time.sleep(0.05)
        here = []
        monkeypatch.setattr(validate, "refusals",
                            lambda *a, **k: here.append(1) or {})  # (not called here)
        rows = [("members", row("members", KY01, id_number=idn(1000 + n)))
                for n in range(app_module.HELPER_ROWS)]
        odd = rows[app_module.HELPER_ROWS // 2][1]
        odd["gender"] = "Q"
        answer = pushed(client, headers, KY01, *rows)
    assert here == []
    assert [r[1] for r in answer["refused"]] == [odd["id"]]
    assert answer["inserted"] == app_module.HELPER_ROWS - 1
    assert count(district, Member) == app_module.WARM_HELPER_ROWS + app_module.HELPER_ROWS - 1


def test_a_row_in_the_future_of_the_station_day_is_judged_by_the_latest_date_anywhere():
    from datetime import UTC, datetime, timedelta

    from sync.validate import row_errors

    latest = (datetime.now(UTC) + timedelta(hours=14)).date()
    r = row("events", KY01, event_date=latest)
    r["event_date"] = latest
    assert row_errors("events", r) == []
    r["event_date"] = latest + timedelta(days=1)
    assert [e.code for e in row_errors("events", r)] == ["date.future"]


def test_free_text_drops_control_characters_at_the_station(db, admin):
    with db.session(admin) as s:
        m = members.register_member(s, {"name": "张三", "id_number": idn(15),
                                        "notes": "粘贴\u0000来的\u0007备注"})
    assert m.notes == "粘贴来的备注"
    with pytest.raises(Exception, match="U\\+0000"):
        with db.session(admin) as s:
            members.register_member(s, {"name": "李\u0000四", "id_number": idn(16)})


# --------------------------------------------------------------------------- 5. deadlocks


def test_admin_writes_and_pushes_take_the_locks_in_one_order(pg_url):
    """A district administrator's writes (targets, stations) while stations push, on
    PostgreSQL: each writer takes the change log's lock before the stored clock's row, so
    none deadlocks (before, most admin writes failed with DeadlockDetected)."""
    import threading

    from station_app.domain.services import stations
    from station_app.storage.database import open_database
    from sync.changeset import from_wire
    from sync.merge import apply_changeset

    db = open_database(pg_url, create=True)
    db.set_state("station_id", DISTRICT_OWNER_ID)
    with db.session(DISTRICT) as s:
        stations.upsert_station(s, "KY01", "葵涌社区工联会")
        stations.upsert_station(s, "DP02", "大鹏社区工联会")
    failures: list[BaseException] = []
    start = threading.Barrier(3)

    def admin() -> None:
        start.wait()
        for n in range(40):
            try:
                with db.session(DISTRICT) as s:
                    stations.set_target(s, 2026, "training_events", n)
                with db.session(DISTRICT) as s:
                    stations.set_station(s, "DP02", name=f"大鹏{n}")
            except Exception as exc:  # noqa: BLE001 - every failure is the finding
                failures.append(exc)

    def station(code: str, offset: int) -> None:
        start.wait()
        for n in range(40):
            cs = changeset(KY01 if code == "KY01" else DP02, *[
                ("members", row("members", KY01 if code == "KY01" else DP02,
                                id_number=idn(offset + 10 * n + k))) for k in range(10)])
            try:
                apply_changeset(db, from_wire(cs), pushing_station=cs["station_id"])
            except Exception as exc:  # noqa: BLE001
                failures.append(exc)

    threads = [threading.Thread(target=admin),
               threading.Thread(target=station, args=("KY01", 0)),
               threading.Thread(target=station, args=("DP02", 5_000))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    db.close()
    assert failures == []


def test_transient_database_errors_are_told_by_their_codes(pg_url, tmp_path):
    """A real deadlock on PostgreSQL is recognised by its SQLSTATE (40P01), a locked
    SQLite file by its result code — never by the words of the message."""
    import threading

    import psycopg
    from sqlalchemy import create_engine, text
    from sqlalchemy.exc import DBAPIError

    from station_app.storage.sqlfile import dbapi as sqlite3
    from sync.transient import is_busy, is_transient

    engine = create_engine(pg_url)
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE t (id int PRIMARY KEY)"))
        conn.execute(text("INSERT INTO t VALUES (1), (2)"))
    caught: list[BaseException] = []
    both = threading.Barrier(2)

    def take(first: int, second: int) -> None:
        try:
            with engine.begin() as conn:
                conn.execute(text("SET lc_messages TO 'C'"))
                conn.execute(text(f"UPDATE t SET id = id WHERE id = {first}"))
                both.wait()
                conn.execute(text(f"UPDATE t SET id = id WHERE id = {second}"))
        except DBAPIError as exc:
            caught.append(exc)

    threads = [threading.Thread(target=take, args=(1, 2)),
               threading.Thread(target=take, args=(2, 1))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    engine.dispose()
    assert len(caught) == 1
    assert isinstance(caught[0].orig, psycopg.errors.DeadlockDetected)
    assert is_transient(caught[0]) and not is_busy(caught[0])

    path = tmp_path / "busy.sqlite3"
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("CREATE TABLE t (id INTEGER)")
    holder.execute("BEGIN IMMEDIATE")
    other = sqlite3.connect(path, timeout=0, isolation_level=None)
    with pytest.raises(sqlite3.OperationalError) as locked:
        other.execute("BEGIN IMMEDIATE")
    assert is_busy(locked.value) and not is_transient(locked.value)
    holder.close()
    other.close()


def test_a_form_an_older_release_stored_is_accepted_by_the_legacy_list(monkeypatch):
    """The policy for rules that change between releases: what an older supported release
    stored is taken off the refusals by an entry of ``LEGACY`` (none today; here one made
    up: a closed hardship file without its date)."""
    from sync import validate
    from sync.changeset import from_wire

    member = row("members", KY01, id_number=idn(20))
    closed = row("hardship_cases", KY01, member_id=member["id"], status="exited",
                 exit_date=None, exit_reason=None)
    cs = from_wire(changeset(KY01, ("members", member), ("hardship_cases", closed)))
    refused = validate.refusals(cs)
    assert list(refused) == [("hardship_cases", closed["id"])]
    assert "Exit date" in refused[("hardship_cases", closed["id"])] or \
        "exit_date" in refused[("hardship_cases", closed["id"])]

    def closed_without_a_date(r, errors):  # (as release 0.0 might have stored it)
        return [e for e in errors if r["exit_date"] is not None or
                e.field not in ("exit_date", "reason")]

    monkeypatch.setitem(validate.LEGACY, "hardship_cases", (closed_without_a_date,))
    assert validate.refusals(cs) == {}


def test_every_syncable_table_has_its_rules():
    """A new syncable table needs the district's checks (``sync.validate.CHECKS``), a
    place in the apply order and its words in refusals — and, in ``sync.rules``, who may
    write it (docs/SYNC.md, *Who writes what*)."""
    from sync import validate
    from sync.changeset import APPLY_ORDER

    assert set(APPLY_ORDER) == set(MODEL_BY_TABLE)
    assert set(validate.CHECKS) >= set(MODEL_BY_TABLE), \
        set(MODEL_BY_TABLE) - set(validate.CHECKS)
    assert set(validate.ROW_WORDS) >= set(MODEL_BY_TABLE)


@pytest.mark.skipif(not __import__("pathlib").Path("/proc").is_dir(), reason="reads /proc")
def test_the_helper_process_ends_with_a_service_killed_with_kill_9(tmp_path):
    """``district-server serve`` starts the helper process of its checks; killed with
    kill -9, it leaves no process behind."""
    import os
    import signal
    import subprocess
    import sys
    from pathlib import Path

    from loopback import free_port

    def children(pid: int) -> set[int]:
        found = set()
        for stat in Path("/proc").glob("[0-9]*/stat"):
            try:
                fields = stat.read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == pid:
                found.add(int(stat.parent.name))
        return found

    env = {**os.environ, "STATION_APP_HOME": str(tmp_path / "home")}
    target = str(tmp_path / "district.sqlite3")
    subprocess.run([sys.executable, "-m", "sync.server.cli", "init", "--db", target,
                    "--admin", "boss", "--password-stdin"], input="district-pass-1\n",
                   text=True, env=env, check=True, capture_output=True)
    port = free_port()
    server = subprocess.Popen([sys.executable, "-m", "sync.server.cli", "serve", "--db", target,
                               "--port", str(port), "--no-daily-backup", "--log-level",
                               "warning"], env=env, stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 60
        while len(children(server.pid)) < 2:  # (the helper and multiprocessing's tracker)
            assert time.monotonic() < deadline, "no helper process"
            time.sleep(0.05)
        helpers = children(server.pid)
        with httpx.Client(base_url=f"http://127.0.0.1:{port}") as client:
            for _ in range(300):
                try:
                    if client.get("/v1/health").status_code == 200:
                        break
                except httpx.TransportError:
                    time.sleep(0.1)
    finally:
        server.send_signal(signal.SIGKILL)
        server.wait(10)
    deadline = time.monotonic() + 20
    while any(Path(f"/proc/{pid}").exists() and "zombie" not in
              Path(f"/proc/{pid}/status").read_text().lower() for pid in helpers):
        assert time.monotonic() < deadline, f"processes left behind: {helpers}"
        time.sleep(0.2)
