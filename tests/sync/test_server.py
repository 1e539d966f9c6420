"""The district sync service over real HTTP: uvicorn on loopback, an httpx client, and the
district on SQLite and PostgreSQL."""

from __future__ import annotations

import gzip
import io
import json

import httpx
import pytest
from loopback import serve
from sqlalchemy import func, select

from station_app.domain.ids import station_id_for
from station_app.domain.models import Member, StationCredential
from station_app.domain.services import members
from station_app.domain.validation import id_check_char
from station_app.storage.clock import Stamp, wall_ms
from station_app.storage.database import open_database
from sync.changeset import from_wire, to_wire
from sync.outbound import acknowledge, gather
from sync.server.app import MAX_BODY, MAX_COMPRESSED, create_app
from sync.server.cli import main

PASSWORD = "district-pass-1"


# --------------------------------------------------------------------------- fixtures


@pytest.fixture(params=["sqlite", "postgresql"])
def district_target(request, tmp_path, monkeypatch) -> str:
    """A district database made with ``district-server init``; its path or URL."""
    if request.param == "sqlite":
        target = str(tmp_path / "district.sqlite3")
    else:
        target = request.getfixturevalue("pg_url")
    monkeypatch.setattr("sys.stdin", io.StringIO(PASSWORD + "\n"))
    assert main(["init", "--db", target, "--admin", "boss", "--password-stdin"]) == 0
    return target


@pytest.fixture
def district(district_target):
    db = open_database(district_target)
    assert db.is_district
    yield db
    db.close()


@pytest.fixture
def client(district):
    """An httpx client talking to a real uvicorn serving ``create_app(district)``."""
    with serve(create_app(district)) as base, httpx.Client(base_url=base, timeout=30) as http:
        yield http


# --------------------------------------------------------------------------- helpers


def cli(capsys, *argv: str) -> tuple[int, list[str]]:
    capsys.readouterr()
    code = main(list(argv))
    captured = capsys.readouterr()
    return code, (captured.out + captured.err).strip().splitlines()


def enroll(capsys, target: str, client: httpx.Client, code: str = "KY01") -> str:
    """Enroll a station through the CLI and the API; its token."""
    rc, out = cli(capsys, "enroll", code, "--name", "葵涌社区工联会", "--db", target)
    assert rc == 0, out
    response = client.post("/v1/enroll", json={"station_code": code, "code": out[-1]})
    assert response.status_code == 200, response.text
    return response.json()["token"]


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def post_changeset(client, token, data, *, compress: bool = True) -> httpx.Response:
    body = json.dumps(data, ensure_ascii=False).encode()
    headers = {**bearer(token), "Content-Type": "application/json"}
    if compress:
        body = gzip.compress(body)
        headers["Content-Encoding"] = "gzip"
    return client.post("/v1/push", content=body, headers=headers)


def idn(n: int) -> str:
    body = f"44030519800101{n:03d}"
    return body + id_check_char(body)


def register(db, actor, n: int, name: str = "张三"):
    with db.session(actor) as s:
        return members.register_member(s, {"name": name, "id_number": idn(n)})


def count(db, model) -> int:
    with db.reader() as s:
        return s.execute(select(func.count()).select_from(model)).scalar_one()


# --------------------------------------------------------------------------- tests


def test_health(client):
    data = client.get("/v1/health").json()
    assert data["ok"] is True and data["version"]
    assert isinstance(data["time_ms"], int) and data["time_ms"] > 1_600_000_000_000


def test_enroll_push_pull_and_status(db, admin, district, district_target, client, capsys):
    rc, out = cli(capsys, "enroll", "KY01", "--name", "葵涌社区工联会",
                  "--db", district_target)
    assert rc == 0, out
    code = out[-1]
    assert station_id_for("KY01") in "\n".join(out)
    enrolled = client.post("/v1/enroll", json={"station_code": "KY01", "code": code})
    assert enrolled.status_code == 200, enrolled.text
    data = enrolled.json()
    assert data["station_id"] == db.station_id
    assert data["token"] and len(data["bundle_secret"]) == 64
    again = client.post("/v1/enroll", json={"station_code": "KY01", "code": code})
    assert again.status_code == 401 and again.json()["detail"]
    token = data["token"]

    for n in range(1, 6):
        register(db, admin, n)
    cs = gather(db)
    wire = to_wire(cs)
    pushed = post_changeset(client, token, wire)
    assert pushed.status_code == 200, pushed.text
    result = pushed.json()
    assert (result["batch_id"], result["duplicate"], result["inserted"]) == \
        (cs.batch_id, False, 5)
    assert sorted(map(tuple, result["acks"])) == sorted(cs.keys())
    assert acknowledge(db, [tuple(a) for a in result["acks"]]) == 5
    assert count(district, Member) == 5

    repeat = post_changeset(client, token, wire, compress=False)
    assert repeat.status_code == 200
    assert (repeat.json()["duplicate"], repeat.json()["inserted"]) == (True, 0)
    assert repeat.json()["acks"] == result["acks"]
    assert count(district, Member) == 5

    rc, out = cli(capsys, "target", "set", "--year", "2025", "--metric", "enterprise_visits",
                  "--value", "120", "--db", district_target)
    assert rc == 0, out
    pulled = client.get("/v1/pull", params={"after": 0}, headers=bearer(token))
    assert pulled.status_code == 200, pulled.text
    page = pulled.json()
    changes = from_wire(page["changeset"])  # the client can validate it as it is
    assert [r["code"] for r in changes.rows["stations"]] == ["KY01"]
    assert [r["value"] for r in changes.rows["targets"]] == [120]
    assert "members" not in changes.rows  # never echoed back to the station that sent them
    assert page["cursor"] > 0 and page["more"] is False
    small = client.get("/v1/pull", params={"after": 0, "limit": 1}, headers=bearer(token))
    assert small.json()["more"] is True and small.json()["cursor"] < page["cursor"]
    assert sum(map(len, small.json()["changeset"]["rows"].values())) == 1
    rest = client.get("/v1/pull", params={"after": page["cursor"]}, headers=bearer(token))
    assert rest.status_code == 200
    assert rest.json()["cursor"] == page["cursor"] and rest.json()["more"] is False
    assert rest.json()["changeset"]["rows"] == {}

    with district.reader() as s:
        last = s.get(StationCredential, db.station_id).last_sync_at
    assert last
    rc, out = cli(capsys, "status", "--db", district_target)
    assert rc == 0
    line = next(x for x in out if x.startswith("KY01"))
    assert "enrolled" in line and last in line and line.split()[-1] == "0"  # conflicts
    assert not any(x.startswith("DISTRICT") for x in out)  # the district is no station


def test_reference_data_reaches_pull(district, district_target, client, capsys):
    token = enroll(capsys, district_target, client)
    rc, out = cli(capsys, "target", "set", "--year", "2025", "--metric", "enterprise_visits",
                  "--value", "120", "--station", "KY01", "--db", district_target)
    assert rc == 0, out
    rc, out = cli(capsys, "target", "set", "--year", "2025", "--metric", "nonsense",
                  "--value", "1", "--db", district_target)
    assert rc == 1 and len(out) == 1 and out[0].startswith("error: "), out
    rc, out = cli(capsys, "station", "set", "KY01", "--street", "葵涌办事处", "--key",
                  "--db", district_target)
    assert rc == 0, out
    page = client.get("/v1/pull", headers=bearer(token)).json()
    (station,) = page["changeset"]["rows"]["stations"]
    assert (station["street"], station["is_key"]) == ("葵涌办事处", True)
    (target,) = page["changeset"]["rows"]["targets"]
    assert (target["metric"], target["value"]) == ("enterprise_visits", 120)


def test_tokens_are_required_and_revocable(district, district_target, client, capsys):
    assert client.get("/v1/pull").status_code == 401
    assert "Bearer" in client.get("/v1/pull").json()["detail"]
    assert client.get("/v1/pull", headers=bearer("nonsense")).status_code == 401
    assert client.get("/v1/pull", headers={"Authorization": "Basic abc"}).status_code == 401
    token = enroll(capsys, district_target, client)
    assert client.get("/v1/pull", headers=bearer(token)).status_code == 200
    bad = client.get("/v1/pull", params={"after": -1}, headers=bearer(token))
    assert bad.status_code == 422  # said in a sentence, naming the parameter
    assert bad.json()["detail"].startswith("the request is not valid: after:")
    rc, out = cli(capsys, "revoke", "KY01", "--db", district_target)
    assert rc == 0, out
    refused = client.get("/v1/pull", headers=bearer(token))
    assert refused.status_code == 401 and "revoked" in refused.json()["detail"]
    assert post_changeset(client, token, {}).status_code == 401
    rc, out = cli(capsys, "status", "--db", district_target)
    assert "revoked" in next(x for x in out if x.startswith("KY01"))


def test_refused_pushes_apply_nothing(db, admin, district, district_target, client, capsys):
    token = enroll(capsys, district_target, client)
    register(db, admin, 1)
    wire = to_wire(gather(db))

    other = json.loads(json.dumps(wire))
    other["station_id"] = station_id_for("OTHER")
    assert post_changeset(client, token, other).status_code == 403

    malformed = json.loads(json.dumps(wire))
    malformed["rows"]["members"][0]["hlc"] = "yesterday"
    refused = post_changeset(client, token, malformed)
    assert refused.status_code == 422
    assert refused.json()["where"] == "rows.members[0].hlc"

    newer = {**wire, "version": 2}
    assert post_changeset(client, token, newer).status_code == 426

    headers = {**bearer(token), "Content-Type": "application/json"}
    assert client.post("/v1/push", content=b"{not json", headers=headers).status_code == 400
    assert client.post("/v1/push", content=gzip.compress(b"\xff\xfe"),
                       headers={**headers, "Content-Encoding": "gzip"}).status_code == 400

    bomb = gzip.compress(b" " * (MAX_BODY + 1))  # small compressed, too big inflated
    assert client.post("/v1/push", content=bomb, headers={
        **headers, "Content-Encoding": "gzip"}).status_code == 413
    assert client.post("/v1/push", content=b" " * (MAX_COMPRESSED + 1), headers={
        **headers, "Content-Encoding": "gzip"}).status_code == 413

    future = json.loads(json.dumps(wire))
    future["rows"]["members"][0]["hlc"] = str(Stamp(wall_ms() + 600_000, 0, db.node_id))
    skewed = post_changeset(client, token, future)
    assert skewed.status_code == 409
    assert "clock" in skewed.json()["detail"]
    assert isinstance(skewed.json()["server_time_ms"], int)

    assert count(district, Member) == 0  # nothing of any refused batch
    assert post_changeset(client, token, wire).status_code == 200
    assert count(district, Member) == 1


def test_large_answers_are_gzip_compressed_and_pushes_do_not_echo(db, admin, district, district_target, client,
                                           capsys):
    token = enroll(capsys, district_target, client)
    for n in range(1, 11):
        register(db, admin, n)
    response = client.post("/v1/push", content=json.dumps(to_wire(gather(db))), headers={
        **bearer(token), "Content-Type": "application/json", "Accept-Encoding": "gzip"})
    assert response.status_code == 200
    assert response.headers.get("content-encoding") == "gzip"
    assert len(response.json()["acks"]) == 10
    # a station never pulls back what it sent
    page = client.get("/v1/pull", headers=bearer(token)).json()
    assert "members" not in page["changeset"]["rows"]
    small = client.get("/v1/health", headers={"Accept-Encoding": "gzip"})
    assert "content-encoding" not in small.headers


def test_cli_errors_are_one_line(tmp_path, capsys):
    station_file = tmp_path / "nothing.sqlite3"
    rc, out = cli(capsys, "status", "--db", str(station_file))
    assert rc == 1 and len(out) == 1 and out[0].startswith("error: ")
