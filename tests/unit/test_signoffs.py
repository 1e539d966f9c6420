"""A district that signs its report: each station's last sync beside the figures (those not
synced since D flagged), a report signed and kept as it was (append-only in the database),
a back-dated record later showing as a difference from what was signed, who may sign, and
the command lines' fast path counting the same as the services."""

from __future__ import annotations

import json
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta, timezone
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import select

from station_app.domain import signoff
from station_app.domain.actor import CLI_ADMIN, SYSTEM_LOGIN, SYSTEM_SETUP, Actor
from station_app.domain.figures import FIGURES
from station_app.domain.ids import DISTRICT_OWNER_ID, station_id_for
from station_app.domain.models import OutboxEntry, SignedReport, StationCredential
from station_app.domain.services import events, metrics, signoffs, signoffs_sqlite, stations, users
from station_app.domain.services.common import PermissionDenied
from station_app.domain.services.setup import init_district, init_station
from station_app.domain.validation import ValidationError
from station_app.storage.database import open_database
from station_app.storage.fastread import Snapshot
from station_app.storage.sqlfile import dbapi as sqlite3
from station_app.storage.sqlgen import render

ROOT = Path(__file__).resolve().parents[2]
D = date(2025, 6, 30)
DISTRICT = Actor("district", "district_admin", None, "区总工会")
CHINA = timezone(timedelta(hours=8))


def codes(exc: pytest.ExceptionInfo) -> list[str]:
    return [e.code for e in exc.value.errors]


@contextmanager
def as_station(db, code: str):
    saved = db._station_id
    db._station_id = station_id_for(code)
    try:
        yield
    finally:
        db._station_id = saved


def training(db, actor, when: date, title: str, code: str | None = None) -> None:
    ctx = as_station(db, code) if code else _nothing()
    with ctx, db.session(actor) as s:
        events.record_event(s, {"kind": "training", "event_date": when, "title": title,
                                "person_times": 20})


@contextmanager
def _nothing():
    yield


def synced(db, code: str, at: datetime | None) -> None:
    """The district's record of a station's last sync (what a push or a file sets)."""
    with db.session(DISTRICT) as s:
        sid = station_id_for(code)
        cred = s.get(StationCredential, sid)
        if cred is None:
            cred = StationCredential(station_id=sid, bundle_secret="0" * 64,
                                     enrolled_at="2025-01-01T00:00:00.000000Z")
            s.add(cred)
        cred.last_sync_at = None if at is None else at.astimezone(UTC).strftime(
            "%Y-%m-%dT%H:%M:%S.%fZ")


@pytest.fixture
def district_db(tmp_path):
    """A district: DP01 synced after D, DP02 before D, DP03 never; DP01 held 2 training
    events by D, DP02 1; the district's target of 10 training events."""
    db = open_database(tmp_path / "district.sqlite3", create=True)
    init_district(db, "qu", "district-pass-1", display_name="李主席")
    with db.session(DISTRICT) as s:
        for code, name in (("DP01", "大鹏社区工联会"), ("DP02", "南澳社区工联会"),
                           ("DP03", "葵涌社区工联会")):
            stations.upsert_station(s, code, name)
        stations.set_target(s, 2025, "training_events", 10)
    with db.session(SYSTEM_SETUP) as s:
        users.create_user(s, "shen", "shen-pass-1", "station_admin", "沈站长", bootstrap=True)
    training(db, DISTRICT, date(2025, 3, 1), "提素课堂1", "DP01")
    training(db, DISTRICT, date(2025, 4, 1), "提素课堂2", "DP01")
    training(db, DISTRICT, date(2025, 5, 1), "提素课堂3", "DP02")
    synced(db, "DP01", datetime(2025, 7, 2, 9, 0, tzinfo=CHINA))
    synced(db, "DP02", datetime(2025, 6, 20, 9, 0, tzinfo=CHINA))
    synced(db, "DP03", None)
    yield db
    db.close()


def login(db, username: str, password: str) -> Actor:
    with db.session(SYSTEM_LOGIN) as s:
        return users.authenticate(s, username, password)


# --------------------------------------------------------------------------- last sync


def test_the_district_report_flags_the_stations_not_synced_since_d(district_db):
    with district_db.reader() as s:
        run = signoffs.session_run(s)
        note = signoff.report_sync(run, D, None, at_district=True, tz=CHINA)
        one = signoff.report_sync(run, D, station_id_for("DP01"), at_district=True, tz=CHINA)
    assert [s.code for s in note.stations] == ["DP01", "DP02", "DP03"]
    assert [s.code for s in note.not_synced] == ["DP02", "DP03"]
    assert note.warning("en") == (
        "2 stations not synced since 2025-06-30: figures may be incomplete: DP02 南澳社区工联会 "
        "(last sync 2025-06-20 09:00); DP03 葵涌社区工联会 (never synced)")
    assert note.warning("zh").startswith("2 个站点自 2025-06-30 起未同步，数字可能不完整：")
    assert note.as_json()["not_synced"] == ["DP02", "DP03"]
    assert [s["synced_since_as_of"] for s in note.as_json()["stations"]] == [True, False, False]
    # one station's report at the district: that station alone, synced since D
    assert [s.code for s in one.stations] == ["DP01"] and one.warning("en") is None
    # as of a day before DP02's sync, DP02 is not late
    with district_db.reader() as s:
        earlier = signoff.report_sync(signoffs.session_run(s), date(2025, 6, 20), None,
                                      at_district=True, tz=CHINA)
    assert [s.code for s in earlier.not_synced] == ["DP03"]


def test_a_sync_on_d_counts_in_local_time():
    """Synced on D is synced since D — D as the office's calendar has it, not UTC's."""
    late_evening = "2025-06-29T17:30:00.000000Z"  # 2025-06-30 01:30 in China
    assert signoff.synced_since(late_evening, D, CHINA)
    assert not signoff.synced_since(late_evening, D, UTC)
    assert not signoff.synced_since(None, D, CHINA)
    assert not signoff.synced_since("not a time", D, CHINA)


def test_a_stations_own_report_shows_its_last_sync(tmp_path):
    db = open_database(tmp_path / "ky01.sqlite3", create=True)
    try:
        init_station(db, "KY01", "葵涌社区工联会", "admin", "admin-pass-1")
        with db.reader() as s:
            note = signoff.report_sync(signoffs.session_run(s), D, db.station_id,
                                       at_district=False)
        assert note.own_line("en") == "Not yet synced with the district"
        assert note.warning("en") is None and note.not_synced == ()
        db.set_state("last_sync", "2025-07-01T01:00:00.000000Z")
        with db.reader() as s:
            note = signoff.report_sync(signoffs.session_run(s), D, db.station_id,
                                       at_district=False, tz=CHINA)
        assert note.own_line("zh") == "本站最近同步：2025-07-01 09:00"
        assert note.as_json() == {"last_sync": "2025-07-01T01:00:00.000000Z"}
    finally:
        db.close()


# --------------------------------------------------------------------------- signing


def test_sign_then_a_back_dated_record_shows_as_a_difference(district_db):
    boss = login(district_db, "qu", "district-pass-1")
    with district_db.session(boss) as s:
        view = signoffs.sign_report(s, D, "  上半年工作总结  ", tz=CHINA)
    assert view.scope == "district" and view.owner_id == DISTRICT_OWNER_ID
    assert (view.signed_by, view.signed_by_name, view.note) == ("qu", "李主席", "上半年工作总结")
    assert view.content["values"]["training_events"] == 3 and view.intact
    assert view.content["sync"]["not_synced"] == ["DP02", "DP03"]
    with district_db.reader() as s:
        stored = s.get(SignedReport, view.id)
        before = (stored.content, stored.digest, stored.signed_at)
        assert stored.signed_at.endswith("Z") and stored.as_of == D
        counted = metrics.compute_summary(s, D, None)
    assert view.content["values"] == counted.values  # what was signed is what was counted
    # read back, in the catalogue's order (the report as signed prints as it was shown)
    assert list(signoff.report_from_content(json.loads(before[0])).summary.values) == \
        list(counted.values)
    assert [t["progress"] for t in view.content["targets"]] == [3]

    # DP02 syncs a training event of May, entered after the signing: a back-dated record
    training(district_db, DISTRICT, date(2025, 5, 20), "补录的提素课堂", "DP02")
    training(district_db, DISTRICT, date(2025, 7, 5), "七月的课", "DP02")  # after D: no
    with district_db.reader() as s:
        run = signoffs.session_run(s)
        [again] = signoff.signed_for(run, D, None)
        comparison = signoff.compare(run, again, at_district=True)
        stored = s.get(SignedReport, view.id)
    assert (stored.content, stored.digest, stored.signed_at) == before  # kept as signed
    assert again.content == view.content and again.intact
    texts = [d.text("en") for d in comparison.differences]
    assert texts == ["Training events: signed 3, now 4",
                     "Training person-times: signed 60, now 80",
                     "Training events (district target), progress: signed 3, now 4"]
    assert [d.text("zh") for d in comparison.differences][0] == \
        "提素活动（场）：签署时 3，现在 4"
    assert comparison.now.summary.values["training_events"] == 4


def test_a_signed_report_is_append_only_in_the_database(district_db):
    boss = login(district_db, "qu", "district-pass-1")
    with district_db.session(boss) as s:
        view = signoffs.sign_report(s, D)
    con = sqlite3.connect(district_db.path)
    try:
        for sql in ("UPDATE signed_reports SET content = '{}'",
                    "UPDATE signed_reports SET signed_by = 'someone'",
                    "UPDATE signed_reports SET deleted = 1",
                    "DELETE FROM signed_reports"):
            with pytest.raises(sqlite3.DatabaseError, match="append-only"):
                con.execute(sql)
        con.execute("UPDATE signed_reports SET hlc = hlc")  # (clock correction only)
        con.rollback()
    finally:
        con.close()
    # nor through the services' session
    with pytest.raises(Exception, match="never"):
        with district_db.session(boss) as s:
            s.get(SignedReport, view.id).note = "改一下"
    with pytest.raises(Exception, match="never"):
        with district_db.session(boss) as s:
            s.delete(s.get(SignedReport, view.id))
    with district_db.reader() as s:
        assert s.get(SignedReport, view.id).note is None


def test_signing_is_for_the_right_role_and_a_real_user(district_db):
    with pytest.raises(PermissionDenied) as exc:  # a station admin cannot sign the district's
        with district_db.session(login(district_db, "shen", "shen-pass-1")) as s:
            signoffs.sign_report(s, D)
    assert "district admin" in exc.value.messages("en")[0]
    with pytest.raises(ValidationError) as exc:  # a name is no user of this database
        with district_db.session(DISTRICT) as s:
            signoffs.sign_report(s, D)
    assert codes(exc) == ["sign.needs_user"]
    boss = login(district_db, "qu", "district-pass-1")
    with pytest.raises(ValidationError) as exc:
        with district_db.session(boss) as s:
            signoffs.sign_report(s, date.today() + timedelta(days=2), "x" * 501)
    assert sorted(codes(exc)) == ["date.future", "text.too_long"]
    with district_db.session(CLI_ADMIN) as s:
        users.set_active(s, "qu", False)
    with pytest.raises(ValidationError) as exc:  # a disabled user signs nothing
        with district_db.session(boss) as s:
            signoffs.sign_report(s, D)
    assert codes(exc) == ["sign.needs_user"]
    with district_db.reader() as s:
        assert signoff.signed_list(signoffs.session_run(s)) == []


def test_a_station_admin_signs_the_stations_own_report_and_a_clerk_may_not(tmp_path):
    db = open_database(tmp_path / "ky01.sqlite3", create=True)
    try:
        init_station(db, "KY01", "葵涌社区工联会", "admin", "admin-pass-1",
                     display_name="王站长")
        with db.session(SYSTEM_SETUP) as s:
            users.create_user(s, "clerk", "clerk-pass-1", "clerk", "小李", bootstrap=True)
        clerk = login(db, "clerk", "clerk-pass-1")
        training(db, clerk, date(2025, 3, 1), "提素课堂")
        with pytest.raises(PermissionDenied):
            with db.session(clerk) as s:
                signoffs.sign_report(s, D)
        admin = login(db, "admin", "admin-pass-1")
        with db.session(admin) as s:
            view = signoffs.sign_report(s, D, "本站上半年")
        assert (view.scope, view.scope_code, view.owner_id) == ("station", "KY01",
                                                                 db.station_id)
        assert view.content["sync"] == {"last_sync": None}
        with db.reader() as s:
            queued = s.execute(select(OutboxEntry.row_id).where(
                OutboxEntry.table_name == "signed_reports")).scalars().all()
        assert queued == [view.id]  # it goes to the district with the next sync
    finally:
        db.close()


def test_figures_that_changed_since_they_were_shown_are_not_signed(district_db):
    boss = login(district_db, "qu", "district-pass-1")
    with district_db.reader() as s:
        shown = metrics.compute_summary(s, D, None).values
    training(district_db, DISTRICT, date(2025, 5, 2), "刚同步来的课", "DP01")
    with pytest.raises(ValidationError) as exc:
        with district_db.session(boss) as s:
            signoffs.sign_report(s, D, expected=shown)
    assert codes(exc) == ["sign.changed"]
    assert "2 of them" in exc.value.messages("en")[0]
    with district_db.reader() as s:
        assert signoff.signed_list(signoffs.session_run(s)) == []
        fresh = metrics.compute_summary(s, D, None).values
    with district_db.session(boss) as s:
        assert signoffs.sign_report(s, D, expected=fresh).content["values"] == fresh


def test_signing_again_adds_a_signature_and_the_newest_comes_first(district_db):
    boss = login(district_db, "qu", "district-pass-1")
    with district_db.session(boss) as s:
        first = signoffs.sign_report(s, D, "初稿")
    training(district_db, DISTRICT, date(2025, 6, 1), "补录", "DP01")
    with district_db.session(boss) as s:
        second = signoffs.sign_report(s, D, "更正后重签")
    with district_db.reader() as s:
        run = signoffs.session_run(s)
        views = signoff.signed_for(run, D, None)
        assert [v.id for v in views] == [second.id, first.id]
        assert signoff.get_signed(run, first.id[:12]).id == first.id
        with pytest.raises(ValidationError) as exc:
            signoff.get_signed(run, "nonsense")
        assert codes(exc) == ["sign.unknown"]
        assert signoff.compare(run, views[0], at_district=True).differences == []
        assert [d.metric for d in signoff.compare(run, views[1], at_district=True)
                .differences][:2] == ["training_events", "training_person_times"]


def test_what_the_district_checks_in_a_signed_report(district_db):
    boss = login(district_db, "qu", "district-pass-1")
    with district_db.session(boss) as s:
        view = signoffs.sign_report(s, D, "原样")
    with district_db.reader() as s:
        row = {c.key: getattr(s.get(SignedReport, view.id), c.key)
               for c in SignedReport.__table__.columns}
    signoffs.clean_signed_report(row)  # as signed: passes
    content = json.loads(row["content"])
    content["values"]["training_events"] = 30  # a figure changed after signing
    with pytest.raises(ValidationError) as exc:
        signoffs.clean_signed_report({**row, "content": json.dumps(content)})
    assert codes(exc) == ["sign.digest"]
    with pytest.raises(ValidationError) as exc:
        signoffs.clean_signed_report({**row, "note": "另一个备注"})
    assert codes(exc) == ["sign.digest"]
    with pytest.raises(ValidationError) as exc:
        signoffs.clean_signed_report({**row, "content": "not json", "scope": "everything",
                                      "signed_at": "yesterday", "signed_by": ""})
    assert sorted(codes(exc)) == ["sign.content", "sign.scope", "sign.time", "text.required"]
    with pytest.raises(ValidationError) as exc:
        signoffs.clean_signed_report({**row, "as_of": date(2025, 6, 29)})
    assert codes(exc) == ["sign.content"]  # the row's date is not the content's


# --------------------------------------------------------------------------- differences


VALUES = st.dictionaries(st.sampled_from(sorted(FIGURES)), st.integers(0, 10**9), min_size=1)


@given(signed=VALUES, now=VALUES)
def test_differences_name_every_figure_that_changed_and_no_other(signed, now):
    diffs = signoff.differences({"values": signed}, {"values": now})
    assert {d.metric for d in diffs} == {k for k in set(signed) | set(now)
                                         if signed.get(k) != now.get(k)}
    for d in diffs:
        assert (d.signed, d.now) == (signed.get(d.metric), now.get(d.metric))
    assert (signoff.differences_heading(diffs, "en") == "every figure is as signed") == \
        (signed == now)


def test_a_target_set_or_changed_after_signing_is_a_difference():
    signed = {"values": {}, "targets": [{"metric": "training_events", "scope": "district",
                                         "target": 40, "progress": 3, "station_part": None}]}
    now = {"values": {}, "targets": [{"metric": "training_events", "scope": "district",
                                      "target": 45, "progress": 3, "station_part": None},
                                     {"metric": "legal_events", "scope": "DP01",
                                      "target": 2, "progress": 0, "station_part": None}]}
    texts = [d.text("en") for d in signoff.differences(signed, now)]
    assert texts == ["Training events (district target), target: signed 40, now 45",
                     "Legal-service events (DP01 target), target: signed —, now 2",
                     "Legal-service events (DP01 target), progress: signed —, now 0"]


# --------------------------------------------------------------------------- fast path


def test_the_compiled_selects_are_current():
    generated = ROOT / "station_app/domain/services/signoffs_sqlite.py"
    assert generated.read_text(encoding="utf-8") == render(
        "station_app.domain.services.signoffs", "QUERIES"), (
        "run `python -m station_app.storage.sqlgen`")
    assert set(k[0] for k in signoffs_sqlite.QUERIES) == set(signoffs.QUERIES)


def test_the_fast_path_reads_what_the_services_read(district_db):
    boss = login(district_db, "qu", "district-pass-1")
    with district_db.session(boss) as s:
        signoffs.sign_report(s, D, "快慢一致")
    training(district_db, DISTRICT, date(2025, 2, 2), "补录", "DP03")
    with district_db.reader() as s:
        run = signoffs.session_run(s)
        expected = (signoff.report_sync(run, D, None, at_district=True, tz=CHINA),
                    signoff.signed_list(run),
                    signoff.compare(run, signoff.signed_for(run, D, None)[0],
                                    at_district=True, tz=CHINA))
    snap = Snapshot.open(district_db.path)
    assert snap is not None
    with snap:
        from station_app.domain.services import metrics_sqlite

        run = snap.run({**metrics_sqlite.QUERIES, **signoffs_sqlite.QUERIES})
        got = (signoff.report_sync(run, D, None, at_district=True, tz=CHINA),
               signoff.signed_list(run),
               signoff.compare(run, signoff.signed_for(run, D, None)[0], at_district=True,
                               tz=CHINA))
    assert got[0] == expected[0] and got[1] == expected[1]
    assert got[2].differences == expected[2].differences != []
    assert got[2].now.summary == expected[2].now.summary
