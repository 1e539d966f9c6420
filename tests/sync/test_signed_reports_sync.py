"""Signed reports through sync, on SQLite and PostgreSQL: a station's signed report reaches
the district as it was signed (its own row, append-only); the district refuses what a
station may not write (the district's scope, another owner, a deletion, a content changed
after signing, the same report sent again with other content); the district's own signed
report never leaves the district, and a station's own come back with a re-seed."""

from __future__ import annotations

import json
from datetime import date

import pytest
from forge import KY01, changeset, row, signed_report
from sqlalchemy import func, select, text
from test_pull import pull_all
from test_push import push_all, wire

from station_app.domain import signoff
from station_app.domain.actor import SYSTEM_LOGIN
from station_app.domain.ids import DISTRICT_OWNER_ID
from station_app.domain.models import SignedReport
from station_app.domain.services import events, signoffs, users
from sync.changeset import from_wire
from sync.district import pull
from sync.merge import ImmutableConflict, OwnershipError, apply_changeset

D = date(2025, 6, 30)


def signed_rows(db, owner: str | None = None) -> int:
    with db.reader() as s:
        q = select(func.count()).select_from(SignedReport)
        if owner is not None:
            q = q.where(SignedReport.station_id == owner)
        return s.execute(q).scalar_one()


def test_a_stations_signed_report_reaches_the_district_as_signed(db, admin, district):
    pull_all(db, district)  # the district's stations (KY01 a key station), as a station has
    with db.session(admin) as s:
        events.record_event(s, {"kind": "training", "event_date": date(2025, 3, 1),
                                "title": "提素课堂", "person_times": 20})
    with db.session(admin) as s:
        view = signoffs.sign_report(s, D, "本站上半年")
    push_all(db, district)
    with district.reader() as s:
        run = signoffs.session_run(s)
        [there] = signoff.signed_list(run)
        comparison = signoff.compare(run, there, at_district=True)
    assert there == view  # every column as signed, the digest intact
    assert there.intact and there.owner_id == KY01 and there.scope == "station"
    assert comparison.differences == []  # the district holds what the station counted
    # a back-dated event at the station after signing, synced: a difference at the district
    with db.session(admin) as s:
        events.record_event(s, {"kind": "training", "event_date": date(2025, 4, 1),
                                "title": "补录的课", "person_times": 5})
    push_all(db, district)
    with district.reader() as s:
        run = signoffs.session_run(s)
        [there] = signoff.signed_for(run, D, KY01)
        texts = [d.text("en") for d in signoff.compare(run, there, at_district=True)
                 .differences]
    assert texts == ["Training events: signed 1, now 2",
                     "Training person-times: signed 20, now 25"]
    assert push_all(db, district) == 0  # nothing left to send


def push(district, *rows):
    return apply_changeset(district, from_wire(changeset(KY01, *rows)), pushing_station=KY01)


@pytest.mark.parametrize("values, why", [
    (signed_report(scope="district"), "district's own report"),
    ({"station_id": DISTRICT_OWNER_ID}, "own rows"),
    ({"deleted": True}, "never deleted"),
])
def test_the_district_refuses_a_signed_report_a_station_may_not_write(district, values, why):
    with pytest.raises(OwnershipError, match=why):
        push(district, ("signed_reports", row("signed_reports", KY01, **values)))
    assert signed_rows(district) == 0


def test_a_content_changed_after_signing_is_refused_with_its_reason(district):
    good = row("signed_reports", KY01)
    content = json.loads(good["content"])
    content["values"]["training_events"] = 40  # the figure changed, the digest not
    bad = row("signed_reports", KY01, content=json.dumps(content, ensure_ascii=False))
    result = push(district, ("signed_reports", good), ("signed_reports", bad))
    [(table, row_id, _hlc, reason)] = result.refused
    assert (table, row_id) == ("signed_reports", bad["id"])
    assert "Digest: does not match the signed content" in reason
    assert "校验码：与签署的内容不符" in reason
    assert signed_rows(district, KY01) == 1
    # the same report sent again as it was: unchanged; with other content: refused (409)
    assert push(district, ("signed_reports", dict(good))).unchanged == 1
    other = dict(good, **signed_report(note="改过的备注"))
    with pytest.raises(ImmutableConflict):
        push(district, ("signed_reports", other))
    with district.reader() as s:
        assert s.get(SignedReport, good["id"]).note is None


def test_the_districts_own_signed_report_stays_at_the_district(db, admin, district):
    with district.session(SYSTEM_LOGIN) as s:
        users.create_user(s, "qu", "district-pass-1", "district_admin", "李主席",
                          bootstrap=True)
        boss = users.authenticate(s, "qu", "district-pass-1")
    with district.session(boss) as s:
        signoffs.sign_report(s, D, "全区上半年")
    with db.session(admin) as s:
        signoffs.sign_report(s, D, "本站上半年")
    push_all(db, district)
    pull_all(db, district)
    assert signed_rows(db) == 1 and signed_rows(db, DISTRICT_OWNER_ID) == 0
    cs, _cursor = pull(district, KY01, 0)
    assert "signed_reports" not in cs.rows  # never the district's, nor its own back
    # a re-seed (a station restored from a backup) brings the station's own back
    cs, _cursor = pull(district, KY01, 0, include_own=True)
    assert [r["station_id"] for r in cs.rows["signed_reports"]] == [KY01]
    result = apply_changeset(db, wire(cs), pushing_station=None, from_district=True)
    assert result.refused == [] and signed_rows(db) == 1
    # at the district too, no SQL rewrites a signed report (PostgreSQL: nor TRUNCATE)
    statements = ["UPDATE signed_reports SET note = 'x'", "DELETE FROM signed_reports"]
    if district.engine.dialect.name == "postgresql":
        statements.append("TRUNCATE signed_reports")
    for sql in statements:
        with pytest.raises(Exception, match="append-only"):
            with district.engine.begin() as conn:
                conn.execute(text(sql))
    assert signed_rows(district) == 2
