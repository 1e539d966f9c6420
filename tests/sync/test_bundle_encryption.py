"""Sync files sealed with the bundle key (format /2): a lost USB stick gives nothing away.

Real station and district SQLite files (the station's encrypted as the app makes it),
the real export and import functions both ways."""

from __future__ import annotations

import gzip
import hashlib
import hmac
import json
import logging
import stat
import zlib

import pytest
from sqlalchemy import func, select

from station_app.domain.actor import CLI_ADMIN, Actor
from station_app.domain.ids import DISTRICT_OWNER_ID, station_id_for
from station_app.domain.models import Member, OutboxEntry, Target
from station_app.domain.services import enterprises, hardship, members, stations
from station_app.domain.services.login import create_station
from station_app.domain.validation import id_check_char
from station_app.storage.database import open_database
from sync.bundle import (
    NONCE,
    BundleError,
    export_district_bundle,
    export_station_bundle,
    file_key,
    import_district_bundle,
    import_station_bundle,
    read_bundle,
)
from sync.district import enroll

DISTRICT = Actor("district", "district_admin", None, "区总工会")
BOSS = "boss"
PASSWORD = "Kuiyong-Station-2026"

NAME = "欧阳秀英"
ID_BODY = "44030519800101234"
ID_NUMBER = ID_BODY + id_check_char(ID_BODY)
PHONE = "13912345678"
BANK_ACCOUNT = "6222020200112233445"
PERSONAL = {"name": NAME, "ID number": ID_NUMBER, "phone": PHONE,
            "bank account": BANK_ACCOUNT}


@pytest.fixture
def district(tmp_path):
    db = open_database(tmp_path / "district.sqlite3", create=True)
    db.set_state("station_id", DISTRICT_OWNER_ID)
    with db.session(DISTRICT) as s:
        stations.upsert_station(s, "KY01", "葵涌社区工联会")
        stations.upsert_station(s, "DP02", "大鹏社区工联会")
    yield db
    db.close()


@pytest.fixture
def station(tmp_path, district):
    """KY01 as the app creates it (an encrypted file, logged in), holding its bundle key,
    with one member and her hardship file (phone, bank account) pending."""
    login = create_station(tmp_path / "ky01" / "station.sqlite3", "KY01", "葵涌社区工联会",
                           BOSS, PASSWORD)
    db = login.db
    db.set_state("bundle_secret", enroll(district, "KY01", CLI_ADMIN).bundle_secret)
    with db.session(login.actor) as s:
        member = members.register_member(s, {"name": NAME, "id_number": ID_NUMBER,
                                             "phone": PHONE})
        hardship.open_case(s, member.id, {"category": "因病", "level": "深度困难",
                                          "household_size": 3,
                                          "household_annual_income_fen": "36000",
                                          "political_status": "群众",
                                          "bank_name": "中国工商银行",
                                          "bank_account": BANK_ACCOUNT})
    yield db
    db.close()


def count(db, model) -> int:
    with db.reader() as s:
        return s.execute(select(func.count()).select_from(model)).scalar_one()


def inflated(raw: bytes) -> list[bytes]:
    """Whatever gunzip, zlib or raw deflate makes of the bytes from any offset: every
    stream an attacker could unpack from the file without a key."""
    found = []
    for start in range(len(raw)):
        for wbits in (31, 15, -15):
            unpack = zlib.decompressobj(wbits)
            try:
                out = unpack.decompress(raw[start:], 1 << 22)
            except zlib.error:
                continue
            if out:
                found.append(out)
    return found


def gives_away(raw: bytes) -> list[str]:
    texts = [raw, *inflated(raw)]
    return [what for what, value in PERSONAL.items()
            for text in texts
            for form in (value.encode(), value.encode("utf-16-le"),
                         json.dumps(value).encode())
            if form in text]


def split(raw: bytes) -> tuple[bytes, dict, bytes, bytes]:
    """A /2 file's parts: its format line, its header, its nonce and its sealed data."""
    first = raw.index(b"\n")
    second = raw.index(b"\n", first + 1)
    body = raw[second + 1:]
    return raw[:first], json.loads(raw[first + 1:second]), body[:NONCE], body[NONCE:]


# --------------------------------------------------------------------------- what a file shows


def test_a_stations_file_gives_away_no_personal_data(station, tmp_path):
    up = tmp_path / "usb" / "ky01.bundle"
    up.parent.mkdir()
    assert export_station_bundle(station, up) >= 2
    raw = up.read_bytes()
    assert gives_away(raw) == []
    with pytest.raises(OSError):  # not a gzip file any more
        gzip.decompress(raw)
    fmt, header, nonce, sealed = split(raw)
    assert fmt == b"station-app-bundle/2"
    assert set(header) == {"format", "station_id", "direction", "created_at", "size"}
    assert (header["station_id"], header["direction"]) == (station.station_id, "up")
    assert len(nonce) == 12 and len(sealed) == header["size"]
    assert stat.S_IMODE(up.stat().st_mode) == 0o600
    assert [p.name for p in up.parent.iterdir()] == ["ky01.bundle"]  # no .partial left
    # the key opens it, and what it holds is the member in full
    payload = read_bundle(up, lambda _h: station.state()["bundle_secret"])
    assert payload["changesets"][0]["rows"]["members"][0]["id_number"] == ID_NUMBER


def test_two_files_of_the_same_changes_differ_throughout(station, tmp_path):
    """A random nonce per file: the same content never seals to the same bytes."""
    a, b = tmp_path / "a.bundle", tmp_path / "b.bundle"
    export_station_bundle(station, a)
    export_station_bundle(station, b)
    assert split(a.read_bytes())[2] != split(b.read_bytes())[2]
    assert split(a.read_bytes())[3][:64] != split(b.read_bytes())[3][:64]


def test_the_districts_file_gives_away_no_personal_data(station, district, tmp_path):
    """The district's file back carries the station's rows refused, with their reasons,
    and other stations' shared rows: sealed too."""
    with district.session(DISTRICT) as s:
        enterprises.register_enterprise(s, {"name": "大鹏制衣厂",
                                             "credit_code": "91440300618874393H"})
    up, down = tmp_path / "up.bundle", tmp_path / "down.bundle"
    export_station_bundle(station, up)
    import_station_bundle(district, up)
    assert export_district_bundle(district, station.station_id, down) >= 1
    raw = down.read_bytes()
    assert gives_away(raw) == []
    assert "大鹏制衣厂".encode() not in raw
    assert all("大鹏制衣厂".encode() not in text for text in inflated(raw))
    _fmt, header, _nonce, _sealed = split(raw)
    assert (header["station_id"], header["direction"]) == (station.station_id, "down")
    assert stat.S_IMODE(down.stat().st_mode) == 0o600


# --------------------------------------------------------------------------- round trips


def test_round_trip_both_ways_through_sealed_files(station, district, tmp_path):
    up, down = tmp_path / "up.bundle", tmp_path / "down.bundle"
    export_station_bundle(station, up)
    import_station_bundle(district, up)
    import_station_bundle(district, up)  # twice: nothing more
    with district.reader() as s:
        member = s.execute(select(Member)).scalar_one()
        assert (member.name, member.id_number, member.phone) == (NAME, ID_NUMBER, PHONE)
    with district.session(DISTRICT) as s:
        stations.set_target(s, 2026, "training_events", 40)
    export_district_bundle(district, station.station_id, down)
    import_district_bundle(station, down)
    assert count(station, Target) == 1
    assert count(station, OutboxEntry) == 0  # acknowledged by the sealed file


# --------------------------------------------------------------------------- refusals


def _flip(raw: bytes, at: int) -> bytes:
    return raw[:at] + bytes([raw[at] ^ 0x01]) + raw[at + 1:]


def _in_header(raw: bytes, old: bytes, new: bytes) -> bytes:
    second = raw.index(b"\n", raw.index(b"\n") + 1)
    head = raw[:second]
    assert old in head
    return head.replace(old, new, 1) + raw[second:]


def _date_changed(raw: bytes) -> bytes:
    header = split(raw)[1]
    made = header["created_at"].encode()
    return _in_header(raw, made, made[:3] + (b"0" if made[3:4] != b"0" else b"1") + made[4:])


def _longer(raw: bytes) -> bytes:
    """Bytes added after the end, and the header's size made to say so."""
    size = split(raw)[1]["size"]
    return _in_header(raw, b'"size":%d' % size, b'"size":%d' % (size + 9)) + b"\0" * 9


def _body_at(raw: bytes, offset: int) -> int:
    return raw.index(b"\n", raw.index(b"\n") + 1) + 1 + offset


TAMPERED = {
    # what was changed: (how, the message's English words, its Chinese words)
    "a date in the header": (_date_changed, "integrity", "未通过完整性校验"),
    "the nonce": (lambda raw: _flip(raw, _body_at(raw, 0)), "integrity", "未通过完整性校验"),
    "the ciphertext": (lambda raw: _flip(raw, _body_at(raw, NONCE + 5)), "integrity",
                       "未通过完整性校验"),
    "the tag": (lambda raw: _flip(raw, len(raw) - 1), "integrity", "未通过完整性校验"),
    "bytes after its end": (lambda raw: raw + b"\0", "not a sync file", "可能没有复制完整"),
    "cut short": (lambda raw: raw[:-100], "not a sync file", "可能没有复制完整"),
    "cut in its header": (lambda raw: raw[:30], "not a sync file", "可能没有复制完整"),
    "the size in the header, with bytes after": (_longer, "integrity", "未通过完整性校验"),
    "the format": (lambda raw: raw.replace(b"bundle/2", b"bundle/3", 1),
                   "not a sync file of this app version", "不是本软件这一版本的同步文件"),
    "the station in the header": (
        lambda raw: _in_header(raw, station_id_for("KY01").encode(),
                               station_id_for("DP02").encode()), "integrity",
        "未通过完整性校验"),
}


@pytest.mark.parametrize("what", list(TAMPERED))
def test_a_changed_stations_file_is_refused_whole(station, district, tmp_path, what):
    change, en, zh = TAMPERED[what]
    # (DP02 enrolled too, so that a file relabelled as its file finds a key)
    enroll(district, "DP02", CLI_ADMIN)
    up = tmp_path / "up.bundle"
    export_station_bundle(station, up)
    changed = tmp_path / "changed.bundle"
    changed.write_bytes(change(up.read_bytes()))
    with pytest.raises(BundleError, match=en) as refused:
        import_station_bundle(district, changed)
    assert zh in refused.value.message("zh")
    assert count(district, Member) == 0
    assert district.state().get(f"bundle_cursor:{station.station_id}") is None
    import_station_bundle(district, up)  # the file as written: read whole
    assert count(district, Member) == 1


@pytest.mark.parametrize("what", ["a date in the header", "the ciphertext", "the tag",
                                  "cut short", "bytes after its end"])
def test_a_changed_district_file_is_refused_whole(station, district, tmp_path, what):
    change, en, _zh = TAMPERED[what]
    with district.session(DISTRICT) as s:
        stations.set_target(s, 2026, "training_events", 40)
    up, down = tmp_path / "up.bundle", tmp_path / "down.bundle"
    export_station_bundle(station, up)
    import_station_bundle(district, up)
    export_district_bundle(district, station.station_id, down)
    changed = tmp_path / "changed.bundle"
    changed.write_bytes(change(down.read_bytes()))
    pending, cursor = count(station, OutboxEntry), station.state().get("pull_cursor")
    with pytest.raises(BundleError, match=en):
        import_district_bundle(station, changed)
    assert count(station, Target) == 0
    assert count(station, OutboxEntry) == pending > 0  # nothing acknowledged
    assert station.state().get("pull_cursor") == cursor


def test_a_file_sealed_with_another_stations_key_is_refused(station, district, tmp_path):
    """KY01's changes sealed with DP02's key (a laptop set up with the wrong key): the
    district opens KY01's files with KY01's key only."""
    dp02_key = enroll(district, "DP02", CLI_ADMIN).bundle_secret
    station.set_state("bundle_secret", dp02_key)
    up = tmp_path / "up.bundle"
    export_station_bundle(station, up)
    with pytest.raises(BundleError, match="integrity") as refused:
        import_station_bundle(district, up)
    assert "为其他站点生成的" in refused.value.message("zh")
    assert count(district, Member) == 0
    # and the district's file for DP02 is not KY01's, whatever key KY01 holds
    down = tmp_path / "dp02-down.bundle"
    export_district_bundle(district, station_id_for("DP02"), down)
    with pytest.raises(BundleError, match="not a district file for this station"):
        import_district_bundle(station, down)


def test_the_districts_file_is_not_a_stations_file_nor_the_reverse(station, district,
                                                                     tmp_path):
    secret = station.state()["bundle_secret"]
    up, down = tmp_path / "up.bundle", tmp_path / "down.bundle"
    export_station_bundle(station, up)
    export_district_bundle(district, station.station_id, down)
    with pytest.raises(BundleError, match="not a station's file") as refused:
        import_station_bundle(district, down)
    assert "不是站点的同步文件" in refused.value.message("zh")
    with pytest.raises(BundleError, match="not a district file") as refused:
        import_district_bundle(station, up)
    assert "不是区总工会发给本站点的同步文件" in refused.value.message("zh")
    assert count(district, Member) == 0 and count(station, OutboxEntry) > 0
    # relabelled in its header, a station's file still does not open as the district's:
    # each direction has a key of its own
    relabelled = tmp_path / "relabelled.bundle"
    relabelled.write_bytes(_in_header(up.read_bytes(), b'"direction":"up"',
                                      b'"direction":"down"'))
    with pytest.raises(BundleError, match="integrity"):
        import_district_bundle(station, relabelled)
    assert file_key(secret, "up") != file_key(secret, "down")
    assert count(station, Target) == 0 and count(station, OutboxEntry) > 0


def test_a_payload_unpacking_beyond_the_limit_is_refused(station, district, tmp_path,
                                                         monkeypatch):
    """A station holding its key could seal a file that unpacks to gigabytes: it is
    refused once past the limit, never unpacked whole."""
    import sync.bundle

    up = tmp_path / "up.bundle"
    export_station_bundle(station, up)
    monkeypatch.setattr(sync.bundle, "MAX_INFLATED", 1_000)
    with pytest.raises(BundleError, match="once unpacked"):
        import_station_bundle(district, up)
    assert count(district, Member) == 0


# --------------------------------------------------------------------------- older releases


def write_v1(path, payload: dict, secret: str) -> None:
    """A sync file as releases before format /2 wrote it: gzip JSON, signed, in clear."""
    canonical = json.dumps(payload, ensure_ascii=False, sort_keys=True,
                           separators=(",", ":")).encode()
    mac = hmac.new(secret.encode(), canonical, hashlib.sha256).hexdigest()
    data = {"format": "station-app-bundle/1", "payload": payload, "mac": mac}
    path.write_bytes(gzip.compress(json.dumps(data, ensure_ascii=False).encode()))


def test_files_of_an_older_release_are_still_read_both_ways(station, district, tmp_path,
                                                            caplog):
    secret = station.state()["bundle_secret"]
    sealed, old = tmp_path / "sealed.bundle", tmp_path / "old-up.bundle"
    export_station_bundle(station, sealed)
    write_v1(old, read_bundle(sealed, lambda _h: secret), secret)
    assert set(gives_away(old.read_bytes())) == set(PERSONAL)  # (what /2 ends)
    with caplog.at_level(logging.INFO, logger="sync.bundle"):
        import_station_bundle(district, old)
    assert count(district, Member) == 1
    assert any("format /1" in r.getMessage() and station.station_id in r.getMessage()
               for r in caplog.records)
    assert all(NAME not in r.getMessage() and ID_NUMBER not in r.getMessage()
               for r in caplog.records)
    # an older district's file back
    with district.session(DISTRICT) as s:
        stations.set_target(s, 2026, "training_events", 40)
    down, old_down = tmp_path / "down.bundle", tmp_path / "old-down.bundle"
    export_district_bundle(district, station.station_id, down)
    write_v1(old_down, read_bundle(down, lambda _h: secret), secret)
    caplog.clear()
    with caplog.at_level(logging.INFO, logger="sync.bundle"):
        import_district_bundle(station, old_down)
    assert count(station, Target) == 1 and count(station, OutboxEntry) == 0
    assert any("format /1" in r.getMessage() for r in caplog.records)
    # what this release writes back is format /2, whatever it read
    again = tmp_path / "again.bundle"
    export_station_bundle(station, again)
    assert again.read_bytes().startswith(b"station-app-bundle/2\n")


def test_an_older_releases_file_changed_or_foreign_is_refused(station, district, tmp_path):
    secret = station.state()["bundle_secret"]
    sealed = tmp_path / "sealed.bundle"
    export_station_bundle(station, sealed)
    payload = read_bundle(sealed, lambda _h: secret)
    forged = tmp_path / "forged.bundle"
    write_v1(forged, payload, secret)
    data = json.loads(gzip.decompress(forged.read_bytes()))
    data["payload"]["changesets"][0]["rows"]["members"][0]["name"] = "李四"
    forged.write_bytes(gzip.compress(json.dumps(data, ensure_ascii=False).encode()))
    with pytest.raises(BundleError, match="integrity"):
        import_station_bundle(district, forged)
    down = tmp_path / "old-down.bundle"  # the station's own /1 file, taken for the district's
    write_v1(down, payload, secret)
    with pytest.raises(BundleError, match="not a district file"):
        import_district_bundle(station, down)
    assert count(district, Member) == 0 and count(station, OutboxEntry) > 0
